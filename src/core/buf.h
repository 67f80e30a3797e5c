/*
 * buf - the one growable byte buffer for sekisho.
 *
 * Contract: every buffer is created with a ceiling (buf_init(b, max)).  An
 * append that would grow the buffer past its ceiling fails with -1 and leaves
 * the contents unchanged, so callers turn "too large" into a named limit in
 * the receipt instead of growing without bound.  Allocation failure is an
 * internal invariant broken and aborts (see xalloc.h).  The data is always
 * NUL-terminated one byte past len, so text can be used as a C string.
 */
#ifndef SEKISHO_CORE_BUF_H
#define SEKISHO_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;	/* NUL-terminated at data[len] once anything was added */
	size_t len;
	size_t cap;
	size_t max;	/* ceiling on len */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);		/* len = 0, keeps memory */
/* Room for n more bytes now (a size hint: saves regrowth); -1 past the ceiling. */
int buf_reserve(struct buf *b, size_t n);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, int c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Hand the bytes to the caller (who frees them with free()); b is emptied. */
char *buf_steal(struct buf *b, size_t *len);
/* Always a valid C string, "" for an empty buffer. */
const char *buf_str(const struct buf *b);

#endif
