/*
 * headers - raw header access and decoding for one MIME entity: the first
 * occurrence of a header's raw (undecoded, folded) value, and its decoded
 * UTF-8 form through text/rfc2047 (never GMime's own decoder, which lacks
 * the Windows Japanese extensions).
 */
#ifndef SEKISHO_MIME_HEADERS_H
#define SEKISHO_MIME_HEADERS_H

#include <gmime/gmime.h>

#include "core/buf.h"
#include "text/rfc2047.h"

const char *header_raw(GMimeObject *obj, const char *name);
/* Decoded UTF-8 into out (appended); 0 if present, -1 if absent. */
int header_decoded(GMimeObject *obj, const char *name, enum hdr_mode mode,
    struct buf *out, struct hdr_info *info);
/* Old Mac mail ends lines in CR alone; GMime needs LF: a copy with each CR
 * made LF (free it), or NULL when the message has an LF or no CR. */
unsigned char *mime_cr_only_to_lf(const unsigned char *m, size_t len);
/* The decoded (transfer encoding removed) content of a leaf; the caller
 * frees it with g_byte_array_free(ba, TRUE). */
GByteArray *mime_part_content(GMimePart *part);
/* Lower-case "type/subtype" of an entity. */
void header_mime_type(GMimeObject *obj, char *s, size_t n);

#endif
