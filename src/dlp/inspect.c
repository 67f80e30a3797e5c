/*
 * inspect - the text of one outgoing item, scanned.  See inspect.h.
 *
 * A message is parsed by GMime and walked: every entity counts against
 * mime_part_limit, nesting against mime_nesting_limit; all decoded text
 * together against text_size_limit.  Headers and parameters are decoded by
 * sekisho's own decoders (mime/headers.h, mime/params.h), text by
 * text/charset.h and HTML rendered by text/html.h, as when sanitising, so
 * a number reads the same to the check as to the person who sent it.
 */
#include "dlp/inspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>
#include <gmime/gmime.h>

#include "cdr/cdr.h"
#include "cdr/filetype.h"
#include "cdr/mailtype.h"
#include "core/json.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "dlp/idnum.h"
#include "dlp/ooxml_text.h"
#include "dlp/pdf_text.h"
#include "mime/headers.h"
#include "mime/params.h"
#include "text/charset.h"
#include "text/html.h"

#define TERMS_MERGED_MAX (64 + POLICY_TERMS_MAX)

struct inspector {
	const struct policy *pol;
	struct buf *json;
	size_t listed, not_listed;
	size_t text_left;	/* of text_size_limit, for all text of the item */
	size_t parts;
	int limit_said[3];	/* each limit is one finding */
	const char *where;	/* the text being scanned */
	const struct ooxml_unit *unit;	/* a spreadsheet row: findings by cell */
	size_t archive_members;	/* archive_entry_limit, all levels */
	size_t archive_level;	/* archives we are inside: archive_depth_limit */
	unsigned long long archive_bytes;	/* archive_total_size_limit, all levels */
	struct buf subject;	/* the message's own subject, masked */
	struct buf domains;	/* JSON strings: the domain of each To/Cc address */
	size_t ndomains;
	int has_subject;
	/* the detector's words: the built-in ones and the operator's */
	struct dlp_terms terms;
	const char *individual[TERMS_MERGED_MAX], *other[TERMS_MERGED_MAX];
};

enum { SAID_TEXT, SAID_PARTS, SAID_NESTING };

static void put_noted(struct inspector *ins, const char *kind, const char *where,
    const char *reason);

/* Built-in words and the operator's, NULL-terminated: dst holds at most
 * TERMS_MERGED_MAX - 1 of them. */
static void
merge_terms(const char **dst, const char *const *builtin, const struct policy_terms *more)
{
	size_t n = 0;

	for (; *builtin != NULL && n + 1 < TERMS_MERGED_MAX; builtin++)
		dst[n++] = *builtin;
	for (size_t i = 0; i < more->n && n + 1 < TERMS_MERGED_MAX; i++)
		dst[n++] = more->t[i];
	dst[n] = NULL;
}

/* Where word occurs in text[0..len), ASCII case ignored; -1 if nowhere. */
static long
find_word(const char *text, size_t len, const char *word)
{
	size_t n = strlen(word);
	unsigned char first = (unsigned char)word[0];

	if (n == 0 || n > len)
		return -1;
	for (size_t i = 0; i + n <= len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c != first && (c | 0x20) != (first | 0x20))
			continue;
		if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? strncasecmp(text + i, word, n) == 0 :
		    memcmp(text + i, word, n) == 0)
			return (long)i;
	}
	return -1;
}

/* The operator's words (dlp_terms) in one text: a finding each, once. */
static void
scan_words(struct inspector *ins, const char *where, const char *text, size_t len)
{
	const struct policy_terms *t = &ins->pol->dlp_terms;

	for (size_t i = 0; i < t->n; i++) {
		long at = find_word(text, len, t->t[i]);
		char w[INSPECT_WHERE_MAX + 32], reason[32];
		size_t line = 1;

		if (at < 0)
			continue;
		for (long k = 0; k < at; k++)
			line += text[k] == '\n';
		snprintf(w, sizeof w, "%.*s line %zu", INSPECT_WHERE_MAX - 24, where, line);
		snprintf(reason, sizeof reason, "term-%zu", i + 1);
		put_noted(ins, "term", w, reason);
	}
}

