/*
 * health - the checks behind `sekisho status` and sekishod's alert mails
 * (see the header).
 */
#include "daemon/health.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/journal.h"
#include "core/fdio.h"
#include "daemon/outcome.h"
#include "gateway/metrics.h"
#include "scan/clamd.h"
#include "store/store.h"
#include "web/notify.h"

static const struct {
	const char *name, *ja, *en;
} checks[HEALTH_N] = {
	[HEALTH_LISTENER] = { "listener", "メールの受付 (listen)", "mail listener (listen)" },
	[HEALTH_MILTER] = { "milter", "ミルター (milter_listen)", "milter (milter_listen)" },
	[HEALTH_CONSOLE] = { "console", "職員コンソール (console_listen)",
	    "staff console (console_listen)" },
	[HEALTH_CLAMD] = { "clamd", "clamd（ウイルス検査）", "clamd (virus scanning)" },
	[HEALTH_STORE] = { "store", "隔離ストア（メタデータ）", "quarantine store (metadata)" },
	[HEALTH_KEY] = { "key", "隔離の鍵", "quarantine key" },
	[HEALTH_DISK] = { "disk", "ディスクの空き", "free disk space" },
	[HEALTH_QUEUE] = { "queue", "処理待ち（スプール）", "queue (spool)" },
	[HEALTH_WORKERS] = { "workers", "無害化ワーカー", "sanitising workers" },
	[HEALTH_JOURNAL] = { "journal", "監査記録（ジャーナル）の検証", "journal verification" },
};

/* sk-health's way to the root-only keys folder (health_use_fds). */
static int key_path_fd = -1, audit_pub_fd = -1;

void
health_use_fds(int quarantine_key_opath, int audit_pub_opath)
{
	key_path_fd = quarantine_key_opath;
	audit_pub_fd = audit_pub_opath;
}

const char *
health_name(enum health_check c)
{
	return c < HEALTH_N ? checks[c].name : "?";
}

const char *
health_title(enum health_check c, int english)
{
	return c < HEALTH_N ? (english ? checks[c].en : checks[c].ja) : "?";
}

static void
set(struct health_report *r, enum health_check c, enum health_state st, const char *ja,
    const char *en)
{
	r->st[c] = st;
	snprintf(r->ja[c], sizeof r->ja[c], "%s", ja);
	snprintf(r->en[c], sizeof r->en[c], "%s", en);
}

/* ---- the listeners ------------------------------------------------------ */

/* Connect to HOST:PORT (or unix:PATH, inet:HOST:PORT) within
 * HEALTH_CONNECT_S: 0, or -1 with errno's text in why. */
static int
reach(const char *addr, char *why, size_t n)
{
	char host[600], *colon;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL, *ai;
	int fd = -1, rc = -1, e = 0;

	if (strncmp(addr, "unix:", 5) == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		if (strlen(addr + 5) >= sizeof sa.sun_path) {
			snprintf(why, n, "path too long");
			return -1;
		}
		memcpy(sa.sun_path, addr + 5, strlen(addr + 5) + 1);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0 &&
		    connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			rc = 0;
		else
			snprintf(why, n, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	snprintf(host, sizeof host, "%s", strncmp(addr, "inet:", 5) == 0 ? addr + 5 : addr);
	if ((colon = strrchr(host, ':')) == NULL) {
		snprintf(why, n, "not HOST:PORT");
		return -1;
	}
	*colon = '\0';
	if (host[0] == '[' && colon > host + 1 && colon[-1] == ']') {	/* [::1]:25 */
		colon[-1] = '\0';
		memmove(host, host + 1, strlen(host + 1) + 1);
	}
	if (getaddrinfo(host[0] != '\0' && strcmp(host, "0.0.0.0") != 0 ? host : "127.0.0.1",
	    colon + 1, &hints, &res) != 0) {
		snprintf(why, n, "cannot resolve %.200s", host);
		return -1;
	}
	for (ai = res; ai != NULL && rc != 0; ai = ai->ai_next) {
		struct pollfd p;

		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    ai->ai_protocol)) < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			rc = 0;
		else if (errno == EINPROGRESS) {
			socklen_t l = sizeof e;

			p = (struct pollfd){ .fd = fd, .events = POLLOUT };
			if (poll(&p, 1, HEALTH_CONNECT_S * 1000) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) == 0 && e == 0)
				rc = 0;
			else if (e == 0)
				e = ETIMEDOUT;
		} else
			e = errno;
		close(fd);
	}
	freeaddrinfo(res);
	if (rc != 0)
		snprintf(why, n, "%s", strerror(e != 0 ? e : ECONNREFUSED));
	return rc;
}

