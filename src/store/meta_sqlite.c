/*
 * meta_sqlite - the quarantine store's metadata in SQLite (one node).
 *
 * WAL mode (readers do not block the writer), synchronous=FULL (a committed
 * row survives power loss, so store_put may be acknowledged), a busy handler
 * so that a second process waits (looking again every 250 us, up to
 * lock_wait_ms) instead of failing, and the defensive
 * configuration.  Every statement is prepared once from a constant text (at
 * open, or store_query's on first use, kept in a stmt_cache); values are
 * bound, never spliced into SQL.  The database file is
 * created with mode 0600 (its WAL and shared-memory files follow it), since
 * rows name senders and subjects.
 */
#include "store/store_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "store/stmt_cache.h"

#define BUSY_TIMEOUT_MS 30000
#define LOCK_POLL_US 250		/* between two looks at a locked database */

#define COLS "receipt_id, received_at, sha256, bytes, verdict, reason, sender, " \
	"recipients, subject, key_id, state, released_at, released_by, expires_at"

enum stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_VERSION_GET, S_VERSION_SET, S_SHA_OF,
	S_INSERT, S_GET, S_LIST, S_MARK, S_EXPIRED, S_DELETE, S_IN_USE, S_BLOB_PUT, S_BLOB_GET,
	S_BLOB_DEL, S_STATE_OF, S_RELEASE_N, S_RELEASE_ADD, S_RELEASES, S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_VERSION_GET] = "SELECT max(version) FROM schema_version",
	[S_VERSION_SET] = "INSERT INTO schema_version (version) VALUES (?1)",
	[S_SHA_OF] = "SELECT sha256 FROM items WHERE receipt_id = ?1",
	[S_INSERT] = "INSERT INTO items (receipt_id, received_at, sha256, bytes, verdict, "
	    "reason, sender, recipients, subject, receipt_json, key_id, state, "
	    "released_at, released_by, expires_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'held', NULL, NULL, ?12)",
	[S_GET] = "SELECT " COLS ", receipt_json FROM items WHERE receipt_id = ?1",
	[S_LIST] = "SELECT " COLS ", NULL FROM items "
	    "WHERE received_at >= ?1 AND received_at < ?2 "
	    "AND (?3 IS NULL OR verdict = ?3) AND (?4 IS NULL OR state = ?4) "
	    "AND (?5 IS NULL OR sender LIKE ?5 ESCAPE '\\') "
	    "ORDER BY received_at DESC, receipt_id DESC LIMIT ?6",
	[S_MARK] = "UPDATE items SET state = 'released', released_at = ?2, released_by = ?3 "
	    "WHERE receipt_id = ?1 AND state = 'held'",
	[S_EXPIRED] = "SELECT receipt_id, sha256 FROM items WHERE expires_at <= ?1 "
	    "ORDER BY expires_at LIMIT ?2",
	[S_DELETE] = "DELETE FROM items WHERE receipt_id = ?1",
	[S_IN_USE] = "SELECT 1 FROM items WHERE sha256 = ?1 LIMIT 1",
	[S_BLOB_PUT] = "INSERT INTO blobs (sha256, sealed) VALUES (?1, ?2) "
	    "ON CONFLICT (sha256) DO UPDATE SET sealed = excluded.sealed",
	[S_BLOB_GET] = "SELECT sealed FROM blobs WHERE sha256 = ?1",
	[S_BLOB_DEL] = "DELETE FROM blobs WHERE sha256 = ?1",
	[S_STATE_OF] = "SELECT state FROM items WHERE receipt_id = ?1",
	[S_RELEASE_N] = "SELECT coalesce(max(n), 0) + 1 FROM releases WHERE receipt_id = ?1",
	[S_RELEASE_ADD] = "INSERT INTO releases (release_id, receipt_id, n, released_at, "
	    "released_by, account, reason, sha256, bytes) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[S_RELEASES] = "SELECT release_id, released_at, released_by, account, reason, sha256, "
	    "bytes, n FROM releases WHERE receipt_id = ?1 ORDER BY n",
};

