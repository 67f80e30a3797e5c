/*
 * image - pictures rebuilt from their pixels: JPEG, PNG, GIF, BMP, TIFF, WebP.
 *
 * Contract (cdr.h): the input is decoded to pixels by the format's own
 * library and a NEW file is encoded from those pixels alone, so nothing the
 * original carried besides the picture survives: EXIF (with GPS and its
 * thumbnail), XMP, ICC profiles, comments, text chunks, private chunks,
 * further frames or pages, and bytes after the end of the image (a zip
 * appended to a JPEG, data after a PNG's IEND).  What was there is recorded
 * with cdr_removed().  Outputs: JPEG -> JPEG (quality 90, the EXIF
 * orientation applied to the pixels first), PNG -> PNG (alpha kept), WebP ->
 * WebP (lossless stays lossless), GIF/BMP/TIFF -> PNG (first frame or page).
 * Pixels are kept as the file's device RGB: an ICC profile is dropped, not
 * applied (viewers then assume sRGB; colours of wide-gamut photos shift a
 * little, which is harmless).
 *
 * Bounds: the header's width x height is checked against image_pixel_limit
 * before any pixel memory is allocated, and the pixel buffers (decoded plus a
 * rotated copy) against memory_limit; libjpeg's progressive scans, libpng's
 * chunk sizes and libtiff's single allocations are capped as well.
 *
 * Failure: a file a decoder rejects, or a truncated one, is withheld as
 * "malformed" (libjpeg/libpng errors come back by longjmp, libtiff, giflib,
 * libwebp and MuPDF report them); decoders never write to stderr.  Animated
 * WebP is withheld (libwebp's demuxer is not linked).  BMP is decoded with
 * MuPDF, in a context of our own.
 */
#include "cdr/cdr.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gif_lib.h>
#include <jpeglib.h>
#include <jerror.h>
#include <mupdf/fitz.h>
#include <png.h>
#include <tiffio.h>
#include <webp/decode.h>
#include <webp/encode.h>

#include "core/xalloc.h"

#define JPEG_OUT_QUALITY 90
#define JPEG_MAX_SCANS 1000		/* progressive scans (libjpeg-turbo's advice) */
#define PNG_CHUNK_MAX (8u * 1024 * 1024)	/* one ancillary chunk, decompressed */
#define PNG_CACHE_MAX 1000		/* ancillary chunks kept by libpng */
#define TIFF_ALLOC_MAX ((tmsize_t)256 * 1024 * 1024)
#define TIFF_PAGES_MAX 100000		/* counting stops here */

/* Decoded pixels: 8 bits a sample, ch = 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
struct img {
	unsigned int w, h;
	int ch;
	unsigned char *px;
};

static void
img_free(struct img *im)
{
	free(im->px);
	im->px = NULL;
}

/*
 * The pixel ceiling, checked on a header's claim before anything is
 * allocated; and the memory the pixels would take (decoded, a rotated copy,
 * the encoder's rows) against memory_limit.
 */
static int
check_size(struct cdr_ctx *c, struct cdr_result *r, unsigned long long w,
    unsigned long long h, const char *what)
{
	unsigned long long n = w * h;

	if (w == 0 || h == 0)
		return cdr_withhold(r, "malformed", "the %s image is empty (%llux%llu)", what, w, h);
	if (w > 0xffffffULL || h > 0xffffffULL || n > c->pol->lim.image_pixels)
		return cdr_limit(r, "image_pixel_limit", c->pol->lim.image_pixels,
		    "the %s image claims %llux%llu pixels, more than image_pixel_limit %zu",
		    what, w, h, c->pol->lim.image_pixels);
	if (n * 4 * 3 > c->pol->lim.memory_bytes)
		return cdr_limit(r, "memory_limit", c->pol->lim.memory_bytes,
		    "the %s image (%llux%llu pixels) needs more memory than memory_limit %zu",
		    what, w, h, c->pol->lim.memory_bytes);
	return 0;
}

static void
img_alloc(struct img *im, unsigned int w, unsigned int h, int ch)
{
	im->w = w;
	im->h = h;
	im->ch = ch;
	im->px = xcalloc((size_t)w * h, (size_t)ch);
}

static int
out_full(struct cdr_result *r, const struct buf *out)
{
	return cdr_limit(r, "file_output_size_limit", out->max,
	    "the re-encoded image is larger than file_output_size_limit %zu", out->max);
}

static unsigned int
rd16(const unsigned char *p, int be)
{
	return be ? (unsigned int)p[0] << 8 | p[1] : (unsigned int)p[1] << 8 | p[0];
}

