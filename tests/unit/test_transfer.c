/*
 * test_transfer - the spool's record of a transferred file: a user's folder
 * name and a file name, encoded on one line and read back exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "gateway/transfer.h"

static void
roundtrip(const char *user, const char *name)
{
	char field[SPOOL_TRANSFER_MAX], u[TRANSFER_USER_MAX], n[TRANSFER_NAME_MAX];

	assert_int_equal(transfer_encode(user, name, field, sizeof field), 0);
	assert_null(strpbrk(field, "\r\n \t"));
	assert_int_equal(transfer_decode(field, u, n), 0);
	assert_string_equal(u, user);
	assert_string_equal(n, name);
}

static void
test_roundtrip(void **state)
{
	(void)state;
	roundtrip("tanaka@town.example.lg.jp", "見積書.pdf");
	roundtrip("tanaka@town.example.lg.jp", "令和8年度 予算 (案).xlsx");
	roundtrip("a.b+c_d-e@x.lg.jp", "100%.txt");
	roundtrip("u@x", "line\nbreak\r\tand\x01control");
	roundtrip("u@x", "\xff\xfe not UTF-8");
}

static void
test_encoded_form(void **state)
{
	char field[SPOOL_TRANSFER_MAX];

	(void)state;
	assert_int_equal(transfer_encode("u@x", "a b%c.txt", field, sizeof field), 0);
	assert_string_equal(field, "u@x/a%20b%25c.txt");
	/* too small an output: refused, not cut */
	assert_int_equal(transfer_encode("u@x", "abcdef", field, 8), -1);
}

static void
test_users(void **state)
{
	(void)state;
	assert_true(transfer_valid_user("tanaka@town.example.lg.jp"));
	assert_false(transfer_valid_user(""));
	assert_false(transfer_valid_user(".hidden"));
	assert_false(transfer_valid_user("not a user"));
	assert_false(transfer_valid_user("a/b"));
	assert_false(transfer_valid_user(".."));
	assert_false(transfer_valid_user("sekisho-返却"));
}

static void
test_decode_refuses(void **state)
{
	char u[TRANSFER_USER_MAX], n[TRANSFER_NAME_MAX];

	(void)state;
	assert_int_equal(transfer_decode("no-slash", u, n), -1);
	assert_int_equal(transfer_decode("u@x/", u, n), -1);
	assert_int_equal(transfer_decode("u@x/..", u, n), -1);
	assert_int_equal(transfer_decode("u@x/.", u, n), -1);
	assert_int_equal(transfer_decode("u@x/a/b", u, n), -1);
	assert_int_equal(transfer_decode("u@x/a%2Fb", u, n), -1);	/* an encoded slash */
	assert_int_equal(transfer_decode("u@x/a%00b", u, n), -1);	/* an encoded NUL */
	assert_int_equal(transfer_decode("u@x/a%4", u, n), -1);
	assert_int_equal(transfer_decode("u@x/a%zz", u, n), -1);
	assert_int_equal(transfer_decode("../x/a", u, n), -1);
	assert_int_equal(transfer_decode("u x/a", u, n), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_encoded_form),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_decode_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
