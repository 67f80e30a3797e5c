/*
 * test_webform - web/form and web/html: the console's request readers refuse
 * what could be read two ways, and its escaping shows what text is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/utf8.h"
#include "web/form.h"
#include "web/html.h"

#define TEST_FORM_MAX 4096

/* Parse a C string into a fresh form; the result of the parse. */
static int
parse(struct form *f, const char *s)
{
	form_init(f, TEST_FORM_MAX);
	return form_parse_urlencoded(f, s, strlen(s));
}

static void
test_form_basic(void **state)
{
	struct form f;

	assert_int_equal(parse(&f, "user=taro&pass=a+b%20c%2B%26&empty=&flag"), 0);
	assert_int_equal(f.n, 4);
	assert_string_equal(form_get(&f, "user"), "taro");
	assert_string_equal(form_get(&f, "pass"), "a b c+&");
	assert_string_equal(form_get(&f, "empty"), "");
	assert_string_equal(form_get(&f, "flag"), "");	/* no '=': empty value */
	assert_null(form_get(&f, "absent"));
	assert_null(form_get(&f, "User"));		/* names are exact */
	form_free(&f);

	/* names decode too; '=' in a value is the value's */
	assert_int_equal(parse(&f, "a%5Bb%5D=x=y&c+d=%e6%9d%b1%E4%BA%AC"), 0);
	assert_string_equal(form_get(&f, "a[b]"), "x=y");
	assert_string_equal(form_get(&f, "c d"), "東京");
	form_free(&f);

	/* TAB, CR and LF are allowed (a textarea sends CR LF) */
	assert_int_equal(parse(&f, "note=a%0D%0Ab%09c"), 0);
	assert_string_equal(form_get(&f, "note"), "a\r\nb\tc");
	form_free(&f);
}

static void
test_form_empty_pairs(void **state)
{
	struct form f;

	assert_int_equal(parse(&f, "a=1&&b=2&"), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(form_get(&f, "a"), "1");
	assert_string_equal(form_get(&f, "b"), "2");
	form_free(&f);
	assert_int_equal(parse(&f, ""), 0);
	assert_int_equal(f.n, 0);
	form_free(&f);
	assert_int_equal(parse(&f, "&&&"), 0);
	assert_int_equal(f.n, 0);
	form_free(&f);
	form_init(&f, TEST_FORM_MAX);
	assert_int_equal(form_parse_urlencoded(&f, NULL, 0), 0);
	form_free(&f);
}

static void
test_form_refused(void **state)
{
	static const char *const bad[] = {
		"a=1&a=2",		/* repeated name */
		"a=1&b=2&a=1",		/* repeated, even with the same value */
		"a=1&a",		/* repeated, one without '=' */
		"a+b=1&a%20b=2",	/* the same name once decoded */
		"a=%",			/* bad % escapes */
		"a=%4",
		"a=%4g",
		"a=%%41",
		"%zz=1",
		"a=1%",
		"a=%00",		/* NUL */
		"a%00b=1",
		"a=%01",		/* controls */
		"a=%1b[31m",
		"a=%7f",
		"a=%0c",
		"a=%ff",		/* invalid UTF-8 */
		"a=%c0%af",		/* overlong '/' */
		"a=%ed%a0%80",		/* a surrogate */
		"a=%e6%9d",		/* cut short */
		"%80=1",
		"=1",			/* no name */
		"a=1&=2",
		"=",
	};
	struct form f;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse(&f, bad[i]) != -1)
			fail_msg("form accepted \"%s\"", bad[i]);
		assert_int_equal(f.n, 0);
		assert_null(form_get(&f, "a"));
		form_free(&f);
	}
	/* a raw NUL in the input */
	form_init(&f, TEST_FORM_MAX);
	assert_int_equal(form_parse_urlencoded(&f, "a=x\0y", 5), -1);
	assert_int_equal(form_parse_urlencoded(&f, "a\0=1", 4), -1);
	form_free(&f);
}

