/*
 * metrics - counters shared by every sekishod process, served in the
 * Prometheus text format.
 *
 * The master maps one anonymous shared page before it forks; every child
 * updates it with atomic additions (no locks, no system calls).  A small
 * process of its own answers "GET /metrics" on metrics_listen (loopback by
 * default) with the counters, the delivery latency histogram and the spool's
 * queue depth read at that moment.
 */
#ifndef SEKISHO_GATEWAY_METRICS_H
#define SEKISHO_GATEWAY_METRICS_H

#include <stdint.h>

#define METRICS_BUCKETS 10
#define METRICS_HEALTH_FILE "health.prom"	/* under spool_dir, by sk-health */
#define METRICS_HEALTH_MAX ((size_t)16 * 1024)	/* bytes of it served */
#define METRICS_STAGE_BUCKETS 12

/*
 * The steps one message goes through, each timed on its own so that an
 * operator can tell a slow disk from busy workers from a slow next hop.
 */
enum metrics_stage {
	STAGE_RECEIVE,		/* milter: first header to end of message */
	STAGE_WORKER_WAIT,	/* milter: waiting for a free sandboxed worker */
	STAGE_SANITIZE,		/* the worker's round trip, scanning included */
	STAGE_EDIT,		/* milter: sending the MTA the sanitised message */
	STAGE_DELIVER,		/* relay: handing the message to the next hop */
	STAGE_RECORD,		/* quarantine and journal, until durable */
	STAGE_COUNT
};

struct metrics {
	uint64_t accepted;		/* messages spooled (250 given) */
	uint64_t sanitized;
	uint64_t withheld;
	uint64_t delivered;
	uint64_t deferred;		/* next hop failed temporarily */
	uint64_t refused_by_next_hop;
	uint64_t worker_failures;	/* worker died or timed out */
	uint64_t agent_restarts;
	uint64_t sessions;		/* SMTP sessions started */
	uint64_t tempfailed;		/* milter: refused for now, the MTA retries */
	uint64_t milter_streamed;	/* milter connections not answered step by step */
	uint64_t milter_stepwise;	/* milter TCP connections answered step by step */
	uint64_t outbound_passed;	/* outbound: left as they came */
	uint64_t outbound_bcc;		/* outbound: left with To and Cc hidden */
	uint64_t outbound_held;		/* outbound: held for approval */
	uint64_t outbound_delayed;	/* outbound: kept outbound_delay, recallable */
	uint64_t outbound_rejected;	/* outbound: refused, the sender told */
	uint64_t outbound_findings;	/* outbound: findings (numbers, uninspectable) */
	uint64_t transfer_taken;	/* transfer: files taken from drop folders */
	uint64_t transfer_returned;	/* transfer: files returned (size, not a file) */
	uint64_t console_logins;	/* console: logins */
	uint64_t console_login_failures;	/* console: failed logins (any reason) */
	uint64_t console_lockouts;	/* console: accounts locked by failures */
	uint64_t console_requests;	/* console: requests for originals */
	uint64_t console_approvals;	/* console: requests approved (self-service too) */
	uint64_t console_rejections;	/* console: requests rejected */
	uint64_t console_downloads;	/* console: originals downloaded */
	uint64_t latency_bucket[METRICS_BUCKETS];	/* cumulative as exported */
	uint64_t latency_count;
	uint64_t latency_sum_ms;
	uint64_t stage_bucket[STAGE_COUNT][METRICS_STAGE_BUCKETS];	/* not cumulative */
	uint64_t stage_count[STAGE_COUNT];
	uint64_t stage_sum_us[STAGE_COUNT];
};

extern struct metrics *metrics;	/* NULL until metrics_init() */

int metrics_init(void);
void metrics_add(uint64_t *counter, uint64_t n);
/* Add to a counter if metrics are on: METRIC_ADD(delivered, 1). */
#define METRIC_ADD(field, n) do {				\
		if (metrics != NULL)				\
			metrics_add(&metrics->field, (n));	\
	} while (0)
/* Record the time from acceptance to the end of processing. */
void metrics_latency(double seconds);
/* Seconds on the monotonic clock, for timing a stage. */
double metrics_clock(void);
/* Record that STAGE took the time since START (a metrics_clock() value). */
void metrics_stage(enum metrics_stage stage, double start);
/* Serve GET /metrics on fd until killed (runs in its own process). */
void metrics_serve(int listen_fd, const char *spool_dir) __attribute__((noreturn));

#endif
