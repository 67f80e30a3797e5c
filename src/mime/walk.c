/*
 * walk - per-part decisions over the GMime tree.  See walk.h.
 */
#include "mime/walk.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cdr/cdr.h"
#include "cdr/encblock.h"
#include "cdr/item.h"
#include "cdr/mailtype.h"
#include "cdr/sniff.h"
#include "core/digest.h"
#include "core/xalloc.h"
#include "mime/ambiguity.h"
#include "mime/headers.h"
#include "mime/params.h"
#include "text/charset.h"
#include "text/flowed.h"
#include "text/fname.h"
#include "text/html.h"

#define PATH_MAX_LEN 256
#define TYPE_MAX 128

/* Types shown as text in the body (when not attached with a file name). */
static int
is_body_text_type(const char *type)
{
	return strcmp(type, "text/plain") == 0 || strcmp(type, "text/html") == 0 ||
	    strcmp(type, "text/rfc822-headers") == 0 ||
	    strcmp(type, "message/delivery-status") == 0 ||
	    strcmp(type, "message/global-delivery-status") == 0 ||
	    strcmp(type, "message/disposition-notification") == 0 ||
	    strcmp(type, "message/feedback-report") == 0 ||
	    strcmp(type, "text/enriched") == 0 || strcmp(type, "text/richtext") == 0 ||
	    strcmp(type, "text/x-aol") == 0;
}

void
walk_init(struct walker *w, const struct policy *pol, struct receipt *rc)
{
	memset(w, 0, sizeof *w);
	w->pol = pol;
	w->cdr.pol = pol;
	w->rc = rc;
	buf_init(&w->body, pol->lim.text_bytes);
}

void
walk_free(struct walker *w)
{
	buf_free(&w->body);
	for (size_t i = 0; i < w->nkept; i++) {
		free(w->kept[i].name);
		free(w->kept[i].data);
	}
	free(w->kept);
	for (size_t i = 0; i < w->nsections; i++)
		free(w->sections[i].path);
	free(w->sections);
}

/* The body text from here on is part path's (bounded: one per part). */
static void
section_mark(struct walker *w, const char *path)
{
	w->sections = xrealloc(w->sections, (w->nsections + 1) * sizeof *w->sections);
	w->sections[w->nsections].off = w->body.len;
	w->sections[w->nsections].path = xstrdup(path);
	w->nsections++;
}

static void
limit_hit(struct walker *w, const char *name, size_t value, const char *path)
{
	char detail[160];

	receipt_limit(w->rc, name, value, path);
	snprintf(detail, sizeof detail, "%s %zu reached at part %s", name, value, path);
	receipt_withhold(w->rc, name, detail);
	w->stopped = 1;
}

/* Separate body sections by one blank line. */
static void
body_section(struct walker *w)
{
	struct buf *b = &w->body;

	if (b->len == 0)
		return;
	if (b->data[b->len - 1] != '\n')
		buf_putc(b, '\n');
	if (b->len >= 2 && b->data[b->len - 2] != '\n')
		buf_putc(b, '\n');
}

static void
body_append(struct walker *w, const char *s, size_t n, const char *path)
{
	if (w->stopped)
		return;
	if (buf_append(&w->body, s, n) != 0)
		limit_hit(w, "text_size_limit", w->pol->lim.text_bytes, path);
}

/*
 * Plain text into the body: line endings to LF, control characters other
 * than tab and newline dropped, a leading BOM dropped.
 */
static void
body_plain(struct walker *w, const char *s, size_t n, const char *path)
{
	size_t i = 0, start = 0;

	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = start = 3;
	for (; i < n && !w->stopped; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != 0x7f)
			continue;
		if (c == '\n' || c == '\t')
			continue;
		body_append(w, s + start, i - start, path);
		if (c == '\r') {
			if (i + 1 >= n || s[i + 1] != '\n')
				body_append(w, "\n", 1, path);
		}
		start = i + 1;
	}
	body_append(w, s + start, n - start, path);
	if (w->body.len > 0 && w->body.data[w->body.len - 1] != '\n')
		body_append(w, "\n", 1, path);
}

