/*
 * fname - attachment file names made safe to show, and checked for tricks.
 *
 * fname_display() turns a decoded (UTF-8) name into one that shows what it
 * is: bidi controls (U+202A-U+202E, U+2066-U+2069, U+200E/F, U+061C) and
 * control characters become visible "[U+202E]" markers, path separators are
 * kept only as text, and the name is cut at FNAME_DISPLAY_MAX bytes.  Flags
 * say what was found, for the receipt: a bidi override, controls, a double
 * extension (report.pdf.exe, "invoice.pdf      .scr"), or an executable type.
 */
#ifndef SEKISHO_TEXT_FNAME_H
#define SEKISHO_TEXT_FNAME_H

#include <stddef.h>

#include "core/buf.h"

#define FNAME_DISPLAY_MAX 255

enum fname_flag {
	FNAME_BIDI = 1 << 0,
	FNAME_CONTROL = 1 << 1,
	FNAME_DOUBLE_EXT = 1 << 2,
	FNAME_EXECUTABLE = 1 << 3,
	FNAME_TRUNCATED = 1 << 4,
	FNAME_PATH = 1 << 5,
};

unsigned fname_display(const char *utf8, size_t len, struct buf *out);
/* Comma-separated flag names for the receipt ("bidi-override,double-extension"). */
void fname_flags_str(unsigned flags, struct buf *out);
/* The lower-case extension of a name (after the last '.'), "" if none. */
void fname_ext(const char *name, char *ext, size_t extsize);

#endif
