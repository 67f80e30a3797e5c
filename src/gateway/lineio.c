/*
 * lineio - line I/O with time limits, in the clear or over TLS.  See lineio.h.
 */
#include "gateway/lineio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "core/clock.h"

void
lineio_init(struct lineio *io, int fd, int timeout_ms)
{
	memset(io, 0, sizeof *io);
	io->fd = fd;
	io->read_timeout_ms = timeout_ms;
	io->write_timeout_ms = timeout_ms;
}

/*
 * Wait for events on the socket until `until` or the session deadline,
 * whichever comes first; which one ran out decides the answer.
 */
static int
wait_io(struct lineio *io, short events, long long until)
{
	struct pollfd pfd = { .fd = io->fd, .events = events };

	for (;;) {
		long long now = clock_mono_ms(), end = until, left;
		int by_deadline = 0;
		int pr;

		if (io->deadline_ms > 0 && io->deadline_ms <= end) {
			end = io->deadline_ms;
			by_deadline = 1;
		}
		if ((left = end - now) <= 0)
			return by_deadline ? LINE_DEADLINE : LINE_TIMEOUT;
		pr = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (pr > 0)
			return LINE_OK;	/* readable, writable, or an error the call will report */
		if (pr < 0 && errno != EINTR)
			return LINE_ERROR;
	}
}

/* After SSL_read/SSL_write/SSL_accept returned k: wait as OpenSSL asks, or fail. */
static int
tls_wait(struct lineio *io, int k, long long until)
{
	int e = SSL_get_error(io->ssl, k);

	if (e == SSL_ERROR_WANT_READ)
		return wait_io(io, POLLIN, until);
	if (e == SSL_ERROR_WANT_WRITE)
		return wait_io(io, POLLOUT, until);
	if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
		io->eof = 1;
		return LINE_EOF;
	}
	return LINE_ERROR;
}

/* Read more bytes into the buffer (compacting it first). */
static int
fill(struct lineio *io)
{
	long long until = clock_mono_ms() + io->read_timeout_ms;

	if (io->start > 0) {
		memmove(io->in, io->in + io->start, io->end - io->start);
		io->end -= io->start;
		io->start = 0;
	}
	if (io->end == sizeof io->in)
		return LINE_TOO_LONG;
	if (io->eof)
		return LINE_EOF;
	for (;;) {
		size_t room = sizeof io->in - io->end;
		int r;

		if (io->ssl != NULL) {
			int k;

			ERR_clear_error();
			k = SSL_read(io->ssl, io->in + io->end, (int)room);
			if (k > 0) {
				io->end += (size_t)k;
				return LINE_OK;
			}
			r = tls_wait(io, k, until);
		} else {
			ssize_t n = recv(io->fd, io->in + io->end, room, MSG_DONTWAIT);

			if (n > 0) {
				io->end += (size_t)n;
				return LINE_OK;
			}
			if (n == 0) {
				io->eof = 1;
				return LINE_EOF;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return LINE_ERROR;
			r = wait_io(io, POLLIN, until);
		}
		if (r != LINE_OK)
			return r;
	}
}

int
lineio_read(struct lineio *io, char *line, size_t max, size_t *len)
{
	int too_long = 0;

	for (;;) {
		char *nl = memchr(io->in + io->start, '\n', io->end - io->start);
		int r;

		if (nl != NULL) {
			size_t n = (size_t)(nl - (io->in + io->start));

			if (!too_long) {
				size_t keep = n > 0 && nl[-1] == '\r' ? n - 1 : n;

				if (keep >= max)
					too_long = 1;
				else {
					memcpy(line, io->in + io->start, keep);
					line[keep] = '\0';
					*len = keep;
				}
			}
			io->start += n + 1;
			return too_long ? LINE_TOO_LONG : LINE_OK;
		}
		/* no newline yet: a line longer than the buffer is skipped */
		if (io->end - io->start == sizeof io->in) {
			too_long = 1;
			io->start = io->end = 0;
		}
		if ((r = fill(io)) != LINE_OK)
			return r == LINE_TOO_LONG ? LINE_ERROR : r;
	}
}

/* What a line holds that a line must not: bare CR, bare LF, NUL. */
static unsigned
line_flags(const char *s, size_t n)
{
	unsigned f = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			f |= LINE_BARE_LF;
		else if (s[i] == '\r')
			f |= LINE_BARE_CR;
		else if (s[i] == '\0')
			f |= LINE_NUL;
	}
	return f;
}

