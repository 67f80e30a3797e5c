/*
 * sekishod - the gateway daemon between the zones.
 *
 * Process layout (Postfix-like, each with one job):
 *   master    owns the configuration and the listening socket, starts and
 *             restarts the others, recovers the spool at start-up, reloads on
 *             SIGHUP (new agents and acceptor; open sessions finish), stops on
 *             SIGTERM/SIGINT.
 *   acceptor  accepts connections and forks one session process per client
 *             (at most max_sessions; more get 421).
 *   session   speaks SMTP or LMTP and spools each message durably before 250.
 *   agents    (workers of them) deliver from the spool, each through its own
 *             sandboxed worker (src/daemon/agent.c).
 *   milter    when milter_listen is set: the Postfix milter with its own pool
 *             of sandboxed workers (src/daemon/milter.c).
 * Every child dies with the master (PR_SET_PDEATHSIG), so "kill -9 the
 * daemon" stops everything at once; the spool keeps every accepted message.
 *
 * usage: sekishod [-c CONFIG] [-f]     (-f: stay in the foreground, log to stderr too)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "daemon/agent.h"
#include "daemon/milter.h"
#include "daemon/outcome.h"
#include "cdr/cdr.h"
#include "gateway/metrics.h"
#include "gateway/smtpd.h"
#include "gateway/spool.h"
#include "gateway/tls.h"
#include "mime/sanitize.h"
#include "policy/config.h"

#define AGENTS_MAX 64
#define RESTART_DELAY_S 1

static volatile sig_atomic_t got_term, got_hup, got_chld;
static volatile int agent_stop;
static int metrics_fd = -1;
static int wake[2] = { -1, -1 };	/* sessions -> agents: "a message is queued" */

static void
on_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
}

static void
on_agent_term(int sig)
{
	agent_stop = 1;
}

static void
set_signals(void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
}

static int
load_policy(struct policy *pol, const char *path)
{
	struct buf err;
	int r = 0;

	config_defaults(pol);
	if (path == NULL)
		return 0;
	buf_init(&err, 4096);
	if (config_load_file(pol, path, &err) != 0) {
		syslog(LOG_ERR, "configuration error: %s", buf_str(&err));
		fprintf(stderr, "sekishod: configuration error: %s\n", buf_str(&err));
		r = -1;
	} else {
		/* what the workers load before their sandbox (YARA rules...) must
		 * load here too, or every worker would die on it */
		char e[512];

		if (cdr_init(pol, e, sizeof e) != 0) {
			syslog(LOG_ERR, "configuration error: %s", e);
			fprintf(stderr, "sekishod: configuration error: %s\n", e);
			r = -1;
		} else if (tls_check_files(pol->smtp_tls_cert, pol->smtp_tls_key, &err) != 0) {
			/* the acceptor loads them: a bad pair must stop the start or the reload */
			syslog(LOG_ERR, "configuration error: %s", buf_str(&err));
			fprintf(stderr, "sekishod: configuration error: %s\n", buf_str(&err));
			r = -1;
		}
	}
	buf_free(&err);
	return r;
}

static int
open_listener(const char *listen_addr)
{
	char host[128], *colon;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res;
	int fd = -1, one = 1;

	snprintf(host, sizeof host, "%s", listen_addr);
	if ((colon = strrchr(host, ':')) == NULL)
		return -1;
	*colon = '\0';
	if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res) != 0)
		return -1;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 128) != 0)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Child setup shared by every process the master starts. */
static void
child_common(const char *name)
{
	prctl(PR_SET_NAME, name);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
}

static volatile sig_atomic_t acceptor_draining, acceptor_reap;

static void
on_acceptor_hup(int sig)
{
	acceptor_draining = 1;
}

static void
on_acceptor_chld(int sig)
{
	acceptor_reap = 1;	/* and accept() returns EINTR: the ended session is reaped now */
}

/* One open session: its process and its client's address (smtp_client_connection_limit). */
struct session_slot {
	pid_t pid;
	char addr[64];
};

/* Reap every session that ended; never waits. */
static void
reap_sessions(struct session_slot *slot, size_t nslots, size_t *open)
{
	pid_t pid;

	acceptor_reap = 0;
	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		for (size_t i = 0; i < nslots; i++) {
			if (slot[i].pid == pid) {
				slot[i].pid = 0;
				(*open)--;
				break;
			}
		}
	}
}