static void
record_filename(struct walker *w, GMimeObject *obj, struct receipt_part *rp)
{
	const char *cd = header_raw(obj, "Content-Disposition");
	const char *ct = header_raw(obj, "Content-Type");
	struct buf name, shown, flags;
	struct param_info pi;
	int found = 0;

	buf_init(&name, 4096);
	if (cd != NULL)
		found = param_get(cd, strlen(cd), "filename", &name, &pi);
	if (!found && ct != NULL)
		found = param_get(ct, strlen(ct), "name", &name, &pi);
	if (!found) {
		buf_free(&name);
		return;
	}
	if (pi.conflicting)
		receipt_anomaly(w->rc, "conflicting-filename", rp->path, -1);
	rp->undecodable_bytes += pi.hdr.bad_bytes;
	buf_init(&shown, FNAME_DISPLAY_MAX * 4 + 16);
	buf_init(&flags, 256);
	fname_flags_str(fname_display(buf_str(&name), name.len, &shown), &flags);
	rp->filename = xstrdup(buf_str(&shown));
	if (flags.len > 0)
		rp->filename_flags = xstrdup(buf_str(&flags));
	buf_free(&name);
	buf_free(&shown);
	buf_free(&flags);
}

static void
add_flag(struct receipt_part *rp, const char *flag)
{
	struct buf b;

	buf_init(&b, 1024);
	if (rp->filename_flags != NULL)
		buf_printf(&b, "%s,", rp->filename_flags);
	buf_puts(&b, flag);
	receipt_set(&rp->filename_flags, buf_str(&b));
	buf_free(&b);
}

/* The charset a text part declares (NULL if none). */
static const char *
declared_charset(GMimeObject *obj)
{
	return g_mime_object_get_content_type_parameter(obj, "charset");
}

/* Bytes [data, data + len) of a text part into the body; first: its first run. */
static void
text_run(struct walker *w, GMimeObject *obj, struct receipt_part *rp,
    const char *type, const unsigned char *data, size_t len, int first)
{
	const char *label = declared_charset(obj);
	char meta[CHARSET_NAME_MAX];
	struct charset_info ci;
	struct buf utf8;

	if (label == NULL && strcmp(type, "text/html") == 0 &&
	    html_meta_charset((const char *)data, len, meta, sizeof meta))
		label = meta;
	receipt_set(&rp->charset, label);
	buf_init(&utf8, w->pol->lim.text_bytes);
	buf_reserve(&utf8, len + len / 2 + 16);
	if (charset_decode(label, data, len, &utf8, &ci) != 0) {
		limit_hit(w, "text_size_limit", w->pol->lim.text_bytes, rp->path);
		buf_free(&utf8);
		return;
	}
	receipt_set(&rp->decoded_as, ci.used);
	rp->undecodable_bytes += ci.bad_bytes;
	if (first) {
		body_section(w);
		section_mark(w, rp->path);
	}
	if (strcmp(type, "text/html") == 0) {
		struct html_opts o = {
			.max_depth = w->pol->lim.html_depth,
			.max_nodes = w->pol->lim.html_nodes,
			.show_urls = w->pol->show_urls,
			.defang = w->pol->defang_urls,
			.lang_en = w->pol->lang == LANG_EN,
		};
		struct html_info hi;
		struct buf text;

		buf_init(&text, w->pol->lim.text_bytes);
		buf_reserve(&text, utf8.len / 2 + 256);
		html_to_text(buf_str(&utf8), utf8.len, &o, &text, &hi);
		if (hi.limit_hit != NULL) {
			size_t v = strcmp(hi.limit_hit, "html_depth_limit") == 0 ? o.max_depth :
			    strcmp(hi.limit_hit, "html_node_limit") == 0 ? o.max_nodes :
			    w->pol->lim.text_bytes;

			limit_hit(w, hi.limit_hit, v, rp->path);
		}
		body_append(w, buf_str(&text), text.len, rp->path);
		buf_free(&text);
		rp->action = ACT_CONVERTED;
		receipt_set(&rp->reason, "html-rendered-as-text");
		receipt_set(&rp->rule, "body.html.render");
		w->saw_html = 1;
	} else {
		const char *fmt = g_mime_object_get_content_type_parameter(obj, "format");
		const char *delsp = g_mime_object_get_content_type_parameter(obj, "delsp");

		if (fmt != NULL && g_ascii_strcasecmp(fmt, "flowed") == 0) {
			struct buf unflowed;

			buf_init(&unflowed, w->pol->lim.text_bytes);
			if (flowed_to_text(buf_str(&utf8), utf8.len,
			    delsp != NULL && g_ascii_strcasecmp(delsp, "yes") == 0, &unflowed) != 0)
				limit_hit(w, "text_size_limit", w->pol->lim.text_bytes, rp->path);
			body_plain(w, buf_str(&unflowed), unflowed.len, rp->path);
			buf_free(&unflowed);
		} else
			body_plain(w, buf_str(&utf8), utf8.len, rp->path);
		rp->action = ACT_TEXT;
		receipt_set(&rp->reason, "text-shown");
		receipt_set(&rp->rule, "body.text.show");
		w->saw_plain = 1;
	}
	buf_free(&utf8);
}

