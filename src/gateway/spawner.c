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

/* ---- the spawner process ------------------------------------------------ */

static struct child kids[SPAWNER_CHILDREN_MAX];
static const struct config *conf;	/* for conversions: LibreOffice, limits */

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
	return convert_to_pdf(conf, ext, in->data, in->len, pdf, deadline_ms, err, errlen);
}

/* A converter: one conversion request on fd, answered, then exit. */
static void __attribute__((noreturn))
serve_conversion(int fd)
{
	const struct frame_converter conv = {
		.convert = convert, .arg = NULL,
		.in_max = worker_input_max(&conf->pol), .pdf_max = conf->pol.lim.file_out_bytes,
	};

	prctl(PR_SET_NAME, "sk-convert");
	_exit(frame_serve_convert(fd, &conv, clock_mono_ms() +
	    (long long)conf->pol.lim.seconds * 1000) == 0 ? 0 : 1);
}

static void
spawn_one(int fd, const char *program, int op, struct answer *a)
{
	struct child *k;
	pid_t pid;

	collect();
	if ((k = free_slot()) == NULL)
		return;
	if ((pid = fork()) == 0) {
		char *argv[] = { (char *)(uintptr_t)"sk-worker", NULL };
		extern char **environ;

		if (op == OP_CONVERT) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			serve_conversion(fd);
		}
		worker_exec_prepare(fd);
		execve(program, argv, environ);
		_exit(127);
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

static void __attribute__((noreturn))
serve(int fd, const char *program)
{
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
			if ((rq.op == OP_SPAWN || (rq.op == OP_CONVERT && conf != NULL)) &&
			    passed >= 0)
				spawn_one(passed, program, (int)rq.op, &a);
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
		sigset_t none;

		close(sv[0]);
		prctl(PR_SET_NAME, "sk-spawn");
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		for (int fd = 3; fd < 1024; fd++) {
			if (fd != sv[1])
				close(fd);
		}
		conf = cfg;
		if (user != NULL)
			privsep_become(user, "spawner");
		else
			privsep_check("spawner");
		serve(sv[1], program);
	}
	close(sv[1]);
	sp->pid = pid;
	sp->fd = sv[0];
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