/* Tell a client to come back later without waiting for it: the acceptor never blocks. */
static void
turn_away(int cfd, const char *reply)
{
	if (send(cfd, reply, strlen(reply), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		syslog(LOG_DEBUG, "421 not sent: %s", strerror(errno));
	close(cfd);
}

static int
commit_to_spool(void *arg, const struct envelope *env, const char *msg, size_t len,
    struct buf *err)
{
	return spool_commit(arg, env, msg, len, err);
}

/*
 * The acceptor: accepts, checks the limits, forks one session per client.
 * It never blocks on a session: ended sessions are reaped with WNOHANG (on
 * SIGCHLD, which also interrupts accept(), and before every decision), and
 * a client beyond max_sessions or beyond smtp_client_connection_limit for
 * its address gets a 421 sent without waiting, so the sessions already
 * open go on undisturbed and one address cannot take them all (Postfix's
 * anvil and smtpd_client_connection_count_limit).
 */
static void __attribute__((noreturn))
run_acceptor(const struct policy *pol, int lfd)
{
	struct smtpd_config sc;
	struct session_slot *slot;
	struct spool sp;
	struct buf err;
	char host[256];
	size_t open = 0, nslots = pol->max_sessions;
	SSL_CTX *tls = NULL;

	child_common("sk-acceptor");
	signal(SIGTERM, SIG_DFL);
	{
		/* SIGHUP (a reload): stop accepting, let open sessions finish, exit;
		 * neither signal restarts accept(), so the loop sees them at once */
		struct sigaction sa;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_acceptor_hup;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGHUP, &sa, NULL);
		sa.sa_handler = on_acceptor_chld;
		sa.sa_flags = SA_NOCLDSTOP;
		sigaction(SIGCHLD, &sa, NULL);
	}
	buf_init(&err, 1024);
	if (spool_open(&sp, pol->spool_dir, &err) != 0) {
		syslog(LOG_ERR, "%s", buf_str(&err));
		_exit(1);
	}
	spool_set_wake(&sp, wake[1]);
	if (pol->smtp_tls_cert[0] != '\0' &&
	    (tls = tls_server_ctx(pol->smtp_tls_cert, pol->smtp_tls_key, &err)) == NULL) {
		syslog(LOG_ERR, "STARTTLS: %s", buf_str(&err));
		_exit(1);
	}
	if (pol->relay_domains[0] == '\0')
		syslog(LOG_WARNING, "relay_domains is empty: the listener refuses every recipient");
	if (pol->hostname[0] != '\0')
		snprintf(host, sizeof host, "%s", pol->hostname);
	else if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	memset(&sc, 0, sizeof sc);
	sc.hostname = host;
	sc.message_bytes = pol->lim.message_bytes;
	sc.max_rcpt = SPOOL_RCPT_MAX;
	sc.timeout_ms = (int)pol->smtp_timeout * 1000;
	sc.write_timeout_ms = (int)pol->smtp_write_timeout * 1000;
	sc.session_ms = (int)pol->smtp_session_timeout * 1000;
	sc.lmtp = pol->listen_lmtp;
	sc.mynetworks = pol->mynetworks;
	sc.relay_domains = pol->relay_domains;
	sc.tls = tls;
	sc.commit = commit_to_spool;
	sc.commit_arg = &sp;
	slot = xcalloc(nslots, sizeof *slot);
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		char peer[64] = "unknown";
		size_t same = 0, free_slot = nslots;
		int cfd;
		pid_t pid;

		reap_sessions(slot, nslots, &open);
		if (acceptor_draining) {
			close(lfd);
			while (wait(NULL) > 0)
				;
			_exit(0);
		}
		cfd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EINTR)
				usleep(10000);
			continue;
		}
		getnameinfo((struct sockaddr *)&ss, sl, peer, sizeof peer, NULL, 0, NI_NUMERICHOST);
		reap_sessions(slot, nslots, &open);
		for (size_t i = 0; i < nslots; i++) {
			if (slot[i].pid == 0) {
				if (free_slot == nslots)
					free_slot = i;
			} else if (strcmp(slot[i].addr, peer) == 0)
				same++;
		}
		if (open >= pol->max_sessions || free_slot == nslots) {
			syslog(LOG_WARNING, "client [%s] turned away: max_sessions (%zu) reached", peer,
			    pol->max_sessions);
			turn_away(cfd, "421 4.3.2 Too many connections, try again later\r\n");
			continue;
		}
		if (same >= pol->smtp_client_limit) {
			syslog(LOG_WARNING, "client [%s] turned away: %zu sessions open from it "
			    "(smtp_client_connection_limit)", peer, same);
			turn_away(cfd, "421 4.7.0 Too many connections from your address, "
			    "try again later\r\n");
			continue;
		}
		if ((pid = fork()) == 0) {
			close(lfd);
			prctl(PR_SET_NAME, "sk-smtpd");
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			signal(SIGCHLD, SIG_DFL);
			signal(SIGHUP, SIG_IGN);	/* a reload lets open sessions finish */
			smtpd_session(cfd, &sc, peer);
			_exit(0);
		}
		close(cfd);
		if (pid > 0) {
			slot[free_slot].pid = pid;
			snprintf(slot[free_slot].addr, sizeof slot[free_slot].addr, "%s", peer);
			open++;
		}
	}
}

