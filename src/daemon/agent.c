/*
 * agent - the delivery agent loop.  See agent.h.
 */
#include "daemon/agent.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "daemon/outcome.h"
#include "gateway/deliver.h"
#include "gateway/metrics.h"
#include "gateway/frame.h"
#include "gateway/worker.h"
#include "receipt/receipt.h"

#define IDLE_WAIT_MS 1000	/* rescan for deferred items at least this often */
#define RETRY_MAX_SECONDS 3600

static long long
backoff(const struct policy *pol, int attempts)
{
	long long d = (long long)pol->retry_seconds;

	for (int i = 1; i < attempts && d < RETRY_MAX_SECONDS; i++)
		d *= 2;
	return d > RETRY_MAX_SECONDS ? RETRY_MAX_SECONDS : d;
}

/* "verdict":"withheld" in a receipt produced by us */
static int
is_withheld(const struct buf *receipt)
{
	return strstr(buf_str(receipt), "\"verdict\":\"withheld\"") != NULL;
}

/* One claimed spool item.  Returns 0 when it left the spool. */
static int
process(const struct policy *pol, struct spool *sp, struct worker *wk,
    struct outcome *oc, const struct deliver_target *target, const char *helo,
    const char *name)
{
	struct envelope env;
	struct buf msg, out, receipt, err;
	char id[RECEIPT_ID_MAX], detail[256];
	long long now = (long long)time(NULL);
	int r, outcome;
	double t;

	buf_init(&msg, pol->lim.message_bytes);
	buf_init(&out, worker_output_max(pol));
	buf_init(&receipt, 64u * 1024 * 1024);
	buf_init(&err, 1024);
	if (spool_read(sp, name, &env, &msg, &err) != 0) {
		/* unreadable spool file: leave it in active/ for the operator */
		syslog(LOG_CRIT, "%s: %s (left in %s/active)", name, buf_str(&err), sp->dir);
		r = -1;
		goto out;
	}
	receipt_id_new(id, sizeof id, now);
	t = metrics_clock();
	outcome = worker_run_scanned(wk, FRAME_MAIL, NULL, id, now, buf_str(&msg), msg.len, &out,
	    &receipt, detail, sizeof detail);
	metrics_stage(STAGE_SANITIZE, t);
	if (outcome == WORKER_FAILED || outcome == WORKER_TIMEOUT ||
	    outcome == WORKER_SCAN_FAILED) {
		METRIC_ADD(worker_failures, 1);
		env.attempts++;
		syslog(LOG_WARNING, "%s: %s (attempt %d of %zu)", env.qid, detail, env.attempts,
		    pol->worker_attempts);
		if ((size_t)env.attempts < pol->worker_attempts) {
			r = spool_defer(sp, name, &env, now + 1);
			goto out;
		}
		worker_parent_receipt(pol, id, now, &msg, msg.len,
		    outcome == WORKER_TIMEOUT ? "time_limit" : outcome == WORKER_SCAN_FAILED ?
		    "scan-failed" : "worker-failed", detail, &receipt);
		outcome = WORKER_WITHHELD;
	}
	if (outcome == WORKER_SANITIZED) {
		enum deliver_result dr;

		buf_reset(&err);
		t = metrics_clock();
		dr = deliver(target, &env, buf_str(&out), out.len, helo, &err);
		metrics_stage(STAGE_DELIVER, t);
		if (dr == DELIVER_TEMPFAIL) {
			METRIC_ADD(deferred, 1);
			env.attempts++;
			syslog(LOG_WARNING, "%s: delivery deferred: %s", env.qid, buf_str(&err));
			r = spool_defer(sp, name, &env, now + backoff(pol, env.attempts));
			goto out;
		}
		if (dr == DELIVER_OK)
			METRIC_ADD(delivered, 1);
		else
			METRIC_ADD(refused_by_next_hop, 1);
		if (dr == DELIVER_PERMFAIL)
			syslog(LOG_ERR, "%s: next hop refused the sanitised message: %s; "
			    "original kept in quarantine", env.qid, buf_str(&err));
	}
	{
		struct buf rcpts;
		struct outcome_item oi = {
			.receipt_id = id, .received = now, .sender = env.sender,
			.receipt_json = buf_str(&receipt), .receipt_len = receipt.len,
			.original = buf_str(&msg), .original_len = msg.len,
		};

		buf_init(&rcpts, SPOOL_RCPT_MAX * (SPOOL_ADDR_MAX + 1));
		for (size_t i = 0; i < env.nrcpt; i++)
			buf_printf(&rcpts, "%s%s", i ? "," : "", env.rcpt[i]);
		oi.recipients = buf_str(&rcpts);
		buf_reset(&err);
		t = metrics_clock();
		r = outcome_record(oc, &oi, &err);
		metrics_stage(STAGE_RECORD, t);
		buf_free(&rcpts);
		if (r != 0) {
			/* not recorded: keep it in the spool and try again */
			syslog(LOG_ERR, "%s: cannot quarantine or journal: %s", env.qid, buf_str(&err));
			env.attempts++;
			r = spool_defer(sp, name, &env, now + backoff(pol, env.attempts));
			goto out;
		}
	}
	syslog(LOG_INFO, "%s: %s id=%s from=<%s> nrcpt=%zu", env.qid,
	    is_withheld(&receipt) ? "withheld" : "delivered", id, env.sender, env.nrcpt);
	r = spool_done(sp, name);
	if (is_withheld(&receipt))
		METRIC_ADD(withheld, 1);
	else
		METRIC_ADD(sanitized, 1);
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		metrics_latency((double)((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
		    env.received) / 1000.0);
	}
out:
	envelope_free(&env);
	buf_free(&msg);
	buf_free(&out);
	buf_free(&receipt);
	buf_free(&err);
	return r;
}

int
agent_run(const struct policy *pol, struct spool *sp, volatile int *stop)
{
	struct worker wk;
	struct outcome *oc = NULL;
	struct deliver_target target;
	struct buf err;
	char helo[256];

	buf_init(&err, 1024);
	if (deliver_parse_target(pol->deliver_to, &target, &err) != 0) {
		syslog(LOG_ERR, "%s", buf_str(&err));
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
	if (pol->hostname[0] != '\0')
		snprintf(helo, sizeof helo, "%s", pol->hostname);
	else if (gethostname(helo, sizeof helo) != 0)
		snprintf(helo, sizeof helo, "localhost");
	helo[sizeof helo - 1] = '\0';
	buf_init(&err, 1024);
	if (outcome_open(&oc, pol, &err) != 0) {
		syslog(LOG_ERR, "quarantine/journal: %s", buf_str(&err));
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
	if (worker_start(&wk, pol) != 0) {
		syslog(LOG_ERR, "cannot start worker: %s", strerror(errno));
		outcome_close(oc);
		return -1;
	}
	while (!*stop) {
		char name[SPOOL_NAME_MAX];
		int c = spool_claim(sp, (long long)time(NULL), name);

		if (c == 1) {
			outcome_tick(oc);	/* a signed checkpoint due by time */
			spool_wait(sp, IDLE_WAIT_MS);
			continue;
		}
		if (c < 0) {
			syslog(LOG_ERR, "spool: %s", strerror(errno));
			sleep(1);
			continue;
		}
		process(pol, sp, &wk, oc, &target, helo, name);
	}
	worker_stop(&wk);
	outcome_close(oc);
	return 0;
}
