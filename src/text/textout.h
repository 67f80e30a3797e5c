/*
 * textout - the line-oriented writer the HTML renderer (and the plain-text
 * cleaner) writes through.  It owns whitespace: runs of spaces collapse,
 * blank lines are capped at one, every line starts with the current prefix
 * (blockquote "> " and list indentation), trailing spaces are dropped, and
 * control characters never reach the output.  Errors are sticky: once the
 * output ceiling is hit, tw->full is set and further writes are ignored.
 */
#ifndef SEKISHO_TEXT_TEXTOUT_H
#define SEKISHO_TEXT_TEXTOUT_H

#include <stddef.h>

#include "core/buf.h"

#define TEXTOUT_PREFIX_MAX 256

struct textout {
	struct buf *out;
	char prefix[TEXTOUT_PREFIX_MAX];
	size_t prefix_len;
	size_t line_prefix_len;	/* prefix of the last line written */
	int at_line_start;	/* nothing written on the current line yet */
	int pending_space;	/* 1 space, 2 line break in the source */
	int pending_newlines;	/* newlines owed before the next text */
	int lines_written;	/* any text at all yet */
	int preformatted;
	int full;		/* output ceiling reached */
};

void textout_init(struct textout *tw, struct buf *out);
/* Text (UTF-8); whitespace collapsed unless preformatted. */
void textout_text(struct textout *tw, const char *s, size_t n);
/* Ask for at least n line breaks before the next text (1 = new line, 2 = blank line). */
void textout_break(struct textout *tw, int n);
void textout_set_prefix(struct textout *tw, const char *prefix, size_t n);
void textout_finish(struct textout *tw);	/* end with exactly one newline */

#endif