static unsigned long
rd32(const unsigned char *p, int be)
{
	return be ? (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	    (unsigned long)p[2] << 8 | p[3] :
	    (unsigned long)p[3] << 24 | (unsigned long)p[2] << 16 |
	    (unsigned long)p[1] << 8 | p[0];
}

/* ---- orientation ---------------------------------------------------- */

/*
 * Apply EXIF orientation o (2..8) to the pixels: the picture then looks
 * as the camera meant without the tag.  5..8 swap width and height.
 */
static void
img_orient(struct img *im, int o)
{
	unsigned int w = im->w, h = im->h, dw, dh;
	size_t ch = (size_t)im->ch;
	unsigned char *dst;

	if (o < 2 || o > 8)
		return;
	dw = o >= 5 ? h : w;
	dh = o >= 5 ? w : h;
	dst = xmalloc((size_t)w * h * ch);
	for (unsigned int y = 0; y < h; y++) {
		for (unsigned int x = 0; x < w; x++) {
			unsigned int dx, dy;

			switch (o) {
			case 2: dx = w - 1 - x; dy = y; break;
			case 3: dx = w - 1 - x; dy = h - 1 - y; break;
			case 4: dx = x; dy = h - 1 - y; break;
			case 5: dx = y; dy = x; break;
			case 6: dx = h - 1 - y; dy = x; break;
			case 7: dx = h - 1 - y; dy = w - 1 - x; break;
			default: dx = y; dy = w - 1 - x; break;	/* 8 */
			}
			memcpy(dst + ((size_t)dy * dw + dx) * ch,
			    im->px + ((size_t)y * w + x) * ch, ch);
		}
	}
	free(im->px);
	im->px = dst;
	im->w = dw;
	im->h = dh;
}

/* ---- encoders -------------------------------------------------------- */

struct png_wr {
	struct buf *out;
	int full;
	jmp_buf jb;
};

static void
png_wr_error(png_structp png, png_const_charp msg)
{
	struct png_wr *w = png_get_error_ptr(png);

	(void)msg;
	longjmp(w->jb, 1);
}

static void
png_quiet(png_structp png, png_const_charp msg)
{
	(void)png; (void)msg;
}

static void
png_wr_data(png_structp png, png_bytep p, size_t n)
{
	struct png_wr *w = png_get_io_ptr(png);

	if (buf_append(w->out, p, n) != 0) {
		w->full = 1;
		png_error(png, "output limit");
	}
}

static void
png_wr_flush(png_structp png)
{
	(void)png;
}

/* Encode as PNG into out (which is empty).  Only IHDR, IDAT and IEND. */
#define PNG_OUT_ZLIB_LEVEL 3

static int
encode_png(const struct img *im, struct buf *out, struct cdr_result *r)
{
	static const int types[] = { 0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
	    PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA };
	struct png_wr w;
	png_structp png;
	png_infop info;

	memset(&w, 0, sizeof w);
	w.out = out;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w, png_wr_error, png_quiet);
	if (png == NULL || (info = png_create_info_struct(png)) == NULL)
		die("libpng: cannot create a write structure");
	if (setjmp(w.jb)) {
		png_destroy_write_struct(&png, &info);
		buf_reset(out);
		if (w.full)
			return out_full(r, out);
		return cdr_withhold(r, "internal", "libpng could not encode the image");
	}
	png_set_write_fn(png, &w, png_wr_data, png_wr_flush);
	/* zlib level 3: about twice as fast as the default 6, a few % larger */
	png_set_compression_level(png, PNG_OUT_ZLIB_LEVEL);
	png_set_IHDR(png, info, im->w, im->h, 8, types[im->ch], PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (unsigned int y = 0; y < im->h; y++)
		png_write_row(png, im->px + (size_t)y * im->w * (size_t)im->ch);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	r->out_type = "image/png";
	r->out_ext = ".png";
	return CDR_OK;
}

struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	int eof;		/* the data ended before the picture did */
	int scans_over;		/* too many progressive scans */
};

static void
jerr_exit(j_common_ptr ci)
{
	struct jerr *e = (struct jerr *)(void *)ci->err;

	longjmp(e->jb, 1);
}

static void
jerr_emit(j_common_ptr ci, int level)
{
	struct jerr *e = (struct jerr *)(void *)ci->err;

	if (level < 0 && ci->err->msg_code == JWRN_JPEG_EOF)
		e->eof = 1;
}

static void
jerr_output(j_common_ptr ci)
{
	(void)ci;
}

static void
jerr_init(struct jerr *e)
{
	jpeg_std_error(&e->pub);
	e->pub.error_exit = jerr_exit;
	e->pub.emit_message = jerr_emit;
	e->pub.output_message = jerr_output;
	e->eof = 0;
	e->scans_over = 0;
}

