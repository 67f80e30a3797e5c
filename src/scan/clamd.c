/*
 * clamd - ask a running clamd whether bytes carry a known signature.  See
 * clamd.h.
 *
 * One connection per item, clamd's z-commands (NUL-terminated answers):
 *
 *	"zINSTREAM\0" { u32 big-endian length, bytes } ... u32 0
 *	answer "stream: OK\0" | "stream: <name> FOUND\0" | "... ERROR\0"
 *
 * The socket is non-blocking and every send and receive waits in poll() for
 * what is left of one deadline, so a stalled clamd costs at most timeout_s.
 * Sends use MSG_NOSIGNAL: a clamd that closes early (it does so after "size
 * limit exceeded") gives EPIPE here, never SIGPIPE to the caller, and the
 * answer it wrote before closing is still read and reported.  The answer is
 * read until clamd closes the connection into a fixed buffer of
 * CLAMD_ANSWER_MAX bytes and must end in NUL; anything other than one
 * "stream: OK" or one or more "stream: <name> FOUND" is an error, and so is
 * an answer that arrives before the whole stream was sent.
 */
#include "scan/clamd.h"
#include "core/clock.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_MAX	(64 * 1024)	/* bytes per INSTREAM chunk */
#define CONNECT_RETRY_MS 10		/* backlog full: wait this long, try again */

static const char size_limit_answer[] = "INSTREAM size limit exceeded. ERROR";

/* Milliseconds left before deadline, 0 when it has passed. */
static int
left_ms(long long deadline)
{
	long long left = deadline - clock_mono_ms();

	if (left <= 0)
		return 0;
	return left > 60 * 60 * 1000 ? 60 * 60 * 1000 : (int)left;
}

/* A non-blocking connected socket, or -1 with err set. */
static int
clamd_connect(const char *path, long long deadline, unsigned timeout_s, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	size_t n;
	int fd;

	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, "clamd: no socket configured (clamd_socket)");
		return -1;
	}
	n = strlen(path);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (n >= sizeof sun.sun_path) {
		snprintf(err, errlen, "clamd: socket path is longer than %zu bytes",
		    sizeof sun.sun_path - 1);
		return -1;
	}
	memcpy(sun.sun_path, path, n + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
		snprintf(err, errlen, "clamd: socket: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
			return fd;
		if (errno == EINTR)
			continue;
		/* a unix socket whose backlog is full: clamd is busy, try again */
		if ((errno == EAGAIN || errno == EINPROGRESS) && left_ms(deadline) > 0) {
			poll(NULL, 0, CONNECT_RETRY_MS);
			continue;
		}
		if (errno == EAGAIN || errno == EINPROGRESS)
			snprintf(err, errlen, "clamd: %s accepted no connection within %u s",
			    path, timeout_s);
		else
			snprintf(err, errlen, "clamd: cannot connect to %s: %s", path,
			    strerror(errno));
		close(fd);
		return -1;
	}
}

/*
 * poll() for events until the deadline: 1 ready (pfd filled), 0 interrupted
 * (call again), -1 with err set (poll failed, or "<what> within N s").
 */
static int
wait_fd(int fd, short events, long long deadline, struct pollfd *pfd, const char *what,
    unsigned timeout_s, char *err, size_t errlen)
{
	int r;

	pfd->fd = fd;
	pfd->events = events;
	pfd->revents = 0;
	r = poll(pfd, 1, left_ms(deadline));
	if (r < 0 && errno == EINTR)
		return 0;
	if (r < 0) {
		snprintf(err, errlen, "clamd: poll: %s", strerror(errno));
		return -1;
	}
	if (r == 0) {
		snprintf(err, errlen, "clamd: %s within %u s (time limit)", what, timeout_s);
		return -1;
	}
	return 1;
}

/*
 * Send all n bytes before deadline.  0 sent; 1 clamd has something to say
 * (readable: it answered early, or closed); -1 failed (err set).
 */
