/*
 * pages - the console's HTML (see the header).
 */
#include "web/pages.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "mime/notice.h"
#include "web/html.h"

struct text {
	const char *key, *ja, *en;
};

static const struct text texts[] = {
	{ "title", "関所 職員コンソール", "sekisho staff console" },
	{ "login", "ログイン", "Log in" },
	{ "user", "ユーザー名", "User name" },
	{ "password", "パスワード", "Password" },
	{ "totp", "確認コード (認証アプリの6桁)", "Code (6 digits from the authenticator app)" },
	{ "totp-hint", "認証アプリがない場合は回復コードを入力できます",
	  "Without the app, a recovery code works once" },
	{ "login-failed", "ユーザー名、パスワードまたは確認コードが違います。",
	  "Wrong user name, password or code." },
	{ "login-locked", "失敗が続いたため、このアカウントは一時的にロックされています。しばらく待つか、情報システム担当に連絡してください。",
	  "After repeated failures this account is locked for a while. Wait, or ask the IT staff." },
	{ "session-ended", "セッションが終了しました。もう一度ログインしてください。",
	  "Your session ended. Please log in again." },
	{ "logout", "ログアウト", "Log out" },
	{ "items", "受信したメール", "My mail" },
	{ "approvals", "承認待ち", "Approvals" },
	{ "received", "受信日時", "Received" },
	{ "from", "差出人", "From" },
	{ "subject", "件名", "Subject" },
	{ "to", "宛先", "To" },
	{ "result", "結果", "Result" },
	{ "receipt", "受付番号", "Receipt" },
	{ "sanitized", "無害化して配送", "Delivered, made harmless" },
	{ "withheld", "保留 (配送していません)", "Withheld (not delivered)" },
	{ "no-items", "該当するメールはありません。", "Nothing here." },
	{ "older", "古いメールへ", "Older mail" },
	{ "search", "検索", "Search" },
	{ "search-label", "件名・差出人で検索", "Search subject and sender" },
	{ "search-none", "該当するメールはありません。", "No mail matches." },
	{ "newest", "最新のメールへ", "Newest mail" },
	{ "why", "理由", "Reason" },
	{ "parts", "添付ファイル", "Attachments" },
	{ "file", "ファイル名", "File" },
	{ "action", "処理", "Done" },
	{ "act-sanitized", "無害化", "made harmless" },
	{ "act-removed", "削除", "removed" },
	{ "act-withheld", "保留", "withheld" },
	{ "act-converted", "変換", "converted" },
	{ "original", "原本", "Original" },
	{ "leaving", "送信の保留", "Held as it left" },
	{ "leaving-held", "このメールは、外部に出してはならない情報を含むおそれがあるため送信を保留しています。まだ送信されていません。",
	  "This message was held as it left: it may carry information that must not leave. It has not been sent." },
	{ "leaving-mta", "このメールはメールサーバーの保留キューにあります。送信はシステム担当者が行います。",
	  "This message waits in the mail server's hold queue; the system administrator releases it." },
	{ "hold-sent", "宛先に送信しました。", "Sent to its recipients." },
	{ "leaving-delayed", "外部宛てのメールは、誤送信防止のため少し待ってから送信します。次の時刻に送信されます（それまでは取り消せます）:",
	  "Mail for outside recipients waits a little before it leaves, so that a mistake can be recalled. It leaves at:" },
	{ "delayed", "送信待ち", "Waiting to leave" },
	{ "hold-confirm", "これまでに送信したことのない宛先が含まれるため、送信していません。宛先が正しければ「送信する」を押してください。",
	  "It has not been sent: it is for addresses you have never sent to. If they are right, send it." },
	{ "new-recipients", "初めての宛先", "Addresses never sent to before" },
	{ "hold-recalled", "送信者が取り消しました。このメールは送信されません。",
	  "Recalled by its sender: it will not be sent." },
	{ "findings", "検出した内容", "What was found" },
	{ "finding-kind", "種類", "Kind" },
	{ "finding-where", "場所", "Where" },
	{ "finding-masked", "内容（末尾4桁のみ）", "Value (last four digits)" },
	{ "confidence", "確度", "Confidence" },
	{ "conf-high", "高", "high" },
	{ "conf-medium", "中", "medium" },
	{ "conf-low", "低", "low" },
	{ "kind-individual-number", "個人番号", "Individual number (My Number)" },
	{ "kind-corporate-number", "法人番号", "Corporate number" },
	{ "kind-uninspectable", "検査できない内容", "Cannot be inspected" },
	{ "kind-term", "指定した語句", "A listed word" },
	{ "send-request", "送信の承認を申請する", "Ask for approval to send" },
	{ "send-request-reason", "送信が必要な理由 (承認者に表示されます)",
	  "Why it must be sent (shown to the approver)" },
	{ "send-request-sent", "申請しました。承認されると送信されます。",
	  "Asked. Once approved it is sent." },
	{ "recall", "送信を取り消す", "Recall (do not send)" },
	{ "recalled", "取り消しました。このメールは送信されません。",
	  "Recalled: it will not be sent." },
	{ "send-now", "送信する（承認済み）", "Send it (approved)" },
	{ "awaiting", "配送の承認", "Approval to deliver" },
	{ "awaiting-held", "このファイルは無害化済みですが、届ける前に承認が必要です。理由を書いて配送を申請してください。承認されるとあなたの LGWAN 側のフォルダに届き、原本も取り出せます。",
	  "This file has been made harmless, but it needs an approval before it is delivered. Ask for it with a reason; once approved it arrives in your LGWAN-side folder, and you may take its original too." },
	{ "awaiting-sent", "承認され、フォルダに届けました。", "Approved and delivered into the folder." },
	{ "deliver-request", "配送の承認を申請する", "Ask for approval to deliver" },
	{ "deliver-request-reason", "配送が必要な理由 (承認者に表示されます)",
	  "Why you need it (shown to the approver)" },
	{ "deliver-request-sent", "申請しました。承認されるとフォルダに届きます。",
	  "Asked. Once approved it arrives in your folder." },
	{ "deliver-now", "フォルダに届ける（承認済み）", "Deliver it (approved)" },
	{ "upload", "ファイルの持ち込み", "Bring in a file" },
	{ "upload-text", "インターネット側で受け取ったファイルを選んで送ると、無害化して LGWAN 側のあなたのフォルダに届けます。原本は隔離して保管します。",
	  "Choose a file received on the internet side: it is made harmless and delivered into your LGWAN-side folder. The original is kept in quarantine." },
	{ "upload-text-outbound", "選んだファイルは、持ち出してはならない情報がないか検査したうえで、インターネット側のあなたのフォルダに届けます。",
	  "The file chosen is checked for information that must not leave, then delivered into your internet-side folder." },
	{ "upload-file", "ファイル", "File" },
	{ "upload-as", "届け先 (あなたのアドレス)", "Deliver for (your address)" },
	{ "upload-submit", "送る", "Send" },
	{ "upload-done", "受け付けました。処理が終わると一覧に表示されます。", "Taken. It appears in the list once it has been processed." },
	{ "upload-too-large", "ファイルが大きすぎます。", "The file is too large." },
	{ "upload-bad-name", "このファイル名は使えません。名前を変えてからもう一度送ってください。",
	  "This file name cannot be used. Rename the file and send it again." },
	{ "upload-off", "ファイルの持ち込みは設定されていません。", "Bringing in files is not set up." },
	{ "sent", "送信しました。", "Sent." },
	{ "request", "原本を申請する", "Ask for the original" },
	{ "request-reason", "申請理由 (承認者に表示されます)", "Why you need it (shown to the approver)" },
	{ "request-sent", "申請しました。承認されるとここからダウンロードできます。",
	  "Requested. Once approved you can download it here." },
	{ "request-pending", "承認待ちです。", "Waiting for approval." },
	{ "request-approved", "承認されました。", "Approved." },
	{ "request-rejected", "却下されました。", "Rejected." },
	{ "requests", "申請", "Requests" },
	{ "self", "この原本は承認なしで取り出せます (取り出しは記録されます)。",
	  "You may take this original without approval (it is recorded)." },
	{ "two-operators", "ウイルス等が検出されました。原本は情報システム担当が申請し、別の担当者が承認した場合に限り取り出せます。",
	  "A virus or a suspicious pattern was found: only an operator may ask, and another operator must approve." },
	{ "never", "ウイルス等が検出されたため、この原本はコンソールからは取り出せません。",
	  "A virus or a suspicious pattern was found: this original cannot be released here." },
	{ "download", "原本をダウンロード", "Download the original" },
	{ "download-note", "ダウンロードは記録されます。", "Each download is recorded." },
	{ "redeliver", "原本を受信箱に再配送", "Deliver the original to my mailbox" },
	{ "unlock-password", "パスワード (送信者から別に届いたもの)", "Password (sent to you separately)" },
	{ "unlock", "パスワードで開く", "Open with the password" },
	{ "unlock-wrong", "パスワードが違います。", "Wrong password." },
	{ "unlock-locked", "パスワードを何度も間違えたため、この添付ファイルはコンソールでは開けません。情報システム担当に連絡してください。",
	  "Too many wrong passwords: this attachment cannot be opened in the console any more. Ask the IT staff." },
	{ "unlock-withheld", "開きましたが、中身が安全でないため取り出せません。", "Opened, but its content is not safe: it cannot be taken." },
	{ "redelivered", "原本を受信箱に配送しました。", "The original was delivered to your mailbox." },
	{ "approve", "承認", "Approve" },
	{ "reject", "却下", "Reject" },
	{ "comment", "コメント", "Comment" },
	{ "approve-totp", "確認コード (承認には毎回必要です)", "Code (needed for each approval)" },
	{ "queue-empty", "承認待ちの申請はありません。", "No requests are waiting." },
	{ "decided", "処理しました。", "Done." },
	{ "decide-denied", "確認コードが違うか、使用済みです。", "Wrong or already used code." },
	{ "conflict", "すでに処理されています。", "This was already done." },
	{ "not-found", "見つかりません", "Not found" },
	{ "not-found-text", "この項目はないか、あなたには表示できません。",
	  "This item does not exist, or is not yours to see." },
	{ "forbidden", "できません", "Not allowed" },
	{ "forbidden-text", "この操作はあなたの権限またはこの項目の取り出し規則で許されていません。",
	  "Your role or this item's release rule does not allow this." },
	{ "failed", "処理できませんでした", "Could not be done" },
	{ "failed-text", "内部の処理に失敗しました。しばらくしてからもう一度試してください。記録は失われていません。",
	  "Something failed inside. Try again later; nothing was lost." },
	{ "bad", "要求が正しくありません", "Bad request" },
	{ "bad-text", "フォームが正しくないか、有効期限が切れています。ページを開き直してください。",
	  "The form was not valid or has expired. Open the page again." },
	{ "by", "申請者", "By" },
	{ "state", "状態", "State" },
	{ "st-pending", "承認待ち", "waiting" },
	{ "st-approved", "承認済み", "approved" },
	{ "st-rejected", "却下", "rejected" },
	{ "st-held", "保管中", "kept" },
	{ "st-released", "取り出し済み", "released" },
	{ "role-staff", "職員", "staff" },
	{ "role-approver", "所属長 (承認者)", "approver" },
	{ "role-operator", "情報システム担当", "operator" },
	{ "role-auditor", "監査", "auditor" },
	{ "lang-other", "English", "日本語" },
	{ "back", "一覧に戻る", "Back to the list" },
	{ "item", "メール", "Mail" },
	{ "send", "送信", "Send" },
	{ "preview", "プレビュー", "Preview" },
	{ "enrol", "初回設定", "First-time set-up" },
	{ "enrol-intro", "はじめにパスワードの変更と確認コード (二要素認証) の設定をしてください。",
	  "First choose your password and set up the codes (two-factor authentication)." },
	{ "new-password", "新しいパスワード (12文字以上)", "New password (12 characters or more)" },
	{ "password-change", "パスワード変更", "Change password" },
	{ "current-password", "現在のパスワード", "Current password" },
	{ "password-changed", "パスワードを変更しました。ほかの端末でのログインは終了しました。",
	  "Your password was changed; your sessions elsewhere were ended." },
	{ "password-wrong", "現在のパスワードまたは確認コードが違います。続けて間違えるとアカウントがロックされます。",
	  "The current password or the code is wrong. More failures lock the account." },
	{ "password-same", "新しいパスワードは現在のものと違うものにしてください。",
	  "The new password must differ from the current one." },
	{ "password-directory", "このアカウントのパスワードはディレクトリ（Active Directory / LDAP）で管理されています。変更はディレクトリで行ってください。",
	  "This account's password is kept by the directory (Active Directory / LDAP); change it there." },
	{ "new-password2", "新しいパスワード (確認)", "New password (again)" },
	{ "enrol-scan", "スマートフォンの認証アプリ (Google Authenticator、Microsoft Authenticator など) でこの QR コードを読み取り、表示された6桁の確認コードを入力してください。",
	  "Scan this QR code with the authenticator app on your phone (Google Authenticator, Microsoft Authenticator, …) and enter the 6-digit code it shows." },
	{ "enrol-key", "読み取れない場合はこのキーを入力してください", "Or type this key into the app" },
	{ "enrol-code", "確認コード (6桁)", "Code (6 digits)" },
	{ "enrol-submit", "設定する", "Set up" },
	{ "enrol-password", "パスワードが条件を満たしていないか、前と同じか、2回の入力が一致しません。",
	  "The password is too short, the same as before, or the two do not match." },
	{ "enrol-wrong-code", "確認コードが違います。認証アプリの最新のコードを入力してください。",
	  "Wrong code: enter the app's current code." },
	{ "recovery", "回復コード", "Recovery codes" },
	{ "recovery-intro", "スマートフォンを使えないときは、これらのコードのどれか1つを確認コードの代わりに使えます (各1回限り)。いま印刷するか安全な場所に控えてください。この画面は二度と表示されません。",
	  "When you cannot use your phone, any one of these codes works once instead of a code. Print them or keep them somewhere safe now: this page is not shown again." },
	{ "continue", "続ける", "Continue" },
	{ "preview-title", "添付ファイルのプレビュー", "Preview of the attachment" },
	{ "preview-note", "原本を画像にして表示しています (原本のデータは送られません)。",
	  "The original shown as a picture (none of its bytes reach this browser)." },
	{ "page", "ページ", "Page" },
	{ "prev-page", "前のページ", "Previous page" },
	{ "next-page", "次のページ", "Next page" },
	{ "no-preview", "この添付ファイルはプレビューできません", "No preview of this attachment" },
	{ "back-item", "メールに戻る", "Back to the mail" },
};

