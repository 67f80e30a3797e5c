/*
 * cmd_quarantine - "sekisho quarantine": the operator's view of the
 * quarantine store (list, show, export, verify, expire), its key (keygen) and the
 * import of items sanitised by hand ("sekisho mail --receipt").
 *
 * Where the store lives comes from the configuration (quarantine_dir,
 * quarantine_db or quarantine_backend = postgresql with quarantine_pg,
 * quarantine_key, quarantine_retention_days).  Listing and showing read
 * metadata only and never load the key; export and import do.
 * Export is a release: it needs a reason, and records who (--by, and the
 * system account), when, why and the digest of what left, in the store
 * (table releases) and as a release record in the audit journal (journal,
 * signed by audit_key); what cannot be recorded is not exported.
 * Everything printed from the store (subjects, senders, receipts: text chosen
 * by the sender of the mail) passes through a filter that replaces control
 * and bidirectional-override characters, so nothing reaches the operator's
 * terminal as a command.  Exit status: 0 done, 1 failed (not found, damaged,
 * refused), 2 usage or configuration error.
 */
#include "cli/cli.h"

#include "core/utf8.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/journal.h"
#include "audit/signer.h"
#include "core/digest.h"
#include "core/json.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "receipt/receipt.h"
#include "receipt/receipt_read.h"
#include "daemon/outcome.h"
#include "store/store.h"

#define LIST_DEFAULT_LIMIT 100
#define TIME_MAX ((uint64_t)1 << 40)
#define REASON_MAX 1000		/* bytes of an export's --reason */
#define BY_MAX 200		/* bytes of an export's --by */
#define ACCOUNT_MAX 64		/* a system account name */
#define RELEASE_SCHEMA "sekisho.release/1"

static void
usage(FILE *f)
{
	fputs(_("usage: sekisho quarantine [-c CONFIG] list [--since DATE] [--until DATE]\n"
	    "           [--withheld | --sanitized] [--state STATE] [--sender TEXT] [--limit N]\n"
	    "       sekisho quarantine [-c CONFIG] show ID\n"
	    "       sekisho quarantine [-c CONFIG] export ID -o FILE --reason TEXT [--by NAME]\n"
	    "       sekisho quarantine [-c CONFIG] import RECEIPT_JSON ORIGINAL\n"
	    "       sekisho quarantine [-c CONFIG] verify\n"
	    "       sekisho quarantine [-c CONFIG] expire\n"
	    "       sekisho quarantine [-c CONFIG] keygen [--rotate] [KEYFILE]\n"
	    "DATE: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (local time; UTC with a final Z),\n"
	    "or @SECONDS since the epoch.  list shows the newest 100 unless --limit (0: all).\n"
	    "exit status: 0 done, 1 failed, 2 usage/configuration\n"), f);
}

/* ------------------------------------------------------- terminal output */

/* Next UTF-8 character of s (n > 0 bytes): its length, *cp = U+FFFD if invalid. */
static size_t
u8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned int c;
	size_t len = utf8_next(s, n, &c);

	if (len == 0) {
		*cp = 0xfffd;
		return 1;
	}
	*cp = c;
	return len;
}

/* Characters that act on a terminal or reorder text: shown as '?'. */
static int
unsafe_cp(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x200e ||
	    c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x061c;
}