/* Encode as baseline JPEG (gray or RGB), quality 90, JFIF header only. */
static int
encode_jpeg(const struct img *im, struct buf *out, struct cdr_result *r)
{
	struct jpeg_compress_struct ci;
	struct jerr e;
	unsigned char *mem = NULL;
	unsigned long memlen = 0;
	int rc;

	memset(&ci, 0, sizeof ci);
	jerr_init(&e);
	ci.err = &e.pub;
	if (setjmp(e.jb)) {
		jpeg_destroy_compress(&ci);
		free(mem);
		return cdr_withhold(r, "internal", "libjpeg could not encode the image");
	}
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &mem, &memlen);
	ci.image_width = im->w;
	ci.image_height = im->h;
	ci.input_components = im->ch;
	ci.in_color_space = im->ch == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, JPEG_OUT_QUALITY, TRUE);
	ci.optimize_coding = TRUE;
	jpeg_start_compress(&ci, TRUE);
	while (ci.next_scanline < ci.image_height) {
		JSAMPROW row = im->px + (size_t)ci.next_scanline * im->w * (size_t)im->ch;

		jpeg_write_scanlines(&ci, &row, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	rc = buf_append(out, mem, memlen);
	free(mem);
	if (rc != 0) {
		buf_reset(out);
		return out_full(r, out);
	}
	r->out_type = "image/jpeg";
	r->out_ext = ".jpg";
	return CDR_OK;
}

/* 1 if every alpha sample is opaque (the alpha channel can go). */
static int
img_opaque(const struct img *im)
{
	size_t n = (size_t)im->w * im->h;

	if (im->ch != 2 && im->ch != 4)
		return 1;
	for (size_t i = 0; i < n; i++) {
		if (im->px[i * (size_t)im->ch + (size_t)im->ch - 1] != 0xff)
			return 0;
	}
	return 1;
}

/* Drop an opaque alpha channel in place (RGBA -> RGB, GA -> G). */
static void
img_drop_alpha(struct img *im)
{
	size_t n = (size_t)im->w * im->h, ch = (size_t)im->ch;

	if (ch != 2 && ch != 4)
		return;
	for (size_t i = 0; i < n; i++)
		memmove(im->px + i * (ch - 1), im->px + i * ch, ch - 1);
	im->ch--;
}

/* ---- JPEG ------------------------------------------------------------ */

struct exif_facts {
	int orientation;	/* 1..8, 0 if absent */
	int gps;
	int thumbnail;
};

/* Walk a TIFF-structured EXIF block (after "Exif\0\0"), bounds-checked. */
static void
exif_scan(const unsigned char *p, size_t n, struct exif_facts *f)
{
	unsigned long ifd;
	int be;

	if (n < 8)
		return;
	if (memcmp(p, "MM\0*", 4) == 0)
		be = 1;
	else if (memcmp(p, "II*\0", 4) == 0)
		be = 0;
	else
		return;
	ifd = rd32(p + 4, be);
	for (int k = 0; k < 2; k++) {	/* IFD0 (main image), IFD1 (thumbnail) */
		unsigned int cnt;

		if (ifd < 8 || ifd > n || n - ifd < 2)
			return;
		cnt = rd16(p + ifd, be);
		if ((n - ifd - 2) / 12 < cnt)
			return;
		for (unsigned int i = 0; i < cnt; i++) {
			const unsigned char *e = p + ifd + 2 + (size_t)i * 12;
			unsigned int tag = rd16(e, be), type = rd16(e + 2, be);

			if (k == 0 && tag == 0x0112 && type == 3) {
				unsigned int o = rd16(e + 8, be);

				f->orientation = o >= 1 && o <= 8 ? (int)o : 0;
			} else if (k == 0 && tag == 0x8825)
				f->gps = 1;
			else if (k == 1 && (tag == 0x0201 || tag == 0x0111))
				f->thumbnail = 1;
		}
		if ((n - ifd - 2) / 12 == cnt)	/* no room for the next-IFD link */
			return;
		ifd = rd32(p + ifd + 2 + (size_t)cnt * 12, be);
		if (ifd == 0)
			return;
	}
}

static int
has_prefix(const jpeg_saved_marker_ptr m, const char *s, size_t n)
{
	return m->data_length >= n && memcmp(m->data, s, n) == 0;
}

/* What the saved APPn/COM markers held; the EXIF orientation into *o. */
static void
jpeg_markers(struct jpeg_decompress_struct *ci, struct cdr_result *r, int *o)
{
	for (jpeg_saved_marker_ptr m = ci->marker_list; m != NULL; m = m->next) {
		char name[8];

		if (m->marker == JPEG_COM) {
			cdr_removed(r, "comment", NULL);
			continue;
		}
		if (m->marker == JPEG_APP0 && (has_prefix(m, "JFIF\0", 5) ||
		    has_prefix(m, "JFXX\0", 5))) {
			if (has_prefix(m, "JFXX\0", 5))
				cdr_removed(r, "thumbnail", "JFXX");
			continue;	/* the new file gets its own JFIF header */
		}
		if (m->marker == JPEG_APP0 + 1 && has_prefix(m, "Exif\0", 5) && m->data_length >= 6) {
			struct exif_facts f = { 0, 0, 0 };

			exif_scan(m->data + 6, m->data_length - 6, &f);
			cdr_removed(r, "exif", f.gps ? "GPS" : NULL);
			if (f.thumbnail)
				cdr_removed(r, "thumbnail", "EXIF");
			if (f.orientation > 1 && *o == 0)
				*o = f.orientation;
			continue;
		}
		if (m->marker == JPEG_APP0 + 1 && has_prefix(m, "http://ns.adobe.com/", 20)) {
			cdr_removed(r, "xmp", NULL);
			continue;
		}
		if (m->marker == JPEG_APP0 + 2 && has_prefix(m, "ICC_PROFILE\0", 12)) {
			if (m->data_length >= 14 && m->data[12] == 1)	/* first segment */
				cdr_removed(r, "icc-profile", NULL);
			continue;
		}
		if (m->marker == JPEG_APP0 + 2 && has_prefix(m, "MPF\0", 4)) {
			cdr_removed(r, "extra-images", "MPF");
			continue;
		}
		if (m->marker == JPEG_APP0 + 13) {
			cdr_removed(r, "iptc", "Photoshop");
			continue;
		}
		if (m->marker == JPEG_APP0 + 14 && has_prefix(m, "Adobe", 5))
			continue;	/* colour transform flag, used by the decoder */
		snprintf(name, sizeof name, "APP%d", m->marker - JPEG_APP0);
		cdr_removed(r, "metadata", name);
	}
}

static void
jpeg_progress(j_common_ptr ci)
{
	struct jerr *e = (struct jerr *)(void *)ci->err;
	j_decompress_ptr d = (j_decompress_ptr)ci;

	if (d->input_scan_number > JPEG_MAX_SCANS) {
		e->scans_over = 1;
		longjmp(e->jb, 1);
	}
}

struct jpeg_job {
	struct jpeg_decompress_struct ci;
	struct jerr e;
	struct jpeg_progress_mgr prog;
	struct img im;
	int cmyk;
	int orient;
	size_t trailing;
};

/* Decode into j->im; 0, or CDR_WITHHELD with r set. */
static int
jpeg_decode(struct cdr_ctx *c, const unsigned char *in, size_t len, struct jpeg_job *j,
    struct cdr_result *r)
{
	struct jpeg_decompress_struct *ci = &j->ci;

	jerr_init(&j->e);
	ci->err = &j->e.pub;
	if (setjmp(j->e.jb)) {
		char msg[JMSG_LENGTH_MAX];

		if (j->e.scans_over)
			return cdr_withhold(r, "malformed",
			    "the JPEG has more than %d progressive scans", JPEG_MAX_SCANS);
		if (r->reason[0] != '\0')
			return CDR_WITHHELD;
		(*ci->err->format_message)((j_common_ptr)ci, msg);
		return cdr_withhold(r, "malformed", "libjpeg: %s", msg);
	}
	jpeg_create_decompress(ci);
	ci->mem->max_memory_to_use = (long)(c->pol->lim.memory_bytes / 2);
	j->prog.progress_monitor = jpeg_progress;
	ci->progress = &j->prog;
	jpeg_mem_src(ci, in, (unsigned long)len);
	jpeg_save_markers(ci, JPEG_COM, 0xffff);
	for (int m = 0; m < 16; m++)
		jpeg_save_markers(ci, JPEG_APP0 + m, 0xffff);
	jpeg_read_header(ci, TRUE);
	jpeg_markers(ci, r, &j->orient);	/* the list is gone after finish */
	if (check_size(c, r, ci->image_width, ci->image_height, "JPEG") != 0)
		return CDR_WITHHELD;
	switch (ci->jpeg_color_space) {
	case JCS_GRAYSCALE:
		ci->out_color_space = JCS_GRAYSCALE;
		break;
	case JCS_CMYK:
	case JCS_YCCK:
		ci->out_color_space = JCS_CMYK;
		j->cmyk = 1;
		break;
	default:
		ci->out_color_space = JCS_RGB;
		break;
	}
	jpeg_start_decompress(ci);
	if (ci->output_components != (j->cmyk ? 4 : ci->out_color_space == JCS_GRAYSCALE ? 1 : 3))
		return cdr_withhold(r, "malformed", "unexpected JPEG component count %d",
		    ci->output_components);
	img_alloc(&j->im, ci->output_width, ci->output_height, ci->output_components);
	while (ci->output_scanline < ci->output_height) {
		JSAMPROW row = j->im.px + (size_t)ci->output_scanline * j->im.w * (size_t)j->im.ch;

		jpeg_read_scanlines(ci, &row, 1);
		if (j->e.eof)
			break;
	}
	if (j->e.eof)
		return cdr_withhold(r, "malformed", "the JPEG data ends before the picture does (truncated)");
	jpeg_finish_decompress(ci);
	if (j->e.eof)
		return cdr_withhold(r, "malformed", "the JPEG data ends before the picture does (truncated)");
	j->trailing = ci->src->bytes_in_buffer;
	return 0;
}

/* CMYK (Adobe writes it inverted) to RGB, in place; ch becomes 3. */
static void
cmyk_to_rgb(struct img *im, int adobe_inverted)
{
	size_t n = (size_t)im->w * im->h;

	for (size_t i = 0; i < n; i++) {
		unsigned int cc = im->px[i * 4], m = im->px[i * 4 + 1], y = im->px[i * 4 + 2],
		    k = im->px[i * 4 + 3];

		if (!adobe_inverted) {
			cc = 255 - cc; m = 255 - m; y = 255 - y; k = 255 - k;
		}
		im->px[i * 3] = (unsigned char)(cc * k / 255);
		im->px[i * 3 + 1] = (unsigned char)(m * k / 255);
		im->px[i * 3 + 2] = (unsigned char)(y * k / 255);
	}
	im->ch = 3;
}

static int
do_jpeg(struct cdr_ctx *c, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r)
{
	struct jpeg_job *j = xcalloc(1, sizeof *j);
	int rc;

	rc = jpeg_decode(c, in, len, j, r);
	if (rc == 0) {
		if (j->cmyk)
			cmyk_to_rgb(&j->im, j->ci.saw_Adobe_marker);
		if (j->orient > 1)
			img_orient(&j->im, j->orient);
		if (j->trailing > 0) {
			char n[32];

			snprintf(n, sizeof n, "%zu bytes", j->trailing);
			cdr_removed(r, "trailing-data", n);
		}
	}
	jpeg_destroy_decompress(&j->ci);
	if (rc == 0)
		rc = encode_jpeg(&j->im, out, r);
	img_free(&j->im);
	free(j);
	return rc;
}

/* ---- PNG ------------------------------------------------------------- */

struct png_job {
	const unsigned char *in;
	size_t len, pos;
	jmp_buf jb;
	int eof;
	char msg[128];
	struct img im;
	png_structp png;
	png_infop info, end;
	png_bytep *rows;	/* freed by the caller, also after a longjmp */
};

static void
png_rd_error(png_structp png, png_const_charp msg)
{
	struct png_job *j = png_get_error_ptr(png);

	snprintf(j->msg, sizeof j->msg, "%s", msg);
	longjmp(j->jb, 1);
}

static void
png_rd_data(png_structp png, png_bytep p, size_t n)
{
	struct png_job *j = png_get_io_ptr(png);

	if (n > j->len - j->pos) {
		j->eof = 1;
		png_error(png, "the file ends early (truncated)");
	}
	memcpy(p, j->in + j->pos, n);
	j->pos += n;
}

/* Metadata chunks of one info structure, recorded as removed. */
static void
png_meta(png_structp png, png_infop info, struct cdr_result *r)
{
	png_textp text;
	png_unknown_chunkp unk;
	int ntext = 0, nunk;
	png_charp name;
	int comp;
	png_bytep prof;
	png_uint_32 plen;
	png_bytep exif;
	png_uint_32 elen;

	if (png_get_text(png, info, &text, &ntext) > 0) {
		for (int i = 0; i < ntext; i++)
			cdr_removed(r, "text-chunk", text[i].key);
	}
	if (png_get_iCCP(png, info, &name, &comp, &prof, &plen) != 0)
		cdr_removed(r, "icc-profile", NULL);
	if (png_get_eXIf_1(png, info, &elen, &exif) != 0)
		cdr_removed(r, "exif", NULL);
	nunk = png_get_unknown_chunks(png, info, &unk);
	for (int i = 0; i < nunk; i++) {
		char n[5];

		memcpy(n, unk[i].name, 4);
		n[4] = '\0';
		for (int k = 0; k < 4; k++) {
			if (!((n[k] >= 'a' && n[k] <= 'z') || (n[k] >= 'A' && n[k] <= 'Z')))
				n[k] = '?';
		}
		if (strcmp(n, "acTL") == 0 && unk[i].size >= 8) {
			unsigned long frames = rd32(unk[i].data, 1);

			cdr_removed_n(r, "animation-frames", "APNG",
			    frames > 1 ? (frames - 1 < 100000 ? frames - 1 : 100000) : 0);
		} else if (strcmp(n, "fcTL") == 0 || strcmp(n, "fdAT") == 0)
			continue;	/* parts of the APNG frames counted above */
		else if (strcmp(n, "zxIf") == 0 || strcmp(n, "exIf") == 0)
			cdr_removed(r, "exif", n);
		else
			cdr_removed(r, "private-chunk", n);
	}
}

/*
 * Walk the chunk headers before libpng does: libpng allocates a chunk's
 * claimed length before reading it, so a 2 GB iTXt claim in a 300-byte
 * file would cost 2 GB.  No chunk may claim more than the file holds.
 */
static int
png_prescan(const unsigned char *in, size_t len, struct cdr_result *r)
{
	size_t off = 8;

	while (off + 12 <= len) {
		unsigned long n = rd32(in + off, 1);

		if (n > len - off - 12)
			return cdr_withhold(r, "malformed",
			    "a PNG chunk claims %lu bytes, more than the file holds (truncated)", n);
		if (memcmp(in + off + 4, "IEND", 4) == 0)
			return 0;
		off += 12 + n;
	}
	return cdr_withhold(r, "malformed", "the PNG ends before its IEND chunk (truncated)");
}

static int
png_decode(struct cdr_ctx *c, struct png_job *j, struct cdr_result *r)
{
	png_uint_32 w, h;
	int depth, type, ilace, ch;

	if (setjmp(j->jb)) {
		if (r->reason[0] != '\0')
			return CDR_WITHHELD;
		return cdr_withhold(r, "malformed", "libpng: %s", j->msg);
	}
	png_set_read_fn(j->png, j, png_rd_data);
	png_set_keep_unknown_chunks(j->png, PNG_HANDLE_CHUNK_ALWAYS, NULL, 0);
	png_set_chunk_cache_max(j->png, PNG_CACHE_MAX);
	png_set_chunk_malloc_max(j->png, PNG_CHUNK_MAX);
	png_read_info(j->png, j->info);
	png_get_IHDR(j->png, j->info, &w, &h, &depth, &type, &ilace, NULL, NULL);
	if (check_size(c, r, w, h, "PNG") != 0)
		return CDR_WITHHELD;
	png_set_expand(j->png);		/* palette, low-bit gray, tRNS -> 8-bit (+alpha) */
	png_set_strip_16(j->png);
	png_set_interlace_handling(j->png);
	png_read_update_info(j->png, j->info);
	ch = png_get_channels(j->png, j->info);
	if (ch < 1 || ch > 4 || png_get_bit_depth(j->png, j->info) != 8)
		return cdr_withhold(r, "malformed", "unexpected PNG layout (%d channels)", ch);
	img_alloc(&j->im, w, h, ch);
	j->rows = xcalloc(h, sizeof *j->rows);
	for (png_uint_32 y = 0; y < h; y++)
		j->rows[y] = j->im.px + (size_t)y * w * (size_t)ch;
	png_read_image(j->png, j->rows);
	png_read_end(j->png, j->end);
	return 0;
}

static int
do_png(struct cdr_ctx *c, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r)
{
	struct png_job *j = xcalloc(1, sizeof *j);
	int rc;

	if (png_prescan(in, len, r) != 0) {
		free(j);
		return CDR_WITHHELD;
	}
	j->in = in;
	j->len = len;
	j->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, j, png_rd_error, png_quiet);
	if (j->png == NULL || (j->info = png_create_info_struct(j->png)) == NULL ||
	    (j->end = png_create_info_struct(j->png)) == NULL)
		die("libpng: cannot create a read structure");
	rc = png_decode(c, j, r);
	if (rc == 0) {
		png_meta(j->png, j->info, r);
		png_meta(j->png, j->end, r);
		if (j->pos < len) {
			char n[32];

			snprintf(n, sizeof n, "%zu bytes", len - j->pos);
			cdr_removed(r, "trailing-data", n);
		}
	}
	png_destroy_read_struct(&j->png, &j->info, &j->end);
	free(j->rows);
	if (rc == 0)
		rc = encode_png(&j->im, out, r);
	img_free(&j->im);
	free(j);
	return rc;
}

