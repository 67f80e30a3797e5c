/*
 * notify - the console's mail: to the approvers of a group when one of its
 * staff asks for an original, and to the staff member when the request is
 * decided.  Japanese (or English, console_language), sent through
 * deliver_to as sekishod delivers sanitised mail, from postmaster at the
 * host name.  Best effort: a request or a decision is recorded whether or
 * not its notice could be sent (a failure is logged); a notice names the
 * item's subject and sender, the requester and reason, and links to the
 * console, never anything of the original.
 */
#ifndef SEKISHO_WEB_NOTIFY_H
#define SEKISHO_WEB_NOTIFY_H

#include <stddef.h>

#include "core/buf.h"
#include "policy/config.h"
#include "store/store.h"
#include "web/accounts.h"

#define NOTIFY_RCPT_MAX 64	/* approvers written to about one request */

/* A whole message to the addresses (one per line, at most
 * NOTIFY_RCPT_MAX) through deliver_to; sender NULL: postmaster at the
 * host name.  0, or -1 with the reason in err. */
int notify_deliver(const struct config *cfg, const char *sender, const char *rcpts,
    size_t nrcpt, const char *msg, size_t len, struct buf *err);
/* The same through another target (outbound_release_to), with at most
 * rcpt_max addresses. */
int notify_deliver_via(const struct config *cfg, const char *target, size_t rcpt_max,
    const char *sender, const char *rcpts, size_t nrcpt, const char *msg, size_t len,
    struct buf *err);
/* To the sender of a message leaving that sekisho holds (outbound_release_to):
 * held, why (the findings' kinds, masked), and the console's link to ask for
 * approval or recall it.  0, or -1 (logged). */
int notify_outbound_held(const struct config *cfg, const char *id, const char *sender,
    const char *subject, const char *reason);
/* To the sender of a waiting message with outside addresses she never sent
 * to (one per line in fresh): it waits for her confirmation in the console.
 * 0, or -1 (logged). */
int notify_outbound_confirm(const struct config *cfg, const char *id, const char *sender,
    const char *subject, const char *fresh);
/* To the sender of a message leaving that the policy refused (550): why, in
 * the notice language, with its 受付番号 and what to do instead.  0, or -1. */
int notify_outbound_refused(const struct config *cfg, const char *id, const char *sender,
    const char *subject, const char *reason);
/* One message of sekisho's own (an alert: daemon/health.h): the subject
 * and the text body, Japanese welcome, to the addresses (one per line).
 * How many it was sent to, or -1 (logged). */
int notify_send(const struct config *cfg, const char *rcpts, size_t nrcpt,
    const char *subject, const char *body);
/* GMime for the headers; once, before the monitor's threads. */
void notify_init(void);
/* To every approver of requester's group with an address (not disabled).
 * Returns how many were sent to, -1 on failure. */
int notify_request(const struct config *cfg, struct store *s, const struct account *requester,
    const char *item, const char *subject, const char *sender, const char *reason,
    int outbound);
/* To the requester's addresses: approved or rejected, with the comment (outbound:
 * a request to send a held message; approved, it was sent). */
int notify_decision(const struct config *cfg, const struct account *requester, const char *item,
    const char *subject, int approved, const char *by, const char *comment, int outbound);

/* The daily digest: each approver (and operator) with an address is mailed
 * the pending requests they may decide.  Returns how many digests were
 * sent, -1 on failure. */
int notify_digest(const struct config *cfg, struct store *s);

#endif
