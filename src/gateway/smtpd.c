/*
 * smtpd - SMTP/LMTP server session.  See smtpd.h.
 */
#include "gateway/smtpd.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "core/num.h"
#include "core/xalloc.h"
#include "gateway/lineio.h"
#include "gateway/metrics.h"

#define SMTP_LINE_MAX 2048	/* commands; RFC 5321 says 512, be lenient */
#define DATA_LINE_MAX (LINEIO_BUF - 2)

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

/* Read the DATA section (dot-unstuffed) into msg; 1 if it grew past its limit. */
static int
read_data(struct lineio *io, struct buf *msg, int *over)
{
	char *line = xmalloc(DATA_LINE_MAX + 1);
	size_t len;
	int r;

	*over = 0;
	for (;;) {
		r = lineio_read(io, line, DATA_LINE_MAX + 1, &len);
		if (r == LINE_TOO_LONG) {
			*over = 1;	/* a line longer than 64 KiB: refuse the message */
			continue;
		}
		if (r != LINE_OK)
			break;
		if (len == 1 && line[0] == '.')
			break;
		if (*over)
			continue;
		{
			const char *p = line[0] == '.' ? line + 1 : line;
			size_t n = line[0] == '.' ? len - 1 : len;

			if (buf_append(msg, p, n) != 0 || buf_putc(msg, '\n') != 0) {
				*over = 1;
				buf_reset(msg);
			}
		}
	}
	free(line);
	return r;
}