static void block_part(struct walker *w, const struct encblock *b, const struct buf *data,
    const char *sec);

/*
 * A text part.  yEnc carries raw bytes that a charset decoder and the text
 * cleaning would change, so in text/plain its blocks are taken out of the
 * part's bytes first (encblock_find_bytes), each a marker line in the body
 * and an attachment of the part; the text around them is shown as usual.
 * Every other encoding is ASCII and is found in the final text (walk_finish).
 */
static void
text_part(struct walker *w, GMimeObject *obj, struct receipt_part *rp,
    const char *type, const GByteArray *ba)
{
	size_t ri = (size_t)(rp - w->rc->parts), from = 0, copied = 0;
	char path[PATH_MAX_LEN];
	struct encblock b;
	struct buf data, shown, mark;
	int first = 1;

	if (strcmp(type, "text/plain") != 0 || ba->len < 8 ||
	    memmem(ba->data, ba->len, "=ybegin ", 8) == NULL) {
		text_run(w, obj, rp, type, ba->data, ba->len, 1);
		return;
	}
	snprintf(path, sizeof path, "%s", rp->path);	/* rp moves as parts are added */
	buf_init(&data, w->pol->lim.file_bytes);
	buf_init(&shown, FNAME_DISPLAY_MAX * 4 + 16);
	buf_init(&mark, FNAME_DISPLAY_MAX * 4 + 256);
	while (!w->stopped && encblock_find_bytes(ba->data, ba->len, from, &b, &data)) {
		if (b.kind != ENCB_YENC) {	/* found again in the text */
			from = b.end;
			buf_reset(&data);
			continue;
		}
		text_run(w, obj, &w->rc->parts[ri], type, ba->data + copied, b.start - copied, first);
		first = 0;
		buf_reset(&shown);
		buf_reset(&mark);
		if (b.name[0] != '\0')
			fname_display(b.name, strlen(b.name), &shown);
		cdr_block_marker(&b, buf_str(&shown), w->pol->lang == LANG_EN, "\n", &mark);
		body_append(w, buf_str(&mark), mark.len, path);
		if (++w->nparts > w->pol->lim.parts) {
			limit_hit(w, "mime_part_limit", w->pol->lim.parts, path);
			break;
		}
		block_part(w, &b, &data, path);
		copied = from = b.end;
		buf_reset(&data);
	}
	if (!w->stopped && (first || copied < ba->len))
		text_run(w, obj, &w->rc->parts[ri], type, ba->data + copied, ba->len - copied, first);
	buf_free(&data);
	buf_free(&shown);
	buf_free(&mark);
}

/*
 * Rebuild an attachment with src/cdr; kept when that succeeds, removed with
 * the sanitiser's reason otherwise.  A YARA signature in an attachment
 * withholds the whole message: it is an attack, not a document.
 */
