/*
 * meta_pg - the quarantine store's metadata in PostgreSQL (several nodes
 * sharing one database), with the same schema as SQLite (store_schema[]).
 *
 * Contract, mirroring meta_sqlite.c:
 *  - Every statement is constant text run with PQexecParams, or (store_query's,
 *    the console's pages) prepared once per session and run with
 *    PQexecPrepared; values travel as parameters, never spliced into SQL.
 *  - A write transaction (begin .. commit) takes one transaction-scoped
 *    advisory lock first, so writers exclude each other as SQLite's BEGIN
 *    IMMEDIATE does: store.c relies on it to keep blobs and rows consistent
 *    (put checks its blob inside the transaction; expire unlinks a blob only
 *    when no committed row refers to it).  Readers are not blocked.  The wait
 *    for the lock is bounded by lock_timeout (30 s, like SQLite's busy
 *    timeout).  The schema is created under the same lock, so that several
 *    processes starting at once do not race on CREATE TABLE.  A node that
 *    vanishes inside a transaction (power loss: no TCP reset) would hold the
 *    lock until the server noticed; idle_in_transaction_session_timeout
 *    (300 s; our transactions never idle) ends such a session.
 *  - Durability: synchronous_commit is turned back on if the server has it
 *    off, so a committed row survives a crash and store_put may be
 *    acknowledged.
 *  - A broken connection is reset and the statement run once more, but only
 *    outside a transaction (a statement inside one would lose the earlier
 *    ones): a failed transaction is reported, rolled back by store.c, and the
 *    next operation reconnects.  COMMIT is never retried: its outcome is
 *    unknown, and store_put is idempotent for the caller's retry.
 *  - Passwords do not belong in quarantine_pg (the configuration is printed
 *    by "sekisho config check"): a connection string with one is refused;
 *    libpq reads them from a password file (passfile=, ~/.pgpass).
 *  - The DDL runs only when the database holds no schema yet, or an older
 *    one (version 1 gains the blobs table, version 2 the releases table),
 *    so after the first start a role with SELECT, INSERT, UPDATE and DELETE
 *    is enough.
 *  - Error messages are libpq's terse ones (no DETAIL lines quoting row
 *    values), control characters replaced, prefixed with the database.
 */
#include "store/store_backend.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/xalloc.h"
#include "store/stmt_cache.h"

/* "SEKISHO1" read as a 64-bit number: the advisory lock of the writers */
#define LOCK_KEY "6000284856842997553"
#define CONNECT_TIMEOUT "10"	/* seconds; quarantine_pg may set connect_timeout */
#define LIST_PAGE 256		/* rows fetched per listing query */
#define SERVER_VERSION_MIN 90600	/* idle_in_transaction_session_timeout */

#define COLS "receipt_id, received_at, sha256, bytes, verdict, reason, sender, " \
	"recipients, subject, key_id, state, released_at, released_by, expires_at"
#define NCOLS 14

static const char sql_setup[] =
    "SELECT set_config('lock_timeout', '30s', false), "
    "set_config('idle_in_transaction_session_timeout', '300s', false), "
    "set_config('client_min_messages', 'warning', false), "
    "CASE WHEN current_setting('synchronous_commit') = 'off' "
    "THEN set_config('synchronous_commit', 'on', false) END";
static const char sql_begin[] = "BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE";
static const char sql_lock[] = "SELECT pg_advisory_xact_lock(" LOCK_KEY ")";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_has_schema[] = "SELECT to_regclass('schema_version') IS NOT NULL";
static const char sql_version_get[] = "SELECT max(version) FROM schema_version";
static const char sql_version_set[] = "INSERT INTO schema_version (version) VALUES ($1::bigint)";
static const char sql_sha_of[] = "SELECT sha256 FROM items WHERE receipt_id = $1::text";
static const char sql_insert[] =
    "INSERT INTO items (receipt_id, received_at, sha256, bytes, verdict, reason, sender, "
    "recipients, subject, receipt_json, key_id, state, released_at, released_by, expires_at) "
    "VALUES ($1::text, $2::bigint, $3::text, $4::bigint, $5::text, $6::text, $7::text, "
    "$8::text, $9::text, $10::text, $11::text, 'held', NULL, NULL, $12::bigint)";
static const char sql_get[] =
    "SELECT " COLS ", receipt_json FROM items WHERE receipt_id = $1::text";
