/*
 * test_outcome - group commit: many threads
 * recording through one outcome_queue all get durable records, in fewer
 * batches than items; the journal verifies, holds each receipt once and the
 * database (read with SQLite directly) a row per item whose original
 * decrypts to the bytes given; a failure (a row the database refuses, a
 * receipt the journal refuses) fails exactly its item and no other.  The
 * log is folded by the queue's checkpoint thread.  Audit checkpoints: the
 * first key pair is made by outcome_prepare; a checkpoint after
 * audit_checkpoint_records records and after audit_checkpoint_seconds (the
 * queue's own tick, and outcome_tick), everything covered once closed; a
 * journal cut behind its last checkpoint stops outcome_prepare and
 * outcome_open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit/journal.h"
#include "daemon/outcome.h"
#include "policy/config.h"
#include "store/store.h"

/* ---- group commit ---- */

#define THREADS 16
#define PER_THREAD 25
#define NOW 1800000000LL

static struct config cfg;
static char dir[64];

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

static int
setup_dir(void **state)
{
	struct buf err;

	snprintf(dir, sizeof dir, "/tmp/sk-outcome-XXXXXX");
	assert_non_null(mkdtemp(dir));
	config_defaults(&cfg);
	snprintf(cfg.quarantine_dir, sizeof cfg.quarantine_dir, "%s/q", dir);
	snprintf(cfg.quarantine_db, sizeof cfg.quarantine_db, "%s/q.db", dir);
	snprintf(cfg.quarantine_key, sizeof cfg.quarantine_key, "%s/q.key", dir);
	snprintf(cfg.journal, sizeof cfg.journal, "%s/journal", dir);
	snprintf(cfg.audit_key, sizeof cfg.audit_key, "%s/audit.key", dir);
	cfg.quarantine_backend = QUARANTINE_SQLITE;
	cfg.quarantine_retention_days = 30;
	buf_init(&err, 1024);
	assert_int_equal(outcome_prepare(&cfg, &err), 0);
	buf_free(&err);
	return 0;
}

static int
teardown_dir(void **state)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* A receipt as a worker writes it; bad: not JSON (the journal refuses it). */
static void
make_item(struct outcome_item *it, char *id, char *json, size_t jn, char *orig, size_t on,
    const char *tag, int k, int bad)
{
	snprintf(id, 32, "SK-%s-%04d", tag, k);
	snprintf(json, jn, bad ? "{\"id\":\"%s\",\"verdict\":\"sanitized\"" :
	    "{\"schema\":\"sekisho.receipt/1\",\"id\":\"%s\",\"time\":\"2027-01-15T08:00:00Z\","
	    "\"kind\":\"mail\",\"verdict\":\"withheld\",\"reason\":\"virus\",\"detail\":null,"
	    "\"input\":{\"sha256\":null,\"bytes\":1,\"subject\":\"s %d\"},\"output\":null,"
	    "\"parts\":[],\"anomalies\":[],\"limits_hit\":[],\"policy\":{\"digest\":"
	    "\"0000000000000000000000000000000000000000000000000000000000000000\"}}",
	    id, k);
	snprintf(orig, on, "Subject: s %d\nFrom: a@x\n\nbody of %s\n", k, id);
	memset(it, 0, sizeof *it);
	it->receipt_id = id;
	it->received = NOW;
	it->sender = "a@x";
	it->recipients = "b@x";
	it->receipt_json = json;
	it->receipt_len = strlen(json);
	it->original = orig;
	it->original_len = strlen(orig);
}

