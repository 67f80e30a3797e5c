/*
 * test_header_edit - daemon/header_edit: the planned edits, applied by a
 * model of the milter's semantics (chgheader by name and 1-based index in
 * the message as it stands, NULL deletes, addheader appends), turn the
 * original fields into exactly the sanitised ones; fields already right are
 * kept, the rest changed in place where the name is there; on a typical
 * message, on repeated names, on many random messages, and past the
 * matching work ceiling (the plain plan, still right).
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
		cmocka_unit_test(test_work_ceiling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
