/*
 * test_audit - audit/journal: records append and verify intact; on copies of
 * a journal, verify catches and names a modified receipt, a removed, swapped
 * or rehashed record, records removed from the end past a signed checkpoint,
 * a forged checkpoint, a rewritten journal and a torn last line; opening a
 * torn journal moves the torn bytes aside and the chain continues.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit/journal.h"

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
	buf_init(rep, 1 << 20);
	return journal_verify(path, cps, pub, rep);
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
		{ "", "not a JSON object" },
		{ "[1]", "not a JSON object" },
		{ "{\"a\":1}\n{\"b\":2}", "line break at byte 7" },
		{ "{\"a\":\"x\ty\"}", "control character" },
		{ "{\"a\":1}}", "text after the object at byte 7" },
		{ "{\"a\":1]", "unbalanced ']' at byte 6" },
		{ "{\"a\":1} ", "text after the object" },
		{ "{\"a\":[1}", "unbalanced" },
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
	assert_int_equal(verify(at("u.jsonl"), at("no-such.checkpoints"), NULL, &rep), -1);
	buf_free(&rep);
	assert_int_equal(verify(at("u.jsonl"), NULL, at("no-such.pub"), &rep), -1);
	buf_free(&rep);
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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