/*
 * Text that leaves the worker beside the findings (a where, a subject, a
 * domain), as the parent's reader takes it: valid UTF-8 (an invalid byte
 * becomes U+FFFD), at most max bytes cut at a character, long digit runs
 * masked.  Appended to out.
 */
static void
shown_text(const char *s, size_t len, size_t max, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf clean;

	buf_init(&clean, max);
	for (size_t i = 0; i < len;) {
		unsigned int cp;
		size_t k = utf8_next(p + i, len - i, &cp);
		const char *piece = s + i;
		size_t n = k;

		if (k == 0) {
			piece = "\xef\xbf\xbd";	/* U+FFFD */
			n = 3;
			k = 1;
		}
		if (clean.len + n > max)
			break;
		(void)buf_append(&clean, piece, n);
		i += k;
	}
	(void)dlp_mask_digits(clean.data != NULL ? clean.data : "", clean.len, out);
	buf_free(&clean);
}

/* The same, as a JSON string. */
static void
put_masked(struct buf *json, const char *s, size_t len, size_t max)
{
	struct buf m;

	buf_init(&m, max + 16);
	shown_text(s, len, max, &m);
	json_strn(json, m.data != NULL ? m.data : "", m.len);
	buf_free(&m);
}

static void
finding_open(struct inspector *ins)
{
	if (ins->listed > 0)
		buf_putc(ins->json, ',');
	buf_putc(ins->json, '{');
	ins->listed++;
}

static int
on_number(const struct dlp_finding *f, void *arg)
{
	struct inspector *ins = arg;
	struct buf where, masked;

	if (ins->listed >= INSPECT_FINDINGS_MAX) {
		ins->not_listed++;
		return 0;
	}
	buf_init(&where, INSPECT_WHERE_MAX);
	buf_init(&masked, 64);
	if (ins->unit != NULL && ins->unit->ncells > 0) {
		const struct ooxml_unit *u = ins->unit;
		size_t c = 0;

		while (c + 1 < u->ncells && u->cell_off[c + 1] <= f->offset)
			c++;
		(void)buf_printf(&where, "%s %s!%s", ins->where, u->where, u->cell_ref[c]);
	} else if (ins->unit != NULL)
		(void)buf_printf(&where, "%s %s line %zu", ins->where, ins->unit->where, f->line);
	else
		(void)buf_printf(&where, "%s line %zu", ins->where, f->line);
	(void)dlp_masked(f, &masked);
	finding_open(ins);
	json_key(ins->json, "kind", 1);
	json_str(ins->json, dlp_kind_name(f->kind));
	json_key(ins->json, "confidence", 0);
	json_str(ins->json, dlp_confidence_name(f->confidence));
	json_key(ins->json, "where", 0);
	put_masked(ins->json, buf_str(&where), where.len, INSPECT_WHERE_MAX);
	json_key(ins->json, "masked", 0);
	json_str(ins->json, buf_str(&masked));
	json_key(ins->json, "reason", 0);
	buf_puts(ins->json, "null}");
	buf_free(&where);
	buf_free(&masked);
	return 0;
}

/* A finding without a number (something uninspectable, an operator's
 * word): its kind, where and reason code. */
static void
put_noted(struct inspector *ins, const char *kind, const char *where, const char *reason)
{
	if (ins->listed >= INSPECT_FINDINGS_MAX) {
		ins->not_listed++;
		return;
	}
	finding_open(ins);
	json_key(ins->json, "kind", 1);
	json_str(ins->json, kind);
	json_key(ins->json, "confidence", 0);
	json_str(ins->json, "high");
	json_key(ins->json, "where", 0);
	put_masked(ins->json, where, strlen(where), INSPECT_WHERE_MAX);
	json_key(ins->json, "masked", 0);
	buf_puts(ins->json, "null");
	json_key(ins->json, "reason", 0);
	json_str(ins->json, reason);
	buf_putc(ins->json, '}');
}

