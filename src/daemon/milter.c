/*
 * milter - the libmilter filter.  See milter.h for what it does to mail.
 *
 * Threads.  libmilter runs one thread per MTA connection (Postfix opens one
 * per SMTP session) plus a signal thread.  A connection thread collects its
 * message, checks a worker out of the pool (mutex + condition variable,
 * waiting at most time_limit), runs it, checks it back in, and hands the
 * outcome to the store owner (store_client.h), waiting until it is durable;
 * the store owner records what several connections sent together (group
 * commit).  This process holds no key.
 *
 * Confinement.  The listener is opened while the process may still bind
 * anywhere; then sekishod's confine hook starts the spawner, drops to
 * daemon_user and enters the milter's sandbox (confine.h: no files, no
 * fork or exec, AF_UNIX sockets only).  Workers are started and replaced
 * through the spawner (one dedicated thread, the forker, replaces dead
 * ones): the milter itself never forks.
 *
 * Bounds.  One message is at most message_size_limit bytes in memory (its
 * header names and recipients are bounded by the same ceiling and
 * SPOOL_RCPT_MAX); more is withheld, never passed on.  Worker failures are
 * remembered per message (digest of body and Message-ID, the Received
 * headers change on every retry) in a table of POISON_SLOTS entries, so a
 * message that keeps killing workers is withheld after worker_attempts
 * tries instead of being refused for ever.
 *
 * Metrics: sanitised, withheld, worker failures, temporary refusals, and the
 * processing-time histogram from the first header to the verdict (the time
 * the milter adds to an SMTP transaction, apart from the transfer itself).
 */
#include "daemon/milter.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <libmilter/mfapi.h>

#include "core/clock.h"
#include "core/digest.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "dlp/idnum.h"
#include "daemon/header_edit.h"
#include "daemon/milter_sock.h"
#include "daemon/outbound.h"
#include "daemon/outcome.h"
#include "daemon/store_client.h"
#include "daemon/storeowner.h"
#include "gateway/metrics.h"
#include "gateway/spool.h"
#include "gateway/frame.h"
#include "gateway/worker.h"
#include "receipt/receipt.h"

#define POOL_MAX 64
#define POISON_SLOTS 256
#define RECEIPT_MAX (64u * 1024 * 1024)
#define MSGID_MAX 998
#define BIND_WAIT_MS 15000	/* a stopping predecessor may still hold the socket */
#define RESTART_PAUSE_US 50000	/* between two worker restarts (no crash loop spin) */
#define BODY_CHUNK (1024 * 1024)
#define KEEP_BYTES (1024 * 1024)	/* message buffer kept between messages */
#define NO_WORKER (-100)	/* no worker became free within time_limit */

enum slot_state { SLOT_IDLE, SLOT_BUSY, SLOT_DEAD };

struct slot {
	struct worker wk;
	enum slot_state state;
};

struct poison {
	char key[SHA256_HEX_LEN + 1];
	size_t failures;
	long long last;		/* for replacing the oldest */
};

/* Process-wide state of the milter (one per sk-milter process). */
static struct {
	const struct config *cfg;
	pthread_mutex_t mu;		/* slots, stopping, inflight, poison */
	pthread_cond_t idle_cv;		/* a worker became idle */
	pthread_cond_t dead_cv;		/* a worker died: the forker restarts it */
	struct slot slots[POOL_MAX];
	size_t n;
	int stopping;
	size_t inflight;		/* messages between MAIL and their end */
	struct poison poison[POISON_SLOTS];
	struct store_client *sc;	/* the store owner records the outcomes */
	int local;			/* listening on a Unix socket */
	int tcp;			/* listen_addr is the TCP listener's */
	struct sockaddr_storage listen_addr;
} M = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.idle_cv = PTHREAD_COND_INITIALIZER,
	.dead_cv = PTHREAD_COND_INITIALIZER,
};

/* One MTA connection; the message fields are reset at each MAIL. */
struct conn {
	unsigned long pflags;	/* negotiated protocol flags (SMFIP_NR_*) */
	int sock;		/* the TCP socket, when streaming over TCP; else -1 */
	int in_msg;
	struct buf msg;		/* header block, blank line, body; LF line ends */
	size_t total;		/* bytes seen, counted past the ceiling too */
	int too_big;
	int in_body;
	int body_cr;		/* the last body byte was a CR not yet written */
	struct buf names;	/* the original header names, each NUL-terminated */
	struct buf values;	/* per name: offset and length of its value in msg */
	size_t nnames;
	struct buf msgid;	/* the first Message-ID value */
	char sender[SPOOL_ADDR_MAX];
	struct buf rcpts;	/* comma-separated */
	size_t nrcpt;
	double started;		/* first header (metrics_clock), 0 before */
	struct receipt_envelope env;	/* client and HELO (whole connection), for receipts */
};

static void
deadline_after(struct timespec *ts, size_t seconds)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += (time_t)seconds;
}

/* ---- the worker pool ---------------------------------------------------- */

/* An idle worker never writes: readable or hung up means it died. */
static int
worker_alive(const struct worker *wk)
{
	struct pollfd p = { .fd = wk->fd, .events = POLLIN };

	return wk->fd >= 0 && poll(&p, 1, 0) == 0;
}

/* Under M.mu: retire a slot whose worker died while idle. */
static void
slot_retire(struct slot *s)
{
	worker_stop(&s->wk);
	s->state = SLOT_DEAD;
	pthread_cond_signal(&M.dead_cv);
}

