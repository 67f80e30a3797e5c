/*
 * notice - the reader's notice.  See notice.h.
 */
#include "mime/notice.h"

#include "mime/compose.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <gmime/gmime.h>

#include "mime/ambiguity.h"

struct reason_text {
	const char *code;
	const char *ja;
	const char *en;
};

static const struct reason_text reasons[] = {
	{ "attachment-not-sanitised", "添付ファイルは無害化できないため削除しました",
	  "attachments are removed (file sanitising is not enabled)" },
	{ "executable", "実行可能なファイルのため削除しました",
	  "executable content is never delivered" },
	{ "name-content-mismatch", "ファイル名と中身の種類が一致しないため削除しました",
	  "the file name does not match the content" },
	{ "inline-image", "本文中の画像のため削除しました", "inline image removed" },
	{ "signature", "電子署名は無害化後に検証できないため削除しました",
	  "a signature cannot be verified after sanitising" },
	{ "encrypted", "暗号化されていて中身を確認できないため削除しました",
	  "encrypted content cannot be inspected" },
	{ "unsupported-type", "対応していない形式のため削除しました", "unsupported type" },
	{ "external-body", "外部参照の本文のため削除しました", "external body reference removed" },
	{ "alternative-not-shown", "別形式の本文（表示しない側）", "alternative not shown" },
	{ "message_size_limit", "メールが大きすぎます（message_size_limit）", "message too large (message_size_limit)" },
	{ "header_size_limit", "ヘッダーが大きすぎます（header_size_limit）", "header too large (header_size_limit)" },
	{ "line_length_limit", "行が長すぎます（line_length_limit）", "line too long (line_length_limit)" },
	{ "mime_part_limit", "パートが多すぎます（mime_part_limit）", "too many parts (mime_part_limit)" },
	{ "mime_nesting_limit", "入れ子が深すぎます（mime_nesting_limit）", "nesting too deep (mime_nesting_limit)" },
	{ "text_size_limit", "本文が大きすぎます（text_size_limit）", "text too large (text_size_limit)" },
	{ "html_depth_limit", "HTMLの入れ子が深すぎます（html_depth_limit）", "HTML nested too deeply (html_depth_limit)" },
	{ "html_node_limit", "HTMLの要素が多すぎます（html_node_limit）", "too many HTML elements (html_node_limit)" },
	{ "ambiguous-structure", "他のソフトウェアと解釈が異なりうる構造のため保留しました",
	  "structure that other software could read differently" },
	{ "parse-failed", "メールを解析できませんでした", "the message could not be parsed" },
	{ "time_limit", "処理時間の上限を超えました（time_limit）", "processing time limit (time_limit)" },
	{ "worker-failed", "処理プロセスが異常終了しました", "the sanitising worker failed" },
	{ "attachments-removed-by-policy", "設定により添付ファイルはすべて削除しています",
	  "attachments are removed by policy" },
	{ "unsupported-format", "無害化できない形式のため削除しました",
	  "a format that cannot be made harmless" },
	{ "type-mismatch", "ファイル名（拡張子）と中身の種類が一致しないため削除しました",
	  "the file name does not match the content" },
	{ "malformed", "ファイルが壊れているため削除しました", "the file is damaged" },
	{ "ambiguous", "解釈が一意に定まらない構造のため削除しました",
	  "structure that could be read in more than one way" },
	{ "virus", "ウイルスが検出されたため削除しました", "a virus was found" },
	{ "scan-failed", "ウイルス検査を完了できなかったため削除しました",
	  "the virus scan could not be completed" },
	{ "conversion-failed", "変換できなかったため削除しました", "the file could not be converted" },
	{ "empty-archive", "圧縮ファイル内に無害化できるファイルがないため削除しました",
	  "nothing in the archive could be made harmless" },
	{ "internal", "内部エラーのため削除しました", "internal error" },
	{ "damaged", "圧縮ファイルが壊れているため削除しました", "the archive is damaged" },
	{ "nothing-left", "無害化すると中身が残らないため削除しました",
	  "nothing would be left after sanitising" },
	/* a message leaving (docs/outbound.md): why it is held */
	{ "individual-number", "個人番号（マイナンバー）を検出したため",
	  "a 個人番号 (My Number) was found" },
	{ "corporate-number", "法人番号を検出したため", "a 法人番号 (corporate number) was found" },
	{ "term", "指定した語句（機密性の表示など）を検出したため",
	  "a listed word (a classification label) was found" },
	{ "uninspectable", "検査できない内容（暗号化ファイルなど）を含むため",
	  "something cannot be inspected (an encrypted file)" },
	{ "many-outside-recipients", "外部の宛先が宛先・CCに多すぎるため",
	  "too many outside addresses in To and Cc" },
	{ "delay", "誤送信防止のため、送信まで少し待っています",
	  "it waits a little before it leaves, so that a mistake can be recalled" },
	{ "signature-match", "不正なファイルの特徴に一致したため削除しました",
	  "matched a malware rule" },
	{ "file_output_size_limit", "無害化後のファイルが大きすぎます（file_output_size_limit）",
	  "the sanitised file is too large (file_output_size_limit)" },
	{ "pdf_page_limit", "ページ数が多すぎます（pdf_page_limit）", "too many pages (pdf_page_limit)" },
	{ "image_pixel_limit", "画像が大きすぎます（image_pixel_limit）",
	  "image too large (image_pixel_limit)" },
	{ "office_part_limit", "Officeファイルの部品が多すぎます（office_part_limit）",
	  "too many parts in the Office file (office_part_limit)" },
	{ "archive_entry_limit", "圧縮ファイル内のファイルが多すぎます（archive_entry_limit）",
	  "too many files in the archive (archive_entry_limit)" },
	{ "archive_total_size_limit", "展開後の合計サイズが大きすぎます（archive_total_size_limit）",
	  "archive too large when unpacked (archive_total_size_limit)" },
	{ "archive_entry_size_limit", "展開後のファイルが大きすぎます（archive_entry_size_limit）",
	  "a file in the archive is too large (archive_entry_size_limit)" },
	{ "archive_ratio_limit", "圧縮率が異常に高いため削除しました（archive_ratio_limit）",
	  "abnormal compression ratio (archive_ratio_limit)" },
	{ "archive_depth_limit", "圧縮ファイルの入れ子が深すぎます（archive_depth_limit）",
	  "archives nested too deeply (archive_depth_limit)" },
	/* content that carries content (encoded files in text, messages as files) */
	{ "encoded-damaged", "本文中に埋め込まれたファイルが壊れているため削除しました",
	  "a file encoded in the text is damaged or incomplete" },
	{ "message-in-text", "テキストの中身がメールのため、転送メールとして表示しました",
	  "the text is a mail message: shown as a forwarded message" },
};

