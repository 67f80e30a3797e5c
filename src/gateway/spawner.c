/*
 * spawner - the worker-starting process.  See spawner.h.
 */
#include "gateway/spawner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "gateway/convert.h"
#include "gateway/frame.h"
#include "gateway/worker.h"

enum { OP_SPAWN = 1, OP_KILL_REAP = 2, OP_CONVERT = 3 };

struct request {
	uint32_t op;
	int32_t pid;
};

struct answer {
	int32_t ok;		/* 1 done, 0 refused */
	int32_t pid;
	int32_t status;
};

struct child {
	pid_t pid;
	int exited, status;
};

/* The spawner's first word: ready, or why not. */
struct ready {
	int32_t ok;
	char why[500];
};

#define READY_WAIT_MS 120000	/* loading the YARA rules may take a while */

/* ---- the spawner process ------------------------------------------------ */

static struct child kids[SPAWNER_CHILDREN_MAX];
static struct config conf;	/* the policy, and for conversions LibreOffice */
static void (*serve_worker)(const struct policy *pol);

static struct child *
find_kid(pid_t pid)
{
	for (size_t i = 0; i < SPAWNER_CHILDREN_MAX; i++) {
		if (kids[i].pid == pid && pid > 0)
			return &kids[i];
	}
	return NULL;
}

/* Note children that exited on their own (kept until their owner asks). */
static void
collect(void)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct child *k = find_kid(pid);

		if (k != NULL) {
			k->exited = 1;
			k->status = st;
		}
	}
}

static struct child *
free_slot(void)
{
	struct child *oldest_exited = NULL;

	for (size_t i = 0; i < SPAWNER_CHILDREN_MAX; i++) {
		if (kids[i].pid == 0)
			return &kids[i];
		if (kids[i].exited && oldest_exited == NULL)
			oldest_exited = &kids[i];
	}
	return oldest_exited;	/* an exited one nobody asked about */
}

static int
convert(void *arg, const char *ext, const struct buf *in, struct buf *pdf,
    long long deadline_ms, char *err, size_t errlen)
{
	return convert_to_pdf(&conf, ext, in->data, in->len, pdf, deadline_ms, err, errlen);
}

/* A converter: one conversion request on fd, answered, then exit. */
static void __attribute__((noreturn))
serve_conversion(int fd)
{
	const struct frame_converter conv = {
		.convert = convert, .arg = NULL,
		.in_max = worker_input_max(&conf.pol), .pdf_max = conf.pol.lim.file_out_bytes,
	};

	prctl(PR_SET_NAME, "sk-convert");
	_exit(frame_serve_convert(fd, &conv, clock_mono_ms() +
	    (long long)conf.pol.lim.seconds * 1000) == 0 ? 0 : 1);
}

/*
 * A child on fd: a worker (this process loaded everything sanitising needs
 * already: the child only enters the sandbox and serves) or a converter.
 * This process is single-threaded, so a fork is all it takes.
 */
static void
spawn_one(int fd, int op, struct answer *a)
{
	struct child *k;
	pid_t pid;

	collect();
	if ((k = free_slot()) == NULL)
		return;
	if ((pid = fork()) == 0) {
		worker_exec_prepare(fd);	/* fd becomes WORKER_FD, the rest closes */
		if (op == OP_CONVERT)
			serve_conversion(WORKER_FD);
		prctl(PR_SET_NAME, "sk-worker");	/* visible to operators (and the fault test) */
		serve_worker(&conf.pol);
		_exit(1);
	}
	if (pid < 0)
		return;
	k->pid = pid;
	k->exited = 0;
	k->status = 0;
	a->ok = 1;
	a->pid = pid;
}

static void
reap_one(pid_t pid, struct answer *a)
{
	struct child *k = find_kid(pid);
	int st;

	if (k == NULL)
		return;
	if (!k->exited) {
		kill(pid, SIGKILL);
		if (waitpid(pid, &st, 0) == pid) {
			k->exited = 1;
			k->status = st;
		}
	}
	a->ok = k->exited;
	a->pid = pid;
	a->status = k->status;
	k->pid = 0;
}

int
spawner_read_setup(int fd, struct spawner_setup *setup)
{
	ssize_t n;

	do
		n = recv(fd, setup, sizeof *setup, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof *setup ||
	    memchr(setup->libreoffice, '\0', sizeof setup->libreoffice) == NULL)
		return -1;
	return 0;
}

void
spawner_ready(int fd, const char *error)
{
	struct ready rd;

	memset(&rd, 0, sizeof rd);
	rd.ok = error == NULL;
	if (error != NULL)
		snprintf(rd.why, sizeof rd.why, "%s", error);
	(void)!send(fd, &rd, sizeof rd, MSG_NOSIGNAL);
}

