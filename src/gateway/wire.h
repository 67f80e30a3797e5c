/*
 * wire - the byte-level pieces of sekisho's process-to-process messages
 * (worker frames, frame.h; the store owner's requests, store_proto.h):
 * little-endian integers, whole reads and writes with an optional deadline,
 * and a length-prefixed blob read within the receiving buffer's ceiling
 * (the length is checked before anything is read or allocated), and the
 * Unix sockets the store owner and the console monitor listen on.
 */
#ifndef SEKISHO_GATEWAY_WIRE_H
#define SEKISHO_GATEWAY_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "core/buf.h"

void wire_put_u32(unsigned char *p, uint32_t v);
void wire_put_u64(unsigned char *p, uint64_t v);
uint32_t wire_get_u32(const unsigned char *p);
uint64_t wire_get_u64(const unsigned char *p);
/* Every iovec written (the array is consumed); 0 or -1. */
int wire_writev_all(int fd, struct iovec *iov, int cnt);
/* 0 on success, -1 on error or EOF before n bytes, -2 past deadline_ms
 * (clock_mono_ms; < 0: none). */
int wire_read_all(int fd, void *p, size_t n, long long deadline_ms);
/* A u64 length, then that many bytes appended to b: -1 when the length is
 * past b's ceiling (nothing read), else as wire_read_all. */
int wire_read_blob(int fd, struct buf *b, long long deadline_ms);

/* A Unix socket bound at path (one left by a predecessor removed), mode
 * 0600 by the umask, listening: the descriptor, or -1 with the reason. */
int wire_unix_listen(const char *path, struct buf *err);

#endif
