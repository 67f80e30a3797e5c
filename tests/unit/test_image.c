/*
 * test_image - cdr_image() on the samples in tests/corpus/files/image (made
 * by make.py there, with python3-pil).  Every output is read back here with
 * libpng's and libjpeg's own readers and walked chunk by chunk / marker by
 * marker: only the picture may be left, nothing after its end.
 *
 * With SEKISHO_IMAGE_OUT=DIR set, each sanitised output is also written to
 * DIR/<sample>.out so tests/files/image_check can inspect it with PIL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jpeglib.h>
#include <png.h>
#include <webp/decode.h>

#include "cdr/cdr.h"
#include "core/buf.h"
#include "policy/config.h"

#define OUT_MAX (64u * 1024 * 1024)

static struct policy pol;

static char *
sample_path(const char *name)
{
	static char path[1024];
	const char *f = __FILE__;
	const char *slash = strrchr(f, '/');
	int n = slash != NULL ? (int)(slash - f) : 1;

	snprintf(path, sizeof path, "%.*s/../corpus/files/image/%s", n, slash ? f : ".", name);
	return path;
}

static unsigned char *
load(const char *name, size_t *len)
{
	FILE *fp = fopen(sample_path(name), "rb");
	unsigned char *p;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	p = malloc((size_t)n);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return p;
}

static void
save_out(const char *name, const struct buf *out)
{
	const char *dir = getenv("SEKISHO_IMAGE_OUT");
	char path[1024];
	FILE *fp;

	if (dir == NULL || out->len == 0)
		return;
	snprintf(path, sizeof path, "%s/%s.out", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(out->data, 1, out->len, fp), out->len);
	fclose(fp);
}

static int
run_on(const char *name, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r)
{
	struct cdr_ctx c;
	int rc;

	memset(&c, 0, sizeof c);
	memset(r, 0, sizeof *r);
	c.pol = &pol;
	buf_init(out, OUT_MAX);
	rc = cdr_image(&c, in, len, out, r);
	if (rc == CDR_OK)
		save_out(name, out);
	else
		assert_int_equal(out->len, 0);
	return rc;
}

static int
run(const char *name, struct buf *out, struct cdr_result *r)
{
	size_t len;
	unsigned char *in = load(name, &len);
	int rc = run_on(name, in, len, out, r);

	free(in);
	return rc;
}

static size_t
removed(const struct cdr_result *r, const char *what)
{
	const struct cdr_removal *e = cdr_removal_find(r, what);

	return e != NULL ? e->count : 0;
}

static const char *
removed_names(const struct cdr_result *r, const char *what)
{
	const struct cdr_removal *e = cdr_removal_find(r, what);

	return e != NULL ? e->names : "";
}

static unsigned long
be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

/* Walk the PNG's chunks: IHDR, IDAT..., IEND and not one byte more. */
static void
assert_png_clean(const struct buf *out)
{
	const unsigned char *p = (const unsigned char *)out->data;
	size_t off = 8;
	int seen_iend = 0;

	assert_true(out->len > 8);
	assert_memory_equal(p, "\x89PNG\r\n\x1a\n", 8);
	while (off + 12 <= out->len) {
		unsigned long n = be32(p + off);
		char t[5];

		memcpy(t, p + off + 4, 4);
		t[4] = '\0';
		if (strcmp(t, "IHDR") != 0 && strcmp(t, "IDAT") != 0 && strcmp(t, "IEND") != 0)
			fail_msg("unexpected chunk %s in the output", t);
		off += 12 + n;
		if (strcmp(t, "IEND") == 0) {
			seen_iend = 1;
			break;
		}
	}
	assert_true(seen_iend);
	assert_int_equal(off, out->len);
}

/* Decode a PNG with libpng's simplified API into RGBA. */
static unsigned char *
png_rgba(const struct buf *out, unsigned int *w, unsigned int *h)
{
	png_image im;
	unsigned char *px;

	memset(&im, 0, sizeof im);
	im.version = PNG_IMAGE_VERSION;
	assert_true(png_image_begin_read_from_memory(&im, out->data, out->len));
	im.format = PNG_FORMAT_RGBA;
	px = malloc(PNG_IMAGE_SIZE(im));
	assert_non_null(px);
	assert_true(png_image_finish_read(&im, NULL, px, 0, NULL));
	*w = im.width;
	*h = im.height;
	return px;
}