const char *
page_text(enum page_lang lang, const char *key)
{
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		if (strcmp(texts[i].key, key) == 0)
			return lang == PAGE_EN ? texts[i].en : texts[i].ja;
	}
	return key;
}

#define T(k) page_text(lang, (k))

const char page_css[] =
	"*{box-sizing:border-box}"
	"body{margin:0;font-family:\"Noto Sans JP\",\"Yu Gothic UI\",\"Meiryo UI\",\"IPAexGothic\","
	"\"IPAGothic\",sans-serif;font-size:15px;color:#1b1b1b;background:#f4f5f7}"
	"header{display:flex;align-items:center;gap:1.5em;padding:.6em 1.2em;background:#12355b;"
	"color:#fff}header a{color:#fff}header .who{margin-left:auto}"
	"header form{display:inline;margin:0}"
	"main{max-width:72em;margin:1.2em auto;padding:0 1em}"
	"h1{font-size:1.3em;margin:.2em 0 .8em}h2{font-size:1.1em;margin:1.4em 0 .5em}"
	"table{border-collapse:collapse;width:100%;background:#fff}"
	"th,td{border-bottom:1px solid #dde1e6;padding:.45em .6em;text-align:left;"
	"vertical-align:top;overflow-wrap:break-word}"
	"th{background:#eef1f5;font-weight:600}"
	".box{background:#fff;border:1px solid #dde1e6;border-radius:4px;padding:1em;margin:.8em 0}"
	".flash{background:#e7f4e4;border-color:#9ccf93}.error{background:#fbe9e7;border-color:#e8a397}"
	".withheld{color:#a12a10;font-weight:600}.sanitized{color:#1d6b2a}"
	"label{display:block;margin:.6em 0 .2em;font-weight:600}"
	"input[type=text],input[type=password],textarea{width:100%;max-width:28em;padding:.45em;"
	"font-size:1em;border:1px solid #9aa5b1;border-radius:3px}"
	"textarea{max-width:40em;height:5em}"
	"button{margin-top:.8em;padding:.5em 1.4em;font-size:1em;border:0;border-radius:3px;"
	"background:#12355b;color:#fff;cursor:pointer}button.reject{background:#7a7f87}"
	"button:focus,a:focus,input:focus,textarea:focus{outline:3px solid #f0b400}"
	".pager{margin:1em 0}.search{margin:0 0 1em}.search input{width:20em;display:inline-block}.login{max-width:26em;margin:3em auto}.muted{color:#5b6470;font-size:.9em}"
	"dl{display:grid;grid-template-columns:9em 1fr;gap:.3em 1em;margin:0}dt{font-weight:600}"
	"dd{margin:0;overflow-wrap:break-word}"
	".req{display:flex;gap:.6em;align-items:end;flex-wrap:wrap}"
	".req input[type=text]{width:9em}"
	"#preview{max-width:100%;border:1px solid #dde1e6}nav.pages{margin:.4em 0}"
	"nav.pages a{margin-right:1em}#qr svg{width:220px;height:220px}"
	"#recovery-codes code{font-size:1.2em;letter-spacing:.05em}";

