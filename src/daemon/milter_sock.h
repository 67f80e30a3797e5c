/*
 * milter_sock - the TCP socket under a libmilter connection, so that the
 * milter can stream over TCP without the delayed-ACK stall.
 *
 * Why.  A milter that does not answer the steps it has no use for
 * (SMFIP_NR_MAIL ... SMFIP_NR_BODY) lets the MTA write the next step at
 * once; over a Unix socket that is all it takes.  Over TCP the MTA's next
 * small write waits, under Nagle's algorithm, for the ACK of the previous
 * one, and Linux delays that ACK by 40 ms on a connection where data went
 * back and forth: one stall of 40 ms in every message.  Answering every step
 * avoids the stall at the price of ~25 round trips per message (measured in
 * bench/README.md).  TCP_QUICKACK after each unanswered step sends the ACK
 * at once instead, and needs the connection's socket.
 *
 * How.  libmilter gives a callback no descriptor; its per-connection context
 * (SMFICTX) holds it among its first words (libmilter.h: ctx_id, then
 * ctx_sd).  milter_sock_find() reads those words as candidates and accepts
 * one only if it is provably a connection accepted on this milter's
 * listening address: a connected TCP stream socket, not listening, whose
 * local address is the listener's.  Exactly one candidate must pass.  A
 * libmilter with another layout finds none, and then the connection is
 * answered step by step as before: slower, never wrong.
 */
#ifndef SEKISHO_DAEMON_MILTER_SOCK_H
#define SEKISHO_DAEMON_MILTER_SOCK_H

#include <stddef.h>
#include <sys/socket.h>

/* Words of a libmilter context that may hold its socket (ctx_sd is the
 * second member, after a thread id of 4 or 8 bytes). */
#define MILTER_SOCK_CTX_WORDS 4

/* The TCP listening socket of this process (libmilter's, after
 * smfi_opensocket): TCP_NODELAY is set on it (accepted connections inherit
 * it, so libmilter's small replies leave at once) and its address goes to
 * addr.  0, or -1 when there is none (a Unix socket). */
int milter_sock_listener(struct sockaddr_storage *addr);

/* The one descriptor among the first `words` ints at ctx that is a TCP
 * connection accepted on listen_addr; -1 when none or several are. */
int milter_sock_find(const void *ctx, size_t words,
    const struct sockaddr_storage *listen_addr);

/* Send the pending ACK now (TCP_QUICKACK); 0, or -1 (errno). */
int milter_sock_quickack(int fd);

#endif
