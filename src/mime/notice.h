/*
 * notice - the short note at the top of every sanitised message, rendered
 * from the receipt (never recorded twice): what was done, each removed or
 * converted attachment with its name, type, size and reason, and how to ask
 * for the original.  Japanese by default, English by policy.
 */
#ifndef SEKISHO_MIME_NOTICE_H
#define SEKISHO_MIME_NOTICE_H

#include "core/buf.h"
#include "policy/policy.h"
#include "receipt/receipt.h"

void notice_render(const struct receipt *r, enum lang lang, struct buf *out);
/* Human text for a part or withholding reason code (falls back to the code). */
const char *notice_reason_text(const char *code, enum lang lang);

#endif
