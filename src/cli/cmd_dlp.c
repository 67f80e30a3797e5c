/*
 * cmd_dlp - "sekisho dlp scan": what in outgoing files and messages must not
 * leave (個人番号, 法人番号), and what could not be inspected.
 *
 * The parent reads inputs and prints; each item is inspected by a sandboxed
 * worker (dlp/inspect.h) whose answer is read by findings_read(), which
 * refuses any answer carrying more of a number than its last four digits.
 * An item that cannot be inspected (larger than its limit, a worker that
 * died or ran out of time) is a finding of kind "uninspectable".
 *
 * Exit status: 0 nothing found, 11 findings, 2 usage or configuration,
 * 1 internal failure.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "core/num.h"
#include "dlp/findings.h"
#include "gateway/frame.h"
#include "gateway/worker.h"
#include "receipt/receipt.h"

#define EXIT_FINDINGS 11

static void
usage(FILE *f)
{
	fputs(_("usage: sekisho dlp scan [-c CONFIG] [--json] IN...\n"
	    "IN: files, messages (.eml) or folders (a Maildir's cur/ and new/, or every\n"
	    "file in it).  One finding per line; with --json one JSON object per line\n"
	    "(input, kind, confidence, where, masked, reason).  Numbers are shown by\n"
	    "their last four digits only.\n"
	    "exit status: 0 nothing found, 11 findings, 2 usage/configuration, 1 internal\n"), f);
}

/* The operator's word a "term-N" finding names (dlp_terms), or NULL. */
static const char *
term_word(const struct policy *pol, const struct finding_view *f)
{
	uint64_t k;

	if (pol == NULL || strcmp(f->kind, "term") != 0 || strncmp(f->reason, "term-", 5) != 0 ||
	    parse_u64(f->reason + 5, &k) != 0)
		return NULL;
	return k >= 1 && k <= pol->dlp_terms.n ? pol->dlp_terms.t[k - 1] : NULL;
}

static void
print_finding(int as_json, const char *input, const struct finding_view *f,
    const struct policy *pol)
{
	const char *word = term_word(pol, f);

	if (as_json) {
		struct buf b;

		buf_init(&b, 64 * 1024);
		buf_putc(&b, '{');
		json_key(&b, "input", 1);
		json_str(&b, input);
		json_key(&b, "kind", 0);
		json_str(&b, f->kind);
		json_key(&b, "confidence", 0);
		json_str(&b, f->confidence);
		json_key(&b, "where", 0);
		json_str(&b, f->where);
		json_key(&b, "masked", 0);
		json_str(&b, f->masked[0] ? f->masked : NULL);
		json_key(&b, "reason", 0);
		json_str(&b, f->reason[0] ? f->reason : NULL);
		if (word != NULL) {
			json_key(&b, "term", 0);
			json_str(&b, word);
		}
		buf_puts(&b, "}\n");
		fputs(buf_str(&b), stdout);
		buf_free(&b);
	} else if (f->masked[0])	/* one finding a line, for scripts too: not translated */
		printf("%s: %s %s %s (%s)\n", input, f->kind, f->masked, f->confidence, f->where);
	else if (word != NULL)
		printf("%s: term %s (%s)\n", input, word, f->where);
	else
		printf("%s: %s %s (%s)\n", input, f->kind, f->reason, f->where);
}

/* What the parent says itself when the item cannot reach a worker's answer. */
static void
parent_uninspectable(int as_json, const char *input, const char *reason)
{
	struct finding_view f;

	memset(&f, 0, sizeof f);
	snprintf(f.kind, sizeof f.kind, "uninspectable");
	snprintf(f.confidence, sizeof f.confidence, "high");
	snprintf(f.where, sizeof f.where, "item");
	snprintf(f.reason, sizeof f.reason, "%s", reason);
	print_finding(as_json, input, &f, NULL);
}

/* One input: 0 clean, EXIT_FINDINGS, EXIT_INTERNAL. */
static int
scan_one(struct worker *wk, const struct policy *pol, int as_json, const char *path)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t max = pol->lim.file_bytes > pol->lim.message_bytes ? pol->lim.file_bytes :
	    pol->lim.message_bytes;
	char id[RECEIPT_ID_MAX], detail[512];
	struct buf item, out, answer, why;
	struct findings_view v;
	long long t = (long long)time(NULL);
	size_t total;
	int over, r;

	buf_init(&item, max);
	if (read_input(path, max, &item, &over, &total) != 0) {
		fprintf(stderr, "sekisho: %s: %s\n", path, strerror(errno));
		buf_free(&item);
		return EXIT_INTERNAL;
	}
	if (over) {
		buf_free(&item);
		parent_uninspectable(as_json, path, pol->lim.file_bytes >= pol->lim.message_bytes ?
		    "file_size_limit" : "message_size_limit");
		return EXIT_FINDINGS;
	}
	receipt_id_new(id, sizeof id, t);
	buf_init(&out, 1);
	buf_init(&answer, FINDINGS_READ_MAX);
	buf_init(&why, 512);
	r = worker_run_item(wk, FRAME_INSPECT, strcmp(path, "-") ? name : NULL, NULL, id, t,
	    buf_str(&item), item.len, &out, &answer, detail, sizeof detail);
	if (r == WORKER_FAILED || r == WORKER_TIMEOUT) {
		fprintf(stderr, "sekisho: %s: %s\n", path, detail);
		parent_uninspectable(as_json, path, r == WORKER_TIMEOUT ? "time_limit" :
		    "worker-failed");
		r = EXIT_FINDINGS;
	} else if (findings_read(buf_str(&answer), answer.len, id, &v, &why) != 0) {
		/* worker_run_item checked it already: this cannot differ */
		fprintf(stderr, "sekisho: %s: %s\n", path, buf_str(&why));
		r = EXIT_INTERNAL;
	} else {
		for (size_t i = 0; i < v.n; i++)
			print_finding(as_json, path, &v.f[i], pol);
		if (v.not_listed > 0)
			fprintf(stderr, _("sekisho: %s: %llu more findings not listed\n"), path,
			    v.not_listed);
		r = v.n + v.not_listed > 0 ? EXIT_FINDINGS : 0;
		findings_view_free(&v);
	}
	buf_free(&why);
	buf_free(&answer);
	buf_free(&out);
	buf_free(&item);
	return r;
}

static int
dlp_scan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	struct config cfg;
	struct inputs in = { 0 };
	struct worker wk;
	int c, as_json = 0, status = 0, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'j': as_json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(&cfg, config) != 0)
		return EXIT_USAGE;
	for (int i = optind; i < argc; i++) {
		if (inputs_add(&in, argv[i]) != 0) {
			inputs_free(&in);
			return EXIT_USAGE;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if ((r = cli_start_spawner(&cfg)) != 0) {
		inputs_free(&in);
		return r;
	}
	if (worker_start(&wk, &cfg) != 0) {
		fprintf(stderr, _("sekisho: cannot start worker: %s\n"), strerror(errno));
		inputs_free(&in);
		return EXIT_INTERNAL;
	}
	for (size_t i = 0; i < in.n; i++) {
		r = scan_one(&wk, &cfg.pol, as_json, in.paths[i]);
		fflush(stdout);
		if (r == EXIT_INTERNAL)
			status = EXIT_INTERNAL;
		else if (r == EXIT_FINDINGS && status == 0)
			status = EXIT_FINDINGS;
	}
	worker_stop(&wk);
	inputs_free(&in);
	return status;
}

int
cmd_dlp(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "scan") == 0)
		return dlp_scan(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return EXIT_USAGE;
}
