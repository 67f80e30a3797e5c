/*
 * lineio - line I/O with time limits.  See lineio.h.
 */
#include "gateway/lineio.h"

#include "core/fdio.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void
lineio_init(struct lineio *io, int fd, int timeout_ms)
{
	memset(io, 0, sizeof *io);
	io->fd = fd;
	io->timeout_ms = timeout_ms;
}

static int
fill(struct lineio *io)
{
	struct pollfd pfd = { .fd = io->fd, .events = POLLIN };
	ssize_t n;
	int pr;

	if (io->start > 0) {
		memmove(io->in, io->in + io->start, io->end - io->start);
		io->end -= io->start;
		io->start = 0;
	}
	if (io->end == sizeof io->in)
		return LINE_TOO_LONG;
	do
		pr = poll(&pfd, 1, io->timeout_ms);
	while (pr < 0 && errno == EINTR);
	if (pr == 0)
		return LINE_TIMEOUT;
	if (pr < 0)
		return LINE_ERROR;
	do
		n = read(io->fd, io->in + io->end, sizeof io->in - io->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return LINE_ERROR;
	if (n == 0) {
		io->eof = 1;
		return LINE_EOF;
	}
	io->end += (size_t)n;
	return LINE_OK;
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

int
lineio_write(struct lineio *io, const char *s, size_t n)
{
	return write_all(io->fd, s, n);
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
		return -1;
	return lineio_write(io, line, (size_t)n);
}
