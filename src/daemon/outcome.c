/*
 * outcome - quarantine and journal, in that order, one batch at a time: the
 * originals and rows of a batch through store_put_many, then its receipts
 * appended and the journal synced once; the queue's callers take turns
 * leading a batch (see outcome.h).  The journal's signed checkpoints are
 * the audit signer's (audit/signer.h): opened with the journal, asked after
 * each synced batch and while idle, closed (signing what is left) with it.
 */
#include "daemon/outcome.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit/journal.h"
#include "audit/signer.h"
#include "core/xalloc.h"
#include "receipt/receipt_read.h"
#include "store/store.h"

#define TICK_MS 1000		/* the queue looks for checkpoints due by time this often */
#define PUBLIC_SUFFIX ".pub"	/* the audit key's public half: <audit_key>.pub */
#define PASSED_NOT_KEPT 3	/* put_valid's status of an outbound item that passed */

_Static_assert(OUTCOME_BATCH_MAX <= STORE_PUT_MANY_MAX, "a batch is one store_put_many");

struct outcome {
	struct store *store;
	struct journal *journal;
	struct audit_signer *signer;
	const char *journal_path;	/* the policy's, for messages */
	int defer_sign;			/* the queue signs off the batch's path */
	int sign_failing;		/* logged once until it works again */
	long long rotate_bytes;		/* journal_rotate_size (0: never) */
};

static int quarantine_key_fd = -1, audit_key_fd = -1;

void
outcome_use_key_fds(int quarantine_fd, int audit_fd)
{
	quarantine_key_fd = quarantine_fd;
	audit_key_fd = audit_fd;
}

void
outcome_store_config(const struct config *cfg, int with_key, int create,
    struct store_config *sc)
{
	memset(sc, 0, sizeof *sc);
	sc->blob_dir = cfg->quarantine_dir;
	sc->sqlite_path = cfg->quarantine_db;
	sc->backend = cfg->quarantine_backend == QUARANTINE_POSTGRESQL ?
	    STORE_BACKEND_POSTGRESQL : STORE_BACKEND_SQLITE;
	sc->pg_conninfo = cfg->quarantine_pg;
	sc->key_path = with_key ? cfg->quarantine_key : NULL;
	sc->retention_days = (unsigned)cfg->quarantine_retention_days;
	sc->inline_max = cfg->quarantine_inline_limit;
	sc->create = create;
}

/* The audit signer of a journal handle, as the policy says. */
static int
signer_open(struct audit_signer **s, struct journal *j, const struct config *cfg,
    struct buf *err)
{
	struct audit_signer_config c = {
		.secret_key = cfg->audit_key,
		.secret_key_fd = audit_key_fd > 0 ? audit_key_fd : 0,
		.every_records = cfg->audit_checkpoint_records,
		.every_seconds = (long long)cfg->audit_checkpoint_seconds,
	};

	if (audit_signer_open(s, j, &c, err) == 0)
		return 0;
	buf_printf(err, " (audit checkpoints of the journal %s, signed with %s)", cfg->journal,
	    cfg->audit_key);
	return -1;
}

int
outcome_make_keys(const struct config *cfg, struct buf *err)
{
	struct stat st;

	if (stat(cfg->quarantine_key, &st) != 0 && errno == ENOENT) {
		if (store_key_generate(cfg->quarantine_key, err) != 0) {
			buf_printf(err, " (creating quarantine_key on the first start: its folder "
			    "must exist, root's, mode 0700)");
			return -1;
		}
		syslog(LOG_NOTICE, "created quarantine key %s (keep a copy offline: without it "
		    "the originals cannot be read)", cfg->quarantine_key);
	}
	if (stat(cfg->audit_key, &st) != 0 && errno == ENOENT) {
		struct buf pub;
		int r;

		buf_init(&pub, sizeof cfg->audit_key + sizeof PUBLIC_SUFFIX);
		buf_printf(&pub, "%s" PUBLIC_SUFFIX, cfg->audit_key);
		r = audit_key_generate(cfg->audit_key, buf_str(&pub), err);
		if (r == 0)
			syslog(LOG_NOTICE, "created audit key %s and its public half %s (give the "
			    "public key to the auditors: 'sekisho audit verify' checks the "
			    "journal's checkpoints with it)", cfg->audit_key, buf_str(&pub));
		buf_free(&pub);
		if (r != 0) {
			buf_printf(err, " (creating audit_key on the first start: its folder must "
			    "exist, root's, mode 0700)");
			return -1;
		}
	}
	return 0;
}

