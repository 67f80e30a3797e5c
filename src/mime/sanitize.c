/*
 * sanitize - the pipeline for one mail message.  See sanitize.h.
 */
#include "mime/sanitize.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gmime/gmime.h>
#include <libxml/parser.h>

#include "cdr/cdr.h"
#include "cdr/mailtype.h"
#include "core/digest.h"
#include "core/xalloc.h"
#include "mime/ambiguity.h"
#include "mime/compose.h"
#include "mime/headers.h"
#include "mime/notice.h"
#include "mime/walk.h"
#include "receipt/receipt.h"
#include "text/charset.h"

#define HEADER_VALUE_MAX (256 * 1024)	/* one decoded header value */
#define MBOX_FROM_MAX 64		/* an mbox envelope line we write */

static int mail_as_file(struct cdr_ctx *c, int mbox, const unsigned char *in, size_t len,
    struct buf *out, struct cdr_result *r);

/* Libraries must not print: the parent owns the terminal and the logs. */
static void
quiet_xml(void *ctx, const char *msg, ...)
{
}

static void
quiet_glib(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
}

void
sanitize_init(void)
{
	/*
	 * Items are parsed one after another by a long-lived worker: keep freed
	 * memory for the next item instead of returning large blocks to the
	 * kernel and faulting fresh zeroed pages in again (about a tenth of the
	 * time on typical mail).  memory_limit still bounds the total.
	 */
	mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
	g_mime_init();
	xmlSetGenericErrorFunc(NULL, quiet_xml);
	g_log_set_default_handler(quiet_glib, NULL);
	charset_init();
	digest_init();
	xmlInitParser();
	cdr_set_mail(mail_as_file);	/* messages found as files are sanitised here */
}

static const char *
warning_code(GMimeParserWarning w, int *critical)
{
	*critical = 0;
	switch (w) {
	case GMIME_WARN_DUPLICATED_HEADER: return "duplicated-header";
	case GMIME_WARN_DUPLICATED_PARAMETER: return "duplicated-parameter";
	case GMIME_WARN_UNENCODED_8BIT_HEADER: return "unencoded-8bit-header";
	case GMIME_WARN_INVALID_CONTENT_TYPE: return "invalid-content-type";
	case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE: return "invalid-rfc2047-header";
	case GMIME_WARN_MALFORMED_MULTIPART: return "malformed-multipart";
	case GMIME_WARN_TRUNCATED_MESSAGE: return "truncated-message";
	case GMIME_WARN_MALFORMED_MESSAGE: return "malformed-message";
	case GMIME_WARN_INVALID_PARAMETER: return "invalid-parameter";
	case GMIME_WARN_INVALID_ADDRESS_LIST: return "invalid-address-list";
	case GMIME_WARN_PART_WITHOUT_CONTENT: return "part-without-content";
	case GMIME_CRIT_INVALID_HEADER_NAME: *critical = 1; return "invalid-header-name";
	case GMIME_CRIT_CONFLICTING_HEADER: *critical = 1; return "conflicting-header";
	case GMIME_CRIT_CONFLICTING_PARAMETER: *critical = 1; return "conflicting-parameter";
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: *critical = 1; return "multipart-without-boundary";
	case GMIME_CRIT_NESTING_OVERFLOW: *critical = 1; return "nesting-overflow";
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: *critical = 1; return "part-without-headers-or-content";
	}
	*critical = 1;
	return "unknown-parser-warning";
}

/*
 * Where ambiguity is counted.  A critical warning in the top-level header
 * block always counts; one in the body counts unless the message is a
 * delivery report, whose returned copy of the original is often cut or
 * re-wrapped by the bouncing MTA (and is only ever shown as text).
 */
struct parse_ctx {
	struct receipt *rc;
	long long header_end;	/* offset of the blank line ending the headers */
	int top_critical;
	int body_critical;
	struct ambiguity amb;	/* the critical reports, in kinds */
};

