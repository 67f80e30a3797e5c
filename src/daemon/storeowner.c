/*
 * storeowner - sk-store, the holder of the keys.  See storeowner.h.
 */
#include "daemon/storeowner.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "daemon/outcome.h"
#include "daemon/store_proto.h"
#include "gateway/wire.h"
#include "gateway/worker.h"
#include "web/monitor.h"

static struct {
	const struct config *cfg;
	struct outcome_queue *q;
	pthread_mutex_t mu;
	pthread_cond_t done_cv;
	size_t conns;		/* connection threads alive */
	int fds[STOREOWNER_CONNS_MAX];	/* their sockets, -1: a free slot */
	int stopping;
} S = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.done_cv = PTHREAD_COND_INITIALIZER,
};

void
storeowner_socket_path(const struct config *cfg, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", cfg->spool_dir, STORE_PROTO_SOCKET);
}

int
storeowner_listen(const struct config *cfg, struct buf *err)
{
	char dir[600], path[700];

	snprintf(dir, sizeof dir, "%s/private", cfg->spool_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		buf_printf(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	storeowner_socket_path(cfg, path, sizeof path);
	return wire_unix_listen(path, err);
}

/* Only sekishod's own processes: this user, or root. */
static int
peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t l = sizeof cr;

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0 &&
	    (cr.uid == getuid() || cr.uid == 0);
}

static void *
serve_conn(void *arg)
{
	size_t slot = (size_t)(intptr_t)arg;
	int fd = S.fds[slot];
	struct store_request rq;
	struct buf err;

	store_request_init(&rq, worker_input_max(&S.cfg->pol));
	buf_init(&err, STORE_PROTO_REASON_MAX);
	while (store_proto_read_record(fd, &rq) == 0) {
		struct outcome_item it = {
			.receipt_id = rq.id, .received = rq.received, .sender = rq.sender,
			.recipients = buf_str(&rq.recipients),
			.receipt_json = buf_str(&rq.receipt), .receipt_len = rq.receipt.len,
			.original = buf_str(&rq.original), .original_len = rq.original.len,
		};
		int st;

		buf_reset(&err);
		st = outcome_queue_record(S.q, &it, &err);
		if (st != 0)
			syslog(LOG_ERR, "%s: not recorded: %s", rq.id, buf_str(&err));
		if (store_proto_write_answer(fd, st, buf_str(&err)) != 0)
			break;
		/* recorded and answered: a held message leaving is told to its sender */
		if (st == 0)
			monitor_item_recorded(it.receipt_json, it.receipt_len, it.sender);
	}
	store_request_free(&rq);
	buf_free(&err);
	pthread_mutex_lock(&S.mu);
	close(fd);
	S.fds[slot] = -1;
	S.conns--;
	pthread_cond_broadcast(&S.done_cv);
	pthread_mutex_unlock(&S.mu);
	return NULL;
}

static void *
accept_loop(void *arg)
{
	int lfd = (int)(intptr_t)arg;

	for (;;) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		pthread_attr_t at;
		pthread_t t;
		size_t slot = 0;
		int fd;

		if (poll(&p, 1, 200) <= 0) {
			pthread_mutex_lock(&S.mu);
			if (S.stopping) {
				pthread_mutex_unlock(&S.mu);
				break;
			}
			pthread_mutex_unlock(&S.mu);
			continue;
		}
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		pthread_mutex_lock(&S.mu);
		if (!peer_allowed(fd) || S.conns >= STOREOWNER_CONNS_MAX || S.stopping) {
			pthread_mutex_unlock(&S.mu);
			syslog(LOG_WARNING, "store owner: connection refused (another user, or "
			    "%d connections already)", STOREOWNER_CONNS_MAX);
			close(fd);
			continue;
		}
		while (S.fds[slot] >= 0)
			slot++;		/* one is free: conns < STOREOWNER_CONNS_MAX */
		S.fds[slot] = fd;
		S.conns++;
		pthread_mutex_unlock(&S.mu);
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &at, serve_conn, (void *)(intptr_t)slot) != 0) {
			pthread_mutex_lock(&S.mu);
			close(fd);
			S.fds[slot] = -1;
			S.conns--;
			pthread_mutex_unlock(&S.mu);
		}
		pthread_attr_destroy(&at);
	}
	return NULL;
}

int
storeowner_run(const struct config *cfg, int lfd, int key_fd, int audit_fd, int console_lfd,
    uid_t console_uid)
{
	struct buf err;
	sigset_t set;
	pthread_t acceptor;
	struct timespec until;
	int sig;

	S.cfg = cfg;
	for (size_t i = 0; i < STOREOWNER_CONNS_MAX; i++)
		S.fds[i] = -1;
	/* signals are taken by this thread with sigwait; no other thread sees them */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	buf_init(&err, 1024);
	outcome_use_key_fds(key_fd, audit_fd);
	if (outcome_queue_open(&S.q, cfg, NULL, &err) != 0) {
		syslog(LOG_ERR, "store owner: quarantine/journal: %s", buf_str(&err));
		buf_free(&err);
		return 1;
	}
	if (console_lfd >= 0 && monitor_start(cfg, console_lfd, console_uid, &err) != 0) {
		syslog(LOG_ERR, "store owner: %s", buf_str(&err));
		outcome_queue_close(S.q);
		buf_free(&err);
		return 1;
	}
	/* the keys are in the stores' locked memory now; the console monitor
	 * opens a store per connection, and keeps the descriptors */
	if (key_fd >= 0 && console_lfd < 0)
		close(key_fd);
	if (audit_fd >= 0 && console_lfd < 0)
		close(audit_fd);
	buf_free(&err);
	if (pthread_create(&acceptor, NULL, accept_loop, (void *)(intptr_t)lfd) != 0) {
		outcome_queue_close(S.q);
		return 1;
	}
	do
		sigwait(&set, &sig);
	while (sig == SIGHUP);	/* a reload is the master's business */
	pthread_mutex_lock(&S.mu);
	S.stopping = 1;
	pthread_mutex_unlock(&S.mu);
	pthread_join(acceptor, NULL);
	close(lfd);
	monitor_stop();
	/* requests in progress finish; idle connections are shut so their
	 * threads end (their clients reconnect to the next owner) */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += STOREOWNER_DRAIN_S;
	pthread_mutex_lock(&S.mu);
	for (size_t i = 0; i < STOREOWNER_CONNS_MAX; i++) {
		if (S.fds[i] >= 0)
			shutdown(S.fds[i], SHUT_RD);	/* a request being recorded is answered */
	}
	while (S.conns > 0 &&
	    pthread_cond_timedwait(&S.done_cv, &S.mu, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&S.mu);
	if (S.conns == 0)
		outcome_queue_close(S.q);	/* a final audit checkpoint goes here */
	return 0;
}