static void
sanitize_attachment(struct walker *w, struct receipt_part *rp, const unsigned char *data,
    size_t len, size_t depth)
{
	struct cdr_ctx ctx = w->cdr;
	struct cdr_result res;
	struct receipt inner;
	struct buf out, name;
	size_t room = w->pol->lim.file_out_bytes - w->kept_bytes;
	char *path = xstrdup(rp->path);

	memset(&res, 0, sizeof res);
	receipt_init(&inner, w->rc->id, w->rc->time);
	ctx.mime_depth = depth;
	ctx.inner = &inner;
	buf_init(&out, room);
	buf_init(&name, FNAME_DISPLAY_MAX * 4 + 32);
	if (cdr_sanitize(&ctx, rp->filename, data, len, &out, &res) == CDR_OK) {
		struct compose_attachment *a;

		cdr_out_name(rp->filename, res.out_ext, &name);
		cdr_result_to_part(&res, &out, buf_str(&name), rp);
		receipt_set(&rp->rule, "attachments.sanitize");
		w->kept = xrealloc(w->kept, (w->nkept + 1) * sizeof *w->kept);
		a = &w->kept[w->nkept++];
		a->name = buf_steal(&name, NULL);
		a->type = res.out_type != NULL ? res.out_type : "application/octet-stream";
		a->len = out.len;
		a->data = (unsigned char *)buf_steal(&out, NULL);
		w->kept_bytes += a->len;
	} else {
		cdr_result_to_part(&res, NULL, NULL, rp);
		rp->action = ACT_REMOVED;
		receipt_set(&rp->rule, "attachments.sanitize");
		if (strcmp(res.reason, "signature-match") == 0)
			receipt_withhold(w->rc, "signature-match", res.detail);
		if (res.limit_name[0] != '\0')
			receipt_limit(w->rc, res.limit_name, res.limit_value, rp->path);
	}
	rp->is_attachment = 1;
	buf_free(&out);
	buf_free(&name);
	/* a message's parts, under this one's path (rp may move: not used after) */
	receipt_merge_parts(w->rc, &inner, path);
	receipt_free(&inner);
	free(path);
}

static void
attachment_part(struct walker *w, struct receipt_part *rp, const char *type,
    int inline_image, const unsigned char *data, size_t len, size_t depth)
{
	const char *reason = inline_image ? "inline-image" : "attachment-not-sanitised";

	if (!inline_image && w->pol->attachments == ATTACH_SANITIZE &&
	    strcmp(type, "message/external-body") != 0) {
		sanitize_attachment(w, rp, data, len, depth);
		return;
	}
	if (w->pol->attachments == ATTACH_REMOVE)
		reason = "attachments-removed-by-policy";

	if (sniff_is_executable(rp->detected_type)) {
		reason = "executable";
		if (rp->filename != NULL) {
			char ext[32];

			fname_ext(rp->filename, ext, sizeof ext);
			if (strcmp(ext, "exe") != 0 && strcmp(ext, "com") != 0 &&
			    strcmp(ext, "scr") != 0 && strcmp(ext, "dll") != 0)
				add_flag(rp, "name-content-mismatch");
		}
	} else if (strcmp(type, "message/external-body") == 0)
		reason = "external-body";
	rp->action = ACT_REMOVED;
	rp->is_attachment = !inline_image || rp->filename != NULL;
	receipt_set(&rp->reason, reason);
	receipt_set(&rp->rule, "attachments.remove");
}

static int
is_attachment_disposition(GMimeObject *obj)
{
	const char *d = g_mime_object_get_disposition(obj);

	return d != NULL && strcasecmp(d, "attachment") == 0;
}

static void walk_inner(struct walker *w, GMimeObject *obj, const char *path, size_t depth,
    int in_related);
static void forwarded_header(struct walker *w, GMimeObject *msg, const char *path);

/*
 * A text part whose content is really a message, or an mbox of them (a
 * message pasted or saved as text carries its attachments inside): each
 * message shown as forwarded and walked one level deeper, as
 * message/rfc822 would be.
 */
