/*
 * test_json - core/json: string escaping always gives valid JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/json.h"

/* json_strn(s, n) into a fresh buffer, compared with expect. */
static void
check(const char *s, size_t n, const char *expect)
{
	struct buf b;

	buf_init(&b, 4096);
	assert_int_equal(json_strn(&b, s, n), 0);
	assert_string_equal(buf_str(&b), expect);
	buf_free(&b);
}

#define CHECK(lit, expect) check((lit), sizeof(lit) - 1, (expect))

static void
test_plain(void **state)
{
	CHECK("", "\"\"");
	CHECK("hello world", "\"hello world\"");
	CHECK("a/b'c", "\"a/b'c\"");
}

static void
test_quotes_and_backslash(void **state)
{
	CHECK("say \"hi\"", "\"say \\\"hi\\\"\"");
	CHECK("C:\\dir\\", "\"C:\\\\dir\\\\\"");
	CHECK("\\\"", "\"\\\\\\\"\"");
}

static void
test_controls(void **state)
{
	CHECK("a\nb\tc\rd", "\"a\\nb\\tc\\rd\"");
	CHECK("\x01\x08\x0c\x1b\x1f", "\"\\u0001\\u0008\\u000c\\u001b\\u001f\"");
	CHECK("del\x7f", "\"del\\u007f\"");
	CHECK("a\0b", "\"a\\u0000b\"");		/* NUL inside a counted string */
}

static void
test_invalid_utf8_replaced(void **state)
{
	/* lone bytes that can never start a character */
	CHECK("a\xff" "b", "\"a\\ufffdb\"");
	CHECK("\x80", "\"\\ufffd\"");
	CHECK("\xfe\xc0\xc1", "\"\\ufffd\\ufffd\\ufffd\"");
	/* truncated 3-byte sequence at the end: each byte replaced */
	CHECK("x\xe3\x81", "\"x\\ufffd\\ufffd\"");
	/* overlong "/" (C0 AF) and overlong 3-byte NUL (E0 80 80) */
	CHECK("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	CHECK("\xe0\x80\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	/* UTF-16 surrogate D800 encoded in UTF-8 */
	CHECK("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	/* beyond U+10FFFF */
	CHECK("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* Shift_JIS 日本 is not UTF-8 */
	CHECK("\x93\xfa\x96\x7b", "\"\\ufffd\\ufffd\\ufffd{\"");
}

static void
test_valid_multibyte_kept(void **state)
{
	/* 日本語①, é (2 bytes), U+1F600 (4 bytes), U+FFFD itself */
	CHECK("日本語①", "\"日本語①\"");
	CHECK("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	CHECK("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
	CHECK("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");
	/* mixed with escapes */
	CHECK("件名:\t\"①\"", "\"件名:\\t\\\"①\\\"\"");
}

static void
test_str_null_and_key(void **state)
{
	struct buf b;

	buf_init(&b, 256);
	assert_int_equal(buf_putc(&b, '{'), 0);
	assert_int_equal(json_key(&b, "a", 1), 0);
	assert_int_equal(json_str(&b, NULL), 0);
	assert_int_equal(json_key(&b, "k\"ey", 0), 0);
	assert_int_equal(json_str(&b, "v"), 0);
	assert_int_equal(buf_putc(&b, '}'), 0);
	assert_string_equal(buf_str(&b), "{\"a\":null,\"k\\\"ey\":\"v\"}");
	buf_free(&b);
}

static void
test_ceiling(void **state)
{
	struct buf b;

	buf_init(&b, 8);
	assert_int_equal(json_str(&b, "0123456789"), -1);
	assert_true(b.len <= 8);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_quotes_and_backslash),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_valid_multibyte_kept),
		cmocka_unit_test(test_str_null_and_key),
		cmocka_unit_test(test_ceiling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