/* Repeated headers that change what a reader sees or how the MIME is read. */
static int
conflict_matters(const char *header)
{
	static const char *const names[] = {
		"From", "Sender", "Reply-To", "To", "Cc", "Subject", "MIME-Version", NULL
	};

	if (header == NULL || g_ascii_strncasecmp(header, "Content-", 8) == 0)
		return 1;
	for (int i = 0; names[i] != NULL; i++) {
		if (g_ascii_strcasecmp(header, names[i]) == 0)
			return 1;
	}
	return 0;
}

static void
on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data)
{
	struct parse_ctx *pc = data;
	int crit;
	const char *name = warning_code(code, &crit);
	char detail[256];

	if (code == GMIME_CRIT_CONFLICTING_HEADER && !conflict_matters(item))
		crit = 0;
	/* an mbox envelope line among the headers: every reader skips it */
	if (code == GMIME_CRIT_INVALID_HEADER_NAME && item != NULL &&
	    strncmp(item, "From ", 5) == 0)
		crit = 0;
	snprintf(detail, sizeof detail, "%s%s", crit ? "critical: " : "",
	    item != NULL ? item : "");
	receipt_anomaly(pc->rc, name, detail, (long long)offset);
	if (!crit)
		return;
	ambiguity_report(&pc->amb, pc->rc, code, item, (long long)offset);
	if (offset < 0 || offset <= pc->header_end)
		pc->top_critical++;
	else
		pc->body_critical++;
}

/*
 * Checks on the raw bytes before any parser sees them: the header block and
 * line length.  Returns the limit name hit, or NULL.
 */
static const char *
prescan(const struct policy *pol, const unsigned char *m, size_t len, size_t *value,
    size_t *header_end)
{
	size_t line = 0, hdr_end = len;
	const unsigned char *p = m, *end = m + len;

	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n > line)
			line = n;
		if (hdr_end == len && (n == 0 || (n == 1 && p[0] == '\r')))
			hdr_end = (size_t)(p - m);
		p += n + 1;
	}
	*header_end = hdr_end;
	if (line > pol->lim.line_bytes) {
		*value = pol->lim.line_bytes;
		return "line_length_limit";
	}
	if (hdr_end > pol->lim.header_bytes) {
		*value = pol->lim.header_bytes;
		return "header_size_limit";
	}
	return NULL;
}

struct kept_header {
	const char *name;
	enum hkind kind;
	enum hdr_mode mode;
};

/*
 * Received: only the first, and only when sekishod's own listener received
 * the message (it prepends that field: see keep_received()), unfolded and
 * printable ASCII or dropped.  Every other Received field is the claim of a
 * host on the internet, any of which the sender may have written; they stay
 * in the quarantined original.  In front of the milter the MTA adds its own
 * trace field after the milter (Postfix does not show it to milters).
 */
static const struct kept_header kept[] = {
	{ "Received", HK_ASCII, HDR_TEXT },
	{ "Date", HK_ASCII, HDR_TEXT },
	{ "From", HK_ADDR, HDR_PHRASE },
	{ "To", HK_ADDR, HDR_PHRASE },
	{ "Cc", HK_ADDR, HDR_PHRASE },
	{ "Reply-To", HK_ADDR, HDR_PHRASE },
	{ "Subject", HK_TEXT, HDR_TEXT },
	{ "Message-ID", HK_ASCII, HDR_TEXT },
	{ "In-Reply-To", HK_ASCII, HDR_TEXT },
	{ "References", HK_ASCII, HDR_TEXT },
};

/* Decode one top-level header; record it in the receipt's input summary. */
static int
decode_top(GMimeObject *msg, struct receipt *rc, const char *name,
    enum hdr_mode mode, int ascii_only, struct buf *v)
{
	struct hdr_info hi;

