/*
 * compose - write the sanitised message: clean headers and one text part.
 *
 * Header values arrive as decoded UTF-8 and leave freshly encoded (RFC 2047
 * B words in UTF-8 or ISO-2022-JP, folded at 78 columns), so nothing the
 * sender wrote in a header reaches the reader undecoded or unchecked.  The
 * body is one text/plain part: base64 UTF-8 by default (safe for any line
 * length and any next hop), or 7bit ISO-2022-JP for old clients; when
 * sanitised attachments are kept, multipart/mixed with the text first and
 * each attachment in base64 (a sanitised message/rfc822 as it is, 7bit, as
 * RFC 2046 wants, the boundary checked against it too), its name in both
 * RFC 2231 (filename*) and RFC 2047 (name=, what Outlook reads) forms.
 * Lines end in LF; the gateway converts to CRLF where the protocol needs it.
 */
#ifndef SEKISHO_MIME_COMPOSE_H
#define SEKISHO_MIME_COMPOSE_H

#include <stddef.h>

#include "core/buf.h"
#include "policy/policy.h"

#define HEADER_FOLD_COLUMN 78

enum hkind {
	HK_TEXT,	/* unstructured: Subject, Comments */
	HK_ADDR,	/* address list: From, To, Cc, Reply-To */
	HK_ASCII,	/* Message-ID, References, Date: printable ASCII only */
};

/* Append "Name: value\n" (folded).  Returns -1 if the value cannot be
 * written safely (e.g. HK_ASCII with 8-bit or control bytes). */
int compose_header(struct buf *out, const char *name, const char *utf8,
    enum hkind kind, enum out_charset cs);
/* Append the MIME headers, the blank line and the encoded body. */
int compose_body(struct buf *out, const char *utf8, size_t len, enum out_charset cs);
/* A sanitised attachment to carry (src/cdr made it; the walker keeps it). */
struct compose_attachment {
	char *name;		/* UTF-8, safe to show */
	const char *type;	/* MIME type of the sanitised content */
	unsigned char *data;
	size_t len;
};

/* compose_body() plus attachments (n = 0: exactly compose_body()). */
int compose_body_mixed(struct buf *out, const char *utf8, size_t len, enum out_charset cs,
    const struct compose_attachment *att, size_t n, const char *seed);
/* RFC 2047-encode UTF-8 text as one or more encoded words. */
int compose_encode_words(struct buf *out, const char *utf8, size_t len,
    enum out_charset cs, size_t *col);

#endif
