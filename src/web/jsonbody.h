/*
 * jsonbody - the body of a JSON API request (POST /api/...): one JSON object
 * of string members, read by the strict reader (core/jsonread: duplicate
 * keys, bad UTF-8, escapes of NUL refused) and handed on as a form, so that
 * a value passes the same checks as a form field (form.h: no NUL, no
 * control but TAB CR LF, valid UTF-8, FORM_FIELDS_MAX).  A member not in
 * the allowed names, or a value that is not a string, is refused: nothing
 * is guessed.
 */
#ifndef SEKISHO_WEB_JSONBODY_H
#define SEKISHO_WEB_JSONBODY_H

#include <stddef.h>

#include "core/buf.h"
#include "web/form.h"

#define JSONBODY_VALUE_MAX 4096	/* bytes of one decoded value */

/* 0 with f filled, or -1 with the reason in why (f left empty). */
int json_body_read(const char *p, size_t n, const char *const *allowed, size_t nallowed,
    struct form *f, struct buf *why);

#endif
