/*
 * spawner - starts sandboxed workers for a process that has given up the
 * right to change users.
 *
 * A delivery agent or the milter runs as daemon_user; its workers must run
 * as worker_user, which only root may arrange.  So, while still root, such a
 * process starts its spawner: a child that becomes worker_user at once and
 * does nothing but start workers on request (the worker socket arrives by
 * SCM_RIGHTS, the worker is exec'd fresh with it as descriptor 3), start
 * converters (LibreOffice for legacy Office, which a confined owner could not
 * run itself) and kill and reap them on request, answering with the exit
 * status.  Workers are the
 * spawner's children, so they are the same user as it and die with it
 * (PR_SET_PDEATHSIG); the spawner dies with its owner.  The spawner never
 * sees an item's bytes and never held a key: it was forked before any key
 * was opened, by a process that never read one.
 *
 * Requests and answers are fixed-size SOCK_SEQPACKET messages, checked
 * exactly; the spawner only kills and reaps children it started itself.
 * Calls are serialised by a mutex (the milter's threads share one).
 */
#ifndef SEKISHO_GATEWAY_SPAWNER_H
#define SEKISHO_GATEWAY_SPAWNER_H

#include <pthread.h>
#include <sys/types.h>

#include "core/buf.h"
#include "gateway/privsep.h"
#include "policy/config.h"

#define SPAWNER_CHILDREN_MAX 256

struct spawner {
	pid_t pid;
	int fd;
	pthread_mutex_t mu;
};

/* Fork the spawner; it becomes user (the caller is root; NULL: it stays
 * this user, so that a confined owner need never fork) and runs program for
 * each request; cfg (or NULL: none) gives conversions their LibreOffice and
 * limits.  -1 with a reason. */
int spawner_start(struct spawner *sp, const struct run_user *user, const char *program,
    const struct config *cfg, struct buf *err);
/* Start a converter on fd: it reads one conversion request (frame.h's
 * "SKCV"), runs LibreOffice in its own sandbox (convert.h) as the spawner's
 * user, answers ("SKCR") and exits; reap it with spawner_reap.  -1 when the
 * spawner is gone. */
int spawner_convert(struct spawner *sp, int fd, pid_t *pid);
/* Start a worker on fd (the worker's end of its socket; the caller closes
 * its copy).  Its pid in *pid.  -1 when the spawner is gone. */
int spawner_spawn(struct spawner *sp, int fd, pid_t *pid);
/* Kill and reap a worker; its wait status (as it ended, or SIGKILL) in
 * *status.  -1 when the spawner is gone or never started pid. */
int spawner_reap(struct spawner *sp, pid_t pid, int *status);
void spawner_stop(struct spawner *sp);

#endif
