/*
 * signer - when the journal's writers sign a checkpoint, and the secret key
 * they sign it with.  See signer.h for the contract; the checkpoint itself
 * (under the journal's lock, of a consistent end) is journal.c's.
 */
#include "audit/signer.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/xalloc.h"

struct audit_signer {
	struct journal *j;
	unsigned char *sk;		/* sodium_malloc'd; no access while idle */
	char key_id[AUDIT_KEY_ID_LEN + 1];
	uint64_t every_records;
	long long every_seconds;
	/* the last checkpoint this process has seen: never newer than the
	 * file's, so a stale view errs towards looking again under the lock */
	uint64_t cp_seq;
	long long cp_time;		/* LLONG_MIN: none */
	long long retry_at;		/* after a failure, due says no until then */
};

enum sign_mode {
	SIGN_WHEN_DUE,		/* the records-or-seconds rule */
	SIGN_UNCOVERED		/* any record not covered (open, close) */
};

struct due_ctx {
	const struct audit_signer *s;
	enum sign_mode mode;
	long long now;
};

int
audit_checkpoint_due(uint64_t seq, uint64_t cp_seq, long long cp_time, long long now,
    uint64_t every_records, long long every_seconds)
{
	if (seq <= cp_seq)
		return 0;		/* nothing new since the last checkpoint */
	if (cp_time == LLONG_MIN)
		return 1;		/* none yet: the first records are covered at once */
	if (seq - cp_seq >= every_records)
		return 1;
	return now >= cp_time && now - cp_time >= every_seconds;
}

/*
 * The journal must still hold what its last checkpoint signed.  Only the
 * end is checked here (cheaply, under the lock); "sekisho audit verify"
 * checks every checkpoint against every record.
 */
static int
consistent(uint64_t seq, const char *hash, const struct journal_cp *last, struct buf *err)
{
	if (last == NULL)
		return 0;
	if (seq < last->seq) {
		buf_printf(err, "the journal ends at seq %" PRIu64 " but its last checkpoint "
		    "(%s) is of seq %" PRIu64 ": records were removed from the end; nothing more "
		    "is appended or signed (docs/audit.md, Repair)", seq, last->time, last->seq);
		return -1;
	}
	if (seq == last->seq && memcmp(hash, last->hash, SHA256_HEX_LEN) != 0) {
		buf_printf(err, "the journal's last record, seq %" PRIu64 ", is not the one its "
		    "last checkpoint (%s) signed: the journal was rewritten; nothing more is "
		    "appended or signed (docs/audit.md, Repair)", seq, last->time);
		return -1;
	}
	return 0;
}

/* journal_checkpoint_if's question, under the journal's lock. */
static int
due_now(uint64_t seq, const char *hash, const struct journal_cp *last, void *arg,
    struct buf *err)
{
	const struct due_ctx *c = arg;
	uint64_t cp_seq = last != NULL ? last->seq : 0;

	if (consistent(seq, hash, last, err) != 0)
		return -1;
	if (c->mode == SIGN_UNCOVERED)
		return seq > cp_seq;
	return audit_checkpoint_due(seq, cp_seq, last != NULL ? last->t : LLONG_MIN, c->now,
	    c->s->every_records, c->s->every_seconds);
}

/* Look under the lock and sign if due: 1 signed, 0 not due, -1. */
static int
sign(struct audit_signer *s, enum sign_mode mode, long long now, struct buf *err)
{
	struct due_ctx c = { s, mode, now };
	struct journal_cp last;
	int have = 0, r;

	if (sodium_mprotect_readonly(s->sk) != 0)
		die("sodium_mprotect_readonly: %s", strerror(errno));
	r = journal_checkpoint_if(s->j, s->sk, s->key_id, due_now, &c, &last, &have, err);
	if (sodium_mprotect_noaccess(s->sk) != 0)
		die("sodium_mprotect_noaccess: %s", strerror(errno));
	if (r < 0) {
		s->retry_at = now + AUDIT_SIGNER_RETRY_S;
		return -1;
	}
	s->retry_at = 0;
	s->cp_seq = have ? last.seq : 0;
	s->cp_time = have ? last.t : LLONG_MIN;
	return r;
}

/* A child forked after this (a sandboxed worker) finds zeros where the key
 * is: best effort, on the pages that hold it (Linux 4.14 and later). */
static void
wipe_on_fork(void *p, size_t n)
{
#ifdef MADV_WIPEONFORK
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t a, e;

	if (pg <= 0)
		return;
	a = (uintptr_t)p & ~((uintptr_t)pg - 1);
	e = ((uintptr_t)p + n + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
	(void)madvise((void *)a, e - a, MADV_WIPEONFORK);
#else
	(void)p;
	(void)n;
#endif
}

int
audit_signer_open(struct audit_signer **sp, struct journal *j,
    const struct audit_signer_config *c, struct buf *err)
{
	struct audit_signer *s;

	*sp = NULL;
	if (sodium_init() < 0)
		die("libsodium initialisation failed");
	if (c->every_records < 1 || c->every_seconds < 1)
		die("audit_signer_open: checkpoint intervals must be at least 1");
	s = xcalloc(1, sizeof *s);
	if ((s->sk = sodium_malloc(AUDIT_SECRET_KEY_BYTES)) == NULL)
		die("sodium_malloc: %s", strerror(errno));
	if (audit_key_load_secret_fd(c->secret_key, c->secret_key_fd, s->sk, s->key_id,
	    err) != 0) {
		sodium_free(s->sk);
		free(s);
		return -1;
	}
	wipe_on_fork(s->sk, AUDIT_SECRET_KEY_BYTES);
	if (sodium_mprotect_noaccess(s->sk) != 0)
		die("sodium_mprotect_noaccess: %s", strerror(errno));
	s->j = j;
	s->every_records = c->every_records;
	s->every_seconds = c->every_seconds;
	s->cp_time = LLONG_MIN;
	/* check the end against the last checkpoint; cover what a crash left */
	if (sign(s, SIGN_UNCOVERED, (long long)time(NULL), err) < 0) {
		sodium_free(s->sk);
		free(s);
		return -1;
	}
	*sp = s;
	return 0;
}

int
audit_signer_due(struct audit_signer *s, long long now)
{
	uint64_t seq = journal_seq(s->j);

	if (now < s->retry_at)
		return 0;
	if (seq > s->cp_seq)
		return audit_checkpoint_due(seq, s->cp_seq, s->cp_time, now, s->every_records,
		    s->every_seconds);
	if (!journal_changed(s->j))
		return 0;
	/* another writer appended: how many is not known here, only how old
	 * the last checkpoint is (the writer itself counts its records) */
	return s->cp_time == LLONG_MIN || (now >= s->cp_time && now - s->cp_time >= s->every_seconds);
}

int
audit_signer_poll(struct audit_signer *s, long long now, struct buf *err)
{
	if (!audit_signer_due(s, now))
		return 0;
	return sign(s, SIGN_WHEN_DUE, now, err);
}

int
audit_signer_close(struct audit_signer *s, struct buf *err)
{
	int r;

	if (s == NULL)
		return 0;
	r = sign(s, SIGN_UNCOVERED, (long long)time(NULL), err);
	sodium_free(s->sk);	/* wipes */
	free(s);
	return r < 0 ? -1 : 0;
}
