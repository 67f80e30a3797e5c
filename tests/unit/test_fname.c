/*
 * test_fname - text/fname: attachment names made safe to show and checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text/charset.h"
#include "text/fname.h"

#define RLO "\xe2\x80\xae"	/* U+202E RIGHT-TO-LEFT OVERRIDE */

struct shown {
	char text[2048];
	size_t len;
	unsigned flags;
};

static void
show(const char *name, size_t len, struct shown *s)
{
	struct buf out;

	buf_init(&out, sizeof s->text - 1);
	s->flags = fname_display(name, len, &out);
	s->len = out.len;
	memcpy(s->text, buf_str(&out), out.len + 1);
	buf_free(&out);
}

#define SHOW(lit, s) show((lit), sizeof(lit) - 1, (s))

static void
test_plain_names(void **state)
{
	struct shown s;

	SHOW("report.pdf", &s);
	assert_string_equal(s.text, "report.pdf");
	assert_int_equal(s.flags, 0);
	SHOW("見積書（第2版）.xlsx", &s);
	assert_string_equal(s.text, "見積書（第2版）.xlsx");
	assert_int_equal(s.flags, 0);
	SHOW("archive.tar.gz", &s);
	assert_int_equal(s.flags, 0);
	SHOW("my.photo.jpg", &s);
	assert_int_equal(s.flags, 0);
}

static void
test_bidi_override(void **state)
{
	struct shown s;

	/* the classic: shows as "invoiceexe.pdf", is invoice<RLO>fdp.exe */
	SHOW("invoice" RLO "fdp.exe", &s);
	assert_string_equal(s.text, "invoice[U+202E]fdp.exe");
	assert_true(s.flags & FNAME_BIDI);
	assert_true(s.flags & FNAME_EXECUTABLE);
	assert_false(s.flags & FNAME_CONTROL);
	/* the other bidi controls: LRE, LRI, PDI, LRM, RLM, ALM */
	SHOW("a\xe2\x80\xaa" "b\xe2\x81\xa6" "c\xe2\x81\xa9" "d\xe2\x80\x8e" "e\xe2\x80\x8f"
	    "f\xd8\x9c" "g.txt", &s);
	assert_string_equal(s.text,
	    "a[U+202A]b[U+2066]c[U+2069]d[U+200E]e[U+200F]f[U+061C]g.txt");
	assert_int_equal(s.flags, FNAME_BIDI);
}

static void
test_control_characters(void **state)
{
	struct shown s;

	SHOW("a\x01" "b\tc\x7f" "d.txt", &s);
	assert_string_equal(s.text, "a[U+0001]b[U+0009]c[U+007F]d.txt");
	assert_int_equal(s.flags, FNAME_CONTROL);
	/* C1 control U+0085 and CR/LF (header injection attempts) */
	SHOW("x\xc2\x85y\r\nz.txt", &s);
	assert_string_equal(s.text, "x[U+0085]y[U+000D][U+000A]z.txt");
	assert_int_equal(s.flags, FNAME_CONTROL);
	/* an embedded NUL cannot cut the name short */
	SHOW("safe.txt\0.exe", &s);
	assert_string_equal(s.text, "safe.txt[U+0000].exe");
	assert_true(s.flags & FNAME_CONTROL);
	assert_true(s.flags & FNAME_EXECUTABLE);
}

static void
test_double_extension(void **state)
{
	struct shown s;

	SHOW("report.pdf.exe", &s);
	assert_string_equal(s.text, "report.pdf.exe");
	assert_int_equal(s.flags, FNAME_DOUBLE_EXT | FNAME_EXECUTABLE);
	/* spaces push the real extension out of sight */
	SHOW("invoice.pdf      .scr", &s);
	assert_string_equal(s.text, "invoice.pdf      .scr");
	assert_int_equal(s.flags, FNAME_DOUBLE_EXT | FNAME_EXECUTABLE);
	SHOW("請求書.DOCX.js", &s);
	assert_int_equal(s.flags, FNAME_DOUBLE_EXT | FNAME_EXECUTABLE);
	/* two harmless extensions are not a double extension */
	SHOW("data.csv.zip", &s);
	assert_int_equal(s.flags, 0);
}

static void
test_executable(void **state)
{
	struct shown s;

	SHOW("setup.EXE", &s);
	assert_int_equal(s.flags, FNAME_EXECUTABLE);
	SHOW("run.ps1", &s);
	assert_int_equal(s.flags, FNAME_EXECUTABLE);
	SHOW("disk.iso", &s);
	assert_int_equal(s.flags, FNAME_EXECUTABLE);
	SHOW("shortcut.lnk ", &s);	/* trailing space, as Windows ignores it */
	assert_int_equal(s.flags, FNAME_EXECUTABLE);
	SHOW("exe", &s);
	assert_int_equal(s.flags, 0);
	SHOW("notes.txt", &s);
	assert_int_equal(s.flags, 0);
}

