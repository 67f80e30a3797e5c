/*
 * cmd_audit - "sekisho audit": the tamper-evident audit journal from the
 * command line (docs/audit.md).
 *
 *   verify [-c CONFIG] [--public-key FILE] [--checkpoints FILE] [--strict] [JOURNAL]
 *   verify --chain-only JOURNAL
 *   checkpoint --secret FILE JOURNAL
 *   keygen --secret FILE --public FILE
 *   append JOURNAL [RECEIPT|DIR|-]...
 *   rotate [-c CONFIG] [JOURNAL]
 *   outbound [-c CONFIG] [--month YYYY-MM] [--json] [JOURNAL]   (audit_outbound.c)
 *
 * Exit statuses: 0 intact / done, 4 (verify) tampered or incomplete,
 * 2 usage, 1 an input cannot be read or written (or a receipt given to
 * append is malformed: nothing is appended then).
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "audit/journal.h"
#include "core/num.h"
#include "core/xalloc.h"

#define EXIT_TAMPERED 4		/* verify: the journal is not intact */
#define REPORT_MAX ((size_t)4 * 1024 * 1024)
#define APPEND_INPUT_MAX ((size_t)256 * 1024 * 1024)	/* one input of append */
#define RECEIPT_PREFIX "{\"schema\":\"sekisho.receipt/"

static void
usage(FILE *f)
{
	fputs(_("usage: sekisho audit verify [-c CONFIG] [--public-key FILE] [--checkpoints FILE]\n"
	    "                            [--strict] [JOURNAL]\n"
	    "       sekisho audit verify --chain-only JOURNAL\n"
	    "       sekisho audit checkpoint --secret FILE JOURNAL\n"
	    "       sekisho audit keygen --secret FILE --public FILE\n"
	    "       sekisho audit append JOURNAL [RECEIPT|DIR|-]...\n"
	    "       sekisho audit rotate [-c CONFIG] [JOURNAL]\n"
	    "       sekisho audit outbound [-c CONFIG] [--month YYYY-MM] [--json] [JOURNAL]\n"), f);
}

/* getopt_long over the words after the sub-command name; 'h' prints usage. */
static int
next_opt(int argc, char **argv, const struct option *opts)
{
	return getopt_long(argc, argv, "h", opts, NULL);
}

/* path + suffix, as a new string. */
static char *
with_suffix(const char *path, const char *suffix)
{
	size_t a = strlen(path), b = strlen(suffix);
	char *s = xmalloc(a + b + 1);

	memcpy(s, path, a);
	memcpy(s + a, suffix, b + 1);
	return s;
}

/*
 * Checkpoints are required: the file beside the journal (or --checkpoints)
 * and the public key (--public-key, or audit_key's ".pub" from -c CONFIG),
 * since without them a journal cut at the end, or rewritten whole, passes.
 * --chain-only is the explicit way to check a journal that never had any.
 */
