/*
 * outcome - what happens after a message was decided: its original goes into
 * the encrypted quarantine and its receipt into the audit journal, both
 * durably, before the message may leave the spool (or the MTA's queue).
 *
 * In sekishod only the store owner (storeowner.h) opens handles: it holds
 * the keys, and the agents and the milter send it their items.  The store
 * is safe for several processes (SQLite WAL, or PostgreSQL: several nodes)
 * and the journal serialises appends with flock().  The receipt comes from
 * a sandboxed worker and is read here as untrusted input, by receipt_read().
 * The store owner's connection threads record through an outcome_queue,
 * which commits the items of several threads together (group commit).
 */
#ifndef SEKISHO_DAEMON_OUTCOME_H
#define SEKISHO_DAEMON_OUTCOME_H

#include <pthread.h>
#include <stddef.h>

#include "core/buf.h"
#include "policy/config.h"
#include "store/store.h"

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
 * and the audit key (with its public half, <audit_key>.pub) when they do
 * not exist yet (first start of a new installation), and check that the
 * journal still ends where its last signed checkpoint says (else -1: the
 * daemon must not start appending to it). */
int outcome_prepare(const struct config *cfg, struct buf *err);
/* Its two halves, for a daemon that runs them as different users: the
 * keys (as root: the files are root's), and the journal's check (as the
 * user that writes the journal; the audit key may come by
 * outcome_use_key_fds). */
int outcome_make_keys(const struct config *cfg, struct buf *err);
int outcome_check_journal(const struct config *cfg, struct buf *err);
/* The store settings of a configuration (with_key: the key file too). */
void outcome_store_config(const struct config *cfg, int with_key, int create,
    struct store_config *sc);
/* The store owner: read the quarantine key and the audit signing key from
 * these open descriptors (their files may be readable by root only), not
 * from quarantine_key and audit_key; -1: from the file. */
void outcome_use_key_fds(int quarantine_fd, int audit_fd);
int outcome_open(struct outcome **o, const struct config *cfg, struct buf *err);
/* The handle's store (the console monitor's queries and releases). */
struct store *outcome_store(struct outcome *o);
/* One record of the caller's (a console event: web/monitor.c) appended to
 * the journal and synced, then a checkpoint signed if one is due.  0 or -1. */
int outcome_journal_record(struct outcome *o, const char *rec, size_t len, long long t,
    struct buf *err);
int outcome_record(struct outcome *o, const struct outcome_item *it, struct buf *err);
/*
 * Group commit: n items (at most OUTCOME_BATCH_MAX) recorded with one fsync
 * round for their originals, one store transaction and one journal sync;
 * status[i] gets 0 (durable: the message may be acknowledged) or -1 (with
 * the reason appended to errs[i]: the message must be refused for now).  A
 * failure fails the items it touches only.  Returns 0 when all succeeded.
 */
#define OUTCOME_BATCH_MAX 32
int outcome_record_batch(struct outcome *o, const struct outcome_item *const *items,
    size_t n, int *status, struct buf *const *errs);
/* Sign a checkpoint of the journal if one is due by time (audit/signer.h):
 * a process that records one item at a time calls it while idle, so that
 * the last records get a checkpoint within audit_checkpoint_seconds even
 * when no more come (the queue does this itself).  close signs whatever is
 * not covered yet. */
void outcome_tick(struct outcome *o);
void outcome_close(struct outcome *o);

/*
 * The queue: any number of threads hand it their items
 * (outcome_queue_record blocks until its item is durable or failed), and
 * at most OUTCOME_RECORDERS batches are recorded at once, each on an
 * outcome handle of its own.  A caller that finds a handle free leads: it
 * takes everything pending, its own item among it (the oldest first, up to
 * OUTCOME_BATCH_MAX), records it as one batch in its own thread and wakes
 * the others of the batch; a caller that finds none free waits to be woken,
 * done or to lead.  At low load an item is recorded at once by its own
 * thread, with no hand-over to another thread (each hand-over is a wake-up
 * that waits for a CPU on a busy machine); two leaders overlap their syncs;
 * under load the batches grow while both handles are busy, so the syncs per
 * message fall.  SQLite's log is folded by a checkpoint thread on a handle
 * whose log is due (store_checkpoint_due), which no leader uses meanwhile,
 * so no caller waits for it.  At most OUTCOME_QUEUE_MAX items wait; more
 * callers wait to enter.  guard, if not NULL, is held shared while a batch
 * is recorded (the milter's fork lock).  close: only once no caller is
 * inside record (none can be queued then); it folds a log that is due.
 */
#define OUTCOME_QUEUE_MAX 256
#define OUTCOME_RECORDERS 2
struct outcome_queue;
int outcome_queue_open(struct outcome_queue **q, const struct config *cfg,
    pthread_rwlock_t *guard, struct buf *err);
int outcome_queue_record(struct outcome_queue *q, const struct outcome_item *it,
    struct buf *err);
/* Batches and items recorded so far (for tests and metrics). */
void outcome_queue_stats(struct outcome_queue *q, unsigned long long *batches,
    unsigned long long *items);
void outcome_queue_close(struct outcome_queue *q);

#endif
