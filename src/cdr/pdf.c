/*
 * pdf - PDF files made harmless with MuPDF.  See cdr.h and pdf.h.
 *
 * Two ways, by pdf_mode:
 *
 * rasterize (default, the file form of 画面転送): every page is rendered at
 * pdf_resolution and a NEW PDF is written holding one DCT (JPEG) image per
 * page, drawn full-page on a page of the original's size.  With
 * pdf_text_layer the page's decoded text (MuPDF structured text, never OCR:
 * the sandbox cannot run tesseract) is laid over the image invisibly (text
 * render mode 3) in a font of our own making that carries no glyphs, only
 * a ToUnicode map, so the result can be searched and copied in Japanese.
 * Nothing but pixels and decoded characters reaches the output.  For speed
 * (bench/pdf_rasterize.sh): a page that paints only in gray (MuPDF's test
 * device) is drawn and coded gray; the page transparency group Office
 * writes on every page is left out when nothing on the page blends (the
 * pixels are the same); the pixmap is reused from page to page; content
 * streams are deflated at the fastest level; the PDF is written straight
 * into the caller's buffer.
 *
 * rebuild: a NEW document gets only the pages, grafted one by one (content,
 * resources, boxes, rotation: what pages reference); the catalog (open
 * action, names trees with JavaScript and embedded files, AcroForm and XFA,
 * outlines) is not carried.  Annotations are rebuilt from an allow-list of
 * passive kinds and keys; form widgets become stamps showing their current
 * appearance; links are dropped (URI actions included: a link out of the
 * LGWAN zone is exactly what 無害化 removes).  A final sweep deletes action,
 * JavaScript, embedded-file and XFA keys anywhere in the new document, and it
 * is written with garbage collection so unreachable objects are not written.
 * Fonts and images of the pages are kept (rasterize is the default for that).
 *
 * Both ways record what active content the original had (one scan of every
 * object, mode-independent names: "javascript", "open-action", ...).  Any
 * /Encrypt is withheld as "encrypted" (even an empty user password: the
 * bytes could not be inspected as written).  A file MuPDF cannot open, or
 * with no pages, is withheld as "malformed"; one MuPDF had to repair is
 * accepted and recorded as "repaired-xref".
 *
 * Limits: pdf_page_limit, image_pixel_limit per rendered page,
 * file_output_size_limit, time_limit (checked between pages and while
 * scanning) and memory: MuPDF allocates through a counting allocator whose
 * ceiling is below memory_limit, so a bomb is a named limit, not a dead
 * worker.  Every MuPDF call runs inside fz_try; its errors never abort.
 */
#include "cdr/pdf.h"

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include <jpeglib.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdr/cdr.h"
#include "core/xalloc.h"

/* MuPDF's share of memory_limit; the rest is the input, output and us. */
#define PDF_MEM_SHARE(total) ((total) / 8 * 5)
#define PDF_STORE_SHARE(mem) ((mem) / 4)	/* MuPDF's cache of decoded resources */
#define PDF_SCAN_DEPTH 32	/* direct objects nested inside one object */
#define PDF_TEXT_CIDS 65535	/* distinct characters in the text layer */
#define PDF_CID_SLOTS (1u << 17)	/* hash slots: at most half full */
#define PDF_ADV_STEP 5	/* advances within 5/1000 em share a CID */
#define PDF_PAGE_POINTS 14400.0f	/* largest page side (200 inches) */

/* ---- the counting allocator ----------------------------------------- */

/*
 * MuPDF handles NULL from its allocator (it empties its store and retries,
 * then throws FZ_ERROR_MEMORY), so unlike xmalloc this one returns NULL:
 * at the ceiling, the file is withheld with memory_limit instead of the
 * worker dying.
 */
#define MEM_HDR 16	/* keeps max_align_t alignment; holds the size */

static size_t pdf_mem_left;	/* what the last context did not give back */

static void *
mem_malloc(void *user, size_t n)
{
	struct pdf_mem *m = user;
	unsigned char *p;

	if (n > m->limit - m->used || n > SIZE_MAX - MEM_HDR) {
		m->hit = 1;
		return NULL;
	}
	if ((p = malloc(n + MEM_HDR)) == NULL) {
		m->hit = 1;
		return NULL;
	}
	memcpy(p, &n, sizeof n);
	m->used += n;
	return p + MEM_HDR;
}

static void
mem_free(void *user, void *ptr)
{
	struct pdf_mem *m = user;
	unsigned char *p;
	size_t n;

	if (ptr == NULL)
		return;
	p = (unsigned char *)ptr - MEM_HDR;
	memcpy(&n, p, sizeof n);
	m->used -= n;
	free(p);
}

static void *
mem_realloc(void *user, void *ptr, size_t n)
{
	struct pdf_mem *m = user;
	unsigned char *p, *q;
	size_t old;

	if (ptr == NULL)
		return mem_malloc(user, n);
	if (n == 0) {
		mem_free(user, ptr);
		return NULL;
	}
	p = (unsigned char *)ptr - MEM_HDR;
	memcpy(&old, p, sizeof old);
	if (n > old && (n - old > m->limit - m->used || n > SIZE_MAX - MEM_HDR)) {
		m->hit = 1;
		return NULL;
	}
	if ((q = realloc(p, n + MEM_HDR)) == NULL) {
		m->hit = 1;
		return NULL;
	}
	memcpy(q, &n, sizeof n);
	m->used = m->used - old + n;
	return q + MEM_HDR;
}

/* MuPDF's warnings and errors are not ours to print (stderr is the parent's). */
static void
quiet(void *user, const char *message)
{
	(void)user;
	(void)message;
}

/* ---- CJK fonts (before the sandbox) ----------------------------------- */

/* A system CJK font read into memory, used only if MuPDF has none built in. */
static unsigned char *sys_cjk;
static size_t sys_cjk_len;
static int builtin_cjk;

static const char *const sys_cjk_files[] = {
	"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",
	"/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf",
	"/usr/share/fonts/truetype/fonts-japanese-mincho.ttf",
	NULL
};

static fz_font *
load_sys_cjk(fz_context *ctx, const char *name, int ordering, int serif)
{
	fz_buffer *b;
	fz_font *volatile f = NULL;

	(void)name; (void)ordering; (void)serif;
	if (sys_cjk == NULL)
		return NULL;
	b = fz_new_buffer_from_shared_data(ctx, sys_cjk, sys_cjk_len);
	fz_try(ctx)
		f = fz_new_font_from_buffer(ctx, NULL, b, 0, 0);
	fz_always(ctx)
		fz_drop_buffer(ctx, b);
	fz_catch(ctx)
		fz_rethrow(ctx);
	return f;
}

static int
read_file(const char *path, unsigned char **data, size_t *len)
{
	FILE *fp;
	long n;
	unsigned char *p;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) <= 0 || n > 256L * 1024 * 1024 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return -1;
	}
	p = xmalloc((size_t)n);
	if (fread(p, 1, (size_t)n, fp) != (size_t)n) {
		free(p);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	*data = p;
	*len = (size_t)n;
	return 0;
}

int
cdr_pdf_init(char *err, size_t errlen)
{
	fz_context *ctx;
	const unsigned char *data;
	int len = 0, idx = 0;

	if ((ctx = fz_new_context(NULL, NULL, 0)) == NULL) {
		snprintf(err, errlen, "MuPDF: cannot create a context");
		return -1;
	}
	data = fz_lookup_cjk_font(ctx, FZ_ADOBE_JAPAN, &len, &idx);
	fz_drop_context(ctx);
	if (data != NULL && len > 0) {
		builtin_cjk = 1;
		return 0;
	}
	if (sys_cjk != NULL)
		return 0;
	for (size_t i = 0; sys_cjk_files[i] != NULL; i++)
		if (read_file(sys_cjk_files[i], &sys_cjk, &sys_cjk_len) == 0)
			return 0;
	snprintf(err, errlen, "MuPDF has no built-in CJK font and none of the system "
	    "CJK fonts is installed (fonts-noto-cjk or fonts-ipaexfont-mincho)");
	return -1;
}

