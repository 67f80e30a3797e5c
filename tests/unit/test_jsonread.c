/*
 * test_jsonread - core/jsonread: what RFC 8259 allows is read, and what
 * two JSON readers could read differently is refused with the byte it
 * stopped at: duplicate keys at any depth (also when written with escapes),
 * broken or overlong UTF-8, lone surrogates, NUL, trailing commas, leading
 * zeros, anything after the value, nesting and key counts past the named
 * ceilings.  The walkers give members in order, strings unescaped and cut
 * on a character boundary, and whole numbers only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/jsonread.h"

static int
check_n(const char *s, size_t n, struct json_value *v)
{
	struct buf why;
	int rc;

	buf_init(&why, 512);
	rc = json_check(s, n, v, &why);
	if (rc == 0)
		assert_int_equal(why.len, 0);
	else
		assert_true(why.len > 0);	/* a refusal always says why */
	buf_free(&why);
	return rc;
}

#define OK(lit) do { struct json_value v_; \
	assert_int_equal(check_n((lit), sizeof(lit) - 1, &v_), 0); } while (0)
#define BAD(lit) do { struct json_value v_; \
	assert_int_equal(check_n((lit), sizeof(lit) - 1, &v_), -1); } while (0)

static void
test_grammar_accepted(void **state)
{
	(void)state;
	OK("{}");
	OK(" [ ] \n");
	OK("null");
	OK("true");
	OK("false");
	OK("0");
	OK("-0.5e+10");
	OK("1E-3");
	OK("\"\"");
	OK("{\"a\":[1,2,{\"b\":null}],\"c\":\"x\"}");
	OK("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"");
	OK("\"\\ud83d\\ude00\"");			/* a surrogate pair */
	OK("\"\xe9\x96\xa2\xe6\x89\x80\"");		/* 関所 in UTF-8 */
	OK("\"\xf0\x9f\x98\x80\"");			/* four-byte UTF-8 */
}

static void
test_grammar_refused(void **state)
{
	(void)state;
	BAD("");
	BAD("   ");
	BAD("{");
	BAD("[1,]");
	BAD("{\"a\":1,}");
	BAD("{\"a\" 1}");
	BAD("{a:1}");
	BAD("01");
	BAD("-");
	BAD("1.");
	BAD(".5");
	BAD("1e");
	BAD("+1");
	BAD("NaN");
	BAD("tru");
	BAD("nulls");
	BAD("{} {}");
	BAD("{}x");
	BAD("'a'");
	BAD("\"\\x41\"");
	BAD("\"\\u12\"");
	BAD("\"tab\there\"");			/* raw control character */
	BAD("\"unterminated");
	BAD("[1 2]");
}

static void
test_strings_refused(void **state)
{
	(void)state;
	BAD("\"\\u0000\"");			/* NUL would cut a C string */
	BAD("\"\\ud800\"");			/* lone high surrogate */
	BAD("\"\\udc00\"");			/* lone low surrogate */
	BAD("\"\\ud800\\u0041\"");		/* high then not low */
	BAD("\"\xc0\xaf\"");			/* overlong '/' */
	BAD("\"\xe0\x80\xaf\"");		/* overlong, three bytes */
	BAD("\"\xed\xa0\x80\"");		/* surrogate in UTF-8 */
	BAD("\"\xf4\x90\x80\x80\"");		/* above U+10FFFF */
	BAD("\"\xe9\x96\"");			/* cut sequence */
	BAD("\"\xff\"");
	BAD("\"\x80\"");
	/* a raw NUL inside the bytes */
	{
		struct json_value v;
		static const char s[] = "\"a\0b\"";

		assert_int_equal(check_n(s, sizeof(s) - 1, &v), -1);
	}
}

static void
test_duplicate_keys_refused(void **state)
{
	(void)state;
	BAD("{\"a\":1,\"a\":2}");
	BAD("{\"a\":1,\"\\u0061\":2}");		/* same key after unescaping */
	BAD("{\"x\":{\"k\":1,\"k\":1}}");	/* at depth */
	BAD("[{\"k\":1},{\"k\":1,\"k\":2}]");
	OK("{\"a\":{\"a\":1},\"b\":{\"a\":2}}");	/* same key, other objects */
	OK("[{\"k\":1},{\"k\":2}]");
}

/* n nested arrays */
static char *
nested(int n)
{
	char *s = malloc((size_t)n * 2 + 1);
	int i;

	assert_non_null(s);
	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[n * 2 - 1 - i] = ']';
	}
	s[n * 2] = '\0';
	return s;
}

