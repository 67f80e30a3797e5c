/*
 * test_sanitize - mime/sanitize in-process (no sandbox): whole messages in,
 * sanitised message and receipt out.
 *
 * The ISO-2022-JP bytes were made with iconv(1) (`printf 'の件です。' |
 * iconv -t ISO-2022-JP`) plus the NEC ① (JIS 0x2D21, CP932 87 40) that
 * glibc's ISO-2022-JP lacks; base64 with python3's base64 module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include <gmime/gmime.h>

#include "mime/notice.h"
#include "mime/sanitize.h"
#include "policy/config.h"
#include "text/charset.h"
#include "text/rfc2047.h"

#define ID "20261121-0001"
#define T0 1795253400LL		/* 2026-11-21T09:30:00Z */

struct result {
	int status;
	struct buf out, rjson;
	struct buf body;	/* the decoded text/plain body of out */
};

static void
run(const struct policy *pol, const char *msg, struct result *res)
{
	const char *b;

	buf_init(&res->out, 1 << 20);
	buf_init(&res->rjson, 1 << 20);
	buf_init(&res->body, 1 << 20);
	res->status = sanitize_mail(pol, ID, T0, (const unsigned char *)msg, strlen(msg),
	    &res->out, &res->rjson);
	if (res->status == SANITIZE_OK &&
	    strstr(buf_str(&res->out), "Content-Transfer-Encoding: base64\n") != NULL &&
	    (b = strstr(buf_str(&res->out), "\n\n")) != NULL)
		assert_int_equal(b64_decode(b + 2, strlen(b + 2), &res->body), 0);
}

static void
result_free(struct result *res)
{
	buf_free(&res->out);
	buf_free(&res->rjson);
	buf_free(&res->body);
}

static void
on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data)
{
	(*(int *)data)++;
}

/*
 * The output is a well-formed 7-bit message: ASCII only (ESC for
 * ISO-2022-JP), LF line ends, header lines folded at 78 columns, body lines
 * under 998, and GMime reads it back without a single warning as one
 * text/plain part.
 */
static void
assert_valid_message(const struct buf *out)
{
	GMimeStream *st;
	GMimeParser *parser;
	GMimeParserOptions *opts;
	GMimeMessage *m;
	GMimeObject *part;
	int warnings = 0, in_body = 0;
	size_t col = 0;

	assert_true(out->len > 0);
	for (size_t i = 0; i < out->len; i++) {
		unsigned char c = (unsigned char)out->data[i];

		assert_true(c == '\n' || (c >= 0x20 && c < 0x7f) || c == 0x1b);
		if (c == '\n') {
			if (col == 0)
				in_body = 1;
			col = 0;
			continue;
		}
		col++;
		assert_true(col <= (in_body ? 998 : 78));
	}
	st = g_mime_stream_mem_new_with_buffer(out->data, out->len);
	parser = g_mime_parser_new_with_stream(st);
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(opts, on_warning, &warnings);
	m = g_mime_parser_construct_message(parser, opts);
	assert_non_null(m);
	assert_int_equal(warnings, 0);
	part = g_mime_message_get_mime_part(m);
	assert_non_null(part);
	assert_true(GMIME_IS_TEXT_PART(part));
	g_object_unref(m);
	g_mime_parser_options_free(opts);
	g_object_unref(parser);
	g_object_unref(st);
}

/* The unfolded raw value of header name in out, decoded with hdr_decode. */
static void
decoded_header(const struct buf *out, const char *name, struct buf *v)
{
	char key[64];
	const char *p = buf_str(out), *e;
	struct buf raw;
	struct hdr_info hi;

	snprintf(key, sizeof key, "\n%s: ", name);
	if (strncmp(p, key + 1, strlen(key + 1)) == 0)
		p += strlen(key + 1);
	else {
		p = strstr(p, key);
		assert_non_null(p);
		p += strlen(key);
	}
	for (e = p; *e != '\0' && !(e[0] == '\n' && e[1] != ' ' && e[1] != '\t'); e++)
		;
	buf_init(&raw, 4096);
	buf_append(&raw, p, (size_t)(e - p));
	hdr_decode(buf_str(&raw), raw.len, HDR_TEXT, v, &hi);
	buf_free(&raw);
}

static struct policy defpol;

