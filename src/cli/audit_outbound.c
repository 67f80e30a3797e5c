/*
 * audit_outbound - "sekisho audit outbound": what the outbound checks did,
 * month by month, counted from the journal's outbound receipts (for the
 * self-inspection report, 自己点検): messages inspected, passed, sent with
 * To and Cc hidden, held, rejected, and the findings by kind (個人番号,
 * 法人番号, uninspectable, the operator's words).
 *
 *   audit outbound [-c CONFIG] [--month YYYY-MM] [--json] [JOURNAL]
 *
 * The journal is read line by line (each kept up to JOURNAL_LINE_MAX) and
 * each record's receipt by receipt_read(), the one reader: a line that is
 * not a record is counted as unreadable and named on stderr, never
 * guessed at.  Months are the local time's (TZ).  Headings are Japanese
 * when notice_language is ja (the default), English otherwise.  Exit status
 * 0, 2 usage, 1 the journal cannot be read or has unreadable lines.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/journal.h"
#include "core/json.h"
#include "core/jsonread.h"
#include "receipt/receipt_read.h"

#define MONTHS_MAX 1200		/* a hundred years of months */

struct month {
	char ym[8];		/* "2026-12" */
	unsigned long long n, pass, bcc, hold, reject, individual, corporate, uninspectable, terms;
	unsigned long long delayed, recalled;	/* 誤送信防止: waited; taken back by the sender */
};

struct tally {
	struct month m[MONTHS_MAX];
	size_t n;
	unsigned long long unreadable;
};

static struct month *
month_of(struct tally *t, long long when)
{
	time_t tt = (time_t)when;
	struct tm tm;
	char ym[8];
	size_t i;

	if (localtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 < 1970 || tm.tm_year + 1900 > 9999)
		return NULL;
	snprintf(ym, sizeof ym, "%04u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
	    (unsigned)(tm.tm_mon + 1) % 100u);
	for (i = 0; i < t->n; i++)
		if (strcmp(t->m[i].ym, ym) == 0)
			return &t->m[i];
	if (t->n == MONTHS_MAX)
		return NULL;
	/* kept in order: journals are in time order, so this is the end */
	for (i = t->n; i > 0 && strcmp(t->m[i - 1].ym, ym) > 0; i--)
		t->m[i] = t->m[i - 1];
	memset(&t->m[i], 0, sizeof t->m[i]);
	memcpy(t->m[i].ym, ym, sizeof ym);
	t->n++;
	return &t->m[i];
}

/* One journal line: its receipt, counted when it is an outbound one. */
static int
count_line(struct tally *t, const char *line, size_t n, const char *want)
{
	static const char *const names[] = { "receipt" };
	struct json_value top, rv[1];
	struct receipt_view v;
	struct buf why;
	struct month *m;
	int r = -1;

	buf_init(&why, 512);
	if (json_check(line, n, &top, &why) != 0 || top.type != JV_OBJECT)
		goto out;
	json_members(&top, names, rv, 1);
	if (rv[0].type != JV_OBJECT)
		goto out;
	{
		/* the console's records: a recall is counted, the rest is not ours */
		static const char *const cn[] = { "schema", "event", "time" };
		struct json_value cv[3];
		char ev[32], ts[32];
		long long when;

		json_members(&rv[0], cn, cv, 3);
		if (json_is(&cv[0], "sekisho.console/1")) {
			if (json_string_into(&cv[1], ev, sizeof ev) == 1 &&
			    json_string_into(&cv[2], ts, sizeof ts) == 1 &&
			    receipt_parse_time(ts, &when) == 0) {
				r = 0;
				if (strcmp(ev, "recall") == 0 && (m = month_of(t, when)) != NULL &&
				    (want == NULL || strcmp(m->ym, want) == 0))
					m->recalled++;
			}
			goto out;
		}
	}
	if (receipt_read(rv[0].p, rv[0].n, &v, &why) != 0)
		goto out;
	r = 0;
	if (v.is_outbound && (m = month_of(t, v.time)) != NULL &&
	    (want == NULL || strcmp(m->ym, want) == 0)) {
		m->n++;
		m->pass += strcmp(v.outbound_action, "pass") == 0;
		m->bcc += strcmp(v.outbound_action, "bcc") == 0;
		m->hold += strcmp(v.outbound_action, "hold") == 0;
		m->reject += strcmp(v.outbound_action, "reject") == 0;
		m->delayed += strcmp(v.outbound_action, "delay") == 0;
		m->individual += v.outbound_individual;
		m->corporate += v.outbound_corporate;
		m->uninspectable += v.outbound_uninspectable;
		m->terms += v.outbound_terms;
	}
	receipt_view_free(&v);
out:
	buf_free(&why);
	return r;
}

