/*
 * inspect - what in one outgoing item must not leave: the text of a message
 * (subject, text and HTML bodies, attached messages, text and CSV
 * attachments in any charset sekisho decodes) or of a file, read and
 * scanned for 個人番号 and 法人番号 (dlp/idnum.h).  Runs only in the
 * sandboxed worker: it parses untrusted bytes.
 *
 * Inspection is not sanitising: nothing is rebuilt, nothing is written but
 * the answer.  What cannot be read is a finding of its own, kind
 * "uninspectable", with its reason (a format whose text sekisho does not
 * read yet, an encrypted file, a limit: text_size_limit, mime_part_limit,
 * mime_nesting_limit), because an outbound check that skips what it cannot
 * read is a hole.
 *
 * The answer is one JSON object (docs/dlp.md), "sekisho.findings/1":
 *   {"schema", "id", "findings": [{"kind", "confidence", "where",
 *    "masked", "reason"}...], "findings_not_listed": N}
 * with at most INSPECT_FINDINGS_MAX findings listed (the rest counted) and
 * no number in it but the last four digits of each.  findings_read()
 * (dlp/findings.h) is the one reader of such an answer in the parent.
 */
#ifndef SEKISHO_DLP_INSPECT_H
#define SEKISHO_DLP_INSPECT_H

#include <stddef.h>

#include "core/buf.h"
#include "dlp/findings.h"	/* the answer's schema and ceilings */
#include "policy/policy.h"

#define INSPECT_CLEAN 0		/* nothing found */
#define INSPECT_FOUND 11	/* a finding (a number or something uninspectable) */

/* Inspect one item: a message when name ends in .eml or the content is
 * one, else a file.  Writes the answer into json; INSPECT_CLEAN or
 * INSPECT_FOUND. */
int dlp_inspect(const struct policy *pol, const char *id, const char *name,
    const unsigned char *in, size_t len, struct buf *json);

#endif
