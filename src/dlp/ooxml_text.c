/*
 * ooxml_text - the text of an OOXML package.  See ooxml_text.h.
 *
 * libarchive reads the members whose text we want (anything else is
 * skipped without unpacking); libxml2's streaming reader walks each part
 * (no network, no DTD loading, no entity expansion), so no tree is built.
 */
#include "dlp/ooxml_text.h"

#include <archive.h>
#include <archive_entry.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/xmlreader.h>

#include "core/buf.h"
#include "core/xalloc.h"

#define READ_CHUNK 65536
#define MEMBERS_MAX 4096	/* members kept (office_part_limit is lower) */

struct member {
	char *name;
	unsigned char *data;
	size_t len;
};

struct pkg {
	struct member *m;
	size_t n;
	const struct limits *lim;
	size_t text_left;	/* text_size_limit, over the whole package */
	ooxml_unit_fn fn;
	void *arg;
	char *why;
	size_t whylen;
};

static int
fail(struct pkg *pk, const char *reason)
{
	snprintf(pk->why, pk->whylen, "%s", reason);
	return -1;
}

/* OPC part names are case-insensitive: Word opens WORD/DOCUMENT.XML too */
static int
starts(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static int
ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* The document's properties: title, subject, keywords, category, custom
 * properties (where a classification label is often kept) */
static int
is_props(const char *name)
{
	return strcasecmp(name, "docProps/core.xml") == 0 ||
	    strcasecmp(name, "docProps/custom.xml") == 0;
}

/* Parts with text: Word's story parts, Excel's strings and sheets, slides,
 * the properties. */
static int
wanted(const char *name)
{
	if (!ends(name, ".xml"))
		return 0;
	return is_props(name) || strcasecmp(name, "word/document.xml") == 0 || starts(name, "word/header") ||
	    starts(name, "word/footer") || strcasecmp(name, "word/footnotes.xml") == 0 ||
	    strcasecmp(name, "word/endnotes.xml") == 0 || strcasecmp(name, "word/comments.xml") == 0 ||
	    strcasecmp(name, "xl/sharedStrings.xml") == 0 ||
	    (starts(name, "xl/worksheets/") && strchr(name + 14, '/') == NULL) ||
	    (starts(name, "ppt/slides/slide") && strchr(name + 11, '/') == NULL);
}

static int
read_members(struct pkg *pk, const unsigned char *in, size_t len)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	unsigned long long total = 0;
	unsigned char *chunk;
	size_t count = 0;
	int h, rc = -1;

	if (a == NULL)
		die("libarchive: out of memory");
	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, in, len) != ARCHIVE_OK) {
		archive_read_free(a);
		return fail(pk, "malformed");
	}
	chunk = xmalloc(READ_CHUNK);
	while ((h = archive_read_next_header(a, &e)) == ARCHIVE_OK || h == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname_utf8(e);
		struct buf b;
		la_ssize_t n;
		size_t ceiling;

		if (++count > pk->lim->office_parts) {
			fail(pk, "office_part_limit");
			goto out;
		}
		if (archive_entry_is_encrypted(e)) {
			fail(pk, "encrypted");
			goto out;
		}
		if (name == NULL || archive_entry_filetype(e) != AE_IFREG || !wanted(name))
			continue;
		if (pk->n == MEMBERS_MAX) {
			fail(pk, "office_part_limit");
			goto out;
		}
		ceiling = pk->lim->archive_entry_bytes;
		if (pk->lim->archive_total - total < ceiling)
			ceiling = (size_t)(pk->lim->archive_total - total);
		buf_init(&b, ceiling);
		while ((n = archive_read_data(a, chunk, READ_CHUNK)) > 0)
			if (buf_append(&b, chunk, (size_t)n) != 0)
				break;
		if (n != 0) {
			buf_free(&b);
			fail(pk, n > 0 ? (ceiling == pk->lim->archive_entry_bytes ?
			    "archive_entry_size_limit" : "archive_total_size_limit") :
			    archive_entry_is_data_encrypted(e) ? "encrypted" : "malformed");
			goto out;
		}
		total += b.len;
		pk->m = xrealloc(pk->m, (pk->n + 1) * sizeof *pk->m);
		pk->m[pk->n].name = xstrdup(name);
		pk->m[pk->n].len = b.len;
		pk->m[pk->n].data = (unsigned char *)buf_steal(&b, &pk->m[pk->n].len);
		pk->n++;
	}
	if (h != ARCHIVE_EOF) {
		fail(pk, "malformed");
		goto out;
	}
	rc = 0;
out:
	free(chunk);
	archive_read_free(a);
	return rc;
}