static void
check_listener(struct health_report *r, enum health_check c, const char *addr)
{
	char why[256], ja[HEALTH_DETAIL_MAX], en[HEALTH_DETAIL_MAX];

	if (addr[0] == '\0') {
		set(r, c, HEALTH_OFF, "設定なし", "not configured");
		return;
	}
	if (reach(addr, why, sizeof why) == 0) {
		snprintf(ja, sizeof ja, "%s で応答あり", addr);
		snprintf(en, sizeof en, "%s answers", addr);
		set(r, c, HEALTH_OK, ja, en);
	} else {
		snprintf(ja, sizeof ja, "%s に接続できません (%s)。sekishod が動いているか確認してください",
		    addr, why);
		snprintf(en, sizeof en, "cannot connect to %s (%s); is sekishod running?", addr, why);
		set(r, c, HEALTH_BAD, ja, en);
	}
}

/* ---- clamd, the store, the key ------------------------------------------ */

static void
check_clamd(const struct config *cfg, struct health_report *r)
{
	char why[256], ja[HEALTH_DETAIL_MAX], en[HEALTH_DETAIL_MAX];

	if (cfg->clamd_socket[0] == '\0') {
		set(r, HEALTH_CLAMD, HEALTH_OFF, "設定なし (clamd_socket)", "not configured (clamd_socket)");
		return;
	}
	if (clamd_ping(cfg->clamd_socket, HEALTH_CONNECT_S, why, sizeof why) == 0) {
		snprintf(ja, sizeof ja, "%s で応答あり (PONG)", cfg->clamd_socket);
		snprintf(en, sizeof en, "%s answers PONG", cfg->clamd_socket);
		set(r, HEALTH_CLAMD, HEALTH_OK, ja, en);
		return;
	}
	snprintf(ja, sizeof ja, "%s から応答がありません (%s)。この間に届いたものはウイルス検査ができないため保留されます。"
	    "clamav-daemon の状態を確認してください", cfg->clamd_socket, why);
	snprintf(en, sizeof en, "no answer from %s (%s); meanwhile items cannot be scanned and are "
	    "withheld; check clamav-daemon", cfg->clamd_socket, why);
	set(r, HEALTH_CLAMD, HEALTH_BAD, ja, en);
}

static void
check_store(const struct config *cfg, struct health_report *r)
{
	struct store_config sc;
	struct store *s = NULL;
	struct buf err;
	char ja[HEALTH_DETAIL_MAX], en[HEALTH_DETAIL_MAX];

	outcome_store_config(cfg, 0, 0, &sc);
	sc.lock_wait_ms = HEALTH_CONNECT_S * 1000;
	buf_init(&err, 1024);
	if (store_open(&s, &sc, &err) == 0 &&
	    store_query(s, 0, "SELECT count(*) FROM items WHERE 0", NULL, 0, NULL, NULL, NULL,
	    &err) == 0) {
		snprintf(ja, sizeof ja, "%s を開けます", cfg->quarantine_backend ==
		    QUARANTINE_POSTGRESQL ? "PostgreSQL" : cfg->quarantine_db);
		snprintf(en, sizeof en, "%s opens and answers", cfg->quarantine_backend ==
		    QUARANTINE_POSTGRESQL ? "PostgreSQL" : cfg->quarantine_db);
		set(r, HEALTH_STORE, HEALTH_OK, ja, en);
	} else {
		snprintf(ja, sizeof ja, "隔離ストアを開けません: %s", buf_str(&err));
		snprintf(en, sizeof en, "the quarantine store does not open: %s", buf_str(&err));
		set(r, HEALTH_STORE, HEALTH_BAD, ja, en);
	}
	if (s != NULL)
		store_close(s);
	buf_free(&err);
}

