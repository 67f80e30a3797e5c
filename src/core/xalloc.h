/*
 * xalloc - allocation that never returns NULL.
 *
 * Running out of memory is not a property of the input (inputs are bounded by
 * named limits long before), so it is treated like Postfix's mymalloc: an
 * internal failure that ends the process loudly.  In a sandboxed worker the
 * parent sees the death and withholds the item (fail closed).
 */
#ifndef SEKISHO_CORE_XALLOC_H
#define SEKISHO_CORE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