struct meta {
	sqlite3 *db;
	sqlite3_stmt *st[S_COUNT];
	struct stmt_cache qc;	/* store_query's statements, prepared on first use */
	sqlite3_stmt *qst[STMT_CACHE_SLOTS];
	const char *path;
	int wal_pages;		/* deferred checkpoints: the log's size after the last commit */
	int wal_folded;		/* how much of it our last checkpoint folded */
	long long lock_wait_us;	/* how long to wait for another process's lock */
	long long waiting_since;	/* monotonic us, when this wait began */
};

/*
 * The database is locked by a writer in another process (the relay's agents,
 * the milter, the CLI): look again every LOCK_POLL_US until lock_wait_us has
 * passed.  SQLite's own handler sleeps 1, 2, 5, 10 ... 100 ms between looks,
 * so a writer could wait 10 ms for a lock freed after 2; this one is at most
 * LOCK_POLL_US late.  0 (give up): SQLITE_BUSY reaches the caller.
 */
static int
lock_wait(void *arg, int tries)
{
	struct meta *m = arg;
	long long t = clock_mono_us();
	struct timespec pause = { 0, LOCK_POLL_US * 1000 };

	if (tries == 0)
		m->waiting_since = t;
	if (t - m->waiting_since >= m->lock_wait_us)
		return 0;
	nanosleep(&pause, NULL);
	return 1;
}

static int
db_error(struct meta *m, struct buf *err, const char *what)
{
	buf_printf(err, "%s: %s: %s", m->path, what, sqlite3_errmsg(m->db));
	return -1;
}

