/*
 * worker - sandboxed sanitising process.  See worker.h.
 */
#include "gateway/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cdr/cdr.h"
#include "cdr/item.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "gateway/convert.h"
#include "gateway/frame.h"
#include "gateway/sandbox.h"
#include "mime/sanitize.h"
#include "receipt/receipt.h"
#include "scan/clamd.h"

#define RECEIPT_MAX (64u * 1024 * 1024)
#define WORKER_FD 3

/* A Message-ID the MTA handed over, kept only if it is plain printable ASCII. */
static int
printable_id(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || n >= 998)
			return 0;
	return n > 0;
}

static void
parent_receipt(const struct policy *pol, int kind, const char *name, const char *message_id,
    const char *id, long long time, const struct buf *item, size_t total,
    const char *reason, const char *detail, struct buf *json)
{
	struct receipt rc;

	receipt_init(&rc, id, time);
	if (kind == FRAME_FILE) {
		rc.kind = "file";
		receipt_set(&rc.in.filename, name);
	}
	if (message_id != NULL && printable_id(message_id))
		receipt_set(&rc.in.message_id, message_id);
	memcpy(rc.policy_digest, pol->digest, sizeof rc.policy_digest);
	rc.in.bytes = total;
	if (item != NULL)
		sha256_hex(buf_str(item), item->len, rc.in.sha256);
	else if (kind == FRAME_FILE)
		receipt_limit(&rc, "file_size_limit", pol->lim.file_bytes, NULL);
	else
		receipt_limit(&rc, "message_size_limit", pol->lim.message_bytes, NULL);
	receipt_withhold(&rc, reason, detail);
	receipt_json(&rc, json);
	receipt_free(&rc);
}

void
worker_parent_receipt(const struct policy *pol, const char *id, long long time,
    const struct buf *item, size_t total, const char *reason, const char *detail,
    struct buf *json)
{
	parent_receipt(pol, FRAME_MAIL, NULL, NULL, id, time, item, total, reason, detail, json);
}

void
worker_parent_receipt_msgid(const struct policy *pol, const char *id, long long time,
    const struct buf *item, size_t total, const char *reason, const char *detail,
    const char *message_id, struct buf *json)
{
	parent_receipt(pol, FRAME_MAIL, NULL, message_id, id, time, item, total, reason, detail,
	    json);
}

void
worker_parent_receipt_item(const struct policy *pol, int kind, const char *name,
    const char *id, long long time, const struct buf *item, size_t total,
    const char *reason, const char *detail, struct buf *json)
{
	parent_receipt(pol, kind, name, NULL, id, time, item, total, reason, detail, json);
}

int
worker_clamd_check(const struct policy *pol, const void *p, size_t n, const char *when,
    char *reason, size_t reasonlen, char *detail, size_t detaillen)
{
	char what[256];
	int v;

	if (pol->clamd_socket[0] == '\0')
		return 0;
	v = clamd_scan(pol->clamd_socket, p, n, (unsigned)pol->lim.seconds, what, sizeof what);
	if (v == CLAMD_CLEAN)
		return 0;
	if (v == CLAMD_FOUND) {
		snprintf(reason, reasonlen, "virus");
		snprintf(detail, detaillen, "clamd found %s in the %s", what, when);
	} else {
		snprintf(reason, reasonlen, "scan-failed");
		snprintf(detail, detaillen, "the %s could not be scanned: %s", when, what);
	}
	return 1;
}

size_t
worker_output_max(const struct policy *pol)
{
	/* base64 of the text (4/3) plus notice and headers, plus sanitised
	 * attachments (base64 of at most file_output_size_limit) */
	return pol->lim.text_bytes / 3 * 4 + pol->lim.text_bytes / 38 + 4u * 1024 * 1024 +
	    pol->lim.file_out_bytes / 3 * 4 + pol->lim.file_out_bytes / 38;
}

size_t
worker_input_max(const struct policy *pol)
{
	return pol->lim.message_bytes > pol->lim.file_bytes ? pol->lim.message_bytes :
	    pol->lim.file_bytes;
}

