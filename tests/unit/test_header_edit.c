/*
 * test_header_edit - daemon/header_edit: the planned edits, applied by a
 * model of the milter's semantics (chgheader by name and 1-based index in
 * the message as it stands, NULL deletes, addheader appends), turn the
 * original fields into exactly the sanitised ones; fields already right are
 * kept, the rest changed in place where the name is there; on a typical
 * message, on repeated names, on many random messages, and past the
 * matching work ceiling (the plain plan, still right).  A hostile original
 * (two From, three Subject, names differing only in case, values only in
 * white space), in every order of its fields and at random, ends as exactly
 * the sanitised list: no duplicate or conflicting original field survives
 * beside sekisho's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/header_edit.h"

#define MAXF 20000

/* The message's header as the MTA holds it while edits arrive. */
struct model {
	const char *name[MAXF];
	const char *value[MAXF];
	size_t vlen[MAXF];
	size_t n;
};

static size_t
nth(const struct model *m, const char *name, unsigned idx)
{
	unsigned seen = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (strcasecmp(m->name[i], name) == 0 && ++seen == idx)
			return i;
	}
	fail_msg("no field %s #%u", name, idx);
	return SIZE_MAX;
}

static void
apply(struct model *m, const struct hfield *orig, size_t norig, const struct hfield *san,
    const struct hedit *e, size_t ne)
{
	m->n = 0;
	for (size_t i = 0; i < norig; i++) {
		m->name[m->n] = orig[i].name;
		m->value[m->n] = orig[i].value;
		m->vlen[m->n++] = orig[i].vlen;
	}
	for (size_t k = 0; k < ne; k++) {
		size_t at;

		switch (e[k].op) {
		case HEDIT_CHANGE:
			at = nth(m, orig[e[k].field].name, e[k].idx);
			m->name[at] = san[e[k].with].name;
			m->value[at] = san[e[k].with].value;
			m->vlen[at] = san[e[k].with].vlen;
			break;
		case HEDIT_DELETE:
			at = nth(m, orig[e[k].field].name, e[k].idx);
			memmove(&m->name[at], &m->name[at + 1], (m->n - at - 1) * sizeof m->name[0]);
			memmove(&m->value[at], &m->value[at + 1], (m->n - at - 1) * sizeof m->value[0]);
			memmove(&m->vlen[at], &m->vlen[at + 1], (m->n - at - 1) * sizeof m->vlen[0]);
			m->n--;
			break;
		case HEDIT_ADD:
			m->name[m->n] = san[e[k].with].name;
			m->value[m->n] = san[e[k].with].value;
			m->vlen[m->n++] = san[e[k].with].vlen;
			break;
		}
	}
}

/* The model holds exactly the sanitised fields (names without case). */
static void
assert_same_fields(const struct model *m, const struct hfield *san, size_t nsan)
{
	unsigned char *taken = calloc(m->n + 1, 1);

	assert_int_equal(m->n, nsan);
	for (size_t s = 0; s < nsan; s++) {
		size_t i;

		for (i = 0; i < m->n; i++) {
			if (!taken[i] && strcasecmp(m->name[i], san[s].name) == 0 &&
			    m->vlen[i] == san[s].vlen && memcmp(m->value[i], san[s].value,
			    san[s].vlen) == 0)
				break;
		}
		if (i == m->n)
			fail_msg("sanitised field %s: %.*s missing", san[s].name, (int)san[s].vlen,
			    san[s].value);
		taken[i] = 1;
	}
	free(taken);
}

#define F(n, v) { n, v, sizeof v - 1 }

static struct model mdl;
static struct hedit edits[2 * MAXF];

/* Whether original field i is kept as it is: no edit names it. */
static int
kept(const struct hedit *e, size_t n, size_t i)
{
	for (size_t k = 0; k < n; k++) {
		if (e[k].op != HEDIT_ADD && e[k].field == i)
			return 0;
	}
	return 1;
}

