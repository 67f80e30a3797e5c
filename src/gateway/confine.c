/*
 * confine - the sandbox of the daemon's outward-facing processes.  See
 * confine.h.
 */
#include "gateway/confine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "core/xalloc.h"

/* Landlock rights newer than Debian 12's headers (ABI 3 and later). */
#define LL_FS_TRUNCATE (1ULL << 14)		/* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15)		/* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)		/* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)		/* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)		/* ABI 6 */

struct ll_ruleset_attr {	/* as the kernel's grows: fs (1), net (4), scoped (6) */
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

int
confine_landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return v > 0 ? (int)v : 0;
}

static uint64_t
fs_rights(int abi)
{
	uint64_t r = (1ULL << 13) - 1;	/* ABI 1: execute .. make_sym */

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LL_FS_TRUNCATE;
	if (abi >= 5)
		r |= LL_FS_IOCTL_DEV;
	return r;
}

static void
allow_path(int ruleset, const char *path, uint64_t rights)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = rights };

	pb.parent_fd = open(path, O_PATH | O_CLOEXEC | O_DIRECTORY);
	if (pb.parent_fd < 0)
		die("confine: %s: %s", path, strerror(errno));
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0)
		die("confine: landlock rule for %s: %s", path, strerror(errno));
	close(pb.parent_fd);
}

/* 1 when Landlock was applied, 0 when the kernel has none. */
static int
landlock(const char *const *rw, const char *const *ro)
{
	int abi = confine_landlock_abi(), fd;
	struct ll_ruleset_attr a = { 0, 0, 0 };
	size_t size = sizeof a.handled_access_fs;
	uint64_t all;

	if (abi <= 0)
		return 0;
	all = fs_rights(abi);
	a.handled_access_fs = all;
	if (abi >= 4) {
		a.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		size = 2 * sizeof(uint64_t);
	}
	if (abi >= 6) {
		a.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		size = sizeof a;
	}
	if ((fd = (int)syscall(SYS_landlock_create_ruleset, &a, size, 0)) < 0)
		die("confine: landlock_create_ruleset: %s", strerror(errno));
	for (; rw != NULL && *rw != NULL; rw++)
		allow_path(fd, *rw, all & ~(uint64_t)(LANDLOCK_ACCESS_FS_EXECUTE |
		    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		    LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
		    LANDLOCK_ACCESS_FS_MAKE_SYM | LL_FS_IOCTL_DEV));
	for (; ro != NULL && *ro != NULL; ro++)
		allow_path(fd, *ro, LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR);
	/* no TCP rule at all: no bind, no connect (accept on an open listener
	 * and reads and writes on open connections are not affected) */
	if (syscall(SYS_landlock_restrict_self, fd, 0) != 0)
		die("confine: landlock_restrict_self: %s", strerror(errno));
	close(fd);
	return 1;
}

/* Calls every confined process makes. */
static const int common[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(close), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(lseek), SCMP_SYS(fcntl),
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
	SCMP_SYS(futex), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction), SCMP_SYS(sigaltstack),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday), SCMP_SYS(time),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(getrandom), SCMP_SYS(getpid),
	SCMP_SYS(gettid), SCMP_SYS(getppid), SCMP_SYS(getuid), SCMP_SYS(geteuid),
	SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(sched_yield), SCMP_SYS(poll),
	SCMP_SYS(ppoll), SCMP_SYS(select), SCMP_SYS(pselect6), SCMP_SYS(restart_syscall),
	SCMP_SYS(uname), SCMP_SYS(sysinfo), SCMP_SYS(getrusage),
	/* on sockets already open: the client's, the listener's, syslog's */
	SCMP_SYS(sendto), SCMP_SYS(recvfrom), SCMP_SYS(sendmsg), SCMP_SYS(recvmsg),
	SCMP_SYS(shutdown), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername),
	/* files, within what Landlock leaves */
	SCMP_SYS(openat), SCMP_SYS(fsync), SCMP_SYS(fdatasync), SCMP_SYS(renameat),
	SCMP_SYS(renameat2), SCMP_SYS(rename), SCMP_SYS(linkat), SCMP_SYS(unlinkat),
	SCMP_SYS(unlink), SCMP_SYS(mkdirat), SCMP_SYS(getdents64), SCMP_SYS(ftruncate),
	SCMP_SYS(umask), SCMP_SYS(fchmod), SCMP_SYS(mkdir), SCMP_SYS(access), SCMP_SYS(faccessat),
	SCMP_SYS(faccessat2),
};

/* The milter's own: threads, connections it accepts, the sockets it makes
 * to the store owner and its workers. */
static const int milter_extra[] = {
	SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(connect), SCMP_SYS(socketpair),
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
	SCMP_SYS(mprotect),	/* thread stacks' guard pages; PROT_EXEC refused below */
	SCMP_SYS(membarrier), SCMP_SYS(prctl), SCMP_SYS(pipe), SCMP_SYS(pipe2),
	SCMP_SYS(rt_sigtimedwait), SCMP_SYS(rt_sigsuspend), SCMP_SYS(dup), SCMP_SYS(dup3),
	SCMP_SYS(eventfd2),
};

static const int metrics_extra[] = {
	SCMP_SYS(accept), SCMP_SYS(accept4),
};