/* What the file sanitisers remove (cdr_removed kinds), for people. */
static const struct reason_text removals[] = {
	{ "javascript", "JavaScript", "JavaScript" },
	{ "open-action", "自動実行アクション", "open action" },
	{ "additional-actions", "追加アクション", "additional actions" },
	{ "launch", "外部プログラム起動", "launch actions" },
	{ "remote-goto", "外部文書へのリンク", "links to other documents" },
	{ "embedded-file", "埋め込みファイル", "embedded files" },
	{ "xfa", "XFAフォーム", "XFA forms" },
	{ "richmedia", "動画・Flash等", "rich media" },
	{ "3d", "3Dコンテンツ", "3D content" },
	{ "submit-form", "フォーム送信", "form submission" },
	{ "import-data", "データ読み込み", "data import" },
	{ "form-fields", "入力フォーム", "form fields" },
	{ "vba-project", "マクロ(VBA)", "macros (VBA)" },
	{ "vba-data", "マクロ情報", "macro data" },
	{ "vba-signature", "マクロ署名", "macro signatures" },
	{ "excel4-macro-sheet", "Excel 4.0マクロシート", "Excel 4.0 macro sheets" },
	{ "activex", "ActiveXコントロール", "ActiveX controls" },
	{ "ole-object", "OLE埋め込みオブジェクト", "OLE objects" },
	{ "embedded-package", "埋め込みパッケージ", "embedded packages" },
	{ "external-relationship", "外部参照", "external references" },
	{ "remote-template", "外部テンプレート参照", "remote templates" },
	{ "dde-field", "DDEフィールド", "DDE fields" },
	{ "dde-link", "DDEリンク", "DDE links" },
	{ "external-data", "外部データ接続", "external data connections" },
	{ "custom-ui", "カスタムUI", "custom UI" },
	{ "exif", "撮影情報(Exif)", "Exif metadata" },
	{ "xmp", "XMPメタデータ", "XMP metadata" },
	{ "icc-profile", "色プロファイル", "colour profile" },
	{ "comment", "コメント", "comments" },
	{ "text-chunk", "テキスト情報", "text chunks" },
	{ "trailing-data", "末尾の余分なデータ", "data after the image" },
	{ "thumbnail", "サムネイル", "thumbnails" },
	{ "animation-frames", "アニメーションの2枚目以降", "animation frames after the first" },
	{ "extra-pages", "2ページ目以降", "pages after the first" },
	{ "control-characters", "制御文字", "control characters" },
	{ "csv-formula", "数式として実行されうるセル", "cells that would run as formulas" },
	{ "member", "圧縮ファイル内の無害化できないファイル", "archive members that could not be made harmless" },
	{ "unsafe-name", "危険な名前のファイル", "members with unsafe names" },
	{ "original-format", "元の形式（PDFに変換）", "the original format (converted to PDF)" },
	{ "embedded-goto", "埋め込み文書へのリンク", "links into embedded documents" },
	{ "uri-action", "URLリンク", "URL links" },
	{ "file-attachment", "添付ファイル注釈", "file attachment annotations" },
	{ "multimedia", "音声・動画", "sound and video" },
	{ "link", "リンク", "links" },
	{ "annotation", "注釈", "annotations" },
	{ "repaired-xref", "壊れた構造（修復して処理）", "damaged structure (repaired)" },
	{ "external-link", "外部ブックへのリンク", "links to other workbooks" },
	{ "web-extension", "Webアドイン", "web add-ins" },
	{ "digital-signature", "電子署名（再構成で無効になるため）", "digital signatures (invalid after rebuilding)" },
	{ "embedded-font", "埋め込みフォント", "embedded fonts" },
	{ "printer-settings", "プリンター設定", "printer settings" },
	{ "svg-image", "SVG画像", "SVG images" },
	{ "media", "音声・動画", "audio and video" },
	{ "unrecognised-part", "不明な部品", "unrecognised parts" },
	{ "legacy-drawing", "旧形式の図形", "legacy drawings" },
	{ "field-code", "フィールドコード（表示結果は残しています）", "field codes (their results are kept)" },
	{ "auto-run-name", "自動実行の名前定義", "auto-run names" },
	{ "external-formula", "外部参照の数式（値は残しています）", "formulas referring to other files (values kept)" },
	{ "macro-action", "マクロ・プログラム起動の動作", "macro and program actions" },
	{ "special-file", "特殊ファイル", "special files" },
	{ "unrepresentable-characters", "変換できない文字", "characters the output charset lacks" },
	{ "undecodable-bytes", "判別できない文字", "undecodable bytes" },
	{ "extra-images", "2枚目以降の画像", "images after the first" },
	{ "private-chunk", "独自拡張データ", "private data chunks" },
	{ "application-extension", "アプリケーション拡張データ", "application extensions" },
	{ "iptc", "IPTC情報", "IPTC metadata" },
	{ "metadata", "メタデータ", "metadata" },
	{ "script", "スクリプト", "scripts" },
	{ "form", "入力フォーム", "forms" },
	{ "hidden-content", "非表示の内容", "hidden content" },
	{ "html-markup", "HTMLの書式", "HTML markup" },
	{ "encoded-file", "テキスト中にエンコードされたファイル", "files encoded in the text" },
	{ "message-part", "メール内の添付ファイル", "attachments inside the message" },
	{ "message", "無害化できないメール", "messages that could not be sanitised" },
};