int
outcome_check_journal(const struct config *cfg, struct buf *err)
{
	struct audit_signer *s;
	struct journal *j;

	/* the journal must still end where its last checkpoint says (else the
	 * store owner could not open it: refuse to start, saying why); and
	 * what a crash of the last run left uncovered is signed now */
	if (journal_open(&j, cfg->journal, err) != 0)
		return -1;
	if (signer_open(&s, j, cfg, err) != 0) {
		journal_close(j);
		return -1;
	}
	if (audit_signer_close(s, err) != 0) {
		journal_close(j);
		return -1;
	}
	journal_close(j);
	return 0;
}

int
outcome_prepare(const struct config *cfg, struct buf *err)
{
	return outcome_make_keys(cfg, err) != 0 ? -1 : outcome_check_journal(cfg, err);
}

/* Log a failed checkpoint once, and when they work again. */
static void
sign_noted(struct outcome *o, int r, const struct buf *err)
{
	if (r < 0 && !o->sign_failing) {
		syslog(LOG_ERR, "audit checkpoint of %s: %s (tried again every %d s; the "
		    "records are journalled, not yet covered by a signed checkpoint)",
		    o->journal_path, buf_str(err), AUDIT_SIGNER_RETRY_S);
		o->sign_failing = 1;
	} else if (r > 0 && o->sign_failing) {
		syslog(LOG_NOTICE, "audit checkpoints of %s are written again", o->journal_path);
		o->sign_failing = 0;
	}
}

/* Whether a checkpoint may be due (cheap: no lock). */
static int
sign_wanted(struct outcome *o)
{
	return o->signer != NULL && audit_signer_due(o->signer, (long long)time(NULL));
}

/* Rotate the journal once it has grown to journal_rotate_size (every
 * handle follows; a failure is logged and tried at the next record). */
static void
rotate_if_due(struct outcome *o)
{
	struct buf err, archived;

	if (o->rotate_bytes <= 0 || journal_bytes(o->journal) < o->rotate_bytes)
		return;
	buf_init(&err, 1024);
	buf_init(&archived, 1024);
	if (journal_rotate_if(o->journal, o->rotate_bytes, (long long)time(NULL), &archived,
	    &err) != 0)
		syslog(LOG_ERR, "the journal %s was not rotated: %s", o->journal_path,
		    buf_str(&err));
	else if (archived.len > 0)
		syslog(LOG_NOTICE, "the journal was rotated: its records up to seq %llu are in %s",
		    (unsigned long long)journal_seq(o->journal) - 1, buf_str(&archived));
	buf_free(&err);
	buf_free(&archived);
}

/* Sign a checkpoint if one is due; rotate the journal if it is due. */
static void
sign_if_due(struct outcome *o)
{
	struct buf err;
	int r;

	if (sign_wanted(o)) {
		buf_init(&err, 1024);
		r = audit_signer_poll(o->signer, (long long)time(NULL), &err);
		sign_noted(o, r, &err);
		buf_free(&err);
	}
	rotate_if_due(o);
}

struct store *
outcome_store(struct outcome *o)
{
	return o->store;
}

int
outcome_journal_record(struct outcome *o, const char *rec, size_t len, long long t,
    struct buf *err)
{
	if (journal_append(o->journal, rec, len, t, err) != 0 ||
	    journal_sync(o->journal, err) != 0)
		return -1;
	sign_if_due(o);
	return 0;
}

void
outcome_tick(struct outcome *o)
{
	sign_if_due(o);
}

int
outcome_open(struct outcome **op, const struct config *cfg, struct buf *err)
{
	struct outcome *o = xcalloc(1, sizeof *o);
	struct store_config sc;

	outcome_store_config(cfg, 1, 1, &sc);
	if (quarantine_key_fd >= 0) {
		sc.key_from_fd = 1;
		sc.key_fd = quarantine_key_fd;
	}
	if (store_open(&o->store, &sc, err) != 0) {
		free(o);
		return -1;
	}
	if (journal_open(&o->journal, cfg->journal, err) != 0) {
		store_close(o->store);
		free(o);
		return -1;
	}
	journal_set_sync(o->journal, 0);	/* one fdatasync per batch */
	o->journal_path = cfg->journal;
	o->rotate_bytes = (long long)cfg->journal_rotate_size;
	if (signer_open(&o->signer, o->journal, cfg, err) != 0) {
		journal_close(o->journal);
		store_close(o->store);
		free(o);
		return -1;
	}
	*op = o;
	return 0;
}

