/*
 * journal - the tamper-evident audit journal: every receipt appended to a
 * hash-chained JSON-lines file, signed checkpoints beside it, and the
 * verification that finds a modified, removed, reordered or truncated
 * record and says where.  The format is documented in docs/audit.md.
 *
 * Contract:
 * - One record per line, written with one write() on an O_APPEND descriptor
 *   while holding an exclusive flock(), then fdatasync'd (journal_set_sync
 *   batches).  Several processes may append to one journal: an append first
 *   re-reads the end of the chain when another writer has moved it.
 * - A final line without its newline (a torn write after a crash) is never
 *   continued: its bytes are recorded in <path>.torn, then cut off.  The end
 *   of the chain must be an intact record, or the journal is not opened.
 * - Every line read is bounded by JOURNAL_LINE_MAX; nothing grows unbounded.
 * - Errors about data and I/O return -1 with a message in err; only broken
 *   internal invariants die().  Secret keys are wiped after use.
 */
#ifndef SEKISHO_AUDIT_JOURNAL_H
#define SEKISHO_AUDIT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/digest.h"

#define JOURNAL_LINE_MAX ((size_t)64 * 1024 * 1024)	/* one record, its LF excluded */
#define JOURNAL_RECEIPT_MAX (JOURNAL_LINE_MAX - 256)	/* the rest of a line fits in 256 */
#define JOURNAL_REPORT_PROBLEMS_MAX 1000	/* listed by verify; more are counted */
#define JOURNAL_CHECKPOINTS_MAX ((size_t)1 << 20)
#define JOURNAL_FILES_MAX 100000	/* rotated files verify reads, at most */

#define AUDIT_SECRET_KEY_BYTES 64	/* Ed25519, libsodium layout: seed || public */
#define AUDIT_PUBLIC_KEY_BYTES 32
#define AUDIT_SIG_BYTES 64
#define AUDIT_KEY_ID_LEN 16		/* hex digits of SHA-256(public key) */
#define JOURNAL_TIME_LEN 20		/* 2026-11-21T09:30:00Z */

struct journal;

/* One line of <journal>.checkpoints (docs/audit.md), parsed. */
struct journal_cp {
	uint64_t seq;
	char hash[SHA256_HEX_LEN + 1];
	char time[JOURNAL_TIME_LEN + 1];	/* as written: the signature covers it */
	long long t;				/* the same, in seconds since the epoch */
	char key_id[AUDIT_KEY_ID_LEN + 1];
	unsigned char sig[AUDIT_SIG_BYTES];
};

/* Create (mode 0640) or open for append; recover seq and hash of the end. */
int journal_open(struct journal **j, const char *path, struct buf *err);
/* fdatasync after every n appends (default 1); 0: only at sync and close. */
void journal_set_sync(struct journal *j, unsigned every_n);
/* Append one receipt (a one-line JSON object; one trailing LF is allowed). */
int journal_append(struct journal *j, const char *receipt_json, size_t len,
    long long time, struct buf *err);
/* Make every append so far durable. */
int journal_sync(struct journal *j, struct buf *err);

/*
 * Rotation: once the journal holds min_bytes or more (0: whenever it holds
 * a record), it is given a second name, <path>.<seq of its last record as
 * 20 digits>, and path becomes a new file whose first record goes on from
 * that last record (seq + 1, prev = its hash) and says which file came
 * before ("schema": JOURNAL_ROTATION_SCHEMA).  Done under the journal's
 * lock; every other handle, in this process or another, moves to the new
 * file at its next append.  The name of the rotated file is appended to
 * archived (nothing when there was nothing to rotate).  0, or -1.
 * journal_verify reads the rotated files before path, as one chain.
 */
#define JOURNAL_ROTATION_SCHEMA "sekisho.journal-rotation/1"
/* The files of the journal at path, oldest first: its rotated files, then
 * path itself.  0 (free with journal_files_free), or -1 with the reason. */
int journal_files(const char *path, char ***files, size_t *n, struct buf *report);
void journal_files_free(char **files, size_t n);
int journal_rotate_if(struct journal *j, long long min_bytes, long long t,
    struct buf *archived, struct buf *err);
/* Sync (best effort: use journal_sync to see a failure), unlock, free. */
void journal_close(struct journal *j);