size_t
cdr_pdf_mem_in_use(void)
{
	return pdf_mem_left;
}

/* ---- one job --------------------------------------------------------- */

struct job {
	struct cdr_ctx *c;
	struct cdr_result *r;
	fz_context *ctx;
	struct pdf_mem mem;
	struct timespec t0;
	int rebuild;
	/* text layer: our own glyph-less font, shared by every page */
	int text;
	uint64_t *cid_key;	/* hash: (unicode, advance) -> cid; 0 is empty */
	uint16_t *cid_val;
	int32_t *uni_of;	/* cid -> unicode */
	uint16_t *width;	/* cid -> advance in 1/1000 em */
	int ncid;
	int font_num;
	/* rasterize: one pixmap per kind (gray, RGB), reused while pages
	 * keep their size (a fresh one per page is a page fault per 4 KiB) */
	fz_pixmap *pix[2];
	size_t out_hint;	/* bytes of images and contents made so far */
};

static double
elapsed(const struct job *j)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - j->t0.tv_sec) + (double)(t.tv_nsec - j->t0.tv_nsec) / 1e9;
}

static int
over_time(const struct job *j)
{
	return j->c->pol->lim.seconds > 0 && elapsed(j) > (double)j->c->pol->lim.seconds;
}

/* Names for examples in the receipt: "obj 12". */
static void
removed_obj(struct cdr_result *r, const char *what, int num)
{
	char name[32];

	snprintf(name, sizeof name, "obj %d", num);
	cdr_removed(r, what, name);
}

/* ---- the scan for active content --------------------------------------- */

/* Annotation kinds rebuild keeps (passive markup with an appearance). */
static int
keep_annot_kind(pdf_obj *st)
{
	static pdf_obj *const kinds[] = {
		PDF_NAME(Text), PDF_NAME(FreeText), PDF_NAME(Line), PDF_NAME(Square),
		PDF_NAME(Circle), PDF_NAME(Polygon), PDF_NAME(PolyLine), PDF_NAME(Highlight),
		PDF_NAME(Underline), PDF_NAME(Squiggly), PDF_NAME(StrikeOut), PDF_NAME(Stamp),
		PDF_NAME(Caret), PDF_NAME(Ink),
	};

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (st == kinds[i])
			return 1;
	return 0;
}

/* The receipt's name for an action type, or NULL for a harmless one. */
static const char *
action_kind(fz_context *ctx, pdf_obj *s)
{
	static const struct { const char *s, *what; } acts[] = {
		{ "JavaScript", "javascript" }, { "Launch", "launch" },
		{ "GoToR", "remote-goto" }, { "GoToE", "embedded-goto" },
		{ "SubmitForm", "submit-form" }, { "ImportData", "import-data" },
		{ "URI", "uri-action" }, { "Rendition", "multimedia" },
		{ "Movie", "multimedia" }, { "Sound", "multimedia" },
		{ "RichMediaExecute", "richmedia" }, { "GoTo3DView", "3d" },
	};
	const char *n;

	if (!pdf_is_name(ctx, s))
		return NULL;
	n = pdf_to_name(ctx, s);
	for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
		if (strcmp(n, acts[i].s) == 0)
			return acts[i].what;
	return NULL;
}

/* One dictionary: what active content it is, recorded against object num. */
static void
scan_dict(struct job *j, pdf_obj *d, int num)
{
	fz_context *ctx = j->ctx;
	pdf_obj *s, *st;
	const char *what;

	s = pdf_dict_get(ctx, d, PDF_NAME(S));
	if ((what = action_kind(ctx, s)) != NULL)
		removed_obj(j->r, what, num);
	else if (pdf_dict_get(ctx, d, PDF_NAME(JS)) != NULL)
		removed_obj(j->r, "javascript", num);
	if (pdf_dict_gets(ctx, d, "OpenAction") != NULL)
		removed_obj(j->r, "open-action", num);
	if (pdf_dict_get(ctx, d, PDF_NAME(AA)) != NULL)
		removed_obj(j->r, "additional-actions", num);
	if (pdf_dict_get(ctx, d, PDF_NAME(XFA)) != NULL)
		removed_obj(j->r, "xfa", num);
	if (pdf_dict_get(ctx, d, PDF_NAME(FT)) != NULL)
		removed_obj(j->r, "form-fields", num);
	if (pdf_name_eq(ctx, pdf_dict_get(ctx, d, PDF_NAME(Type)), PDF_NAME(EmbeddedFile)))
		removed_obj(j->r, "embedded-file", num);
	st = pdf_dict_get(ctx, d, PDF_NAME(Subtype));
	if (!pdf_is_name(ctx, st))
		return;
	if (strcmp(pdf_to_name(ctx, st), "RichMedia") == 0)
		removed_obj(j->r, "richmedia", num);
	else if (pdf_name_eq(ctx, st, PDF_NAME(3D)))
		removed_obj(j->r, "3d", num);
	else if (pdf_name_eq(ctx, st, PDF_NAME(Screen)) || pdf_name_eq(ctx, st, PDF_NAME(Movie)) ||
	    pdf_name_eq(ctx, st, PDF_NAME(Sound)))
		removed_obj(j->r, "multimedia", num);
	else if (pdf_name_eq(ctx, st, PDF_NAME(FileAttachment)))
		removed_obj(j->r, "file-attachment", num);
	else if (pdf_name_eq(ctx, st, PDF_NAME(Link)))
		removed_obj(j->r, "link", num);
	else if (j->rebuild && pdf_dict_get(ctx, d, PDF_NAME(Rect)) != NULL &&
	    pdf_name_eq(ctx, pdf_dict_get(ctx, d, PDF_NAME(Type)), PDF_NAME(Annot)) &&
	    !keep_annot_kind(st) && !pdf_name_eq(ctx, st, PDF_NAME(Widget)) &&
	    !pdf_name_eq(ctx, st, PDF_NAME(Popup)))
		removed_obj(j->r, "annotation", num);
}

/* Walk obj and its direct children (indirect ones are scanned on their own). */
static void
scan_obj(struct job *j, pdf_obj *o, int num, int depth)
{
	fz_context *ctx = j->ctx;
	int n;

	if (depth > PDF_SCAN_DEPTH)
		return;
	if (pdf_is_dict(ctx, o)) {
		scan_dict(j, o, num);
		n = pdf_dict_len(ctx, o);
		for (int i = 0; i < n; i++) {
			pdf_obj *v = pdf_dict_get_val(ctx, o, i);

			if (!pdf_is_indirect(ctx, v))
				scan_obj(j, v, num, depth + 1);
		}
	} else if (pdf_is_array(ctx, o)) {
		n = pdf_array_len(ctx, o);
		for (int i = 0; i < n; i++) {
			pdf_obj *v = pdf_array_get(ctx, o, i);

			if (!pdf_is_indirect(ctx, v))
				scan_obj(j, v, num, depth + 1);
		}
	}
}

/* Every object of the file, reachable or not.  -1 when time ran out. */
static int
scan_active(struct job *j, pdf_document *doc)
{
	fz_context *ctx = j->ctx;
	int n = pdf_xref_len(ctx, doc);

	for (int num = 1; num < n; num++) {
		pdf_obj *o = NULL;

		if ((num & 1023) == 0 && over_time(j))
			return -1;
		fz_var(o);
		fz_try(ctx) {
			o = pdf_load_object(ctx, doc, num);
			scan_obj(j, o, num, 0);
		}
		fz_always(ctx)
			pdf_drop_obj(ctx, o);
		fz_catch(ctx) {
			if (fz_caught(ctx) == FZ_ERROR_MEMORY)
				fz_rethrow(ctx);
			/* a broken object: nothing active can come of it */
		}
	}
	return 0;
}