static void __attribute__((noreturn))
run_agent(const struct policy *pol)
{
	struct spool sp;
	struct buf err;

	child_common("sk-agent");
	set_signals(on_agent_term, 0);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	buf_init(&err, 1024);
	if (spool_open(&sp, pol->spool_dir, &err) != 0) {
		syslog(LOG_ERR, "%s", buf_str(&err));
		_exit(1);
	}
	spool_set_wake(&sp, wake[0]);
	_exit(agent_run(pol, &sp, &agent_stop) == 0 ? 0 : 1);
}

struct children {
	pid_t metrics;
	pid_t acceptor;
	pid_t agents[AGENTS_MAX];
	size_t nagents;
	pid_t milter;
};

static pid_t
spawn(void (*fn)(const struct policy *, int), const struct policy *pol, int lfd)
{
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) == 0)
		fn(pol, lfd);
	return pid;
}

static void
acceptor_entry(const struct policy *pol, int lfd)
{
	if (metrics_fd >= 0)
		close(metrics_fd);
	run_acceptor(pol, lfd);
}

static void
agent_entry(const struct policy *pol, int lfd)
{
	close(lfd);
	if (metrics_fd >= 0)
		close(metrics_fd);
	run_agent(pol);
}

static void
milter_entry(const struct policy *pol, int lfd)
{
	close(lfd);
	if (metrics_fd >= 0)
		close(metrics_fd);
	child_common("sk-milter");
	signal(SIGCHLD, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	_exit(milter_run(pol));
}

static void
metrics_entry(const struct policy *pol, int lfd)
{
	close(lfd);
	child_common("sk-metrics");
	signal(SIGCHLD, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	metrics_serve(metrics_fd, pol->spool_dir);
}

static void
start_all(struct children *ch, const struct policy *pol, int lfd)
{
	if (metrics_fd >= 0 && ch->metrics <= 0)
		ch->metrics = spawn(metrics_entry, pol, lfd);
	ch->nagents = pol->workers < AGENTS_MAX ? pol->workers : AGENTS_MAX;
	for (size_t i = 0; i < ch->nagents; i++)
		ch->agents[i] = spawn(agent_entry, pol, lfd);
	ch->acceptor = spawn(acceptor_entry, pol, lfd);
	ch->milter = pol->milter_listen[0] != '\0' ? spawn(milter_entry, pol, lfd) : 0;
}

static void
stop_all(struct children *ch, int sig)
{
	if (got_term && ch->metrics > 0) {	/* a reload keeps the metrics process */
		kill(ch->metrics, sig);
		ch->metrics = 0;
	}
	if (ch->acceptor > 0)
		kill(ch->acceptor, sig);
	if (ch->milter > 0)
		kill(ch->milter, sig);
	for (size_t i = 0; i < ch->nagents; i++) {
		if (ch->agents[i] > 0)
			kill(ch->agents[i], sig);
	}
}

/* Restart whatever died (after a short pause, so a crash loop cannot spin). */
static void
reap_and_restart(struct children *ch, const struct policy *pol, int lfd)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		int found = 0;

		if (pid == ch->metrics) {
			sleep(RESTART_DELAY_S);
			ch->metrics = spawn(metrics_entry, pol, lfd);
			found = 1;
		}
		if (!found && pid == ch->acceptor) {
			syslog(LOG_WARNING, "acceptor exited (status %d); restarting", st);
			sleep(RESTART_DELAY_S);
			ch->acceptor = spawn(acceptor_entry, pol, lfd);
			found = 1;
		}
		if (!found && pid == ch->milter) {
			syslog(LOG_WARNING, "milter exited (status %d); restarting", st);
			sleep(RESTART_DELAY_S);
			ch->milter = spawn(milter_entry, pol, lfd);
			found = 1;
		}
		for (size_t i = 0; i < ch->nagents && !found; i++) {
			if (ch->agents[i] == pid) {
				syslog(LOG_WARNING, "agent exited (status %d); restarting", st);
				METRIC_ADD(agent_restarts, 1);
				sleep(RESTART_DELAY_S);
				ch->agents[i] = spawn(agent_entry, pol, lfd);
				found = 1;
			}
		}
	}
}

