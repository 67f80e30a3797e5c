/*
 * ooxml - rebuild an Office Open XML package (docx/xlsx/pptx and their
 * macro, template, show and add-in variants) with only what is understood.
 *
 * Contract (see cdr.h): the package is read from memory with libarchive,
 * bounded by office_part_limit (members), archive_entry_size_limit (one
 * unpacked member), archive_total_size_limit (all of them, counting the
 * archives around this file) and archive_ratio_limit (unpacked/packed of a
 * member, from the central directory, once it unpacks to more than 4 MiB;
 * and of the whole package).  Member names with path tricks
 * (absolute, "..", backslashes, drive letters, control bytes) and
 * encrypted members make the package malformed/encrypted; two members
 * whose names differ only in case (OPC names are case-insensitive) make it
 * ambiguous.  A NEW package is then written with the shared zip writer:
 *
 *  - only allow-listed members: XML parts with OOXML content types, .rels,
 *    legacy VML drawings, and images whose bytes are a known image format;
 *    every XML part is parsed (libxml2, no network, no entity expansion, a
 *    DTD anywhere is malformed) and written out again from the tree;
 *  - dropped and recorded: VBA projects and anything starting with the OLE2
 *    signature, VBA data/signatures, ActiveX, OLE objects and embedded
 *    packages, Excel 4 macro/dialog sheets, external links and DDE links,
 *    data connections and query tables, custom UI, web extensions, embedded
 *    fonts, media, SVG, printer settings, digital signatures, unknown parts;
 *  - every .rels rewritten: external relationships are removed (hyperlinks
 *    become plain text), as is every relationship to a dropped member; the
 *    XML that referred to a removed relationship is mended so the document
 *    still opens (elements removed, optional attributes dropped, required
 *    ones emptied);
 *  - Word field codes that are not on a short list of harmless ones (DDE,
 *    DDEAUTO, INCLUDETEXT, LINK, HYPERLINK...) are removed, keeping the
 *    result the reader saw; PowerPoint macro/program actions and Excel
 *    shape macros are removed; workbook entries for removed sheets, their
 *    defined names and auto-run names go, and formulas into removed
 *    external workbooks keep only their cached values;
 *  - [Content_Types].xml rewritten: macro-enabled main types become their
 *    plain equivalents (templates stay templates, add-ins become
 *    workbooks), entries for dropped members go.
 *
 * The output type is the plain type of the main part.  Binary workbooks
 * (xlsb), and packages without a usable main part, are withheld.
 */
#include "cdr/cdr.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>

#include "cdr/zipw.h"
#include "core/num.h"
#include "core/utf8.h"
#include "core/xalloc.h"

#define NAME_MAX_LEN 1024	/* longest member name accepted */
#define FIELD_DEPTH 64		/* nested Word fields */
/*
 * Members that unpack to no more than this are not held to the ratio: EMF
 * previews of 1.5 MB compress 600:1 in real documents, and size alone is
 * bounded by the two size limits.
 */
#define RATIO_FLOOR (4ULL * 1024 * 1024)
#define READ_CHUNK 65536

static const char NS_REL_T[] =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
static const char NS_REL_S[] = "http://purl.oclc.org/ooxml/officeDocument/relationships";
static const char NS_PKG_REL[] =
    "http://schemas.openxmlformats.org/package/2006/relationships";
static const char NS_CT[] = "http://schemas.openxmlformats.org/package/2006/content-types";
static const char NS_W_T[] = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
static const char NS_W_S[] = "http://purl.oclc.org/ooxml/wordprocessingml/main";
static const char NS_X_T[] = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
static const char NS_X_S[] = "http://purl.oclc.org/ooxml/spreadsheetml/main";
static const char NS_VML_X[] = "urn:schemas-microsoft-com:office:excel";

static const unsigned char OLE2_SIG[8] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };

struct part {
	char *name;		/* member name as stored (UTF-8, no leading '/') */
	unsigned char *data;
	size_t len;
	const char *ct;		/* content type (owned by the types document) */
	char *ct_own;		/* ... or a copy when it had to be remapped */
	int keep;
	int vml;		/* legacy VML: dropped rather than withheld if not XML */
	xmlDocPtr doc;		/* parsed XML, written out from the tree */
	char **rmids;		/* relationship ids removed from this part's .rels */
	size_t nrmids;
	int is_rels;
};

struct cd_entry {
	const char *name;	/* points into the input */
	size_t namelen;
	unsigned long long csize;
};

struct pkg {
	struct cdr_ctx *c;
	struct cdr_result *r;
	struct part *parts;
	size_t nparts;
	size_t *byname;		/* indexes into parts, sorted case-insensitively */
	struct cd_entry *cd;
	size_t ncd;
	xmlDocPtr ctdoc;	/* [Content_Types].xml */
	struct part *main;	/* the officeDocument part */
	struct part *workbook;	/* the main part when it is a workbook */
	const char *out_type;
	const char *out_ext;
};

/* ------------------------------------------------------------------ */
/* small helpers */

static int
starts_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static int
ends_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static int
ns_is(const xmlNode *n, const char *a, const char *b)
{
	const char *h;

	if (n->ns == NULL || n->ns->href == NULL)
		return 0;
	h = (const char *)n->ns->href;
	return strcmp(h, a) == 0 || (b != NULL && strcmp(h, b) == 0);
}

static int
is_elem(const xmlNode *n, const char *local)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0;
}

static int
is_w(const xmlNode *n, const char *local)
{
	return is_elem(n, local) && ns_is(n, NS_W_T, NS_W_S);
}

static int
attr_is_rel(const xmlAttr *a)
{
	const char *h;

	if (a->ns == NULL || a->ns->href == NULL)
		return 0;
	h = (const char *)a->ns->href;
	return strcmp(h, NS_REL_T) == 0 || strcmp(h, NS_REL_S) == 0;
}

/* An attribute's value (first text child), or "". */
static const char *
attr_text(const xmlAttr *a)
{
	if (a != NULL && a->children != NULL && a->children->content != NULL)
		return (const char *)a->children->content;
	return "";
}

/* Unqualified attribute, or one in the W namespace (w:instr, w:fldCharType). */
static const char *
get_attr(const xmlNode *n, const char *local)
{
	if (n->type != XML_ELEMENT_NODE)	/* compact text nodes reuse properties */
		return NULL;
	for (const xmlAttr *a = n->properties; a != NULL; a = a->next)
		if (strcmp((const char *)a->name, local) == 0 &&
		    (a->ns == NULL || strcmp((const char *)a->ns->href, NS_W_T) == 0 ||
		    strcmp((const char *)a->ns->href, NS_W_S) == 0))
			return attr_text(a);
	return NULL;
}

