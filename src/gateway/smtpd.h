/*
 * smtpd - one SMTP or LMTP server session, run in its own process.
 *
 * Accepts a message only after cfg->commit (spool_commit() in sekishod)
 * has made it durable, so a "250" always means "sekisho owns it now" and a
 * crash before that leaves the message with the sender's MTA (never lose).
 *
 * What it enforces, with Postfix's smtpd as the model:
 *  - Lines end in CR LF only (RFC 5321 2.3.8), in commands and in DATA; the
 *    DATA section ends only at CR LF . CR LF.  A message holding a bare LF
 *    or a NUL is read to its real end and refused whole (550), so
 *    no reading of "\n.\n", "\n.\r\n" or "\r\n.\n" can end it early and
 *    smuggle a second message (Postfix: smtpd_forbid_bare_newline = reject).
 *    A bare CR is data (nothing ends a line there; real mail holds them).
 *    A command with one is answered 521 and the connection closed: the
 *    client and sekisho no longer agree on where commands end.
 *  - Clients only from cfg->mynetworks (others get 554 and nothing else but
 *    503 until QUIT), recipients only in cfg->relay_domains (554 5.7.1 per
 *    recipient), both read by policy/access.h.
 *  - STARTTLS when cfg->tls is set (advertised only then, and not again
 *    inside TLS); anything the client pipelined after STARTTLS in the clear
 *    is thrown away, and the session starts over (EHLO again).
 *  - Time: an idle limit per read, a limit per reply (a client that does not
 *    read), and a deadline for the whole session; then 421 and closed.
 *  - Bounds: command line length, recipients, message size (advertised as
 *    SIZE, the Received header counted in it), errors per session.
 *  - Every accepted message gets a Received header first (from the HELO name
 *    and the client's address, no DNS; by cfg->hostname; with ESMTP, ESMTPS,
 *    SMTP, LMTP or LMTPS; id the queue id; for the recipient when there is
 *    one; the date), and its envelope records client, HELO, protocol, TLS.
 * LMTP gives one reply per recipient after DATA.
 */
#ifndef SEKISHO_GATEWAY_SMTPD_H
#define SEKISHO_GATEWAY_SMTPD_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "gateway/spool.h"

#define SMTPD_RECEIVED_RESERVE 2048	/* bytes of message_bytes kept for the Received header */

struct smtpd_config {
	const char *hostname;
	size_t message_bytes;	/* the message as spooled, Received header included */
	size_t max_rcpt;
	int timeout_ms;		/* one read (idle) */
	int write_timeout_ms;	/* one reply */
	int session_ms;		/* the whole session */
	int lmtp;
	const char *mynetworks;	/* lists in policy/access.h's syntax */
	const char *relay_domains;
	SSL_CTX *tls;		/* NULL: no STARTTLS */
	/* make an accepted message durable: 0, or -1 with err set */
	int (*commit)(void *arg, const struct envelope *env, const char *msg, size_t len,
	    struct buf *err);
	void *commit_arg;
};

/* Serve one connection on fd (peer: the client's numeric address) until
 * QUIT, EOF, a time limit or an error.  Returns the number of messages
 * accepted. */
int smtpd_session(int fd, const struct smtpd_config *cfg, const char *peer);

#endif