	if (ascii_only) {
		const char *raw = header_raw(msg, name);

		if (raw == NULL)
			return -1;
		/* Structured ASCII headers are unfolded, never decoded. */
		for (const char *p = raw; *p != '\0'; p++) {
			if (*p == '\r' || *p == '\n')
				continue;
			buf_putc(v, *p == '\t' ? ' ' : *p);
		}
		while (v->len > 0 && v->data[0] == ' ') {
			memmove(v->data, v->data + 1, v->len);
			v->len--;
		}
		return 0;
	}
	if (header_decoded(msg, name, mode, v, &hi) != 0)
		return -1;
	if (hi.bad_bytes > 0) {
		char d[128];

		snprintf(d, sizeof d, "%s: %zu undecodable byte(s)", name, hi.bad_bytes);
		receipt_anomaly(rc, "undecodable-header-text", d, -1);
	}
	return 0;
}

/* Is the first Received field sekishod's own?  Only when its listener took the message. */
static int
keep_received(const struct receipt_envelope *env)
{
	return env != NULL && env->protocol[0] != '\0' && strcmp(env->protocol, "milter") != 0;
}

/*
 * Whether keep_headers entry i names a field the sanitised message has
 * already: one kept above, the MIME fields and X-Sekisho-Sanitized that
 * sekisho writes, or an earlier entry.  Each field appears once
 * (config.c refuses such names too; this holds for any policy).
 */
static int
written_anyway(const struct policy *pol, size_t i)
{
	const char *name = pol->keep_headers[i];

	if (strncasecmp(name, "Content-", 8) == 0 || strcasecmp(name, "MIME-Version") == 0 ||
	    strncasecmp(name, "X-Sekisho-", 10) == 0)
		return 1;
	for (size_t k = 0; k < sizeof kept / sizeof kept[0]; k++) {
		if (strcasecmp(name, kept[k].name) == 0)
			return 1;
	}
	for (size_t j = 0; j < i; j++) {
		if (strcasecmp(name, pol->keep_headers[j]) == 0)
			return 1;
	}
	return 0;
}

static void
compose_headers(const struct policy *pol, GMimeObject *msg, struct receipt *rc,
    int own_received, struct buf *out)
{
	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
		struct buf v;

		if (!own_received && strcasecmp(kept[i].name, "Received") == 0)
			continue;
		buf_init(&v, HEADER_VALUE_MAX);
		if (decode_top(msg, rc, kept[i].name, kept[i].mode,
		    kept[i].kind == HK_ASCII, &v) == 0) {
			if (strcasecmp(kept[i].name, "From") == 0)
				receipt_set(&rc->in.from, buf_str(&v));
			else if (strcasecmp(kept[i].name, "To") == 0)
				receipt_set(&rc->in.to, buf_str(&v));
			else if (strcasecmp(kept[i].name, "Subject") == 0)
				receipt_set(&rc->in.subject, buf_str(&v));
			else if (strcasecmp(kept[i].name, "Message-ID") == 0)
				receipt_set(&rc->in.message_id, buf_str(&v));
			if (compose_header(out, kept[i].name, buf_str(&v), kept[i].kind,
			    pol->out_charset) != 0)
				receipt_anomaly(rc, "header-dropped", kept[i].name, -1);
		}
		buf_free(&v);
	}
	for (size_t i = 0; i < pol->n_keep_headers; i++) {
		struct buf v;

		if (written_anyway(pol, i))
			continue;
		buf_init(&v, HEADER_VALUE_MAX);
		if (decode_top(msg, rc, pol->keep_headers[i], HDR_TEXT, 0, &v) == 0)
			compose_header(out, pol->keep_headers[i], buf_str(&v), HK_TEXT,
			    pol->out_charset);
		buf_free(&v);
	}
}

static int
finish_withheld(struct receipt *rc, struct buf *out)
{
	buf_reset(out);
	rc->has_output = 0;
	return SANITIZE_WITHHELD;
}

/*
 * One message under base (policy, the nesting around it, archive totals,
 * item id): the sanitised message into out, everything into rc (which the
 * caller made and frees).  SANITIZE_OK or SANITIZE_WITHHELD.
 */
