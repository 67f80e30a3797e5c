/*
 * test_pdf - cdr_pdf() on real PDFs (tests/corpus/files/pdf/, see its
 * SOURCES.md), both modes, with the results inspected by other software:
 * qpdf (the output parses; no action, script, attachment or form names among
 * its objects), poppler (pdfinfo page counts, pdftoppm renders every page,
 * pdftotext finds the original's text and the Japanese text layer, and with
 * -bbox where the original has it, pdfimages sees one JPEG per page, gray
 * for a gray page) and tesseract (OCR of a rasterised
 * Japanese page with non-embedded fonts reads Japanese, i.e. no tofu).
 * Inspections whose tool is missing are skipped, not passed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdr/cdr.h"
#include "cdr/pdf.h"
#include "core/buf.h"
#include "core/num.h"
#include "policy/config.h"

static struct policy pol;
static struct cdr_ctx cctx;
static size_t entries;
static unsigned long long abytes;
static char tmpdir[] = "/tmp/sk-test-pdf-XXXXXX";

static void
corpus_path(const char *name, char *path, size_t size)
{
	const char *slash = strrchr(__FILE__, '/');

	snprintf(path, size, "%.*s/../corpus/files/pdf/%s",
	    slash != NULL ? (int)(slash - __FILE__) : 1, slash != NULL ? __FILE__ : ".", name);
}

static void
load(const char *name, struct buf *b)
{
	char path[4096], chunk[65536];
	FILE *f;
	size_t n;

	corpus_path(name, path, sizeof path);
	buf_init(b, 64u * 1024 * 1024);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(buf_append(b, chunk, n), 0);
	fclose(f);
}

static int
have(const char *tool)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* A tool scripts/setup installs: its absence fails the test (never a skip). */
static void
need(const char *tool)
{
	if (!have(tool))
		fail_msg("%s is not installed (scripts/setup installs it)", tool);
}

/* A shell command's standard output (at most 16 MiB) into b. */
static void
run(struct buf *b, const char *fmt, ...)
{
	char cmd[8192], chunk[65536];
	va_list ap;
	FILE *p;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	buf_init(b, 16u * 1024 * 1024);
	if ((p = popen(cmd, "r")) == NULL)
		fail_msg("cannot run %s", cmd);
	while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
		assert_int_equal(buf_append(b, chunk, n), 0);
	pclose(p);
	buf_putc(b, '\0');
	b->len--;
}

static void
save(const struct buf *b, const char *name, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
}

static int
sanitize(const char *name, enum pdf_mode mode, struct buf *out, struct cdr_result *r)
{
	struct buf in;
	int rc;

	load(name, &in);
	pol.pdf_mode = mode;
	memset(r, 0, sizeof *r);
	buf_init(out, pol.lim.file_out_bytes);
	rc = cdr_pdf(&cctx, (const unsigned char *)in.data, in.len, out, r);
	buf_free(&in);
	assert_int_equal(cdr_pdf_mem_in_use(), 0);	/* MuPDF gave back all it took */
	return rc;
}

static size_t
removed(const struct cdr_result *r, const char *what)
{
	const struct cdr_removal *e = cdr_removal_find(r, what);

	return e != NULL ? e->count : 0;
}

/* Pages of a PDF file according to poppler's pdfinfo (0 if unreadable). */
static long
pdfinfo_pages(const char *path)
{
	struct buf o;
	const char *p;
	long n = 0;

	run(&o, "pdfinfo '%s' 2>/dev/null", path);
	if ((p = strstr(buf_str(&o), "\nPages:")) != NULL)
		n = strtol(p + 7, NULL, 10);
	buf_free(&o);
	return n;
}

static const char *const deny_names[] = {
	"\"/JavaScript\"", "\"/JS\"", "\"/OpenAction\"", "\"/AA\"", "\"/Launch\"",
	"\"/EmbeddedFile\"", "\"/EmbeddedFiles\"", "\"/EF\"", "\"/XFA\"", "\"/AcroForm\"",
	"\"/RichMedia\"", "\"/GoToR\"", "\"/GoToE\"", "\"/SubmitForm\"", "\"/ImportData\"",
	"\"/URI\"", "\"/Subtype\": \"/FileAttachment\"", "\"/Subtype\": \"/Widget\"",
	"\"/Subtype\": \"/Screen\"", "\"/Subtype\": \"/Sound\"", "\"/Subtype\": \"/Movie\"",
	"\"/Subtype\": \"/3D\"", "\"/Subtype\": \"/Link\"", NULL
};