/* Something that could not be read: a finding of its own. */
static void
uninspectable(struct inspector *ins, const char *where, const char *reason)
{
	put_noted(ins, "uninspectable", where, reason);
}

static void
limit_once(struct inspector *ins, int which, const char *where, const char *limit)
{
	if (!ins->limit_said[which])
		uninspectable(ins, where, limit);
	ins->limit_said[which] = 1;
}

static void
scan(struct inspector *ins, const char *where, const char *utf8, size_t len,
    const char *context)
{
	ins->where = where;
	(void)dlp_scan_text(utf8, len, context, &ins->terms, on_number, ins);
	scan_words(ins, where, utf8, len);
}

/* Bytes in a charset (label may be NULL) to UTF-8 within what is left of
 * text_size_limit; 0, or -1 when the limit cut it (said once). */
static int
decode(struct inspector *ins, const char *where, const char *label,
    const unsigned char *p, size_t len, struct buf *out)
{
	struct charset_info ci;
	int r;

	buf_init(out, ins->text_left);
	r = charset_decode(label, p, len, out, &ci);
	ins->text_left -= out->len;
	if (r != 0)
		limit_once(ins, SAID_TEXT, where, "text_size_limit");
	return r;
}

/* Text, CSV or HTML bytes: decoded, rendered, scanned.  A CSV's first line
 * is the context of the rest (a column named 個人番号 raises every row). */
static void
text_bytes(struct inspector *ins, const char *where, const char *label, int kind,
    const unsigned char *p, size_t len)
{
	struct buf u, first;

	(void)decode(ins, where, label, p, len, &u);
	buf_init(&first, 64 * 1024);
	if (kind == FT_HTML) {
		struct html_opts o = { ins->pol->lim.html_depth, ins->pol->lim.html_nodes, 0, 0, 0 };
		struct html_info hi;
		struct buf t;

		buf_init(&t, ins->text_left + u.len);
		if (html_to_text(buf_str(&u), u.len, &o, &t, &hi) != 0 || hi.limit_hit != NULL)
			uninspectable(ins, where, hi.limit_hit ? hi.limit_hit : "html");
		scan(ins, where, buf_str(&t), t.len, NULL);
		buf_free(&t);
	} else {
		if (kind == FT_CSV) {
			const char *nl = memchr(buf_str(&u), '\n', u.len);

			(void)buf_append(&first, buf_str(&u), nl ? (size_t)(nl - buf_str(&u)) : u.len);
		}
		scan(ins, where, buf_str(&u), u.len, first.len ? buf_str(&first) : NULL);
	}
	buf_free(&first);
	buf_free(&u);
}

static int
name_ends(const char *name, const char *ext)
{
	size_t n = name ? strlen(name) : 0, e = strlen(ext);

	return n > e && strcasecmp(name + n - e, ext) == 0;
}

/* A unit of an Office document's text: a story, a slide, a sheet's row. */
static void
on_office_unit(const struct ooxml_unit *u, void *arg)
{
	struct inspector *ins = arg;

	char w[INSPECT_WHERE_MAX];

	ins->unit = u;
	(void)dlp_scan_text(u->text, u->len, u->context, &ins->terms, on_number, ins);
	ins->unit = NULL;
	snprintf(w, sizeof w, "%s %s", ins->where, u->where);
	scan_words(ins, w, u->text, u->len);
}

static void
on_pdf_page(const char *where, const char *text, size_t len, void *arg)
{
	struct ooxml_unit u = { where, text, len, NULL, NULL, NULL, 0 };

	on_office_unit(&u, arg);
}

static void visible_domains(struct inspector *ins, GMimeObject *root);
static void inspect_message(struct inspector *ins, const unsigned char *p, size_t len,
    const char *where, size_t depth);