/* ---- rasterize -------------------------------------------------------- */

struct jpeg_fail {
	struct jpeg_error_mgr mgr;
	jmp_buf jb;
};

static void
jpeg_fail_exit(j_common_ptr cinfo)
{
	struct jpeg_fail *f = (struct jpeg_fail *)(void *)cinfo->err;

	longjmp(f->jb, 1);
}

static void
jpeg_quiet(j_common_ptr cinfo, int level)
{
	(void)cinfo;
	(void)level;
}

/*
 * An RGB pixmap whose pixels are all gray made gray in place (each row's
 * gray bytes written over its start: JPEG then codes one component instead
 * of one and a half, and the file is smaller).  1 if it was gray.
 */
static int
make_gray(fz_pixmap *pix)
{
	unsigned char *s = pix->samples;
	size_t w = (size_t)pix->w, h = (size_t)pix->h, stride = (size_t)pix->stride;

	if (pix->n != 3)
		return 0;
	for (size_t y = 0; y < h; y++) {
		const unsigned char *p = s + y * stride;

		for (size_t x = 0; x < w; x++, p += 3)
			if (p[0] != p[1] || p[1] != p[2])
				return 0;
	}
	for (size_t y = 0; y < h; y++) {
		unsigned char *row = s + y * stride;

		for (size_t x = 0; x < w; x++)
			row[x] = row[3 * x];
	}
	return 1;
}

/*
 * Pixels (n = 1 gray or 3 RGB components, rows stride bytes apart) as a
 * baseline JPEG in a malloc'ed block.  0, or -1 (libjpeg failed).
 */
static int
encode_jpeg(const fz_pixmap *pix, int n, int quality, unsigned char **jpg, unsigned long *jlen)
{
	struct jpeg_compress_struct ci;
	struct jpeg_fail fail;
	unsigned char *samples = pix->samples;
	volatile int ok = 0;

	*jpg = NULL;
	*jlen = 0;
	memset(&ci, 0, sizeof ci);
	ci.err = jpeg_std_error(&fail.mgr);
	fail.mgr.error_exit = jpeg_fail_exit;
	fail.mgr.emit_message = jpeg_quiet;
	if (setjmp(fail.jb) == 0) {
		jpeg_create_compress(&ci);
		jpeg_mem_dest(&ci, jpg, jlen);
		ci.image_width = (JDIMENSION)pix->w;
		ci.image_height = (JDIMENSION)pix->h;
		ci.input_components = n;
		ci.in_color_space = n == 1 ? JCS_GRAYSCALE : JCS_RGB;
		jpeg_set_defaults(&ci);
		/* libjpeg-turbo's ISLOW: faster than IFAST here, more accurate */
		ci.dct_method = JDCT_ISLOW;
		jpeg_set_quality(&ci, quality, TRUE);
		jpeg_start_compress(&ci, TRUE);
		while (ci.next_scanline < ci.image_height) {
			JSAMPROW row = samples + (size_t)ci.next_scanline * (size_t)pix->stride;

			jpeg_write_scanlines(&ci, &row, 1);
		}
		jpeg_finish_compress(&ci);
		ok = 1;
	}
	jpeg_destroy_compress(&ci);
	if (!ok) {
		free(*jpg);
		*jpg = NULL;
		return -1;
	}
	return 0;
}

/*
 * A number as PDF wants it, in hundredths (two decimals, trailing zeros
 * dropped, no locale, no exponent), followed by a space.
 */
static void
put_num(fz_context *ctx, fz_buffer *b, float v)
{
	char d[32], *e = d + sizeof d, *p = e;
	long x;
	int neg;

	if (!(v > -1e6f && v < 1e6f))	/* also NaN */
		v = 0;
	x = (long)(v * 100.0f + (v < 0 ? -0.5f : 0.5f));
	if ((neg = x < 0))
		x = -x;
	*--p = ' ';
	if (x % 10 != 0)
		*--p = (char)('0' + x % 10);
	if (x % 100 != 0) {
		*--p = (char)('0' + x / 10 % 10);
		*--p = '.';
	}
	x /= 100;
	do {
		*--p = (char)('0' + x % 10);
		x /= 10;
	} while (x > 0);
	if (neg)
		*--p = '-';
	fz_append_data(ctx, b, p, (size_t)(e - p));
}

/*
 * The text layer's CID for unicode u with advance adv (1/1000 em),
 * allocating one; 0 when full.  One CID per character and width, because
 * the same character has other widths in other fonts, and text extractors
 * find word gaps from the widths.
 */
static int
text_cid(struct job *j, int u, float adv)
{
	uint64_t key;
	uint32_t h;
	unsigned q;
	int cid;

	if (u < 0x20 || u > 0x10ffff || u == 0xfffd || (u >= 0xd800 && u <= 0xdfff))
		return 0;
	if (!(adv > 0))
		adv = 0;
	if (adv > 2000)
		adv = 2000;
	q = (unsigned)(adv / PDF_ADV_STEP + 0.5f);
	key = ((uint64_t)u << 12 | q) + 1;
	h = (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> 47) & (PDF_CID_SLOTS - 1);
	while (j->cid_key[h] != 0) {
		if (j->cid_key[h] == key)
			return j->cid_val[h];
		h = (h + 1) & (PDF_CID_SLOTS - 1);
	}
	if (j->ncid >= PDF_TEXT_CIDS)
		return 0;
	cid = ++j->ncid;
	j->cid_key[h] = key;
	j->cid_val[h] = (uint16_t)cid;
	j->uni_of[cid] = u;
	j->width[cid] = (uint16_t)(q * PDF_ADV_STEP);
	return cid;
}

/* Where the text layer's pen is: one run of characters along one line. */
struct run {
	int open;	/* a run is under way (its Tm was written) */
	int glyphs;
	float x, y;	/* the run's origin (Tm), new page coordinates */
	float ux, uy;	/* its direction */
	float size;	/* its font size, as written */
	float pen;	/* the last origin written, as distance from x, y along ux, uy */
};

#define RUN_GLYPHS 200	/* characters in one run: a fresh Tm now and then */

/*
 * The page's characters as invisible text (render mode 3) in the
 * coordinates of the new page (origin bottom left; bounds b of the old).
 * Each line is one or more runs: a text matrix at the run's first
 * character along the line's direction, then each further character moved
 * to its own origin with Td (from the previous character's origin, in
 * hundredths, no error adding up) and shown with its own Tj: pdftotext
 * reads exactly what it read when every character had its own Tf and Tm,
 * at well under half the bytes (TJ arrays would be smaller still, but
 * pdftotext groups the characters of one TJ into words and lines
 * differently).  A character off the run's baseline or in another size
 * starts a new run; Tf only when the size changes.
 */
