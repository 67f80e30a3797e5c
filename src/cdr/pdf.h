/*
 * pdf - PDF sanitising with MuPDF (cdr_pdf in cdr.h); what it needs before
 * the sandbox.
 *
 * cdr_pdf_init() checks, before the sandbox, that the CJK fonts MuPDF
 * substitutes for non-embedded Japanese fonts (MS-Mincho, MS-Gothic...) are
 * available in memory; when this MuPDF was built without them it reads a
 * system CJK font file (Noto CJK, IPA) into memory so nothing is opened once
 * the sandbox is entered.  0, or -1 with err set (no CJK font at all: pages
 * would render as tofu).
 */
#ifndef SEKISHO_CDR_PDF_H
#define SEKISHO_CDR_PDF_H

#include <stddef.h>

int cdr_pdf_init(char *err, size_t errlen);

/* Bytes MuPDF still holds after the last cdr_pdf() (0 unless it leaked). */
size_t cdr_pdf_mem_in_use(void);

#endif