/* Columns a character takes on a terminal (East Asian wide = 2). */
static int
cp_width(uint32_t c)
{
	if ((c >= 0x300 && c <= 0x36f) || c == 0x200b || c == 0x200d ||
	    (c >= 0xfe00 && c <= 0xfe0f) || c == 0x3099 || c == 0x309a)
		return 0;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x3098) ||
	    (c >= 0x309b && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
	    (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
	    (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ||
	    (c >= 0x1f300 && c <= 0x1f64f) || (c >= 0x1f900 && c <= 0x1f9ff) ||
	    (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

/*
 * Append s made safe for a terminal.  width > 0: at most width columns (cut
 * with an ellipsis), padded with spaces to width when pad.  newlines: keep
 * '\n' (multi-line text such as a pretty receipt).
 */
static void
put_safe(struct buf *out, const char *s, int width, int pad, int newlines)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n = strlen((const char *)p);
	int used = 0, total = 0;

	if (width > 0) {	/* does it fit whole? */
		for (size_t i = 0; i < n;) {
			uint32_t c;

			i += u8_next(p + i, n - i, &c);
			total += unsafe_cp(c) ? 1 : cp_width(c);
		}
	}
	while (n > 0) {
		uint32_t c;
		size_t k = u8_next(p, n, &c);
		int w = unsafe_cp(c) ? 1 : cp_width(c);

		if (width > 0 && total > width && used + w > width - 1) {
			buf_puts(out, "\xe2\x80\xa6");	/* … */
			used++;
			break;
		}
		if (c == '\n' && newlines)
			buf_putc(out, '\n');
		else if (unsafe_cp(c) || (c == 0xfffd && k == 1))
			buf_putc(out, '?');
		else
			buf_append(out, p, k);
		used += w;
		p += k;
		n -= k;
	}
	while (pad && used < width) {
		buf_putc(out, ' ');
		used++;
	}
}

/* Append a label (translated: it may be Japanese) and pad it with spaces to
 * width columns, as "%-*s" does for ASCII; a longer label is not cut. */
static void
put_label(struct buf *out, const char *label, int width)
{
	const unsigned char *p = (const unsigned char *)label;
	size_t n = strlen(label);
	int used = 0;

	buf_puts(out, label);
	while (n > 0) {
		uint32_t c;
		size_t k = u8_next(p, n, &c);

		used += cp_width(c);
		p += k;
		n -= k;
	}
	for (; used < width; used++)
		buf_putc(out, ' ');
}

static void
flush_out(struct buf *out)
{
	fwrite(out->data != NULL ? out->data : "", 1, out->len, stdout);
	buf_reset(out);
}

/* Local time: "2026-11-21 18:30" (short) or "2026-11-21 18:30:00 +0900". */
static void
fmt_time(long long t, int full, char *s, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    (full ? strftime(s, n, "%Y-%m-%d %H:%M:%S %z", &tm) :
	    strftime(s, n, "%Y-%m-%d %H:%M", &tm)) == 0)
		snprintf(s, n, "@%lld", t);
}

/* -------------------------------------------------------------- helpers */

/* DATE as in usage(): "YYYY-MM-DD[(T| )HH:MM[:SS]][Z]" or "@SECONDS". */
static int
parse_date(const char *s, long long *t)
{
	struct tm tm;
	const char *e;
	time_t v;
	int utc = 0;

	if (s[0] == '@') {
		uint64_t u;

		if (parse_u64(s + 1, &u) != 0 || u > TIME_MAX)
			return -1;
		*t = (long long)u;
		return 0;
	}
	memset(&tm, 0, sizeof tm);
	if ((e = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		return -1;
	if (*e == 'T' || *e == ' ') {
		if ((e = strptime(e + 1, "%H:%M", &tm)) == NULL)
			return -1;
		if (*e == ':' && (e = strptime(e + 1, "%S", &tm)) == NULL)
			return -1;
	}
	if (*e == 'Z') {
		utc = 1;
		e++;
	}
	if (*e != '\0')
		return -1;
	tm.tm_isdst = -1;
	v = utc ? timegm(&tm) : mktime(&tm);
	if (v == (time_t)-1 || v < 0)
		return -1;
	*t = (long long)v;
	return 0;
}

/* Open the store a loaded policy names; prints the error.  Returns an exit
 * status. */
static int
open_store_of(const struct config *p, int need_key, int create, struct store **s)
{
	struct store_config sc;
	struct buf err;
	int r = 0;

	outcome_store_config(p, need_key, create, &sc);
	buf_init(&err, 4096);
	if (store_open(s, &sc, &err) != 0) {
		fprintf(stderr, "sekisho: quarantine: %s\n", buf_str(&err));
		r = EXIT_INTERNAL;
	}
	buf_free(&err);
	return r;
}

/* Open the configured store; prints the error.  Returns an exit status. */
static int
open_store(const char *config, int need_key, int create, struct store **s)
{
	struct config cfg;

	if (cli_load_config(&cfg, config) != 0)
		return EXIT_USAGE;
	return open_store_of(&cfg, need_key, create, s);
}

static int
fail(struct buf *err, const char *what)
{
	fprintf(stderr, "sekisho: quarantine %s: %s\n", what, buf_str(err));
	return EXIT_INTERNAL;
}

/* ----------------------------------------------------------------- list */

struct list_ctx {
	struct buf out;
	size_t rows;
};

static int
list_row(const struct store_item_out *it, void *ctx)
{
	struct list_ctx *lc = ctx;
	char t[32];

	fmt_time(it->received_at, 0, t, sizeof t);
	put_safe(&lc->out, t, 16, 1, 0);
	buf_puts(&lc->out, "  ");
	put_safe(&lc->out, it->receipt_id, 28, 1, 0);
	buf_puts(&lc->out, "  ");
	put_safe(&lc->out, it->verdict, 9, 1, 0);
	buf_puts(&lc->out, "  ");
	put_safe(&lc->out, it->reason != NULL && it->reason[0] != '\0' ? it->reason : "-",
	    22, 1, 0);
	buf_puts(&lc->out, "  ");
	put_safe(&lc->out, it->sender, 30, 1, 0);
	buf_puts(&lc->out, "  ");
	put_safe(&lc->out, it->subject, 72, 0, 0);
	buf_putc(&lc->out, '\n');
	flush_out(&lc->out);
	lc->rows++;
	return 0;
}

static int
q_list(const char *config, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "withheld", no_argument, NULL, 'w' },
		{ "sanitized", no_argument, NULL, 'z' },
		{ "state", required_argument, NULL, 't' },
		{ "sender", required_argument, NULL, 'f' },
		{ "limit", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *s;
	struct store_filter f;
	struct list_ctx lc;
	struct buf err;
	uint64_t n;
	int c, r;

	memset(&f, 0, sizeof f);
	f.limit = LIST_DEFAULT_LIMIT;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'u':
			if (parse_date(optarg, c == 's' ? &f.since : &f.until) != 0) {
				fprintf(stderr, _("sekisho: quarantine list: not a date: %s\n"),
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'w': f.verdict = "withheld"; break;
		case 'z': f.verdict = "sanitized"; break;
		case 't': f.state = optarg; break;
		case 'f': f.sender = optarg; break;
		case 'n':
			if (parse_u64(optarg, &n) != 0 || n > 100000000) {
				fprintf(stderr, _("sekisho: quarantine list: not a count: %s\n"),
				    optarg);
				return EXIT_USAGE;
			}
			f.limit = (size_t)n;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((r = open_store(config, 0, 0, &s)) != 0)
		return r;
	buf_init(&lc.out, 1024 * 1024);
	buf_init(&err, 4096);
	lc.rows = 0;
	/* the column names stay English: scripts find the columns by them */
	put_safe(&lc.out, "TIME", 16, 1, 0);
	buf_puts(&lc.out, "  ");
	put_safe(&lc.out, "RECEIPT", 28, 1, 0);
	buf_puts(&lc.out, "  ");
	put_safe(&lc.out, "VERDICT", 9, 1, 0);
	buf_puts(&lc.out, "  ");
	put_safe(&lc.out, "REASON", 22, 1, 0);
	buf_puts(&lc.out, "  ");
	put_safe(&lc.out, "FROM", 30, 1, 0);
	buf_puts(&lc.out, "  SUBJECT\n");
	flush_out(&lc.out);
	if (store_list(s, &f, list_row, &lc, &err) != 0)
		r = fail(&err, "list");
	else if (f.limit > 0 && lc.rows == f.limit)
		fprintf(stderr, _("sekisho: the newest %zu shown (--limit N for more, 0 for all)\n"),
		    lc.rows);
	buf_free(&lc.out);
	buf_free(&err);
	store_close(s);
	return r;
}

/* ----------------------------------------------------------------- show */

/* "LABEL        value": label translated, value made safe */
static void
field(struct buf *out, const char *name, const char *value)
{
	put_label(out, name, 12);
	buf_putc(out, ' ');
	put_safe(out, value, 0, 0, 0);
	buf_putc(out, '\n');
}

/* One release of the item, as show prints it. */
static int
show_release(const struct store_release *r, void *ctx, struct buf *err)
{
	struct buf *out = ctx, name, account;
	char t[64], line[160];

	buf_init(&name, 4 * STORE_FIELD_MAX);
	buf_init(&account, 4 * STORE_FIELD_MAX);
	fmt_time(r->released_at, 1, t, sizeof t);
	snprintf(line, sizeof line, "%llu. %s, %s", r->n, t, r->release_id);
	field(out, _("release:"), line);
	buf_puts(out, "  ");
	put_label(out, _("by:"), 10);
	buf_putc(out, ' ');
	put_safe(&name, r->by, 0, 0, 0);
	put_safe(&account, r->account, 0, 0, 0);
	/* TRANSLATORS: after "by:", who released it and their system account */
	buf_printf(out, _("%s (account %s)\n"), buf_str(&name), buf_str(&account));
	buf_free(&name);
	buf_free(&account);
	field(out, _("  reason:"), r->reason);
	snprintf(line, sizeof line, _("%llu bytes, sha256 %s"), r->bytes, r->sha256);
	field(out, _("  left:"), line);
	return 0;
}

static int
q_show(struct store *s, const char *id)
{
	struct store_item_out m;
	struct buf out, err;
	char t[64], line[256];
	json_t *j;
	int r;

	buf_init(&err, 4096);
	buf_init(&out, STORE_RECEIPT_MAX * 4);
	r = store_get(s, id, NULL, &m, &err);
	if (r == STORE_NOT_FOUND) {
		fprintf(stderr, _("sekisho: quarantine: no item %s\n"), id);
		r = EXIT_INTERNAL;
		goto out;
	}
	if (r != 0) {
		r = fail(&err, "show");
		goto out;
	}
	field(&out, _("receipt id:"), m.receipt_id);
	fmt_time(m.received_at, 1, t, sizeof t);
	field(&out, _("received:"), t);
	field(&out, _("verdict:"), m.verdict);
	field(&out, _("reason:"), m.reason != NULL ? m.reason : "-");
	field(&out, _("from:"), m.sender);
	field(&out, _("to:"), m.recipients);
	field(&out, _("subject:"), m.subject);
	snprintf(line, sizeof line, _("%llu bytes, sha256 %s"), m.bytes, m.sha256);
	field(&out, _("original:"), line);
	field(&out, _("key id:"), m.key_id);
	field(&out, _("state:"), m.state);
	if (m.released_at >= 0) {
		struct buf by;

		buf_init(&by, 4 * STORE_FIELD_MAX);
		fmt_time(m.released_at, 1, t, sizeof t);
		put_safe(&by, m.released_by, 0, 0, 0);
		put_label(&out, _("released:"), 12);
		/* TRANSLATORS: after "released:", when and by whom */
		buf_printf(&out, _(" %s by %s\n"), t, buf_str(&by));
		buf_free(&by);
	}
	if (store_releases(s, id, show_release, &out, &err) != 0) {
		r = fail(&err, "show");
		goto out;
	}
	fmt_time(m.expires_at, 1, t, sizeof t);
	field(&out, _("expires:"), t);
	buf_puts(&out, "\n");
	if ((j = json_loads(m.receipt_json, 0, NULL)) != NULL) {
		char *pretty = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		put_safe(&out, pretty != NULL ? pretty : m.receipt_json, 0, 0, 1);
		free(pretty);
		json_decref(j);
	} else
		put_safe(&out, m.receipt_json, 0, 0, 1);
	buf_putc(&out, '\n');
	flush_out(&out);
	r = 0;
out:
	store_item_out_free(&m);
	buf_free(&out);
	buf_free(&err);
	return r;
}

/* --------------------------------------------------------------- export */

/* Operator text (a reason, a name): 1..max bytes of valid UTF-8, no control
 * character, not only spaces.  It goes into the store and the journal. */
static int
text_ok(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	int seen = 0;

	if (n == 0 || n > max || !utf8_valid(p, n))
		return 0;
	while (n > 0) {
		unsigned int c;
		size_t k = utf8_next(p, n, &c);

		if (unsafe_cp(c))
			return 0;
		seen |= c != ' ';
		p += k;
		n -= k;
	}
	return seen;
}

/* A system account name as it may be believed: printable ASCII, no space. */
static int
account_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ACCOUNT_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	}
	return 1;
}

/*
 * The system account that runs the export: the user who ran it through sudo
 * (SUDO_USER, believed only when the real uid is root: anyone can set it),
 * else the login name of the real uid, else "uid N".
 */
static void
invoking_account(char *out, size_t n)
{
	const char *su = getenv("SUDO_USER");
	struct passwd *pw;

	if (getuid() == 0 && su != NULL && account_ok(su))
		snprintf(out, n, "%s", su);
	else if ((pw = getpwuid(getuid())) != NULL && account_ok(pw->pw_name))
		snprintf(out, n, "%s", pw->pw_name);
	else
		snprintf(out, n, "uid %u", (unsigned)getuid());
}

struct release_journal {
	struct journal *j;
	uint64_t seq;		/* of the release record */
};

/*
 * The release record, appended (and synced) to the journal inside the
 * store's transaction: if it cannot be written, the release is not
 * recorded and nothing leaves.  docs/audit.md describes its fields.
 */
static int
journal_release(const struct store_release *r, void *ctx, struct buf *err)
{
	struct release_journal *rj = ctx;
	struct buf rec;
	char ts[32];
	int rc;

	receipt_time_iso(r->released_at, ts, sizeof ts);
	buf_init(&rec, 6 * STORE_FIELD_MAX + 1024);
	buf_putc(&rec, '{');
	json_key(&rec, "schema", 1);
	json_str(&rec, RELEASE_SCHEMA);
	json_key(&rec, "id", 0);
	json_str(&rec, r->release_id);
	json_key(&rec, "time", 0);
	json_str(&rec, ts);
	json_key(&rec, "kind", 0);
	json_str(&rec, "release");
	json_key(&rec, "item", 0);
	json_str(&rec, r->receipt_id);
	json_key(&rec, "n", 0);
	buf_printf(&rec, "%llu", r->n);
	json_key(&rec, "by", 0);
	json_str(&rec, r->by);
	json_key(&rec, "account", 0);
	json_str(&rec, r->account);
	json_key(&rec, "reason", 0);
	json_str(&rec, r->reason);
	json_key(&rec, "sha256", 0);
	json_str(&rec, r->sha256);
	json_key(&rec, "bytes", 0);
	buf_printf(&rec, "%llu", r->bytes);
	if (buf_putc(&rec, '}') != 0)
		die("release record past its ceiling");
	rc = journal_append(rj->j, rec.data, rec.len, r->released_at, err);
	if (rc == 0)
		rj->seq = journal_seq(rj->j);
	buf_free(&rec);
	return rc;
}

/*
 * export: a recorded release.  The journal and its signer are opened first
 * (a journal that cannot be written, or whose end does not match its last
 * checkpoint, stops the export before anything happens); store_release then
 * records the release in the store and the journal in one transaction and
 * only then gives the file its name; a checkpoint signed on close covers
 * the release record.
 */
static int
q_export(const char *config, const char *id, const char *file, const char *reason,
    const char *by)
{
	struct config pol;
	struct store *s = NULL;
	struct journal *j = NULL;
	struct audit_signer *sg = NULL;
	struct audit_signer_config sc;
	struct release_journal rj = { 0 };
	struct store_release rel;
	struct buf err;
	char account[ACCOUNT_MAX + 16];
	int r;

	if (cli_load_config(&pol, config) != 0)
		return EXIT_USAGE;
	invoking_account(account, sizeof account);
	if (by == NULL)
		by = account;
	if ((r = open_store_of(&pol, 1, 0, &s)) != 0)
		return r;
	buf_init(&err, 4096);
	r = EXIT_INTERNAL;
	if (journal_open(&j, pol.journal, &err) != 0) {
		fprintf(stderr, _("sekisho: quarantine export: the release cannot be recorded, so "
		    "nothing is exported: %s\n"), buf_str(&err));
		goto out;
	}
	sc.secret_key = pol.audit_key;
	sc.every_records = pol.audit_checkpoint_records;
	sc.every_seconds = (long long)pol.audit_checkpoint_seconds;
	if (audit_signer_open(&sg, j, &sc, &err) != 0) {
		fprintf(stderr, _("sekisho: quarantine export: the release cannot be recorded, so "
		    "nothing is exported: %s (journal %s)\n"), buf_str(&err), pol.journal);
		goto out;
	}
	memset(&rel, 0, sizeof rel);
	rel.receipt_id = id;
	rel.released_at = (long long)time(NULL);
	rel.by = by;
	rel.account = account;
	rel.reason = reason;
	rj.j = j;
	switch (store_release(s, &rel, file, journal_release, &rj, &err)) {
	case 0:
		break;
	case STORE_NOT_FOUND:
		fprintf(stderr, _("sekisho: quarantine: no item %s\n"), id);
		goto out;
	default:
		r = fail(&err, "export");
		goto out;
	}
	fprintf(stderr, _("sekisho: released the original of %s (%llu bytes, sha256 %s) to %s\n"
	    "sekisho: recorded as %s in the quarantine and in the journal %s (seq %llu), by %s "
	    "(account %s)\n"), id, rel.bytes, rel.sha256, file, rel.release_id,
	    pol.journal, (unsigned long long)rj.seq, by, account);
	r = 0;
out:
	buf_reset(&err);
	if (audit_signer_close(sg, &err) != 0)
		fprintf(stderr, _("sekisho: warning: no checkpoint signed after the release: %s "
		    "(sekishod signs one within audit_checkpoint_seconds)\n"), buf_str(&err));
	journal_close(j);
	store_close(s);
	buf_free(&err);
	return r;
}

/* --------------------------------------------------------------- import */

static int
q_import(struct store *s, const char *rpath, const char *opath)
{
	struct buf rj, orig, err;
	struct store_item it;
	struct receipt_view v;
	char have[SHA256_HEX_LEN + 1];
	size_t total;
	int over, r = EXIT_INTERNAL;

	memset(&v, 0, sizeof v);
	buf_init(&rj, STORE_RECEIPT_MAX);
	buf_init(&orig, STORE_BLOB_MAX);
	buf_init(&err, 4096);
	if (read_input(rpath, STORE_RECEIPT_MAX, &rj, &over, &total) != 0 || over) {
		fprintf(stderr, "sekisho: %s: %s\n", rpath, over ? _("receipt too large") :
		    strerror(errno));
		goto out;
	}
	if (receipt_read(buf_str(&rj), rj.len, &v, &err) != 0) {
		fprintf(stderr, "sekisho: %s: %s\n", rpath, buf_str(&err));
		goto out;
	}
	if (v.verdict == VERDICT_PASSED) {
		fprintf(stderr, _("sekisho: %s: an outbound message that passed: its original is "
		    "not kept in the quarantine\n"), rpath);
		goto out;
	}
	memset(&it, 0, sizeof it);
	it.receipt_id = v.id;
	it.verdict = v.verdict == VERDICT_SANITIZED ? "sanitized" : "withheld";
	it.reason = v.reason[0] != '\0' ? v.reason : NULL;
	it.received_at = v.time;
	it.sender = v.from;
	it.recipients = v.to;
	it.subject = v.subject;
	it.receipt_json = buf_str(&rj);
	if (read_input(opath, STORE_BLOB_MAX, &orig, &over, &total) != 0 || over) {
		fprintf(stderr, "sekisho: %s: %s\n", opath, over ? _("too large") : strerror(errno));
		goto out;
	}
	if (v.in_sha256[0] != '\0') {
		sha256_hex(buf_str(&orig), orig.len, have);
		if (strcmp(have, v.in_sha256) != 0) {
			fprintf(stderr, _("sekisho: %s is not the message %s describes (sha256 %s, "
			    "the receipt says %s)\n"), opath, rpath, have, v.in_sha256);
			goto out;
		}
	} else if (v.in_bytes != orig.len) {
		fprintf(stderr, _("sekisho: %s is not the message %s describes (size differs)\n"),
		    opath, rpath);
		goto out;
	}
	switch (store_put(s, &it, buf_str(&orig), orig.len, &err)) {
	case 0:
		fprintf(stderr, _("sekisho: quarantined %s (%zu bytes)\n"), it.receipt_id, orig.len);
		r = 0;
		break;
	case STORE_EXISTS:
		fprintf(stderr, _("sekisho: %s is in the quarantine already\n"), it.receipt_id);
		r = 0;
		break;
	default:
		r = fail(&err, "import");
		break;
	}
out:
	receipt_view_free(&v);
	buf_free(&rj);
	buf_free(&orig);
	buf_free(&err);
	return r;
}

/* --------------------------------------------------------------- verify */

struct verify_ctx {
	struct store *s;
	size_t rows, damaged;
	struct buf err;
};

static int
verify_one(const struct store_item_out *it, void *arg)
{
	struct verify_ctx *v = arg;
	char when[64];

	v->rows++;
	buf_reset(&v->err);
	if (store_blob_check(v->s, it->sha256, &v->err) == 0)
		return 0;
	v->damaged++;
	fmt_time(it->received_at, 0, when, sizeof when);
	/* a line for scripts: stays English */
	printf("DAMAGED  %s  %s  %s\n", when, it->receipt_id, buf_str(&v->err));
	return 0;
}

/*
 * Every item's original read back, decrypted and checked against its digest
 * (what an auditor asks: are the originals kept for release still whole?).
 * Lists the items whose original is missing or damaged; exit 1 if any.
 */
static int
q_verify(struct store *s)
{
	struct store_filter f;
	struct verify_ctx v = { .s = s };
	struct buf err;
	int r = 0;

	memset(&f, 0, sizeof f);	/* every item, whatever its state */
	buf_init(&v.err, 4096);
	buf_init(&err, 4096);
	if (store_list(s, &f, verify_one, &v, &err) != 0)
		r = fail(&err, "verify");
	else {
		printf(_("verified %zu item(s): %zu original(s) whole, %zu missing or damaged\n"),
		    v.rows, v.rows - v.damaged, v.damaged);
		if (v.damaged > 0)
			r = EXIT_INTERNAL;
	}
	buf_free(&v.err);
	buf_free(&err);
	return r;
}

/* --------------------------------------------------------------- expire */

static int
q_expire(struct store *s)
{
	struct buf err;
	size_t rows, blobs;
	int r = 0;

	buf_init(&err, 4096);
	if (store_expire(s, (long long)time(NULL), &rows, &blobs, &err) != 0)
		r = fail(&err, "expire");
	else
		printf(_("expired %zu item(s), removed %zu original(s)\n"), rows, blobs);
	buf_free(&err);
	return r;
}

/* --------------------------------------------------------------- keygen */

static int
q_keygen(const char *config, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rotate", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct config cfg;
	struct buf err;
	const char *path;
	int c, rotate = 0, r = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c != 'r') {
			usage(stderr);
			return EXIT_USAGE;
		}
		rotate = 1;
	}
	if (argc - optind > 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(&cfg, config) != 0)
		return EXIT_USAGE;
	path = optind < argc ? argv[optind] : cfg.quarantine_key;
	buf_init(&err, 4096);
	if ((rotate ? store_key_rotate(path, &err) : store_key_generate(path, &err)) != 0)
		r = fail(&err, "keygen");
	else
		fprintf(stderr, rotate ? _("sekisho: new current key added to %s (mode 0600).  "
		    "Keep a copy in a safe place: without it the quarantined originals cannot be "
		    "read.\n") : _("sekisho: new key written to %s (mode 0600).  Keep a copy in a "
		    "safe place: without it the quarantined originals cannot be read.\n"), path);
	buf_free(&err);
	return r;
}

/* ------------------------------------------------------------- dispatch */

int
cmd_quarantine(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *sub, *outfile = NULL;
	struct store *s = NULL;
	int c, r, subc;
	char **subv;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	sub = argv[optind];
	subc = argc - optind;
	subv = argv + optind;
	if (strcmp(sub, "keygen") == 0)
		return q_keygen(config, subc, subv);
	if (strcmp(sub, "list") == 0)
		return q_list(config, subc, subv);
	if (strcmp(sub, "show") == 0 && subc == 2) {
		if ((r = open_store(config, 0, 0, &s)) == 0)
			r = q_show(s, subv[1]);
	} else if (strcmp(sub, "export") == 0) {
		static const struct option exopts[] = {
			{ "reason", required_argument, NULL, 'r' },
			{ "by", required_argument, NULL, 'b' },
			{ NULL, 0, NULL, 0 },
		};
		const char *reason = NULL, *by = NULL;

		optind = 0;	/* options may follow the id: "export ID -o FILE" */
		while ((c = getopt_long(subc, subv, "o:", exopts, NULL)) != -1) {
			switch (c) {
			case 'o': outfile = optarg; break;
			case 'r': reason = optarg; break;
			case 'b': by = optarg; break;
			default: usage(stderr); return EXIT_USAGE;
			}
		}
		if (outfile == NULL || subc - optind != 1) {
			usage(stderr);
			return EXIT_USAGE;
		}
		if (reason == NULL || !text_ok(reason, REASON_MAX)) {
			fprintf(stderr, _("sekisho: quarantine export: %s (why the original "
			    "leaves the quarantine: it is recorded with who and when; at most %d "
			    "bytes of text, no control characters)\n"), reason == NULL ?
			    _("--reason is needed") : _("--reason is not a usable text"), REASON_MAX);
			return EXIT_USAGE;
		}
		if (by != NULL && !text_ok(by, BY_MAX)) {
			fprintf(stderr, _("sekisho: quarantine export: --by is not a usable name (at "
			    "most %d bytes of text, no control characters)\n"), BY_MAX);
			return EXIT_USAGE;
		}
		return q_export(config, subv[optind], outfile, reason, by);
	} else if (strcmp(sub, "import") == 0 && subc == 3) {
		if ((r = open_store(config, 1, 1, &s)) == 0)
			r = q_import(s, subv[1], subv[2]);
	} else if (strcmp(sub, "verify") == 0 && subc == 1) {
		if ((r = open_store(config, 1, 0, &s)) == 0)
			r = q_verify(s);
	} else if (strcmp(sub, "expire") == 0 && subc == 1) {
		if ((r = open_store(config, 0, 0, &s)) == 0)
			r = q_expire(s);
	} else if (strcmp(sub, "help") == 0 || strcmp(sub, "--help") == 0) {
		usage(stdout);
		return 0;
	} else {
		usage(stderr);
		return EXIT_USAGE;
	}
	store_close(s);
	return r;
}