/*
 * The independent inspection of one output: qpdf reads it and lists no
 * active-content name among its objects; pdfinfo counts the original's
 * pages; pdftoppm renders each of them.
 */
static void
inspect(const struct buf *out, const struct cdr_result *r, const char *orig, const char *tag)
{
	char path[4096], opath[4096];
	struct buf o;
	int rc;

	need("qpdf");
	need("pdftoppm");
	need("pdfinfo");
	save(out, tag, path, sizeof path);
	snprintf(opath, sizeof opath, "%s/%s.qdf", tmpdir, tag);
	run(&o, "qpdf --qdf --object-streams=disable '%s' '%s' >/dev/null 2>&1; echo $?",
	    path, opath);
	{
		uint64_t v = 99;
		char *nl = strchr(o.data, '\n');

		if (nl != NULL)
			*nl = '\0';
		rc = parse_u64(buf_str(&o), &v) == 0 ? (int)v : 99;
	}
	buf_free(&o);
	assert_true(rc == 0 || rc == 3);	/* 3: warnings only */
	run(&o, "qpdf --json=2 --json-stream-data=none '%s'", path);
	assert_true(o.len > 100);
	for (size_t i = 0; deny_names[i] != NULL; i++)
		if (strstr(buf_str(&o), deny_names[i]) != NULL)
			fail_msg("%s: %s in the output", tag, deny_names[i]);
	buf_free(&o);
	corpus_path(orig, opath, sizeof opath);
	assert_int_equal(pdfinfo_pages(path), (long)r->pages);
	if (pdfinfo_pages(opath) > 0)	/* poppler reads the original too */
		assert_int_equal(pdfinfo_pages(opath), (long)r->pages);
	run(&o, "cd '%s' && rm -f r-*.pgm && pdftoppm -r 20 -gray '%s' r >/dev/null 2>&1 && "
	    "ls r-*.pgm | wc -l", tmpdir, path);
	assert_int_equal(atol(buf_str(&o)), (long)r->pages);
	buf_free(&o);
}

/* Each hostile file, both modes: sanitised, its active content named. */
struct hostile {
	const char *file;
	const char *what[4];	/* removals the receipt must name */
};

static const struct hostile hostiles[] = {
	{ "testPDF_jsActionOnPage.pdf", { "javascript", "additional-actions" } },
	{ "160F-2019.pdf", { "javascript", "open-action", "additional-actions", "form-fields" } },
	{ "testPDF_deeplyEmbeddedAttachments.pdf", { "embedded-file", "open-action" } },
	{ "testPDF_XFA_govdocs1_258578.pdf", { "xfa", "javascript", "embedded-file", "form-fields" } },
	{ "issue17846.pdf", { "launch", "link" } },
	{ "multimedia_annotations.pdf", { "richmedia", "multimedia", "embedded-file" } },
	{ "outlines_for_editor.pdf", { "remote-goto", "uri-action" } },
	{ "testPDFFileEmbInAnnotation.pdf", { "file-attachment" } },
	{ "japanese-nonembedded.pdf", { NULL } },
	{ "testPDF.pdf", { NULL } },
};

static void
test_hostile(enum pdf_mode mode)
{
	for (size_t i = 0; i < sizeof hostiles / sizeof hostiles[0]; i++) {
		const struct hostile *h = &hostiles[i];
		struct cdr_result r;
		struct buf out;
		char tag[256];

		assert_int_equal(sanitize(h->file, mode, &out, &r), CDR_OK);
		assert_string_equal(r.out_type, "application/pdf");
		assert_string_equal(r.out_ext, ".pdf");
		assert_string_equal(r.method, mode == PDF_REBUILD ? "rebuild" : "rasterize");
		assert_true(r.pages > 0);
		for (size_t k = 0; k < 4 && h->what[k] != NULL; k++)
			if (removed(&r, h->what[k]) == 0)
				fail_msg("%s: no %s recorded", h->file, h->what[k]);
		snprintf(tag, sizeof tag, "%s.%s.pdf", h->file,
		    mode == PDF_REBUILD ? "rebuild" : "rasterize");
		inspect(&out, &r, h->file, tag);
		buf_free(&out);
	}
}

static void
test_rebuild_hostile(void **state)
{
	(void)state;
	test_hostile(PDF_REBUILD);
}

static void
test_rasterize_hostile(void **state)
{
	(void)state;
	test_hostile(PDF_RASTERIZE);
}