static void
unlink_free(xmlNodePtr n)
{
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

static int
has_element_child(const xmlNode *n)
{
	for (const xmlNode *k = n->children; k != NULL; k = k->next)
		if (k->type == XML_ELEMENT_NODE)
			return 1;
	return 0;
}

/* Remove n, then any container above it that this left empty. */
static void
remove_with_empty_parents(xmlNodePtr n)
{
	static const char *const containers[] = {
		"hyperlinks", "externalReferences", "oleObjects", "controls", "Choice",
		"Fallback", "AlternateContent", "definedNames", NULL,
	};
	xmlNodePtr p = n->parent;

	unlink_free(n);
	while (p != NULL && p->type == XML_ELEMENT_NODE && !has_element_child(p)) {
		xmlNodePtr up = p->parent;
		size_t i;

		for (i = 0; containers[i] != NULL; i++)
			if (strcmp((const char *)p->name, containers[i]) == 0)
				break;
		if (containers[i] == NULL)
			break;
		unlink_free(p);
		p = up;
	}
}

/* ------------------------------------------------------------------ */
/* reading the package */

/* The central directory's packed sizes, for the ratio test.  0 when absent. */
static void
read_central_directory(struct pkg *pk, const unsigned char *in, size_t len)
{
	size_t i, eocd = 0, off, count, found = 0;

	if (len < 22)
		return;
	for (i = len - 22;; i--) {
		if (memcmp(in + i, "PK\005\006", 4) == 0) {
			eocd = i;
			found = 1;
			break;
		}
		if (i == 0 || len - i > 22 + 65535)
			break;
	}
	if (!found)
		return;
	count = (size_t)in[eocd + 10] | (size_t)in[eocd + 11] << 8;
	off = (size_t)in[eocd + 16] | (size_t)in[eocd + 17] << 8 |
	    (size_t)in[eocd + 18] << 16 | (size_t)in[eocd + 19] << 24;
	if (count == 0xffff || off == 0xffffffffu || off >= len)
		return;		/* zip64: the package-wide ratio still applies */
	pk->cd = xcalloc(count ? count : 1, sizeof *pk->cd);
	for (i = 0; i < count; i++) {
		size_t nl, xl, cl;

		if (off + 46 > len || memcmp(in + off, "PK\001\002", 4) != 0)
			break;
		nl = (size_t)in[off + 28] | (size_t)in[off + 29] << 8;
		xl = (size_t)in[off + 30] | (size_t)in[off + 31] << 8;
		cl = (size_t)in[off + 32] | (size_t)in[off + 33] << 8;
		if (off + 46 + nl > len)
			break;
		pk->cd[pk->ncd].csize = (unsigned long long)in[off + 20] |
		    (unsigned long long)in[off + 21] << 8 |
		    (unsigned long long)in[off + 22] << 16 |
		    (unsigned long long)in[off + 23] << 24;
		pk->cd[pk->ncd].name = (const char *)in + off + 46;
		pk->cd[pk->ncd].namelen = nl;
		pk->ncd++;
		off += 46 + nl + xl + cl;
	}
}

/* Packed size of a member from the central directory, 0 when unknown. */
static unsigned long long
packed_size(const struct pkg *pk, const char *name)
{
	size_t n = strlen(name);
	unsigned long long found = 0;
	int hits = 0;

	for (size_t i = 0; i < pk->ncd; i++)
		if (pk->cd[i].namelen == n && memcmp(pk->cd[i].name, name, n) == 0) {
			found = pk->cd[i].csize;
			hits++;
		}
	return hits == 1 && found != 0xffffffffu ? found : 0;
}

/* 1 when a member name is a plain relative path. */
static int
name_ok(const char *s)
{
	size_t n = strlen(s);
	const char *p;

	if (n == 0 || n > NAME_MAX_LEN || s[0] == '/' || strchr(s, '\\') != NULL ||
	    strchr(s, ':') != NULL)
		return 0;
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	/* every component non-empty (a trailing '/' is a directory), not . or .. */
	for (p = s; *p;) {
		const char *e = strchr(p, '/');
		size_t l = e != NULL ? (size_t)(e - p) : strlen(p);

		if (l == 0 || (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 1;
}

static int
cmp_part_ci(const void *a, const void *b, void *arg)
{
	const struct part *parts = arg;

	return strcasecmp(parts[*(const size_t *)a].name, parts[*(const size_t *)b].name);
}

static struct part *qsort_parts;	/* qsort has no context argument */

static int
cmp_index(const void *a, const void *b)
{
	return cmp_part_ci(a, b, qsort_parts);
}

static struct part *
find_part(const struct pkg *pk, const char *name)
{
	size_t lo = 0, hi = pk->nparts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcasecmp(name, pk->parts[pk->byname[mid]].name);

		if (d == 0)
			return &pk->parts[pk->byname[mid]];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int
read_members(struct pkg *pk, const unsigned char *in, size_t len)
{
	const struct limits *lim = &pk->c->pol->lim;
	struct archive *a;
	struct archive_entry *e;
	unsigned long long total = pk->c->archive_bytes ? *pk->c->archive_bytes : 0;
	size_t cap = 0;
	unsigned char *chunk;
	int rc = CDR_WITHHELD, h;

	/* libarchive turns '\\' into '/'; other readers do not: look at the raw names */
	for (size_t i = 0; i < pk->ncd; i++)
		if (memchr(pk->cd[i].name, '\\', pk->cd[i].namelen) != NULL ||
		    memchr(pk->cd[i].name, '\0', pk->cd[i].namelen) != NULL)
			return cdr_withhold(pk->r, "malformed",
			    "a member name has a backslash or NUL in it");
	if ((a = archive_read_new()) == NULL)
		die("libarchive: out of memory");
	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, in, len) != ARCHIVE_OK) {
		cdr_withhold(pk->r, "malformed", "not a zip package: %s",
		    archive_error_string(a) ? archive_error_string(a) : "unreadable");
		archive_read_free(a);
		return CDR_WITHHELD;
	}
	chunk = xmalloc(READ_CHUNK);
	while ((h = archive_read_next_header(a, &e)) == ARCHIVE_OK || h == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname_utf8(e);
		unsigned long long csize, ceiling, left;
		const char *which;
		struct part *p;
		struct buf b;
		la_ssize_t n;

		if (name == NULL)
			name = archive_entry_pathname(e);
		if (name == NULL || !name_ok(name)) {
			cdr_withhold(pk->r, "malformed", "a member name is not a plain relative path");
			goto out;
		}
		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		if (name[strlen(name) - 1] == '/') {
			cdr_withhold(pk->r, "malformed", "member %s is not a file", name);
			goto out;
		}
		if (archive_entry_filetype(e) != AE_IFREG) {
			cdr_withhold(pk->r, "malformed", "member %s is not a regular file", name);
			goto out;
		}
		if (archive_entry_is_encrypted(e)) {
			cdr_withhold(pk->r, "encrypted", "member %s is encrypted", name);
			goto out;
		}
		if (pk->nparts >= lim->office_parts) {
			cdr_limit(pk->r, "office_part_limit", lim->office_parts,
			    "more than %zu members in the package", lim->office_parts);
			goto out;
		}
		if (pk->nparts == cap) {
			cap = cap ? cap * 2 : 32;
			pk->parts = xrealloc(pk->parts, cap * sizeof *pk->parts);
		}
		p = &pk->parts[pk->nparts++];
		memset(p, 0, sizeof *p);
		p->name = xstrdup(name);
		/* the ceiling for this member: the first of the three limits */
		left = lim->archive_total - (total < lim->archive_total ? total : lim->archive_total);
		ceiling = lim->archive_entry_bytes;
		which = "archive_entry_size_limit";
		if (left < ceiling) {
			ceiling = left;
			which = "archive_total_size_limit";
		}
		csize = packed_size(pk, name);
		if (csize > 0) {
			unsigned long long rmax = csize * lim->archive_ratio;

			if (rmax < RATIO_FLOOR)
				rmax = RATIO_FLOOR;
			if (rmax < ceiling) {
				ceiling = rmax;
				which = "archive_ratio_limit";
			}
		}
		buf_init(&b, (size_t)ceiling);
		while ((n = archive_read_data(a, chunk, READ_CHUNK)) > 0)
			if (buf_append(&b, chunk, (size_t)n) != 0)
				break;
		if (n > 0) {
			buf_free(&b);
			if (strcmp(which, "archive_entry_size_limit") == 0)
				cdr_limit(pk->r, which, lim->archive_entry_bytes,
				    "member %s unpacks to more than %zu bytes", name,
				    lim->archive_entry_bytes);
			else if (strcmp(which, "archive_ratio_limit") == 0)
				cdr_limit(pk->r, which, lim->archive_ratio,
				    "member %s unpacks to more than %zu times its packed size",
				    name, lim->archive_ratio);
			else
				cdr_limit(pk->r, which, lim->archive_total,
				    "the package unpacks to more than %zu bytes", lim->archive_total);
			goto out;
		}
		if (n < 0) {
			buf_free(&b);
			if (archive_entry_is_data_encrypted(e))
				cdr_withhold(pk->r, "encrypted", "member %s is encrypted", name);
			else
				cdr_withhold(pk->r, "malformed", "member %s cannot be unpacked: %s",
				    name, archive_error_string(a) ? archive_error_string(a) : "?");
			goto out;
		}
		p->len = b.len;
		p->data = (unsigned char *)buf_steal(&b, &p->len);
		total += p->len;
	}
	if (h != ARCHIVE_EOF) {
		cdr_withhold(pk->r, "malformed", "not a readable zip package: %s",
		    archive_error_string(a) ? archive_error_string(a) : "unreadable");
		goto out;
	}
	/* the package as a whole: a bomb spread over many small members */
	if (total - (pk->c->archive_bytes ? *pk->c->archive_bytes : 0) >
	    (unsigned long long)len * lim->archive_ratio &&
	    total > RATIO_FLOOR) {
		cdr_limit(pk->r, "archive_ratio_limit", lim->archive_ratio,
		    "the package unpacks to more than %zu times its size", lim->archive_ratio);
		goto out;
	}
	if (pk->c->archive_bytes)
		*pk->c->archive_bytes = total;
	rc = CDR_OK;
out:
	free(chunk);
	archive_read_free(a);
	return rc;
}

/* Sorted index for lookups; names equal but for case are ambiguous. */
static int
index_members(struct pkg *pk)
{
	pk->byname = xcalloc(pk->nparts ? pk->nparts : 1, sizeof *pk->byname);
	for (size_t i = 0; i < pk->nparts; i++)
		pk->byname[i] = i;
	qsort_parts = pk->parts;
	qsort(pk->byname, pk->nparts, sizeof *pk->byname, cmp_index);
	for (size_t i = 1; i < pk->nparts; i++)
		if (strcasecmp(pk->parts[pk->byname[i - 1]].name,
		    pk->parts[pk->byname[i]].name) == 0)
			return cdr_withhold(pk->r, "ambiguous",
			    "two members are named %s (names are compared without case)",
			    pk->parts[pk->byname[i]].name);
	return CDR_OK;
}

/* ------------------------------------------------------------------ */
/* XML */

/* A DTD in a package part: Office refuses it, so do we (and expand nothing). */
static void
refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	xmlParserCtxtPtr pc = ctx;

	(void)name; (void)ext; (void)sys;
	pc->_private = (void *)1;
	xmlStopParser(pc);
}

/* Parse one part; NULL when it is not well-formed XML or has a DTD. */
static xmlDocPtr
parse_xml(const unsigned char *p, size_t len, int *had_dtd)
{
	xmlParserCtxtPtr pc;
	xmlDocPtr doc;

	*had_dtd = 0;
	if (len > INT32_MAX)
		return NULL;
	if ((pc = xmlNewParserCtxt()) == NULL)
		die("libxml2: out of memory");
	pc->sax->internalSubset = refuse_dtd;
	pc->_private = NULL;
	doc = xmlCtxtReadMemory(pc, (const char *)p, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT);
	if (pc->_private != NULL) {
		*had_dtd = 1;
		xmlFreeDoc(doc);
		doc = NULL;
	} else if (doc != NULL && (!pc->wellFormed || doc->intSubset != NULL ||
	    xmlDocGetRootElement(doc) == NULL)) {
		*had_dtd = doc->intSubset != NULL;
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(pc);
	return doc;
}

/* ------------------------------------------------------------------ */
/* content types */

struct ct_map {
	const char *from, *to;
};

/* Macro-enabled main parts and their plain equivalents. */
static const struct ct_map macro_main[] = {
	{ "application/vnd.ms-word.document.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml" },
	{ "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
	  "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml" },
	{ "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml" },
	{ "application/vnd.ms-excel.template.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml" },
	{ "application/vnd.ms-excel.addin.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml" },
	{ "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml" },
	{ "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml" },
	{ "application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml" },
	{ "application/vnd.ms-powerpoint.addin.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml" },
	{ NULL, NULL },
};

/* Plain main part types and what the package then is. */
static const struct {
	const char *main, *type, *ext;
} main_types[] = {
	{ "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
	  "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx" },
	{ "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
	  "application/vnd.openxmlformats-officedocument.wordprocessingml.template", ".dotx" },
	{ "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
	  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx" },
	{ "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
	  "application/vnd.openxmlformats-officedocument.spreadsheetml.template", ".xltx" },
	{ "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
	  "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx" },
	{ "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml",
	  "application/vnd.openxmlformats-officedocument.presentationml.slideshow", ".ppsx" },
	{ "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml",
	  "application/vnd.openxmlformats-officedocument.presentationml.template", ".potx" },
	{ NULL, NULL, NULL },
};

static const char *
plain_main(const char *ct)
{
	for (size_t i = 0; macro_main[i].from != NULL; i++)
		if (strcasecmp(ct, macro_main[i].from) == 0)
			return macro_main[i].to;
	return NULL;
}

/* Every member's content type: an Override for its name, else its extension's Default. */
static int
load_content_types(struct pkg *pk)
{
	struct part *ctp = find_part(pk, "[Content_Types].xml");
	xmlNodePtr root, n;
	int dtd;

	if (ctp == NULL)
		return cdr_withhold(pk->r, "malformed", "no [Content_Types].xml: not an OOXML package");
	ctp->keep = 1;
	if ((pk->ctdoc = parse_xml(ctp->data, ctp->len, &dtd)) == NULL)
		return cdr_withhold(pk->r, "malformed", "[Content_Types].xml is not %s",
		    dtd ? "allowed to have a DTD" : "well-formed XML");
	root = xmlDocGetRootElement(pk->ctdoc);
	if (!is_elem(root, "Types") || !ns_is(root, NS_CT, NULL))
		return cdr_withhold(pk->r, "malformed", "[Content_Types].xml has no Types element");
	/* Defaults first, then Overrides win */
	for (int pass = 0; pass < 2; pass++)
		for (n = root->children; n != NULL; n = n->next) {
			const char *ct = get_attr(n, "ContentType");

			if (n->type != XML_ELEMENT_NODE || ct == NULL)
				continue;
			if (pass == 0 && is_elem(n, "Default")) {
				const char *ext = get_attr(n, "Extension");

				if (ext == NULL || *ext == '\0')
					continue;
				for (size_t i = 0; i < pk->nparts; i++) {
					const char *dot = strrchr(base_name(pk->parts[i].name), '.');

					if (dot != NULL && strcasecmp(dot + 1, ext) == 0)
						pk->parts[i].ct = ct;
				}
			} else if (pass == 1 && is_elem(n, "Override")) {
				const char *pn = get_attr(n, "PartName");
				struct part *p;

				if (pn != NULL && pn[0] == '/' && (p = find_part(pk, pn + 1)) != NULL)
					p->ct = ct;
			}
		}
	return CDR_OK;
}

/* ------------------------------------------------------------------ */
/* relationship targets */

/* Percent-decode s in place (part names may be written %-escaped in targets). */
static void
pct_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			*o++ = (char)(hex_digit((unsigned char)s[1]) << 4 |
			    hex_digit((unsigned char)s[2]));
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

/*
 * The member a relationship points to: target resolved against the source
 * part's folder.  0 and the name in out, or -1 when it leaves the package.
 */
static int
resolve_target(const char *source, const char *target, char *out, size_t outlen)
{
	char tmp[NAME_MAX_LEN * 2 + 2];
	char *segs[NAME_MAX_LEN];
	size_t nsegs = 0, used = 0;
	char *p, *save = NULL;
	const char *hash;
	int n;

	hash = strchr(target, '#');
	if (target[0] == '/')
		n = snprintf(tmp, sizeof tmp, "%.*s", (int)(hash ? hash - target : (long)strlen(target)),
		    target + 1);
	else {
		const char *slash = strrchr(source, '/');
		int dl = slash != NULL ? (int)(slash - source + 1) : 0;

		n = snprintf(tmp, sizeof tmp, "%.*s%.*s", dl, source,
		    (int)(hash ? hash - target : (long)strlen(target)), target);
	}
	if (n < 0 || (size_t)n >= sizeof tmp)
		return -1;
	pct_decode(tmp);
	for (p = strtok_r(tmp, "/", &save); p != NULL; p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0) {
			if (nsegs == 0)
				return -1;
			nsegs--;
			continue;
		}
		if (nsegs == sizeof segs / sizeof segs[0])
			return -1;
		segs[nsegs++] = p;
	}
	if (nsegs == 0)
		return -1;
	for (size_t i = 0; i < nsegs; i++) {
		n = snprintf(out + used, outlen - used, "%s%s", i ? "/" : "", segs[i]);
		if (n < 0 || (size_t)n >= outlen - used)
			return -1;
		used += (size_t)n;
	}
	return 0;
}

/* The source part of a .rels member ("" for the package), or -1. */
static int
rels_source(const char *rels, char *out, size_t outlen)
{
	const char *b = base_name(rels);
	size_t dl = (size_t)(b - rels);

	if (!ends_ci(b, ".rels"))
		return -1;
	if (dl == 6 && strncasecmp(rels, "_rels/", 6) == 0 && strcasecmp(b, ".rels") == 0) {
		out[0] = '\0';
		return 0;
	}
	if (dl < 6 || strncasecmp(rels + dl - 6, "_rels/", 6) != 0 || strlen(b) <= 5)
		return -1;
	if ((dl - 6) + strlen(b) - 5 + 1 > outlen)
		return -1;
	memcpy(out, rels, dl - 6);
	memcpy(out + dl - 6, b, strlen(b) - 5);
	out[dl - 6 + strlen(b) - 5] = '\0';
	return 0;
}

static const char *
rel_type_short(const char *type)
{
	const char *s = strrchr(type, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : type;
}

/* The main part, from the package's relationships. */
static int
find_main(struct pkg *pk)
{
	struct part *rp = find_part(pk, "_rels/.rels");
	xmlDocPtr d;
	xmlNodePtr n;
	int dtd;
	const char *ct;

	if (rp == NULL)
		return cdr_withhold(pk->r, "malformed", "no _rels/.rels: not an OOXML package");
	if ((d = parse_xml(rp->data, rp->len, &dtd)) == NULL)
		return cdr_withhold(pk->r, "malformed", "_rels/.rels is not well-formed XML");
	for (n = xmlDocGetRootElement(d)->children; n != NULL; n = n->next) {
		const char *type = get_attr(n, "Type"), *target = get_attr(n, "Target");
		const char *mode = get_attr(n, "TargetMode");
		char name[NAME_MAX_LEN + 1];

		if (!is_elem(n, "Relationship") || type == NULL || target == NULL ||
		    strcmp(rel_type_short(type), "officeDocument") != 0 ||
		    (mode != NULL && strcasecmp(mode, "External") == 0))
			continue;
		if (resolve_target("", target, name, sizeof name) == 0 &&
		    (pk->main = find_part(pk, name)) != NULL)
			break;
	}
	xmlFreeDoc(d);
	if (pk->main == NULL)
		return cdr_withhold(pk->r, "malformed", "the package names no main document part");
	if (pk->main->ct == NULL)
		return cdr_withhold(pk->r, "malformed", "the main part %s has no content type",
		    pk->main->name);
	if (strstr(pk->main->ct, "sheet.binary") != NULL)
		return cdr_withhold(pk->r, "unsupported-format",
		    "binary Excel workbooks (.xlsb) cannot be rebuilt");
	if ((ct = plain_main(pk->main->ct)) != NULL) {
		pk->main->ct_own = xstrdup(ct);
		pk->main->ct = pk->main->ct_own;
	}
	for (size_t i = 0; main_types[i].main != NULL; i++)
		if (strcasecmp(pk->main->ct, main_types[i].main) == 0) {
			pk->out_type = main_types[i].type;
			pk->out_ext = main_types[i].ext;
		}
	if (pk->out_type == NULL)
		return cdr_withhold(pk->r, "unsupported-format",
		    "the main part's type %.100s is not a document, workbook or presentation",
		    pk->main->ct);
	if (strstr(pk->out_type, "spreadsheetml") != NULL)
		pk->workbook = pk->main;
	return CDR_OK;
}

/* ------------------------------------------------------------------ */
/* which members stay */

static int
image_magic(const unsigned char *p, size_t n)
{
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return 1;
	if (n >= 3 && memcmp(p, "\xff\xd8\xff", 3) == 0)
		return 1;
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		return 1;
	if (n >= 2 && memcmp(p, "BM", 2) == 0)
		return 1;
	if (n >= 4 && (memcmp(p, "II*\0", 4) == 0 || memcmp(p, "MM\0*", 4) == 0))
		return 1;
	if (n >= 44 && memcmp(p, "\x01\0\0\0", 4) == 0 && memcmp(p + 40, " EMF", 4) == 0)
		return 1;	/* EMF */
	if (n >= 4 && memcmp(p, "\xd7\xcd\xc6\x9a", 4) == 0)
		return 1;	/* placeable WMF */
	if (n >= 6 && (p[0] == 1 || p[0] == 2) && p[1] == 0 && p[2] == 9 && p[3] == 0 &&
	    (p[4] == 0 || p[4] == 1) && p[5] == 3)
		return 1;	/* WMF */
	return 0;
}

/* name is in folder dir ("xl/macrosheets/") or in any folder of its last name. */
static int
in_dir(const char *name, const char *dir)
{
	char pat[80];
	size_t n = strlen(dir);
	const char *last = dir;

	if (starts_ci(name, dir))
		return 1;
	for (size_t i = 0; i + 1 < n; i++)
		if (dir[i] == '/')
			last = dir + i + 1;
	snprintf(pat, sizeof pat, "/%s", last);
	return strcasestr(name, pat) != NULL;
}

/*
 * What a member is when it must go (a removal kind), NULL when it may stay.
 * Sets *xml for parts that are parsed.
 */
static const char *
judge(struct pkg *pk, struct part *p, int *xml)
{
	const char *n = p->name, *b = base_name(p->name), *ct = p->ct;

	*xml = 0;
	if (p->len >= 8 && memcmp(p->data, OLE2_SIG, 8) == 0)
		return strcasestr(b, "vbaProject") != NULL ? "vba-project" : "ole-object";
	if (starts_ci(b, "vbaProjectSignature"))
		return "vba-signature";
	if (strcasecmp(b, "vbaProject.bin") == 0)
		return "vba-project";
	if (strcasecmp(b, "vbaData.xml") == 0)
		return "vba-data";
	if (in_dir(n, "activeX/") || (ct && strcasestr(ct, "activeX")))
		return "activex";
	if (in_dir(n, "embeddings/"))
		return starts_ci(b, "oleObject") ? "ole-object" : "embedded-package";
	if (starts_ci(b, "oleObject") || (ct && strcasestr(ct, "oleObject")))
		return "ole-object";
	if (in_dir(n, "xl/macrosheets/") || in_dir(n, "xl/intlMacrosheets/") ||
	    in_dir(n, "xl/dialogsheets/") ||
	    (ct && (strcasestr(ct, "macrosheet") || strcasestr(ct, "dialogsheet"))))
		return "excel4-macro-sheet";
	if (in_dir(n, "xl/externalLinks/") || (ct && strcasestr(ct, "externalLink"))) {
		static const char dde[] = "ddeLink";

		return memmem(p->data, p->len, dde, sizeof dde - 1) != NULL ? "dde-link" :
		    "external-link";
	}
	if (strcasecmp(n, "xl/connections.xml") == 0 || in_dir(n, "xl/queryTables/") ||
	    (ct && (strcasestr(ct, "connections+xml") || strcasestr(ct, "queryTable"))))
		return "external-data";
	if (starts_ci(n, "customUI") || (ct && strcasestr(ct, "customUI")))
		return "custom-ui";
	if (ct && (strcasestr(ct, "keyMapCustomizations") || strcasestr(ct, "attachedToolbars")))
		return "custom-ui";
	if (in_dir(n, "webextensions/") || (ct && (strcasestr(ct, "webextension") ||
	    strcasestr(ct, "taskpane"))))
		return "web-extension";
	if (starts_ci(n, "_xmlsignatures/") || (ct && strcasestr(ct, "digital-signature")))
		return "digital-signature";
	if (ct && (strcasestr(ct, "obfuscatedFont") || starts_ci(ct, "application/x-font") ||
	    starts_ci(ct, "font/") || strcasestr(ct, "opentype")))
		return "embedded-font";
	if (ct && strcasestr(ct, "printerSettings"))
		return "printer-settings";
	if (ct && (strcasestr(ct, "vbaProject") || strcasestr(ct, "vbaData")))
		return "vba-project";
	if (strcasecmp(n, "xl/calcChain.xml") == 0)
		return "";		/* a cache Excel rebuilds; not content */
	if (ct == NULL)
		return "unrecognised-part";
	if (strcasecmp(ct, "application/vnd.openxmlformats-package.relationships+xml") == 0) {
		char src[NAME_MAX_LEN + 1];

		if (rels_source(n, src, sizeof src) != 0)
			return "unrecognised-part";
		p->is_rels = 1;
		*xml = 1;
		return NULL;
	}
	if (strcasecmp(ct, "application/vnd.openxmlformats-officedocument.vmlDrawing") == 0) {
		p->vml = 1;
		*xml = 1;
		return NULL;
	}
	if (ends_ci(ct, "+xml") && (starts_ci(ct, "application/vnd.openxmlformats-") ||
	    starts_ci(ct, "application/vnd.ms-office.") || starts_ci(ct, "application/vnd.ms-excel.") ||
	    starts_ci(ct, "application/vnd.ms-word.") ||
	    starts_ci(ct, "application/vnd.ms-powerpoint."))) {
		*xml = 1;
		return NULL;
	}
	if (strcasecmp(ct, "application/xml") == 0 || strcasecmp(ct, "text/xml") == 0) {
		*xml = 1;
		return NULL;
	}
	if (starts_ci(ct, "image/svg"))
		return "svg-image";
	if (starts_ci(ct, "image/"))
		return image_magic(p->data, p->len) ? NULL : "unrecognised-part";
	if (starts_ci(ct, "audio/") || starts_ci(ct, "video/"))
		return "media";
	(void)pk;
	return "unrecognised-part";
}

static int
classify(struct pkg *pk)
{
	for (size_t i = 0; i < pk->nparts; i++) {
		struct part *p = &pk->parts[i];
		const char *why;
		int xml, dtd;

		if (strcmp(p->name, "[Content_Types].xml") == 0)
			continue;
		if ((why = judge(pk, p, &xml)) != NULL) {
			if (p == pk->main)
				return cdr_withhold(pk->r, "malformed",
				    "the main part %s is not a document part", p->name);
			if (*why != '\0')
				cdr_removed(pk->r, why, p->name);
			continue;
		}
		p->keep = 1;
		if (!xml)
			continue;
		if ((p->doc = parse_xml(p->data, p->len, &dtd)) == NULL) {
			if (p->vml && !dtd) {	/* Excel writes VML that is not XML */
				p->keep = 0;
				cdr_removed(pk->r, "legacy-drawing", p->name);
				continue;
			}
			return cdr_withhold(pk->r, "malformed", "part %s %s", p->name,
			    dtd ? "has a DTD (Office refuses those)" : "is not well-formed XML");
		}
	}
	return CDR_OK;
}

/* ------------------------------------------------------------------ */
/* relationships */

static void
add_rmid(struct part *p, const char *id)
{
	p->rmids = xrealloc(p->rmids, (p->nrmids + 1) * sizeof *p->rmids);
	p->rmids[p->nrmids++] = xstrdup(id);
}

static int
is_rmid(const struct part *p, const char *id)
{
	for (size_t i = 0; i < p->nrmids; i++)
		if (strcmp(p->rmids[i], id) == 0)
			return 1;
	return 0;
}

static void
fix_one_rels(struct pkg *pk, struct part *rp, struct part *src, const char *srcname)
{
	xmlNodePtr root = xmlDocGetRootElement(rp->doc), n, next;

	for (n = root->children; n != NULL; n = next) {
		const char *id, *type, *target, *mode;
		char name[NAME_MAX_LEN + 1];
		struct part *t;
		int drop = 0;

		next = n->next;
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!is_elem(n, "Relationship") || !ns_is(n, NS_PKG_REL, NULL)) {
			unlink_free(n);
			continue;
		}
		id = get_attr(n, "Id");
		type = get_attr(n, "Type");
		target = get_attr(n, "Target");
		mode = get_attr(n, "TargetMode");
		if (id == NULL || type == NULL || target == NULL)
			drop = 1;
		else if (mode != NULL && strcasecmp(mode, "Internal") != 0) {
			const char *st = rel_type_short(type);

			drop = 1;
			if (strcmp(st, "attachedTemplate") == 0)
				cdr_removed(pk->r, "remote-template", target);
			else if (strcmp(st, "oleObject") == 0)
				cdr_removed(pk->r, "ole-object", "linked");
			else
				cdr_removed(pk->r, "external-relationship", st);
		} else if (resolve_target(srcname, target, name, sizeof name) != 0 ||
		    (t = find_part(pk, name)) == NULL || !t->keep)
			drop = 1;
		if (!drop)
			continue;
		if (src != NULL && id != NULL)
			add_rmid(src, id);
		unlink_free(n);
	}
}

static int
fix_rels(struct pkg *pk)
{
	for (size_t i = 0; i < pk->nparts; i++) {
		struct part *rp = &pk->parts[i], *src = NULL;
		char srcname[NAME_MAX_LEN + 1];
		xmlNodePtr root;

		if (!rp->keep || !rp->is_rels)
			continue;
		root = xmlDocGetRootElement(rp->doc);
		if (!is_elem(root, "Relationships") || !ns_is(root, NS_PKG_REL, NULL))
			return cdr_withhold(pk->r, "malformed", "%s is not a relationships part",
			    rp->name);
		rels_source(rp->name, srcname, sizeof srcname);
		if (srcname[0] != '\0') {
			src = find_part(pk, srcname);
			if (src == NULL || !src->keep) {	/* belongs to a dropped part */
				rp->keep = 0;
				continue;
			}
		}
		fix_one_rels(pk, rp, src, srcname);
	}
	return CDR_OK;
}

/* ------------------------------------------------------------------ */
/* mending the XML that referred to removed relationships */

/* Elements removed whole when their relationship went. */
static int
drops_whole(const xmlNode *n)
{
	static const char *const names[] = {
		"externalReference", "attachedTemplate", "subDoc", "altChunk", "control",
		"oleObject", "OLEObject", "dataSource", "headerSource", "sourceFileName",
		"recipientData", "pivotCache", NULL,
	};
	const char *nm = (const char *)n->name;

	if (strcmp(nm, "hyperlink") == 0)	/* SpreadsheetML: r:id is required */
		return ns_is(n, NS_X_T, NS_X_S);
	for (size_t i = 0; names[i] != NULL; i++)
		if (strcmp(nm, names[i]) == 0)
			return 1;
	return 0;
}

struct nodes {
	xmlNodePtr *v;
	size_t n, cap;
};

static void
nodes_add(struct nodes *l, xmlNodePtr n)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = n;
}

/* Depth-first walk without recursion: the next element after n under top. */
static xmlNodePtr
next_element(xmlNodePtr n, xmlNodePtr top, int descend)
{
	if (descend && n->children != NULL) {
		for (xmlNodePtr k = n->children; k != NULL; k = k->next)
			if (k->type == XML_ELEMENT_NODE)
				return k;
	}
	while (n != NULL && n != top) {
		for (xmlNodePtr s = n->next; s != NULL; s = s->next)
			if (s->type == XML_ELEMENT_NODE)
				return s;
		n = n->parent;
	}
	return NULL;
}

static void
mend_references(struct pkg *pk, struct part *p)
{
	xmlNodePtr root = xmlDocGetRootElement(p->doc), n;
	struct nodes whole = { 0 }, ext = { 0 };

	(void)pk;
	for (n = root; n != NULL; n = next_element(n, root, 1)) {
		xmlAttrPtr a, an;

		for (a = n->properties; a != NULL; a = an) {
			an = a->next;
			if (!attr_is_rel(a) || !is_rmid(p, attr_text(a)))
				continue;
			if (drops_whole(n)) {
				nodes_add(&whole, n);
				break;
			}
			if (strcmp((const char *)n->name, "svgBlip") == 0 && n->parent != NULL &&
			    is_elem(n->parent, "ext")) {
				nodes_add(&ext, n->parent);
				break;
			}
			if (strncmp((const char *)n->name, "hlink", 5) == 0)
				xmlNodeSetContent((xmlNodePtr)a, (const xmlChar *)"");
			else
				xmlRemoveProp(a);
		}
	}
	for (size_t i = 0; i < ext.n; i++)
		unlink_free(ext.v[i]);
	/* inner elements first, so a container never frees one still listed */
	for (size_t i = whole.n; i-- > 0;)
		remove_with_empty_parents(whole.v[i]);
	free(whole.v);
	free(ext.v);
}

/* ------------------------------------------------------------------ */
/* Word fields */

static const char *const safe_fields[] = {
	"PAGE", "NUMPAGES", "SECTIONPAGES", "SECTION", "DATE", "TIME", "CREATEDATE",
	"SAVEDATE", "PRINTDATE", "EDITTIME", "AUTHOR", "TITLE", "SUBJECT", "KEYWORDS",
	"COMMENTS", "FILENAME", "FILESIZE", "NUMWORDS", "NUMCHARS", "DOCPROPERTY",
	"DOCVARIABLE", "TOC", "TOA", "TC", "TA", "XE", "INDEX", "REF", "PAGEREF", "NOTEREF",
	"SEQ", "STYLEREF", "FORMTEXT", "FORMCHECKBOX", "FORMDROPDOWN", "MERGEFIELD",
	"MERGEREC", "MERGESEQ", "NEXT", "NEXTIF", "SKIPIF", "IF", "COMPARE", "=", "SYMBOL",
	"EQ", "ADVANCE", "LISTNUM", "AUTONUM", "AUTONUMLGL", "AUTONUMOUT", "BIBLIOGRAPHY",
	"CITATION", "QUOTE", "SET", "USERNAME", "USERINITIALS", "USERADDRESS", "TEMPLATE",
	"INFO", "LASTSAVEDBY", "REVNUM", "BARCODE", "DISPLAYBARCODE", "BIDIOUTLINE",
	"GREETINGLINE", "ADDRESSBLOCK", "PRIVATE", "ADDIN", "AUTOTEXT", "AUTOTEXTLIST",
	"FILLIN", "ASK", "SHAPE", NULL,
};

struct field {
	xmlNodePtr begin;
	struct nodes region;	/* begin, instruction, nested fields, separate, end */
	char kw[32];		/* first word of the instruction */
	size_t kwlen;
	int kw_done;		/* the first word is complete */
	int constructed;	/* a nested field came before the first word */
	int in_result;
};

/* Feed instruction text to the field's first-word collector. */
static void
field_instr(struct field *f, const char *s)
{
	for (; *s && !f->kw_done; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == 0xa0) {
			if (f->kwlen > 0)
				f->kw_done = 1;
			continue;
		}
		if (ch == '\\' || ch == '"') {
			if (f->kwlen > 0)
				f->kw_done = 1;
			else
				f->constructed = 1, f->kw_done = 1;
			continue;
		}
		if (f->kwlen + 1 < sizeof f->kw)
			f->kw[f->kwlen++] = (char)toupper(ch);
		else
			f->kw_done = 1;
	}
	f->kw[f->kwlen] = '\0';
}

/* 1 when the instruction is harmless; what/name say what it was otherwise. */
static int
field_safe(const char *instr_kw, int constructed, const char **what)
{
	*what = "field-code";
	if (constructed || *instr_kw == '\0')
		return 0;
	if (strcmp(instr_kw, "DDE") == 0 || strcmp(instr_kw, "DDEAUTO") == 0) {
		*what = "dde-field";
		return 0;
	}
	for (size_t i = 0; safe_fields[i] != NULL; i++)
		if (strcmp(instr_kw, safe_fields[i]) == 0)
			return 1;
	if (instr_kw[0] == '=')
		return 1;
	return 0;
}

static void
mark(struct nodes *kill, xmlNodePtr n)
{
	if (n->_private != NULL)
		return;
	n->_private = (void *)1;
	nodes_add(kill, n);
}

static int
word_fields(struct pkg *pk, struct part *p)
{
	xmlNodePtr root = xmlDocGetRootElement(p->doc), n;
	struct field stack[FIELD_DEPTH];
	struct nodes kill = { 0 }, simple = { 0 };
	size_t depth = 0;
	int rc = CDR_OK;

	memset(stack, 0, sizeof stack);
	for (n = root; n != NULL; n = next_element(n, root, 1)) {
		if (is_w(n, "fldSimple")) {
			struct field f;
			const char *instr = get_attr(n, "instr"), *what;

			memset(&f, 0, sizeof f);
			field_instr(&f, instr ? instr : "");
			if (!field_safe(f.kw, f.constructed, &what)) {
				cdr_removed(pk->r, what, f.kw[0] ? f.kw : "(hidden)");
				nodes_add(&simple, n);
			}
			continue;
		}
		if (is_w(n, "fldChar")) {
			const char *t = get_attr(n, "fldCharType");

			if (t == NULL)
				continue;
			if (strcmp(t, "begin") == 0) {
				if (depth == FIELD_DEPTH) {
					rc = cdr_withhold(pk->r, "malformed",
					    "Word fields nested deeper than %d in %s", FIELD_DEPTH,
					    p->name);
					goto out;
				}
				for (size_t i = 0; i < depth; i++)
					if (!stack[i].in_result) {
						nodes_add(&stack[i].region, n);
						if (!stack[i].kw_done && stack[i].kwlen == 0)
							stack[i].constructed = 1;
						stack[i].kw_done = 1;
					}
				memset(&stack[depth], 0, sizeof stack[depth]);
				stack[depth].begin = n;
				nodes_add(&stack[depth].region, n);
				depth++;
			} else if (depth > 0 && strcmp(t, "separate") == 0) {
				for (size_t i = 0; i < depth; i++)
					if (!stack[i].in_result || i == depth - 1)
						nodes_add(&stack[i].region, n);
				stack[depth - 1].in_result = 1;
			} else if (depth > 0 && strcmp(t, "end") == 0) {
				struct field *f = &stack[depth - 1];
				const char *what;

				for (size_t i = 0; i < depth; i++)
					if (!stack[i].in_result || i == depth - 1)
						nodes_add(&stack[i].region, n);
				if (!field_safe(f->kw, f->constructed, &what)) {
					cdr_removed(pk->r, what, f->kw[0] ? f->kw : "(hidden)");
					for (size_t i = 0; i < f->region.n; i++)
						mark(&kill, f->region.v[i]);
				}
				free(f->region.v);
				depth--;
			}
			continue;
		}
		if (depth == 0)
			continue;
		if (is_w(n, "instrText") || is_w(n, "delInstrText")) {
			xmlChar *s = xmlNodeGetContent(n);

			if (!stack[depth - 1].in_result)
				field_instr(&stack[depth - 1], s ? (const char *)s : "");
			xmlFree(s);
		}
		/* run content inside an instruction belongs to that instruction */
		if (n->parent != NULL && is_w(n->parent, "r") && !is_w(n, "rPr"))
			for (size_t i = 0; i < depth; i++)
				if (!stack[i].in_result)
					nodes_add(&stack[i].region, n);
	}
	/* fields never ended: their begin and instruction go (Word ignores them too) */
	while (depth > 0) {
		struct field *f = &stack[--depth];
		const char *what;

		if (!field_safe(f->kw, f->constructed, &what)) {
			cdr_removed(pk->r, what, f->kw[0] ? f->kw : "(hidden)");
			for (size_t i = 0; i < f->region.n; i++)
				mark(&kill, f->region.v[i]);
		}
		free(f->region.v);
		f->region.v = NULL;
	}
	/* a simple field keeps its result: its runs move up in its place */
	for (size_t i = simple.n; i-- > 0;) {
		xmlNodePtr s = simple.v[i], k;

		while ((k = s->children) != NULL) {
			xmlUnlinkNode(k);
			xmlAddPrevSibling(s, k);
		}
		unlink_free(s);
	}
	/* inner nodes were marked before their containers, free the containers last */
	for (size_t i = kill.n; i-- > 0;) {
		kill.v[i]->_private = NULL;
		xmlUnlinkNode(kill.v[i]);
	}
	for (size_t i = 0; i < kill.n; i++)
		xmlFreeNode(kill.v[i]);
out:
	for (size_t i = 0; i < depth; i++)
		free(stack[i].region.v);
	free(kill.v);
	free(simple.v);
	return rc;
}

/* Word settings: mail merge pulls data from outside. */
static void
word_settings(struct pkg *pk, struct part *p)
{
	xmlNodePtr root = xmlDocGetRootElement(p->doc), n, next;

	for (n = root->children; n != NULL; n = next) {
		next = n->next;
		if (is_w(n, "mailMerge")) {
			cdr_removed(pk->r, "external-data", "mailMerge");
			unlink_free(n);
		}
	}
}

/* ------------------------------------------------------------------ */
/* workbooks, sheets, drawings, presentations */

/* "[n]" with digits: a reference into an external workbook. */
static int
external_formula(const char *s)
{
	for (const char *p = strchr(s, '['); p != NULL; p = strchr(p + 1, '[')) {
		const char *q = p + 1;

		while (isdigit((unsigned char)*q))
			q++;
		if (q > p + 1 && *q == ']')
			return 1;
	}
	return 0;
}

static int
auto_run_name(const char *name)
{
	static const char *const names[] = {
		"Auto_Open", "Auto_Close", "Auto_Activate", "Auto_Deactivate", NULL,
	};

	if (starts_ci(name, "_xlnm."))
		name += 6;
	for (size_t i = 0; names[i] != NULL; i++)
		if (starts_ci(name, names[i]))
			return 1;
	return 0;
}

static void
set_attr_num(xmlNodePtr n, const char *name, long v)
{
	char s[32];

	snprintf(s, sizeof s, "%ld", v);
	xmlSetProp(n, (const xmlChar *)name, (const xmlChar *)s);
}

/*
 * The workbook: <sheet> entries whose relationship went (macro and dialog
 * sheets) are removed, sheet-local names renumbered, names that referred to
 * removed sheets and auto-run names removed.
 */
static int
workbook(struct pkg *pk, struct part *p)
{
	xmlNodePtr root = xmlDocGetRootElement(p->doc), n, sheets = NULL, names = NULL, k, next;
	long removed_idx[256];
	char *removed_name[256];
	size_t nrem = 0, nleft = 0;
	long idx = 0;
	int rc = CDR_OK;

	for (n = root->children; n != NULL; n = n->next) {
		if (is_elem(n, "sheets"))
			sheets = n;
		else if (is_elem(n, "definedNames"))
			names = n;
	}
	if (sheets != NULL)
		for (k = sheets->children; k != NULL; k = next) {
			xmlAttrPtr a;
			int gone = 0;

			next = k->next;
			if (k->type != XML_ELEMENT_NODE)
				continue;
			for (a = k->properties; a != NULL; a = a->next)
				if (attr_is_rel(a) && (*attr_text(a) == '\0' || is_rmid(p, attr_text(a))))
					gone = 1;
			if (!gone) {
				nleft++;
				idx++;
				continue;
			}
			if (nrem == sizeof removed_idx / sizeof removed_idx[0]) {
				rc = cdr_withhold(pk->r, "malformed", "too many removed sheets");
				goto out;
			}
			removed_idx[nrem] = idx;
			removed_name[nrem] = (char *)xmlGetProp(k, (const xmlChar *)"name");
			nrem++;
			idx++;
			unlink_free(k);
		}
	if (sheets != NULL && nleft == 0) {
		rc = cdr_withhold(pk->r, "nothing-left",
		    "the workbook has no sheets left once macro sheets are removed");
		goto out;
	}
	if (names != NULL)
		for (k = names->children; k != NULL; k = next) {
			xmlChar *nm, *lsid, *txt;
			int gone = 0;

			next = k->next;
			if (k->type != XML_ELEMENT_NODE)
				continue;
			nm = xmlGetProp(k, (const xmlChar *)"name");
			lsid = xmlGetProp(k, (const xmlChar *)"localSheetId");
			txt = xmlNodeGetContent(k);
			if (nm != NULL && auto_run_name((const char *)nm)) {
				cdr_removed(pk->r, "auto-run-name", (const char *)nm);
				gone = 1;
			} else if (txt != NULL && external_formula((const char *)txt))
				gone = 1;	/* into a removed external workbook */
			for (size_t i = 0; i < nrem && !gone; i++)
				if (removed_name[i] != NULL && txt != NULL &&
				    strstr((const char *)txt, removed_name[i]) != NULL)
					gone = 1;
			uint64_t u;

			if (!gone && lsid != NULL && parse_u64((const char *)lsid, &u) == 0 &&
			    u <= 1000000) {
				long v = (long)u, shift = 0;

				for (size_t i = 0; i < nrem; i++) {
					if (removed_idx[i] == v)
						gone = 1;
					else if (removed_idx[i] < v)
						shift++;
				}
				if (!gone && shift > 0)
					set_attr_num(k, "localSheetId", v - shift);
			}
			xmlFree(nm);
			xmlFree(lsid);
			xmlFree(txt);
			if (gone)
				remove_with_empty_parents(k);
		}
	/* the views must not point past the sheets left */
	if (nrem > 0)
		for (n = root->children; n != NULL; n = n->next)
			if (is_elem(n, "bookViews"))
				for (k = n->children; k != NULL; k = k->next) {
					if (k->type != XML_ELEMENT_NODE)
						continue;
					xmlUnsetProp(k, (const xmlChar *)"activeTab");
					xmlUnsetProp(k, (const xmlChar *)"firstSheet");
				}
out:
	for (size_t i = 0; i < nrem; i++)
		xmlFree(removed_name[i]);
	return rc;
}

/* Worksheet formulas into removed external workbooks keep their cached value. */
static void
sheet_formulas(struct pkg *pk, struct part *p)
{
	xmlNodePtr root = xmlDocGetRootElement(p->doc), n;
	struct nodes cut = { 0 };
	char *shared = NULL;	/* si values of removed shared formulas, ",1,2," */
	size_t slen = 0;

	for (n = root; n != NULL; n = next_element(n, root, 1)) {
		xmlChar *txt;

		if (!is_elem(n, "f") || !ns_is(n, NS_X_T, NS_X_S))
			continue;
		txt = xmlNodeGetContent(n);
		if (txt != NULL && external_formula((const char *)txt)) {
			xmlChar *si = xmlGetProp(n, (const xmlChar *)"si");

			if (si != NULL) {
				shared = xrealloc(shared, slen + strlen((const char *)si) + 3);
				slen += (size_t)snprintf(shared + slen, strlen((const char *)si) + 3,
				    "%s%s,", slen ? "" : ",", (const char *)si);
				xmlFree(si);
			}
			n->_private = (void *)1;
			nodes_add(&cut, n);
		}
		xmlFree(txt);
	}
	if (shared != NULL)
		for (n = root; n != NULL; n = next_element(n, root, 1)) {
			xmlChar *si;
			char key[48];

			if (!is_elem(n, "f") || !ns_is(n, NS_X_T, NS_X_S) || n->_private != NULL)
				continue;
			if ((si = xmlGetProp(n, (const xmlChar *)"si")) == NULL)
				continue;
			snprintf(key, sizeof key, ",%.40s,", (const char *)si);
			xmlFree(si);
			if (strstr(shared, key) != NULL) {
				n->_private = (void *)1;
				nodes_add(&cut, n);
			}
		}
	for (size_t i = 0; i < cut.n; i++) {
		cut.v[i]->_private = NULL;
		if (i == 0)
			cdr_removed(pk->r, "external-formula", p->name);
		unlink_free(cut.v[i]);
	}
	free(cut.v);
	free(shared);
}

/*
 * Anywhere: PowerPoint actions that run macros or programs, shape and
 * form-control macros in Excel drawings, VML FmlaMacro.
 */
static void
actions(struct pkg *pk, struct part *p)
{
	xmlNodePtr root = xmlDocGetRootElement(p->doc), n, next;
	struct nodes cut = { 0 };

	for (n = root; n != NULL; n = next) {
		xmlAttrPtr a, an;

		next = next_element(n, root, 1);
		for (a = n->properties; a != NULL; a = an) {
			const char *nm = (const char *)a->name, *v = attr_text(a);

			an = a->next;
			if (a->ns != NULL)
				continue;
			if (strcmp(nm, "action") == 0 && strncmp((const char *)n->name, "hlink", 5) == 0 &&
			    (starts_ci(v, "ppaction://macro") || starts_ci(v, "ppaction://program") ||
			    starts_ci(v, "ppaction://ole"))) {
				cdr_removed(pk->r, "macro-action", v + 11);
				xmlRemoveProp(a);
			} else if ((strcmp(nm, "macro") == 0 || strcmp(nm, "fmlaMacro") == 0) &&
			    *v != '\0') {
				cdr_removed(pk->r, "macro-action", p->name);
				xmlRemoveProp(a);
			}
		}
		if (is_elem(n, "FmlaMacro") && ns_is(n, NS_VML_X, NULL)) {
			cdr_removed(pk->r, "macro-action", p->name);
			nodes_add(&cut, n);
			next = next_element(n, root, 0);
		}
	}
	for (size_t i = 0; i < cut.n; i++)
		unlink_free(cut.v[i]);
	free(cut.v);
}

static int
edit_parts(struct pkg *pk)
{
	for (size_t i = 0; i < pk->nparts; i++) {
		struct part *p = &pk->parts[i];

		if (!p->keep || p->doc == NULL || p->is_rels)
			continue;
		if (p == pk->workbook && workbook(pk, p) != CDR_OK)
			return CDR_WITHHELD;
		if (p->nrmids > 0)
			mend_references(pk, p);
		if (p->ct != NULL && strcasestr(p->ct, "wordprocessingml") != NULL) {
			if (word_fields(pk, p) != CDR_OK)
				return CDR_WITHHELD;
			if (ends_ci(p->ct, "settings+xml"))
				word_settings(pk, p);
		}
		if (p->ct != NULL && ends_ci(p->ct, "worksheet+xml"))
			sheet_formulas(pk, p);
		actions(pk, p);
	}
	return CDR_OK;
}

/* [Content_Types].xml: remapped main type, nothing for dropped members. */
static void
edit_content_types(struct pkg *pk)
{
	xmlNodePtr root = xmlDocGetRootElement(pk->ctdoc), n, next;

	for (n = root->children; n != NULL; n = next) {
		next = n->next;
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is_elem(n, "Override")) {
			const char *pn = get_attr(n, "PartName");
			struct part *p = pn && pn[0] == '/' ? find_part(pk, pn + 1) : NULL;

			if (p == NULL || !p->keep)
				unlink_free(n);
			else if (p->ct_own != NULL)
				xmlSetProp(n, (const xmlChar *)"ContentType", (const xmlChar *)p->ct_own);
		} else if (is_elem(n, "Default")) {
			const char *ext = get_attr(n, "Extension"), *ct = get_attr(n, "ContentType");
			int used = 0;

			if (ext == NULL || ct == NULL) {
				unlink_free(n);
				continue;
			}
			if (strcasecmp(ext, "rels") == 0 || strcasecmp(ext, "xml") == 0)
				used = 1;
			for (size_t i = 0; i < pk->nparts && !used; i++) {
				const char *dot = strrchr(base_name(pk->parts[i].name), '.');

				if (pk->parts[i].keep && dot != NULL && strcasecmp(dot + 1, ext) == 0)
					used = 1;
			}
			if (!used)
				unlink_free(n);
		} else
			unlink_free(n);
	}
}

