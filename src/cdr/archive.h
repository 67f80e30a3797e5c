/*
 * archive - what the archive repacker (archive.c) needs before the sandbox.
 *
 * cdr_archive_init() loads the C.UTF-8 locale that libarchive's name
 * conversions run under (see archive.c); it must run before the sandbox,
 * where locale files cannot be opened.  Without it, archive member names
 * that libarchive must convert (UTF-8-flagged zip names, 7z and pax names)
 * cannot be read, and those members are dropped as unsafe names.
 */
#ifndef SEKISHO_CDR_ARCHIVE_H
#define SEKISHO_CDR_ARCHIVE_H

#include <stddef.h>

/* 0, or -1 with err set when the C.UTF-8 locale is not installed. */
int cdr_archive_init(char *err, size_t errlen);

#endif
