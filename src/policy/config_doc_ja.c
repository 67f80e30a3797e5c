/*
 * config_doc_ja - the meaning of every setting in Japanese, for "sekisho
 * config reference --lang ja" (docs/configuration.ja.md), written for the
 * municipal staff who run sekisho.  Keyed by the setting's name; the English
 * text, the type, the default and the range live in config.c's table.
 *
 * A setting added there without its row here is reported by
 * config_reference() (the command exits 1), and tests/config-reference/run
 * fails on it.  Say what the English row says, no more and no less.
 */
#include "policy/config.h"

#include <stddef.h>
#include <string.h>

static const struct {
	const char *name, *doc;
} docs_ja[] = {
	/* 制限 */
	{ "message_size_limit",
	  "加工前のメール 1 通の大きさの上限（バイト。`k`・`m`・`g` は 1024 の累乗）。"
	  "解析を始める前に確かめます。超えたメールは保留します（SMTP 受信機能では 552 で"
	  "受け取りを断ります）。" },
	{ "header_size_limit",
	  "メールの最上位のヘッダー（最初の空行までの生のバイト列）の大きさの上限。"
	  "超えたメールは保留します。" },
	{ "line_length_limit", "加工前のメールの 1 行の長さの上限。超えたメールは保留します。" },
	{ "mime_part_limit",
	  "1 通のメールの MIME パートの数の上限（マルチパートなどの入れ物も数えます）。"
	  "超えたメールは保留します。" },
	{ "mime_nesting_limit",
	  "マルチパートや添付されたメールの入れ子の深さの上限。超えたメールは保留します。" },
	{ "text_size_limit",
	  "無害化したメール 1 通（またはテキスト・HTML ファイル 1 つ）の、復号したテキストの量の上限。"
	  "超えたものは保留します。" },
	{ "html_depth_limit",
	  "1 つの HTML パート（または HTML ファイル）の要素の入れ子の深さの上限。超えた HTML は"
	  "保留し、途中で切って表示することはありません（送信の検査では、上限までのテキストを"
	  "検査し、上限に達したことを「検査できないもの」として扱います）。" },
	{ "html_node_limit",
	  "1 つの HTML パート（または HTML ファイル）の要素の数の上限。超えたものは保留します。" },
	{ "time_limit",
	  "1 件の処理にかけてよい秒数（親プロセスでは経過時間、ワーカーでは CPU 時間）。"
	  "超えたものは保留します。" },
	{ "memory_limit",
	  "サンドボックス内のワーカー 1 つが使えるメモリー（アドレス空間）。これ以上を要する画像や"
	  " PDF は、この制限の名前を記録して保留します。" },

	/* 無害化の方針 */
	{ "output_charset",
	  "無害化したメールの文字コード: `utf-8`（base64 で送ります）または `iso-2022-jp`"
	  "（7bit で送ります。古いメールソフト向けで、表せない文字は〓になります）。" },
	{ "notice_language", "無害化した各メールの冒頭に付けるお知らせ欄の言語。" },
	{ "on_ambiguous",
	  "他のソフトウェアでは別の解釈になりうる入力（GMime の `GMIME_CRIT_*` に当たるもの。"
	  "どのような場合かは docs/configuration.md の「What counts as ambiguous」を参照）の扱い: `rebuild` は sekisho が読み取った"
	  "内容で作り直して配信し、お知らせ欄に不正な点をひとつずつ平易な言葉で示します。"
	  "`withhold` は保留します。" },
	{ "prefer_plain_text",
	  "`multipart/alternative` のメールでは、HTML を変換せず、送信者が用意したテキスト版"
	  "（text/plain）を表示します。" },
	{ "show_link_urls", "HTML のリンクを `文字 <URL>` の形で表示します。" },
	{ "defang_urls",
	  "URL を `hxxp://example[.]com` の形に書き換え、クリックしても開かないようにします。" },
	{ "keep_headers",
	  "無害化したメールに引き継ぐ追加のヘッダー（Subject と同じく復号して符号化し直します。"
	  "同じヘッダーが複数あるときは最初のもの）。sekisho 自身が書くヘッダー（`Date`、`From`、"
	  "`To`、`Cc`、`Reply-To`、`Subject`、`Message-ID`、`In-Reply-To`、`References`、"
	  "`MIME-Version`、`Received`、`Content-*`、`X-Sekisho-*`）と、二度挙げた名前は設定の"
	  "誤りになります。無害化したメールでは、どのヘッダーも 1 回だけ現れます。" },

	/* 隔離保管 */
	{ "quarantine_dir",
	  "暗号化した原本を置くフォルダー。同じ内容は 1 つのファイルにまとめます"
	  "（`ab/<sha256>.sk`、モード 0700）。" },
	{ "quarantine_db",
	  "隔離保管した項目の情報（メタデータ）を記録する SQLite データベース（モード 0600）。"
	  "`quarantine_backend = sqlite` のときに使います。" },
	{ "quarantine_backend",
	  "メタデータの置き場所: `sqlite`（1 台で運用）または `postgresql`（複数台で共有。"
	  "表の構成は同じ）。" },
	{ "quarantine_pg",
	  "`quarantine_backend = postgresql` のときの libpq 接続文字列（例: `host=127.0.0.1 "
	  "port=5432 dbname=sekisho user=sekisho`。`connect_timeout` の既定は 10 秒）。"
	  "`config check` はこの設定を表示するので、パスワードは書かず、パスワードファイル"
	  "（`passfile=PATH`、またはデーモンのユーザーの `~/.pgpass`、モード 0600）に置きます。"
	  "`config check` は `password=` の指定と `postgresql://ユーザー:パスワード@` の形を"
	  "誤りとしますが、アドレスの問い合わせ部分のパスワード（`?password=`）は誤りとせず、"
	  "そのまま表示します。保管庫を開くとき（sekishod、`sekisho quarantine`）は、どの形の"
	  "パスワードも拒否します。" },
	{ "quarantine_key",
	  "鍵ファイル（モード 0600。`sekisho quarantine keygen` で作ります）。グループや他の"
	  "ユーザーが読めるファイルは拒否します。" },
	{ "quarantine_inline_limit",
	  "この大きさまでの原本は、メタデータのデータベース（`blobs` 表）に、その行と同じ"
	  "トランザクションで書き込みます。これより大きいものは `quarantine_dir` のファイルに"
	  "なります。0 にするとすべてファイルになります。変更しても、それまでに保管したものが"
	  "読めなくなることはありません（docs/quarantine.md）。" },
	{ "quarantine_retention_days",
	  "隔離保管した項目を保存する日数（1827 日で 5 年）。これより古いものは "
	  "`sekisho quarantine expire` が削除します。各項目の期限は保管したときに決まります。" },

	/* sekishod: 実行ユーザー、スプール、配送 */
	{ "daemon_user",
	  "sekishod を root で起動したとき、マスター以外の sekishod のプロセスが動く既存の"
	  "システムユーザー（root は不可。scripts/setup とパッケージが作ります）。"
	  "`config check` が確かめます。変更は再起動で反映されます。" },
	{ "worker_user",
	  "root で起動したとき（sekishod、または root で実行した `sekisho mail`・`file`）、"
	  "サンドボックス内のワーカー、それを起動するプロセス、LibreOffice が動く既存の"
	  "システムユーザー。`daemon_user` と同じにはできず、root も不可です。" },
	{ "spool_dir",
	  "受け取ってまだ配送していないメールを確実に保存するキュー（`incoming/`、`queue/`、"
	  "`active/`）と、保管庫を管理するプロセスのソケットを置く `private/`。"
	  "所有者は `daemon_user` です。" },
	{ "deliver_to",
	  "配送プロセスが無害化したメールを渡す先: `maildir:PATH`、`smtp:HOST:PORT`、"
	  "`lmtp:HOST:PORT` のいずれか。それ以外は設定の誤りです。" },
	{ "metrics_listen",
	  "Prometheus のメトリクスを提供するアドレス（`GET /metrics`、docs/metrics.md）。"
	  "HOST:PORT の形。空にすると提供しません。" },
	{ "workers",
	  "配送プロセスの数（それぞれがサンドボックス内のワーカーを 1 つ持ちます）。"
	  "ミルターのワーカーの数でもあります。" },
	{ "worker_attempts",
	  "ワーカーが異常終了したり時間切れになったりし続けるメールを試す回数。これを超えると、"
	  "理由 `worker-failed` または `time_limit` で保留します。" },
	{ "retry_seconds",
	  "次の転送先で一時的に失敗したあと、最初に待つ秒数。失敗するごとに倍になり、"
	  "最長 1 時間です。" },
	{ "worker_max_items",
	  "サンドボックス内のワーカー 1 つが処理する件数。これを超えると新しいワーカーに"
	  "入れ替えます（CPU 時間の持ち分、`time_limit` の 2 倍を使い切ったときも入れ替えます）。" },

	/* 職員コンソール */
	{ "console_listen",
	  "職員コンソールが HTTPS で待ち受けるアドレスとポート（HOST:PORT。例: "
	  "`127.0.0.1:8443`、または職員の端末のネットワークのアドレス）。空にすると動きません。"
	  "HTTPS だけに対応するため、`console_tls_cert_file` と `console_tls_key_file` がないと "
	  "`config check` が誤りとします。" },
	{ "console_user",
	  "sekishod を root で起動したとき、HTTP を処理するプロセスが動くシステムユーザー"
	  "（`daemon_user`、`worker_user` と同じにはできず、root も不可）。このプロセスは鍵を持たず、"
	  "データベースも開きません。" },
	{ "console_tls_cert_file",
	  "コンソールの PEM 形式の証明書（中間証明書を含めた連結も可）。`console_listen` を"
	  "設定したときに必要です。" },
	{ "console_tls_key_file",
	  "`console_tls_cert_file` の PEM 形式の秘密鍵（モード 0600。コンソールが権限を手放す前に"
	  "マスターが読みます）。" },
	{ "console_url",
	  "職員がコンソールを開くアドレス（`https://host[:port]`）。各お知らせ欄に、その項目への"
	  "リンク（`…/items/<受付番号>`）が付きます。空にすると、お知らせ欄はシステム管理者に"
	  "問い合わせるよう案内します。" },
	{ "console_language",
	  "コンソールの画面の言語（利用者が画面上部のリンクでもう一方を選ばない限り）。" },
	{ "console_totp_staff",
	  "職員もパスワードに加えて TOTP の確認コードでログインします（承認者、情報システム担当、"
	  "監査担当は常にそうします）。" },
	{ "console_login_failures", "アカウントをロックするまでの、続けて失敗したログインの回数。" },
	{ "console_lockout_seconds",
	  "ロックしたアカウントがロックされたままの時間（`sekisho user password NAME` は新しい"
	  "パスワードを発行して、すぐにロックを解きます）。" },
	{ "console_idle_timeout", "操作のないまま、この秒数が過ぎるとセッションが終わります。" },
	{ "console_session_lifetime",
	  "ログインからこの秒数が過ぎると、操作中でもセッションが終わります。" },
	{ "console_password_memory",
	  "argon2id によるパスワード確認 1 回分のメモリー（大きいほど推測しにくくなり、"
	  "ログインのたびにこの量を使います）。" },
	{ "console_download_limit",
	  "コンソールから取り出せる原本の大きさの上限（これより大きいものは "
	  "`sekisho quarantine export` で取り出します）。" },
	{ "console_notify",
	  "職員が原本を申請したときにそのグループの承認者へ、決定したときにその職員へ、"
	  "登録したアドレスにメールで知らせます（`deliver_to` を通して送ります）。" },
	{ "console_release_to",
	  "承認した原本を職員に渡す方法: `download`（コンソールから取り出す）、`mailbox`（届いた"
	  "ままの形で、`deliver_to` を通して職員のアドレスへ配送し直す）、`both`（両方）。"
	  "いずれも取り出しとして記録します（`download` または `redeliver`）。" },
	{ "console_digest_time",
	  "`HH:MM`（日本時間）。毎日この時刻に（その時刻に sekishod が止まっていたときは、その後"
	  "最初に確かめたときに）、アドレスを登録していて自分が決定できる未処理の申請がある承認者と"
	  "情報システム担当に、申請の一覧をメールで送ります。複数台のときは 1 台がその日を受け持ちます。"
	  "空にすると送りません。" },
	{ "console_page_size",
	  "一覧の 1 ページに表示する件数（新しい順）。ページの最後に、より古いものへのリンクが"
	  "付きます（API では RFC 8288 の `Link: <…>; rel=\"next\"` ヘッダー）。" },
	{ "console_unlock_attempts",
	  "暗号化された添付ファイル（PPAP）1 つについて、パスワードの誤りを数える回数。これを超えると"
	  "コンソールではもう試せません（サーバー上での `sekisho quarantine export` は使えます）。" },
	{ "console_release_malware",
	  "ウイルスや YARA ルールに一致した項目（理由 `virus`、`signature-match`）: `never` は"
	  "コンソールからは取り出させません。`two-operators` は情報システム担当が申請し、別の情報"
	  "システム担当が承認します。" },
	{ "console_release_approver",
	  "それ以外の申請を承認する人: `approver`（申請者のグループの承認者、または情報システム"
	  "担当）、`operator`（情報システム担当だけ）。" },
	{ "console_self_release",
	  "この作り直しの方法（`rasterize`、`re-encode`、`rebuild`、`transcode` など。カンマ区切り）"
	  "だけで項目の添付ファイルがすべて作り直されて残り、削除されたものがないとき、職員は承認"
	  "なしで原本を取り出せます。それでも申請・承認（`self-service`）・取り出しとして記録します。"
	  "空にするとこの扱いはしません。" },
	{ "console_ldap_uri",
	  "`sekisho user add --ldap` で作ったアカウントのパスワードを確かめる LDAP または "
	  "Active Directory のサーバー（`ldaps://host` または `ldap://host[:port]`。役割、グループ、"
	  "アドレス、TOTP は sekisho 側で管理します）。空にすると使いません。" },
	{ "console_ldap_bind",
	  "バインドに使う名前。アカウント名の位置に `%s` をちょうど 1 つ書きます"
	  "（`uid=%s,ou=people,dc=town,dc=example,dc=lg,dc=jp`。Active Directory では "
	  "`%s@town.example.lg.jp`）。" },
	{ "console_ldap_starttls",
	  "`ldap://` のサーバーで StartTLS を使います。`no` にするとパスワードが暗号化されずに流れます"
	  "（ループバックか、保護されたネットワークでだけ使ってください）。" },
	{ "console_ldap_ca_file",
	  "ディレクトリサーバーの証明書に署名した CA の証明書（PEM 形式）。空にするとシステムの"
	  "ものを使います。" },
	{ "withheld_notice",
	  "保留したメールの代わりに、SMTP 受信機能の配送プロセスが短いお知らせ（差出人、件名、理由、"
	  "受付番号、コンソールへのリンク）を配送し、届かなかったものがあることを職員に知らせます。" },

	/* 組み込みの SMTP/LMTP 受信 */
	{ "listen", "組み込みの SMTP/LMTP 受信機能が待ち受けるアドレスとポート（HOST:PORT）。" },
	{ "listen_protocol",
	  "受信機能が話すプロトコル（`lmtp` では DATA のあと宛先ごとに 1 つずつ応答します）。" },
	{ "hostname",
	  "挨拶、EHLO への応答、`Received:` ヘッダーに書くホスト名（英数字、`.`、`-`、`_`）。"
	  "空にするとシステムのホスト名を使います。" },
	{ "mynetworks",
	  "受信機能にメールを渡してよい送信元（IPv4/IPv6 のネットワーク: `192.0.2.0/24`、"
	  "`10.1.2.3`、`2001:db8::/32`、`[::1]/128`）。それ以外の送信元には `554 5.7.1` で応答し、"
	  "QUIT 以外のすべてに 503 を返します。プレフィックスより後ろのビットが立っている指定"
	  "（`127.0.0.1/8`）は設定の誤りです。IPv6 のソケットに来た IPv4 の送信元"
	  "（`::ffff:192.0.2.1`）は、IPv4 のネットワークとして照合します。" },
	{ "relay_domains",
	  "受信機能がメールを受け取る宛先のドメイン（`example.lg.jp`。`.example.lg.jp` でその下の"
	  "すべてのドメイン）。それ以外の宛先には `554 5.7.1 Relay access denied` を返します。"
	  "空（既定）ではすべての宛先を断るので、自団体のドメインを指定してください。送信者が経路を"
	  "指定した宛先（`@a:u@b`、ローカル部に `%`、`!`、`@` を含むもの）はドメインにかかわらず断り、"
	  "ドメインのない宛先（`postmaster`）やアドレスリテラルの宛先も断ります。"
	  "`direction = outbound` では空にします。" },
	{ "max_sessions",
	  "同時に受け付ける SMTP セッションの数。超えた送信元にはすぐに `421 4.3.2` を返し、"
	  "他のセッションはそのまま続きます。" },
	{ "smtp_client_connection_limit",
	  "1 つの送信元アドレスからの同時 SMTP セッションの数（Postfix の "
	  "`smtpd_client_connection_count_limit` に当たります）。超えると `421 4.7.0` を返すので、"
	  "1 つのアドレスがすべてのセッションを占めることはできません。" },
	{ "smtp_timeout",
	  "SMTP セッションが送信元の次のデータを待つ秒数（無操作の時間）。過ぎると "
	  "`421 4.4.2` を返して切断します。" },
	{ "smtp_session_timeout",
	  "SMTP セッション 1 つが続いてよい秒数（送信元が通信を続けていても数える期限で、無操作の"
	  "時間ではありません）。過ぎると `421 4.4.2` を返して切断します。そのとき送信中のメールは"
	  "受け取らず、送信元が再送します。" },
	{ "smtp_write_timeout",
	  "応答 1 つを送り終えるまでの秒数。応答を読まない送信元は切断します。" },
	{ "smtp_tls_cert_file",
	  "受信機能の STARTTLS に使う PEM 形式の証明書（中間証明書を含めた連結も可。TLS 1.2 以上）。"
	  "これと `smtp_tls_key_file` を設定したときだけ STARTTLS を提供します。起動時、再読み込み時、"
	  "`config check` で確かめます。空にすると STARTTLS を提供しません。" },
	{ "smtp_tls_key_file",
	  "`smtp_tls_cert_file` の PEM 形式の秘密鍵（モード 0600）。証明書と対になっている必要が"
	  "あります。STARTTLS のあと、ハンドシェイクの前に送信元が続けて送ったコマンドは捨て"
	  "（CVE-2011-0411）、ハンドシェイクのあとでセッションをやり直します。" },

	/* 監査ジャーナル */
	{ "journal",
	  "すべての受付票と原本の取り出しを記録する、ハッシュでつながった監査ジャーナル。署名した"
	  "チェックポイントは `<journal>.checkpoints`、書きかけで途切れた部分は `<journal>.torn` に"
	  "移します。" },
	{ "audit_key",
	  "ジャーナルのチェックポイントに署名する Ed25519 の秘密鍵（モード 0600。グループや他の"
	  "ユーザーが読めるファイルは拒否します）。sekishod が初めて起動したときに、監査担当に渡す"
	  "公開鍵 `<audit_key>.pub` と一緒に作ります（`sekisho audit verify -c CONFIG` はこの"
	  "公開鍵を読みます）。" },
	{ "audit_checkpoint_records",
	  "チェックポイントで保護されていないジャーナルの記録がこの件数になると、チェックポイントに"
	  "署名します（ジャーナルの最初の記録はすぐに保護します）。" },
	{ "audit_checkpoint_seconds",
	  "最後のチェックポイントからこの秒数が過ぎ、その間に記録が増えていたときと、停止するときにも"
	  "署名します。sekishod が動いている間、保護されない記録がこれより長く残ることはありません。" },
	{ "journal_rotate_size",
	  "ジャーナルがこの大きさになると、チェックポイントの署名のあとで切り替えます。それまでの記録は "
	  "`<journal>.<最後の記録の seq（20 桁）>` の名前で残し、`<journal>` はそのファイル名を記した"
	  "記録から続けます。`sekisho audit verify` は切り替えたファイルを古い順にすべて読み、一本の"
	  "鎖として検証します（切り替えたファイルは消さずに保管してください。手動で切り替えるには "
	  "`sekisho audit rotate`。0 にすると切り替えません）。" },

	/* Postfix のミルター */
	{ "milter_listen",
	  "sekishod のミルタープロセス（`sk-milter`）が Postfix の `smtpd_milters` のために待ち受ける"
	  "場所: `inet:HOST:PORT` または `unix:/path`（libmilter の `inet:PORT@HOST` も可）。"
	  "空にすると動きません。各メールは `workers` 個のサンドボックス内のワーカーのどれかで無害化"
	  "します。無害化できたら Postfix は無害化したものだけを配送し、保留したら（"
	  "`message_size_limit` を超えたときも）破棄して原本を隔離保管します。ワーカー、隔離保管、"
	  "ジャーナルのどれかが失敗したときは一時的に断り（451）、送信元が再送します。ワーカーの失敗が "
	  "`worker_attempts` 回になると保留します。Postfix では `milter_default_action = tempfail` "
	  "を設定してください。Unix ソケットはモード 0666 で作るので、アクセスは置き場所のフォルダーの"
	  "権限で制限します（examples/postfix-milter/）。`direction = outbound` では無害化の代わりに"
	  "検査をします。" },

	/* 送信の検査 */
	{ "direction",
	  "ミルターの役割: `inbound` はインターネット側から来るメールを無害化します。`outbound` は"
	  "出ていくメールを検査し（個人番号・法人番号、検査できないもの、多数の庁外宛先。"
	  "docs/outbound.md）、通す・宛先を隠す・保留する・断るのいずれかをします。`outbound` には "
	  "`milter_listen` が必要で、`relay_domains` は空にします（受信機能は無害化をするもので、"
	  "受け取るメールのためのものです）。" },
	{ "dlp_keywords",
	  "近く（300 文字以内、または表の列見出し）にあると 12 桁の数字を確度「高」の個人番号と"
	  "みなす語を、組み込みの語（個人番号、マイナンバー、My Number、通知カード）に加えます。"
	  "`sekisho dlp scan` でも使います。" },
	{ "dlp_other_labels",
	  "個人番号ではない番号の見出しを、組み込みのもの（注文番号、受付番号、整理番号、TEL、〒 など）"
	  "に加えます。同じ行でこの見出しのすぐ後にある番号は個人番号とみなしません。" },
	{ "dlp_terms",
	  "含まれていると種類 `term` の検出になる語: 機密性の区分（機密性3、取扱注意。件名の "
	  "`[機密性3]` でも本文と同じように見つけます）や事業名など。英字の大文字・小文字は区別せず、"
	  "1 つの語はそれを含むテキストごとに 1 件と数えます。" },
	{ "outbound_term_action",
	  "`dlp_terms` の語を含み、庁外の宛先があるメールの扱い: `hold`（保留）、`reject`（拒否）、"
	  "`pass`（通す）。" },
	{ "outbound_local_domains",
	  "自団体のドメイン（`example.lg.jp`。`.example.lg.jp` でその下のすべてのドメイン）。"
	  "それ以外のドメインの宛先と、ドメインのない宛先は庁外です。空にするとすべてのドメインが"
	  "庁外になります。" },
	{ "outbound_trusted_destinations",
	  "検出があっても送ってよい庁外のドメイン（LGWAN でつながる連携先、一部事務組合など。"
	  "書き方は `outbound_local_domains` と同じ）。宛先がこれらと庁内だけのメールは、記録する"
	  "だけで止めません。To/Cc の宛先数の上限では、庁外として数えます。" },
	{ "outbound_trusted_senders",
	  "業務上正当なやり取りのある送信者（カンマ区切り）: アドレス（`kokuho@town.example.lg.jp`）"
	  "またはドメイン（`.zeimu.town.example.lg.jp`。書き方は `outbound_local_domains` と同じ）。"
	  "その検出は記録するだけで止めません。To/Cc の宛先数の上限はかかります。" },
	{ "outbound_number_action",
	  "`outbound_number_confidence` 以上の確度の個人番号・法人番号を含み、庁外の宛先があるメールの"
	  "扱い: `hold` は承認まで止めます（Postfix の保留キュー、または `outbound_release_to` を設定"
	  "したときは sekisho の隔離保管だけに置き、コンソールで決めます）。`reject` は断ります"
	  "（受付番号を付けて 550）。`pass` は記録して通します。" },
	{ "outbound_number_confidence",
	  "`outbound_number_action` の対象にする番号の検出の最低の確度。これより低いものは記録"
	  "だけします。`low`（検査用数字が合うだけ）では、でたらめな 12 桁の数字もおよそ 11 件に "
	  "1 件が止まります。" },
	{ "outbound_uninspectable_action",
	  "庁外の宛先があるメールに、検査できないもの（暗号化 zip（PPAP）、制限の超過、テキストの"
	  "ない形式）が含まれるときの扱い: `hold`（保留）、`reject`（拒否）、`pass`（通す）。" },
	{ "outbound_check_internal",
	  "宛先が庁内だけのメールでも、検出に応じて扱いを決めます。`no` ではそうしたメールは通し、"
	  "検出を記録します。" },
	{ "outbound_visible_outside_limit",
	  "1 通のメールの To と Cc に見えてよい庁外のアドレスの数の上限。超えると "
	  "`outbound_many_outside_action` の扱いになります（0: 上限なし）。" },
	{ "outbound_many_outside_action",
	  "`outbound_visible_outside_limit` を超えたメールの扱い: `bcc` は To と Cc を "
	  "`undisclosed-recipients:;` に置き換えます（全員に届き、互いの宛先は見えません）。"
	  "ほかに `hold`（保留）、`reject`（拒否）。" },
	{ "outbound_release_to",
	  "職員コンソールで承認された保留メールを送る先: `smtp:HOST:PORT` または `lmtp:HOST:PORT`。"
	  "ミルターを通さない、送信用 Postfix の受け口（`-o smtpd_milters=`）を指定します。"
	  "設定すると、保留メールは sekisho が自分で保管し（Postfix は自分の分を破棄します）、送信者に"
	  "知らせ、送信者はコンソールで承認を申請するか取り消します（`direction = outbound` と "
	  "`console_listen` が必要）。空にすると、保留メールは Postfix の保留キューで待ちます"
	  "（`postsuper -H`）。" },
	{ "outbound_delay",
	  "誤送信防止: そのまま通るはずの庁外宛てのメールを、この秒数だけ待たせてから送ります。"
	  "その間、送信者はコンソールで取り消す（またはすぐに送る）ことができ、時間が来ると sekisho が"
	  "送ります（実行者 `sekisho` の `send` として記録します）。`outbound_release_to` が必要です。宛先が庁内だけのメールと、To と Cc を隠した"
	  "メール（`bcc`）はすぐに送ります。0: 待たせません。" },
	{ "outbound_confirm_new_recipients",
	  "誤送信防止: 待機中のメール（`outbound_delay`）に、送信者が sekisho を通して一度も送った"
	  "ことのない庁外のアドレスがあるときは、自動では送りません。送信者にメール（【送信確認】、"
	  "新しいアドレスを記載）で知らせ、送信者がコンソールで送るか取り消します。sekisho がその"
	  "アドレス宛てのメールを一度送ると、既知のアドレスになります（`outbound_known` 表）。"
	  "`outbound_delay` が必要です。" },

	/* ファイルの受け渡しフォルダー */
	{ "transfer_in_dir",
	  "インターネット側の投入フォルダー `transfer_in_dir/USER/`。利用者ごとに 1 つ、その利用者の"
	  "メールアドレスの名前で作ります（`direction = outbound` では LGWAN 側のフォルダーになり、"
	  "ファイルは無害化せずに送信の検査をします。届いたまま通す、コンソールでの承認まで保留する、"
	  "`USER/sekisho-返却/NAME.送信保留.txt` や `.送信却下.txt` のメモを付けて断る、のいずれか"
	  "です）。置かれた通常のファイルはスプールに取り込んでから削除し、無害化したものが "
	  "`transfer_out_dir` の利用者のフォルダーに出て、原本は隔離保管します。取り込めないものには "
	  "`USER/sekisho-返却/` にメモ `NAME.理由.txt` を置いて応えます。`file_size_limit` を超える"
	  "ファイルや、別の場所のファイルへのハードリンクはそこへ移し、シンボリックリンクやデバイスは"
	  "削除します（たどりません）。空にすると動きません。" },
	{ "transfer_out_dir",
	  "LGWAN 側のフォルダー `transfer_out_dir/USER/`（なければ作ります）。無害化したファイル"
	  "（拡張子は変換後の形式。同じ名前があれば `-2`… を付けます）と `NAME.receipt.json` を"
	  "置きます。保留したファイルにはお知らせ `NAME.保留.txt`（日本語、続けて英語、コンソールへの"
	  "リンク付き）を置きます。`transfer_in_dir` と一緒に設定し、どちらも他方の中に置いたり "
	  "`spool_dir` を含んだりはできません。" },
	{ "transfer_settle_seconds",
	  "置かれたファイルは、更新時刻と変更時刻がこの秒数動かなくなってから取り込みます"
	  "（コピーの途中のファイルには手を付けません）。" },
	{ "transfer_scan_seconds",
	  "inotify の通知とは別に、少なくともこの間隔でフォルダーを見回ります（ネットワーク共有では"
	  "通知が来ないことがあります）。" },
	{ "transfer_approval",
	  "無害化したファイルを、承認者が職員コンソールで許可するまで渡しません。ファイルは受付票と"
	  "一緒に `transfer_out_dir/.sekisho-承認待ち/受付番号/`（モード 0700。どの利用者からも"
	  "見えません）で待ち、利用者のフォルダーのメモ `NAME.承認待ち.txt` がそのことを伝えます。"
	  "利用者が項目のページで申請し、承認者が新しい TOTP の確認コードで承認すると、ファイルが"
	  "フォルダーに移ります（そのあと原本も取り出せます）。保留したファイルは承認なしのときと"
	  "同じように応えます。" },
	{ "transfer_upload_limit",
	  "職員がコンソールの「ファイルの持ち込み」ページ（`/upload`）で持ち込めるファイルの大きさの"
	  "上限。ファイルは利用者のアドレスのどれかの投入フォルダーに入り、そこに置いたファイルと"
	  "同じように渡ります（無害化、または `direction = outbound` では検査）。`file_size_limit` も"
	  "かかります。同時に読み込む持ち込みは 4 件までです。0 にすると持ち込みのページはありません。" },

	/* ファイルと添付ファイル */
	{ "attachments",
	  "メールの添付ファイル: `sanitize` は 1 つずつ作り直して無害にできたものを残します"
	  "（残せないものは削除して一覧に示します）。`remove` はすべて削除します。" },
	{ "file_size_limit",
	  "`sekisho file` が読むファイル（と、受け渡しフォルダーが取り込むファイル。超えたものは"
	  "メモを付けて返却します）の大きさの上限。超えたものは、この制限の名前を記録して保留します。" },
	{ "file_output_size_limit",
	  "無害化したファイルの大きさの上限（画像化した PDF は大きくなります）。メールでは、残した"
	  "添付ファイルの合計です。超えたファイルは保留し、メールの添付ファイルは削除します。" },
	{ "pdf_mode",
	  "PDF: `rasterize` はページを画像にします（画面転送のファイル版）。`rebuild` はテキストと"
	  "図形を残し、動作する要素をすべて取り除いた新しい PDF を作ります。" },
	{ "pdf_resolution", "PDF を画像化するときのページ画像の解像度（dpi）。" },
	{ "pdf_jpeg_quality", "PDF を画像化するときのページ画像の JPEG 品質。" },
	{ "pdf_text_layer",
	  "PDF を画像化するとき、元のテキストを見えない層として残し、検索やコピーができるように"
	  "します。" },
	{ "tesseract",
	  "tesseract のプログラム。スキャンしたページの文字認識（OCR）のために予約してありますが、"
	  "まだ使っていません（何も実行しません）。" },
	{ "pdf_page_limit",
	  "PDF 1 つのページ数の上限。超えたファイルは保留し、メールの添付ファイルは削除します。" },
	{ "image_pixel_limit",
	  "画像 1 枚（または描画したページ 1 枚）の画素数（幅 × 高さ）の上限。デコードの前に"
	  "ヘッダーで確かめます。超えたファイルは保留し、メールの添付ファイルは削除します。" },
	{ "office_part_limit", "Office Open XML の文書 1 つに含まれる部品の数の上限。" },
	{ "archive_entry_limit",
	  "圧縮ファイル 1 つに含まれるファイルの数の上限（入れ子の圧縮ファイルの中身も数えます）。" },
	{ "archive_total_size_limit",
	  "圧縮ファイル 1 つを展開した合計の大きさの上限（入れ子の圧縮ファイルの中身も数えます）。" },
	{ "archive_entry_size_limit",
	  "圧縮ファイルの中のファイル 1 つを展開した大きさの上限（ヘッダーの値ではなく、展開しながら"
	  "数えます）。" },
	{ "archive_ratio_limit",
	  "中のファイル 1 つの、展開後と圧縮時の大きさの比の上限（解凍爆弾への対策）。" },
	{ "archive_depth_limit", "圧縮ファイルの中の圧縮ファイルの入れ子の深さの上限。" },
	{ "text_output_charset", "無害化したテキストファイルと CSV ファイルの文字コード。" },
	{ "csv_bom",
	  "UTF-8 の CSV ファイルの先頭に BOM（バイト順マーク）を付け、日本語版の Excel で正しく"
	  "開けるようにします。" },
	{ "legacy_office",
	  "doc・xls・ppt、RTF、OpenDocument のファイル: `convert` は LibreOffice（マクロ無効、"
	  "ネットワークなし、専用のサンドボックス内のプロセス）で PDF に変換してから画像化します。"
	  "`withhold` は保留します。" },
	{ "libreoffice",
	  "`legacy_office = convert` で使う LibreOffice のプログラム。見つからないときは、そうした"
	  "ファイルをその理由を記録して保留します。" },
	{ "clamd_socket",
	  "clamd の Unix ソケット。すべての項目を無害化の前と後に検査します。ウイルスの検出（理由 "
	  "`virus`）や判定が得られないとき（理由 `scan-failed`。clamd の停止、`StreamMaxLength` の"
	  "超過など）は保留します。空にすると検査しません。" },
	{ "yara_rules",
	  "YARA ルール（`*.yar`、`*.yara`）のフォルダー。ワーカーの起動時にコンパイルし、無害化の"
	  "前か後に一致したファイルは保留します（理由 `signature-match`。ルール名を記録）。"
	  "コンパイルできないルールは設定の誤りです。空にすると使いません。" },

	/* 稼働監視と警報 */
	{ "alert_to",
	  "情報システム担当のメールアドレス。稼働確認で異常が見つかると（clamd に接続できない、"
	  "キューが古すぎる、ディスクの空きが少ない、ワーカーの異常終了が多い、ジャーナルの検証に"
	  "失敗した）、sekishod が `deliver_to` を通してここへ異常ごとに 1 回メールを送り、回復した"
	  "ときにもう 1 回送ります。空にするとメールは送りません（`sekisho status` ではいずれにしても"
	  "分かります）。" },
	{ "alert_check_seconds", "sekishod が稼働確認をする間隔。" },
	{ "alert_queue_minutes",
	  "スプールでこの分数より長く待っている項目があると警報にします（次の転送先かワーカーが"
	  "止まっています）。" },
	{ "alert_disk_percent",
	  "スプール、隔離保管、ジャーナルのファイルシステムの空きがこの割合（%）を下回ると警報に"
	  "します（0: 確かめません）。" },
	{ "alert_worker_deaths",
	  "1 時間に異常終了（クラッシュ、時間やメモリーの制限）したサンドボックス内のワーカーが"
	  "この数を超えると警報にします（0: 確かめません）。" },
};

const char *
config_doc_ja(const char *name)
{
	for (size_t i = 0; i < sizeof docs_ja / sizeof docs_ja[0]; i++) {
		if (strcmp(docs_ja[i].name, name) == 0)
			return docs_ja[i].doc;
	}
	return NULL;
}
