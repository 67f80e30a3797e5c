/*
 * store_client - recording through the store owner.  See store_client.h.
 */
#include "daemon/store_client.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "daemon/store_proto.h"

struct store_client {
	char path[108];
	size_t n;
	int fd[STORE_CLIENT_CONNS_MAX];		/* -1: not connected */
	int busy[STORE_CLIENT_CONNS_MAX];
	pthread_mutex_t mu;
	pthread_cond_t free_cv;
};

struct store_client *
store_client_new(const char *path, size_t conns)
{
	struct store_client *c = xcalloc(1, sizeof *c);

	snprintf(c->path, sizeof c->path, "%s", path);
	c->n = conns == 0 ? 1 : conns > STORE_CLIENT_CONNS_MAX ? STORE_CLIENT_CONNS_MAX : conns;
	for (size_t i = 0; i < STORE_CLIENT_CONNS_MAX; i++)
		c->fd[i] = -1;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->free_cv, NULL);
	return c;
}

static int
connect_owner(const char *path, struct buf *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof sa.sun_path) {
		buf_printf(err, "store owner socket path too long: %s", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		buf_printf(err, "store owner: socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		buf_printf(err, "store owner not reachable at %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static size_t
checkout(struct store_client *c)
{
	pthread_mutex_lock(&c->mu);
	for (;;) {
		for (size_t i = 0; i < c->n; i++) {
			if (!c->busy[i]) {
				c->busy[i] = 1;
				pthread_mutex_unlock(&c->mu);
				return i;
			}
		}
		pthread_cond_wait(&c->free_cv, &c->mu);
	}
}

static void
checkin(struct store_client *c, size_t i)
{
	pthread_mutex_lock(&c->mu);
	c->busy[i] = 0;
	pthread_cond_signal(&c->free_cv);
	pthread_mutex_unlock(&c->mu);
}

/* One try on connection i; -1 (with the connection closed) on any failure. */
static int
try_record(struct store_client *c, size_t i, const struct outcome_item *it, int *status,
    struct buf *reason, struct buf *err)
{
	int r = -1;

	if (c->fd[i] < 0 && (c->fd[i] = connect_owner(c->path, err)) < 0)
		return -1;
	if (store_proto_write_record(c->fd[i], it) == 0 &&
	    (r = store_proto_read_answer(c->fd[i], status, reason,
	    clock_mono_ms() + (long long)STORE_CLIENT_WAIT_S * 1000)) == 0)
		return 0;
	else if (r == -2)
		buf_printf(err, "the store owner did not answer within %d s", STORE_CLIENT_WAIT_S);
	else
		buf_puts(err, "the connection to the store owner broke");
	close(c->fd[i]);
	c->fd[i] = -1;
	return -1;
}

int
store_client_record(struct store_client *c, const struct outcome_item *it, struct buf *err)
{
	struct buf reason, why;
	size_t i = checkout(c);
	int status = 1, r;

	buf_init(&reason, STORE_PROTO_REASON_MAX);
	buf_init(&why, 512);
	r = try_record(c, i, it, &status, &reason, &why);
	if (r != 0 && c->fd[i] < 0) {
		/* a connection that broke may be a restarted owner: once more */
		buf_reset(&why);
		r = try_record(c, i, it, &status, &reason, &why);
	}
	checkin(c, i);
	if (r != 0)
		buf_puts(err, buf_str(&why));
	else if (status != 0)
		buf_puts(err, reason.len > 0 ? buf_str(&reason) : "the store owner refused it");
	buf_free(&reason);
	buf_free(&why);
	return r == 0 && status == 0 ? 0 : -1;
}

void
store_client_free(struct store_client *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < STORE_CLIENT_CONNS_MAX; i++) {
		if (c->fd[i] >= 0)
			close(c->fd[i]);
	}
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->free_cv);
	free(c);
}