#define SNIFF_BYTES 8192	/* looked at before asking libmagic */

/* The archives sekisho unpacks, by their first bytes (filetype.c names them). */
static int
is_archive_magic(const unsigned char *p, size_t len)
{
	static const struct { const char *m; size_t n, at; } magic[] = {
		{ "7z\xbc\xaf\x27\x1c", 6, 0 }, { "\x1f\x8b", 2, 0 }, { "BZh", 3, 0 },
		{ "\xfd" "7zXZ", 5, 0 }, { "Rar!\x1a\x07", 6, 0 }, { "MSCF", 4, 0 },
		{ "-lh", 3, 2 }, { "ustar", 5, 257 }, { "PK\5\6", 4, 0 },
	};

	for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++)
		if (len >= magic[i].at + magic[i].n &&
		    memcmp(p + magic[i].at, magic[i].m, magic[i].n) == 0)
			return 1;
	return 0;
}

/*
 * What a file is, cheaply where that is safe: documents and containers
 * (zip, OLE2, PDF, RTF) and UTF-16 text go to filetype_detect (libmagic and
 * sekisho's own checks: most of the time of an inspection otherwise);
 * anything else with a NUL byte near its start is binary, which has no text
 * to read (images, programs, compressed data); the rest is text, a message,
 * CSV or HTML.  Taking binary for text would only inspect more.
 */
static enum ft_kind
kind_of(const unsigned char *p, size_t len, const char *name, const char **ext)
{
	static const unsigned char ole[8] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };
	size_t head = len < SNIFF_BYTES ? len : SNIFF_BYTES;
	struct filetype ft;

	*ext = NULL;
	if ((len >= 4 && memcmp(p, "PK\3\4", 4) == 0) || (len >= 8 && memcmp(p, ole, 8) == 0) ||
	    is_archive_magic(p, len) ||
	    (len >= 5 && memcmp(p, "{\\rtf", 5) == 0) ||
	    (head >= 5 && memmem(p, head < 1024 ? head : 1024, "%PDF-", 5) != NULL) ||
	    (len >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))) {
		filetype_detect(p, len, name, &ft);
		*ext = ft.ext;
		return ft.kind;
	}
	if (head > 0 && memchr(p, '\0', head) != NULL)
		return FT_UNKNOWN;
	if (mailtype_is_message(p, len))
		return FT_MESSAGE;
	if (name_ends(name, ".csv") || name_ends(name, ".tsv"))
		return FT_CSV;
	if (name_ends(name, ".html") || name_ends(name, ".htm"))
		return FT_HTML;
	return FT_TEXT;
}

static void inspect_file(struct inspector *ins, const char *where, const char *name,
    const char *label, const unsigned char *p, size_t len, size_t depth);

#define ARCHIVE_CHUNK 65536

/*
 * Each member of an archive (zip, 7z, tar, gz, …), inspected as a file, its
 * place "ARCHIVE/member".  The archive limits bound it over all levels; an
 * encrypted member (PPAP: outbound, a password-protected zip) cannot be
 * read and is a finding; so is an archive that cannot be read to its end.
 */
