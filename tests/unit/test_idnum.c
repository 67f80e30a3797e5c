/*
 * test_idnum - dlp/idnum: 個人番号 and 法人番号 are found in the ways people
 * write them (grouped, full-width, wrapped, beside a keyword) and not where
 * they are something else (a wrong check digit, part of a longer number or a
 * word, a decimal, a number labelled 注文番号 or TEL, a date-time or a
 * telephone number with no keyword near); confidence follows the context;
 * only the last four digits ever come out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dlp/idnum.h"

#define MAXF 200

struct found {
	struct dlp_finding f[MAXF];
	size_t n;
};

static int
collect(const struct dlp_finding *f, void *arg)
{
	struct found *r = arg;

	if (r->n < MAXF)
		r->f[r->n] = *f;
	r->n++;
	return 0;
}

static struct found
scan_ctx(const char *s, const char *ctx)
{
	struct found r;

	memset(&r, 0, sizeof r);
	assert_int_equal(dlp_scan_text(s, strlen(s), ctx, NULL, collect, &r), 0);
	return r;
}

static struct found
scan(const char *s)
{
	return scan_ctx(s, NULL);
}

/* exactly one finding, of this kind and confidence, ending in last4 */
static void
one(const char *s, enum dlp_kind k, enum dlp_confidence c, const char *last4)
{
	struct found r = scan(s);

	if (r.n != 1)
		fail_msg("%zu findings in \"%s\"", r.n, s);
	assert_int_equal(r.f[0].kind, k);
	if (r.f[0].confidence != c)
		fail_msg("confidence %s for \"%s\"",
		    dlp_confidence_name(r.f[0].confidence), s);
	assert_string_equal(r.f[0].last4, last4);
}

static void
none(const char *s)
{
	struct found r = scan(s);

	if (r.n != 0)
		fail_msg("%zu findings in \"%s\" (first ends %s)", r.n, s, r.f[0].last4);
}

static void
digits(const char *s, unsigned char *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (unsigned char)(s[i] - '0');
}

static void
test_check_digits(void **state)
{
	unsigned char d[13];

	(void)state;
	digits("123456789018", d, 12);
	assert_true(dlp_individual_check(d));
	digits("123456789010", d, 12);
	assert_false(dlp_individual_check(d));
	/* the 国税庁's own 法人番号 */
	digits("7000012050002", d, 13);
	assert_true(dlp_corporate_check(d));
	digits("8000012050002", d, 13);
	assert_false(dlp_corporate_check(d));
	/* every eleven-digit prefix has exactly one check digit */
	srand(12);
	for (int t = 0; t < 2000; t++) {
		int valid = 0;

		for (int i = 0; i < 11; i++)
			d[i] = (unsigned char)(rand() % 10);
		for (unsigned char c = 0; c < 10; c++) {
			d[11] = c;
			valid += dlp_individual_check(d);
		}
		assert_int_equal(valid, 1);
	}
	for (int t = 0; t < 2000; t++) {
		int valid = 0;

		for (int i = 1; i < 13; i++)
			d[i] = (unsigned char)(rand() % 10);
		for (unsigned char c = 0; c < 10; c++) {
			d[0] = c;
			valid += dlp_corporate_check(d);
		}
		assert_int_equal(valid, 1);
	}
}

