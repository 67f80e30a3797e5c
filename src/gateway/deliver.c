/*
 * deliver - Maildir and SMTP/LMTP delivery of sanitised messages.  See deliver.h.
 */
#include "gateway/deliver.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fdio.h"
#include "gateway/lineio.h"

#define CLIENT_TIMEOUT_MS 60000
#define REPLY_MAX 1024

int
deliver_parse_target(const char *spec, struct deliver_target *t, struct buf *err)
{
	const char *colon;

	memset(t, 0, sizeof *t);
	if (strncmp(spec, "maildir:", 8) == 0) {
		t->kind = TARGET_MAILDIR;
		if (snprintf(t->path, sizeof t->path, "%s", spec + 8) >= (int)sizeof t->path ||
		    t->path[0] == '\0') {
			buf_printf(err, "deliver_to: bad Maildir path");
			return -1;
		}
		return 0;
	}
	if (strncmp(spec, "smtp:", 5) == 0)
		t->kind = TARGET_SMTP;
	else if (strncmp(spec, "lmtp:", 5) == 0)
		t->kind = TARGET_LMTP;
	else {
		buf_printf(err, "deliver_to: expected maildir:PATH, smtp:HOST:PORT or lmtp:HOST:PORT");
		return -1;
	}
	spec += 5;
	if ((colon = strrchr(spec, ':')) == NULL || colon == spec ||
	    (size_t)(colon - spec) >= sizeof t->host || strlen(colon + 1) >= sizeof t->port ||
	    colon[1] == '\0') {
		buf_printf(err, "deliver_to: expected HOST:PORT");
		return -1;
	}
	memcpy(t->host, spec, (size_t)(colon - spec));
	snprintf(t->port, sizeof t->port, "%s", colon + 1);
	return 0;
}

static int
ensure_maildir(const char *path)
{
	static const char *const subs[] = { "", "/tmp", "/new", "/cur" };
	char p[600];

	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s%s", path, subs[i]);
		if (mkdir(p, 0750) != 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

static enum deliver_result
deliver_maildir(const struct deliver_target *t, const struct envelope *env,
    const char *msg, size_t len, struct buf *err)
{
	char tmp[700], dst[700], dir[600], host[64];
	int fd, dfd;
	struct timespec ts;

	if (ensure_maildir(t->path) != 0) {
		buf_printf(err, "%s: %s", t->path, strerror(errno));
		return DELIVER_TEMPFAIL;
	}
	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	for (char *c = host; *c != '\0'; c++) {
		if (*c == '/' || *c == ':')
			*c = '_';
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(tmp, sizeof tmp, "%s/tmp/%lld.Q%s.%s", t->path, (long long)ts.tv_sec,
	    env->qid, host);
	snprintf(dst, sizeof dst, "%s/new/%lld.Q%s.%s", t->path, (long long)ts.tv_sec,
	    env->qid, host);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) < 0) {
		buf_printf(err, "%s: %s", tmp, strerror(errno));
		return DELIVER_TEMPFAIL;
	}
	if (write_all(fd, msg, len) != 0) {
		buf_printf(err, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return DELIVER_TEMPFAIL;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, dst) != 0) {
		buf_printf(err, "%s: %s", dst, strerror(errno));
		unlink(tmp);
		return DELIVER_TEMPFAIL;
	}
	snprintf(dir, sizeof dir, "%s/new", t->path);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return DELIVER_OK;
}

/* Read a (multi-line) reply; returns its code, -1 on I/O failure. */
static int
read_reply(struct lineio *io, struct buf *err)
{
	char line[REPLY_MAX];
	size_t len;

	for (;;) {
		int r = lineio_read(io, line, sizeof line, &len);

		if (r != LINE_OK || len < 3) {
			buf_printf(err, "next hop: connection lost");
			return -1;
		}
		if (len == 3 || line[3] == ' ') {
			buf_reset(err);
			buf_printf(err, "next hop: %s", line);
			return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		}
	}
}

static int
connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1;

	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static enum deliver_result
classify(int code)
{
	if (code >= 200 && code < 400)
		return DELIVER_OK;
	return code >= 500 ? DELIVER_PERMFAIL : DELIVER_TEMPFAIL;
}

/* Send the message with dot-stuffing and CRLF line ends. */
static int
send_data(struct lineio *io, const char *msg, size_t len)
{
	struct buf out;
	int r;

	buf_init(&out, len + len / 10 + 64);
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(msg + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (msg + i)) : len - i;

		if (n > 0 && msg[i] == '.')
			buf_putc(&out, '.');
		buf_append(&out, msg + i, n > 0 && msg[i + n - 1] == '\r' ? n - 1 : n);
		buf_puts(&out, "\r\n");
		i += n + 1;
	}
	buf_puts(&out, ".\r\n");
	r = lineio_write(io, buf_str(&out), out.len);
	buf_free(&out);
	return r;
}

static enum deliver_result
deliver_smtp(const struct deliver_target *t, const struct envelope *env, const char *msg,
    size_t len, const char *helo, struct buf *err)
{
	struct lineio io;
	int fd = connect_to(t->host, t->port), code;
	size_t accepted = 0;
	enum deliver_result res = DELIVER_TEMPFAIL;
	int lmtp = t->kind == TARGET_LMTP;

	if (fd < 0) {
		buf_printf(err, "next hop %s:%s: cannot connect", t->host, t->port);
		return DELIVER_TEMPFAIL;
	}
	lineio_init(&io, fd, CLIENT_TIMEOUT_MS);
	if ((code = read_reply(&io, err)) != 220)
		goto out;
	lineio_printf(&io, "%s %s\r\n", lmtp ? "LHLO" : "EHLO", helo);
	if ((code = read_reply(&io, err)) != 250)
		goto out;
	lineio_printf(&io, "MAIL FROM:<%s>\r\n", env->sender);
	if ((code = read_reply(&io, err)) != 250) {
		res = code < 0 ? DELIVER_TEMPFAIL : classify(code);
		goto out;
	}
	for (size_t i = 0; i < env->nrcpt; i++) {
		lineio_printf(&io, "RCPT TO:<%s>\r\n", env->rcpt[i]);
		code = read_reply(&io, err);
		if (code < 0)
			goto out;
		if (code / 100 == 2)
			accepted++;
		else if (code / 100 == 4)
			goto out;	/* try the whole message again later */
	}
	if (accepted == 0) {
		res = DELIVER_PERMFAIL;
		goto out;
	}
	lineio_printf(&io, "DATA\r\n");
	if ((code = read_reply(&io, err)) != 354)
		goto out;
	if (send_data(&io, msg, len) != 0)
		goto out;
	res = DELIVER_OK;
	for (size_t i = 0; i < (lmtp ? accepted : 1); i++) {
		enum deliver_result one = (code = read_reply(&io, err)) < 0 ? DELIVER_TEMPFAIL :
		    classify(code);

		if (one != DELIVER_OK && res == DELIVER_OK)
			res = one;
	}
	lineio_printf(&io, "QUIT\r\n");
out:
	close(fd);
	return res;
}

enum deliver_result
deliver(const struct deliver_target *t, const struct envelope *env, const char *msg,
    size_t len, const char *helo, struct buf *err)
{
	if (t->kind == TARGET_MAILDIR)
		return deliver_maildir(t, env, msg, len, err);
	return deliver_smtp(t, env, msg, len, helo, err);
}
