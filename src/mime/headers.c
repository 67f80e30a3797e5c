/*
 * headers - raw header access.  See headers.h.
 */
#include "mime/headers.h"

#include <ctype.h>
#include <string.h>

#include "core/xalloc.h"

const char *
header_raw(GMimeObject *obj, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	GMimeHeader *h;

	if (hl == NULL || (h = g_mime_header_list_get_header(hl, name)) == NULL)
		return NULL;
	return g_mime_header_get_raw_value(h);
}

int
header_decoded(GMimeObject *obj, const char *name, enum hdr_mode mode,
    struct buf *out, struct hdr_info *info)
{
	const char *raw = header_raw(obj, name);

	if (raw == NULL) {
		memset(info, 0, sizeof *info);
		return -1;
	}
	hdr_decode(raw, strlen(raw), mode, out, info);
	/* trim */
	while (out->len > 0 && isspace((unsigned char)out->data[out->len - 1]))
		out->data[--out->len] = '\0';
	return 0;
}

unsigned char *
mime_cr_only_to_lf(const unsigned char *m, size_t len)
{
	unsigned char *copy;

	if (len == 0 || memchr(m, '\n', len) != NULL || memchr(m, '\r', len) == NULL)
		return NULL;
	copy = xmalloc(len);
	for (size_t i = 0; i < len; i++)
		copy[i] = m[i] == '\r' ? '\n' : m[i];
	return copy;
}

GByteArray *
mime_part_content(GMimePart *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *ba;

	if (dw != NULL)
		g_mime_data_wrapper_write_to_stream(dw, mem);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_object_unref(mem);
	return ba;
}

void
header_mime_type(GMimeObject *obj, char *s, size_t n)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *t = ct ? g_mime_content_type_get_media_type(ct) : NULL;
	const char *st = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;

	snprintf(s, n, "%s/%s", t ? t : "application", st ? st : "octet-stream");
	for (char *p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
}