/* Rasterised pages are one JPEG each at the policy's resolution. */
static void
test_rasterize_images(void **state)
{
	struct cdr_result r;
	struct buf out, o;
	char path[4096];
	const char *p;
	int jpeg = 0;

	(void)state;
	need("pdfimages");
	assert_int_equal(sanitize("outlines_for_editor.pdf", PDF_RASTERIZE, &out, &r), CDR_OK);
	assert_int_equal(r.pages, 5);
	save(&out, "images.pdf", path, sizeof path);
	run(&o, "pdfimages -list '%s'", path);
	for (p = buf_str(&o); (p = strstr(p, " jpeg ")) != NULL; p++)
		jpeg++;
	assert_int_equal(jpeg, 5);
	/* US letter at 150 dpi: 1275 x 1650 */
	assert_non_null(strstr(buf_str(&o), " 1275  1650 "));
	buf_free(&o);
	buf_free(&out);
}

/* Rebuild keeps the original's text; the JavaScript page's text too. */
static void
test_rebuild_text(void **state)
{
	struct cdr_result r;
	struct buf out, a, b;
	char path[4096], orig[4096];

	(void)state;
	need("pdftotext");
	assert_int_equal(sanitize("testPDF.pdf", PDF_REBUILD, &out, &r), CDR_OK);
	save(&out, "text.pdf", path, sizeof path);
	corpus_path("testPDF.pdf", orig, sizeof orig);
	run(&a, "pdftotext '%s' - 2>/dev/null", orig);
	run(&b, "pdftotext '%s' - 2>/dev/null", path);
	assert_true(a.len > 1000);
	assert_string_equal(buf_str(&a), buf_str(&b));
	buf_free(&a);
	buf_free(&b);
	buf_free(&out);
}

/* The rasterised text layer gives back the page's text, Japanese included. */
static void
test_text_layer(void **state)
{
	struct cdr_result r;
	struct buf out, o;
	char path[4096];

	(void)state;
	need("pdftotext");
	pol.pdf_text_layer = 1;
	assert_int_equal(sanitize("japanese-nonembedded.pdf", PDF_RASTERIZE, &out, &r), CDR_OK);
	save(&out, "ja.pdf", path, sizeof path);
	run(&o, "pdftotext '%s' - 2>/dev/null", path);
	assert_non_null(strstr(buf_str(&o), "日本語の文書です。"));
	assert_non_null(strstr(buf_str(&o), "東京都千代田区霞が関一丁目"));
	assert_non_null(strstr(buf_str(&o), "無害化された添付ファイル"));
	assert_non_null(strstr(buf_str(&o), "①②③"));
	buf_free(&o);
	buf_free(&out);

	assert_int_equal(sanitize("testPDF.pdf", PDF_RASTERIZE, &out, &r), CDR_OK);
	save(&out, "en.pdf", path, sizeof path);
	run(&o, "pdftotext '%s' - 2>/dev/null", path);
	assert_non_null(strstr(buf_str(&o), "Tika - Content Analysis Toolkit"));
	assert_non_null(strstr(buf_str(&o), "Apache Tika is a toolkit for detecting"));
	buf_free(&o);
	buf_free(&out);

	pol.pdf_text_layer = 0;	/* pixels only */
	assert_int_equal(sanitize("testPDF.pdf", PDF_RASTERIZE, &out, &r), CDR_OK);
	save(&out, "none.pdf", path, sizeof path);
	run(&o, "pdftotext '%s' - 2>/dev/null | tr -d ' \\n\\f'", path);
	assert_int_equal(o.len, 0);
	buf_free(&o);
	buf_free(&out);
	pol.pdf_text_layer = 1;
}

/* Words of pdftotext -bbox: up to max of them into w; how many. */
struct word {
	double x0, y0, x1, y1;
	char text[128];
};

static size_t
bbox_words(const char *path, struct word *w, size_t max)
{
	struct buf o;
	const char *p;
	size_t n = 0;

	run(&o, "pdftotext -bbox '%s' - 2>/dev/null", path);
	for (p = buf_str(&o); n < max && (p = strstr(p, "<word ")) != NULL; p++)
		if (sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\">%127[^<]",
		    &w[n].x0, &w[n].y0, &w[n].x1, &w[n].y1, w[n].text) == 5)
			n++;
	buf_free(&o);
	return n;
}

/*
 * The text layer puts every word where the original has it (each
 * character moved by Td from the one before: no error may add up along a
 * line), as pdftotext -bbox reads both.
 */