static void
check_key(const struct config *cfg, struct health_report *r)
{
	struct stat st;
	char ja[HEALTH_DETAIL_MAX], en[HEALTH_DETAIL_MAX];
	int seen;

	/* sk-health looks through the O_PATH descriptor opened as root (it may
	 * not search the keys' folder): a key removed since has no link left */
	seen = key_path_fd >= 0 ? fstat(key_path_fd, &st) : stat(cfg->quarantine_key, &st);
	if (seen == 0 && st.st_nlink == 0) {
		seen = -1;
		errno = ENOENT;
	}
	if (seen != 0) {
		snprintf(ja, sizeof ja, "%s がありません (%s)。隔離した原本を読めなくなります",
		    cfg->quarantine_key, strerror(errno));
		snprintf(en, sizeof en, "%s is missing (%s): quarantined originals cannot be read",
		    cfg->quarantine_key, strerror(errno));
		set(r, HEALTH_KEY, HEALTH_BAD, ja, en);
	} else if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		snprintf(ja, sizeof ja, "%s はほかの利用者から読める状態です (モード %04o)。chmod 600 にしてください",
		    cfg->quarantine_key, (unsigned)(st.st_mode & 07777));
		snprintf(en, sizeof en, "%s can be read by others (mode %04o); make it 0600",
		    cfg->quarantine_key, (unsigned)(st.st_mode & 07777));
		set(r, HEALTH_KEY, HEALTH_BAD, ja, en);
	} else {
		snprintf(ja, sizeof ja, "%s (モード %04o)", cfg->quarantine_key,
		    (unsigned)(st.st_mode & 07777));
		snprintf(en, sizeof en, "%s (mode %04o)", cfg->quarantine_key,
		    (unsigned)(st.st_mode & 07777));
		set(r, HEALTH_KEY, HEALTH_OK, ja, en);
	}
}

/* ---- the disk and the queue ---------------------------------------------- */

/* The folder a path is in (the journal's, for a file). */
static void
folder_of(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, n, ".");
	else if (slash == path)
		snprintf(out, n, "/");
	else
		snprintf(out, n, "%.*s", (int)(slash - path), path);
}

static void
check_disk(const struct config *cfg, struct health_report *r)
{
	char jdir[512], ja[HEALTH_DETAIL_MAX], en[HEALTH_DETAIL_MAX];
	const char *paths[3];
	double worst = 101;
	const char *worst_path = NULL;

	if (cfg->alert_disk_percent == 0) {
		set(r, HEALTH_DISK, HEALTH_OFF, "確認しない (alert_disk_percent = 0)",
		    "not checked (alert_disk_percent = 0)");
		return;
	}
	folder_of(cfg->journal, jdir, sizeof jdir);
	paths[0] = cfg->spool_dir;
	paths[1] = cfg->quarantine_dir;
	paths[2] = jdir;
	for (size_t i = 0; i < 3; i++) {
		struct statvfs v;
		double free_pct;

		if (paths[i][0] == '\0' || statvfs(paths[i], &v) != 0 || v.f_blocks == 0)
			continue;
		free_pct = 100.0 * (double)v.f_bavail / (double)v.f_blocks;
		if (free_pct < worst) {
			worst = free_pct;
			worst_path = paths[i];
		}
	}
	if (worst_path == NULL) {
		set(r, HEALTH_DISK, HEALTH_BAD, "スプール・隔離・ジャーナルのフォルダを確認できません",
		    "the spool, quarantine and journal folders cannot be looked at");
		return;
	}
	snprintf(ja, sizeof ja, "%s の空きは %.1f%% です (下限 alert_disk_percent = %zu%%)",
	    worst_path, worst, cfg->alert_disk_percent);
	snprintf(en, sizeof en, "%s has %.1f%% free (alert_disk_percent is %zu%%)", worst_path,
	    worst, cfg->alert_disk_percent);
	set(r, HEALTH_DISK, worst < (double)cfg->alert_disk_percent ? HEALTH_BAD : HEALTH_OK, ja,
	    en);
}

