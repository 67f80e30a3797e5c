/*
 * wire - the byte-level pieces of sekisho's process-to-process messages.
 * See wire.h.
 */
#include "gateway/wire.h"
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fdio.h"

/* Write every iovec fully, in as few system calls as the kernel allows. */
int
wire_writev_all(int fd, struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		ssize_t w = writev(fd, iov, cnt);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		while (cnt > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

int
wire_read_all(int fd, void *p, size_t n, long long deadline_ms)
{
	char *c = p;

	if (deadline_ms < 0)
		return read_full(fd, p, n);
	while (n > 0) {
		/* try first; wait only when nothing is there yet */
		ssize_t r = recv(fd, c, n, MSG_DONTWAIT);

		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			long long left = deadline_ms - clock_mono_ms();
			int pr;

			if (left <= 0)
				return -2;
			pr = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
			if (pr < 0 && errno != EINTR)
				return -1;
			if (pr == 0)
				return -2;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

void
wire_put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void
wire_put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

uint32_t
wire_get_u32(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t
wire_get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* Read a u64 length and that many bytes into b (within b's ceiling). */
int
wire_read_blob(int fd, struct buf *b, long long deadline)
{
	unsigned char l[8];
	uint64_t len;
	char chunk[65536];
	int r;

	if ((r = wire_read_all(fd, l, 8, deadline)) != 0)
		return r;
	len = wire_get_u64(l);
	if (len > b->max)
		return -1;
	while (len > 0) {
		size_t n = len > sizeof chunk ? sizeof chunk : (size_t)len;

		if ((r = wire_read_all(fd, chunk, n, deadline)) != 0)
			return r;
		if (buf_append(b, chunk, n) != 0)
			return -1;
		len -= n;
	}
	return 0;
}

int
wire_unix_listen(const char *path, struct buf *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof sa.sun_path) {
		buf_printf(err, "%s: path too long for a socket (spool_dir is too deep)", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		buf_printf(err, "socket: %s", strerror(errno));
		return -1;
	}
	unlink(path);	/* left by a predecessor that was killed */
	old = umask(077);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	return fd;
}
