/*
 * sniff - the type of a file from its first bytes, never from its name.
 *
 * A small table of signatures for what mail carries (documents, archives,
 * executables, images).  It answers a MIME type, or NULL when nothing
 * matched; text is reported as "text/plain" only when the sample has no NUL
 * and few control bytes.  The file sanitisers extend this with libmagic.
 */
#ifndef SEKISHO_CDR_SNIFF_H
#define SEKISHO_CDR_SNIFF_H

#include <stddef.h>

const char *sniff_type(const unsigned char *p, size_t len);
/* 1 for types that run code when opened (PE, ELF, Mach-O, scripts...). */
int sniff_is_executable(const char *type);

#endif