static void
text_message(struct walker *w, struct receipt_part *rp, const GByteArray *ba, size_t depth)
{
	int mbox = mailtype_is_mbox(ba->data, ba->len);
	size_t pos = 0, start = 0, end = ba->len, k = 0;
	char child[PATH_MAX_LEN], path[PATH_MAX_LEN];

	rp->action = ACT_CONVERTED;
	receipt_set(&rp->reason, "message-in-text");
	receipt_set(&rp->rule, "body.message.inline");
	body_section(w);
	section_mark(w, rp->path);
	snprintf(path, sizeof path, "%s", rp->path);	/* rp moves as parts are added */
	while (!w->stopped) {
		GMimeStream *st;
		GMimeParser *ps;
		GMimeObject *obj;

		if (mbox ? !mailtype_mbox_next(ba->data, ba->len, &pos, &start, &end) : k > 0)
			break;
		snprintf(child, sizeof child, "%.200s.%zu", path, ++k);
		st = g_mime_stream_mem_new_with_buffer((const char *)ba->data + start, end - start);
		ps = g_mime_parser_new_with_stream(st);
		obj = g_mime_parser_construct_part(ps, NULL);
		g_object_unref(ps);
		g_object_unref(st);
		if (obj == NULL) {
			struct receipt_part *bad = receipt_add_part(w->rc, child);

			bad->declared_type = xstrdup("message/rfc822");
			bad->action = ACT_REMOVED;
			bad->is_attachment = 1;
			receipt_set(&bad->reason, "parse-failed");
			receipt_set(&bad->rule, "body.message.inline");
			continue;
		}
		forwarded_header(w, obj, child);
		walk_inner(w, obj, child, depth + 1, 0);
		g_object_unref(obj);
	}
}

static void
leaf(struct walker *w, GMimeObject *obj, const char *path, const char *type,
    int in_related, size_t depth)
{
	struct receipt_part *rp = receipt_add_part(w->rc, path);
	GByteArray *ba = mime_part_content(GMIME_PART(obj));

	rp->declared_type = xstrdup(type);
	rp->bytes = ba->len;
	sha256_hex(ba->data, ba->len, rp->sha256);
	rp->detected_type = xstrdup(sniff_type(ba->data, ba->len));
	record_filename(w, obj, rp);

	if (strcmp(type, "text/plain") == 0 && !is_attachment_disposition(obj) &&
	    (mailtype_is_message(ba->data, ba->len) || mailtype_is_mbox(ba->data, ba->len)))
		text_message(w, rp, ba, depth);
	else if (is_body_text_type(type) && !is_attachment_disposition(obj) &&
	    !sniff_is_executable(rp->detected_type))
		text_part(w, obj, rp, type, ba);
	else if (strcmp(type, "application/pkcs7-signature") == 0 ||
	    strcmp(type, "application/x-pkcs7-signature") == 0 ||
	    strcmp(type, "application/pgp-signature") == 0) {
		rp->action = ACT_REMOVED;
		receipt_set(&rp->reason, "signature");
		receipt_set(&rp->rule, "attachments.signature");
	} else if (strcmp(type, "application/pkcs7-mime") == 0 ||
	    strcmp(type, "application/x-pkcs7-mime") == 0 ||
	    strcmp(type, "application/pgp-encrypted") == 0) {
		rp->action = ACT_REMOVED;
		rp->is_attachment = 1;
		receipt_set(&rp->reason, "encrypted");
		receipt_set(&rp->rule, "attachments.encrypted");
	} else
		attachment_part(w, rp, type, in_related && strncmp(type, "image/", 6) == 0 &&
		    !is_attachment_disposition(obj), ba->data, ba->len, depth);
	g_byte_array_unref(ba);
}

/*
 * A multipart without a boundary: GMime read its whole content as the
 * preamble and no part can be told apart from another.  An invalid
 * Content-Type is read as text/plain (RFC 2045 5.2): the content is shown as
 * text, nothing in it is carried as a file.
 */
static void
no_boundary(struct walker *w, GMimeObject *obj, struct receipt_part *rp)
{
	const char *pre = g_mime_multipart_get_prologue(GMIME_MULTIPART(obj));
	GByteArray *ba = g_byte_array_new();

	if (pre != NULL) {
		size_t len = strlen(pre);	/* under message_size_limit, at most 4 GiB */

		g_byte_array_append(ba, (const guint8 *)pre, len < G_MAXUINT ? (guint)len : G_MAXUINT);
	}
	rp->bytes = ba->len;
	sha256_hex(ba->data, ba->len, rp->sha256);
	rp->detected_type = xstrdup(sniff_type(ba->data, ba->len));
	text_part(w, obj, rp, "text/plain", ba);
	receipt_set(&rp->reason, "no-boundary-shown-as-text");
	receipt_set(&rp->rule, "structure.no-boundary");
	g_byte_array_unref(ba);
}

