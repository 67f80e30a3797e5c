/*
 * preview - a page of an original's part as PNG (see the header).
 */
#include "mime/preview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <mupdf/fitz.h>

#include "cdr/cdr.h"
#include "cdr/item.h"
#include "cdr/pdf.h"
#include "core/json.h"

int
preview_spec_parse(const char *spec, char path[PREVIEW_PATH_MAX], int *page)
{
	const char *sp = strchr(spec, ' ');
	size_t n = sp != NULL ? (size_t)(sp - spec) : 0;
	long v = 0;

	if (sp == NULL || n == 0 || n >= PREVIEW_PATH_MAX || spec[0] == '.' || spec[n - 1] == '.')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!(spec[i] >= '0' && spec[i] <= '9') && spec[i] != '.')
			return -1;
		if (spec[i] == '.' && spec[i + 1] == '.')
			return -1;
	}
	if (sp[1] == '\0' || strlen(sp + 1) > 4)
		return -1;
	for (const char *p = sp + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > PREVIEW_PAGE_MAX)
		return -1;
	memcpy(path, spec, n);
	path[n] = '\0';
	*page = (int)v;
	return 0;
}

/* The entity at path under obj (whose path is here), or NULL. */
static GMimeObject *
find_part(GMimeObject *obj, const char *here, const char *path, unsigned depth)
{
	char child[PREVIEW_PATH_MAX + 16];

	if (obj == NULL || depth > 100)
		return NULL;
	if (strcmp(here, path) == 0)
		return obj;
	/* only descend towards path */
	if (strncmp(path, here, strlen(here)) != 0 || path[strlen(here)] != '.')
		return NULL;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n; i++) {
			snprintf(child, sizeof child, "%s.%d", here, i + 1);
			if (strncmp(path, child, strlen(child)) == 0 &&
			    (path[strlen(child)] == '\0' || path[strlen(child)] == '.'))
				return find_part(g_mime_multipart_get_part(mp, i), child, path,
				    depth + 1);
		}
		return NULL;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		snprintf(child, sizeof child, "%s.1", here);
		return m != NULL ? find_part(g_mime_message_get_mime_part(m), child, path,
		    depth + 1) : NULL;
	}
	return NULL;
}

/* MuPDF's name for what the content is (never from the sender's labels). */
static const char *
magic_of(const unsigned char *p, size_t n)
{
	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return "application/pdf";
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 3 && memcmp(p, "\xff\xd8\xff", 3) == 0)
		return "image/jpeg";
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		return "image/gif";
	if (n >= 4 && (memcmp(p, "II*\0", 4) == 0 || memcmp(p, "MM\0*", 4) == 0))
		return "image/tiff";
	if (n >= 2 && memcmp(p, "BM", 2) == 0)
		return "image/bmp";
	return NULL;
}

static int
none(struct buf *info, const char *reason)
{
	buf_reset(info);
	buf_putc(info, '{');
	json_key(info, "reason", 1);
	json_str(info, reason);
	buf_putc(info, '}');
	return PREVIEW_NONE;
}

/* Draw page (from 1) of the document in data; PREVIEW_OK or PREVIEW_NONE. */
static int
draw(const struct policy *pol, const char *magic, const unsigned char *data, size_t n, int page,
    struct buf *png, struct buf *info)
{
	struct pdf_mem mem;
	fz_context *ctx = cdr_pdf_context(&mem, pol->lim.memory_bytes);
	fz_stream *volatile stm = NULL;
	fz_document *volatile doc = NULL;
	fz_pixmap *volatile pix = NULL;
	fz_buffer *volatile out = NULL;
	const char *volatile reason = NULL;
	volatile int pages = 0, w = 0, h = 0;