/* Refuse rows whose id has FAIL in it, as a broken database would. */
static void
db_refuse_fail_ids(void)
{
	struct outcome *o;
	struct buf err;
	sqlite3 *db;

	buf_init(&err, 1024);
	assert_int_equal(outcome_open(&o, &cfg, &err), 0);	/* creates the database */
	outcome_close(o);
	buf_free(&err);
	assert_int_equal(sqlite3_open(cfg.quarantine_db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TRIGGER refuse BEFORE INSERT ON items "
	    "WHEN NEW.receipt_id LIKE '%FAIL%' BEGIN SELECT RAISE(ABORT, 'refused'); END",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static long long
db_count(const char *where)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char sql[256];
	long long n = -1;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM items WHERE %s", where);
	assert_int_equal(sqlite3_open_v2(cfg.quarantine_db, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* The journal's text: lines, and how many name id. */
static void
journal_scan(const char *id, size_t *lines, size_t *hits)
{
	FILE *f = fopen(cfg.journal, "r");
	char *line = NULL;
	size_t cap = 0;
	char pat[64];

	assert_non_null(f);
	snprintf(pat, sizeof pat, "\"id\":\"%s\"", id != NULL ? id : "");
	*lines = *hits = 0;
	while (getline(&line, &cap, f) > 0) {
		(*lines)++;
		if (id != NULL && strstr(line, pat) != NULL)
			(*hits)++;
	}
	free(line);
	fclose(f);
}

/* The journal verifies, and (strict) its signed checkpoints cover all of it. */
static void
assert_journal_intact(void)
{
	char cps[600], pub[600];
	struct journal_verify_opts o = { .checkpoints = cps, .public_key = pub, .strict = 1 };
	struct buf rep;

	snprintf(cps, sizeof cps, "%s.checkpoints", cfg.journal);
	snprintf(pub, sizeof pub, "%s.pub", cfg.audit_key);
	buf_init(&rep, 1 << 20);
	if (journal_verify(cfg.journal, &o, &rep) != 0)
		fail_msg("journal not intact:\n%s", buf_str(&rep));
	buf_free(&rep);
}

/* The original stored for id, decrypted, is orig. */
static void
assert_original(const char *id, const char *orig)
{
	struct store_config sc = {
		.blob_dir = cfg.quarantine_dir, .sqlite_path = cfg.quarantine_db,
		.key_path = cfg.quarantine_key, .retention_days = 30,
	};
	struct store *st;
	struct buf got, err;

	buf_init(&got, 1 << 20);
	buf_init(&err, 1024);
	assert_int_equal(store_open(&st, &sc, &err), 0);
	assert_int_equal(store_get(st, id, &got, NULL, &err), 0);
	assert_string_equal(buf_str(&got), orig);
	store_close(st);
	buf_free(&got);
	buf_free(&err);
}

struct job {
	struct outcome_queue *q;
	int t;
	int fail_every;		/* 0: none; else every n-th item has FAIL in its id */
	int status[PER_THREAD];
	char id[PER_THREAD][32];
	char orig[PER_THREAD][128];
};

static void *
job_run(void *arg)
{
	struct job *j = arg;

	for (int k = 0; k < PER_THREAD; k++) {
		struct outcome_item it;
		char json[512], tag[16];
		struct buf err;

		snprintf(tag, sizeof tag, "%s%d", j->fail_every > 0 && k % j->fail_every == 0 ?
		    "FAIL" : "t", j->t);
		make_item(&it, j->id[k], json, sizeof json, j->orig[k], sizeof j->orig[k], tag, k,
		    0);
		buf_init(&err, 4096);
		j->status[k] = outcome_queue_record(j->q, &it, &err);
		if (j->status[k] != 0 && err.len == 0)
			j->status[k] = -2;	/* a failure must say why */
		buf_free(&err);
	}
	return NULL;
}

/* Every thread's items through one queue; FAIL ids are refused by the database. */
static void
run_threads(int fail_every)
{
	static struct job jobs[THREADS];
	pthread_t th[THREADS];
	struct outcome_queue *q;
	unsigned long long batches, items;
	struct buf err;
	size_t lines, hits, want = 0, failed = 0;

	buf_init(&err, 1024);
	assert_int_equal(outcome_queue_open(&q, &cfg, NULL, &err), 0);
	for (int t = 0; t < THREADS; t++) {
		memset(&jobs[t], 0, sizeof jobs[t]);
		jobs[t].q = q;
		jobs[t].t = t;
		jobs[t].fail_every = fail_every;
		assert_int_equal(pthread_create(&th[t], NULL, job_run, &jobs[t]), 0);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	outcome_queue_stats(q, &batches, &items);
	outcome_queue_close(q);
	print_message("%llu items in %llu batches\n", items, batches);
	assert_int_equal(items, THREADS * PER_THREAD);
	assert_true(batches < items);	/* items were committed together */
	assert_journal_intact();
	for (int t = 0; t < THREADS; t++) {
		for (int k = 0; k < PER_THREAD; k++) {
			int refused = strstr(jobs[t].id[k], "FAIL") != NULL;

			journal_scan(jobs[t].id[k], &lines, &hits);
			if (refused) {
				assert_int_equal(jobs[t].status[k], -1);
				assert_int_equal(hits, 0);
				failed++;
				continue;
			}
			assert_int_equal(jobs[t].status[k], 0);
			assert_int_equal(hits, 1);
			want++;
			if (k % 7 == 0)
				assert_original(jobs[t].id[k], jobs[t].orig[k]);
		}
	}
	journal_scan(NULL, &lines, &hits);
	assert_int_equal(lines, want);
	assert_int_equal(db_count("1"), (long long)want);
	assert_int_equal(db_count("receipt_id LIKE '%FAIL%'"), 0);
	if (fail_every > 0)
		assert_true(failed > 0);
	buf_free(&err);
}

static void
test_queue_many_threads(void **state)
{
	run_threads(0);
}

static void
test_queue_failure_isolated(void **state)
{
	db_refuse_fail_ids();
	run_threads(4);
}

/* One batch: a refused row, a bad id and a receipt the journal refuses fail
 * alone; the others in the same batch are durable. */
static void
test_batch_failures(void **state)
{
	enum { N = 6 };
	struct outcome_item it[N];
	const struct outcome_item *items[N];
	char id[N][32], json[N][512], orig[N][128];
	struct buf eb[N], *errs[N];
	int status[N];
	struct outcome *o;
	struct buf err;
	size_t lines, hits;
	const char *tags[N] = { "a", "FAIL", "b", "bad id", "c", "badjson" };

	db_refuse_fail_ids();
	buf_init(&err, 1024);
	assert_int_equal(outcome_open(&o, &cfg, &err), 0);
	for (int i = 0; i < N; i++) {
		make_item(&it[i], id[i], json[i], sizeof json[i], orig[i], sizeof orig[i], tags[i],
		    i, strcmp(tags[i], "badjson") == 0);
		items[i] = &it[i];
		buf_init(&eb[i], 4096);
		errs[i] = &eb[i];
	}
	/* the same original twice in one batch: stored once, both rows refer to it */
	it[4].original = orig[0];
	it[4].original_len = strlen(orig[0]);
	assert_int_equal(outcome_record_batch(o, items, N, status, errs), -1);
	outcome_close(o);
	for (int i = 0; i < N; i++) {
		int bad = i == 1 || i == 3 || i == 5;

		assert_int_equal(status[i], bad ? -1 : 0);
		assert_true(bad ? eb[i].len > 0 : eb[i].len == 0);
		journal_scan(id[i], &lines, &hits);
		assert_int_equal(hits, bad ? 0 : 1);
		buf_free(&eb[i]);
	}
	assert_string_equal(buf_str(&err), "");
	journal_scan(NULL, &lines, &hits);
	assert_int_equal(lines, 3);
	assert_journal_intact();
	/* a receipt that does not read as one (malformed, or an id no receipt
	 * can have) is refused before anything is stored */
	assert_int_equal(db_count("1"), 3);
	assert_int_equal(db_count("receipt_id LIKE '%FAIL%'"), 0);
	assert_original(id[0], orig[0]);
	assert_original(id[2], orig[2]);
	assert_original(id[4], orig[0]);
	buf_free(&err);
}

/*
 * The log is folded off the callers' path: originals large enough to take
 * SQLite's log past STORE_CHECKPOINT_PAGES through the queue, and the
 * checkpoint thread folds it into the database while the queue is open
 * (without it the database file stays small and everything sits in the log
 * until the last connection closes).
 */
/* n letters of item k's own (no deduplication between items), then NUL */
static void
ckpt_original(char *p, size_t n, int k)
{
	for (size_t j = 0; j < n; j++)
		p[j] = (char)('a' + ((uint32_t)(j * 2654435761u + (size_t)k * 40503u) >> 16) % 26);
	p[n] = '\0';
}

static void
test_queue_checkpoints(void **state)
{
	enum { ITEMS = 320, SIZE = 60000 };	/* ~19 MB: past 4000 pages */
	static char orig[SIZE + 1];
	struct outcome_queue *q;
	struct buf err;
	char dbpath[600];
	struct stat st;

	(void)state;
	buf_init(&err, 1024);
	assert_int_equal(outcome_queue_open(&q, &cfg, NULL, &err), 0);
	for (int k = 0; k < ITEMS; k++) {
		struct outcome_item it;
		char id[32], json[512], small[128];

		make_item(&it, id, json, sizeof json, small, sizeof small, "ckpt", k, 0);
		ckpt_original(orig, SIZE, k);
		it.original = orig;
		it.original_len = SIZE;
		buf_reset(&err);
		assert_int_equal(outcome_queue_record(q, &it, &err), 0);
	}
	/* folded while the queue is open (closing would fold it anyway) */
	snprintf(dbpath, sizeof dbpath, "%s", cfg.quarantine_db);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(stat(dbpath, &st), 0);
		if (st.st_size > (long long)ITEMS * SIZE / 2)
			break;
		usleep(10000);
	}
	assert_true(st.st_size > (long long)ITEMS * SIZE / 2);
	outcome_queue_close(q);
	ckpt_original(orig, SIZE, 7);
	assert_original("SK-ckpt-0007", orig);
	buf_free(&err);
}

/* The seqs of the journal's checkpoints, in file order. */
static size_t
cp_seqs(uint64_t *seq, size_t max)
{
	char path[600], line[1100];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s.checkpoints", cfg.journal);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		struct journal_cp cp;
		size_t len = strlen(line);

		assert_true(len > 0 && line[len - 1] == '\n');
		assert_int_equal(journal_cp_parse(line, len - 1, &cp), 0);
		assert_true(n < max);
		seq[n++] = cp.seq;
	}
	fclose(f);
	return n;
}

static void
record_one(struct outcome *o, const char *tag, int k)
{
	struct outcome_item it;
	char id[32], json[512], orig[128];
	struct buf err;

	make_item(&it, id, json, sizeof json, orig, sizeof orig, tag, k, 0);
	buf_init(&err, 1024);
	if (outcome_record(o, &it, &err) != 0)
		fail_msg("record: %s", buf_str(&err));
	buf_free(&err);
}

static void
test_prepare_makes_audit_key(void **state)
{
	char pub[600];
	struct stat st;

	assert_int_equal(stat(cfg.audit_key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(pub, sizeof pub, "%s.pub", cfg.audit_key);
	assert_int_equal(stat(pub, &st), 0);
}

/* An agent records one item at a time: the first is covered at once, then
 * one checkpoint per audit_checkpoint_records, the rest on close. */
static void
test_checkpoint_after_records(void **state)
{
	struct outcome *o;
	struct buf err;
	uint64_t seq[16];

	cfg.audit_checkpoint_records = 5;
	cfg.audit_checkpoint_seconds = 3600;
	buf_init(&err, 1024);
	assert_int_equal(outcome_open(&o, &cfg, &err), 0);
	for (int k = 1; k <= 12; k++)
		record_one(o, "n", k);
	assert_int_equal(cp_seqs(seq, 16), 3);
	assert_int_equal(seq[0], 1);
	assert_int_equal(seq[1], 6);
	assert_int_equal(seq[2], 11);
	outcome_close(o);
	assert_int_equal(cp_seqs(seq, 16), 4);
	assert_int_equal(seq[3], 12);
	assert_journal_intact();
	buf_free(&err);
}

/* When no more records come, the last ones get a checkpoint once the last
 * checkpoint is audit_checkpoint_seconds old: an agent's outcome_tick ... */
static void
test_checkpoint_after_seconds(void **state)
{
	struct outcome *o;
	struct buf err;
	uint64_t seq[16];

	cfg.audit_checkpoint_records = 1000;
	cfg.audit_checkpoint_seconds = 1;
	buf_init(&err, 1024);
	assert_int_equal(outcome_open(&o, &cfg, &err), 0);
	record_one(o, "s", 1);
	record_one(o, "s", 2);
	outcome_tick(o);
	assert_int_equal(cp_seqs(seq, 16), 1);	/* the first; 2 is not due yet */
	sleep(2);
	outcome_tick(o);
	assert_int_equal(cp_seqs(seq, 16), 2);
	assert_int_equal(seq[1], 2);
	outcome_close(o);
	assert_int_equal(cp_seqs(seq, 16), 2);	/* nothing left to sign */
	buf_free(&err);
}

/* ... and the queue's own tick (the milter never calls outcome_tick). */
static void
test_queue_checkpoint_after_seconds(void **state)
{
	struct outcome_queue *q;
	struct outcome_item it;
	char id[32], json[512], orig[128];
	struct buf err;
	uint64_t seq[16];
	size_t n = 0;

	cfg.audit_checkpoint_records = 1000;
	cfg.audit_checkpoint_seconds = 1;
	buf_init(&err, 1024);
	assert_int_equal(outcome_queue_open(&q, &cfg, NULL, &err), 0);
	for (int k = 1; k <= 3; k++) {
		make_item(&it, id, json, sizeof json, orig, sizeof orig, "qs", k, 0);
		assert_int_equal(outcome_queue_record(q, &it, &err), 0);
	}
	for (int i = 0; i < 50; i++) {	/* within 5 s */
		n = cp_seqs(seq, 16);
		if (n > 0 && seq[n - 1] == 3)
			break;
		usleep(100000);
	}
	assert_true(n > 0 && seq[n - 1] == 3);
	outcome_queue_close(q);
	assert_int_equal(cp_seqs(seq, 16), n);
	assert_journal_intact();
	buf_free(&err);
}

/* Records removed from the end behind a checkpoint: the daemon refuses to
 * start (outcome_prepare) and an agent to open, naming what happened. */
static void
test_cut_journal_refused(void **state)
{
	struct outcome *o;
	struct buf err;
	struct stat st;
	FILE *f;
	char *text;
	size_t len, cut;

	buf_init(&err, 1024);
	assert_int_equal(outcome_open(&o, &cfg, &err), 0);
	for (int k = 1; k <= 3; k++)
		record_one(o, "c", k);
	outcome_close(o);
	/* cut the last record */
	assert_int_equal(stat(cfg.journal, &st), 0);
	len = (size_t)st.st_size;
	text = malloc(len);
	assert_non_null(text);
	f = fopen(cfg.journal, "rb");
	assert_int_equal(fread(text, 1, len, f), len);
	fclose(f);
	for (cut = len - 1; cut > 0 && text[cut - 1] != '\n'; cut--)
		;
	assert_int_equal(truncate(cfg.journal, (off_t)cut), 0);
	free(text);
	assert_int_equal(outcome_prepare(&cfg, &err), -1);
	assert_non_null(strstr(buf_str(&err), "records were removed from the end"));
	assert_non_null(strstr(buf_str(&err), cfg.journal));
	buf_reset(&err);
	assert_int_equal(outcome_open(&o, &cfg, &err), -1);
	assert_non_null(strstr(buf_str(&err), "the journal ends at seq 2"));
	buf_free(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_many_threads, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_queue_failure_isolated, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_batch_failures, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_queue_checkpoints, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_prepare_makes_audit_key, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_checkpoint_after_records, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_checkpoint_after_seconds, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_queue_checkpoint_after_seconds, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_cut_journal_refused, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