static void
test_text_positions(void **state)
{
	static struct word a[4096], b[4096];
	struct cdr_result r;
	struct buf out;
	char path[4096], orig[4096];
	size_t na, nb;

	(void)state;
	need("pdftotext");
	pol.pdf_text_layer = 1;
	assert_int_equal(sanitize("testPDF.pdf", PDF_RASTERIZE, &out, &r), CDR_OK);
	save(&out, "pos.pdf", path, sizeof path);
	corpus_path("testPDF.pdf", orig, sizeof orig);
	na = bbox_words(orig, a, 4096);
	nb = bbox_words(path, b, 4096);
	assert_true(na > 100);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_string_equal(a[i].text, b[i].text);
		assert_true(a[i].x0 - b[i].x0 < 0.5 && b[i].x0 - a[i].x0 < 0.5);
		assert_true(a[i].x1 - b[i].x1 < 0.5 && b[i].x1 - a[i].x1 < 0.5);
		assert_true(a[i].y1 - b[i].y1 < 1.0 && b[i].y1 - a[i].y1 < 1.0);
	}
	buf_free(&out);
}

/* A page in gray is drawn and coded gray (one component); colour stays RGB. */
static void
test_gray_pages(void **state)
{
	struct cdr_result r;
	struct buf out, o;
	char path[4096];

	(void)state;
	need("pdfimages");
	assert_int_equal(sanitize("japanese-nonembedded.pdf", PDF_RASTERIZE, &out, &r), CDR_OK);
	save(&out, "gray.pdf", path, sizeof path);
	run(&o, "pdfimages -list '%s' | awk 'NR > 2 {print $6, $7}' | sort | uniq -c", path);
	assert_string_equal(buf_str(&o), "      2 gray 1\n");
	buf_free(&o);
	buf_free(&out);

	assert_int_equal(sanitize("testPDF.pdf", PDF_RASTERIZE, &out, &r), CDR_OK);
	save(&out, "rgb.pdf", path, sizeof path);
	run(&o, "pdfimages -list '%s' | awk 'NR > 2 {print $6, $7}' | sort | uniq -c", path);
	assert_string_equal(buf_str(&o), "      1 rgb 3\n");
	buf_free(&o);
	buf_free(&out);
}

/*
 * Non-embedded MS-Mincho/MS-Gothic render as Japanese, not tofu: tesseract
 * (jpn) reads the rasterised page's pixels without the text layer.
 */
static void
test_japanese_pixels(void **state)
{
	struct cdr_result r;
	struct buf out, o;
	char path[4096];

	(void)state;
	need("tesseract");
	need("pdftoppm");
	run(&o, "tesseract --list-langs 2>/dev/null");
	if (strstr(buf_str(&o), "jpn") == NULL)
		fail_msg("tesseract has no Japanese data (tesseract-ocr-jpn: scripts/setup installs it)");
	buf_free(&o);
	pol.pdf_text_layer = 0;
	assert_int_equal(sanitize("japanese-nonembedded.pdf", PDF_RASTERIZE, &out, &r), CDR_OK);
	pol.pdf_text_layer = 1;
	save(&out, "ja-pixels.pdf", path, sizeof path);
	run(&o, "cd '%s' && pdftoppm -r 150 -f 1 -l 1 -gray '%s' ocr >/dev/null 2>&1 && "
	    "tesseract ocr-1.pgm - -l jpn 2>/dev/null | tr -d ' '", tmpdir, path);
	assert_non_null(strstr(buf_str(&o), "日本語"));
	assert_non_null(strstr(buf_str(&o), "住民票"));
	buf_free(&o);
	buf_free(&out);
}

static void
withheld(const char *file, const char *reason)
{
	for (int m = 0; m < 2; m++) {
		struct cdr_result r;
		struct buf out;

		assert_int_equal(sanitize(file, m ? PDF_REBUILD : PDF_RASTERIZE, &out, &r),
		    CDR_WITHHELD);
		assert_string_equal(r.reason, reason);
		assert_int_equal(out.len, 0);
		buf_free(&out);
	}
}

static void
test_encrypted(void **state)
{
	(void)state;
	withheld("issue6010_1.pdf", "encrypted");
	/* empty user password: readable, but not as written */
	withheld("testPDF_no_extract_no_accessibility_owner_empty.pdf", "encrypted");
}