static const char *
removal_text(const char *what, enum lang lang)
{
	for (size_t i = 0; i < sizeof removals / sizeof removals[0]; i++)
		if (strcmp(removals[i].code, what) == 0)
			return lang == LANG_EN ? removals[i].en : removals[i].ja;
	return what;
}

static const char *
method_text(const char *method, enum lang lang)
{
	static const struct reason_text methods[] = {
		{ "rasterize", "画像化したPDFに変換", "rendered to an image-only PDF" },
		{ "convert+rasterize", "PDFに変換して画像化", "converted to PDF and rendered to images" },
		{ "rebuild", "安全な要素だけで再構成", "rebuilt from safe parts only" },
		{ "re-encode", "画像を再エンコード", "image re-encoded" },
		{ "transcode", "文字コードを変換したテキスト", "text re-encoded" },
		{ "html-to-text", "HTMLをテキストに変換", "HTML converted to text" },
		{ "repack", "中身を無害化して再圧縮", "contents sanitised and repacked" },
		{ "mail", "メールとして無害化", "sanitised as a mail message" },
	};

	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strcmp(methods[i].code, method) == 0)
			return lang == LANG_EN ? methods[i].en : methods[i].ja;
	return method;
}

const char *
notice_reason_text(const char *code, enum lang lang)
{
	if (code == NULL)
		return "";
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
		if (strcmp(reasons[i].code, code) == 0)
			return lang == LANG_EN ? reasons[i].en : reasons[i].ja;
	}
	return code;
}

