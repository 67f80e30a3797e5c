/*
 * test_buf - core/buf: the ceiling contract, printf, steal, NUL termination.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"

static void
test_empty_is_empty_string(void **state)
{
	struct buf b;

	buf_init(&b, 16);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
}

static void
test_append_within_ceiling(void **state)
{
	struct buf b;

	buf_init(&b, 16);
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	assert_int_equal(buf_puts(&b, "def"), 0);
	assert_int_equal(buf_putc(&b, 'g'), 0);
	assert_int_equal(b.len, 7);
	assert_string_equal(buf_str(&b), "abcdefg");
	assert_int_equal(b.data[b.len], '\0');
	buf_free(&b);
}

static void
test_append_exactly_to_ceiling(void **state)
{
	struct buf b;

	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "12345678"), 0);
	assert_int_equal(b.len, 8);
	assert_string_equal(buf_str(&b), "12345678");
	/* one more byte is past the ceiling */
	assert_int_equal(buf_putc(&b, '9'), -1);
	assert_int_equal(b.len, 8);
	assert_string_equal(buf_str(&b), "12345678");
	buf_free(&b);
}

static void
test_append_past_ceiling_leaves_contents(void **state)
{
	struct buf b;

	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "hello"), 0);
	/* 5 + 6 > 10: fails as a whole, nothing partial is added */
	assert_int_equal(buf_puts(&b, "world!"), -1);
	assert_int_equal(b.len, 5);
	assert_string_equal(buf_str(&b), "hello");
	/* what still fits is accepted afterwards */
	assert_int_equal(buf_puts(&b, "world"), 0);
	assert_string_equal(buf_str(&b), "helloworld");
	buf_free(&b);
}

static void
test_append_huge_length_fails(void **state)
{
	struct buf b;

	buf_init(&b, SIZE_MAX);
	assert_int_equal(buf_puts(&b, "x"), 0);
	/* len + n would overflow size_t: must fail, not wrap */
	assert_int_equal(buf_append(&b, "y", SIZE_MAX), -1);
	assert_string_equal(buf_str(&b), "x");
	buf_free(&b);
}

static void
test_zero_ceiling(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "", 0), 0);
	assert_int_equal(buf_putc(&b, 'a'), -1);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
}

static void
test_binary_with_nul(void **state)
{
	struct buf b;

	buf_init(&b, 16);
	assert_int_equal(buf_append(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b", 4);	/* and the terminator */
	buf_free(&b);
}

static void
test_growth_keeps_contents(void **state)
{
	struct buf b;
	char expect[1000];

	buf_init(&b, sizeof expect);
	for (size_t i = 0; i < sizeof expect; i++) {
		expect[i] = (char)('a' + i % 26);
		assert_int_equal(buf_putc(&b, expect[i]), 0);
	}
	assert_int_equal(b.len, sizeof expect);
	assert_memory_equal(b.data, expect, sizeof expect);
	assert_int_equal(b.data[b.len], '\0');
	assert_true(b.cap > b.len);
	buf_free(&b);
}

static void
test_reserve(void **state)
{
	struct buf b;
	char *mem;

	buf_init(&b, 100);
	buf_puts(&b, "abc");
	assert_int_equal(buf_reserve(&b, 90), 0);
	assert_true(b.cap >= 3 + 90 + 1);
	assert_int_equal(b.len, 3);
	assert_string_equal(buf_str(&b), "abc");
	/* the room is there: appending it does not move the data */
	mem = b.data;
	assert_int_equal(buf_append(&b, "0123456789012345678901234567890123456789", 40), 0);
	assert_ptr_equal(b.data, mem);
	/* a hint past the ceiling fails and changes nothing */
	assert_int_equal(buf_reserve(&b, 58), -1);
	assert_int_equal(b.len, 43);
	assert_int_equal(buf_reserve(&b, SIZE_MAX), -1);
	assert_int_equal(strncmp(buf_str(&b), "abc0123", 7), 0);
	buf_free(&b);
}

static void
test_reserve_on_empty_buffer(void **state)
{
	struct buf b;

	buf_init(&b, 100);
	assert_int_equal(buf_reserve(&b, 50), 0);
	assert_int_equal(b.len, 0);
	assert_non_null(b.data);
	/* regression: buf_str() is not "" here: buf_reserve() allocates the first */
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_puts(&b, "x"), 0);
	assert_string_equal(buf_str(&b), "x");
	buf_free(&b);
}

static void
test_printf(void **state)
{
	struct buf b;

	buf_init(&b, 64);
	assert_int_equal(buf_printf(&b, "%s=%d;", "n", 42), 0);
	assert_int_equal(buf_printf(&b, "%05.1f|%x|%zu", 3.14159, 255u, (size_t)7), 0);
	assert_string_equal(buf_str(&b), "n=42;003.1|ff|7");
	assert_int_equal(b.len, strlen("n=42;003.1|ff|7"));
	buf_free(&b);
}

static void
test_printf_past_ceiling_leaves_contents(void **state)
{
	struct buf b;

	buf_init(&b, 10);
	assert_int_equal(buf_printf(&b, "%d", 12345), 0);
	assert_int_equal(buf_printf(&b, "%s", "abcdefgh"), -1);
	assert_int_equal(b.len, 5);
	assert_string_equal(buf_str(&b), "12345");
	/* exactly to the ceiling is fine */
	assert_int_equal(buf_printf(&b, "%s", "abcde"), 0);
	assert_string_equal(buf_str(&b), "12345abcde");
	buf_free(&b);
}

static void
test_steal(void **state)
{
	struct buf b;
	size_t len = 0;
	char *s;

	buf_init(&b, 32);
	buf_puts(&b, "stolen bytes");
	s = buf_steal(&b, &len);
	assert_non_null(s);
	assert_int_equal(len, 12);
	assert_string_equal(s, "stolen bytes");
	/* the buffer is emptied and still usable with its ceiling */
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(b.max, 32);
	assert_int_equal(buf_puts(&b, "again"), 0);
	assert_string_equal(buf_str(&b), "again");
	free(s);
	buf_free(&b);
}

static void
test_steal_empty(void **state)
{
	struct buf b;
	size_t len = 99;
	char *s;

	buf_init(&b, 32);
	s = buf_steal(&b, &len);
	assert_non_null(s);
	assert_int_equal(len, 0);
	assert_string_equal(s, "");
	free(s);
	s = buf_steal(&b, NULL);	/* len may be NULL */
	assert_string_equal(s, "");
	free(s);
}

static void
test_reset(void **state)
{
	struct buf b;
	char *mem;

	buf_init(&b, 32);
	buf_puts(&b, "some text");
	mem = b.data;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	assert_ptr_equal(b.data, mem);	/* memory kept */
	buf_puts(&b, "x");
	assert_string_equal(buf_str(&b), "x");
	buf_free(&b);
	buf_reset(&b);			/* harmless on a freed buffer */
	assert_string_equal(buf_str(&b), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_empty_string),
		cmocka_unit_test(test_append_within_ceiling),
		cmocka_unit_test(test_append_exactly_to_ceiling),
		cmocka_unit_test(test_append_past_ceiling_leaves_contents),
		cmocka_unit_test(test_append_huge_length_fails),
		cmocka_unit_test(test_zero_ceiling),
		cmocka_unit_test(test_binary_with_nul),
		cmocka_unit_test(test_growth_keeps_contents),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_reserve_on_empty_buffer),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_printf_past_ceiling_leaves_contents),
		cmocka_unit_test(test_steal),
		cmocka_unit_test(test_steal_empty),
		cmocka_unit_test(test_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
