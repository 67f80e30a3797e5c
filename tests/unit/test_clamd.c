/*
 * test_clamd - the clamd client (src/scan/clamd.c).
 *
 * Two groups:
 *   - against a scripted fake clamd (a forked child on a unix socket in a
 *     temporary folder), always: the wire format the child sees (command,
 *     chunk lengths, the bytes put back together), strict parsing of every
 *     kind of answer, an answer before the stream ends, a stalled peer
 *     (time limit), no listener;
 *   - against a real clamd, when SEKISHO_TEST_CLAMD names its socket
 *     (tests/scan/run starts one with its own signatures): clean, EICAR
 *     (built here from two halves, never stored whole), a custom body
 *     signature across a chunk boundary, the StreamMaxLength answer, and,
 *     with SEKISHO_TEST_CLAMD_PID, a stopped clamd (SIGSTOP: time limit) and
 *     a dead one (SIGTERM: refused) - these run last.
 * Without SEKISHO_TEST_CLAMD the first group runs and the program exits 77
 * (skipped) if it passed, so ctest shows the real-clamd part as not run.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "scan/clamd.h"

/* EICAR in two halves: no file of the repository holds the whole string. */
static const char eicar_a[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$";
static const char eicar_b[] = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
/* the body signature tests/scan/run puts in its .ndb (hex of this string) */
static const char marker[] = "SEKISHO-TEST-SIGNATURE-7f3a";

static char tmpdir[64];
static char sockpath[100];	/* fits sun_path */

/* ---- the fake clamd ------------------------------------------------- */

enum fake_mode {
	FAKE_ANSWER,		/* read the whole stream, then write the answer */
	FAKE_EARLY,		/* write the answer right after the command, close */
	FAKE_CLOSE,		/* read the stream, close without a word */
	FAKE_STALL,		/* read the stream, then say nothing for 5 s */
};

struct fake {
	pid_t pid;
	int lfd;
	int stall;	/* FAKE_STALL: killed at the end, not waited for */
};

static int
read_full(int fd, void *p, size_t n)
{
	char *s = p;

	while (n > 0) {
		ssize_t r = read(fd, s, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		s += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * Child: accept one connection and check what the client sends:
 * "zINSTREAM\0", chunks of at most 64 KiB, a zero chunk, and the bytes
 * equal to want.  Exit 0 all as expected, 1-4 which check failed.
 */
static void
fake_serve(int lfd, enum fake_mode mode, const void *answer, size_t answer_len,
    const unsigned char *want, size_t want_len)
{
	char cmd[10];
	unsigned char hdr[4];
	unsigned char *got = malloc(want_len + 1);
	size_t have = 0;
	int fd = accept(lfd, NULL, NULL), bad = 0;

	if (fd < 0 || got == NULL)
		_exit(1);
	if (read_full(fd, cmd, sizeof cmd) != 0 || memcmp(cmd, "zINSTREAM", 10) != 0)
		_exit(2);
	if (mode == FAKE_EARLY) {
		(void)!write(fd, answer, answer_len);
		close(fd);
		_exit(0);
	}
	for (;;) {
		uint32_t n;

		if (read_full(fd, hdr, 4) != 0)
			_exit(3);
		n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
		if (n == 0)
			break;
		if (n > 65536 || have + n > want_len)
			_exit(4);
		if (read_full(fd, got + have, n) != 0)
			_exit(3);
		have += n;
	}
	if (have != want_len || (want_len > 0 && memcmp(got, want, want_len) != 0))
		bad = 4;
	if (mode == FAKE_ANSWER)
		(void)!write(fd, answer, answer_len);
	else if (mode == FAKE_STALL)
		sleep(5);
	close(fd);
	_exit(bad);
}

static struct fake
fake_start(enum fake_mode mode, const void *answer, size_t answer_len,
    const unsigned char *want, size_t want_len)
{
	struct sockaddr_un sun;
	struct fake f;

	unlink(sockpath);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sockpath);
	f.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(f.lfd >= 0);
	assert_int_equal(bind(f.lfd, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(listen(f.lfd, 4), 0);
	f.stall = mode == FAKE_STALL;
	f.pid = fork();
	assert_true(f.pid >= 0);
	if (f.pid == 0)
		fake_serve(f.lfd, mode, answer, answer_len, want, want_len);
	return f;
}

/* The child's verdict on what it was sent (0 = as the protocol says). */
static int
fake_end(struct fake f)
{
	int st;

	close(f.lfd);
	for (int i = 0; i < 300; i++) {
		pid_t w = waitpid(f.pid, &st, WNOHANG);

		assert_true(w >= 0);
		if (w == f.pid)
			goto reaped;
		if (f.stall)
			break;
		usleep(10 * 1000);
	}
	kill(f.pid, SIGTERM);	/* still there (FAKE_STALL): end it */
	assert_int_equal(waitpid(f.pid, &st, 0), f.pid);
reaped:
	unlink(sockpath);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

/* Scan data against a fake answering answer (answer_len bytes). */
static int
fake_scan(const void *answer, size_t answer_len, const void *data, size_t len,
    char *what, size_t whatlen, int *child)
{
	struct fake f = fake_start(FAKE_ANSWER, answer, answer_len, data, len);
	int v = clamd_scan(sockpath, data, len, 5, what, whatlen);

	*child = fake_end(f);
	return v;
}

#define ANS(s) s, sizeof(s)	/* a literal with its NUL, as clamd sends it */

static void
test_fake_clean(void **state)
{
	char what[256];
	int child;

	assert_int_equal(fake_scan(ANS("stream: OK"), "hello", 5, what, sizeof what, &child),
	    CLAMD_CLEAN);
	assert_int_equal(child, 0);
	assert_string_equal(what, "");
}

static void
test_fake_found(void **state)
{
	char what[256];
	int child;

	assert_int_equal(fake_scan(ANS("stream: Win.Test.EICAR_HDB-1 FOUND"), "x", 1, what,
	    sizeof what, &child), CLAMD_FOUND);
	assert_int_equal(child, 0);
	assert_string_equal(what, "Win.Test.EICAR_HDB-1");
	/* AllMatchScan: several records, the first is named */
	assert_int_equal(fake_scan("stream: A.One FOUND\0stream: B.Two FOUND", 40, "x", 1,
	    what, sizeof what, &child), CLAMD_FOUND);
	assert_string_equal(what, "A.One");
	/* a name longer than what is cut, still FOUND */
	assert_int_equal(fake_scan(ANS("stream: Very.Long.Signature.Name FOUND"), "x", 1,
	    what, 5, &child), CLAMD_FOUND);
	assert_string_equal(what, "Very");
}

/* Large data: many chunks, every byte arrives, in order. */
static void
test_fake_chunks(void **state)
{
	size_t n = 300 * 1024 + 7;
	unsigned char *data = malloc(n);
	char what[256];
	int child;

	assert_non_null(data);
	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 7 + (i >> 9));
	assert_int_equal(fake_scan(ANS("stream: OK"), data, n, what, sizeof what, &child),
	    CLAMD_CLEAN);
	assert_int_equal(child, 0);
	/* and nothing at all: just the zero chunk */
	assert_int_equal(fake_scan(ANS("stream: OK"), "", 0, what, sizeof what, &child),
	    CLAMD_CLEAN);
	assert_int_equal(child, 0);
	free(data);
}

/* Every answer that is not exactly OK or FOUND is an error, with a reason. */
static void
test_fake_bad_answers(void **state)
{
	static const struct {
		const char *ans;
		size_t len;
		const char *reason;
	} cases[] = {
		{ ANS("INSTREAM size limit exceeded. ERROR"),
		  "clamd: size limit exceeded (StreamMaxLength)" },
		{ ANS("stream: Can't allocate memory ERROR"),
		  "clamd: error: Can't allocate memory" },
		{ ANS("UNKNOWN COMMAND"), "clamd: unexpected answer \"UNKNOWN COMMAND\"" },
		{ ANS("COMMAND READ TIMED OUT"), "clamd: unexpected answer" },
		{ "stream: OK", 10, "clamd: answer cut short" },	/* no NUL */
		{ ANS("stream: OK "), "clamd: unexpected answer" },
		{ ANS("stream:  FOUND"), "clamd: unexpected answer" },
		{ ANS("stream: FOUND"), "clamd: unexpected answer" },
		{ ANS("stream: Bad\tName FOUND"), "clamd: unexpected answer" },
		{ ANS("1: stream: OK"), "clamd: unexpected answer" },
		{ "stream: OK\0stream: OK", 22, "clamd: 2 answers where one was expected" },
		{ "stream: X FOUND\0stream: Y ERROR", 32, "clamd: error: Y" },
		{ ANS(""), "clamd: unexpected answer \"\"" },
		{ "", 0, "clamd: closed the connection without an answer" },
	};
	char what[256];
	int child;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int v = fake_scan(cases[i].ans, cases[i].len, "abc", 3, what, sizeof what,
		    &child);

		if (v != CLAMD_ERROR || strncmp(what, cases[i].reason,
		    strlen(cases[i].reason)) != 0)
			fail_msg("case %zu: verdict %d, \"%s\"; expected an error \"%s\"", i, v,
			    what, cases[i].reason);
		assert_int_equal(child, 0);
	}
}

static void
test_fake_too_long(void **state)
{
	char ans[CLAMD_ANSWER_MAX + 100], what[256];
	int child;

	memset(ans, 'A', sizeof ans);
	memcpy(ans, "stream: ", 8);
	memcpy(ans + sizeof ans - 7, " FOUND", 7);	/* with its NUL */
	assert_int_equal(fake_scan(ans, sizeof ans, "x", 1, what, sizeof what, &child),
	    CLAMD_ERROR);
	assert_string_equal(what, "clamd: answer longer than 1024 bytes");
	/* exactly CLAMD_ANSWER_MAX is still read whole */
	memcpy(ans + CLAMD_ANSWER_MAX - 7, " FOUND", 7);
	assert_int_equal(fake_scan(ans, CLAMD_ANSWER_MAX, "x", 1, what, sizeof what, &child),
	    CLAMD_FOUND);
	assert_int_equal(child, 0);
}

/*
 * An answer before the stream was sent: the size-limit reply while 4 MiB
 * are still going out (the client gets EPIPE, must survive it without
 * SIGPIPE and still report clamd's reason), and an early "OK", which
 * cannot be about the whole item.
 */
static void
test_fake_early_answer(void **state)
{
	size_t n = 4u << 20;
	unsigned char *data = calloc(1, n);
	char what[256];
	struct fake f;
	int v;

	assert_non_null(data);
	signal(SIGPIPE, SIG_DFL);	/* a SIGPIPE would end this test program */
	f = fake_start(FAKE_EARLY, ANS("INSTREAM size limit exceeded. ERROR"), NULL, 0);
	v = clamd_scan(sockpath, data, n, 5, what, sizeof what);
	assert_int_equal(fake_end(f), 0);
	assert_int_equal(v, CLAMD_ERROR);
	assert_string_equal(what, "clamd: size limit exceeded (StreamMaxLength)");

	f = fake_start(FAKE_EARLY, ANS("stream: OK"), NULL, 0);
	v = clamd_scan(sockpath, data, n, 5, what, sizeof what);
	assert_int_equal(fake_end(f), 0);
	assert_int_equal(v, CLAMD_ERROR);
	assert_string_equal(what, "clamd: answered before the whole item was sent");

	f = fake_start(FAKE_EARLY, "", 0, NULL, 0);	/* closes without a word */
	v = clamd_scan(sockpath, data, n, 5, what, sizeof what);
	assert_int_equal(fake_end(f), 0);
	assert_int_equal(v, CLAMD_ERROR);
	assert_string_equal(what, "clamd: closed the connection while the item was sent");
	free(data);
}

static void
test_fake_closed_without_answer(void **state)
{
	char what[256];
	struct fake f = fake_start(FAKE_CLOSE, NULL, 0, (const unsigned char *)"abc", 3);
	int v = clamd_scan(sockpath, "abc", 3, 5, what, sizeof what);

	assert_int_equal(fake_end(f), 0);
	assert_int_equal(v, CLAMD_ERROR);
	assert_string_equal(what, "clamd: closed the connection without an answer");
}

static long long
elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000LL + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A peer that reads everything and never answers: the time limit holds. */
static void
test_fake_stall(void **state)
{
	char what[256];
	struct timespec t0;
	struct fake f = fake_start(FAKE_STALL, NULL, 0, (const unsigned char *)"abc", 3);
	long long ms;
	int v;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	v = clamd_scan(sockpath, "abc", 3, 1, what, sizeof what);
	ms = elapsed_ms(&t0);
	fake_end(f);
	assert_int_equal(v, CLAMD_ERROR);
	assert_string_equal(what, "clamd: no answer within 1 s (time limit)");
	assert_true(ms >= 900 && ms < 3000);
}

/* A peer that never accepts and never reads: sending stalls, time limit. */
static void
test_fake_never_reads(void **state)
{
	size_t n = 16u << 20;
	unsigned char *data = calloc(1, n);
	struct sockaddr_un sun;
	struct timespec t0;
	char what[256];
	int lfd, v;

	assert_non_null(data);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sockpath);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(listen(lfd, 4), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	v = clamd_scan(sockpath, data, n, 1, what, sizeof what);
	assert_true(elapsed_ms(&t0) < 3000);
	close(lfd);
	unlink(sockpath);
	assert_int_equal(v, CLAMD_ERROR);
	assert_string_equal(what, "clamd: no progress within 1 s (time limit)");
	free(data);
}

static void
test_no_clamd(void **state)
{
	char what[256], longpath[200];
	struct sockaddr_un sun;
	int fd;

	unlink(sockpath);
	assert_int_equal(clamd_scan(sockpath, "x", 1, 2, what, sizeof what), CLAMD_ERROR);
	assert_non_null(strstr(what, "clamd: cannot connect to "));
	assert_non_null(strstr(what, "No such file or directory"));
	assert_int_equal(clamd_ping(sockpath, 2, what, sizeof what), -1);
	assert_non_null(strstr(what, "cannot connect"));

	/* a socket file nobody listens on any more */
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sockpath);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);
	assert_int_equal(clamd_scan(sockpath, "x", 1, 2, what, sizeof what), CLAMD_ERROR);
	assert_non_null(strstr(what, "Connection refused"));
	unlink(sockpath);

	assert_int_equal(clamd_scan("", "x", 1, 2, what, sizeof what), CLAMD_ERROR);
	assert_string_equal(what, "clamd: no socket configured (clamd_socket)");
	memset(longpath, 'a', sizeof longpath - 1);
	longpath[sizeof longpath - 1] = '\0';
	assert_int_equal(clamd_scan(longpath, "x", 1, 2, what, sizeof what), CLAMD_ERROR);
	assert_string_equal(what, "clamd: socket path is longer than 107 bytes");
}

/* ---- the real clamd ------------------------------------------------- */

static const char *real;		/* SEKISHO_TEST_CLAMD */

static void
test_real_ping(void **state)
{
	char err[256];

	assert_int_equal(clamd_ping(real, 10, err, sizeof err), 0);
	assert_string_equal(err, "");
}

static void
test_real_clean(void **state)
{
	static const char text[] = "これは普通のお知らせです。A plain notice.\n";
	char what[256];

	assert_int_equal(clamd_scan(real, text, sizeof text - 1, 30, what, sizeof what),
	    CLAMD_CLEAN);
	assert_string_equal(what, "");
}

static void
test_real_eicar(void **state)
{
	char eicar[128], what[256];
	int n = snprintf(eicar, sizeof eicar, "%s%s", eicar_a, eicar_b);

	assert_int_equal(n, 68);
	assert_int_equal(clamd_scan(real, eicar, (size_t)n, 30, what, sizeof what),
	    CLAMD_FOUND);
	/* the .hdb of tests/scan/run; clamd marks unsigned databases UNOFFICIAL */
	assert_string_equal(what, "Sekisho.Test.EICAR.UNOFFICIAL");
	/* one byte more is another file: the MD5 signature no longer applies */
	eicar[n] = '\n';
	assert_int_equal(clamd_scan(real, eicar, (size_t)n + 1, 30, what, sizeof what),
	    CLAMD_CLEAN);
}

/* The body signature, placed across the first 64 KiB chunk boundary. */
static void
test_real_custom_signature(void **state)
{
	size_t n = 200 * 1024, at = 65536 - 10;
	char *data = malloc(n), what[256];

	assert_non_null(data);
	memset(data, 'x', n);
	memcpy(data + at, marker, sizeof marker - 1);
	assert_int_equal(clamd_scan(real, data, n, 30, what, sizeof what), CLAMD_FOUND);
	assert_string_equal(what, "Sekisho.Test.Marker.UNOFFICIAL");
	data[at + 3] = 'i';	/* one byte off: clean */
	assert_int_equal(clamd_scan(real, data, n, 30, what, sizeof what), CLAMD_CLEAN);
	free(data);
}

/* tests/scan/run sets StreamMaxLength 2M: 3 MiB is answered with an error. */
static void
test_real_size_limit(void **state)
{
	size_t n = 3u << 20;
	char *data = malloc(n), what[256];

	assert_non_null(data);
	memset(data, 'z', n);
	assert_int_equal(clamd_scan(real, data, n, 30, what, sizeof what), CLAMD_ERROR);
	assert_string_equal(what, "clamd: size limit exceeded (StreamMaxLength)");
	/* just under the limit is scanned */
	assert_int_equal(clamd_scan(real, data, (2u << 20) - 4096, 30, what, sizeof what),
	    CLAMD_CLEAN);
	free(data);
}

static pid_t
real_pid(void)
{
	const char *s = getenv("SEKISHO_TEST_CLAMD_PID");
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return 0;
	v = strtol(s, &end, 10);
	return (*end == '\0' && v > 1) ? (pid_t)v : 0;
}

/* A stopped clamd still has its socket: connect works, nothing answers. */
static void
test_real_stopped(void **state)
{
	pid_t pid = real_pid();
	char eicar[128], what[256];
	struct timespec t0;
	long long ms;
	int v;

	if (pid == 0)
		skip();
	snprintf(eicar, sizeof eicar, "%s%s", eicar_a, eicar_b);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	v = clamd_scan(real, eicar, 68, 1, what, sizeof what);
	ms = elapsed_ms(&t0);
	kill(pid, SIGCONT);
	assert_int_equal(v, CLAMD_ERROR);
	assert_string_equal(what, "clamd: no answer within 1 s (time limit)");
	assert_true(ms >= 900 && ms < 3000);
	/* and it recovers */
	assert_int_equal(clamd_scan(real, eicar, 68, 30, what, sizeof what), CLAMD_FOUND);
}

/* Last: clamd ends; scanning is an error, never clean. */
static void
test_real_gone(void **state)
{
	pid_t pid = real_pid();
	char what[256];
	int i;

	if (pid == 0)
		skip();
	assert_int_equal(kill(pid, SIGTERM), 0);
	for (i = 0; i < 200 && kill(pid, 0) == 0; i++)
		usleep(50 * 1000);
	assert_true(i < 200);
	assert_int_equal(clamd_scan(real, "hello", 5, 5, what, sizeof what), CLAMD_ERROR);
	assert_non_null(strstr(what, "clamd: cannot connect to "));
	assert_int_equal(clamd_ping(real, 5, what, sizeof what), -1);
}

int
main(void)
{
	const struct CMUnitTest fake[] = {
		cmocka_unit_test(test_fake_clean),
		cmocka_unit_test(test_fake_found),
		cmocka_unit_test(test_fake_chunks),
		cmocka_unit_test(test_fake_bad_answers),
		cmocka_unit_test(test_fake_too_long),
		cmocka_unit_test(test_fake_early_answer),
		cmocka_unit_test(test_fake_closed_without_answer),
		cmocka_unit_test(test_fake_stall),
		cmocka_unit_test(test_fake_never_reads),
		cmocka_unit_test(test_no_clamd),
	};
	const struct CMUnitTest withclamd[] = {
		cmocka_unit_test(test_real_ping),
		cmocka_unit_test(test_real_clean),
		cmocka_unit_test(test_real_eicar),
		cmocka_unit_test(test_real_custom_signature),
		cmocka_unit_test(test_real_size_limit),
		cmocka_unit_test(test_real_stopped),
		cmocka_unit_test(test_real_gone),
	};
	int failed;

	snprintf(tmpdir, sizeof tmpdir, "/tmp/sk-clamd-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	snprintf(sockpath, sizeof sockpath, "%s/clamd.sock", tmpdir);
	failed = cmocka_run_group_tests_name("clamd client, fake clamd", fake, NULL, NULL);
	unlink(sockpath);
	rmdir(tmpdir);
	if (failed != 0)
		return failed;
	real = getenv("SEKISHO_TEST_CLAMD");
	if (real == NULL || *real == '\0') {
		fprintf(stderr, "SEKISHO_TEST_CLAMD is not set: the real-clamd tests are "
		    "skipped (tests/scan/run starts a clamd and sets it)\n");
		return 77;
	}
	return cmocka_run_group_tests_name("clamd client, real clamd", withclamd, NULL, NULL);
}