/* A live idle worker, waiting at most time_limit; -1 if none came free. */
static int
checkout(size_t *slot)
{
	struct timespec until;

	deadline_after(&until, M.cfg->pol.lim.seconds);
	pthread_mutex_lock(&M.mu);
	for (;;) {
		for (size_t i = 0; i < M.n; i++) {
			if (M.slots[i].state != SLOT_IDLE)
				continue;
			if (!worker_alive(&M.slots[i].wk)) {
				slot_retire(&M.slots[i]);
				continue;
			}
			M.slots[i].state = SLOT_BUSY;
			pthread_mutex_unlock(&M.mu);
			*slot = i;
			return 0;
		}
		if (pthread_cond_timedwait(&M.idle_cv, &M.mu, &until) == ETIMEDOUT) {
			pthread_mutex_unlock(&M.mu);
			return -1;
		}
	}
}

static void
checkin(size_t slot)
{
	pthread_mutex_lock(&M.mu);
	if (M.slots[slot].wk.fd < 0) {	/* worker_run() killed and reaped it */
		M.slots[slot].state = SLOT_DEAD;
		pthread_cond_signal(&M.dead_cv);
	} else {
		M.slots[slot].state = SLOT_IDLE;
		pthread_cond_signal(&M.idle_cv);
	}
	pthread_mutex_unlock(&M.mu);
}

/* The forker thread: the only place that forks once threads exist. */
static void *
forker(void *arg)
{
	int r;

	pthread_mutex_lock(&M.mu);
	while (!M.stopping) {
		size_t i;
		struct worker fresh;
		struct timespec until;

		for (i = 0; i < M.n; i++) {
			if (M.slots[i].state == SLOT_IDLE && !worker_alive(&M.slots[i].wk))
				slot_retire(&M.slots[i]);
		}
		for (i = 0; i < M.n && M.slots[i].state != SLOT_DEAD; i++)
			;
		if (i == M.n) {
			deadline_after(&until, 1);
			pthread_cond_timedwait(&M.dead_cv, &M.mu, &until);
			continue;
		}
		pthread_mutex_unlock(&M.mu);
		r = worker_start(&fresh, M.cfg);
		if (r != 0) {
			syslog(LOG_ERR, "milter: cannot start a worker: %s", strerror(errno));
			sleep(1);
			pthread_mutex_lock(&M.mu);
			continue;
		}
		pthread_mutex_lock(&M.mu);
		M.slots[i].wk = fresh;
		M.slots[i].state = SLOT_IDLE;
		pthread_cond_signal(&M.idle_cv);
		pthread_mutex_unlock(&M.mu);
		usleep(RESTART_PAUSE_US);
		pthread_mutex_lock(&M.mu);
	}
	pthread_mutex_unlock(&M.mu);
	return NULL;
}

/* ---- per-connection state ----------------------------------------------- */

static struct conn *
conn_get(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL) {
		c = xcalloc(1, sizeof *c);
		c->sock = -1;
		buf_init(&c->msg, M.cfg->pol.lim.message_bytes);
		buf_init(&c->names, M.cfg->pol.lim.message_bytes);
		buf_init(&c->values, M.cfg->pol.lim.message_bytes);
		buf_init(&c->msgid, MSGID_MAX);
		buf_init(&c->rcpts, SPOOL_RCPT_MAX * (SPOOL_ADDR_MAX + 1));
		smfi_setpriv(ctx, c);
	}
	return c;
}

/* The message is over (decided, aborted or the connection closed). */
static void
msg_end(struct conn *c)
{
	if (c->in_msg) {
		pthread_mutex_lock(&M.mu);
		M.inflight--;
		pthread_mutex_unlock(&M.mu);
	}
	c->in_msg = 0;
	/* keep a small buffer for the next message, give a big one back */
	if (c->msg.cap > KEEP_BYTES)
		buf_free(&c->msg);
	buf_reset(&c->msg);
	buf_reset(&c->names);
	buf_reset(&c->values);
	buf_reset(&c->msgid);
	buf_reset(&c->rcpts);
	c->total = 0;
	c->too_big = c->in_body = c->body_cr = 0;
	c->nnames = c->nrcpt = 0;
	c->sender[0] = '\0';
	c->started = 0;
}

/*
 * The answer to a step: none if the MTA was told not to wait for one, and
 * then over TCP the ACK goes out now, so that the MTA's next write does not
 * wait for it (milter_sock.h).
 */
static sfsistat
ok(const struct conn *c, unsigned long nr_bit)
{
	if ((c->pflags & nr_bit) == 0)
		return SMFIS_CONTINUE;
	if (c->sock >= 0)
		(void)milter_sock_quickack(c->sock);
	return SMFIS_NOREPLY;
}

/* Append message bytes; past the ceiling only count them. */
static void
put(struct conn *c, const void *p, size_t n)
{
	c->total += n;
	if (!c->too_big && buf_append(&c->msg, p, n) != 0) {
		c->too_big = 1;
		buf_reset(&c->names);	/* withheld whole: no edits will be needed */
		buf_reset(&c->values);
	}
}

/* Append text with CRLF made LF; *cr carries a CR across calls. */
static void
put_lf(struct conn *c, const char *p, size_t n, int *cr)
{
	while (n > 0) {
		const char *q;
		size_t k;

		if (*cr) {
			*cr = 0;
			if (*p != '\n')
				put(c, "\r", 1);
		}
		q = memchr(p, '\r', n);
		k = q != NULL ? (size_t)(q - p) : n;
		put(c, p, k);
		if (q == NULL)
			break;
		*cr = 1;
		p += k + 1;
		n -= k + 1;
	}
}