/* Markers of the JPEG: only SOI, APP0 JFIF, tables, SOF, SOS...EOI at the very end. */
static void
assert_jpeg_clean(const struct buf *out)
{
	const unsigned char *p = (const unsigned char *)out->data;
	size_t off = 2;

	assert_true(out->len > 4);
	assert_int_equal(p[0], 0xff);
	assert_int_equal(p[1], 0xd8);
	while (off + 4 <= out->len) {
		unsigned int m = p[off + 1];
		size_t n = (size_t)p[off + 2] << 8 | p[off + 3];

		assert_int_equal(p[off], 0xff);
		if (m == 0xe0)
			assert_memory_equal(p + off + 4, "JFIF\0", 5);
		else if ((m >= 0xe1 && m <= 0xef) || m == 0xfe)
			fail_msg("metadata marker 0x%02x left in the output", m);
		if (m == 0xda)
			break;
		off += 2 + n;
	}
	/* EOI is the last two bytes */
	assert_int_equal(p[out->len - 2], 0xff);
	assert_int_equal(p[out->len - 1], 0xd9);
}

static unsigned char *
jpeg_rgb(const struct buf *out, unsigned int *w, unsigned int *h)
{
	struct jpeg_decompress_struct ci;
	struct jpeg_error_mgr jerr;
	unsigned char *px;

	ci.err = jpeg_std_error(&jerr);
	jpeg_create_decompress(&ci);
	jpeg_mem_src(&ci, (const unsigned char *)out->data, out->len);
	assert_int_equal(jpeg_read_header(&ci, TRUE), JPEG_HEADER_OK);
	ci.out_color_space = JCS_RGB;
	jpeg_start_decompress(&ci);
	*w = ci.output_width;
	*h = ci.output_height;
	px = malloc((size_t)*w * *h * 3);
	assert_non_null(px);
	while (ci.output_scanline < ci.output_height) {
		JSAMPROW row = px + (size_t)ci.output_scanline * *w * 3;

		jpeg_read_scanlines(&ci, &row, 1);
	}
	jpeg_finish_decompress(&ci);
	jpeg_destroy_decompress(&ci);
	return px;
}

/* Colour at (x, y) is near rgb (lossy formats). */
static void
assert_near(const unsigned char *px, unsigned int w, int ch, unsigned int x, unsigned int y,
    int rr, int gg, int bb)
{
	const unsigned char *p = px + ((size_t)y * w + x) * (size_t)ch;

	if (abs(p[0] - rr) > 40 || abs(p[1] - gg) > 40 || abs(p[2] - bb) > 40)
		fail_msg("pixel (%u,%u) is %d,%d,%d, expected about %d,%d,%d", x, y,
		    p[0], p[1], p[2], rr, gg, bb);
}

static void
jpeg_exif_gps_zip(void **state)
{
	struct buf out;
	struct cdr_result r;
	unsigned int w, h;
	unsigned char *px;

	(void)state;
	assert_int_equal(run("exif_gps_zip.jpg", &out, &r), CDR_OK);
	assert_string_equal(r.out_ext, ".jpg");
	assert_string_equal(r.out_type, "image/jpeg");
	assert_string_equal(r.method, "re-encode");
	assert_int_equal(removed(&r, "exif"), 1);
	assert_non_null(strstr(removed_names(&r, "exif"), "GPS"));
	assert_int_equal(removed(&r, "comment"), 1);
	assert_int_equal(removed(&r, "xmp"), 1);
	assert_int_equal(removed(&r, "icc-profile"), 1);
	assert_int_equal(removed(&r, "trailing-data"), 1);
	assert_jpeg_clean(&out);
	assert_null(memmem(out.data, out.len, "PK\x03\x04", 4));
	assert_null(memmem(out.data, out.len, "secret", 6));
	/* orientation 6 (rotate 90 clockwise): 64x48 becomes 48x64, and the
	 * quadrants red TL, green TR, blue BL, white BR become
	 * blue TL, red TR, white BL, green BR */
	px = jpeg_rgb(&out, &w, &h);
	assert_int_equal(w, 48);
	assert_int_equal(h, 64);
	assert_near(px, w, 3, 4, 4, 0, 0, 255);
	assert_near(px, w, 3, w - 5, 4, 255, 0, 0);
	assert_near(px, w, 3, 4, h - 5, 255, 255, 255);
	assert_near(px, w, 3, w - 5, h - 5, 0, 255, 0);
	free(px);
	buf_free(&out);
}

