/*
 * worker - sandboxed sanitising process.  See worker.h.
 */
#include "gateway/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/digest.h"
#include "core/jsonread.h"
#include "core/xalloc.h"
#include "dlp/inspect.h"
#include "gateway/frame.h"
#include "gateway/privsep.h"
#include "gateway/spawner.h"
#include "mime/preview.h"
#include "receipt/receipt.h"
#include "receipt/receipt_read.h"
#include "scan/clamd.h"


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
worker_clamd_check(const struct config *cfg, const void *p, size_t n, const char *when,
    char *reason, size_t reasonlen, char *detail, size_t detaillen)
{
	char what[256];
	int v;

	if (cfg->clamd_socket[0] == '\0')
		return 0;
	v = clamd_scan(cfg->clamd_socket, p, n, (unsigned)cfg->pol.lim.seconds, what, sizeof what);
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

/* Kill and reap a worker (through the spawner that started it); its wait
 * status, -1 when it cannot be known. */
static void
reap(struct worker *wk, int *st)
{
	*st = 0;
	if (wk->spawner == NULL || spawner_reap(wk->spawner, wk->pid, st) != 0)
		*st = -1;
}

/* ---- starting workers ---------------------------------------------------- */

static struct {
	int ready;
	char program[PATH_MAX];	/* the sekisho-worker program */
	int switch_user;	/* this process is root: workers become user */
	struct run_user user;
	struct spawner *spawner;	/* a process that dropped root starts them here */
} L;

/* The worker program: in the folder of this program (a build tree), else
 * where the installation puts it (SEKISHO_LIBEXECDIR).  No search path and
 * no environment variable: root runs whatever is found. */
static int
find_program(struct buf *err)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(L.program, sizeof L.program, "%s/sekisho-worker", self) <
			    sizeof L.program && access(L.program, X_OK) == 0)
				return 0;
		}
	}
	if ((size_t)snprintf(L.program, sizeof L.program, "%s/sekisho-worker",
	    SEKISHO_LIBEXECDIR) < sizeof L.program && access(L.program, X_OK) == 0)
		return 0;
	buf_printf(err, "the worker program sekisho-worker is neither beside %s nor in %s",
	    n > 0 ? self : "this program", SEKISHO_LIBEXECDIR);
	return -1;
}

int
worker_launch_init(const struct config *cfg, struct buf *err)
{
	if (L.ready)
		return 0;
	if (find_program(err) != 0)
		return -1;
	L.switch_user = privsep_can_switch();
	if (L.switch_user && privsep_lookup(cfg->worker_user, &L.user, err) != 0)
		return -1;
	L.ready = 1;
	return 0;
}

int
worker_launch_spawner(const struct config *cfg, struct buf *err)
{
	static struct spawner sp;
	int r;

	if (worker_launch_init(cfg, err) != 0)
		return -1;
	if (L.spawner != NULL)
		return 0;
	if ((r = spawner_start(&sp, L.switch_user ? &L.user : NULL, L.program, cfg, err)) != 0)
		return r;
	L.spawner = &sp;
	return 0;
}

const char *
worker_program(void)
{
	return L.ready ? L.program : NULL;
}

void
worker_use_spawner(struct spawner *sp)
{
	L.spawner = sp;
}

void
worker_exec_prepare(int keep)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	sigset_t none;

	/* A threaded parent (the milter) blocks some signals; a worker must
	 * not, or SIGXCPU could not end a runaway item. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* stdin and stdout belong to the parent (it may write output there) */
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
		_exit(126);
	if (null > 2)
		close(null);
	if (keep != WORKER_FD) {
		if (dup2(keep, WORKER_FD) < 0)
			_exit(126);
		close(keep);
	} else if (fcntl(WORKER_FD, F_SETFD, 0) != 0)
		_exit(126);
	for (int fd = WORKER_FD + 1; fd < 1024; fd++)
		close(fd);
}

