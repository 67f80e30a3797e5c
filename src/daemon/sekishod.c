/*
 * sekishod - the gateway daemon between the zones.
 *
 * Processes (Postfix-like, each with one job and the least it needs; the
 * users are daemon_user and worker_user when started as root, see
 * docs/architecture.md):
 *   master    root, and nothing from outside ever reaches it: reads the
 *             configuration, prepares the state once (a short-lived child
 *             creates missing keys as root and checks, as daemon_user, that
 *             every folder it needs is writable, and recovers the spool),
 *             binds the listeners, starts the others and restarts them with
 *             a back-off, reloads on SIGHUP, stops everything on SIGTERM
 *             within STOP_GRACE_MS.  It never reads a key: the store owner
 *             gets the key file as an open descriptor.
 *   sk-store  daemon_user: the only holder of the quarantine key; records
 *             every outcome (storeowner.h).
 *   sk-acceptor, sk-smtpd
 *             daemon_user: accepts connections, one session process per
 *             client (SMTP/LMTP, spools each message before 250).
 *   sk-agent  (workers of them) daemon_user: deliver from the spool, each
 *             with its own sandboxed worker (worker_user, started by the
 *             agent's sk-spawn) and the store owner (agent.c).
 *   sk-milter daemon_user: the Postfix milter with its pool of workers.
 *   sk-metrics daemon_user: GET /metrics.
 * Every child dies with the master (PR_SET_PDEATHSIG), so "kill -9 the
 * daemon" stops everything at once; the spool keeps every accepted message.
 *
 * usage: sekishod [-c CONFIG] [-f]     (-f: stay in the foreground, log to stderr too)
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <libgen.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cdr/cdr.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "daemon/agent.h"
#include "daemon/daemon_config.h"
#include "daemon/milter.h"
#include "daemon/outcome.h"
#include "daemon/storeowner.h"
#include "gateway/confine.h"
#include "gateway/metrics.h"
#include "gateway/privsep.h"
#include "gateway/smtpd.h"
#include "gateway/spawner.h"
#include "gateway/spool.h"
#include "gateway/transfer.h"
#include "daemon/health.h"
#include "gateway/tls.h"
#include "gateway/worker.h"
#include "mime/sanitize.h"
#include "policy/config.h"
#include "store/store.h"
#include "web/console.h"
#include "web/monitor.h"

#define AGENTS_MAX 64
#define RESTART_FIRST_MS 250	/* the first restart of a child that died young */
#define RESTART_MAX_MS 60000	/* the longest pause between two restarts */
#define RESTART_YOUNG_MS 10000	/* a child that lived less died young */
#define STOP_GRACE_MS 3000	/* after SIGTERM, the others have this long... */
#define STOP_STORE_MS 1500	/* ...then the store owner this long; then SIGKILL */

/* What every child reads after the fork (the master's, read-only there). */
static struct config dcfg;	/* "cfg" in the functions that take one */
static const char *config_path;
static int smtp_lfd = -1, metrics_fd = -1, store_lfd = -1;
static int console_lfd = -1, console_mon_fd = -1;	/* HTTPS; the monitor's socket */
static int wake[2] = { -1, -1 };	/* sessions -> agents: "a message is queued" */
static volatile int agent_stop;

/* Who the processes run as. */
static struct {
	int switch_users;	/* the master is root */
	struct run_user daemon, worker, console;
} U;

static void
on_agent_term(int sig)
{
	agent_stop = 1;
}

/* The configuration as the daemon needs it: parsed, and every value
 * checked as the daemon will use it (daemon_config_check). */
