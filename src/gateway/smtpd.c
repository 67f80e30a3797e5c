/*
 * smtpd - SMTP/LMTP server session.  See smtpd.h.
 */
#include "gateway/smtpd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>

#include "core/clock.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "gateway/lineio.h"
#include "gateway/metrics.h"
#include "policy/access.h"

#define SMTP_LINE_MAX 2048	/* commands; RFC 5321 says 512, be lenient */
#define DATA_LINE_MAX (LINEIO_BUF - 2)
#define HELO_MAX 255
#define ERRORS_MAX 20		/* replies 4xx/5xx to commands before the session is closed */
#define REFUSED_COMMANDS_MAX 10	/* commands a refused client gets 503 to before we close */
#define GOODBYE_WRITE_MS 1000	/* the closing 421 is not waited on longer */
#define REPLY_SNDBUF (64 * 1024)	/* socket send buffer: replies are small, and a
					 * client that reads none is noticed after this much */

/* Why a message read to its end is refused (the first cause found). */
enum refusal { KEEP = 0, TOO_BIG, BARE_NEWLINE, NUL_BYTE };

struct session {
	const struct smtpd_config *cfg;
	struct lineio io;
	const char *peer;
	char helo[HELO_MAX + 1];
	int greeted;		/* 0 none, 1 HELO, 2 EHLO or LHLO */
	int have_from;
	int broken;		/* a reply could not be sent: the session is over */
	int errors;
	struct envelope env;
	struct buf msg, err;
	int accepted;
};

/* Send one reply; a failure (the client does not read, or left) ends the session. */
static void __attribute__((format(printf, 2, 3)))
reply(struct session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n, r;

	if (s->broken)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line)
		n = snprintf(line, sizeof line, "451 4.3.0 Internal error\r\n");
	if (line[0] == '4' || line[0] == '5')
		s->errors++;
	if ((r = lineio_write(&s->io, line, (size_t)n)) != 0) {
		s->broken = 1;
		syslog(LOG_INFO, "client [%s]: %s; session closed", s->peer,
		    r == LINE_TIMEOUT ? "does not read its replies (smtp_write_timeout)" :
		    r == LINE_DEADLINE ? "smtp_session_timeout reached" : "connection lost");
	}
}

/* The last reply of a session that ran out of time: sent if it can go at once. */
static void
goodbye(struct session *s, const char *why)
{
	s->io.write_timeout_ms = GOODBYE_WRITE_MS;
	s->io.deadline_ms = 0;
	reply(s, "421 4.4.2 %s %s, closing connection\r\n", s->cfg->hostname, why);
}

/* <addr> from "FROM:<addr> params" (after the keyword); "" for <>. */
static int
parse_path(const char *arg, char *addr, size_t n, const char **params)
{
	const char *lt, *gt;
	size_t len;

	while (*arg == ' ')
		arg++;
	if ((lt = strchr(arg, '<')) == NULL || (gt = strchr(lt, '>')) == NULL)
		return -1;
	for (const char *p = arg; p < lt; p++) {
		if (*p != ' ')
			return -1;
	}
	len = (size_t)(gt - lt - 1);
	if (len >= n)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)lt[1 + i];

		if (c <= ' ' || c == 0x7f || c == '<' || c == '>')
			return -1;
	}
	memcpy(addr, lt + 1, len);
	addr[len] = '\0';
	if (params != NULL)
		*params = gt + 1;
	return 0;
}

static int
size_param(const char *s, uint64_t *v)
{
	char num[24];
	size_t n = strcspn(s, " ");

	if (n == 0 || n >= sizeof num)
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	return parse_u64(num, v);
}

static int
verb_is(const char *line, const char *verb)
{
	size_t n = strlen(verb);

	return strncasecmp(line, verb, n) == 0 && (line[n] == '\0' || line[n] == ' ' ||
	    line[n] == ':');
}

/*
 * A HELO argument: a domain or an address literal, in the characters those
 * use (letters, digits, . - _ : [ ]).  It goes into the Received header and
 * the receipt, so nothing else is taken.
 */
static int
helo_valid(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n > HELO_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']'))
			return 0;
	}
	return 1;
}

/* The message size clients are told (SIZE) and held to. */
static size_t
size_offered(const struct smtpd_config *cfg)
{
	return cfg->message_bytes > SMTPD_RECEIVED_RESERVE * 2 ?
	    cfg->message_bytes - SMTPD_RECEIVED_RESERVE : cfg->message_bytes / 2;
}

