/*
 * sekisho-worker - the sandboxed worker program, and the spawner it forks
 * its workers in.
 *
 * "sekisho-worker --spawner" is started fresh (execve) by spawner_start(),
 * as worker_user, with its socket to its owner as descriptor 3 and nothing
 * else: no key, no store, no configuration but the sanitising policy and
 * the LibreOffice program its owner sends (spawner.h).  Because it is a new
 * program, nothing of the owner's memory (keys, connection strings, other
 * items) is in it.  It refuses to run as root, loads once what sanitising
 * needs (GMime, charset converters, libmagic, fonts, YARA rules) and forks a
 * worker per request: the worker reads the policy its parent sends first
 * (frame.h, "SKPO"; it must be the one the spawner loaded), enters the
 * sandbox and answers requests until EOF; it leaves after the answer that
 * spends its CPU budget (FRAME_STATUS_RETIRE).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cdr/cdr.h"
#include "cdr/item.h"
#include "core/xalloc.h"
#include "dlp/inspect.h"
#include "gateway/frame.h"
#include "mime/preview.h"
#include "gateway/sandbox.h"
#include "gateway/spawner.h"
#include "gateway/worker.h"
#include "mime/sanitize.h"

#define RECEIPT_MAX (64u * 1024 * 1024)

/* cdr's converter hook: the parent runs LibreOffice outside the sandbox. */
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

/* A worker, forked by the spawner: everything is loaded already. */
static void __attribute__((noreturn))
serve(const struct policy *loaded)
{
	static struct policy given;	/* large: not on the stack */
	const struct policy *pol = loaded;
	struct sandbox_limits sl = {
		.memory_bytes = pol->lim.memory_bytes,
		.cpu_seconds = pol->lim.seconds,
	};
	struct buf item, out, receipt;

	/* the parent's policy first; it must be the one loaded (a reload
	 * starts new owners with new spawners) */
	if (frame_read_policy(WORKER_FD, &given) != 0 || memcmp(&given, loaded, sizeof given) != 0)
		die("sekisho-worker: the parent's policy is not the spawner's");
	cdr_set_converter(pol->can_convert ? ask_parent_to_convert : NULL);
	sandbox_enter(&sl);
	buf_init(&item, worker_input_max(pol));
	buf_init(&out, worker_output_max(pol));
	buf_init(&receipt, RECEIPT_MAX);
	for (;;) {
		char id[FRAME_ID_MAX], name[FRAME_NAME_MAX];
		struct receipt_envelope env;
		long long t;
		int status, kind, retire;

		buf_reset(&item);
		buf_reset(&out);
		buf_reset(&receipt);
		if (frame_read_request(WORKER_FD, id, &t, &kind, name, &env, &item) != 0)
			_exit(0);
		if (kind == FRAME_UNLOCK)
			status = preview_unlock(pol, id, t, name, (const unsigned char *)buf_str(&item),
			    item.len, &out, &receipt);
		else if (kind == FRAME_PREVIEW)
			status = preview_render(pol, name, (const unsigned char *)buf_str(&item),
			    item.len, &out, &receipt);
		else if (kind == FRAME_INSPECT)
			status = dlp_inspect(pol, id, name[0] ? name : NULL,
			    (const unsigned char *)buf_str(&item), item.len, &receipt);
		else if (kind == FRAME_FILE)
			status = cdr_file_item(pol, id, t, name[0] ? name : NULL,
			    (const unsigned char *)buf_str(&item), item.len, &out, &receipt);
		else
			status = sanitize_mail_env(pol, id, t, &env,
			    (const unsigned char *)buf_str(&item), item.len, &out, &receipt);
		if (kind == FRAME_UNLOCK)
			explicit_bzero(name, sizeof name);	/* the password */
		/* the next item must find a whole time_limit of CPU left */
		retire = sandbox_cpu_left() < (long long)pol->lim.seconds + 1;
		if (frame_write_response(WORKER_FD, status | (retire ? FRAME_STATUS_RETIRE : 0),
		    &out, &receipt) != 0 || retire)
			_exit(retire ? 0 : 1);
	}
}

int
main(int argc, char **argv)
{
	static struct spawner_setup setup;	/* large: not on the stack */
	uid_t r, e, s;
	char err[512];

	if (argc != 2 || strcmp(argv[1], "--spawner") != 0)
		die("usage: sekisho-worker --spawner (started by sekisho and sekishod only)");
	prctl(PR_SET_NAME, "sk-spawn");
	if (getresuid(&r, &e, &s) != 0 || r == 0 || e == 0 || s == 0)
		die("sekisho-worker: refusing to run as root (worker_user)");
	if (spawner_read_setup(WORKER_FD, &setup) != 0)
		die("sekisho-worker: no setup from its owner on descriptor %d", WORKER_FD);
	sanitize_init();
	if (cdr_init(&setup.pol, err, sizeof err) != 0) {
		spawner_ready(WORKER_FD, err);	/* the owner says it, with its context */
		_exit(2);
	}
	spawner_ready(WORKER_FD, NULL);
	spawner_serve(WORKER_FD, &setup, serve);
}
