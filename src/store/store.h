/*
 * store - the quarantine store: originals and withheld items encrypted at
 * rest, content-addressed, with one metadata row per receipt.
 *
 * Contract:
 *  - Blobs.  An original is stored once per content, named by the SHA-256 of
 *    its plaintext, sealed as "SKQ1", the 16-character key id, a 24-byte
 *    random nonce, then XChaCha20-Poly1305 (IETF) ciphertext and tag; the
 *    associated data is the sha256 hex, so a blob put in another's place
 *    cannot be read as it.  Reading decrypts and checks the SHA-256 again.
 *    Where a blob lives:
 *    - inline: an original of at most store_config.inline_max bytes is kept
 *      in the metadata database (table "blobs"), written in the same
 *      transaction as its row, so one commit makes both durable: no file to
 *      create and sync per message (bench/README.md, the milter);
 *    - a file: larger ones (and all when inline_max is 0) at
 *      <blob_dir>/ab/<sha256>.sk (mode 0600, folders 0700; blobs of stores
 *      written by 0.1 at ab/cd/<sha256>.sk are still read), written to a
 *      temporary file, renamed into place, fsynced with its folder before
 *      any row points to it: a name no row points to may be damaged by a
 *      crash, but it is never believed (authenticated on every read) and is
 *      written again when its content comes again.
 *    A reader looks in the database first, then for the file, so a store
 *    whose inline_max changed reads what it wrote before.
 *  - Keys.  A key file holds lines "keyid base64key" (32-byte keys; key id =
 *    first 16 hex digits of the key's SHA-256); the first line is the current
 *    key, the others still decrypt what they encrypted (rotation).  It must be
 *    a regular file without group or other permissions.  Keys live in
 *    sodium_malloc'd memory and are wiped when the store closes.
 *  - Metadata.  One row per receipt id in the table "items" (store_schema[]
 *    in store.c), one row per release in "releases" (an original that left
 *    the quarantine: who, when, why, the digest of what left; an item
 *    released twice has two), through a backend chosen by store_config.backend: SQLite
 *    (one node, the default) or PostgreSQL (several nodes sharing one
 *    database, and then one blob folder), same schema.  store_put() returns
 *    only after blob and row are durable, so a caller may acknowledge the
 *    item then.
 *  - Errors in data, files and the database are returned (-1, or the codes
 *    below) with a message in err; broken internal invariants die().
 * Not thread-safe: one struct store per thread or process.
 */
#ifndef SEKISHO_STORE_STORE_H
#define SEKISHO_STORE_STORE_H

#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/digest.h"

#define STORE_NOT_FOUND 1	/* no such receipt id */
#define STORE_EXISTS 2		/* store_put: this id is stored already, same content */

#define STORE_ID_MAX 64		/* receipt ids, with the NUL */
#define STORE_KEY_ID_LEN 16	/* hex digits */
#define STORE_KEYS_MAX 64	/* keys in one key file */
#define STORE_FIELD_MAX 4096	/* sender, recipients, subject, reason: longer is cut */
#define STORE_RECEIPT_MAX ((size_t)64 * 1024 * 1024)
#define STORE_BLOB_MAX ((size_t)4 * 1024 * 1024 * 1024 + 1024)	/* plaintext */

struct store;

enum store_backend_kind {
	STORE_BACKEND_SQLITE,		/* zero: the default */
	STORE_BACKEND_POSTGRESQL
};

struct store_config {
	const char *blob_dir;
	const char *sqlite_path;	/* SQLite: the database file */
	const char *key_path;	/* NULL: metadata only (list, show, expire) */
	int key_from_fd;	/* read the key file from key_fd (opened by a process
				 * that may read it; key_path then only names it) */
	int key_fd;
	unsigned retention_days;	/* expires_at = received_at + days */
	size_t inline_max;	/* originals up to this many bytes go in the database; 0: none */
	int create;		/* create blob_dir and the database (tables) if missing */
	enum store_backend_kind backend;
	const char *pg_conninfo;	/* PostgreSQL: a libpq connection string */
	unsigned lock_wait_ms;	/* SQLite: how long a write waits for another
				 * process's write lock before it fails; 0: 30 s.
				 * Handles of one process take turns instead
				 * (store.c, tx_begin) and never wait here. */
};

/* What the gateway knows about an item when it quarantines it.  Strings are
 * UTF-8 (invalid bytes are stored as U+FFFD); reason may be NULL. */