static void
test_written_forms(void **state)
{
	(void)state;
	one("個人番号: 1234 5678 9018", DLP_INDIVIDUAL_NUMBER, DLP_HIGH, "9018");
	one("個人番号 1234-5678-9018", DLP_INDIVIDUAL_NUMBER, DLP_HIGH, "9018");
	one("個人番号 1234.5678.9018", DLP_INDIVIDUAL_NUMBER, DLP_HIGH, "9018");
	one("マイナンバー：１２３４－５６７８－９０１８です",
	    DLP_INDIVIDUAL_NUMBER, DLP_HIGH, "9018");
	one("マイナンバー １２３４　５６７８　９０１８", DLP_INDIVIDUAL_NUMBER,
	    DLP_HIGH, "9018");
	one("マイナンバー 1234ー5678ー9018", DLP_INDIVIDUAL_NUMBER, DLP_HIGH, "9018");
	one("My Number is 123456789018.", DLP_INDIVIDUAL_NUMBER, DLP_HIGH, "9018");
	one("MYNUMBER=123456789018", DLP_INDIVIDUAL_NUMBER, DLP_HIGH, "9018");
	one("番号123456789018です", DLP_INDIVIDUAL_NUMBER, DLP_LOW, "9018");
	one("1234-5678-9018", DLP_INDIVIDUAL_NUMBER, DLP_MEDIUM, "9018");
	one("123456789018", DLP_INDIVIDUAL_NUMBER, DLP_LOW, "9018");
	/* wrapped where a reader still sees one number */
	one("個人番号\n1234 5678\n9018\n", DLP_INDIVIDUAL_NUMBER, DLP_HIGH, "9018");
	one("個人番号 12345678\r\n  9018", DLP_INDIVIDUAL_NUMBER, DLP_HIGH, "9018");
	/* 法人番号 */
	one("法人番号 7000012050002", DLP_CORPORATE_NUMBER, DLP_HIGH, "0002");
	one("7-0000-1205-0002", DLP_CORPORATE_NUMBER, DLP_MEDIUM, "0002");
	one("７００００１２０５０００２", DLP_CORPORATE_NUMBER, DLP_LOW, "0002");
}

static void
test_not_numbers_of_ours(void **state)
{
	(void)state;
	none("個人番号 123456789010");		/* wrong check digit */
	none("個人番号 000000000000");		/* passes the check; a placeholder */
	none("0000-0000-0000");
	none("1234-5678-9018-1234");		/* a card number */
	none("11234567890185");			/* fourteen digits */
	none("1234-5678 9018");			/* two kinds of separator */
	none("12-3456-7890-18");		/* not 4-4-4 */
	none("ID123456789018");			/* part of a word */
	none("123456789018abc");
	none("3.123456789018");			/* a decimal */
	none("1,123456789018");
	none("123456789018.5");
	none("123456789018-1");			/* a code with a suffix */
	none("1-123456789018");
	none("注文番号 123456789018");		/* labelled as something else */
	none("マイナンバー制度について。伝票番号：1234-5678-9018");
	none("TEL: 1234-5678-9018");
	none("〒123456789018");
	none("受付番号 123456789018");
	none("+123456789018");			/* a telephone number */
	none("");
	none("個人番号");
	/* a label on an earlier line does not reach the number */
	one("電話\n123456789018", DLP_INDIVIDUAL_NUMBER, DLP_LOW, "9018");
	/* "tel" inside a word is no label */
	one("hotel 123456789018", DLP_INDIVIDUAL_NUMBER, DLP_LOW, "9018");
	none("+123456789018 個人番号");		/* a keyword after is no label */
	one("個人番号+123456789018", DLP_INDIVIDUAL_NUMBER, DLP_HIGH, "9018");
}

static void
test_datetime_needs_a_keyword(void **state)
{
	char date[32], kw[64];
	unsigned char d[12];

	(void)state;
	/* 2026-12-07 15:3x with x chosen so that the check digit holds */
	digits("202612071530", d, 12);
	for (d[11] = 0; !dlp_individual_check(d); d[11]++)
		;
	snprintf(date, sizeof date, "20261207153%c", '0' + d[11]);
	none(date);
	snprintf(kw, sizeof kw, "個人番号 %s", date);
	one(kw, DLP_INDIVIDUAL_NUMBER, DLP_HIGH, date + 8);
	/* a keyword in the window that labels something else is not enough */
	snprintf(kw, sizeof kw, "個人番号\n作成日時 %s", date);
	none(kw);
}