/* Pages in the order (received_at, receipt_id) descending, byte order for
 * ids as in SQLite; $6/$7 is the last row of the previous page.  The sender
 * match folds ASCII letters only (the needle comes folded). */
static const char sql_list[] =
    "SELECT " COLS " FROM items "
    "WHERE received_at >= $1::bigint AND received_at < $2::bigint "
    "AND ($3::text IS NULL OR verdict = $3::text) "
    "AND ($4::text IS NULL OR state = $4::text) "
    "AND ($5::text IS NULL OR strpos(translate(sender, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
    "'abcdefghijklmnopqrstuvwxyz'), $5::text) > 0) "
    "AND ($6::bigint IS NULL OR "
    "(received_at, receipt_id COLLATE \"C\") < ($6::bigint, $7::text)) "
    "ORDER BY received_at DESC, receipt_id COLLATE \"C\" DESC LIMIT $8::bigint";
static const char sql_mark[] =
    "UPDATE items SET state = 'released', released_at = $2::bigint, released_by = $3::text "
    "WHERE receipt_id = $1::text AND state = 'held'";
static const char sql_expired[] = "SELECT receipt_id, sha256 FROM items "
    "WHERE expires_at <= $1::bigint ORDER BY expires_at LIMIT $2::bigint";
static const char sql_delete[] = "DELETE FROM items WHERE receipt_id = $1::text";
static const char sql_in_use[] = "SELECT 1 FROM items WHERE sha256 = $1::text LIMIT 1";
static const char sql_blob_put[] = "INSERT INTO blobs (sha256, sealed) VALUES ($1::text, $2::bytea) "
    "ON CONFLICT (sha256) DO UPDATE SET sealed = excluded.sealed";
static const char sql_blob_get[] = "SELECT sealed FROM blobs WHERE sha256 = $1::text";
static const char sql_blob_del[] = "DELETE FROM blobs WHERE sha256 = $1::text";
static const char sql_state_of[] = "SELECT state FROM items WHERE receipt_id = $1::text";
static const char sql_release_n[] =
    "SELECT coalesce(max(n), 0) + 1 FROM releases WHERE receipt_id = $1::text";
static const char sql_release_add[] =
    "INSERT INTO releases (release_id, receipt_id, n, released_at, released_by, account, "
    "reason, sha256, bytes) VALUES ($1::text, $2::text, $3::bigint, $4::bigint, $5::text, "
    "$6::text, $7::text, $8::text, $9::bigint)";
static const char sql_releases[] =
    "SELECT release_id, released_at, released_by, account, reason, sha256, bytes, n "
    "FROM releases WHERE receipt_id = $1::text ORDER BY n";

struct meta {
	PGconn *conn;
	char *label;		/* "postgresql dbname=... host=... port=..." */
	int in_txn;		/* between begin and commit/rollback */
	struct stmt_cache qc;	/* store_query's statements, prepared on first use */
	char qname[STMT_CACHE_SLOTS][32];	/* their names on this connection */
	unsigned long long qseq;	/* the last name given */
};

/* libpq's message on one line: control characters as spaces, trimmed. */
static void
put_message(struct buf *err, const char *msg)
{
	size_t n = strlen(msg);

	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)msg[i];

		buf_putc(err, c < 0x20 || c == 0x7f ? ' ' : c);
	}
}

static int
db_error(struct meta *m, const PGresult *res, const char *what, struct buf *err)
{
	const char *msg = res != NULL ? PQresultErrorMessage(res) : "";

	if (msg[0] == '\0')
		msg = PQerrorMessage(m->conn);
	buf_printf(err, "%s: %s: ", m->label, what);
	put_message(err, msg[0] != '\0' ? msg : "unknown error");
	return -1;
}

