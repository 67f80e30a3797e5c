/*
 * sanitize - one mail message in, one sanitised message and its receipt out.
 *
 * This is the whole decision for an item, run inside the sandboxed worker:
 * limits first (size, header block, line length), then GMime parses, the tree
 * is walked (walk.c), limits decide whether the message is withheld, and the
 * sanitised message is composed (compose.c) with the notice rendered from the
 * receipt (notice.c).  Ambiguity (GMime's critical reports, grouped in
 * ambiguity.c) is rebuilt and named by default; on_ambiguous = withhold
 * withholds it instead.  Each field the sanitised message has, it has once.  Deterministic: the same bytes, id,
 * time and policy give the same output and receipt.
 *
 * sanitize_init() must run before the sandbox is entered.
 */
#ifndef SEKISHO_MIME_SANITIZE_H
#define SEKISHO_MIME_SANITIZE_H

#include <stddef.h>

#include "core/buf.h"
#include "policy/policy.h"
#include "receipt/receipt.h"

#define SANITIZE_OK 0		/* out holds the sanitised message */
#define SANITIZE_WITHHELD 10	/* nothing in out; the receipt says why */

void sanitize_init(void);
int sanitize_mail(const struct policy *pol, const char *id, long long time,
    const unsigned char *msg, size_t len, struct buf *out, struct buf *rjson);
/* The same, with how the message arrived recorded in the receipt (env may be NULL). */
int sanitize_mail_env(const struct policy *pol, const char *id, long long time,
    const struct receipt_envelope *env, const unsigned char *msg, size_t len,
    struct buf *out, struct buf *rjson);

#endif