/* store_put_many over the items whose receipt was read (status still 0). */
static void
put_valid(struct store *s, struct store_put *sp, size_t n)
{
	struct store_put *v = xcalloc(n, sizeof *v);
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (sp[i].status == 0)
			v[k++] = sp[i];
	}
	if (k > 0)
		store_put_many(s, v, k);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		if (sp[i].status == 0)
			sp[i].status = v[k++].status;
	}
	free(v);
}

int
outcome_record_batch(struct outcome *o, const struct outcome_item *const *items, size_t n,
    int *status, struct buf *const *errs)
{
	struct store_item *si;
	struct store_put *sp;
	struct receipt_view *rv;	/* what each receipt says */
	size_t i, appended = 0;
	int r = 0;

	if (n > OUTCOME_BATCH_MAX)
		die("outcome_record_batch: more than OUTCOME_BATCH_MAX items");
	if (n == 0)
		return 0;
	si = xcalloc(n, sizeof *si);
	sp = xcalloc(n, sizeof *sp);
	rv = xcalloc(n, sizeof *rv);
	for (i = 0; i < n; i++) {
		const struct outcome_item *it = items[i];

		sp[i].it = &si[i];
		sp[i].orig = it->original;
		sp[i].len = it->original_len;
		sp[i].err = errs[i];
		/* the receipt came from a worker (or a process that read one):
		 * it must be a receipt, about this item */
		if (receipt_read(it->receipt_json, it->receipt_len, &rv[i], errs[i]) != 0 ||
		    strcmp(rv[i].id, it->receipt_id) != 0) {
			if (errs[i]->len == 0)
				buf_puts(errs[i], "the receipt is about another item");
			sp[i].status = -1;
			continue;
		}
		/* an outbound message that left as it came: its record is the
		 * journal's, its original the sender's (nothing is kept) */
		if (rv[i].verdict == VERDICT_PASSED) {
			sp[i].status = PASSED_NOT_KEPT;
			continue;
		}
		si[i].receipt_id = it->receipt_id;
		si[i].received_at = it->received;
		si[i].verdict = rv[i].verdict == VERDICT_SANITIZED ? "sanitized" : "withheld";
		si[i].reason = rv[i].reason[0] != '\0' ? rv[i].reason : NULL;
		si[i].sender = it->sender;
		si[i].recipients = it->recipients;
		/* a file (a transfer folder's) is listed and searched by its name */
		si[i].subject = rv[i].subject != NULL ? rv[i].subject :
		    rv[i].is_file && rv[i].filename != NULL ? rv[i].filename : "";
		si[i].receipt_json = it->receipt_json;
		/* a message leaving is its sender's to see, ask about and recall */
		si[i].owner_is_sender = rv[i].is_outbound;
	}
	/* quarantine first: a journal record always has its original stored,
	 * but for an outbound message that passed */
	put_valid(o->store, sp, n);
	for (i = 0; i < n; i++) {
		/* STORE_EXISTS: recorded before a crash, the same item again */
		status[i] = sp[i].status == STORE_EXISTS || sp[i].status == PASSED_NOT_KEPT ? 0 :
		    sp[i].status;
		if (status[i] != 0)
			continue;
		if (journal_append(o->journal, items[i]->receipt_json, items[i]->receipt_len,
		    items[i]->received, errs[i]) != 0)
			status[i] = -1;
		else
			appended++;
	}
	if (appended > 0) {
		struct buf serr;

		buf_init(&serr, 1024);
		if (journal_sync(o->journal, &serr) != 0) {
			for (i = 0; i < n; i++) {
				if (status[i] == 0) {
					buf_printf(errs[i], "journal: %s", buf_str(&serr));
					status[i] = -1;
				}
			}
		} else if (!o->defer_sign)
			sign_if_due(o);	/* the records are durable: a checkpoint may cover them */
		buf_free(&serr);
	}
	for (i = 0; i < n; i++) {
		if (status[i] != 0)
			r = -1;
		receipt_view_free(&rv[i]);
	}
	free(rv);
	free(sp);
	free(si);
	return r;
}