/*
 * The same for the reason a whole message was withheld: the part reasons
 * say the part was removed (削除しました, "... removed"); a withheld
 * message was kept, not removed (保留しました, "... withheld").
 */
void
notice_withheld_reason_text(const char *code, enum lang lang, struct buf *out)
{
	static const char ja_removed[] = "削除しました", en_removed[] = " removed";
	const char *t = notice_reason_text(code, lang);
	size_t n = strlen(t);

	if (lang != LANG_EN && n >= sizeof ja_removed - 1 &&
	    strcmp(t + n - (sizeof ja_removed - 1), ja_removed) == 0)
		buf_printf(out, "%.*s保留しました", (int)(n - (sizeof ja_removed - 1)), t);
	else if (lang == LANG_EN && n >= sizeof en_removed - 1 &&
	    strcmp(t + n - (sizeof en_removed - 1), en_removed) == 0)
		buf_printf(out, "%.*s withheld", (int)(n - (sizeof en_removed - 1)), t);
	else
		buf_puts(out, t);
}

/* 12345 -> "12,345" */
static void
put_grouped(struct buf *out, size_t v)
{
	char digits[32];
	int n = snprintf(digits, sizeof digits, "%zu", v);

	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf_putc(out, ',');
		buf_putc(out, digits[i]);
	}
}

static const char *
flag_text(const char *flags, enum lang lang)
{
	if (flags == NULL)
		return NULL;
	if (strstr(flags, "bidi-override") != NULL)
		return lang == LANG_EN ? "the name hides its real extension with a direction control"
		    : "ファイル名に文字の向きを変える制御文字があります（偽装のおそれ）";
	if (strstr(flags, "double-extension") != NULL)
		return lang == LANG_EN ? "double extension: the real type is hidden"
		    : "二重拡張子です（実際の種類が隠されています）";
	if (strstr(flags, "name-content-mismatch") != NULL)
		return lang == LANG_EN ? "the name does not match the content"
		    : "ファイル名と中身の種類が一致しません";
	if (strstr(flags, "control-characters") != NULL)
		return lang == LANG_EN ? "the name contains control characters"
		    : "ファイル名に制御文字が含まれています";
	return NULL;
}

/*
 * One kind: its words, how many, and what was done.  In a list:
 * "words（2件、done）"; alone in the sentence: "words、2件、done" with the
 * count only when more than one.
 */
static void
irregular_item(const struct receipt_irregular *g, enum lang lang, int alone, struct buf *out)
{
	const int en = lang == LANG_EN;
	const char *done = ambiguity_done(g->kind, g->field, lang);
	const char *sep = en ? (alone ? ", " : "; ") : "、";

	ambiguity_text(g->kind, g->field, lang, out);
	if (!alone)
		buf_puts(out, en ? " (" : "（");
	if (!alone || g->count > 1) {
		buf_puts(out, alone ? sep : "");
		buf_printf(out, en ? "%zu time%s" : "%zu件", g->count, g->count == 1 ? "" : "s");
	}
	if (done != NULL)
		buf_printf(out, "%s%s", sep, done);	/* after the words or the count */
	if (!alone)
		buf_puts(out, en ? ")" : "）");
}

/*
 * A message delivered despite irregular structure: what was irregular, one
 * kind to a line with its count (a single kind: one sentence).
 */
static void
notice_irregular(const struct receipt *r, enum lang lang, struct buf *out)
{
	const int en = lang == LANG_EN;
	const char *head = en ? "Note: part of the message structure was irregular"
	    : "注意: メールの構造の一部が不正でした";
	const char *tail = en ? "What could be read was rebuilt; the original is kept."
	    : "読み取れた内容を再構成しました（原本は保管されています）。";

	if (!r->rebuilt_ambiguous)
		return;
	if (r->nirregular == 1) {
		buf_printf(out, "%s%s", head, en ? ": " : "（");
		irregular_item(&r->irregular[0], lang, 1, out);
		buf_printf(out, "%s%s\n", en ? ". " : "）。", tail);
		return;
	}
	buf_printf(out, "%s%s%s\n", head, en ? ". " : "。", tail);
	for (size_t i = 0; i < r->nirregular; i++) {
		buf_puts(out, en ? "  - " : "  ・");
		irregular_item(&r->irregular[i], lang, 0, out);
		buf_putc(out, '\n');
	}
}

