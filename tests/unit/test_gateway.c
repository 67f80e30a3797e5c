/*
 * test_gateway - the sandbox really confines (checked in forked children)
 * and the parent rejects malformed worker answers (frame.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "gateway/frame.h"
#include "gateway/sandbox.h"
#include "core/clock.h"

#ifdef SEKISHO_SANITIZER_BUILD
#define FORBIDDEN_KILLS 0	/* sanitizer builds fail forbidden calls with EPERM */
#else
#define FORBIDDEN_KILLS 1
#endif

enum probe {
	PROBE_OPEN, PROBE_SOCKET, PROBE_EXEC_MEMORY, PROBE_FORK, PROBE_WORK,
	PROBE_EXEC_MMAP, PROBE_EXEC_MMAP_FILE, PROBE_RAISE_CPU, PROBE_SETRLIMIT, PROBE_KILL_OTHER,
	PROBE_READ_LIMIT, PROBE_ABORT,
};

/* Child: enter the sandbox, try one thing, report by exit status. */
static int
run_probe(enum probe what)
{
	struct sandbox_limits l = { .memory_bytes = (size_t)1 << 30, .cpu_seconds = 10 };
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		sandbox_enter(&l);
		switch (what) {
		case PROBE_OPEN:
			_exit(open("/etc/hostname", O_RDONLY) < 0 && errno == EACCES ? 0 : 3);
		case PROBE_SOCKET:
			_exit(socket(AF_INET, SOCK_STREAM, 0) < 0 ? 4 : 3);
		case PROBE_EXEC_MEMORY: {
			void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			_exit(p != MAP_FAILED && mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0 ? 4 : 3);
		}
		case PROBE_FORK:
			_exit(fork() < 0 ? 4 : 3);
		case PROBE_EXEC_MMAP: {
			/* what an RWX stage of an exploit asks for first */
			void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			_exit(p == MAP_FAILED ? 4 : 3);
		}
		case PROBE_EXEC_MMAP_FILE: {
			void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);

			_exit(p == MAP_FAILED ? 4 : 3);
		}
		case PROBE_RAISE_CPU: {
			/* a worker giving itself more time than the budget */
			struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

			_exit(prlimit(0, RLIMIT_CPU, &rl, NULL) != 0 ? 4 : 3);
		}
		case PROBE_SETRLIMIT: {
			struct rlimit rl = { 1, 1 };	/* even lowering: no limit is set here */

			_exit(syscall(SYS_setrlimit, RLIMIT_CPU, &rl) != 0 ? 4 : 3);
		}
		case PROBE_KILL_OTHER:
			_exit(kill(getppid(), SIGCONT) != 0 ? 4 : 3);
		case PROBE_READ_LIMIT: {
			struct rlimit rl;

			_exit(getrlimit(RLIMIT_CPU, &rl) == 0 && rl.rlim_max != RLIM_INFINITY ? 0 : 3);
		}
		case PROBE_ABORT:
			abort();	/* tgkill to itself: allowed, so SIGABRT, not SIGSYS */
		case PROBE_WORK: {
			char *p = malloc(1 << 20);	/* memory and time still work */

			memset(p, 1, 1 << 20);
			free(p);
			_exit(0);
		}
		}
		_exit(5);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		return -WTERMSIG(st);
	return WEXITSTATUS(st);
}

static void
test_sandbox_allows_work(void **state)
{
	assert_int_equal(run_probe(PROBE_WORK), 0);
}

static void
test_sandbox_open_fails(void **state)
{
	assert_int_equal(run_probe(PROBE_OPEN), 0);
}

static void
test_sandbox_reads_its_limits_and_aborts(void **state)
{
	assert_int_equal(run_probe(PROBE_READ_LIMIT), 0);	/* and the CPU budget is set */
	assert_int_equal(run_probe(PROBE_ABORT), -SIGABRT);
}

static void
test_sandbox_forbidden_calls(void **state)
{
	enum probe p[] = {
		PROBE_SOCKET, PROBE_EXEC_MEMORY, PROBE_FORK, PROBE_EXEC_MMAP, PROBE_EXEC_MMAP_FILE,
		PROBE_RAISE_CPU, PROBE_SETRLIMIT, PROBE_KILL_OTHER,
	};

	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
		int r = run_probe(p[i]);

		if (FORBIDDEN_KILLS && r != -SIGSYS)
			fail_msg("probe %zu: %d, not killed by the sandbox (SIGSYS)", i, r);
		if (!FORBIDDEN_KILLS)
			assert_int_equal(r, 4);	/* failed, not allowed */
	}
}

/* Write raw bytes as a worker would and read them as the parent does. */
static int
parse_answer(const void *bytes, size_t n, size_t out_max)
{
	int sv[2], status = -1, r;
	struct buf out, receipt;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write_all(sv[1], bytes, n), 0);
	close(sv[1]);
	buf_init(&out, out_max);
	buf_init(&receipt, 1024);
	r = frame_read_response(sv[0], &status, &out, &receipt, clock_mono_ms() + 2000, NULL);
	close(sv[0]);
	buf_free(&out);
	buf_free(&receipt);
	return r;
}

