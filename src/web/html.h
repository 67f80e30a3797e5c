/*
 * html - text made safe to put in the staff console's pages and links.
 *
 * Contract: html_text() output can stand in element text and in a
 * double- or single-quoted attribute value; it is valid UTF-8 with no '<',
 * '>', '"', '\'' or bare '&', and shows what the text is: an invalid byte
 * or a control character (but TAB and LF) is U+FFFD, and a bidi control is
 * the visible marker "[U+202E]", so "invoice\u202Efdp.exe" cannot pose as
 * "invoiceexe.pdf".  url_component() output is unreserved characters and
 * %XX only.  Each appends to a struct buf and returns 0, or -1 at the
 * buffer's ceiling with the buffer as it was.
 */
#ifndef SEKISHO_WEB_HTML_H
#define SEKISHO_WEB_HTML_H

#include <stddef.h>

#include "core/buf.h"

/* Escape s[0..n) (any bytes) for HTML text or a quoted attribute value. */
int html_text(struct buf *b, const char *s, size_t n);
/* html_text() of a C string. */
int html_textz(struct buf *b, const char *s);
/* Percent-encode all but [A-Za-z0-9-._~], for one path segment or query value. */
int url_component(struct buf *b, const char *s);

#endif
