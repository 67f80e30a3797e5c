/*
 * pdf_text - the text of a PDF's pages, for inspection (MuPDF's structured
 * text: one line of text per line MuPDF finds on the page, in its reading
 * order).  At most pdf_page_limit pages are read; a PDF that needs a
 * password, or that MuPDF cannot open, ends it with a reason.  Text given
 * out is bounded by text_size_limit over the whole file; MuPDF's memory by
 * its share of memory_limit (cdr_pdf_context: a bomb is "memory_limit").
 * Runs only in the sandboxed worker.
 */
#ifndef SEKISHO_DLP_PDF_TEXT_H
#define SEKISHO_DLP_PDF_TEXT_H

#include <stddef.h>

#include "core/limits.h"

/* Called once per page with its text (UTF-8), where = "page N". */
typedef void (*pdf_page_fn)(const char *where, const char *text, size_t len, void *arg);

/* 0 when every page was read; -1 with a reason code in why ("encrypted",
 * "malformed", "pdf_page_limit", "text_size_limit", "memory_limit"): the pages before it
 * were given out. */
int pdf_text(const unsigned char *in, size_t len, const struct limits *lim,
    pdf_page_fn fn, void *arg, char *why, size_t whylen);

#endif