	if (ctx == NULL)
		return none(info, "memory_limit");
	fz_try(ctx) {
		fz_page *pg;
		fz_rect r;
		float zoom;
		unsigned char *bytes;
		size_t len;

		fz_register_document_handlers(ctx);
		stm = fz_open_memory(ctx, data, n);
		doc = fz_open_document_with_stream(ctx, magic, stm);
		if (fz_needs_password(ctx, doc)) {
			reason = "encrypted";
			break;
		}
		pages = fz_count_pages(ctx, doc);
		if (page > pages || (size_t)page > pol->lim.pdf_pages) {
			reason = "no-such-page";
			break;
		}
		pg = fz_load_page(ctx, doc, page - 1);
		r = fz_bound_page(ctx, pg);
		fz_drop_page(ctx, pg);
		if (r.x1 - r.x0 < 1 || r.y1 - r.y0 < 1) {
			reason = "malformed";
			break;
		}
		zoom = (float)PREVIEW_WIDTH / (r.x1 - r.x0);
		if (zoom > 2.0f)
			zoom = 2.0f;	/* a small picture is not blown up past twice */
		/* within image_pixel_limit, whatever the page's shape */
		while ((double)(r.x1 - r.x0) * zoom * (double)(r.y1 - r.y0) * zoom >
		    (double)pol->lim.image_pixels && zoom > 0.01f)
			zoom /= 1.25f;
		pix = fz_new_pixmap_from_page_number(ctx, doc, page - 1, fz_scale(zoom, zoom),
		    fz_device_rgb(ctx), 0);
		w = fz_pixmap_width(ctx, pix);
		h = fz_pixmap_height(ctx, pix);
		out = fz_new_buffer_from_pixmap_as_png(ctx, pix, fz_default_color_params);
		len = fz_buffer_storage(ctx, out, &bytes);
		if (buf_append(png, bytes, len) != 0)
			reason = "file_output_size_limit";
	}
	fz_always(ctx) {
		fz_drop_buffer(ctx, out);
		fz_drop_pixmap(ctx, pix);
		fz_drop_document(ctx, doc);
		fz_drop_stream(ctx, stm);
	}
	fz_catch(ctx) {
		if (reason == NULL)
			reason = mem.hit ? "memory_limit" : "malformed";
	}
	fz_drop_context(ctx);
	if (reason != NULL) {
		buf_reset(png);
		return none(info, reason);
	}
	buf_reset(info);
	buf_putc(info, '{');
	json_key(info, "page", 1);
	buf_printf(info, "%d", page);
	json_key(info, "pages", 0);
	buf_printf(info, "%d", pages);
	json_key(info, "width", 0);
	buf_printf(info, "%d", w);
	json_key(info, "height", 0);
	buf_printf(info, "%d", h);
	json_key(info, "type", 0);
	json_str(info, magic);
	buf_putc(info, '}');
	return PREVIEW_OK;
}

/* The decoded content of the part at path (a GByteArray the caller
 * unrefs, with the stream), or NULL; *name: its file name (GMime's, may be
 * NULL, valid while root lives). */
static GByteArray *
part_bytes(const struct policy *pol, const unsigned char *msg, size_t len, const char *path,
    GMimeObject **root, GMimeStream **mem, const char **name)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeObject *part;
	GByteArray *bytes;

	*mem = NULL;
	*name = NULL;
	stream = g_mime_stream_mem_new_with_buffer((const char *)msg, len);
	parser = g_mime_parser_new_with_stream(stream);
	*root = g_mime_parser_construct_part(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (*root == NULL)
		return NULL;
	part = find_part(*root, "1", path, 0);
	if (part == NULL || !GMIME_IS_PART(part) ||
	    g_mime_part_get_content(GMIME_PART(part)) == NULL)
		return NULL;
	*name = g_mime_part_get_filename(GMIME_PART(part));
	*mem = g_mime_stream_mem_new();
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(*mem), TRUE);
	if (g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(part)),
	    *mem) < 0)
		return NULL;
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(*mem));
	return bytes->len > pol->lim.file_bytes ? NULL : bytes;
}

int
preview_unlock(const struct policy *pol, const char *id, long long t, const char *spec,
    const unsigned char *msg, size_t len, struct buf *out, struct buf *receipt)
{
	const char *nl = strchr(spec, '\n'), *name = NULL;
	char path[PREVIEW_PATH_MAX];
	GMimeObject *root = NULL;
	GMimeStream *mem = NULL;
	GByteArray *bytes = NULL;
	int r;

	if (nl != NULL && (size_t)(nl - spec) < sizeof path) {
		memcpy(path, spec, (size_t)(nl - spec));
		path[nl - spec] = '\0';
		bytes = part_bytes(pol, msg, len, path, &root, &mem, &name);
	}
	/* the part sanitised as a file, its archives opened with the password;
	 * no part (or too large): an empty file, withheld as such */
	cdr_set_archive_passphrase(nl != NULL ? nl + 1 : NULL);
	r = cdr_file_item(pol, id, t, name, bytes != NULL ? bytes->data : (const unsigned char *)"",
	    bytes != NULL ? bytes->len : 0, out, receipt);
	cdr_set_archive_passphrase(NULL);
	if (mem != NULL)
		g_object_unref(mem);
	if (root != NULL)
		g_object_unref(root);
	return r;
}

int
preview_render(const struct policy *pol, const char *spec, const unsigned char *msg, size_t len,
    struct buf *png, struct buf *info)
{
	char path[PREVIEW_PATH_MAX];
	GMimeStream *mem = NULL;
	GMimeObject *root = NULL;
	GByteArray *bytes;
	const char *magic, *name;
	int page, r;

	buf_reset(png);
	if (preview_spec_parse(spec, path, &page) != 0)
		return none(info, "bad-request");
	bytes = part_bytes(pol, msg, len, path, &root, &mem, &name);
	if (bytes == NULL) {
		const char *why = root == NULL ? "parse-failed" : "no-such-part";

		if (mem != NULL)
			g_object_unref(mem);
		if (root != NULL)
			g_object_unref(root);
		return none(info, why);
	}
	if ((magic = magic_of(bytes->data, bytes->len)) == NULL)
		r = none(info, "unsupported-format");
	else
		r = draw(pol, magic, bytes->data, bytes->len, page, png, info);
	g_object_unref(mem);
	g_object_unref(root);
	return r;
}