static int
sanitize_message(const struct cdr_ctx *base, const struct receipt_envelope *env,
    const unsigned char *msg, size_t len, struct buf *out, struct receipt *rc)
{
	const struct policy *pol = base->pol;
	struct parse_ctx pc;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeParserOptions *opts;
	GMimeObject *root;
	struct walker w;
	struct buf text;
	unsigned char *lf = NULL;
	const char *lim;
	size_t limval = 0, hdr_end = 0;
	char xh[256];

	memcpy(rc->policy_digest, pol->digest, sizeof rc->policy_digest);
	sha256_hex(msg, len, rc->in.sha256);
	rc->in.bytes = len;

	if (len > pol->lim.message_bytes) {
		receipt_limit(rc, "message_size_limit", pol->lim.message_bytes, NULL);
		receipt_withhold(rc, "message_size_limit", "the message is larger than message_size_limit");
		return finish_withheld(rc, out);
	}
	/* Line ends first: an mbox line or a limit is found in lines. */
	if ((lf = mime_cr_only_to_lf(msg, len)) != NULL) {
		receipt_anomaly(rc, "cr-line-endings", "CR-only line endings read as LF", -1);
		msg = lf;
	}
	/* An mbox envelope line ("From sender date") is not a header. */
	if (len > 5 && memcmp(msg, "From ", 5) == 0) {
		const unsigned char *nl = memchr(msg, '\n', len);

		if (nl != NULL) {
			receipt_anomaly(rc, "mbox-from-line", "leading mbox From_ line skipped", 0);
			len -= (size_t)(nl + 1 - msg);
			msg = nl + 1;
		}
	}
	if ((lim = prescan(pol, msg, len, &limval, &hdr_end)) != NULL) {
		free(lf);
		receipt_limit(rc, lim, limval, NULL);
		receipt_withhold(rc, lim, "raw message exceeds a limit before parsing");
		return finish_withheld(rc, out);
	}

	memset(&pc, 0, sizeof pc);
	ambiguity_init(&pc.amb);
	pc.rc = rc;
	pc.header_end = (long long)hdr_end;
	stream = g_mime_stream_mem_new_with_buffer((const char *)msg, len);
	parser = g_mime_parser_new_with_stream(stream);
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(opts, on_warning, &pc);
	/*
	 * The top-level entity, not a GMimeMessage: sekisho decodes headers
	 * itself from their raw values, so GMime's own address parsing and
	 * header decoding of the message would be work done twice.
	 */
	root = g_mime_parser_construct_part(parser, opts);
	g_object_unref(parser);
	g_object_unref(stream);
	free(lf);
	if (root == NULL) {
		g_mime_parser_options_free(opts);
		receipt_withhold(rc, "parse-failed", "GMime could not construct a message");
		return finish_withheld(rc, out);
	}

	walk_init(&w, pol, rc);
	w.amb = &pc.amb;
	w.cdr = *base;
	w.cdr.inner = NULL;
	walk_entity(&w, root, "1", base->mime_depth + 1);
	walk_finish(&w);	/* encoded files out of the body text */
	buf_init(&text, pol->lim.text_bytes + 64 * 1024);
	/* Headers first: they fill the receipt's input summary. */
	compose_headers(pol, root, rc, keep_received(env), out);
	g_object_unref(root);
	g_mime_parser_options_free(opts);

	/*
	 * Ambiguity.  Only sekisho's rebuild is ever delivered, so by default it
	 * is delivered as read, its kinds named in the notice; a limit (GMime's
	 * own nesting ceiling) and a report this code does not know withhold.
	 */
	pc.body_critical += (int)(pc.amb.inner_prefix + pc.amb.outer_prefix);
	ambiguity_finish(&pc.amb, rc);
	if (pc.amb.nesting_overflow) {
		receipt_limit(rc, "mime_nesting_limit", pol->lim.nesting, NULL);
		receipt_withhold(rc, "mime_nesting_limit",
		    "the message nests deeper than the MIME parser reads (1024 levels)");
	} else if (pc.amb.unknown)
		receipt_withhold(rc, "ambiguous-structure",
		    "the parser reported an irregularity sekisho does not know");
	else if (pol->on_ambiguous == AMBIG_WITHHOLD &&
	    (pc.top_critical > 0 || (pc.body_critical > 0 && !w.is_report)))
		receipt_withhold(rc, "ambiguous-structure",
		    "the parser reported input that other software could read differently");
	else if (pc.top_critical + pc.body_critical > 0)
		rc->rebuilt_ambiguous = 1;
	if (rc->verdict == VERDICT_WITHHELD) {
		walk_free(&w);
		buf_free(&text);
		return finish_withheld(rc, out);
	}

	receipt_set(&rc->body_source, w.saw_html && !w.saw_plain ? "text/html" :
	    w.saw_plain ? "text/plain" : "none");
	buf_reserve(&text, w.body.len + 4096);
	notice_render(rc, pol->lang, pol->console_url, &text);
	buf_append(&text, buf_str(&w.body), w.body.len);

	buf_reserve(out, text.len / 3 * 4 + text.len / 57 + 1024);
	snprintf(xh, sizeof xh, "X-Sekisho-Sanitized: %s; policy=%.16s\n", rc->id, rc->policy_digest);
	buf_puts(out, xh);
	if (compose_body_mixed(out, buf_str(&text), text.len, pol->out_charset, w.kept, w.nkept,
	    rc->id) != 0) {
		walk_free(&w);
		buf_free(&text);
		receipt_limit(rc, "text_size_limit", pol->lim.text_bytes, NULL);
		receipt_withhold(rc, "text_size_limit", "the sanitised message is too large");
		return finish_withheld(rc, out);
	}
	walk_free(&w);
	buf_free(&text);
	rc->has_output = 1;
	sha256_hex(out->data, out->len, rc->out.sha256);
	rc->out.bytes = out->len;
	return SANITIZE_OK;
}