/* "<a@b>" -> "a@b" */
static void
addr_copy(char *dst, size_t n, const char *arg)
{
	size_t len = strlen(arg);

	if (len >= 2 && arg[0] == '<' && arg[len - 1] == '>') {
		arg++;
		len -= 2;
	}
	if (len >= n)
		len = n - 1;
	memcpy(dst, arg, len);
	dst[len] = '\0';
}

/* ---- callbacks ---------------------------------------------------------- */

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
    unsigned long *pf3)
{
	/* outbound: holding a message is putting it in the MTA's hold queue */
	const unsigned long acts = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY |
	    (M.cfg->direction == DIRECTION_OUTBOUND ? SMFIF_QUARANTINE : 0);
	/*
	 * Steps not needed are not sent, and the MTA is told not to wait for
	 * an answer to those that are (it streams the message) where that
	 * costs no time: on a Unix socket, and on a TCP connection whose
	 * socket was found for quick ACKs (milter_sock.h).  A TCP connection
	 * without it answers every step: an unanswered one would leave the
	 * MTA's next small write waiting for our delayed ACK (Nagle), about
	 * 40 ms on Linux, in every transaction.  The DATA step is always sent
	 * (SMFIP_NODATA off), so that no macro packet without a step of its
	 * own goes unacknowledged before the headers.
	 */
	const unsigned long skip = SMFIP_NOUNKNOWN;
	const unsigned long nr = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
	    SMFIP_NR_DATA | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;
	struct conn *c;

	if ((f0 & acts) != acts) {
		syslog(LOG_ERR, "milter: the MTA does not allow header and body edits%s "
		    "(offered 0x%lx): refusing the connection",
		    acts & SMFIF_QUARANTINE ? " and holds" : "", f0);
		return SMFIS_REJECT;
	}
	c = conn_get(ctx);
	*pf0 = acts;
	*pf1 = (*pf1 | (f1 & skip)) & ~(unsigned long)SMFIP_NODATA;
	if (M.tcp && c->sock < 0)
		c->sock = milter_sock_find(ctx, MILTER_SOCK_CTX_WORDS, &M.listen_addr);
	if (M.local || c->sock >= 0) {
		*pf1 |= f1 & nr;
		METRIC_ADD(milter_streamed, 1);
	} else
		METRIC_ADD(milter_stepwise, 1);
	*pf2 = *pf3 = 0;
	c->pflags = *pf1;
	return SMFIS_CONTINUE;
}

/* At most n-1 bytes of s into d, anything but printable ASCII as '?'. */
static void
copy_printable(char *d, size_t n, const char *s)
{
	size_t i = 0;

	for (; s != NULL && s[i] != '\0' && i + 1 < n; i++)
		d[i] = (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f ? s[i] : '?';
	d[i] = '\0';
}

/* The client's address, for the receipts of its messages. */
static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct conn *c = conn_get(ctx);
	char addr[NI_MAXHOST];

	(void)hostname;	/* a name from DNS: the address is the fact */
	memset(&c->env, 0, sizeof c->env);
	snprintf(c->env.protocol, sizeof c->env.protocol, "milter");
	if (sa != NULL && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) &&
	    getnameinfo(sa, sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6), addr, sizeof addr, NULL, 0, NI_NUMERICHOST) == 0)
		copy_printable(c->env.client, sizeof c->env.client, addr);
	return ok(c, SMFIP_NR_CONN);
}

/* The HELO name, and TLS as Postfix reports it (milter_helo_macros). */
static sfsistat
cb_helo(SMFICTX *ctx, char *helo)
{
	struct conn *c = conn_get(ctx);
	const char *v = smfi_getsymval(ctx, "{tls_version}");
	const char *ci = smfi_getsymval(ctx, "{cipher}");
	char tls[sizeof c->env.tls];

	copy_printable(c->env.helo, sizeof c->env.helo, helo);
	tls[0] = '\0';
	if (v != NULL && *v != '\0')
		snprintf(tls, sizeof tls, "%.40s %.80s", v, ci != NULL ? ci : "");
	copy_printable(c->env.tls, sizeof c->env.tls, tls);
	return ok(c, SMFIP_NR_HELO);
}

/* Only so that the DATA step is sent, and answered (see cb_negotiate). */
static sfsistat
cb_data(SMFICTX *ctx)
{
	return ok(conn_get(ctx), SMFIP_NR_DATA);
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);

	msg_end(c);
	pthread_mutex_lock(&M.mu);
	M.inflight++;
	pthread_mutex_unlock(&M.mu);
	c->in_msg = 1;
	addr_copy(c->sender, sizeof c->sender, argv[0] != NULL ? argv[0] : "");
	return ok(c, SMFIP_NR_MAIL);
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	char a[SPOOL_ADDR_MAX];

	if (argv[0] != NULL && c->nrcpt < SPOOL_RCPT_MAX) {
		addr_copy(a, sizeof a, argv[0]);
		buf_printf(&c->rcpts, "%s%s", c->nrcpt > 0 ? "," : "", a);
		c->nrcpt++;
	}
	return ok(c, SMFIP_NR_RCPT);
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_get(ctx);
	size_t nl = strlen(name), vl = strlen(value), span[2];
	int cr = 0;

	if (c->started == 0)
		c->started = metrics_clock();
	put(c, name, nl);
	put(c, ": ", 2);
	span[0] = c->msg.len;
	put_lf(c, value, vl, &cr);
	if (cr)
		put(c, "\r", 1);
	span[1] = c->msg.len - span[0];
	put(c, "\n", 1);
	if (!c->too_big) {
		if (buf_append(&c->names, name, nl + 1) != 0 ||
		    buf_append(&c->values, span, sizeof span) != 0)
			c->too_big = 1;	/* first only with millions of empty fields */
		c->nnames++;
	}
	if (c->msgid.len == 0 && strcasecmp(name, "Message-ID") == 0)
		buf_append(&c->msgid, value, vl < MSGID_MAX ? vl : MSGID_MAX);
	return ok(c, SMFIP_NR_HDR);
}

