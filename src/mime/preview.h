/*
 * preview - one page of a part of an original message as a PNG picture,
 * for the staff console (the 画面転送 equivalent: staff and approvers see
 * the content of a withheld attachment, never its bytes).  Runs in the
 * sandboxed worker (FRAME_PREVIEW): the original is parsed here as it is
 * for sanitising, the part found by its receipt path ("1.2", "1.3.1"; a
 * forwarded message's body is its path with ".1"), decoded, and a PDF page
 * or an image (PNG, JPEG, GIF, TIFF, BMP) drawn by MuPDF within the
 * worker's memory_limit, at most PREVIEW_WIDTH pixels wide and within
 * image_pixel_limit; anything else has no preview.
 *
 * spec: "PATH PAGE" (page from 1).  The answer: PREVIEW_OK with the PNG in
 * png and {"page":n,"pages":N,"width":w,"height":h,"type":"..."} in info,
 * or PREVIEW_NONE with {"reason":"..."} (no-such-part, unsupported-format,
 * encrypted, no-such-page, malformed, memory_limit, …) and png empty.
 */
#ifndef SEKISHO_MIME_PREVIEW_H
#define SEKISHO_MIME_PREVIEW_H

#include <stddef.h>

#include "core/buf.h"
#include "policy/policy.h"

#define PREVIEW_OK 0
#define PREVIEW_NONE 10
#define PREVIEW_WIDTH 1200	/* pixels: a page as wide as a screen */
#define PREVIEW_PATH_MAX 64	/* bytes of a part path */
#define PREVIEW_PAGE_MAX 9999

int preview_render(const struct policy *pol, const char *spec, const unsigned char *msg,
    size_t len, struct buf *png, struct buf *info);
/* FRAME_UNLOCK: the part at PATH (spec "PATH\nPASSWORD") sanitised as a
 * file, as cdr_file_item does, its encrypted archive opened with the
 * password (a PPAP zip): a wrong password withholds it ("encrypted").  The
 * password is wiped after.  cdr_file_item's status, out and receipt. */
int preview_unlock(const struct policy *pol, const char *id, long long t, const char *spec,
    const unsigned char *msg, size_t len, struct buf *out, struct buf *receipt);
/* "PATH PAGE" well formed: 0 with the page, or -1. */
int preview_spec_parse(const char *spec, char path[PREVIEW_PATH_MAX], int *page);

#endif