/* Per-connection settings, after connecting and after each reset. */
static int
session_setup(struct meta *m, struct buf *err)
{
	const char *enc;
	PGresult *res;
	int ok;

	PQsetErrorVerbosity(m->conn, PQERRORS_TERSE);
	free(m->label);
	m->label = NULL;
	{
		struct buf l;

		buf_init(&l, 4096);
		buf_puts(&l, "postgresql dbname=");
		put_message(&l, PQdb(m->conn));
		buf_puts(&l, " host=");
		put_message(&l, PQhost(m->conn) != NULL ? PQhost(m->conn) : "");
		buf_puts(&l, " port=");
		put_message(&l, PQport(m->conn));
		m->label = xstrdup(buf_str(&l));
		buf_free(&l);
	}
	if (PQserverVersion(m->conn) < SERVER_VERSION_MIN) {
		buf_printf(err, "%s: server version %d is older than 9.6", m->label,
		    PQserverVersion(m->conn));
		return -1;
	}
	enc = PQparameterStatus(m->conn, "server_encoding");
	if (enc == NULL || strcmp(enc, "UTF8") != 0) {
		buf_printf(err, "%s: the database's encoding is %s; the quarantine needs UTF8 "
		    "(CREATE DATABASE ... ENCODING 'UTF8' TEMPLATE template0)", m->label,
		    enc != NULL ? enc : "unknown");
		return -1;
	}
	if (PQsetClientEncoding(m->conn, "UTF8") != 0)
		return db_error(m, NULL, "setting the client encoding", err);
	res = PQexecParams(m->conn, sql_setup, 0, NULL, NULL, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		db_error(m, res, "session settings", err);
	PQclear(res);
	return ok ? 0 : -1;
}

static int
reconnect(struct meta *m, struct buf *err)
{
	m->in_txn = 0;
	stmt_cache_clear(&m->qc);	/* a new session has none of them */
	PQreset(m->conn);
	if (PQstatus(m->conn) != CONNECTION_OK)
		return db_error(m, NULL, "reconnecting", err);
	return session_setup(m, err);
}

/*
 * Run one constant statement with n parameters (NULL for SQL NULL), text
 * unless lens and fmts say otherwise (PQexecParams), the result in text, or
 * in binary when binary_result.  Returns the result (the caller PQclears it)
 * or NULL with a message.  A broken connection outside a transaction is
 * reset and the statement tried once more.
 */
static PGresult *
exec_params(struct meta *m, const char *sql, int n, const char *const *vals,
    const int *lens, const int *fmts, int binary_result, const char *what, struct buf *err)
{
	int retried = 0;

	for (;;) {
		PGresult *res = NULL;
		ExecStatusType st = PGRES_FATAL_ERROR;

		if (PQstatus(m->conn) == CONNECTION_OK) {
			res = PQexecParams(m->conn, sql, n, NULL, vals, lens, fmts, binary_result);
			st = PQresultStatus(res);
		}
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
			return res;
		if (retried || m->in_txn || PQstatus(m->conn) != CONNECTION_BAD) {
			db_error(m, res, what, err);
			PQclear(res);
			return NULL;
		}
		PQclear(res);
		retried = 1;
		if (reconnect(m, err) != 0)
			return NULL;
	}
}

/* exec_params with text parameters and a text result. */
static PGresult *
exec(struct meta *m, const char *sql, int n, const char *const *vals, const char *what,
    struct buf *err)
{
	return exec_params(m, sql, n, vals, NULL, NULL, 0, what, err);
}

/* Run a statement whose result is not needed. */
static int
run(struct meta *m, const char *sql, int n, const char *const *vals, const char *what,
    struct buf *err)
{
	PGresult *res = exec(m, sql, n, vals, what, err);

	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

/* A BIGINT column: 0, or -1 when NULL or not a number. */
static int
get_ll(const PGresult *res, int row, int col, long long *v)
{
	const char *s;
	char *end;

	if (PQgetisnull(res, row, col))
		return -1;
	s = PQgetvalue(res, row, col);
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno != 0 || end == s || *end != '\0' ? -1 : 0;
}

static int
copy_fixed(char *dst, size_t n, const PGresult *res, int row, int col)
{
	int len = PQgetlength(res, row, col);

	if (PQgetisnull(res, row, col) || len < 0 || (size_t)len >= n)
		return -1;
	memcpy(dst, PQgetvalue(res, row, col), (size_t)len + 1);
	return 0;
}

static char *
copy_text(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return xstrndup(PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
}

static void
meta_close(void *be)
{
	struct meta *m = be;

	if (m == NULL)
		return;
	PQfinish(m->conn);
	stmt_cache_clear(&m->qc);
	free(m->label);
	free(m);
}

static void
meta_rollback(void *be)
{
	struct meta *m = be;

	if (!m->in_txn)
		return;
	m->in_txn = 0;
	if (PQstatus(m->conn) == CONNECTION_OK)
		PQclear(PQexecParams(m->conn, sql_rollback, 0, NULL, NULL, NULL, NULL, 0));
}

/* READ COMMITTED whatever the server's default: under REPEATABLE READ the
 * snapshot would be taken before the lock is granted, hiding the rows the
 * writer before us committed. */
static int
meta_begin(void *be, struct buf *err)
{
	struct meta *m = be;

	if (m->in_txn)
		die("meta_pg: a transaction is open already");
	if (run(m, sql_begin, 0, NULL, "begin", err) != 0)
		return -1;
	m->in_txn = 1;
	/* store.c does not roll back a failed begin: leave no transaction open */
	if (run(m, sql_lock, 0, NULL, "waiting for the writers' lock", err) != 0) {
		meta_rollback(m);
		return -1;
	}
	return 0;
}

static int
meta_commit(void *be, struct buf *err)
{
	struct meta *m = be;
	PGresult *res;
	int r = 0;

	/* in_txn stays set while COMMIT runs: it must not be retried elsewhere */
	res = exec(m, sql_commit, 0, NULL, "commit", err);
	m->in_txn = 0;
	if (res == NULL)
		return -1;
	if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		buf_printf(err, "%s: commit: the transaction was rolled back", m->label);
		r = -1;
	}
	PQclear(res);
	return r;
}

static int
migrate(struct meta *m, int create, struct buf *err)
{
	long long version = 0;
	PGresult *res;
	char v[24];
	const char *vals[1] = { v };
	int has;

	if (meta_begin(m, err) != 0)
		goto fail;
	if ((res = exec(m, sql_has_schema, 0, NULL, "looking for the schema", err)) == NULL)
		goto fail;
	has = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (has) {
		if ((res = exec(m, sql_version_get, 0, NULL, "reading the schema version",
		    err)) == NULL)
			goto fail;
		if (PQntuples(res) != 1 || (!PQgetisnull(res, 0, 0) && get_ll(res, 0, 0,
		    &version) != 0)) {
			buf_printf(err, "%s: malformed schema version", m->label);
			PQclear(res);
			goto fail;
		}
		PQclear(res);
	}
	if (version > STORE_SCHEMA_VERSION) {
		buf_printf(err, "%s: schema version %lld is newer than this sekisho's (%d)",
		    m->label, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (version == STORE_SCHEMA_VERSION) {
		meta_rollback(m);	/* nothing written */
		return 0;
	}
	if (!create && version == 0) {
		buf_printf(err, "%s: no quarantine store in this database (its tables are "
		    "created when sekishod or 'sekisho quarantine import' first stores an item)",
		    m->label);
		goto fail;
	}
	for (size_t i = 0; store_schema[i] != NULL; i++) {
		if (run(m, store_schema[i], 0, NULL, "creating the schema", err) != 0)
			goto fail;
	}
	snprintf(v, sizeof v, "%d", STORE_SCHEMA_VERSION);
	if (run(m, sql_version_set, 1, vals, "writing the schema version", err) != 0)
		goto fail;
	return meta_commit(m, err);
fail:
	meta_rollback(m);
	return -1;
}

/* A password in the connection string would be printed with the
 * configuration: refuse it and point to the password file. */
static int
check_conninfo(const char *conninfo, struct buf *err)
{
	PQconninfoOption *opts;
	char *msg = NULL;
	int r = 0;

	if ((opts = PQconninfoParse(conninfo, &msg)) == NULL) {
		if (msg == NULL)
			die("PQconninfoParse: out of memory");
		buf_puts(err, "quarantine_pg: ");
		put_message(err, msg);
		PQfreemem(msg);
		return -1;
	}
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL && o->val[0] != '\0') {
			buf_puts(err, "quarantine_pg: holds a password, which would be shown "
			    "with the configuration; put it in a password file instead "
			    "(passfile=PATH, mode 0600, or ~/.pgpass)");
			r = -1;
		}
	}
	PQconninfoFree(opts);
	return r;
}

static int
meta_open(void **be, const struct store_config *cfg, struct buf *err)
{
	const char *const keys[] = { "connect_timeout", "fallback_application_name", "dbname",
	    NULL };
	const char *const vals[] = { CONNECT_TIMEOUT, "sekisho", cfg->pg_conninfo, NULL };
	struct meta *m;

	*be = NULL;
	if (cfg->pg_conninfo == NULL || cfg->pg_conninfo[0] == '\0') {
		buf_puts(err, "quarantine_backend = postgresql needs a connection string in "
		    "quarantine_pg");
		return -1;
	}
	if (check_conninfo(cfg->pg_conninfo, err) != 0)
		return -1;
	m = xcalloc(1, sizeof *m);
	m->label = xstrdup("postgresql");
	/* dbname last: the operator's connection string overrides our defaults */
	if ((m->conn = PQconnectdbParams(keys, vals, 1)) == NULL)
		die("PQconnectdbParams: out of memory");
	if (PQstatus(m->conn) != CONNECTION_OK) {
		db_error(m, NULL, "cannot connect", err);
		goto fail;
	}
	if (session_setup(m, err) != 0 || migrate(m, cfg->create, err) != 0)
		goto fail;
	*be = m;
	return 0;
fail:
	meta_close(m);
	return -1;
}

/* sha256 of the row with this id: 0 found, STORE_NOT_FOUND, -1. */
static int
sha_of(struct meta *m, const char *id, char sha[SHA256_HEX_LEN + 1], struct buf *err)
{
	const char *vals[1] = { id };
	PGresult *res = exec(m, sql_sha_of, 1, vals, "lookup", err);
	int r = STORE_NOT_FOUND;

	if (res == NULL)
		return -1;
	if (PQntuples(res) > 0) {
		if (PQgetisnull(res, 0, 0) || PQgetlength(res, 0, 0) != SHA256_HEX_LEN) {
			buf_printf(err, "%s: row %s: malformed sha256", m->label, id);
			r = -1;
		} else {
			memcpy(sha, PQgetvalue(res, 0, 0), SHA256_HEX_LEN + 1);
			r = 0;
		}
	}
	PQclear(res);
	return r;
}

static int
meta_insert(void *be, const struct store_item *it, const char *sha256,
    unsigned long long bytes, const char *key_id, long long expires_at,
    char have_sha[SHA256_HEX_LEN + 1], struct buf *err)
{
	struct meta *m = be;
	char received[24], size[24], expires[24];
	const char *vals[12] = {
		it->receipt_id, received, sha256, size, it->verdict, it->reason, it->sender,
		it->recipients, it->subject, it->receipt_json, key_id, expires
	};
	int r;

	if ((r = sha_of(m, it->receipt_id, have_sha, err)) != STORE_NOT_FOUND)
		return r == 0 ? STORE_EXISTS : -1;
	snprintf(received, sizeof received, "%lld", it->received_at);
	snprintf(size, sizeof size, "%llu", bytes);
	snprintf(expires, sizeof expires, "%lld", expires_at);
	return run(m, sql_insert, 12, vals, "insert", err);
}

/* One row of sql_get or sql_list (same leading columns) into out. */
static int
read_row(struct meta *m, const PGresult *res, int row, struct store_item_out *out,
    struct buf *err)
{
	long long bytes;

	memset(out, 0, sizeof *out);
	if (PQnfields(res) < NCOLS ||
	    copy_fixed(out->receipt_id, sizeof out->receipt_id, res, row, 0) != 0 ||
	    copy_fixed(out->sha256, sizeof out->sha256, res, row, 2) != 0 ||
	    copy_fixed(out->verdict, sizeof out->verdict, res, row, 4) != 0 ||
	    copy_fixed(out->key_id, sizeof out->key_id, res, row, 9) != 0 ||
	    copy_fixed(out->state, sizeof out->state, res, row, 10) != 0 ||
	    get_ll(res, row, 1, &out->received_at) != 0 ||
	    get_ll(res, row, 3, &bytes) != 0 || bytes < 0 ||
	    get_ll(res, row, 13, &out->expires_at) != 0 ||
	    (!PQgetisnull(res, row, 11) && get_ll(res, row, 11, &out->released_at) != 0)) {
		buf_printf(err, "%s: malformed row", m->label);
		return -1;
	}
	out->bytes = (unsigned long long)bytes;
	if (PQgetisnull(res, row, 11))
		out->released_at = -1;
	out->reason = copy_text(res, row, 5);
	out->sender = copy_text(res, row, 6);
	out->recipients = copy_text(res, row, 7);
	out->subject = copy_text(res, row, 8);
	out->released_by = copy_text(res, row, 12);
	if (PQnfields(res) > NCOLS)
		out->receipt_json = copy_text(res, row, NCOLS);
	return 0;
}

static int
meta_get(void *be, const char *receipt_id, int with_receipt,
    struct store_item_out *out, struct buf *err)
{
	struct meta *m = be;
	const char *vals[1] = { receipt_id };
	PGresult *res = exec(m, sql_get, 1, vals, "lookup", err);
	int r = STORE_NOT_FOUND;

	if (res == NULL)
		return -1;
	if (PQntuples(res) > 0) {
		r = read_row(m, res, 0, out, err);
		if (r == 0 && !with_receipt) {
			free(out->receipt_json);
			out->receipt_json = NULL;
		}
	}
	PQclear(res);
	return r;
}

/*
 * Listing in pages of LIST_PAGE rows, each page one query that starts after
 * the last row of the one before: memory stays bounded however many rows
 * match, and the callback runs between queries.
 */
static int
meta_list(void *be, const struct store_filter *f, store_list_fn fn, void *ctx,
    struct buf *err)
{
	struct meta *m = be;
	char since[24], until[24], after_t[24], after_id[STORE_ID_MAX], limit[24];
	const char *vals[8] = { since, until, f->verdict, f->state, NULL, NULL, NULL, limit };
	size_t left = f->limit;	/* 0: all */
	struct buf needle;
	int r = 0;

	buf_init(&needle, 4 * STORE_FIELD_MAX);
	if (f->sender != NULL) {
		for (const char *p = f->sender; *p != '\0'; p++) {
			if (buf_putc(&needle, *p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p) != 0) {
				buf_puts(err, "sender filter too long");
				buf_free(&needle);
				return -1;
			}
		}
		vals[4] = buf_str(&needle);
	}
	snprintf(since, sizeof since, "%lld", f->since);
	snprintf(until, sizeof until, "%lld", f->until > 0 ? f->until : LLONG_MAX);
	for (;;) {
		size_t page = left > 0 && left < LIST_PAGE ? left : LIST_PAGE;
		PGresult *res;
		int n, stop = 0;

		snprintf(limit, sizeof limit, "%zu", page);
		if ((res = exec(m, sql_list, 8, vals, "listing", err)) == NULL) {
			r = -1;
			break;
		}
		n = PQntuples(res);
		for (int i = 0; i < n && !stop; i++) {
			struct store_item_out it;

			if (read_row(m, res, i, &it, err) != 0) {
				r = -1;
				break;
			}
			stop = fn(&it, ctx) != 0;
			store_item_out_free(&it);
			if (i == n - 1) {
				/* read_row checked both columns */
				snprintf(after_t, sizeof after_t, "%s", PQgetvalue(res, i, 1));
				snprintf(after_id, sizeof after_id, "%s", PQgetvalue(res, i, 0));
				vals[5] = after_t;
				vals[6] = after_id;
			}
		}
		PQclear(res);
		if (r != 0 || stop || (size_t)n < page)
			break;
		if (left > 0 && (left -= (size_t)n) == 0)
			break;
	}
	buf_free(&needle);
	return r;
}

static int
meta_mark_released(void *be, const char *receipt_id, const char *by, long long when,
    struct buf *err)
{
	struct meta *m = be;
	char t[24], sha[SHA256_HEX_LEN + 1];
	const char *vals[3] = { receipt_id, t, by };
	PGresult *res;
	int changed, r;

	snprintf(t, sizeof t, "%lld", when);
	if ((res = exec(m, sql_mark, 3, vals, "update", err)) == NULL)
		return -1;
	changed = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (changed)
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
	char t[24], size[24], state[16], nth[24];
	const char *vals[9] = {
		r->release_id, r->receipt_id, nth, t, r->by, r->account, r->reason, r->sha256, size
	};
	long long n;
	const char *id1[1] = { r->receipt_id };
	const char *mark[3] = { r->receipt_id, t, r->by };
	PGresult *res;
	int changed;

	if ((res = exec(m, sql_state_of, 1, id1, "lookup", err)) == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return STORE_NOT_FOUND;
	}
	if (copy_fixed(state, sizeof state, res, 0, 0) != 0) {
		PQclear(res);
		buf_printf(err, "%s: row %s: malformed state", m->label, r->receipt_id);
		return -1;
	}
	PQclear(res);
	if (strcmp(state, "held") != 0 && strcmp(state, "released") != 0) {
		buf_printf(err, "%s is %s: there is nothing to release", r->receipt_id, state);
		return -1;
	}
	if ((res = exec(m, sql_release_n, 1, id1, "numbering the release", err)) == NULL)
		return -1;
	if (PQntuples(res) != 1 || get_ll(res, 0, 0, &n) != 0 || n < 1) {
		PQclear(res);
		buf_printf(err, "%s: numbering the release: malformed answer", m->label);
		return -1;
	}
	PQclear(res);
	r->n = (unsigned long long)n;
	snprintf(nth, sizeof nth, "%lld", n);
	snprintf(t, sizeof t, "%lld", r->released_at);
	snprintf(size, sizeof size, "%llu", r->bytes);
	if (run(m, sql_release_add, 9, vals, "recording the release", err) != 0)
		return -1;
	if (strcmp(state, "held") != 0)
		return 0;	/* released before: its first release stays on the row */
	if ((res = exec(m, sql_mark, 3, mark, "update", err)) == NULL)
		return -1;
	changed = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (!changed) {
		buf_printf(err, "%s: %s changed state while being released", m->label,
		    r->receipt_id);
		return -1;
	}
	return 0;
}

static int
meta_releases(void *be, const char *receipt_id, store_release_fn fn, void *ctx,
    struct buf *err)
{
	struct meta *m = be;
	const char *vals[1] = { receipt_id };
	PGresult *res = exec(m, sql_releases, 1, vals, "listing releases", err);
	int r = 0;

	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		struct store_release rel;
		long long bytes, nth;

		memset(&rel, 0, sizeof rel);
		rel.receipt_id = receipt_id;
		if (PQnfields(res) != 8 ||
		    copy_fixed(rel.release_id, sizeof rel.release_id, res, i, 0) != 0 ||
		    copy_fixed(rel.sha256, sizeof rel.sha256, res, i, 5) != 0 ||
		    get_ll(res, i, 1, &rel.released_at) != 0 ||
		    get_ll(res, i, 6, &bytes) != 0 || bytes < 0 ||
		    get_ll(res, i, 7, &nth) != 0 || nth < 1 ||
		    PQgetisnull(res, i, 2) || PQgetisnull(res, i, 3) || PQgetisnull(res, i, 4)) {
			buf_printf(err, "%s: a release of %s: malformed row", m->label, receipt_id);
			r = -1;
			break;
		}
		rel.bytes = (unsigned long long)bytes;
		rel.n = (unsigned long long)nth;
		rel.by = PQgetvalue(res, i, 2);
		rel.account = PQgetvalue(res, i, 3);
		rel.reason = PQgetvalue(res, i, 4);
		if (fn(&rel, ctx, err) != 0)
			break;
	}
	PQclear(res);
	return r;
}

static int
meta_expired(void *be, long long now, size_t max, store_expired_fn fn, void *ctx,
    struct buf *err)
{
	struct meta *m = be;
	char t[24], lim[24];
	const char *vals[2] = { t, lim };
	PGresult *res;
	int r = 0;

	snprintf(t, sizeof t, "%lld", now);
	snprintf(lim, sizeof lim, "%zu", max);
	if ((res = exec(m, sql_expired, 2, vals, "listing expired items", err)) == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		if (PQgetisnull(res, i, 0) || PQgetisnull(res, i, 1)) {
			buf_printf(err, "%s: malformed row", m->label);
			r = -1;
			break;
		}
		fn(PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), ctx);
	}
	PQclear(res);
	return r;
}