/* ---- GIF ------------------------------------------------------------- */

struct gif_src {
	const unsigned char *in;
	size_t len, pos;
};

static int
gif_read(GifFileType *g, GifByteType *p, int n)
{
	struct gif_src *s = g->UserData;
	size_t k = n < 0 ? 0 : (size_t)n;

	if (k > s->len - s->pos)
		k = s->len - s->pos;
	memcpy(p, s->in + s->pos, k);
	s->pos += k;
	return (int)k;
}

/* Read the first frame's pixels onto the RGBA canvas. */
static int
gif_frame(GifFileType *g, struct img *im, int transparent, struct cdr_result *r)
{
	const GifImageDesc *d = &g->Image;
	const ColorMapObject *cm = d->ColorMap != NULL ? d->ColorMap : g->SColorMap;
	GifPixelType *line;
	int fw = d->Width, fh = d->Height;
	static const int off[] = { 0, 4, 2, 1 }, step[] = { 8, 8, 4, 2 };
	int passes = d->Interlace ? 4 : 1;

	if (cm == NULL)
		return cdr_withhold(r, "malformed", "the GIF frame has no colour table");
	line = xmalloc((size_t)fw);
	for (int pass = 0; pass < passes; pass++) {
		for (int y = d->Interlace ? off[pass] : 0; y < fh; y += d->Interlace ? step[pass] : 1) {
			long cy = (long)d->Top + y;

			if (DGifGetLine(g, line, fw) == GIF_ERROR) {
				free(line);
				return cdr_withhold(r, "malformed", "giflib: %s",
				    GifErrorString(g->Error));
			}
			if (cy < 0 || cy >= (long)im->h)
				continue;
			for (int x = 0; x < fw; x++) {
				long cx = (long)d->Left + x;
				unsigned char *px;
				const GifColorType *col;

				if (cx >= (long)im->w || line[x] == transparent ||
				    line[x] >= cm->ColorCount)
					continue;
				col = &cm->Colors[line[x]];
				px = im->px + ((size_t)cy * im->w + (size_t)cx) * 4;
				px[0] = col->Red;
				px[1] = col->Green;
				px[2] = col->Blue;
				px[3] = 0xff;
			}
		}
	}
	free(line);
	return 0;
}