/* The oldest modification time of a file in spool_dir/sub, or 0. */
static long long
oldest_in(const char *spool, const char *sub, size_t *seen)
{
	char path[700];
	DIR *d;
	struct dirent *e;
	long long oldest = 0;

	snprintf(path, sizeof path, "%s/%s", spool, sub);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && *seen < HEALTH_SPOOL_SCAN_MAX) {
		struct stat st;

		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		(*seen)++;
		if (oldest == 0 || st.st_mtim.tv_sec < oldest)
			oldest = st.st_mtim.tv_sec;
	}
	closedir(d);
	return oldest;
}

static void
check_queue(const struct config *cfg, struct health_report *r, long long now)
{
	static const char *const subs[] = { "incoming", "queue", "active" };
	char ja[HEALTH_DETAIL_MAX], en[HEALTH_DETAIL_MAX];
	long long oldest = 0, age;
	size_t seen = 0;

	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		long long o = oldest_in(cfg->spool_dir, subs[i], &seen);

		if (o != 0 && (oldest == 0 || o < oldest))
			oldest = o;
	}
	if (oldest == 0) {
		snprintf(ja, sizeof ja, "処理待ちはありません");
		snprintf(en, sizeof en, "nothing waits");
		set(r, HEALTH_QUEUE, HEALTH_OK, ja, en);
		return;
	}
	age = now > oldest ? (now - oldest) / 60 : 0;
	snprintf(ja, sizeof ja, "%zu 件が処理待ち、最も古いものは %lld 分前から (上限 alert_queue_minutes = %zu 分)",
	    seen, age, cfg->alert_queue_minutes);
	snprintf(en, sizeof en, "%zu waiting, the oldest for %lld minutes (alert_queue_minutes is %zu)",
	    seen, age, cfg->alert_queue_minutes);
	set(r, HEALTH_QUEUE, age >= (long long)cfg->alert_queue_minutes ? HEALTH_BAD : HEALTH_OK,
	    ja, en);
}

/* ---- the workers and the journal ----------------------------------------- */

static void
check_workers(const struct config *cfg, struct health_report *r, long long deaths)
{
	char ja[HEALTH_DETAIL_MAX], en[HEALTH_DETAIL_MAX];

	if (cfg->alert_worker_deaths == 0) {
		set(r, HEALTH_WORKERS, HEALTH_OFF, "確認しない (alert_worker_deaths = 0)",
		    "not checked (alert_worker_deaths = 0)");
		return;
	}
	if (deaths < 0) {
		struct health_report d;
		uint32_t alerted;
		struct buf err;
		int rr;

		/* only the daemon sees them: its last word, if it is recent */
		buf_init(&err, 256);
		rr = health_state_read(cfg, &d, &alerted, &err);
		buf_free(&err);
		if (rr != 0 || d.at + 3 * (long long)cfg->alert_check_seconds + 10 < r->at) {
			set(r, HEALTH_WORKERS, HEALTH_BAD, "sekishod からの最近の報告がありません "
			    "(sekishod が止まっているか、health.json を書けません)",
			    "no recent report from sekishod (it is not running, or cannot write "
			    "health.json)");
			return;
		}
		set(r, HEALTH_WORKERS, d.st[HEALTH_WORKERS], d.ja[HEALTH_WORKERS], d.en[HEALTH_WORKERS]);
		return;
	}
	snprintf(ja, sizeof ja, "直近 1 時間に %lld 個のワーカーが異常終了しました (上限 alert_worker_deaths = %zu)",
	    deaths, cfg->alert_worker_deaths);
	snprintf(en, sizeof en, "%lld workers died in the last hour (alert_worker_deaths is %zu)",
	    deaths, cfg->alert_worker_deaths);
	set(r, HEALTH_WORKERS, deaths > (long long)cfg->alert_worker_deaths ? HEALTH_BAD :
	    HEALTH_OK, ja, en);
}