void
spawner_serve(int fd, const struct spawner_setup *setup,
    void (*serve)(const struct policy *pol))
{
	/* the configuration as far as conversions need it: the policy and the
	 * LibreOffice program, nothing else of the owner's */
	config_defaults(&conf);
	conf.pol = setup->pol;
	memcpy(conf.libreoffice, setup->libreoffice, sizeof conf.libreoffice);
	serve_worker = serve;
	for (;;) {
		struct request rq;
		struct answer a = { 0, 0, 0 };
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { .iov_base = &rq, .iov_len = sizeof rq };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof cbuf,
		};
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct cmsghdr *cm;
		int passed = -1;
		ssize_t n;

		if (poll(&p, 1, 1000) == 0) {
			collect();
			continue;
		}
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n == 0 || (n < 0 && errno != EINTR))
			break;	/* the owner is gone: so are we, and our workers */
		if (n < 0)
			continue;
		cm = CMSG_FIRSTHDR(&mh);
		if (cm != NULL && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&passed, CMSG_DATA(cm), sizeof passed);
		if ((size_t)n == sizeof rq && (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) == 0) {
			if ((rq.op == OP_SPAWN || rq.op == OP_CONVERT) && passed >= 0)
				spawn_one(passed, (int)rq.op, &a);
			else if (rq.op == OP_KILL_REAP && passed < 0)
				reap_one(rq.pid, &a);
		}
		if (passed >= 0)
			close(passed);
		if (send(fd, &a, sizeof a, MSG_NOSIGNAL) != (ssize_t)sizeof a)
			break;
	}
	for (size_t i = 0; i < SPAWNER_CHILDREN_MAX; i++) {
		if (kids[i].pid > 0 && !kids[i].exited)
			kill(kids[i].pid, SIGKILL);
	}
	_exit(0);
}

/* ---- the owner's side --------------------------------------------------- */

int
spawner_start(struct spawner *sp, const struct run_user *user, const char *program,
    const struct config *cfg, struct buf *err)
{
	int sv[2];
	pid_t pid;

	memset(sp, 0, sizeof *sp);
	sp->fd = -1;
	pthread_mutex_init(&sp->mu, NULL);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		buf_printf(err, "spawner: socketpair: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		buf_printf(err, "spawner: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		char *argv[] = { (char *)(uintptr_t)"sk-spawn", (char *)(uintptr_t)"--spawner",
			NULL };
		extern char **environ;

		/* a fresh program (nothing of this process's memory goes with
		 * it), its socket as WORKER_FD, as the worker user */
		worker_exec_prepare(sv[1]);
		signal(SIGHUP, SIG_IGN);
		if (user != NULL)
			privsep_become(user, "spawner");
		execve(program, argv, environ);
		_exit(127);
	}
	close(sv[1]);
	sp->pid = pid;
	sp->fd = sv[0];
	/* what it may know: the sanitising policy and the converter's program */
	{
		struct spawner_setup *setup = xcalloc(1, sizeof *setup);
		ssize_t n;

		setup->pol = cfg->pol;
		snprintf(setup->libreoffice, sizeof setup->libreoffice, "%s", cfg->libreoffice);
		n = send(sp->fd, setup, sizeof *setup, MSG_NOSIGNAL);
		free(setup);
		if (n != (ssize_t)sizeof *setup) {
			buf_printf(err, "spawner: it did not take its setup: %s", strerror(errno));
			spawner_stop(sp);
			return -1;
		}
	}
	/* ready, or why not (a configuration that cannot load: YARA rules) */
	{
		struct ready rd;
		struct pollfd p = { .fd = sp->fd, .events = POLLIN };
		ssize_t n = -1;

		memset(&rd, 0, sizeof rd);
		if (poll(&p, 1, READY_WAIT_MS) == 1)
			n = recv(sp->fd, &rd, sizeof rd, 0);
		if (n != (ssize_t)sizeof rd || !rd.ok) {
			rd.why[sizeof rd.why - 1] = '\0';
			buf_printf(err, "%s", n == (ssize_t)sizeof rd ? rd.why :
			    "the worker program did not start (see its message above)");
			spawner_stop(sp);
			return n == (ssize_t)sizeof rd ? -2 : -1;
		}
	}
	return 0;
}

static int
call(struct spawner *sp, const struct request *rq, int fd, struct answer *a)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)(uintptr_t)rq, .iov_len = sizeof *rq };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	int r = -1;

	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(cbuf, 0, sizeof cbuf);
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof cbuf;
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	}
	pthread_mutex_lock(&sp->mu);
	if (sp->fd >= 0 && sendmsg(sp->fd, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof *rq) {
		do
			n = recv(sp->fd, a, sizeof *a, 0);
		while (n < 0 && errno == EINTR);
		if (n == (ssize_t)sizeof *a && a->ok == 1)
			r = 0;
	}
	pthread_mutex_unlock(&sp->mu);
	return r;
}

/* A child started on fd by op (a worker or a converter). */
static int
start_child(struct spawner *sp, uint32_t op, int fd, pid_t *pid)
{
	struct request rq = { .op = op, .pid = 0 };
	struct answer a;

	if (call(sp, &rq, fd, &a) != 0 || a.pid <= 0)
		return -1;
	*pid = a.pid;
	return 0;
}

int
spawner_spawn(struct spawner *sp, int fd, pid_t *pid)
{
	return start_child(sp, OP_SPAWN, fd, pid);
}

int
spawner_convert(struct spawner *sp, int fd, pid_t *pid)
{
	return start_child(sp, OP_CONVERT, fd, pid);
}

int
spawner_reap(struct spawner *sp, pid_t pid, int *status)
{
	struct request rq = { .op = OP_KILL_REAP, .pid = pid };
	struct answer a;

	if (call(sp, &rq, -1, &a) != 0 || a.pid != pid)
		return -1;
	*status = a.status;
	return 0;
}

void
spawner_stop(struct spawner *sp)
{
	int st;

	if (sp->fd >= 0)
		close(sp->fd);	/* it kills its workers and exits */
	sp->fd = -1;
	if (sp->pid > 0)
		waitpid(sp->pid, &st, 0);
	sp->pid = 0;
}