static int
gif_skip_frame(GifFileType *g)
{
	int codesize;
	GifByteType *block;

	if (DGifGetCode(g, &codesize, &block) == GIF_ERROR)
		return -1;
	while (block != NULL) {
		if (DGifGetCodeNext(g, &block) == GIF_ERROR)
			return -1;
	}
	return 0;
}

static int
do_gif(struct cdr_ctx *c, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r)
{
	struct gif_src s = { in, len, 0 };
	struct img im = { 0, 0, 0, NULL };
	GifFileType *g;
	GifRecordType rt;
	int err = 0, transparent = -1, rc = CDR_WITHHELD;
	size_t frames = 0;

	if ((g = DGifOpen(&s, gif_read, &err)) == NULL)
		return cdr_withhold(r, "malformed", "giflib: %s", GifErrorString(err));
	if (check_size(c, r, (unsigned long long)g->SWidth, (unsigned long long)g->SHeight,
	    "GIF") != 0)
		goto out;
	do {
		if (DGifGetRecordType(g, &rt) == GIF_ERROR)
			goto bad;
		if (rt == IMAGE_DESC_RECORD_TYPE) {
			if (DGifGetImageDesc(g) == GIF_ERROR)
				goto bad;
			if (frames++ == 0) {
				if (check_size(c, r, (unsigned long long)g->Image.Width,
				    (unsigned long long)g->Image.Height, "GIF frame") != 0)
					goto out;
				img_alloc(&im, (unsigned int)g->SWidth, (unsigned int)g->SHeight, 4);
				if (gif_frame(g, &im, transparent, r) != 0)
					goto out;
			} else if (gif_skip_frame(g) != 0)
				goto bad;
		} else if (rt == EXTENSION_RECORD_TYPE) {
			int code;
			GifByteType *ext;

			if (DGifGetExtension(g, &code, &ext) == GIF_ERROR)
				goto bad;
			if (code == GRAPHICS_EXT_FUNC_CODE && frames == 0 && ext != NULL) {
				GraphicsControlBlock gcb;

				if (DGifExtensionToGCB(ext[0], ext + 1, &gcb) == GIF_OK)
					transparent = gcb.TransparentColor;
			} else if (code == COMMENT_EXT_FUNC_CODE)
				cdr_removed(r, "comment", NULL);
			else if (code == PLAINTEXT_EXT_FUNC_CODE)
				cdr_removed(r, "text-chunk", "plain text extension");
			else if (code == APPLICATION_EXT_FUNC_CODE && ext != NULL && ext[0] >= 8) {
				if (memcmp(ext + 1, "NETSCAPE", 8) != 0 && memcmp(ext + 1, "ANIMEXTS", 8) != 0)
					cdr_removed(r, memcmp(ext + 1, "XMP Data", 8) == 0 ? "xmp" :
					    memcmp(ext + 1, "ICCRGBG1", 8) == 0 ? "icc-profile" :
					    "application-extension", NULL);
			}
			while (ext != NULL) {
				if (DGifGetExtensionNext(g, &ext) == GIF_ERROR)
					goto bad;
			}
		}
	} while (rt != TERMINATE_RECORD_TYPE);
	if (frames == 0) {
		cdr_withhold(r, "malformed", "the GIF holds no picture");
		goto out;
	}
	cdr_removed_n(r, "animation-frames", NULL, frames - 1);
	if (s.pos < len) {
		char n[32];

		snprintf(n, sizeof n, "%zu bytes", len - s.pos);
		cdr_removed(r, "trailing-data", n);
	}
	if (img_opaque(&im))
		img_drop_alpha(&im);
	rc = encode_png(&im, out, r);
	goto out;
bad:
	cdr_withhold(r, "malformed", "giflib: %s", GifErrorString(g->Error));
out:
	DGifCloseFile(g, &err);
	img_free(&im);
	return rc;
}