/* ------------------------------------------------------------------ */
/* writing */

static int
no_deflate(const struct part *p)
{
	return p->doc == NULL && p->len >= 3 && (memcmp(p->data, "\x89PN", 3) == 0 ||
	    memcmp(p->data, "\xff\xd8\xff", 3) == 0 || memcmp(p->data, "GIF", 3) == 0);
}

static int
add_doc(struct zipw *z, const char *name, xmlDocPtr doc)
{
	xmlChar *mem = NULL;
	int size = 0, rc;

	xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
	if (mem == NULL)
		die("libxml2: cannot serialise %s", name);
	rc = zipw_add(z, name, mem, (size_t)size, 1);
	xmlFree(mem);
	return rc;
}

static int
write_package(struct pkg *pk, struct buf *out)
{
	struct zipw *z = zipw_open(out);
	size_t kept = 0;

	if (add_doc(z, "[Content_Types].xml", pk->ctdoc) != 0)
		goto fail;
	for (size_t i = 0; i < pk->nparts; i++) {
		struct part *p = &pk->parts[i];
		int rc;

		if (!p->keep || strcmp(p->name, "[Content_Types].xml") == 0)
			continue;
		if (p->doc != NULL)
			rc = add_doc(z, p->name, p->doc);
		else
			rc = zipw_add(z, p->name, p->data, p->len, !no_deflate(p));
		if (rc != 0)
			goto fail;
		kept++;
	}
	pk->r->pages = kept + 1;
	if (zipw_close(z) != 0) {
		z = NULL;
		goto fail_closed;
	}
	return CDR_OK;
fail:
	if (zipw_full(z)) {
		zipw_abort(z);
		return cdr_limit(pk->r, "file_output_size_limit", pk->c->pol->lim.file_out_bytes,
		    "the rebuilt package is larger than the output limit");
	}
	cdr_withhold(pk->r, "internal", "zip writer: %s", zipw_error(z));
	zipw_abort(z);
	return CDR_WITHHELD;
fail_closed:
	if (out->len >= out->max)
		return cdr_limit(pk->r, "file_output_size_limit", pk->c->pol->lim.file_out_bytes,
		    "the rebuilt package is larger than the output limit");
	return cdr_withhold(pk->r, "internal", "zip writer could not finish the package");
}