struct store_item {
	const char *receipt_id;	/* [A-Za-z0-9._-], 1..STORE_ID_MAX-1 bytes */
	long long received_at;	/* seconds since the epoch */
	const char *verdict;	/* "sanitized" or "withheld" */
	const char *reason;
	const char *sender, *recipients, *subject;
	const char *receipt_json;
	int owner_is_sender;	/* the console shows it to its sender (a message
				 * leaving), not to its recipients */
};

/* One metadata row as read back.  Strings are owned (store_item_out_free);
 * the nullable ones are NULL for SQL NULL, and receipt_json is NULL in
 * listings. */
struct store_item_out {
	char receipt_id[STORE_ID_MAX];
	long long received_at;
	char sha256[SHA256_HEX_LEN + 1];
	unsigned long long bytes;
	char verdict[16];
	char *reason;
	char *sender, *recipients, *subject;
	char *receipt_json;
	char key_id[STORE_KEY_ID_LEN + 1];
	char state[16];		/* "held", "released" (or "expired", reserved) */
	long long released_at;	/* -1 when not released */
	char *released_by;
	long long expires_at;
};

/* Listing filter; zero/NULL fields do not filter.  Newest first. */
struct store_filter {
	long long since, until;	/* received_at in [since, until); until 0: no bound */
	const char *verdict;
	const char *state;
	const char *sender;	/* substring, ASCII letters case-insensitive */
	size_t limit;		/* 0: all */
};

/* Return non-zero to stop the listing. */
typedef int (*store_list_fn)(const struct store_item_out *it, void *ctx);

int store_open(struct store **s, const struct store_config *cfg, struct buf *err);
void store_close(struct store *s);

/* Stores the original (once per content) and the item's row.  0 stored,
 * STORE_EXISTS (the id is stored with the same content: nothing changed), -1
 * error (also: the id is stored with other content). */
int store_put(struct store *s, const struct store_item *it, const void *orig,
    size_t len, struct buf *err);
/* Group commit: n items (at most STORE_PUT_MANY_MAX) stored as store_put
 * would, each with its own status, but with one fsync round for the blobs
 * (every file, then once per folder) and every row in one transaction.  An
 * item that cannot be stored fails alone (a failed insert is taken out and
 * the transaction run again without it); a failed begin or commit fails
 * every item that was in the transaction.  No item's status is 0 or
 * STORE_EXISTS unless its blob and row are durable.  Returns 0 when every
 * item is stored, else -1. */
#define STORE_PUT_MANY_MAX 64
struct store_put {
	const struct store_item *it;
	const void *orig;
	size_t len;
	int status;		/* set: 0, STORE_EXISTS or -1 */
	struct buf *err;	/* the reason is appended here when -1 */
};
int store_put_many(struct store *s, struct store_put *items, size_t n);
/* Appends the decrypted original to orig (if not NULL; its ceiling bounds
 * what is read) and fills meta (if not NULL; free with store_item_out_free).
 * 0, STORE_NOT_FOUND or -1. */
int store_get(struct store *s, const char *receipt_id, struct buf *orig,
    struct store_item_out *meta, struct buf *err);
void store_item_out_free(struct store_item_out *m);
int store_list(struct store *s, const struct store_filter *f, store_list_fn fn,
    void *ctx, struct buf *err);
/* held -> released, recording who and when.  0, STORE_NOT_FOUND, or -1 (also
 * when the item is not held). */
int store_mark_released(struct store *s, const char *receipt_id, const char *by,
    long long when, struct buf *err);

/*
 * Releases.  An original leaves the quarantine only with a record of who,
 * when, why and what (its digest): store_release decrypts the item's
 * original (held or released before), writes it to a synced temporary file
 * beside out_path, then in one write transaction inserts a row into
 * "releases" (the item's first release also turns it from held to released,
 * with released_at and released_by) and calls record (the caller's journal
 * record, say), commits, and only then links the file to out_path (never
 * over an existing file).  A failure before the commit leaves nothing: no
 * row, no file.  Returns 0, STORE_NOT_FOUND, or -1 (if the link fails after
 * the commit, the message says that the release was recorded).
 *
 * receipt_id, released_at, by, account and reason are the caller's (the
 * strings are stored as store_item's are: valid UTF-8, at most
 * STORE_FIELD_MAX bytes, and record sees them as stored); release_id,
 * sha256, bytes and n are filled in.  Release ids are RL-YYYYMMDD-<16 hex>.
 */