/* ---- TIFF ------------------------------------------------------------ */

struct tiff_src {
	const unsigned char *in;
	size_t len;
	toff_t pos;
	char msg[128];
};

static tmsize_t
tiff_read(thandle_t h, void *p, tmsize_t n)
{
	struct tiff_src *s = h;
	size_t k;

	if (n < 0 || s->pos >= s->len)
		return 0;
	k = (size_t)n;
	if (k > s->len - s->pos)
		k = s->len - (size_t)s->pos;
	memcpy(p, s->in + s->pos, k);
	s->pos += k;
	return (tmsize_t)k;
}

static tmsize_t
tiff_write(thandle_t h, void *p, tmsize_t n)
{
	(void)h; (void)p; (void)n;
	return -1;
}

static toff_t
tiff_seek(thandle_t h, toff_t off, int whence)
{
	struct tiff_src *s = h;
	toff_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? s->len : 0;

	if (off > UINT64_MAX - base)
		return (toff_t)-1;
	s->pos = base + off;
	return s->pos;
}

static int
tiff_close(thandle_t h)
{
	(void)h;
	return 0;
}

static toff_t
tiff_size(thandle_t h)
{
	return ((struct tiff_src *)h)->len;
}

static int
tiff_map(thandle_t h, void **base, toff_t *size)
{
	(void)h; (void)base; (void)size;
	return 0;
}

static void
tiff_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h; (void)base; (void)size;
}

static int tiff_error(TIFF *, void *, const char *, const char *, va_list)
	__attribute__((format(printf, 4, 0)));

static int
tiff_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
	struct tiff_src *s = user;

	(void)tif; (void)module;
	if (s != NULL && s->msg[0] == '\0')
		vsnprintf(s->msg, sizeof s->msg, fmt, ap);
	return 1;	/* handled: libtiff prints nothing */
}

static int
tiff_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
	(void)tif; (void)user; (void)module; (void)fmt; (void)ap;
	return 1;
}

static void
tiff_meta(TIFF *tif, struct cdr_result *r)
{
	uint32_t n;
	void *p;
	toff_t off;

	if (TIFFGetField(tif, TIFFTAG_EXIFIFD, &off))
		cdr_removed(r, "exif", NULL);
	if (TIFFGetField(tif, TIFFTAG_GPSIFD, &off))
		cdr_removed(r, "exif", "GPS");
	if (TIFFGetField(tif, TIFFTAG_XMLPACKET, &n, &p))
		cdr_removed(r, "xmp", NULL);
	if (TIFFGetField(tif, TIFFTAG_ICCPROFILE, &n, &p))
		cdr_removed(r, "icc-profile", NULL);
	if (TIFFGetField(tif, TIFFTAG_RICHTIFFIPTC, &n, &p))
		cdr_removed(r, "iptc", NULL);
	if (TIFFGetField(tif, TIFFTAG_PHOTOSHOP, &n, &p))
		cdr_removed(r, "iptc", "Photoshop");
}

static int
do_tiff(struct cdr_ctx *c, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r)
{
	struct tiff_src s;
	TIFFOpenOptions *opts;
	TIFF *tif;
	uint32_t w = 0, h = 0, *raster = NULL;
	struct img im = { 0, 0, 0, NULL };
	size_t pages = 0;
	int rc = CDR_WITHHELD;

	memset(&s, 0, sizeof s);
	s.in = in;
	s.len = len;
	opts = TIFFOpenOptionsAlloc();
	TIFFOpenOptionsSetMaxSingleMemAlloc(opts, TIFF_ALLOC_MAX);
	TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_error, &s);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_warning, &s);
	tif = TIFFClientOpenExt("image.tif", "rm", &s, tiff_read, tiff_write, tiff_seek,
	    tiff_close, tiff_size, tiff_map, tiff_unmap, opts);
	TIFFOpenOptionsFree(opts);
	if (tif == NULL)
		return cdr_withhold(r, "malformed", "libtiff: %s", s.msg[0] ? s.msg : "not a TIFF");
	if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h)) {
		cdr_withhold(r, "malformed", "the TIFF has no image size");
		goto out;
	}
	if (check_size(c, r, w, h, "TIFF") != 0)
		goto out;
	tiff_meta(tif, r);
	raster = xcalloc((size_t)w * h, sizeof *raster);
	if (!TIFFReadRGBAImageOriented(tif, w, h, raster, ORIENTATION_TOPLEFT, 0)) {
		cdr_withhold(r, "malformed", "libtiff: %s", s.msg[0] ? s.msg : "cannot decode");
		goto out;
	}
	img_alloc(&im, w, h, 4);
	for (size_t i = 0; i < (size_t)w * h; i++) {
		im.px[i * 4] = (unsigned char)TIFFGetR(raster[i]);
		im.px[i * 4 + 1] = (unsigned char)TIFFGetG(raster[i]);
		im.px[i * 4 + 2] = (unsigned char)TIFFGetB(raster[i]);
		im.px[i * 4 + 3] = (unsigned char)TIFFGetA(raster[i]);
	}
	free(raster);
	raster = NULL;
	/* further pages: count them (libtiff detects IFD loops) */
	while (pages < TIFF_PAGES_MAX && TIFFReadDirectory(tif))
		pages++;
	cdr_removed_n(r, "extra-pages", NULL, pages);
	if (img_opaque(&im))
		img_drop_alpha(&im);
	rc = encode_png(&im, out, r);
