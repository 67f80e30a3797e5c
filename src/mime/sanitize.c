/*
 * sanitize - the pipeline for one mail message.  See sanitize.h.
 */
#include "mime/sanitize.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <libxml/parser.h>

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

/* Old Mac mail ends lines in CR alone; GMime needs LF. */
static unsigned char *
cr_only_to_lf(const unsigned char *m, size_t len)
{
	unsigned char *copy;

	if (memchr(m, '\n', len) != NULL || memchr(m, '\r', len) == NULL)
		return NULL;
	copy = xmalloc(len);
	for (size_t i = 0; i < len; i++)
		copy[i] = m[i] == '\r' ? '\n' : m[i];
	return copy;
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
finish_withheld(struct receipt *rc, struct buf *out, struct buf *rjson)
{
	buf_reset(out);
	rc->has_output = 0;
	receipt_json(rc, rjson);
	receipt_free(rc);
	return SANITIZE_WITHHELD;
}

int
sanitize_mail(const struct policy *pol, const char *id, long long time,
    const unsigned char *msg, size_t len, struct buf *out, struct buf *rjson)
{
	return sanitize_mail_env(pol, id, time, NULL, msg, len, out, rjson);
}

int
sanitize_mail_env(const struct policy *pol, const char *id, long long time,
    const struct receipt_envelope *env, const unsigned char *msg, size_t len,
    struct buf *out, struct buf *rjson)
{
	struct receipt rc;
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

	receipt_init(&rc, id, time);
	receipt_set_envelope(&rc, env);
	memcpy(rc.policy_digest, pol->digest, sizeof rc.policy_digest);
	sha256_hex(msg, len, rc.in.sha256);
	rc.in.bytes = len;

	if (len > pol->lim.message_bytes) {
		receipt_limit(&rc, "message_size_limit", pol->lim.message_bytes, NULL);
		receipt_withhold(&rc, "message_size_limit", "the message is larger than message_size_limit");
		return finish_withheld(&rc, out, rjson);
	}
	/* Line ends first: an mbox line or a limit is found in lines. */
	if ((lf = cr_only_to_lf(msg, len)) != NULL) {
		receipt_anomaly(&rc, "cr-line-endings", "CR-only line endings read as LF", -1);
		msg = lf;
	}
	/* An mbox envelope line ("From sender date") is not a header. */
	if (len > 5 && memcmp(msg, "From ", 5) == 0) {
		const unsigned char *nl = memchr(msg, '\n', len);

		if (nl != NULL) {
			receipt_anomaly(&rc, "mbox-from-line", "leading mbox From_ line skipped", 0);
			len -= (size_t)(nl + 1 - msg);
			msg = nl + 1;
		}
	}
	if ((lim = prescan(pol, msg, len, &limval, &hdr_end)) != NULL) {
		free(lf);
		receipt_limit(&rc, lim, limval, NULL);
		receipt_withhold(&rc, lim, "raw message exceeds a limit before parsing");
		return finish_withheld(&rc, out, rjson);
	}

	memset(&pc, 0, sizeof pc);
	ambiguity_init(&pc.amb);
	pc.rc = &rc;
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
		receipt_withhold(&rc, "parse-failed", "GMime could not construct a message");
		return finish_withheld(&rc, out, rjson);
	}

	walk_init(&w, pol, &rc);
	w.amb = &pc.amb;
	walk_entity(&w, root, "1", 1);
	buf_init(&text, pol->lim.text_bytes + 64 * 1024);
	/* Headers first: they fill the receipt's input summary. */
	compose_headers(pol, root, &rc, keep_received(env), out);
	g_object_unref(root);
	g_mime_parser_options_free(opts);

	/*
	 * Ambiguity.  Only sekisho's rebuild is ever delivered, so by default it
	 * is delivered as read, its kinds named in the notice; a limit (GMime's
	 * own nesting ceiling) and a report this code does not know withhold.
	 */
	pc.body_critical += (int)(pc.amb.inner_prefix + pc.amb.outer_prefix);
	ambiguity_finish(&pc.amb, &rc);
	if (pc.amb.nesting_overflow) {
		receipt_limit(&rc, "mime_nesting_limit", pol->lim.nesting, NULL);
		receipt_withhold(&rc, "mime_nesting_limit",
		    "the message nests deeper than the MIME parser reads (1024 levels)");
	} else if (pc.amb.unknown)
		receipt_withhold(&rc, "ambiguous-structure",
		    "the parser reported an irregularity sekisho does not know");
	else if (pol->on_ambiguous == AMBIG_WITHHOLD &&
	    (pc.top_critical > 0 || (pc.body_critical > 0 && !w.is_report)))
		receipt_withhold(&rc, "ambiguous-structure",
		    "the parser reported input that other software could read differently");
	else if (pc.top_critical + pc.body_critical > 0)
		rc.rebuilt_ambiguous = 1;
	if (rc.verdict == VERDICT_WITHHELD) {
		walk_free(&w);
		buf_free(&text);
		return finish_withheld(&rc, out, rjson);
	}

	receipt_set(&rc.body_source, w.saw_html && !w.saw_plain ? "text/html" :
	    w.saw_plain ? "text/plain" : "none");
	buf_reserve(&text, w.body.len + 4096);
	notice_render(&rc, pol->lang, &text);
	buf_append(&text, buf_str(&w.body), w.body.len);

	buf_reserve(out, text.len / 3 * 4 + text.len / 57 + 1024);
	snprintf(xh, sizeof xh, "X-Sekisho-Sanitized: %s; policy=%.16s\n", rc.id, rc.policy_digest);
	buf_puts(out, xh);
	if (compose_body_mixed(out, buf_str(&text), text.len, pol->out_charset, w.kept, w.nkept,
	    rc.id) != 0) {
		walk_free(&w);
		buf_free(&text);
		receipt_limit(&rc, "text_size_limit", pol->lim.text_bytes, NULL);
		receipt_withhold(&rc, "text_size_limit", "the sanitised message is too large");
		return finish_withheld(&rc, out, rjson);
	}
	walk_free(&w);
	buf_free(&text);
	rc.has_output = 1;
	sha256_hex(out->data, out->len, rc.out.sha256);
	rc.out.bytes = out->len;
	receipt_json(&rc, rjson);
	receipt_free(&rc);
	return SANITIZE_OK;
}
