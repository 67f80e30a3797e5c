/*
 * params - one parameter of a structured MIME header (Content-Type,
 * Content-Disposition) decoded to UTF-8, as Japanese mailers really write it.
 *
 * Handles RFC 2231 (name*=charset'lang'%XX, continuations name*0, name*1*...,
 * in any order), RFC 2047 words inside quoted values (not allowed by the RFC,
 * ubiquitous from Outlook and Japanese mailers) and raw 8-bit values (CP932
 * from old clients), all through text/charset.c so ISO-2022-JP with NEC
 * characters decodes correctly.  GMime's own decoding is not used here because
 * it relies on glibc's ISO-2022-JP, which lacks the Windows extensions.
 */
#ifndef SEKISHO_MIME_PARAMS_H
#define SEKISHO_MIME_PARAMS_H

#include <stddef.h>

#include "core/buf.h"
#include "text/rfc2047.h"

#define PARAM_SEGMENTS_MAX 64	/* RFC 2231 continuations kept */

struct param_info {
	struct hdr_info hdr;
	int conflicting;	/* the parameter appeared twice with different values */
	int too_many_segments;
};

/* 1 and UTF-8 in out if the parameter is present, else 0. */
int param_get(const char *raw, size_t len, const char *name, struct buf *out,
    struct param_info *info);

#endif