static int
setup(void **state)
{
	sanitize_init();
	policy_defaults(&defpol);
	return 0;
}

/* --- a Japanese text/plain message ------------------------------------ */

static const char jis_msg[] =
    "From: =?ISO-2022-JP?B?GyRCOzNFREJATzobKEI=?= <taro@example.jp>\n"	/* 山田太郎 */
    "To: hanako@example.com\n"
    "Subject: =?ISO-2022-JP?B?GyRCLSEycTVEGyhC?=\n"				/* ①会議 */
    "Date: Sat, 21 Nov 2026 18:30:00 +0900\n"
    "Message-ID: <jis-1@example.jp>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=ISO-2022-JP\n"
    "Content-Transfer-Encoding: 7bit\n"
    "\n"
    "\x1b$B-!$N7o$G$9!#\x1b(B\n"		/* ①の件です。 */
    "\x1b$B2q5D$OL@F|$G$9!#\x1b(B\n";	/* 会議は明日です。 */

static void
test_jis_message(void **state)
{
	struct result r;
	struct buf subj, from;

	run(&defpol, jis_msg, &r);
	assert_int_equal(r.status, SANITIZE_OK);
	assert_valid_message(&r.out);
	/* the body decodes to the expected UTF-8, after the notice */
	assert_non_null(strstr(buf_str(&r.body), "①の件です。\n会議は明日です。\n"));
	assert_non_null(strstr(buf_str(&r.body), "【無害化済み】"));
	assert_non_null(strstr(buf_str(&r.body), "受付番号: " ID));
	assert_true(utf8_valid((const unsigned char *)r.body.data, r.body.len));
	assert_null(strstr(buf_str(&r.body), "\xef\xbf\xbd"));
	/* the Subject is re-encoded as UTF-8 B words and says ①会議 */
	assert_non_null(strstr(buf_str(&r.out), "\nSubject: =?UTF-8?B?"));
	buf_init(&subj, 4096);
	decoded_header(&r.out, "Subject", &subj);
	assert_string_equal(buf_str(&subj), "①会議");
	buf_free(&subj);
	buf_init(&from, 4096);
	decoded_header(&r.out, "From", &from);
	assert_string_equal(buf_str(&from), "山田太郎 <taro@example.jp>");
	buf_free(&from);
	assert_non_null(strstr(buf_str(&r.out), "\nContent-Type: text/plain; charset=UTF-8\n"));
	assert_non_null(strstr(buf_str(&r.out), "\nX-Sekisho-Sanitized: " ID "; policy="));
	assert_non_null(strstr(buf_str(&r.out), "\nMessage-ID: <jis-1@example.jp>\n"));
	/* the receipt */
	assert_non_null(strstr(buf_str(&r.rjson), "\"verdict\":\"sanitized\""));
	assert_non_null(strstr(buf_str(&r.rjson), "\"subject\":\"①会議\""));
	assert_non_null(strstr(buf_str(&r.rjson), "\"decoded_as\":\"ISO-2022-JP\""));
	assert_non_null(strstr(buf_str(&r.rjson), "\"undecodable_bytes\":0"));
	assert_non_null(strstr(buf_str(&r.rjson), "\"time\":\"2026-11-21T09:30:00Z\""));
	assert_non_null(strstr(buf_str(&r.rjson), defpol.digest));
	result_free(&r);
}

static void
test_jis_message_iso2022jp_out(void **state)
{
	struct policy pol;
	struct buf err, subj, body;
	struct charset_info ci;
	struct result r;
	const char *b;

	policy_defaults(&pol);
	buf_init(&err, 1024);
	assert_int_equal(policy_parse(&pol, "output_charset = iso-2022-jp\n", 29, "t", &err), 0);
	buf_free(&err);
	run(&pol, jis_msg, &r);
	assert_int_equal(r.status, SANITIZE_OK);
	assert_valid_message(&r.out);
	assert_non_null(strstr(buf_str(&r.out), "\nSubject: =?ISO-2022-JP?B?"));
	assert_non_null(strstr(buf_str(&r.out),
	    "Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n"));
	buf_init(&subj, 4096);
	decoded_header(&r.out, "Subject", &subj);
	assert_string_equal(buf_str(&subj), "①会議");
	buf_free(&subj);
	/* the 7bit body reads back as the same Japanese, ① included */
	b = strstr(buf_str(&r.out), "\n\n");
	assert_non_null(b);
	buf_init(&body, 1 << 20);
	charset_decode("ISO-2022-JP", b + 2, strlen(b + 2), &body, &ci);
	assert_int_equal(ci.bad_bytes, 0);
	assert_non_null(strstr(buf_str(&body), "①の件です。\n会議は明日です。\n"));
	buf_free(&body);
	result_free(&r);
}

