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
#include "receipt/receipt_read.h"

/* console_url (NULL or "": none): the notice links to the item there. */
void notice_render(const struct receipt *r, enum lang lang, const char *console_url,
    struct buf *out);
/* The line that sends the reader to the item in the staff console. */
void notice_console_link(const char *console_url, const char *id, enum lang lang,
    struct buf *out);
/* Human text for a part or withholding reason code (falls back to the code). */
const char *notice_reason_text(const char *code, enum lang lang);
/* The same said of a whole message withheld (kept, not removed), appended
 * to out. */
void notice_withheld_reason_text(const char *code, enum lang lang, struct buf *out);

/* What notice_withheld_message needs in a process that is not a worker
 * (GMime, for the headers): once, at start. */
void notice_init(void);
/* The message delivered instead of a withheld one (withheld_notice): who
 * sent what, why it was withheld, its receipt number and the console link;
 * headers and body as compose writes them.  0 or -1. */
int notice_withheld_message(const struct receipt_view *v, const struct policy *pol,
    const char *hostname, struct buf *out);

#endif
