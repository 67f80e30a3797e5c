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

/*
 * A MuPDF context for one file, for every MuPDF user in the worker: its
 * allocations count against MuPDF's share of memory_limit (past it MuPDF
 * gets NULL and throws, so a bomb is an error, not a dead worker or, under
 * ASan, minutes of poisoning), warnings and errors print nothing, and the
 * CJK font is there.  m must outlive the context; NULL when MuPDF cannot
 * start within the share.
 */
struct pdf_mem {
	size_t used;
	size_t limit;
	int hit;	/* an allocation was refused */
};
struct fz_context;
struct fz_context *cdr_pdf_context(struct pdf_mem *m, size_t memory_limit);

#endif