static void
test_malformed(void **state)
{
	struct cdr_result r;
	struct buf out;
	static const unsigned char junk[] = "%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n";

	(void)state;
	withheld("GHOSTSCRIPT-698804-1-fuzzed.pdf", "malformed");
	for (int m = 0; m < 2; m++) {
		pol.pdf_mode = m ? PDF_REBUILD : PDF_RASTERIZE;
		memset(&r, 0, sizeof r);
		buf_init(&out, 1u << 20);
		assert_int_equal(cdr_pdf(&cctx, junk, sizeof junk - 1, &out, &r), CDR_WITHHELD);
		assert_string_equal(r.reason, "malformed");
		assert_int_equal(cdr_pdf(&cctx, junk, 0, &out, &r), CDR_WITHHELD);
		buf_free(&out);
	}
	/* a broken xref MuPDF repairs: accepted, and said */
	for (int m = 0; m < 2; m++) {
		assert_int_equal(sanitize("xref_command_missing.pdf", m ? PDF_REBUILD : PDF_RASTERIZE,
		    &out, &r), CDR_OK);
		assert_int_equal(removed(&r, "repaired-xref"), 1);
		inspect(&out, &r, "xref_command_missing.pdf", "repaired.pdf");
		buf_free(&out);
	}
}

static void
test_limits(void **state)
{
	struct policy saved = pol;
	struct cdr_result r;
	struct buf out;

	(void)state;
	pol.lim.pdf_pages = 4;
	assert_int_equal(sanitize("outlines_for_editor.pdf", PDF_REBUILD, &out, &r), CDR_WITHHELD);
	assert_string_equal(r.reason, "pdf_page_limit");
	assert_string_equal(r.limit_name, "pdf_page_limit");
	assert_int_equal(r.limit_value, 4);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	pol = saved;

	pol.lim.image_pixels = 1000000;	/* A4 at 150 dpi is 2.2 million */
	assert_int_equal(sanitize("testPDF.pdf", PDF_RASTERIZE, &out, &r), CDR_WITHHELD);
	assert_string_equal(r.reason, "image_pixel_limit");
	buf_free(&out);
	pol.pdf_dpi = 72;	/* 0.5 million */
	assert_int_equal(sanitize("testPDF.pdf", PDF_RASTERIZE, &out, &r), CDR_OK);
	buf_free(&out);
	pol = saved;

	pol.lim.memory_bytes = 8u * 1024 * 1024;	/* MuPDF gets 5 MiB; the page needs 6.5 */
	assert_int_equal(sanitize("testPDF.pdf", PDF_RASTERIZE, &out, &r), CDR_WITHHELD);
	assert_string_equal(r.reason, "memory_limit");
	assert_int_equal(out.len, 0);
	buf_free(&out);
	pol = saved;

	pol.lim.file_out_bytes = 1000;
	assert_int_equal(sanitize("testPDF.pdf", PDF_RASTERIZE, &out, &r), CDR_WITHHELD);
	assert_string_equal(r.reason, "file_output_size_limit");
	assert_int_equal(out.len, 0);
	buf_free(&out);
	pol = saved;
}

/* Form widgets keep their look as stamps; the form and its scripts go. */
static void
test_widgets_become_stamps(void **state)
{
	struct cdr_result r;
	struct buf out, o;
	char path[4096];

	(void)state;
	need("qpdf");
	assert_int_equal(sanitize("160F-2019.pdf", PDF_REBUILD, &out, &r), CDR_OK);
	save(&out, "stamps.pdf", path, sizeof path);
	run(&o, "qpdf --json=2 --json-stream-data=none '%s'", path);
	assert_non_null(strstr(buf_str(&o), "\"/Stamp\""));
	assert_null(strstr(buf_str(&o), "\"/Widget\""));
	assert_null(strstr(buf_str(&o), "\"/FT\""));
	buf_free(&o);
	buf_free(&out);
}

static int
setup(void **state)
{
	struct buf err;
	char e[256];

	(void)state;
	buf_init(&err, 1024);
	policy_defaults(&pol);
	buf_free(&err);
	memset(&cctx, 0, sizeof cctx);
	cctx.pol = &pol;
	cctx.archive_entries = &entries;
	cctx.archive_bytes = &abytes;
	if (cdr_pdf_init(e, sizeof e) != 0)
		fail_msg("cdr_pdf_init: %s", e);
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rebuild_hostile),
		cmocka_unit_test(test_rasterize_hostile),
		cmocka_unit_test(test_rasterize_images),
		cmocka_unit_test(test_rebuild_text),
		cmocka_unit_test(test_text_layer),
		cmocka_unit_test(test_text_positions),
		cmocka_unit_test(test_gray_pages),
		cmocka_unit_test(test_japanese_pixels),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_widgets_become_stamps),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
