/*
 * test_params - mime/params: Content-Type / Content-Disposition parameters
 * as Japanese mailers really write them.
 *
 * Percent and base64 forms were produced from iconv(1) output: 見積 is
 * UTF-8 e8 a6 8b e7 a9 8d, ISO-2022-JP 1b 24 42 38 2b 40 51 1b 28 42.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mime/params.h"
#include "text/charset.h"

struct got {
	int found;
	char text[1024];
	struct param_info info;
};

static void
get(const char *raw, const char *name, struct got *g)
{
	struct buf out;

	buf_init(&out, sizeof g->text - 1);
	g->found = param_get(raw, strlen(raw), name, &out, &g->info);
	memcpy(g->text, buf_str(&out), out.len + 1);
	buf_free(&out);
}

static int
setup(void **state)
{
	charset_init();
	return 0;
}

static void
test_plain_name(void **state)
{
	struct got g;

	get("application/pdf; name=\"report.pdf\"", "name", &g);
	assert_int_equal(g.found, 1);
	assert_string_equal(g.text, "report.pdf");
	assert_int_equal(g.info.conflicting, 0);
	/* a token value, odd spacing and case in the name */
	get("application/pdf;\r\n\tNAME = report.pdf ; x=y", "name", &g);
	assert_int_equal(g.found, 1);
	assert_string_equal(g.text, "report.pdf");
	/* quoted-pair and ';' inside quotes */
	get("attachment; filename=\"a;b \\\"c\\\".txt\"", "filename", &g);
	assert_string_equal(g.text, "a;b \"c\".txt");
}

static void
test_absent_and_prefix(void **state)
{
	struct got g;

	get("attachment; size=100", "filename", &g);
	assert_int_equal(g.found, 0);
	assert_string_equal(g.text, "");
	/* a parameter whose name only starts with or ends in the one asked for */
	get("attachment; filenamex=a.exe; xfilename=b.exe; filename=c.txt", "filename", &g);
	assert_int_equal(g.found, 1);
	assert_string_equal(g.text, "c.txt");
	/* the value before the first ';' is not a parameter */
	get("filename=evil.exe", "filename", &g);
	assert_int_equal(g.found, 0);
	get("text/plain; charset=\"a;filename=evil.exe\"", "filename", &g);
	assert_int_equal(g.found, 0);
}

static void
test_rfc2231_utf8(void **state)
{
	struct got g;

	get("attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D.pdf", "filename", &g);
	assert_int_equal(g.found, 1);
	assert_string_equal(g.text, "見積.pdf");
	/* with a language, lower-case hex, percent escape last */
	get("attachment; filename*=utf-8'ja'%e8%a6%8b%e7%a9%8d", "filename", &g);
	assert_string_equal(g.text, "見積");
	/* the extended form wins over the plain fallback */
	get("attachment; filename=\"fallback.pdf\"; filename*=UTF-8''%E8%A6%8B.pdf",
	    "filename", &g);
	assert_string_equal(g.text, "見.pdf");
}

static void
test_rfc2231_continuations_out_of_order(void **state)
{
	struct got g;

	get("attachment;\r\n filename*1*=%E7%A9%8D.pdf;\r\n filename*0*=UTF-8''%E8%A6%8B",
	    "filename", &g);
	assert_int_equal(g.found, 1);
	assert_string_equal(g.text, "見積.pdf");
	assert_int_equal(g.info.conflicting, 0);
	/* mixed extended and plain segments: only *n* segments are %-decoded */
	get("attachment; filename*2=\"%41.txt\"; filename*0*=UTF-8''%E8%A6%8B; "
	    "filename*1=\"_b\"", "filename", &g);
	assert_string_equal(g.text, "見_b%41.txt");
	/* a multi-byte character split across segments */
	get("attachment; filename*0*=UTF-8''%E8%A6; filename*1*=%8B", "filename", &g);
	assert_string_equal(g.text, "見");
}

static void
test_rfc2231_iso2022jp(void **state)
{
	struct got g;

	/* 見積.pdf in ISO-2022-JP, fully percent-encoded */
	get("attachment; filename*=ISO-2022-JP''%1B%24%42%38%2B%40%51%1B%28%42.pdf",
	    "filename", &g);
	assert_string_equal(g.text, "見積.pdf");
	/* ①請求書 with the NEC ① (JIS 2D21), split into two segments */
	get("attachment; filename*0*=iso-2022-jp''%1B%24%42%2D%21%40%41;"
	    " filename*1*=%35%61%3D%71%1B%28%42.pdf", "filename", &g);
	assert_string_equal(g.text, "①請求書.pdf");
	assert_int_equal(g.info.hdr.bad_bytes, 0);
}

static void
test_rfc2047_in_quoted_value(void **state)
{
	struct got g;

	/* Outlook style: an encoded word inside the quoted filename */
	get("attachment; filename=\"=?ISO-2022-JP?B?GyRCOCtAURsoQi5wZGY=?=\"", "filename", &g);
	assert_int_equal(g.found, 1);
	assert_string_equal(g.text, "見積.pdf");
	/* ①請求書.pdf in ISO-2022-JP with NEC row 13, in Content-Type name= */
	get("application/pdf; name=\"=?ISO-2022-JP?B?GyRCLSFAQTVhPXEbKEIucGRm?=\"", "name", &g);
	assert_string_equal(g.text, "①請求書.pdf");
	/* two words folded inside the quotes, UTF-8 cut mid-character */
	get("attachment; filename=\"=?UTF-8?B?5pel5g==?=\r\n =?UTF-8?B?nKw=?=.txt\"",
	    "filename", &g);
	assert_string_equal(g.text, "日本.txt");
}

static void
test_raw_8bit_value(void **state)
{
	struct got g;

	/* an old client's raw CP932 name: 見積書.xls */
	get("attachment; filename=\"\x8c\xa9\x90\xcf\x8f\x91.xls\"", "filename", &g);
	assert_string_equal(g.text, "見積書.xls");
	assert_int_equal(g.info.hdr.raw_8bit, 1);
}

static void
test_conflicting_duplicates(void **state)
{
	struct got g;

	get("attachment; filename=\"invoice.pdf\"; filename=\"invoice.exe\"", "filename", &g);
	assert_int_equal(g.found, 1);
	assert_int_equal(g.info.conflicting, 1);
	/* the same value twice is not a conflict */
	get("attachment; filename=\"a.pdf\"; filename=a.pdf", "filename", &g);
	assert_int_equal(g.info.conflicting, 0);
	assert_string_equal(g.text, "a.pdf");
	/* the same RFC 2231 segment twice */
	get("attachment; filename*0=a; filename*0=b; filename*1=.txt", "filename", &g);
	assert_int_equal(g.info.conflicting, 1);
}

static void
test_too_many_segments(void **state)
{
	struct got g;

	get("attachment; filename*0=a; filename*64=b", "filename", &g);
	assert_int_equal(g.info.too_many_segments, 1);
	assert_string_equal(g.text, "a");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_name),
		cmocka_unit_test(test_absent_and_prefix),
		cmocka_unit_test(test_rfc2231_utf8),
		cmocka_unit_test(test_rfc2231_continuations_out_of_order),
		cmocka_unit_test(test_rfc2231_iso2022jp),
		cmocka_unit_test(test_rfc2047_in_quoted_value),
		cmocka_unit_test(test_raw_8bit_value),
		cmocka_unit_test(test_conflicting_duplicates),
		cmocka_unit_test(test_too_many_segments),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
