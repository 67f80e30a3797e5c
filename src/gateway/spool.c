/*
 * spool - durable queue files.  See spool.h.
 */
#include "gateway/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/num.h"
#include "core/xalloc.h"

#define ENVELOPE_MAX (SPOOL_RCPT_MAX * (SPOOL_ADDR_MAX + 8) + 4096)

static int
mkdir_at(const char *base, const char *sub, int *fd, struct buf *err)
{
	struct buf p;

	buf_init(&p, 1024);
	buf_printf(&p, "%s/%s", base, sub);
	if (mkdir(buf_str(&p), 0750) != 0 && errno != EEXIST) {
		buf_printf(err, "%s: %s", buf_str(&p), strerror(errno));
		buf_free(&p);
		return -1;
	}
	*fd = open(buf_str(&p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		buf_printf(err, "%s: %s", buf_str(&p), strerror(errno));
	buf_free(&p);
	return *fd < 0 ? -1 : 0;
}

int
spool_open(struct spool *sp, const char *dir, struct buf *err)
{
	memset(sp, 0, sizeof *sp);
	sp->incoming_fd = sp->queue_fd = sp->active_fd = sp->wake_fd = -1;
	if (snprintf(sp->dir, sizeof sp->dir, "%s", dir) >= (int)sizeof sp->dir) {
		buf_printf(err, "spool directory name too long");
		return -1;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		buf_printf(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (mkdir_at(dir, "incoming", &sp->incoming_fd, err) != 0 ||
	    mkdir_at(dir, "queue", &sp->queue_fd, err) != 0 ||
	    mkdir_at(dir, "active", &sp->active_fd, err) != 0) {
		spool_close(sp);
		return -1;
	}
	return 0;
}

void
spool_close(struct spool *sp)
{
	if (sp->incoming_fd >= 0)
		close(sp->incoming_fd);
	if (sp->queue_fd >= 0)
		close(sp->queue_fd);
	if (sp->active_fd >= 0)
		close(sp->active_fd);
	sp->incoming_fd = sp->queue_fd = sp->active_fd = -1;
}

void
spool_new_qid(char qid[40])
{
	struct timespec ts;
	unsigned char r[5];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		die("getrandom: %s", strerror(errno));
	snprintf(qid, 40, "%010lld%06ld%02x%02x%02x%02x%02x", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000, r[0], r[1], r[2], r[3], r[4]);
}

/* A field must stay on its line. */
static int
one_line(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

static int
envelope_text(const struct envelope *env, struct buf *b)
{
	int ok = one_line(env->qid) && one_line(env->sender) && one_line(env->client) &&
	    one_line(env->proto) && one_line(env->helo) && one_line(env->tls);

	buf_printf(b, "SKENV1\nqid %s\nfrom %s\n", env->qid, env->sender);
	for (size_t i = 0; i < env->nrcpt; i++) {
		ok = ok && one_line(env->rcpt[i]);
		buf_printf(b, "rcpt %s\n", env->rcpt[i]);
	}
	buf_printf(b, "received %lld\nclient %s\nproto %s\nhelo %s\ntls %s\nattempts %d\n",
	    env->received, env->client, env->proto, env->helo, env->tls, env->attempts);
	if (env->transfer[0] != '\0') {
		ok = ok && one_line(env->transfer);
		buf_printf(b, "transfer %s\n", env->transfer);
	}
	buf_puts(b, "SKEND\n");
	return ok ? 0 : -1;
}

/* Write head+body into dirfd/name via a temporary file, durably. */
static int
write_durable(struct spool *sp, int dirfd, const char *name, const struct buf *head,
    const char *body, size_t len, struct buf *err)
{
	char tmp[SPOOL_NAME_MAX + 8];
	int fd;

	snprintf(tmp, sizeof tmp, "%s.tmp", name);
	fd = openat(sp->incoming_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		buf_printf(err, "spool: %s", strerror(errno));
		return -1;
	}
	if (write_all(fd, buf_str(head), head->len) != 0 ||
	    write_all(fd, body, len) != 0 || fsync(fd) != 0) {
		buf_printf(err, "spool write: %s", strerror(errno));
		close(fd);
		unlinkat(sp->incoming_fd, tmp, 0);
		return -1;
	}
	close(fd);
	if (renameat(sp->incoming_fd, tmp, dirfd, name) != 0 || fsync(dirfd) != 0) {
		buf_printf(err, "spool rename: %s", strerror(errno));
		unlinkat(sp->incoming_fd, tmp, 0);
		return -1;
	}
	return 0;
}

int
spool_commit(struct spool *sp, const struct envelope *env, const char *msg,
    size_t len, struct buf *err)
{
	struct buf head;
	int r;

	buf_init(&head, ENVELOPE_MAX);
	if (envelope_text(env, &head) != 0) {
		buf_puts(err, "spool: envelope field with a line end");
		buf_free(&head);
		return -1;
	}
	r = write_durable(sp, sp->queue_fd, env->qid, &head, msg, len, err);
	buf_free(&head);
	if (r == 0 && sp->wake_fd >= 0 && write(sp->wake_fd, "", 1) < 0)
		(void)0;	/* a full pipe already wakes everyone */
	return r;
}

void
spool_set_wake(struct spool *sp, int fd)
{
	sp->wake_fd = fd;
}

void
spool_wait(struct spool *sp, int timeout_ms)
{
	struct pollfd pfd = { .fd = sp->wake_fd, .events = POLLIN };
	char drain[64];

	if (sp->wake_fd < 0) {
		struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };

		nanosleep(&ts, NULL);
		return;
	}
	if (poll(&pfd, 1, timeout_ms) > 0 && read(sp->wake_fd, drain, sizeof drain) < 0)
		(void)0;
}

/* "<qid>~<attempts>~<not-before>" -> not-before; plain "<qid>" -> 0 */
static long long
not_before(const char *name)
{
	const char *t = strrchr(name, '~');
	uint64_t v;

	if (t == NULL || parse_u64(t + 1, &v) != 0)
		return 0;
	return (long long)v;
}

/* "<qid>~<attempts>~<not-before>" -> attempts; plain "<qid>" -> 0.  The
 * count a deferral wrote: the file's own envelope keeps the one it was
 * committed with. */
static int
attempts_of(const char *name)
{
	const char *a = strchr(name, '~'), *t = strrchr(name, '~');
	char num[24];
	uint64_t v;

	if (a == NULL || t == a || (size_t)(t - a - 1) >= sizeof num)
		return 0;
	memcpy(num, a + 1, (size_t)(t - a - 1));
	num[t - a - 1] = '\0';
	if (parse_u64(num, &v) != 0)
		return 0;
	return (int)(v > 1000 ? 1000 : v);
}

int
spool_claim(struct spool *sp, long long now, char name[SPOOL_NAME_MAX])
{
	int fd = openat(sp->queue_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;
	char best[SPOOL_NAME_MAX] = "";

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= SPOOL_NAME_MAX)
			continue;
		if (not_before(e->d_name) > now)
			continue;
		if (best[0] == '\0' || strcmp(e->d_name, best) < 0)
			memcpy(best, e->d_name, strlen(e->d_name) + 1);	/* length checked above */
	}
	closedir(d);
	if (best[0] == '\0')
		return 1;
	if (renameat(sp->queue_fd, best, sp->active_fd, best) != 0)
		return errno == ENOENT ? 1 : -1;	/* another agent won */
	memcpy(name, best, strlen(best) + 1);
	return 0;
}

void
envelope_free(struct envelope *env)
{
	free(env->rcpt);
	env->rcpt = NULL;
	env->nrcpt = 0;
}

static int
copy_field(char *dst, size_t n, const char *src, size_t len)
{
	if (len >= n)
		return -1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int
spool_read(struct spool *sp, const char *name, struct envelope *env,
    struct buf *msg, struct buf *err)
{
	int fd = openat(sp->active_fd, name, O_RDONLY | O_CLOEXEC);
	struct buf all;
	char chunk[65536];
	ssize_t n;
	const char *p, *end;
	int ok = 0;

	memset(env, 0, sizeof *env);
	if (fd < 0) {
		buf_printf(err, "spool %s: %s", name, strerror(errno));
		return -1;
	}
	buf_init(&all, msg->max + ENVELOPE_MAX);
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		if (buf_append(&all, chunk, (size_t)n) != 0)
			break;
	}
	close(fd);
	p = buf_str(&all);
	end = p + all.len;
	if (n != 0 || all.len < 7 || memcmp(p, "SKENV1\n", 7) != 0) {
		buf_printf(err, "spool %s: not a spool file", name);
		buf_free(&all);
		return -1;
	}
	p += 7;
	env->rcpt = xcalloc(SPOOL_RCPT_MAX, sizeof *env->rcpt);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len;
		uint64_t v = 0;

		if (nl == NULL)
			break;
		len = (size_t)(nl - p);
		if (len == 5 && memcmp(p, "SKEND", 5) == 0) {
			ok = 1;
			p = nl + 1;
			break;
		}
		if (len > 4 && memcmp(p, "qid ", 4) == 0)
			ok = copy_field(env->qid, sizeof env->qid, p + 4, len - 4) == 0;
		else if (len >= 5 && memcmp(p, "from ", 5) == 0)
			ok = copy_field(env->sender, sizeof env->sender, p + 5, len - 5) == 0;
		else if (len > 5 && memcmp(p, "rcpt ", 5) == 0 && env->nrcpt < SPOOL_RCPT_MAX)
			ok = copy_field(env->rcpt[env->nrcpt++], SPOOL_ADDR_MAX, p + 5, len - 5) == 0;
		else if (len > 9 && memcmp(p, "received ", 9) == 0) {
			char num[24];

			ok = copy_field(num, sizeof num, p + 9, len - 9) == 0 && parse_u64(num, &v) == 0;
			env->received = (long long)v;
		} else if (len >= 7 && memcmp(p, "client ", 7) == 0)
			ok = copy_field(env->client, sizeof env->client, p + 7, len - 7) == 0;
		else if (len >= 6 && memcmp(p, "proto ", 6) == 0)
			ok = copy_field(env->proto, sizeof env->proto, p + 6, len - 6) == 0;
		else if (len >= 5 && memcmp(p, "helo ", 5) == 0)
			ok = copy_field(env->helo, sizeof env->helo, p + 5, len - 5) == 0;
		else if (len >= 4 && memcmp(p, "tls ", 4) == 0)
			ok = copy_field(env->tls, sizeof env->tls, p + 4, len - 4) == 0;
		else if (len > 9 && memcmp(p, "transfer ", 9) == 0)
			ok = copy_field(env->transfer, sizeof env->transfer, p + 9, len - 9) == 0;
		else if (len > 9 && memcmp(p, "attempts ", 9) == 0) {
			char num[24];

			ok = copy_field(num, sizeof num, p + 9, len - 9) == 0 && parse_u64(num, &v) == 0;
			env->attempts = (int)(v > 1000 ? 1000 : v);
		} else
			ok = 0;
		if (!ok)
			break;
		p = nl + 1;
	}
	/* a deferred item's tries so far are in its name (spool_defer) */
	if (ok && attempts_of(name) > env->attempts)
		env->attempts = attempts_of(name);
	if (!ok || env->qid[0] == '\0' || env->nrcpt == 0) {
		buf_printf(err, "spool %s: malformed envelope", name);
		envelope_free(env);
		buf_free(&all);
		return -1;
	}
	if (buf_append(msg, p, (size_t)(end - p)) != 0) {
		buf_printf(err, "spool %s: message larger than the limit", name);
		envelope_free(env);
		buf_free(&all);
		return -1;
	}
	buf_free(&all);
	return 0;
}

int
spool_done(struct spool *sp, const char *name)
{
	if (unlinkat(sp->active_fd, name, 0) != 0)
		return -1;
	return fsync(sp->active_fd);
}

int
spool_defer(struct spool *sp, const char *name, const struct envelope *env,
    long long when)
{
	char to[SPOOL_NAME_MAX];

	snprintf(to, sizeof to, "%s~%d~%lld", env->qid, env->attempts, when);
	if (renameat(sp->active_fd, name, sp->queue_fd, to) != 0)
		return -1;
	return fsync(sp->queue_fd);
}

int
spool_recover(struct spool *sp)
{
	int fd = openat(sp->active_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;
	int n = 0;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (renameat(sp->active_fd, e->d_name, sp->queue_fd, e->d_name) == 0)
			n++;
	}
	closedir(d);
	fsync(sp->queue_fd);
	return n;
}

size_t
spool_depth(struct spool *sp)
{
	int fd = openat(sp->queue_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;
	size_t n = 0;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}