static const struct member *
find(const struct pkg *pk, const char *name)
{
	for (size_t i = 0; i < pk->n; i++)
		if (strcasecmp(pk->m[i].name, name) == 0)
			return &pk->m[i];
	return NULL;
}

static int
cmp_member(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	size_t lx = strlen(x->name), ly = strlen(y->name);

	/* sheet2 before sheet10 */
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->name, y->name);
}

static xmlTextReaderPtr
reader_for(const struct member *m)
{
	if (m->len > (size_t)INT32_MAX)
		return NULL;
	return xmlReaderForMemory((const char *)m->data, (int)m->len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT);
}

static int
is(xmlTextReaderPtr r, const char *local)
{
	const xmlChar *n = xmlTextReaderConstLocalName(r);

	return n != NULL && strcmp((const char *)n, local) == 0;
}

/* Text appended within what is left of text_size_limit; -1 past it. */
static int
add_text(struct pkg *pk, struct buf *b, const char *s, size_t n)
{
	if (n > pk->text_left)
		return -1;
	pk->text_left -= n;
	return buf_append(b, s, n);
}

/* --- Word and PowerPoint: paragraphs -------------------------------------- */

static int
story_text(struct pkg *pk, const struct member *m, const char *where, int slide)
{
	xmlTextReaderPtr r = reader_for(m);
	struct buf b;
	int in_text = 0, cells = 0, rc = 0, t;

	if (r == NULL)
		return fail(pk, "malformed");
	buf_init(&b, pk->lim->text_bytes + 16);
	while (rc == 0 && (t = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r);

		if (type == XML_READER_TYPE_ELEMENT) {
			/* w:t, w:delText (deleted, still in the file), a:t */
			if (is(r, "t") || is(r, "delText"))
				in_text = !xmlTextReaderIsEmptyElement(r);
			else if (is(r, "tab"))
				rc = add_text(pk, &b, "\t", 1);
			else if (is(r, "br") || is(r, "cr"))
				rc = add_text(pk, &b, slide ? "\n" : " ", 1);
			else if (is(r, "tc"))
				cells++;
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (is(r, "t") || is(r, "delText"))
				in_text = 0;
			else if (is(r, "p"))	/* in a table cell, the row goes on */
				rc = add_text(pk, &b, cells > 0 ? " " : "\n", 1);
			else if (is(r, "tc")) {
				cells--;
				rc = add_text(pk, &b, "\t", 1);
			} else if (is(r, "tr"))
				rc = add_text(pk, &b, "\n", 1);
		} else if (in_text && (type == XML_READER_TYPE_TEXT ||
		    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
		    type == XML_READER_TYPE_CDATA)) {
			const char *v = (const char *)xmlTextReaderConstValue(r);

			if (v != NULL)
				rc = add_text(pk, &b, v, strlen(v));
		}
	}
	if (rc != 0)
		fail(pk, "text_size_limit");
	else if (t < 0)
		rc = fail(pk, "malformed");
	{
		struct ooxml_unit u = { where, buf_str(&b), b.len, NULL, NULL, NULL, 0 };

		pk->fn(&u, pk->arg);	/* what was read, also when cut */
	}
	buf_free(&b);
	xmlFreeTextReader(r);
	return rc;
}

/* --- properties: every value on a line of its own ------------------------ */

static int
props_text(struct pkg *pk, const struct member *m)
{
	xmlTextReaderPtr r = reader_for(m);
	struct buf b;
	int rc = 0, t;

	if (r == NULL)
		return fail(pk, "malformed");
	buf_init(&b, pk->lim->text_bytes + 16);
	while (rc == 0 && (t = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r);

		if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA) {
			const char *v = (const char *)xmlTextReaderConstValue(r);

			if (v != NULL && (rc = add_text(pk, &b, v, strlen(v))) == 0)
				rc = add_text(pk, &b, "\n", 1);
		}
	}
	if (rc != 0)
		fail(pk, "text_size_limit");
	else if (t < 0)
		rc = fail(pk, "malformed");
	{
		struct ooxml_unit u = { "properties", buf_str(&b), b.len, NULL, NULL, NULL, 0 };

		pk->fn(&u, pk->arg);
	}
	buf_free(&b);
	xmlFreeTextReader(r);
	return rc;
}

/* --- Excel: shared strings and cells ----------------------------------------- */

struct strings {
	size_t *off;		/* start of string i in text */
	size_t n;
	struct buf text;	/* the strings, NUL after each */
};

