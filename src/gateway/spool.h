/*
 * spool - the durable queue between "accepted" and "delivered".
 *
 * An item is one file: an envelope block ("SKENV1", then "qid", "from",
 * "rcpt" (repeated), "received", "client", "attempts", and since the
 * listener records them "proto", "helo" and "tls" lines, for a file from a
 * transfer folder a "transfer" line, then "SKEND")
 * followed by the message exactly as received (line ends made LF).  It is
 * written under
 * incoming/, fsynced, renamed into queue/ and the directory fsynced before
 * spool_commit() returns: only then may the SMTP server answer 250 (never
 * lose).  Delivery agents claim an item by renaming it into active/ (atomic:
 * exactly one agent wins), and finish it by unlinking it, or put it back into
 * queue/ with a retry time.  On start-up, spool_recover() returns everything
 * left in active/ by a crash to queue/, so an item is always in exactly one
 * place: queue/, active/, delivered (gone), or quarantined (gone).
 *
 * Names: "<qid>" in queue/ and active/; a deferred item is
 * "<qid>~<attempts>~<not-before epoch>".
 */
#ifndef SEKISHO_GATEWAY_SPOOL_H
#define SEKISHO_GATEWAY_SPOOL_H

#include <stddef.h>

#include "core/buf.h"

#define SPOOL_RCPT_MAX 1000
#define SPOOL_ADDR_MAX 512
#define SPOOL_NAME_MAX 128
#define SPOOL_TRANSFER_MAX 1024	/* "USER/NAME" of a transferred file, encoded */

struct envelope {
	char qid[40];
	char sender[SPOOL_ADDR_MAX];
	size_t nrcpt;
	char (*rcpt)[SPOOL_ADDR_MAX];	/* nrcpt entries */
	long long received;		/* milliseconds since the epoch */
	char client[64];		/* peer address */
	char proto[16];			/* ESMTP, ESMTPS, SMTP, LMTP, LMTPS; "" = unknown */
	char helo[256];			/* the name the client gave */
	char tls[128];			/* TLS version and cipher; "" = in the clear */
	int attempts;
	/* a file from a transfer folder: "USER/NAME", NAME percent-encoded
	 * (gateway/transfer.h); "" = mail */
	char transfer[SPOOL_TRANSFER_MAX];
};

struct spool {
	char dir[512];
	int incoming_fd, queue_fd, active_fd;
	int wake_fd;		/* written after a commit, -1 = none (see spool_wait) */
};

int spool_open(struct spool *sp, const char *dir, struct buf *err);
void spool_close(struct spool *sp);
/* A fresh queue id (time + random, sortable). */
void spool_new_qid(char qid[40]);
/* Write envelope + message durably into queue/.  0 on success; an envelope
 * field holding a line end or NUL is refused. */
int spool_commit(struct spool *sp, const struct envelope *env, const char *msg,
    size_t len, struct buf *err);
/* Claim the oldest due item: fills name (its file name in active/). 0 if one
 * was claimed, 1 if none is due, -1 on error. */
int spool_claim(struct spool *sp, long long now, char name[SPOOL_NAME_MAX]);
/* Read a claimed item: envelope and message (message bounded by max). */
int spool_read(struct spool *sp, const char *name, struct envelope *env,
    struct buf *msg, struct buf *err);
int spool_done(struct spool *sp, const char *name);
int spool_defer(struct spool *sp, const char *name, const struct envelope *env,
    long long not_before);
/* Wake-up channel between sessions and agents: a non-blocking pipe whose
 * ends are set with spool_set_wake() in each process. */
void spool_set_wake(struct spool *sp, int fd);
/* Agents: wait up to timeout_ms for a commit notice (or the timeout). */
void spool_wait(struct spool *sp, int timeout_ms);
/* Move everything in active/ back to queue/ (start-up, no agent running). */
int spool_recover(struct spool *sp);
/* Items waiting in queue/ (for metrics). */
size_t spool_depth(struct spool *sp);
void envelope_free(struct envelope *env);

#endif
