/*
 * cmd_mail - "sekisho mail" and "sekisho file": sanitise one item or many.
 *
 * The parent reads inputs and writes outputs; it never parses an item.
 * Every message or file goes to one sandboxed worker (restarted if it dies),
 * whose answer is validated before anything is written.  With clamd
 * configured, the parent has clamd scan the input before and the output
 * after sanitising; a signature or a scan that gives no verdict withholds.  Outputs and receipts are
 * written atomically (temporary file + rename), so a reader never sees half
 * a message.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "cdr/cdr.h"
#include "core/digest.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "gateway/frame.h"
#include "gateway/worker.h"
#include "mime/sanitize.h"
#include "receipt/receipt.h"
#include "receipt/receipt_read.h"

static void
usage(FILE *f, int kind)
{
	if (kind == FRAME_FILE)
		fputs(_("usage: sekisho file [-c CONFIG] -o OUT [--receipt FILE] IN\n"
		    "       sekisho file [-c CONFIG] --out-dir DIR [--receipt-dir DIR] IN...\n"
		    "IN may be a file, '-' (standard input) or, with --out-dir, a folder.\n"
		    "With --out-dir each output is named after its input, with the extension\n"
		    "of what it became (report.docm -> report.docx).\n"
		    "exit status: 0 sanitised, 10 withheld, 2 usage/configuration, 1 internal\n"), f);
	else
		fputs(_("usage: sekisho mail [-c CONFIG] [-o OUT] [--receipt FILE] [IN]\n"
		    "       sekisho mail [-c CONFIG] --out-dir DIR [--receipt-dir DIR] IN...\n"
		    "IN may be a file, '-' (standard input) or, with --out-dir, a folder\n"
		    "(a Maildir's cur/ and new/, or every file in it).\n"
		    "exit status: 0 sanitised, 10 withheld, 2 usage/configuration, 1 internal\n"), f);
}

struct run {
	int kind;		/* FRAME_MAIL or FRAME_FILE */
	size_t in_max;		/* message_size_limit or file_size_limit */
	const struct policy *pol;	/* &cfg->pol of the configuration below */
	struct worker wk;
	long long fixed_time;	/* SOURCE_DATE_EPOCH, or -1 */
	size_t sanitized, withheld, failed;
	int quiet;
};

/* Receipt id and time: random normally; derived from the input when
 * SOURCE_DATE_EPOCH fixes the time (reproducible runs and tests). */
static void
make_identity(const struct run *run, const struct buf *item, char *id, size_t n,
    long long *t)
{
	char date[16];
	time_t now;
	struct tm tm;

	*t = run->fixed_time >= 0 ? run->fixed_time : (long long)time(NULL);
	now = (time_t)*t;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%Y%m%d", &tm);
	if (run->fixed_time >= 0) {
		char hex[SHA256_HEX_LEN + 1];

		sha256_hex(buf_str(item), item->len, hex);
		snprintf(id, n, "SK-%s-%.16s", date, hex);
	} else
		receipt_id_new(id, n, *t);
}

/*
 * Sanitise one input.  Returns the exit status for it; out and json are
 * filled (out only when sanitised).
 */
static int
process(struct run *run, const char *path, struct buf *out, struct buf *json)
{
	struct buf item;
	char id[RECEIPT_ID_MAX], detail[512];
	const char *name = NULL;
	long long t;
	int over, r;
	size_t total;

	if (run->kind == FRAME_FILE && strcmp(path, "-") != 0)
		name = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	buf_init(&item, run->in_max);
	if (read_input(path, run->in_max, &item, &over, &total) != 0) {
		fprintf(stderr, "sekisho: %s: %s\n", path, strerror(errno));
		buf_free(&item);
		run->failed++;
		return EXIT_INTERNAL;
	}
	make_identity(run, &item, id, sizeof id, &t);
	if (over) {
		worker_parent_receipt_item(run->pol, run->kind, name, id, t, NULL, total,
		    run->kind == FRAME_FILE ? "file_size_limit" : "message_size_limit",
		    run->kind == FRAME_FILE ? "the file is larger than file_size_limit" :
		    "the message is larger than message_size_limit", json);
		r = EXIT_WITHHELD;
	} else {
		r = worker_run_scanned(&run->wk, run->kind, name, NULL, id, t, buf_str(&item), item.len,
		    out, json, detail, sizeof detail);
		if (r == WORKER_FAILED || r == WORKER_TIMEOUT || r == WORKER_SCAN_FAILED) {
			worker_parent_receipt_item(run->pol, run->kind, name, id, t, &item, total,
			    r == WORKER_TIMEOUT ? "time_limit" : r == WORKER_SCAN_FAILED ?
			    "scan-failed" : "worker-failed", detail, json);
			r = EXIT_WITHHELD;
		}
	}
	buf_free(&item);
	if (r == EXIT_WITHHELD) {
		run->withheld++;
		if (!run->quiet) {
			struct receipt_view v;
			struct buf why;

			buf_init(&why, 512);
			if (receipt_read(buf_str(json), json->len, &v, &why) == 0)
				fprintf(stderr, _("sekisho: withheld %s: %s\n"), path, v.reason);
			else
				fprintf(stderr, _("sekisho: withheld %s (%s)\n"), path,
				    buf_str(&why));
			receipt_view_free(&v);
			buf_free(&why);
		}
	} else
		run->sanitized++;
	return r;
}