int
sanitize_mail_env(const struct policy *pol, const char *id, long long time,
    const struct receipt_envelope *env, const unsigned char *msg, size_t len,
    struct buf *out, struct buf *rjson)
{
	struct cdr_ctx base = { .pol = pol, .id = id, .time = time };
	struct receipt rc;
	int st;

	receipt_init(&rc, id, time);
	receipt_set_envelope(&rc, env);
	st = sanitize_message(&base, env, msg, len, out, &rc);
	receipt_json(&rc, rjson);
	receipt_free(&rc);
	return st;
}

int
sanitize_mail(const struct policy *pol, const char *id, long long time,
    const unsigned char *msg, size_t len, struct buf *out, struct buf *rjson)
{
	return sanitize_mail_env(pol, id, time, NULL, msg, len, out, rjson);
}

/* ---- messages found as files ------------------------------------------- */

/*
 * What happened to the parts of a message sanitised inside a file, in the
 * file's result: every part not shown or kept is listed as "message-part"
 * ("[label ]path name (reason)"), so an archive or a notice can say it.
 */
static void
summarise_parts(const struct receipt *rc, const char *label, struct cdr_result *r)
{
	struct buf one;

	buf_init(&one, CDR_NAMES_MAX);
	for (size_t i = 0; i < rc->nparts; i++) {
		const struct receipt_part *p = &rc->parts[i];

		if (p->action == NULL || (strcmp(p->action, ACT_REMOVED) != 0 &&
		    strcmp(p->action, ACT_WITHHELD) != 0) || p->reason == NULL ||
		    strcmp(p->reason, "alternative-not-shown") == 0)
			continue;
		buf_reset(&one);
		buf_printf(&one, "%s%s%s %.200s (%s)", label ? label : "", label ? " " : "", p->path,
		    p->filename != NULL ? p->filename : "-", p->reason);
		cdr_removed(r, "message-part", buf_str(&one));
	}
	buf_free(&one);
}