static int
audit_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "checkpoints", required_argument, NULL, 'P' },
		{ "public-key", required_argument, NULL, 'k' },
		{ "strict", no_argument, NULL, 's' },
		{ "chain-only", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct journal_verify_opts vo = { 0 };
	const char *config = NULL, *journal = NULL;
	char *cps_default = NULL, *pub_default = NULL;
	struct config pol;
	struct buf report;
	int c, r, chain_only = 0;

	while ((c = getopt_long(argc, argv, "hc:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'P': vo.checkpoints = optarg; break;
		case 'k': vo.public_key = optarg; break;
		case 's': vo.strict = 1; break;
		case 'o': chain_only = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc)
		journal = argv[optind++];
	if (optind != argc || (journal == NULL && config == NULL)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (chain_only && (vo.checkpoints != NULL || vo.public_key != NULL || vo.strict)) {
		fputs(_("sekisho: audit verify: --chain-only checks no checkpoints: it takes no "
		    "--checkpoints, --public-key or --strict\n"), stderr);
		return EXIT_USAGE;
	}
	if (config != NULL) {
		if (cli_load_config(&pol, config) != 0)
			return EXIT_USAGE;
		if (journal == NULL)
			journal = pol.journal;
		if (vo.public_key == NULL && !chain_only)
			vo.public_key = pub_default = with_suffix(pol.audit_key, ".pub");
	}
	if (!chain_only) {
		if (vo.public_key == NULL) {
			fputs(_("sekisho: audit verify: the checkpoints' public key is needed "
			    "(--public-key FILE, or -c CONFIG for audit_key's .pub); --chain-only "
			    "checks the hash chain alone, which cannot show records removed from "
			    "the end\n"), stderr);
			return EXIT_USAGE;
		}
		if (vo.checkpoints == NULL)
			vo.checkpoints = cps_default = with_suffix(journal, ".checkpoints");
	}
	buf_init(&report, REPORT_MAX);
	r = journal_verify(journal, &vo, &report);
	if (r < 0) {
		fprintf(stderr, _("sekisho: cannot verify: %s"), buf_str(&report));
		r = EXIT_INTERNAL;
	} else {
		fwrite(buf_str(&report), 1, report.len, stdout);
		r = r == 0 ? 0 : EXIT_TAMPERED;
	}
	buf_free(&report);
	free(cps_default);
	free(pub_default);
	return r;
}

static int
audit_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "secret", required_argument, NULL, 's' },
		{ "public", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sec = NULL, *pub = NULL;
	unsigned char pk[AUDIT_PUBLIC_KEY_BYTES];
	char id[AUDIT_KEY_ID_LEN + 1];
	struct buf err;
	int c, r = EXIT_INTERNAL;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': sec = optarg; break;
		case 'p': pub = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (sec == NULL || pub == NULL || optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	buf_init(&err, 4096);
	if (audit_key_generate(sec, pub, &err) != 0 ||
	    audit_key_load_public(pub, pk, id, &err) != 0) {
		fprintf(stderr, "sekisho: %s\n", buf_str(&err));
		goto out;
	}
	printf(_("key id %s\nsecret key: %s (keep it away from the journal's writers)\n"
	    "public key: %s (give it to the auditors)\n"), id, sec, pub);
	r = 0;
out:
	buf_free(&err);
	return r;
}

/* Say so when opening the journal moved a torn write aside. */
static void
report_torn(const struct journal *j, const char *path)
{
	if (journal_torn_bytes(j) > 0)
		fprintf(stderr, _("sekisho: %s: its last line was torn (a crash during a write); "
		    "%zu bytes were moved aside to %s.torn\n"), path, journal_torn_bytes(j), path);
}

static int
audit_checkpoint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "secret", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sec = NULL, *path;
	unsigned char sk[AUDIT_SECRET_KEY_BYTES];
	char id[AUDIT_KEY_ID_LEN + 1];
	struct journal *j = NULL;
	struct buf err;
	struct stat st;
	int c, r = EXIT_INTERNAL;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': sec = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (sec == NULL || optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	path = argv[optind];
	buf_init(&err, 4096);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, _("sekisho: %s: no such journal\n"), path);
		buf_free(&err);
		return EXIT_INTERNAL;
	}
	if (audit_key_load_secret(sec, sk, id, &err) != 0) {
		fprintf(stderr, "sekisho: %s\n", buf_str(&err));
		goto out;
	}
	if (journal_open(&j, path, &err) != 0) {
		fprintf(stderr, "sekisho: %s\n", buf_str(&err));
		goto out;
	}
	report_torn(j, path);
	if (journal_checkpoint(j, sk, id, &err) != 0) {
		fprintf(stderr, "sekisho: %s\n", buf_str(&err));
		goto out;
	}
	printf(_("checkpoint: seq %llu, hash %s, key id %s, appended to %s.checkpoints\n"),
	    (unsigned long long)journal_seq(j), journal_hash(j), id, path);
	r = 0;
out:
	sodium_memzero(sk, sizeof sk);
	journal_close(j);
	buf_free(&err);
	return r;
}

/*
 * Each non-empty line of one input, checked (j NULL) or appended.  Returns
 * -1 with a message naming the input and line.
 */
static int
append_lines(struct journal *j, const char *name, const struct buf *in, long long t,
    size_t *count)
{
	const char *p = buf_str(in), *end = p + in->len;
	struct buf why;
	size_t lineno = 0;
	int r = 0;

	buf_init(&why, 4096);
	while (p < end && r == 0) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		size_t n = lf != NULL ? (size_t)(lf - p) : (size_t)(end - p);

		lineno++;
		if (n > 0) {
			buf_reset(&why);
			if (n < sizeof RECEIPT_PREFIX - 1 ||
			    memcmp(p, RECEIPT_PREFIX, sizeof RECEIPT_PREFIX - 1) != 0) {
				fprintf(stderr, _("sekisho: %s:%zu: not a sekisho receipt\n"), name, lineno);
				r = -1;
			} else if (n > JOURNAL_RECEIPT_MAX) {
				fprintf(stderr, _("sekisho: %s:%zu: receipt larger than %zu bytes\n"), name,
				    lineno, JOURNAL_RECEIPT_MAX);
				r = -1;
			} else if (j == NULL && journal_receipt_check(p, n, &why) != 0) {
				fprintf(stderr, _("sekisho: %s:%zu: receipt is not a one-line JSON "
				    "object: %s\n"), name, lineno, buf_str(&why));
				r = -1;
			} else if (j != NULL && journal_append(j, p, n, t, &why) != 0) {
				fprintf(stderr, "sekisho: %s:%zu: %s\n", name, lineno, buf_str(&why));
				r = -1;
			} else
				(*count)++;
		}
		p += n + (lf != NULL);
	}
	buf_free(&why);
	return r;
}

/* Read one input of append whole (bounded). */
static int
append_read(const char *path, struct buf *b)
{
	size_t total;
	int over;

	buf_reset(b);
	if (read_input(path, APPEND_INPUT_MAX, b, &over, &total) != 0) {
		fprintf(stderr, _("sekisho: %s: cannot read\n"), path);
		return -1;
	}
	if (over) {
		fprintf(stderr, _("sekisho: %s: larger than %zu bytes\n"), path, APPEND_INPUT_MAX);
		return -1;
	}
	return 0;
}