int
smtpd_session(int fd, const struct smtpd_config *cfg, struct spool *sp, const char *peer)
{
	struct lineio io;
	char line[SMTP_LINE_MAX];
	struct envelope env;
	struct buf msg, err;
	int have_from = 0, greeted = 0, accepted = 0;
	const char *proto = cfg->lmtp ? "LMTP" : "ESMTP";

	memset(&env, 0, sizeof env);
	env.rcpt = xcalloc(cfg->max_rcpt, sizeof *env.rcpt);
	buf_init(&msg, cfg->message_bytes);
	buf_init(&err, 1024);
	lineio_init(&io, fd, cfg->timeout_ms);
	METRIC_ADD(sessions, 1);
	lineio_printf(&io, "220 %s %s sekisho\r\n", cfg->hostname, proto);
	for (;;) {
		size_t len;
		int r = lineio_read(&io, line, sizeof line, &len);

		if (r == LINE_TOO_LONG) {
			lineio_printf(&io, "500 5.5.2 Line too long\r\n");
			continue;
		}
		if (r == LINE_TIMEOUT) {
			lineio_printf(&io, "421 4.4.2 %s Timeout, closing connection\r\n", cfg->hostname);
			break;
		}
		if (r != LINE_OK)
			break;
		if ((!cfg->lmtp && (verb_is(line, "EHLO") || verb_is(line, "HELO"))) ||
		    (cfg->lmtp && verb_is(line, "LHLO"))) {
			greeted = 1;
			have_from = 0;
			env.nrcpt = 0;
			if (verb_is(line, "HELO"))
				lineio_printf(&io, "250 %s\r\n", cfg->hostname);
			else
				lineio_printf(&io, "250-%s\r\n250-PIPELINING\r\n250-SIZE %zu\r\n"
				    "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n", cfg->hostname,
				    cfg->message_bytes);
		} else if (verb_is(line, "MAIL")) {
			const char *params = "";
			uint64_t size = 0;
			const char *sz;

			if (!greeted)
				lineio_printf(&io, "503 5.5.1 Send %s first\r\n", cfg->lmtp ? "LHLO" : "EHLO");
			else if (have_from)
				lineio_printf(&io, "503 5.5.1 Nested MAIL command\r\n");
			else if (strncasecmp(line + 4, " FROM:", 6) != 0 ||
			    parse_path(line + 10, env.sender, sizeof env.sender, &params) != 0)
				lineio_printf(&io, "501 5.1.7 Bad sender address syntax\r\n");
			else if ((sz = strcasestr(params, "SIZE=")) != NULL &&
			    (size_param(sz + 5, &size) != 0 || size > cfg->message_bytes))
				lineio_printf(&io, "552 5.3.4 Message size exceeds fixed limit\r\n");
			else {
				have_from = 1;
				env.nrcpt = 0;
				lineio_printf(&io, "250 2.1.0 Ok\r\n");
			}
		} else if (verb_is(line, "RCPT")) {
			if (!have_from)
				lineio_printf(&io, "503 5.5.1 Need MAIL command\r\n");
			else if (env.nrcpt >= cfg->max_rcpt)
				lineio_printf(&io, "452 4.5.3 Too many recipients\r\n");
			else if (strncasecmp(line + 4, " TO:", 4) != 0 ||
			    parse_path(line + 8, env.rcpt[env.nrcpt], SPOOL_ADDR_MAX, NULL) != 0 ||
			    env.rcpt[env.nrcpt][0] == '\0')
				lineio_printf(&io, "501 5.1.3 Bad recipient address syntax\r\n");
			else {
				env.nrcpt++;
				lineio_printf(&io, "250 2.1.5 Ok\r\n");
			}
		} else if (verb_is(line, "DATA")) {
			int over = 0, rd;

			if (!have_from || env.nrcpt == 0) {
				lineio_printf(&io, "503 5.5.1 Need RCPT command\r\n");
				continue;
			}
			lineio_printf(&io, "354 End data with <CR><LF>.<CR><LF>\r\n");
			buf_reset(&msg);
			rd = read_data(&io, &msg, &over);
			if (rd != LINE_OK)
				break;	/* connection lost mid-message: the sender keeps it */
			if (over) {
				for (size_t i = 0; i < (cfg->lmtp ? env.nrcpt : 1); i++)
					lineio_printf(&io, "552 5.3.4 Message size exceeds fixed limit\r\n");
			} else {
				buf_reset(&err);
				spool_new_qid(env.qid);
				{
					struct timespec ts;

					clock_gettime(CLOCK_REALTIME, &ts);
					env.received = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
				}
				snprintf(env.client, sizeof env.client, "%s", peer);
				env.attempts = 0;
				if (spool_commit(sp, &env, buf_str(&msg), msg.len, &err) == 0) {
					accepted++;
					METRIC_ADD(accepted, 1);
					syslog(LOG_INFO, "%s: accepted from=<%s> nrcpt=%zu size=%zu client=%s",
					    env.qid, env.sender, env.nrcpt, msg.len, peer);
					for (size_t i = 0; i < (cfg->lmtp ? env.nrcpt : 1); i++)
						lineio_printf(&io, "250 2.0.0 Ok: queued as %s\r\n", env.qid);
				} else {
					syslog(LOG_ERR, "spool failure: %s", buf_str(&err));
					for (size_t i = 0; i < (cfg->lmtp ? env.nrcpt : 1); i++)
						lineio_printf(&io, "451 4.3.0 Temporary spool failure\r\n");
				}
			}
			have_from = 0;
			env.nrcpt = 0;
		} else if (verb_is(line, "RSET")) {
			have_from = 0;
			env.nrcpt = 0;
			lineio_printf(&io, "250 2.0.0 Ok\r\n");
		} else if (verb_is(line, "NOOP")) {
			lineio_printf(&io, "250 2.0.0 Ok\r\n");
		} else if (verb_is(line, "QUIT")) {
			lineio_printf(&io, "221 2.0.0 Bye\r\n");
			break;
		} else if (verb_is(line, "VRFY")) {
			lineio_printf(&io, "252 2.5.2 Cannot VRFY user\r\n");
		} else if (verb_is(line, "HELP")) {
			lineio_printf(&io, "214 2.0.0 See RFC 5321\r\n");
		} else
			lineio_printf(&io, "502 5.5.2 Command not recognized\r\n");
	}
	buf_free(&msg);
	buf_free(&err);
	free(env.rcpt);
	return accepted;
}