static void
end_of_headers(struct conn *c)
{
	if (!c->in_body) {
		if (c->started == 0)
			c->started = metrics_clock();
		put(c, "\n", 1);
		c->in_body = 1;
	}
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	end_of_headers(c);
	return ok(c, SMFIP_NR_EOH);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	struct conn *c = conn_get(ctx);

	end_of_headers(c);
	put_lf(c, (const char *)p, n, &c->body_cr);
	return ok(c, SMFIP_NR_BODY);
}

/* ---- the decision ------------------------------------------------------- */

static sfsistat
tempfail(SMFICTX *ctx, const char *qid, const char *why)
{
	syslog(LOG_WARNING, "%s: milter: refused for now (the MTA keeps it): %s", qid, why);
	smfi_setreply(ctx, "451", "4.3.0", "sekisho: message cannot be sanitised now, "
	    "try again later");
	METRIC_ADD(tempfailed, 1);
	return SMFIS_TEMPFAIL;
}

/* How many times workers failed on this message (this one included). */
static size_t
poison_failures(const struct conn *c)
{
	struct buf k;
	char bodyhex[SHA256_HEX_LEN + 1], key[SHA256_HEX_LEN + 1];
	const char *body = memmem(buf_str(&c->msg), c->msg.len, "\n\n", 2);
	size_t off = body != NULL ? (size_t)(body - c->msg.data) + 2 : 0, oldest = 0, n;
	long long now = clock_mono_ms();

	buf_init(&k, SHA256_HEX_LEN + 1 + MSGID_MAX);
	sha256_hex(c->msg.data + off, c->msg.len - off, bodyhex);
	buf_printf(&k, "%s %s", bodyhex, buf_str(&c->msgid));
	sha256_hex(k.data, k.len, key);
	buf_free(&k);
	pthread_mutex_lock(&M.mu);
	for (size_t i = 0; i < POISON_SLOTS; i++) {
		if (strcmp(M.poison[i].key, key) == 0) {
			oldest = i;
			goto found;
		}
		if (M.poison[i].last < M.poison[oldest].last)
			oldest = i;
	}
	memcpy(M.poison[oldest].key, key, sizeof key);
	M.poison[oldest].failures = 0;
found:
	M.poison[oldest].last = now;
	n = ++M.poison[oldest].failures;
	pthread_mutex_unlock(&M.mu);
	return n;
}

/*
 * A worker checked out and given the message: FRAME_MAIL to sanitise it
 * (with clamd around it), FRAME_INSPECT to inspect it (outbound).  WORKER_*
 * or NO_WORKER.
 */
static int
run_worker(struct conn *c, int kind, const char *id, long long now, struct buf *out,
    struct buf *answer, char *detail, size_t dn)
{
	size_t slot;
	int r;
	double t = metrics_clock();

	r = checkout(&slot);
	metrics_stage(STAGE_WORKER_WAIT, t);
	if (r != 0) {
		snprintf(detail, dn, "no sandboxed worker free within time_limit (%zu s)",
		    M.cfg->pol.lim.seconds);
		return NO_WORKER;
	}
	t = metrics_clock();
	if (kind == FRAME_MAIL)
		r = worker_run_scanned(&M.slots[slot].wk, FRAME_MAIL, NULL, &c->env, id, now,
		    buf_str(&c->msg), c->msg.len, out, answer, detail, dn);
	else
		r = worker_run_item(&M.slots[slot].wk, kind, NULL, &c->env, id, now,
		    buf_str(&c->msg), c->msg.len, out, answer, detail, dn);
	metrics_stage(STAGE_SANITIZE, t);
	checkin(slot);
	return r;
}

/*
 * The sanitised header ("Name: value" fields with LF folding, p to hend) in
 * place of the original one, by the fewest edits (header_edit.h): fields
 * already right are kept, others changed in place or deleted, the rest
 * added.  The worker's output is checked like any answer from it: a field
 * must have a name.  Fields are cut in place (NULs over ':' and each
 * field's final LF).
 */
