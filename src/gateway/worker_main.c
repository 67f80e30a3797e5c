/*
 * sekisho-worker - the sandboxed worker program.
 *
 * Started fresh (execve) by worker_start() or a spawner, with its socket
 * to the parent as descriptor 3 and nothing else: no key, no store, no
 * configuration but the sanitising policy the parent sends first (frame.h,
 * "SKPO").  Because it is a new program, nothing of the parent's memory
 * (keys, connection strings, other items) is in it.  It refuses to run as
 * root, loads what sanitising needs (GMime, charset converters, libmagic,
 * fonts, YARA rules), enters the sandbox and answers requests until EOF; it
 * leaves after the answer that spends its CPU budget (FRAME_STATUS_RETIRE).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cdr/cdr.h"
#include "cdr/item.h"
#include "core/xalloc.h"
#include "gateway/frame.h"
#include "gateway/sandbox.h"
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

static void __attribute__((noreturn))
serve(const struct policy *pol)
{
	struct sandbox_limits sl = {
		.memory_bytes = pol->lim.memory_bytes,
		.cpu_seconds = pol->lim.seconds,
	};
	struct buf item, out, receipt;
	char err[512];

	if (cdr_init(pol, err, sizeof err) != 0)
		die("worker: %s", err);
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
		if (kind == FRAME_FILE)
			status = cdr_file_item(pol, id, t, name[0] ? name : NULL,
			    (const unsigned char *)buf_str(&item), item.len, &out, &receipt);
		else
			status = sanitize_mail_env(pol, id, t, &env,
			    (const unsigned char *)buf_str(&item), item.len, &out, &receipt);
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
	static struct policy pol;	/* large: not on the stack */
	uid_t r, e, s;

	prctl(PR_SET_NAME, "sk-worker");	/* visible to operators (and the fault test) */
	if (getresuid(&r, &e, &s) != 0 || r == 0 || e == 0 || s == 0)
		die("sekisho-worker: refusing to run as root (worker_user)");
	if (frame_read_policy(WORKER_FD, &pol) != 0)
		die("sekisho-worker: no policy from the parent on descriptor %d", WORKER_FD);
	sanitize_init();
	serve(&pol);
}
