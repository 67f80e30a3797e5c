/*
 * metrics - shared counters and the Prometheus endpoint.  See metrics.h.
 */
#include "gateway/metrics.h"

#include "core/fdio.h"

#include <errno.h>
#include <stddef.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "gateway/spool.h"

struct metrics *metrics;

static const double bounds[METRICS_BUCKETS] = {
	0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

static const double stage_bounds[METRICS_STAGE_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30,
};

static const char *const stage_names[STAGE_COUNT] = {
	[STAGE_RECEIVE] = "receive", [STAGE_WORKER_WAIT] = "worker_wait",
	[STAGE_SANITIZE] = "sanitize", [STAGE_EDIT] = "edit",
	[STAGE_DELIVER] = "deliver", [STAGE_RECORD] = "record",
};

int
metrics_init(void)
{
	void *p = mmap(NULL, sizeof *metrics, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	metrics = p;
	return 0;
}

void
metrics_add(uint64_t *counter, uint64_t n)
{
	if (metrics != NULL)
		__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

void
metrics_latency(double seconds)
{
	if (metrics == NULL)
		return;
	for (int i = 0; i < METRICS_BUCKETS; i++) {
		if (seconds <= bounds[i]) {
			metrics_add(&metrics->latency_bucket[i], 1);
			break;
		}
	}
	metrics_add(&metrics->latency_count, 1);
	metrics_add(&metrics->latency_sum_ms, (uint64_t)(seconds * 1000));
}

double
metrics_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
metrics_stage(enum metrics_stage stage, double start)
{
	double s = metrics_clock() - start;

	if (metrics == NULL || (unsigned)stage >= STAGE_COUNT)
		return;
	if (s < 0)
		s = 0;
	for (int i = 0; i < METRICS_STAGE_BUCKETS; i++) {
		if (s <= stage_bounds[i]) {
			metrics_add(&metrics->stage_bucket[stage][i], 1);
			break;
		}
	}
	metrics_add(&metrics->stage_count[stage], 1);
	metrics_add(&metrics->stage_sum_us[stage], (uint64_t)(s * 1e6));
}

static uint64_t
get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void
render(struct buf *b, const char *spool_dir)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} counters[] = {
		{ "sekisho_messages_accepted_total", "Messages accepted and spooled", offsetof(struct metrics, accepted) },
		{ "sekisho_messages_sanitized_total", "Messages sanitised", offsetof(struct metrics, sanitized) },
		{ "sekisho_messages_withheld_total", "Messages withheld (quarantined, not delivered)", offsetof(struct metrics, withheld) },
		{ "sekisho_messages_delivered_total", "Sanitised messages accepted by the next hop", offsetof(struct metrics, delivered) },
		{ "sekisho_deliveries_deferred_total", "Deliveries put off after a temporary failure", offsetof(struct metrics, deferred) },
		{ "sekisho_deliveries_refused_total", "Sanitised messages refused by the next hop", offsetof(struct metrics, refused_by_next_hop) },
		{ "sekisho_worker_failures_total", "Sandboxed workers that died or ran out of time", offsetof(struct metrics, worker_failures) },
		{ "sekisho_agent_restarts_total", "Delivery agents restarted by the master", offsetof(struct metrics, agent_restarts) },
		{ "sekisho_smtp_sessions_total", "SMTP/LMTP sessions started", offsetof(struct metrics, sessions) },
		{ "sekisho_milter_tempfail_total", "Messages the milter refused for now (the MTA keeps and retries them)", offsetof(struct metrics, tempfailed) },
		{ "sekisho_milter_connections_streamed_total", "MTA connections to the milter that stream the message (Unix socket, or TCP with quick ACKs)", offsetof(struct metrics, milter_streamed) },
		{ "sekisho_outbound_passed_total", "Outbound messages that left as they came", offsetof(struct metrics, outbound_passed) },
		{ "sekisho_outbound_bcc_total", "Outbound messages that left with To and Cc hidden (too many outside addresses)", offsetof(struct metrics, outbound_bcc) },
		{ "sekisho_outbound_held_total", "Outbound messages held for approval (the MTA's hold queue, or sekisho's with outbound_release_to)", offsetof(struct metrics, outbound_held) },
		{ "sekisho_outbound_delayed_total", "Outbound messages for outside kept outbound_delay seconds, recallable by their sender", offsetof(struct metrics, outbound_delayed) },
		{ "sekisho_transfer_files_taken_total", "Files taken from the transfer drop folders into the spool", offsetof(struct metrics, transfer_taken) },
		{ "sekisho_transfer_files_returned_total", "Files returned to their drop folder with a note (past file_size_limit, not a regular file)", offsetof(struct metrics, transfer_returned) },
		{ "sekisho_outbound_rejected_total", "Outbound messages refused (the sender was told)", offsetof(struct metrics, outbound_rejected) },
		{ "sekisho_outbound_findings_total", "Findings in outbound messages (numbers and what could not be inspected)", offsetof(struct metrics, outbound_findings) },
		{ "sekisho_console_logins_total", "Logins to the staff console", offsetof(struct metrics, console_logins) },
		{ "sekisho_console_login_failures_total", "Failed logins to the staff console (wrong password or code, replayed code, locked, unknown user)", offsetof(struct metrics, console_login_failures) },
		{ "sekisho_console_lockouts_total", "Console accounts locked after console_login_failures failures", offsetof(struct metrics, console_lockouts) },
		{ "sekisho_console_requests_total", "Requests for originals made in the console", offsetof(struct metrics, console_requests) },
		{ "sekisho_console_approvals_total", "Requests for originals approved (self-service too)", offsetof(struct metrics, console_approvals) },
		{ "sekisho_console_rejections_total", "Requests for originals rejected", offsetof(struct metrics, console_rejections) },
		{ "sekisho_console_downloads_total", "Originals downloaded through the console (each a recorded release)", offsetof(struct metrics, console_downloads) },
		{ "sekisho_milter_connections_stepwise_total", "MTA connections to the milter over TCP that answer every step (the socket for quick ACKs was not found)", offsetof(struct metrics, milter_stepwise) },
	};
	uint64_t cum = 0;
	struct spool sp;
	struct buf err;

	for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
		buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", counters[i].name,
		    counters[i].help, counters[i].name, counters[i].name,
		    (unsigned long long)get((const uint64_t *)((const char *)metrics + counters[i].off)));
	buf_puts(b, "# HELP sekisho_processing_seconds From acceptance to delivery or quarantine\n"
	    "# TYPE sekisho_processing_seconds histogram\n");
	for (int i = 0; i < METRICS_BUCKETS; i++) {
		cum += get(&metrics->latency_bucket[i]);
		buf_printf(b, "sekisho_processing_seconds_bucket{le=\"%g\"} %llu\n", bounds[i],
		    (unsigned long long)cum);
	}
	buf_printf(b, "sekisho_processing_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "sekisho_processing_seconds_sum %.3f\nsekisho_processing_seconds_count %llu\n",
	    (unsigned long long)get(&metrics->latency_count),
	    (double)get(&metrics->latency_sum_ms) / 1000.0,
	    (unsigned long long)get(&metrics->latency_count));
	buf_puts(b, "# HELP sekisho_stage_seconds Time of each step of one message\n"
	    "# TYPE sekisho_stage_seconds histogram\n");
	for (int st = 0; st < STAGE_COUNT; st++) {
		if (get(&metrics->stage_count[st]) == 0)
			continue;
		cum = 0;
		for (int i = 0; i < METRICS_STAGE_BUCKETS; i++) {
			cum += get(&metrics->stage_bucket[st][i]);
			buf_printf(b, "sekisho_stage_seconds_bucket{stage=\"%s\",le=\"%g\"} %llu\n",
			    stage_names[st], stage_bounds[i], (unsigned long long)cum);
		}
		buf_printf(b, "sekisho_stage_seconds_bucket{stage=\"%s\",le=\"+Inf\"} %llu\n"
		    "sekisho_stage_seconds_sum{stage=\"%s\"} %.6f\n"
		    "sekisho_stage_seconds_count{stage=\"%s\"} %llu\n", stage_names[st],
		    (unsigned long long)get(&metrics->stage_count[st]), stage_names[st],
		    (double)get(&metrics->stage_sum_us[st]) / 1e6, stage_names[st],
		    (unsigned long long)get(&metrics->stage_count[st]));
	}
	buf_init(&err, 256);
	if (spool_open(&sp, spool_dir, &err) == 0) {
		buf_printf(b, "# HELP sekisho_queue_depth Messages waiting in the spool\n"
		    "# TYPE sekisho_queue_depth gauge\nsekisho_queue_depth %zu\n", spool_depth(&sp));
		spool_close(&sp);
	}
	buf_free(&err);
	/* the health checks' gauges, as sk-health last wrote them
	 * (daemon/health.h): copied, not parsed */
	{
		struct buf path, h;

		buf_init(&path, 1024);
		buf_init(&h, METRICS_HEALTH_MAX);
		buf_printf(&path, "%s/%s", spool_dir, METRICS_HEALTH_FILE);
		if (read_file_buf(buf_str(&path), &h) == 0)
			buf_append(b, h.data != NULL ? h.data : "", h.len);
		buf_free(&path);
		buf_free(&h);
	}
}

void
metrics_serve(int lfd, const char *spool_dir)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		char req[1024];
		struct pollfd pfd;
		ssize_t n;
		struct buf body, resp;

		if (fd < 0) {
			if (errno != EINTR)
				usleep(10000);
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		n = poll(&pfd, 1, 2000) == 1 ? read(fd, req, sizeof req - 1) : -1;
		buf_init(&body, 1 << 20);
		buf_init(&resp, (1 << 20) + 256);
		if (n > 0 && (req[n] = '\0', strncmp(req, "GET /metrics", 12) == 0)) {
			render(&body, spool_dir);
			buf_printf(&resp, "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
			    "Content-Length: %zu\r\n\r\n", body.len);
			buf_append(&resp, buf_str(&body), body.len);
		} else
			buf_puts(&resp, "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
		if (write(fd, buf_str(&resp), resp.len) < 0)
			(void)0;
		close(fd);
		buf_free(&body);
		buf_free(&resp);
	}
}