/* --- attachments ------------------------------------------------------ */

static const char att_msg[] =
    "From: sender@example.com\n"
    "To: rcpt@example.jp\n"
    "Subject: quotation\n"
    "Date: Sat, 21 Nov 2026 18:30:00 +0900\n"
    "Message-ID: <att-1@example.com>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"=_b1\"\n"
    "\n"
    "--=_b1\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "見積書を送ります。\n"
    "--=_b1\n"
    "Content-Type: application/pdf; name=\"=?ISO-2022-JP?B?GyRCOCtAURsoQi5wZGY=?=\"\n"
    "Content-Disposition: attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D.pdf\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0xLjQKJeLjz9MKMSAwIG9iago8PD4+CmVuZG9iago=\n"	/* a tiny %PDF-1.4 */
    "--=_b1\n"
    "Content-Type: application/octet-stream\n"
    "Content-Disposition: attachment; filename=\"report.pdf.exe\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAA=\n"		/* MZ... */
    "--=_b1--\n";

static void
test_attachment_removed_and_listed(void **state)
{
	struct result r;
	struct policy rmpol = defpol;

	rmpol.attachments = ATTACH_REMOVE;
	run(&rmpol, att_msg, &r);
	assert_int_equal(r.status, SANITIZE_OK);
	assert_valid_message(&r.out);
	/* receipt: the PDF is an attachment removed by policy, its name decoded */
	assert_non_null(strstr(buf_str(&r.rjson), "\"reason\":\"attachments-removed-by-policy\""));
	assert_non_null(strstr(buf_str(&r.rjson), "\"filename\":\"見積.pdf\""));
	assert_non_null(strstr(buf_str(&r.rjson), "\"detected_type\":\"application/pdf\""));
	/* the executable with a double extension */
	assert_non_null(strstr(buf_str(&r.rjson), "\"reason\":\"executable\""));
	assert_non_null(strstr(buf_str(&r.rjson), "\"filename\":\"report.pdf.exe\""));
	assert_non_null(strstr(buf_str(&r.rjson), "double-extension"));
	/* notice lists both by name, then the body text */
	assert_non_null(strstr(buf_str(&r.body), "添付ファイル（2件）を削除しました"));
	assert_non_null(strstr(buf_str(&r.body), "1. 見積.pdf（application/pdf, 35 バイト）"));
	assert_non_null(strstr(buf_str(&r.body), "2. report.pdf.exe"));
	assert_non_null(strstr(buf_str(&r.body), "二重拡張子です"));
	assert_non_null(strstr(buf_str(&r.body), "見積書を送ります。"));
	/* none of the attachment content reaches the output */
	assert_null(strstr(buf_str(&r.body), "%PDF"));
	assert_null(strstr(buf_str(&r.out), "JVBERi0"));
	assert_null(strstr(buf_str(&r.out), "TVqQ"));
	assert_null(strstr(buf_str(&r.out), "multipart"));
	result_free(&r);

	/* sanitising policy (the default): the executable is never kept, the
	 * broken PDF stub cannot be rebuilt; both are listed with reasons */
	run(&defpol, att_msg, &r);
	assert_int_equal(r.status, SANITIZE_OK);
	assert_non_null(strstr(buf_str(&r.rjson), "\"reason\":\"executable\""));
	assert_non_null(strstr(buf_str(&r.rjson), "\"rule\":\"attachments.sanitize\""));
	assert_non_null(strstr(buf_str(&r.body), "添付ファイル（2件）を削除しました"));
	assert_null(strstr(buf_str(&r.out), "TVqQ"));
	result_free(&r);
}

