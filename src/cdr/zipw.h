/*
 * zipw - write a new zip file into a bounded buffer (libarchive).
 *
 * Used by the OOXML rebuilder and the archive repacker: members are added
 * in the order given, with UTF-8 names (the language-encoding flag set),
 * deflated or stored, with a fixed timestamp so output is deterministic.
 * Every function returns 0, or -1 when the buffer's ceiling was reached or
 * libarchive failed (zipw_error() says which).
 */
#ifndef SEKISHO_CDR_ZIPW_H
#define SEKISHO_CDR_ZIPW_H

#include <stddef.h>

#include "core/buf.h"

struct zipw;

struct zipw *zipw_open(struct buf *out);
int zipw_add(struct zipw *z, const char *utf8_name, const void *data, size_t len,
    int deflate);
int zipw_add_dir(struct zipw *z, const char *utf8_name);
/* Finishes the central directory; frees z in every case. */
int zipw_close(struct zipw *z);
/* Frees z without finishing (after an error). */
void zipw_abort(struct zipw *z);
const char *zipw_error(const struct zipw *z);
/* 1 when the failure was the output buffer's ceiling. */
int zipw_full(const struct zipw *z);

#endif
