/*
 * test_milter - daemon/milter: the milter_listen forms accepted (Postfix's
 * inet:HOST:PORT and unix:/path, libmilter's inet:PORT@HOST) and refused.
 * The message path itself is tested end to end with a real Postfix
 * (tests/e2e/run, "postfix").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/milter.h"

static int
check(const char *spec)
{
	struct buf err;
	int r;

	buf_init(&err, 1024);
	r = milter_check_spec(spec, &err);
	if (r != 0)
		assert_true(err.len > 0);	/* a refusal always says why */
	buf_free(&err);
	return r;
}

static void
test_accepted(void **state)
{
	assert_int_equal(check("inet:127.0.0.1:8891"), 0);
	assert_int_equal(check("inet:localhost:8891"), 0);
	assert_int_equal(check("inet:8891@127.0.0.1"), 0);
	assert_int_equal(check("inet6:8891@[::1]"), 0);
	assert_int_equal(check("unix:/var/spool/postfix/sekisho/milter.sock"), 0);
	assert_int_equal(check("local:/run/sekisho/milter.sock"), 0);
}

static void
test_refused(void **state)
{
	char longpath[200];

	assert_int_equal(check(""), -1);
	assert_int_equal(check("127.0.0.1:8891"), -1);
	assert_int_equal(check("tcp:127.0.0.1:8891"), -1);
	assert_int_equal(check("inet:127.0.0.1"), -1);
	assert_int_equal(check("inet::8891"), -1);
	assert_int_equal(check("inet:127.0.0.1:0"), -1);
	assert_int_equal(check("inet:127.0.0.1:65536"), -1);
	assert_int_equal(check("inet:127.0.0.1:88x"), -1);
	assert_int_equal(check("inet:@127.0.0.1"), -1);
	assert_int_equal(check("inet:8891@"), -1);
	assert_int_equal(check("unix:milter.sock"), -1);
	memset(longpath, 'a', sizeof longpath);
	memcpy(longpath, "unix:/", 6);
	longpath[sizeof longpath - 1] = '\0';
	assert_int_equal(check(longpath), -1);	/* longer than sun_path */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