static void
print_table(const struct tally *t, const char *want, int ja)
{
	if (ja)
		printf("%-8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", "月", "検査", "通過",
		    "宛先秘匿", "保留", "拒否", "送信待ち", "取消", "個人番号", "法人番号", "検査不能",
		    "指定語句");
	else
		printf("%-8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", "month", "checked",
		    "passed", "bcc", "held", "rejected", "delayed", "recalled", "my-num", "corp-num",
		    "uninsp", "terms");
	for (size_t i = 0; i < t->n; i++) {
		const struct month *m = &t->m[i];

		if (want != NULL && strcmp(m->ym, want) != 0)
			continue;
		printf("%-8s %8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu\n",
		    m->ym, m->n, m->pass, m->bcc, m->hold, m->reject, m->delayed, m->recalled,
		    m->individual, m->corporate, m->uninspectable, m->terms);
	}
}

static void
print_json(const struct tally *t, const char *want)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct month *m = &t->m[i];

		if (want != NULL && strcmp(m->ym, want) != 0)
			continue;
		printf("{\"month\":\"%s\",\"inspected\":%llu,\"passed\":%llu,\"bcc\":%llu,"
		    "\"held\":%llu,\"rejected\":%llu,\"delayed\":%llu,\"recalled\":%llu,"
		    "\"individual_number\":%llu,\"corporate_number\":%llu,\"uninspectable\":%llu,"
		    "\"terms\":%llu}\n", m->ym, m->n, m->pass, m->bcc, m->hold, m->reject,
		    m->delayed, m->recalled, m->individual, m->corporate, m->uninspectable,
		    m->terms);
	}
}

static int
valid_month(const char *s)
{
	return strlen(s) == 7 && s[4] == '-' && strspn(s, "0123456789-") == 7 &&
	    ((s[5] == '0' && s[6] >= '1' && s[6] <= '9') || (s[5] == '1' && s[6] >= '0' &&
	    s[6] <= '2'));
}

int
audit_outbound(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "month", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *use = _("usage: sekisho audit outbound [-c CONFIG] [--month YYYY-MM] "
	    "[--json] [JOURNAL]\n");
	const char *config = NULL, *journal = NULL, *want = NULL;
	static struct tally t;
	struct config cfg;
	struct buf line;
	size_t lineno = 0;
	FILE *f;
	int c, json = 0, over = 0;

	while ((c = getopt_long(argc, argv, "hc:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'm': want = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(use, stdout); return 0;
		default: fputs(use, stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc)
		journal = argv[optind++];
	if (optind != argc || (want != NULL && !valid_month(want))) {
		fputs(use, stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(&cfg, config) != 0)
		return EXIT_USAGE;
	if (journal == NULL)
		journal = cfg.journal;
	{
		char **files = NULL;
		size_t nfiles = 0;
		struct buf why;

		buf_init(&why, 1024);
		if (journal_files(journal, &files, &nfiles, &why) != 0) {
			fprintf(stderr, "sekisho: %s", buf_str(&why));
			buf_free(&why);
			return EXIT_INTERNAL;
		}
		buf_free(&why);
		memset(&t, 0, sizeof t);
		buf_init(&line, JOURNAL_LINE_MAX + 1);
		/* the rotated files first, oldest first, then the journal */
		for (size_t fi = 0; fi < nfiles; fi++) {
			if ((f = fopen(files[fi], "re")) == NULL) {
				fprintf(stderr, "sekisho: %s: %s\n", files[fi], strerror(errno));
				buf_free(&line);
				journal_files_free(files, nfiles);
				return EXIT_INTERNAL;
			}
			lineno = 0;
			for (;;) {
				char chunk[65536];
				int end = fgets(chunk, sizeof chunk, f) == NULL;

				if (!end) {
					size_t k = strlen(chunk);

					if (buf_append(&line, chunk, k) != 0)
						over = 1;	/* the rest of this line is not kept */
					if (k == 0 || chunk[k - 1] != '\n')
						continue;
				}
				if (line.len > 0 || over) {
					lineno++;
					if (over || count_line(&t, line.data, line.len, want) != 0) {
						t.unreadable++;
						fprintf(stderr, _("sekisho: %s line %zu: not a journal "
						    "record\n"), files[fi], lineno);
					}
				}
				buf_reset(&line);
				over = 0;
				if (end)
					break;
			}
			fclose(f);
		}
		buf_free(&line);
		journal_files_free(files, nfiles);
	}
	if (json)
		print_json(&t, want);
	else
		print_table(&t, want, cfg.pol.lang == LANG_JA);
	return t.unreadable > 0 ? EXIT_INTERNAL : 0;
}