/* The expected corner colours for each EXIF orientation of a 16x8 sample. */
static void
jpeg_orientations(void **state)
{
	/* RGB of TL, TR, BL, BR after the orientation is applied */
	static const int want[9][4] = {
		{ 0 }, { 0, 1, 2, 3 }, { 1, 0, 3, 2 }, { 3, 2, 1, 0 }, { 2, 3, 0, 1 },
		{ 0, 2, 1, 3 }, { 2, 0, 3, 1 }, { 3, 1, 2, 0 }, { 1, 3, 0, 2 },
	};
	static const int rgb[4][3] = { { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 255, 255, 255 } };

	(void)state;
	for (int o = 1; o <= 8; o++) {
		char name[32];
		struct buf out;
		struct cdr_result r;
		unsigned int w, h;
		unsigned char *px;
		const int *q = want[o];

		snprintf(name, sizeof name, "orient%d.jpg", o);
		assert_int_equal(run(name, &out, &r), CDR_OK);
		assert_jpeg_clean(&out);
		px = jpeg_rgb(&out, &w, &h);
		assert_int_equal(w, o >= 5 ? 8 : 16);
		assert_int_equal(h, o >= 5 ? 16 : 8);
		assert_near(px, w, 3, 1, 1, rgb[q[0]][0], rgb[q[0]][1], rgb[q[0]][2]);
		assert_near(px, w, 3, w - 2, 1, rgb[q[1]][0], rgb[q[1]][1], rgb[q[1]][2]);
		assert_near(px, w, 3, 1, h - 2, rgb[q[2]][0], rgb[q[2]][1], rgb[q[2]][2]);
		assert_near(px, w, 3, w - 2, h - 2, rgb[q[3]][0], rgb[q[3]][1], rgb[q[3]][2]);
		free(px);
		buf_free(&out);
	}
}

static void
png_text_trailing(void **state)
{
	struct buf out;
	struct cdr_result r;
	unsigned int w, h;
	unsigned char *px;

	(void)state;
	assert_int_equal(run("text_trailing.png", &out, &r), CDR_OK);
	assert_string_equal(r.out_ext, ".png");
	assert_int_equal(removed(&r, "text-chunk"), 3);
	assert_non_null(strstr(removed_names(&r, "text-chunk"), "Comment"));
	assert_int_equal(removed(&r, "trailing-data"), 1);
	assert_png_clean(&out);
	px = png_rgba(&out, &w, &h);
	assert_int_equal(w, 32);
	assert_int_equal(h, 24);
	/* lossless: exact pixels, alpha kept */
	assert_int_equal(px[0], 10);
	assert_int_equal(px[1], 20);
	assert_int_equal(px[2], 30);
	assert_int_equal(px[3], 128);
	assert_int_equal(px[(size_t)(w - 1) * 4 + 1], 255);	/* green TR */
	assert_int_equal(px[(size_t)(w - 1) * 4 + 3], 255);
	free(px);
	buf_free(&out);
}

static void
gif_animated(void **state)
{
	struct buf out;
	struct cdr_result r;
	unsigned int w, h;
	unsigned char *px;

	(void)state;
	assert_int_equal(run("animated.gif", &out, &r), CDR_OK);
	assert_string_equal(r.out_ext, ".png");
	assert_int_equal(removed(&r, "animation-frames"), 2);
	assert_int_equal(removed(&r, "comment"), 1);
	assert_png_clean(&out);
	px = png_rgba(&out, &w, &h);
	assert_int_equal(w, 16);
	assert_int_equal(h, 16);
	assert_int_equal(px[0], 255);	/* the first frame is red */
	assert_int_equal(px[1], 0);
	assert_int_equal(px[3], 255);
	free(px);
	buf_free(&out);
}

static void
tiff_two_pages(void **state)
{
	struct buf out;
	struct cdr_result r;
	unsigned int w, h;
	unsigned char *px;

	(void)state;
	assert_int_equal(run("two_pages.tif", &out, &r), CDR_OK);
	assert_string_equal(r.out_ext, ".png");
	assert_int_equal(removed(&r, "extra-pages"), 1);
	assert_png_clean(&out);
	px = png_rgba(&out, &w, &h);
	assert_int_equal(w, 20);
	assert_int_equal(h, 10);
	assert_int_equal(px[0], 255);			/* red TL */
	assert_int_equal(px[(size_t)(w - 1) * 4 + 1], 255);	/* green TR */
	assert_int_equal(px[((size_t)(h - 1) * w) * 4 + 2], 255);	/* blue BL */
	free(px);
	buf_free(&out);
}

static void
webp_files(void **state)
{
	struct buf out;
	struct cdr_result r;
	int w = 0, h = 0;
	uint8_t *px;

	(void)state;
	assert_int_equal(run("lossy_exif.webp", &out, &r), CDR_OK);
	assert_string_equal(r.out_ext, ".webp");
	assert_int_equal(removed(&r, "exif"), 1);
	assert_null(memmem(out.data, out.len, "EXIF", 4));
	assert_null(memmem(out.data, out.len, "SekishoCam", 10));
	px = WebPDecodeRGB((const uint8_t *)out.data, out.len, &w, &h);
	assert_non_null(px);
	assert_int_equal(w, 24);
	assert_int_equal(h, 16);
	assert_near(px, 24, 3, 1, 1, 255, 0, 0);
	WebPFree(px);
	buf_free(&out);

	assert_int_equal(run("lossless_alpha.webp", &out, &r), CDR_OK);
	assert_null(memmem(out.data, out.len, "EXIF", 4));
	assert_non_null(memmem(out.data, out.len, "VP8L", 4));	/* lossless stays lossless */
	px = WebPDecodeRGBA((const uint8_t *)out.data, out.len, &w, &h);
	assert_non_null(px);
	assert_int_equal(px[0], 255);
	assert_int_equal(px[1], 0);
	assert_int_equal(px[3], 255);
	WebPFree(px);
	buf_free(&out);
}

