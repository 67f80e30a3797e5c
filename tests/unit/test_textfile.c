/*
 * test_textfile - cdr_text(): Japanese text in every encoding a Japanese
 * office sends, control characters, CSV formula injection, CP932 output,
 * HTML as text, limits.
 *
 * Every encoded byte string below was produced with iconv(1), e.g.
 *   printf 'こんにちは、世界。ｶﾅ' | iconv -f UTF-8 -t CP932 | od -An -tx1
 *   printf '①㈱髙﨑' | iconv -f UTF-8 -t CP932 | od -An -tx1
 * so the expectations do not come from sekisho's own decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cdr/cdr.h"
#include "core/buf.h"
#include "policy/config.h"
#include "text/charset.h"

#define U_HELLO "こんにちは、世界。ｶﾅ"
#define SJ_HELLO "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\x81\x41\x90\xa2\x8a\x45\x81\x42\xb6\xc5"
#define EUC_HELLO "\xa4\xb3\xa4\xf3\xa4\xcb\xa4\xc1\xa4\xcf\xa1\xa2\xc0\xa4\xb3\xa6\xa1\xa3\x8e\xb6\x8e\xc5"
#define JIS_HELLO "\x1b$B$3$s$K$A$O!\"@$3&!#\x1b(B"
#define U_HELLO_NOKANA "こんにちは、世界。"
#define U_EXT "①㈱髙﨑"
#define SJ_EXT "\x87\x40\x87\x8a\xfb\xfc\xfa\xb1"
#define U16LE_NIHONGO "\xe5\x65\x2c\x67\x9e\x8a"	/* 日本語 */

static struct policy pol;

struct res {
	struct buf out;
	struct cdr_result r;
	int rc;
};

static void
run(const void *in, size_t len, int mode, struct res *x)
{
	struct cdr_ctx c;

	memset(&c, 0, sizeof c);
	memset(&x->r, 0, sizeof x->r);
	c.pol = &pol;
	buf_init(&x->out, 1u << 20);
	x->rc = cdr_text(&c, in, len, mode, &x->out, &x->r);
	if (x->rc != CDR_OK)
		assert_int_equal(x->out.len, 0);
}

#define RUN(lit, mode, x) run((lit), sizeof(lit) - 1, (mode), (x))

static size_t
removed(const struct cdr_result *r, const char *what)
{
	const struct cdr_removal *e = cdr_removal_find(r, what);

	return e != NULL ? e->count : 0;
}

static const char *
removed_names(const struct cdr_result *r, const char *what)
{
	const struct cdr_removal *e = cdr_removal_find(r, what);

	return e != NULL ? e->names : "";
}

static void
assert_out(const struct res *x, const char *want)
{
	assert_int_equal(x->rc, CDR_OK);
	if (x->out.len != strlen(want) || memcmp(x->out.data, want, x->out.len) != 0)
		fail_msg("output\n[%.*s]\nexpected\n[%s]", (int)x->out.len, x->out.data, want);
}

static void
japanese_encodings(void **state)
{
	struct res x;

	(void)state;
	RUN(SJ_HELLO "\n" SJ_EXT "\n", 0, &x);
	assert_out(&x, U_HELLO "\r\n" U_EXT "\r\n");
	assert_string_equal(x.r.out_type, "text/plain; charset=utf-8");
	assert_string_equal(x.r.out_ext, ".txt");
	assert_string_equal(x.r.method, "transcode");
	assert_int_equal(x.r.nremoved, 0);
	buf_free(&x.out);

	RUN(EUC_HELLO "\n" EUC_HELLO "\n", 0, &x);
	assert_out(&x, U_HELLO "\r\n" U_HELLO "\r\n");
	buf_free(&x.out);

	RUN(JIS_HELLO "\r\n", 0, &x);
	assert_out(&x, U_HELLO_NOKANA "\r\n");
	buf_free(&x.out);

	RUN(U_HELLO "\n", 0, &x);		/* UTF-8, no BOM */
	assert_out(&x, U_HELLO "\r\n");
	buf_free(&x.out);

	RUN("\xef\xbb\xbf" U_HELLO "\n", 0, &x);	/* UTF-8 with BOM: the BOM is not content */
	assert_out(&x, U_HELLO "\r\n");
	assert_int_equal(removed(&x.r, "control-characters"), 0);
	buf_free(&x.out);

	RUN("\xff\xfe" U16LE_NIHONGO "\n\0", 0, &x);	/* UTF-16LE with BOM */
	assert_out(&x, "日本語\r\n");
	buf_free(&x.out);

	RUN("\xfe\xff\x65\xe5\x67\x2c\x8a\x9e", 0, &x);	/* UTF-16BE with BOM */
	assert_out(&x, "日本語");
	buf_free(&x.out);

	RUN("a\0b\0c\0\r\0\n\0", 0, &x);	/* UTF-16LE without BOM */
	assert_out(&x, "abc\r\n");
	buf_free(&x.out);
}

