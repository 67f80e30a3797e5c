/*
 * test_store - store: the encrypted, content-addressed quarantine store and
 * its SQLite metadata, in a temporary folder per test: round trips, dedup,
 * tampering, swapped blobs, wrong and rotated keys, key file permissions,
 * expiry, listing filters, release (marked, and recorded releases: a row
 * each, only when the caller's record succeeds, never over a file), and crash safety (a writer killed at
 * random moments never leaves a partial blob under a final name); inline
 * blobs (small originals in the database with their rows): round trip,
 * dedup, expiry, repair of a damaged one, batches mixing inline and files,
 * reading after quarantine_inline_limit changed, upgrade of a version-1
 * and a version-2 database.  Writers: two handles of one process take turns without ever
 * finding the database locked; a writer waiting for another connection's
 * lock goes on promptly after it is freed.  Most tests use files
 * (inline_max 0), the inline ones set it.
 *
 * Built twice: test_store runs on SQLite; test_store_pg (STORE_TEST_PG) runs
 * the same tests on the PostgreSQL named by SEKISHO_TEST_PG (a libpq
 * connection string; tests/store-pg/run starts a server and sets it), with
 * PostgreSQL's own schema checks, reconnection after the server ends the
 * connection, and writers racing expire in several processes.  Without
 * SEKISHO_TEST_PG it says SKIPPED and exits 77 (ctest: skipped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "core/clock.h"
#include "core/digest.h"
#include "store/stmt_cache.h"
#include "store/store.h"

#ifdef STORE_TEST_PG
#include <libpq-fe.h>

#define SKIP_EXIT 77
static const char *pg_conninfo;	/* SEKISHO_TEST_PG */

/* Run SQL on a connection of the test's own; the first value of the first
 * row goes to out (if not NULL).  0, or -1 with a message on stderr. */