void
notice_console_link(const char *console_url, const char *id, enum lang lang, struct buf *out)
{
	size_t n = strlen(console_url);

	while (n > 0 && console_url[n - 1] == '/')
		n--;
	buf_puts(out, lang == LANG_EN ? "Ask for the original in the staff console:\n  "
	    : "原本が必要な場合は、職員コンソールから申請できます:\n  ");
	buf_printf(out, "%.*s/items/%s\n", (int)n, console_url, id);
}

void
notice_render(const struct receipt *r, enum lang lang, const char *console_url,
    struct buf *out)
{
	const int en = lang == LANG_EN;
	size_t natt = 0, undecodable = 0;
	const char *rule = "━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\n";

	for (size_t i = 0; i < r->nparts; i++) {
		if (r->parts[i].is_attachment)
			natt++;
		undecodable += r->parts[i].undecodable_bytes;
	}
	buf_puts(out, rule);
	if (en)
		buf_printf(out, "[Sanitised] This message came from the internet and was made "
		    "harmless by sekisho.\nReceipt: %s\n", r->id);
	else
		buf_printf(out, "【無害化済み】インターネットから届いたメールのため、安全な"
		    "テキスト形式に変換しました。\n受付番号: %s\n", r->id);
	if (r->body_source != NULL && strcmp(r->body_source, "text/html") == 0)
		buf_puts(out, en ? "Body: the HTML body was converted to text.\n"
		    : "本文: HTML形式の本文をテキストに変換しました。\n");
	notice_irregular(r, lang, out);
	if (undecodable > 0) {
		if (en)
			buf_printf(out, "Note: %zu byte(s) of text could not be decoded and are shown as \xef\xbf\xbd.\n",
			    undecodable);
		else
			buf_printf(out, "注意: 文字コードを判別できない部分（%zu バイト）を「\xef\xbf\xbd」で表示しています。\n",
			    undecodable);
	}
	if (natt > 0) {
		size_t nkept = 0, k = 0;

		for (size_t i = 0; i < r->nparts; i++)
			if (r->parts[i].is_attachment && r->parts[i].action != NULL &&
			    strcmp(r->parts[i].action, "sanitized") == 0)
				nkept++;
		if (nkept > 0) {
			if (en)
				buf_printf(out, "Attachments made harmless and kept (%zu):\n", nkept);
			else
				buf_printf(out, "添付ファイル（%zu件）を無害化して添付しています:\n", nkept);
			for (size_t i = 0; i < r->nparts; i++) {
				const struct receipt_part *p = &r->parts[i];

				if (!p->is_attachment || p->action == NULL ||
				    strcmp(p->action, "sanitized") != 0)
					continue;
				buf_printf(out, "  %zu. %s", ++k, p->out_name != NULL ? p->out_name :
				    (en ? "(no name)" : "（名前なし）"));
				if (p->filename != NULL && p->out_name != NULL &&
				    strcmp(p->filename, p->out_name) != 0)
					buf_printf(out, en ? " (was %s)" : "（元のファイル名: %s）",
					    p->filename);
				buf_putc(out, '\n');
				buf_printf(out, en ? "     %s" : "     %s",
				    method_text(p->method != NULL ? p->method : "", lang));
				if (p->nremoved > 0) {
					buf_puts(out, en ? "; removed: " : "。削除: ");
					for (size_t j = 0; j < p->nremoved; j++) {
						buf_printf(out, "%s%s", j ? (en ? ", " : "、") : "",
						    removal_text(p->removed[j].what, lang));
						/* files taken out of text are named */
						if (strcmp(p->removed[j].what, "encoded-file") == 0 &&
						    p->removed[j].names != NULL)
							buf_printf(out, en ? " (%s)" : "（%s）",
							    p->removed[j].names);
					}
				}
				buf_puts(out, en ? "\n" : "\n");
			}
		}
		if (natt > nkept) {
			k = 0;
			if (en)
				buf_printf(out, "Attachments removed (%zu):\n", natt - nkept);
			else
				buf_printf(out, "添付ファイル（%zu件）を削除しました:\n", natt - nkept);
		}
		for (size_t i = 0; i < r->nparts; i++) {
			const struct receipt_part *p = &r->parts[i];
			const char *warn;

			if (!p->is_attachment || (p->action != NULL &&
			    strcmp(p->action, "sanitized") == 0))
				continue;
			buf_printf(out, "  %zu. %s", ++k,
			    p->filename != NULL ? p->filename : (en ? "(no name)" : "（名前なし）"));
			buf_puts(out, en ? " (" : "（");
			buf_puts(out, p->detected_type != NULL ? p->detected_type : p->declared_type);
			buf_puts(out, ", ");
			put_grouped(out, p->bytes);
			buf_puts(out, en ? " bytes)\n" : " バイト）\n");
			buf_printf(out, en ? "     Reason: %s\n" : "     理由: %s\n",
			    notice_reason_text(p->reason, lang));
			if ((warn = flag_text(p->filename_flags, lang)) != NULL)
				buf_printf(out, en ? "     Warning: %s\n" : "     警告: %s\n", warn);
		}
		if (console_url != NULL && console_url[0] != '\0')
			notice_console_link(console_url, r->id, lang, out);
		else
			buf_puts(out, en ? "If you need an original, ask your system administrator "
			    "quoting the receipt number.\n"
			    : "原本が必要な場合は、受付番号を添えてシステム担当者に申請してください。\n");
	}
	buf_puts(out, rule);
	buf_putc(out, '\n');
}