static void
text(struct buf *b, const char *s)
{
	html_textz(b, s != NULL ? s : "");
}

static const char *
str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static void
time_text(struct buf *b, long long t)
{
	/* Japan's time: the console's users are there (no zone file needed) */
	time_t tt = (time_t)(t + 9 * 3600);
	struct tm tm;
	char s[32];

	gmtime_r(&tt, &tm);
	strftime(s, sizeof s, "%Y-%m-%d %H:%M", &tm);
	buf_puts(b, s);
}

static void
csrf_input(struct buf *b, json_t *account)
{
	buf_puts(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	text(b, str(account, "csrf"));
	buf_puts(b, "\">");
}

static void
head(struct buf *b, enum page_lang lang, json_t *account, const char *title_key)
{
	buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<title>", lang == PAGE_EN ? "en" : "ja");
	text(b, T(title_key));
	buf_puts(b, " - ");
	text(b, T("title"));
	buf_puts(b, "</title><link rel=\"stylesheet\" href=\"/static/console.css\"></head><body>"
	    "<header><strong>");
	text(b, T("title"));
	buf_puts(b, "</strong>");
	if (account != NULL) {
		const char *role = str(account, "role");
		char rk[32];

		const int setting_up = strcmp(str(account, "stage"), "enrol") == 0;

		if (!setting_up) {
			buf_puts(b, "<a href=\"/items\" id=\"nav-items\">");
			text(b, T("items"));
			buf_puts(b, "</a>");
		}
		if (!setting_up && (strcmp(role, "approver") == 0 || strcmp(role, "operator") == 0)) {
			buf_puts(b, "<a href=\"/approvals\" id=\"nav-approvals\">");
			text(b, T("approvals"));
			buf_puts(b, "</a>");
		}
		snprintf(rk, sizeof rk, "role-%s", role);
		if (!setting_up && json_is_true(json_object_get(account, "upload"))) {
			buf_puts(b, "<a href=\"/upload\" id=\"nav-upload\">");
			text(b, T("upload"));
			buf_puts(b, "</a>");
		}
		if (!setting_up) {
			buf_puts(b, "<a href=\"/password\" id=\"nav-password\">");
			text(b, T("password-change"));
			buf_puts(b, "</a>");
		}
		buf_puts(b, "<span class=\"who\">");
		text(b, str(account, "display")[0] != '\0' ? str(account, "display") :
		    str(account, "name"));
		buf_puts(b, " (");
		text(b, T(rk));
		buf_puts(b, ")</span><form method=\"post\" action=\"/logout\">");
		csrf_input(b, account);
		buf_puts(b, "<button type=\"submit\" id=\"logout\">");
		text(b, T("logout"));
		buf_puts(b, "</button></form>");
	}
	buf_printf(b, "<a href=\"?lang=%s\" id=\"lang\">", lang == PAGE_EN ? "ja" : "en");
	text(b, T("lang-other"));
	buf_puts(b, "</a></header><main>");
}

static void
foot(struct buf *b)
{
	buf_puts(b, "</main></body></html>\n");
}

static void
flash(struct buf *b, enum page_lang lang, const char *key, int error)
{
	if (key == NULL)
		return;
	buf_printf(b, "<div class=\"box %s\" id=\"flash\" role=\"status\">", error ? "error" : "flash");
	text(b, T(key));
	buf_puts(b, "</div>");
}

void
page_login(struct buf *b, enum page_lang lang, const char *next, const char *error_key)
{
	head(b, lang, NULL, "login");
	buf_puts(b, "<div class=\"login\"><h1>");
	text(b, T("login"));
	buf_puts(b, "</h1>");
	flash(b, lang, error_key, 1);
	buf_puts(b, "<form method=\"post\" action=\"/login\" id=\"login-form\" class=\"box\">"
	    "<label for=\"user\">");
	text(b, T("user"));
	buf_puts(b, "</label><input type=\"text\" id=\"user\" name=\"user\" autocomplete=\"username\" "
	    "autocapitalize=\"none\" required autofocus><label for=\"password\">");
	text(b, T("password"));
	buf_puts(b, "</label><input type=\"password\" id=\"password\" name=\"password\" "
	    "autocomplete=\"current-password\" required><label for=\"totp\">");
	text(b, T("totp"));
	buf_puts(b, "</label><input type=\"text\" id=\"totp\" name=\"totp\" inputmode=\"numeric\" "
	    "autocomplete=\"one-time-code\"><div class=\"muted\">");
	text(b, T("totp-hint"));
	buf_puts(b, "</div><input type=\"hidden\" name=\"next\" value=\"");
	text(b, next != NULL ? next : "");
	buf_puts(b, "\"><button type=\"submit\" id=\"login-submit\">");
	text(b, T("login"));
	buf_puts(b, "</button></form></div>");
	foot(b);
}

static void
verdict_cell(struct buf *b, enum page_lang lang, const char *verdict, const char *reason)
{
	if (reason != NULL && strcmp(reason, "delay") == 0) {
		buf_puts(b, "<span class=\"withheld\">");
		text(b, T("delayed"));
		buf_puts(b, "</span>");
		return;
	}
	buf_printf(b, "<span class=\"%s\">", strcmp(verdict, "withheld") == 0 ? "withheld" :
	    "sanitized");
	text(b, T(strcmp(verdict, "withheld") == 0 ? "withheld" : "sanitized"));
	buf_puts(b, "</span>");
}

/* The links under a page of the list: to the newest page (when this one
 * is not it) and to the older items (when there are), with the search. */
static void
page_links(struct buf *b, enum page_lang lang, int first, const char *next, const char *q)
{
	if (first && next == NULL)
		return;
	buf_puts(b, "<p class=\"pager\">");
	if (!first) {
		buf_puts(b, "<a id=\"newest\" href=\"/items");
		if (*q != '\0') {
			buf_puts(b, "?q=");
			url_component(b, q);
		}
		buf_puts(b, "\">");
		text(b, T("newest"));
		buf_puts(b, "</a> ");
	}
	if (next != NULL) {
		buf_puts(b, "<a id=\"older\" rel=\"next\" href=\"/items?before=");
		url_component(b, next);
		if (*q != '\0') {
			buf_puts(b, "&amp;q=");
			url_component(b, q);
		}
		buf_puts(b, "\">");
		text(b, T("older"));
		buf_puts(b, " &rarr;</a>");
	}
	buf_puts(b, "</p>");
}

void
page_items(struct buf *b, enum page_lang lang, json_t *account, json_t *items, int first,
    const char *next, const char *q)
{
	json_t *it;
	size_t i;

	head(b, lang, account, "items");
	buf_puts(b, "<h1>");
	text(b, T("items"));
	buf_puts(b, "</h1><form method=\"get\" action=\"/items\" id=\"search-form\" "
	    "class=\"search\"><label for=\"q\">");
	text(b, T("search-label"));
	buf_puts(b, "</label> <input type=\"search\" id=\"q\" name=\"q\" maxlength=\"100\" "
	    "value=\"");
	text(b, q);
	buf_puts(b, "\"> <button type=\"submit\" id=\"search\">");
	text(b, T("search"));
	buf_puts(b, "</button></form>");
	if (json_array_size(items) == 0) {
		buf_puts(b, "<p class=\"box\">");
		text(b, T(*q != '\0' ? "search-none" : "no-items"));
		buf_puts(b, "</p>");
		page_links(b, lang, first, NULL, q);
		foot(b);
		return;
	}
	buf_puts(b, "<table id=\"items\"><thead><tr><th>");
	text(b, T("received"));
	buf_puts(b, "</th><th>");
	text(b, T("from"));
	buf_puts(b, "</th><th>");
	text(b, T("subject"));
	buf_puts(b, "</th><th>");
	text(b, T("result"));
	buf_puts(b, "</th></tr></thead><tbody>");
	json_array_foreach(items, i, it) {
		buf_puts(b, "<tr class=\"item\" data-id=\"");
		text(b, str(it, "id"));
		buf_puts(b, "\"><td>");
		time_text(b, (long long)json_integer_value(json_object_get(it, "received_at")));
		buf_puts(b, "</td><td>");
		text(b, str(it, "sender"));
		buf_puts(b, "</td><td><a href=\"/items/");
		url_component(b, str(it, "id"));
		buf_puts(b, "\">");
		text(b, str(it, "subject")[0] != '\0' ? str(it, "subject") : "-");
		buf_puts(b, "</a></td><td>");
		verdict_cell(b, lang, str(it, "verdict"), str(it, "reason"));
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</tbody></table>");
	page_links(b, lang, first, next, q);
	foot(b);
}

static void
reason_text(struct buf *b, enum page_lang lang, const char *code)
{
	if (code == NULL || code[0] == '\0')
		return;
	text(b, notice_reason_text(code, lang == PAGE_EN ? LANG_EN : LANG_JA));
}

/* Parts drawn as pictures: PDF and images (the worker draws nothing else),
 * not of the malware class. */
static int
previewable(json_t *item, json_t *part)
{
	const char *t = str(part, "type");

	return strcmp(str(item, "release_class"), "never") != 0 &&
	    strcmp(str(item, "release_class"), "two-operators") != 0 &&
	    (strcmp(t, "application/pdf") == 0 || strncmp(t, "image/", 6) == 0);
}

static void
request_form(struct buf *b, enum page_lang lang, json_t *account, json_t *item)
{
	const int leaving = json_is_true(json_object_get(item, "leaving"));
	const int awaiting = json_is_true(json_object_get(item, "awaiting")) &&
	    str(item, "hold")[0] == '\0';

	if (!json_is_true(json_object_get(item, "can_request")))
		return;
	buf_puts(b, "<form method=\"post\" id=\"request-form\" action=\"/items/");
	url_component(b, str(item, "id"));
	buf_puts(b, "/request\">");
	csrf_input(b, account);
	buf_puts(b, "<label for=\"reason\">");
	text(b, T(leaving ? "send-request-reason" : awaiting ? "deliver-request-reason" :
	    "request-reason"));
	buf_puts(b, "</label><textarea id=\"reason\" name=\"reason\" required maxlength=\"1000\">"
	    "</textarea><br><button type=\"submit\" id=\"request-submit\">");
	text(b, T(leaving ? "send-request" : awaiting ? "deliver-request" : "request"));
	buf_puts(b, "</button></form>");
}

/* A transferred file awaiting its approval: where it stands, and its
 * delivery once approved (when the move failed at the approval). */
static void
awaiting_section(struct buf *b, enum page_lang lang, json_t *account, json_t *item)
{
	const char *hold = str(item, "hold");

	buf_puts(b, "<h2>");
	text(b, T("awaiting"));
	buf_puts(b, "</h2><div class=\"box\" id=\"hold\" data-hold=\"");
	text(b, hold[0] != '\0' ? hold : "awaiting");
	buf_puts(b, "\"><p>");
	text(b, T(strcmp(hold, "sent") == 0 ? "awaiting-sent" : "awaiting-held"));
	buf_puts(b, "</p>");
	if (json_is_true(json_object_get(item, "can_send"))) {
		buf_puts(b, "<form method=\"post\" id=\"send-form\" action=\"/items/");
		url_component(b, str(item, "id"));
		buf_puts(b, "/send\">");
		csrf_input(b, account);
		buf_puts(b, "<button type=\"submit\" id=\"send\">");
		text(b, T("deliver-now"));
		buf_puts(b, "</button></form>");
	}
	buf_puts(b, "</div>");
}

/* A message leaving: what was found (masked; the worker never wrote more),
 * where the hold stands, and its sender's recall or send. */
static void
leaving_section(struct buf *b, enum page_lang lang, json_t *account, json_t *item)
{
	json_t *found = json_object_get(json_object_get(item, "outbound"), "findings"), *f;
	const char *hold = str(item, "hold"), *id = str(item, "id");
	size_t i;

	buf_puts(b, "<div class=\"box\" id=\"hold\" data-hold=\"");
	text(b, hold[0] != '\0' ? hold : json_is_true(json_object_get(item, "held_here")) ?
	    "held" : "mta");
	buf_puts(b, "\"><p>");
	if (!json_is_true(json_object_get(item, "held_here")))
		text(b, T("leaving-mta"));
	else if (strcmp(hold, "confirm") == 0)
		text(b, T("hold-confirm"));
	else if (hold[0] == '\0' && json_is_true(json_object_get(item, "delayed"))) {
		text(b, T("leaving-delayed"));
		buf_puts(b, " <strong id=\"send-at\">");
		time_text(b, (long long)json_integer_value(json_object_get(item, "send_at")));
		buf_puts(b, "</strong>");
	} else
		text(b, T(strcmp(hold, "sent") == 0 ? "hold-sent" : strcmp(hold, "recalled") == 0 ?
		    "hold-recalled" : "leaving-held"));
	buf_puts(b, "</p>");
	if (json_array_size(json_object_get(item, "new_recipients")) > 0) {
		json_t *a;

		buf_puts(b, "<p class=\"error\" id=\"new-recipients\">");
		text(b, T("new-recipients"));
		buf_puts(b, ":");
		json_array_foreach(json_object_get(item, "new_recipients"), i, a) {
			buf_puts(b, " <code class=\"new-recipient\">");
			text(b, json_string_value(a) != NULL ? json_string_value(a) : "");
			buf_puts(b, "</code>");
		}
		buf_puts(b, "</p>");
	}
	if (json_is_true(json_object_get(item, "can_recall"))) {
		buf_puts(b, "<form method=\"post\" id=\"recall-form\" action=\"/items/");
		url_component(b, id);
		buf_puts(b, "/recall\">");
		csrf_input(b, account);
		buf_puts(b, "<button type=\"submit\" id=\"recall\">");
		text(b, T("recall"));
		buf_puts(b, "</button></form>");
	}
	if (json_is_true(json_object_get(item, "can_send"))) {
		buf_puts(b, "<form method=\"post\" id=\"send-form\" action=\"/items/");
		url_component(b, id);
		buf_puts(b, "/send\">");
		csrf_input(b, account);
		buf_puts(b, "<button type=\"submit\" id=\"send\">");
		text(b, T("send-now"));
		buf_puts(b, "</button></form>");
	}
	buf_puts(b, "</div>");
	if (json_array_size(found) == 0)
		return;
	buf_puts(b, "<h2>");
	text(b, T("findings"));
	buf_puts(b, "</h2><table id=\"findings\"><thead><tr><th>");
	text(b, T("finding-kind"));
	buf_puts(b, "</th><th>");
	text(b, T("confidence"));
	buf_puts(b, "</th><th>");
	text(b, T("finding-where"));
	buf_puts(b, "</th><th>");
	text(b, T("finding-masked"));
	buf_puts(b, "</th></tr></thead><tbody>");
	json_array_foreach(found, i, f) {
		char kk[48];

		snprintf(kk, sizeof kk, "kind-%s", str(f, "kind"));
		buf_puts(b, "<tr class=\"finding\"><td>");
		text(b, T(kk));
		buf_puts(b, "</td><td>");
		snprintf(kk, sizeof kk, "conf-%s", str(f, "confidence"));
		text(b, T(kk));
		buf_puts(b, "</td><td>");
		text(b, str(f, "where"));
		buf_puts(b, "</td><td class=\"masked\">");
		text(b, str(f, "masked")[0] != '\0' ? str(f, "masked") : str(f, "reason"));
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</tbody></table>");
}

void
page_item(struct buf *b, enum page_lang lang, json_t *account, json_t *item,
    const char *flash_key)
{
	json_t *parts = json_object_get(item, "parts"), *reqs = json_object_get(item, "requests");
	json_t *p, *r;
	size_t i;
	const char *id = str(item, "id");

	head(b, lang, account, "item");
	{
		const char *k = flash_key != NULL ? flash_key : "";

		if (strcmp(k, "request-sent") == 0 && json_is_true(json_object_get(item, "leaving")))
			flash_key = k = "send-request-sent";
		else if (strcmp(k, "request-sent") == 0 &&
		    json_is_true(json_object_get(item, "awaiting")))
			flash_key = k = "deliver-request-sent";
		else if (strcmp(k, "sent") == 0 && json_is_true(json_object_get(item, "awaiting")))
			flash_key = k = "awaiting-sent";
		flash(b, lang, flash_key, strcmp(k, "request-sent") != 0 &&
		    strcmp(k, "send-request-sent") != 0 && strcmp(k, "recalled") != 0 &&
		    strcmp(k, "deliver-request-sent") != 0 && strcmp(k, "awaiting-sent") != 0 &&
		    strcmp(k, "sent") != 0 && strcmp(k, "decided") != 0 &&
		    strcmp(k, "redelivered") != 0);
	}
	buf_puts(b, "<h1 id=\"subject\">");
	text(b, str(item, "subject")[0] != '\0' ? str(item, "subject") : "-");
	buf_puts(b, "</h1><div class=\"box\"><dl><dt>");
	text(b, T("from"));
	buf_puts(b, "</dt><dd>");
	text(b, str(item, "sender"));
	buf_puts(b, "</dd><dt>");
	text(b, T("to"));
	buf_puts(b, "</dt><dd>");
	text(b, str(item, "recipients"));
	buf_puts(b, "</dd><dt>");
	text(b, T("received"));
	buf_puts(b, "</dt><dd>");
	time_text(b, (long long)json_integer_value(json_object_get(item, "received_at")));
	buf_puts(b, "</dd><dt>");
	text(b, T("receipt"));
	buf_puts(b, "</dt><dd id=\"receipt-id\">");
	text(b, id);
	buf_puts(b, "</dd><dt>");
	text(b, T("result"));
	buf_puts(b, "</dt><dd>");
	verdict_cell(b, lang, str(item, "verdict"), str(item, "reason"));
	if (str(item, "reason")[0] != '\0') {
		struct buf why;

		buf_puts(b, " <span id=\"reason\">(");
		if (strcmp(str(item, "verdict"), "withheld") == 0) {
			/* the message was kept, not removed */
			buf_init(&why, 4096);
			notice_withheld_reason_text(str(item, "reason"), lang == PAGE_EN ? LANG_EN :
			    LANG_JA, &why);
			text(b, buf_str(&why));
			buf_free(&why);
		} else {
			reason_text(b, lang, str(item, "reason"));
		}
		buf_puts(b, ")</span>");
	}
	buf_puts(b, "</dd></dl></div>");
	if (json_array_size(parts) > 0) {
		buf_puts(b, "<h2>");
		text(b, T("parts"));
		buf_puts(b, "</h2><table id=\"parts\"><thead><tr><th>");
		text(b, T("file"));
		buf_puts(b, "</th><th>");
		text(b, T("action"));
		buf_puts(b, "</th><th>");
		text(b, T("why"));
		buf_puts(b, "</th><th></th></tr></thead><tbody>");
		json_array_foreach(parts, i, p) {
			char ak[32];

			snprintf(ak, sizeof ak, "act-%s", str(p, "action"));
			buf_puts(b, "<tr class=\"part\"><td class=\"filename\">");
			text(b, str(p, "filename")[0] != '\0' ? str(p, "filename") : str(p, "type"));
			buf_puts(b, "</td><td>");
			text(b, T(ak));
			buf_puts(b, "</td><td>");
			reason_text(b, lang, str(p, "reason"));
			buf_puts(b, "</td><td>");
			if (json_is_true(json_object_get(item, "can_unlock")) &&
			    strcmp(str(p, "reason"), "encrypted") == 0) {
				buf_puts(b, "<form method=\"post\" class=\"unlock\" action=\"/items/");
				url_component(b, id);
				buf_puts(b, "/unlock/");
				url_component(b, str(p, "path"));
				buf_puts(b, "\">");
				csrf_input(b, account);
				buf_puts(b, "<label>");
				text(b, T("unlock-password"));
				buf_puts(b, "<input type=\"password\" name=\"password\" class=\"unlock-password\" "
				    "autocomplete=\"off\" required></label><button type=\"submit\" "
				    "class=\"unlock-submit\">");
				text(b, T("unlock"));
				buf_puts(b, "</button></form>");
			}
			if (previewable(item, p)) {
				buf_puts(b, "<a class=\"preview-link\" href=\"/items/");
				url_component(b, id);
				buf_puts(b, "/view/");
				url_component(b, str(p, "path"));
				buf_puts(b, "?page=1\">");
				text(b, T("preview"));
				buf_puts(b, "</a>");
			}
			buf_puts(b, "</td></tr>");
		}
		buf_puts(b, "</tbody></table>");
	}
	if (json_is_true(json_object_get(item, "leaving")))
		leaving_section(b, lang, account, item);
	if (json_is_true(json_object_get(item, "awaiting")))
		awaiting_section(b, lang, account, item);
	buf_puts(b, "<h2>");
	text(b, T(json_is_true(json_object_get(item, "leaving")) ? "leaving" : "original"));
	buf_puts(b, "</h2><div class=\"box\" id=\"original\">");
	if (strcmp(str(item, "release_class"), "approval") != 0) {
		const char *cls = str(item, "release_class");

		buf_printf(b, "<p id=\"%s\" class=\"release-class\">",
		    strcmp(cls, "never") == 0 ? "never" : strcmp(cls, "self") == 0 ? "self" :
		    "two-operators");
		text(b, T(cls));
		buf_puts(b, "</p>");
	}
	json_array_foreach(reqs, i, r) {
		char sk[32];

		snprintf(sk, sizeof sk, "request-%s", str(r, "state"));
		buf_puts(b, "<p class=\"request\" data-state=\"");
		text(b, str(r, "state"));
		buf_puts(b, "\">");
		text(b, str(r, "by"));
		buf_puts(b, ": ");
		text(b, T(sk));
		if (str(r, "comment")[0] != '\0') {
			buf_puts(b, " ");
			text(b, str(r, "comment"));
		}
		buf_puts(b, "</p>");
		if (json_is_true(json_object_get(item, "can_decide")) &&
		    strcmp(str(r, "state"), "pending") == 0) {
			buf_puts(b, "<p class=\"muted\">");
			text(b, str(r, "reason"));
			buf_puts(b, "</p>");
		}
	}
	if (json_is_true(json_object_get(item, "can_download"))) {
		buf_puts(b, "<p><a id=\"download\" href=\"/items/");
		url_component(b, id);
		buf_puts(b, "/original\" download>");
		text(b, T("download"));
		buf_puts(b, "</a> <span class=\"muted\">");
		text(b, T("download-note"));
		buf_puts(b, "</span></p>");
	}
	if (json_is_true(json_object_get(item, "can_redeliver"))) {
		buf_puts(b, "<form method=\"post\" id=\"redeliver-form\" action=\"/items/");
		url_component(b, id);
		buf_puts(b, "/redeliver\">");
		csrf_input(b, account);
		buf_puts(b, "<button type=\"submit\" id=\"redeliver\">");
		text(b, T("redeliver"));
		buf_puts(b, "</button></form>");
	}
	request_form(b, lang, account, item);
	buf_puts(b, "</div><p><a href=\"/items\">");
	text(b, T("back"));
	buf_puts(b, "</a></p>");
	foot(b);
}

void
page_preview(struct buf *b, enum page_lang lang, json_t *account, json_t *item,
    const char *part, json_t *info, const void *png, size_t png_len)
{
	int page = (int)json_integer_value(json_object_get(info, "page"));
	int pages = (int)json_integer_value(json_object_get(info, "pages"));
	const char *id = str(item, "id");

	head(b, lang, account, "preview-title");
	buf_puts(b, "<h1 id=\"subject\">");
	text(b, str(item, "subject")[0] != '\0' ? str(item, "subject") : "-");
	buf_puts(b, "</h1>");
	if (png_len == 0) {
		buf_puts(b, "<p class=\"box\" id=\"no-preview\">");
		text(b, T("no-preview"));
		buf_puts(b, " (");
		reason_text(b, lang, str(info, "reason"));
		buf_puts(b, ")</p>");
	} else {
		size_t n = sodium_base64_ENCODED_LEN(png_len, sodium_base64_VARIANT_ORIGINAL);

		buf_puts(b, "<p class=\"muted\">");
		text(b, T("preview-note"));
		buf_printf(b, " %s %d / %d</p><nav class=\"pages\">", T("page"), page, pages);
		if (page > 1) {
			buf_puts(b, "<a id=\"prev-page\" href=\"/items/");
			url_component(b, id);
			buf_puts(b, "/view/");
			url_component(b, part);
			buf_printf(b, "?page=%d\">%s</a> ", page - 1, T("prev-page"));
		}
		if (page < pages) {
			buf_puts(b, "<a id=\"next-page\" href=\"/items/");
			url_component(b, id);
			buf_puts(b, "/view/");
			url_component(b, part);
			buf_printf(b, "?page=%d\">%s</a>", page + 1, T("next-page"));
		}
		buf_puts(b, "</nav><div class=\"box\"><img id=\"preview\" alt=\"\" src=\"data:image/png;base64,");
		if (buf_reserve(b, n) == 0) {
			sodium_bin2base64(b->data + b->len, n, png, png_len,
			    sodium_base64_VARIANT_ORIGINAL);
			b->len += n - 1;
			b->data[b->len] = '\0';
		}
		buf_puts(b, "\"></div>");
	}
	buf_puts(b, "<div class=\"box\" id=\"original\">");
	request_form(b, lang, account, item);
	buf_puts(b, "</div><p><a href=\"/items/");
	url_component(b, id);
	buf_puts(b, "\">");
	text(b, T("back-item"));
	buf_puts(b, "</a></p>");
	foot(b);
}

/* A new password, twice (the enrolment's and the password page's). */
static void
new_password_inputs(struct buf *b, enum page_lang lang)
{
	buf_puts(b, "<label for=\"password\">");
	text(b, T("new-password"));
	buf_puts(b, "</label><input type=\"password\" id=\"password\" name=\"password\" "
	    "autocomplete=\"new-password\" required minlength=\"12\"><label for=\"password2\">");
	text(b, T("new-password2"));
	buf_puts(b, "</label><input type=\"password\" id=\"password2\" name=\"password2\" "
	    "autocomplete=\"new-password\" required minlength=\"12\">");
}

void
page_enrol(struct buf *b, enum page_lang lang, json_t *account, json_t *info,
    const char *error_key)
{
	head(b, lang, account, "enrol");
	buf_puts(b, "<h1>");
	text(b, T("enrol"));
	buf_puts(b, "</h1>");
	flash(b, lang, error_key, 1);
	buf_puts(b, "<p>");
	text(b, T("enrol-intro"));
	buf_puts(b, "</p><form method=\"post\" action=\"/enrol\" id=\"enrol-form\" class=\"box\">");
	csrf_input(b, account);
	if (json_is_true(json_object_get(info, "need_password"))) {
		new_password_inputs(b, lang);
	}
	if (json_is_true(json_object_get(info, "need_totp"))) {
		/* the SVG is the monitor's (auth_qr_svg: rect and path only) */
		buf_puts(b, "<p>");
		text(b, T("enrol-scan"));
		buf_puts(b, "</p><div id=\"qr\">");
		buf_puts(b, str(info, "qr_svg"));
		buf_puts(b, "</div><p class=\"muted\">");
		text(b, T("enrol-key"));
		buf_puts(b, ": <code id=\"secret\">");
		text(b, str(info, "secret"));
		buf_puts(b, "</code></p><label for=\"totp\">");
		text(b, T("enrol-code"));
		buf_puts(b, "</label><input type=\"text\" id=\"totp\" name=\"totp\" "
		    "inputmode=\"numeric\" autocomplete=\"one-time-code\" required>");
	}
	buf_puts(b, "<button type=\"submit\" id=\"enrol-submit\">");
	text(b, T("enrol-submit"));
	buf_puts(b, "</button></form>");
	foot(b);
}

void
page_password(struct buf *b, enum page_lang lang, json_t *account, const char *error_key,
    int done)
{
	head(b, lang, account, "password-change");
	buf_puts(b, "<h1>");
	text(b, T("password-change"));
	buf_puts(b, "</h1>");
	if (done) {
		flash(b, lang, "password-changed", 0);
		foot(b);
		return;
	}
	flash(b, lang, error_key, 1);
	if (json_is_true(json_object_get(account, "directory"))) {
		buf_puts(b, "<p class=\"box\" id=\"directory\">");
		text(b, T("password-directory"));
		buf_puts(b, "</p>");
		foot(b);
		return;
	}
	buf_puts(b, "<form method=\"post\" action=\"/password\" id=\"password-form\" "
	    "class=\"box\">");
	csrf_input(b, account);
	buf_puts(b, "<label for=\"current\">");
	text(b, T("current-password"));
	buf_puts(b, "</label><input type=\"password\" id=\"current\" name=\"current\" "
	    "autocomplete=\"current-password\" required>");
	new_password_inputs(b, lang);
	if (json_is_true(json_object_get(account, "totp"))) {
		buf_puts(b, "<label for=\"totp\">");
		text(b, T("totp"));
		buf_puts(b, "</label><input type=\"text\" id=\"totp\" name=\"totp\" "
		    "inputmode=\"numeric\" autocomplete=\"one-time-code\" required>");
	}
	buf_puts(b, "<button type=\"submit\" id=\"password-submit\">");
	text(b, T("password-change"));
	buf_puts(b, "</button></form>");
	foot(b);
}

void
page_upload(struct buf *b, enum page_lang lang, json_t *account, int outbound,
    const char *flash_key, int error, const char *taken)
{
	json_t *addrs = json_object_get(account, "addresses"), *a;
	size_t i;

	head(b, lang, account, "upload");
	buf_puts(b, "<h1>");
	text(b, T("upload"));
	buf_puts(b, "</h1>");
	flash(b, lang, flash_key, error);
	if (taken != NULL && taken[0] != '\0') {
		buf_puts(b, "<p id=\"taken\">");
		text(b, taken);
		buf_puts(b, "</p>");
	}
	if (!json_is_true(json_object_get(account, "upload"))) {
		buf_puts(b, "<p class=\"box\" id=\"upload-off\">");
		text(b, T("upload-off"));
		buf_puts(b, "</p>");
		foot(b);
		return;
	}
	buf_puts(b, "<p>");
	text(b, T(outbound ? "upload-text-outbound" : "upload-text"));
	buf_puts(b, "</p><form method=\"post\" action=\"/upload\" enctype=\"multipart/form-data\" "
	    "id=\"upload-form\" class=\"box\">");
	csrf_input(b, account);
	buf_puts(b, "<label for=\"as\">");
	text(b, T("upload-as"));
	buf_puts(b, "</label><select id=\"as\" name=\"as\">");
	json_array_foreach(addrs, i, a) {
		buf_puts(b, "<option>");
		text(b, json_string_value(a) != NULL ? json_string_value(a) : "");
		buf_puts(b, "</option>");
	}
	buf_puts(b, "</select><label for=\"file\">");
	text(b, T("upload-file"));
	buf_puts(b, "</label><input type=\"file\" id=\"file\" name=\"file\" required>"
	    "<button type=\"submit\" id=\"upload-submit\">");
	text(b, T("upload-submit"));
	buf_puts(b, "</button></form>");
	foot(b);
}

void
page_recovery(struct buf *b, enum page_lang lang, json_t *account, json_t *codes)
{
	json_t *c;
	size_t i;

	head(b, lang, account, "recovery");
	buf_puts(b, "<h1>");
	text(b, T("recovery"));
	buf_puts(b, "</h1>");
	if (json_array_size(codes) > 0) {
		buf_puts(b, "<p>");
		text(b, T("recovery-intro"));
		buf_puts(b, "</p><ol id=\"recovery-codes\" class=\"box\">");
		json_array_foreach(codes, i, c) {
			buf_puts(b, "<li><code>");
			text(b, json_string_value(c));
			buf_puts(b, "</code></li>");
		}
		buf_puts(b, "</ol>");
	}
	buf_puts(b, "<p><a id=\"continue\" href=\"/items\">");
	text(b, T("continue"));
	buf_puts(b, "</a></p>");
	foot(b);
}

void
page_queue(struct buf *b, enum page_lang lang, json_t *account, json_t *requests,
    const char *flash_key)
{
	json_t *r;
	size_t i;

	head(b, lang, account, "approvals");
	flash(b, lang, flash_key, flash_key != NULL && strcmp(flash_key, "decided") != 0);
	buf_puts(b, "<h1>");
	text(b, T("approvals"));
	buf_puts(b, "</h1>");
	if (json_array_size(requests) == 0) {
		buf_puts(b, "<p class=\"box\" id=\"queue-empty\">");
		text(b, T("queue-empty"));
		buf_puts(b, "</p>");
		foot(b);
		return;
	}
	buf_puts(b, "<table id=\"queue\"><thead><tr><th>");
	text(b, T("subject"));
	buf_puts(b, "</th><th>");
	text(b, T("by"));
	buf_puts(b, "</th><th>");
	text(b, T("why"));
	buf_puts(b, "</th><th></th></tr></thead><tbody>");
	json_array_foreach(requests, i, r) {
		const char *rid = str(r, "id");

		buf_puts(b, "<tr class=\"request\" data-id=\"");
		text(b, rid);
		buf_puts(b, "\"><td><a href=\"/items/");
		url_component(b, str(r, "item"));
		buf_puts(b, "\">");
		text(b, str(r, "subject")[0] != '\0' ? str(r, "subject") : "-");
		buf_puts(b, "</a><div class=\"muted\">");
		text(b, str(r, "sender"));
		buf_puts(b, " / ");
		verdict_cell(b, lang, str(r, "verdict"), NULL);
		buf_puts(b, "</div></td><td>");
		text(b, str(r, "by"));
		buf_puts(b, "</td><td>");
		text(b, str(r, "reason"));
		buf_puts(b, "</td><td><form method=\"post\" class=\"req\" action=\"/requests/");
		url_component(b, rid);
		buf_puts(b, "/decide\">");
		csrf_input(b, account);
		buf_puts(b, "<div><label>");
		text(b, T("approve-totp"));
		buf_puts(b, "<input type=\"text\" name=\"totp\" class=\"totp\" inputmode=\"numeric\" "
		    "autocomplete=\"one-time-code\"></label></div><div><label>");
		text(b, T("comment"));
		buf_puts(b, "<input type=\"text\" name=\"comment\" class=\"comment\" maxlength=\"1000\">"
		    "</label></div><button type=\"submit\" name=\"decision\" value=\"approve\" "
		    "class=\"approve\">");
		text(b, T("approve"));
		buf_puts(b, "</button><button type=\"submit\" name=\"decision\" value=\"reject\" "
		    "class=\"reject\">");
		text(b, T("reject"));
		buf_puts(b, "</button></form></td></tr>");
	}
	buf_puts(b, "</tbody></table>");
	foot(b);
}

void
page_message(struct buf *b, enum page_lang lang, json_t *account, const char *title_key,
    const char *text_key)
{
	head(b, lang, account, title_key);
	buf_puts(b, "<h1 id=\"message-title\">");
	text(b, T(title_key));
	buf_puts(b, "</h1><p class=\"box\" id=\"message\">");
	text(b, T(text_key));
	buf_puts(b, "</p><p><a href=\"/items\">");
	text(b, T("back"));
	buf_puts(b, "</a></p>");
	foot(b);
}
