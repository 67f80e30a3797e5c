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
#include "core/digest.h"
#include "dlp/idnum.h"
#include "dlp/findings.h"
#include "daemon/outbound.h"
#include "daemon/outcome.h"
#include "daemon/store_client.h"
#include "daemon/storeowner.h"
#include "gateway/deliver.h"
#include "gateway/metrics.h"
#include "gateway/frame.h"
#include "gateway/transfer.h"
#include "gateway/worker.h"
#include "mime/notice.h"
#include "receipt/receipt.h"
#include "receipt/receipt_read.h"

#define IDLE_WAIT_MS 1000	/* rescan for deferred items at least this often */
#define RETRY_MAX_SECONDS 3600

static long long
backoff(const struct config *cfg, int attempts)
{
	long long d = (long long)cfg->retry_seconds;

	for (int i = 1; i < attempts && d < RETRY_MAX_SECONDS; i++)
		d *= 2;
	return d > RETRY_MAX_SECONDS ? RETRY_MAX_SECONDS : d;
}

/* What the listener recorded of how the message arrived, for its receipt. */
static void
envelope_facts(const struct envelope *env, struct receipt_envelope *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->protocol, sizeof r->protocol, "%s", env->proto);
	snprintf(r->client, sizeof r->client, "%s", env->client);
	snprintf(r->helo, sizeof r->helo, "%s", env->helo);
	snprintf(r->tls, sizeof r->tls, "%s", env->tls);
	snprintf(r->queue_id, sizeof r->queue_id, "%s", env->qid);
}

/* One claimed spool item.  Returns 0 when it left the spool. */
/* The notice delivered for a withheld message, from its receipt. */
static int
withheld_notice(const struct config *cfg, const struct buf *receipt, const char *host,
    struct buf *out, const char *qid)
{
	struct receipt_view v;
	struct buf why;
	int r = -1;

	buf_init(&why, 512);
	buf_reset(out);
	if (receipt_read(buf_str(receipt), receipt->len, &v, &why) == 0) {
		r = notice_withheld_message(&v, &cfg->pol, host, out);
		receipt_view_free(&v);
	}
	if (r != 0)
		syslog(LOG_ERR, "%s: no notice of the withheld message: %s", qid,
		    why.len > 0 ? buf_str(&why) : "it could not be written");
	buf_free(&why);
	return r;
}

/* The receipt of a sanitised file kept for its approval says so, first:
 * "transfer": {"approval": "required"} (the console reads it). */
static void
mark_awaiting(struct buf *receipt)
{
	static const char mark[] = "\"transfer\":{\"approval\":\"required\"},";
	struct buf b;
	size_t i = 1;

	if (receipt->len < 2 || receipt->data[0] != '{')
		return;
	while (i < receipt->len && (receipt->data[i] == ' ' || receipt->data[i] == '\n' ||
	    receipt->data[i] == '\t' || receipt->data[i] == '\r'))
		i++;
	if (i >= receipt->len || receipt->data[i] != '"')
		return;
	buf_init(&b, receipt->max);
	if (buf_putc(&b, '{') == 0 && buf_puts(&b, mark) == 0 &&
	    buf_append(&b, receipt->data + 1, receipt->len - 1) == 0) {
		buf_reset(receipt);
		buf_append(receipt, b.data, b.len);
	}
	buf_free(&b);
}

/* A transferred file's delivery into its user's folder: 0, or -1 to retry. */
static int
transfer_out(const struct config *cfg, const struct envelope *env, const char *id,
    int outcome, const struct buf *out, const struct buf *receipt, const char *tname)
{
	struct buf notice, err;
	const char *ext = NULL;
	int r;

	buf_init(&notice, 16384);
	buf_init(&err, 1024);
	{
		struct receipt_view v;
		int ok = receipt_read(buf_str(receipt), receipt->len, &v, &err) == 0;

		if (outcome == WORKER_SANITIZED)
			ext = ok ? receipt_output_ext(&v) : NULL;
		else
			transfer_withheld_notice(cfg, tname, id, ok && v.reason[0] ? v.reason :
			    "worker-failed", &notice);
		receipt_view_free(&v);
		buf_reset(&err);
	}
	if (outcome == WORKER_SANITIZED && cfg->transfer_approval) {
		/* kept out of sight until an approver allows it (the console) */
		transfer_awaiting_notice(cfg, tname, id, &notice);
		r = transfer_hold(cfg, env->transfer, id, ext, out, &notice, receipt, &err);
	} else
		r = transfer_deliver(cfg, env->transfer, outcome == WORKER_SANITIZED, ext, out,
		    &notice, receipt, &err);
	if (r != 0) {
		METRIC_ADD(deferred, 1);
		syslog(LOG_WARNING, "%s: transfer delivery deferred: %s", env->qid, buf_str(&err));
	} else if (outcome == WORKER_SANITIZED && !cfg->transfer_approval)
		METRIC_ADD(delivered, 1);
	buf_free(&notice);
	buf_free(&err);
	return r;
}

