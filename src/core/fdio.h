/*
 * fdio - whole-buffer writes on a file descriptor.
 *
 * write_all() writes every byte, retrying short writes and EINTR; it returns
 * -1 with errno set on failure (a write of 0 bytes is reported as ENOSPC).
 * The one write loop of the code base.
 */
#ifndef SEKISHO_CORE_FDIO_H
#define SEKISHO_CORE_FDIO_H

#include <stddef.h>

int write_all(int fd, const void *p, size_t n);

#endif