uint64_t journal_seq(const struct journal *j);		/* 0: empty */
const char *journal_hash(const struct journal *j);	/* 64 zeros: empty */
/* Bytes of a torn final line moved aside to <path>.torn by this handle. */
size_t journal_torn_bytes(const struct journal *j);
long long journal_bytes(const struct journal *j);	/* the file's size as last seen */

/* The structural check append applies to a receipt: one JSON object, valid
 * UTF-8, no control characters, balanced, nothing after it. */
int journal_receipt_check(const char *p, size_t n, struct buf *why);

/* Whether another writer appended since this handle last looked (fstat). */
int journal_changed(const struct journal *j);

/* Append a signed checkpoint of the journal's current end to
 * <path>.checkpoints.  The journal is synced first.  key_id must be the
 * id of sk's public half. */
int journal_checkpoint(struct journal *j, const unsigned char sk[AUDIT_SECRET_KEY_BYTES],
    const char *key_id, struct buf *err);

/*
 * The same, when due says so.  Under the journal's lock (so the end is
 * consistent whoever appended it, and checkpoints are written in seq
 * order), due gets the end of the chain (seq, hash) and the last checkpoint
 * of <path>.checkpoints (NULL: none, or its last line is not one) and
 * returns 1 (sign this end now), 0 (not now) or -1 (refuse, reason in err).
 * Returns 1 written, 0 not due, -1 error.  *last and *have_last (if not
 * NULL) get the file's last checkpoint afterwards.  A torn last line of the
 * checkpoints file (a crash during a write) is moved aside to <path>.torn
 * and cut off before the new line is appended.
 */
typedef int (*journal_cp_due_fn)(uint64_t seq, const char *hash,
    const struct journal_cp *last, void *arg, struct buf *err);
int journal_checkpoint_if(struct journal *j, const unsigned char sk[AUDIT_SECRET_KEY_BYTES],
    const char *key_id, journal_cp_due_fn due, void *arg, struct journal_cp *last,
    int *have_last, struct buf *err);

/* Parse one checkpoints line (without its LF): 0, or -1 when it is not
 * exactly a checkpoint (untrusted input: strict, bounded). */
int journal_cp_parse(const char *line, size_t n, struct journal_cp *cp);
/* 1 if pk made cp's signature (and cp names pk's key id), else 0. */
int journal_cp_signed_by(const struct journal_cp *cp,
    const unsigned char pk[AUDIT_PUBLIC_KEY_BYTES], const char *pk_id);

/* New Ed25519 key pair: secret file mode 0600, public file 0644; neither may
 * exist yet. */
int audit_key_generate(const char *secret_path, const char *public_path,
    struct buf *err);
/* Load a key file; key_id gets AUDIT_KEY_ID_LEN + 1 bytes.  A secret key
 * file readable by group or others is refused. */
int audit_key_load_secret(const char *path, unsigned char sk[AUDIT_SECRET_KEY_BYTES],
    char key_id[AUDIT_KEY_ID_LEN + 1], struct buf *err);
/* The same from an open descriptor (> 0; path names it in messages). */
int audit_key_load_secret_fd(const char *path, int fd, unsigned char sk[AUDIT_SECRET_KEY_BYTES],
    char key_id[AUDIT_KEY_ID_LEN + 1], struct buf *err);
int audit_key_load_public(const char *path, unsigned char pk[AUDIT_PUBLIC_KEY_BYTES],
    char key_id[AUDIT_KEY_ID_LEN + 1], struct buf *err);

/*
 * Check the whole chain, and the checkpoints when given (signatures too when
 * a public key is given).  Every problem becomes one line of report, naming
 * the line and seq; the last line is a summary.  Returns 0 intact, 1 any
 * problem, -1 when an input cannot be read (the reason is in report).
 *
 * With checkpoints, a journal with records needs at least one valid
 * checkpoint (a missing checkpoints file is a problem then, not an error),
 * and records after the last checkpoint are a note ("not yet covered"), or
 * a problem when strict.  Without checkpoints the report says that only the
 * chain was checked.
 */
struct journal_verify_opts {
	const char *checkpoints;	/* NULL: the chain alone */
	const char *public_key;		/* NULL: signatures are not checked */
	int strict;			/* records after the last checkpoint are a problem */
};
int journal_verify(const char *path, const struct journal_verify_opts *opts,
    struct buf *report);

#endif