int
outcome_record(struct outcome *o, const struct outcome_item *it, struct buf *err)
{
	int status;

	outcome_record_batch(o, &it, 1, &status, &err);
	return status;
}

void
outcome_close(struct outcome *o)
{
	struct buf err;

	if (o == NULL)
		return;
	buf_init(&err, 1024);
	if (audit_signer_close(o->signer, &err) != 0)
		syslog(LOG_ERR, "audit checkpoint of %s on close: %s (the records after the last "
		    "checkpoint stay uncovered until the next start)", o->journal_path, buf_str(&err));
	buf_free(&err);
	journal_close(o->journal);
	store_close(o->store);
	free(o);
}

/* ---- the queue (group commit, leader and followers) ---------------------- */

/* A caller's item, on the caller's stack while it waits. */
struct waiter {
	const struct outcome_item *it;
	struct buf *err;
	int status, done;
	pthread_cond_t cv;
	struct waiter *next;
};

struct outcome_queue {
	struct outcome *o[OUTCOME_RECORDERS];
	int busy[OUTCOME_RECORDERS];	/* a leader or the checkpointer has it */
	int due[OUTCOME_RECORDERS];	/* its log is to be folded */
	pthread_rwlock_t *guard;
	pthread_mutex_t mu;		/* everything below and above */
	pthread_cond_t room_cv;		/* the queue has room again */
	pthread_cond_t ckpt_cv;		/* a log is due, or stop */
	pthread_t checkpointer;
	int ckpt_started, stopping;
	struct waiter *head, **tail;
	size_t queued;
	unsigned long long batches, items;
};

static int
free_handle(const struct outcome_queue *q)
{
	for (int h = 0; h < OUTCOME_RECORDERS; h++) {
		if (!q->busy[h])
			return h;
	}
	return -1;
}

/* A handle was freed: the oldest waiter, if any, may lead now. */
static void
wake_next_leader(struct outcome_queue *q)
{
	if (q->head != NULL)
		pthread_cond_signal(&q->head->cv);
}

/*
 * With q->mu held and handle h free: take what is pending (the oldest
 * first, at most OUTCOME_BATCH_MAX) and record it on h, as this caller's
 * thread, then wake the batch.  Returns with q->mu held again.
 */
static void
lead(struct outcome_queue *q, int h)
{
	struct waiter *batch[OUTCOME_BATCH_MAX];
	const struct outcome_item *items[OUTCOME_BATCH_MAX];
	struct buf *errs[OUTCOME_BATCH_MAX];
	int status[OUTCOME_BATCH_MAX];
	size_t n;

	q->busy[h] = 1;
	for (n = 0; n < OUTCOME_BATCH_MAX && q->head != NULL; n++) {
		batch[n] = q->head;
		q->head = q->head->next;
		items[n] = batch[n]->it;
		errs[n] = batch[n]->err;
	}
	if (q->head == NULL)
		q->tail = &q->head;
	q->queued -= n;
	pthread_cond_broadcast(&q->room_cv);
	if (free_handle(q) >= 0)
		wake_next_leader(q);	/* more than one batch is waiting */
	pthread_mutex_unlock(&q->mu);

	if (q->guard != NULL)
		pthread_rwlock_rdlock(q->guard);
	outcome_record_batch(q->o[h], items, n, status, errs);
	if (q->guard != NULL)
		pthread_rwlock_unlock(q->guard);

	pthread_mutex_lock(&q->mu);
	q->batches++;
	q->items += n;
	for (size_t i = 0; i < n; i++) {
		batch[i]->status = status[i];
		batch[i]->done = 1;
		pthread_cond_signal(&batch[i]->cv);
	}
	/* the log is folded, and the journal signed, by the checkpointer, so
	 * that nobody waits for either */
	if (store_checkpoint_due(q->o[h]->store) || sign_wanted(q->o[h])) {
		q->due[h] = 1;
		pthread_cond_signal(&q->ckpt_cv);
	} else
		q->busy[h] = 0;
	wake_next_leader(q);
}

/* On a handle no leader uses: fold SQLite's log and sign the journal, if due.
 * Signing hashes with OpenSSL, so it holds the guard as a batch does. */