static void
inspect_archive(struct inspector *ins, const char *where, const unsigned char *p,
    size_t len, size_t depth)
{
	const struct limits *lim = &ins->pol->lim;
	struct archive *a;
	struct archive_entry *e;
	unsigned char *chunk;
	int h;

	if (ins->archive_level > lim->archive_depth) {
		uninspectable(ins, where, "archive_depth_limit");
		return;
	}
	if ((a = archive_read_new()) == NULL)
		die("libarchive: out of memory");
	archive_read_support_format_all(a);
	archive_read_support_format_raw(a);	/* a lone .gz or .bz2 */
	archive_read_support_filter_all(a);
	if (archive_read_open_memory(a, p, len) != ARCHIVE_OK) {
		uninspectable(ins, where, "malformed");
		archive_read_free(a);
		return;
	}
	chunk = xmalloc(ARCHIVE_CHUNK);
	ins->archive_level++;
	while ((h = archive_read_next_header(a, &e)) == ARCHIVE_OK || h == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname_utf8(e);
		struct buf member, mwhere;
		la_ssize_t n;
		size_t ceiling;

		if (name == NULL)
			name = archive_entry_pathname(e);
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		buf_init(&mwhere, INSPECT_WHERE_MAX);
		(void)buf_printf(&mwhere, "%s/%s", where, name ? name : "?");
		if (++ins->archive_members > lim->archive_entries) {
			uninspectable(ins, buf_str(&mwhere), "archive_entry_limit");
			buf_free(&mwhere);
			break;
		}
		if (archive_entry_is_encrypted(e)) {
			uninspectable(ins, buf_str(&mwhere), "encrypted");
			buf_free(&mwhere);
			continue;
		}
		ceiling = lim->archive_entry_bytes;
		if (lim->archive_total - ins->archive_bytes < ceiling)
			ceiling = (size_t)(lim->archive_total - ins->archive_bytes);
		buf_init(&member, ceiling);
		while ((n = archive_read_data(a, chunk, ARCHIVE_CHUNK)) > 0)
			if (buf_append(&member, chunk, (size_t)n) != 0)
				break;
		if (n != 0) {
			uninspectable(ins, buf_str(&mwhere), n > 0 ?
			    (ceiling == lim->archive_entry_bytes ? "archive_entry_size_limit" :
			    "archive_total_size_limit") : archive_entry_is_data_encrypted(e) ?
			    "encrypted" : "malformed");
			buf_free(&member);
			buf_free(&mwhere);
			if (n > 0 && ceiling != lim->archive_entry_bytes)
				break;	/* the total is spent */
			continue;
		}
		ins->archive_bytes += member.len;
		inspect_file(ins, buf_str(&mwhere), name, NULL,
		    (const unsigned char *)buf_str(&member), member.len, depth + 1);
		buf_free(&member);
		buf_free(&mwhere);
	}
	if (h != ARCHIVE_EOF && h != ARCHIVE_OK && h != ARCHIVE_WARN)
		uninspectable(ins, where, archive_read_has_encrypted_entries(a) > 0 ?
		    "encrypted" : "malformed");
	ins->archive_level--;
	free(chunk);
	archive_read_free(a);
}

/* The Office Open XML kind a legacy or OpenDocument file converts to. */
static const char *
ooxml_target(const char *ext)
{
	static const struct {
		const char *ext, *target;
	} map[] = {
		{ ".doc", "docx" }, { ".dot", "docx" }, { ".rtf", "docx" }, { ".odt", "docx" },
		{ ".ott", "docx" }, { ".xls", "xlsx" }, { ".xlt", "xlsx" }, { ".ods", "xlsx" },
		{ ".ots", "xlsx" }, { ".ppt", "pptx" }, { ".pps", "pptx" }, { ".pot", "pptx" },
		{ ".odp", "pptx" }, { ".otp", "pptx" },
	};

	for (size_t i = 0; ext != NULL && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(ext, map[i].ext) == 0)
			return map[i].target;
	return NULL;
}

/*
 * Legacy Office (doc, xls, ppt), RTF and OpenDocument: LibreOffice (the
 * parent's converter, as for sanitising) makes an Office Open XML copy,
 * read like any docx, xlsx or pptx: a spreadsheet's numbers as stored, not
 * as a narrow column would print them.  Without a converter
 * (legacy_office = withhold, no LibreOffice) its text cannot be read: a
 * finding.
 */
