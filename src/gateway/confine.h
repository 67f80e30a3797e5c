/*
 * confine - the sandbox of sekishod's own processes that face the outside:
 * an SMTP session (client bytes), the milter (Postfix's protocol and the
 * message), the metrics endpoint (HTTP requests), the transfer folders'
 * watcher (names and links put there from the internet side).  The workers' stricter
 * sandbox is sandbox.h.
 *
 * confine_enter(), once the process has become daemon_user and opened what
 * it needs, applies in this order:
 *   - rlimits: no new processes (except the milter's threads), no core
 *     dumps;
 *   - PR_SET_NO_NEW_PRIVS;
 *   - Landlock, where the kernel offers it: no file access except the
 *     folders named (read-write or read-only), no TCP bind or connect, no
 *     abstract Unix sockets or signals outside the process;
 *   - a seccomp allow-list per profile whose default kills the process:
 *     never exec, fork, ptrace, mount, setuid, a new network socket (only
 *     AF_UNIX where the profile needs one: the milter reaches the store
 *     owner and its spawner), executable memory or raised limits; opening
 *     a file outside the profile's needs fails with EACCES (Landlock's
 *     answer), creating a socket where none is needed with EACCES (syslog
 *     trying to reconnect).
 * Then it checks that the confinement holds.  Dies if any step fails:
 * running unconfined is never an option, except that a kernel without
 * Landlock is logged (once) and seccomp alone remains.
 */
#ifndef SEKISHO_GATEWAY_CONFINE_H
#define SEKISHO_GATEWAY_CONFINE_H

#include "core/buf.h"

enum confine_profile {
	CONFINE_SESSION,	/* SMTP/LMTP session: its socket, the spool */
	CONFINE_MILTER,		/* libmilter threads, the store owner, the spawner */
	CONFINE_METRICS,	/* GET /metrics: its listener, the spool (read) */
	CONFINE_CONSOLE,	/* the console's HTTPS threads, the console monitor */
	CONFINE_TRANSFER,	/* the transfer folders' watcher: the drop folders, the spool */
};

/* rw, ro: NULL-terminated lists of folders (NULL: none). */
void confine_enter(enum confine_profile p, const char *const *rw, const char *const *ro);
/* The Landlock ABI of the running kernel, 0 when it has none. */
int confine_landlock_abi(void);

#endif