static void
check_journal(const struct config *cfg, struct health_report *r)
{
	char cps[600], pub[600], ja[HEALTH_DETAIL_MAX], en[HEALTH_DETAIL_MAX];
	struct journal_verify_opts vo = { .checkpoints = cps, .public_key = pub };
	struct buf report;
	const char *last;
	int v = -1;

	snprintf(cps, sizeof cps, "%s.checkpoints", cfg->journal);
	if (audit_pub_fd >= 0)	/* reopened through the root-opened descriptor */
		snprintf(pub, sizeof pub, "/proc/self/fd/%d", audit_pub_fd);
	else
		snprintf(pub, sizeof pub, "%s.pub", cfg->audit_key);
	buf_init(&report, HEALTH_STATE_MAX);
	/* a record may be half-written as it is read: a second look decides */
	for (int attempt = 0; attempt < 2 && v != 0; attempt++) {
		if (attempt > 0)
			sleep(2);
		buf_reset(&report);
		v = journal_verify(cfg->journal, &vo, &report);
	}
	/* the summary is the report's last line */
	if (report.len > 0 && report.data[report.len - 1] == '\n')
		report.data[--report.len] = '\0';
	last = strrchr(buf_str(&report), '\n');
	last = last != NULL ? last + 1 : buf_str(&report);
	if (strncmp(last, "verified: ", 10) == 0)
		last += 10;	/* the summary says it itself */
	if (v == 0) {
		snprintf(ja, sizeof ja, "検証に合格しました (%s)", last);
		snprintf(en, sizeof en, "verified: %s", last);
		set(r, HEALTH_JOURNAL, HEALTH_OK, ja, en);
	} else {
		snprintf(ja, sizeof ja, "検証に失敗しました: %s。sekisho audit verify で詳細を確認してください", last);
		snprintf(en, sizeof en, "verification failed: %s; see sekisho audit verify", last);
		set(r, HEALTH_JOURNAL, HEALTH_BAD, ja, en);
	}
	buf_free(&report);
}

void
health_run(const struct config *cfg, long long deaths, int flags, struct health_report *r)
{
	memset(r, 0, sizeof *r);
	r->at = (long long)time(NULL);
	for (int c = 0; c < HEALTH_N; c++)
		set(r, (enum health_check)c, HEALTH_OFF, "確認していません", "not checked");
	if (flags & HEALTH_F_LISTENERS) {
		check_listener(r, HEALTH_LISTENER, cfg->listen);
		check_listener(r, HEALTH_MILTER, cfg->milter_listen);
		check_listener(r, HEALTH_CONSOLE, cfg->console_listen);
	}
	check_clamd(cfg, r);
	check_store(cfg, r);
	check_key(cfg, r);
	check_disk(cfg, r);
	check_queue(cfg, r, r->at);
	check_workers(cfg, r, deaths);
	if (flags & HEALTH_F_JOURNAL)
		check_journal(cfg, r);
}

/* ---- the state file -------------------------------------------------------- */

static void
state_path(const struct config *cfg, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", cfg->spool_dir, HEALTH_STATE_FILE);
}

/* The same as Prometheus gauges, for the metrics process to serve
 * (gateway/metrics.h): a check not configured is left out. */
static int
prom_write(const struct config *cfg, const struct health_report *r, struct buf *err)
{
	char path[600];
	struct buf b;
	int rc;

	buf_init(&b, METRICS_HEALTH_MAX);
	buf_puts(&b, "# HELP sekisho_health_ok Whether a health check is well (1) or not (0), "
	    "as sekisho status says\n# TYPE sekisho_health_ok gauge\n");
	for (int c = 0; c < HEALTH_N; c++) {
		if (r->st[c] != HEALTH_OFF)
			buf_printf(&b, "sekisho_health_ok{check=\"%s\"} %d\n", checks[c].name,
			    r->st[c] == HEALTH_OK);
	}
	buf_printf(&b, "# HELP sekisho_health_checked_timestamp_seconds When sekishod last ran "
	    "its health checks\n# TYPE sekisho_health_checked_timestamp_seconds gauge\n"
	    "sekisho_health_checked_timestamp_seconds %lld\n", r->at);
	snprintf(path, sizeof path, "%s/%s", cfg->spool_dir, METRICS_HEALTH_FILE);
	if ((rc = write_file_replace(path, b.data != NULL ? b.data : "", b.len, 0640)) != 0)
		buf_printf(err, "%s: %s", path, strerror(errno));
	buf_free(&b);
	return rc;
}

