/*
 * smtpd - one SMTP or LMTP server session, run in its own process.
 *
 * Accepts a message only after spool_commit() has made it durable, so a
 * "250" always means "sekisho owns it now" and a crash before that leaves the
 * message with the sender's MTA (never lose).  Bounded everywhere: command
 * line length, recipients, message size (message_size_limit, advertised as
 * SIZE), idle time.  LMTP gives one reply per recipient after DATA.
 */
#ifndef SEKISHO_GATEWAY_SMTPD_H
#define SEKISHO_GATEWAY_SMTPD_H

#include <stddef.h>

#include "gateway/spool.h"

struct smtpd_config {
	const char *hostname;
	size_t message_bytes;
	size_t max_rcpt;
	int timeout_ms;
	int lmtp;
};

/* Serve one connection on fd until QUIT, EOF or timeout.  Returns the number
 * of messages accepted. */
int smtpd_session(int fd, const struct smtpd_config *cfg, struct spool *sp,
    const char *peer);

#endif