static int
meta_delete_item(void *be, const char *receipt_id, struct buf *err)
{
	const char *vals[1] = { receipt_id };

	return run(be, sql_delete, 1, vals, "delete", err);
}

static int
meta_sha_in_use(void *be, const char *sha256, int *in_use, struct buf *err)
{
	const char *vals[1] = { sha256 };
	PGresult *res = exec(be, sql_in_use, 1, vals, "lookup", err);

	if (res == NULL)
		return -1;
	*in_use = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}

/* The sealed bytes travel in binary (no hex or escaping). */
static int
meta_blob_put(void *be, const char *sha256, const void *sealed, size_t len, struct buf *err)
{
	struct meta *m = be;
	const char *vals[2] = { sha256, sealed };
	const int lens[2] = { 0, (int)len }, fmts[2] = { 0, 1 };
	PGresult *res;

	if (len > INT_MAX) {
		buf_printf(err, "%s: blob %s: too large to store inline", m->label, sha256);
		return -1;
	}
	if ((res = exec_params(m, sql_blob_put, 2, vals, lens, fmts, 0, "storing an original",
	    err)) == NULL)
		return -1;
	PQclear(res);
	return 0;
}

static int
meta_blob_get(void *be, const char *sha256, struct buf *out, struct buf *err)
{
	struct meta *m = be;
	const char *vals[1] = { sha256 };
	PGresult *res = exec_params(m, sql_blob_get, 1, vals, NULL, NULL, 1,
	    "reading an original", err);
	int r = STORE_NOT_FOUND;

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		r = 0;
		if (PQgetisnull(res, 0, 0) || PQgetlength(res, 0, 0) < 0) {
			buf_printf(err, "%s: blob %s: malformed row", m->label, sha256);
			r = -1;
		} else if (buf_append(out, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0)) != 0) {
			buf_printf(err, "%s: blob %s: larger than allowed here", m->label, sha256);
			r = -1;
		}
	}
	PQclear(res);
	return r;
}