/* Worker side of cdr's converter hook: the parent runs LibreOffice. */
static int
ask_parent_to_convert(const unsigned char *in, size_t len, const char *ext, struct buf *pdf,
    char *err, size_t errlen)
{
	int r = frame_request_convert(WORKER_FD, ext, in, len, pdf);

	if (r == 0)
		return 0;
	if (r < 0)
		_exit(1);	/* the parent is gone or broke the protocol */
	snprintf(err, errlen, "%s", buf_str(pdf));
	buf_reset(pdf);
	return -1;
}

static void
close_other_fds(int keep)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* stdin and stdout belong to the parent (it may write output there) */
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
		die("cannot redirect worker stdio: %s", strerror(errno));
	if (null > 2)
		close(null);
	if (keep != WORKER_FD) {
		if (dup2(keep, WORKER_FD) < 0)
			die("dup2: %s", strerror(errno));
		close(keep);
	}
	for (int fd = WORKER_FD + 1; fd < 1024; fd++)
		close(fd);
}

static void __attribute__((noreturn))
serve(const struct policy *pol)
{
	struct sandbox_limits sl = {
		.memory_bytes = pol->lim.memory_bytes,
		.cpu_seconds = pol->lim.seconds,
	};
	struct buf item, out, receipt;
	char err[512];

	prctl(PR_SET_NAME, "sk-worker");	/* visible to operators (and the fault test) */
	if (cdr_init(pol, err, sizeof err) != 0)
		die("worker: %s", err);
	cdr_set_converter(pol->legacy_office == LEGACY_CONVERT && pol->libreoffice[0] != '\0' ?
	    ask_parent_to_convert : NULL);
	sandbox_enter(&sl);
	buf_init(&item, worker_input_max(pol));
	buf_init(&out, worker_output_max(pol));
	buf_init(&receipt, RECEIPT_MAX);
	for (;;) {
		char id[FRAME_ID_MAX], name[FRAME_NAME_MAX];
		struct receipt_envelope env;
		long long t;
		int status, kind;

		buf_reset(&item);
		buf_reset(&out);
		buf_reset(&receipt);
		if (frame_read_request(WORKER_FD, id, &t, &kind, name, &env, &item) != 0)
			_exit(0);
		sandbox_item_cpu(pol->lim.seconds);
		if (kind == FRAME_FILE)
			status = cdr_file_item(pol, id, t, name[0] ? name : NULL,
			    (const unsigned char *)buf_str(&item), item.len, &out, &receipt);
		else
			status = sanitize_mail_env(pol, id, t, &env,
			    (const unsigned char *)buf_str(&item), item.len, &out, &receipt);
		if (frame_write_response(WORKER_FD, status, &out, &receipt) != 0)
			_exit(1);
	}
}

int
worker_start(struct worker *wk, const struct policy *pol)
{
	int sv[2];
	pid_t pid;

	memset(wk, 0, sizeof *wk);
	wk->pol = pol;
	wk->fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;

		/* A threaded parent (the milter) blocks some signals; a worker
		 * must not, or SIGXCPU could not end a runaway item. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(sv[0]);
		close_other_fds(sv[1]);
		serve(pol);
	}
	close(sv[1]);
	wk->pid = pid;
	wk->fd = sv[0];
	return 0;
}

void
worker_stop(struct worker *wk)
{
	int st;

	if (wk->fd >= 0)
		close(wk->fd);
	wk->fd = -1;
	if (wk->pid > 0) {
		/* closing the socket makes it exit; make sure */
		if (waitpid(wk->pid, &st, WNOHANG) == 0) {
			usleep(1000);
			if (waitpid(wk->pid, &st, WNOHANG) == 0) {
				kill(wk->pid, SIGKILL);
				waitpid(wk->pid, &st, 0);
			}
		}
	}
	wk->pid = 0;
}

static void
describe_death(pid_t pid, char *detail, size_t n)
{
	int st = 0;

	kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) < 0)
		snprintf(detail, n, "worker vanished");
	else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
		snprintf(detail, n, "worker killed by the sandbox (forbidden system call)");
	else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGXCPU)
		snprintf(detail, n, "worker exceeded its CPU time limit");
	else if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
		snprintf(detail, n, "worker killed by signal %d", WTERMSIG(st));
	else if (WIFEXITED(st))
		snprintf(detail, n, "worker exited with status %d", WEXITSTATUS(st));
	else
		snprintf(detail, n, "worker answered a malformed frame");
}