/*
 * A file leaving the LGWAN side (direction = outbound): inspected in the
 * worker as the outbound milter inspects a message, decided by the same
 * policy (its destination, the internet side, is outside; 誤送信防止's delay
 * is for mail: a file that would wait leaves at once), recorded with its
 * outbound receipt, and either delivered as it came into the sender's
 * folder on the internet side, or not: held (its approval in the console
 * sends it) or refused, the sender told in a note beside the drop folder.
 * 0 done (recorded), 1 to retry, -1 left in the spool.
 */
static int
transfer_leaving(const struct config *cfg, struct worker *wk, struct store_client *oc,
    struct envelope *env, const char *id, long long now, const struct buf *msg,
    const char *tuser, const char *tname)
{
	struct findings_view fv;
	struct finding_view one;
	struct outbound_facts x;
	struct outbound_decision d;
	struct receipt rc;
	struct buf none, answer, rj, err, note, masked;
	char detail[256];
	int status, own = 0, r = 1;

	memset(&fv, 0, sizeof fv);
	memset(&x, 0, sizeof x);
	buf_init(&none, 1);
	buf_init(&answer, FINDINGS_READ_MAX);
	buf_init(&rj, 64u * 1024 * 1024);
	buf_init(&err, 1024);
	buf_init(&note, 16384);
	buf_init(&masked, 2 * TRANSFER_USER_MAX);
	status = worker_run_item(wk, FRAME_INSPECT, tname, NULL, id, now, buf_str(msg), msg->len,
	    &none, &answer, detail, sizeof detail);
	if (status == WORKER_FAILED || status == WORKER_TIMEOUT) {
		METRIC_ADD(worker_failures, 1);
		if ((size_t)++env->attempts < cfg->worker_attempts) {
			syslog(LOG_WARNING, "%s: %s (attempt %d of %zu)", env->qid, detail,
			    env->attempts, cfg->worker_attempts);
			goto out;
		}
		outbound_parent_finding(&fv, &one, "file",
		    status == WORKER_TIMEOUT ? "time_limit" : "worker-failed");
	} else if (findings_read(buf_str(&answer), answer.len, id, &fv, &err) != 0) {
		syslog(LOG_ERR, "%s: the inspection's answer: %s", env->qid, buf_str(&err));
		goto out;
	} else
		own = 1;
	x.found = &fv;
	x.recipients = x.outside = x.exposed = 1;	/* the internet side */
	x.trusted_sender = outbound_sender_trusted(cfg, tuser);
	outbound_decide(cfg, &x, &d);
	if (d.action == OUTBOUND_DELAY || d.action == OUTBOUND_BCC)
		d.action = OUTBOUND_PASS;
	receipt_init(&rc, id, now);
	memcpy(rc.policy_digest, cfg->pol.digest, sizeof rc.policy_digest);
	rc.in.bytes = msg->len;
	sha256_hex(buf_str(msg), msg->len, rc.in.sha256);
	receipt_set(&rc.in.filename, tname);
	receipt_set(&rc.in.subject, tname);
	(void)dlp_mask_digits(tuser, strlen(tuser), &masked);
	receipt_set(&rc.in.from, buf_str(&masked));
	outbound_receipt(&rc, &x, &d);
	receipt_json(&rc, &rj);
	receipt_free(&rc);
	if (d.action == OUTBOUND_PASS) {
		if (transfer_deliver(cfg, env->transfer, 1, NULL, msg, NULL, &rj, &err) != 0) {
			syslog(LOG_WARNING, "%s: transfer delivery deferred: %s", env->qid,
			    buf_str(&err));
			env->attempts++;
			goto out;
		}
		METRIC_ADD(outbound_passed, 1);
	} else {
		transfer_leaving_note(cfg, tname, id, d.action == OUTBOUND_HOLD, d.reason, &note);
		if (transfer_note(cfg, env->transfer, d.action == OUTBOUND_HOLD, &note, &err) != 0)
			syslog(LOG_WARNING, "%s: no note for the sender: %s", env->qid, buf_str(&err));
		if (d.action == OUTBOUND_HOLD)
			METRIC_ADD(outbound_held, 1);
		else
			METRIC_ADD(outbound_rejected, 1);
	}
	{
		struct outcome_item oi = {
			.receipt_id = id, .received = now, .sender = tuser, .recipients = tuser,
			.receipt_json = buf_str(&rj), .receipt_len = rj.len,
			.original = buf_str(msg), .original_len = msg->len,
		};

		buf_reset(&err);
		if (store_client_record(oc, &oi, &err) != 0) {
			syslog(LOG_ERR, "%s: cannot quarantine or journal: %s", env->qid, buf_str(&err));
			env->attempts++;
			goto out;
		}
	}
	METRIC_ADD(outbound_findings, fv.n + fv.not_listed);
	syslog(LOG_INFO, "%s: outbound %s id=%s transfer=%s findings=%llu%s%s", env->qid,
	    outbound_action_name(d.action), id, env->transfer,
	    (unsigned long long)(fv.n + fv.not_listed), d.reason[0] ? " reason=" : "", d.reason);
	r = 0;
out:
	if (own)
		findings_view_free(&fv);
	buf_free(&none);
	buf_free(&answer);
	buf_free(&rj);
	buf_free(&err);
	buf_free(&note);
	buf_free(&masked);
	return r;
}

