/*
 * deliver - hand a sanitised message to the LGWAN side.
 *
 * Targets (the deliver_to setting):
 *   maildir:/path/to/Maildir   write tmp/, fsync, rename into new/ (one copy)
 *   smtp:HOST:PORT             relay to the next hop, envelope kept
 *   lmtp:HOST:PORT             the same over LMTP (Dovecot), per-recipient replies
 * A result is DELIVER_OK only when the message is durably the next hop's
 * (maildir: renamed and fsynced; SMTP: 250 after DATA; LMTP: every recipient
 * accepted).  Temporary failures are retried by the caller; permanent ones are
 * reported and the original stays in quarantine.
 */
#ifndef SEKISHO_GATEWAY_DELIVER_H
#define SEKISHO_GATEWAY_DELIVER_H

#include <stddef.h>

#include "core/buf.h"
#include "gateway/spool.h"

enum deliver_result { DELIVER_OK = 0, DELIVER_TEMPFAIL = 1, DELIVER_PERMFAIL = 2 };

struct deliver_target {
	enum { TARGET_MAILDIR, TARGET_SMTP, TARGET_LMTP } kind;
	char path[512];		/* maildir */
	char host[256];
	char port[16];
};

int deliver_parse_target(const char *spec, struct deliver_target *t, struct buf *err);
enum deliver_result deliver(const struct deliver_target *t, const struct envelope *env,
    const char *msg, size_t len, const char *helo, struct buf *err);

#endif