/*
 * The extension a sanitised file's receipt gives it, if it is one sekisho
 * writes (the worker's answer is untrusted: anything else is ignored).
 */
static const char *
sanitized_ext(const struct buf *json)
{
	struct receipt_view v;
	struct buf why;
	const char *ext = NULL;

	buf_init(&why, 512);
	if (receipt_read(buf_str(json), json->len, &v, &why) == 0)
		ext = receipt_output_ext(&v);
	receipt_view_free(&v);
	buf_free(&why);
	return ext;
}

/* out-dir name for an input: its base name (extension corrected), made unique. */
static char *
output_name(GHashTable *used, const char *path, int kind, const char *ext)
{
	char *copy = xstrdup(path), *base = basename(copy), *dot;
	struct buf name, stem;

	buf_init(&name, 8192);
	buf_init(&stem, 8192);
	if (strcmp(path, "-") == 0)
		buf_puts(&stem, kind == FRAME_FILE ? "stdin" : "stdin.eml");
	else
		buf_puts(&stem, base);
	if (ext != NULL) {
		dot = strrchr(stem.data, '.');
		if (dot != NULL && dot != stem.data && strlen(dot) <= 6)
			stem.len = (size_t)(dot - stem.data);
		stem.data[stem.len] = '\0';
	} else
		ext = "";
	buf_printf(&name, "%s%s", buf_str(&stem), ext);
	for (int k = 2; g_hash_table_contains(used, buf_str(&name)); k++) {
		buf_reset(&name);
		buf_printf(&name, "%s-%d%s", buf_str(&stem), k, ext);
	}
	buf_free(&stem);
	free(copy);
	g_hash_table_add(used, xstrdup(buf_str(&name)));
	return buf_steal(&name, NULL);
}

static int
dir_write(int dirfd, const char *dir, const char *name, const char *suffix,
    const struct buf *b)
{
	struct buf p;
	int r;

	buf_init(&p, 16384);
	buf_printf(&p, "%s%s", name, suffix);
	r = write_file_at(dirfd, buf_str(&p), buf_str(b), b->len);
	if (r != 0)
		fprintf(stderr, "sekisho: %s/%s: %s\n", dir, buf_str(&p), strerror(errno));
	buf_free(&p);
	return r;
}