static int
shared_strings(struct pkg *pk, struct strings *ss)
{
	const struct member *m = find(pk, "xl/sharedStrings.xml");
	xmlTextReaderPtr r;
	int in_t = 0, in_rph = 0, t, rc = 0;
	size_t cap = 0;

	buf_init(&ss->text, pk->lim->text_bytes + 16);
	if (m == NULL)
		return 0;
	if ((r = reader_for(m)) == NULL)
		return fail(pk, "malformed");
	while (rc == 0 && (t = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r);

		if (type == XML_READER_TYPE_ELEMENT && is(r, "si")) {
			if (ss->n == cap) {
				cap = cap ? cap * 2 : 256;
				ss->off = xrealloc(ss->off, cap * sizeof *ss->off);
			}
			ss->off[ss->n++] = ss->text.len;
			if (xmlTextReaderIsEmptyElement(r))
				rc = buf_putc(&ss->text, '\0');
		} else if (type == XML_READER_TYPE_END_ELEMENT && is(r, "si")) {
			rc = buf_putc(&ss->text, '\0');
		} else if (type == XML_READER_TYPE_ELEMENT && is(r, "rPh")) {
			in_rph = !xmlTextReaderIsEmptyElement(r);	/* ふりがな: not the text */
		} else if (type == XML_READER_TYPE_END_ELEMENT && is(r, "rPh")) {
			in_rph = 0;
		} else if (type == XML_READER_TYPE_ELEMENT && is(r, "t")) {
			in_t = !xmlTextReaderIsEmptyElement(r);
		} else if (type == XML_READER_TYPE_END_ELEMENT && is(r, "t")) {
			in_t = 0;
		} else if (in_t && !in_rph && ss->n > 0 && (type == XML_READER_TYPE_TEXT ||
		    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
			const char *v = (const char *)xmlTextReaderConstValue(r);

			if (v != NULL)
				rc = add_text(pk, &ss->text, v, strlen(v));
		}
	}
	xmlFreeTextReader(r);
	if (rc != 0)
		return fail(pk, "text_size_limit");
	return t < 0 ? fail(pk, "malformed") : 0;
}

/* A number as stored ("123456789018", "1.23456789018E+11") as the digits a
 * reader of the sheet sees when it is a whole number. */
static void
number_text(const char *v, struct buf *out)
{
	char *end;
	double d;

	if (strpbrk(v, "eE") == NULL) {
		(void)buf_puts(out, v);
		return;
	}
	d = strtod(v, &end);
	if (*end == '\0' && isfinite(d) && fabs(d) < 1e15 && d == floor(d))
		(void)buf_printf(out, "%.0f", d);
	else
		(void)buf_puts(out, v);
}

struct row {
	struct buf text;
	size_t off[OOXML_CELLS_MAX];
	char ref[OOXML_CELLS_MAX][16];
	const char *refp[OOXML_CELLS_MAX];
	size_t n;
};

static void
row_emit(struct pkg *pk, struct row *rw, const char *sheet, const char *context)
{
	struct ooxml_unit u = { sheet, buf_str(&rw->text), rw->text.len, context,
		rw->off, rw->refp, rw->n };

	if (rw->n > 0)
		pk->fn(&u, pk->arg);
	buf_reset(&rw->text);
	rw->n = 0;
}

static int
sheet_text(struct pkg *pk, const struct member *m, const struct strings *ss, struct row *rw)
{
	xmlTextReaderPtr r = reader_for(m);
	char sheet[64], type[16] = "", ref[16] = "";
	const char *base = strrchr(m->name, '/') + 1;
	struct buf first, val;
	int in_v = 0, in_is = 0, rows = 0, t, rc = 0;

	if (r == NULL)
		return fail(pk, "malformed");
	snprintf(sheet, sizeof sheet, "%.*s", (int)(strlen(base) - 4), base);
	buf_init(&first, 64 * 1024);
	buf_init(&val, 256 * 1024);	/* a cell holds at most 32,767 characters */
	while (rc == 0 && (t = xmlTextReaderRead(r)) == 1) {
		int nt = xmlTextReaderNodeType(r);

		if (nt == XML_READER_TYPE_ELEMENT && is(r, "c")) {
			xmlChar *a = xmlTextReaderGetAttribute(r, (const xmlChar *)"t");
			xmlChar *rf = xmlTextReaderGetAttribute(r, (const xmlChar *)"r");

			snprintf(type, sizeof type, "%s", a ? (const char *)a : "n");
			snprintf(ref, sizeof ref, "%s", rf ? (const char *)rf : "?");
			xmlFree(a);
			xmlFree(rf);
			buf_reset(&val);
		} else if (nt == XML_READER_TYPE_ELEMENT && (is(r, "v") || (in_is && is(r, "t")))) {
			in_v = !xmlTextReaderIsEmptyElement(r);
		} else if (nt == XML_READER_TYPE_ELEMENT && is(r, "is")) {
			in_is = 1;
		} else if (nt == XML_READER_TYPE_END_ELEMENT && (is(r, "v") || is(r, "t"))) {
			in_v = 0;
		} else if (nt == XML_READER_TYPE_END_ELEMENT && is(r, "is")) {
			in_is = 0;
		} else if (in_v && (nt == XML_READER_TYPE_TEXT ||
		    nt == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
			const char *v = (const char *)xmlTextReaderConstValue(r);

			if (v != NULL)
				(void)buf_puts(&val, v);
		} else if (nt == XML_READER_TYPE_END_ELEMENT && is(r, "c")) {
			struct buf cell;

			buf_init(&cell, 64 * 1024);
			if (strcmp(type, "s") == 0) {
				char *end;
				unsigned long i = strtoul(buf_str(&val), &end, 10);

				if (*end == '\0' && val.len > 0 && i < ss->n)
					(void)buf_puts(&cell, ss->text.data + ss->off[i]);
			} else if (strcmp(type, "n") == 0)
				number_text(buf_str(&val), &cell);
			else
				(void)buf_append(&cell, buf_str(&val), val.len);
			if (cell.len > 0 && rw->n < OOXML_CELLS_MAX) {
				if (rw->n > 0)
					rc = add_text(pk, &rw->text, "\t", 1);
				rw->off[rw->n] = rw->text.len;
				snprintf(rw->ref[rw->n], sizeof rw->ref[0], "%s", ref);
				rw->refp[rw->n] = rw->ref[rw->n];
				rw->n++;
				if (rc == 0)
					rc = add_text(pk, &rw->text, buf_str(&cell), cell.len);
			}
			buf_free(&cell);
		} else if (nt == XML_READER_TYPE_END_ELEMENT && is(r, "row")) {
			/* the first row (its headers) is the context of the others */
			if (rows++ == 0)
				(void)buf_append(&first, buf_str(&rw->text), rw->text.len);
			row_emit(pk, rw, sheet, rows > 1 ? buf_str(&first) : NULL);
		}
	}
	if (rc == 0)
		row_emit(pk, rw, sheet, buf_str(&first));	/* a row left open */
	else {
		buf_reset(&rw->text);
		rw->n = 0;
		fail(pk, "text_size_limit");
	}
	buf_free(&first);
	buf_free(&val);
	xmlFreeTextReader(r);
	if (rc == 0 && t < 0)
		rc = fail(pk, "malformed");
	return rc;
}

int
ooxml_text(const unsigned char *in, size_t len, const struct limits *lim,
    ooxml_unit_fn fn, void *arg, char *why, size_t whylen)
{
	struct pkg pk = { NULL, 0, lim, lim->text_bytes, fn, arg, why, whylen };
	struct strings ss = { NULL, 0, { NULL, 0, 0, 0 } };
	struct row *rw = NULL;
	size_t docs = 0;
	int rc;

	why[0] = '\0';
	rc = read_members(&pk, in, len);
	for (size_t i = 0; i < pk.n; i++)
		docs += !is_props(pk.m[i].name);
	if (rc == 0 && docs == 0)
		rc = fail(&pk, "no-document-parts");	/* a zip that only looks like one */
	if (pk.n > 1)
		qsort(pk.m, pk.n, sizeof *pk.m, cmp_member);
	for (size_t i = 0; rc == 0 && i < pk.n; i++) {
		const char *name = pk.m[i].name;

		if (is_props(name))
			rc = props_text(&pk, &pk.m[i]);
		else if (starts(name, "word/")) {
			char where[64];

			snprintf(where, sizeof where, "%.*s", (int)(strlen(name) - 9), name + 5);
			rc = story_text(&pk, &pk.m[i], where, 0);
		} else if (starts(name, "ppt/slides/")) {
			char where[64];

			snprintf(where, sizeof where, "%.*s", (int)(strlen(name) - 15), name + 11);
			rc = story_text(&pk, &pk.m[i], where, 1);
		} else if (starts(name, "xl/worksheets/")) {
			if (rw == NULL) {
				rw = xcalloc(1, sizeof *rw);
				buf_init(&rw->text, lim->text_bytes + 16);
				if ((rc = shared_strings(&pk, &ss)) != 0)
					break;
			}
			rc = sheet_text(&pk, &pk.m[i], &ss, rw);
		}
	}
	if (rw != NULL) {
		buf_free(&rw->text);
		free(rw);
	}
	buf_free(&ss.text);
	free(ss.off);
	for (size_t i = 0; i < pk.n; i++) {
		free(pk.m[i].name);
		free(pk.m[i].data);
	}
	free(pk.m);
	return rc;
}