static void
inspect_converted(struct inspector *ins, const char *where, const char *ext,
    const unsigned char *p, size_t len)
{
	const char *target = ooxml_target(ext);
	struct buf copy;
	char why[256], req[32];
	int r;

	if (target == NULL) {
		uninspectable(ins, where, "format-not-inspected");
		return;
	}
	snprintf(req, sizeof req, "%s>%s", ext, target);
	buf_init(&copy, ins->pol->lim.file_out_bytes);
	r = cdr_convert_to_pdf(p, len, req, &copy, why, sizeof why);
	if (r == CDR_NO_CONVERTER)
		uninspectable(ins, where, "format-not-inspected");
	else if (r != 0)
		uninspectable(ins, where, "conversion-failed");
	else {
		ins->where = where;
		if (ooxml_text((const unsigned char *)copy.data, copy.len, &ins->pol->lim,
		    on_office_unit, ins, why, sizeof why) != 0)
			uninspectable(ins, where, "conversion-failed");
	}
	buf_free(&copy);
}

/* A file (the item, an attachment): what it is decides how it is read. */
static void
inspect_file(struct inspector *ins, const char *where, const char *name, const char *label,
    const unsigned char *p, size_t len, size_t depth)
{
	const char *ext;
	enum ft_kind kind = kind_of(p, len, name, &ext);

	switch (kind) {
	case FT_TEXT:
	case FT_CSV:
	case FT_HTML:
		text_bytes(ins, where, label, (int)kind, p, len);
		break;
	case FT_MESSAGE:
		inspect_message(ins, p, len, where, depth + 1);
		break;
	case FT_OOXML: {
		char why[64];

		ins->where = where;
		if (ooxml_text(p, len, &ins->pol->lim, on_office_unit, ins, why, sizeof why) == 0)
			break;
		if (strcmp(why, "no-document-parts") == 0)
			inspect_archive(ins, where, p, len, depth);	/* a zip after all */
		else
			uninspectable(ins, where, why);
		break;
	}
	case FT_PDF: {
		char why[64];

		ins->where = where;
		if (pdf_text(p, len, &ins->pol->lim, on_pdf_page, ins, why, sizeof why) != 0)
			uninspectable(ins, where, why);
		break;
	}
	case FT_ARCHIVE:
		inspect_archive(ins, where, p, len, depth);
		break;
	case FT_ENCRYPTED:
		uninspectable(ins, where, "encrypted");
		break;
	case FT_OLE:
	case FT_RTF:
	case FT_ODF:
		inspect_converted(ins, where, ext, p, len);
		break;
	case FT_IMAGE:
	case FT_EXECUTABLE:
	case FT_UNKNOWN:
		/* pictures, programs, binary data: no text to read (a picture
		 * of text would need OCR, which sekisho does not do yet) */
		uninspectable(ins, where, "no-text");
		break;
	default:
		/* recognised, with text sekisho does not read (an Outlook .msg) */
		uninspectable(ins, where, "format-not-inspected");
		break;
	}
}

static void
leaf_name(GMimeObject *obj, struct buf *name)
{
	const char *cd = header_raw(obj, "Content-Disposition");
	const char *ct = header_raw(obj, "Content-Type");
	struct param_info pi;

	if (cd == NULL || !param_get(cd, strlen(cd), "filename", name, &pi))
		if (ct != NULL)
			(void)param_get(ct, strlen(ct), "name", name, &pi);
}

/* "part " before a path of numbers; a path that names its message
 * ("message 2 part 1") says it already */
static const char *
part_word(const char *path)
{
	return path[0] >= '0' && path[0] <= '9' ? "part " : "";
}

