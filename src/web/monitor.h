/*
 * monitor - the console monitor: the part of the store owner (sk-store)
 * that answers the console's HTTP process (web/console_proto.h).  It alone
 * reads the accounts, checks passwords and TOTP codes, keeps sessions and
 * requests, decides what a user may see and do, and releases an original,
 * only against an approved request of that user recorded in the store,
 * with a journal record of every step (login, failure, logout, request,
 * approval, rejection, download).  The HTTP process holds no key and no
 * database: whatever it is made to say, it gets no more than the user whose
 * session token it presents may have (OpenSSH's monitor is the model).
 *
 * Who sees what: staff the items addressed to one of their addresses;
 * approvers those too and the items their group's staff asked for;
 * operators and auditors every item.  Anything else is "not found", the
 * same answer as an id that does not exist.  An item withheld or stripped
 * for a virus or a YARA rule is never released through the console.
 *
 * Threads: one per connection (at most MONITOR_CONNS_MAX), each with its
 * own store and journal handle.
 */
#ifndef SEKISHO_WEB_MONITOR_H
#define SEKISHO_WEB_MONITOR_H

#include <sys/types.h>

#include "core/buf.h"
#include "policy/config.h"

#define MONITOR_CONNS_MAX 32
#define MONITOR_SOCKET "console/monitor"	/* under spool_dir */
#define MONITOR_LIST_MAX 500		/* items in one page of a listing, at most */
#define MONITOR_SEARCH_MAX 100		/* bytes of a list's search text */
#define MONITOR_SEARCH_SCAN 20000	/* an operator's search: the newest items looked at */
#define MONITOR_QUEUE_MAX 500		/* requests in the approvers' queue */
#define MONITOR_REASON_MAX 1000		/* bytes of a request's reason or a comment */
#define MONITOR_TOTP_WINDOW 1		/* steps either side of now */
#define MONITOR_DIGEST_LOOK_S 10	/* how often the digest's time is looked at */
#define MONITOR_DELAY_LOOK_S 2		/* how often messages due to leave are looked for */
#define MONITOR_DELAY_BATCH 200		/* sent in one look at most */
#define MONITOR_DELAY_LOOKBACK_S (7 * 86400)	/* how far back due messages are looked for */
#define MONITOR_PW_OPS 2		/* argon2id passes (libsodium's interactive level) */
#define MONITOR_SEEN_EVERY 30		/* seconds between two writes of a session's seen_at */

void monitor_socket_path(const struct config *cfg, char *path, size_t n);
/* Make the spool passable (0711) and the console's folder (0710), as the
 * daemon user (sk-prepare): 0 or -1 with the reason. */
int monitor_prepare(const struct config *cfg, struct buf *err);
/* Bind and listen (the master, as root: the folder is the console user's
 * group's, the socket too, so that only that user and the owner reach it). */
int monitor_listen(const struct config *cfg, uid_t owner, gid_t console_gid, struct buf *err);
/* Serve lfd in threads of this process; peer_uid: the console user (and
 * root) may connect.  The store owner calls it before it closes its key
 * descriptors (each connection opens its store with them). */
int monitor_start(const struct config *cfg, int lfd, uid_t peer_uid, struct buf *err);
/* Stop accepting; requests in progress finish. */
void monitor_stop(void);
/* The store owner recorded an item (its receipt and envelope sender): a
 * message leaving held by sekisho is told to its sender.  No-op when the
 * monitor is not running. */
void monitor_item_recorded(const char *receipt_json, size_t len, const char *sender);

#endif