static void
test_html_body(void **state)
{
	static const char msg[] =
	    "From: a@example.com\n"
	    "To: b@example.jp\n"
	    "Subject: html\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/html; charset=Shift_JIS\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "\n"
	    "<html><head><script>alert('x')</script></head><body>"
	    "<p>\x87\x40 <a href=\"javascript:evil()\">link</a></p></body></html>\n";
	struct result r;

	run(&defpol, msg, &r);
	assert_int_equal(r.status, SANITIZE_OK);
	assert_valid_message(&r.out);
	assert_non_null(strstr(buf_str(&r.body),
	    "本文: HTML形式の本文をテキストに変換しました。"));
	assert_non_null(strstr(buf_str(&r.body), "① link\n"));
	assert_null(strstr(buf_str(&r.body), "alert"));
	assert_null(strstr(buf_str(&r.body), "javascript"));
	assert_non_null(strstr(buf_str(&r.rjson), "\"body\":\"text/html\""));
	assert_non_null(strstr(buf_str(&r.rjson), "\"decoded_as\":\"CP932\""));
	result_free(&r);
}

/* --- withheld ----------------------------------------------------------- */

/* Ambiguity withheld: the choice on_ambiguous = withhold (not the default). */
static void
test_multipart_without_boundary_withheld(void **state)
{
	struct policy pol = defpol;
	static const char msg[] =
	    "From: a@example.com\n"
	    "To: b@example.jp\n"
	    "Subject: no boundary\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed\n"
	    "\n"
	    "--xyz\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "which part is this?\n"
	    "--xyz--\n";
	struct result r;

	pol.on_ambiguous = AMBIG_WITHHOLD;
	run(&pol, msg, &r);
	assert_int_equal(r.status, SANITIZE_WITHHELD);
	assert_int_equal(r.out.len, 0);
	assert_non_null(strstr(buf_str(&r.rjson), "\"verdict\":\"withheld\""));
	assert_non_null(strstr(buf_str(&r.rjson), "\"reason\":\"ambiguous-structure\""));
	/* the withheld receipt names the kind too */
	assert_non_null(strstr(buf_str(&r.rjson), "\"irregular_structure\":[{\"kind\":"
	    "\"multipart-without-boundary\",\"field\":null,\"count\":1,\"text\":"
	    "\"a multipart without a boundary (its content is shown as text)\"}]"));
	assert_non_null(strstr(buf_str(&r.rjson), "multipart-without-boundary"));
	assert_non_null(strstr(buf_str(&r.rjson), "\"output\":null"));
	result_free(&r);
}

