/*
 * spawner - starts sandboxed workers for a process that has given up the
 * right to change users.
 *
 * A delivery agent or the milter runs as daemon_user; its workers must run
 * as worker_user, which only root may arrange.  So, while still root, such a
 * process starts its spawner: the program sekisho-worker, exec'd fresh as
 * worker_user ("--spawner"), told only the sanitising policy and the
 * LibreOffice program.  It loads once what sanitising needs (GMime,
 * converters, libmagic, fonts, YARA rules) and then does nothing but fork
 * workers on request (the worker socket arrives by SCM_RIGHTS and becomes
 * the child's descriptor 3; the child enters the sandbox and serves: a
 * worker starts in a millisecond, not the tens an exec and the loading
 * take), fork converters (LibreOffice for legacy Office, which a confined
 * owner could not run itself), and kill and reap them on request, answering
 * with the exit status.  A worker's memory is the spawner's: a fresh
 * program's, holding the policy and no key, no path of a store, no
 * connection string.  Workers die with the spawner (PR_SET_PDEATHSIG), the
 * spawner with its owner; the spawner never sees an item's bytes.
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

/* What the spawner program is told, once, when it starts. */
struct spawner_setup {
	struct policy pol;		/* the sanitising policy */
	char libreoffice[512];		/* the converter's program, "" none */
};

struct spawner {
	pid_t pid;
	int fd;
	pthread_mutex_t mu;
};

/* Start the spawner: program (sekisho-worker) exec'd as "--spawner", as
 * user (the caller is root; NULL: it stays this user, so that a confined
 * owner need never fork), told cfg's policy and LibreOffice program and
 * nothing else; returns once it has loaded what sanitising needs.  -2
 * when the configuration cannot be loaded (YARA rules that do not compile),
 * -1 when the spawner cannot be started; either with the reason. */
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

/* The spawner program's side (sekisho-worker --spawner): its setup from
 * its socket (0, or -1 when it is not a whole setup); then, once it loaded
 * what sanitising needs, spawner_ready (error NULL: ready; else why it
 * cannot serve, which spawner_start returns to the owner); then requests
 * until its owner is gone; each worker child calls serve with the policy. */
int spawner_read_setup(int fd, struct spawner_setup *setup);
void spawner_ready(int fd, const char *error);
void spawner_serve(int fd, const struct spawner_setup *setup,
    void (*serve)(const struct policy *pol)) __attribute__((noreturn));

#endif