out:
	free(raster);
	img_free(&im);
	TIFFClose(tif);
	return rc;
}

/* ---- WebP ------------------------------------------------------------ */

static int
do_webp(struct cdr_ctx *c, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r)
{
	WebPBitstreamFeatures f;
	struct img im = { 0, 0, 0, NULL };
	unsigned long riff;
	uint8_t *enc = NULL;
	size_t enclen, stride;
	int rc;

	if (len < 12)
		return cdr_withhold(r, "malformed", "the WebP file is too short");
	riff = rd32(in + 4, 0);
	if (riff > len - 8)
		return cdr_withhold(r, "malformed", "the WebP file ends early (truncated)");
	if (WebPGetFeatures(in, len, &f) != VP8_STATUS_OK)
		return cdr_withhold(r, "malformed", "libwebp cannot read the WebP header");
	if (f.has_animation)
		return cdr_withhold(r, "unsupported-format",
		    "animated WebP cannot be rebuilt (convert it to GIF or PNG)");
	if (check_size(c, r, (unsigned long long)f.width, (unsigned long long)f.height,
	    "WebP") != 0)
		return CDR_WITHHELD;
	/* chunks after the header: what they carried */
	for (size_t off = 12; off + 8 <= riff + 8;) {
		unsigned long n = rd32(in + off + 4, 0);
		char name[5];

		memcpy(name, in + off, 4);
		name[4] = '\0';
		if (memcmp(name, "EXIF", 4) == 0)
			cdr_removed(r, "exif", NULL);
		else if (memcmp(name, "XMP ", 4) == 0)
			cdr_removed(r, "xmp", NULL);
		else if (memcmp(name, "ICCP", 4) == 0)
			cdr_removed(r, "icc-profile", NULL);
		else if (memcmp(name, "VP8 ", 4) != 0 && memcmp(name, "VP8L", 4) != 0 &&
		    memcmp(name, "VP8X", 4) != 0 && memcmp(name, "ALPH", 4) != 0) {
			for (int k = 0; k < 4; k++) {
				if (name[k] < 0x20 || name[k] > 0x7e)
					name[k] = '?';
			}
			cdr_removed(r, "private-chunk", name);
		}
		if (n > riff + 8 - off - 8)
			break;
		off += 8 + n + (n & 1);
	}
	if (riff + 8 < len) {
		char n[32];

		snprintf(n, sizeof n, "%zu bytes", len - (riff + 8));
		cdr_removed(r, "trailing-data", n);
	}
	img_alloc(&im, (unsigned int)f.width, (unsigned int)f.height, f.has_alpha ? 4 : 3);
	stride = (size_t)im.w * (size_t)im.ch;
	if ((f.has_alpha ? WebPDecodeRGBAInto(in, riff + 8, im.px, stride * im.h, (int)stride) :
	    WebPDecodeRGBInto(in, riff + 8, im.px, stride * im.h, (int)stride)) == NULL) {
		img_free(&im);
		return cdr_withhold(r, "malformed", "libwebp cannot decode the WebP picture");
	}
	if (f.format == 2)	/* lossless */
		enclen = f.has_alpha ? WebPEncodeLosslessRGBA(im.px, (int)im.w, (int)im.h, (int)stride, &enc) :
		    WebPEncodeLosslessRGB(im.px, (int)im.w, (int)im.h, (int)stride, &enc);
	else
		enclen = f.has_alpha ? WebPEncodeRGBA(im.px, (int)im.w, (int)im.h, (int)stride, 90, &enc) :
		    WebPEncodeRGB(im.px, (int)im.w, (int)im.h, (int)stride, 90, &enc);
	img_free(&im);
	if (enclen == 0) {
		WebPFree(enc);
		return cdr_withhold(r, "internal", "libwebp could not encode the image");
	}
	rc = buf_append(out, enc, enclen);
	WebPFree(enc);
	if (rc != 0) {
		buf_reset(out);
		return out_full(r, out);
	}
	r->out_type = "image/webp";
	r->out_ext = ".webp";
	return CDR_OK;
}

/* ---- BMP (MuPDF) ----------------------------------------------------- */

static void
fz_quiet(void *user, const char *msg)
{
	(void)user; (void)msg;
}

/*
 * The BMP header checked strictly before MuPDF sees it (MuPDF 1.21's BMP
 * loader reads out of bounds on odd compression codes, found by fuzzing):
 * the usual header sizes, one plane, 1/4/8/16/24/32 bits, uncompressed,
 * RLE8/RLE4 or bit fields, a palette of at most 256 entries, the pixel data
 * inside the file (all of it when uncompressed), and the pixel limit.
 */