/* RFC 5322 date-time in UTC, without the locale. */
static void
rfc5322_date(long long ms, char *s, size_t n)
{
	static const char *const day[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(s, n, "Thu, 01 Jan 1970 00:00:00 +0000");
		return;
	}
	snprintf(s, n, "%s, %02d %s %04d %02d:%02d:%02d +0000", day[tm.tm_wday], tm.tm_mday,
	    mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The protocol word of RFC 3848 for this session. */
static const char *
protocol(const struct session *s)
{
	int tls = s->io.ssl != NULL;

	if (s->cfg->lmtp)
		return tls ? "LMTPS" : "LMTP";
	if (s->greeted == 1)
		return "SMTP";
	return tls ? "ESMTPS" : "ESMTP";
}

/* Our trace field, first in the message (LF line ends, as spooled). */
static int
put_received(struct session *s, struct buf *b)
{
	char date[64];
	int r = 0;

	rfc5322_date(s->env.received, date, sizeof date);
	r |= buf_printf(b, "Received: from %s (%s%s]", s->helo,
	    strchr(s->peer, ':') != NULL ? "[IPv6:" : "[", s->peer);
	r |= buf_puts(b, ")\n");
	if (s->env.tls[0] != '\0') {
		const char *sp = strchr(s->env.tls, ' ');

		r |= buf_printf(b, "\t(using %.*s with cipher %s)\n",
		    sp != NULL ? (int)(sp - s->env.tls) : (int)strlen(s->env.tls), s->env.tls,
		    sp != NULL ? sp + 1 : "unknown");
	}
	r |= buf_printf(b, "\tby %s (sekisho) with %s id %s", s->cfg->hostname, s->env.proto,
	    s->env.qid);
	if (s->env.nrcpt == 1)
		r |= buf_printf(b, "\n\tfor <%s>", s->env.rcpt[0]);
	r |= buf_printf(b, "; %s\n", date);
	return r;
}

/*
 * Read the DATA section to its CR LF . CR LF into s->msg (dot-unstuffed,
 * LF line ends, after the Received header already there).  Returns the
 * lineio result; *why is set when the message must be refused, and then
 * nothing more is kept but the reading goes on to the real end.
 */
static int
read_data(struct session *s, enum refusal *why)
{
	char *line = xmalloc(DATA_LINE_MAX + 1);
	int first = 1, r;

	*why = KEEP;
	for (;;) {
		size_t len;
		unsigned flags;

		r = lineio_read_crlf(&s->io, line, DATA_LINE_MAX + 1, &len, &flags);
		if (r == LINE_TOO_LONG) {
			if (*why == KEEP)
				*why = TOO_BIG;	/* a line longer than 64 KiB */
			continue;
		}
		if (r != LINE_OK)
			break;
		if (len == 1 && line[0] == '.')
			break;	/* only ever after a CR LF: the line reader ends nothing else */
		if (*why == KEEP && (flags & LINE_NUL))
			*why = NUL_BYTE;
		else if (*why == KEEP && (flags & LINE_BARE_LF))
			*why = BARE_NEWLINE;	/* a bare CR stays data: no reader ends a line there */
		if (*why != KEEP)
			continue;
		/* content starting with white space would continue our Received
		 * header: an empty line ends the header first (as Postfix does) */
		if (first && len > 0 && (line[0] == ' ' || line[0] == '\t') &&
		    buf_putc(&s->msg, '\n') != 0)
			*why = TOO_BIG;
		first = 0;
		{
			const char *p = line[0] == '.' ? line + 1 : line;
			size_t n = line[0] == '.' ? len - 1 : len;

			if (buf_append(&s->msg, p, n) != 0 || buf_putc(&s->msg, '\n') != 0)
				*why = TOO_BIG;
		}
		if (*why != KEEP)
			buf_reset(&s->msg);
	}
	free(line);
	return r;
}

static void
reset_transaction(struct session *s)
{
	s->have_from = 0;
	s->env.nrcpt = 0;
	s->env.sender[0] = '\0';
}

/* One reply per recipient in LMTP, one in SMTP. */
#define FOR_EACH_REPLY(s, i) for (size_t i = 0; i < ((s)->cfg->lmtp ? (s)->env.nrcpt : 1); i++)

static void
cmd_data(struct session *s, const char *arg)
{
	enum refusal why;
	struct timespec ts;
	int rd;

	if (!s->have_from || s->env.nrcpt == 0) {
		reply(s, "503 5.5.1 Need RCPT command\r\n");
		return;
	}
	if (*arg != '\0') {
		reply(s, "501 5.5.4 Syntax: DATA\r\n");
		return;
	}
	reply(s, "354 End data with <CR><LF>.<CR><LF>\r\n");
	if (s->broken)
		return;
	spool_new_qid(s->env.qid);
	clock_gettime(CLOCK_REALTIME, &ts);
	s->env.received = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	snprintf(s->env.client, sizeof s->env.client, "%s", s->peer);
	snprintf(s->env.proto, sizeof s->env.proto, "%s", protocol(s));
	snprintf(s->env.helo, sizeof s->env.helo, "%s", s->helo);
	lineio_tls_info(&s->io, s->env.tls, sizeof s->env.tls);
	s->env.attempts = 0;
	buf_reset(&s->msg);
	if (put_received(s, &s->msg) != 0) {
		reply(s, "451 4.3.0 Internal error\r\n");	/* not reached: the reserve holds it */
		return;
	}
	rd = read_data(s, &why);
	if (rd == LINE_DEADLINE || rd == LINE_TIMEOUT) {
		goodbye(s, rd == LINE_DEADLINE ? "Session time limit exceeded" : "Timeout");
		s->broken = 1;
		return;
	}
	if (rd != LINE_OK) {
		s->broken = 1;	/* connection lost mid-message: the sender keeps it */
		return;
	}
	if (why != KEEP) {
		syslog(LOG_NOTICE, "client [%s]: message from=<%s> refused: %s", s->peer,
		    s->env.sender, why == TOO_BIG ? "message_size_limit" : why == NUL_BYTE ?
		    "NUL in the message" : "bare LF in the message");
		FOR_EACH_REPLY(s, i) {
			if (why == TOO_BIG)
				reply(s, "552 5.3.4 Message size exceeds fixed limit\r\n");
			else if (why == NUL_BYTE)
				reply(s, "550 5.6.0 Message contains NUL characters\r\n");
			else
				reply(s, "550 5.5.2 Message contains bare <LF>: lines must "
				    "end in <CR><LF> (RFC 5321 2.3.8)\r\n");
		}
		reset_transaction(s);
		return;
	}
	buf_reset(&s->err);
	if (s->cfg->commit(s->cfg->commit_arg, &s->env, buf_str(&s->msg), s->msg.len,
	    &s->err) == 0) {
		s->accepted++;
		METRIC_ADD(accepted, 1);
		syslog(LOG_INFO, "%s: accepted from=<%s> nrcpt=%zu size=%zu client=[%s] helo=%s "
		    "proto=%s%s%s", s->env.qid, s->env.sender, s->env.nrcpt, s->msg.len, s->peer,
		    s->helo, s->env.proto, s->env.tls[0] ? " tls=" : "", s->env.tls);
		FOR_EACH_REPLY(s, i)
			reply(s, "250 2.0.0 Ok: queued as %s\r\n", s->env.qid);
	} else {
		syslog(LOG_ERR, "spool failure: %s", buf_str(&s->err));
		FOR_EACH_REPLY(s, i)
			reply(s, "451 4.3.0 Temporary spool failure\r\n");
	}
	reset_transaction(s);
}

static void
cmd_helo(struct session *s, const char *verb, const char *arg)
{
	int ehlo = strcasecmp(verb, "HELO") != 0;

	if (!helo_valid(arg)) {
		reply(s, "501 5.5.4 Syntax: %s hostname\r\n", verb);
		return;
	}
	snprintf(s->helo, sizeof s->helo, "%s", arg);
	s->greeted = ehlo ? 2 : 1;
	reset_transaction(s);
	if (!ehlo)
		reply(s, "250 %s\r\n", s->cfg->hostname);
	else
		reply(s, "250-%s\r\n250-PIPELINING\r\n250-SIZE %zu\r\n%s"
		    "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n", s->cfg->hostname,
		    size_offered(s->cfg), s->cfg->tls != NULL && s->io.ssl == NULL ?
		    "250-STARTTLS\r\n" : "");
}

static void
cmd_starttls(struct session *s, const char *arg)
{
	size_t discarded;

	if (s->cfg->tls == NULL) {
		reply(s, "502 5.5.1 STARTTLS not available\r\n");
		return;
	}
	if (s->io.ssl != NULL) {
		reply(s, "503 5.5.1 TLS already active\r\n");
		return;
	}
	if (*arg != '\0') {
		reply(s, "501 5.5.4 Syntax: STARTTLS\r\n");
		return;
	}
	if (s->greeted != 2) {
		reply(s, "503 5.5.1 Send %s first\r\n", s->cfg->lmtp ? "LHLO" : "EHLO");
		return;
	}
	reply(s, "220 2.0.0 Ready to start TLS\r\n");
	if (s->broken)
		return;
	if ((discarded = lineio_pending(&s->io)) > 0)
		syslog(LOG_WARNING, "client [%s]: %zu byte(s) sent after STARTTLS before the "
		    "handshake discarded (command injection, CVE-2011-0411)", s->peer, discarded);
	if (lineio_starttls(&s->io, s->cfg->tls) != 0) {
		syslog(LOG_INFO, "client [%s]: TLS handshake failed; session closed", s->peer);
		s->broken = 1;
		return;
	}
	/* RFC 3207 4.2: forget what the client said in the clear */
	s->greeted = 0;
	s->helo[0] = '\0';
	reset_transaction(s);
}

static void
cmd_mail(struct session *s, const char *line)
{
	const char *params = "", *sz;
	uint64_t size = 0;

	if (!s->greeted)
		reply(s, "503 5.5.1 Send %s first\r\n", s->cfg->lmtp ? "LHLO" : "EHLO");
	else if (s->have_from)
		reply(s, "503 5.5.1 Nested MAIL command\r\n");
	else if (strncasecmp(line + 4, " FROM:", 6) != 0 ||
	    parse_path(line + 10, s->env.sender, sizeof s->env.sender, &params) != 0)
		reply(s, "501 5.1.7 Bad sender address syntax\r\n");
	else if ((sz = strcasestr(params, "SIZE=")) != NULL &&
	    (size_param(sz + 5, &size) != 0 || size > size_offered(s->cfg)))
		reply(s, "552 5.3.4 Message size exceeds fixed limit\r\n");
	else {
		s->have_from = 1;
		s->env.nrcpt = 0;
		reply(s, "250 2.1.0 Ok\r\n");
	}
}

static void
cmd_rcpt(struct session *s, const char *line)
{
	char *rcpt;
	enum access_rcpt a;

	if (!s->have_from) {
		reply(s, "503 5.5.1 Need MAIL command\r\n");
		return;
	}
	if (s->env.nrcpt >= s->cfg->max_rcpt) {
		reply(s, "452 4.5.3 Too many recipients\r\n");
		return;
	}
	rcpt = s->env.rcpt[s->env.nrcpt];
	if (strncasecmp(line + 4, " TO:", 4) != 0 ||
	    parse_path(line + 8, rcpt, SPOOL_ADDR_MAX, NULL) != 0 || rcpt[0] == '\0') {
		reply(s, "501 5.1.3 Bad recipient address syntax\r\n");
		return;
	}
	a = access_recipient(s->cfg->relay_domains, rcpt);
	if (a != ACCESS_RELAY) {
		syslog(LOG_NOTICE, "client [%s]: from=<%s> to=<%s> refused: %s", s->peer,
		    s->env.sender, rcpt, a == ACCESS_ROUTED ? "sender-specified routing" :
		    "not in relay_domains");
		if (a == ACCESS_ROUTED)
			reply(s, "554 5.7.1 <%s>: Sender-specified routing is not accepted\r\n", rcpt);
		else
			reply(s, "554 5.7.1 <%s>: Relay access denied\r\n", rcpt);
		return;
	}
	s->env.nrcpt++;
	reply(s, "250 2.1.5 Ok\r\n");
}

/* A client outside mynetworks: 554, then 503 to anything but QUIT (RFC 5321 3.1). */
static void
refused_session(struct session *s)
{
	char line[SMTP_LINE_MAX];

	syslog(LOG_NOTICE, "client [%s] refused: not in mynetworks", s->peer);
	reply(s, "554 5.7.1 %s sekisho: client [%s] is not in mynetworks\r\n", s->cfg->hostname,
	    s->peer);
	for (int n = 0; n < REFUSED_COMMANDS_MAX && !s->broken; n++) {
		size_t len;
		unsigned flags;
		int r = lineio_read_crlf(&s->io, line, sizeof line, &len, &flags);

		if (r == LINE_TOO_LONG)
			continue;
		if (r != LINE_OK)
			return;
		if (verb_is(line, "QUIT")) {
			reply(s, "221 2.0.0 Bye\r\n");
			return;
		}
		reply(s, "503 5.7.1 Client [%s] is not in mynetworks\r\n", s->peer);
	}
}

int
smtpd_session(int fd, const struct smtpd_config *cfg, const char *peer)
{
	struct session s;
	char line[SMTP_LINE_MAX];

	memset(&s, 0, sizeof s);
	s.cfg = cfg;
	s.peer = peer;
	s.env.rcpt = xcalloc(cfg->max_rcpt, sizeof *s.env.rcpt);
	buf_init(&s.msg, cfg->message_bytes);
	buf_init(&s.err, 1024);
	{
		int sndbuf = REPLY_SNDBUF;

		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	}
	lineio_init(&s.io, fd, cfg->timeout_ms);
	s.io.write_timeout_ms = cfg->write_timeout_ms;
	s.io.deadline_ms = clock_mono_ms() + cfg->session_ms;
	METRIC_ADD(sessions, 1);
	if (!access_network_match(cfg->mynetworks, peer)) {
		refused_session(&s);
		goto out;
	}
	reply(&s, "220 %s %s sekisho\r\n", cfg->hostname, cfg->lmtp ? "LMTP" : "ESMTP");
	while (!s.broken) {
		size_t len;
		unsigned flags;
		int r = lineio_read_crlf(&s.io, line, sizeof line, &len, &flags);
		const char *arg;

		if (r == LINE_TOO_LONG) {
			reply(&s, "500 5.5.2 Line too long\r\n");
			continue;
		}
		if (r == LINE_TIMEOUT || r == LINE_DEADLINE) {
			syslog(LOG_INFO, "client [%s]: %s; session closed", peer, r == LINE_TIMEOUT ?
			    "idle (smtp_timeout)" : "smtp_session_timeout reached");
			goodbye(&s, r == LINE_TIMEOUT ? "Timeout" : "Session time limit exceeded");
			break;
		}
		if (r != LINE_OK)
			break;
		if (flags != 0) {
			/* where this command ends is no longer agreed on: stop */
			syslog(LOG_NOTICE, "client [%s]: bare CR or LF, or NUL, in a command; "
			    "session closed", peer);
			reply(&s, "521 5.5.2 %s Error: bare <CR>, <LF> or NUL in a command\r\n",
			    cfg->hostname);
			break;
		}
		if (s.errors >= ERRORS_MAX) {
			reply(&s, "421 4.7.0 %s Error: too many errors\r\n", cfg->hostname);
			break;
		}
		arg = line + strcspn(line, " ");
		arg += *arg == ' ';
		if ((!cfg->lmtp && (verb_is(line, "EHLO") || verb_is(line, "HELO"))) ||
		    (cfg->lmtp && verb_is(line, "LHLO"))) {
			char verb[5];

			memcpy(verb, line, 4);
			verb[4] = '\0';
			cmd_helo(&s, verb, arg);
		} else if (verb_is(line, "STARTTLS"))
			cmd_starttls(&s, arg);
		else if (verb_is(line, "MAIL"))
			cmd_mail(&s, line);
		else if (verb_is(line, "RCPT"))
			cmd_rcpt(&s, line);
		else if (verb_is(line, "DATA"))
			cmd_data(&s, arg);
		else if (verb_is(line, "RSET")) {
			reset_transaction(&s);
			reply(&s, "250 2.0.0 Ok\r\n");
		} else if (verb_is(line, "NOOP"))
			reply(&s, "250 2.0.0 Ok\r\n");
		else if (verb_is(line, "QUIT")) {
			reply(&s, "221 2.0.0 Bye\r\n");
			break;
		} else if (verb_is(line, "VRFY"))
			reply(&s, "252 2.5.2 Cannot VRFY user\r\n");
		else if (verb_is(line, "HELP"))
			reply(&s, "214 2.0.0 See RFC 5321\r\n");
		else
			reply(&s, "502 5.5.2 Command not recognized\r\n");
	}
out:
	lineio_tls_free(&s.io);
	buf_free(&s.msg);
	buf_free(&s.err);
	free(s.env.rcpt);
	return s.accepted;
}