static void
test_typical(void **state)
{
	static const struct hfield orig[] = {
		F("Return-Path", "<>"), F("Received", "by neko.example.jp (Postfix)\n\tid 43f4"),
		F("Received", "from a by b"), F("Date", "Tue, 15 Jan 2019 18:10:09 +0900 (JST)"),
		F("From", "MAILER-DAEMON@neko.example.jp (Mail Delivery System)"),
		F("Subject", "Undelivered Mail Returned to Sender"), F("To", "postmaster@neko.example.jp"),
		F("Message-Id", "<43f4L917qJz1xcMN@neko.example.jp>"), F("MIME-Version", "1.0"),
		F("Content-Type", "multipart/report; report-type=delivery-status;\n\tboundary=\"x\""),
	};
	static const struct hfield san[] = {
		F("Date", "Tue, 15 Jan 2019 18:10:09 +0900 (JST)"),
		F("From", "Mail Delivery System <MAILER-DAEMON@neko.example.jp>"),
		F("To", "<postmaster@neko.example.jp>"), F("Subject", "Undelivered Mail Returned to Sender"),
		F("Message-ID", "<43f4L917qJz1xcMN@neko.example.jp>"),
		F("X-Sekisho-Sanitized", "SK-20261203-9046f8b5ae6c778f; policy=33c22bf1c9e4b9c0"),
		F("MIME-Version", "1.0"), F("Content-Type", "text/plain; charset=UTF-8"),
		F("Content-Transfer-Encoding", "base64"),
	};
	size_t no = sizeof orig / sizeof orig[0], ns = sizeof san / sizeof san[0];
	size_t n = header_edits(orig, no, san, ns, edits), adds = 0, dels = 0, chg = 0;

	apply(&mdl, orig, no, san, edits, n);
	assert_same_fields(&mdl, san, ns);
	for (size_t k = 0; k < n; k++) {
		adds += edits[k].op == HEDIT_ADD;
		dels += edits[k].op == HEDIT_DELETE;
		chg += edits[k].op == HEDIT_CHANGE;
	}
	/* Date, Subject, Message-Id (its name's case aside), MIME-Version kept */
	assert_int_equal(kept(edits, n, 3) + kept(edits, n, 5) + kept(edits, n, 7) +
	    kept(edits, n, 8), 4);
	assert_int_equal(dels, 3);	/* Return-Path, both Received */
	assert_int_equal(chg, 3);	/* From, To, Content-Type */
	assert_int_equal(adds, 2);	/* X-Sekisho-Sanitized, Content-Transfer-Encoding */
	assert_int_equal(n, 8);		/* instead of 10 deletions and 9 additions */
}

static void
test_repeated_names(void **state)
{
	static const struct hfield orig[] = {
		F("To", "a"), F("Cc", "x"), F("to", "b"), F("TO", "c"), F("Cc", "y"),
	};
	static const struct hfield san[] = { F("To", "c"), F("Cc", "z"), F("To", "d") };
	size_t no = sizeof orig / sizeof orig[0], ns = sizeof san / sizeof san[0];
	size_t n = header_edits(orig, no, san, ns, edits);

	apply(&mdl, orig, no, san, edits, n);
	assert_same_fields(&mdl, san, ns);
	assert_true(kept(edits, n, 3));		/* TO: c, as it was */
	assert_int_equal(n, 4);		/* two changes in place, two deletions */
	/* nothing at all: every original deleted, in an order that works */
	n = header_edits(orig, no, san, 0, edits);
	assert_int_equal(n, no);
	apply(&mdl, orig, no, san, edits, n);
	assert_int_equal(mdl.n, 0);
}

