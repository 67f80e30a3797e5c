/*
 * store_backend - what a metadata backend of the quarantine store provides
 * (SQLite in meta_sqlite.c; PostgreSQL in meta_pg.c, for several nodes).
 *
 * Contract: the schema is store_schema[] for every backend, plain portable
 * SQL (TEXT, BIGINT, CHECK, CREATE ... IF NOT EXISTS), so the same rows can
 * move between backends.  Each backend keeps its own statement texts (its
 * placeholder syntax, its case-insensitive match) and binds every value
 * through placeholders: SQL is never built from data.  Writes made between
 * begin() and commit() are one transaction that excludes other writers, so
 * store.c can keep blobs and rows consistent (put vs expire).  Every function
 * returns 0, STORE_NOT_FOUND where said, or -1 with a message in err.
 */
#ifndef SEKISHO_STORE_STORE_BACKEND_H
#define SEKISHO_STORE_STORE_BACKEND_H

#include "store/store.h"

/* 1: items; 2: blobs (inline originals); 3: releases; 4: the console's
 * accounts, recovery codes, sessions and release requests.  An older sekisho
 * refuses a newer database instead of reporting its inline originals
 * missing, or releasing without a record. */
#define STORE_SCHEMA_VERSION 5

/* Portable DDL, run in order inside one transaction on open. */
extern const char *const store_schema[];

/* Called for each expired row: its id and blob digest. */
typedef void (*store_expired_fn)(const char *receipt_id, const char *sha256, void *ctx);

struct store_backend_ops {
	const char *name;
	int (*open)(void **be, const struct store_config *cfg, struct buf *err);
	void (*close)(void *be);
	int (*begin)(void *be, struct buf *err);	/* write transaction */
	int (*commit)(void *be, struct buf *err);
	void (*rollback)(void *be);
	/* -> 0, STORE_EXISTS when the id has a row (its sha256 in have_sha) */
	int (*insert)(void *be, const struct store_item *it, const char *sha256,
	    unsigned long long bytes, const char *key_id, long long expires_at,
	    char have_sha[SHA256_HEX_LEN + 1], struct buf *err);
	/* -> 0 or STORE_NOT_FOUND; with_receipt: also load receipt_json */
	int (*get)(void *be, const char *receipt_id, int with_receipt,
	    struct store_item_out *out, struct buf *err);
	int (*list)(void *be, const struct store_filter *f, store_list_fn fn,
	    void *ctx, struct buf *err);
	/* -> 0, STORE_NOT_FOUND, or -1 when not held */
	int (*mark_released)(void *be, const char *receipt_id, const char *by,
	    long long when, struct buf *err);
	/* a row in releases (numbered: r->n is set), and held -> released
	 * (first release) -> 0, STORE_NOT_FOUND, or -1 (also when neither held
	 * nor released) */
	int (*release_add)(void *be, struct store_release *r, struct buf *err);
	/* the item's releases, in their order (n) */
	int (*releases)(void *be, const char *receipt_id, store_release_fn fn, void *ctx,
	    struct buf *err);
	/* up to max rows with expires_at <= now */
	int (*expired)(void *be, long long now, size_t max, store_expired_fn fn,
	    void *ctx, struct buf *err);
	int (*delete_item)(void *be, const char *receipt_id, struct buf *err);
	int (*sha_in_use)(void *be, const char *sha256, int *in_use, struct buf *err);
	/* One statement of the caller's constant text (?1..?N placeholders,
	 * text parameters, NULL for SQL NULL): rows to fn as text (NULL for
	 * SQL NULL), the rows it changed in *changes. */
	int (*query)(void *be, const char *sql, const char *const *params, size_t n,
	    store_row_fn fn, void *ctx, long long *changes, struct buf *err);
	/* Inline blobs (the sealed bytes, opaque here), by sha256.  put replaces
	 * what is stored under the digest; get appends to out (its ceiling
	 * bounds what is read) -> 0, STORE_NOT_FOUND or -1; del sets *gone. */
	int (*blob_put)(void *be, const char *sha256, const void *sealed, size_t len,
	    struct buf *err);
	int (*blob_get)(void *be, const char *sha256, struct buf *out, struct buf *err);
	int (*blob_del)(void *be, const char *sha256, int *gone, struct buf *err);
	/* store_defer_checkpoints / store_checkpoint (store.h); may be NULL */
	void (*defer_checkpoints)(void *be);
	int (*checkpoint)(void *be, struct buf *err);
	int (*checkpoint_due)(void *be);
};

extern const struct store_backend_ops store_sqlite_ops;
extern const struct store_backend_ops store_pg_ops;

#endif
