/*
 * privsep - the system users sekisho's processes run as, and the one way to
 * become one of them for good.
 *
 * daemon_user runs sekishod's own processes (acceptor, sessions, agents,
 * milter, store owner, metrics); worker_user runs the sandboxed workers and
 * the spawners that start them.  A process started as root looks the users
 * up once (privsep_lookup, before any fork of a threaded process) and each
 * child becomes its user with privsep_become(): supplementary groups, then
 * the real, effective and saved gid and uid, then checks that the ids are
 * what was asked, that setuid(0) and setgid(0) now fail and that no
 * capability is left (Dovecot's restrict_access() habit).  A failed check
 * kills the process: running with more privilege than asked is never an
 * option.  privsep_become() uses only system calls and write(2), so it may
 * run between fork() and execve() in a threaded program.
 *
 * A process started by another user cannot change users at all:
 * privsep_can_switch() is false, every process keeps that user, and
 * privsep_check() still verifies that none holds a capability.
 */
#ifndef SEKISHO_GATEWAY_PRIVSEP_H
#define SEKISHO_GATEWAY_PRIVSEP_H

#include <sys/types.h>

#include "core/buf.h"

#define PRIVSEP_NAME_MAX 64

struct run_user {
	uid_t uid;
	gid_t gid;
	char name[PRIVSEP_NAME_MAX];
};

/* Look a user up by name (its primary group too).  -1 with a message that
 * says how to create it. */
int privsep_lookup(const char *name, struct run_user *u, struct buf *err);
/* Whether this process may change users (its effective uid is root). */
int privsep_can_switch(void);
/* Become u for good, or die.  what names the process in the message. */
void privsep_become(const struct run_user *u, const char *what);
/* Die unless this process is not root and holds no capability. */
void privsep_check(const char *what);
/* The permitted and effective capability sets are empty. */
int privsep_no_capabilities(void);

#endif