int
health_state_write(const struct config *cfg, const struct health_report *r, uint32_t alerted,
    struct buf *err)
{
	char path[600];
	json_t *o = json_object(), *cs = json_object();
	char *text;
	int rc = -1;

	json_object_set_new(o, "checked_at", json_integer(r->at));
	for (int c = 0; c < HEALTH_N; c++)
		json_object_set_new(cs, checks[c].name, json_pack("{s:s,s:s,s:s,s:b}", "state",
		    r->st[c] == HEALTH_OK ? "ok" : r->st[c] == HEALTH_BAD ? "bad" : "off",
		    "ja", r->ja[c], "en", r->en[c], "alerted", (alerted >> c) & 1));
	json_object_set_new(o, "checks", cs);
	text = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(o);
	state_path(cfg, path, sizeof path);
	if (text != NULL && (rc = write_file_replace(path, text, strlen(text), 0640)) != 0)
		buf_printf(err, "%s: %s", path, strerror(errno));
	free(text);
	if (rc == 0)
		rc = prom_write(cfg, r, err);
	return rc;
}

int
health_state_read(const struct config *cfg, struct health_report *r, uint32_t *alerted,
    struct buf *err)
{
	char path[600];
	struct buf text;
	json_t *o, *cs;
	int rc = -1;

	memset(r, 0, sizeof *r);
	*alerted = 0;
	state_path(cfg, path, sizeof path);
	buf_init(&text, HEALTH_STATE_MAX);
	if (read_file_buf(path, &text) != 0) {
		rc = access(path, F_OK) != 0 && errno == ENOENT ? 1 : -1;
		if (rc < 0)
			buf_printf(err, "%s: %s", path, strerror(errno));
		buf_free(&text);
		return rc;
	}
	o = json_loadb(text.data != NULL ? text.data : "", text.len, 0, NULL);
	cs = json_object_get(o, "checks");
	if (json_is_integer(json_object_get(o, "checked_at")) && json_is_object(cs)) {
		r->at = json_integer_value(json_object_get(o, "checked_at"));
		for (int c = 0; c < HEALTH_N; c++) {
			json_t *one = json_object_get(cs, checks[c].name);
			const char *st = json_string_value(json_object_get(one, "state"));
			const char *ja = json_string_value(json_object_get(one, "ja"));
			const char *en = json_string_value(json_object_get(one, "en"));

			set(r, (enum health_check)c, st != NULL && strcmp(st, "ok") == 0 ? HEALTH_OK :
			    st != NULL && strcmp(st, "bad") == 0 ? HEALTH_BAD : HEALTH_OFF,
			    ja != NULL ? ja : "", en != NULL ? en : "");
			if (json_is_true(json_object_get(one, "alerted")))
				*alerted |= 1u << c;
		}
		rc = 0;
	} else
		buf_printf(err, "%s: not sekishod's health state", path);
	json_decref(o);
	buf_free(&text);
	return rc;
}

/* ---- sk-health ---------------------------------------------------------------- */

/* 【sekisho 警告】 or 【sekisho 復旧】 about one check, to alert_to. */
static void
alert_mail(const struct config *cfg, const struct health_report *r, enum health_check c,
    int bad)
{
	char host[256], subject[300], when[64];
	struct buf body;
	struct tm tm;
	time_t t = (time_t)r->at;

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "sekisho");
	host[sizeof host - 1] = '\0';
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z", &tm);
	snprintf(subject, sizeof subject, "%s %s: %s", bad ? "【sekisho 警告】" : "【sekisho 復旧】",
	    host, checks[c].ja);
	buf_init(&body, 8192);
	buf_printf(&body, "%s の sekisho で、%s%s\n\n"
	    "状況: %s\n時刻: %s\n\n"
	    "現在の状態は、サーバーで sekisho status -c 設定ファイル を実行すると確認できます。\n"
	    "%s\n\n", host, checks[c].ja,
	    bad ? "に異常が見つかりました。" : "は正常に戻りました。", r->ja[c], when,
	    bad ? "この警告は一度だけ送ります。正常に戻ったときに、復旧の知らせをもう一度送ります。" :
	    "この件の知らせはこれで終わりです。");
	buf_printf(&body, "sekisho on %s: %s %s\n\nWhat was seen: %s\nTime: %s\n\n"
	    "Run sekisho status -c CONFIG on the server for the whole picture.\n%s\n", host,
	    checks[c].en, bad ? "is not well." : "is well again.", r->en[c], when,
	    bad ? "This alert is mailed once; another mail follows when it is well again." :
	    "Nothing more is mailed about it.");
	if (notify_send(cfg, cfg->alert_to, 1, subject, buf_str(&body)) < 0)
		syslog(LOG_ERR, "health: the %s mail about %s to %s was not sent", bad ? "alert" :
		    "recovery", checks[c].name, cfg->alert_to);
	else
		syslog(LOG_NOTICE, "health: %s mail about %s sent to %s", bad ? "alert" : "recovery",
		    checks[c].name, cfg->alert_to);
	buf_free(&body);
}