static int
pg_sql(const char *sql, char *out, size_t n)
{
	PGconn *c = PQconnectdb(pg_conninfo);
	PGresult *r;
	int ok;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "test connection: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "%s: %s", sql, PQresultErrorMessage(r));
	else if (out != NULL)
		snprintf(out, n, "%s", PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}
#endif

#define NOW 1800000000LL
#define STORE_TEST_SCHEMA 5	/* the version a new store is made at */
#define DAYS(n) ((long long)(n) * 86400)
#define RETENTION 30

struct fx {
	char dir[64];
	char blobs[128], db[128], key[128];
	size_t inline_max;	/* 0 unless a test sets it and reopens */
	struct store *s;
};

static struct store_config
config_of(struct fx *f, const char *key)
{
	struct store_config c;

	memset(&c, 0, sizeof c);
	c.blob_dir = f->blobs;
	c.sqlite_path = f->db;
	c.key_path = key;
	c.retention_days = RETENTION;
	c.inline_max = f->inline_max;
	c.create = 1;
#ifdef STORE_TEST_PG
	c.backend = STORE_BACKEND_POSTGRESQL;
	c.pg_conninfo = pg_conninfo;
#endif
	return c;
}

static void
reopen(struct fx *f, const char *key)
{
	struct store_config c = config_of(f, key);
	struct buf err;

	store_close(f->s);
	f->s = NULL;
	buf_init(&err, 4096);
	if (store_open(&f->s, &c, &err) != 0)
		fail_msg("store_open: %s", buf_str(&err));
	buf_free(&err);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct buf err;

	snprintf(f->dir, sizeof f->dir, "/tmp/sk-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->blobs, sizeof f->blobs, "%s/q", f->dir);
	snprintf(f->db, sizeof f->db, "%s/q.db", f->dir);
	snprintf(f->key, sizeof f->key, "%s/q.key", f->dir);
	buf_init(&err, 4096);
	if (store_key_generate(f->key, &err) != 0) {
		fprintf(stderr, "keygen: %s\n", buf_str(&err));
		return -1;
	}
	buf_free(&err);
#ifdef STORE_TEST_PG
	/* every test starts with an empty database, as with a new folder */
	if (pg_sql("SET client_min_messages = warning; "
	    "DROP TABLE IF EXISTS items, schema_version, blobs, releases, users, user_recovery, "
	    "sessions, requests, item_recipients, unlock_tries, console_state, outbound_holds, outbound_known", NULL, 0) != 0)
		return -1;
#endif
	reopen(f, f->key);
	*state = f;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static struct store_item
item(const char *id, long long t, const char *verdict, const char *sender,
    const char *subject)
{
	struct store_item it;

	memset(&it, 0, sizeof it);
	it.receipt_id = id;
	it.received_at = t;
	it.verdict = verdict;
	it.reason = strcmp(verdict, "withheld") == 0 ? "ambiguous-structure" : NULL;
	it.sender = sender;
	it.recipients = "soumu@city.example.lg.jp";
	it.subject = subject;
	it.receipt_json = "{\"schema\":\"sekisho.receipt/1\"}";
	return it;
}

static void
put_ok(struct fx *f, const struct store_item *it, const void *p, size_t n)
{
	struct buf err;

	buf_init(&err, 4096);
	if (store_put(f->s, it, p, n, &err) != 0)
		fail_msg("store_put %s: %s", it->receipt_id, buf_str(&err));
	buf_free(&err);
}

static void
blob_path(struct fx *f, const void *p, size_t n, struct buf *path)
{
	char sha[SHA256_HEX_LEN + 1];

	sha256_hex(p, n, sha);
	buf_init(path, 4096);
	store_blob_path(f->s, sha, path);
}

/* Counting files by suffix under a folder. */
static const char *count_suffix;
static size_t counted;

static int
count_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	size_t n = strlen(path), k = strlen(count_suffix);

	if (flag == FTW_F && n >= k && strcmp(path + n - k, count_suffix) == 0)
		counted++;
	return 0;
}

static size_t
count_files(const char *dir, const char *suffix)
{
	count_suffix = suffix;
	counted = 0;
	nftw(dir, count_one, 16, FTW_PHYS);
	return counted;
}

/* Expect get to fail with a message containing want. */
static void
get_fails(struct fx *f, const char *id, const char *want)
{
	struct buf orig, err;

	buf_init(&orig, 1 << 24);
	buf_init(&err, 4096);
	assert_int_equal(store_get(f->s, id, &orig, NULL, &err), -1);
	if (strstr(buf_str(&err), want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", buf_str(&err), want);
	assert_int_equal(orig.len, 0);
	buf_free(&orig);
	buf_free(&err);
}

static void
flip_byte(const char *path, off_t at)
{
	int fd = open(path, O_RDWR);
	unsigned char c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x01;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

/* ---- inline blobs: looked at and damaged in the database itself ---------- */

#ifdef STORE_TEST_PG
static long long
inline_count(struct fx *f)
{
	char v[32];

	assert_int_equal(pg_sql("SELECT count(*) FROM blobs", v, sizeof v), 0);
	return strtoll(v, NULL, 10);
}

/* Flip one byte of every inline blob's ciphertext. */
static void
inline_damage(struct fx *f)
{
	assert_int_equal(pg_sql("UPDATE blobs SET sealed = set_byte(sealed, 50, "
	    "(get_byte(sealed, 50) + 1) % 256)", NULL, 0), 0);
}
#else
static long long
inline_count(struct fx *f)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long n;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM blobs", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
inline_damage(struct fx *f)
{
	sqlite3 *db;
	sqlite3_stmt *st, *up;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sha256, sealed FROM blobs", -1, &st,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE blobs SET sealed = ?2 WHERE sha256 = ?1",
	    -1, &up, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int n = sqlite3_column_bytes(st, 1);
		unsigned char *b = malloc((size_t)n);

		assert_true(n > 50);
		memcpy(b, sqlite3_column_blob(st, 1), (size_t)n);
		b[50] ^= 0x01;
		sqlite3_bind_text(up, 1, (const char *)sqlite3_column_text(st, 0), -1,
		    SQLITE_TRANSIENT);
		sqlite3_bind_blob(up, 2, b, n, SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(up), SQLITE_DONE);
		sqlite3_reset(up);
		free(b);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	sqlite3_close(db);
}
#endif

static void
reopen_inline(struct fx *f, size_t max)
{
	f->inline_max = max;
	reopen(f, f->key);
}

static void
get_is(struct fx *f, const char *id, const char *want)
{
	struct buf out, err;

	buf_init(&out, 1 << 20);
	buf_init(&err, 4096);
	if (store_get(f->s, id, &out, NULL, &err) != 0)
		fail_msg("store_get %s: %s", id, buf_str(&err));
	assert_string_equal(buf_str(&out), want);
	buf_free(&out);
	buf_free(&err);
}


static const char jp_subject[] = "【重要】会議資料の件（ご確認ください）①㈱髙ｶﾀｶﾅ";
static const char jp_sender[] = "山田 太郎 <yamada@example.co.jp>";

static void
test_roundtrip(void **state)
{
	struct fx *f = *state;
	struct store_item it = item("SK-20270115-0123456789abcdef", NOW, "withheld", jp_sender,
	    jp_subject);
	unsigned char orig[5000];
	struct store_item_out m;
	struct buf out, err;
	char sha[SHA256_HEX_LEN + 1];

	for (size_t i = 0; i < sizeof orig; i++)
		orig[i] = (unsigned char)(i * 7);	/* binary, NUL bytes included */
	it.receipt_json = "{\"schema\":\"sekisho.receipt/1\",\"subject\":\"会議\"}";
	put_ok(f, &it, orig, sizeof orig);
	buf_init(&out, 1 << 20);
	buf_init(&err, 4096);
	assert_int_equal(store_get(f->s, it.receipt_id, &out, &m, &err), 0);
	assert_int_equal(out.len, sizeof orig);
	assert_memory_equal(out.data, orig, sizeof orig);
	sha256_hex(orig, sizeof orig, sha);
	assert_string_equal(m.receipt_id, it.receipt_id);
	assert_int_equal(m.received_at, NOW);
	assert_string_equal(m.sha256, sha);
	assert_int_equal(m.bytes, sizeof orig);
	assert_string_equal(m.verdict, "withheld");
	assert_string_equal(m.reason, "ambiguous-structure");
	assert_string_equal(m.sender, jp_sender);
	assert_string_equal(m.recipients, "soumu@city.example.lg.jp");
	assert_string_equal(m.subject, jp_subject);
	assert_string_equal(m.receipt_json, it.receipt_json);
	assert_string_equal(m.state, "held");
	assert_int_equal(m.released_at, -1);
	assert_null(m.released_by);
	assert_int_equal(m.expires_at, NOW + DAYS(RETENTION));
	assert_int_equal(strlen(m.key_id), 16);
	store_item_out_free(&m);

	/* metadata only, and an unknown id */
	assert_int_equal(store_get(f->s, it.receipt_id, NULL, &m, &err), 0);
	assert_string_equal(m.subject, jp_subject);
	store_item_out_free(&m);
	assert_int_equal(store_get(f->s, "SK-20270115-ffffffffffffffff", NULL, &m, &err),
	    STORE_NOT_FOUND);
	store_item_out_free(&m);

	/* survives closing and reopening */
	reopen(f, f->key);
	buf_reset(&out);
	assert_int_equal(store_get(f->s, it.receipt_id, &out, NULL, &err), 0);
	assert_memory_equal(out.data, orig, sizeof orig);

	/* an empty original is an original too */
	it.receipt_id = "SK-empty";
	put_ok(f, &it, "", 0);
	buf_reset(&out);
	assert_int_equal(store_get(f->s, "SK-empty", &out, NULL, &err), 0);
	assert_int_equal(out.len, 0);

	/* the caller's ceiling bounds what is read */
	{
		struct buf small;

		buf_init(&small, 100);
		assert_int_equal(store_get(f->s, "SK-20270115-0123456789abcdef", &small, NULL,
		    &err), -1);
		assert_non_null(strstr(buf_str(&err), "larger"));
		buf_free(&small);
	}
	buf_free(&out);
	buf_free(&err);
}

static void
test_files_private(void **state)
{
	struct fx *f = *state;
	struct store_item it = item("SK-a", NOW, "sanitized", "a@example.com", "x");
	struct buf path;
	struct stat st;

	put_ok(f, &it, "secret original", 15);
	blob_path(f, "secret original", 15, &path);
	assert_int_equal(stat(buf_str(&path), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(f->blobs, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
#ifndef STORE_TEST_PG
	assert_int_equal(stat(f->db, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
#endif
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* the plaintext is nowhere in the blob */
	{
		FILE *fp = fopen(buf_str(&path), "rb");
		char data[256];
		size_t n = fread(data, 1, sizeof data, fp);

		fclose(fp);
		assert_int_equal(n, 4 + 16 + 24 + 15 + 16);
		assert_memory_equal(data, "SKQ1", 4);
		assert_null(memmem(data, n, "secret", 6));
	}
	/* <dir>/ab/<sha256>.sk */
	{
		char sha[SHA256_HEX_LEN + 1], want[512];

		sha256_hex("secret original", 15, sha);
		snprintf(want, sizeof want, "%s/%.2s/%s.sk", f->blobs, sha, sha);
		assert_string_equal(buf_str(&path), want);
	}
	buf_free(&path);
}

/*
 * Stores written by 0.1 kept blobs at ab/cd/<sha256>.sk: such a blob is
 * still read, deduplicated against (not written again) and expired.
 */
static void
test_old_layout(void **state)
{
	struct fx *f = *state;
	struct store_item a = item("SK-a", NOW, "withheld", "a@example.com", "one");
	struct store_item b = item("SK-b", NOW + 1, "withheld", "b@example.com", "two");
	char sha[SHA256_HEX_LEN + 1], old[1200], cd[1024];
	struct buf path, out, err;
	size_t rows, blobs;
	struct stat st;

	put_ok(f, &a, "kept by 0.1", 11);
	blob_path(f, "kept by 0.1", 11, &path);
	sha256_hex("kept by 0.1", 11, sha);
	snprintf(cd, sizeof cd, "%s/%.2s/%.2s", f->blobs, sha, sha + 2);
	snprintf(old, sizeof old, "%s/%s.sk", cd, sha);
	assert_int_equal(mkdir(cd, 0700), 0);
	assert_int_equal(rename(buf_str(&path), old), 0);
	buf_init(&out, 1024);
	buf_init(&err, 4096);
	assert_int_equal(store_get(f->s, "SK-a", &out, NULL, &err), 0);
	assert_string_equal(buf_str(&out), "kept by 0.1");
	/* the same content again: found where it is, not written twice */
	put_ok(f, &b, "kept by 0.1", 11);
	assert_int_equal(count_files(f->blobs, ".sk"), 1);
	assert_int_equal(stat(buf_str(&path), &st), -1);
	buf_reset(&out);
	assert_int_equal(store_get(f->s, "SK-b", &out, NULL, &err), 0);
	assert_string_equal(buf_str(&out), "kept by 0.1");
	/* expired from where it is */
	assert_int_equal(store_expire(f->s, NOW + DAYS(RETENTION) + 1, &rows, &blobs, &err), 0);
	assert_int_equal(rows, 2);
	assert_int_equal(blobs, 1);
	assert_int_equal(stat(old, &st), -1);
	assert_int_equal(count_files(f->blobs, ".sk"), 0);
	buf_free(&path);
	buf_free(&out);
	buf_free(&err);
}

static void
test_dedup(void **state)
{
	struct fx *f = *state;
	struct store_item a = item("SK-a", NOW, "sanitized", "a@example.com", "one");
	struct store_item b = item("SK-b", NOW + 1, "withheld", "b@example.com", "two");
	struct store_item c = item("SK-c", NOW + 2, "withheld", "c@example.com", "three");
	struct store_item_out ma, mb;
	struct buf out, err;

	put_ok(f, &a, "same bytes", 10);
	put_ok(f, &b, "same bytes", 10);
	put_ok(f, &c, "other bytes", 11);
	assert_int_equal(count_files(f->blobs, ".sk"), 2);
	buf_init(&out, 1024);
	buf_init(&err, 4096);
	assert_int_equal(store_get(f->s, "SK-a", &out, &ma, &err), 0);
	assert_int_equal(store_get(f->s, "SK-b", &out, &mb, &err), 0);
	assert_string_equal(buf_str(&out), "same bytessame bytes");
	assert_string_equal(ma.sha256, mb.sha256);
	assert_string_equal(mb.subject, "two");
	store_item_out_free(&ma);
	store_item_out_free(&mb);

	/* same id again: same content is no change, other content is refused */
	assert_int_equal(store_put(f->s, &a, "same bytes", 10, &err), STORE_EXISTS);
	assert_int_equal(store_put(f->s, &a, "changed", 7, &err), -1);
	assert_non_null(strstr(buf_str(&err), "other content"));
	buf_free(&out);
	buf_free(&err);
}

static void
test_dedup_repairs_damaged_blob(void **state)
{
	struct fx *f = *state;
	struct store_item a = item("SK-a", NOW, "withheld", "a@example.com", "one");
	struct store_item b = item("SK-b", NOW, "withheld", "a@example.com", "two");
	struct buf path, out, err;

	put_ok(f, &a, "the original message", 20);
	blob_path(f, "the original message", 20, &path);
	flip_byte(buf_str(&path), 50);
	get_fails(f, "SK-a", "authentication failed");
	/* storing the same content again writes a sound blob, for both rows */
	put_ok(f, &b, "the original message", 20);
	buf_init(&out, 1024);
	buf_init(&err, 4096);
	assert_int_equal(store_get(f->s, "SK-a", &out, NULL, &err), 0);
	assert_int_equal(store_get(f->s, "SK-b", &out, NULL, &err), 0);
	buf_free(&out);
	buf_free(&err);
	buf_free(&path);
}

static void
test_tampered_blob(void **state)
{
	struct fx *f = *state;
	struct store_item it = item("SK-t", NOW, "withheld", "a@example.com", "x");
	struct buf path;

	put_ok(f, &it, "a message to tamper with", 24);
	blob_path(f, "a message to tamper with", 24, &path);
	flip_byte(buf_str(&path), 4 + 16 + 24 + 3);	/* ciphertext */
	get_fails(f, "SK-t", "authentication failed");
	flip_byte(buf_str(&path), 4 + 16 + 24 + 3);	/* undone: readable again */
	flip_byte(buf_str(&path), 4 + 16 + 5);		/* nonce */
	get_fails(f, "SK-t", "authentication failed");
	flip_byte(buf_str(&path), 4 + 16 + 5);
	flip_byte(buf_str(&path), 4 + 16 + 24 + 24 + 10);	/* tag */
	get_fails(f, "SK-t", "authentication failed");
	flip_byte(buf_str(&path), 4 + 16 + 24 + 24 + 10);
	flip_byte(buf_str(&path), 0);			/* magic */
	get_fails(f, "SK-t", "bad header");
	flip_byte(buf_str(&path), 0);
	{
		struct buf out, err;

		buf_init(&out, 1024);
		buf_init(&err, 4096);
		assert_int_equal(store_get(f->s, "SK-t", &out, NULL, &err), 0);
		assert_string_equal(buf_str(&out), "a message to tamper with");
		buf_free(&out);
		buf_free(&err);
	}
	/* truncated, and missing */
	assert_int_equal(truncate(buf_str(&path), 30), 0);
	get_fails(f, "SK-t", "impossible size");
	assert_int_equal(unlink(buf_str(&path)), 0);
	get_fails(f, "SK-t", "missing");
	buf_free(&path);
}

static void
test_swapped_blob(void **state)
{
	struct fx *f = *state;
	struct store_item a = item("SK-a", NOW, "withheld", "a@example.com", "a");
	struct store_item b = item("SK-b", NOW, "withheld", "b@example.com", "b");
	struct buf pa, pb;
	char cmd[1024];

	put_ok(f, &a, "content of A", 12);
	put_ok(f, &b, "content of B", 12);
	blob_path(f, "content of A", 12, &pa);
	blob_path(f, "content of B", 12, &pb);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", buf_str(&pa), buf_str(&pb));
	assert_int_equal(system(cmd), 0);
	get_fails(f, "SK-b", "authentication failed");
	buf_free(&pa);
	buf_free(&pb);
}

static void
test_wrong_key(void **state)
{
	struct fx *f = *state;
	struct store_item it = item("SK-k", NOW, "withheld", "a@example.com", "x");
	char other[256];
	struct buf err;

	put_ok(f, &it, "keyed content", 13);
	snprintf(other, sizeof other, "%s/other.key", f->dir);
	buf_init(&err, 4096);
	assert_int_equal(store_key_generate(other, &err), 0);
	reopen(f, other);
	get_fails(f, "SK-k", "which the key file does not hold");
	/* a key file naming the old key id with another key is refused on load */
	{
		FILE *fp;
		char line[256], id[17], forged[256];
		struct store *s2;
		struct store_config c;

		fp = fopen(f->key, "r");
		assert_non_null(fgets(line, sizeof line, fp));
		fclose(fp);
		memcpy(id, line, 16);
		id[16] = '\0';
		fp = fopen(other, "r");
		assert_non_null(fgets(line, sizeof line, fp));
		fclose(fp);
		snprintf(forged, sizeof forged, "%s/forged.key", f->dir);
		fp = fopen(forged, "w");
		fprintf(fp, "%s%s", id, line + 16);
		fclose(fp);
		chmod(forged, 0600);
		c = config_of(f, forged);
		assert_int_equal(store_open(&s2, &c, &err), -1);
		assert_non_null(strstr(buf_str(&err), "does not match the key"));
		assert_null(s2);
	}
	buf_free(&err);
}

static void
test_key_rotation(void **state)
{
	struct fx *f = *state;
	struct store_item a = item("SK-old", NOW, "withheld", "a@example.com", "old");
	struct store_item b = item("SK-new", NOW, "withheld", "a@example.com", "new");
	struct store_item c = item("SK-dup", NOW, "withheld", "a@example.com", "dup");
	struct store_item_out ma, mb, mc;
	struct buf out, err;
	char newonly[256];
	struct stat st;

	put_ok(f, &a, "stored under the first key", 26);
	buf_init(&err, 4096);
	assert_int_equal(store_key_rotate(f->key, &err), 0);
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	reopen(f, f->key);
	put_ok(f, &b, "stored under the second key", 27);
	put_ok(f, &c, "stored under the first key", 26);	/* dedup keeps the old blob */
	buf_init(&out, 1024);
	assert_int_equal(store_get(f->s, "SK-old", &out, &ma, &err), 0);
	assert_string_equal(buf_str(&out), "stored under the first key");
	buf_reset(&out);
	assert_int_equal(store_get(f->s, "SK-new", &out, &mb, &err), 0);
	assert_string_equal(buf_str(&out), "stored under the second key");
	assert_int_equal(store_get(f->s, "SK-dup", NULL, &mc, &err), 0);
	assert_string_not_equal(ma.key_id, mb.key_id);
	assert_string_equal(mc.key_id, ma.key_id);

	/* the second line still decrypts; with the old key gone it does not */
	{
		FILE *in = fopen(f->key, "r"), *o;
		char line[256];

		assert_non_null(fgets(line, sizeof line, in));
		fclose(in);
		assert_memory_equal(line, mb.key_id, 16);
		snprintf(newonly, sizeof newonly, "%s/new-only.key", f->dir);
		o = fopen(newonly, "w");
		fputs(line, o);
		fclose(o);
		chmod(newonly, 0600);
	}
	reopen(f, newonly);
	get_fails(f, "SK-old", "does not hold");
	buf_reset(&out);
	assert_int_equal(store_get(f->s, "SK-new", &out, NULL, &err), 0);
	store_item_out_free(&ma);
	store_item_out_free(&mb);
	store_item_out_free(&mc);
	buf_free(&out);
	buf_free(&err);
}

static void
test_key_file_checks(void **state)
{
	struct fx *f = *state;
	struct store *s2 = NULL;
	struct store_config c = config_of(f, f->key);
	struct buf err;
	char path[256];
	FILE *fp;

	buf_init(&err, 4096);
	/* never overwritten */
	assert_int_equal(store_key_generate(f->key, &err), -1);
	assert_non_null(strstr(buf_str(&err), "exists"));
	/* group or world access refused */
	chmod(f->key, 0644);
	buf_reset(&err);
	assert_int_equal(store_open(&s2, &c, &err), -1);
	assert_non_null(strstr(buf_str(&err), "permissions 0644"));
	chmod(f->key, 0640);
	assert_int_equal(store_open(&s2, &c, &err), -1);
	chmod(f->key, 0604);
	assert_int_equal(store_open(&s2, &c, &err), -1);
	chmod(f->key, 0400);
	buf_reset(&err);
	assert_int_equal(store_open(&s2, &c, &err), 0);
	store_close(s2);
	/* malformed contents */
	snprintf(path, sizeof path, "%s/bad.key", f->dir);
	c.key_path = path;
	const char *bad[] = {
		"",
		"# only a comment\n",
		"0123456789abcdef\n",
		"0123456789abcdef bm90IGEga2V5\n",
		"0123456789ABCDEF AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"nothex!!nothex!! AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unlink(path);
		fp = fopen(path, "w");
		fputs(bad[i], fp);
		fclose(fp);
		chmod(path, 0600);
		buf_reset(&err);
		assert_int_equal(store_open(&s2, &c, &err), -1);
		assert_non_null(strstr(buf_str(&err), "key file"));
	}
	/* a key listed twice */
	{
		char line[256], twice[600];

		fp = fopen(f->key, "r");
		assert_non_null(fgets(line, sizeof line, fp));
		fclose(fp);
		snprintf(twice, sizeof twice, "%s%s", line, line);
		unlink(path);
		fp = fopen(path, "w");
		fputs(twice, fp);
		fclose(fp);
		chmod(path, 0600);
		buf_reset(&err);
		assert_int_equal(store_open(&s2, &c, &err), -1);
		assert_non_null(strstr(buf_str(&err), "twice"));
	}
	/* a missing key file */
	c.key_path = "/nonexistent/sekisho.key";
	assert_int_equal(store_open(&s2, &c, &err), -1);
	buf_free(&err);
}

static void
test_no_key_is_metadata_only(void **state)
{
	struct fx *f = *state;
	struct store_item it = item("SK-m", NOW, "withheld", "a@example.com", "x");
	struct store_item_out m;
	struct buf out, err;

	put_ok(f, &it, "abc", 3);
	reopen(f, NULL);
	buf_init(&out, 1024);
	buf_init(&err, 4096);
	assert_int_equal(store_get(f->s, "SK-m", NULL, &m, &err), 0);
	store_item_out_free(&m);
	assert_int_equal(store_get(f->s, "SK-m", &out, NULL, &err), -1);
	assert_non_null(strstr(buf_str(&err), "no key"));
	it.receipt_id = "SK-n";
	buf_reset(&err);
	assert_int_equal(store_put(f->s, &it, "abc", 3, &err), -1);
	assert_non_null(strstr(buf_str(&err), "no key"));
	buf_free(&out);
	buf_free(&err);
}

static int
found_any(size_t ncols, const char *const *cols, void *ctx)
{
	*(int *)ctx = 1;
	return 1;
}

static void
test_expire(void **state)
{
	struct fx *f = *state;
	long long old = NOW - DAYS(RETENTION + 10);
	struct store_item a = item("SK-old-unique", old, "withheld", "a@example.com", "a");
	struct store_item b = item("SK-old-shared", old, "withheld", "a@example.com", "b");
	struct store_item c = item("SK-new-shared", NOW, "withheld", "a@example.com", "c");
	struct store_item d = item("SK-new-unique", NOW, "sanitized", "a@example.com", "d");
	struct store_item e = item("SK-edge", NOW - DAYS(RETENTION), "withheld", "a@example.com", "e");
	struct buf pa, out, err;
	size_t rows, blobs;
	struct stat st;

	put_ok(f, &a, "old and alone", 13);
	put_ok(f, &b, "shared content", 14);
	put_ok(f, &c, "shared content", 14);
	put_ok(f, &d, "new and alone", 13);
	put_ok(f, &e, "exactly due", 11);
	blob_path(f, "old and alone", 13, &pa);
	assert_int_equal(count_files(f->blobs, ".sk"), 4);
	buf_init(&err, 4096);
	/* nothing is due before its time */
	assert_int_equal(store_expire(f->s, old, &rows, &blobs, &err), 0);
	assert_int_equal(rows, 0);
	assert_int_equal(blobs, 0);
	assert_int_equal(store_expire(f->s, NOW, &rows, &blobs, &err), 0);
	assert_int_equal(rows, 3);	/* a, b, e (expires_at <= now) */
	assert_int_equal(blobs, 2);	/* a's and e's; b's is still c's */
	assert_int_equal(count_files(f->blobs, ".sk"), 2);
	assert_int_equal(stat(buf_str(&pa), &st), -1);
	buf_init(&out, 1024);
	assert_int_equal(store_get(f->s, "SK-old-unique", &out, NULL, &err), STORE_NOT_FOUND);
	assert_int_equal(store_get(f->s, "SK-old-shared", &out, NULL, &err), STORE_NOT_FOUND);
	assert_int_equal(store_get(f->s, "SK-new-shared", &out, NULL, &err), 0);
	assert_int_equal(store_get(f->s, "SK-new-unique", &out, NULL, &err), 0);
	assert_string_equal(buf_str(&out), "shared contentnew and alone");
	/* idempotent; then everything, once its time has come */
	assert_int_equal(store_expire(f->s, NOW, &rows, &blobs, &err), 0);
	assert_int_equal(rows, 0);
	assert_int_equal(store_expire(f->s, NOW + DAYS(RETENTION), &rows, &blobs, &err), 0);
	assert_int_equal(rows, 2);
	assert_int_equal(blobs, 2);
	assert_int_equal(count_files(f->blobs, ".sk"), 0);
	{
		/* and their recipients' index rows with them */
		int any = 0;

		assert_int_equal(store_query(f->s, 0, "SELECT 1 FROM item_recipients", NULL, 0,
		    found_any, &any, NULL, &err), 0);
		assert_false(any);
	}
	/* the same content stored again after its blob expired */
	put_ok(f, &a, "old and alone", 13);
	buf_reset(&out);
	assert_int_equal(store_get(f->s, "SK-old-unique", &out, NULL, &err), 0);
	buf_free(&pa);
	buf_free(&out);
	buf_free(&err);
}

static void
test_expire_many(void **state)
{
	struct fx *f = *state;
	struct buf err;
	size_t rows, blobs;
	char id[32], body[32];

	/* more than one batch */
	for (int i = 0; i < 600; i++) {
		struct store_item it;

		snprintf(id, sizeof id, "SK-%04d", i);
		snprintf(body, sizeof body, "body %d", i % 450);
		it = item(id, NOW - DAYS(100) + i, "withheld", "a@example.com", "x");
		put_ok(f, &it, body, strlen(body));
	}
	buf_init(&err, 4096);
	assert_int_equal(store_expire(f->s, NOW, &rows, &blobs, &err), 0);
	assert_int_equal(rows, 600);
	assert_int_equal(blobs, 450);
	assert_int_equal(count_files(f->blobs, ".sk"), 0);
	buf_free(&err);
}

struct seen {
	char ids[64][STORE_ID_MAX];
	size_t n;
	size_t stop_after;
};

static int
collect(const struct store_item_out *it, void *ctx)
{
	struct seen *s = ctx;

	assert_null(it->receipt_json);
	snprintf(s->ids[s->n++], STORE_ID_MAX, "%s", it->receipt_id);
	return s->stop_after > 0 && s->n >= s->stop_after;
}

static void
list_ids(struct fx *f, const struct store_filter *flt, struct seen *s)
{
	struct buf err;

	memset(s, 0, sizeof *s);
	buf_init(&err, 4096);
	if (store_list(f->s, flt, collect, s, &err) != 0)
		fail_msg("store_list: %s", buf_str(&err));
	buf_free(&err);
}

static void
test_list_filters(void **state)
{
	struct fx *f = *state;
	struct store_item it[] = {
		item("SK-1", NOW - 300, "withheld", "Alice <alice@example.com>", "one"),
		item("SK-2", NOW - 200, "sanitized", "bob@example.org", "two"),
		item("SK-3", NOW - 100, "withheld", "山田 <yamada@example.jp>", jp_subject),
		item("SK-4", NOW, "sanitized", "100%_off@spam.example", "four"),
	};
	struct store_filter flt;
	struct seen s;
	struct buf err;

	for (size_t i = 0; i < 4; i++)
		put_ok(f, &it[i], it[i].receipt_id, strlen(it[i].receipt_id));
	memset(&flt, 0, sizeof flt);
	list_ids(f, &flt, &s);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.ids[0], "SK-4");	/* newest first */
	assert_string_equal(s.ids[3], "SK-1");
	flt.since = NOW - 200;
	list_ids(f, &flt, &s);
	assert_int_equal(s.n, 3);
	flt.until = NOW;
	list_ids(f, &flt, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.ids[0], "SK-3");
	assert_string_equal(s.ids[1], "SK-2");
	memset(&flt, 0, sizeof flt);
	flt.verdict = "withheld";
	list_ids(f, &flt, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.ids[0], "SK-3");
	flt.verdict = NULL;
	flt.sender = "ALICE";		/* case-insensitive */
	list_ids(f, &flt, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ids[0], "SK-1");
	flt.sender = "山田";
	list_ids(f, &flt, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ids[0], "SK-3");
	flt.sender = "%";		/* literal, not a wildcard */
	list_ids(f, &flt, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ids[0], "SK-4");
	flt.sender = "0_o";
	list_ids(f, &flt, &s);
	assert_int_equal(s.n, 0);
	flt.sender = NULL;
	flt.limit = 3;
	list_ids(f, &flt, &s);
	assert_int_equal(s.n, 3);
	flt.limit = 0;
	memset(&s, 0, sizeof s);
	s.stop_after = 2;
	buf_init(&err, 4096);
	assert_int_equal(store_list(f->s, &flt, collect, &s, &err), 0);
	assert_int_equal(s.n, 2);
	/* state, after a release */
	assert_int_equal(store_mark_released(f->s, "SK-2", "承認者 suzuki", NOW + 5, &err), 0);
	flt.state = "released";
	list_ids(f, &flt, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ids[0], "SK-2");
	flt.state = "held";
	list_ids(f, &flt, &s);
	assert_int_equal(s.n, 3);
	buf_free(&err);
}

static void
test_mark_released(void **state)
{
	struct fx *f = *state;
	struct store_item it = item("SK-r", NOW, "withheld", "a@example.com", "x");
	struct store_item_out m;
	struct buf err;

	put_ok(f, &it, "release me", 10);
	buf_init(&err, 4096);
	assert_int_equal(store_mark_released(f->s, "SK-r", "承認者 suzuki", NOW + 60, &err), 0);
	assert_int_equal(store_get(f->s, "SK-r", NULL, &m, &err), 0);
	assert_string_equal(m.state, "released");
	assert_int_equal(m.released_at, NOW + 60);
	assert_string_equal(m.released_by, "承認者 suzuki");
	store_item_out_free(&m);
	assert_int_equal(store_mark_released(f->s, "SK-r", "x", NOW + 61, &err), -1);
	assert_non_null(strstr(buf_str(&err), "not held"));
	assert_int_equal(store_mark_released(f->s, "SK-none", "x", NOW, &err), STORE_NOT_FOUND);
	assert_int_equal(store_mark_released(f->s, "../etc", "x", NOW, &err), STORE_NOT_FOUND);
	/* the store still works after the failed update (no transaction left open) */
	it.receipt_id = "SK-r2";
	put_ok(f, &it, "more", 4);
	buf_free(&err);
}

/* ---- releases ------------------------------------------------------------ */

struct rel_seen {
	size_t n;
	char id[4][STORE_ID_MAX], by[4][64], account[4][64], reason[4][128];
	char sha[4][SHA256_HEX_LEN + 1];
	unsigned long long bytes[4], nth[4];
	long long at[4];
};

/* A listing's (or record's) copy of each release. */
static int
rel_collect(const struct store_release *r, void *ctx, struct buf *err)
{
	struct rel_seen *s = ctx;

	assert_true(s->n < 4);
	snprintf(s->id[s->n], sizeof s->id[0], "%s", r->release_id);
	snprintf(s->by[s->n], sizeof s->by[0], "%s", r->by);
	snprintf(s->account[s->n], sizeof s->account[0], "%s", r->account);
	snprintf(s->reason[s->n], sizeof s->reason[0], "%s", r->reason);
	snprintf(s->sha[s->n], sizeof s->sha[0], "%s", r->sha256);
	s->bytes[s->n] = r->bytes;
	s->nth[s->n] = r->n;
	s->at[s->n] = r->released_at;
	s->n++;
	return 0;
}

/* The journal, say, refusing the record. */
static int
rel_refuse(const struct store_release *r, void *ctx, struct buf *err)
{
	buf_puts(err, "the journal refused");
	return -1;
}

static size_t
releases_of(struct fx *f, const char *id, struct rel_seen *s)
{
	struct buf err;

	memset(s, 0, sizeof *s);
	buf_init(&err, 4096);
	if (store_releases(f->s, id, rel_collect, s, &err) != 0)
		fail_msg("store_releases: %s", buf_str(&err));
	buf_free(&err);
	return s->n;
}

static void
file_is(const char *path, const char *want)
{
	char got[256];
	struct stat st;
	FILE *fp = fopen(path, "rb");
	size_t n;

	assert_non_null(fp);
	n = fread(got, 1, sizeof got - 1, fp);
	fclose(fp);
	got[n] = '\0';
	assert_string_equal(got, want);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void
test_release(void **state)
{
	static const char orig[] = "From: a@example.com\nSubject: x\n\nthe original\n";
	struct fx *f = *state;
	struct store_item it = item("SK-rel", NOW, "withheld", "a@example.com", "x");
	struct store_release r = {
		.receipt_id = "SK-rel", .released_at = NOW + 60, .by = "承認者 suzuki",
		.account = "root", .reason = "監査のため (case 12)",
	};
	struct store_item_out m;
	struct rel_seen seen, rec;
	char out1[128], out2[128], out3[128], sha[SHA256_HEX_LEN + 1];
	struct buf err;

	put_ok(f, &it, orig, sizeof orig - 1);
	sha256_hex(orig, sizeof orig - 1, sha);
	snprintf(out1, sizeof out1, "%s/out1.eml", f->dir);
	snprintf(out2, sizeof out2, "%s/out2.eml", f->dir);
	snprintf(out3, sizeof out3, "%s/out3.eml", f->dir);
	buf_init(&err, 4096);
	/* the record cannot be made: nothing is released, nothing written */
	assert_int_equal(store_release(f->s, &r, out1, rel_refuse, NULL, &err), -1);
	assert_non_null(strstr(buf_str(&err), "the journal refused"));
	assert_int_equal(access(out1, F_OK), -1);
	assert_int_equal(count_files(f->dir, ".tmp"), 0);
	assert_int_equal(releases_of(f, "SK-rel", &seen), 0);
	assert_int_equal(store_get(f->s, "SK-rel", NULL, &m, &err), 0);
	assert_string_equal(m.state, "held");
	store_item_out_free(&m);
	/* released: the file, the row, and the record saw the same */
	memset(&rec, 0, sizeof rec);
	buf_reset(&err);
	if (store_release(f->s, &r, out1, rel_collect, &rec, &err) != 0)
		fail_msg("store_release: %s", buf_str(&err));
	file_is(out1, orig);
	assert_int_equal(count_files(f->dir, ".tmp"), 0);
	assert_memory_equal(r.release_id, "RL-20270115-", 12);	/* NOW + 60, UTC */
	assert_int_equal(strlen(r.release_id), 12 + 16);
	assert_string_equal(r.sha256, sha);
	assert_int_equal(r.bytes, sizeof orig - 1);
	assert_int_equal(rec.n, 1);
	assert_string_equal(rec.id[0], r.release_id);
	assert_int_equal(releases_of(f, "SK-rel", &seen), 1);
	assert_string_equal(seen.id[0], r.release_id);
	assert_string_equal(seen.by[0], "承認者 suzuki");
	assert_string_equal(seen.account[0], "root");
	assert_string_equal(seen.reason[0], "監査のため (case 12)");
	assert_string_equal(seen.sha[0], sha);
	assert_int_equal(seen.bytes[0], sizeof orig - 1);
	assert_int_equal(seen.at[0], NOW + 60);
	assert_int_equal(seen.nth[0], 1);
	assert_int_equal(rec.nth[0], 1);
	assert_int_equal(store_get(f->s, "SK-rel", NULL, &m, &err), 0);
	assert_string_equal(m.state, "released");
	assert_int_equal(m.released_at, NOW + 60);
	assert_string_equal(m.released_by, "承認者 suzuki");
	store_item_out_free(&m);
	/* released again: a second row; the item keeps its first release */
	r.released_at = NOW + 120;
	r.by = "tanaka";
	r.reason = "bad \xff byte";	/* stored as valid UTF-8, as the record saw it */
	memset(&rec, 0, sizeof rec);
	assert_int_equal(store_release(f->s, &r, out2, rel_collect, &rec, &err), 0);
	file_is(out2, orig);
	assert_string_equal(rec.reason[0], "bad \xef\xbf\xbd byte");
	assert_int_equal(releases_of(f, "SK-rel", &seen), 2);
	assert_string_equal(seen.by[1], "tanaka");
	assert_string_equal(seen.reason[1], "bad \xef\xbf\xbd byte");
	assert_int_equal(seen.at[1], NOW + 120);
	assert_int_equal(seen.nth[1], 2);
	assert_int_equal(rec.nth[0], 2);
	assert_string_not_equal(seen.id[0], seen.id[1]);
	assert_int_equal(store_get(f->s, "SK-rel", NULL, &m, &err), 0);
	assert_string_equal(m.released_by, "承認者 suzuki");
	store_item_out_free(&m);
	/* never over an existing file, and then not recorded either */
	buf_reset(&err);
	assert_int_equal(store_release(f->s, &r, out1, rel_collect, &rec, &err), -1);
	assert_non_null(strstr(buf_str(&err), "exists already"));
	assert_int_equal(releases_of(f, "SK-rel", &seen), 2);
	/* unknown and malformed ids */
	r.receipt_id = "SK-none";
	assert_int_equal(store_release(f->s, &r, out3, NULL, NULL, &err), STORE_NOT_FOUND);
	r.receipt_id = "../etc";
	assert_int_equal(store_release(f->s, &r, out3, NULL, NULL, &err), STORE_NOT_FOUND);
	assert_int_equal(access(out3, F_OK), -1);
	/* the store still writes (no transaction left open) */
	it.receipt_id = "SK-rel2";
	put_ok(f, &it, "more", 4);
	/* releases outlive their item's expiry: they are the record of what left */
	reopen(f, f->key);
	{
		size_t rows, blobs;

		assert_int_equal(store_expire(f->s, NOW + DAYS(RETENTION + 1), &rows, &blobs, &err),
		    0);
		assert_int_equal(rows, 2);
	}
	assert_int_equal(releases_of(f, "SK-rel", &seen), 2);
	buf_free(&err);
}

static void
test_bad_items(void **state)
{
	struct fx *f = *state;
	struct store_item it = item("SK-x", NOW, "withheld", "a@example.com", "x");
	struct store_item_out m;
	struct buf err, subject;
	const char *bad_ids[] = { "", "../../etc/passwd", "SK x", "SK/x", ".hidden",
	    "SK-0123456789012345678901234567890123456789012345678901234567890123" };

	buf_init(&err, 4096);
	for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
		it.receipt_id = bad_ids[i];
		buf_reset(&err);
		assert_int_equal(store_put(f->s, &it, "x", 1, &err), -1);
		assert_non_null(strstr(buf_str(&err), "receipt id"));
	}
	it.receipt_id = "SK-x";
	it.verdict = "delivered";
	assert_int_equal(store_put(f->s, &it, "x", 1, &err), -1);
	it.verdict = "withheld";
	it.received_at = -5;
	assert_int_equal(store_put(f->s, &it, "x", 1, &err), -1);
	it.received_at = NOW;
	it.receipt_json = NULL;
	assert_int_equal(store_put(f->s, &it, "x", 1, &err), -1);
	it.receipt_json = "{}";

	/* invalid UTF-8 becomes U+FFFD; long fields are cut at a character */
	buf_init(&subject, 1 << 20);
	buf_puts(&subject, "bad \xff\xfe byte ");
	while (subject.len < 3 * STORE_FIELD_MAX)
		buf_puts(&subject, "漢");
	it.subject = buf_str(&subject);
	it.sender = NULL;
	put_ok(f, &it, "x", 1);
	assert_int_equal(store_get(f->s, "SK-x", NULL, &m, &err), 0);
	assert_true(strncmp(m.subject, "bad \xef\xbf\xbd\xef\xbf\xbd byte 漢",
	    strlen("bad \xef\xbf\xbd\xef\xbf\xbd byte 漢")) == 0);
	assert_true(strlen(m.subject) <= STORE_FIELD_MAX);
	assert_int_equal((strlen(m.subject) - 16) % 3, 0);
	assert_string_equal(m.sender, "");
	store_item_out_free(&m);
	buf_free(&subject);
	buf_free(&err);
}


/* The console's tables: a statement's rows and changes, a transaction that
 * rolls back as one, and a release into memory that is recorded first. */
struct rows_seen {
	size_t n;
	char last[256];
	int null_seen;
};

static int
rows_collect(size_t ncols, const char *const *cols, void *ctx)
{
	struct rows_seen *rs = ctx;

	rs->n++;
	snprintf(rs->last, sizeof rs->last, "%s|%s", cols[0] != NULL ? cols[0] : "(null)",
	    ncols > 1 && cols[1] != NULL ? cols[1] : "(null)");
	if (ncols > 1 && cols[1] == NULL)
		rs->null_seen = 1;
	return 0;
}

static int
tx_two_then_fail(struct store *s, void *ctx, struct buf *err)
{
	const char *p[] = { "r-tx", "SK-q", "tanaka", "10", "why" };

	if (store_query(s, 1, "INSERT INTO requests (request_id, receipt_id, requested_by, "
	    "requested_at, reason, state) VALUES (?1, ?2, ?3, ?4, ?5, 'pending')", p, 5, NULL,
	    NULL, NULL, err) != 0)
		return -1;
	buf_puts(err, "the journal refused");
	return *(int *)ctx;
}

/* A row callback that asks the store the same question again while the
 * statement is still stepping: it must get its own answer. */
struct reentry {
	struct store *s;
	int depth, rows;
	long long inner;
};

static int
reenter_row(size_t ncols, const char *const *cols, void *ctx)
{
	struct reentry *r = ctx;
	struct buf err;

	r->rows++;
	if (r->depth++ == 0) {
		buf_init(&err, 1024);
		if (store_query(r->s, 0, "SELECT receipt_id FROM items ORDER BY receipt_id", NULL,
		    0, reenter_row, r, NULL, &err) != 0)
			fail_msg("nested store_query: %s", buf_str(&err));
		buf_free(&err);
	}
	return 0;
}

static int
take_count(size_t ncols, const char *const *cols, void *ctx)
{
	*(long long *)ctx = ncols == 1 && cols[0] != NULL ? strtoll(cols[0], NULL, 10) : -1;
	return 0;
}

/*
 * store_query keeps its statements (stmt_cache): more texts than slots, each
 * asked twice, answer right (victims re-prepared; on PostgreSQL old names
 * deallocated); the same text asked again from inside its own row callback
 * gets its own statement.
 */
static void
test_query_cache(void **state)
{
	struct fx *f = *state;
	struct store_item a = item("SK-c1", NOW, "withheld", "a@example.com", "a");
	struct store_item b = item("SK-c2", NOW + 1, "withheld", "a@example.com", "b");
	struct reentry re = { .s = f->s };
	struct buf err;
	char sql[128];

	buf_init(&err, 4096);
	put_ok(f, &a, "one", 3);
	put_ok(f, &b, "two", 3);
	for (int round = 0; round < 2; round++) {
		for (int k = 0; k < 2 * STMT_CACHE_SLOTS + 5; k++) {
			long long got = -1;

			snprintf(sql, sizeof sql, "SELECT count(*) + %d FROM items", k);
			if (store_query(f->s, 0, sql, NULL, 0, take_count, &got, NULL, &err) != 0)
				fail_msg("store_query: %s", buf_str(&err));
			assert_int_equal(got, 2 + k);
		}
	}
	/* the outer statement: 2 rows; the nested one inside the first: 2 more */
	if (store_query(f->s, 0, "SELECT receipt_id FROM items ORDER BY receipt_id", NULL, 0,
	    reenter_row, &re, NULL, &err) != 0)
		fail_msg("store_query: %s", buf_str(&err));
	assert_int_equal(re.rows, 4);
	/* and the cached statement still answers afterwards */
	re.rows = 0;
	re.depth = 1;
	assert_int_equal(store_query(f->s, 0, "SELECT receipt_id FROM items ORDER BY receipt_id",
	    NULL, 0, reenter_row, &re, NULL, &err), 0);
	assert_int_equal(re.rows, 2);
	buf_free(&err);
}

static void
test_query(void **state)
{
	static const char orig[] = "Subject: q\n\nbytes of the original\n";
	struct fx *f = *state;
	struct store_item it = item("SK-q", NOW, "withheld", "a@example.com", "q");
	const char *ins[] = { "r-1", "SK-q", "tanaka", "100", "見積書が必要です" };
	const char *upd[] = { "approved", "suzuki", "r-1" };
	const char *sel[] = { "SK-q" };
	struct store_release r = { .receipt_id = "SK-q", .released_at = NOW, .by = "tanaka",
	    .account = "console", .reason = "r-1" };
	struct rows_seen rs = { 0 };
	struct buf err, out;
	long long ch = -1;
	int fail = 1, ok = 0;

	buf_init(&err, 4096);
	put_ok(f, &it, orig, sizeof orig - 1);
	assert_int_equal(store_query(f->s, 1, "INSERT INTO requests (request_id, receipt_id, "
	    "requested_by, requested_at, reason, state) VALUES (?1, ?2, ?3, ?4, ?5, 'pending')",
	    ins, 5, NULL, NULL, &ch, &err), 0);
	assert_int_equal(ch, 1);
	/* a conditional update changes one row once */
	assert_int_equal(store_query(f->s, 1, "UPDATE requests SET state = ?1, decided_by = ?2 "
	    "WHERE request_id = ?3 AND state = 'pending'", upd, 3, NULL, NULL, &ch, &err), 0);
	assert_int_equal(ch, 1);
	assert_int_equal(store_query(f->s, 1, "UPDATE requests SET state = ?1, decided_by = ?2 "
	    "WHERE request_id = ?3 AND state = 'pending'", upd, 3, NULL, NULL, &ch, &err), 0);
	assert_int_equal(ch, 0);
	assert_int_equal(store_query(f->s, 0, "SELECT reason, comment FROM requests WHERE "
	    "receipt_id = ?1", sel, 1, rows_collect, &rs, &ch, &err), 0);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.last, "見積書が必要です|(null)");
	assert_true(rs.null_seen);
	/* a transaction whose function fails leaves nothing; one that succeeds stays */
	assert_int_equal(store_transaction(f->s, tx_two_then_fail, &fail, &err), 1);
	memset(&rs, 0, sizeof rs);
	assert_int_equal(store_query(f->s, 0, "SELECT request_id, state FROM requests", NULL, 0,
	    rows_collect, &rs, NULL, &err), 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(store_transaction(f->s, tx_two_then_fail, &ok, &err), 0);
	memset(&rs, 0, sizeof rs);
	assert_int_equal(store_query(f->s, 0, "SELECT request_id, state FROM requests", NULL, 0,
	    rows_collect, &rs, NULL, &err), 0);
	assert_int_equal(rs.n, 2);
	/* into memory: too small a ceiling records nothing; then the bytes */
	buf_init(&out, 8);
	assert_int_equal(store_release_bytes(f->s, &r, &out, NULL, NULL, &err), -1);
	assert_int_equal(out.len, 0);
	memset(&rs, 0, sizeof rs);
	assert_int_equal(store_query(f->s, 0, "SELECT release_id, sha256 FROM releases", NULL, 0,
	    rows_collect, &rs, NULL, &err), 0);
	assert_int_equal(rs.n, 0);
	buf_free(&out);
	buf_init(&out, 4096);
	buf_reset(&err);
	if (store_release_bytes(f->s, &r, &out, NULL, NULL, &err) != 0)
		fail_msg("store_release_bytes: %s", buf_str(&err));
	assert_int_equal(out.len, sizeof orig - 1);
	assert_memory_equal(out.data, orig, out.len);
	assert_int_equal(store_query(f->s, 0, "SELECT release_id, sha256 FROM releases", NULL, 0,
	    rows_collect, &rs, NULL, &err), 0);
	assert_int_equal(rs.n, 1);
	buf_free(&out);
	/* the item under each recipient, lower-cased, without <>, once */
	{
		struct store_item it2 = item("SK-q2", NOW + 1, "sanitized", "b@example.com", "r");
		const char *addr[1] = { "a@town.example.lg.jp" };

		it2.recipients = "<A@Town.example.lg.jp>,b@x.jp,a@town.example.lg.jp,";
		put_ok(f, &it2, "x", 1);
		memset(&rs, 0, sizeof rs);
		assert_int_equal(store_query(f->s, 0, "SELECT receipt_id, address FROM "
		    "item_recipients WHERE address = ?1", addr, 1, rows_collect, &rs, NULL, &err), 0);
		assert_int_equal(rs.n, 1);
		assert_string_equal(rs.last, "SK-q2|a@town.example.lg.jp");
		memset(&rs, 0, sizeof rs);
		assert_int_equal(store_query(f->s, 0, "SELECT receipt_id, address FROM "
		    "item_recipients", NULL, 0, rows_collect, &rs, NULL, &err), 0);
		assert_int_equal(rs.n, 3);	/* SK-q's one, SK-q2's two */
	}
	buf_free(&err);
}

#ifndef STORE_TEST_PG
static void
test_schema(void **state)
{
	struct fx *f = *state;
	struct store_config c = config_of(f, f->key);
	struct store_item old = item("SK-old", NOW, "withheld", "a@example.com", "v1");
	struct store_item old2 = item("SK-old2", NOW, "withheld", "a@example.com", "v2");
	struct store *s2 = NULL;
	struct buf err;
	sqlite3 *db;
	sqlite3_stmt *st;

	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	/* WAL mode, version 5, the two indexes asked for, the blobs table */
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &st,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), STORE_TEST_SCHEMA);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	/* a version-1 database (no blobs table) is upgraded, its items kept */
	sqlite3_close(db);
	reopen(f, f->key);
	put_ok(f, &old, "from version 1", 14);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE blobs; DELETE FROM schema_version; "
	    "INSERT INTO schema_version (version) VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	reopen_inline(f, 64);
	get_is(f, "SK-old", "from version 1");
	put_ok(f, &old2, "inline after the upgrade", 24);
	get_is(f, "SK-old2", "inline after the upgrade");
	assert_int_equal(inline_count(f), 1);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_version", -1,
	    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), STORE_TEST_SCHEMA);
	sqlite3_finalize(st);
	/* a version-2 database (no releases table, no console tables) is
	 * upgraded and releases */
	assert_int_equal(sqlite3_exec(db, "DROP TABLE releases; DROP TABLE users; "
	    "DROP TABLE requests; DROP TABLE item_recipients; DELETE FROM schema_version; "
	    "INSERT INTO schema_version (version) VALUES (2)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	reopen(f, f->key);
	{
		struct store_release r = { .receipt_id = "SK-old", .released_at = NOW, .by = "a",
		    .account = "b", .reason = "c" };
		char out[128];
		struct buf e2;

		snprintf(out, sizeof out, "%s/old.eml", f->dir);
		buf_init(&e2, 4096);
		if (store_release(f->s, &r, out, NULL, NULL, &e2) != 0)
			fail_msg("store_release after the upgrade: %s", buf_str(&e2));
		buf_free(&e2);
	}
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT max(version) || ' ' || "
	    "(SELECT count(*) FROM releases) || ' ' || (SELECT count(*) FROM users) || ' ' || "
	    "(SELECT count(*) FROM requests) || ' ' || (SELECT group_concat(receipt_id || '=' || "
	    "address) FROM item_recipients) FROM schema_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	/* the items stored before the index are indexed on the first open */
	assert_string_equal((const char *)sqlite3_column_text(st, 0),
	    "5 1 0 0 SK-old=soumu@city.example.lg.jp,SK-old2=soumu@city.example.lg.jp");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'index' AND name IN ('items_received_at', 'items_sha256')", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 2);
	sqlite3_finalize(st);
	/* a newer schema is refused, not misread */
	assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 99", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	buf_init(&err, 4096);
	assert_int_equal(store_open(&s2, &c, &err), -1);
	assert_non_null(strstr(buf_str(&err), "newer"));
	/* without create, a missing database is an error, not a new store */
	c.sqlite_path = "/nonexistent/q.db";
	c.create = 0;
	assert_int_equal(store_open(&s2, &c, &err), -1);
	buf_free(&err);
}
#else
/* Expect store_open with this configuration to fail with want in the message. */
static void
open_fails(const struct store_config *c, const char *want)
{
	struct store *s2 = NULL;
	struct buf err;

	buf_init(&err, 4096);
	assert_int_equal(store_open(&s2, c, &err), -1);
	assert_null(s2);
	if (strstr(buf_str(&err), want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", buf_str(&err), want);
	buf_free(&err);
}

static void
test_schema(void **state)
{
	struct fx *f = *state;
	struct store_config c = config_of(f, f->key);
	char v[256], conninfo[1024];
	struct buf err;

	store_close(f->s);
	f->s = NULL;
	/* version 5, the three indexes, the same column types as in SQLite */
	assert_int_equal(pg_sql("SELECT max(version) FROM schema_version", v, sizeof v), 0);
	assert_string_equal(v, "5");
	assert_int_equal(pg_sql("SELECT data_type FROM information_schema.columns "
	    "WHERE table_name = 'blobs' AND column_name = 'sealed'", v, sizeof v), 0);
	assert_string_equal(v, "bytea");
	assert_int_equal(pg_sql("SELECT count(*) FROM pg_indexes WHERE tablename = 'items' "
	    "AND indexname IN ('items_received_at', 'items_sha256', 'items_expires_at')", v,
	    sizeof v), 0);
	assert_string_equal(v, "3");
	assert_int_equal(pg_sql("SELECT string_agg(column_name || ' ' || data_type, ', ' "
	    "ORDER BY ordinal_position) FROM information_schema.columns "
	    "WHERE table_name = 'items' AND data_type <> 'text'", v, sizeof v), 0);
	assert_string_equal(v, "received_at bigint, bytes bigint, released_at bigint, "
	    "expires_at bigint");
	/* opening again changes nothing (no second version row) */
	reopen(f, f->key);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(pg_sql("SELECT count(*) FROM schema_version", v, sizeof v), 0);
	assert_string_equal(v, "1");
	/* a version-1 database (no blobs table) is upgraded, without create too */
	assert_int_equal(pg_sql("DROP TABLE blobs; UPDATE schema_version SET version = 1", NULL,
	    0), 0);
	c.create = 0;
	f->inline_max = 64;
	{
		struct store_config c1 = config_of(f, f->key);
		struct store_item old = item("SK-old2", NOW, "withheld", "a@example.com", "v2");
		struct buf e1;

		c1.create = 0;
		buf_init(&e1, 4096);
		if (store_open(&f->s, &c1, &e1) != 0)
			fail_msg("store_open: %s", buf_str(&e1));
		buf_free(&e1);
		put_ok(f, &old, "inline after the upgrade", 24);
		get_is(f, "SK-old2", "inline after the upgrade");
		assert_int_equal(inline_count(f), 1);
		store_close(f->s);
		f->s = NULL;
	}
	c.create = 1;
	assert_int_equal(pg_sql("SELECT max(version) FROM schema_version", v, sizeof v), 0);
	assert_string_equal(v, "5");
	/* a version-2 database (no releases table) is upgraded and releases */
	assert_int_equal(pg_sql("DROP TABLE releases; UPDATE schema_version SET version = 2",
	    NULL, 0), 0);
	{
		struct store_config c2 = config_of(f, f->key);
		struct store_release r = { .receipt_id = "SK-old2", .released_at = NOW, .by = "a",
		    .account = "b", .reason = "c" };
		char out[128];
		struct buf e2;

		c2.create = 0;
		snprintf(out, sizeof out, "%s/old.eml", f->dir);
		buf_init(&e2, 4096);
		if (store_open(&f->s, &c2, &e2) != 0 ||
		    store_release(f->s, &r, out, NULL, NULL, &e2) != 0)
			fail_msg("after the upgrade: %s", buf_str(&e2));
		buf_free(&e2);
		store_close(f->s);
		f->s = NULL;
	}
	assert_int_equal(pg_sql("SELECT max(version) || ' ' || (SELECT count(*) FROM releases) "
	    "FROM schema_version", v, sizeof v), 0);
	assert_string_equal(v, "5 1");
	/* a newer schema is refused, not misread */
	assert_int_equal(pg_sql("UPDATE schema_version SET version = 99", NULL, 0), 0);
	open_fails(&c, "newer");
	/* without create, a database without the tables is an error and stays empty */
	assert_int_equal(pg_sql("DROP TABLE items, schema_version, blobs, releases, users, "
	    "user_recovery, sessions, requests, item_recipients, unlock_tries, console_state", NULL, 0), 0);
	c.create = 0;
	open_fails(&c, "no quarantine store");
	assert_int_equal(pg_sql("SELECT to_regclass('items') IS NULL", v, sizeof v), 0);
	assert_string_equal(v, "t");
	c.create = 1;
	/* a password in the connection string is refused, and not repeated */
	snprintf(conninfo, sizeof conninfo, "%s password=sekrit-word", pg_conninfo);
	c.pg_conninfo = conninfo;
	open_fails(&c, "password file");
	buf_init(&err, 4096);
	assert_int_equal(store_open(&f->s, &c, &err), -1);
	assert_null(strstr(buf_str(&err), "sekrit"));
	buf_free(&err);
	c.pg_conninfo = "postgresql://sekisho:sekrit-word@127.0.0.1/sekisho";
	open_fails(&c, "password file");
	/* malformed, empty, and a server that is not there (quickly) */
	c.pg_conninfo = "host=127.0.0.1 nonsense";
	open_fails(&c, "quarantine_pg");
	c.pg_conninfo = "";
	open_fails(&c, "needs a connection string");
	c.pg_conninfo = "host=127.0.0.1 port=1 dbname=none user=none connect_timeout=3";
	open_fails(&c, "cannot connect");
	c.pg_conninfo = NULL;
	open_fails(&c, "needed");
	/* and the tables appear with create */
	c.pg_conninfo = pg_conninfo;
	reopen(f, f->key);
	assert_int_equal(pg_sql("SELECT max(version) FROM schema_version", v, sizeof v), 0);
	assert_string_equal(v, "5");
}

static int
count_rows(const struct store_item_out *it, void *ctx)
{
	(*(size_t *)ctx)++;
	return 0;
}

/* End the server side of the store's connection (as a restart or an
 * administrator would) and wait until it is gone. */
static void
kill_connection(void)
{
	char v[64];

	assert_int_equal(pg_sql("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) "
	    "FROM pg_stat_activity WHERE datname = current_database() "
	    "AND application_name = 'sekisho' AND pid <> pg_backend_pid()", v, sizeof v), 0);
	assert_string_equal(v, "1");
}

static void
test_pg_reconnect(void **state)
{
	struct fx *f = *state;
	struct store_item a = item("SK-before", NOW, "withheld", "a@example.com", "a");
	struct store_item b = item("SK-after", NOW, "withheld", "a@example.com", "b");
	struct store_item_out m;
	struct store_filter flt;
	size_t seen = 0;
	struct buf out, err;
	size_t rows, blobs;

	put_ok(f, &a, "before the break", 16);
	buf_init(&out, 1024);
	buf_init(&err, 4096);
	/* a store_query statement prepared on one session, asked again on the next */
	for (int k = 0; k < 2; k++) {
		long long got = -1;

		if (k == 1)
			kill_connection();
		if (store_query(f->s, 0, "SELECT count(*) FROM items WHERE receipt_id = ?1",
		    (const char *[]){ "SK-before" }, 1, take_count, &got, NULL, &err) != 0)
			fail_msg("store_query after the break: %s", buf_str(&err));
		assert_int_equal(got, 1);
	}
	/* a read after the break: reconnected, answered */
	kill_connection();
	assert_int_equal(store_get(f->s, "SK-before", &out, &m, &err), 0);
	assert_string_equal(buf_str(&out), "before the break");
	store_item_out_free(&m);
	/* a write after the break: the transaction starts on a new connection */
	kill_connection();
	put_ok(f, &b, "after the break", 15);
	kill_connection();
	assert_int_equal(store_mark_released(f->s, "SK-after", "suzuki", NOW + 1, &err), 0);
	kill_connection();
	memset(&flt, 0, sizeof flt);
	assert_int_equal(store_list(f->s, &flt, count_rows, &seen, &err), 0);
	assert_int_equal(seen, 2);
	kill_connection();
	assert_int_equal(store_expire(f->s, NOW + DAYS(RETENTION), &rows, &blobs, &err), 0);
	assert_int_equal(rows, 2);
	assert_int_equal(blobs, 2);
	buf_free(&out);
	buf_free(&err);
}

/*
 * Writers in several processes store new items whose contents are shared
 * with expired ones, while another process expires again and again: the
 * writers' lock must keep expire from removing a blob a new row is being
 * committed for.  Afterwards every row has its blob.
 */
#define RACE_WRITERS 3
#define RACE_ITEMS 60

static int
check_blob_of_row(const struct store_item_out *it, void *ctx)
{
	struct fx *f = ((struct fx **)ctx)[0];
	size_t *bad = ((size_t **)ctx)[1];
	struct buf err;

	buf_init(&err, 4096);
	if (store_blob_check(f->s, it->sha256, &err) != 0) {
		fprintf(stderr, "row %s: %s\n", it->receipt_id, buf_str(&err));
		(*bad)++;
	}
	buf_free(&err);
	return 0;
}

static void
test_pg_writers_race_expire(void **state)
{
	struct fx *f = *state;
	pid_t pids[RACE_WRITERS + 1];
	struct store_filter flt;
	size_t bad = 0, rows, blobs;
	void *ctx[2] = { f, &bad };
	char v[64];
	struct buf err;

	store_close(f->s);
	f->s = NULL;
	for (int w = 0; w <= RACE_WRITERS; w++) {
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] == 0) {
			struct store_config c = config_of(f, f->key);
			struct store *s;
			struct buf e;

			buf_init(&e, 4096);
			if (store_open(&s, &c, &e) != 0) {
				fprintf(stderr, "child: %s\n", buf_str(&e));
				_exit(3);
			}
			if (w == RACE_WRITERS) {
				/* the expirer: until the writers are done */
				for (int k = 0; k < 400; k++) {
					buf_reset(&e);
					if (store_expire(s, NOW, &rows, &blobs, &e) != 0) {
						fprintf(stderr, "expire: %s\n", buf_str(&e));
						_exit(4);
					}
					if (getppid() == 1)
						break;
				}
				_exit(0);
			}
			for (int i = 0; i < RACE_ITEMS; i++) {
				char id[64], body[32];
				struct store_item it;

				/* an old item, then a new one, with the same content:
				 * its blob is in use only by the expired row when the
				 * new row is being committed */
				snprintf(body, sizeof body, "race body %d %d", w, i);
				snprintf(id, sizeof id, "SK-old-%d-%d", w, i);
				it = item(id, NOW - DAYS(RETENTION + 1), "withheld", "a@example.com", "o");
				buf_reset(&e);
				if (store_put(s, &it, body, strlen(body), &e) != 0) {
					fprintf(stderr, "put: %s\n", buf_str(&e));
					_exit(5);
				}
				snprintf(id, sizeof id, "SK-new-%d-%d", w, i);
				it = item(id, NOW, "withheld", "a@example.com", "n");
				buf_reset(&e);
				if (store_put(s, &it, body, strlen(body), &e) != 0) {
					fprintf(stderr, "put: %s\n", buf_str(&e));
					_exit(5);
				}
			}
			_exit(0);
		}
	}
	for (int w = 0; w <= RACE_WRITERS; w++) {
		int st;

		assert_int_equal(waitpid(pids[w], &st, 0), pids[w]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	reopen(f, f->key);
	buf_init(&err, 4096);
	assert_int_equal(store_expire(f->s, NOW, &rows, &blobs, &err), 0);
	assert_int_equal(pg_sql("SELECT count(*) FROM items", v, sizeof v), 0);
	assert_int_equal(strtol(v, NULL, 10), RACE_WRITERS * RACE_ITEMS);
	memset(&flt, 0, sizeof flt);
	assert_int_equal(store_list(f->s, &flt, check_blob_of_row, ctx, &err), 0);
	assert_int_equal(bad, 0);
	buf_free(&err);
}

/*
 * Listing pages through the rows LIST_PAGE (256) at a time: across pages
 * nothing is repeated or skipped, also where rows share a time, ids in byte
 * order ('B' before 'a') whatever the database's collation.
 */
struct order_ctx {
	size_t n, bad;
	long long t;
	char id[STORE_ID_MAX];
};

static int
check_order(const struct store_item_out *it, void *ctx)
{
	struct order_ctx *o = ctx;

	if (o->n > 0 && (it->received_at > o->t ||
	    (it->received_at == o->t && strcmp(it->receipt_id, o->id) >= 0))) {
		fprintf(stderr, "%s after %s\n", it->receipt_id, o->id);
		o->bad++;
	}
	o->n++;
	o->t = it->received_at;
	snprintf(o->id, sizeof o->id, "%s", it->receipt_id);
	return 0;
}

static void
test_pg_list_pages(void **state)
{
	struct fx *f = *state;
	struct store_filter flt;
	struct order_ctx o;
	struct seen s;
	struct buf err;

	for (int i = 0; i < 300; i++) {
		char id[64];
		struct store_item it;

		/* three rows per second: ids differing in case only within it */
		snprintf(id, sizeof id, "SK-a%03d", i);
		it = item(id, NOW - i / 3, "withheld", "a@example.com", "x");
		put_ok(f, &it, "paged", 5);
		snprintf(id, sizeof id, "SK-B%03d", i);
		it = item(id, NOW - i / 3, "sanitized", "B@example.com", "x");
		put_ok(f, &it, "paged", 5);
	}
	buf_init(&err, 4096);
	memset(&flt, 0, sizeof flt);
	memset(&o, 0, sizeof o);
	assert_int_equal(store_list(f->s, &flt, check_order, &o, &err), 0);
	assert_int_equal(o.n, 600);
	assert_int_equal(o.bad, 0);
	flt.limit = 257;
	memset(&o, 0, sizeof o);
	assert_int_equal(store_list(f->s, &flt, check_order, &o, &err), 0);
	assert_int_equal(o.n, 257);
	flt.limit = 0;
	flt.verdict = "sanitized";
	flt.sender = "b@EXAMPLE";
	memset(&o, 0, sizeof o);
	assert_int_equal(store_list(f->s, &flt, check_order, &o, &err), 0);
	assert_int_equal(o.n, 300);
	assert_int_equal(o.bad, 0);
	/* the newest second holds SK-a000..2 and SK-B000..2: 'a' > 'B' in bytes */
	memset(&flt, 0, sizeof flt);
	flt.limit = 4;
	list_ids(f, &flt, &s);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.ids[0], "SK-a002");
	assert_string_equal(s.ids[3], "SK-B002");
	buf_free(&err);
}
#endif

/*
 * Crash safety: a child stores 2 MiB items in a loop and is killed at
 * random moments; afterwards every blob under a final name decrypts whole,
 * and every row that was committed has its blob.
 */
struct check_ctx {
	struct fx *f;
	size_t rows, bad;
};

static int
check_row(const struct store_item_out *it, void *ctx)
{
	struct check_ctx *c = ctx;
	struct buf err;

	c->rows++;
	buf_init(&err, 4096);
	if (store_blob_check(c->f->s, it->sha256, &err) != 0) {
		fprintf(stderr, "row %s: %s\n", it->receipt_id, buf_str(&err));
		c->bad++;
	}
	buf_free(&err);
	return 0;
}

static struct fx *crash_fx;
static size_t crash_bad_blobs, crash_blobs;

static int
check_blob_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	const char *base = path + ftw->base;
	size_t n = strlen(base);
	char sha[SHA256_HEX_LEN + 1];
	struct buf err;

	if (flag != FTW_F || n != SHA256_HEX_LEN + 3 || strcmp(base + SHA256_HEX_LEN, ".sk") != 0)
		return 0;
	memcpy(sha, base, SHA256_HEX_LEN);
	sha[SHA256_HEX_LEN] = '\0';
	crash_blobs++;
	buf_init(&err, 4096);
	if (store_blob_check(crash_fx->s, sha, &err) != 0) {
		fprintf(stderr, "%s: %s\n", path, buf_str(&err));
		crash_bad_blobs++;
	}
	buf_free(&err);
	return 0;
}

static void
test_crash_safety(void **state)
{
	struct fx *f = *state;
	const size_t size = 2 * 1024 * 1024;
	struct store_filter flt;
	struct check_ctx cc = { f, 0, 0 };
	struct buf err;
	size_t tmps;

	store_close(f->s);
	f->s = NULL;
	for (int round = 0; round < 12; round++) {
		int progress[2], status;
		pid_t pid;
		char byte;

		assert_int_equal(pipe(progress), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct store_config c = config_of(f, f->key);
			struct store *s;
			unsigned char *data = malloc(size);
			struct buf e;

			buf_init(&e, 4096);
			if (store_open(&s, &c, &e) != 0)
				_exit(3);
			for (int i = 0;; i++) {
				char id[64];
				struct store_item it;

				snprintf(id, sizeof id, "SK-crash-%d-%d", round, i);
				randombytes_buf(data, size);
				it = item(id, NOW, "withheld", "a@example.com", "crash");
				buf_reset(&e);
				if (store_put(s, &it, data, size, &e) != 0)
					_exit(4);
				if (write(progress[1], "", 1) != 1)
					_exit(5);
			}
		}
		/* let it store 0 to 2 items, then kill it somewhere in the next */
		close(progress[1]);
		for (uint32_t k = randombytes_uniform(3); k > 0; k--)
			assert_int_equal(read(progress[0], &byte, 1), 1);
		struct timespec ts = { 0, (long)randombytes_uniform(30) * 1000000L };

		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		close(progress[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
	}
	reopen(f, f->key);
	crash_fx = f;
	crash_bad_blobs = crash_blobs = 0;
	nftw(f->blobs, check_blob_file, 16, FTW_PHYS);
	assert_int_equal(crash_bad_blobs, 0);
	memset(&flt, 0, sizeof flt);
	buf_init(&err, 4096);
	assert_int_equal(store_list(f->s, &flt, check_row, &cc, &err), 0);
	assert_int_equal(cc.bad, 0);
	tmps = count_files(f->blobs, ".tmp");
	print_message("crash rounds: %zu blobs whole, %zu rows with their blobs, "
	    "%zu temporary files left by killed writers\n", crash_blobs, cc.rows, tmps);
	assert_true(crash_blobs >= cc.rows);
	assert_true(cc.rows >= 1);
	buf_free(&err);
}

static void
test_write_new_file(void **state)
{
	struct fx *f = *state;
	struct buf err;
	char path[256], data[64];
	struct stat st;
	FILE *fp;

	snprintf(path, sizeof path, "%s/export.eml", f->dir);
	buf_init(&err, 4096);
	assert_int_equal(store_write_new_file(path, "first", 5, 0600, &err), 0);
	assert_int_equal(store_write_new_file(path, "second", 6, 0600, &err), -1);
	assert_non_null(strstr(buf_str(&err), "exists"));
	fp = fopen(path, "r");
	assert_int_equal(fread(data, 1, sizeof data, fp), 5);
	fclose(fp);
	assert_memory_equal(data, "first", 5);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(count_files(f->dir, ".tmp"), 0);
	buf_free(&err);
}

/* Group commit: one call stores many items, each with its own status; a bad
 * item fails alone, the same original twice is one blob, an id stored
 * already with the same content is STORE_EXISTS and with other content -1;
 * the rows and blobs of the others read back. */
static void
test_put_many(void **state)
{
	struct fx *f = *state;
	enum { N = 8 };
	struct store_item it[N];
	struct store_put p[N];
	struct buf eb[N], got, path;
	char ids[N][16], body[N][64];
	struct store_item_out m;
	struct stat st;

	for (int i = 0; i < N; i++) {
		snprintf(ids[i], sizeof ids[i], "SK-M-%d", i);
		snprintf(body[i], sizeof body[i], "Subject: %d\n\nbody %d\n", i, i);
		it[i] = item(ids[i], NOW + i, "sanitized", "a@x", "s");
		buf_init(&eb[i], 4096);
		p[i] = (struct store_put){ .it = &it[i], .orig = body[i], .len = strlen(body[i]),
		    .err = &eb[i] };
	}
	put_ok(f, &it[6], body[6], strlen(body[6]));	/* stored before */
	put_ok(f, &it[7], body[0], strlen(body[0]));	/* stored before, other content */
	it[2].receipt_id = "bad id";
	p[3].orig = body[1];	/* same original as item 1 */
	p[3].len = strlen(body[1]);
	assert_int_equal(store_put_many(f->s, p, N), -1);
	for (int i = 0; i < N; i++) {
		int want = i == 2 || i == 7 ? -1 : i == 6 ? STORE_EXISTS : 0;

		assert_int_equal(p[i].status, want);
		assert_true(want == -1 ? eb[i].len > 0 : eb[i].len == 0);
		buf_free(&eb[i]);
	}
	for (int i = 0; i < N; i++) {
		const char *want = i == 3 ? body[1] : i == 7 ? body[0] : body[i];

		if (i == 2)
			continue;
		buf_init(&got, 4096);
		buf_init(&eb[0], 4096);
		assert_int_equal(store_get(f->s, ids[i], &got, &m, &eb[0]), 0);
		assert_string_equal(buf_str(&got), want);
		store_item_out_free(&m);
		buf_free(&got);
		buf_free(&eb[0]);
	}
	buf_init(&eb[0], 4096);
	assert_int_equal(store_get(f->s, "bad id", NULL, NULL, &eb[0]), STORE_NOT_FOUND);
	buf_free(&eb[0]);
	/* item 2's blob was never written (it failed before); no temporary left */
	blob_path(f, body[2], strlen(body[2]), &path);
	assert_int_not_equal(stat(buf_str(&path), &st), 0);
	buf_free(&path);
	assert_int_equal(count_files(f->blobs, ".tmp"), 0);
	/* 0 1 4 5 6, and 7 (written before its row was refused, as store_put does) */
	assert_int_equal(count_files(f->blobs, ".sk"), 6);
}


#define SMALL "a short text message, stored inline"	/* 35 bytes */
#define LARGE "a longer message with attachments, over the inline limit of 64 bytes, so a file"

static void
test_inline(void **state)
{
	struct fx *f = *state;
	struct store_item a = item("SK-a", NOW, "sanitized", "a@example.com", "one");
	struct store_item b = item("SK-b", NOW + DAYS(1), "withheld", "b@example.com", "two");
	struct store_item c = item("SK-c", NOW, "sanitized", "c@example.com", "three");
	struct store_item_out ma, mc;
	char sha[SHA256_HEX_LEN + 1];
	struct buf err;
	size_t rows, blobs;

	reopen_inline(f, 64);
	put_ok(f, &a, SMALL, strlen(SMALL));
	put_ok(f, &b, SMALL, strlen(SMALL));	/* same content: the same blob */
	put_ok(f, &c, LARGE, strlen(LARGE));	/* over the limit: a file */
	assert_int_equal(inline_count(f), 1);
	assert_int_equal(count_files(f->blobs, ".sk"), 1);
	get_is(f, "SK-a", SMALL);
	get_is(f, "SK-b", SMALL);
	get_is(f, "SK-c", LARGE);
	buf_init(&err, 4096);
	assert_int_equal(store_get(f->s, "SK-a", NULL, &ma, &err), 0);
	assert_int_equal(store_get(f->s, "SK-c", NULL, &mc, &err), 0);
	assert_string_equal(ma.key_id, mc.key_id);	/* the current key, either way */
	assert_int_equal(ma.bytes, strlen(SMALL));
	sha256_hex(SMALL, strlen(SMALL), sha);
	assert_string_equal(ma.sha256, sha);
	assert_int_equal(store_blob_check(f->s, sha, &err), 0);
	store_item_out_free(&ma);
	store_item_out_free(&mc);
	/* expiry: a and c go, the inline blob stays for b, then goes with it */
	assert_int_equal(store_expire(f->s, NOW + DAYS(RETENTION), &rows, &blobs, &err), 0);
	assert_int_equal(rows, 2);
	assert_int_equal(blobs, 1);	/* c's file */
	assert_int_equal(inline_count(f), 1);
	assert_int_equal(count_files(f->blobs, ".sk"), 0);
	get_is(f, "SK-b", SMALL);
	assert_int_equal(store_expire(f->s, NOW + DAYS(RETENTION + 1), &rows, &blobs, &err), 0);
	assert_int_equal(rows, 1);
	assert_int_equal(blobs, 1);
	assert_int_equal(inline_count(f), 0);
	assert_int_equal(store_blob_check(f->s, sha, &err), -1);
	assert_non_null(strstr(buf_str(&err), "missing"));
	buf_free(&err);
}

static void
test_inline_repaired(void **state)
{
	struct fx *f = *state;
	struct store_item a = item("SK-a", NOW, "withheld", "a@example.com", "one");
	struct store_item b = item("SK-b", NOW, "withheld", "a@example.com", "two");

	reopen_inline(f, 64);
	put_ok(f, &a, SMALL, strlen(SMALL));
	inline_damage(f);
	get_fails(f, "SK-a", "authentication failed");
	/* the same content stored again replaces the damaged blob, for both rows */
	put_ok(f, &b, SMALL, strlen(SMALL));
	assert_int_equal(inline_count(f), 1);
	get_is(f, "SK-a", SMALL);
	get_is(f, "SK-b", SMALL);
}

/* What was stored under one quarantine_inline_limit is read under another. */
static void
test_inline_limit_changed(void **state)
{
	struct fx *f = *state;
	struct store_item a = item("SK-a", NOW, "sanitized", "a@example.com", "one");
	struct store_item d = item("SK-d", NOW, "sanitized", "d@example.com", "two");
	struct store_item e = item("SK-e", NOW, "sanitized", "e@example.com", "three");
	struct store_item g = item("SK-g", NOW, "sanitized", "g@example.com", "four");

	reopen_inline(f, 64);
	put_ok(f, &a, SMALL, strlen(SMALL));
	reopen_inline(f, 0);
	get_is(f, "SK-a", SMALL);
	put_ok(f, &d, "now a file", 10);
	assert_int_equal(count_files(f->blobs, ".sk"), 1);
	reopen_inline(f, 1024);
	get_is(f, "SK-d", "now a file");
	/* a file blob with this content does not keep it out of the database */
	put_ok(f, &e, "now a file", 10);
	get_is(f, "SK-e", "now a file");
	assert_int_equal(inline_count(f), 2);
	/* under a lower limit, content stored inline before stays inline */
	reopen_inline(f, 0);
	put_ok(f, &g, SMALL, strlen(SMALL));
	get_is(f, "SK-g", SMALL);
	get_is(f, "SK-a", SMALL);
	assert_int_equal(inline_count(f), 2);
	assert_int_equal(count_files(f->blobs, ".sk"), 1);	/* d's only */
}

/* One batch: inline items (two with the same original), files, a bad one. */
static void
test_inline_put_many(void **state)
{
	struct fx *f = *state;
	enum { N = 6 };
	static const char *const body[N] = { SMALL, "another short one", SMALL, LARGE,
	    LARGE " (2)", "short but refused" };
	struct store_item it[N];
	struct store_put p[N];
	struct buf eb[N];
	char ids[N][16];

	reopen_inline(f, 64);
	for (int i = 0; i < N; i++) {
		snprintf(ids[i], sizeof ids[i], "SK-I-%d", i);
		it[i] = item(ids[i], NOW + i, "sanitized", "a@x", "s");
		buf_init(&eb[i], 4096);
		p[i] = (struct store_put){ .it = &it[i], .orig = body[i], .len = strlen(body[i]),
		    .err = &eb[i] };
	}
	it[5].verdict = "maybe";
	assert_int_equal(store_put_many(f->s, p, N), -1);
	for (int i = 0; i < N; i++) {
		assert_int_equal(p[i].status, i == 5 ? -1 : 0);
		buf_free(&eb[i]);
		if (i != 5)
			get_is(f, ids[i], body[i]);
	}
	assert_int_equal(inline_count(f), 2);
	assert_int_equal(count_files(f->blobs, ".sk"), 2);
	assert_int_equal(count_files(f->blobs, ".tmp"), 0);
}


/*
 * Two handles of one process writing at once, as the gateway's two recorders
 * do, with a lock wait of 1 ms: they take turns in the process (tx_begin),
 * so neither finds the database locked, and every write succeeds.  Without
 * the turns, SQLite makes the second writer sleep, and past 1 ms fail.
 */
enum { TURN_WRITERS = 2, TURN_PUTS = 300 };

struct turn_ctx {
	struct store *s;
	int w, failed;
};

static void *
turn_writer(void *arg)
{
	struct turn_ctx *t = arg;
	struct buf e;

	buf_init(&e, 4096);
	for (int i = 0; i < TURN_PUTS; i++) {
		char id[64], body[64];
		struct store_item it;

		snprintf(id, sizeof id, "SK-turn-%d-%d", t->w, i);
		snprintf(body, sizeof body, "turn body %d %d", t->w, i);
		it = item(id, NOW, "sanitized", "turns@example.com", "turns");
		buf_reset(&e);
		if (store_put(t->s, &it, body, strlen(body), &e) != 0) {
			if (t->failed++ == 0)
				fprintf(stderr, "writer %d: %s\n", t->w, buf_str(&e));
		}
	}
	buf_free(&e);
	return NULL;
}

static int
count_row(const struct store_item_out *it, void *ctx)
{
	(void)it;
	(*(size_t *)ctx)++;
	return 0;
}

static void
test_writers_take_turns(void **state)
{
	struct fx *f = *state;
	pthread_t th[TURN_WRITERS];
	struct turn_ctx t[TURN_WRITERS];
	struct store_filter flt;
	struct buf err;
	size_t rows = 0;

	buf_init(&err, 4096);
	for (int w = 0; w < TURN_WRITERS; w++) {
		struct store_config c = config_of(f, f->key);

		c.lock_wait_ms = 1;
		c.inline_max = 4096;
		t[w] = (struct turn_ctx){ .w = w };
		assert_int_equal(store_open(&t[w].s, &c, &err), 0);
	}
	for (int w = 0; w < TURN_WRITERS; w++)
		assert_int_equal(pthread_create(&th[w], NULL, turn_writer, &t[w]), 0);
	for (int w = 0; w < TURN_WRITERS; w++) {
		assert_int_equal(pthread_join(th[w], NULL), 0);
		store_close(t[w].s);
	}
	for (int w = 0; w < TURN_WRITERS; w++)
		assert_int_equal(t[w].failed, 0);
	memset(&flt, 0, sizeof flt);
	flt.sender = "turns@";
	assert_int_equal(store_list(f->s, &flt, count_row, &rows, &err), 0);
	assert_int_equal(rows, TURN_WRITERS * TURN_PUTS);
	buf_free(&err);
}

#ifndef STORE_TEST_PG
static long long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/*
 * A writer of another connection (another process, as far as the store can
 * tell) holds the database for HOLD_MS; a put waiting for it goes on within
 * LATE_MS of the commit.  SQLite's own busy handler would look again only
 * at 128 and then 178 ms, 48 ms late.
 */
enum { HOLD_MS = 130, LATE_MS = 30 };

struct late_ctx {
	struct store *s;
	int status;
	long long done_us;
};

static void *
late_writer(void *arg)
{
	struct late_ctx *l = arg;
	struct store_item it = item("SK-late-1", NOW, "sanitized", "late@example.com", "late");
	struct buf e;

	buf_init(&e, 4096);
	l->status = store_put(l->s, &it, "late body", 9, &e);
	l->done_us = clock_mono_us();
	if (l->status != 0)
		fprintf(stderr, "late writer: %s\n", buf_str(&e));
	buf_free(&e);
	return NULL;
}

static void
test_lock_wait_is_prompt(void **state)
{
	struct fx *f = *state;
	struct store_config c = config_of(f, f->key);
	struct late_ctx l = { .status = -2 };
	struct timespec hold = { 0, HOLD_MS * 1000000L };
	long long committed;
	pthread_t th;
	sqlite3 *other;
	struct buf err;

	buf_init(&err, 4096);
	c.lock_wait_ms = 5000;
	c.inline_max = 4096;
	assert_int_equal(store_open(&l.s, &c, &err), 0);
	assert_int_equal(sqlite3_open(f->db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(pthread_create(&th, NULL, late_writer, &l), 0);
	nanosleep(&hold, NULL);
	committed = clock_mono_us();
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(l.status, 0);
	assert_true(l.done_us >= committed);	/* it did wait */
	assert_true(l.done_us - committed < LATE_MS * 1000LL);
	sqlite3_close(other);
	store_close(l.s);
	buf_free(&err);
}

/* Deferred checkpoints: the log is folded only by store_checkpoint, past
 * STORE_CHECKPOINT_PAGES, and everything reads the same before and after; a
 * log that could not be restarted after its fold (a reader was in it) is not
 * due again at the next commit, but after STORE_CHECKPOINT_PAGES new pages. */
static void
test_deferred_checkpoint(void **state)
{
	struct fx *f = *state;
	enum { BATCH = 32, ROUNDS = 9, SIZE = 60000 };	/* ~17 MB: past 4000 pages */
	static char body[BATCH * ROUNDS][SIZE];
	struct store_item it[BATCH];
	struct store_put p[BATCH];
	struct buf eb[BATCH], err;
	char ids[BATCH * ROUNDS][24], wal[160];
	long long db_before;
	sqlite3 *reader;

	reopen_inline(f, 1 << 20);
	store_defer_checkpoints(f->s);
	snprintf(wal, sizeof wal, "%s-wal", f->db);
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < BATCH; i++) {
			int k = r * BATCH + i;

			snprintf(ids[k], sizeof ids[k], "SK-C-%d", k);
			randombytes_buf(body[k], SIZE - 1);
			for (int j = 0; j < SIZE - 1; j++)
				body[k][j] = (char)('a' + (unsigned char)body[k][j] % 26);
			body[k][SIZE - 1] = '\0';
			it[i] = item(ids[k], NOW, "withheld", "a@x", "s");
			buf_init(&eb[i], 4096);
			p[i] = (struct store_put){ .it = &it[i], .orig = body[k], .len = SIZE - 1,
			    .err = &eb[i] };
		}
		assert_int_equal(store_put_many(f->s, p, BATCH), 0);
		for (int i = 0; i < BATCH; i++)
			buf_free(&eb[i]);
	}
	db_before = file_size(f->db);
	assert_true(file_size(wal) > (long long)STORE_CHECKPOINT_PAGES * 4096);
	assert_true(db_before < 4 * 1024 * 1024);	/* no automatic checkpoint ran */
	buf_init(&err, 4096);
	/* a reader in the log keeps the next writer from restarting it */
	assert_int_equal(sqlite3_open(f->db, &reader), SQLITE_OK);
	assert_int_equal(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM items",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_true(store_checkpoint_due(f->s));
	assert_int_equal(store_checkpoint(f->s, &err), 0);
	assert_true(file_size(f->db) > (long long)BATCH * ROUNDS * SIZE);	/* folded in */
	assert_false(store_checkpoint_due(f->s));
	assert_int_equal(store_checkpoint(f->s, &err), 0);	/* again: nothing to do */
	/* a commit to the unrestarted log: not due again before 4000 new pages */
	it[0] = item("SK-C-after", NOW, "withheld", "a@x", "s");
	put_ok(f, &it[0], "after the fold", 14);
	assert_true(file_size(wal) > (long long)STORE_CHECKPOINT_PAGES * 4096);
	assert_false(store_checkpoint_due(f->s));
	assert_int_equal(sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(reader);
	buf_free(&err);
	for (int k = 0; k < BATCH * ROUNDS; k += 37)
		get_is(f, ids[k], body[k]);
	reopen_inline(f, 0);
	get_is(f, ids[BATCH * ROUNDS - 1], body[BATCH * ROUNDS - 1]);
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dedup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dedup_repairs_damaged_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swapped_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_file_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_key_is_metadata_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_released, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_items, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_safety, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_new_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inline_repaired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inline_limit_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inline_put_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writers_take_turns, setup, teardown),
#ifndef STORE_TEST_PG
		cmocka_unit_test_setup_teardown(test_deferred_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_wait_is_prompt, setup, teardown),
#endif
#ifdef STORE_TEST_PG
		cmocka_unit_test_setup_teardown(test_pg_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pg_writers_race_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pg_list_pages, setup, teardown),
#endif
	};

#ifdef STORE_TEST_PG
	pg_conninfo = getenv("SEKISHO_TEST_PG");
	if (pg_conninfo == NULL || pg_conninfo[0] == '\0') {
		printf("SKIPPED (SEKISHO_TEST_PG is not set: no PostgreSQL server to test on)\n");
		return SKIP_EXIT;
	}
#endif
	digest_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