static int
apply_headers(SMFICTX *ctx, struct conn *c, char *p, char *hend, struct buf *err)
{
	size_t cap = 1, nsan = 0, ne;
	struct hfield *orig, *san;
	char **oname, **sname, **sval;
	struct hedit *e;
	char *names = c->names.data;
	int r = -1;

	for (const char *q = p; q < hend; q++)
		cap += *q == '\n';
	san = xcalloc(cap, sizeof *san);
	sname = xcalloc(cap, sizeof *sname);
	sval = xcalloc(cap, sizeof *sval);
	orig = xcalloc(c->nnames + 1, sizeof *orig);
	oname = xcalloc(c->nnames + 1, sizeof *oname);
	e = xcalloc(c->nnames + cap, sizeof *e);
	while (p < hend) {
		char *name = p, *colon, *value, *fend;

		fend = p;
		do {
			fend = memchr(fend, '\n', (size_t)(hend - fend));
			if (fend == NULL)
				fend = hend;
			else
				fend++;
		} while (fend < hend && (*fend == ' ' || *fend == '\t'));
		colon = memchr(name, ':', (size_t)(fend - name));
		if (colon == NULL || colon == name) {
			buf_puts(err, "sanitised message has a header without a name");
			goto out;
		}
		for (char *q = name; q < colon; q++) {
			if ((unsigned char)*q <= 32 || (unsigned char)*q >= 127) {
				buf_puts(err, "sanitised message has a malformed header name");
				goto out;
			}
		}
		*colon = '\0';
		value = colon + 1;
		while (value < fend && (*value == ' ' || *value == '\t'))
			value++;
		fend[-1] = '\0';	/* the field's final LF */
		sname[nsan] = name;
		sval[nsan] = value;
		san[nsan] = (struct hfield){ name, value, strlen(value) };
		nsan++;
		p = fend;
	}
	for (size_t i = 0; i < c->nnames; i++) {
		size_t span[2];

		memcpy(span, c->values.data + i * sizeof span, sizeof span);
		oname[i] = names;
		orig[i] = (struct hfield){ names, c->msg.data + span[0], span[1] };
		names += strlen(names) + 1;
	}
	ne = header_edits(orig, c->nnames, san, nsan, e);
	for (size_t k = 0; k < ne; k++) {
		const struct hedit *x = &e[k];
		int ok;

		if (x->op == HEDIT_ADD)
			ok = smfi_addheader(ctx, sname[x->with], sval[x->with]) == MI_SUCCESS;
		else if (x->op == HEDIT_CHANGE)	/* the sanitised spelling of the name */
			ok = smfi_chgheader(ctx, sname[x->with], (int)x->idx, sval[x->with]) ==
			    MI_SUCCESS;
		else
			ok = smfi_chgheader(ctx, oname[x->field], (int)x->idx, NULL) == MI_SUCCESS;
		if (!ok) {
			buf_printf(err, "editing header %s failed",
			    x->op == HEDIT_DELETE ? oname[x->field] : sname[x->with]);
			goto out;
		}
	}
	r = 0;
out:
	free(san);
	free(sname);
	free(sval);
	free(orig);
	free(oname);
	free(e);
	return r;
}

/*
 * Replace the message by the worker's sanitised one (its header, a blank
 * line, the body with LF line ends).
 */
static int
apply(SMFICTX *ctx, struct conn *c, struct buf *out, struct buf *err)
{
	char *p = out->data, *end, *hend;
	struct buf body;
	int r = -1;

	if (p == NULL || out->len == 0) {
		buf_puts(err, "sanitised message is empty");
		return -1;
	}
	end = p + out->len;
	if (p[0] == '\n')
		hend = p;
	else if ((hend = memmem(p, out->len, "\n\n", 2)) != NULL)
		hend++;
	else {
		buf_puts(err, "sanitised message has no end of header");
		return -1;
	}
	if (apply_headers(ctx, c, p, hend, err) != 0)
		return -1;
	/* body: LF -> CRLF as the MTA expects */
	buf_init(&body, 2 * (size_t)(end - hend) + 2);
	for (p = hend + 1; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t k = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		buf_append(&body, p, k);
		if (nl == NULL)
			break;
		buf_append(&body, "\r\n", 2);
		p = nl + 1;
	}
	/* an empty body is one empty replacement; larger ones go in chunks */
	r = 0;
	if (body.len == 0)
		buf_append(&body, "", 0);
	for (size_t off = 0; r == 0 && (off < body.len || off == 0); off += BODY_CHUNK) {
		size_t k = body.len - off < BODY_CHUNK ? body.len - off : BODY_CHUNK;

		if (smfi_replacebody(ctx, (unsigned char *)body.data + off, (int)k) != MI_SUCCESS) {
			buf_puts(err, "replacing the body failed");
			r = -1;
		}
		if (body.len == 0)
			break;
	}
	buf_free(&body);
	return r;
}

static int
record(struct conn *c, const char *id, long long now, const struct buf *receipt,
    struct buf *err)
{
	struct outcome_item oi = {
		.receipt_id = id, .received = now, .sender = c->sender,
		.recipients = buf_str(&c->rcpts),
		.receipt_json = buf_str(receipt), .receipt_len = receipt->len,
		.original = buf_str(&c->msg), .original_len = c->msg.len,
	};

	return store_client_record(M.sc, &oi, err);
}

/* ---- outbound (direction = outbound; daemon/outbound.h) ---------------- */

/* To and Cc replaced: every recipient sees none of the others (the
 * envelope, which Postfix delivers by, is unchanged). */
