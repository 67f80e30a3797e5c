/*
 * headers - raw header access.  See headers.h.
 */
#include "mime/headers.h"

#include <ctype.h>
#include <string.h>

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
