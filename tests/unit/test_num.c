/*
 * test_num - core/num: whole-string, unsigned, overflow-checked parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/num.h"

static void
test_u64_valid(void **state)
{
	uint64_t v = 1;

	assert_int_equal(parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("1000", &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(parse_u64("007", &v), 0);	/* decimal, not octal */
	assert_int_equal(v, 7);
	assert_int_equal(parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
}

static void
test_u64_overflow(void **state)
{
	uint64_t v = 5;

	assert_int_equal(parse_u64("18446744073709551616", &v), -1);
	assert_int_equal(parse_u64("99999999999999999999999", &v), -1);
	assert_int_equal(v, 5);		/* untouched on error */
}

static void
test_u64_garbage(void **state)
{
	static const char *const bad[] = {
		"", " 1", "1 ", "-1", "+1", "1x", "x1", "0x10", "1.0", "1k", "1e3", "１",
	};
	uint64_t v = 5;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse_u64(bad[i], &v) != -1)
			fail_msg("parse_u64 accepted \"%s\"", bad[i]);
	}
	assert_int_equal(parse_u64(NULL, &v), -1);
	assert_int_equal(v, 5);
}

static void
test_size_plain(void **state)
{
	uint64_t v = 0;

	assert_int_equal(parse_size("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_size("998", &v), 0);
	assert_int_equal(v, 998);
}

static void
test_size_suffixes(void **state)
{
	uint64_t v = 0;

	assert_int_equal(parse_size("1k", &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(parse_size("1K", &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(parse_size("64m", &v), 0);
	assert_int_equal(v, 64ULL * 1024 * 1024);
	assert_int_equal(parse_size("4M", &v), 0);
	assert_int_equal(v, 4ULL * 1024 * 1024);
	assert_int_equal(parse_size("3g", &v), 0);
	assert_int_equal(v, 3ULL * 1024 * 1024 * 1024);
	assert_int_equal(parse_size("2G", &v), 0);
	assert_int_equal(v, 2ULL * 1024 * 1024 * 1024);
	/* an optional trailing b after the multiplier ("10kb", "1MB") */
	assert_int_equal(parse_size("10kb", &v), 0);
	assert_int_equal(v, 10240);
	assert_int_equal(parse_size("1MB", &v), 0);
	assert_int_equal(v, 1024 * 1024);
}

static void
test_size_overflow(void **state)
{
	uint64_t v = 5;

	/* 2^34 g = 2^64: one past UINT64_MAX */
	assert_int_equal(parse_size("17179869184g", &v), -1);
	/* 2^54 k = 2^64 */
	assert_int_equal(parse_size("18014398509481984k", &v), -1);
	assert_int_equal(parse_size("18446744073709551616", &v), -1);
	assert_int_equal(v, 5);
	/* the largest that fit */
	assert_int_equal(parse_size("17179869183g", &v), 0);
	assert_true(v == 17179869183ULL * 1024 * 1024 * 1024);
	assert_int_equal(parse_size("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
}

static void
test_size_garbage(void **state)
{
	static const char *const bad[] = {
		"", "k", "m", "-1k", "+1k", " 1k", "1 k", "1k ", "1.5m", "1mm", "1km",
		"1t", "1b", "1kbb", "1kx", "0x1k", "1e3", "abc",
	};
	uint64_t v = 5;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse_size(bad[i], &v) != -1)
			fail_msg("parse_size accepted \"%s\"", bad[i]);
	}
	assert_int_equal(parse_size(NULL, &v), -1);
	assert_int_equal(v, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_valid),
		cmocka_unit_test(test_u64_overflow),
		cmocka_unit_test(test_u64_garbage),
		cmocka_unit_test(test_size_plain),
		cmocka_unit_test(test_size_suffixes),
		cmocka_unit_test(test_size_overflow),
		cmocka_unit_test(test_size_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