static int
hide_recipients(SMFICTX *ctx, struct conn *c, struct buf *err)
{
	const char *name = c->names.data;
	size_t to = 0, cc = 0;

	for (size_t i = 0; i < c->nnames; i++, name += strlen(name) + 1) {
		if (strcasecmp(name, "To") == 0)
			to++;
		else if (strcasecmp(name, "Cc") == 0)
			cc++;
	}
	/* from the last, so that the indexes of the others stay */
	for (; to > 0; to--) {
		if (smfi_chgheader(ctx, "To", (int)to, NULL) != MI_SUCCESS)
			return buf_puts(err, "deleting To failed"), -1;
	}
	for (; cc > 0; cc--) {
		if (smfi_chgheader(ctx, "Cc", (int)cc, NULL) != MI_SUCCESS)
			return buf_puts(err, "deleting Cc failed"), -1;
	}
	if (smfi_addheader(ctx, "To", "undisclosed-recipients:;") != MI_SUCCESS)
		return buf_puts(err, "adding To failed"), -1;
	return 0;
}

static int
printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* The receipt of an outbound message (what it is, what was found, what
 * was done) as JSON. */
static void
outbound_record_json(const struct conn *c, const char *id, long long now,
    const struct outbound_facts *x, const struct outbound_decision *d, struct buf *json)
{
	struct receipt rc;
	struct buf m;

	receipt_init(&rc, id, now);
	memcpy(rc.policy_digest, M.cfg->pol.digest, sizeof rc.policy_digest);
	rc.in.bytes = c->total;
	if (!c->too_big)
		sha256_hex(buf_str(&c->msg), c->msg.len, rc.in.sha256);
	if (c->msgid.len > 0 && printable_ascii(buf_str(&c->msgid)))
		receipt_set(&rc.in.message_id, buf_str(&c->msgid));
	if (x->found->subject != NULL)
		receipt_set(&rc.in.subject, x->found->subject);
	buf_init(&m, 2 * sizeof c->sender);
	(void)dlp_mask_digits(c->sender, strlen(c->sender), &m);
	receipt_set(&rc.in.from, buf_str(&m));
	buf_free(&m);
	receipt_set_envelope(&rc, &c->env);
	outbound_receipt(&rc, x, d);
	receipt_json(&rc, json);
	receipt_free(&rc);
}

static sfsistat
decide_outbound(SMFICTX *ctx, struct conn *c, const char *qid, const char *id, long long now)
{
	const struct config *cfg = M.cfg;
	struct findings_view fv;
	struct finding_view one;
	struct outbound_facts x;
	struct outbound_decision d;
	struct buf out, answer, rj, err, why, reply;
	char detail[256];
	sfsistat r;
	int status, own = 0;
	double t;

	memset(&fv, 0, sizeof fv);
	memset(&x, 0, sizeof x);
	buf_init(&out, 1);	/* an inspection writes no output */
	buf_init(&answer, FINDINGS_READ_MAX);
	buf_init(&rj, RECEIPT_MAX);
	buf_init(&err, 1024);
	buf_init(&why, 512);
	buf_init(&reply, 1024);
	outbound_count(cfg, buf_str(&c->rcpts), &x.recipients, &x.outside, &x.exposed);
	x.trusted_sender = outbound_sender_trusted(cfg, c->sender);
	if (c->too_big)
		outbound_parent_finding(&fv, &one, "message", "message_size_limit");
	else {
		status = run_worker(c, FRAME_INSPECT, id, now, &out, &answer, detail,
		    sizeof detail);
		if (status == NO_WORKER) {
			r = tempfail(ctx, qid, detail);
			goto out;
		}
		if (status == WORKER_FAILED || status == WORKER_TIMEOUT) {
			size_t n = poison_failures(c);

			METRIC_ADD(worker_failures, 1);
			if (n < cfg->worker_attempts) {
				buf_printf(&err, "%s (attempt %zu of %zu)", detail, n,
				    cfg->worker_attempts);
				r = tempfail(ctx, qid, buf_str(&err));
				goto out;
			}
			syslog(LOG_WARNING, "%s: %s (attempt %zu of %zu): uninspectable", qid,
			    detail, n, cfg->worker_attempts);
			outbound_parent_finding(&fv, &one, "message", status == WORKER_TIMEOUT ?
			    "time_limit" :
			    "worker-failed");
		} else if (findings_read(buf_str(&answer), answer.len, id, &fv, &why) != 0) {
			r = tempfail(ctx, qid, buf_str(&why));	/* checked by the worker's caller */
			goto out;
		} else
			own = 1;
	}
	x.found = &fv;
	x.visible_outside = outbound_visible_outside(cfg, &fv);
	outbound_decide(cfg, &x, &d);
	outbound_record_json(c, id, now, &x, &d, &rj);
	if (d.action == OUTBOUND_BCC && hide_recipients(ctx, c, &err) != 0) {
		r = tempfail(ctx, qid, buf_str(&err));
		goto out;
	}
	t = metrics_clock();
	status = record(c, id, now, &rj, &err);
	metrics_stage(STAGE_RECORD, t);
	if (status != 0) {
		buf_printf(&err, " (quarantine or journal)");
		r = tempfail(ctx, qid, buf_str(&err));
		goto out;
	}
	METRIC_ADD(outbound_findings, fv.n + fv.not_listed);
	switch (d.action) {
	case OUTBOUND_REJECT:
		buf_printf(&reply, "sekisho: message refused by the outbound policy (%s); "
		    "receipt %s", d.reason, id);
		smfi_setreply(ctx, "550", "5.7.1", reply.data);
		METRIC_ADD(outbound_rejected, 1);
		r = SMFIS_REJECT;
		break;
	case OUTBOUND_HOLD:
		if (cfg->outbound_release_to[0] != '\0') {
			/* sekisho holds it: recorded with its original above, so
			 * Postfix's copy may go; the console releases ours */
			METRIC_ADD(outbound_held, 1);
			r = SMFIS_DISCARD;
			break;
		}
		buf_printf(&reply, "sekisho %s: %s", id, d.reason);
		if (smfi_quarantine(ctx, reply.data) != MI_SUCCESS) {
			r = tempfail(ctx, qid, "putting the message on hold failed");
			goto out;
		}
		METRIC_ADD(outbound_held, 1);
		r = SMFIS_CONTINUE;
		break;
	case OUTBOUND_DELAY:
		/* recorded with its original: sekisho sends it when its time comes */
		METRIC_ADD(outbound_delayed, 1);
		r = SMFIS_DISCARD;
		break;
	case OUTBOUND_BCC:
		METRIC_ADD(outbound_bcc, 1);
		r = SMFIS_CONTINUE;
		break;
	default:
		METRIC_ADD(outbound_passed, 1);
		r = SMFIS_CONTINUE;
		break;
	}
	metrics_latency(metrics_clock() - c->started);
	syslog(LOG_INFO, "%s: outbound %s id=%s nrcpt=%zu outside=%zu findings=%llu%s%s", qid,
	    outbound_action_name(d.action), id, x.recipients, x.outside,
	    (unsigned long long)(fv.n + fv.not_listed), d.reason[0] ? " reason=" : "", d.reason);
out:
	if (own)
		findings_view_free(&fv);
	buf_free(&out);
	buf_free(&answer);
	buf_free(&rj);
	buf_free(&err);
	buf_free(&why);
	buf_free(&reply);
	return r;
}