static void
checkpoint(struct outcome_queue *q, struct outcome *o)
{
	struct buf err;

	buf_init(&err, 1024);
	if (store_checkpoint(o->store, &err) != 0)
		syslog(LOG_WARNING, "quarantine: %s (tried again after the next batch)",
		    buf_str(&err));
	buf_free(&err);
	if (q->guard != NULL)
		pthread_rwlock_rdlock(q->guard);
	sign_if_due(o);
	if (q->guard != NULL)
		pthread_rwlock_unlock(q->guard);
}

/*
 * Folds logs and signs checkpoints that leaders marked due after a batch,
 * and every TICK_MS looks for a checkpoint due by time on a free handle (no
 * batch may come to ask: records must not stay uncovered for long).
 */
static void *
checkpointer(void *arg)
{
	struct outcome_queue *q = arg;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		int h = -1;

		for (int i = 0; i < OUTCOME_RECORDERS && h < 0; i++) {
			if (q->due[i])
				h = i;
		}
		for (int i = 0; i < OUTCOME_RECORDERS && h < 0 && !q->stopping; i++) {
			if (!q->busy[i] && sign_wanted(q->o[i])) {
				q->busy[i] = q->due[i] = 1;
				h = i;
			}
		}
		if (h < 0) {
			struct timespec until;

			if (q->stopping)
				break;
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += TICK_MS / 1000;
			pthread_cond_timedwait(&q->ckpt_cv, &q->mu, &until);
			continue;
		}
		pthread_mutex_unlock(&q->mu);
		checkpoint(q, q->o[h]);
		pthread_mutex_lock(&q->mu);
		q->due[h] = 0;
		q->busy[h] = 0;
		wake_next_leader(q);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int
outcome_queue_open(struct outcome_queue **qp, const struct config *cfg,
    pthread_rwlock_t *guard, struct buf *err)
{
	struct outcome_queue *q = xcalloc(1, sizeof *q);

	q->guard = guard;
	q->tail = &q->head;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->room_cv, NULL);
	{
		pthread_condattr_t ca;	/* the checkpointer's tick: a monotonic clock */

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&q->ckpt_cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	for (size_t i = 0; i < OUTCOME_RECORDERS; i++) {
		if (outcome_open(&q->o[i], cfg, err) != 0)
			goto fail;
		store_defer_checkpoints(q->o[i]->store);
		q->o[i]->defer_sign = 1;
	}
	if (pthread_create(&q->checkpointer, NULL, checkpointer, q) != 0) {
		buf_puts(err, "cannot start the checkpoint thread");
		goto fail;
	}
	q->ckpt_started = 1;
	*qp = q;
	return 0;
fail:
	outcome_queue_close(q);
	return -1;
}

int
outcome_queue_record(struct outcome_queue *q, const struct outcome_item *it,
    struct buf *err)
{
	struct waiter w = { .it = it, .err = err, .status = -1 };
	int h;

	pthread_cond_init(&w.cv, NULL);
	pthread_mutex_lock(&q->mu);
	while (q->queued >= OUTCOME_QUEUE_MAX)
		pthread_cond_wait(&q->room_cv, &q->mu);
	*q->tail = &w;
	q->tail = &w.next;
	q->queued++;
	/* lead while items wait and a handle is free; else wait: for a
	 * leader that took this item, or for a handle */
	while (!w.done) {
		if (q->head != NULL && (h = free_handle(q)) >= 0)
			lead(q, h);
		else
			pthread_cond_wait(&w.cv, &q->mu);
	}
	pthread_mutex_unlock(&q->mu);
	pthread_cond_destroy(&w.cv);
	return w.status;
}

void
outcome_queue_stats(struct outcome_queue *q, unsigned long long *batches,
    unsigned long long *items)
{
	pthread_mutex_lock(&q->mu);
	*batches = q->batches;
	*items = q->items;
	pthread_mutex_unlock(&q->mu);
}

void
outcome_queue_close(struct outcome_queue *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = 1;	/* the checkpointer folds what is due first */
	pthread_cond_signal(&q->ckpt_cv);
	pthread_mutex_unlock(&q->mu);
	if (q->ckpt_started)
		pthread_join(q->checkpointer, NULL);
	for (size_t i = 0; i < OUTCOME_RECORDERS; i++)
		outcome_close(q->o[i]);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->room_cv);
	pthread_cond_destroy(&q->ckpt_cv);
	free(q);
}