/* The transfer watcher's: inotify, and dup for fdopendir. */
static const int transfer_extra[] = {
	SCMP_SYS(inotify_init1), SCMP_SYS(inotify_add_watch), SCMP_SYS(inotify_rm_watch),
	SCMP_SYS(dup), SCMP_SYS(dup3),
};

static void
rule(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned n, const struct scmp_arg_cmp *a)
{
	int r = n == 0 ? seccomp_rule_add(ctx, action, nr, 0) :
	    n == 1 ? seccomp_rule_add(ctx, action, nr, 1, a[0]) :
	    seccomp_rule_add(ctx, action, nr, 2, a[0], a[1]);

	if (r != 0)
		die("confine: seccomp rule for %d: %s", nr, strerror(-r));
}

static void
seccomp_profile(enum confine_profile p)
{
	uint32_t deflt = SCMP_ACT_KILL_PROCESS;
	scmp_filter_ctx ctx;
	const struct scmp_arg_cmp no_exec = {
		.arg = 2, .op = SCMP_CMP_MASKED_EQ, .datum_a = PROT_EXEC, .datum_b = 0,
	};
	const struct scmp_arg_cmp unix_only = {
		.arg = 0, .op = SCMP_CMP_EQ, .datum_a = AF_UNIX, .datum_b = 0,
	};
	const struct scmp_arg_cmp self[2] = {
		{ .arg = 0, .op = SCMP_CMP_EQ, .datum_a = 0, .datum_b = 0 },
		{ .arg = 2, .op = SCMP_CMP_EQ, .datum_a = 0, .datum_b = 0 },
	};
	const struct scmp_arg_cmp to_self = {
		.arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)getpid(), .datum_b = 0,
	};
	const struct scmp_arg_cmp thread = {
		.arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = CLONE_THREAD, .datum_b = CLONE_THREAD,
	};

#ifdef SEKISHO_SANITIZER_BUILD
	deflt = SCMP_ACT_ERRNO(EPERM);	/* sanitizer reports need calls outside the list */
#endif
	if ((ctx = seccomp_init(deflt)) == NULL)
		die("confine: seccomp_init failed");
	for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
		rule(ctx, SCMP_ACT_ALLOW, common[i], 0, NULL);
	rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, &no_exec);
	rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 2, self);	/* read only */
	rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, &to_self);
	rule(ctx, SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl), 0, NULL);
	if (p == CONFINE_MILTER || p == CONFINE_CONSOLE) {
		for (size_t i = 0; i < sizeof milter_extra / sizeof milter_extra[0]; i++) {
			if (milter_extra[i] == SCMP_SYS(mprotect))
				rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1, &no_exec);
			else
				rule(ctx, SCMP_ACT_ALLOW, milter_extra[i], 0, NULL);
		}
		/* threads only: a clone without CLONE_THREAD (a fork) kills;
		 * clone3's flags cannot be seen, so glibc is told to use clone */
		rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, &thread);
		rule(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0, NULL);
		rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, &unix_only);
		rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(madvise), 0, NULL);
	} else {
		if (p == CONFINE_METRICS) {
			for (size_t i = 0; i < sizeof metrics_extra / sizeof metrics_extra[0]; i++)
				rule(ctx, SCMP_ACT_ALLOW, metrics_extra[i], 0, NULL);
		}
		if (p == CONFINE_TRANSFER) {
			for (size_t i = 0; i < sizeof transfer_extra / sizeof transfer_extra[0]; i++)
				rule(ctx, SCMP_ACT_ALLOW, transfer_extra[i], 0, NULL);
		}
		rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1, &no_exec);
		/* syslog reconnecting after syslogd restarted: refused quietly */
		rule(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 0, NULL);
		rule(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(connect), 0, NULL);
	}
	if (seccomp_load(ctx) != 0)
		die("confine: seccomp_load failed");
	seccomp_release(ctx);
}

static void
set_rlimit(int res, rlim_t v)
{
	struct rlimit rl = { v, v };

	if (setrlimit(res, &rl) != 0)
		die("confine: setrlimit(%d): %s", res, strerror(errno));
}

void
confine_enter(enum confine_profile p, const char *const *rw, const char *const *ro)
{
	static int said;
	int ll;

	tzset();	/* syslog's time stamps: the zone file is read now, not later */
	set_rlimit(RLIMIT_CORE, 0);
	if (p != CONFINE_MILTER && p != CONFINE_CONSOLE)
		set_rlimit(RLIMIT_NPROC, 0);	/* threads count as processes */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		die("confine: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	ll = landlock(rw, ro);
	if (!ll && !said++)
		syslog(LOG_WARNING, "this kernel has no Landlock: the %s process is confined by "
		    "seccomp alone", p == CONFINE_SESSION ? "SMTP session" : p == CONFINE_MILTER ?
		    "milter" : p == CONFINE_CONSOLE ? "console" : p == CONFINE_TRANSFER ?
		    "transfer" : "metrics");
	seccomp_profile(p);
	/* the confinement holds: no file outside the folders given */
	if (ll && open("/etc/passwd", O_RDONLY | O_CLOEXEC) >= 0)
		die("confine: check failed: a file outside the sandbox could be opened");
}