void
notice_init(void)
{
	g_mime_init();
}

int
notice_withheld_message(const struct receipt_view *v, const struct policy *pol,
    const char *hostname, struct buf *out)
{
	const int en = pol->lang == LANG_EN;
	const char *rule = "━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\n";
	struct buf body, subj, from, mid;
	char date[64];
	time_t t = (time_t)v->time;
	struct tm tm;
	int r = 0;

	buf_init(&body, 64 * 1024);
	buf_init(&subj, 8 * 1024);
	buf_init(&from, 1024);
	buf_init(&mid, 512);
	buf_puts(&body, rule);
	if (en)
		buf_printf(&body, "[Withheld] A message from the internet was not delivered to "
		    "you: sekisho kept it in quarantine.\nReceipt: %s\n", v->id);
	else
		buf_printf(&body, "【保留】インターネットから届いたメールを、安全のため配送せずに"
		    "保管しました。\n受付番号: %s\n", v->id);
	buf_printf(&body, en ? "From: %s\nSubject: %s\nReason: " : "差出人: %s\n件名: %s\n理由: ",
	    v->from != NULL ? v->from : "", v->subject != NULL ? v->subject : "");
	notice_withheld_reason_text(v->reason, pol->lang, &body);
	buf_putc(&body, '\n');
	if (pol->console_url[0] != '\0')
		notice_console_link(pol->console_url, v->id, pol->lang, &body);
	else
		buf_puts(&body, en ? "If you need it, ask your system administrator quoting the "
		    "receipt number.\n" : "必要な場合は、受付番号を添えてシステム担当者に申請して"
		    "ください。\n");
	buf_puts(&body, rule);
	buf_printf(&subj, "%s%s", en ? "[Withheld] " : "【保留】", v->subject != NULL ?
	    v->subject : "");
	buf_printf(&from, "sekisho <postmaster@%s>", hostname);
	buf_printf(&mid, "<%s.withheld@%s>", v->id, hostname);
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (compose_header(out, "From", buf_str(&from), HK_ADDR, pol->out_charset) != 0 ||
	    (v->to != NULL && v->to[0] != '\0' &&
	    compose_header(out, "To", v->to, HK_ADDR, pol->out_charset) != 0) ||
	    compose_header(out, "Subject", buf_str(&subj), HK_TEXT, pol->out_charset) != 0 ||
	    compose_header(out, "Date", date, HK_ASCII, pol->out_charset) != 0 ||
	    compose_header(out, "Message-ID", buf_str(&mid), HK_ASCII, pol->out_charset) != 0 ||
	    compose_header(out, "Auto-Submitted", "auto-generated", HK_ASCII,
	    pol->out_charset) != 0 ||
	    compose_header(out, "X-Sekisho-Withheld", v->id, HK_ASCII, pol->out_charset) != 0 ||
	    compose_body(out, buf_str(&body), body.len, pol->out_charset) != 0)
		r = -1;
	buf_free(&body);
	buf_free(&subj);
	buf_free(&from);
	buf_free(&mid);
	return r;
}