static void
pkg_free(struct pkg *pk)
{
	for (size_t i = 0; i < pk->nparts; i++) {
		struct part *p = &pk->parts[i];

		free(p->name);
		free(p->data);
		free(p->ct_own);
		if (p->doc != NULL)
			xmlFreeDoc(p->doc);
		for (size_t j = 0; j < p->nrmids; j++)
			free(p->rmids[j]);
		free(p->rmids);
	}
	free(pk->parts);
	free(pk->byname);
	free(pk->cd);
	if (pk->ctdoc != NULL)
		xmlFreeDoc(pk->ctdoc);
}

int
cdr_ooxml(struct cdr_ctx *c, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r)
{
	struct pkg pk;
	int rc;

	memset(&pk, 0, sizeof pk);
	pk.c = c;
	pk.r = r;
	snprintf(r->method, sizeof r->method, "rebuild");
	read_central_directory(&pk, in, len);
	if ((rc = read_members(&pk, in, len)) != CDR_OK ||
	    (rc = index_members(&pk)) != CDR_OK ||
	    (rc = load_content_types(&pk)) != CDR_OK ||
	    (rc = find_main(&pk)) != CDR_OK ||
	    (rc = classify(&pk)) != CDR_OK ||
	    (rc = fix_rels(&pk)) != CDR_OK ||
	    (rc = edit_parts(&pk)) != CDR_OK)
		goto out;
	edit_content_types(&pk);
	buf_reset(out);
	if ((rc = write_package(&pk, out)) != CDR_OK)
		goto out;
	r->out_type = pk.out_type;
	r->out_ext = pk.out_ext;
out:
	if (rc != CDR_OK)
		buf_reset(out);
	pkg_free(&pk);
	return rc;
}