static int
load_config(struct config *c, const char *path)
{
	struct buf err;
	int r = 0;

	config_defaults(c);
	buf_init(&err, 4096);
	if (path != NULL && config_load_file(c, path, &err) != 0)
		r = -1;
	else if (daemon_config_check(c, &err) != 0)
		r = -1;
	else {
		/* what the workers load before their sandbox (YARA rules...) must
		 * load here too, or every worker would die on it */
		char e[512];

		if (cdr_init(&c->pol, e, sizeof e) != 0) {
			buf_puts(&err, e);
			r = -1;
		}
	}
	if (r != 0) {
		syslog(LOG_ERR, "configuration error: %s", buf_str(&err));
		fprintf(stderr, "sekishod: configuration error: %s\n", buf_str(&err));
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

/* ---- children ------------------------------------------------------------ */

/* Set up shared by every process the master starts: its name, death with
 * the master, default signals (the master blocks them for sigtimedwait). */
static void
child_common(const char *name)
{
	sigset_t none;

	prctl(PR_SET_NAME, name);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (getppid() == 1)	/* the master died before we were ready */
		_exit(1);
}

/* The descriptors of the master a child has no use for. */
static void
close_master_fds(int keep_lfd, int keep_metrics, int keep_store)
{
	if (!keep_lfd && smtp_lfd >= 0)
		close(smtp_lfd);
	if (!keep_metrics && metrics_fd >= 0)
		close(metrics_fd);
	if (!keep_store && store_lfd >= 0)
		close(store_lfd);
}

static void
become_daemon_user(const char *what)
{
	if (U.switch_users)
		privsep_become(&U.daemon, what);
	else
		privsep_check(what);	/* started by another user: no capability either */
}

/* Workers of this process through a spawner started now, while root (or,
 * started by another user, so that this process never forks itself). */
static void
start_spawner(const char *what)
{
	static struct spawner sp;
	struct buf err;

	buf_init(&err, 512);
	if (spawner_start(&sp, U.switch_users ? &U.worker : NULL, worker_program(), &dcfg,
	    &err) != 0) {
		syslog(LOG_ERR, "%s: %s", what, buf_str(&err));
		_exit(1);
	}
	buf_free(&err);
	worker_use_spawner(&sp);
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
run_acceptor(const struct config *cfg, int lfd)
{
	struct smtpd_config sc;
	struct session_slot *slot;
	struct spool sp;
	struct buf err;
	char host[256];
	size_t open = 0, nslots = cfg->max_sessions;
	SSL_CTX *tls = NULL;

	child_common("sk-acceptor");
	buf_init(&err, 1024);
	/* the certificate's key is read as root (it is root's file, 0600), then
	 * the acceptor gives up root; sessions inherit the context */
	if (cfg->smtp_tls_cert[0] != '\0' &&
	    (tls = tls_server_ctx(cfg->smtp_tls_cert, cfg->smtp_tls_key, &err)) == NULL) {
		syslog(LOG_ERR, "STARTTLS: %s", buf_str(&err));
		_exit(1);
	}
	become_daemon_user("acceptor");
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
	if (spool_open(&sp, cfg->spool_dir, &err) != 0) {
		syslog(LOG_ERR, "%s", buf_str(&err));
		_exit(1);
	}
	spool_set_wake(&sp, wake[1]);
	if (cfg->relay_domains[0] == '\0')
		syslog(LOG_WARNING, "relay_domains is empty: the listener refuses every recipient");
	if (cfg->hostname[0] != '\0')
		snprintf(host, sizeof host, "%s", cfg->hostname);
	else if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	memset(&sc, 0, sizeof sc);
	sc.hostname = host;
	sc.message_bytes = cfg->pol.lim.message_bytes;
	sc.max_rcpt = SPOOL_RCPT_MAX;
	sc.timeout_ms = (int)cfg->smtp_timeout * 1000;
	sc.write_timeout_ms = (int)cfg->smtp_write_timeout * 1000;
	sc.session_ms = (int)cfg->smtp_session_timeout * 1000;
	sc.lmtp = cfg->listen_lmtp;
	sc.mynetworks = cfg->mynetworks;
	sc.relay_domains = cfg->relay_domains;
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
		if (open >= cfg->max_sessions || free_slot == nslots) {
			syslog(LOG_WARNING, "client [%s] turned away: max_sessions (%zu) reached", peer,
			    cfg->max_sessions);
			turn_away(cfd, "421 4.3.2 Too many connections, try again later\r\n");
			continue;
		}
		if (same >= cfg->smtp_client_limit) {
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
			/* the client's bytes are parsed here: the spool and nothing else */
			confine_enter(CONFINE_SESSION, (const char *const[]){ cfg->spool_dir, NULL },
			    NULL);
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
run_store(int key_fd, int audit_fd)
{
	child_common("sk-store");
	close_master_fds(0, 0, 1);
	/* the console's previews are drawn by workers (mime/preview.h) */
	if (console_mon_fd >= 0)
		start_spawner("store owner");
	become_daemon_user("store owner");
	_exit(storeowner_run(&dcfg, store_lfd, key_fd, audit_fd, console_mon_fd, U.console.uid));
}

/* SIGTERM and SIGINT set agent_stop (the loop ends at its next look);
 * SIGHUP is the master's. */
static void
stop_on_term(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_agent_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
}

/*
 * The start of a child that works on the spool (an agent, the transfer
 * watcher): its name, SIGTERM and SIGINT setting agent_stop, the spawner of
 * its workers (while still root) when it has any, the daemon user, and the
 * spool opened with its end of the wake pipe.
 */
static void
spool_child(const char *title, const char *what, int spawns, int wake_end, struct spool *sp)
{
	struct buf err;

	child_common(title);
	close_master_fds(0, 0, 0);
	stop_on_term();
	if (spawns)
		start_spawner(what);
	become_daemon_user(what);
	buf_init(&err, 1024);
	if (spool_open(sp, dcfg.spool_dir, &err) != 0) {
		syslog(LOG_ERR, "%s", buf_str(&err));
		_exit(1);
	}
	buf_free(&err);
	spool_set_wake(sp, wake_end);
}

static void __attribute__((noreturn))
run_agent(void)
{
	struct spool sp;

	spool_child("sk-agent", "agent", 1, wake[0], &sp);
	_exit(agent_run(&dcfg, &sp, &agent_stop) == 0 ? 0 : 1);
}

/* The transfer folders' watcher: takes dropped files into the spool
 * (gateway/transfer.h); parses nothing, the agents' workers do.  Confined
 * (gateway/confine.h) like the processes that face the outside. */
static void __attribute__((noreturn))
run_transfer(void)
{
	struct spool sp;

	spool_child("sk-transfer", "transfer", 0, wake[1], &sp);
	/* it reads names and follows no link, and may touch nothing but the
	 * drop folders and the spool */
	confine_enter(CONFINE_TRANSFER, (const char *const[]){ dcfg.transfer_in_dir,
	    dcfg.spool_dir, NULL }, NULL);
	_exit(transfer_watch_run(&dcfg, &sp, &agent_stop) == 0 ? 0 : 1);
}

static void
confine_milter(void)
{
	start_spawner("milter");
	become_daemon_user("milter");
	/* libmilter parses Postfix's protocol and the message: no files, no
	 * new connections but to the store owner, no fork */
	confine_enter(CONFINE_MILTER, NULL, NULL);
}

static void __attribute__((noreturn))
run_milter(void)
{
	child_common("sk-milter");
	close_master_fds(0, 0, 0);
	signal(SIGHUP, SIG_IGN);
	_exit(milter_run(&dcfg, confine_milter));
}

/* The health checks and the alert mails (daemon/health.h): as the daemon
 * user, with nothing of the outside to parse. */
static void __attribute__((noreturn))
run_health(void)
{
	child_common("sk-health");
	close_master_fds(0, 0, 0);
	{
		/* while still root: the keys' folder may be root's alone */
		char pub[600];

		snprintf(pub, sizeof pub, "%s.pub", dcfg.audit_key);
		health_use_fds(open(dcfg.quarantine_key, O_PATH | O_CLOEXEC),
		    open(pub, O_PATH | O_CLOEXEC));
	}
	stop_on_term();
	become_daemon_user("health");
	_exit(health_run_loop(&dcfg, &agent_stop) == 0 ? 0 : 1);
}

static void
confine_console(void)
{
	/* HTTPS: threads, the accepted connections, the monitor's socket */
	confine_enter(CONFINE_CONSOLE, NULL, NULL);
}

/* A PEM file read whole (as root: the key may be root's only). */
static char *
read_pem(const char *path)
{
	struct buf b;
	char chunk[4096];
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL) {
		syslog(LOG_ERR, "console: %s: %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b, CONSOLE_PEM_MAX);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (buf_append(&b, chunk, n) != 0) {
			syslog(LOG_ERR, "console: %s: larger than %zu bytes", path, CONSOLE_PEM_MAX);
			fclose(f);
			buf_free(&b);
			return NULL;
		}
	}
	fclose(f);
	return buf_steal(&b, &n);
}

static void __attribute__((noreturn))
run_console(void)
{
	char *cert, *key;
	int r;

	child_common("sk-web");
	close_master_fds(0, 0, 0);
	if ((cert = read_pem(dcfg.console_tls_cert)) == NULL ||
	    (key = read_pem(dcfg.console_tls_key)) == NULL)
		_exit(1);
	if (U.switch_users)
		privsep_become(&U.console, "console");
	else
		privsep_check("console");
	r = console_serve(&dcfg, console_lfd, cert, key, confine_console);
	_exit(r);
}

static void __attribute__((noreturn))
run_metrics(void)
{
	child_common("sk-metrics");
	close_master_fds(0, 1, 0);
	signal(SIGHUP, SIG_IGN);
	become_daemon_user("metrics");
	confine_enter(CONFINE_METRICS, NULL, (const char *const[]){ dcfg.spool_dir, NULL });
	metrics_serve(metrics_fd, dcfg.spool_dir);
}

/* ---- the supervisor ------------------------------------------------------- */

enum kind { K_STORE, K_METRICS, K_ACCEPTOR, K_MILTER, K_AGENT, K_CONSOLE, K_TRANSFER,
	K_HEALTH };

struct child {
	enum kind kind;
	const char *name;
	pid_t pid;
	long long started, restart_at;	/* clock_mono_ms; restart_at 0: none due */
	unsigned failures;		/* deaths in a row, each young */
};

static struct child kids[7 + AGENTS_MAX];	/* every kind once, the agents */
static size_t nkids;

static pid_t
spawn(struct child *k)
{
	pid_t pid;
	int key_fd = -1, audit_fd = -1;

	if (k->kind == K_STORE) {
		/* the master opens the keys for the store owner, never reads them */
		if ((key_fd = open(dcfg.quarantine_key, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
			syslog(LOG_ERR, "quarantine key %s: %s", dcfg.quarantine_key, strerror(errno));
			return -1;
		}
		if ((audit_fd = open(dcfg.audit_key, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
			syslog(LOG_ERR, "audit key %s: %s", dcfg.audit_key, strerror(errno));
			close(key_fd);
			return -1;
		}
	}
	fflush(NULL);
	if ((pid = fork()) == 0) {
		/* the console's sockets: HTTPS for sk-web only, the monitor's for sk-store */
		if (k->kind != K_CONSOLE && console_lfd >= 0)
			close(console_lfd);
		if (k->kind != K_STORE && console_mon_fd >= 0)
			close(console_mon_fd);
		switch (k->kind) {
		case K_STORE: run_store(key_fd, audit_fd);
		case K_CONSOLE: run_console();
		case K_METRICS: run_metrics();
		case K_ACCEPTOR:
			close_master_fds(1, 0, 0);
			run_acceptor(&dcfg, smtp_lfd);
		case K_MILTER: run_milter();
		case K_AGENT: run_agent();
		case K_TRANSFER: run_transfer();
		case K_HEALTH: run_health();
		}
		_exit(1);
	}
	if (key_fd >= 0)
		close(key_fd);
	if (audit_fd >= 0)
		close(audit_fd);
	if (pid > 0) {
		k->pid = pid;
		k->started = clock_mono_ms();
	}
	return pid;
}

static void
add_kid(enum kind kind, const char *name)
{
	kids[nkids] = (struct child){ .kind = kind, .name = name };
	nkids++;
}

/* The children a configuration calls for (none is running yet). */
static void
plan(void)
{
	nkids = 0;
	add_kid(K_STORE, "store owner");
	if (metrics_fd >= 0)
		add_kid(K_METRICS, "metrics");
	for (size_t i = 0; i < dcfg.workers && i < AGENTS_MAX; i++)
		add_kid(K_AGENT, "agent");
	add_kid(K_ACCEPTOR, "acceptor");
	if (dcfg.milter_listen[0] != '\0')
		add_kid(K_MILTER, "milter");
	if (console_lfd >= 0)
		add_kid(K_CONSOLE, "console");
	if (dcfg.transfer_in_dir[0] != '\0')
		add_kid(K_TRANSFER, "transfer");
	add_kid(K_HEALTH, "health");
}

static struct child *
kid_of(pid_t pid)
{
	for (size_t i = 0; i < nkids; i++) {
		if (kids[i].pid == pid)
			return &kids[i];
	}
	return NULL;
}

/*
 * A child died: it restarts after a pause that doubles with every death in
 * a row of a child that died young (RESTART_FIRST_MS ... RESTART_MAX_MS),
 * and is logged once per death, with the pause: a child that can never
 * start costs one line a minute, not a spinning master (Postfix's master
 * throttles a failing service the same way).
 */
static void
schedule_restart(struct child *k, int st)
{
	long long now = clock_mono_ms(), pause;
	char how[64];

	if (now - k->started < RESTART_YOUNG_MS)
		k->failures++;
	else
		k->failures = 0;
	pause = k->failures == 0 ? RESTART_FIRST_MS : RESTART_FIRST_MS;
	for (unsigned i = 1; i < k->failures && pause < RESTART_MAX_MS; i++)
		pause *= 2;
	if (pause > RESTART_MAX_MS)
		pause = RESTART_MAX_MS;
	if (WIFSIGNALED(st))
		snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(st));
	syslog(k->failures > 1 ? LOG_ERR : LOG_WARNING, "%s %s; restarting in %.1f s%s",
	    k->name, how, (double)pause / 1000, k->failures > 1 ?
	    " (it keeps dying: see the messages before this one)" : "");
	if (k->kind == K_AGENT)
		METRIC_ADD(agent_restarts, 1);
	k->pid = 0;
	k->restart_at = now + pause;
}

static void
reap(void)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct child *k = kid_of(pid);

		if (k != NULL)
			schedule_restart(k, st);
		/* else: one of a previous configuration, finishing after a reload */
	}
}

/* Start what is due; the wait until the next one is due (ms, or -1). */
static long long
start_due(void)
{
	long long now = clock_mono_ms(), next = -1;

	for (size_t i = 0; i < nkids; i++) {
		struct child *k = &kids[i];

		if (k->pid > 0 || k->restart_at == 0)
			continue;
		if (k->restart_at <= now) {
			k->restart_at = 0;
			if (spawn(k) < 0)
				schedule_restart(k, 0);
		}
		if (k->restart_at != 0 && (next < 0 || k->restart_at - now < next))
			next = k->restart_at - now;
	}
	return next;
}

/* Signal the children of one kind (or all but the store owner). */
static void
signal_kids(int sig, int store)
{
	for (size_t i = 0; i < nkids; i++) {
		if (kids[i].pid > 0 && (kids[i].kind == K_STORE) == store)
			kill(kids[i].pid, sig);
	}
}

/* Reap what has ended, without restarting it (while stopping). */
static void
reap_quiet(void)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct child *k = kid_of(pid);

		if (k != NULL)
			k->pid = 0;
	}
}

/* Wait at most ms until no child of the set (the store owner, or the
 * others) is left; 0 when none is. */
static int
wait_set(int store, long long ms)
{
	long long until = clock_mono_ms() + ms;

	for (;;) {
		size_t alive = 0;

		reap_quiet();
		for (size_t i = 0; i < nkids; i++)
			alive += kids[i].pid > 0 && (kids[i].kind == K_STORE) == store;
		if (alive == 0)
			return 0;
		if (clock_mono_ms() >= until)
			return -1;
		usleep(20000);
	}
}

/* SIGTERM: everything stops within STOP_GRACE_MS + STOP_STORE_MS, the store
 * owner last (so every outcome is recorded, and its final checkpoint). */
static void
stop_all(void)
{
	signal_kids(SIGTERM, 0);
	if (wait_set(0, STOP_GRACE_MS) != 0) {
		signal_kids(SIGKILL, 0);
		wait_set(0, 500);
	}
	signal_kids(SIGTERM, 1);
	if (wait_set(1, STOP_STORE_MS) != 0) {
		signal_kids(SIGKILL, 1);
		wait_set(1, 500);
	}
	/* children of an older configuration, still draining, die with the
	 * master (PR_SET_PDEATHSIG) */
}

/* SIGHUP: a new configuration, or the old one kept. */
static void
reload(void)
{
	static struct config fresh;
	size_t old_n = nkids;
	struct child old[sizeof kids / sizeof kids[0]];

	if (load_config(&fresh, config_path) != 0) {
		syslog(LOG_ERR, "reload refused: configuration error; keeping the old one");
		return;
	}
	if (strcmp(fresh.daemon_user, dcfg.daemon_user) != 0 ||
	    strcmp(fresh.worker_user, dcfg.worker_user) != 0 ||
	    strcmp(fresh.listen, dcfg.listen) != 0 ||
	    strcmp(fresh.metrics_listen, dcfg.metrics_listen) != 0 ||
	    strcmp(fresh.spool_dir, dcfg.spool_dir) != 0) {
		syslog(LOG_ERR, "reload refused: daemon_user, worker_user, listen, metrics_listen "
		    "and spool_dir change with a restart only; keeping the old configuration");
		return;
	}
	syslog(LOG_NOTICE, "reloading configuration");
	memcpy(old, kids, sizeof kids);
	dcfg = fresh;
	/* the old acceptor stops accepting and waits for its sessions; agents
	 * finish their item; the old milter stops listening at once and
	 * finishes its messages, the new one binds after it; the store owner
	 * finishes what it was given; the metrics process stays */
	for (size_t i = 0; i < old_n; i++) {
		if (old[i].pid <= 0 || old[i].kind == K_METRICS)
			continue;
		kill(old[i].pid, old[i].kind == K_ACCEPTOR ? SIGHUP : SIGTERM);
	}
	plan();
	for (size_t i = 0; i < nkids; i++) {
		if (kids[i].kind == K_METRICS) {
			for (size_t j = 0; j < old_n; j++) {
				if (old[j].kind == K_METRICS)
					kids[i] = old[j];
			}
			if (kids[i].pid > 0)
				continue;
		}
		kids[i].restart_at = 1;	/* due now */
	}
}

/* ---- start-up ------------------------------------------------------------- */

/* Chown what a root-run sekishod of an earlier version left to root. */
static int
chown_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	if (st->st_uid == 0 && lchown(p, U.daemon.uid, U.daemon.gid) != 0)
		syslog(LOG_WARNING, "chown %s: %s", p, strerror(errno));
	return 0;
}

static void
take_ownership(const char *path, int tree)
{
	struct stat st;

	if (lstat(path, &st) != 0 || st.st_uid != 0)
		return;
	syslog(LOG_NOTICE, "%s belonged to root (an earlier sekishod ran as root): now to %s",
	    path, U.daemon.name);
	if (tree)
		nftw(path, chown_one, 32, FTW_PHYS);
	else
		chown_one(path, &st, 0, NULL);
}

/* A folder the daemon user must be able to write in (created if missing). */
static int
need_dir(const char *what, const char *dir, struct buf *err)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		buf_printf(err, "%s: cannot create %s: %s", what, dir, strerror(errno));
		return -1;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		buf_printf(err, "%s: %s is not writable by %s: %s", what, dir,
		    U.switch_users ? U.daemon.name : "this user", strerror(errno));
		return -1;
	}
	return 0;
}

