/*
 * worker - sandboxed sanitising process.  See worker.h.
 */
#include "gateway/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "gateway/frame.h"
#include "gateway/sandbox.h"
#include "mime/sanitize.h"
#include "receipt/receipt.h"

#define RECEIPT_MAX (64u * 1024 * 1024)
#define WORKER_FD 3

void
worker_parent_receipt(const struct policy *pol, const char *id, long long time,
    const struct buf *item, size_t total, const char *reason, const char *detail,
    struct buf *json)
{
	struct receipt rc;

	receipt_init(&rc, id, time);
	memcpy(rc.policy_digest, pol->digest, sizeof rc.policy_digest);
	rc.in.bytes = total;
	if (item != NULL)
		sha256_hex(buf_str(item), item->len, rc.in.sha256);
	else
		receipt_limit(&rc, "message_size_limit", pol->lim.message_bytes, NULL);
	receipt_withhold(&rc, reason, detail);
	receipt_json(&rc, json);
	receipt_free(&rc);
}

size_t
worker_output_max(const struct policy *pol)
{
	/* base64 of the text (4/3) plus notice and headers */
	return pol->lim.text_bytes / 3 * 4 + pol->lim.text_bytes / 38 + 4u * 1024 * 1024;
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

	prctl(PR_SET_NAME, "sk-worker");	/* visible to operators (and the fault test) */
	sandbox_enter(&sl);
	buf_init(&item, pol->lim.message_bytes);
	buf_init(&out, worker_output_max(pol));
	buf_init(&receipt, RECEIPT_MAX);
	for (;;) {
		char id[FRAME_ID_MAX];
		long long t;
		int status;

		buf_reset(&item);
		buf_reset(&out);
		buf_reset(&receipt);
		if (frame_read_request(WORKER_FD, id, &t, &item) != 0)
			_exit(0);
		sandbox_item_cpu(pol->lim.seconds);
		status = sanitize_mail(pol, id, t, (const unsigned char *)buf_str(&item),
		    item.len, &out, &receipt);
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

int
worker_run(struct worker *wk, const char *id, long long time, const void *item,
    size_t len, struct buf *out, struct buf *receipt, char *detail, size_t detail_size)
{
	long long deadline = now_ms() + (long long)wk->pol->lim.seconds * 1000;
	int status = -1, r;

	detail[0] = '\0';
	if (wk->fd < 0 && worker_start(wk, wk->pol) != 0) {
		snprintf(detail, detail_size, "cannot start worker: %s", strerror(errno));
		return WORKER_FAILED;
	}
	if (frame_write_request(wk->fd, id, time, item, len) != 0)
		r = -1;
	else
		r = frame_read_response(wk->fd, &status, out, receipt, deadline);
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
