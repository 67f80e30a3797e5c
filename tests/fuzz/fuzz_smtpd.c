/*
 * fuzz_smtpd - bytes as everything a client sends to the SMTP/LMTP listener
 * (commands and DATA), through the real smtpd_session() over a socketpair:
 * one thread writes the input and then closes its side, another reads the
 * replies.  The first byte picks SMTP or LMTP.  Checks, on every message
 * the session would spool (the commit hook):
 *   - it starts with sekishod's "Received: from " and holds no NUL (lines
 *     were CR LF and are spooled with LF; bare LF and NUL messages are
 *     refused; a bare CR is data);
 *   - it has recipients, each in relay_domains without routing;
 * and over the session: no more messages than the input holds CR LF . CR LF
 * (nothing else ends DATA: no smuggling), every reply a line "DDD" then
 * ' ' or '-', ending CR LF.
 */
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/smtpd.h"
#include "policy/access.h"

#include "fuzz.h"

#define RELAY "town.example.lg.jp"
#define REPLIES_MAX (4u * 1024 * 1024)

struct feed {
	int fd;
	const uint8_t *p;
	size_t n;
};

struct drain {
	int fd;
	struct buf replies;
};

static size_t commits;

static void *
feeder(void *arg)
{
	struct feed *f = arg;
	size_t off = 0;

	while (off < f->n) {
		ssize_t w = send(f->fd, f->p + off, f->n - off, MSG_NOSIGNAL);

		if (w <= 0)
			break;	/* the session ended early (521, too many errors) */
		off += (size_t)w;
	}
	shutdown(f->fd, SHUT_WR);
	return NULL;
}

static void *
drainer(void *arg)
{
	struct drain *d = arg;
	char b[65536];
	ssize_t n;

	while ((n = read(d->fd, b, sizeof b)) > 0)
		(void)buf_append(&d->replies, b, (size_t)n);	/* past the ceiling: only read */
	return NULL;
}

static int
check_commit(void *arg, const struct envelope *env, const char *msg, size_t len,
    struct buf *err)
{
	FUZZ_CHECK(len >= 15 && memcmp(msg, "Received: from ", 15) == 0);
	/* a bare CR is data (smtpd.h); a bare LF or a NUL never gets this far */
	FUZZ_CHECK(!fuzz_has(msg, len, '\0'));
	FUZZ_CHECK(env->nrcpt >= 1);
	for (size_t i = 0; i < env->nrcpt; i++)
		FUZZ_CHECK(access_recipient(RELAY, env->rcpt[i]) == ACCESS_RELAY);
	commits++;
	return 0;
}

/* Occurrences (overlapping) of CR LF . CR LF: the most DATA sections that can end. */
static size_t
data_ends(const uint8_t *p, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i + 5 <= n; i++)
		k += memcmp(p + i, "\r\n.\r\n", 5) == 0;
	return k;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtpd_config cfg = {
		.hostname = "fuzz.example",
		.message_bytes = 64 * 1024,
		.max_rcpt = 8,
		.timeout_ms = 2000,
		.write_timeout_ms = 2000,
		.session_ms = 20000,
		.mynetworks = "127.0.0.0/8",
		.relay_domains = RELAY,
		.commit = check_commit,
	};
	struct feed f;
	struct drain d;
	pthread_t tf, td;
	int sv[2];

	if (size == 0)
		return 0;
	cfg.lmtp = data[0] & 1;
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	f = (struct feed){ .fd = sv[1], .p = data + 1, .n = size - 1 };
	d.fd = sv[1];
	buf_init(&d.replies, REPLIES_MAX);
	commits = 0;
	FUZZ_CHECK(pthread_create(&tf, NULL, feeder, &f) == 0);
	FUZZ_CHECK(pthread_create(&td, NULL, drainer, &d) == 0);
	smtpd_session(sv[0], &cfg, "127.0.0.1");
	close(sv[0]);
	pthread_join(tf, NULL);
	pthread_join(td, NULL);
	close(sv[1]);
	FUZZ_CHECK(commits <= data_ends(data + 1, size - 1));
	/* replies: whole lines "DDD" ' '|'-' ... CR LF */
	for (size_t i = 0; i < d.replies.len;) {
		const char *r = d.replies.data + i;
		const char *nl = memchr(r, '\n', d.replies.len - i);

		if (nl == NULL) {
			FUZZ_CHECK(d.replies.len == d.replies.max);	/* cut only by our ceiling */
			break;
		}
		FUZZ_CHECK(nl - r >= 4 && nl[-1] == '\r');
		FUZZ_CHECK(r[0] >= '1' && r[0] <= '5' && r[1] >= '0' && r[1] <= '9' &&
		    r[2] >= '0' && r[2] <= '9' && (r[3] == ' ' || r[3] == '-'));
		FUZZ_CHECK(fuzz_no_ctl(r, (size_t)(nl - r) - 1, ""));
		i = (size_t)(nl - d.replies.data) + 1;
	}
	buf_free(&d.replies);
	return 0;
}
