/*
 * event - the journal record of a console event (schema
 * "sekisho.console/1", docs/audit.md): a login, a failure, a request, a
 * decision, a download, and the operator's changes to accounts.  Built
 * here for the monitor and for `sekisho user` alike.
 */
#ifndef SEKISHO_WEB_EVENT_H
#define SEKISHO_WEB_EVENT_H

#include "core/buf.h"
#include "store/store.h"
#include "web/accounts.h"

#define EVENT_MAX ((size_t)16 * 1024)	/* one record */
#define EVENT_CLIENT_MAX 64		/* bytes of a client address recorded */
#define EVENT_NAME_MAX 64		/* bytes of an unknown user name recorded */
#define EVENT_DETAIL_MAX 1000		/* bytes of a reason, comment or detail */
#define EVENT_ID_LEN 48			/* XX-YYYYMMDD-<16 hex> with its NUL, and room */

struct console_event {
	const char *event;
	const struct account *who;	/* NULL: an unknown user (given_name) */
	const char *given_name;
	const char *client;		/* the browser's address, or the system account */
	const char *item, *request, *detail;
	const struct store_release *rel;	/* a download */
};

/* prefix-YYYYMMDD-<16 random hex> for the time t. */
void event_id(char id[EVENT_ID_LEN], const char *prefix, long long t);
/* The record, one JSON object, into rec (initialised by the caller with
 * EVENT_MAX). */
void event_json(struct buf *rec, const struct console_event *e, long long t);

#endif