static void
text_layer(struct job *j, fz_stext_page *tp, fz_rect b, fz_buffer *cs)
{
	fz_context *ctx = j->ctx;
	struct run rn = { 0 };
	float tf = 0;	/* the size last set with Tf */
	int begun = 0;

	for (fz_stext_block *blk = tp->first_block; blk; blk = blk->next) {
		if (blk->type != FZ_STEXT_BLOCK_TEXT)
			continue;
		for (fz_stext_line *ln = blk->u.t.first_line; ln; ln = ln->next) {
			float ux = ln->dir.x, uy = -ln->dir.y;

			for (fz_stext_char *ch = ln->first_char; ch; ch = ch->next) {
				float size = ch->size, adv, ox, oy, t = 0, off = 1;
				int cid;

				if (!(size > 0.1f && size < 10000.0f))
					continue;
				adv = fz_abs(ch->quad.ur.x - ch->quad.ul.x) +
				    fz_abs(ch->quad.ur.y - ch->quad.ul.y);
				if ((cid = text_cid(j, ch->c, adv / size * 1000.0f)) == 0)
					continue;
				/* the size as written: 11.999997 and 12 are one size */
				size = roundf(size * 100.0f) / 100.0f;
				ox = ch->origin.x - b.x0;
				oy = b.y1 - ch->origin.y;
				if (!(ox > -1e6f && ox < 1e6f && oy > -1e6f && oy < 1e6f))
					continue;
				if (rn.open && size == rn.size && ux == rn.ux && uy == rn.uy &&
				    rn.glyphs < RUN_GLYPHS) {
					float dx = ox - rn.x, dy = oy - rn.y;

					t = dx * ux + dy * uy;	/* along the line */
					off = -dx * uy + dy * ux;	/* across it */
				}
				if (!begun) {
					fz_append_string(ctx, cs, "BT 3 Tr\n");
					begun = 1;
				}
				if (!(off > -0.05f && off < 0.05f)) {
					/* a new run at this character */
					if (size != tf) {
						fz_append_string(ctx, cs, "/SkT ");
						put_num(ctx, cs, size);
						fz_append_string(ctx, cs, "Tf ");
						tf = size;
					}
					/* the origin as written (hundredths), so the
					 * pen's arithmetic starts where the reader's does */
					rn.x = roundf(ox * 100.0f) / 100.0f;
					rn.y = roundf(oy * 100.0f) / 100.0f;
					rn.ux = ux;
					rn.uy = uy;
					rn.size = size;
					put_num(ctx, cs, ux);
					put_num(ctx, cs, uy);
					put_num(ctx, cs, -uy);
					put_num(ctx, cs, ux);
					put_num(ctx, cs, rn.x);
					put_num(ctx, cs, rn.y);
					fz_append_string(ctx, cs, "Tm ");
					rn.open = 1;
					rn.glyphs = 0;
					rn.pen = 0;
				}
				if (rn.glyphs > 0) {
					/* Td from the previous character's origin */
					float tr = roundf(t * 100.0f) / 100.0f;

					put_num(ctx, cs, tr - rn.pen);
					fz_append_string(ctx, cs, "0 Td ");
					rn.pen = tr;
				}
				{
					static const char hx[] = "0123456789abcdef";
					char g[9] = { '<', hx[cid >> 12 & 15], hx[cid >> 8 & 15],
					    hx[cid >> 4 & 15], hx[cid & 15], '>', 'T', 'j', '\n' };

					fz_append_data(ctx, cs, g, sizeof g);
				}
				rn.glyphs++;
			}
			rn.open = 0;	/* a new line, a new run */
		}
	}
	if (begun)
		fz_append_string(ctx, cs, "ET\n");
}