/* Random messages over a few names (in several spellings) and values. */
static void
test_random(void **state)
{
	static const char *const names[] = { "To", "to", "Cc", "From", "Received", "X-A", "x-a" };
	static const char *const values[] = { "1", "2", "3", "a\n b", "" };
	struct hfield orig[24], san[24];
	unsigned seed = 20261203;

	for (int round = 0; round < 20000; round++) {
		size_t no = (size_t)(rand_r(&seed) % 24), ns = (size_t)(rand_r(&seed) % 24), n;

		for (size_t i = 0; i < no; i++) {
			const char *v = values[rand_r(&seed) % 5];

			orig[i] = (struct hfield){ names[rand_r(&seed) % 7], v, strlen(v) };
		}
		for (size_t i = 0; i < ns; i++) {
			const char *v = values[rand_r(&seed) % 5];

			san[i] = (struct hfield){ names[rand_r(&seed) % 7], v, strlen(v) };
		}
		n = header_edits(orig, no, san, ns, edits);
		assert_true(n <= no + ns);
		apply(&mdl, orig, no, san, edits, n);
		assert_same_fields(&mdl, san, ns);
	}
}

/* Sort key: the name without case, then the value's bytes. */
static int
field_cmp(const char *an, const char *av, size_t al, const char *bn, const char *bv, size_t bl)
{
	int r = strcasecmp(an, bn);

	if (r != 0)
		return r;
	r = memcmp(av, bv, al < bl ? al : bl);
	return r != 0 ? r : (al > bl) - (al < bl);
}

/*
 * The model equals the sanitised list: the same fields, each as often,
 * listed in order; no original field is left beside them.
 */
static void
assert_equals_sanitised(const struct model *m, const struct hfield *san, size_t nsan)
{
	size_t *mi = calloc(m->n + 1, sizeof *mi), *si = calloc(nsan + 1, sizeof *si);

	assert_int_equal(m->n, nsan);
	for (size_t i = 0; i < m->n; i++)
		mi[i] = si[i] = i;
	/* insertion sorts: the lists are short */
	for (size_t i = 1; i < m->n; i++) {
		for (size_t j = i; j > 0 && field_cmp(m->name[mi[j - 1]], m->value[mi[j - 1]],
		    m->vlen[mi[j - 1]], m->name[mi[j]], m->value[mi[j]], m->vlen[mi[j]]) > 0; j--) {
			size_t t = mi[j];

			mi[j] = mi[j - 1];
			mi[j - 1] = t;
		}
		for (size_t j = i; j > 0 && field_cmp(san[si[j - 1]].name, san[si[j - 1]].value,
		    san[si[j - 1]].vlen, san[si[j]].name, san[si[j]].value, san[si[j]].vlen) > 0; j--) {
			size_t t = si[j];

			si[j] = si[j - 1];
			si[j - 1] = t;
		}
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct hfield *f = &san[si[i]];

		if (field_cmp(m->name[mi[i]], m->value[mi[i]], m->vlen[mi[i]], f->name, f->value,
		    f->vlen) != 0)
			fail_msg("field %zu: %s: %.*s, the sanitised list has %s: %.*s", i,
			    m->name[mi[i]], (int)m->vlen[mi[i]], m->value[mi[i]], f->name,
			    (int)f->vlen, f->value);
	}
	free(mi);
	free(si);
}

/*
 * The plan names each original field at most once, and an original field
 * no edit names is one the sanitised list has (same name without case,
 * same bytes).
 */
static void
assert_plan_sound(const struct hfield *orig, size_t no, const struct hfield *san, size_t ns,
    const struct hedit *e, size_t n)
{
	assert_true(n <= no + ns);
	for (size_t i = 0; i < no; i++) {
		size_t named = 0;

		for (size_t k = 0; k < n; k++)
			named += e[k].op != HEDIT_ADD && e[k].field == i;
		assert_true(named <= 1);
		if (named == 0) {
			size_t s;

			for (s = 0; s < ns; s++) {
				if (strcasecmp(orig[i].name, san[s].name) == 0 &&
				    orig[i].vlen == san[s].vlen &&
				    memcmp(orig[i].value, san[s].value, san[s].vlen) == 0)
					break;
			}
			if (s == ns)
				fail_msg("original %s: %.*s kept, not in the sanitised list",
				    orig[i].name, (int)orig[i].vlen, orig[i].value);
		}
	}
}