/* Index of the alternative to show. */
static int
choose_alternative(struct walker *w, GMimeMultipart *mp)
{
	int n = g_mime_multipart_get_count(mp), plain = -1, html = -1, other_text = -1;

	for (int i = 0; i < n; i++) {
		GMimeObject *c = g_mime_multipart_get_part(mp, i);
		char type[TYPE_MAX];

		header_mime_type(c, type, sizeof type);
		if (strcmp(type, "text/plain") == 0 && plain < 0)
			plain = i;
		else if (strcmp(type, "text/html") == 0)
			html = i;
		else if (GMIME_IS_MULTIPART(c) && html < 0)
			html = i;	/* multipart/related around HTML */
		else if (is_body_text_type(type) && other_text < 0)
			other_text = i;
	}
	if (plain >= 0 && (w->pol->prefer_plain || html < 0))
		return plain;
	if (html >= 0)
		return html;
	if (other_text >= 0)
		return other_text;
	return n - 1;
}

static void
forwarded_header(struct walker *w, GMimeObject *msg, const char *path)
{
	static const struct {
		const char *name, *ja, *en;
		enum hdr_mode mode;
	} show[] = {
		{ "From", "差出人", "From", HDR_PHRASE },
		{ "Date", "日付", "Date", HDR_TEXT },
		{ "To", "宛先", "To", HDR_PHRASE },
		{ "Subject", "件名", "Subject", HDR_TEXT },
	};
	const int en = w->pol->lang == LANG_EN;

	body_section(w);
	body_append(w, en ? "---------- Forwarded message ----------\n"
	    : "---------- 転送されたメッセージ ----------\n", en ? 40 : strlen(
	    "---------- 転送されたメッセージ ----------\n"), path);
	for (size_t i = 0; i < sizeof show / sizeof show[0]; i++) {
		struct buf v;
		struct hdr_info hi;

		buf_init(&v, 64 * 1024);
		if (header_decoded(msg, show[i].name, show[i].mode, &v, &hi) == 0) {
			struct buf line;

			buf_init(&line, 64 * 1024 + 64);
			buf_printf(&line, "%s: %s\n", en ? show[i].en : show[i].ja, buf_str(&v));
			body_append(w, buf_str(&line), line.len, path);
			buf_free(&line);
		}
		buf_free(&v);
	}
	body_append(w, "\n", 1, path);
}