static int
parent_convert(void *arg, const char *ext, const struct buf *in, struct buf *pdf,
    long long deadline_ms, char *err, size_t errlen)
{
	const struct policy *pol = arg;

	return convert_to_pdf(pol, ext, in->data, in->len, pdf, deadline_ms, err, errlen);
}

int
worker_run(struct worker *wk, const char *id, long long time, const void *item,
    size_t len, struct buf *out, struct buf *receipt, char *detail, size_t detail_size)
{
	return worker_run_item(wk, FRAME_MAIL, NULL, NULL, id, time, item, len, out, receipt,
	    detail, detail_size);
}

int
worker_run_item(struct worker *wk, int kind, const char *name,
    const struct receipt_envelope *env, const char *id, long long time, const void *item,
    size_t len, struct buf *out, struct buf *receipt, char *detail, size_t detail_size)
{
	long long deadline = clock_mono_ms() + (long long)wk->pol->lim.seconds * 1000;
	const struct frame_converter conv = {
		.convert = parent_convert,
		.arg = (void *)(uintptr_t)wk->pol,
		.in_max = worker_input_max(wk->pol),
		.pdf_max = wk->pol->lim.file_out_bytes,
	};
	int status = -1, r;

	detail[0] = '\0';
	if (wk->fd < 0 && worker_start(wk, wk->pol) != 0) {
		snprintf(detail, detail_size, "cannot start worker: %s", strerror(errno));
		return WORKER_FAILED;
	}
	if (frame_write_request(wk->fd, id, time, kind, name, env, item, len) != 0)
		r = -1;
	else
		r = frame_read_response(wk->fd, &status, out, receipt, deadline, &conv);
	if (r == 0) {
		/* retire a worker after worker_max_items: whatever an item may
		 * have left behind in its memory does not outlive the next one */
		if (++wk->items >= wk->pol->worker_max_items) {
			const struct policy *pol = wk->pol;

			worker_stop(wk);
			wk->pol = pol;
			wk->fd = -1;
			wk->items = 0;
		}
		return status;
	}
	buf_reset(out);
	buf_reset(receipt);
	if (r == -2)
		snprintf(detail, detail_size, "no answer within time_limit (%zu s)",
		    wk->pol->lim.seconds);
	close(wk->fd);
	wk->fd = -1;
	/* kills and reaps; on timeout the description is already set */
	if (r == -2) {
		char ignored[8];

		describe_death(wk->pid, ignored, sizeof ignored);
	} else
		describe_death(wk->pid, detail, detail_size);
	wk->pid = 0;
	return r == -2 ? WORKER_TIMEOUT : WORKER_FAILED;
}

int
worker_run_scanned(struct worker *wk, int kind, const char *name,
    const struct receipt_envelope *env, const char *id, long long time, const void *item,
    size_t len, struct buf *out, struct buf *receipt, char *detail, size_t detail_size)
{
	const struct policy *pol = wk->pol;
	char reason[32];
	struct buf in = { .data = (char *)(uintptr_t)item, .len = len, .cap = len, .max = len };
	int r;

	if (worker_clamd_check(pol, item, len, "original", reason, sizeof reason, detail,
	    detail_size))
		goto hit;
	r = worker_run_item(wk, kind, name, env, id, time, item, len, out, receipt, detail,
	    detail_size);
	if (r != WORKER_SANITIZED || !worker_clamd_check(pol, buf_str(out), out->len,
	    "sanitised output", reason, sizeof reason, detail, detail_size))
		return r;
hit:
	buf_reset(out);
	buf_reset(receipt);
	if (strcmp(reason, "scan-failed") == 0)
		return WORKER_SCAN_FAILED;
	worker_parent_receipt_item(pol, kind, name, id, time, &in, len, reason, detail, receipt);
	return WORKER_WITHHELD;
}
