/*
 * test_ooxml - the OOXML rebuilder (src/cdr/ooxml.c) on real hostile samples
 * (tests/corpus/files/ooxml, see SOURCES.md there) and on small packages
 * made here with the shared zip writer.  The output is re-read with
 * libarchive's reader (the rebuilder wrote it with the zip writer) and
 * searched as text; when python3 is installed the output is also handed to
 * tests/files/ooxml_inspect.py (zipfile + xml.etree), which knows nothing of
 * sekisho.  LibreOffice checks are in tests/files/ooxml_check (slow).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdr/cdr.h"
#include "cdr/zipw.h"
#include "core/buf.h"
#include "policy/config.h"

static struct policy pol;

/* tests/<rest>, found from this file's path. */
static void
test_path(char *path, size_t len, const char *rest)
{
	const char *slash = strrchr(__FILE__, '/');

	snprintf(path, len, "%.*s/../%s", slash != NULL ? (int)(slash - __FILE__) : 1,
	    slash != NULL ? __FILE__ : ".", rest);
}

static void
load(const char *name, struct buf *b)
{
	char path[4096], rest[512];
	char tmp[65536];
	FILE *f;
	size_t n;

	snprintf(rest, sizeof rest, "corpus/files/ooxml/%s", name);
	test_path(path, sizeof path, rest);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	buf_init(b, 64u * 1024 * 1024);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		assert_int_equal(buf_append(b, tmp, n), 0);
	fclose(f);
}

struct run {
	struct cdr_result r;
	struct buf out;
	int rc;
};

static void
rebuild(const void *p, size_t len, struct run *x)
{
	unsigned long long bytes = 0;
	size_t entries = 0;
	struct cdr_ctx c = { .pol = &pol, .archive_entries = &entries, .archive_bytes = &bytes };

	memset(&x->r, 0, sizeof x->r);
	buf_init(&x->out, 64u * 1024 * 1024);
	x->rc = cdr_ooxml(&c, p, len, &x->out, &x->r);
	if (x->rc == CDR_WITHHELD)
		assert_int_equal(x->out.len, 0);
}

static void
rebuild_file(const char *name, struct run *x)
{
	struct buf in;

	load(name, &in);
	rebuild(in.data, in.len, x);
	buf_free(&in);
}

static size_t
removed(const struct cdr_result *r, const char *what)
{
	const struct cdr_removal *e = cdr_removal_find(r, what);

	return e != NULL ? e->count : 0;
}

/*
 * Read the output back: the member named want (NULL: none) into b, the
 * list of all names ("\n"-separated) into names.  Returns the member count.
 */
static int
read_back(const struct buf *zip, const char *want, struct buf *b, struct buf *names)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char tmp[65536];
	la_ssize_t n;
	int count = 0;

	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_memory(a, zip->data, zip->len), ARCHIVE_OK);
	if (b != NULL)
		buf_init(b, 64u * 1024 * 1024);
	if (names != NULL)
		buf_init(names, 1u << 20);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *nm = archive_entry_pathname(e);

		count++;
		if (names != NULL)
			buf_printf(names, "%s\n", nm);
		while ((n = archive_read_data(a, tmp, sizeof tmp)) > 0)
			if (b != NULL && want != NULL && strcmp(nm, want) == 0)
				assert_int_equal(buf_append(b, tmp, (size_t)n), 0);
		assert_true(n == 0);
	}
	archive_read_free(a);
	return count;
}

/* The whole output as one text: every member, decompressed, concatenated. */
static void
all_text(const struct buf *zip, struct buf *b)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char tmp[65536];
	la_ssize_t n;

	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_memory(a, zip->data, zip->len), ARCHIVE_OK);
	buf_init(b, 256u * 1024 * 1024);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK)
		while ((n = archive_read_data(a, tmp, sizeof tmp)) > 0)
			assert_int_equal(buf_append(b, tmp, (size_t)n), 0);
	archive_read_free(a);
}