/* Reset a statement for its next use (also after an error). */
static sqlite3_stmt *
use(struct meta *m, enum stmt k)
{
	sqlite3_stmt *st = m->st[k];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* Run a statement that returns no rows. */
static int
run(struct meta *m, sqlite3_stmt *st, struct buf *err, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_error(m, err, what);
	return 0;
}

static void
meta_close(void *be)
{
	struct meta *m = be;

	if (m == NULL)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(m->st[i]);
	for (int i = 0; i < STMT_CACHE_SLOTS; i++)
		sqlite3_finalize(m->qst[i]);
	stmt_cache_clear(&m->qc);
	sqlite3_close(m->db);
	free(m);
}

/* Create the file with mode 0600 before SQLite does (it would use 0644). */
static int
create_file(const char *path, struct buf *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 && errno != EEXIST) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

static int
migrate(struct meta *m, struct buf *err)
{
	sqlite3_stmt *st;
	long long version = 0;
	int rc;

	if (run(m, use(m, S_BEGIN), err, "begin") != 0)
		return -1;
	for (size_t i = 0; store_schema[i] != NULL; i++) {
		if (sqlite3_exec(m->db, store_schema[i], NULL, NULL, NULL) != SQLITE_OK) {
			db_error(m, err, "creating the schema");
			goto fail;
		}
	}
	/* statements on the tables are prepared only now that they exist */
	for (int i = S_VERSION_GET; i < S_COUNT; i++) {
		if (sqlite3_prepare_v3(m->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &m->st[i], NULL) != SQLITE_OK) {
			db_error(m, err, "preparing a statement");
			goto fail;
		}
	}
	st = use(m, S_VERSION_GET);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		version = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		db_error(m, err, "reading the schema version");
		goto fail;
	}
	if (version > STORE_SCHEMA_VERSION) {
		buf_printf(err, "%s: schema version %lld is newer than this sekisho's (%d)",
		    m->path, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (version < STORE_SCHEMA_VERSION) {	/* new, or older given its new tables */
		st = use(m, S_VERSION_SET);
		sqlite3_bind_int64(st, 1, STORE_SCHEMA_VERSION);
		if (run(m, st, err, "writing the schema version") != 0)
			goto fail;
	}
	return run(m, use(m, S_COMMIT), err, "commit");
fail:
	sqlite3_step(use(m, S_ROLLBACK));
	sqlite3_reset(m->st[S_ROLLBACK]);
	return -1;
}

static int
meta_open(void **be, const struct store_config *cfg, struct buf *err)
{
	struct meta *m = xcalloc(1, sizeof *m);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	struct stat st;

	*be = NULL;
	m->path = cfg->sqlite_path;
	if (cfg->create) {
		if (create_file(cfg->sqlite_path, err) != 0)
			goto fail;
		flags |= SQLITE_OPEN_CREATE;
	} else if (stat(cfg->sqlite_path, &st) != 0) {
		buf_printf(err, "%s: %s (no quarantine database here)", cfg->sqlite_path,
		    strerror(errno));
		goto fail;
	}
	if (sqlite3_open_v2(cfg->sqlite_path, &m->db, flags, NULL) != SQLITE_OK) {
		if (m->db == NULL)
			die("sqlite3_open_v2: out of memory");
		db_error(m, err, "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(m->db, 1);
	m->lock_wait_us = 1000LL * (cfg->lock_wait_ms > 0 && cfg->lock_wait_ms < BUSY_TIMEOUT_MS ?
	    cfg->lock_wait_ms : BUSY_TIMEOUT_MS);
	sqlite3_busy_handler(m->db, lock_wait, m);
	sqlite3_db_config(m->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(m->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	if (sqlite3_exec(m->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(m->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK) {
		db_error(m, err, "cannot set WAL mode");
		goto fail;
	}
	for (int i = S_BEGIN; i <= S_ROLLBACK; i++) {
		if (sqlite3_prepare_v3(m->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &m->st[i], NULL) != SQLITE_OK) {
			db_error(m, err, "preparing a statement");
			goto fail;
		}
	}
	if (migrate(m, err) != 0)
		goto fail;
	*be = m;
	return 0;
fail:
	meta_close(m);
	return -1;
}

static int
meta_begin(void *be, struct buf *err)
{
	struct meta *m = be;

	return run(m, use(m, S_BEGIN), err, "begin");
}

static int
meta_commit(void *be, struct buf *err)
{
	struct meta *m = be;

	return run(m, use(m, S_COMMIT), err, "commit");
}

static void
meta_rollback(void *be)
{
	struct meta *m = be;

	if (!sqlite3_get_autocommit(m->db)) {
		sqlite3_step(use(m, S_ROLLBACK));
		sqlite3_reset(m->st[S_ROLLBACK]);
	}
}

/* sha256 of the row with this id: 0 found, STORE_NOT_FOUND, -1. */
static int
sha_of(struct meta *m, const char *id, char sha[SHA256_HEX_LEN + 1], struct buf *err)
{
	sqlite3_stmt *st = use(m, S_SHA_OF);
	int rc, r = STORE_NOT_FOUND;

	bind_text(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		if (t == NULL || sqlite3_column_bytes(st, 0) != SHA256_HEX_LEN) {
			buf_printf(err, "%s: row %s: malformed sha256", m->path, id);
			r = -1;
		} else {
			memcpy(sha, t, SHA256_HEX_LEN + 1);
			r = 0;
		}
	} else if (rc != SQLITE_DONE)
		r = db_error(m, err, "lookup");
	sqlite3_reset(st);
	return r;
}

static int
meta_insert(void *be, const struct store_item *it, const char *sha256,
    unsigned long long bytes, const char *key_id, long long expires_at,
    char have_sha[SHA256_HEX_LEN + 1], struct buf *err)
{
	struct meta *m = be;
	sqlite3_stmt *st;
	int r;

	if ((r = sha_of(m, it->receipt_id, have_sha, err)) != STORE_NOT_FOUND)
		return r == 0 ? STORE_EXISTS : -1;
	st = use(m, S_INSERT);
	bind_text(st, 1, it->receipt_id);
	sqlite3_bind_int64(st, 2, it->received_at);
	bind_text(st, 3, sha256);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)bytes);
	bind_text(st, 5, it->verdict);
	bind_text(st, 6, it->reason);
	bind_text(st, 7, it->sender);
	bind_text(st, 8, it->recipients);
	bind_text(st, 9, it->subject);
	bind_text(st, 10, it->receipt_json);
	bind_text(st, 11, key_id);
	sqlite3_bind_int64(st, 12, expires_at);
	return run(m, st, err, "insert");
}

static int
copy_fixed(char *dst, size_t n, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	int len = sqlite3_column_bytes(st, col);

	if (t == NULL || len < 0 || (size_t)len >= n)
		return -1;
	memcpy(dst, t, (size_t)len + 1);
	return 0;
}

static char *
copy_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t == NULL ? NULL : xstrndup((const char *)t, (size_t)sqlite3_column_bytes(st, col));
}

/* One row of S_GET or S_LIST (same columns) into out. */
static int
read_row(struct meta *m, sqlite3_stmt *st, struct store_item_out *out, struct buf *err)
{
	memset(out, 0, sizeof *out);
	if (copy_fixed(out->receipt_id, sizeof out->receipt_id, st, 0) != 0 ||
	    copy_fixed(out->sha256, sizeof out->sha256, st, 2) != 0 ||
	    copy_fixed(out->verdict, sizeof out->verdict, st, 4) != 0 ||
	    copy_fixed(out->key_id, sizeof out->key_id, st, 9) != 0 ||
	    copy_fixed(out->state, sizeof out->state, st, 10) != 0 ||
	    sqlite3_column_int64(st, 3) < 0) {
		buf_printf(err, "%s: malformed row", m->path);
		return -1;
	}
	out->received_at = sqlite3_column_int64(st, 1);
	out->bytes = (unsigned long long)sqlite3_column_int64(st, 3);
	out->reason = copy_text(st, 5);
	out->sender = copy_text(st, 6);
	out->recipients = copy_text(st, 7);
	out->subject = copy_text(st, 8);
	out->released_at = sqlite3_column_type(st, 11) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(st, 11);
	out->released_by = copy_text(st, 12);
	out->expires_at = sqlite3_column_int64(st, 13);
	out->receipt_json = copy_text(st, 14);
	return 0;
}

static int
meta_get(void *be, const char *receipt_id, int with_receipt,
    struct store_item_out *out, struct buf *err)
{
	struct meta *m = be;
	sqlite3_stmt *st = use(m, S_GET);
	int rc, r = STORE_NOT_FOUND;

	bind_text(st, 1, receipt_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = read_row(m, st, out, err);
		if (r == 0 && !with_receipt) {
			free(out->receipt_json);
			out->receipt_json = NULL;
		}
	} else if (rc != SQLITE_DONE)
		r = db_error(m, err, "lookup");
	sqlite3_reset(st);
	return r;
}

static int
meta_list(void *be, const struct store_filter *f, store_list_fn fn, void *ctx,
    struct buf *err)
{
	struct meta *m = be;
	sqlite3_stmt *st = use(m, S_LIST);
	struct buf like;
	int rc, r = 0;

	buf_init(&like, 4 * STORE_FIELD_MAX);
	sqlite3_bind_int64(st, 1, f->since);
	sqlite3_bind_int64(st, 2, f->until > 0 ? f->until : LLONG_MAX);
	bind_text(st, 3, f->verdict);
	bind_text(st, 4, f->state);
	if (f->sender != NULL) {
		buf_putc(&like, '%');
		for (const char *p = f->sender; *p != '\0'; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				buf_putc(&like, '\\');
			if (buf_putc(&like, *p) != 0) {
				buf_puts(err, "sender filter too long");
				buf_free(&like);
				return -1;
			}
		}
		buf_putc(&like, '%');
		bind_text(st, 5, buf_str(&like));
	}
	sqlite3_bind_int64(st, 6, f->limit > 0 && f->limit < LLONG_MAX ? (sqlite3_int64)f->limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_item_out it;

		if (read_row(m, st, &it, err) != 0) {
			r = -1;
			break;
		}
		r = fn(&it, ctx);
		store_item_out_free(&it);
		if (r != 0) {
			r = 0;
			rc = SQLITE_DONE;
			break;
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_error(m, err, "listing");
	sqlite3_reset(st);
	buf_free(&like);
	return r;
}

static int
meta_mark_released(void *be, const char *receipt_id, const char *by, long long when,
    struct buf *err)
{
	struct meta *m = be;
	sqlite3_stmt *st = use(m, S_MARK);
	char sha[SHA256_HEX_LEN + 1];
	int r;

	bind_text(st, 1, receipt_id);
	sqlite3_bind_int64(st, 2, when);
	bind_text(st, 3, by);
	if (run(m, st, err, "update") != 0)
		return -1;
	if (sqlite3_changes(m->db) == 1)
		return 0;
	if ((r = sha_of(m, receipt_id, sha, err)) != 0)
		return r;
	buf_printf(err, "%s is not held (released already?)", receipt_id);
	return -1;
}

static int
meta_release_add(void *be, struct store_release *r, struct buf *err)
{
	struct meta *m = be;
	sqlite3_stmt *st = use(m, S_STATE_OF);
	char state[16];
	int rc;

	bind_text(st, 1, r->receipt_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && copy_fixed(state, sizeof state, st, 0) != 0) {
		sqlite3_reset(st);
		buf_printf(err, "%s: row %s: malformed state", m->path, r->receipt_id);
		return -1;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	if (rc != SQLITE_ROW)
		return db_error(m, err, "lookup");
	if (strcmp(state, "held") != 0 && strcmp(state, "released") != 0) {
		buf_printf(err, "%s is %s: there is nothing to release", r->receipt_id, state);
		return -1;
	}
	st = use(m, S_RELEASE_N);
	bind_text(st, 1, r->receipt_id);
	rc = sqlite3_step(st);
	r->n = rc == SQLITE_ROW ? (unsigned long long)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW || r->n < 1)
		return db_error(m, err, "numbering the release");
	st = use(m, S_RELEASE_ADD);
	bind_text(st, 1, r->release_id);
	bind_text(st, 2, r->receipt_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)r->n);
	sqlite3_bind_int64(st, 4, r->released_at);
	bind_text(st, 5, r->by);
	bind_text(st, 6, r->account);
	bind_text(st, 7, r->reason);
	bind_text(st, 8, r->sha256);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)r->bytes);
	if (run(m, st, err, "recording the release") != 0)
		return -1;
	if (strcmp(state, "held") != 0)
		return 0;	/* released before: its first release stays on the row */
	st = use(m, S_MARK);
	bind_text(st, 1, r->receipt_id);
	sqlite3_bind_int64(st, 2, r->released_at);
	bind_text(st, 3, r->by);
	if (run(m, st, err, "update") != 0)
		return -1;
	if (sqlite3_changes(m->db) != 1) {
		buf_printf(err, "%s: %s changed state while being released", m->path, r->receipt_id);
		return -1;
	}
	return 0;
}

static int
meta_releases(void *be, const char *receipt_id, store_release_fn fn, void *ctx,
    struct buf *err)
{
	struct meta *m = be;
	sqlite3_stmt *st = use(m, S_RELEASES);
	int rc, r = 0;

	bind_text(st, 1, receipt_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_release rel;

		memset(&rel, 0, sizeof rel);
		rel.receipt_id = receipt_id;
		if (copy_fixed(rel.release_id, sizeof rel.release_id, st, 0) != 0 ||
		    copy_fixed(rel.sha256, sizeof rel.sha256, st, 5) != 0 ||
		    sqlite3_column_int64(st, 6) < 0 || sqlite3_column_int64(st, 7) < 1) {
			buf_printf(err, "%s: a release of %s: malformed row", m->path, receipt_id);
			r = -1;
			break;
		}
		rel.released_at = sqlite3_column_int64(st, 1);
		rel.by = (const char *)sqlite3_column_text(st, 2);
		rel.account = (const char *)sqlite3_column_text(st, 3);
		rel.reason = (const char *)sqlite3_column_text(st, 4);
		rel.bytes = (unsigned long long)sqlite3_column_int64(st, 6);
		rel.n = (unsigned long long)sqlite3_column_int64(st, 7);
		if (fn(&rel, ctx, err) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_error(m, err, "listing releases");
	sqlite3_reset(st);
	return r;
}

static int
meta_expired(void *be, long long now, size_t max, store_expired_fn fn, void *ctx,
    struct buf *err)
{
	struct meta *m = be;
	sqlite3_stmt *st = use(m, S_EXPIRED);
	int rc;

	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *id = sqlite3_column_text(st, 0);
		const unsigned char *sha = sqlite3_column_text(st, 1);

		if (id == NULL || sha == NULL)
			break;
		fn((const char *)id, (const char *)sha, ctx);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_ROW ? (buf_printf(err, "%s: malformed row", m->path), -1) :
		    db_error(m, err, "listing expired items");
	return 0;
}

static int
meta_delete_item(void *be, const char *receipt_id, struct buf *err)
{
	struct meta *m = be;
	sqlite3_stmt *st = use(m, S_DELETE);

	bind_text(st, 1, receipt_id);
	return run(m, st, err, "delete");
}

static int
meta_sha_in_use(void *be, const char *sha256, int *in_use, struct buf *err)
{
	struct meta *m = be;
	sqlite3_stmt *st = use(m, S_IN_USE);
	int rc;

	bind_text(st, 1, sha256);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(m, err, "lookup");
	*in_use = rc == SQLITE_ROW;
	return 0;
}

static int
meta_blob_put(void *be, const char *sha256, const void *sealed, size_t len, struct buf *err)
{
	struct meta *m = be;
	sqlite3_stmt *st = use(m, S_BLOB_PUT);

	bind_text(st, 1, sha256);
	sqlite3_bind_blob64(st, 2, sealed, len, SQLITE_STATIC);
	return run(m, st, err, "storing an original");
}

static int
meta_blob_get(void *be, const char *sha256, struct buf *out, struct buf *err)
{
	struct meta *m = be;
	sqlite3_stmt *st = use(m, S_BLOB_GET);
	int rc, r = STORE_NOT_FOUND;

	bind_text(st, 1, sha256);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);

		r = 0;
		if (sqlite3_column_type(st, 0) != SQLITE_BLOB || n < 0) {
			buf_printf(err, "%s: blob %s: malformed row", m->path, sha256);
			r = -1;
		} else if (buf_append(out, p, (size_t)n) != 0) {
			buf_printf(err, "%s: blob %s: larger than allowed here", m->path, sha256);
			r = -1;
		}
	} else if (rc != SQLITE_DONE)
		r = db_error(m, err, "reading an original");
	sqlite3_reset(st);
	return r;
}

static int
meta_blob_del(void *be, const char *sha256, int *gone, struct buf *err)
{
	struct meta *m = be;
	sqlite3_stmt *st = use(m, S_BLOB_DEL);

	bind_text(st, 1, sha256);
	if (run(m, st, err, "deleting an original") != 0)
		return -1;
	*gone = sqlite3_changes(m->db) > 0;
	return 0;
}

/* Prepared on first use and kept (stmt_cache: the list of a console page,
 * the recipients' index on every put); a statement still stepping when a
 * row callback asks again is not reused: that one is prepared for the call. */
static int
meta_query(void *be, const char *sql, const char *const *params, size_t n,
    store_row_fn fn, void *ctx, long long *changes, struct buf *err)
{
	struct meta *m = be;
	sqlite3_stmt *st = NULL;
	const char *cols[64];
	int rc, ncols, hit, old, slot;

	slot = stmt_cache_find(&m->qc, sql, &hit, &old);
	if (slot >= 0 && old) {
		sqlite3_finalize(m->qst[slot]);
		m->qst[slot] = NULL;
	}
	if (slot >= 0 && hit) {
		st = m->qst[slot];
	} else if (sqlite3_prepare_v3(m->db, sql, -1, slot >= 0 ? SQLITE_PREPARE_PERSISTENT : 0,
	    &st, NULL) != SQLITE_OK) {
		if (slot >= 0)
			stmt_cache_forget(&m->qc, slot);
		return db_error(m, err, "preparing a console statement");
	} else if (slot >= 0) {
		m->qst[slot] = st;
		stmt_cache_fill(&m->qc, slot, sql);
	}
	if ((size_t)sqlite3_bind_parameter_count(st) != n ||
	    (ncols = sqlite3_column_count(st)) > (int)(sizeof cols / sizeof cols[0]))
		die("store query: %zu parameters given for %d, or too many columns: %s", n,
		    sqlite3_bind_parameter_count(st), sql);
	for (size_t i = 0; i < n; i++)
		bind_text(st, (int)i + 1, params[i]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < ncols; c++)
			cols[c] = (const char *)sqlite3_column_text(st, c);
		if (fn != NULL && fn((size_t)ncols, cols, ctx) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		db_error(m, err, "a console statement");
	else
		*changes = sqlite3_changes(m->db);
	if (slot >= 0) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		stmt_cache_release(&m->qc, slot);
	} else {
		sqlite3_finalize(st);
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Replaces SQLite's automatic checkpoint hook: only notes the log's size. */
static int
wal_noted(void *arg, sqlite3 *db, const char *name, int pages)
{
	((struct meta *)arg)->wal_pages = pages;
	return SQLITE_OK;
}

static void
meta_defer_checkpoints(void *be)
{
	struct meta *m = be;

	sqlite3_wal_hook(m->db, wal_noted, m);
}

/*
 * Due once STORE_CHECKPOINT_PAGES pages were logged since the last fold.  A
 * folded log is restarted from its beginning by the next writer that finds
 * no reader in it; until then it keeps its size, and counting its size
 * alone would call for a checkpoint after every commit (each one then
 * keeping the log from restarting, since it reads the log while the next
 * writer begins).
 */
static int
meta_checkpoint_due(void *be)
{
	struct meta *m = be;

	if (m->wal_pages < m->wal_folded)
		m->wal_folded = 0;	/* the log was restarted */
	return m->wal_pages - m->wal_folded >= STORE_CHECKPOINT_PAGES;
}

static int
meta_checkpoint(void *be, struct buf *err)
{
	struct meta *m = be;
	int log = 0, done = 0, rc;

	if (!meta_checkpoint_due(m))
		return 0;
	rc = sqlite3_wal_checkpoint_v2(m->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return db_error(m, err, "checkpoint");
	if (done > 0)
		m->wal_folded = done;	/* a reader may have kept the rest */
	return 0;
}

const struct store_backend_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = meta_open,
	.close = meta_close,
	.begin = meta_begin,
	.commit = meta_commit,
	.rollback = meta_rollback,
	.insert = meta_insert,
	.get = meta_get,
	.list = meta_list,
	.mark_released = meta_mark_released,
	.release_add = meta_release_add,
	.releases = meta_releases,
	.expired = meta_expired,
	.delete_item = meta_delete_item,
	.sha_in_use = meta_sha_in_use,
	.query = meta_query,
	.blob_put = meta_blob_put,
	.blob_get = meta_blob_get,
	.blob_del = meta_blob_del,
	.defer_checkpoints = meta_defer_checkpoints,
	.checkpoint = meta_checkpoint,
	.checkpoint_due = meta_checkpoint_due,
};