int
main(int argc, char **argv)
{
	const char *config = NULL;
	struct policy pol;
	struct children ch;
	struct spool sp;
	struct buf err;
	int c, foreground = 0, lfd, recovered;

	while ((c = getopt(argc, argv, "c:fh")) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'f': foreground = 1; break;
		default:
			fputs("usage: sekishod [-c CONFIG] [-f]\n", stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	openlog("sekishod", LOG_PID | (foreground ? LOG_PERROR : 0), LOG_MAIL);
	if (load_policy(&pol, config) != 0)
		return 2;
	buf_init(&err, 1024);
	if (pol.milter_listen[0] != '\0' && milter_check_spec(pol.milter_listen, &err) != 0) {
		fprintf(stderr, "sekishod: configuration error: %s\n", buf_str(&err));
		return 2;
	}
	if (spool_open(&sp, pol.spool_dir, &err) != 0) {
		fprintf(stderr, "sekishod: %s\n", buf_str(&err));
		return 1;
	}
	if (outcome_prepare(&pol, &err) != 0) {
		fprintf(stderr, "sekishod: %s\n", buf_str(&err));
		return 1;
	}
	recovered = spool_recover(&sp);
	if (recovered > 0)
		syslog(LOG_NOTICE, "recovered %d message(s) left in progress by a previous run",
		    recovered);
	spool_close(&sp);
	if ((lfd = open_listener(pol.listen)) < 0) {
		fprintf(stderr, "sekishod: cannot listen on %s: %s\n", pol.listen, strerror(errno));
		return 1;
	}
	if (pol.metrics_listen[0] != '\0' && (metrics_init() != 0 ||
	    (metrics_fd = open_listener(pol.metrics_listen)) < 0)) {
		fprintf(stderr, "sekishod: cannot serve metrics on %s: %s\n", pol.metrics_listen,
		    strerror(errno));
		return 1;
	}
	if (!foreground && daemon(1, 0) != 0) {
		fprintf(stderr, "sekishod: daemon: %s\n", strerror(errno));
		return 1;
	}
	if (pipe2(wake, O_NONBLOCK | O_CLOEXEC) != 0) {
		fprintf(stderr, "sekishod: pipe: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	sanitize_init();	/* once here, inherited by every worker */
	set_signals(on_signal, 0);
	memset(&ch, 0, sizeof ch);
	start_all(&ch, &pol, lfd);
	syslog(LOG_NOTICE, "listening on %s (%s), delivering to %s, %zu agent(s)%s%s", pol.listen,
	    pol.listen_lmtp ? "LMTP" : "SMTP", pol.deliver_to, ch.nagents,
	    pol.milter_listen[0] != '\0' ? "; milter on " : "", pol.milter_listen);
	while (!got_term) {
		pause();
		if (got_chld) {
			got_chld = 0;
			reap_and_restart(&ch, &pol, lfd);
		}
		if (got_hup) {
			struct policy fresh;

			got_hup = 0;
			if (load_policy(&fresh, config) == 0) {
				syslog(LOG_NOTICE, "reloading configuration");
				pol = fresh;
				/* the old acceptor stops accepting and waits for its
				 * sessions; agents finish their item; new ones start now */
				if (ch.acceptor > 0)
					kill(ch.acceptor, SIGHUP);
				ch.acceptor = 0;
				for (size_t i = 0; i < ch.nagents; i++) {
					if (ch.agents[i] > 0)
						kill(ch.agents[i], SIGTERM);
				}
				/* the old milter stops listening at once and
				 * finishes its messages; the new one binds after */
				if (ch.milter > 0)
					kill(ch.milter, SIGTERM);
				ch.milter = 0;
				start_all(&ch, &pol, lfd);
			} else
				syslog(LOG_ERR, "reload refused: configuration error; keeping the old one");
		}
	}
	syslog(LOG_NOTICE, "stopping");
	stop_all(&ch, SIGTERM);
	while (wait(NULL) > 0)
		;
	return 0;
}