/*
 * Journal receipts (one per line; files, folders of files, or stdin), for
 * operators re-journaling a --receipt-dir.  Every input is checked before
 * anything is appended, and the journal is synced once at the end.
 */
static int
audit_append(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct inputs in = { 0 };
	struct journal *j = NULL;
	struct buf data, err;
	const char *path, *sde;
	long long t = (long long)time(NULL);
	size_t count = 0;
	int c, r = EXIT_INTERNAL, stdin_used = 0;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	path = argv[optind++];
	if ((sde = getenv("SOURCE_DATE_EPOCH")) != NULL) {
		uint64_t v;

		if (parse_u64(sde, &v) != 0 || v > (uint64_t)1 << 40) {
			fprintf(stderr, _("sekisho: SOURCE_DATE_EPOCH is not a time: %s\n"), sde);
			return EXIT_USAGE;
		}
		t = (long long)v;
	}
	for (int i = optind; i < argc; i++) {
		if (inputs_add(&in, argv[i]) != 0) {
			inputs_free(&in);
			return EXIT_USAGE;
		}
	}
	if (in.n == 0)
		inputs_add(&in, "-");
	for (size_t i = 0; i < in.n; i++)
		stdin_used += strcmp(in.paths[i], "-") == 0;
	if (stdin_used > 0 && in.n > 1) {
		fputs(_("sekisho: audit append reads stdin alone, not with other inputs\n"), stderr);
		inputs_free(&in);
		return EXIT_USAGE;
	}
	buf_init(&data, APPEND_INPUT_MAX);
	buf_init(&err, 4096);

	/* first pass: everything must be a receipt (stdin is read once, kept) */
	for (size_t i = 0; i < in.n; i++) {
		size_t dummy = 0;

		if (append_read(in.paths[i], &data) != 0 ||
		    append_lines(NULL, in.paths[i], &data, t, &dummy) != 0)
			goto out;
	}
	if (journal_open(&j, path, &err) != 0) {
		fprintf(stderr, "sekisho: %s\n", buf_str(&err));
		goto out;
	}
	report_torn(j, path);
	journal_set_sync(j, 0);
	for (size_t i = 0; i < in.n; i++) {
		if ((stdin_used == 0 && append_read(in.paths[i], &data) != 0) ||
		    append_lines(j, in.paths[i], &data, t, &count) != 0)
			goto out;
	}
	if (journal_sync(j, &err) != 0) {
		fprintf(stderr, "sekisho: %s\n", buf_str(&err));
		goto out;
	}
	printf(ngettext("appended %zu receipt to %s, last seq %llu\n",
	    "appended %zu receipts to %s, last seq %llu\n", count), count, path,
	    (unsigned long long)journal_seq(j));
	r = 0;
out:
	if (r != 0 && count > 0)
		fprintf(stderr, _("sekisho: %zu receipts were appended before the error\n"), count);
	journal_close(j);
	inputs_free(&in);
	buf_free(&data);
	buf_free(&err);
	return r;
}

/*
 * The journal rotated now (journal.h): its records stay under
 * <journal>.<last seq>, and the journal goes on from them in a new file.
 * Safe while sekishod writes (its handles follow at their next record).
 */
static int
audit_rotate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = NULL, *path = NULL;
	struct config pol;
	struct journal *j = NULL;
	struct buf err, archived;
	int c, r = EXIT_INTERNAL;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc - 1 || (optind == argc && config == NULL)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (config != NULL && cli_load_config(&pol, config) != 0)
		return EXIT_USAGE;
	path = optind == argc - 1 ? argv[optind] : pol.journal;
	buf_init(&err, 4096);
	buf_init(&archived, 4096);
	if (journal_open(&j, path, &err) != 0 ||
	    journal_rotate_if(j, 0, (long long)time(NULL), &archived, &err) != 0)
		fprintf(stderr, "sekisho: audit rotate: %s\n", buf_str(&err));
	else {
		if (archived.len > 0)
			printf(_("rotated: records up to seq %llu are in %s; %s goes on from "
			    "seq %llu\n"), (unsigned long long)journal_seq(j) - 1, buf_str(&archived),
			    path, (unsigned long long)journal_seq(j));
		else
			printf(_("%s holds no record: nothing to rotate\n"), path);
		r = 0;
	}
	if (j != NULL)
		journal_close(j);
	buf_free(&err);
	buf_free(&archived);
	return r;
}

int
cmd_audit(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	optind = 1;
	if (strcmp(argv[1], "verify") == 0)
		return audit_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "checkpoint") == 0)
		return audit_checkpoint(argc - 1, argv + 1);
	if (strcmp(argv[1], "keygen") == 0)
		return audit_keygen(argc - 1, argv + 1);
	if (strcmp(argv[1], "append") == 0)
		return audit_append(argc - 1, argv + 1);
	if (strcmp(argv[1], "rotate") == 0)
		return audit_rotate(argc - 1, argv + 1);
	if (strcmp(argv[1], "outbound") == 0)
		return audit_outbound(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return EXIT_USAGE;
}
