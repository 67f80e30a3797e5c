/*
 * json - minimal JSON writing into a bounded buffer: escaped strings and
 * numbers.  Structure (braces, commas, key order) is the caller's, so that
 * the order of keys is fixed by code and receipts are byte-for-byte stable.
 * Strings are written as UTF-8; invalid UTF-8 bytes become U+FFFD and control
 * characters are \u-escaped, so the output is always valid JSON.
 */
#ifndef SEKISHO_CORE_JSON_H
#define SEKISHO_CORE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

int json_strn(struct buf *b, const char *s, size_t n);
int json_str(struct buf *b, const char *s);	/* NULL -> null */
/* "key": (with a leading comma unless first) */
int json_key(struct buf *b, const char *key, int first);

#endif