static void
test_form_limits(void **state)
{
	struct form f;
	struct buf in;

	buf_init(&in, 65536);
	for (int i = 0; i < FORM_FIELDS_MAX; i++)
		assert_int_equal(buf_printf(&in, "%sf%d=%d", i ? "&" : "", i, i), 0);
	form_init(&f, TEST_FORM_MAX);
	assert_int_equal(form_parse_urlencoded(&f, in.data, in.len), 0);
	assert_int_equal(f.n, FORM_FIELDS_MAX);
	assert_string_equal(form_get(&f, "f63"), "63");
	/* one more field: refused, and the form is left empty */
	assert_int_equal(buf_puts(&in, "&one=more"), 0);
	assert_int_equal(form_parse_urlencoded(&f, in.data, in.len), -1);
	assert_int_equal(f.n, 0);
	assert_null(form_get(&f, "f0"));
	/* empty pairs do not count */
	buf_reset(&in);
	for (int i = 0; i < FORM_FIELDS_MAX; i++)
		assert_int_equal(buf_printf(&in, "f%d=%d&&&", i, i), 0);
	assert_int_equal(form_parse_urlencoded(&f, in.data, in.len), 0);
	assert_int_equal(f.n, FORM_FIELDS_MAX);
	form_free(&f);
	buf_free(&in);

	/* the byte ceiling: "ab" NUL "cd" NUL is 6 bytes */
	form_init(&f, 6);
	assert_int_equal(form_parse_urlencoded(&f, "ab=cd", 5), 0);
	assert_string_equal(form_get(&f, "ab"), "cd");
	assert_int_equal(form_parse_urlencoded(&f, "ab=cde", 6), -1);
	assert_int_equal(f.n, 0);
	assert_int_equal(form_parse_urlencoded(&f, "ab=cd&e", 7), -1);
	form_free(&f);
}

static void
test_form_reparse(void **state)
{
	struct form f;

	/* a parse replaces what the form held */
	assert_int_equal(parse(&f, "a=1&b=2"), 0);
	assert_int_equal(form_parse_urlencoded(&f, "c=3", 3), 0);
	assert_int_equal(f.n, 1);
	assert_null(form_get(&f, "a"));
	assert_string_equal(form_get(&f, "c"), "3");
	form_free(&f);
	assert_int_equal(f.n, 0);
	assert_null(form_get(&f, "c"));
	/* freed, the form can be used again */
	assert_int_equal(form_parse_urlencoded(&f, "d=4", 3), 0);
	assert_string_equal(form_get(&f, "d"), "4");
	form_free(&f);
	form_free(&f);	/* twice is harmless */
}

static void
test_cookie_found(void **state)
{
	char v[64];

	assert_int_equal(cookie_get("a=1; sid=abc123; b=2", "sid", v, sizeof v), 0);
	assert_string_equal(v, "abc123");
	assert_int_equal(cookie_get("sid=abc", "sid", v, sizeof v), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(cookie_get("a=1;sid=x", "sid", v, sizeof v), 0);
	assert_string_equal(v, "x");
	assert_int_equal(cookie_get("  a=1;  sid=x  ", "sid", v, sizeof v), 0);
	assert_string_equal(v, "x");
	assert_int_equal(cookie_get("sid=\"quoted\"", "sid", v, sizeof v), 0);
	assert_string_equal(v, "quoted");
	assert_int_equal(cookie_get("sid=", "sid", v, sizeof v), 0);
	assert_string_equal(v, "");
	assert_int_equal(cookie_get("sid=\"\"", "sid", v, sizeof v), 0);
	assert_string_equal(v, "");
	assert_int_equal(cookie_get("__Host-sid=a.b_c-d~e/f+g=", "__Host-sid", v,
	    sizeof v), 0);
	assert_string_equal(v, "a.b_c-d~e/f+g=");
	/* exactly filling out */
	assert_int_equal(cookie_get("sid=1234567", "sid", v, 8), 0);
	assert_string_equal(v, "1234567");
}

static void
test_cookie_absent(void **state)
{
	char v[64] = "stale";

	assert_int_equal(cookie_get("a=1; b=2", "sid", v, sizeof v), 1);
	assert_string_equal(v, "");
	assert_int_equal(cookie_get("", "sid", v, sizeof v), 1);
	assert_int_equal(cookie_get("   ", "sid", v, sizeof v), 1);
	assert_int_equal(cookie_get(NULL, "sid", v, sizeof v), 1);
	/* names are exact: case, prefixes and suffixes do not match */
	assert_int_equal(cookie_get("SID=1; sidx=2; xsid=3", "sid", v, sizeof v), 1);
	/* a name inside a value is not a name */
	assert_int_equal(cookie_get("a=sid=1", "sid", v, sizeof v), 1);
}

static void
test_cookie_refused(void **state)
{
	static const char *const bad[] = {
		"sid=1; sid=2",		/* twice: cookie tossing */
		"sid=1; a=2; sid=1",
		"sid=1; sid=\"1\"",
		"sid=a b",		/* not cookie-octets */
		"sid=a,b",
		"sid=a\\b",
		"sid=a\"b",
		"sid=\xe6\x9d\xb1",
		"sid=a\tb",
		"sid=\"abc",		/* a quote left open */
		"a=\"x; sid=evil\"",	/* smuggled inside quotes */
		"a=\"x; sid=evil",
		"sid=\"a\"b",
		"sid",			/* no '=' */
		"a; sid=1",
		"=1; sid=2",		/* no name */
		"sid=1;; a=2",		/* an empty pair */
		"sid=1;",
		";sid=1",
		"s(id=1",		/* not a token */
		"s id=1",
		"a=1, sid=2",		/* comma is not a separator */
		"a=1 x; sid=2",
	};
	char v[64];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (cookie_get(bad[i], "sid", v, sizeof v) != -1)
			fail_msg("cookie_get accepted \"%s\"", bad[i]);
		assert_string_equal(v, "");
	}
	/* too long for out */
	assert_int_equal(cookie_get("sid=12345678", "sid", v, 8), -1);
	assert_string_equal(v, "");
	assert_int_equal(cookie_get("sid=1", "sid", v, 1), -1);
	assert_int_equal(cookie_get("sid=1", "sid", v, 0), -1);
	assert_int_equal(cookie_get("a=1", "sid", v, 0), 1);
}

