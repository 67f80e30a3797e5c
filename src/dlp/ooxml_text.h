/*
 * ooxml_text - the text of a Word, Excel or PowerPoint package (OOXML), for
 * inspection: what a reader of the document sees, and what is in the file
 * without being shown (deleted revisions, every cell of hidden sheets).
 *
 * Word: the body, headers, footers, footnotes, endnotes and comments, one
 * line per paragraph; the runs of a paragraph are joined (a number split
 * across runs reads whole), and a table row is one line with its cells
 * separated by tabs.  Excel: every cell of every sheet, shared strings,
 * inline strings and numbers as stored (1.23456789018E+11 is read back as
 * the whole number it is), one unit per row with the offset of each cell
 * in it, so that a finding is placed in its cell ("Sheet1!B3"); the first
 * row of a sheet is the context of the others (a column named 個人番号).
 * PowerPoint: the text of each slide, one line per paragraph.  All: the
 * document's properties (docProps/core.xml: title, subject, keywords,
 * category…; docProps/custom.xml: custom properties, where a
 * classification label is often kept), one value per line, unit
 * "properties".  A package with properties but no document part is not a
 * document ("no-document-parts").
 *
 * Bounded by office_part_limit (members), archive_entry_size_limit (one
 * member), archive_total_size_limit (all), and text_size_limit (text given
 * out); an encrypted member or one that cannot be unpacked ends it with a
 * reason.  Runs only in the sandboxed worker.
 */
#ifndef SEKISHO_DLP_OOXML_TEXT_H
#define SEKISHO_DLP_OOXML_TEXT_H

#include <stddef.h>

#include "core/limits.h"

#define OOXML_CELLS_MAX 16384	/* cells of one row placed by reference */

struct ooxml_unit {
	const char *where;	/* "document", "header1", "Sheet1 (sheet1)", "slide 3",
				 * "properties" */
	const char *text;	/* UTF-8 */
	size_t len;
	const char *context;	/* a sheet's first row, or NULL */
	const size_t *cell_off;	/* spreadsheets: where each cell starts in text */
	const char *const *cell_ref;	/* and its reference ("B3") */
	size_t ncells;
};

typedef void (*ooxml_unit_fn)(const struct ooxml_unit *u, void *arg);

/* 0 when the package was read to its end; -1 with a reason code in why
 * ("encrypted", "malformed", a limit's name, or "no-document-parts": no
 * member of Word, Excel or PowerPoint at all, a zip that only looks like a
 * package, e.g. one holding a stored .docx). */
int ooxml_text(const unsigned char *in, size_t len, const struct limits *lim,
    ooxml_unit_fn fn, void *arg, char *why, size_t whylen);

#endif
