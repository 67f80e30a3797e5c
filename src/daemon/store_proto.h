/*
 * store_proto - the messages between the store owner (sk-store, the only
 * process that holds the quarantine key and the audit signing key) and the
 * processes that decide items (delivery agents, the milter).
 *
 * Record:  "SKSQ" u32 op (STORE_OP_RECORD), u32 id_len, id, i64 received,
 *          u32 sender_len, sender, u64 recipients_len, recipients,
 *          u64 receipt_len, receipt, u64 original_len, original
 * Answer:  "SKSA" u32 status (0 durable: the item may be acknowledged;
 *          1 failed), u32 reason_len, reason
 * Integers little-endian (wire.h).  The owner reads a request as untrusted
 * input: every length is checked against its ceiling before anything is
 * read, strings hold no NUL, the request is consumed exactly; the receipt
 * is then read by receipt_read() like any other.  The client reads an
 * answer the same way.
 */
#ifndef SEKISHO_DAEMON_STORE_PROTO_H
#define SEKISHO_DAEMON_STORE_PROTO_H

#include <stddef.h>

#include "core/buf.h"
#include "daemon/outcome.h"

#define STORE_OP_RECORD 1
#define STORE_PROTO_REASON_MAX 1024
#define STORE_PROTO_SOCKET "private/store"	/* under spool_dir */

/* A request as the owner read it; the buffers bound each field. */
struct store_request {
	char id[64];
	long long received;
	char sender[512];
	struct buf recipients, receipt, original;
};

/* Ceilings: original_max for the original (worker_input_max). */
void store_request_init(struct store_request *rq, size_t original_max);
void store_request_free(struct store_request *rq);

int store_proto_write_record(int fd, const struct outcome_item *it);
/* 0, -1 malformed or EOF (the connection is then closed). */
int store_proto_read_record(int fd, struct store_request *rq);
int store_proto_write_answer(int fd, int status, const char *reason);
/* 0 with status and reason, -1 when the answer is malformed or missing, -2
 * past deadline_ms (clock_mono_ms). */
int store_proto_read_answer(int fd, int *status, struct buf *reason, long long deadline_ms);

#endif