static int
send_all(int fd, const void *p, size_t n, long long deadline, unsigned timeout_s,
    char *err, size_t errlen)
{
	const char *s = p;
	struct pollfd pfd;
	ssize_t w;
	int r;

	while (n > 0) {
		if ((r = wait_fd(fd, POLLOUT | POLLIN, deadline, &pfd, "no progress", timeout_s,
		    err, errlen)) < 0)
			return -1;
		if (r == 0)
			continue;
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
			return 1;
		w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w < 0) {
			if (errno == EPIPE || errno == ECONNRESET)
				return 1;	/* the answer, if any, says why */
			snprintf(err, errlen, "clamd: send: %s", strerror(errno));
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Read clamd's answer until it closes the connection.  The length read, or
 * -1 with err set.  ans holds at most CLAMD_ANSWER_MAX bytes.
 */
static ssize_t
read_answer(int fd, char *ans, long long deadline, unsigned timeout_s, char *err,
    size_t errlen)
{
	struct pollfd pfd;
	size_t have = 0;
	ssize_t got;
	char extra;
	int r;

	for (;;) {
		if ((r = wait_fd(fd, POLLIN, deadline, &pfd, "no answer", timeout_s, err,
		    errlen)) < 0)
			return -1;
		if (r == 0)
			continue;
		if (have == CLAMD_ANSWER_MAX)	/* full: only the end may follow */
			got = recv(fd, &extra, 1, 0);
		else
			got = recv(fd, ans + have, CLAMD_ANSWER_MAX - have, 0);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got < 0) {
			if (errno == ECONNRESET)	/* closed with our bytes unread */
				return (ssize_t)have;
			snprintf(err, errlen, "clamd: receive: %s", strerror(errno));
			return -1;
		}
		if (got == 0)
			return (ssize_t)have;
		if (have == CLAMD_ANSWER_MAX) {
			snprintf(err, errlen, "clamd: answer longer than %d bytes",
			    CLAMD_ANSWER_MAX);
			return -1;
		}
		have += (size_t)got;
	}
}

/* Copy s (n bytes) into dst as printable ASCII, for messages. */
static void
printable(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t o = 0;

	if (dstlen == 0)
		return;
	for (size_t i = 0; i < n && o + 1 < dstlen; i++)
		dst[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	dst[o] = '\0';
}

/* A signature name clamd may report: printable ASCII, no leading space. */
static int
name_ok(const char *s, size_t n)
{
	if (n == 0 || s[0] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * Judge a complete answer (n bytes, NUL-terminated records).  sent_all says
 * whether the whole stream went out before the answer came.
 */
static int
parse_answer(const char *ans, size_t n, int sent_all, char *what, size_t whatlen)
{
	static const char pfx[] = "stream: ", ok[] = "OK", found[] = " FOUND",
	    error[] = " ERROR";
	const size_t pl = sizeof pfx - 1, fl = sizeof found - 1, el = sizeof error - 1;
	char shown[128];
	size_t off = 0, records = 0, hits = 0;

	if (n == 0) {
		snprintf(what, whatlen, "clamd: closed the connection without an answer");
		return CLAMD_ERROR;
	}
	if (ans[n - 1] != '\0') {
		printable(shown, sizeof shown, ans, n);
		snprintf(what, whatlen, "clamd: answer cut short: \"%s\"", shown);
		return CLAMD_ERROR;
	}
	/* errors first: one ERROR anywhere makes the whole answer an error */
	for (off = 0; off < n; off += strlen(ans + off) + 1) {
		const char *rec = ans + off;
		size_t rl = strlen(rec);

		if (strcmp(rec, size_limit_answer) == 0) {
			snprintf(what, whatlen, "clamd: size limit exceeded (StreamMaxLength)");
			return CLAMD_ERROR;
		}
		if (rl >= el && memcmp(rec + rl - el, error, el) == 0) {
			if (rl > pl && memcmp(rec, pfx, pl) == 0)
				printable(shown, sizeof shown, rec + pl, rl - pl - el);
			else
				printable(shown, sizeof shown, rec, rl - el);
			snprintf(what, whatlen, "clamd: error: %s", shown);
			return CLAMD_ERROR;
		}
	}
	for (off = 0; off < n; off += strlen(ans + off) + 1) {
		const char *rec = ans + off;
		size_t rl = strlen(rec);

		records++;
		if (rl > pl + fl && memcmp(rec, pfx, pl) == 0 &&
		    memcmp(rec + rl - fl, found, fl) == 0 &&
		    name_ok(rec + pl, rl - pl - fl)) {
			if (hits++ == 0)
				printable(what, whatlen, rec + pl, rl - pl - fl);
			continue;
		}
		if (rl == pl + sizeof ok - 1 && memcmp(rec, pfx, pl) == 0 &&
		    memcmp(rec + pl, ok, sizeof ok - 1) == 0)
			continue;
		printable(shown, sizeof shown, rec, rl);
		snprintf(what, whatlen, "clamd: unexpected answer \"%s\"", shown);
		return CLAMD_ERROR;
	}
	if (!sent_all) {
		if (hits > 0)	/* a signature in what was sent is still a signature */
			return CLAMD_FOUND;
		snprintf(what, whatlen, "clamd: answered before the whole item was sent");
		return CLAMD_ERROR;
	}
	if (hits > 0)
		return CLAMD_FOUND;
	if (records != 1) {
		snprintf(what, whatlen, "clamd: %zu answers where one was expected", records);
		return CLAMD_ERROR;
	}
	what[0] = '\0';
	return CLAMD_CLEAN;
}

/* Stream p as INSTREAM chunks.  0 all sent, 1 clamd spoke early, -1 failed. */
static int
send_stream(int fd, const unsigned char *p, size_t len, long long deadline,
    unsigned timeout_s, char *what, size_t whatlen)
{
	static const char cmd[] = "zINSTREAM";	/* sent with its NUL */
	unsigned char hdr[4];
	int r;

	if ((r = send_all(fd, cmd, sizeof cmd, deadline, timeout_s, what, whatlen)) != 0)
		return r;
	for (;;) {
		size_t n = len > CHUNK_MAX ? CHUNK_MAX : len;

		hdr[0] = (unsigned char)(n >> 24);
		hdr[1] = (unsigned char)(n >> 16);
		hdr[2] = (unsigned char)(n >> 8);
		hdr[3] = (unsigned char)n;
		if ((r = send_all(fd, hdr, sizeof hdr, deadline, timeout_s, what, whatlen)) != 0)
			return r;
		if (n == 0)
			return 0;	/* the zero-length chunk ends the stream */
		if ((r = send_all(fd, p, n, deadline, timeout_s, what, whatlen)) != 0)
			return r;
		p += n;
		len -= n;
	}
}

int
clamd_scan(const char *socket_path, const void *p, size_t len, unsigned timeout_s,
    char *what, size_t whatlen)
{
	char ans[CLAMD_ANSWER_MAX];
	long long deadline;
	ssize_t n;
	int fd, sent;

	if (whatlen == 0)
		return CLAMD_ERROR;
	what[0] = '\0';
	if (timeout_s == 0)
		timeout_s = 1;
	deadline = clock_mono_ms() + (long long)timeout_s * 1000;
	if ((fd = clamd_connect(socket_path, deadline, timeout_s, what, whatlen)) < 0)
		return CLAMD_ERROR;
	sent = send_stream(fd, p, len, deadline, timeout_s, what, whatlen);
	if (sent < 0) {
		close(fd);
		return CLAMD_ERROR;
	}
	n = read_answer(fd, ans, deadline, timeout_s, what, whatlen);
	close(fd);
	if (n < 0)
		return CLAMD_ERROR;
	if (n == 0 && sent == 1) {
		snprintf(what, whatlen, "clamd: closed the connection while the item was sent");
		return CLAMD_ERROR;
	}
	return parse_answer(ans, (size_t)n, sent == 0, what, whatlen);
}

int
clamd_ping(const char *socket_path, unsigned timeout_s, char *err, size_t errlen)
{
	static const char cmd[] = "zPING";	/* sent with its NUL */
	static const char pong[] = "PONG";
	char ans[CLAMD_ANSWER_MAX], shown[64];
	long long deadline;
	ssize_t n;
	int fd;

	if (errlen > 0)
		err[0] = '\0';
	if (timeout_s == 0)
		timeout_s = 1;
	deadline = clock_mono_ms() + (long long)timeout_s * 1000;
	if ((fd = clamd_connect(socket_path, deadline, timeout_s, err, errlen)) < 0)
		return -1;
	if (send_all(fd, cmd, sizeof cmd, deadline, timeout_s, err, errlen) < 0) {
		close(fd);
		return -1;
	}
	n = read_answer(fd, ans, deadline, timeout_s, err, errlen);
	close(fd);
	if (n < 0)
		return -1;
	if ((size_t)n == sizeof pong && memcmp(ans, pong, sizeof pong) == 0)
		return 0;
	printable(shown, sizeof shown, ans, (size_t)n);
	snprintf(err, errlen, "clamd: PING answered \"%s\", not PONG", shown);
	return -1;
}
