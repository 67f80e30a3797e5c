/*
 * signer - signed checkpoints of the audit journal, made by the processes
 * that append to it, so that records removed from the end of the journal,
 * or a journal rewritten with new hashes, no longer verify (docs/audit.md).
 *
 * A checkpoint is due when records were appended since the last one and
 *  - there is no checkpoint yet (the first records are covered at once),
 *  - or every_records of them are not covered,
 *  - or the last checkpoint is every_seconds old;
 * and on close, whenever any record is not covered.  "The last checkpoint"
 * is the last line of <journal>.checkpoints, read under the journal's lock,
 * whoever wrote it: several processes appending to one journal share one
 * count and one clock, and each checkpoint is of a consistent end of the
 * chain (journal_checkpoint_if).
 *
 * Contract:
 *  - audit_signer_open loads the secret key into sodium_malloc'd memory
 *    (no access while not signing; zeroed in every child forked later, so a
 *    sandboxed worker holds no key (MADV_WIPEONFORK, Linux 4.14+); wiped
 *    and freed on close, which a forked child must therefore not call).  It refuses a journal that
 *    ends before its last checkpoint, or whose last record is the
 *    checkpointed one with another hash: records were removed or rewritten,
 *    and nothing more should be appended and signed after them.  It signs
 *    records an earlier run left uncovered (a crash).
 *  - audit_signer_due is cheap (no lock; one fstat): call it after each
 *    batch and from time to time while idle; audit_signer_poll then signs
 *    if a checkpoint is really due.  After a failure, due says no for
 *    AUDIT_SIGNER_RETRY_S seconds (a failing disk is not hammered).
 *  - Errors return -1 with the reason in err; the records themselves are
 *    never touched.
 * Not thread-safe: one signer per journal handle, used as that handle is.
 */
#ifndef SEKISHO_AUDIT_SIGNER_H
#define SEKISHO_AUDIT_SIGNER_H

#include <stdint.h>

#include "audit/journal.h"
#include "core/buf.h"

#define AUDIT_SIGNER_RETRY_S 10

struct audit_signer;

struct audit_signer_config {
	const char *secret_key;		/* path of the Ed25519 secret key file */
	uint64_t every_records;		/* audit_checkpoint_records, >= 1 */
	long long every_seconds;	/* audit_checkpoint_seconds, >= 1 */
	int secret_key_fd;		/* > 0: read it from this open descriptor (a
					 * process that may not open it itself) */
};

int audit_signer_open(struct audit_signer **s, struct journal *j,
    const struct audit_signer_config *c, struct buf *err);
/* Whether audit_signer_poll might sign now (cheap; may say yes when it
 * will find another process has signed already). */
int audit_signer_due(struct audit_signer *s, long long now);
/* Sign the journal's end if a checkpoint is due: 1 signed, 0 not due, -1. */
int audit_signer_poll(struct audit_signer *s, long long now, struct buf *err);
/* Sign what is not covered yet, then wipe the key and free (NULL: 0). */
int audit_signer_close(struct audit_signer *s, struct buf *err);

/* The rule above, for the journal's end seq given the last checkpoint
 * (cp_time LLONG_MIN: there is none). */
int audit_checkpoint_due(uint64_t seq, uint64_t cp_seq, long long cp_time, long long now,
    uint64_t every_records, long long every_seconds);

#endif