/*
 * A hostile original: two From, three Subject (one of them sekisho's
 * value), names that differ only in case, values that differ only in
 * white space, a second Content-Type.  The sanitised header has one of each.
 * (Blanks before the colon never reach the plan: Postfix hands "Subject : x"
 * to the milter as name "Subject", and finds it again by that name, its
 * is_header() length; one space after the colon is eaten, a second stays in
 * the value, as " first" here.)
 */
static const struct hfield dup_orig[] = {
	F("From", "boss@town.example.lg.jp"), F("Subject", "first"),
	F("from", "attacker@example.com"), F("SUBJECT", "second"),
	F("To", "staff@town.example.lg.jp"), F("Subject", " first"),
	F("To", "staff@town.example.lg.jp "), F("Content-Type", "text/html"),
	F("content-type", "text/plain; charset=UTF-8"), F("Subject", "first\n\t"),
	F("MIME-Version", "1.0"), F("Mime-Version", "1.0"),
};
static const struct hfield dup_san[] = {
	F("From", "<boss@town.example.lg.jp>"), F("To", "<staff@town.example.lg.jp>"),
	F("Subject", "first"), F("MIME-Version", "1.0"),
	F("Content-Type", "text/plain; charset=UTF-8"), F("Content-Transfer-Encoding", "base64"),
	F("X-Sekisho-Sanitized", "SK-20261207-0123456789abcdef; policy=0123456789abcdef"),
};

static void
test_duplicates_and_conflicts(void **state)
{
	size_t no = sizeof dup_orig / sizeof dup_orig[0], ns = sizeof dup_san / sizeof dup_san[0];
	size_t n = header_edits(dup_orig, no, dup_san, ns, edits);

	apply(&mdl, dup_orig, no, dup_san, edits, n);
	assert_equals_sanitised(&mdl, dup_san, ns);
	assert_plan_sound(dup_orig, no, dup_san, ns, edits, n);
	/* what is kept is exactly right: one Subject "first", one MIME-Version, the
	 * plain Content-Type; the white-space variants are not taken for them */
	assert_int_equal(kept(edits, n, 1) + kept(edits, n, 5) + kept(edits, n, 9), 1);
	assert_true(kept(edits, n, 1));
	assert_int_equal(kept(edits, n, 10) + kept(edits, n, 11), 1);
	assert_true(kept(edits, n, 8));
}

/* Every order of the hostile original's fields (8! orders of 8 of them). */
static void
test_duplicates_every_order(void **state)
{
	enum { K = 8 };
	struct hfield orig[K];
	size_t perm[K], c[K] = { 0 }, i = 1, ns = sizeof dup_san / sizeof dup_san[0], runs = 0;

	for (size_t k = 0; k < K; k++)
		perm[k] = k;
	/* Heap's algorithm */
	for (;;) {
		size_t n;

		for (size_t k = 0; k < K; k++)
			orig[k] = dup_orig[perm[k]];
		n = header_edits(orig, K, dup_san, ns, edits);
		apply(&mdl, orig, K, dup_san, edits, n);
		assert_equals_sanitised(&mdl, dup_san, ns);
		assert_plan_sound(orig, K, dup_san, ns, edits, n);
		runs++;
		while (i < K && c[i] >= i) {
			c[i] = 0;
			i++;
		}
		if (i == K)
			break;
		{
			size_t j = i % 2 ? c[i] : 0, t = perm[j];

			perm[j] = perm[i];
			perm[i] = t;
		}
		c[i]++;
		i = 1;
	}
	assert_int_equal(runs, 40320);
}

