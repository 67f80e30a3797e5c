/*
 * pages - the console's HTML, rendered on the server from the monitor's
 * answers (JSON the monitor wrote): Japanese by default, English on
 * request; every value from an item (subjects, names, reasons, addresses)
 * goes through html_text, so markup and bidirectional controls in a
 * subject or a file name show as text.  No script, no external resource:
 * one style sheet served by the console itself (LGWAN terminals have no
 * internet), within the Content-Security-Policy console.c sends.
 *
 * Every form that changes something carries the session's CSRF token.
 */
#ifndef SEKISHO_WEB_PAGES_H
#define SEKISHO_WEB_PAGES_H

#include <jansson.h>

#include "core/buf.h"

enum page_lang { PAGE_JA, PAGE_EN };

#define PAGE_MAX ((size_t)16 * 1024 * 1024)	/* one rendered page */

/* A message of the console in the language (the key itself when unknown). */
const char *page_text(enum page_lang lang, const char *key);

/* account: the monitor's session answer (NULL before login). */
void page_login(struct buf *b, enum page_lang lang, const char *next, const char *error_key);
/* One page of the list; first: it is the newest page; next: the cursor of
 * the older page, or NULL; q: the search text ("" none). */
void page_items(struct buf *b, enum page_lang lang, json_t *account, json_t *items, int first,
    const char *next, const char *q);
void page_item(struct buf *b, enum page_lang lang, json_t *account, json_t *item,
    const char *flash_key);
/* One page of a part drawn as a picture (info: the monitor's facts, png
 * its bytes, shown inline as a data: URL), with the item's request form. */
void page_preview(struct buf *b, enum page_lang lang, json_t *account, json_t *item,
    const char *part, json_t *info, const void *png, size_t png_len);
/* The first login's set-up (info: the monitor's ENROL_BEGIN answer). */
void page_enrol(struct buf *b, enum page_lang lang, json_t *account, json_t *info,
    const char *error_key);
/* The recovery codes, shown once after the set-up. */
/* The user's own password change; done: it was changed. */
void page_password(struct buf *b, enum page_lang lang, json_t *account, const char *error_key,
    int done);
void page_recovery(struct buf *b, enum page_lang lang, json_t *account, json_t *codes);
/* Bringing in a file (outbound: the sekishod sends files out); flash_key
 * what became of the last one (error: it failed), taken the name it took. */
void page_upload(struct buf *b, enum page_lang lang, json_t *account, int outbound,
    const char *flash_key, int error, const char *taken);
void page_queue(struct buf *b, enum page_lang lang, json_t *account, json_t *requests,
    const char *flash_key);
/* A page saying only what happened (not found, refused, failed). */
void page_message(struct buf *b, enum page_lang lang, json_t *account, const char *title_key,
    const char *text_key);

extern const char page_css[];

#endif
