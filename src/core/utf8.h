/*
 * utf8 - the one UTF-8 decoder and encoder: strict (no overlongs, no
 * surrogates, nothing above U+10FFFF), bounded by the length given.
 */
#ifndef SEKISHO_CORE_UTF8_H
#define SEKISHO_CORE_UTF8_H

#include <stddef.h>

#include "core/buf.h"

/* Decode one sequence at p (len > 0); its length, 0 if invalid. */
size_t utf8_next(const unsigned char *p, size_t len, unsigned int *cp);
/* 1 if p[0..len) is valid UTF-8. */
int utf8_valid(const unsigned char *p, size_t len);
/* Append the UTF-8 encoding of code point cp. */
int utf8_put(struct buf *out, unsigned int cp);
/* Value of a hexadecimal digit, -1 if c is not one. */
int hex_digit(int c);

#endif