static void
bmp_file(void **state)
{
	struct buf out;
	struct cdr_result r;
	unsigned int w, h;
	unsigned char *px;

	(void)state;
	assert_int_equal(run("quadrants.bmp", &out, &r), CDR_OK);
	assert_string_equal(r.out_ext, ".png");
	assert_png_clean(&out);
	px = png_rgba(&out, &w, &h);
	assert_int_equal(w, 12);
	assert_int_equal(h, 10);
	assert_int_equal(px[0], 255);
	assert_int_equal(px[1], 0);
	assert_int_equal(px[((size_t)(h - 1) * w + w - 1) * 4], 255);	/* white BR */
	assert_int_equal(px[((size_t)(h - 1) * w + w - 1) * 4 + 2], 255);
	free(px);
	buf_free(&out);
}

static void
bombs(void **state)
{
	struct buf out;
	struct cdr_result r;

	(void)state;
	assert_int_equal(run("bomb.png", &out, &r), CDR_WITHHELD);
	assert_string_equal(r.reason, "image_pixel_limit");
	assert_string_equal(r.limit_name, "image_pixel_limit");
	buf_free(&out);
	assert_int_equal(run("bomb.gif", &out, &r), CDR_WITHHELD);
	assert_string_equal(r.reason, "image_pixel_limit");
	buf_free(&out);
	/* a lower limit stops an ordinary picture too */
	pol.lim.image_pixels = 1000;
	assert_int_equal(run("exif_gps_zip.jpg", &out, &r), CDR_WITHHELD);
	assert_string_equal(r.reason, "image_pixel_limit");
	assert_int_equal(r.limit_value, 1000);
	buf_free(&out);
	policy_defaults(&pol);
}

static void
truncated_and_garbage(void **state)
{
	static const unsigned char junk[][24] = {
		"\xff\xd8\xff\xe0\x00\x10JFIF\0garbage....",
		"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0",
		"GIF89a\x10\x00\x10\x00\x80\x00\x00zz",
		"II*\0\x08\0\0\0\xff\xff",
		"RIFF\x10\0\0\0WEBPVP8 \x04\0\0\0",
		"BM\x10\0\0\0\0\0\0\0\x36\0\0\0",
		"not an image at all....",
	};
	struct buf out;
	struct cdr_result r;

	(void)state;
	assert_int_equal(run("truncated.jpg", &out, &r), CDR_WITHHELD);
	assert_string_equal(r.reason, "malformed");
	buf_free(&out);
	assert_int_equal(run("truncated.png", &out, &r), CDR_WITHHELD);
	assert_string_equal(r.reason, "malformed");
	buf_free(&out);
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		assert_int_equal(run_on("junk", junk[i], sizeof junk[i], &out, &r), CDR_WITHHELD);
		assert_true(strcmp(r.reason, "malformed") == 0 ||
		    strcmp(r.reason, "unsupported-format") == 0);
		buf_free(&out);
	}
}

static void
output_limit_and_determinism(void **state)
{
	size_t len;
	unsigned char *in = load("text_trailing.png", &len);
	struct buf a, b;
	struct cdr_result r;
	struct cdr_ctx c;

	(void)state;
	assert_int_equal(run_on("det1", in, len, &a, &r), CDR_OK);
	assert_int_equal(run_on("det2", in, len, &b, &r), CDR_OK);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	buf_free(&b);
	/* an output ceiling smaller than the picture: a named limit, nothing out */
	memset(&c, 0, sizeof c);
	memset(&r, 0, sizeof r);
	c.pol = &pol;
	buf_init(&b, 40);
	assert_int_equal(cdr_image(&c, in, len, &b, &r), CDR_WITHHELD);
	assert_string_equal(r.reason, "file_output_size_limit");
	assert_int_equal(b.len, 0);
	buf_free(&a);
	buf_free(&b);
	free(in);
}

static int
setup(void **state)
{
	(void)state;
	policy_defaults(&pol);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jpeg_exif_gps_zip),
		cmocka_unit_test(jpeg_orientations),
		cmocka_unit_test(png_text_trailing),
		cmocka_unit_test(gif_animated),
		cmocka_unit_test(tiff_two_pages),
		cmocka_unit_test(webp_files),
		cmocka_unit_test(bmp_file),
		cmocka_unit_test(bombs),
		cmocka_unit_test(truncated_and_garbage),
		cmocka_unit_test(output_limit_and_determinism),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