static void
test_cookie_header_max(void **state)
{
	struct buf h;
	char v[16];

	buf_init(&h, COOKIE_HEADER_MAX + 16);
	assert_int_equal(buf_puts(&h, "sid=1; pad="), 0);
	while (h.len < COOKIE_HEADER_MAX)
		assert_int_equal(buf_putc(&h, 'x'), 0);
	assert_int_equal(cookie_get(h.data, "sid", v, sizeof v), 0);
	assert_string_equal(v, "1");
	assert_int_equal(buf_putc(&h, 'x'), 0);
	assert_int_equal(cookie_get(h.data, "sid", v, sizeof v), -1);
	buf_free(&h);
}

static void
test_path_id(void **state)
{
	char id[PATH_ID_MAX + 1];
	const char *rest = NULL;
	char id64[80];

	assert_int_equal(path_segment_id("/items/a1B2.c_d-e", "/items/", id, sizeof id,
	    &rest), 0);
	assert_string_equal(id, "a1B2.c_d-e");
	assert_string_equal(rest, "");
	assert_int_equal(path_segment_id("/items/x7/original", "/items/", id, sizeof id,
	    &rest), 0);
	assert_string_equal(id, "x7");
	assert_string_equal(rest, "/original");
	assert_int_equal(path_segment_id("/items/x7/", "/items/", id, sizeof id, &rest), 0);
	assert_string_equal(rest, "/");
	assert_int_equal(path_segment_id("/items/...", "/items/", id, sizeof id, NULL), 0);
	assert_string_equal(id, "...");
	assert_int_equal(path_segment_id("/items/.x", "/items/", id, sizeof id, NULL), 0);

	/* 63 bytes fit, 64 do not */
	memset(id64, 'a', 64);
	id64[64] = '\0';
	char path[100] = "/items/";

	memcpy(path + 7, id64, 63);
	path[7 + 63] = '\0';
	assert_int_equal(path_segment_id(path, "/items/", id, sizeof id, &rest), 0);
	assert_int_equal(strlen(id), 63);
	memcpy(path + 7, id64, 65);
	assert_int_equal(path_segment_id(path, "/items/", id, sizeof id, &rest), -1);
	assert_string_equal(id, "");
	/* an id that does not fit idsz */
	assert_int_equal(path_segment_id("/items/abcdef", "/items/", id, 6, &rest), -1);
	assert_int_equal(path_segment_id("/items/abcde", "/items/", id, 6, &rest), 0);
}

static void
test_path_id_refused(void **state)
{
	static const char *const bad[] = {
		"/items/",		/* empty */
		"/items//original",
		"/items/.",
		"/items/..",
		"/items/../original",
		"/items/%2e%2e",	/* no %-decoding */
		"/items/%2e",
		"/items/a%2Fb",
		"/items/a b",
		"/items/a?x=1",
		"/items/a\\b",
		"/items/\xe6\x9d\xb1",
		"/item/x",		/* prefix */
		"/Items/x",
		"items/x",
		"/itemsx",
		"",
	};
	char id[PATH_ID_MAX + 1];
	const char *rest = NULL;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (path_segment_id(bad[i], "/items/", id, sizeof id, &rest) != -1)
			fail_msg("path_segment_id accepted \"%s\"", bad[i]);
	}
	/* "/" ends the id: the rest is the caller's to check */
	assert_int_equal(path_segment_id("/items/a/../b", "/items/", id, sizeof id,
	    &rest), 0);
	assert_string_equal(id, "a");
	assert_string_equal(rest, "/../b");
}

