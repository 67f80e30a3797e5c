/*
 * store_client - how a delivery agent or the milter has an outcome recorded
 * by the store owner (sk-store): the original quarantined, the receipt
 * journalled, durably, before the message may be acknowledged.
 *
 * A small pool of connections to the owner's Unix socket
 * (<spool_dir>/private/store), made when first needed and made again after
 * a failure (the owner may have been restarted); a caller checks one out,
 * sends its item, waits for the answer within STORE_CLIENT_WAIT_S and
 * checks it back in.  Any failure is returned as a failure of that item:
 * the caller keeps the message (spool) or refuses it for now (451).  This
 * process never holds a key: only the owner does.
 */
#ifndef SEKISHO_DAEMON_STORE_CLIENT_H
#define SEKISHO_DAEMON_STORE_CLIENT_H

#include <stddef.h>

#include "core/buf.h"
#include "daemon/outcome.h"

#define STORE_CLIENT_CONNS_MAX 64
#define STORE_CLIENT_WAIT_S 120	/* an answer later than this is a failure */

struct store_client;

/* path: the owner's socket.  conns: at most this many connections at once. */
struct store_client *store_client_new(const char *path, size_t conns);
int store_client_record(struct store_client *c, const struct outcome_item *it,
    struct buf *err);
void store_client_free(struct store_client *c);

#endif
