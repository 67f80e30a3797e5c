/*
 * milter - sekisho inside Postfix: a libmilter filter, run by sekishod in a
 * process of its own ("sk-milter") when milter_listen is set.
 *
 * For every message Postfix hands over (smtpd_milters), the headers and body
 * are collected into one bounded buffer (message_size_limit) and, at the end
 * of the message, sanitised by a sandboxed worker from a pool of `workers`.
 * The verdict decides what Postfix does with it:
 *   sanitised  every original header is deleted, the sanitised message's
 *              headers are added and the body replaced; the original goes to
 *              the quarantine and the receipt to the journal; Postfix then
 *              delivers only the sanitised form (SMFIS_CONTINUE).
 *   withheld   original quarantined, receipt journalled, message discarded
 *              (SMFIS_DISCARD); so is a message larger than
 *              message_size_limit (reason message_size_limit).
 *   failure    worker died or timed out, no worker free within time_limit,
 *              quarantine or journal failed, or an edit was refused:
 *              temporarily refused (SMFIS_TEMPFAIL, 451): the sending MTA
 *              keeps the message and retries.  After worker_attempts worker
 *              failures on the same message it is withheld instead, with
 *              the parent's receipt, like the delivery agents do.
 * Nothing is lost and nothing unsanitised is delivered, provided Postfix
 * has milter_default_action = tempfail (a dead milter then refuses mail for
 * now instead of letting it through).
 */
#ifndef SEKISHO_DAEMON_MILTER_H
#define SEKISHO_DAEMON_MILTER_H

#include "core/buf.h"
#include "policy/config.h"

/* milter_listen in libmilter's form ("inet:PORT@HOST" or "unix:/path") into
 * conn; -1 with a message in err. */
int milter_conn_spec(const char *spec, char *conn, size_t n, struct buf *err);
/* Check a milter_listen value ("inet:PORT@HOST" is libmilter's form too):
 * 0 if libmilter can use it, -1 with a message in err. */
int milter_check_spec(const char *spec, struct buf *err);

/* Run the milter until SIGTERM or SIGINT; messages in progress are finished
 * (within time_limit) before it returns.  Returns 0 after a clean stop. */
/* Serve until SIGTERM.  confine, if not NULL, is called once the listener
 * is open and before any worker or thread starts: it drops privileges. */
int milter_run(const struct config *cfg, void (*confine)(void));

#endif
