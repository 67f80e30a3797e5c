/*
 * inputs - input expansion, file helpers and the spawner's start for the
 * CLI.  See cli.h.
 */
#include "cli/cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/xalloc.h"
#include "gateway/worker.h"

static int
push(struct inputs *in, const char *path)
{
	if (in->n >= INPUTS_MAX) {
		fprintf(stderr, _("sekisho: more than %d inputs\n"), INPUTS_MAX);
		return -1;
	}
	if (in->n == in->cap) {
		in->cap = in->cap ? in->cap * 2 : 64;
		in->paths = xrealloc(in->paths, in->cap * sizeof *in->paths);
	}
	in->paths[in->n++] = xstrdup(path);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files directly inside dir, sorted, appended to in. */
static int
add_dir_files(struct inputs *in, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t first = in->n;

	if (d == NULL) {
		fprintf(stderr, "sekisho: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		struct buf p;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		buf_init(&p, 8192);
		if (buf_printf(&p, "%s/%s", dir, e->d_name) != 0 ||
		    stat(buf_str(&p), &st) != 0 || !S_ISREG(st.st_mode)) {
			buf_free(&p);
			continue;
		}
		if (push(in, buf_str(&p)) != 0) {
			buf_free(&p);
			closedir(d);
			return -1;
		}
		buf_free(&p);
	}
	closedir(d);
	qsort(in->paths + first, in->n - first, sizeof *in->paths, cmp_str);
	return 0;
}

int
inputs_add(struct inputs *in, const char *path)
{
	struct stat st;

	if (strcmp(path, "-") == 0)
		return push(in, path);
	if (stat(path, &st) != 0) {
		fprintf(stderr, "sekisho: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		struct buf cur, new;
		struct stat cs, ns;
		int r = 0;

		buf_init(&cur, 8192);
		buf_init(&new, 8192);
		buf_printf(&cur, "%s/cur", path);
		buf_printf(&new, "%s/new", path);
		if (stat(buf_str(&cur), &cs) == 0 && S_ISDIR(cs.st_mode) &&
		    stat(buf_str(&new), &ns) == 0 && S_ISDIR(ns.st_mode)) {
			r = add_dir_files(in, buf_str(&cur));
			if (r == 0)
				r = add_dir_files(in, buf_str(&new));
		} else
			r = add_dir_files(in, path);
		buf_free(&cur);
		buf_free(&new);
		return r;
	}
	return push(in, path);
}

void
inputs_free(struct inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->paths[i]);
	free(in->paths);
	memset(in, 0, sizeof *in);
}

int
write_file_at(int dirfd, const char *name, const void *p, size_t n)
{
	static long pid;
	struct buf tmp;
	int fd, r = -1;

	if (pid == 0)
		pid = (long)getpid();
	buf_init(&tmp, 8192);
	if (buf_printf(&tmp, "%s.tmp%ld", name, pid) != 0) {
		errno = ENAMETOOLONG;
		buf_free(&tmp);
		return -1;
	}
	fd = openat(dirfd, buf_str(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd >= 0) {
		r = write_all(fd, p, n);
		if (close(fd) != 0)
			r = -1;
		if (r == 0 && renameat(dirfd, buf_str(&tmp), dirfd, name) != 0)
			r = -1;
		if (r != 0)
			unlinkat(dirfd, buf_str(&tmp), 0);
	}
	buf_free(&tmp);
	return r;
}

int
write_file_atomic(const char *path, const void *p, size_t n)
{
	struct stat st;

	/* -o naming a device, a FIFO or a socket (/dev/null, /dev/stdout) is
	 * written to, never replaced by a regular file; --out-dir names files
	 * sekisho makes, so only -o is looked at */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY), r;

		if (fd < 0)
			return -1;
		r = write_all(fd, p, n);
		if (close(fd) != 0)
			r = -1;
		return r;
	}
	return write_file_at(AT_FDCWD, path, p, n);
}

int
read_input(const char *path, size_t max, struct buf *b, int *over, size_t *total)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	char chunk[65536];
	ssize_t n;
	struct stat st;

	*over = 0;
	*total = 0;
	if (fd < 0)
		return -1;
	if (fd != 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > max) {
		*over = 1;
		*total = (size_t)st.st_size;
		close(fd);
		return 0;
	}
	/* a regular file is read in one call into a buffer of its size */
	if (fd != 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    buf_reserve(b, (size_t)st.st_size) == 0) {
		n = read(fd, b->data + b->len, (size_t)st.st_size);
		if (n > 0) {
			b->len += (size_t)n;
			b->data[b->len] = '\0';
			*total += (size_t)n;
		}
		if (n == st.st_size) {
			close(fd);
			return 0;	/* a file that grew meanwhile is read on below */
		}
	}
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (fd != 0)
				close(fd);
			return -1;
		}
		*total += (size_t)n;
		if (!*over && buf_append(b, chunk, (size_t)n) != 0) {
			*over = 1;	/* keep counting, stop keeping */
			buf_reset(b);
		}
	}
	if (fd != 0)
		close(fd);
	return 0;
}

int
cli_start_spawner(const struct config *c)
{
	struct buf err;
	int r;

	buf_init(&err, 512);
	if ((r = worker_launch_spawner(c, &err)) != 0)
		fprintf(stderr, "sekisho: %s%s\n", r == -2 ? _("configuration error: ") : "",
		    buf_str(&err));
	buf_free(&err);
	return r == 0 ? 0 : r == -2 ? EXIT_USAGE : EXIT_INTERNAL;
}