static void
test_executable_trailing_dot(void **state)
{
	struct shown s;

	/* Windows drops trailing dots, so "evil.exe." is saved as evil.exe */
	SHOW("evil.exe.", &s);
	/* regression: flags == 0: fname_ext() takes the (empty) text after the last */
	assert_true(s.flags & FNAME_EXECUTABLE);
	assert_string_equal(s.text, "evil.exe.");
}

static void
test_path(void **state)
{
	struct shown s;

	SHOW("../../etc/passwd", &s);
	assert_string_equal(s.text, "../../etc/passwd");
	assert_true(s.flags & FNAME_PATH);
	SHOW("C:\\Users\\a.txt", &s);
	assert_true(s.flags & FNAME_PATH);
}

static void
test_invalid_utf8(void **state)
{
	struct shown s;

	SHOW("a\xff" "b.txt", &s);
	assert_string_equal(s.text, "a\xef\xbf\xbd" "b.txt");
	assert_true(utf8_valid((const unsigned char *)s.text, s.len));
}

static void
test_truncation(void **state)
{
	struct shown s;
	char name[1200];

	memset(name, 'a', 300);
	show(name, 300, &s);
	assert_true(s.flags & FNAME_TRUNCATED);
	assert_int_equal(s.len, FNAME_DISPLAY_MAX + 3);
	assert_int_equal(strncmp(s.text + s.len - 3, "...", 3), 0);
	/* multi-byte characters are never cut in half */
	for (int i = 0; i < 100; i++)
		memcpy(name + 3 * i, "あ", 3);
	show(name, 300, &s);
	assert_true(s.flags & FNAME_TRUNCATED);
	assert_true(utf8_valid((const unsigned char *)s.text, s.len));
	assert_true(s.len <= FNAME_DISPLAY_MAX + 3 + 3);
	/* exactly FNAME_DISPLAY_MAX bytes is not truncated */
	memset(name, 'b', FNAME_DISPLAY_MAX);
	show(name, FNAME_DISPLAY_MAX, &s);
	assert_false(s.flags & FNAME_TRUNCATED);
	assert_int_equal(s.len, FNAME_DISPLAY_MAX);
}

static void
test_truncated_name_still_checked(void **state)
{
	struct shown s;
	char name[1200];

	/* a long name hides its .exe beyond the display cut */
	memset(name, 'a', 300);
	memcpy(name + 300, ".pdf.exe", 8);
	show(name, 308, &s);
	assert_true(s.flags & FNAME_TRUNCATED);
	/* regression: FNAME_EXECUTABLE and FNAME_DOUBLE_EXT are missing: the */
	assert_true(s.flags & FNAME_EXECUTABLE);
	assert_true(s.flags & FNAME_DOUBLE_EXT);
}

static void
test_flags_str(void **state)
{
	struct buf b;

	buf_init(&b, 256);
	fname_flags_str(FNAME_BIDI | FNAME_DOUBLE_EXT, &b);
	assert_string_equal(buf_str(&b), "bidi-override,double-extension");
	buf_reset(&b);
	fname_flags_str(FNAME_CONTROL | FNAME_EXECUTABLE | FNAME_TRUNCATED | FNAME_PATH, &b);
	assert_string_equal(buf_str(&b),
	    "control-characters,executable-extension,truncated,path-in-name");
	buf_reset(&b);
	fname_flags_str(0, &b);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
}

static void
test_ext(void **state)
{
	char ext[32];

	fname_ext("Report.PDF", ext, sizeof ext);
	assert_string_equal(ext, "pdf");
	fname_ext("a.tar.gz", ext, sizeof ext);
	assert_string_equal(ext, "gz");
	fname_ext("noext", ext, sizeof ext);
	assert_string_equal(ext, "");
	fname_ext("x.exe  ", ext, sizeof ext);
	assert_string_equal(ext, "exe");
	fname_ext("x.verylongextension", ext, 5);
	assert_string_equal(ext, "very");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_names),
		cmocka_unit_test(test_bidi_override),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_double_extension),
		cmocka_unit_test(test_executable),
		cmocka_unit_test(test_executable_trailing_dot),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_truncated_name_still_checked),
		cmocka_unit_test(test_flags_str),
		cmocka_unit_test(test_ext),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