static void
test_window(void **state)
{
	char text[2048];
	size_t n = 0;

	(void)state;
	/* a keyword after the number raises it too */
	one("123456789018 はマイナンバーです", DLP_INDIVIDUAL_NUMBER, DLP_HIGH, "9018");
	/* a 法人番号 keyword does not raise a 個人番号 */
	one("法人番号 123456789018", DLP_INDIVIDUAL_NUMBER, DLP_LOW, "9018");
	/* 300 characters (of three bytes each) away: still high; 301: not */
	n = (size_t)snprintf(text, sizeof text, "個人番号");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "あ");
	snprintf(text + n, sizeof text - n, "123456789018");
	one(text, DLP_INDIVIDUAL_NUMBER, DLP_HIGH, "9018");
	n = (size_t)snprintf(text, sizeof text, "個人番号あ");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "あ");
	snprintf(text + n, sizeof text - n, "123456789018");
	one(text, DLP_INDIVIDUAL_NUMBER, DLP_LOW, "9018");
	n = (size_t)snprintf(text, sizeof text, "123456789018");
	for (int i = 0; i < 301; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "あ");
	snprintf(text + n, sizeof text - n, "個人番号");
	one(text, DLP_INDIVIDUAL_NUMBER, DLP_LOW, "9018");
	/* the caller's context: a column header */
	{
		struct found r = scan_ctx("123456789018", "職員の個人番号");

		assert_int_equal(r.n, 1);
		assert_int_equal(r.f[0].confidence, DLP_HIGH);
	}
}

static void
test_positions_and_mask(void **state)
{
	const char *s = "一行目\n本人の個人番号は １２３４ ５６７８ ９０１８ です";
	struct found r = scan(s);
	struct buf m;

	(void)state;
	assert_int_equal(r.n, 1);
	assert_int_equal(r.f[0].line, 2);
	assert_int_equal(r.f[0].grouped, 1);
	assert_memory_equal(s + r.f[0].offset, "１２３４", strlen("１２３４"));
	assert_int_equal(r.f[0].length, strlen("１２３４ ５６７８ ９０１８"));
	buf_init(&m, 64);
	assert_int_equal(dlp_masked(&r.f[0], &m), 0);
	assert_string_equal(buf_str(&m), "****-****-9018");
	buf_reset(&m);
	r = scan("法人番号 7000012050002");
	assert_int_equal(dlp_masked(&r.f[0], &m), 0);
	assert_string_equal(buf_str(&m), "*-****-****-0002");
	buf_free(&m);
	assert_string_equal(dlp_kind_name(DLP_CORPORATE_NUMBER), "corporate-number");
	assert_string_equal(dlp_kind_name(DLP_INDIVIDUAL_NUMBER), "individual-number");
}