/* One message of a file: sanitised into out.  CDR_OK, or CDR_WITHHELD with r set. */
static int
one_message(struct cdr_ctx *c, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r, const char *label)
{
	struct receipt rc;
	int st;

	receipt_init(&rc, c->id != NULL ? c->id : "-", c->time);
	st = sanitize_message(c, NULL, in, len, out, &rc);
	summarise_parts(&rc, label, r);
	if (c->inner != NULL)
		receipt_merge_parts(c->inner, &rc, label != NULL ? label + 1 : "1");
	if (st != SANITIZE_OK) {
		const char *why = rc.reason != NULL ? rc.reason : "internal";

		if (rc.nlimits > 0 && strcmp(rc.limits[0].name, why) == 0)
			cdr_limit(r, why, rc.limits[0].limit, "the message%s%s is withheld: %s",
			    label ? " " : "", label ? label : "", rc.detail ? rc.detail : why);
		else
			cdr_withhold(r, why, "the message%s%s is withheld: %s", label ? " " : "",
			    label ? label : "", rc.detail ? rc.detail : why);
	}
	receipt_free(&rc);
	return st == SANITIZE_OK ? CDR_OK : CDR_WITHHELD;
}

/*
 * The cdr hook (cdr_set_mail): a message (.eml) comes out as the sanitised
 * message; an mbox as an mbox of its sanitised messages, each after a "From "
 * line we write ("From - " and the item's time), those withheld left out
 * and listed ("message"), withheld whole when none is left.  Every message
 * counts against mime_part_limit.
 */
static int
mail_as_file(struct cdr_ctx *c, int mbox, const unsigned char *in, size_t len,
    struct buf *out, struct cdr_result *r)
{
	const struct limits *lim = &c->pol->lim;
	struct cdr_result mr;
	struct buf one;
	char from[MBOX_FROM_MAX], label[32];
	size_t pos = 0, start, end, n = 0, nkept = 0;
	struct tm tm;
	time_t t = (time_t)c->time;
	int rc = CDR_OK;

	r->kind = "message";
	snprintf(r->method, sizeof r->method, "mail");
	r->out_type = mbox ? "application/mbox" : "message/rfc822";
	r->out_ext = mbox ? ".mbox" : ".eml";
	if (!mbox) {
		rc = one_message(c, in, len, out, r, NULL);
		r->pages = 1;
		return rc;
	}
	gmtime_r(&t, &tm);
	strftime(from, sizeof from, "From - %a %b %e %H:%M:%S %Y\n", &tm);
	buf_init(&one, out->max);
	buf_reset(out);
	while (mailtype_mbox_next(in, len, &pos, &start, &end)) {
		if (++n > lim->parts) {
			buf_free(&one);
			buf_reset(out);
			return cdr_limit(r, "mime_part_limit", lim->parts,
			    "the mbox has more than %zu messages", lim->parts);
		}
		snprintf(label, sizeof label, "#%zu", n);
		memset(&mr, 0, sizeof mr);
		buf_reset(&one);
		if (one_message(c, in + start, end - start, &one, &mr, label) != CDR_OK) {
			char what[CDR_REASON_MAX + 40];

			for (size_t i = 0; i < mr.nremoved; i++)
				cdr_removed_n(r, mr.removed[i].what, mr.removed[i].names,
				    mr.removed[i].count);
			if (strcmp(mr.reason, "signature-match") == 0) {
				rc = cdr_withhold(r, "signature-match", "%s", mr.detail);
				break;
			}
			snprintf(what, sizeof what, "%s (%s)", label, mr.reason);
			cdr_removed(r, "message", what);
			continue;
		}
		for (size_t i = 0; i < mr.nremoved; i++)
			cdr_removed_n(r, mr.removed[i].what, mr.removed[i].names, mr.removed[i].count);
		if (buf_puts(out, from) != 0 || buf_append(out, one.data, one.len) != 0 ||
		    buf_puts(out, "\n") != 0) {
			rc = cdr_limit(r, "file_output_size_limit", out->max,
			    "the sanitised mbox is larger than %zu bytes", out->max);
			break;
		}
		nkept++;
	}
	buf_free(&one);
	if (rc == CDR_OK && nkept == 0)
		rc = cdr_withhold(r, "nothing-left", "no message of the mbox could be sanitised");
	if (rc != CDR_OK)
		buf_reset(out);
	r->pages = nkept;
	return rc;
}
