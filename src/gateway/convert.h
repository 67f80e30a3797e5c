/*
 * convert - legacy Office, RTF and OpenDocument to PDF with LibreOffice,
 * in a process sandbox of its own, on behalf of a worker.  See convert.c.
 */
#ifndef SEKISHO_GATEWAY_CONVERT_H
#define SEKISHO_GATEWAY_CONVERT_H

#include <stddef.h>

#include "core/buf.h"
#include "policy/config.h"

/* 1 when the policy converts and LibreOffice is installed. */
int convert_available(const struct config *cfg);
/*
 * ext: ".doc", ".xls", ".ppt", ".rtf", ".odt"...: a PDF; or ".xls>xlsx"
 * (a target of docx, xlsx or pptx): an Office Open XML copy, for reading
 * its text.  0 with the result in pdf (bounded by its ceiling), or -1 with
 * the reason in err.
 */
int convert_to_pdf(const struct config *cfg, const char *ext, const void *in, size_t len,
    struct buf *pdf, long long deadline_ms, char *err, size_t errlen);

#endif