/*
 * The property over random hostile originals: the sanitised header has
 * each field once (as sekisho writes it), the original repeats and varies
 * them in case and white space; after the edits the header equals the
 * sanitised list, no original field is left beside it, and the added
 * fields come last in the sanitised order (the contract's order).
 */
static void
test_random_sanitised_shape(void **state)
{
	static const char *const names[][3] = {
		{ "From", "from", "FROM" }, { "To", "to", "TO" }, { "Subject", "subject", "SUBJECT" },
		{ "Date", "date", "DATE" }, { "Content-Type", "content-type", "CONTENT-TYPE" },
		{ "MIME-Version", "Mime-Version", "mime-version" },
		{ "Received", "received", "RECEIVED" }, { "X-Spam", "x-spam", "X-SPAM" },
	};
	static const char *const values[] = {
		"a", " a", "a ", "a\n\t", "A", "b", "", "a\n b",
	};
	enum { NN = sizeof names / sizeof names[0], NV = sizeof values / sizeof values[0] };
	struct hfield orig[32], san[NN];
	unsigned seed = 20261207;

	for (int round = 0; round < 30000; round++) {
		size_t no = (size_t)(rand_r(&seed) % 32), ns = 0, n, nadd = 0, first_add;

		for (size_t i = 0; i < no; i++) {
			const char *v = values[rand_r(&seed) % NV];

			orig[i] = (struct hfield){ names[rand_r(&seed) % NN][rand_r(&seed) % 3], v,
			    strlen(v) };
		}
		/* one of each name at most, in the sanitiser's spelling */
		for (size_t k = 0; k < NN; k++) {
			const char *v = values[rand_r(&seed) % NV];

			if (rand_r(&seed) % 3 != 0)
				san[ns++] = (struct hfield){ names[k][0], v, strlen(v) };
		}
		n = header_edits(orig, no, san, ns, edits);
		apply(&mdl, orig, no, san, edits, n);
		assert_equals_sanitised(&mdl, san, ns);
		assert_plan_sound(orig, no, san, ns, edits, n);
		/* each name as often as in the sanitised list: at most once */
		for (size_t k = 0; k < NN; k++) {
			size_t have = 0;

			for (size_t i = 0; i < mdl.n; i++)
				have += strcasecmp(mdl.name[i], names[k][0]) == 0;
			assert_true(have <= 1);
		}
		/* the added fields are the last ones, in the sanitised order */
		for (size_t k = 0; k < n; k++)
			nadd += edits[k].op == HEDIT_ADD;
		first_add = mdl.n - nadd;
		for (size_t k = 0, a = 0; k < n; k++) {
			if (edits[k].op != HEDIT_ADD)
				continue;
			assert_ptr_equal(mdl.value[first_add + a], san[edits[k].with].value);
			assert_true(a == 0 || edits[k].with > edits[k - 1].with ||
			    edits[k - 1].op != HEDIT_ADD);
			a++;
		}
	}
}

/* Thousands of fields the sanitiser keeps: the plain plan, still right. */
static void
test_work_ceiling(void **state)
{
	static struct hfield orig[MAXF / 2], san[MAXF / 2];
	size_t n, no = MAXF / 2, ns = MAXF / 2;

	for (size_t i = 0; i < no; i++) {
		orig[i] = (struct hfield){ "X-Keep", i % 2 ? "odd" : "even", i % 2 ? 3 : 4 };
		san[i] = (struct hfield){ "X-Keep", i % 2 ? "even" : "odd", i % 2 ? 4 : 3 };
	}
	n = header_edits(orig, no, san, ns, edits);
	assert_int_equal(n, no + ns);	/* every field deleted, every one added */
	apply(&mdl, orig, no, san, edits, n);
	assert_same_fields(&mdl, san, ns);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typical),
		cmocka_unit_test(test_repeated_names),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_duplicates_and_conflicts),
		cmocka_unit_test(test_duplicates_every_order),
		cmocka_unit_test(test_random_sanitised_shape),
		cmocka_unit_test(test_work_ceiling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