static void
inspect_entity(struct inspector *ins, GMimeObject *obj, const char *path, size_t depth)
{
	struct buf where;
	char type[128];

	buf_init(&where, INSPECT_WHERE_MAX);
	if (++ins->parts > ins->pol->lim.parts) {
		(void)buf_printf(&where, "%s%s", part_word(path), path);
		limit_once(ins, SAID_PARTS, buf_str(&where), "mime_part_limit");
		goto out;
	}
	if (depth > ins->pol->lim.nesting) {
		(void)buf_printf(&where, "%s%s", part_word(path), path);
		limit_once(ins, SAID_NESTING, buf_str(&where), "mime_nesting_limit");
		goto out;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));

		for (int i = 0; i < n; i++) {
			char sub[256];

			snprintf(sub, sizeof sub, "%s.%d", path, i + 1);
			inspect_entity(ins, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i),
			    sub, depth + 1);
		}
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		struct buf subject;
		struct hdr_info hi;

		if (m == NULL)
			goto out;
		buf_init(&subject, 64 * 1024);
		if (header_decoded(GMIME_OBJECT(m), "Subject", HDR_TEXT, &subject, &hi) == 0) {
			(void)buf_printf(&where, "%s%s subject", part_word(path), path);
			scan(ins, buf_str(&where), buf_str(&subject), subject.len, NULL);
		}
		buf_free(&subject);
		if (g_mime_message_get_mime_part(m) != NULL)
			inspect_entity(ins, g_mime_message_get_mime_part(m), path, depth + 1);
	} else if (GMIME_IS_PART(obj)) {
		GByteArray *ba = mime_part_content(GMIME_PART(obj));
		struct buf name;
		const char *label = g_mime_object_get_content_type_parameter(obj, "charset");
		int kind = -1;

		buf_init(&name, 4096);
		leaf_name(obj, &name);
		header_mime_type(obj, type, sizeof type);
		if (name.len > 0)
			(void)buf_printf(&where, "%s%s (%s)", part_word(path), path, buf_str(&name));
		else
			(void)buf_printf(&where, "%s%s", part_word(path), path);
		if (name.len == 0 && strcmp(type, "text/html") == 0)
			kind = FT_HTML;
		else if (name.len == 0 && (strncmp(type, "text/", 5) == 0 || type[0] == '\0'))
			kind = FT_TEXT;
		if (kind >= 0)
			text_bytes(ins, buf_str(&where), label, kind, ba->data, ba->len);
		else
			inspect_file(ins, buf_str(&where), name.len ? buf_str(&name) : NULL,
			    label, ba->data, ba->len, depth);
		g_byte_array_free(ba, TRUE);
		buf_free(&name);
	}
out:
	buf_free(&where);
}

static void
inspect_message(struct inspector *ins, const unsigned char *p, size_t len,
    const char *where, size_t depth)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeObject *root;
	struct buf subject, w;
	struct hdr_info hi;
	unsigned char *lf;

	if (depth > ins->pol->lim.nesting) {
		limit_once(ins, SAID_NESTING, where[0] ? where : "message", "mime_nesting_limit");
		return;
	}
	if ((lf = mime_cr_only_to_lf(p, len)) != NULL)
		p = lf;
	/* an mbox envelope line ("From sender date") is not a header */
	if (len > 5 && memcmp(p, "From ", 5) == 0) {
		const unsigned char *nl = memchr(p, '\n', len);

		if (nl != NULL) {
			len -= (size_t)(nl + 1 - p);
			p = nl + 1;
		}
	}
	stream = g_mime_stream_mem_new_with_buffer((const char *)p, len);
	parser = g_mime_parser_new_with_stream(stream);
	root = g_mime_parser_construct_part(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	free(lf);
	if (root == NULL) {
		uninspectable(ins, where[0] ? where : "message", "parse-failed");
		return;
	}
	buf_init(&subject, 64 * 1024);
	buf_init(&w, INSPECT_WHERE_MAX);
	if (header_decoded(root, "Subject", HDR_TEXT, &subject, &hi) == 0) {
		(void)buf_printf(&w, "%s%ssubject", where, where[0] ? " " : "");
		scan(ins, buf_str(&w), buf_str(&subject), subject.len, NULL);
		if (depth == 1 && where[0] == '\0')	/* the item's own message */
			ins->has_subject = 1;
		if (depth == 1 && where[0] == '\0')
			shown_text(buf_str(&subject), subject.len, INSPECT_SUBJECT_MAX,
			    &ins->subject);
	}
	if (depth == 1 && where[0] == '\0')
		visible_domains(ins, root);
	buf_reset(&w);
	(void)buf_printf(&w, "%s%s1", where, where[0] ? " part " : "");
	inspect_entity(ins, root, where[0] ? buf_str(&w) : "1", depth);
	buf_free(&w);
	buf_free(&subject);
	g_object_unref(root);
}