static int
bmp_check(struct cdr_ctx *c, const unsigned char *in, size_t len, struct cdr_result *r)
{
	unsigned long hsize, off, comp = 0, used = 0, planes, bpp;
	long long w, h;

	if (len < 26)
		return cdr_withhold(r, "malformed", "the BMP file is too short");
	off = rd32(in + 10, 0);
	hsize = rd32(in + 14, 0);
	if (hsize == 12) {
		w = rd16(in + 18, 0);
		h = rd16(in + 20, 0);
		planes = rd16(in + 22, 0);
		bpp = rd16(in + 24, 0);
	} else if (hsize == 40 || hsize == 52 || hsize == 56 || hsize == 108 || hsize == 124) {
		if (len < 14 + hsize)
			return cdr_withhold(r, "malformed", "the BMP header is cut short");
		w = (int32_t)rd32(in + 18, 0);
		h = (int32_t)rd32(in + 22, 0);
		planes = rd16(in + 26, 0);
		bpp = rd16(in + 28, 0);
		comp = rd32(in + 30, 0);
		used = rd32(in + 46, 0);
	} else
		return cdr_withhold(r, "unsupported-format", "BMP header of %lu bytes", hsize);
	if (h < 0)
		h = -h;		/* top-down */
	if (check_size(c, r, w > 0 ? (unsigned long long)w : 0, (unsigned long long)h, "BMP") != 0)
		return CDR_WITHHELD;
	if (planes != 1 || (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32))
		return cdr_withhold(r, "malformed", "BMP with %lu planes of %lu bits", planes, bpp);
	if (!(comp == 0 || (comp == 1 && bpp == 8) || (comp == 2 && bpp == 4) ||
	    (comp == 3 && (bpp == 16 || bpp == 32))))
		return cdr_withhold(r, "unsupported-format",
		    "BMP compression %lu with %lu bits is not rebuilt", comp, bpp);
	if (used > 256 || (bpp <= 8 && used > (1UL << bpp)))
		return cdr_withhold(r, "malformed", "a BMP palette of %lu colours", used);
	if (off < 14 + hsize || off >= len)
		return cdr_withhold(r, "malformed", "the BMP pixel data lies outside the file");
	if (comp == 0 || comp == 3) {
		unsigned long long row = ((unsigned long long)w * bpp + 31) / 32 * 4;

		if (row * (unsigned long long)h > len - off)
			return cdr_withhold(r, "malformed", "the BMP pixel data is cut short (truncated)");
	}
	return 0;
}

static int
do_bmp(struct cdr_ctx *c, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r)
{
	fz_context *ctx;
	fz_buffer *volatile fb = NULL;
	fz_image *volatile fimg = NULL;
	fz_pixmap *volatile pix = NULL, *volatile rgb = NULL;
	struct img im = { 0, 0, 0, NULL };
	volatile int rc = CDR_WITHHELD;	/* fz_try is setjmp */

	if (bmp_check(c, in, len, r) != 0)
		return CDR_WITHHELD;
	if ((ctx = fz_new_context(NULL, NULL, FZ_STORE_UNLIMITED)) == NULL)
		die("MuPDF: cannot create a context");
	fz_set_error_callback(ctx, fz_quiet, NULL);
	fz_set_warning_callback(ctx, fz_quiet, NULL);
	fz_try(ctx) {
		fb = fz_new_buffer_from_shared_data(ctx, in, len);
		fimg = fz_new_image_from_buffer(ctx, fb);
		if (check_size(c, r, (unsigned long long)fimg->w, (unsigned long long)fimg->h,
		    "BMP") == 0) {
			pix = fz_get_pixmap_from_image(ctx, fimg, NULL, NULL, NULL, NULL);
			rgb = fz_convert_pixmap(ctx, pix, fz_device_rgb(ctx), NULL, NULL,
			    fz_default_color_params, 1);
		}
	}
	fz_catch(ctx) {
		cdr_withhold(r, "malformed", "MuPDF: %s", fz_caught_message(ctx));
	}
	if (rgb != NULL) {
		int n = fz_pixmap_components(ctx, rgb);	/* alpha included */
		int w = fz_pixmap_width(ctx, rgb), h = fz_pixmap_height(ctx, rgb);
		ptrdiff_t stride = fz_pixmap_stride(ctx, rgb);
		const unsigned char *s = fz_pixmap_samples(ctx, rgb);

		if ((n == 3 || n == 4) && w > 0 && h > 0 &&
		    check_size(c, r, (unsigned long long)w, (unsigned long long)h, "BMP") == 0) {
			img_alloc(&im, (unsigned int)w, (unsigned int)h, n);
			for (int y = 0; y < h; y++)
				memcpy(im.px + (size_t)y * (size_t)w * (size_t)n, s + y * stride,
				    (size_t)w * (size_t)n);
			if (img_opaque(&im))
				img_drop_alpha(&im);
			rc = 0;
		} else
			cdr_withhold(r, "malformed", "unexpected BMP layout (%d channels)", n);
	}
	fz_drop_pixmap(ctx, rgb);
	fz_drop_pixmap(ctx, pix);
	fz_drop_image(ctx, fimg);
	fz_drop_buffer(ctx, fb);
	fz_drop_context(ctx);
	if (rc == 0)
		rc = encode_png(&im, out, r);
	img_free(&im);
	return rc;
}

/* ---- dispatch -------------------------------------------------------- */

int
cdr_image(struct cdr_ctx *c, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r)
{
	int rc;

	buf_reset(out);
	snprintf(r->method, sizeof r->method, "re-encode");
	if (len >= 3 && in[0] == 0xff && in[1] == 0xd8 && in[2] == 0xff)
		rc = do_jpeg(c, in, len, out, r);
	else if (len >= 8 && memcmp(in, "\x89PNG\r\n\x1a\n", 8) == 0)
		rc = do_png(c, in, len, out, r);
	else if (len >= 6 && (memcmp(in, "GIF87a", 6) == 0 || memcmp(in, "GIF89a", 6) == 0))
		rc = do_gif(c, in, len, out, r);
	else if (len >= 4 && (memcmp(in, "II*\0", 4) == 0 || memcmp(in, "MM\0*", 4) == 0))
		rc = do_tiff(c, in, len, out, r);
	else if (len >= 12 && memcmp(in, "RIFF", 4) == 0 && memcmp(in + 8, "WEBP", 4) == 0)
		rc = do_webp(c, in, len, out, r);
	else if (len >= 2 && in[0] == 'B' && in[1] == 'M')
		rc = do_bmp(c, in, len, out, r);
	else
		return cdr_withhold(r, "unsupported-format",
		    "this image format cannot be rebuilt (JPEG, PNG, GIF, BMP, TIFF, WebP can)");
	if (rc != CDR_OK) {
		buf_reset(out);
		return CDR_WITHHELD;
	}
	r->pages = 1;
	return CDR_OK;
}