static void
controls_and_line_ends(void **state)
{
	struct res x;

	(void)state;
	/* ESC, SOH, DEL, C1 NEL, RLO U+202E, LRI U+2066, NUL; LF, CR, CRLF */
	RUN("a\x01" "b\x1b[31mc\xe2\x80\xae" "d\xe2\x81\xa6" "e\x7f\xc2\x85" "f\0g\n"
	    "h\ri\r\nj\tk", 0, &x);
	assert_out(&x, "ab[31mcdefg\r\nh\r\ni\r\nj\tk");
	assert_int_equal(removed(&x.r, "control-characters"), 7);
	buf_free(&x.out);

	RUN("\xef\xbb\xbf日本\xff語\n", 0, &x);	/* a BOM, then one broken byte */
	assert_out(&x, "日本\xef\xbf\xbd語\r\n");
	assert_int_equal(removed(&x.r, "undecodable-bytes"), 1);
	buf_free(&x.out);
}

static void
csv_formulas(void **state)
{
	static const char in[] =
	    "name,amount,phone,note\r\n"
	    "=1+1,-123,+81-3-1234-5678,@SUM(A1)\n"
	    "\"=cmd|' /C calc'!A0\",+1.5e3,-1,234,\"a,b\"\"c\nd\"\n"
	    "\xef\xbc\x9d" "1,  =2,\t-x,ok,-\n"
	    "plain,\"quoted\",x\"y,\"unterminated\n";
	static const char want[] =
	    "\xef\xbb\xbf"
	    "name,amount,phone,note\r\n"
	    "\"'=1+1\",-123,\"'+81-3-1234-5678\",\"'@SUM(A1)\"\r\n"
	    "\"'=cmd|' /C calc'!A0\",+1.5e3,-1,234,\"a,b\"\"c\r\nd\"\r\n"
	    "\"'\xef\xbc\x9d" "1\",\"'  =2\",\"'\t-x\",ok,\"'-\"\r\n"
	    "plain,\"quoted\",\"x\"\"y\",\"unterminated\r\n\"";
	struct res x;
	const char *names;

	(void)state;
	RUN(in, 1, &x);
	assert_out(&x, want);
	assert_string_equal(x.r.out_type, "text/csv; charset=utf-8");
	assert_string_equal(x.r.out_ext, ".csv");
	assert_int_equal(removed(&x.r, "csv-formula"), 8);
	names = removed_names(&x.r, "csv-formula");
	assert_non_null(strstr(names, "R2C1"));
	assert_non_null(strstr(names, "R2C3"));
	assert_non_null(strstr(names, "R3C1"));
	assert_non_null(strstr(names, "R4C5"));
	assert_null(strstr(names, "R2C2"));	/* -123 is a number */
	buf_free(&x.out);

	/* TSV, and no BOM when csv_bom = no */
	pol.csv_bom = 0;
	RUN("a\tb\n=HYPERLINK(\"http://x\")\t-5\n", 1, &x);
	assert_out(&x, "a\tb\r\n\"'=HYPERLINK(\"\"http://x\"\")\"\t-5\r\n");
	assert_string_equal(x.r.out_ext, ".tsv");
	buf_free(&x.out);
	pol.csv_bom = 1;
}