int
worker_start(struct worker *wk, const struct config *cfg)
{
	struct buf err;
	int sv[2];
	pid_t pid;

	memset(wk, 0, sizeof *wk);
	wk->cfg = cfg;
	wk->fd = -1;
	buf_init(&err, 512);
	/* every worker comes from a spawner (one per process; a daemon process
	 * started its own while still root) */
	if (worker_launch_spawner(cfg, &err) != 0) {
		fprintf(stderr, "sekisho: %s\n", buf_str(&err));
		buf_free(&err);
		errno = ENOENT;
		return -1;
	}
	buf_free(&err);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	if (spawner_spawn(L.spawner, sv[1], &pid) != 0) {
		pid = -1;
		errno = ECHILD;
	}
	wk->spawner = L.spawner;
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	wk->pid = pid;
	wk->fd = sv[0];
	/* the policy first: the worker reads it before anything else */
	if (frame_write_policy(wk->fd, &cfg->pol) != 0) {
		int st;

		close(wk->fd);
		wk->fd = -1;
		reap(wk, &st);
		return -1;
	}
	return 0;
}

void
worker_stop(struct worker *wk)
{
	int st;

	if (wk->fd >= 0)
		close(wk->fd);	/* it exits when its socket closes; make sure */
	wk->fd = -1;
	if (wk->pid > 0)
		reap(wk, &st);
	wk->pid = 0;
}