#define U64(v) (char)(v), 0, 0, 0, 0, 0, 0, 0

static void
test_frame_good_answer(void **state)
{
	const char ok[] = { 'S', 'K', 'R', 'S', 0, 0, 0, 0, U64(2), 'h', 'i', U64(2), '{', '}' };

	assert_int_equal(parse_answer(ok, sizeof ok, 100), 0);
}

static void
test_frame_bad_answers(void **state)
{
	const char magic[] = { 'S', 'K', 'R', 'X', 0, 0, 0, 0, U64(0), U64(2), '{', '}' };
	const char status[] = { 'S', 'K', 'R', 'S', 3, 0, 0, 0, U64(0), U64(2), '{', '}' };
	const char big[] = { 'S', 'K', 'R', 'S', 0, 0, 0, 0, U64(200), 'x' };
	const char withheld_out[] = { 'S', 'K', 'R', 'S', 10, 0, 0, 0, U64(1), 'x', U64(2), '{', '}' };
	const char not_json[] = { 'S', 'K', 'R', 'S', 0, 0, 0, 0, U64(0), U64(2), 'n', 'o' };
	const char cut[] = { 'S', 'K', 'R', 'S', 0, 0, 0, 0, U64(5), 'a' };

	assert_int_equal(parse_answer(magic, sizeof magic, 100), -1);
	assert_int_equal(parse_answer(status, sizeof status, 100), -1);
	assert_int_equal(parse_answer(big, sizeof big, 100), -1);	/* over the ceiling */
	assert_int_equal(parse_answer(withheld_out, sizeof withheld_out, 100), -1);
	assert_int_equal(parse_answer(not_json, sizeof not_json, 100), -1);
	assert_int_equal(parse_answer(cut, sizeof cut, 100), -1);	/* EOF mid-frame */
}

static void
test_frame_request_round_trip(void **state)
{
	int sv[2];
	char id[FRAME_ID_MAX], name[FRAME_NAME_MAX];
	long long t = 0;
	int kind = -1;
	struct buf item;
	struct receipt_envelope env, got;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* a file item carries its kind and name */
	assert_int_equal(frame_write_request(sv[1], "SK-0", 1, FRAME_FILE, "報告書.pdf", NULL, "xy",
	    2), 0);
	buf_init(&item, 10);
	assert_int_equal(frame_read_request(sv[0], id, &t, &kind, name, &got, &item), 0);
	assert_string_equal(got.protocol, "");	/* no envelope sent: none read */
	assert_int_equal(kind, FRAME_FILE);
	assert_string_equal(name, "報告書.pdf");
	assert_string_equal(buf_str(&item), "xy");
	buf_free(&item);
	/* a mail item carries how it arrived, each field whole */
	memset(&env, 0, sizeof env);
	snprintf(env.protocol, sizeof env.protocol, "ESMTPS");
	snprintf(env.client, sizeof env.client, "2001:db8::25");
	memset(env.helo, 'h', sizeof env.helo - 1);	/* the longest a field may be */
	snprintf(env.tls, sizeof env.tls, "TLSv1.3 TLS_AES_256_GCM_SHA384");
	snprintf(env.queue_id, sizeof env.queue_id, "17000000001234567");
	assert_int_equal(frame_write_request(sv[1], "SK-1", 1700000000, FRAME_MAIL, NULL, &env,
	    "abc", 3), 0);
	buf_init(&item, 10);
	assert_int_equal(frame_read_request(sv[0], id, &t, &kind, name, &got, &item), 0);
	assert_memory_equal(&got, &env, sizeof env);
	assert_string_equal(id, "SK-1");
	assert_int_equal(t, 1700000000);
	assert_int_equal(kind, FRAME_MAIL);
	assert_string_equal(name, "");
	assert_string_equal(buf_str(&item), "abc");
	/* an item over the reader's ceiling is refused */
	buf_free(&item);
	buf_init(&item, 2);
	assert_int_equal(frame_write_request(sv[1], "SK-2", 0, FRAME_MAIL, NULL, NULL, "abc", 3), 0);
	assert_int_equal(frame_read_request(sv[0], id, &t, &kind, name, &got, &item), -1);
	buf_free(&item);
	{
		/* an envelope field with a control character is a malformed frame */
		static const unsigned char bad[] = "SKRQ\1\0\0\0X\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
		    "\x0b\0\0\0\x01\n\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

		buf_init(&item, 10);
		assert_int_equal(write(sv[1], bad, sizeof bad - 1), (ssize_t)(sizeof bad - 1));
		assert_int_equal(frame_read_request(sv[0], id, &t, &kind, name, &got, &item), -1);
	}
	buf_free(&item);
	close(sv[0]);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sandbox_allows_work),
		cmocka_unit_test(test_sandbox_open_fails),
		cmocka_unit_test(test_sandbox_forbidden_calls),
		cmocka_unit_test(test_sandbox_reads_its_limits_and_aborts),
		cmocka_unit_test(test_frame_good_answer),
		cmocka_unit_test(test_frame_bad_answers),
		cmocka_unit_test(test_frame_request_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