int
lineio_read_crlf(struct lineio *io, char *line, size_t max, size_t *len, unsigned *flags)
{
	size_t scanned = 0;	/* bytes after start known to hold no CR LF end */
	int too_long = 0;

	*flags = 0;
	for (;;) {
		char *p = io->in + io->start, *end = io->in + io->end, *q;
		int r;

		/* the first LF with a CR before it; an LF at `scanned` may pair
		 * with a CR just before it, so the search starts there */
		for (q = p + scanned; q < end && (q = memchr(q, '\n', (size_t)(end - q))) != NULL;
		    q++) {
			if (q > p && q[-1] == '\r')
				break;
		}
		if (q != NULL && q < end) {
			size_t n = (size_t)(q - 1 - p);

			if (!too_long) {
				if (n >= max)
					too_long = 1;
				else {
					memcpy(line, p, n);
					line[n] = '\0';
					*len = n;
					*flags = line_flags(line, n);
				}
			}
			io->start += n + 2;
			return too_long ? LINE_TOO_LONG : LINE_OK;
		}
		scanned = (size_t)(end - p);
		if (scanned == sizeof io->in) {
			/* longer than the buffer: skipped, but a final CR may
			 * be the first half of the CR LF that ends it */
			too_long = 1;
			if (end[-1] == '\r') {
				io->in[0] = '\r';
				io->start = 0;
				io->end = scanned = 1;
			} else {
				io->start = io->end = scanned = 0;
			}
		}
		/* fill() moves the unread bytes to the front: scanned still counts from start */
		if ((r = fill(io)) != LINE_OK)
			return r == LINE_TOO_LONG ? LINE_ERROR : r;
	}
}

size_t
lineio_pending(const struct lineio *io)
{
	return io->end - io->start;
}

int
lineio_write(struct lineio *io, const char *s, size_t n)
{
	long long until = clock_mono_ms() + io->write_timeout_ms;

	while (n > 0) {
		int r;

		if (io->ssl != NULL) {
			int k;

			ERR_clear_error();
			/* retried with the same arguments after WANT_*, as OpenSSL requires */
			k = SSL_write(io->ssl, s, n > INT_MAX ? INT_MAX : (int)n);
			if (k > 0) {
				s += k;
				n -= (size_t)k;
				continue;
			}
			r = tls_wait(io, k, until);
			if (r == LINE_EOF)
				r = LINE_ERROR;
		} else {
			ssize_t w = send(io->fd, s, n, MSG_DONTWAIT | MSG_NOSIGNAL);

			if (w > 0) {
				s += w;
				n -= (size_t)w;
				continue;
			}
			if (w < 0 && errno == EINTR)
				continue;
			if (w == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
				return LINE_ERROR;
			r = wait_io(io, POLLOUT, until);
		}
		if (r != LINE_OK)
			return r;
	}
	return 0;
}

int
lineio_printf(struct lineio *io, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line)
		return LINE_ERROR;
	return lineio_write(io, line, (size_t)n);
}

int
lineio_starttls(struct lineio *io, SSL_CTX *ctx)
{
	long long until = clock_mono_ms() + io->read_timeout_ms;
	int fl;

	io->start = io->end = 0;	/* plaintext sent after STARTTLS: never read */
	if ((fl = fcntl(io->fd, F_GETFL)) < 0 || fcntl(io->fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	if ((io->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(io->ssl, io->fd) != 1) {
		lineio_tls_free(io);
		return -1;
	}
	for (;;) {
		int k, r;

		ERR_clear_error();
		if ((k = SSL_accept(io->ssl)) == 1)
			return 0;
		if ((r = tls_wait(io, k, until)) != LINE_OK) {
			lineio_tls_free(io);
			return -1;
		}
	}
}

void
lineio_tls_info(const struct lineio *io, char *s, size_t n)
{
	if (io->ssl == NULL)
		snprintf(s, n, "%s", "");
	else
		snprintf(s, n, "%s %s", SSL_get_version(io->ssl), SSL_get_cipher_name(io->ssl));
}

void
lineio_tls_free(struct lineio *io)
{
	if (io->ssl == NULL)
		return;
	if (SSL_is_init_finished(io->ssl))
		(void)SSL_shutdown(io->ssl);	/* close_notify, no wait for the peer's */
	SSL_free(io->ssl);
	io->ssl = NULL;
	ERR_clear_error();
}