/* html_text of s[0..n) into a fresh buffer, compared with want. */
static void
html_isn(const char *s, size_t n, const char *want)
{
	struct buf b;

	buf_init(&b, 4096);
	assert_int_equal(html_text(&b, s, n), 0);
	assert_string_equal(buf_str(&b), want);
	assert_true(utf8_valid((const unsigned char *)buf_str(&b), b.len));
	buf_free(&b);
}

static void
html_is(const char *s, const char *want)
{
	html_isn(s, strlen(s), want);
}

static void
test_html_escape(void **state)
{
	html_is("a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&#39;");
	html_is("<script>alert(1)</script>",
	    "&lt;script&gt;alert(1)&lt;/script&gt;");
	html_is("\" onmouseover=\"x", "&quot; onmouseover=&quot;x");
	html_is("&amp;", "&amp;amp;");
	html_is("東京都 庁", "東京都 庁");
	html_is("tab\tline\n", "tab\tline\n");
	html_isn("", 0, "");
}

static void
test_html_invalid(void **state)
{
	/* invalid bytes, one U+FFFD each */
	html_is("a\xff" "b", "a\xef\xbf\xbd" "b");
	html_is("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	html_is("\xe6\x9d", "\xef\xbf\xbd\xef\xbf\xbd");
	html_is("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* controls: NUL, CR, ESC, DEL, a C1 control */
	html_isn("a\0b", 3, "a\xef\xbf\xbd" "b");
	html_is("a\rb", "a\xef\xbf\xbd" "b");
	html_is("\x1b[31m", "\xef\xbf\xbd[31m");
	html_is("\x7f", "\xef\xbf\xbd");
	html_is("\xc2\x85", "\xef\xbf\xbd");
	html_is("\xc2\xa0", "\xc2\xa0");	/* NBSP is text */
}

static void
test_html_bidi(void **state)
{
	html_is("invoice\xe2\x80\xae" "fdp.exe", "invoice[U+202E]fdp.exe");
	html_is("\xe2\x80\x8e\xe2\x80\x8f", "[U+200E][U+200F]");
	html_is("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	    "[U+202A][U+202B][U+202C][U+202D]");
	html_is("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
	    "[U+2066][U+2067][U+2068][U+2069]");
	html_is("\xd8\x9c", "[U+061C]");
	html_is("\xe2\x80\xaf", "\xe2\x80\xaf");	/* U+202F is not one */
}

static void
test_html_ceiling(void **state)
{
	struct buf b;

	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "ab"), 0);
	assert_int_equal(html_textz(&b, "<<<"), -1);	/* 12 bytes would not fit */
	assert_string_equal(buf_str(&b), "ab");	/* left as it was */
	assert_int_equal(b.len, 2);
	assert_int_equal(html_textz(&b, "<x"), 0);
	assert_string_equal(buf_str(&b), "ab&lt;x");
	buf_free(&b);
}

static void
test_url_component(void **state)
{
	struct buf b;

	buf_init(&b, 256);
	assert_int_equal(url_component(&b, "aZ09-._~"), 0);
	assert_string_equal(buf_str(&b), "aZ09-._~");
	buf_reset(&b);
	assert_int_equal(url_component(&b, "a b/c?d=e&f#%+"), 0);
	assert_string_equal(buf_str(&b), "a%20b%2Fc%3Fd%3De%26f%23%25%2B");
	buf_reset(&b);
	assert_int_equal(url_component(&b, "東"), 0);
	assert_string_equal(buf_str(&b), "%E6%9D%B1");
	buf_reset(&b);
	assert_int_equal(url_component(&b, ""), 0);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);

	buf_init(&b, 5);
	assert_int_equal(url_component(&b, "ab"), 0);
	assert_int_equal(url_component(&b, "c/"), -1);	/* "c%2F" would pass 5 */
	assert_string_equal(buf_str(&b), "ab");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_basic),
		cmocka_unit_test(test_form_empty_pairs),
		cmocka_unit_test(test_form_refused),
		cmocka_unit_test(test_form_limits),
		cmocka_unit_test(test_form_reparse),
		cmocka_unit_test(test_cookie_found),
		cmocka_unit_test(test_cookie_absent),
		cmocka_unit_test(test_cookie_refused),
		cmocka_unit_test(test_cookie_header_max),
		cmocka_unit_test(test_path_id),
		cmocka_unit_test(test_path_id_refused),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_html_invalid),
		cmocka_unit_test(test_html_bidi),
		cmocka_unit_test(test_html_ceiling),
		cmocka_unit_test(test_url_component),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