static void
cp932_output(void **state)
{
	/* a Windows CSV with NEC (①, ㈱) and IBM (髙, 﨑) extensions, CRLF */
	static const char sj[] = "\x96\xbc\x91\x4f,\x8f\x5a\x8f\x8a\r\n"	/* 名前,住所 */
	    SJ_EXT "," SJ_HELLO "\r\n";
	struct res x;

	(void)state;
	pol.text_charset = TEXT_CP932;
	RUN(sj, 1, &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_int_equal(x.out.len, sizeof sj - 1);	/* byte for byte the same */
	assert_memory_equal(x.out.data, sj, sizeof sj - 1);
	assert_string_equal(x.r.out_type, "text/csv; charset=Shift_JIS");
	buf_free(&x.out);

	/* UTF-8 in, characters CP932 lacks become "?" and are counted */
	RUN("絵文字\xf0\x9f\x98\x80と\xe2\x9c\x93" U_EXT "\n", 0, &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_int_equal(removed(&x.r, "unrepresentable-characters"), 2);
	assert_string_equal(x.r.out_type, "text/plain; charset=Shift_JIS");
	{
		static const char want[] = "\x8a\x47\x95\xb6\x8e\x9a?\x82\xc6?" SJ_EXT "\r\n";

		assert_int_equal(x.out.len, sizeof want - 1);
		assert_memory_equal(x.out.data, want, sizeof want - 1);
	}
	buf_free(&x.out);
	pol.text_charset = TEXT_UTF8;
}

static void
html_file(void **state)
{
	static const char in[] = "<html><head><meta charset=\"shift_jis\"><title>t</title>"
	    "<script>alert('x')</script><style>p{}</style></head><body>"
	    "<p>" SJ_HELLO "</p><script>document.write(1)</script><p hidden>secret</p><form><input value=v></form>"
	    "<p>\xe2\x80\xae" "evil</p></body></html>";
	struct res x;

	(void)state;
	/* the RLO above is UTF-8 inside Shift_JIS: it decodes as noise, not RLO,
	 * but no control character may come out either way */
	RUN(in, 2, &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_string_equal(x.r.method, "html-to-text");
	assert_string_equal(x.r.out_ext, ".txt");
	assert_non_null(strstr(x.out.data, U_HELLO));
	assert_null(strstr(x.out.data, "alert"));
	assert_null(strstr(x.out.data, "secret"));
	assert_null(strstr(x.out.data, "<p>"));
	assert_int_equal(removed(&x.r, "script"), 2);	/* one in head, one in body */
	assert_null(strstr(x.out.data, "document"));
	assert_null(strstr(x.out.data, "\xe2\x80\xae"));
	buf_free(&x.out);
}

static void
limits(void **state)
{
	struct res x;

	(void)state;
	pol.lim.text_bytes = 1024;
	{
		char big[3000];

		memset(big, 'a', sizeof big);
		run(big, sizeof big, 0, &x);
		assert_int_equal(x.rc, CDR_WITHHELD);
		assert_string_equal(x.r.reason, "text_size_limit");
		buf_free(&x.out);
	}
	policy_defaults(&pol);
	/* the caller's output ceiling */
	{
		struct cdr_ctx c;
		struct cdr_result r;
		struct buf out;

		memset(&c, 0, sizeof c);
		memset(&r, 0, sizeof r);
		c.pol = &pol;
		buf_init(&out, 8);
		assert_int_equal(cdr_text(&c, (const unsigned char *)"0123456789abc", 13, 0, &out, &r),
		    CDR_WITHHELD);
		assert_string_equal(r.reason, "file_output_size_limit");
		assert_int_equal(out.len, 0);
		buf_free(&out);
	}
	/* empty file: empty output */
	run("", 0, 1, &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_int_equal(x.out.len, 3);	/* only the BOM */
	buf_free(&x.out);
}

/*
 * A file encoded in the text (uuencode of "hello world\n", made with
 * Python's binascii.b2a_uu) is taken out, a marker in its place, listed as
 * "encoded-file"; one cut short is taken out all the same.
 */
static void
encoded_blocks(void **state)
{
	struct res x;

	(void)state;
	RUN("before\nbegin 644 hi.txt\n,:&5L;&\\@=V]R;&0*\n`\nend\nafter\n", 0, &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_out(&x, "before\r\n［ここにあったuuencode形式のファイル「hi.txt」は取り除きました］\r\n"
	    "after\r\n");
	assert_int_equal(removed(&x.r, "encoded-file"), 1);
	assert_non_null(strstr(removed_names(&x.r, "encoded-file"), "hi.txt (uuencode, text/plain, 12 bytes)"));
	buf_free(&x.out);
	/* no end line: fail closed, taken out and marked damaged */
	RUN("before\nbegin 644 hi.txt\n,:&5L;&\\@=V]R;&0*\n", 0, &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_null(strstr(x.out.data, ",:&5L"));
	assert_non_null(strstr(removed_names(&x.r, "encoded-file"), "damaged: no end line"));
	buf_free(&x.out);
	/* in a CSV cell that holds lines: the rebuilt cell starts with a quote */
	RUN("a,\"begin 644 hi.txt\n,:&5L;&\\@=V]R;&0*\n`\nend\"\n1,2\n", 1, &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_null(strstr(x.out.data, "begin 644"));
	assert_null(strstr(x.out.data, ",:&5L"));
	assert_int_equal(removed(&x.r, "encoded-file"), 1);
	buf_free(&x.out);
	/* in a CSV too (after the CSV is rebuilt) */
	RUN("a,b\nbegin 644 hi.txt\n,:&5L;&\\@=V]R;&0*\n`\nend\n1,2\n", 1, &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_null(strstr(x.out.data, "begin 644"));
	assert_int_equal(removed(&x.r, "encoded-file"), 1);
	buf_free(&x.out);
}

static int
setup(void **state)
{
	(void)state;
	charset_init();
	policy_defaults(&pol);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(japanese_encodings),
		cmocka_unit_test(controls_and_line_ends),
		cmocka_unit_test(csv_formulas),
		cmocka_unit_test(encoded_blocks),
		cmocka_unit_test(cp932_output),
		cmocka_unit_test(html_file),
		cmocka_unit_test(limits),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