/* The text layer's font: Type0, Identity-H, no glyphs, a ToUnicode map. */
static void
text_font(struct job *j, pdf_document *out)
{
	fz_context *ctx = j->ctx;
	pdf_obj *font, *cid, *desc, *sys, *w, *arr, *tu;
	fz_buffer *cm = NULL;

	fz_var(cm);
	font = pdf_new_dict(ctx, out, 6);
	fz_try(ctx) {
		pdf_dict_put(ctx, font, PDF_NAME(Type), PDF_NAME(Font));
		pdf_dict_put(ctx, font, PDF_NAME(Subtype), PDF_NAME(Type0));
		pdf_dict_put_name(ctx, font, PDF_NAME(BaseFont), "SekishoTextLayer");
		pdf_dict_put(ctx, font, PDF_NAME(Encoding), PDF_NAME(Identity_H));
		arr = pdf_dict_put_array(ctx, font, PDF_NAME(DescendantFonts), 1);
		cid = pdf_array_push_dict(ctx, arr, 8);
		pdf_dict_put(ctx, cid, PDF_NAME(Type), PDF_NAME(Font));
		pdf_dict_put(ctx, cid, PDF_NAME(Subtype), PDF_NAME(CIDFontType2));
		pdf_dict_put_name(ctx, cid, PDF_NAME(BaseFont), "SekishoTextLayer");
		pdf_dict_put(ctx, cid, PDF_NAME(CIDToGIDMap), PDF_NAME(Identity));
		sys = pdf_dict_put_dict(ctx, cid, PDF_NAME(CIDSystemInfo), 3);
		pdf_dict_put_string(ctx, sys, PDF_NAME(Registry), "Adobe", 5);
		pdf_dict_put_string(ctx, sys, PDF_NAME(Ordering), "Identity", 8);
		pdf_dict_put_int(ctx, sys, PDF_NAME(Supplement), 0);
		desc = pdf_dict_put_dict(ctx, cid, PDF_NAME(FontDescriptor), 10);
		pdf_dict_put(ctx, desc, PDF_NAME(Type), PDF_NAME(FontDescriptor));
		pdf_dict_put_name(ctx, desc, PDF_NAME(FontName), "SekishoTextLayer");
		pdf_dict_put_int(ctx, desc, PDF_NAME(Flags), 4);
		pdf_dict_put_rect(ctx, desc, PDF_NAME(FontBBox), fz_make_rect(0, -200, 1000, 800));
		pdf_dict_put_int(ctx, desc, PDF_NAME(ItalicAngle), 0);
		pdf_dict_put_int(ctx, desc, PDF_NAME(Ascent), 800);
		pdf_dict_put_int(ctx, desc, PDF_NAME(Descent), -200);
		pdf_dict_put_int(ctx, desc, PDF_NAME(CapHeight), 700);
		pdf_dict_put_int(ctx, desc, PDF_NAME(StemV), 80);
		pdf_dict_put_int(ctx, cid, PDF_NAME(DW), 1000);
		w = pdf_dict_put_array(ctx, cid, PDF_NAME(W), 2 * (size_t)j->ncid + 1);
		for (int i = 1; i <= j->ncid; i++) {
			pdf_obj *one;

			pdf_array_push_int(ctx, w, i);
			one = pdf_array_push_array(ctx, w, 1);
			pdf_array_push_int(ctx, one, j->width[i]);
		}
		cm = fz_new_buffer(ctx, 1024 + 32 * (size_t)j->ncid);
		fz_append_string(ctx, cm,
		    "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
		    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
		    "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
		    "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
		for (int i = 1; i <= j->ncid; i += 100) {
			int n = j->ncid - i + 1 < 100 ? j->ncid - i + 1 : 100;

			fz_append_printf(ctx, cm, "%d beginbfchar\n", n);
			for (int k = i; k < i + n; k++) {
				int u = j->uni_of[k];

				if (u < 0x10000)
					fz_append_printf(ctx, cm, "<%04x> <%04x>\n", k, u);
				else
					fz_append_printf(ctx, cm, "<%04x> <%04x%04x>\n", k,
					    0xd800 + ((u - 0x10000) >> 10), 0xdc00 + ((u - 0x10000) & 0x3ff));
			}
			fz_append_string(ctx, cm, "endbfchar\n");
		}
		fz_append_string(ctx, cm, "endcmap\nCMapName currentdict /CMap defineresource pop\n"
		    "end\nend\n");
		tu = pdf_add_stream(ctx, out, cm, NULL, 0);
		pdf_dict_put_drop(ctx, font, PDF_NAME(ToUnicode), tu);
		pdf_update_object(ctx, out, j->font_num, font);
	}
	fz_always(ctx) {
		fz_drop_buffer(ctx, cm);
		pdf_drop_obj(ctx, font);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

#define PDF_BLEND_DEPTH 8	/* resources nested inside resources */
#define PDF_BLEND_VISITS 2048	/* resource dictionaries looked into per page */

/* A /BM that blends otherwise than painting over (not Normal, Compatible). */
static int
blends(fz_context *ctx, pdf_obj *bm)
{
	if (bm == NULL)
		return 0;
	if (pdf_is_name(ctx, bm))
		return !pdf_name_eq(ctx, bm, PDF_NAME(Normal)) &&
		    strcmp(pdf_to_name(ctx, bm), "Compatible") != 0;
	if (pdf_is_array(ctx, bm)) {
		int n = pdf_array_len(ctx, bm);

		for (int i = 0; i < n; i++)
			if (blends(ctx, pdf_array_get(ctx, bm, i)))
				return 1;
		return 0;
	}
	return 1;	/* not understood: assume it blends */
}

/*
 * Whether anything under resource dictionary res could blend with what is
 * below it or knock it out: a blend mode other than Normal in a graphics
 * state, a knockout group, in res or the resources of its forms, patterns
 * and Type 3 fonts.  1 also when too deep or too many (assume it does).
 */
static int
res_blends(fz_context *ctx, pdf_obj *res, int depth, int *visits)
{
	static pdf_obj *const kinds[] = {
		PDF_NAME(XObject), PDF_NAME(Pattern), PDF_NAME(Font),
	};
	pdf_obj *d;
	volatile int found = 0;
	int n;

	if (!pdf_is_dict(ctx, res))
		return 0;
	if (depth > PDF_BLEND_DEPTH || --*visits < 0)
		return 1;
	if (pdf_mark_obj(ctx, res))
		return 0;	/* on the way here already: a cycle */
	fz_try(ctx) {
		d = pdf_dict_get(ctx, res, PDF_NAME(ExtGState));
		n = pdf_dict_len(ctx, d);
		for (int i = 0; i < n && !found; i++) {
			pdf_obj *gs = pdf_dict_get_val(ctx, d, i);

			found = blends(ctx, pdf_dict_get(ctx, gs, PDF_NAME(BM)));
		}
		for (size_t k = 0; k < sizeof kinds / sizeof kinds[0] && !found; k++) {
			d = pdf_dict_get(ctx, res, kinds[k]);
			n = pdf_dict_len(ctx, d);
			for (int i = 0; i < n && !found; i++) {
				pdf_obj *o = pdf_dict_get_val(ctx, d, i);
				pdf_obj *g = pdf_dict_get(ctx, o, PDF_NAME(Group));
				pdf_obj *gs = pdf_dict_get(ctx, o, PDF_NAME(ExtGState));

				if (pdf_dict_get_bool(ctx, g, PDF_NAME(K)) ||
				    blends(ctx, pdf_dict_get(ctx, gs, PDF_NAME(BM))))
					found = 1;
				else
					found = res_blends(ctx, pdf_dict_get(ctx, o, PDF_NAME(Resources)),
					    depth + 1, visits);
			}
		}
	}
	fz_always(ctx)
		pdf_unmark_obj(ctx, res);
	fz_catch(ctx)
		fz_rethrow(ctx);
	return found;
}

/*
 * MuPDF draws a page with /Group /S /Transparency (what Word and Excel
 * write on every page) into a page-sized transparency group and then
 * composites that onto the page: two more passes over the pixels, and
 * in RGB even on a gray page.  When nothing on the page blends other than
 * by painting over, and the group is not knockout and blends in gray or
 * RGB, the result is the same painted straight onto the page (over is
 * associative); then the group is left out.  Annotations' appearances are
 * looked into as well.  Broken objects: MuPDF's choice stands.
 */
static void
skip_page_group(fz_context *ctx, fz_page *page)
{
	pdf_page *pp = pdf_page_from_fz_page(ctx, page);
	pdf_obj *grp, *cs;
	int visits = PDF_BLEND_VISITS;
	volatile int found = 1;

	if (pp == NULL || !pp->transparency)
		return;
	fz_try(ctx) {
		grp = pdf_dict_get(ctx, pp->obj, PDF_NAME(Group));
		cs = pdf_dict_get(ctx, grp, PDF_NAME(CS));
		if (pdf_dict_get_bool(ctx, grp, PDF_NAME(K)) || (cs != NULL &&
		    !pdf_name_eq(ctx, cs, PDF_NAME(DeviceRGB)) &&
		    !pdf_name_eq(ctx, cs, PDF_NAME(DeviceGray))))
			break;
		found = res_blends(ctx, pdf_page_resources(ctx, pp), 0, &visits);
		for (pdf_annot *a = pdf_first_annot(ctx, pp); a && !found; a = pdf_next_annot(ctx, a))
			found = res_blends(ctx, pdf_xobject_resources(ctx, pdf_annot_ap(ctx, a)), 0, &visits);
		for (pdf_annot *a = pdf_first_widget(ctx, pp); a && !found; a = pdf_next_widget(ctx, a))
			found = res_blends(ctx, pdf_xobject_resources(ctx, pdf_annot_ap(ctx, a)), 0, &visits);
	}
	fz_catch(ctx) {
		if (fz_caught(ctx) == FZ_ERROR_MEMORY)
			fz_rethrow(ctx);
		found = 1;
	}
	if (!found)
		pp->transparency = 0;
}

enum page_color { PAGE_GRAY, PAGE_MAYBE_COLOR, PAGE_COLOR };

#define PDF_GRAY_TOLERANCE 0.01f	/* channels this close are gray (of 1) */

/*
 * Whether the page's display list paints in colour, from MuPDF's test
 * device (it stops at the first colour): a gray page is drawn into a gray
 * pixmap, a third of the painting and of the JPEG coding.  Images and
 * shadings in colour spaces other than gray are not looked into (that
 * would decode them twice): MAYBE, and the drawn pixels decide.
 */
static enum page_color
page_color(fz_context *ctx, fz_display_list *list)
{
	fz_device *dev;
	int is_color = 0;

	dev = fz_new_test_device(ctx, &is_color, PDF_GRAY_TOLERANCE, 0, NULL);
	fz_try(ctx) {
		fz_run_display_list(ctx, list, dev, fz_identity, fz_infinite_rect, NULL);
		fz_close_device(ctx, dev);
	}
	fz_always(ctx)
		fz_drop_device(ctx, dev);
	fz_catch(ctx) {
		if (fz_caught(ctx) != FZ_ERROR_ABORT)
			fz_rethrow(ctx);
		is_color = 2;	/* found colour (it stops with ABORT) */
	}
	return is_color == 0 ? PAGE_GRAY : is_color == 1 ? PAGE_MAYBE_COLOR : PAGE_COLOR;
}

/* Outcome of one step, for the caller to turn into the result. */
enum step { STEP_OK, STEP_LIMIT, STEP_FAIL };

/*
 * The page's content stream deflated here, fastest level: the text layer
 * makes it tens of kilobytes a page, and pdf_write_document would deflate
 * it at zlib's default level, several times slower for a few per cent.
 */
static size_t
deflate_contents(fz_context *ctx, pdf_document *out, pdf_obj *pg, fz_buffer *cs)
{
	pdf_obj *c = pdf_dict_get(ctx, pg, PDF_NAME(Contents));
	fz_buffer *zb;
	unsigned char *z;
	size_t zlen = 0;

	if (!pdf_is_stream(ctx, c))
		return 0;
	z = fz_new_deflated_data_from_buffer(ctx, &zlen, cs, FZ_DEFLATE_BEST_SPEED);
	zb = fz_new_buffer_from_data(ctx, z, zlen);
	fz_try(ctx) {
		pdf_update_stream(ctx, out, c, zb, 1);
		pdf_dict_put(ctx, c, PDF_NAME(Filter), PDF_NAME(FlateDecode));
	}
	fz_always(ctx)
		fz_drop_buffer(ctx, zb);
	fz_catch(ctx)
		fz_rethrow(ctx);
	return zlen;
}

/*
 * The page drawn from its display list with ctm, white below, into the
 * job's gray or RGB pixmap (made again only when the size changes) of the
 * page's bounds b (the ones the pixel limit was checked against, not the
 * list's own, which are the page's boxes even when they are nonsense).
 * Borrowed: the job drops it.
 */
static fz_pixmap *
draw_page(struct job *j, fz_display_list *list, fz_rect b, fz_matrix ctm, int gray)
{
	fz_context *ctx = j->ctx;
	fz_irect bbox = fz_round_rect(fz_transform_rect(b, ctm));
	fz_pixmap **pp = &j->pix[gray ? 0 : 1], *pix;
	fz_device *dev;

	if (*pp != NULL && ((*pp)->x != bbox.x0 || (*pp)->y != bbox.y0 ||
	    (*pp)->w != bbox.x1 - bbox.x0 || (*pp)->h != bbox.y1 - bbox.y0)) {
		fz_drop_pixmap(ctx, *pp);
		*pp = NULL;
	}
	if (*pp == NULL)
		*pp = fz_new_pixmap_with_bbox(ctx, gray ? fz_device_gray(ctx) : fz_device_rgb(ctx),
		    bbox, NULL, 0);
	pix = *pp;
	fz_clear_pixmap_with_value(ctx, pix, 0xff);
	dev = fz_new_draw_device(ctx, fz_identity, pix);
	fz_try(ctx) {
		fz_run_display_list(ctx, list, dev, ctm, fz_infinite_rect, NULL);
		fz_close_device(ctx, dev);
	}
	fz_always(ctx)
		fz_drop_device(ctx, dev);
	fz_catch(ctx)
		fz_rethrow(ctx);
	return pix;
}

/* Page number pno of doc as one JPEG page of out.  Throws on MuPDF errors. */
static enum step
raster_page(struct job *j, fz_document *doc, pdf_document *out, int pno)
{
	fz_context *ctx = j->ctx;
	const struct policy *pol = j->c->pol;
	fz_page *page = NULL;
	fz_display_list *list = NULL;
	fz_pixmap *pix = NULL;
	fz_stext_page *tp = NULL;
	fz_buffer *jb = NULL, *cs = NULL;
	fz_image *img = NULL;
	pdf_obj *res = NULL, *im = NULL, *pg = NULL;
	unsigned char *jpg = NULL;
	unsigned long jlen = 0;
	enum step st = STEP_OK;
	enum page_color color;
	fz_rect b;
	float zoom = (float)pol->pdf_dpi / 72.0f, pw, ph;
	double px;

	fz_var(page); fz_var(list); fz_var(pix); fz_var(tp); fz_var(jb); fz_var(cs);
	fz_var(img); fz_var(res); fz_var(im); fz_var(pg); fz_var(jpg); fz_var(st);
	fz_try(ctx) {
		page = fz_load_page(ctx, doc, pno);
		skip_page_group(ctx, page);
		b = fz_bound_page(ctx, page);
		pw = b.x1 - b.x0;
		ph = b.y1 - b.y0;
		if (!(pw >= 1.0f && ph >= 1.0f && pw <= PDF_PAGE_POINTS && ph <= PDF_PAGE_POINTS)) {
			/* nonsense boxes: MuPDF's default page instead of a limit */
			b = fz_make_rect(0, 0, 612, 792);
			pw = 612;
			ph = 792;
		}
		px = ((double)pw * zoom + 1) * ((double)ph * zoom + 1);
		if (px > (double)pol->lim.image_pixels) {
			cdr_limit(j->r, "image_pixel_limit", pol->lim.image_pixels,
			    "page %d would be %.0f pixels at %zu dpi", pno + 1, px, pol->pdf_dpi);
			st = STEP_LIMIT;
			break;
		}
		list = fz_new_display_list_from_page(ctx, page);
		color = page_color(ctx, list);
		pix = draw_page(j, list, b, fz_pre_translate(fz_scale(zoom, zoom), -b.x0, -b.y0),
		    color == PAGE_GRAY);
		if (encode_jpeg(pix, pix->n == 1 || (color == PAGE_MAYBE_COLOR && make_gray(pix)) ?
		    1 : 3, (int)pol->pdf_jpeg_quality, &jpg, &jlen) != 0)
			fz_throw(ctx, FZ_ERROR_MEMORY, "cannot encode the page as JPEG");
		j->out_hint += jlen;
		jb = fz_new_buffer_from_copied_data(ctx, jpg, jlen);
		free(jpg);
		jpg = NULL;
		img = fz_new_image_from_buffer(ctx, jb);
		im = pdf_add_image(ctx, out, img);

		cs = fz_new_buffer(ctx, 256);
		fz_append_string(ctx, cs, "q ");
		put_num(ctx, cs, pw);
		fz_append_string(ctx, cs, "0 0 ");
		put_num(ctx, cs, ph);
		fz_append_string(ctx, cs, "0 0 cm /P0 Do Q\n");
		res = pdf_new_dict(ctx, out, 2);
		pdf_dict_puts(ctx, pdf_dict_put_dict(ctx, res, PDF_NAME(XObject), 1), "P0", im);
		if (j->text) {
			fz_stext_options opts = { 0 };

			tp = fz_new_stext_page_from_display_list(ctx, list, &opts);
			text_layer(j, tp, b, cs);
			pdf_dict_puts_drop(ctx, pdf_dict_put_dict(ctx, res, PDF_NAME(Font), 1),
			    "SkT", pdf_new_indirect(ctx, out, j->font_num, 0));
		}
		pg = pdf_add_page(ctx, out, fz_make_rect(0, 0, pw, ph), 0, res, cs);
		j->out_hint += deflate_contents(ctx, out, pg, cs);
		pdf_insert_page(ctx, out, -1, pg);
	}
	fz_always(ctx) {
		free(jpg);
		pdf_drop_obj(ctx, pg);
		pdf_drop_obj(ctx, res);
		pdf_drop_obj(ctx, im);
		fz_drop_image(ctx, img);
		fz_drop_buffer(ctx, cs);
		fz_drop_buffer(ctx, jb);
		fz_drop_stext_page(ctx, tp);
		fz_drop_display_list(ctx, list);
		fz_drop_page(ctx, page);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
	return st;
}

/* ---- rebuild ---------------------------------------------------------- */

/* Keys a kept annotation may carry (no actions, no popups, no parents). */
static const char *const annot_keys[] = {
	"Type", "Subtype", "Rect", "Contents", "AP", "AS", "F", "Border", "BS", "C", "IC",
	"CA", "QuadPoints", "InkList", "Vertices", "L", "LE", "NM", "M", "T", "Subj",
	"CreationDate", "DA", "DS", "Q", "RD", "BE", "Name", "Rotate",
};

/*
 * A new annotation in out for src annotation a, or NULL to drop it: passive
 * kinds with allow-listed keys; a widget becomes a stamp with the
 * appearance it shows now (the filled-in value stays visible, the field
 * and its actions go).
 */
static pdf_obj *
rebuild_annot(fz_context *ctx, pdf_graft_map *map, pdf_document *out, pdf_obj *a)
{
	pdf_obj *st = pdf_dict_get(ctx, a, PDF_NAME(Subtype)), *na = NULL, *ap, *v;

	fz_var(na);
	if (!pdf_is_dict(ctx, a) || !pdf_is_name(ctx, st))
		return NULL;
	fz_try(ctx) {
		if (keep_annot_kind(st)) {
			na = pdf_new_dict(ctx, out, 16);
			for (size_t i = 0; i < sizeof annot_keys / sizeof annot_keys[0]; i++)
				if ((v = pdf_dict_gets(ctx, a, annot_keys[i])) != NULL)
					pdf_dict_puts_drop(ctx, na, annot_keys[i],
					    pdf_graft_mapped_object(ctx, map, v));
		} else if (pdf_name_eq(ctx, st, PDF_NAME(Widget))) {
			ap = pdf_dict_getl(ctx, a, PDF_NAME(AP), PDF_NAME(N), NULL);
			if (pdf_is_dict(ctx, ap) && !pdf_is_stream(ctx, ap))
				ap = pdf_dict_get(ctx, ap, pdf_dict_get(ctx, a, PDF_NAME(AS)));
			if (pdf_is_stream(ctx, ap) && pdf_is_array(ctx, pdf_dict_get(ctx, a, PDF_NAME(Rect)))) {
				na = pdf_new_dict(ctx, out, 6);
				pdf_dict_put(ctx, na, PDF_NAME(Type), PDF_NAME(Annot));
				pdf_dict_put(ctx, na, PDF_NAME(Subtype), PDF_NAME(Stamp));
				pdf_dict_put_drop(ctx, na, PDF_NAME(Rect), pdf_graft_mapped_object(ctx,
				    map, pdf_dict_get(ctx, a, PDF_NAME(Rect))));
				pdf_dict_put_int(ctx, na, PDF_NAME(F),
				    pdf_dict_get_int(ctx, a, PDF_NAME(F)));
				pdf_dict_put_drop(ctx, pdf_dict_put_dict(ctx, na, PDF_NAME(AP), 1),
				    PDF_NAME(N), pdf_graft_mapped_object(ctx, map, ap));
			}
		}
	}
	fz_catch(ctx) {
		pdf_drop_obj(ctx, na);
		fz_rethrow(ctx);
	}
	return na;
}

/* Keys that carry actions, scripts, attachments or forms: never written. */
static const char *const deny_keys[] = {
	"JS", "JavaScript", "AA", "OpenAction", "EmbeddedFiles", "EF", "XFA", "AcroForm",
	"URI", "Launch", "RichMediaContent", "RichMediaSettings", "3DD", "Annots",
};

static void
sweep_obj(fz_context *ctx, pdf_obj *o, int depth, int is_page)
{
	int n;

	if (depth > PDF_SCAN_DEPTH)
		return;
	if (pdf_is_dict(ctx, o)) {
		for (size_t i = 0; i < sizeof deny_keys / sizeof deny_keys[0]; i++)
			if (!(is_page && strcmp(deny_keys[i], "Annots") == 0))
				pdf_dict_dels(ctx, o, deny_keys[i]);
		/* /A and /Next are actions only when they are action dictionaries */
		if (pdf_is_dict(ctx, pdf_dict_get(ctx, o, PDF_NAME(A))) &&
		    pdf_dict_get(ctx, pdf_dict_get(ctx, o, PDF_NAME(A)), PDF_NAME(S)) != NULL)
			pdf_dict_del(ctx, o, PDF_NAME(A));
		if (pdf_dict_get(ctx, o, PDF_NAME(S)) != NULL)
			pdf_dict_del(ctx, o, PDF_NAME(Next));
		n = pdf_dict_len(ctx, o);
		for (int i = 0; i < n; i++) {
			pdf_obj *v = pdf_dict_get_val(ctx, o, i);

			if (!pdf_is_indirect(ctx, v))
				sweep_obj(ctx, v, depth + 1, 0);
		}
	} else if (pdf_is_array(ctx, o)) {
		n = pdf_array_len(ctx, o);
		for (int i = 0; i < n; i++) {
			pdf_obj *v = pdf_array_get(ctx, o, i);

			if (!pdf_is_indirect(ctx, v))
				sweep_obj(ctx, v, depth + 1, 0);
		}
	}
}

/* Every object of the new document, in case a page referred to any of it. */
static void
sweep_all(fz_context *ctx, pdf_document *out)
{
	int n = pdf_xref_len(ctx, out);

	for (int num = 1; num < n; num++) {
		pdf_obj *o = pdf_load_object(ctx, out, num);
		int page = pdf_name_eq(ctx, pdf_dict_get(ctx, o, PDF_NAME(Type)), PDF_NAME(Page));

		fz_try(ctx)
			sweep_obj(ctx, o, 0, page);
		fz_always(ctx)
			pdf_drop_obj(ctx, o);
		fz_catch(ctx)
			fz_rethrow(ctx);
	}
}

/* What a rebuilt page carries (inheritable ones looked up the tree). */
static pdf_obj *const page_keys[] = {
	PDF_NAME(Contents), PDF_NAME(Resources), PDF_NAME(MediaBox), PDF_NAME(CropBox),
	PDF_NAME(BleedBox), PDF_NAME(TrimBox), PDF_NAME(ArtBox), PDF_NAME(Rotate),
	PDF_NAME(UserUnit),
};

/*
 * Page pno of src as a new page object of out: allow-listed keys grafted
 * (what they reference comes along, shared through map), annotations
 * rebuilt.  Always a new page object, even when src lists one twice.
 */
static void
rebuild_page(struct job *j, pdf_graft_map *map, pdf_document *src, pdf_document *out, int pno)
{
	fz_context *ctx = j->ctx;
	pdf_obj *sp, *annots, *v, *na = NULL, *arr = NULL, *dp = NULL, *ref = NULL;
	int n;

	fz_var(na); fz_var(arr); fz_var(dp); fz_var(ref);
	sp = pdf_lookup_page_obj(ctx, src, pno);
	fz_try(ctx) {
		dp = pdf_new_dict(ctx, out, 12);
		pdf_dict_put(ctx, dp, PDF_NAME(Type), PDF_NAME(Page));
		for (size_t i = 0; i < sizeof page_keys / sizeof page_keys[0]; i++)
			if ((v = pdf_dict_get_inheritable(ctx, sp, page_keys[i])) != NULL)
				pdf_dict_put_drop(ctx, dp, page_keys[i],
				    pdf_graft_mapped_object(ctx, map, v));
		if (pdf_dict_get(ctx, dp, PDF_NAME(MediaBox)) == NULL)
			pdf_dict_put_rect(ctx, dp, PDF_NAME(MediaBox), fz_make_rect(0, 0, 612, 792));
		if (pdf_dict_get(ctx, dp, PDF_NAME(Resources)) == NULL)
			pdf_dict_put_dict(ctx, dp, PDF_NAME(Resources), 0);
		annots = pdf_dict_get(ctx, sp, PDF_NAME(Annots));
		n = pdf_array_len(ctx, annots);
		arr = pdf_new_array(ctx, out, n > 0 ? n : 1);
		for (int i = 0; i < n; i++) {
			na = rebuild_annot(ctx, map, out, pdf_array_get(ctx, annots, i));
			if (na != NULL) {
				pdf_array_push_drop(ctx, arr, pdf_add_object(ctx, out, na));
				pdf_drop_obj(ctx, na);
				na = NULL;
			}
		}
		if (pdf_array_len(ctx, arr) > 0)
			pdf_dict_put(ctx, dp, PDF_NAME(Annots), arr);
		ref = pdf_add_object(ctx, out, dp);
		pdf_insert_page(ctx, out, -1, ref);
	}
	fz_always(ctx) {
		pdf_drop_obj(ctx, ref);
		pdf_drop_obj(ctx, dp);
		pdf_drop_obj(ctx, na);
		pdf_drop_obj(ctx, arr);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

/* ---- the whole file ------------------------------------------------------ */

/*
 * pdf_write_document writes straight into the caller's buffer (under its
 * ceiling): no second copy of the whole file, no growing of one in MuPDF's
 * share of memory.
 */
struct out_state {
	struct buf *b;
	volatile int full;	/* the ceiling was reached (read after a throw) */
};

static void
out_write(fz_context *ctx, void *state, const void *data, size_t n)
{
	struct out_state *o = state;

	if (buf_append(o->b, data, n) != 0) {
		o->full = 1;
		fz_throw(ctx, FZ_ERROR_GENERIC, "the output reached its ceiling");
	}
}

static int64_t
out_tell(fz_context *ctx, void *state)
{
	struct out_state *o = state;

	(void)ctx;
	return (int64_t)o->b->len;
}

static int
has_encrypt(fz_context *ctx, pdf_document *doc)
{
	return pdf_needs_password(ctx, doc) ||
	    pdf_dict_get(ctx, pdf_trailer(ctx, doc), PDF_NAME(Encrypt)) != NULL ||
	    doc->crypt != NULL;
}

static int
run(struct job *j, const unsigned char *in, size_t len, struct buf *out)
{
	fz_context *ctx = j->ctx;
	struct cdr_result *r = j->r;
	const struct policy *pol = j->c->pol;
	fz_stream *stm = NULL;
	pdf_document *src = NULL, *dst = NULL;
	pdf_graft_map *map = NULL;
	fz_output *fo = NULL;
	struct out_state os = { out, 0 };
	volatile int rc = CDR_OK, npages = 0, opened = 0;
	enum step st;

	fz_var(stm); fz_var(src); fz_var(dst); fz_var(map); fz_var(fo);
	fz_try(ctx) {
		stm = fz_open_memory(ctx, in, len);
		src = pdf_open_document_with_stream(ctx, stm);
		opened = 1;
		/* encrypted: withheld, unless its password was given (the console's
		 * PPAP opening) and opens it */
		if (has_encrypt(ctx, src) && (cdr_archive_passphrase() == NULL ||
		    !pdf_authenticate_password(ctx, src, cdr_archive_passphrase()))) {
			rc = cdr_withhold(r, "encrypted", "the PDF is encrypted (/Encrypt): "
			    "it cannot be inspected as written");
			break;
		}
		npages = pdf_count_pages(ctx, src);
		if (npages <= 0) {
			rc = cdr_withhold(r, "malformed", "the PDF has no pages");
			break;
		}
		if ((size_t)npages > pol->lim.pdf_pages) {
			rc = cdr_limit(r, "pdf_page_limit", pol->lim.pdf_pages,
			    "the PDF has %d pages", npages);
			break;
		}
		if (scan_active(j, src) != 0) {
			rc = cdr_limit(r, "time_limit", pol->lim.seconds,
			    "time ran out scanning the PDF's objects");
			break;
		}
		dst = pdf_create_document(ctx);
		if (j->rebuild)
			map = pdf_new_graft_map(ctx, dst);
		else if (j->text)
			j->font_num = pdf_create_object(ctx, dst);
		for (int i = 0; i < npages; i++) {
			if (over_time(j)) {
				rc = cdr_limit(r, "time_limit", pol->lim.seconds,
				    "time ran out at page %d of %d", i + 1, npages);
				break;
			}
			if (j->rebuild)
				rebuild_page(j, map, src, dst, i);
			else if ((st = raster_page(j, (fz_document *)src, dst, i)) != STEP_OK) {
				rc = CDR_WITHHELD;
				break;
			}
			r->pages++;
		}
		if (rc != CDR_OK)
			break;
		if (j->rebuild)
			sweep_all(ctx, dst);
		else if (j->text)
			text_font(j, dst);
		if (pdf_was_repaired(ctx, src))
			cdr_removed(r, "repaired-xref", NULL);

		/* objects and the xref: a few per cent over the streams */
		(void)buf_reserve(out, j->out_hint + j->out_hint / 16 + 65536);
		fo = fz_new_output(ctx, 64 * 1024, &os, out_write, NULL, NULL);
		fo->tell = out_tell;
		{
			pdf_write_options wo = pdf_default_write_options;

			wo.do_compress = 1;
			wo.do_compress_fonts = 1;
			/* rebuild: unreachable objects and duplicates go; rasterize
			 * made only what it needs (and comparing page images
			 * pairwise for duplicates would cost time) */
			wo.do_garbage = j->rebuild ? 4 : 1;
			wo.do_clean = j->rebuild;
			pdf_write_document(ctx, dst, fo, &wo);
		}
		fz_close_output(ctx, fo);
	}
	fz_always(ctx) {
		fz_drop_output(ctx, fo);
		pdf_drop_graft_map(ctx, map);
		pdf_drop_document(ctx, dst);
		pdf_drop_document(ctx, src);
		fz_drop_stream(ctx, stm);
	}
	fz_catch(ctx) {
		buf_reset(out);
		if (os.full)
			return cdr_limit(r, "file_output_size_limit", out->max,
			    "the sanitised PDF would be over %zu bytes", out->max);
		if (j->mem.hit)
			return cdr_limit(r, "memory_limit", pol->lim.memory_bytes,
			    "MuPDF needed more than %zu bytes", j->mem.limit);
		if (!opened)
			return cdr_withhold(r, "malformed", "MuPDF cannot open the PDF: %s",
			    fz_caught_message(ctx));
		return cdr_withhold(r, "malformed", "MuPDF failed on the PDF: %s",
		    fz_caught_message(ctx));
	}
	return rc;
}

fz_context *
cdr_pdf_context(struct pdf_mem *m, size_t memory_limit)
{
	fz_alloc_context alloc = { m, mem_malloc, mem_realloc, mem_free };
	fz_context *ctx;

	memset(m, 0, sizeof *m);
	m->limit = PDF_MEM_SHARE(memory_limit);
	if ((ctx = fz_new_context(&alloc, NULL, PDF_STORE_SHARE(m->limit))) == NULL)
		return NULL;
	fz_set_warning_callback(ctx, quiet, NULL);
	fz_set_error_callback(ctx, quiet, NULL);
	if (!builtin_cjk && sys_cjk != NULL)
		fz_install_load_system_font_funcs(ctx, NULL, load_sys_cjk, NULL);
	return ctx;
}

int
cdr_pdf(struct cdr_ctx *c, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r)
{
	const struct policy *pol = c->pol;
	struct job j;
	int rc;

	memset(&j, 0, sizeof j);
	j.c = c;
	j.r = r;
	j.rebuild = pol->pdf_mode == PDF_REBUILD;
	j.text = !j.rebuild && pol->pdf_text_layer;
	clock_gettime(CLOCK_MONOTONIC, &j.t0);
	buf_reset(out);
	snprintf(r->method, sizeof r->method, "%s", j.rebuild ? "rebuild" : "rasterize");
	r->pages = 0;

	if ((j.ctx = cdr_pdf_context(&j.mem, pol->lim.memory_bytes)) == NULL)
		return cdr_limit(r, "memory_limit", pol->lim.memory_bytes,
		    "MuPDF could not start within %zu bytes", j.mem.limit);
	if (j.text) {
		j.cid_key = xcalloc(PDF_CID_SLOTS, sizeof *j.cid_key);
		j.cid_val = xcalloc(PDF_CID_SLOTS, sizeof *j.cid_val);
		j.uni_of = xcalloc(PDF_TEXT_CIDS + 1, sizeof *j.uni_of);
		j.width = xcalloc(PDF_TEXT_CIDS + 1, sizeof *j.width);
	}

	rc = run(&j, in, len, out);
	fz_drop_pixmap(j.ctx, j.pix[0]);
	fz_drop_pixmap(j.ctx, j.pix[1]);

	fz_drop_context(j.ctx);
	pdf_mem_left = j.mem.used;
	free(j.cid_key);
	free(j.cid_val);
	free(j.uni_of);
	free(j.width);
	if (rc != CDR_OK) {
		buf_reset(out);
		r->pages = 0;
		return CDR_WITHHELD;
	}
	r->out_type = "application/pdf";
	r->out_ext = ".pdf";
	return CDR_OK;
}
