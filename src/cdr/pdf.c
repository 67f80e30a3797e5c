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
 * Nothing but pixels and decoded characters reaches the output.
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
struct pdf_mem {
	size_t used;
	size_t limit;
	int hit;
};

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
		ci.dct_method = JDCT_IFAST;
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

/* A coordinate as PDF wants it: two decimals, no locale, no exponent. */
static void
put_num(fz_context *ctx, fz_buffer *b, float v)
{
	long x;

	if (!(v > -1e6f && v < 1e6f))	/* also NaN */
		v = 0;
	x = (long)(v * 100.0f + (v < 0 ? -0.5f : 0.5f));
	if (x < 0) {
		fz_append_byte(ctx, b, '-');
		x = -x;
	}
	fz_append_printf(ctx, b, "%ld", x / 100);
	if (x % 100 != 0)
		fz_append_printf(ctx, b, ".%02ld", x % 100);
	fz_append_byte(ctx, b, ' ');
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

/*
 * The page's characters as invisible text (render mode 3), each placed by
 * its own text matrix at its origin along its line's direction, in the
 * coordinates of the new page (origin bottom left; bounds b of the old).
 */
static void
text_layer(struct job *j, fz_stext_page *tp, fz_rect b, fz_buffer *cs)
{
	fz_context *ctx = j->ctx;
	int begun = 0;

	for (fz_stext_block *blk = tp->first_block; blk; blk = blk->next) {
		if (blk->type != FZ_STEXT_BLOCK_TEXT)
			continue;
		for (fz_stext_line *ln = blk->u.t.first_line; ln; ln = ln->next) {
			float ux = ln->dir.x, uy = -ln->dir.y;

			for (fz_stext_char *ch = ln->first_char; ch; ch = ch->next) {
				float size = ch->size, adv;
				int cid;

				if (!(size > 0.1f && size < 10000.0f))
					continue;
				adv = fz_abs(ch->quad.ur.x - ch->quad.ul.x) +
				    fz_abs(ch->quad.ur.y - ch->quad.ul.y);
				if ((cid = text_cid(j, ch->c, adv / size * 1000.0f)) == 0)
					continue;
				if (!begun) {
					fz_append_string(ctx, cs, "BT 3 Tr\n");
					begun = 1;
				}
				fz_append_string(ctx, cs, "/SkT ");
				put_num(ctx, cs, size);
				fz_append_string(ctx, cs, "Tf ");
				put_num(ctx, cs, ux);
				put_num(ctx, cs, uy);
				put_num(ctx, cs, -uy);
				put_num(ctx, cs, ux);
				put_num(ctx, cs, ch->origin.x - b.x0);
				put_num(ctx, cs, b.y1 - ch->origin.y);
				fz_append_printf(ctx, cs, "Tm <%04x> Tj\n", cid);
			}
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

/* Outcome of one step, for the caller to turn into the result. */
enum step { STEP_OK, STEP_LIMIT, STEP_FAIL };

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
	fz_rect b;
	float zoom = (float)pol->pdf_dpi / 72.0f, pw, ph;
	double px;

	fz_var(page); fz_var(list); fz_var(pix); fz_var(tp); fz_var(jb); fz_var(cs);
	fz_var(img); fz_var(res); fz_var(im); fz_var(pg); fz_var(jpg); fz_var(st);
	fz_try(ctx) {
		page = fz_load_page(ctx, doc, pno);
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
		pix = fz_new_pixmap_from_display_list(ctx, list,
		    fz_pre_translate(fz_scale(zoom, zoom), -b.x0, -b.y0), fz_device_rgb(ctx), 0);
		if (encode_jpeg(pix, make_gray(pix) ? 1 : 3, (int)pol->pdf_jpeg_quality,
		    &jpg, &jlen) != 0)
			fz_throw(ctx, FZ_ERROR_MEMORY, "cannot encode the page as JPEG");
		fz_drop_pixmap(ctx, pix);
		pix = NULL;
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
		fz_drop_pixmap(ctx, pix);
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

/* The written document into out (the caller's ceiling).  CDR_OK or withheld. */
static int
copy_out(struct job *j, fz_buffer *fb, struct buf *out)
{
	unsigned char *data;
	size_t n = fz_buffer_storage(j->ctx, fb, &data);

	if (buf_append(out, data, n) != 0) {
		buf_reset(out);
		return cdr_limit(j->r, "file_output_size_limit", out->max,
		    "the sanitised PDF would be %zu bytes", n);
	}
	return CDR_OK;
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
	fz_buffer *fb = NULL;
	fz_output *fo = NULL;
	volatile int rc = CDR_OK, npages = 0, opened = 0;
	enum step st;

	fz_var(stm); fz_var(src); fz_var(dst); fz_var(map); fz_var(fb); fz_var(fo);
	fz_try(ctx) {
		stm = fz_open_memory(ctx, in, len);
		src = pdf_open_document_with_stream(ctx, stm);
		opened = 1;
		if (has_encrypt(ctx, src)) {
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

		fb = fz_new_buffer(ctx, 64 * 1024);
		fo = fz_new_output_with_buffer(ctx, fb);
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
		rc = copy_out(j, fb, out);
	}
	fz_always(ctx) {
		fz_drop_output(ctx, fo);
		fz_drop_buffer(ctx, fb);
		pdf_drop_graft_map(ctx, map);
		pdf_drop_document(ctx, dst);
		pdf_drop_document(ctx, src);
		fz_drop_stream(ctx, stm);
	}
	fz_catch(ctx) {
		buf_reset(out);
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

int
cdr_pdf(struct cdr_ctx *c, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r)
{
	const struct policy *pol = c->pol;
	struct job j;
	fz_alloc_context alloc;
	int rc;

	memset(&j, 0, sizeof j);
	j.c = c;
	j.r = r;
	j.rebuild = pol->pdf_mode == PDF_REBUILD;
	j.text = !j.rebuild && pol->pdf_text_layer;
	clock_gettime(CLOCK_MONOTONIC, &j.t0);
	j.mem.limit = PDF_MEM_SHARE(pol->lim.memory_bytes);
	alloc.user = &j.mem;
	alloc.malloc = mem_malloc;
	alloc.realloc = mem_realloc;
	alloc.free = mem_free;
	buf_reset(out);
	snprintf(r->method, sizeof r->method, "%s", j.rebuild ? "rebuild" : "rasterize");
	r->pages = 0;

	if ((j.ctx = fz_new_context(&alloc, NULL, PDF_STORE_SHARE(j.mem.limit))) == NULL)
		return cdr_limit(r, "memory_limit", pol->lim.memory_bytes,
		    "MuPDF could not start within %zu bytes", j.mem.limit);
	fz_set_warning_callback(j.ctx, quiet, NULL);
	fz_set_error_callback(j.ctx, quiet, NULL);
	if (!builtin_cjk && sys_cjk != NULL)
		fz_install_load_system_font_funcs(j.ctx, NULL, load_sys_cjk, NULL);
	if (j.text) {
		j.cid_key = xcalloc(PDF_CID_SLOTS, sizeof *j.cid_key);
		j.cid_val = xcalloc(PDF_CID_SLOTS, sizeof *j.cid_val);
		j.uni_of = xcalloc(PDF_TEXT_CIDS + 1, sizeof *j.uni_of);
		j.width = xcalloc(PDF_TEXT_CIDS + 1, sizeof *j.width);
	}

	rc = run(&j, in, len, out);

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
