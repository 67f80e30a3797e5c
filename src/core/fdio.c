/*
 * fdio - whole-buffer reads and writes.  See fdio.h.
 */
#include "core/fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
read_full(int fd, void *p, size_t n)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = read(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int
read_file_buf(const char *path, struct buf *b)
{
	char chunk[8192];
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || buf_append(b, chunk, (size_t)n) != 0) {
			saved = n < 0 ? errno : EFBIG;
			close(fd);
			errno = saved;
			return -1;
		}
	}
	close(fd);
	return 0;
}

int
write_file_replace(const char *path, const void *p, size_t n, unsigned mode)
{
	size_t l = strlen(path);
	char *tmp = malloc(l + 5);
	int fd, r = -1, e;

	if (tmp == NULL)
		return -1;
	memcpy(tmp, path, l);
	memcpy(tmp + l, ".tmp", 5);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    (mode_t)mode)) >= 0) {
		if (write_all(fd, p, n) == 0 && fsync(fd) == 0)
			r = 0;
		if (close(fd) != 0)
			r = -1;
		if (r == 0 && rename(tmp, path) != 0)
			r = -1;
	}
	e = errno;
	if (r != 0)
		unlink(tmp);
	free(tmp);
	errno = e;
	return r;
}