static int
meta_blob_del(void *be, const char *sha256, int *gone, struct buf *err)
{
	const char *vals[1] = { sha256 };
	PGresult *res = exec(be, sql_blob_del, 1, vals, "deleting an original", err);

	if (res == NULL)
		return -1;
	*gone = strcmp(PQcmdTuples(res), "0") != 0;
	PQclear(res);
	return 0;
}

/*
 * A store_query statement through a prepared statement of this session
 * (prepared on first use: no parsing and planning per console page).  One
 * that cannot be prepared, or whose connection broke, runs as before
 * through exec (which reconnects outside a transaction; reconnecting
 * forgets every prepared name).
 */
static PGresult *
exec_cached(struct meta *m, const char *sql, int n, const char *const *vals, struct buf *err)
{
	int hit, old, slot = stmt_cache_find(&m->qc, sql, &hit, &old);
	PGresult *res;

	if (slot < 0 || PQstatus(m->conn) != CONNECTION_OK) {
		if (slot >= 0)
			stmt_cache_forget(&m->qc, slot);
		return exec(m, sql, n, vals, "a console statement", err);
	}
	if (old) {
		char dealloc[64];

		/* best effort: a name left behind costs the session a little memory */
		snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", m->qname[slot]);
		PQclear(PQexec(m->conn, dealloc));
	}
	if (!hit) {
		snprintf(m->qname[slot], sizeof m->qname[slot], "sk_q%llu", ++m->qseq);
		res = PQprepare(m->conn, m->qname[slot], sql, n, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			PQclear(res);
			stmt_cache_forget(&m->qc, slot);
			return exec(m, sql, n, vals, "a console statement", err);
		}
		PQclear(res);
		stmt_cache_fill(&m->qc, slot, sql);
	}
	res = PQexecPrepared(m->conn, m->qname[slot], n, vals, NULL, NULL, 0);
	stmt_cache_release(&m->qc, slot);
	if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	if (PQstatus(m->conn) == CONNECTION_BAD && !m->in_txn) {
		PQclear(res);
		return exec(m, sql, n, vals, "a console statement", err);
	}
	db_error(m, res, "a console statement", err);
	PQclear(res);
	return NULL;
}