/* Independent inspection with Python's zipfile/xml.etree, when python3 exists. */
static void
inspect(const struct buf *zip, const char *ext)
{
	char script[4096], path[64], cmd[8192];
	FILE *f;
	int st;

	if (system("command -v python3 >/dev/null 2>&1") != 0)
		return;
	test_path(script, sizeof script, "files/ooxml_inspect.py");
	snprintf(path, sizeof path, "/tmp/test_ooxml.%ld%s", (long)getpid(), ext);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(zip->data, 1, zip->len, f), zip->len);
	fclose(f);
	snprintf(cmd, sizeof cmd, "python3 '%s' '%s'", script, path);
	st = system(cmd);
	unlink(path);
	assert_int_equal(st, 0);
}

static void
t_dde_docx(void **state)
{
	struct run x;
	struct buf doc;

	(void)state;
	rebuild_file("dde-test.docx", &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_string_equal(x.r.out_ext, ".docx");
	assert_string_equal(x.r.method, "rebuild");
	assert_int_equal(removed(&x.r, "dde-field"), 3);
	read_back(&x.out, "word/document.xml", &doc, NULL);
	assert_non_null(strstr(doc.data, "This is a dde test file."));
	assert_non_null(strstr(doc.data, "Hope this works"));	/* a DDE field's result */
	assert_non_null(strstr(doc.data, "End-of-field"));
	assert_null(strstr(doc.data, "DDEAUTO"));
	assert_null(strstr(doc.data, "cmd.exe"));
	assert_null(strstr(doc.data, "ddeauto"));
	assert_null(strstr(doc.data, "MACROBUTTON"));	/* not on the harmless list */
	inspect(&x.out, ".docx");
	buf_free(&doc);
	buf_free(&x.out);
}

static void
t_macros_docm(void **state)
{
	struct run x;
	struct buf ct, names;

	(void)state;
	rebuild_file("testWORD_macros.docm", &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_string_equal(x.r.out_ext, ".docx");
	assert_string_equal(x.r.out_type,
	    "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
	assert_int_equal(removed(&x.r, "vba-project"), 1);
	assert_int_equal(removed(&x.r, "vba-data"), 1);
	read_back(&x.out, "[Content_Types].xml", &ct, &names);
	assert_null(strstr(ct.data, "macroEnabled"));
	assert_null(strstr(ct.data, "vbaProject"));
	assert_non_null(strstr(ct.data, "wordprocessingml.document.main+xml"));
	assert_null(strstr(names.data, "vbaProject"));
	assert_null(strstr(names.data, "vbaData"));
	assert_non_null(strstr(names.data, "word/document.xml\n"));
	inspect(&x.out, ".docx");
	buf_free(&ct);
	buf_free(&names);
	buf_free(&x.out);
}

static void
t_variants(void **state)
{
	static const struct {
		const char *file, *ext, *what;
	} v[] = {
		{ "testPPT_macros.pptm", ".pptx", "vba-project" },
		{ "testEXCEL_macro.xlsm", ".xlsx", "vba-project" },
		{ "testPPT.ppsm", ".ppsx", NULL },
		{ "testEXCEL_macro_enabled_template.xltm", ".xltx", NULL },
		{ "embedded-simple-2007.xlam", ".xlsx", "ole-object" },
		{ "embedded-simple-2007.docm", ".docx", "ole-object" },
		{ "embedded-simple-2007.xlsm", ".xlsx", "ole-object" },
		{ "oleform-PR314.docm", ".docx", "vba-project" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct run x;
		struct buf all;

		rebuild_file(v[i].file, &x);
		assert_int_equal(x.rc, CDR_OK);
		assert_string_equal(x.r.out_ext, v[i].ext);
		if (v[i].what != NULL)
			assert_true(removed(&x.r, v[i].what) >= 1);
		all_text(&x.out, &all);
		assert_null(memmem(all.data, all.len, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8));
		assert_null(memmem(all.data, all.len, "macroEnabled", 12));
		assert_null(memmem(all.data, all.len, "TargetMode=\"External\"", 21));
		inspect(&x.out, v[i].ext);
		buf_free(&all);
		buf_free(&x.out);
	}
}

static void
t_excel4(void **state)
{
	struct run x;
	struct buf wb, names;

	(void)state;
	rebuild_file("excel4_sample_macro.xlsm", &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_string_equal(x.r.out_ext, ".xlsx");
	assert_int_equal(removed(&x.r, "excel4-macro-sheet"), 1);
	assert_int_equal(removed(&x.r, "auto-run-name"), 1);
	read_back(&x.out, "xl/workbook.xml", &wb, &names);
	assert_null(strstr(names.data, "macrosheets"));
	assert_null(strstr(wb.data, "Macro1"));
	assert_null(strstr(wb.data, "Auto_Open"));
	assert_non_null(strstr(wb.data, "name=\"Sheet1\""));
	inspect(&x.out, ".xlsx");
	buf_free(&wb);
	buf_free(&names);
	buf_free(&x.out);

	rebuild_file("excel4_sample_macro.xltm", &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_string_equal(x.r.out_ext, ".xltx");	/* a template stays a template */
	buf_free(&x.out);
}

static void
t_dde_xlsx(void **state)
{
	struct run x;
	struct buf sheet, wb, names;

	(void)state;
	rebuild_file("dde-test.xlsx", &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_int_equal(removed(&x.r, "dde-link"), 1);
	read_back(&x.out, "xl/worksheets/sheet1.xml", &sheet, &names);
	assert_null(strstr(names.data, "externalLink"));
	assert_null(strstr(sheet.data, "[1]"));
	assert_non_null(strstr(sheet.data, "#REF!"));	/* the cached value stays */
	read_back(&x.out, "xl/workbook.xml", &wb, NULL);
	assert_null(strstr(wb.data, "externalReference"));
	inspect(&x.out, ".xlsx");
	buf_free(&sheet);
	buf_free(&wb);
	buf_free(&names);
	buf_free(&x.out);

	rebuild_file("testDdeLink.xlsx", &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_int_equal(removed(&x.r, "dde-link"), 1);
	buf_free(&x.out);
	rebuild_file("testDataConnections.xlsx", &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_int_equal(removed(&x.r, "external-data"), 1);
	inspect(&x.out, ".xlsx");
	buf_free(&x.out);
}

static void
t_external(void **state)
{
	struct run x;
	struct buf all, sheet;

	(void)state;
	rebuild_file("testAttachedTemplate.docx", &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_int_equal(removed(&x.r, "remote-template"), 1);
	all_text(&x.out, &all);
	assert_null(memmem(all.data, all.len, "attachedTemplate", 16));
	assert_null(memmem(all.data, all.len, "malicious.dotx", 14));
	inspect(&x.out, ".docx");
	buf_free(&all);
	buf_free(&x.out);

	rebuild_file("testEXCEL_hyperlinks.xlsx", &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_int_equal(removed(&x.r, "external-relationship"), 4);
	read_back(&x.out, "xl/worksheets/sheet1.xml", &sheet, NULL);
	assert_non_null(strstr(sheet.data, "location=\"Sheet1!C2\""));	/* internal link kept */
	assert_null(strstr(sheet.data, "<hyperlink ref=\"B1\""));
	assert_null(strstr(sheet.data, "<hyperlink ref=\"D1\""));
	inspect(&x.out, ".xlsx");
	buf_free(&sheet);
	buf_free(&x.out);

	static const char *const more[] = {
		"testMailMerge.docx", "testSubdocument.docx", "testHoverAndVml.docx",
		"testExternalRefs.docx", "testFrameset.docx", "testAltChunkHTML.docx",
		"sample_with_external_link_to_doc.docx", "testWORD.docx", "testPPT.pptx",
		"harmless-clean.docx", "testWORD_1img.docx",
	};
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
		rebuild_file(more[i], &x);
		assert_int_equal(x.rc, CDR_OK);
		all_text(&x.out, &all);
		assert_null(memmem(all.data, all.len, "External\"", 9));
		inspect(&x.out, x.r.out_ext);
		buf_free(&all);
		buf_free(&x.out);
	}
	rebuild_file("testMailMerge.docx", &x);
	assert_int_equal(removed(&x.r, "external-data"), 1);
	buf_free(&x.out);
}

static void
t_withheld_samples(void **state)
{
	struct run x;

	(void)state;
	rebuild_file("excel4_sample_macro.xlsb", &x);
	assert_int_equal(x.rc, CDR_WITHHELD);
	assert_string_equal(x.r.reason, "unsupported-format");
	rebuild_file("testWORD_truncated.docx", &x);
	assert_int_equal(x.rc, CDR_WITHHELD);
	assert_string_equal(x.r.reason, "malformed");
	rebuild_file("encrypted.docx", &x);	/* an OLE2 container, not a zip */
	assert_int_equal(x.rc, CDR_WITHHELD);
	assert_string_equal(x.r.reason, "malformed");
}

/* ------------------------------------------------------------------ */
/* packages made here */

static const char CT[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Default Extension=\"png\" ContentType=\"image/png\"/>"
    "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
    "</Types>";
static const char ROOT_RELS[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>"
    "</Relationships>";
#define W_OPEN "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" \
    "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" " \
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><w:body>"
#define W_CLOSE "</w:body></w:document>"

struct member {
	const char *name;
	const void *data;
	size_t len;		/* 0: strlen */
};

static void
make(struct buf *zip, const struct member *m, size_t n)
{
	struct zipw *z;

	buf_init(zip, 64u * 1024 * 1024);
	z = zipw_open(zip);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(zipw_add(z, m[i].name, m[i].data,
		    m[i].len ? m[i].len : strlen(m[i].data), 1), 0);
	assert_int_equal(zipw_close(z), 0);
}

/* A docx with this document.xml and these extra members. */
static void
docx(struct buf *zip, const char *document, const struct member *extra, size_t nextra)
{
	struct member m[16] = {
		{ "[Content_Types].xml", CT, 0 }, { "_rels/.rels", ROOT_RELS, 0 },
		{ "word/document.xml", document, 0 },
	};

	assert_true(nextra <= 13);
	for (size_t i = 0; i < nextra; i++)
		m[3 + i] = extra[i];
	make(zip, m, 3 + nextra);
}

static void
t_minimal_and_deterministic(void **state)
{
	struct buf zip, doc;
	struct run a, b;

	(void)state;
	docx(&zip, W_OPEN "<w:p><w:r><w:t>hello 関所</w:t></w:r></w:p>" W_CLOSE, NULL, 0);
	rebuild(zip.data, zip.len, &a);
	rebuild(zip.data, zip.len, &b);
	assert_int_equal(a.rc, CDR_OK);
	assert_int_equal(a.r.nremoved, 0);
	assert_int_equal(a.out.len, b.out.len);
	assert_memory_equal(a.out.data, b.out.data, a.out.len);
	assert_int_equal(read_back(&a.out, "word/document.xml", &doc, NULL), 3);
	assert_non_null(strstr(doc.data, "hello 関所"));
	inspect(&a.out, ".docx");
	buf_free(&doc);
	buf_free(&zip);
	buf_free(&a.out);
	buf_free(&b.out);
}

static void
t_fields(void **state)
{
	/* a simple DDE field, a DDE built from a nested QUOTE, a harmless PAGE */
	static const char d[] = W_OPEN
	    "<w:p><w:fldSimple w:instr=\" DDEAUTO cmd /c calc\"><w:r><w:t>simple-result</w:t></w:r></w:fldSimple></w:p>"
	    "<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"
	    "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>QUOTE 68 68 69</w:instrText></w:r>"
	    "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>DDE</w:t></w:r>"
	    "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
	    "<w:r><w:instrText> cmd.exe \"/c calc\"</w:instrText></w:r>"
	    "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>nested-result</w:t></w:r>"
	    "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>"
	    "<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>"
	    "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>7</w:t></w:r>"
	    "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>"
	    "<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>INCLUDETEXT \"http://x/\"</w:instrText></w:r></w:p>"
	    W_CLOSE;
	struct buf zip, doc;
	struct run x;

	(void)state;
	docx(&zip, d, NULL, 0);
	rebuild(zip.data, zip.len, &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_int_equal(removed(&x.r, "dde-field"), 1);
	assert_int_equal(removed(&x.r, "field-code"), 2);	/* constructed + unterminated */
	read_back(&x.out, "word/document.xml", &doc, NULL);
	assert_non_null(strstr(doc.data, "simple-result"));
	assert_non_null(strstr(doc.data, "nested-result"));
	assert_null(strstr(doc.data, "fldSimple"));
	assert_null(strstr(doc.data, "calc"));
	assert_null(strstr(doc.data, "QUOTE"));
	assert_null(strstr(doc.data, "INCLUDETEXT"));
	assert_non_null(strstr(doc.data, "PAGE"));	/* harmless: kept */
	inspect(&x.out, ".docx");
	buf_free(&doc);
	buf_free(&zip);
	buf_free(&x.out);
}

static void
t_disguised_ole_and_refs(void **state)
{
	static const unsigned char ole[64] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };
	static const char rels[] =
	    "<?xml version=\"1.0\"?>"
	    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	    "<Relationship Id=\"rId5\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/image1.png\"/>"
	    "<Relationship Id=\"rId6\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink\" Target=\"http://evil.example/\" TargetMode=\"External\"/>"
	    "<Relationship Id=\"rId7\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"../../../etc/passwd\"/>"
	    "</Relationships>";
	static const char d[] = W_OPEN
	    "<w:p><w:hyperlink r:id=\"rId6\"><w:r><w:t>click-text</w:t></w:r></w:hyperlink></w:p>"
	    "<w:p><w:r><w:drawing><a:blip xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" r:embed=\"rId5\"/></w:drawing></w:r></w:p>"
	    W_CLOSE;
	const struct member extra[] = {
		{ "word/_rels/document.xml.rels", rels, 0 },
		{ "word/media/image1.png", ole, sizeof ole },
	};
	struct buf zip, doc, names, r;
	struct run x;

	(void)state;
	docx(&zip, d, extra, 2);
	rebuild(zip.data, zip.len, &x);
	assert_int_equal(x.rc, CDR_OK);
	assert_int_equal(removed(&x.r, "ole-object"), 1);
	assert_int_equal(removed(&x.r, "external-relationship"), 1);
	read_back(&x.out, "word/document.xml", &doc, &names);
	assert_null(strstr(names.data, "image1.png"));
	assert_non_null(strstr(doc.data, "click-text"));
	assert_null(strstr(doc.data, "rId6"));
	assert_null(strstr(doc.data, "rId5"));
	read_back(&x.out, "word/_rels/document.xml.rels", &r, NULL);
	assert_null(strstr(r.data, "Relationship "));	/* all three gone */
	inspect(&x.out, ".docx");
	buf_free(&doc);
	buf_free(&names);
	buf_free(&r);
	buf_free(&zip);
	buf_free(&x.out);
}

static void
expect_withheld(const struct member *m, size_t n, const char *reason)
{
	struct buf zip;
	struct run x;

	make(&zip, m, n);
	rebuild(zip.data, zip.len, &x);
	if (x.rc != CDR_WITHHELD)
		fail_msg("%s: not withheld (expected %s)", m[n - 1].name, reason);
	assert_string_equal(x.r.reason, reason);
	buf_free(&zip);
	buf_free(&x.out);
}

static void
t_structure(void **state)
{
	const char *doc = W_OPEN W_CLOSE;
	const struct member trav[] = {
		{ "[Content_Types].xml", CT, 0 }, { "_rels/.rels", ROOT_RELS, 0 },
		{ "word/document.xml", doc, 0 }, { "word/../../evil.xml", doc, 0 },
	};
	const struct member bslash[] = {
		{ "[Content_Types].xml", CT, 0 }, { "_rels/.rels", ROOT_RELS, 0 },
		{ "word/document.xml", doc, 0 }, { "word\\evil.xml", doc, 0 },
	};
	const struct member dup[] = {
		{ "[Content_Types].xml", CT, 0 }, { "_rels/.rels", ROOT_RELS, 0 },
		{ "word/document.xml", doc, 0 }, { "Word/Document.xml", doc, 0 },
	};
	const struct member noct[] = {
		{ "_rels/.rels", ROOT_RELS, 0 }, { "word/document.xml", doc, 0 },
	};
	const struct member dtd[] = {
		{ "[Content_Types].xml", CT, 0 }, { "_rels/.rels", ROOT_RELS, 0 },
		{ "word/document.xml", "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaa\">"
		  "<!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]><d>&b;</d>", 0 },
	};
	const struct member broken[] = {
		{ "[Content_Types].xml", CT, 0 }, { "_rels/.rels", ROOT_RELS, 0 },
		{ "word/document.xml", "<w:document><w:body>", 0 },
	};
	const struct member nomain[] = {
		{ "[Content_Types].xml", CT, 0 }, { "word/document.xml", doc, 0 },
	};

	(void)state;
	expect_withheld(trav, 4, "malformed");
	expect_withheld(bslash, 4, "malformed");
	expect_withheld(dup, 4, "ambiguous");
	expect_withheld(noct, 2, "malformed");
	expect_withheld(dtd, 3, "malformed");
	expect_withheld(broken, 3, "malformed");
	expect_withheld(nomain, 2, "malformed");
	{
		struct run x;

		rebuild("not a zip at all", 16, &x);
		assert_int_equal(x.rc, CDR_WITHHELD);
		assert_string_equal(x.r.reason, "malformed");
	}
}

static void
t_limits(void **state)
{
	const char *doc = W_OPEN W_CLOSE;
	size_t big = 8u * 1024 * 1024;
	char *zeros = calloc(1, big);
	struct member m[4] = {
		{ "[Content_Types].xml", CT, 0 }, { "_rels/.rels", ROOT_RELS, 0 },
		{ "word/document.xml", doc, 0 }, { "word/media/zeros.png", zeros, big },
	};
	struct policy saved = pol;

	(void)state;
	assert_non_null(zeros);
	/* 8 MiB of zeros packs ~1000:1 */
	expect_withheld(m, 4, "archive_ratio_limit");
	pol.lim.archive_ratio = 100000;
	pol.lim.archive_entry_bytes = 1024 * 1024;
	expect_withheld(m, 4, "archive_entry_size_limit");
	pol.lim.archive_entry_bytes = saved.lim.archive_entry_bytes;
	pol.lim.archive_total = 2 * 1024 * 1024;
	expect_withheld(m, 4, "archive_total_size_limit");
	pol = saved;
	pol.lim.office_parts = 3;
	expect_withheld(m, 4, "office_part_limit");
	pol = saved;
	free(zeros);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_dde_docx),
		cmocka_unit_test(t_macros_docm),
		cmocka_unit_test(t_variants),
		cmocka_unit_test(t_excel4),
		cmocka_unit_test(t_dde_xlsx),
		cmocka_unit_test(t_external),
		cmocka_unit_test(t_withheld_samples),
		cmocka_unit_test(t_minimal_and_deterministic),
		cmocka_unit_test(t_fields),
		cmocka_unit_test(t_disguised_ole_and_refs),
		cmocka_unit_test(t_structure),
		cmocka_unit_test(t_limits),
	};

	policy_defaults(&pol);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