/* How many header fields named name the header block of out has. */
static size_t
count_field(const struct buf *out, const char *name)
{
	const char *p = buf_str(out);
	size_t n = 0, k = strlen(name);

	while (*p != '\0' && *p != '\n') {
		if (strncasecmp(p, name, k) == 0 && p[k] == ':')
			n++;
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
	return n;
}

/* The notice: the text between the two rules at the top of the body. */
static void
notice_of(const struct result *r, struct buf *notice)
{
	const char *rule = "━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\n";
	const char *a = strstr(buf_str(&r->body), rule), *b;

	assert_non_null(a);
	a += strlen(rule);
	b = strstr(a, rule);
	assert_non_null(b);
	buf_append(notice, a, (size_t)(b - a));
}

/* By default a multipart without boundary is read as text (RFC 2045 5.2),
 * nothing in it carried as a file, and the notice says so in one line. */
static void
test_multipart_without_boundary_rebuilt(void **state)
{
	static const char msg[] =
	    "From: a@example.com\n"
	    "To: b@example.jp\n"
	    "Subject: no boundary\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed\n"
	    "\n"
	    "--xyz\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "which part is this?\n"
	    "--xyz\n"
	    "Content-Type: application/octet-stream; name=\"a.exe\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "TVqQAAMAAAAEAAAA\n"
	    "--xyz--\n";
	struct result r;
	struct buf notice;

	run(&defpol, msg, &r);
	assert_int_equal(r.status, SANITIZE_OK);
	assert_valid_message(&r.out);
	buf_init(&notice, 1 << 16);
	notice_of(&r, &notice);
	assert_non_null(strstr(buf_str(&notice), "注意: メールの構造の一部が不正でした"
	    "（区切りの指定がない複数パート、中身をそのままテキストで表示）。"
	    "読み取れた内容を再構成しました（原本は保管されています）。\n"));
	assert_null(strstr(buf_str(&notice), "添付ファイル"));	/* no file carried */
	assert_non_null(strstr(buf_str(&r.body), "which part is this?\n"));
	assert_non_null(strstr(buf_str(&r.rjson), "\"rebuilt_despite_ambiguity\":true"));
	assert_non_null(strstr(buf_str(&r.rjson), "\"reason\":\"no-boundary-shown-as-text\""));
	assert_null(strstr(buf_str(&r.rjson), "\"action\":\"removed\""));
	assert_null(strstr(buf_str(&r.rjson), "\"action\":\"sanitized\""));
	buf_free(&notice);
	result_free(&r);
}

/*
 * Conflicting fields: the rebuilt message has exactly one of each field
 * sekisho writes, the first of the original's, whatever keep_headers says;
 * the notice names each conflict.
 */
static void
test_conflicting_fields_rebuilt(void **state)
{
	static const char msg[] =
	    "From: boss@town.example.lg.jp\n"
	    "From: attacker@example.com\n"
	    "To: staff@town.example.lg.jp\n"
	    "Subject: first subject\n"
	    "Subject: second subject\n"
	    "subject : third subject\n"
	    "Date: Sat, 21 Nov 2026 18:30:00 +0900\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "Content-Type: text/html; charset=us-ascii\n"
	    "X-Mailer: one\n"
	    "X-Mailer: two\n"
	    "\n"
	    "hello\n";
	static const char *const once[] = {
		"From", "To", "Subject", "Date", "MIME-Version", "Content-Type",
		"Content-Transfer-Encoding", "X-Sekisho-Sanitized", "X-Mailer",
	};
	struct policy pol = defpol;
	struct result r;
	struct buf v, notice;

	/* a policy config.c would refuse: names the sanitiser writes anyway */
	pol.n_keep_headers = 4;
	snprintf(pol.keep_headers[0], POLICY_HEADER_NAME_MAX, "X-Mailer");
	snprintf(pol.keep_headers[1], POLICY_HEADER_NAME_MAX, "subject");
	snprintf(pol.keep_headers[2], POLICY_HEADER_NAME_MAX, "Content-Type");
	snprintf(pol.keep_headers[3], POLICY_HEADER_NAME_MAX, "x-mailer");
	run(&pol, msg, &r);
	assert_int_equal(r.status, SANITIZE_OK);
	assert_valid_message(&r.out);	/* GMime reads it without one warning */
	for (size_t i = 0; i < sizeof once / sizeof once[0]; i++) {
		if (count_field(&r.out, once[i]) != 1)
			fail_msg("%zu %s fields in:\n%s", count_field(&r.out, once[i]), once[i],
			    buf_str(&r.out));
	}
	buf_init(&v, 4096);
	decoded_header(&r.out, "From", &v);
	assert_string_equal(buf_str(&v), "<boss@town.example.lg.jp>");
	buf_reset(&v);
	decoded_header(&r.out, "Subject", &v);
	assert_string_equal(buf_str(&v), "first subject");
	buf_free(&v);
	buf_init(&notice, 1 << 16);
	notice_of(&r, &notice);
	assert_non_null(strstr(buf_str(&notice), "注意: メールの構造の一部が不正でした。"
	    "読み取れた内容を再構成しました（原本は保管されています）。\n"
	    "  ・差出人（From）欄が重複し内容が異なる（1件、最初のものを表示）\n"
	    "  ・件名（Subject）欄が重複し内容が異なる（2件、最初のものを表示）\n"
	    "  ・形式の指定（Content-Type）が重複し内容が異なる（1件）\n"));
	assert_non_null(strstr(buf_str(&r.rjson), "{\"kind\":\"conflicting-field\","
	    "\"field\":\"From\",\"count\":1,\"text\":\"From given again with another value "
	    "(the first is shown)\"}"));
	buf_free(&notice);
	result_free(&r);
	/* in English */
	pol.lang = LANG_EN;
	run(&pol, msg, &r);
	buf_init(&notice, 1 << 16);
	notice_of(&r, &notice);
	assert_non_null(strstr(buf_str(&notice), "Note: part of the message structure was "
	    "irregular. What could be read was rebuilt; the original is kept.\n"
	    "  - From given again with another value (1 time; the first is shown)\n"
	    "  - Subject given again with another value (2 times; the first is shown)\n"));
	buf_free(&notice);
	result_free(&r);
}

/*
 * docomo's デコメール shape: the related part's boundary is the start of the
 * mixed part's, so "--B_0_--" is also an inner delimiter.  The text reads
 * whole, and the stray line GMime reports is named by its cause alone.
 */
static const char prefix_msg[] =
    "From: docomo@example.ne.jp\n"
    "Subject: deco\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"B_0_\"\n"
    "\n"
    "--B_0_\n"
    "Content-Type: multipart/related; boundary=\"B\"\n"
    "\n"
    "--B\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "the whole text\n"
    "--B\n"
    "--B_0_--\n";

static void
test_boundary_prefix(void **state)
{
	struct policy pol = defpol;
	struct result r;
	struct buf notice;

	run(&defpol, prefix_msg, &r);
	assert_int_equal(r.status, SANITIZE_OK);
	assert_valid_message(&r.out);
	assert_non_null(strstr(buf_str(&r.body), "the whole text\n"));
	buf_init(&notice, 1 << 16);
	notice_of(&r, &notice);
	assert_non_null(strstr(buf_str(&notice), "注意: メールの構造の一部が不正でした"
	    "（内側の区切りが外側の区切りの先頭と一致）。"
	    "読み取れた内容を再構成しました（原本は保管されています）。\n"));
	assert_null(strstr(buf_str(&notice), "・"));	/* one kind, one line */
	assert_non_null(strstr(buf_str(&r.rjson), "\"irregular_structure\":[{\"kind\":"
	    "\"inner-boundary-prefix\",\"field\":null,\"count\":1,"));
	assert_non_null(strstr(buf_str(&r.rjson), "\"code\":\"boundary-prefix\""));
	buf_free(&notice);
	result_free(&r);
	/* withheld when the policy says so */
	pol.on_ambiguous = AMBIG_WITHHOLD;
	run(&pol, prefix_msg, &r);
	assert_int_equal(r.status, SANITIZE_WITHHELD);
	assert_non_null(strstr(buf_str(&r.rjson), "\"reason\":\"ambiguous-structure\""));
	result_free(&r);
}

/* An outer boundary that starts an inner one: no GMime report, still named. */
static void
test_outer_boundary_prefix(void **state)
{
	static const char msg[] =
	    "From: a@example.com\n"
	    "Subject: eudora\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"==_1==_\"\n"
	    "\n"
	    "--==_1==_\n"
	    "Content-Type: multipart/alternative; boundary=\"==_1==_.ALT\"\n"
	    "\n"
	    "--==_1==_.ALT\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "plain words\n"
	    "--==_1==_.ALT--\n"
	    "\n"
	    "--==_1==_--\n";
	struct result r;

	run(&defpol, msg, &r);
	assert_int_equal(r.status, SANITIZE_OK);
	assert_non_null(strstr(buf_str(&r.body), "plain words\n"));
	assert_non_null(strstr(buf_str(&r.body),
	    "（外側の区切りが内側の区切りの先頭と一致）"));
	assert_non_null(strstr(buf_str(&r.rjson), "\"kind\":\"outer-boundary-prefix\""));
	result_free(&r);
}

/*
 * GMime's own nesting ceiling (1024 levels), out of the walk's sight in an
 * alternative not shown: a limit, withheld whatever on_ambiguous says.
 */
static void
test_nesting_overflow_withheld(void **state)
{
	struct buf msg;
	struct result r;

	buf_init(&msg, 1 << 22);
	buf_puts(&msg, "From: a@example.com\nSubject: deep\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/alternative; boundary=\"top\"\n\n--top\n"
	    "Content-Type: text/plain\n\nshown\n--top\n");
	for (int i = 0; i < 1100; i++)
		buf_printf(&msg, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
	buf_puts(&msg, "Content-Type: text/plain\n\ndeep\n");
	for (int i = 1099; i >= 0; i--)
		buf_printf(&msg, "--b%d--\n", i);
	buf_puts(&msg, "--top--\n");
	run(&defpol, buf_str(&msg), &r);
	assert_int_equal(r.status, SANITIZE_WITHHELD);
	assert_non_null(strstr(buf_str(&r.rjson), "\"reason\":\"mime_nesting_limit\""));
	assert_non_null(strstr(buf_str(&r.rjson), "\"kind\":\"nesting-overflow\""));
	result_free(&r);
	buf_free(&msg);
}

/* Old Mac mail, CR alone, with an mbox envelope line: read like any other. */
static void
test_cr_only_mbox(void **state)
{
	static const char msg[] =
	    "From MAILER-DAEMON  Thu May 28 19:08:03 2020\r"
	    "From: MAILER-DAEMON@example.com\r"
	    "Subject: Returned mail\r"
	    "\r"
	    "The message could not be delivered.\r";
	struct result r;
	struct buf v;

	run(&defpol, msg, &r);
	assert_int_equal(r.status, SANITIZE_OK);
	assert_valid_message(&r.out);
	assert_non_null(strstr(buf_str(&r.body), "The message could not be delivered.\n"));
	buf_init(&v, 4096);
	decoded_header(&r.out, "Subject", &v);
	assert_string_equal(buf_str(&v), "Returned mail");
	buf_free(&v);
	assert_non_null(strstr(buf_str(&r.rjson), "\"code\":\"mbox-from-line\""));
	result_free(&r);
}

static void
test_too_large_withheld(void **state)
{
	struct policy pol;
	struct buf err, msg;
	struct result r;

	policy_defaults(&pol);
	buf_init(&err, 1024);
	assert_int_equal(policy_parse(&pol, "message_size_limit = 1k\n", 24, "t", &err), 0);
	buf_free(&err);
	buf_init(&msg, 1 << 16);
	buf_puts(&msg, "From: a@example.com\nTo: b@example.jp\nSubject: big\n\n");
	while (msg.len <= 1024)
		buf_puts(&msg, "0123456789012345678901234567890123456789\n");
	run(&pol, buf_str(&msg), &r);
	assert_int_equal(r.status, SANITIZE_WITHHELD);
	assert_int_equal(r.out.len, 0);
	assert_non_null(strstr(buf_str(&r.rjson), "\"reason\":\"message_size_limit\""));
	assert_non_null(strstr(buf_str(&r.rjson),
	    "\"limits_hit\":[{\"name\":\"message_size_limit\",\"limit\":1024"));
	assert_non_null(strstr(buf_str(&r.rjson), pol.digest));
	result_free(&r);
	/* exactly at the limit is accepted */
	buf_reset(&msg);
	buf_puts(&msg, "From: a@example.com\nSubject: fits\n\n");
	while (msg.len < 1024)
		buf_putc(&msg, msg.len % 64 == 63 ? '\n' : 'x');
	assert_int_equal(msg.len, 1024);
	run(&pol, buf_str(&msg), &r);
	assert_int_equal(r.status, SANITIZE_OK);
	result_free(&r);
	buf_free(&msg);
}

/* --- determinism -------------------------------------------------------- */

static void
test_deterministic(void **state)
{
	struct result a, b;

	run(&defpol, att_msg, &a);
	run(&defpol, att_msg, &b);
	assert_int_equal(a.status, SANITIZE_OK);
	assert_int_equal(b.status, SANITIZE_OK);
	assert_int_equal(a.out.len, b.out.len);
	assert_memory_equal(a.out.data, b.out.data, a.out.len);
	assert_int_equal(a.rjson.len, b.rjson.len);
	assert_memory_equal(a.rjson.data, b.rjson.data, a.rjson.len);
	result_free(&a);
	result_free(&b);
	run(&defpol, jis_msg, &a);
	run(&defpol, jis_msg, &b);
	assert_int_equal(a.out.len, b.out.len);
	assert_memory_equal(a.out.data, b.out.data, a.out.len);
	assert_string_equal(buf_str(&a.rjson), buf_str(&b.rjson));
	result_free(&a);
	result_free(&b);
}

/*
 * Received: the first field survives only when sekishod's listener took the
 * message (it wrote that field); the sender's own never do, and neither
 * does anything the MTA in front of the milter received.
 */
static void
test_received_kept_only_from_the_listener(void **state)
{
	static const char msg[] =
	    "Received: from client.test ([192.0.2.1])\n"
	    "\tby sekisho.test (sekisho) with ESMTP id Q1\n\tfor <s@town.example>; "
	    "Mon, 07 Dec 2026 01:54:47 +0000\n"
	    "Received: from forged.example by trusted.example; Mon, 1 Jan 2024 00:00:00 +0000\n"
	    "From: a@example.net\nSubject: trace\n\nhello\n";
	struct receipt_envelope env;
	struct policy pol;
	struct buf out, rj;
	const char *r;

	policy_defaults(&pol);
	memset(&env, 0, sizeof env);
	snprintf(env.protocol, sizeof env.protocol, "ESMTP");
	snprintf(env.client, sizeof env.client, "192.0.2.1");
	snprintf(env.helo, sizeof env.helo, "client.test");
	snprintf(env.queue_id, sizeof env.queue_id, "Q1");
	buf_init(&out, 1 << 20);
	buf_init(&rj, 1 << 20);
	assert_int_equal(sanitize_mail_env(&pol, ID, T0, &env, (const unsigned char *)msg,
	    strlen(msg), &out, &rj), SANITIZE_OK);
	r = buf_str(&out);
	{
		static const char top[] = "Received: from client.test ([192.0.2.1]) by sekisho.test";

		assert_memory_equal(r, top, sizeof top - 1);	/* first, unfolded and refolded */
	}
	assert_null(strstr(r, "forged"));
	assert_non_null(strstr(buf_str(&rj), "\"envelope\":{\"protocol\":\"ESMTP\","
	    "\"client\":\"192.0.2.1\",\"helo\":\"client.test\",\"tls\":null,"
	    "\"queue_id\":\"Q1\"}"));
	/* the milter, and the command line: none kept */
	snprintf(env.protocol, sizeof env.protocol, "milter");
	buf_reset(&out);
	buf_reset(&rj);
	assert_int_equal(sanitize_mail_env(&pol, ID, T0, &env, (const unsigned char *)msg,
	    strlen(msg), &out, &rj), SANITIZE_OK);
	assert_null(strstr(buf_str(&out), "Received:"));
	buf_reset(&out);
	buf_reset(&rj);
	assert_int_equal(sanitize_mail(&pol, ID, T0, (const unsigned char *)msg, strlen(msg),
	    &out, &rj), SANITIZE_OK);
	assert_null(strstr(buf_str(&out), "Received:"));
	assert_null(strstr(buf_str(&rj), "\"envelope\""));
	buf_free(&out);
	buf_free(&rj);
}

/* The reason a whole message was withheld says it was kept, not removed. */
static void
test_withheld_reason_text(void **state)
{
	struct buf b;

	buf_init(&b, 1024);
	notice_withheld_reason_text("signature-match", LANG_JA, &b);
	assert_string_equal(buf_str(&b), "不正なファイルの特徴に一致したため保留しました");
	buf_reset(&b);
	notice_withheld_reason_text("ambiguous-structure", LANG_JA, &b);
	assert_string_equal(buf_str(&b), "他のソフトウェアと解釈が異なりうる構造のため保留しました");
	buf_reset(&b);
	notice_withheld_reason_text("message_size_limit", LANG_JA, &b);
	assert_string_equal(buf_str(&b), "メールが大きすぎます（message_size_limit）");
	buf_reset(&b);
	notice_withheld_reason_text("inline-image", LANG_EN, &b);
	assert_string_equal(buf_str(&b), "inline image withheld");
	buf_reset(&b);
	notice_withheld_reason_text("no-such-code", LANG_JA, &b);
	assert_string_equal(buf_str(&b), "no-such-code");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jis_message),
		cmocka_unit_test(test_jis_message_iso2022jp_out),
		cmocka_unit_test(test_attachment_removed_and_listed),
		cmocka_unit_test(test_html_body),
		cmocka_unit_test(test_multipart_without_boundary_withheld),
		cmocka_unit_test(test_multipart_without_boundary_rebuilt),
		cmocka_unit_test(test_conflicting_fields_rebuilt),
		cmocka_unit_test(test_boundary_prefix),
		cmocka_unit_test(test_outer_boundary_prefix),
		cmocka_unit_test(test_nesting_overflow_withheld),
		cmocka_unit_test(test_cr_only_mbox),
		cmocka_unit_test(test_too_large_withheld),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_withheld_reason_text),
		cmocka_unit_test(test_received_kept_only_from_the_listener),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