int
health_run_loop(const struct config *cfg, volatile int *stop)
{
	struct health_report r, last;
	struct { long long at; uint64_t n; } samples[HEALTH_SAMPLES_MAX];
	size_t ns = 0;
	uint32_t alerted = 0;
	long long journal_at = 0;
	struct buf err;

	buf_init(&err, 1024);
	/* what the last run mailed is not mailed again */
	if (health_state_read(cfg, &last, &alerted, &err) != 0)
		alerted = 0;
	buf_reset(&err);
	notify_init();
	while (!*stop) {
		long long now = (long long)time(NULL), deaths;
		uint64_t failures = metrics != NULL ? __atomic_load_n(&metrics->worker_failures,
		    __ATOMIC_RELAXED) : 0;
		int flags = 0;

		/* deaths within the window: now's count less the oldest sample in it */
		if (ns == HEALTH_SAMPLES_MAX) {
			memmove(samples, samples + 1, (ns - 1) * sizeof samples[0]);
			ns--;
		}
		samples[ns].at = now;
		samples[ns++].n = failures;
		while (ns > 1 && samples[1].at <= now - HEALTH_DEATHS_WINDOW_S) {
			memmove(samples, samples + 1, (ns - 1) * sizeof samples[0]);
			ns--;
		}
		deaths = (long long)(failures - samples[0].n);
		if (journal_at == 0 || now - journal_at >= HEALTH_JOURNAL_EVERY_S) {
			flags |= HEALTH_F_JOURNAL;
			journal_at = now;
		}
		health_run(cfg, deaths, flags, &r);
		if (!(flags & HEALTH_F_JOURNAL) && journal_at != 0) {
			/* between two verifications the last word stands */
			r.st[HEALTH_JOURNAL] = last.st[HEALTH_JOURNAL];
			memcpy(r.ja[HEALTH_JOURNAL], last.ja[HEALTH_JOURNAL], HEALTH_DETAIL_MAX);
			memcpy(r.en[HEALTH_JOURNAL], last.en[HEALTH_JOURNAL], HEALTH_DETAIL_MAX);
		}
		for (int c = 0; c < HEALTH_N; c++) {
			const uint32_t bit = 1u << c;

			if (r.st[c] == HEALTH_BAD && !(alerted & bit)) {
				syslog(LOG_WARNING, "health: %s: %s", checks[c].name, r.en[c]);
				if (cfg->alert_to[0] != '\0')
					alert_mail(cfg, &r, (enum health_check)c, 1);
				alerted |= bit;
			} else if (r.st[c] != HEALTH_BAD && (alerted & bit)) {
				syslog(LOG_NOTICE, "health: %s is well again: %s", checks[c].name,
				    r.en[c]);
				if (cfg->alert_to[0] != '\0')
					alert_mail(cfg, &r, (enum health_check)c, 0);
				alerted &= ~bit;
			}
		}
		buf_reset(&err);
		if (health_state_write(cfg, &r, alerted, &err) != 0)
			syslog(LOG_ERR, "health: %s", buf_str(&err));
		last = r;
		for (long long waited = 0; waited < (long long)cfg->alert_check_seconds * 10 &&
		    !*stop; waited++)
			usleep(100000);
	}
	buf_free(&err);
	return 0;
}