/* The folder a file is in must be writable (SQLite's -wal and -shm files,
 * the journal's .checkpoints and .torn files are created beside them). */
static int
need_dir_of(const char *what, const char *file, struct buf *err)
{
	char copy[1024];

	snprintf(copy, sizeof copy, "%s", file);
	return need_dir(what, dirname(copy), err);
}

/*
 * Once at start, in a short-lived child so that the master never holds a
 * key or touches the data: create the quarantine key if there is none yet
 * (as root: readable by root only, the store owner gets it opened), give an
 * earlier root-run installation's state to the daemon user, then as that
 * user check that every folder it needs is there and writable, and recover
 * the spool.  0, or -1 after saying what is wrong.
 */
static int
prepare(void)
{
	pid_t pid;
	int st;

	fflush(NULL);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		struct buf err;
		struct spool sp;
		char sub[1024];
		int recovered, afd;

		prctl(PR_SET_NAME, "sk-prepare");
		buf_init(&err, 2048);
		/* the keys are root's files (root-only when root started us) */
		if (outcome_make_keys(&dcfg, &err) != 0)
			goto fail;
		if ((afd = open(dcfg.audit_key, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
			buf_printf(&err, "audit key %s: %s", dcfg.audit_key, strerror(errno));
			goto fail;
		}
		if (U.switch_users) {
			take_ownership(dcfg.spool_dir, 1);
			take_ownership(dcfg.quarantine_dir, 1);
			take_ownership(dcfg.journal, 0);
			for (const char *const *x = (const char *const[]){ ".checkpoints", ".torn",
			    NULL }; *x != NULL; x++) {
				snprintf(sub, sizeof sub, "%s%s", dcfg.journal, *x);
				take_ownership(sub, 0);
			}
			if (dcfg.quarantine_backend == QUARANTINE_SQLITE) {
				take_ownership(dcfg.quarantine_db, 0);
				for (const char *const *x = (const char *const[]){ "-wal", "-shm",
				    NULL }; *x != NULL; x++) {
					snprintf(sub, sizeof sub, "%s%s", dcfg.quarantine_db, *x);
					take_ownership(sub, 0);
				}
			}
		}
		become_daemon_user("prepare");
		if (need_dir("spool_dir", dcfg.spool_dir, &err) != 0 ||
		    (dcfg.transfer_in_dir[0] != '\0' &&
		    (need_dir("transfer_in_dir", dcfg.transfer_in_dir, &err) != 0 ||
		    need_dir("transfer_out_dir", dcfg.transfer_out_dir, &err) != 0)) ||
		    need_dir("quarantine_dir", dcfg.quarantine_dir, &err) != 0 ||
		    need_dir_of("journal", dcfg.journal, &err) != 0 ||
		    (dcfg.quarantine_backend == QUARANTINE_SQLITE &&
		    need_dir_of("quarantine_db", dcfg.quarantine_db, &err) != 0))
			goto fail;
		if (spool_open(&sp, dcfg.spool_dir, &err) != 0)
			goto fail;
		snprintf(sub, sizeof sub, "%s/private", dcfg.spool_dir);
		if (need_dir("spool_dir", sub, &err) != 0 ||
		    (dcfg.console_listen[0] != '\0' && monitor_prepare(&dcfg, &err) != 0))
			goto fail;
		/* the journal still ends where its last checkpoint says (else no
		 * start: records were removed), and a crash's uncovered tail is
		 * signed now, as the user that writes it */
		outcome_use_key_fds(-1, afd);
		if (outcome_check_journal(&dcfg, &err) != 0) {
			spool_close(&sp);
			goto fail;
		}
		recovered = spool_recover(&sp);
		if (recovered > 0)
			syslog(LOG_NOTICE, "recovered %d message(s) left in progress by a previous run",
			    recovered);
		spool_close(&sp);
		_exit(0);
fail:
		syslog(LOG_ERR, "%s", buf_str(&err));
		fprintf(stderr, "sekishod: %s\n", buf_str(&err));
		_exit(1);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct buf err;
	sigset_t set;
	int c, foreground = 0;

	while ((c = getopt(argc, argv, "c:fh")) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'f': foreground = 1; break;
		default:
			fputs("usage: sekishod [-c CONFIG] [-f]\n", stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	/* connected now, so that a confined child can still log */
	openlog("sekishod", LOG_PID | LOG_NDELAY | (foreground ? LOG_PERROR : 0), LOG_MAIL);
	if (load_config(&dcfg, config_path) != 0)
		return 2;
	buf_init(&err, 1024);
	U.switch_users = privsep_can_switch();
	if (U.switch_users) {
		if (privsep_lookup(dcfg.daemon_user, &U.daemon, &err) != 0 ||
		    privsep_lookup(dcfg.worker_user, &U.worker, &err) != 0 ||
		    (dcfg.console_listen[0] != '\0' &&
		    privsep_lookup(dcfg.console_user, &U.console, &err) != 0)) {
			fprintf(stderr, "sekishod: %s\n", buf_str(&err));
			return 2;
		}
	} else
		syslog(LOG_WARNING, "started as uid %u, not root: every process runs as this user "
		    "(workers are still sandboxed); start sekishod as root to separate %s and %s",
		    (unsigned)getuid(), dcfg.daemon_user, dcfg.worker_user);
	if (worker_launch_init(&dcfg, &err) != 0) {
		fprintf(stderr, "sekishod: %s\n", buf_str(&err));
		return 1;
	}
	if (prepare() != 0)
		return 1;
	if ((smtp_lfd = open_listener(dcfg.listen)) < 0) {
		fprintf(stderr, "sekishod: cannot listen on %s: %s\n", dcfg.listen, strerror(errno));
		return 1;
	}
	if (dcfg.metrics_listen[0] != '\0' && (metrics_init() != 0 ||
	    (metrics_fd = open_listener(dcfg.metrics_listen)) < 0)) {
		fprintf(stderr, "sekishod: cannot serve metrics on %s: %s\n", dcfg.metrics_listen,
		    strerror(errno));
		return 1;
	}
	/* the store owner's socket is the master's, so that clients wait in
	 * its backlog while an owner restarts */
	if ((store_lfd = storeowner_listen(&dcfg, &err)) < 0) {
		fprintf(stderr, "sekishod: store owner socket: %s\n", buf_str(&err));
		return 1;
	}
	/* the console: its HTTPS listener, and the monitor's socket that only
	 * the console user (and the store owner) can reach */
	if (dcfg.console_listen[0] != '\0') {
		uid_t owner = U.switch_users ? U.daemon.uid : getuid();
		gid_t gid = U.switch_users ? U.console.gid : getgid();

		if ((console_lfd = open_listener(dcfg.console_listen)) < 0) {
			fprintf(stderr, "sekishod: cannot serve the console on %s: %s\n",
			    dcfg.console_listen, strerror(errno));
			return 1;
		}
		if ((console_mon_fd = monitor_listen(&dcfg, owner, gid, &err)) < 0) {
			fprintf(stderr, "sekishod: console monitor socket: %s\n", buf_str(&err));
			return 1;
		}
	}
	if (U.switch_users) {
		char path[700];

		storeowner_socket_path(&dcfg, path, sizeof path);
		if (chown(path, U.daemon.uid, U.daemon.gid) != 0) {
			fprintf(stderr, "sekishod: chown %s: %s\n", path, strerror(errno));
			return 1;
		}
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
	/* the master waits for its signals with sigtimedwait: none can cut a
	 * restart pause short, none is lost, SIGTERM is always heard */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	plan();
	for (size_t i = 0; i < nkids; i++)
		kids[i].restart_at = 1;		/* due now */
	syslog(LOG_NOTICE, "listening on %s (%s), delivering to %s, %zu agent(s)%s%s%s", dcfg.listen,
	    dcfg.listen_lmtp ? "LMTP" : "SMTP", dcfg.deliver_to, dcfg.workers,
	    dcfg.milter_listen[0] != '\0' ? "; milter on " : "", dcfg.milter_listen,
	    U.switch_users ? "" : " (one user for every process)");
	for (;;) {
		long long next = start_due();
		struct timespec ts = { 1, 0 };
		siginfo_t si;
		int sig;

		if (next >= 0 && next < 1000) {
			ts.tv_sec = 0;
			ts.tv_nsec = (long)next * 1000000;
		}
		sig = sigtimedwait(&set, &si, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP)
			reload();
		reap();		/* SIGCHLD, or a timeout: either way */
	}
	syslog(LOG_NOTICE, "stopping");
	stop_all();
	syslog(LOG_NOTICE, "stopped");
	return 0;
}