static int
process(const struct config *cfg, struct spool *sp, struct worker *wk,
    struct store_client *oc, const struct deliver_target *target, const char *helo,
    const char *name)
{
	struct envelope env;
	struct receipt_envelope renv;
	struct buf msg, out, receipt, err;
	char id[RECEIPT_ID_MAX], detail[256];
	char tuser[TRANSFER_USER_MAX], tname[TRANSFER_NAME_MAX];
	long long now = (long long)time(NULL);
	int r, outcome, notice = 0, transfer;
	double t;

	buf_init(&msg, cfg->pol.lim.message_bytes);
	buf_init(&out, worker_output_max(&cfg->pol));
	buf_init(&receipt, 64u * 1024 * 1024);
	buf_init(&err, 1024);
	if (spool_read(sp, name, &env, &msg, &err) != 0) {
		/* unreadable spool file: leave it in active/ for the operator */
		syslog(LOG_CRIT, "%s: %s (left in %s/active)", name, buf_str(&err), sp->dir);
		r = -1;
		goto out;
	}
	receipt_id_new(id, sizeof id, now);
	envelope_facts(&env, &renv);
	transfer = env.transfer[0] != '\0';
	if (transfer && transfer_decode(env.transfer, tuser, tname) < 0) {
		syslog(LOG_CRIT, "%s: a transfer that names no file (left in %s/active)", name,
		    sp->dir);
		r = -1;
		goto out;
	}
	if (transfer && cfg->direction == DIRECTION_OUTBOUND) {
		/* a file leaving: inspected, not sanitised */
		r = transfer_leaving(cfg, wk, oc, &env, id, now, &msg, tuser, tname);
		if (r == 0)
			r = spool_done(sp, name);
		else if (r == 1)
			r = spool_defer(sp, name, &env, now + backoff(cfg, env.attempts));
		goto out;
	}
	t = metrics_clock();
	outcome = worker_run_scanned(wk, transfer ? FRAME_FILE : FRAME_MAIL,
	    transfer ? tname : NULL, transfer ? NULL : &renv, id, now, buf_str(&msg), msg.len,
	    &out, &receipt, detail, sizeof detail);
	metrics_stage(STAGE_SANITIZE, t);
	if (outcome == WORKER_FAILED || outcome == WORKER_TIMEOUT ||
	    outcome == WORKER_SCAN_FAILED) {
		METRIC_ADD(worker_failures, 1);
		env.attempts++;
		syslog(LOG_WARNING, "%s: %s (attempt %d of %zu)", env.qid, detail, env.attempts,
		    cfg->worker_attempts);
		if ((size_t)env.attempts < cfg->worker_attempts) {
			r = spool_defer(sp, name, &env, now + 1);
			goto out;
		}
		worker_parent_receipt_item(&cfg->pol, transfer ? FRAME_FILE : FRAME_MAIL,
		    transfer ? tname : NULL, id, now, &msg, msg.len,
		    outcome == WORKER_TIMEOUT ? "time_limit" : outcome == WORKER_SCAN_FAILED ?
		    "scan-failed" : "worker-failed", detail, &receipt);
		outcome = WORKER_WITHHELD;
	}
	if (transfer) {
		/* a file from a drop folder goes to its user's folder on the other side */
		if (outcome == WORKER_SANITIZED && cfg->transfer_approval)
			mark_awaiting(&receipt);
		if (transfer_out(cfg, &env, id, outcome, &out, &receipt, tname) != 0) {
			env.attempts++;
			r = spool_defer(sp, name, &env, now + backoff(cfg, env.attempts));
			goto out;
		}
		goto record;
	}
	/* withheld_notice: the reader hears of it, with the console link */
	if (outcome == WORKER_WITHHELD && cfg->withheld_notice &&
	    withheld_notice(cfg, &receipt, helo, &out, env.qid) == 0)
		notice = 1;
	if (outcome == WORKER_SANITIZED || notice) {
		enum deliver_result dr;

		buf_reset(&err);
		t = metrics_clock();
		dr = deliver(target, &env, buf_str(&out), out.len, helo, &err);
		metrics_stage(STAGE_DELIVER, t);
		if (dr == DELIVER_TEMPFAIL) {
			METRIC_ADD(deferred, 1);
			env.attempts++;
			syslog(LOG_WARNING, "%s: delivery deferred: %s", env.qid, buf_str(&err));
			r = spool_defer(sp, name, &env, now + backoff(cfg, env.attempts));
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
record:
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
		r = store_client_record(oc, &oi, &err);
		metrics_stage(STAGE_RECORD, t);
		buf_free(&rcpts);
		if (r != 0) {
			/* not recorded: keep it in the spool and try again */
			syslog(LOG_ERR, "%s: cannot quarantine or journal: %s", env.qid, buf_str(&err));
			env.attempts++;
			r = spool_defer(sp, name, &env, now + backoff(cfg, env.attempts));
			goto out;
		}
	}
	if (transfer)
		syslog(LOG_INFO, "%s: %s id=%s transfer=%s", env.qid,
		    outcome == WORKER_WITHHELD ? "withheld" : "delivered", id, env.transfer);
	else
		syslog(LOG_INFO, "%s: %s id=%s from=<%s> nrcpt=%zu", env.qid,
		    outcome == WORKER_WITHHELD ? "withheld" : "delivered", id, env.sender, env.nrcpt);
	r = spool_done(sp, name);
	if (outcome == WORKER_WITHHELD)
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
agent_run(const struct config *cfg, struct spool *sp, volatile int *stop)
{
	struct worker wk;
	struct store_client *oc;
	struct deliver_target target;
	struct buf err;
	char helo[256], owner[600];

	if (cfg->withheld_notice)
		notice_init();

	buf_init(&err, 1024);
	if (deliver_parse_target(cfg->deliver_to, &target, &err) != 0) {
		syslog(LOG_ERR, "%s", buf_str(&err));
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
	if (cfg->hostname[0] != '\0')
		snprintf(helo, sizeof helo, "%s", cfg->hostname);
	else if (gethostname(helo, sizeof helo) != 0)
		snprintf(helo, sizeof helo, "localhost");
	helo[sizeof helo - 1] = '\0';
	/* outcomes are recorded by the store owner: this process holds no key */
	storeowner_socket_path(cfg, owner, sizeof owner);
	oc = store_client_new(owner, 1);
	if (worker_start(&wk, cfg) != 0) {
		syslog(LOG_ERR, "cannot start worker: %s", strerror(errno));
		store_client_free(oc);
		return -1;
	}
	while (!*stop) {
		char name[SPOOL_NAME_MAX];
		int c = spool_claim(sp, (long long)time(NULL), name);

		if (c == 1) {
			spool_wait(sp, IDLE_WAIT_MS);
			continue;
		}
		if (c < 0) {
			syslog(LOG_ERR, "spool: %s", strerror(errno));
			sleep(1);
			continue;
		}
		process(cfg, sp, &wk, oc, &target, helo, name);
	}
	worker_stop(&wk);
	store_client_free(oc);
	return 0;
}