/* The caller's ?N placeholders become PostgreSQL's $N (the text is constant
 * and has no literals holding '?'). */
static int
meta_query(void *be, const char *sql, const char *const *params, size_t n,
    store_row_fn fn, void *ctx, long long *changes, struct buf *err)
{
	struct meta *m = be;
	char text[STMT_CACHE_SQL_MAX];
	const char *cols[64];
	PGresult *res;
	size_t len = strlen(sql);
	int ncols;

	if (len >= sizeof text)
		die("store query longer than %d bytes", STMT_CACHE_SQL_MAX);
	memcpy(text, sql, len + 1);
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '?')
			text[i] = '$';
	}
	if ((res = exec_cached(m, text, (int)n, params, err)) == NULL)
		return -1;
	if ((ncols = PQnfields(res)) > (int)(sizeof cols / sizeof cols[0]))
		die("store query: %d columns", ncols);
	for (int i = 0; i < PQntuples(res); i++) {
		for (int c = 0; c < ncols; c++)
			cols[c] = PQgetisnull(res, i, c) ? NULL : PQgetvalue(res, i, c);
		if (fn != NULL && fn((size_t)ncols, cols, ctx) != 0)
			break;
	}
	*changes = strtoll(PQcmdTuples(res), NULL, 10);	/* "" for a SELECT: 0 */
	PQclear(res);
	return 0;
}

const struct store_backend_ops store_pg_ops = {
	.name = "postgresql",
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
};