static int
run_items(int kind, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "receipt", required_argument, NULL, 'r' },
		{ "out-dir", required_argument, NULL, 'O' },
		{ "receipt-dir", required_argument, NULL, 'R' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *outfile = NULL, *receipt = NULL, *outdir = NULL,
	    *receiptdir = NULL, *sde;
	struct config cfg;
	const struct policy *pol = &cfg.pol;
	struct run run = { 0 };
	struct inputs in = { 0 };
	struct buf out, json;
	int c, status = EXIT_SANITIZED;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'o': outfile = optarg; break;
		case 'r': receipt = optarg; break;
		case 'O': outdir = optarg; break;
		case 'R': receiptdir = optarg; break;
		case 'q': run.quiet = 1; break;
		case 'h': usage(stdout, kind); return EXIT_SANITIZED;
		default: usage(stderr, kind); return EXIT_USAGE;
		}
	}
	if ((outdir == NULL && (receiptdir != NULL || argc - optind > 1)) ||
	    (outdir != NULL && (outfile != NULL || receipt != NULL || optind >= argc)) ||
	    (kind == FRAME_FILE && outdir == NULL && outfile == NULL)) {
		usage(stderr, kind);
		return EXIT_USAGE;
	}
	if (cli_load_config(&cfg, config) != 0)
		return EXIT_USAGE;
	run.pol = pol;
	run.kind = kind;
	run.in_max = kind == FRAME_FILE ? pol->lim.file_bytes : pol->lim.message_bytes;
	run.fixed_time = -1;
	if ((sde = getenv("SOURCE_DATE_EPOCH")) != NULL) {
		uint64_t v;

		if (parse_u64(sde, &v) != 0 || v > (uint64_t)1 << 40) {
			fprintf(stderr, _("sekisho: SOURCE_DATE_EPOCH is not a time: %s\n"), sde);
			return EXIT_USAGE;
		}
		run.fixed_time = (long long)v;
	}
	for (int i = optind; i < argc; i++) {
		if (inputs_add(&in, argv[i]) != 0) {
			inputs_free(&in);
			return EXIT_USAGE;
		}
	}
	if (in.n == 0 && outdir == NULL)
		inputs_add(&in, "-");

	signal(SIGPIPE, SIG_IGN);
	if ((status = cli_start_spawner(&cfg)) != 0) {
		inputs_free(&in);
		return status;
	}
	if (worker_start(&run.wk, &cfg) != 0) {
		fprintf(stderr, _("sekisho: cannot start worker: %s\n"), strerror(errno));
		inputs_free(&in);
		return EXIT_INTERNAL;
	}
	buf_init(&out, worker_output_max(pol));
	buf_init(&json, 64u * 1024 * 1024);

	if (outdir == NULL) {
		status = process(&run, in.paths[0], &out, &json);
		if (status == EXIT_SANITIZED) {
			if (outfile != NULL ? write_file_atomic(outfile, buf_str(&out), out.len) != 0
			    : write_all(1, buf_str(&out), out.len) != 0) {
				fprintf(stderr, _("sekisho: cannot write output: %s\n"),
				    strerror(errno));
				status = EXIT_INTERNAL;
			}
		}
		if (receipt != NULL && status != EXIT_INTERNAL &&
		    write_file_atomic(receipt, buf_str(&json), json.len) != 0) {
			fprintf(stderr, "sekisho: %s: %s\n", receipt, strerror(errno));
			status = EXIT_INTERNAL;
		}
	} else {
		GHashTable *used = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
		int outfd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int rfd = receiptdir != NULL ? open(receiptdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

		if (outfd < 0 || (receiptdir != NULL && rfd < 0)) {
			fprintf(stderr, "sekisho: %s: %s\n", outfd < 0 ? outdir : receiptdir,
			    strerror(errno));
			worker_stop(&run.wk);
			inputs_free(&in);
			return EXIT_USAGE;
		}

		for (size_t i = 0; i < in.n; i++) {
			char *name;
			int r;

			buf_reset(&out);
			buf_reset(&json);
			r = process(&run, in.paths[i], &out, &json);
			if (r == EXIT_INTERNAL) {
				status = EXIT_INTERNAL;
				continue;
			}
			name = output_name(used, in.paths[i], kind, kind == FRAME_FILE &&
			    r == EXIT_SANITIZED ? sanitized_ext(&json) : NULL);
			if (r == EXIT_SANITIZED && dir_write(outfd, outdir, name, "", &out) != 0)
				r = EXIT_INTERNAL;
			if (receiptdir != NULL && dir_write(rfd, receiptdir, name, ".json", &json) != 0)
				r = EXIT_INTERNAL;
			free(name);
			if (r == EXIT_INTERNAL)
				status = EXIT_INTERNAL;
			else if (r == EXIT_WITHHELD && status == EXIT_SANITIZED)
				status = EXIT_WITHHELD;
		}
		g_hash_table_destroy(used);
		close(outfd);
		if (rfd >= 0)
			close(rfd);
		fprintf(stderr, kind == FRAME_FILE ?
		    _("sekisho: %zu file(s): %zu sanitised, %zu withheld, %zu failed\n") :
		    _("sekisho: %zu message(s): %zu sanitised, %zu withheld, %zu failed\n"),
		    in.n, run.sanitized, run.withheld, run.failed);
	}
	worker_stop(&run.wk);
	buf_free(&out);
	buf_free(&json);
	inputs_free(&in);
	return status;
}

int
cmd_mail(int argc, char **argv)
{
	return run_items(FRAME_MAIL, argc, argv);
}

int
cmd_file(int argc, char **argv)
{
	return run_items(FRAME_FILE, argc, argv);
}
