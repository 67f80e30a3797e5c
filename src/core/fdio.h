/*
 * fdio - whole-buffer writes and reads on a file descriptor.
 *
 * write_all() writes every byte, retrying short writes and EINTR; it returns
 * -1 with errno set on failure (a write of 0 bytes is reported as ENOSPC).
 * read_full() reads exactly n bytes, retrying short reads and EINTR; -1 on
 * an error or on EOF first.  The one write loop and the one whole-read loop
 * of the code base (a read with a deadline: gateway/wire.h).
 */
#ifndef SEKISHO_CORE_FDIO_H
#define SEKISHO_CORE_FDIO_H

#include <stddef.h>

#include "core/buf.h"

int write_all(int fd, const void *p, size_t n);
int read_full(int fd, void *p, size_t n);
/* Append the whole file at path to b: 0, or -1 with errno set (EFBIG when
 * it would pass b's ceiling: b then holds what fitted). */
int read_file_buf(const char *path, struct buf *b);
/* Replace path with p[0..n) whole: written to <path>.tmp (mode), synced,
 * renamed over path; 0, or -1 with errno set (the temporary file removed). */
int write_file_replace(const char *path, const void *p, size_t n, unsigned mode);

#endif
