/*
 * outbound - what sekishod does with a message leaving (direction =
 * outbound): the policy's decision from what the inspection found
 * (dlp/findings.h) and who the message goes to, and the receipt that
 * records it.  No I/O: the milter asks, acts and records.
 *
 * Who is outside: a recipient whose domain is not in
 * outbound_local_domains (policy/access.h's matching), or that has no
 * domain.  The findings are acted on only when the message goes outside
 * (to a domain not in outbound_trusted_destinations) from a sender not in
 * outbound_trusted_senders, or when outbound_check_internal says so
 * (trusted senders aside):
 *   a 個人番号 or 法人番号 at outbound_number_confidence or above
 *                          -> outbound_number_action (hold, reject, pass)
 *   something uninspectable (an encrypted zip, a limit; not a picture or
 *   other binary without text, "no-text", which is recorded only)
 *                          -> outbound_uninspectable_action
 *   one of the operator's words (dlp_terms: 機密性3, a project's name)
 *                          -> outbound_term_action
 *   more outside addresses in To and Cc than outbound_visible_outside_limit
 *                          -> outbound_many_outside_action (bcc, hold, reject)
 * The strongest of them wins: reject > hold > bcc > pass.  The receipt
 * (kind "outbound") lists every finding in its masked form; a held or
 * rejected message is "withheld" (its original goes to the quarantine),
 * one that leaves is "passed" (its record is the journal's).
 */
#ifndef SEKISHO_DAEMON_OUTBOUND_H
#define SEKISHO_DAEMON_OUTBOUND_H

#include <stddef.h>

#include "core/buf.h"
#include "dlp/findings.h"
#include "policy/config.h"
#include "receipt/receipt.h"

struct outbound_facts {
	const struct findings_view *found;
	size_t recipients;		/* envelope recipients */
	size_t outside;			/* of them, outside */
	size_t exposed;			/* of those, not in outbound_trusted_destinations */
	size_t visible_outside;		/* outside addresses in To and Cc */
	int trusted_sender;		/* in outbound_trusted_senders */
};

struct outbound_decision {
	enum outbound_action action;
	char reason[32];	/* "individual-number", "corporate-number", "term",
				 * "uninspectable", "many-outside-recipients"; "" */
	char detail[512];	/* English, for the receipt and the log; no number */
};

/* 1 if the address (without <>) is outside outbound_local_domains. */
int outbound_is_outside(const struct config *cfg, const char *addr);
/* The envelope recipients (comma-separated), how many are outside, and how
 * many of those are not in outbound_trusted_destinations. */
void outbound_count(const struct config *cfg, const char *rcpts, size_t *n, size_t *outside,
    size_t *exposed);
/* 1 if the envelope sender is in outbound_trusted_senders. */
int outbound_sender_trusted(const struct config *cfg, const char *sender);
/* Check outbound_trusted_senders: 0, or -1 naming the bad entry in err. */
int outbound_senders_check(const char *list, struct buf *err);
/* Outside domains among the inspection's To and Cc domains. */
size_t outbound_visible_outside(const struct config *cfg, const struct findings_view *v);
void outbound_decide(const struct config *cfg, const struct outbound_facts *x,
    struct outbound_decision *d);
const char *outbound_action_name(enum outbound_action a);	/* "pass", "bcc", … */
/* The one finding the parent makes when the worker could not answer: the
 * item (where: "message", "file") is uninspectable for reason; fv holds one. */
void outbound_parent_finding(struct findings_view *fv, struct finding_view *one,
    const char *where, const char *reason);
/* Fill r (receipt_init'ed, input set) as the outbound receipt of x and d. */
void outbound_receipt(struct receipt *r, const struct outbound_facts *x,
    const struct outbound_decision *d);

#endif