static void
test_ceilings(void **state)
{
	struct json_value v;
	struct buf b;
	char *s;
	int i;

	(void)state;
	s = nested(JSON_DEPTH_MAX);
	assert_int_equal(check_n(s, strlen(s), &v), 0);
	free(s);
	s = nested(JSON_DEPTH_MAX + 1);
	assert_int_equal(check_n(s, strlen(s), &v), -1);
	free(s);

	/* JSON_OBJECT_KEYS_MAX keys in one object, then one more */
	buf_init(&b, 1 << 20);
	for (int extra = 0; extra <= 1; extra++) {
		buf_reset(&b);
		assert_int_equal(buf_putc(&b, '{'), 0);
		for (i = 0; i < JSON_OBJECT_KEYS_MAX + extra; i++)
			assert_int_equal(buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i), 0);
		assert_int_equal(buf_putc(&b, '}'), 0);
		assert_int_equal(check_n(b.data, b.len, &v), extra ? -1 : 0);
	}

	/* a key longer than JSON_KEY_MAX */
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "{\""), 0);
	for (i = 0; i < JSON_KEY_MAX + 1; i++)
		assert_int_equal(buf_putc(&b, 'k'), 0);
	assert_int_equal(buf_puts(&b, "\":1}"), 0);
	assert_int_equal(check_n(b.data, b.len, &v), -1);
	buf_free(&b);
}

static void
test_walk_members(void **state)
{
	static const char s[] = "{\"id\":\"SK-1\",\"n\":42,\"sub\":{\"id\":\"no\"},"
	    "\"t\":\"\\u95a2\\u6240 \\\"q\\\"\",\"big\":9223372036854775808,"
	    "\"neg\":-1,\"frac\":1.5,\"exp\":1e3}";
	struct json_value obj, key, val;
	struct buf out;
	uint64_t u;
	size_t pos = 0;
	int seen = 0;

	(void)state;
	assert_int_equal(check_n(s, sizeof(s) - 1, &obj), 0);
	assert_int_equal(obj.type, JV_OBJECT);
	buf_init(&out, 64);
	while (json_member(&obj, &pos, &key, &val) == 1) {
		assert_int_equal(key.type, JV_STRING);
		if (json_is(&key, "id")) {
			assert_int_equal(seen, 0);
			assert_true(json_is(&val, "SK-1"));
		} else if (json_is(&key, "n")) {
			assert_int_equal(json_u64(&val, &u), 0);
			assert_int_equal(u, 42);
		} else if (json_is(&key, "sub")) {
			assert_int_equal(val.type, JV_OBJECT);
		} else if (json_is(&key, "t")) {
			buf_reset(&out);
			assert_int_equal(json_unescape(&val, &out), 0);
			assert_string_equal(buf_str(&out), "\xe9\x96\xa2\xe6\x89\x80 \"q\"");
			assert_false(json_is(&val, "x"));
		} else if (json_is(&key, "big") || json_is(&key, "neg") ||
		    json_is(&key, "frac") || json_is(&key, "exp")) {
			assert_int_equal(json_u64(&val, &u), -1);
		} else {
			fail_msg("unexpected key");
		}
		seen++;
	}
	assert_int_equal(seen, 8);
	assert_int_equal(json_member(&obj, &pos, &key, &val), 0);
	buf_free(&out);
}

static void
test_walk_elements(void **state)
{
	static const char s[] = "[ 1 , {\"a\":[]}, \"x\",[2,3] ,null]";
	static const char empty[] = "[ ]";
	static const enum json_type want[] = { JV_NUMBER, JV_OBJECT, JV_STRING, JV_ARRAY,
		JV_NULL };
	struct json_value arr, val;
	size_t pos = 0, n = 0;

	(void)state;
	assert_int_equal(check_n(s, sizeof(s) - 1, &arr), 0);
	while (json_element(&arr, &pos, &val) == 1) {
		assert_true(n < 5);
		assert_int_equal(val.type, want[n]);
		if (n == 2)
			assert_true(json_is(&val, "x"));
		n++;
	}
	assert_int_equal(n, 5);
	assert_int_equal(check_n(empty, sizeof(empty) - 1, &arr), 0);
	pos = 0;
	assert_int_equal(json_element(&arr, &pos, &val), 0);
	/* not an array: no elements */
	assert_int_equal(check_n("{}", 2, &arr), 0);
	pos = 0;
	assert_int_equal(json_element(&arr, &pos, &val), 0);
}

static void
test_unescape_cut_on_boundary(void **state)
{
	/* "ab関所": a ceiling of 4 bytes keeps "ab" and no half character */
	static const char s[] = "\"ab\\u95a2\\u6240\"";
	struct json_value v;
	struct buf out;

	(void)state;
	assert_int_equal(check_n(s, sizeof(s) - 1, &v), 0);
	buf_init(&out, 4);
	assert_int_equal(json_unescape(&v, &out), -1);
	assert_int_equal(out.len, 2);
	assert_memory_equal(out.data, "ab", 2);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar_accepted),
		cmocka_unit_test(test_grammar_refused),
		cmocka_unit_test(test_strings_refused),
		cmocka_unit_test(test_duplicate_keys_refused),
		cmocka_unit_test(test_ceilings),
		cmocka_unit_test(test_walk_members),
		cmocka_unit_test(test_walk_elements),
		cmocka_unit_test(test_unescape_cut_on_boundary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
