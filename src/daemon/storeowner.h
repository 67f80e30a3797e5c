/*
 * storeowner - sk-store, the one process of sekishod that holds the
 * quarantine key (and the audit signing key): OpenSSH's monitor in
 * sekisho's shape.
 *
 * It runs as daemon_user, got its key as an open descriptor from the master
 * (the key file itself may be readable by root only), and parses nothing
 * from outside: its clients are sekishod's own agents and milter, connecting
 * to a Unix socket in the spool's private folder, checked by their
 * credentials (the same user, or root).  Each connection has a thread; each
 * request is read as untrusted input (store_proto.h), its receipt by
 * receipt_read(), and recorded through the outcome queue (group commit:
 * originals quarantined, rows and receipts durable) before it is answered.
 * At most STOREOWNER_CONNS_MAX connections are served; more are closed at
 * once.  SIGTERM: stop accepting, let requests in progress finish (at most
 * STOREOWNER_DRAIN_S), close the queue, exit.
 */
#ifndef SEKISHO_DAEMON_STOREOWNER_H
#define SEKISHO_DAEMON_STOREOWNER_H

#include <sys/types.h>

#include "policy/config.h"

#define STOREOWNER_CONNS_MAX 256
#define STOREOWNER_DRAIN_S 30

/* The owner's socket path for a configuration (its spool's private folder). */
void storeowner_socket_path(const struct config *cfg, char *path, size_t n);
/* Serve on the bound, listening socket lfd; key_fd, audit_fd: the
 * quarantine key and audit signing key files, open.  console_lfd (-1:
 * none): the console monitor's socket (web/monitor.h), whose peers must be
 * console_uid; the key descriptors then stay open for its connections.
 * Returns the exit status. */
int storeowner_run(const struct config *cfg, int lfd, int key_fd, int audit_fd,
    int console_lfd, uid_t console_uid);
/* Bind and listen on the owner's socket (as the user that will serve it). */
int storeowner_listen(const struct config *cfg, struct buf *err);

#endif