static void
test_hostile_bytes(void **state)
{
	static const char s[] = "\xff\xfe個人番号\0 123456789018\xc3";
	struct found r;

	(void)state;
	memset(&r, 0, sizeof r);
	assert_int_equal(dlp_scan_text(s, sizeof s - 1, NULL, NULL, collect, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.f[0].confidence, DLP_HIGH);
	/* a text cut in the middle of a separator or a character */
	memset(&r, 0, sizeof r);
	assert_int_equal(dlp_scan_text("1234\xe3\x80", 6, NULL, NULL, collect, &r), 0);
	assert_int_equal(r.n, 0);
}

static void
test_many_numbers_lose_none(void **state)
{
	static char text[20000];
	struct found r;
	size_t n = 0;

	(void)state;
	/* more numbers than the queue holds, the keyword at the end */
	for (int i = 0; i < 150; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "1234-5678-9018\n");
	snprintf(text + n, sizeof text - n, "以上、個人番号の一覧");
	r = scan(text);
	assert_int_equal(r.n, 150);
	for (size_t i = 1; i < r.n; i++)
		assert_true(r.f[i].offset > r.f[i - 1].offset);
	/* the last ones are within the window of the keyword */
	assert_int_equal(r.f[149].confidence, DLP_HIGH);
	assert_int_equal(r.f[0].confidence, DLP_MEDIUM);
}

static int
stop_at_first(const struct dlp_finding *f, void *arg)
{
	(void)f;
	(void)arg;
	return 7;
}

static void
test_emit_stops_the_scan(void **state)
{
	struct found r;

	(void)state;
	assert_int_equal(dlp_scan_text("123456789018 123456789018", 25, NULL, NULL,
	    stop_at_first, NULL), 7);
	/* a list separated by spaces or lines is two numbers */
	r = scan("123456789018 123456789018");
	assert_int_equal(r.n, 2);
	r = scan("123456789018\n1234 5678 9018\n");
	assert_int_equal(r.n, 2);
	assert_int_equal(r.f[1].line, 2);
}

static void
test_operator_terms(void **state)
{
	static const char *const ind[] = { "職員番号", NULL };
	static const char *const other[] = { "案件番号", NULL };
	static const char *const empty[] = { NULL };
	struct dlp_terms t = { ind, empty, other, 20 };
	struct found r;

	(void)state;
	memset(&r, 0, sizeof r);
	assert_int_equal(dlp_scan_text("職員番号 123456789018", strlen("職員番号 123456789018"),
	    NULL, &t, collect, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.f[0].confidence, DLP_HIGH);
	memset(&r, 0, sizeof r);
	assert_int_equal(dlp_scan_text("案件番号 123456789018", strlen("案件番号 123456789018"),
	    NULL, &t, collect, &r), 0);
	assert_int_equal(r.n, 0);
	/* the defaults are not in force when the operator's list replaces them */
	memset(&r, 0, sizeof r);
	assert_int_equal(dlp_scan_text("個人番号 123456789018", strlen("個人番号 123456789018"),
	    NULL, &t, collect, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.f[0].confidence, DLP_LOW);
}

static char *
masked(const char *in)
{
	static char out[512];
	struct buf b;

	buf_init(&b, sizeof out - 1);
	assert_int_equal(dlp_mask_digits(in, strlen(in), &b), 0);
	snprintf(out, sizeof out, "%s", b.data != NULL ? b.data : "");
	buf_free(&b);
	return out;
}

/* Text that leaves the inspection: no run of twelve digits or more shown */
static void
test_mask_digits(void **state)
{
	(void)state;
	assert_string_equal(masked("番号 123456789018 です"), "番号 ********9018 です");
	assert_string_equal(masked("1234-5678-9018"), "****-****-9018");
	/* full-width digits and separators: the digits masked, the rest kept */
	assert_string_equal(masked("１２３４ー５６７８ー９０１８"), "****ー****ー９０１８");
	assert_string_equal(masked("1-2345-6789-0123"), "*-****-****-0123");
	/* invalid check digits too: what could be a number is not shown */
	assert_string_equal(masked("a123456789010b"), "a********9010b");
	/* shorter runs are left: dates, telephone numbers, amounts */
	assert_string_equal(masked("2026-12-07 会議 03-1234-5678 番号12345678901"),
	    "2026-12-07 会議 03-1234-5678 番号12345678901");
	/* a change of separator: the last group begins the next run, so a
	 * number after a run of another kind is masked too (found by fuzz_idnum) */
	assert_string_equal(masked("1,123456789018 1234-5-9018-1234"),
	    "1,************ ****-*-****-1234");
	{
		const char *m = masked("ID123456789018 3.123456789018 1");

		assert_false(dlp_has_long_digits(m, strlen(m)));
	}
	assert_string_equal(masked("1234--5678--9018"), "1234--5678--9018");
	assert_string_equal(masked(""), "");
	assert_string_equal(masked("12345678901234567890"), "****************7890");
	/* a separator at the end is not part of the run */
	assert_string_equal(masked("123456789018-"), "********9018-");
	/* the check agrees with the masking */
	assert_true(dlp_has_long_digits("x 1234 5678 9018", 16));
	assert_false(dlp_has_long_digits("x ****-****-9018", 16));
	assert_false(dlp_has_long_digits("03-1234-5678", 12));
	/* invalid UTF-8 ends a run, never a crash */
	assert_false(dlp_has_long_digits("123456\xff" "789018", 13));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_digits),
		cmocka_unit_test(test_written_forms),
		cmocka_unit_test(test_not_numbers_of_ours),
		cmocka_unit_test(test_datetime_needs_a_keyword),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_positions_and_mask),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_many_numbers_lose_none),
		cmocka_unit_test(test_emit_stops_the_scan),
		cmocka_unit_test(test_operator_terms),
		cmocka_unit_test(test_mask_digits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