static void
walk_inner(struct walker *w, GMimeObject *obj, const char *path, size_t depth,
    int in_related)
{
	char type[TYPE_MAX], child[PATH_MAX_LEN];

	if (w->stopped)
		return;
	if (++w->nparts > w->pol->lim.parts) {
		limit_hit(w, "mime_part_limit", w->pol->lim.parts, path);
		return;
	}
	if (depth > w->pol->lim.nesting) {
		limit_hit(w, "mime_nesting_limit", w->pol->lim.nesting, path);
		return;
	}
	header_mime_type(obj, type, sizeof type);
	if (strcmp(type, "multipart/report") == 0 ||
	    strcmp(type, "message/delivery-status") == 0 ||
	    strcmp(type, "message/global-delivery-status") == 0)
		w->is_report = 1;

	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		struct receipt_part *rp = receipt_add_part(w->rc, path);
		const char *boundary = g_mime_object_get_content_type_parameter(obj, "boundary");
		int show = -1;

		rp->declared_type = xstrdup(type);
		if (boundary == NULL && n == 0) {
			no_boundary(w, obj, rp);
			return;
		}
		rp->action = ACT_KEPT;
		receipt_set(&rp->reason, "container");
		receipt_set(&rp->rule, "structure");
		if (boundary != NULL && w->nboundaries < WALK_BOUNDARY_STACK) {
			for (size_t i = 0; w->amb != NULL && i < w->nboundaries; i++)
				ambiguity_nested(w->amb, w->rc, boundary, w->boundaries[i], path);
			w->boundaries[w->nboundaries++] = boundary;
		} else
			boundary = NULL;	/* nothing pushed */
		if (strcmp(type, "multipart/alternative") == 0)
			show = choose_alternative(w, mp);
		for (int i = 0; i < n && !w->stopped; i++) {
			GMimeObject *c = g_mime_multipart_get_part(mp, i);

			snprintf(child, sizeof child, "%s.%d", path, i + 1);
			if (show >= 0 && i != show) {
				struct receipt_part *alt = receipt_add_part(w->rc, child);
				char ctype[TYPE_MAX];

				header_mime_type(c, ctype, sizeof ctype);
				alt->declared_type = xstrdup(ctype);
				alt->action = ACT_REMOVED;
				receipt_set(&alt->reason, "alternative-not-shown");
				receipt_set(&alt->rule, w->pol->prefer_plain ?
				    "body.alternative.prefer-plain" : "body.alternative.prefer-html");
				w->nparts++;
				continue;
			}
			if (strcmp(type, "multipart/encrypted") == 0) {
				struct receipt_part *enc = receipt_add_part(w->rc, child);
				char ctype[TYPE_MAX];

				header_mime_type(c, ctype, sizeof ctype);
				enc->declared_type = xstrdup(ctype);
				enc->action = ACT_REMOVED;
				enc->is_attachment = i == n - 1;
				receipt_set(&enc->reason, "encrypted");
				receipt_set(&enc->rule, "attachments.encrypted");
				w->nparts++;
				continue;
			}
			walk_inner(w, c, child, depth + 1,
			    in_related || strcmp(type, "multipart/related") == 0);
		}
		if (boundary != NULL)
			w->nboundaries--;
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		struct receipt_part *rp = receipt_add_part(w->rc, path);

		rp->declared_type = xstrdup(type);
		rp->action = ACT_CONVERTED;
		receipt_set(&rp->reason, "forwarded-message-shown");
		receipt_set(&rp->rule, "body.message.inline");
		if (inner == NULL)
			return;
		forwarded_header(w, GMIME_OBJECT(inner), path);
		if (g_mime_message_get_mime_part(inner) != NULL) {
			snprintf(child, sizeof child, "%s.1", path);
			walk_inner(w, g_mime_message_get_mime_part(inner), child, depth + 1, 0);
		}
		return;
	}
	if (GMIME_IS_MESSAGE_PARTIAL(obj)) {
		struct receipt_part *rp = receipt_add_part(w->rc, path);

		rp->declared_type = xstrdup(type);
		rp->action = ACT_REMOVED;
		rp->is_attachment = 1;
		receipt_set(&rp->reason, "unsupported-type");
		receipt_set(&rp->rule, "attachments.remove");
		return;
	}
	if (GMIME_IS_PART(obj))
		leaf(w, obj, path, type, in_related, depth);
}

void
walk_entity(struct walker *w, GMimeObject *obj, const char *path, size_t depth)
{
	walk_inner(w, obj, path, depth, 0);
}

/* ---- encoded files in the body text ------------------------------------ */

/* One replaced range of the body: [old, old_end) became [at, at + n). */
struct repl {
	size_t old, old_end, at, n;
};

/* The part whose text holds body offset off ("1" before any). */
static const char *
section_of(const struct walker *w, size_t off)
{
	const char *p = "1";

	for (size_t i = 0; i < w->nsections && w->sections[i].off <= off; i++)
		p = w->sections[i].path;
	return p;
}

/* A path for the n-th file found in part sec that no part has yet. */
static void
block_path(const struct walker *w, const char *sec, char *path, size_t size)
{
	for (size_t n = 1;; n++) {
		int used = 0;

		snprintf(path, size, "%s.%zu", sec, n);
		for (size_t i = 0; i < w->rc->nparts && !used; i++)
			used = strcmp(w->rc->parts[i].path, path) == 0;
		if (!used)
			return;
	}
}