static void
describe_death(struct worker *wk, char *detail, size_t n)
{
	int st;

	reap(wk, &st);
	if (st == -1)
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

/*
 * The worker's receipt is untrusted: read by the one reader, and it must be
 * about the item asked for, with the verdict the status says.
 */
static int
answer_check(const char *id, int kind, int status, const struct buf *out,
    const struct buf *receipt, char *detail, size_t detail_size)
{
	struct receipt_view v;
	struct buf why;
	int r = -1;

	buf_init(&why, 512);
	if (kind == FRAME_PREVIEW) {
		struct json_value jv;

		/* a PNG with its facts, or nothing with the reason */
		if (json_check(buf_str(receipt), receipt->len, &jv, &why) != 0 ||
		    jv.type != JV_OBJECT)
			snprintf(detail, detail_size, "worker answered a malformed preview: %s",
			    buf_str(&why));
		else if (status == PREVIEW_OK ? out->len < 8 ||
		    memcmp(out->data, "\x89PNG\r\n\x1a\n", 8) != 0 :
		    status != PREVIEW_NONE || out->len != 0)
			snprintf(detail, detail_size, "worker's preview and status disagree");
		else
			r = 0;
		buf_free(&why);
		return r;
	}
	if (kind == FRAME_INSPECT) {
		struct findings_view fv;

		if (findings_read(buf_str(receipt), receipt->len, id, &fv, &why) != 0)
			snprintf(detail, detail_size, "worker answered malformed findings: %s",
			    buf_str(&why));
		else if ((status == INSPECT_FOUND) != (fv.n + fv.not_listed > 0) ||
		    (status != INSPECT_FOUND && status != INSPECT_CLEAN) || out->len != 0)
			snprintf(detail, detail_size, "worker's status and findings disagree");
		else
			r = 0;
		findings_view_free(&fv);
		buf_free(&why);
		return r;
	}
	if (status != WORKER_SANITIZED && status != WORKER_WITHHELD) {
		snprintf(detail, detail_size, "worker answered status %d", status);
		buf_free(&why);
		return -1;
	}
	if (receipt_read(buf_str(receipt), receipt->len, &v, &why) != 0)
		snprintf(detail, detail_size, "worker answered a malformed receipt: %s",
		    buf_str(&why));
	else if (strcmp(v.id, id) != 0)
		snprintf(detail, detail_size, "worker answered with the receipt of another item");
	else if ((status == WORKER_WITHHELD) != (v.verdict == VERDICT_WITHHELD))
		snprintf(detail, detail_size, "worker's status and receipt disagree");
	else
		r = 0;
	receipt_view_free(&v);
	buf_free(&why);
	return r;
}

static int
parent_convert(void *arg, const char *ext, const struct buf *in, struct buf *pdf,
    long long deadline_ms, char *err, size_t errlen)
{
	const struct worker *wk = arg;
	int sv[2], r, st;
	pid_t pid;

	/* the spawner starts a converter: LibreOffice runs as worker_user (when
	 * this process could choose), never in this process (which may be
	 * confined) */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	r = spawner_convert(wk->spawner, sv[1], &pid);
	close(sv[1]);
	if (r != 0) {
		close(sv[0]);
		snprintf(err, errlen, "the converter could not be started");
		return -1;
	}
	r = frame_request_convert_by(sv[0], ext, in->data, in->len, pdf, deadline_ms);
	close(sv[0]);
	spawner_reap(wk->spawner, pid, &st);
	if (r == 0)
		return 0;
	if (r == 1) {	/* failed: the reason is what it answered */
		snprintf(err, errlen, "%s", buf_str(pdf));
		buf_reset(pdf);
	} else {
		buf_reset(pdf);
		snprintf(err, errlen, "the converter gave no answer within time_limit");
	}
	return -1;
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
	const struct policy *pol = &wk->cfg->pol;
	long long deadline = clock_mono_ms() + (long long)pol->lim.seconds * 1000;
	const struct frame_converter conv = {
		.convert = parent_convert,
		.arg = wk,
		.in_max = worker_input_max(pol),
		.pdf_max = pol->lim.file_out_bytes,
	};
	int status = -1, r;

	detail[0] = '\0';
	if (wk->fd < 0 && worker_start(wk, wk->cfg) != 0) {
		snprintf(detail, detail_size, "cannot start worker: %s", strerror(errno));
		return WORKER_FAILED;
	}
	if (frame_write_request(wk->fd, id, time, kind, name, env, item, len) != 0)
		r = -1;
	else
		r = frame_read_response(wk->fd, &status, out, receipt, deadline, &conv);
	if (r == 0 && answer_check(id, kind, status & ~FRAME_STATUS_RETIRE, out, receipt, detail,
	    detail_size) != 0)
		r = -3;
	if (r == 0) {
		int retiring = (status & FRAME_STATUS_RETIRE) != 0;

		status &= ~FRAME_STATUS_RETIRE;
		/* retire a worker after worker_max_items (whatever an item may
		 * have left behind in its memory does not outlive the next one),
		 * or when it leaves on its own (its CPU budget is spent) */
		if (++wk->items >= wk->cfg->worker_max_items || retiring) {
			const struct config *cfg = wk->cfg;

			worker_stop(wk);
			wk->cfg = cfg;
			wk->fd = -1;
			wk->items = 0;
		}
		return status;
	}
	buf_reset(out);
	buf_reset(receipt);
	if (r == -2)
		snprintf(detail, detail_size, "no answer within time_limit (%zu s)",
		    pol->lim.seconds);
	close(wk->fd);
	wk->fd = -1;
	/* kills and reaps; on timeout or a bad receipt the description is set */
	if (r == -2 || r == -3) {
		char ignored[8];

		describe_death(wk, ignored, sizeof ignored);
	} else
		describe_death(wk, detail, detail_size);
	wk->pid = 0;
	return r == -2 ? WORKER_TIMEOUT : WORKER_FAILED;
}

int
worker_run_scanned(struct worker *wk, int kind, const char *name,
    const struct receipt_envelope *env, const char *id, long long time, const void *item,
    size_t len, struct buf *out, struct buf *receipt, char *detail, size_t detail_size)
{
	const struct config *cfg = wk->cfg;
	char reason[32];
	struct buf in = { .data = (char *)(uintptr_t)item, .len = len, .cap = len, .max = len };
	int r;

	if (worker_clamd_check(cfg, item, len, "original", reason, sizeof reason, detail,
	    detail_size))
		goto hit;
	r = worker_run_item(wk, kind, name, env, id, time, item, len, out, receipt, detail,
	    detail_size);
	if (r != WORKER_SANITIZED || !worker_clamd_check(cfg, buf_str(out), out->len,
	    "sanitised output", reason, sizeof reason, detail, detail_size))
		return r;
hit:
	buf_reset(out);
	buf_reset(receipt);
	if (strcmp(reason, "scan-failed") == 0)
		return WORKER_SCAN_FAILED;
	worker_parent_receipt_item(&cfg->pol, kind, name, id, time, &in, len, reason, detail,
	    receipt);
	return WORKER_WITHHELD;
}
