/*
 * agent - a delivery agent: takes accepted messages from the spool, has
 * them sanitised by its own sandboxed worker, delivers the sanitised form,
 * keeps the original and records the receipt, and only then removes the
 * spool file.
 *
 * Order for one message (each step durable before the next):
 *   claim (queue/ -> active/) -> sanitise in the worker -> deliver (sanitised)
 *   -> the store owner quarantines the original and journals the receipt
 *   (store_client.h; the agent holds no key) -> unlink from spool.
 * A crash anywhere leaves the message in the spool (recovered at start-up):
 * at worst it is delivered twice, never lost and never delivered unsanitised.
 * A worker that dies or times out: retried worker_attempts times, then the
 * message is withheld with the parent's own receipt.  A next hop that fails
 * temporarily: retried with doubling delays, for ever, and logged.
 */
#ifndef SEKISHO_DAEMON_AGENT_H
#define SEKISHO_DAEMON_AGENT_H

#include "gateway/spool.h"
#include "policy/config.h"

struct agent_hooks;

/* Run until *stop is set (by a signal).  Returns 0 on a clean stop. */
int agent_run(const struct config *cfg, struct spool *sp, volatile int *stop);

#endif
