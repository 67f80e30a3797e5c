/*
 * flowed - RFC 3676 format=flowed text back to paragraphs.
 *
 * Soft line breaks (a line ending in a space) are joined with the next line of
 * the same quote depth; space-stuffing is removed; with DelSp=yes the space
 * before a soft break is deleted too (as Japanese senders need, since their
 * text has no spaces between words).  Quoted lines come out with "> " per
 * level.  The signature separator "-- " is never joined.  Input and output
 * are UTF-8; output never exceeds the input's length plus quote markers.
 */
#ifndef SEKISHO_TEXT_FLOWED_H
#define SEKISHO_TEXT_FLOWED_H

#include <stddef.h>

#include "core/buf.h"

int flowed_to_text(const char *s, size_t n, int delsp, struct buf *out);

#endif