static sfsistat
decide(SMFICTX *ctx, struct conn *c)
{
	const struct config *cfg = M.cfg;
	const char *qid = smfi_getsymval(ctx, "i");
	struct buf out, receipt, err;
	char id[RECEIPT_ID_MAX], detail[256];
	long long now = (long long)time(NULL);
	sfsistat r;
	int status, failed;
	double t;

	if (qid == NULL)
		qid = "NOQUEUE";
	if (c->env.protocol[0] == '\0')	/* no connect step (an MTA that skips it) */
		snprintf(c->env.protocol, sizeof c->env.protocol, "milter");
	copy_printable(c->env.queue_id, sizeof c->env.queue_id, qid);
	end_of_headers(c);
	metrics_stage(STAGE_RECEIVE, c->started);
	if (c->body_cr) {
		put(c, "\r", 1);
		c->body_cr = 0;
	}
	receipt_id_new(id, sizeof id, now);
	if (cfg->direction == DIRECTION_OUTBOUND)
		return decide_outbound(ctx, c, qid, id, now);
	buf_init(&out, worker_output_max(&cfg->pol));
	buf_init(&receipt, RECEIPT_MAX);
	buf_init(&err, 1024);
	if (c->too_big) {
		snprintf(detail, sizeof detail, "%zu bytes, more than message_size_limit (%zu); "
		    "the first %zu are kept in quarantine", c->total, cfg->pol.lim.message_bytes,
		    c->msg.len);
		worker_parent_receipt_msgid(&cfg->pol, id, now, NULL, c->total, "message_size_limit", detail,
		    buf_str(&c->msgid), &receipt);
		status = WORKER_WITHHELD;
	} else {
		status = run_worker(c, FRAME_MAIL, id, now, &out, &receipt, detail, sizeof detail);
		if (status == NO_WORKER) {
			r = tempfail(ctx, qid, detail);
			goto out;
		}
		if (status == WORKER_FAILED || status == WORKER_TIMEOUT ||
		    status == WORKER_SCAN_FAILED) {
			size_t n = poison_failures(c);

			METRIC_ADD(worker_failures, 1);
			if (n < cfg->worker_attempts) {
				buf_printf(&err, "%s (attempt %zu of %zu)", detail, n, cfg->worker_attempts);
				r = tempfail(ctx, qid, buf_str(&err));
				goto out;
			}
			syslog(LOG_WARNING, "%s: %s (attempt %zu of %zu): withheld", qid, detail, n,
			    cfg->worker_attempts);
			buf_reset(&receipt);
			worker_parent_receipt_msgid(&cfg->pol, id, now, &c->msg, c->msg.len,
			    status == WORKER_TIMEOUT ? "time_limit" : status == WORKER_SCAN_FAILED ?
			    "scan-failed" : "worker-failed", detail, buf_str(&c->msgid), &receipt);
			status = WORKER_WITHHELD;
		}
	}
	if (status == WORKER_SANITIZED) {
		t = metrics_clock();
		failed = apply(ctx, c, &out, &err);
		metrics_stage(STAGE_EDIT, t);
		if (failed) {
			r = tempfail(ctx, qid, buf_str(&err));
			goto out;
		}
	}
	t = metrics_clock();
	failed = record(c, id, now, &receipt, &err);
	metrics_stage(STAGE_RECORD, t);
	if (failed) {
		buf_printf(&err, " (quarantine or journal)");
		r = tempfail(ctx, qid, buf_str(&err));
		goto out;
	}
	if (status == WORKER_SANITIZED) {
		METRIC_ADD(sanitized, 1);
		r = SMFIS_CONTINUE;
	} else {
		METRIC_ADD(withheld, 1);
		r = SMFIS_DISCARD;
	}
	metrics_latency(metrics_clock() - c->started);
	syslog(LOG_INFO, "%s: %s id=%s from=<%s> nrcpt=%zu", qid,
	    status == WORKER_SANITIZED ? "sanitized" : "withheld", id, c->sender, c->nrcpt);
out:
	buf_free(&out);
	buf_free(&receipt);
	buf_free(&err);
	return r;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	sfsistat r = decide(ctx, c);

	msg_end(c);
	return r;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		msg_end(c);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL) {
		msg_end(c);
		buf_free(&c->msg);
		buf_free(&c->names);
		buf_free(&c->values);
		buf_free(&c->msgid);
		buf_free(&c->rcpts);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

/* ---- start and stop ----------------------------------------------------- */

static size_t
inflight_now(void)
{
	size_t n;

	pthread_mutex_lock(&M.mu);
	n = M.inflight;
	pthread_mutex_unlock(&M.mu);
	return n;
}

static char filter_name[] = "sekisho";

int
milter_run(const struct config *cfg, void (*confine)(void))
{
	struct smfiDesc desc = {
		.xxfi_name = filter_name,
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE,
		.xxfi_connect = cb_connect,
		.xxfi_helo = cb_helo,
		.xxfi_envfrom = cb_envfrom,
		.xxfi_envrcpt = cb_envrcpt,
		.xxfi_header = cb_header,
		.xxfi_eoh = cb_eoh,
		.xxfi_body = cb_body,
		.xxfi_eom = cb_eom,
		.xxfi_abort = cb_abort,
		.xxfi_close = cb_close,
		.xxfi_data = cb_data,
		.xxfi_negotiate = cb_negotiate,
	};
	char conn[300], owner[600];
	struct buf err;
	sigset_t block;
	pthread_t forker_thread;
	long long give_up;
	int r = 1;

	M.cfg = cfg;
	buf_init(&err, 1024);
	if (milter_conn_spec(cfg->milter_listen, conn, sizeof conn, &err) != 0) {
		syslog(LOG_ERR, "%s", buf_str(&err));
		buf_free(&err);
		return 1;
	}
	M.local = strncmp(conn, "unix:", 5) == 0;
	if (smfi_setconn(conn) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS) {
		syslog(LOG_ERR, "milter: cannot set up %s", conn);
		goto out;
	}
	/* the listener first, while this process may still bind anywhere; a
	 * predecessor stopping after a reload may still hold the address */
	give_up = clock_mono_ms() + BIND_WAIT_MS;
	while (smfi_opensocket(true) != MI_SUCCESS) {
		if (clock_mono_ms() > give_up) {
			syslog(LOG_ERR, "milter: cannot listen on %s", cfg->milter_listen);
			goto out;
		}
		usleep(200000);
	}
	/* libmilter's edits are small packets the MTA does not answer:
	 * TCP_NODELAY on its listener sends each at once (milter_sock.h) */
	M.tcp = !M.local && milter_sock_listener(&M.listen_addr) == 0;
	if (M.local && chmod(conn + 5, 0666) != 0)	/* access: the folder's permissions */
		syslog(LOG_WARNING, "milter: chmod %s: %s", conn + 5, strerror(errno));
	/* then the milter gives up root and confines itself (sekishod.c): from
	 * here on it holds no privilege and no key */
	if (confine != NULL)
		confine();
	storeowner_socket_path(cfg, owner, sizeof owner);
	M.sc = store_client_new(owner, STORE_CLIENT_CONNS_MAX);
	/* the pool before any thread (a worker is a fresh program: execve) */
	M.n = cfg->workers < POOL_MAX ? cfg->workers : POOL_MAX;
	for (size_t i = 0; i < M.n; i++) {
		if (worker_start(&M.slots[i].wk, cfg) == 0)
			M.slots[i].state = SLOT_IDLE;
		else {
			M.slots[i].wk.fd = -1;
			M.slots[i].state = SLOT_DEAD;
		}
	}
	/*
	 * libmilter's signal thread takes SIGTERM, SIGINT and SIGHUP with
	 * sigwait(); every other thread must block them, the forker included.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	if (pthread_create(&forker_thread, NULL, forker, NULL) != 0) {
		syslog(LOG_ERR, "milter: cannot start the forker thread");
		goto out;
	}
	syslog(LOG_NOTICE, "milter listening on %s, %zu worker(s)", cfg->milter_listen, M.n);
	r = smfi_main() == MI_SUCCESS ? 0 : 1;
	/* stopped: let messages in progress finish, within time_limit */
	give_up = clock_mono_ms() + (long long)cfg->pol.lim.seconds * 1000 + 1000;
	while (inflight_now() > 0 && clock_mono_ms() < give_up)
		usleep(50000);
	pthread_mutex_lock(&M.mu);
	M.stopping = 1;
	pthread_cond_broadcast(&M.dead_cv);
	pthread_mutex_unlock(&M.mu);
	pthread_join(forker_thread, NULL);
	if (inflight_now() == 0) {	/* else a thread may still be recording */
		store_client_free(M.sc);
		M.sc = NULL;
	}
	syslog(LOG_NOTICE, "milter stopped");
out:
	/* workers exit when their socket closes; busy ones are killed */
	pthread_mutex_lock(&M.mu);
	for (size_t i = 0; i < M.n; i++) {
		if (M.slots[i].state == SLOT_IDLE)
			worker_stop(&M.slots[i].wk);
	}
	pthread_mutex_unlock(&M.mu);
	buf_free(&err);
	return r;
}
