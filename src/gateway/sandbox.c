/*
 * sandbox - rlimits + no_new_privs + seccomp allow-list.  See sandbox.h.
 */
#include "gateway/sandbox.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <seccomp.h>

#include "core/xalloc.h"

/* Calls a parsing worker may make: memory, reading/writing its pipe, time. */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek),
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday), SCMP_SYS(getrusage), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(sched_yield), SCMP_SYS(getrandom), SCMP_SYS(restart_syscall),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(poll), SCMP_SYS(fcntl), SCMP_SYS(sysinfo),
	SCMP_SYS(uname), SCMP_SYS(sigaltstack),
};

static void
set_rlimit(int res, rlim_t v)
{
	struct rlimit rl = { v, v };

	if (setrlimit(res, &rl) != 0)
		die("setrlimit(%d): %s", res, strerror(errno));
}

static long long
cpu_used(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		die("getrusage: %s", strerror(errno));
	return (long long)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec;
}

static long long cpu_budget;	/* the hard RLIMIT_CPU: the kernel kills there */

long long
sandbox_cpu_left(void)
{
	return cpu_budget - cpu_used();
}

void
sandbox_enter(const struct sandbox_limits *l)
{
	scmp_filter_ctx ctx;
	uint32_t deflt = SCMP_ACT_KILL_PROCESS;
	const struct scmp_arg_cmp no_exec = {
		.arg = 2, .op = SCMP_CMP_MASKED_EQ, .datum_a = PROT_EXEC, .datum_b = 0,
	};
	const struct scmp_arg_cmp mmap_no_exec = {
		.arg = 2, .op = SCMP_CMP_MASKED_EQ, .datum_a = PROT_EXEC, .datum_b = 0,
	};
	const struct scmp_arg_cmp self = {
		.arg = 0, .op = SCMP_CMP_EQ, .datum_a = 0, .datum_b = 0,
	};
	const struct scmp_arg_cmp no_new_limit = {
		.arg = 2, .op = SCMP_CMP_EQ, .datum_a = 0, .datum_b = 0,
	};
	const struct scmp_arg_cmp to_self = {
		.arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)getpid(), .datum_b = 0,
	};

#ifndef SEKISHO_SANITIZER_BUILD
	/* ASan reserves terabytes of shadow memory: no address-space limit there. */
	set_rlimit(RLIMIT_AS, (rlim_t)l->memory_bytes);
#else
	/* Sanitizer reports need calls outside the list; fail them, don't kill. */
	deflt = SCMP_ACT_ERRNO(EPERM);
#endif
	set_rlimit(RLIMIT_NPROC, 0);
	set_rlimit(RLIMIT_CORE, 0);
	set_rlimit(RLIMIT_NOFILE, 16);
	/*
	 * CPU: a budget for this worker's whole life, set once and never
	 * raised (the filter below refuses that): every item starts with at
	 * least cpu_seconds + 1 left (the worker retires before one could not,
	 * sandbox_cpu_left), SIGXCPU a second before the kernel's SIGKILL.
	 */
	cpu_budget = cpu_used() + 2 * (long long)l->cpu_seconds + 2;
	{
		struct rlimit rl = { (rlim_t)cpu_budget - 1, (rlim_t)cpu_budget };

		if (setrlimit(RLIMIT_CPU, &rl) != 0)
			die("setrlimit(RLIMIT_CPU): %s", strerror(errno));
	}

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		die("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	if ((ctx = seccomp_init(deflt)) == NULL)
		die("seccomp_init failed");
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0) != 0)
			die("seccomp_rule_add(%d) failed", allowed[i]);
	}
	/* memory, but never executable memory: no mapping or remapping with
	 * PROT_EXEC (a JIT or shellcode stage would need one) */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, mmap_no_exec) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1, no_exec) != 0)
		die("seccomp memory rules failed");
	/* limits may be read, never set (getrlimit is prlimit64 with no new
	 * limit, on ourselves): a worker cannot give itself more time */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 2, self,
	    no_new_limit) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getrlimit), 0) != 0)
		die("seccomp rlimit rules failed");
	/* Signals only to ourselves (abort() raises SIGABRT with tgkill). */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, to_self) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 0) != 0)
		die("seccomp signal rules failed");
	/* Opening files fails politely: libraries probe optional files. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl), 0) != 0)
		die("seccomp errno rules failed");
	if (seccomp_load(ctx) != 0)
		die("seccomp_load failed");
	seccomp_release(ctx);

	/* Check the confinement holds (Dovecot's restrict_access() habit). */
	if (open("/etc/passwd", O_RDONLY | O_CLOEXEC) >= 0)
		die("sandbox check failed: open() succeeded");
}