struct store_release {
	char release_id[STORE_ID_MAX];
	const char *receipt_id;
	long long released_at;
	const char *by;			/* the operator's name */
	const char *account;		/* the system account that released it */
	const char *reason;
	char sha256[SHA256_HEX_LEN + 1];	/* of the bytes that left */
	unsigned long long bytes;
	unsigned long long n;		/* the item's first, second ... release */
};
/* Non-zero: fails store_release (with a reason in err), or stops a listing. */
typedef int (*store_release_fn)(const struct store_release *r, void *ctx, struct buf *err);
int store_release(struct store *s, struct store_release *r, const char *out_path,
    store_release_fn record, void *ctx, struct buf *err);
/* The same, the bytes appended to out (within its ceiling, checked before
 * anything is recorded) once the release is recorded: for the console's
 * download, which hands them to the web process. */
int store_release_bytes(struct store *s, struct store_release *r, struct buf *out,
    store_release_fn record, void *ctx, struct buf *err);
/* The releases of an item, oldest first (the strings live during the call). */
int store_releases(struct store *s, const char *receipt_id, store_release_fn fn, void *ctx,
    struct buf *err);
/* Deletes rows whose expires_at <= now, then their blobs unless another row
 * still refers to them; counts both. */
int store_expire(struct store *s, long long now, size_t *rows, size_t *blobs,
    struct buf *err);
/*
 * Checkpoints.  SQLite folds its write-ahead log back into the database
 * every 1000 pages, inside whichever commit crosses that line: with the
 * indexes and inline blobs a busy milter crossed it every ~150 messages, and
 * the messages in that batch waited for it (tens of ms).  A caller with a
 * moment where nobody waits (the milter's checkpoint thread) calls
 * store_defer_checkpoints() once and store_checkpoint() in that moment: a
 * PASSIVE checkpoint (never blocks other writers) once STORE_CHECKPOINT_PAGES
 * pages were logged since the last one.  PostgreSQL: nothing to do.  0, or -1 with
 * the reason (the log then stays, and is folded next time).
 * store_checkpoint_due: whether store_checkpoint would fold the log now.
 */
#define STORE_CHECKPOINT_PAGES 4000
void store_defer_checkpoints(struct store *s);
int store_checkpoint(struct store *s, struct buf *err);
int store_checkpoint_due(struct store *s);

/*
 * Queries of the console's tables (users, user_recovery, sessions, requests;
 * store_schema[] in store.c).  sql is the caller's constant text with ?1 ..
 * ?N placeholders (each backend turns them into its own syntax), never built
 * from data; params are text (integers written in decimal), NULL for SQL
 * NULL.  fn (may be NULL) gets each row's columns as text, NULL for SQL NULL,
 * valid during the call; a non-zero return stops the rows.  write: the
 * statement changes rows, and runs in a write transaction of its own unless
 * inside store_transaction; *changes (may be NULL) is how many rows it
 * changed.  0 or -1 with a message.
 */
#define STORE_QUERY_PARAMS_MAX 16
typedef int (*store_row_fn)(size_t ncols, const char *const *cols, void *ctx);
int store_query(struct store *s, int write, const char *sql, const char *const *params,
    size_t n, store_row_fn fn, void *ctx, long long *changes, struct buf *err);
/* Runs fn inside one write transaction: its store_query calls and whatever
 * else it does (a journal record) commit together, or, when fn returns
 * non-zero or the commit fails, roll back together.  fn's return value is
 * returned (or -1 when the commit failed). */
typedef int (*store_tx_fn)(struct store *s, void *ctx, struct buf *err);
int store_transaction(struct store *s, store_tx_fn fn, void *ctx, struct buf *err);

/* Reads and decrypts one blob and checks its digest (a consistency check). */
int store_blob_check(struct store *s, const char *sha256, struct buf *err);
/* Path of a blob (for tests and operators' diagnostics). */
void store_blob_path(const struct store *s, const char *sha256, struct buf *path);

/* Key files.  generate: a new file with one key, mode 0600, never over an
 * existing file.  rotate: a new current key put first, the old ones kept. */
int store_key_generate(const char *path, struct buf *err);
int store_key_rotate(const char *path, struct buf *err);

/* Create path with the bytes atomically (temporary file, fsync, link, fsync
 * of the folder); an existing path is never replaced. */
int store_write_new_file(const char *path, const void *p, size_t n, mode_t mode,
    struct buf *err);

#endif
