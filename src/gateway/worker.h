/*
 * worker - a sandboxed process that sanitises items sent by its parent.
 *
 * The parent (the CLI, a delivery agent, the milter) starts a worker with
 * worker_start(): a fresh program (sekisho-worker, execve'd, so none of the
 * parent's memory is in it) with only its socket as descriptor 3, run as
 * worker_user when the parent may choose users (directly when the parent is
 * root, else through the spawner the parent started while it was root),
 * given the sanitising policy and nothing else; it enters the sandbox and
 * serves requests until EOF (gateway/worker_main.c).
 * worker_run() sends one item and waits at most time_limit seconds for the
 * answer, which it validates like any untrusted input.  A worker that dies,
 * answers garbage or runs out of time is killed and reaped, and the item is
 * withheld with reason "worker-failed" or "time_limit"; the caller starts a
 * fresh worker for the next item.
 */
#ifndef SEKISHO_GATEWAY_WORKER_H
#define SEKISHO_GATEWAY_WORKER_H

#include <sys/types.h>

#include "core/buf.h"
#include "policy/config.h"
#include "receipt/receipt.h"

#define WORKER_FD 3	/* the worker's socket, in the worker */

struct spawner;

struct worker {
	pid_t pid;
	int fd;
	const struct config *cfg;	/* the worker itself gets only cfg->pol */
	size_t items;
	struct spawner *spawner;	/* started by it, or NULL: our own child */
};

enum worker_outcome {
	WORKER_SANITIZED = 0,
	WORKER_WITHHELD = 10,
	WORKER_FAILED = -1,	/* died or answered garbage: item withheld by caller */
	WORKER_TIMEOUT = -2,
	WORKER_SCAN_FAILED = -3,	/* clamd gave no verdict: caller retries or withholds */
};

/*
 * Find the worker program and, in a process running as root, the
 * worker_user (worker_start does it on first use; a threaded process calls
 * it before its threads, a daemon to fail early).  -1 with a reason.
 */
int worker_launch_init(const struct config *cfg, struct buf *err);
/* A command run as root (sekisho mail|file): workers and LibreOffice
 * conversions through a spawner running as worker_user, so that nothing
 * this process starts runs as root (another user: the spawner runs as it).
 * 0; -2 when the configuration cannot be loaded (YARA rules), -1 when the
 * spawner cannot start; with the reason in err. */
int worker_launch_spawner(const struct config *cfg, struct buf *err);
/* The program found by worker_launch_init (NULL before). */
const char *worker_program(void);
/* From now on, start workers through this spawner (the process is about to
 * give up root). */
void worker_use_spawner(struct spawner *sp);
/* In a child about to execve the worker: descriptor keep becomes
 * WORKER_FD, every other one closes, stdin/stdout are /dev/null, signals
 * are unblocked, death follows the parent's.  System calls only. */
void worker_exec_prepare(int keep);
int worker_start(struct worker *wk, const struct config *cfg);
void worker_stop(struct worker *wk);
/* out/receipt are filled on SANITIZED/WITHHELD; detail on failure. */
int worker_run(struct worker *wk, const char *id, long long time,
    const void *item, size_t len, struct buf *out, struct buf *receipt,
    char *detail, size_t detail_size);
/* The same for any item: kind FRAME_MAIL or FRAME_FILE, name (may be NULL),
 * env: how a mail item arrived, for its receipt (may be NULL). */
int worker_run_item(struct worker *wk, int kind, const char *name,
    const struct receipt_envelope *env, const char *id, long long time, const void *item,
    size_t len, struct buf *out, struct buf *receipt, char *detail, size_t detail_size);
/*
 * The receipt the parent writes when the worker could not give one: the item
 * is withheld with reason ("worker-failed", "time_limit", or
 * "message_size_limit" when item is NULL because it was too large to read).
 */
void worker_parent_receipt(const struct policy *pol, const char *id, long long time,
    const struct buf *item, size_t total, const char *reason, const char *detail,
    struct buf *json);
/* The same for mail whose Message-ID the MTA told us (the milter): recorded
 * so a withheld message can be found by it. */
void worker_parent_receipt_msgid(const struct policy *pol, const char *id, long long time,
    const struct buf *item, size_t total, const char *reason, const char *detail,
    const char *message_id, struct buf *json);
void worker_parent_receipt_item(const struct policy *pol, int kind, const char *name,
    const char *id, long long time, const struct buf *item, size_t total,
    const char *reason, const char *detail, struct buf *json);
/*
 * worker_run_item() with clamd around it (when clamd_socket is set): the
 * input is scanned before and the output after.  A signature gives
 * WORKER_WITHHELD with the parent's receipt (reason "virus") in receipt; no
 * verdict gives WORKER_SCAN_FAILED with detail set.
 */
int worker_run_scanned(struct worker *wk, int kind, const char *name,
    const struct receipt_envelope *env, const char *id, long long time, const void *item,
    size_t len, struct buf *out, struct buf *receipt, char *detail, size_t detail_size);
/*
 * Parent side: scan bytes with clamd when clamd_socket is set.  0 when clean
 * or no scanner is configured; 1 when the item must be withheld (a
 * signature: reason "virus"; no verdict: "scan-failed"), with detail set.
 */
int worker_clamd_check(const struct config *cfg, const void *p, size_t n, const char *when,
    char *reason, size_t reasonlen, char *detail, size_t detaillen);
/* Output ceiling for one item under a policy (validation of answers). */
size_t worker_output_max(const struct policy *pol);
/* Input ceiling: the larger of message_size_limit and file_size_limit. */
size_t worker_input_max(const struct policy *pol);

#endif
