/*
 * test_textout - text/textout: the writer that owns whitespace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text/textout.h"

struct fixture {
	struct buf out;
	struct textout tw;
};

static int
setup(void **state)
{
	static struct fixture f;

	buf_init(&f.out, 4096);
	textout_init(&f.tw, &f.out);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	buf_free(&f->out);
	return 0;
}

static void
text(struct textout *tw, const char *s)
{
	textout_text(tw, s, strlen(s));
}

static void
test_collapse_whitespace(void **state)
{
	struct fixture *f = *state;

	text(&f->tw, "  a   b\t\tc\r\n d  ");
	text(&f->tw, " e");
	textout_finish(&f->tw);
	assert_string_equal(buf_str(&f->out), "a b c d e\n");
}

static void
test_words_across_calls(void **state)
{
	struct fixture *f = *state;

	text(&f->tw, "con");
	text(&f->tw, "cat ");
	text(&f->tw, "next");
	textout_finish(&f->tw);
	assert_string_equal(buf_str(&f->out), "concat next\n");
}

static void
test_breaks_and_blank_line_cap(void **state)
{
	struct fixture *f = *state;

	text(&f->tw, "a");
	textout_break(&f->tw, 1);
	text(&f->tw, "b");
	textout_break(&f->tw, 2);
	textout_break(&f->tw, 2);
	text(&f->tw, "c");
	textout_break(&f->tw, 7);	/* never more than one blank line */
	text(&f->tw, "d");
	textout_finish(&f->tw);
	assert_string_equal(buf_str(&f->out), "a\nb\n\nc\n\nd\n");
}

static void
test_no_leading_or_trailing_blank_lines(void **state)
{
	struct fixture *f = *state;

	textout_break(&f->tw, 2);
	text(&f->tw, "   ");
	textout_break(&f->tw, 2);
	text(&f->tw, "only");
	textout_break(&f->tw, 2);
	textout_finish(&f->tw);
	assert_string_equal(buf_str(&f->out), "only\n");
}

static void
test_cjk_line_break_joined(void **state)
{
	struct fixture *f = *state;

	/* a source line break between two wide characters is no space ... */
	text(&f->tw, "日本\n語の");
	text(&f->tw, "\r\n");
	text(&f->tw, "テスト");
	textout_break(&f->tw, 1);
	/* ... but it is one between Latin words, or Latin and CJK */
	text(&f->tw, "abc\ndef 日本\nabc");
	textout_break(&f->tw, 1);
	/* and a real space between CJK characters stays */
	text(&f->tw, "日本 語");
	textout_finish(&f->tw);
	assert_string_equal(buf_str(&f->out), "日本語のテスト\nabc def 日本 abc\n日本 語\n");
}

static void
test_trailing_spaces_dropped(void **state)
{
	struct fixture *f = *state;

	text(&f->tw, "end   ");
	textout_break(&f->tw, 1);
	text(&f->tw, "x");
	textout_finish(&f->tw);
	assert_string_equal(buf_str(&f->out), "end\nx\n");
}

static void
test_prefix(void **state)
{
	struct fixture *f = *state;

	text(&f->tw, "before");
	textout_break(&f->tw, 1);
	textout_set_prefix(&f->tw, "> ", 2);
	text(&f->tw, "one two");
	textout_break(&f->tw, 1);
	text(&f->tw, "three");
	textout_break(&f->tw, 2);	/* the blank line keeps the marker */
	text(&f->tw, "four");
	textout_break(&f->tw, 1);
	textout_set_prefix(&f->tw, "", 0);
	text(&f->tw, "after");
	textout_finish(&f->tw);
	assert_string_equal(buf_str(&f->out),
	    "before\n> one two\n> three\n>\n> four\nafter\n");
}

static void
test_controls_dropped(void **state)
{
	struct fixture *f = *state;

	text(&f->tw, "a\x01" "b\x1b[31mc\x7f" "d");
	textout_finish(&f->tw);
	assert_string_equal(buf_str(&f->out), "ab[31mcd\n");
}

static void
test_nbsp_is_space(void **state)
{
	struct fixture *f = *state;

	text(&f->tw, "a\xc2\xa0\xc2\xa0" "b \xc2\xa0 c");
	textout_finish(&f->tw);
	assert_string_equal(buf_str(&f->out), "a b c\n");
}

static void
test_preformatted(void **state)
{
	struct fixture *f = *state;

	f->tw.preformatted = 1;
	text(&f->tw, "a  b\n   c\x01");
	f->tw.preformatted = 0;
	textout_break(&f->tw, 1);
	text(&f->tw, "d   e");
	textout_finish(&f->tw);
	assert_string_equal(buf_str(&f->out), "a  b\n   c\nd e\n");
}

static void
test_finish_one_newline(void **state)
{
	struct fixture *f = *state;

	textout_finish(&f->tw);
	assert_string_equal(buf_str(&f->out), "");	/* nothing written, nothing added */
	text(&f->tw, "x");
	textout_finish(&f->tw);
	textout_finish(&f->tw);
	assert_string_equal(buf_str(&f->out), "x\n");
}

static void
test_full_is_sticky(void **state)
{
	struct buf small;
	struct textout tw;

	buf_init(&small, 8);
	textout_init(&tw, &small);
	text(&tw, "abcdef");
	assert_int_equal(tw.full, 0);
	text(&tw, " ghijk");
	assert_int_equal(tw.full, 1);
	text(&tw, "z");
	assert_true(small.len <= 8);
	assert_null(strchr(buf_str(&small), 'z'));
	buf_free(&small);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_collapse_whitespace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_words_across_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_breaks_and_blank_line_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_leading_or_trailing_blank_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cjk_line_break_joined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trailing_spaces_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_controls_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nbsp_is_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preformatted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finish_one_newline, setup, teardown),
		cmocka_unit_test(test_full_is_sticky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
