/*
 * frame - the length-prefixed messages between the parent and a worker.
 *
 * Request:  "SKRQ" u32 id_len, id, i64 time, u64 len, item bytes
 * Response: "SKRS" u32 status, u64 out_len, out bytes, u64 receipt_len, receipt
 * Integers are little-endian.  Every length read is checked against the
 * reader's ceiling before anything is allocated (a worker's answer is
 * untrusted input, like OpenSMTPD's m_get/m_end), and a frame must be
 * consumed exactly.
 */
#ifndef SEKISHO_GATEWAY_FRAME_H
#define SEKISHO_GATEWAY_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/fdio.h"	/* write_all */

#define FRAME_ID_MAX 64

/* 0 on success, -1 on error or EOF before n bytes; deadline_ms < 0: none. */
int read_all(int fd, void *p, size_t n, long long deadline_ms);
long long now_ms(void);

int frame_write_request(int fd, const char *id, long long time,
    const void *item, size_t len);
/* Returns 0, or -1 on EOF/malformed.  id gets FRAME_ID_MAX bytes. */
int frame_read_request(int fd, char id[FRAME_ID_MAX], long long *time,
    struct buf *item);
int frame_write_response(int fd, int status, const struct buf *out,
    const struct buf *receipt);
/* Returns 0, -1 on EOF/error/malformed, -2 on deadline. */
int frame_read_response(int fd, int *status, struct buf *out,
    struct buf *receipt, long long deadline_ms);

#endif
