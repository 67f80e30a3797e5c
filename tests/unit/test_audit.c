/*
 * test_audit - audit/journal: records append and verify intact; on copies of
 * a journal, verify catches and names a modified receipt, a removed, swapped
 * or rehashed record, records removed from the end past a signed checkpoint,
 * a forged checkpoint, a rewritten journal and a torn last line; opening a
 * torn journal moves the torn bytes aside and the chain continues.
 * Coverage: records after the last checkpoint are a note (a problem when
 * strict), a journal without any checkpoint is not verified, chain-only
 * says so.  audit/signer: when a checkpoint is due (records, seconds, none
 * yet), writers of one journal sharing the count, a torn checkpoints line
 * moved aside, and a journal cut or rewritten behind its checkpoints
 * refused.
 */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit/journal.h"
#include "audit/signer.h"

#define T0 1795253400LL		/* 2026-11-21T09:30:00Z */
#define NREC 10
#define LINES_MAX 64

static char dir[64];

/* dir/name as a path. */
static const char *
at(const char *name)
{
	static char paths[64][256];	/* enough for any one test */
	static int next;
	char *p = paths[next++ % 64];

	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

static int
setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/test_audit.XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A whole small file into b. */
static void
slurp(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	assert_non_null(f);
	buf_reset(b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(buf_append(b, chunk, n), 0);
	fclose(f);
}

static void
spit(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* The lines of a file (LF kept), at most LINES_MAX. */
struct lines {
	struct buf text;
	const char *p[LINES_MAX];
	size_t n[LINES_MAX];
	size_t count;
};

static void
lines_read(const char *path, struct lines *l)
{
	const char *s, *end;

	buf_init(&l->text, 1 << 20);
	slurp(path, &l->text);
	l->count = 0;
	s = buf_str(&l->text);
	end = s + l->text.len;
	while (s < end) {
		const char *lf = memchr(s, '\n', (size_t)(end - s));
		size_t n = lf != NULL ? (size_t)(lf - s) + 1 : (size_t)(end - s);

		assert_true(l->count < LINES_MAX);
		l->p[l->count] = s;
		l->n[l->count++] = n;
		s += n;
	}
}

/* Write the lines in the order given by idx (1-based line numbers, 0 ends). */
static void
lines_write(const struct lines *l, const char *path, const int *idx)
{
	struct buf out;

	buf_init(&out, 1 << 20);
	for (; *idx != 0; idx++)
		assert_int_equal(buf_append(&out, l->p[*idx - 1], l->n[*idx - 1]), 0);
	spit(path, out.data != NULL ? out.data : "", out.len);
	buf_free(&out);
}

static void
receipt_of(int i, char *out, size_t n)
{
	snprintf(out, n, "{\"schema\":\"sekisho.receipt/1\",\"id\":\"SK-20261121-%016d\","
	    "\"verdict\":\"sanitized\",\"input\":{\"subject\":\"会議の件 %d\",\"bytes\":%d},"
	    "\"parts\":[{\"path\":\"1\"}]}\n", i, i, 1000 + i);
}

/* A journal of n records at path; returns its handle still open if keep. */
static struct journal *
make_journal(const char *path, int n, int keep)
{
	struct journal *j;
	struct buf err;
	char r[512];

	buf_init(&err, 4096);
	assert_int_equal(journal_open(&j, path, &err), 0);
	for (int i = 1; i <= n; i++) {
		receipt_of(i, r, sizeof r);
		if (journal_append(j, r, strlen(r), T0 + i, &err) != 0)
			fail_msg("append: %s", buf_str(&err));
	}
	buf_free(&err);
	if (keep)
		return j;
	journal_close(j);
	return NULL;
}

/* journal_verify; the report is left in *rep (caller frees). */
static int
verify(const char *path, const char *cps, const char *pub, struct buf *rep)
{
	struct journal_verify_opts o = { .checkpoints = cps, .public_key = pub };

	buf_init(rep, 1 << 20);
	return journal_verify(path, &o, rep);
}

/* Verify must fail (1) and the report must contain each expected line. */
static void
expect_problems(const char *path, const char *cps, const char *pub, ...)
{
	struct buf rep;
	const char *want;
	va_list ap;

	if (verify(path, cps, pub, &rep) != 1)
		fail_msg("verify did not find a problem in %s:\n%s", path, buf_str(&rep));
	va_start(ap, pub);
	while ((want = va_arg(ap, const char *)) != NULL)
		if (strstr(buf_str(&rep), want) == NULL)
			fail_msg("report lacks \"%s\":\n%s", want, buf_str(&rep));
	va_end(ap);
	assert_non_null(strstr(buf_str(&rep), "NOT VERIFIED: "));
	buf_free(&rep);
}

static void
expect_intact(const char *path, const char *cps, const char *pub, const char *summary)
{
	struct buf rep;

	if (verify(path, cps, pub, &rep) != 0)
		fail_msg("verify of %s failed:\n%s", path, buf_str(&rep));
	if (summary != NULL && strstr(buf_str(&rep), summary) == NULL)
		fail_msg("report lacks \"%s\":\n%s", summary, buf_str(&rep));
	buf_free(&rep);
}

static void
test_intact_and_format(void **state)
{
	static const char start[] = "{\"seq\":1,\"time\":\"2026-11-21T09:30:01Z\",\"prev\":\""
	    "0000000000000000000000000000000000000000000000000000000000000000\",\"receipt\":"
	    "{\"schema\":";
	const char *path = at("intact.jsonl");
	struct lines l;

	make_journal(path, NREC, 0);
	expect_intact(path, NULL, NULL, "verified: 10 records, last seq 10, last hash ");
	lines_read(path, &l);
	assert_int_equal(l.count, NREC);
	/* the documented shape, byte for byte at the start of record 1 */
	assert_true(l.n[0] > sizeof start);
	assert_memory_equal(l.p[0], start, sizeof start - 1);
	/* the receipt verbatim, its trailing newline stripped */
	assert_non_null(strstr(buf_str(&l.text), "\"receipt\":{\"schema\":\"sekisho.receipt/1\","
	    "\"id\":\"SK-20261121-0000000000000001\",\"verdict\":\"sanitized\",\"input\":"
	    "{\"subject\":\"会議の件 1\",\"bytes\":1001},\"parts\":[{\"path\":\"1\"}]},\"hash\":\""));
	buf_free(&l.text);
}

static void
test_hash_covers_line_before_hash(void **state)
{
	const char *path = at("hash.jsonl");
	char h[SHA256_HEX_LEN + 1];
	struct lines l;
	const char *hk;

	make_journal(path, 2, 0);
	lines_read(path, &l);
	hk = strstr(l.p[1], ",\"hash\":\"");
	assert_non_null(hk);
	sha256_hex(l.p[1], (size_t)(hk + 1 - l.p[1]), h);
	assert_memory_equal(hk + 9, h, SHA256_HEX_LEN);
	/* prev of record 2 is the hash of record 1 */
	hk = strstr(l.p[0], ",\"hash\":\"");
	assert_memory_equal(strstr(l.p[1], "\"prev\":\"") + 8, hk + 9, SHA256_HEX_LEN);
	buf_free(&l.text);
}

static void
test_seq_continues_after_reopen(void **state)
{
	const char *path = at("reopen.jsonl");
	struct journal *j;
	struct buf err;
	char r[512];

	make_journal(path, 3, 0);
	buf_init(&err, 4096);
	assert_int_equal(journal_open(&j, path, &err), 0);
	assert_int_equal(journal_seq(j), 3);
	assert_int_equal(journal_torn_bytes(j), 0);
	receipt_of(4, r, sizeof r);
	assert_int_equal(journal_append(j, r, strlen(r), T0 + 4, &err), 0);
	assert_int_equal(journal_seq(j), 4);
	journal_close(j);
	expect_intact(path, NULL, NULL, "verified: 4 records, last seq 4");
	buf_free(&err);
}

static void
test_two_writers_share_the_chain(void **state)
{
	const char *path = at("two.jsonl");
	struct journal *a, *b;
	struct buf err;
	char r[512];

	buf_init(&err, 4096);
	assert_int_equal(journal_open(&a, path, &err), 0);
	assert_int_equal(journal_open(&b, path, &err), 0);
	journal_set_sync(a, 0);
	for (int i = 1; i <= 6; i++) {
		struct journal *w = i % 2 ? a : b;

		receipt_of(i, r, sizeof r);
		assert_int_equal(journal_append(w, r, strlen(r), T0 + i, &err), 0);
		assert_int_equal(journal_seq(w), (uint64_t)i);
	}
	assert_int_equal(journal_sync(a, &err), 0);
	journal_close(a);
	journal_close(b);
	expect_intact(path, NULL, NULL, "verified: 6 records, last seq 6");
	buf_free(&err);
}

static void
test_modified_receipt_byte(void **state)
{
	const char *path = at("mod.jsonl"), *copy = at("mod-copy.jsonl");
	struct lines l;
	char *p;

	make_journal(path, NREC, 0);
	lines_read(path, &l);
	p = strstr(l.text.data + (l.p[4] - l.text.data), "\"verdict\":\"sanitized\"");
	assert_non_null(p);
	p[11] = 'S';		/* "sanitized" -> "Sanitized" in record 5 */
	spit(copy, l.text.data, l.text.len);
	expect_problems(copy, NULL, NULL, "line 5 (seq 5): hash mismatch (record modified)\n", NULL);
	buf_free(&l.text);
}

static void
test_removed_middle_line(void **state)
{
	const char *path = at("rm.jsonl"), *copy = at("rm-copy.jsonl");
	const int order[] = { 1, 2, 3, 4, 6, 7, 8, 9, 10, 0 };
	struct lines l;

	make_journal(path, NREC, 0);
	lines_read(path, &l);
	lines_write(&l, copy, order);
	expect_problems(copy, NULL, NULL,
	    "line 5: seq 6 follows 4 (record removed or reordered)\n", NULL);
	buf_free(&l.text);
}

static void
test_swapped_lines(void **state)
{
	const char *path = at("swap.jsonl"), *copy = at("swap-copy.jsonl");
	const int order[] = { 1, 2, 3, 5, 4, 6, 7, 8, 9, 10, 0 };
	struct lines l;

	make_journal(path, NREC, 0);
	lines_read(path, &l);
	lines_write(&l, copy, order);
	expect_problems(copy, NULL, NULL,
	    "line 4: seq 5 follows 3 (record removed or reordered)\n",
	    "line 5: seq 4 follows 5 (record removed or reordered)\n",
	    "line 6: seq 6 follows 4 (record removed or reordered)\n", NULL);
	buf_free(&l.text);
}

static void
test_modified_and_rehashed(void **state)
{
	const char *path = at("rehash.jsonl"), *copy = at("rehash-copy.jsonl");
	char h[SHA256_HEX_LEN + 1];
	struct lines l;
	char *p, *hk;

	make_journal(path, NREC, 0);
	lines_read(path, &l);
	/* change record 6 and give it a correct hash of its own */
	p = strstr(l.text.data + (l.p[5] - l.text.data), "\"verdict\":\"sanitized\"");
	p[11] = 'S';
	hk = strstr(p, ",\"hash\":\"");
	sha256_hex(l.p[5], (size_t)(hk + 1 - l.p[5]), h);
	memcpy(hk + 9, h, SHA256_HEX_LEN);
	spit(copy, l.text.data, l.text.len);
	expect_problems(copy, NULL, NULL, "line 7: prev does not match the hash of line 6\n", NULL);
	buf_free(&l.text);
}

static void
test_not_a_record(void **state)
{
	const char *path = at("junk.jsonl"), *copy = at("junk-copy.jsonl");
	struct lines l;
	struct buf out;

	make_journal(path, 3, 0);
	lines_read(path, &l);
	buf_init(&out, 1 << 20);
	buf_append(&out, l.p[0], l.n[0]);
	buf_puts(&out, "{\"seq\":2,\"hello\":1}\n");
	buf_append(&out, l.p[2], l.n[2]);
	spit(copy, out.data, out.len);
	expect_problems(copy, NULL, NULL, "line 2: not a journal record: no \"time\" after seq\n",
	    NULL);
	buf_free(&out);
	buf_free(&l.text);
}

static void
test_torn_last_line(void **state)
{
	const char *path = at("torn.jsonl");
	struct journal *j;
	struct buf err, torn, rep;
	struct lines l;
	char r[512];
	FILE *f;

	make_journal(path, 5, 0);
	f = fopen(path, "ab");
	fputs("{\"seq\":6,\"time\":\"2026-11-21T09:3", f);	/* 32 bytes, no LF */
	fclose(f);
	expect_problems(path, NULL, NULL, "line 6: last line is incomplete (truncated write)\n",
	    "5 records read, last seq 5", NULL);

	/* open moves it aside and the chain continues from seq 5 */
	buf_init(&err, 4096);
	assert_int_equal(journal_open(&j, path, &err), 0);
	assert_int_equal(journal_torn_bytes(j), 32);
	assert_int_equal(journal_seq(j), 5);
	receipt_of(6, r, sizeof r);
	assert_int_equal(journal_append(j, r, strlen(r), T0 + 6, &err), 0);
	journal_close(j);
	buf_init(&torn, 1 << 20);
	slurp(at("torn.jsonl.torn"), &torn);
	assert_non_null(strstr(buf_str(&torn), "\"offset\":"));
	assert_non_null(strstr(buf_str(&torn), "\"bytes\":32,"));
	/* base64 of the torn bytes */
	assert_non_null(strstr(buf_str(&torn), "\"data\":\"eyJzZXEiOjYsInRpbWUiOiIyMDI2LTExLTIxVDA5OjM=\""));
	assert_int_equal(verify(path, NULL, NULL, &rep), 0);
	assert_non_null(strstr(buf_str(&rep), "verified: 6 records, last seq 6"));
	assert_non_null(strstr(buf_str(&rep), "torn.jsonl.torn exists"));
	lines_read(path, &l);
	assert_int_equal(l.count, 6);
	assert_memory_equal(l.p[5], "{\"seq\":6,", 9);
	buf_free(&l.text);
	buf_free(&rep);
	buf_free(&torn);
	buf_free(&err);
}

static void
test_torn_only_line(void **state)
{
	const char *path = at("tornonly.jsonl");
	struct journal *j;
	struct buf err;

	spit(path, "{\"seq\":1,\"ti", 12);
	buf_init(&err, 4096);
	assert_int_equal(journal_open(&j, path, &err), 0);
	assert_int_equal(journal_torn_bytes(j), 12);
	assert_int_equal(journal_seq(j), 0);
	assert_string_equal(journal_hash(j),
	    "0000000000000000000000000000000000000000000000000000000000000000");
	journal_close(j);
	buf_free(&err);
}

static void
test_open_refuses_damaged_end(void **state)
{
	const char *path = at("damaged.jsonl");
	struct journal *j;
	struct buf err;
	struct lines l;
	char *p;

	make_journal(path, 3, 0);
	lines_read(path, &l);
	p = strstr(l.text.data + (l.p[2] - l.text.data), "会議");
	p[0] = 'X';
	p[1] = 'X';
	p[2] = 'X';
	spit(path, l.text.data, l.text.len);
	buf_init(&err, 4096);
	assert_int_equal(journal_open(&j, path, &err), -1);
	assert_null(j);
	assert_non_null(strstr(buf_str(&err), "does not match its hash"));
	buf_reset(&err);
	spit(path, "not a journal\n", 14);
	assert_int_equal(journal_open(&j, path, &err), -1);
	assert_non_null(strstr(buf_str(&err), "is damaged"));
	buf_free(&err);
	buf_free(&l.text);
}

static void
test_receipt_check(void **state)
{
	static const struct {
		const char *s;
		const char *why;	/* NULL: accepted */
	} cases[] = {
		{ "{}", NULL },
		{ "{\"a\":[1,{\"b\":\"x\\\"}\\u00e9\"}],\"c\":\"関所\"}", NULL },
		{ "", "value missing" },
		{ "[1]", "not one JSON object" },
		{ "{\"a\":1}\n{\"b\":2}", "line break at byte 7" },
		{ "{\"a\":\"x\ty\"}", "control character" },
		{ "{\"a\":1}}", "text after the value at byte 7" },
		{ "{\"a\":1]", "expected ',' or '}' at byte 6" },
		{ "{\"a\":1} ", "not one JSON object" },
		{ "{\"a\":[1}", "expected ',' or ']'" },
		/* what other readers take differently: refused (core/jsonread.h) */
		{ "{\"a\":1,\"a\":2}", "duplicate key" },
		{ "{\"a\":1,\"\\u0061\":2}", "duplicate key" },
		{ "{\"a\":[1,]}", "unexpected character" },
		{ "{\"a\":01}", "expected ',' or '}'" },
		{ "{\"a\":\"\\udc00\"}", "lone low surrogate" },
		{ "{\"a\":\"1}", "unterminated" },
		{ "{\"a\":\"\xff\"}", "invalid UTF-8" },
		{ "{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8" },	/* a surrogate */
		{ "{\"a\":\"\\q\"}", "bad escape" },
		{ "{\"a\":\"\\u12g4\"}", "bad \\u escape" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf why;
		int r;

		buf_init(&why, 1024);
		r = journal_receipt_check(cases[i].s, strlen(cases[i].s), &why);
		if (cases[i].why == NULL ? r != 0 : r == 0 || strstr(buf_str(&why), cases[i].why) == NULL)
			fail_msg("case %zu: r=%d why=\"%s\"", i, r, buf_str(&why));
		buf_free(&why);
	}
}

static void
test_append_refuses_bad_receipts(void **state)
{
	const char *path = at("bad.jsonl");
	struct journal *j;
	struct buf err;

	buf_init(&err, 4096);
	assert_int_equal(journal_open(&j, path, &err), 0);
	assert_int_equal(journal_append(j, "{\"a\":1}\n\n", 9, T0, &err), -1);
	assert_non_null(strstr(buf_str(&err), "line break"));
	buf_reset(&err);
	assert_int_equal(journal_append(j, "{\"a\":1}\n{\"b\":2}\n", 16, T0, &err), -1);
	buf_reset(&err);
	assert_int_equal(journal_append(j, "{\"a\":1}", 7, -1, &err), -1);
	assert_non_null(strstr(buf_str(&err), "out of range"));
	assert_int_equal(journal_seq(j), 0);
	assert_int_equal(journal_append(j, "{\"a\":1}\n", 8, T0, &err), 0);
	assert_int_equal(journal_seq(j), 1);
	journal_close(j);
	expect_intact(path, NULL, NULL, "verified: 1 records, last seq 1");
	buf_free(&err);
}

/* A key pair in dir; returns the loaded secret key and id. */
static void
keys(const char *name, unsigned char sk[AUDIT_SECRET_KEY_BYTES], char id[AUDIT_KEY_ID_LEN + 1])
{
	char sec[64], pub[64];
	struct buf err;

	snprintf(sec, sizeof sec, "%s.sec", name);
	snprintf(pub, sizeof pub, "%s.pub", name);
	buf_init(&err, 4096);
	if (audit_key_generate(at(sec), at(pub), &err) != 0 ||
	    audit_key_load_secret(at(sec), sk, id, &err) != 0)
		fail_msg("keys: %s", buf_str(&err));
	buf_free(&err);
}

static void
test_keys(void **state)
{
	unsigned char sk[AUDIT_SECRET_KEY_BYTES], pk[AUDIT_PUBLIC_KEY_BYTES];
	char id[AUDIT_KEY_ID_LEN + 1], id2[AUDIT_KEY_ID_LEN + 1];
	struct stat st;
	struct buf err;

	keys("k", sk, id);
	assert_int_equal(strlen(id), AUDIT_KEY_ID_LEN);
	assert_int_equal(stat(at("k.sec"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	buf_init(&err, 4096);
	assert_int_equal(audit_key_load_public(at("k.pub"), pk, id2, &err), 0);
	assert_string_equal(id, id2);
	/* never overwritten */
	assert_int_equal(audit_key_generate(at("k.sec"), at("k2.pub"), &err), -1);
	/* a secret key others can read is refused */
	assert_int_equal(chmod(at("k.sec"), 0644), 0);
	buf_reset(&err);
	assert_int_equal(audit_key_load_secret(at("k.sec"), sk, id2, &err), -1);
	assert_non_null(strstr(buf_str(&err), "too open"));
	/* a public key is not a secret key */
	buf_reset(&err);
	assert_int_equal(audit_key_load_secret(at("k.pub"), sk, id2, &err), -1);
	buf_free(&err);
}

static void
test_checkpoint_catches_removed_end(void **state)
{
	const char *path = at("cp.jsonl"), *copy = at("cp-copy.jsonl");
	const int order[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 0 };
	unsigned char sk[AUDIT_SECRET_KEY_BYTES];
	char id[AUDIT_KEY_ID_LEN + 1];
	struct journal *j;
	struct buf err, cps;
	struct lines l;

	keys("cp", sk, id);
	buf_init(&err, 4096);
	j = make_journal(path, 5, 1);
	assert_int_equal(journal_checkpoint(j, sk, id, &err), 0);
	journal_close(j);
	j = make_journal(path, 0, 1);
	for (int i = 6; i <= NREC; i++) {
		char r[512];

		receipt_of(i, r, sizeof r);
		assert_int_equal(journal_append(j, r, strlen(r), T0 + i, &err), 0);
	}
	assert_int_equal(journal_checkpoint(j, sk, id, &err), 0);
	journal_close(j);
	buf_init(&cps, 1 << 16);
	slurp(at("cp.jsonl.checkpoints"), &cps);
	assert_memory_equal(cps.data, "{\"seq\":5,\"hash\":\"", 17);
	assert_non_null(strstr(buf_str(&cps), "\n{\"seq\":10,\"hash\":\""));
	buf_free(&cps);

	expect_intact(path, at("cp.jsonl.checkpoints"), at("cp.pub"),
	    "checkpoints: 2 with valid signatures, last at seq 10");
	/* the last record removed: the chain alone looks fine ... */
	lines_read(path, &l);
	lines_write(&l, copy, order);
	expect_intact(copy, NULL, NULL, "verified: 9 records");
	/* ... the signed checkpoint says otherwise */
	expect_problems(copy, at("cp.jsonl.checkpoints"), at("cp.pub"),
	    "journal ends at seq 9 but checkpoint says seq 10 exists (records removed from the end)\n",
	    NULL);
	/* and the same without checking signatures */
	expect_problems(copy, at("cp.jsonl.checkpoints"), NULL,
	    "journal ends at seq 9 but checkpoint says seq 10 exists",
	    "signatures NOT checked", NULL);
	buf_free(&l.text);
	buf_free(&err);
}

static void
test_forged_checkpoint(void **state)
{
	const char *path = at("forge.jsonl"), *cpf = at("forge.jsonl.checkpoints");
	unsigned char sk[AUDIT_SECRET_KEY_BYTES], other[AUDIT_SECRET_KEY_BYTES];
	char id[AUDIT_KEY_ID_LEN + 1], oid[AUDIT_KEY_ID_LEN + 1];
	struct journal *j;
	struct buf err, cps;
	char *p;

	keys("forge", sk, id);
	keys("other", other, oid);
	buf_init(&err, 4096);
	j = make_journal(path, 4, 1);
	assert_int_equal(journal_checkpoint(j, sk, id, &err), 0);
	/* the key id must belong to the key */
	assert_int_equal(journal_checkpoint(j, sk, oid, &err), -1);
	journal_close(j);

	/* a claim of more records than there are: seq 4 -> 7, signature kept */
	buf_init(&cps, 1 << 16);
	slurp(cpf, &cps);
	p = strstr(cps.data, "\"seq\":4,");
	assert_non_null(p);
	p[6] = '7';
	spit(at("forged.checkpoints"), cps.data, cps.len);
	expect_problems(path, at("forged.checkpoints"), at("forge.pub"),
	    "checkpoints line 1 (seq 7): bad signature (checkpoint forged or altered)\n", NULL);
	/* one signature byte changed */
	p[6] = '4';
	p = strstr(cps.data, "\"sig\":\"");
	p[10] = p[10] == 'A' ? 'B' : 'A';
	spit(at("forged.checkpoints"), cps.data, cps.len);
	expect_problems(path, at("forged.checkpoints"), at("forge.pub"),
	    "checkpoints line 1 (seq 4): bad signature (checkpoint forged or altered)\n", NULL);
	/* a checkpoint made with another key */
	j = make_journal(path, 0, 1);
	assert_int_equal(journal_checkpoint(j, other, oid, &err), 0);
	journal_close(j);
	expect_problems(path, cpf, at("forge.pub"), "checkpoints line 2 (seq 4): signed by key ",
	    "not by the given public key", NULL);
	buf_free(&cps);
	buf_free(&err);
}

static void
test_rewritten_journal(void **state)
{
	const char *path = at("rw.jsonl");
	unsigned char sk[AUDIT_SECRET_KEY_BYTES];
	char id[AUDIT_KEY_ID_LEN + 1];
	struct journal *j;
	struct buf err;
	char r[512];

	keys("rw", sk, id);
	buf_init(&err, 4096);
	j = make_journal(path, 3, 1);
	assert_int_equal(journal_checkpoint(j, sk, id, &err), 0);
	journal_close(j);
	/* wholesale replacement: a new, internally consistent chain */
	unlink(path);
	assert_int_equal(journal_open(&j, path, &err), 0);
	for (int i = 1; i <= 3; i++) {
		receipt_of(i + 100, r, sizeof r);
		assert_int_equal(journal_append(j, r, strlen(r), T0 + i, &err), 0);
	}
	journal_close(j);
	expect_intact(path, NULL, NULL, NULL);
	expect_problems(path, at("rw.jsonl.checkpoints"), at("rw.pub"),
	    "line 3 (seq 3): hash differs from checkpoints line 1 (journal rewritten after the "
	    "checkpoint)\n", NULL);
	buf_free(&err);
}

static void
test_checkpoint_of_empty_journal(void **state)
{
	unsigned char sk[AUDIT_SECRET_KEY_BYTES];
	char id[AUDIT_KEY_ID_LEN + 1];
	struct journal *j;
	struct buf err;

	keys("empty", sk, id);
	buf_init(&err, 4096);
	assert_int_equal(journal_open(&j, at("empty.jsonl"), &err), 0);
	assert_int_equal(journal_checkpoint(j, sk, id, &err), -1);
	assert_non_null(strstr(buf_str(&err), "empty"));
	journal_close(j);
	expect_intact(at("empty.jsonl"), NULL, NULL, "verified: 0 records, last seq 0");
	buf_free(&err);
}

static void
test_unreadable(void **state)
{
	struct buf rep;

	assert_int_equal(verify(at("no-such.jsonl"), NULL, NULL, &rep), -1);
	assert_non_null(strstr(buf_str(&rep), "No such file"));
	buf_free(&rep);
	make_journal(at("u.jsonl"), 1, 0);
	assert_int_equal(verify(at("u.jsonl"), at("u.jsonl.checkpoints"), at("no-such.pub"),
	    &rep), -1);
	buf_free(&rep);
	/* a checkpoints file that cannot be read is an error; one that does not
	 * exist is a problem of the journal (records nothing covers) */
	assert_int_equal(mkdir(at("dir.checkpoints"), 0700), 0);
	assert_int_equal(verify(at("u.jsonl"), at("dir.checkpoints"), NULL, &rep), -1);
	buf_free(&rep);
}

/* The seqs of the checkpoints in path (every line must be one). */
static size_t
cp_seqs(const char *path, uint64_t *seq, size_t max)
{
	struct lines l;
	size_t n = 0;

	lines_read(path, &l);
	for (size_t i = 0; i < l.count; i++) {
		struct journal_cp cp;

		assert_true(l.n[i] > 0 && l.p[i][l.n[i] - 1] == '\n');
		if (journal_cp_parse(l.p[i], l.n[i] - 1, &cp) != 0)
			fail_msg("checkpoints line %zu is not a checkpoint", i + 1);
		assert_true(n < max);
		seq[n++] = cp.seq;
	}
	buf_free(&l.text);
	return n;
}

static void
append_n(struct journal *j, int from, int n)
{
	struct buf err;
	char r[512];

	buf_init(&err, 4096);
	for (int i = from; i < from + n; i++) {
		receipt_of(i, r, sizeof r);
		if (journal_append(j, r, strlen(r), T0 + i, &err) != 0)
			fail_msg("append: %s", buf_str(&err));
	}
	buf_free(&err);
}

static int
verify_strict(const char *path, const char *cps, const char *pub, struct buf *rep)
{
	struct journal_verify_opts o = { .checkpoints = cps, .public_key = pub, .strict = 1 };

	buf_init(rep, 1 << 20);
	return journal_verify(path, &o, rep);
}

static void
report_has(const struct buf *rep, const char *want)
{
	if (strstr(buf_str(rep), want) == NULL)
		fail_msg("report lacks \"%s\":\n%s", want, buf_str(rep));
}

static void
test_coverage(void **state)
{
	const char *path = at("cov.jsonl"), *cps = at("cov.jsonl.checkpoints");
	unsigned char sk[AUDIT_SECRET_KEY_BYTES];
	char id[AUDIT_KEY_ID_LEN + 1];
	struct journal *j;
	struct buf err, rep;

	keys("cov", sk, id);
	buf_init(&err, 4096);
	j = make_journal(path, 5, 1);
	assert_int_equal(journal_checkpoint(j, sk, id, &err), 0);
	append_n(j, 6, 3);
	journal_close(j);
	/* the tail after the last checkpoint: a note, not a problem ... */
	assert_int_equal(verify(path, cps, at("cov.pub"), &rep), 0);
	report_has(&rep, "note: 3 records not yet covered by a checkpoint (seq 6..8, the first "
	    "appended 2026-11-21T09:30:06Z; the last checkpoint is of seq 5, made ");
	report_has(&rep, "verified: 8 records, last seq 8");
	buf_free(&rep);
	/* ... unless strict */
	assert_int_equal(verify_strict(path, cps, at("cov.pub"), &rep), 1);
	report_has(&rep, "3 records (seq 6..8) are not covered by a checkpoint (the last "
	    "checkpoint is of seq 5, made ");
	buf_free(&rep);
	/* chain only says what it did not check */
	assert_int_equal(verify(path, NULL, NULL, &rep), 0);
	report_has(&rep, "chain only: checkpoints NOT checked");
	buf_free(&rep);
	/* records and no checkpoints file: not verified */
	assert_int_equal(verify(path, at("none.checkpoints"), at("cov.pub"), &rep), 1);
	report_has(&rep, "no checkpoints file ");
	buf_free(&rep);
	/* an empty checkpoints file: nothing covers the records */
	spit(at("empty.checkpoints"), "", 0);
	assert_int_equal(verify(path, at("empty.checkpoints"), at("cov.pub"), &rep), 1);
	report_has(&rep, "no valid checkpoint covers any of the 8 records");
	buf_free(&rep);
	/* an empty journal needs no checkpoint */
	make_journal(at("cov-empty.jsonl"), 0, 0);
	assert_int_equal(verify_strict(at("cov-empty.jsonl"), at("none.checkpoints"),
	    at("cov.pub"), &rep), 0);
	buf_free(&rep);
	/* covered to the end: strict passes, no note */
	j = make_journal(path, 0, 1);
	assert_int_equal(journal_checkpoint(j, sk, id, &err), 0);
	journal_close(j);
	assert_int_equal(verify_strict(path, cps, at("cov.pub"), &rep), 0);
	assert_null(strstr(buf_str(&rep), "not yet covered"));
	buf_free(&rep);
	buf_free(&err);
}

static void
test_due_rule(void **state)
{
	const long long T = T0, NONE = LLONG_MIN;

	assert_false(audit_checkpoint_due(0, 0, NONE, T, 5, 60));	/* empty */
	assert_true(audit_checkpoint_due(1, 0, NONE, T, 5, 60));	/* none yet */
	assert_false(audit_checkpoint_due(3, 3, T, T + 3600, 5, 60));	/* nothing new */
	assert_false(audit_checkpoint_due(5, 1, T, T + 1, 5, 60));	/* 4 uncovered */
	assert_true(audit_checkpoint_due(6, 1, T, T + 1, 5, 60));	/* 5 */
	assert_false(audit_checkpoint_due(2, 1, T, T + 59, 5, 60));
	assert_true(audit_checkpoint_due(2, 1, T, T + 60, 5, 60));	/* old enough */
	assert_false(audit_checkpoint_due(2, 1, T, T - 100, 5, 60));	/* clock went back */
}

static void
test_signer_records_and_seconds(void **state)
{
	const char *path = at("sg.jsonl");
	struct audit_signer_config c = { at("sg.sec"), 3, 3600, 0 };
	unsigned char sk[AUDIT_SECRET_KEY_BYTES];
	char id[AUDIT_KEY_ID_LEN + 1];
	struct audit_signer *s;
	struct journal *j;
	struct buf err, rep;
	uint64_t seq[16];
	long long now = (long long)time(NULL);

	keys("sg", sk, id);
	buf_init(&err, 4096);
	j = make_journal(path, 0, 1);
	assert_int_equal(audit_signer_open(&s, j, &c, &err), 0);
	assert_false(audit_signer_due(s, now));		/* nothing to cover */
	append_n(j, 1, 1);
	assert_int_equal(audit_signer_poll(s, now, &err), 1);	/* the first at once */
	append_n(j, 2, 1);
	assert_int_equal(audit_signer_poll(s, now, &err), 0);
	append_n(j, 3, 1);
	assert_false(audit_signer_due(s, now));
	assert_int_equal(audit_signer_poll(s, now, &err), 0);	/* 2 uncovered */
	append_n(j, 4, 1);
	assert_true(audit_signer_due(s, now));
	assert_int_equal(audit_signer_poll(s, now, &err), 1);	/* 3 */
	assert_int_equal(cp_seqs(at("sg.jsonl.checkpoints"), seq, 16), 2);
	assert_int_equal(seq[0], 1);
	assert_int_equal(seq[1], 4);
	/* time: one record, the last checkpoint an hour old */
	append_n(j, 5, 1);
	assert_int_equal(audit_signer_poll(s, now + 3599, &err), 0);
	assert_int_equal(audit_signer_poll(s, now + 3600, &err), 1);
	/* close signs what is left */
	append_n(j, 6, 1);
	assert_int_equal(audit_signer_close(s, &err), 0);
	journal_close(j);
	assert_int_equal(cp_seqs(at("sg.jsonl.checkpoints"), seq, 16), 4);
	assert_int_equal(seq[2], 5);
	assert_int_equal(seq[3], 6);
	assert_int_equal(verify_strict(path, at("sg.jsonl.checkpoints"), at("sg.pub"), &rep), 0);
	report_has(&rep, "checkpoints: 4 with valid signatures, last at seq 6");
	buf_free(&rep);
	/* nothing new: opening and closing again signs nothing */
	j = make_journal(path, 0, 1);
	assert_int_equal(audit_signer_open(&s, j, &c, &err), 0);
	assert_int_equal(audit_signer_close(s, &err), 0);
	journal_close(j);
	assert_int_equal(cp_seqs(at("sg.jsonl.checkpoints"), seq, 16), 4);
	buf_free(&err);
}

/* Two writers of one journal (as two processes) share one count. */
static void
test_signer_two_writers(void **state)
{
	const char *path = at("tw.jsonl");
	struct audit_signer_config c = { at("tw.sec"), 4, 3600, 0 };
	unsigned char sk[AUDIT_SECRET_KEY_BYTES];
	char id[AUDIT_KEY_ID_LEN + 1];
	struct audit_signer *sa, *sb;
	struct journal *a, *b;
	struct buf err, rep;
	uint64_t seq[16];
	long long now = (long long)time(NULL);

	keys("tw", sk, id);
	buf_init(&err, 4096);
	a = make_journal(path, 0, 1);
	b = make_journal(path, 0, 1);
	assert_int_equal(audit_signer_open(&sa, a, &c, &err), 0);
	assert_int_equal(audit_signer_open(&sb, b, &c, &err), 0);
	append_n(a, 1, 1);
	assert_int_equal(audit_signer_poll(sa, now, &err), 1);
	append_n(b, 2, 2);
	assert_int_equal(audit_signer_poll(sb, now, &err), 0);	/* 2 of 4 */
	append_n(a, 4, 2);
	assert_int_equal(audit_signer_poll(sa, now, &err), 1);	/* 4 of 4: seq 5 */
	append_n(b, 6, 1);
	/* b counted 5 since the first checkpoint, but a has signed since */
	assert_true(audit_signer_due(sb, now));
	assert_int_equal(audit_signer_poll(sb, now, &err), 0);
	assert_false(audit_signer_due(sb, now));	/* and now b knows */
	assert_int_equal(cp_seqs(at("tw.jsonl.checkpoints"), seq, 16), 2);
	assert_int_equal(seq[0], 1);
	assert_int_equal(seq[1], 5);
	/* a closes first and covers b's record; b then has nothing left */
	assert_int_equal(audit_signer_close(sa, &err), 0);
	assert_int_equal(audit_signer_close(sb, &err), 0);
	journal_close(a);
	journal_close(b);
	assert_int_equal(cp_seqs(at("tw.jsonl.checkpoints"), seq, 16), 3);
	assert_int_equal(seq[2], 6);
	assert_int_equal(verify_strict(path, at("tw.jsonl.checkpoints"), at("tw.pub"), &rep), 0);
	buf_free(&rep);
	buf_free(&err);
}

/* A journal that lost its end, or was rewritten, is refused by the signer:
 * nothing is appended and signed after it. */
static void
test_signer_refuses_cut_journal(void **state)
{
	const char *path = at("cut.jsonl");
	const int first3[] = { 1, 2, 3, 0 };
	struct audit_signer_config c = { at("cut.sec"), 1000, 3600, 0 };
	unsigned char sk[AUDIT_SECRET_KEY_BYTES];
	char id[AUDIT_KEY_ID_LEN + 1];
	struct audit_signer *s;
	struct journal *j;
	struct buf err;
	struct lines l;

	keys("cut", sk, id);
	buf_init(&err, 4096);
	j = make_journal(path, 4, 1);
	assert_int_equal(audit_signer_open(&s, j, &c, &err), 0);	/* signs 1..4 */
	assert_int_equal(audit_signer_close(s, &err), 0);
	journal_close(j);
	lines_read(path, &l);
	lines_write(&l, path, first3);
	buf_free(&l.text);
	j = make_journal(path, 0, 1);	/* the chain alone is fine */
	assert_int_equal(audit_signer_open(&s, j, &c, &err), -1);
	assert_non_null(strstr(buf_str(&err), "the journal ends at seq 3 but its last "
	    "checkpoint"));
	assert_non_null(strstr(buf_str(&err), "records were removed from the end"));
	journal_close(j);
	/* rewritten: a new chain of as many records */
	unlink(path);
	j = make_journal(path, 0, 1);
	append_n(j, 101, 4);
	buf_reset(&err);
	assert_int_equal(audit_signer_open(&s, j, &c, &err), -1);
	assert_non_null(strstr(buf_str(&err), "seq 4, is not the one its last checkpoint"));
	journal_close(j);
	buf_free(&err);
}

/* A failing checkpoint is retried after AUDIT_SIGNER_RETRY_S, not at once. */
static void
test_signer_backs_off(void **state)
{
	const char *path = at("bo.jsonl");
	struct audit_signer_config c = { at("bo.sec"), 1, 3600, 0 };
	unsigned char sk[AUDIT_SECRET_KEY_BYTES];
	char id[AUDIT_KEY_ID_LEN + 1];
	struct audit_signer *s;
	struct journal *j;
	struct buf err;
	long long now = (long long)time(NULL);

	keys("bo", sk, id);
	buf_init(&err, 4096);
	j = make_journal(path, 0, 1);
	assert_int_equal(audit_signer_open(&s, j, &c, &err), 0);
	assert_int_equal(mkdir(at("bo.jsonl.checkpoints"), 0700), 0);
	append_n(j, 1, 1);
	assert_int_equal(audit_signer_poll(s, now, &err), -1);
	assert_false(audit_signer_due(s, now + AUDIT_SIGNER_RETRY_S - 1));
	assert_int_equal(rmdir(at("bo.jsonl.checkpoints")), 0);
	assert_int_equal(audit_signer_poll(s, now + AUDIT_SIGNER_RETRY_S, &err), 1);
	assert_int_equal(audit_signer_close(s, &err), 0);
	journal_close(j);
	buf_free(&err);
}

/* A checkpoint line torn by a crash is moved aside before the next one. */
static void
test_torn_checkpoint_line(void **state)
{
	const char *path = at("tc.jsonl"), *cps = at("tc.jsonl.checkpoints");
	static const char torn[] = "{\"seq\":3,\"hash\":\"ab";
	unsigned char sk[AUDIT_SECRET_KEY_BYTES];
	char id[AUDIT_KEY_ID_LEN + 1];
	struct journal *j;
	struct buf err, rep, t;
	uint64_t seq[4];
	FILE *f;

	keys("tc", sk, id);
	buf_init(&err, 4096);
	j = make_journal(path, 2, 1);
	assert_int_equal(journal_checkpoint(j, sk, id, &err), 0);
	f = fopen(cps, "ab");
	assert_non_null(f);
	assert_int_equal(fwrite(torn, 1, sizeof torn - 1, f), sizeof torn - 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(verify(path, cps, at("tc.pub"), &rep), 1);
	report_has(&rep, "checkpoints line 2 is incomplete (truncated write)");
	buf_free(&rep);
	append_n(j, 3, 1);
	assert_int_equal(journal_checkpoint(j, sk, id, &err), 0);
	journal_close(j);
	assert_int_equal(cp_seqs(cps, seq, 4), 2);
	assert_int_equal(seq[1], 3);
	buf_init(&t, 1 << 16);
	slurp(at("tc.jsonl.torn"), &t);
	assert_non_null(strstr(buf_str(&t), "tc.jsonl.checkpoints\",\"offset\":"));
	assert_non_null(strstr(buf_str(&t), "\"bytes\":19,"));
	buf_free(&t);
	assert_int_equal(verify_strict(path, cps, at("tc.pub"), &rep), 0);
	buf_free(&rep);
	buf_free(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intact_and_format),
		cmocka_unit_test(test_hash_covers_line_before_hash),
		cmocka_unit_test(test_seq_continues_after_reopen),
		cmocka_unit_test(test_two_writers_share_the_chain),
		cmocka_unit_test(test_modified_receipt_byte),
		cmocka_unit_test(test_removed_middle_line),
		cmocka_unit_test(test_swapped_lines),
		cmocka_unit_test(test_modified_and_rehashed),
		cmocka_unit_test(test_not_a_record),
		cmocka_unit_test(test_torn_last_line),
		cmocka_unit_test(test_torn_only_line),
		cmocka_unit_test(test_open_refuses_damaged_end),
		cmocka_unit_test(test_receipt_check),
		cmocka_unit_test(test_append_refuses_bad_receipts),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_checkpoint_catches_removed_end),
		cmocka_unit_test(test_forged_checkpoint),
		cmocka_unit_test(test_rewritten_journal),
		cmocka_unit_test(test_checkpoint_of_empty_journal),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_due_rule),
		cmocka_unit_test(test_signer_records_and_seconds),
		cmocka_unit_test(test_signer_two_writers),
		cmocka_unit_test(test_signer_refuses_cut_journal),
		cmocka_unit_test(test_signer_backs_off),
		cmocka_unit_test(test_torn_checkpoint_line),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