/* One encoded file taken out of part sec: recorded, and sanitised or removed. */
static void
block_part(struct walker *w, const struct encblock *b, const struct buf *data, const char *sec)
{
	char path[PATH_MAX_LEN + 16];
	struct receipt_part *rp;
	size_t depth = 2;

	for (const char *q = sec; *q != '\0'; q++)
		depth += *q == '.';
	block_path(w, sec, path, sizeof path);
	rp = receipt_add_part(w->rc, path);
	rp->declared_type = xstrdup(encblock_type(b->kind));
	rp->bytes = data->len;
	sha256_hex(buf_str(data), data->len, rp->sha256);
	rp->detected_type = xstrdup(sniff_type((const unsigned char *)buf_str(data), data->len));
	if (b->name[0] != '\0') {
		struct buf shown, flags;

		buf_init(&shown, FNAME_DISPLAY_MAX * 4 + 16);
		buf_init(&flags, 256);
		fname_flags_str(fname_display(b->name, strlen(b->name), &shown), &flags);
		rp->filename = xstrdup(buf_str(&shown));
		if (flags.len > 0)
			rp->filename_flags = xstrdup(buf_str(&flags));
		buf_free(&shown);
		buf_free(&flags);
	}
	if (b->damage != NULL) {	/* fail closed: a broken block is never rebuilt */
		char d[640];

		snprintf(d, sizeof d, "%s: %s block %.300s: %s", path, encblock_kind_name(b->kind),
		    rp->filename != NULL ? rp->filename : "(no name)", b->damage);
		receipt_anomaly(w->rc, "encoded-block-damaged", d, -1);
		rp->action = ACT_REMOVED;
		rp->is_attachment = 1;
		receipt_set(&rp->reason, "encoded-damaged");
		receipt_set(&rp->rule, "attachments.encoded");
		return;
	}
	attachment_part(w, rp, encblock_type(b->kind), 0, (const unsigned char *)buf_str(data),
	    data->len, depth);	/* rp is not used after this */
}

/* Body offset off after the replacements r[0..n). */
static size_t
remap(const struct repl *r, size_t n, size_t off)
{
	for (size_t i = n; i-- > 0;) {
		if (r[i].old <= off)
			return off < r[i].old_end ? r[i].at : off - r[i].old_end + r[i].at + r[i].n;
	}
	return off;
}

/* One pass over the body: 1 when something was taken out, 0 when nothing. */
static int
finish_once(struct walker *w)
{
	struct encblock b;
	struct buf data, body, shown;
	struct repl *r = NULL;
	size_t nr = 0, from = 0, copied = 0;
	int found = 0;

	buf_init(&data, w->pol->lim.file_bytes);
	buf_init(&body, w->pol->lim.text_bytes);
	buf_init(&shown, FNAME_DISPLAY_MAX * 4 + 16);
	while (!w->stopped && encblock_find(w->body.data, w->body.len, from, &b, &data)) {
		const char *sec = section_of(w, b.start);
		size_t at;

		found = 1;
		if (++w->nparts > w->pol->lim.parts) {
			limit_hit(w, "mime_part_limit", w->pol->lim.parts, sec);
			break;
		}
		block_part(w, &b, &data, sec);
		buf_reset(&shown);
		if (b.name[0] != '\0')
			fname_display(b.name, strlen(b.name), &shown);
		if (buf_append(&body, w->body.data + copied, b.start - copied) != 0 ||
		    (at = body.len,
		    cdr_block_marker(&b, buf_str(&shown), w->pol->lang == LANG_EN, "\n", &body)) != 0) {
			limit_hit(w, "text_size_limit", w->pol->lim.text_bytes, sec);
			break;
		}
		r = xrealloc(r, (nr + 1) * sizeof *r);
		r[nr++] = (struct repl){ b.start, b.end, at, body.len - at };
		copied = from = b.end;
		buf_reset(&data);
	}
	if (found && !w->stopped) {
		if (buf_append(&body, w->body.data + copied, w->body.len - copied) != 0)
			limit_hit(w, "text_size_limit", w->pol->lim.text_bytes, "1");
		for (size_t i = 0; i < w->nsections; i++)
			w->sections[i].off = remap(r, nr, w->sections[i].off);
		buf_free(&w->body);
		w->body = body;	/* ownership moves to the walker */
		buf_init(&body, 0);
	}
	free(r);
	buf_free(&body);
	buf_free(&data);
	buf_free(&shown);
	return found && !w->stopped;
}

void
walk_finish(struct walker *w)
{
	/* again until none is left: taking one out must not join another */
	while (!w->stopped && finish_once(w))
		;
}