/* The domain of each address of a list, groups included. */
static void
list_domains(struct inspector *ins, InternetAddressList *list, int depth)
{
	int n = internet_address_list_length(list);

	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(a) && depth == 0)
			list_domains(ins, internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(a)), 1);
		else if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *addr = internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(a));
			const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

			if (ins->ndomains >= INSPECT_DOMAINS_MAX)
				return;
			if (ins->ndomains++ > 0)
				buf_putc(&ins->domains, ',');
			at = at != NULL ? at + 1 : "";
			put_masked(&ins->domains, at, strlen(at), INSPECT_DOMAIN_MAX);
		}
	}
}

/* The visible recipients (every To and Cc field) of the item's message:
 * their domains, for the parent's count of outside addresses. */
static void
visible_domains(struct inspector *ins, GMimeObject *root)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(root);
	int n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		const char *raw = g_mime_header_get_raw_value(h);
		InternetAddressList *list;

		if (name == NULL || raw == NULL ||
		    (strcasecmp(name, "To") != 0 && strcasecmp(name, "Cc") != 0))
			continue;
		list = internet_address_list_parse(NULL, raw);
		if (list != NULL) {
			list_domains(ins, list, 0);
			g_object_unref(list);
		}
	}
}

int
dlp_inspect(const struct policy *pol, const char *id, const char *name,
    const unsigned char *in, size_t len, struct buf *json)
{
	struct inspector ins;

	memset(&ins, 0, sizeof ins);
	ins.pol = pol;
	ins.json = json;
	ins.text_left = pol->lim.text_bytes;
	merge_terms(ins.individual, dlp_default_terms.individual, &pol->dlp_keywords);
	merge_terms(ins.other, dlp_default_terms.other, &pol->dlp_other_labels);
	ins.terms = dlp_default_terms;
	ins.terms.individual = ins.individual;
	ins.terms.other = ins.other;
	buf_init(&ins.subject, INSPECT_SUBJECT_MAX + 1024);
	buf_init(&ins.domains, (size_t)INSPECT_DOMAINS_MAX * 1600);	/* escaped */
	buf_printf(json, "{\"schema\":\"%s\",\"id\":", FINDINGS_SCHEMA);
	json_str(json, id);
	buf_puts(json, ",\"findings\":[");
	if (mailtype_is_mbox(in, len)) {
		size_t pos = 0, start, end;

		/* each message of an mbox, by its number */
		for (int n = 1; mailtype_mbox_next(in, len, &pos, &start, &end); n++) {
			char where[32];

			snprintf(where, sizeof where, "message %d", n);
			inspect_message(&ins, in + start, end - start, where, 1);
		}
	} else if (name_ends(name, ".eml") || (name == NULL && mailtype_is_message(in, len)))
		inspect_message(&ins, in, len, "", 1);
	else
		inspect_file(&ins, "file", name, NULL, in, len, 0);
	buf_printf(json, "],\"findings_not_listed\":%zu,\"subject\":", ins.not_listed);
	if (ins.has_subject)
		json_strn(json, buf_str(&ins.subject), ins.subject.len);
	else
		buf_puts(json, "null");
	buf_puts(json, ",\"visible_domains\":[");
	buf_append(json, buf_str(&ins.domains), ins.domains.len);
	buf_puts(json, "]}\n");
	buf_free(&ins.subject);
	buf_free(&ins.domains);
	return ins.listed + ins.not_listed > 0 ? INSPECT_FOUND : INSPECT_CLEAN;
}
