/*
 * outcome - what happens after a message was decided: its original goes into
 * the encrypted quarantine and its receipt into the audit journal, both
 * durably, before the message may leave the spool (or the MTA's queue).
 *
 * Every gateway process that decides messages (delivery agents, the milter)
 * opens its own handle; the store is safe for several processes (SQLite WAL,
 * or PostgreSQL) and the journal serialises appends with flock().  The
 * receipt comes from a sandboxed worker and is read here as untrusted input:
 * only bounded string fields are taken from it.
 */
#ifndef SEKISHO_DAEMON_OUTCOME_H
#define SEKISHO_DAEMON_OUTCOME_H

#include <stddef.h>

#include "core/buf.h"
#include "policy/policy.h"

struct outcome;

struct outcome_item {
	const char *receipt_id;
	long long received;	/* seconds */
	const char *sender;
	const char *recipients;	/* comma-separated */
	const char *receipt_json;
	size_t receipt_len;
	const void *original;
	size_t original_len;
};

/* Once, in the master before any agent starts: create the quarantine key
 * when it does not exist yet (first start of a new installation). */
int outcome_prepare(const struct policy *pol, struct buf *err);
int outcome_open(struct outcome **o, const struct policy *pol, struct buf *err);
int outcome_record(struct outcome *o, const struct outcome_item *it, struct buf *err);
void outcome_close(struct outcome *o);

/* A top-level string field of a receipt ("verdict", "reason", "subject"),
 * unescaped into out; 0 if found.  Bounded, for untrusted JSON. */
int receipt_field(const char *json, size_t len, const char *key, struct buf *out);

#endif
