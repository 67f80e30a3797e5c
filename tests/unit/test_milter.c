/*
 * test_milter - daemon/milter: the milter_listen forms accepted (Postfix's
 * inet:HOST:PORT and unix:/path, libmilter's inet:PORT@HOST) and refused;
 * daemon/milter_sock: a connection's socket is found among a context's
 * words only when exactly one of them is a TCP connection accepted on the
 * listener, on real loopback sockets.  The message path itself is tested
 * end to end with a real Postfix (tests/e2e/run, "postfix", which also
 * checks that its connections streamed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "daemon/milter.h"
#include "daemon/milter_sock.h"

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

/* Sockets on loopback: a listener, two connections to it and their
 * accepted ends, and a listener elsewhere with one accepted connection. */
struct net {
	int lis, cli[2], acc[2];
	int other_lis, other_cli, other_acc;
	struct sockaddr_storage addr;
};

static int
listener(struct sockaddr_in *a)
{
	socklen_t l = sizeof *a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)a, sizeof *a), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)a, &l), 0);
	return fd;
}

static int
connect_to(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (const struct sockaddr *)a, sizeof *a), 0);
	return fd;
}

static void
net_open(struct net *n)
{
	struct sockaddr_in a, b;

	n->lis = listener(&a);
	for (int i = 0; i < 2; i++) {
		n->cli[i] = connect_to(&a);
		n->acc[i] = accept(n->lis, NULL, NULL);
		assert_true(n->acc[i] >= 0);
	}
	n->other_lis = listener(&b);
	n->other_cli = connect_to(&b);
	n->other_acc = accept(n->other_lis, NULL, NULL);
	assert_true(n->other_acc >= 0);
	memset(&n->addr, 0, sizeof n->addr);
	memcpy(&n->addr, &a, sizeof a);
}

static void
net_close(struct net *n)
{
	int fds[] = { n->lis, n->cli[0], n->cli[1], n->acc[0], n->acc[1], n->other_lis,
	    n->other_cli, n->other_acc };

	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		close(fds[i]);
}

/* A context as libmilter lays it out: id, socket, debug level, timeout. */
static int
find(const struct net *n, int w0, int w1, int w2, int w3)
{
	int ctx[MILTER_SOCK_CTX_WORDS] = { w0, w1, w2, w3 };

	return milter_sock_find(ctx, MILTER_SOCK_CTX_WORDS, &n->addr);
}

static void
test_sock_found(void **state)
{
	struct net n;

	net_open(&n);
	assert_int_equal(find(&n, 0, 0, n.acc[0], 0), n.acc[0]);
	assert_int_equal(find(&n, 0, n.acc[1], 7210, 4), n.acc[1]);
	assert_int_equal(find(&n, n.acc[0], n.acc[0], -1, 0), n.acc[0]);	/* twice: the same */
	assert_int_equal(milter_sock_quickack(n.acc[0]), 0);
	net_close(&n);
}

static void
test_sock_refused(void **state)
{
	struct net n;
	int file = open("/dev/null", O_RDONLY);

	net_open(&n);
	assert_true(file >= 0);
	assert_int_equal(find(&n, 0, 0, 0, 0), -1);
	assert_int_equal(find(&n, -1, 1 << 30, 99999, -7), -1);
	assert_int_equal(find(&n, 0, file, 0, 0), -1);		/* not a socket */
	assert_int_equal(find(&n, 0, n.lis, 0, 0), -1);		/* the listener itself */
	assert_int_equal(find(&n, 0, n.cli[0], 0, 0), -1);	/* the client's end */
	assert_int_equal(find(&n, 0, n.other_acc, 0, 0), -1);	/* accepted elsewhere */
	assert_int_equal(find(&n, 0, n.acc[0], n.acc[1], 0), -1);	/* which one? */
	assert_int_equal(find(&n, 0, n.other_cli, 0, 0), -1);	/* a client elsewhere */
	assert_int_equal(milter_sock_find(NULL, 4, &n.addr), -1);
	close(file);
	net_close(&n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_sock_found),
		cmocka_unit_test(test_sock_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
