/*
 * monitor - the console monitor in the store owner (see the header).
 *
 * Every answer is decided here from the store's rows: the HTTP process's
 * word is taken for nothing but the client address it reports (which is
 * only recorded).  Failures of the store or the journal are CONSOLE_FAILED
 * and change nothing the user could rely on: a request, a decision and a
 * download are recorded in the store and the journal in one transaction
 * before they are answered.
 */
#include "web/monitor.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "core/digest.h"
#include "core/json.h"
#include "core/xalloc.h"
#include "daemon/outbound.h"
#include "daemon/outcome.h"
#include "receipt/receipt.h"
#include "receipt/receipt_read.h"
#include "store/store.h"
#include "gateway/frame.h"
#include "gateway/spool.h"
#include "gateway/metrics.h"
#include "gateway/wire.h"
#include "gateway/worker.h"
#include "gateway/transfer.h"
#include "mime/preview.h"
#include "web/accounts.h"
#include "web/auth.h"
#include "web/console_proto.h"
#include "web/event.h"
#include "web/ldapauth.h"
#include "web/notify.h"

#define ID_LEN EVENT_ID_LEN

static struct {
	const struct config *cfg;
	int lfd;
	uid_t peer_uid;
	pthread_t acceptor;
	pthread_mutex_t mu;
	size_t conns;
	int stopping, started;
	char dummy_hash[AUTH_PWHASH_MAX];	/* checked for unknown names */
	pthread_t digester;
	int digesting;
} M = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* One connection: its socket and its own store and journal handle. */
struct conn {
	int fd;
	struct outcome *o;
	struct store *s;
	struct console_msg rq;
	long long now;
	struct worker wk;	/* draws previews; started when first needed */
	int wk_ready;
};

/* ---- listening ------------------------------------------------------------ */

void
monitor_socket_path(const struct config *cfg, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", cfg->spool_dir, MONITOR_SOCKET);
}

int
monitor_prepare(const struct config *cfg, struct buf *err)
{
	char dir[600];

	/* the console user passes through the spool (0711: no listing; every
	 * folder in it keeps its own mode) to reach its folder only */
	snprintf(dir, sizeof dir, "%s/console", cfg->spool_dir);
	if (chmod(cfg->spool_dir, 0711) != 0 ||
	    (mkdir(dir, 0710) != 0 && errno != EEXIST) || chmod(dir, 0710) != 0) {
		buf_printf(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int
monitor_listen(const struct config *cfg, uid_t owner, gid_t console_gid, struct buf *err)
{
	char dir[600], path[700];
	int fd;

	/* the folder is daemon_user's (monitor_prepare); the console user's
	 * group may pass through it.  Root changes only its group (CAP_CHOWN),
	 * and the socket's mode while the socket is still root's. */
	snprintf(dir, sizeof dir, "%s/console", cfg->spool_dir);
	if (chown(dir, owner, console_gid) != 0) {
		buf_printf(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	monitor_socket_path(cfg, path, sizeof path);
	if ((fd = wire_unix_listen(path, err)) < 0)
		return -1;
	if (chmod(path, 0660) != 0 || chown(path, owner, console_gid) != 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- the journal ---------------------------------------------------------- */

static int
record_event(struct conn *c, const struct console_event *e, struct buf *err)
{
	struct buf rec;
	int r;

	buf_init(&rec, EVENT_MAX);
	event_json(&rec, e, c->now);
	r = outcome_journal_record(c->o, rec.data, rec.len, c->now, err);
	buf_free(&rec);
	if (r != 0)
		syslog(LOG_ERR, "console: %s of %s not journalled: %s", e->event,
		    e->who != NULL ? e->who->name : "?", buf_str(err));
	return r;
}

/* ---- answers ---------------------------------------------------------------- */

static int
answer(struct conn *c, unsigned status, const char *const *f, size_t n)
{
	return console_write_answer(c->fd, status, f, NULL, n);
}

static int
answer1(struct conn *c, unsigned status, const char *f)
{
	return answer(c, status, &f, f != NULL ? 1 : 0);
}

/* ---- sessions --------------------------------------------------------------- */

static int
totp_required(const struct account *a)
{
	return a->role != ROLE_STAFF || M.cfg->console_totp_staff;
}

/* The password: the local argon2id hash, or a bind to the directory for an
 * account made with --ldap.  0 right, 1 wrong, -1 the directory did not
 * answer. */
static int
password_check(const struct account *a, const char *pw)
{
	struct buf why;
	int r;

	if (strcmp(a->pw_hash, LDAP_PASSWORD_MARK) != 0)
		return auth_password_verify(a->pw_hash, pw) == 0 ? 0 : 1;
	if (M.cfg->console_ldap_uri[0] == '\0') {
		syslog(LOG_ERR, "console: %s is checked by LDAP, but console_ldap_uri is not set",
		    a->name);
		return -1;
	}
	buf_init(&why, 1024);
	r = ldap_password_check(M.cfg, a->name, pw, &why);
	if (r < 0)
		syslog(LOG_ERR, "console: the password of %s cannot be checked: %s", a->name,
		    buf_str(&why));
	buf_free(&why);
	return r;
}

/* The first login's set-up is due: a password to choose, a TOTP to enrol. */
static int
needs_enrol(const struct account *a)
{
	return a->pw_change || (totp_required(a) && a->totp_secret[0] == '\0');
}

/* A recovery code instead of a TOTP code: used once. */
static int
recovery_used(struct conn *c, const struct account *a, const char *code, struct buf *err)
{
	char digest[65], now[24];
	const char *p[3];
	long long ch = 0;

	if (auth_recovery_digest(code, digest) != 0)
		return 1;
	snprintf(now, sizeof now, "%lld", c->now);
	p[0] = a->name;
	p[1] = digest;
	p[2] = now;
	if (store_query(c->s, 1, "UPDATE user_recovery SET used_at = ?3 WHERE name = ?1 AND "
	    "digest = ?2 AND used_at IS NULL", p, 3, NULL, NULL, &ch, err) != 0)
		return -1;
	return ch == 1 ? 0 : 1;
}

/*
 * 0 the code is right and now used up (a TOTP step is accepted once: the
 * update succeeds only over an older step, so two logins racing with one
 * code cannot both pass), 1 wrong or used, -1 store failure.
 */
static int
second_factor(struct conn *c, const struct account *a, const char *code, const char **why,
    struct buf *err)
{
	unsigned char secret[AUTH_TOTP_SECRET_MAX];
	size_t len = 0;
	long long step = 0, ch = 0;
	char st[24];
	const char *p[2];
	int r;

	if (strchr(code, '-') != NULL) {
		*why = "wrong-recovery-code";
		return recovery_used(c, a, code, err);
	}
	*why = "wrong-code";
	if (auth_base32_decode(a->totp_secret, secret, sizeof secret, &len) != 0)
		return 1;
	r = auth_totp_check(secret, len, code, c->now, MONITOR_TOTP_WINDOW, a->totp_step, &step);
	sodium_memzero(secret, sizeof secret);
	if (r != 0) {
		/* right, but for a step used already: a replay, recorded as one */
		if (r == 1 && auth_base32_decode(a->totp_secret, secret, sizeof secret, &len) == 0 &&
		    auth_totp_check(secret, len, code, c->now, MONITOR_TOTP_WINDOW, -1, &step) == 0)
			*why = "replayed-code";
		sodium_memzero(secret, sizeof secret);
		return 1;
	}
	snprintf(st, sizeof st, "%lld", step);
	p[0] = a->name;
	p[1] = st;
	if (store_query(c->s, 1, "UPDATE users SET totp_step = ?2 WHERE name = ?1 AND "
	    "totp_step < ?2", p, 2, NULL, NULL, &ch, err) != 0)
		return -1;
	if (ch != 1) {
		*why = "replayed-code";
		return 1;
	}
	return 0;
}

static int
login_failed(struct conn *c, const struct account *a, const char *why, const char *client)
{
	struct buf err;
	char fail[24], until[24];
	const char *p[3];
	struct console_event e = { .event = "login-failed", .who = a, .client = client, .detail = why };
	int locked = 0;

	buf_init(&err, 1024);
	if (a != NULL && strcmp(why, "locked") != 0 && strcmp(why, "disabled") != 0) {
		long long f = a->failures + 1;

		locked = f >= (long long)M.cfg->console_login_failures;
		snprintf(fail, sizeof fail, "%lld", f);
		snprintf(until, sizeof until, "%lld", locked ?
		    c->now + (long long)M.cfg->console_lockout_seconds : 0);
		p[0] = a->name;
		p[1] = fail;
		p[2] = until;
		if (store_query(c->s, 1, "UPDATE users SET failures = ?2, locked_until = ?3 "
		    "WHERE name = ?1", p, 3, NULL, NULL, NULL, &err) != 0)
			syslog(LOG_ERR, "console: %s", buf_str(&err));
		if (locked)
			e.detail = "locked-now";
	}
	buf_reset(&err);
	record_event(c, &e, &err);
	buf_free(&err);
	METRIC_ADD(console_login_failures, 1);
	if (locked)
		METRIC_ADD(console_lockouts, 1);
	syslog(LOG_NOTICE, "console: login of %s from %s failed (%s)", a != NULL ? a->name :
	    "an unknown user", client, e.detail);
	return answer1(c, strcmp(why, "locked") == 0 ? CONSOLE_LOCKED : CONSOLE_DENIED, NULL);
}

static int
op_login(struct conn *c)
{
	const char *name = console_field(&c->rq, 0), *pw = console_field(&c->rq, 1);
	const char *code = console_field(&c->rq, 2), *client = console_field(&c->rq, 3);
	struct account a;
	struct buf err;
	char token[AUTH_TOKEN_HEX + 1], csrf[AUTH_TOKEN_HEX + 1], digest[65], now[24];
	const char *why = NULL, *p[6];
	int r;

	buf_init(&err, 1024);
	r = account_get(c->s, name, &a, &err);
	if (r == -1) {
		syslog(LOG_ERR, "console: %s", buf_str(&err));
		buf_free(&err);
		return answer1(c, CONSOLE_FAILED, NULL);
	}
	if (r == STORE_NOT_FOUND) {
		/* as long as a wrong password takes: a name is not confirmed by time */
		struct console_event e = { .event = "login-failed", .given_name = name, .client = client,
		    .detail = "unknown-user" };

		auth_password_verify(M.dummy_hash, pw);
		record_event(c, &e, &err);
		METRIC_ADD(console_login_failures, 1);
		buf_free(&err);
		return answer1(c, CONSOLE_DENIED, NULL);
	}
	buf_free(&err);
	if (a.disabled)
		return login_failed(c, &a, "disabled", client);
	if (a.locked_until > c->now)
		return login_failed(c, &a, "locked", client);
	switch (password_check(&a, pw)) {
	case 0:
		break;
	case 1:
		return login_failed(c, &a, "wrong-password", client);
	default: {
		/* the directory did not answer: not the user's failure, not counted */
		struct console_event e = { .event = "login-failed", .who = &a, .client = client,
		    .detail = "directory-unreachable" };

		buf_init(&err, 1024);
		record_event(c, &e, &err);
		buf_free(&err);
		return answer1(c, CONSOLE_FAILED, NULL);
	}
	}
	/* a second factor when one is enrolled; without one (a new account, or
	 * reset by the operator) the session may only set it up (stage enrol) */
	if (totp_required(&a) && a.totp_secret[0] != '\0') {
		buf_init(&err, 1024);
		r = second_factor(c, &a, code, &why, &err);
		if (r == -1)
			syslog(LOG_ERR, "console: %s", buf_str(&err));
		buf_free(&err);
		if (r != 0)
			return r == -1 ? answer1(c, CONSOLE_FAILED, NULL) :
			    login_failed(c, &a, why, client);
	}
	/* in: a session, its CSRF token, the failures forgotten */
	auth_token_new(token);
	auth_token_new(csrf);
	auth_token_digest(token, digest);
	snprintf(now, sizeof now, "%lld", c->now);
	p[0] = digest;
	p[1] = a.name;
	p[2] = csrf;
	p[3] = client;
	p[4] = now;
	p[5] = needs_enrol(&a) ? "enrol" : "full";
	buf_init(&err, 1024);
	if (store_query(c->s, 1, "INSERT INTO sessions (token_digest, name, csrf, address, "
	    "created_at, seen_at, stage) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)", p, 6, NULL, NULL,
	    NULL, &err) != 0 ||
	    store_query(c->s, 1, "UPDATE users SET failures = 0, locked_until = 0 WHERE name = ?1",
	    p + 1, 1, NULL, NULL, NULL, &err) != 0) {
		syslog(LOG_ERR, "console: %s", buf_str(&err));
		buf_free(&err);
		return answer1(c, CONSOLE_FAILED, NULL);
	}
	{
		struct console_event e = { .event = "login", .who = &a, .client = client,
		    .detail = why != NULL && strcmp(why, "wrong-recovery-code") == 0 ?
		    "recovery-code" : needs_enrol(&a) ? "enrolment" : NULL };

		record_event(c, &e, &err);
	}
	buf_free(&err);
	METRIC_ADD(console_logins, 1);
	syslog(LOG_INFO, "console: %s (%s) logged in from %s", a.name, account_role_name(a.role),
	    client);
	{
		const char *f[3] = { token, csrf, needs_enrol(&a) ? "enrol" : "full" };
		int w = answer(c, CONSOLE_OK, f, 3);

		sodium_memzero(token, sizeof token);
		return w;
	}
}

struct session_row {
	char name[ACCOUNT_NAME_MAX], csrf[AUTH_TOKEN_HEX + 1];
	char secret[ACCOUNT_SECRET_MAX];	/* enrol_secret, "" = none */
	long long created, seen;
	int enrol;			/* stage enrol */
	int found, bad;
};

static int
take_session(size_t ncols, const char *const *col, void *ctx)
{
	struct session_row *sr = ctx;
	char *end;

	sr->found = 1;
	if (ncols != 6 || col[0] == NULL || col[1] == NULL || col[2] == NULL || col[3] == NULL ||
	    col[4] == NULL || strlen(col[0]) >= sizeof sr->name ||
	    strlen(col[1]) >= sizeof sr->csrf ||
	    (col[5] != NULL && strlen(col[5]) >= sizeof sr->secret)) {
		sr->bad = 1;
		return 1;
	}
	sr->enrol = strcmp(col[4], "enrol") == 0;
	snprintf(sr->secret, sizeof sr->secret, "%s", col[5] != NULL ? col[5] : "");
	memcpy(sr->name, col[0], strlen(col[0]) + 1);
	memcpy(sr->csrf, col[1], strlen(col[1]) + 1);
	sr->created = strtoll(col[2], &end, 10);
	sr->seen = strtoll(col[3], &end, 10);
	return 1;
}

/* The session of the request's token (field 0): its account and CSRF
 * token.  0, or the status to answer (the session is gone when it timed
 * out, its account is disabled or changed its second factor). */
static unsigned session_stage(struct conn *c, struct account *a, char csrf[AUTH_TOKEN_HEX + 1],
    struct session_row *out, int enrol_ok);

/* A session that may use the console: not one still setting up. */
static unsigned
session_of(struct conn *c, struct account *a, char csrf[AUTH_TOKEN_HEX + 1])
{
	return session_stage(c, a, csrf, NULL, 0);
}

/* Any session, in whichever stage (out: its row, may be NULL); enrol_ok: a
 * session setting up is accepted too. */
static unsigned
session_stage(struct conn *c, struct account *a, char csrf[AUTH_TOKEN_HEX + 1],
    struct session_row *out, int enrol_ok)
{
	const char *token = console_field(&c->rq, 0);
	struct session_row sr = { 0 };
	char digest[65], now[24];
	const char *p[2];
	struct buf err;
	unsigned st = CONSOLE_DENIED;

	if (!auth_token_wellformed(token))
		return CONSOLE_DENIED;
	auth_token_digest(token, digest);
	p[0] = digest;
	buf_init(&err, 1024);
	if (store_query(c->s, 0, "SELECT name, csrf, created_at, seen_at, stage, enrol_secret "
	    "FROM sessions WHERE token_digest = ?1", p, 1, take_session, &sr, NULL, &err) != 0) {
		st = CONSOLE_FAILED;
		goto out;
	}
	if (!sr.found || sr.bad)
		goto out;
	if (c->now - sr.seen > (long long)M.cfg->console_idle_timeout ||
	    c->now - sr.created > (long long)M.cfg->console_session_lifetime ||
	    account_get(c->s, sr.name, a, &err) != 0 || a->disabled) {
		store_query(c->s, 1, "DELETE FROM sessions WHERE token_digest = ?1", p, 1, NULL,
		    NULL, NULL, &err);
		goto out;
	}
	if (c->now - sr.seen >= MONITOR_SEEN_EVERY) {
		snprintf(now, sizeof now, "%lld", c->now);
		p[1] = now;
		store_query(c->s, 1, "UPDATE sessions SET seen_at = ?2 WHERE token_digest = ?1", p,
		    2, NULL, NULL, NULL, &err);
	}
	memcpy(csrf, sr.csrf, sizeof sr.csrf);
	if (out != NULL)
		*out = sr;
	st = sr.enrol && !enrol_ok ? CONSOLE_DENIED : CONSOLE_OK;
out:
	if (st == CONSOLE_FAILED)
		syslog(LOG_ERR, "console: %s", buf_str(&err));
	buf_free(&err);
	return st;
}

/* Files are brought in through the console when there are drop folders
 * and transfer_upload_limit allows; by anyone with an address but an
 * auditor. */
static int
may_upload(const struct account *a)
{
	return M.cfg->transfer_in_dir[0] != '\0' && M.cfg->transfer_upload_limit > 0 &&
	    a->role != ROLE_AUDITOR && a->addresses[0] != '\0';
}

static void
put_account_json(struct buf *b, const struct account *a, const char *csrf)
{
	buf_putc(b, '{');
	json_key(b, "name", 1);
	json_str(b, a->name);
	json_key(b, "display", 0);
	json_str(b, a->display);
	json_key(b, "role", 0);
	json_str(b, account_role_name(a->role));
	json_key(b, "group", 0);
	json_str(b, a->group);
	json_key(b, "totp", 0);
	buf_puts(b, a->totp_secret[0] != '\0' ? "true" : "false");
	json_key(b, "directory", 0);
	buf_puts(b, strcmp(a->pw_hash, LDAP_PASSWORD_MARK) == 0 ? "true" : "false");
	json_key(b, "csrf", 0);
	json_str(b, csrf);
	/* the addresses a file may be brought in for, when the console takes files */
	json_key(b, "upload", 0);
	buf_puts(b, may_upload(a) ? "true" : "false");
	json_key(b, "addresses", 0);
	buf_putc(b, '[');
	for (const char *p = a->addresses, *e; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		struct buf one;

		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		buf_init(&one, ACCOUNT_ADDRESSES_BYTES);
		buf_append(&one, p, (size_t)(e - p));
		if (p != a->addresses)
			buf_putc(b, ',');
		json_str(b, buf_str(&one));
		buf_free(&one);
	}
	buf_putc(b, ']');
	buf_putc(b, '}');
}

static int
op_session(struct conn *c)
{
	struct account a;
	struct session_row sr;
	char csrf[AUTH_TOKEN_HEX + 1];
	unsigned st = session_stage(c, &a, csrf, &sr, 1);
	struct buf b;
	int r;

	if (st != CONSOLE_OK)
		return answer1(c, st, NULL);
	buf_init(&b, 4096);
	put_account_json(&b, &a, csrf);
	b.len--;	/* the stage too: an enrolling session sees the set-up only */
	json_key(&b, "stage", 0);
	json_str(&b, sr.enrol ? "enrol" : "full");
	buf_putc(&b, '}');
	r = answer1(c, CONSOLE_OK, buf_str(&b));
	buf_free(&b);
	return r;
}

static int
op_logout(struct conn *c)
{
	struct account a;
	char csrf[AUTH_TOKEN_HEX + 1], digest[65];
	const char *p[1] = { digest };
	struct buf err;
	struct console_event e = { .event = "logout", .who = &a, .client = console_field(&c->rq, 1) };

	if (session_stage(c, &a, csrf, NULL, 1) != CONSOLE_OK)
		return answer1(c, CONSOLE_OK, NULL);	/* gone already */
	auth_token_digest(console_field(&c->rq, 0), digest);
	buf_init(&err, 1024);
	store_query(c->s, 1, "DELETE FROM sessions WHERE token_digest = ?1", p, 1, NULL, NULL,
	    NULL, &err);
	record_event(c, &e, &err);
	buf_free(&err);
	return answer1(c, CONSOLE_OK, NULL);
}

/* ---- items ------------------------------------------------------------------ */

/* Whether a receipt names a virus or a YARA match (the item's reason or a
 * part's): such an original never leaves through the console. */
static int
malware_class(const char *reason, json_t *receipt)
{
	json_t *parts, *p;
	size_t i;

	if (reason != NULL && (strcmp(reason, "virus") == 0 ||
	    strcmp(reason, "signature-match") == 0))
		return 1;
	parts = json_object_get(receipt, "parts");
	json_array_foreach(parts, i, p) {
		const char *r = json_string_value(json_object_get(p, "reason"));

		if (r != NULL && (strcmp(r, "virus") == 0 || strcmp(r, "signature-match") == 0))
			return 1;
	}
	return 0;
}

struct req_row {
	char id[ID_LEN + 8], by[ACCOUNT_NAME_MAX], state[16], decided_by[ACCOUNT_NAME_MAX];
	char reason[MONITOR_REASON_MAX + 8], comment[MONITOR_REASON_MAX + 8];
	char by_group[ACCOUNT_GROUP_MAX];
	long long at, decided_at;
};

#define REQ_COLS "r.request_id, r.requested_by, r.requested_at, r.reason, r.state, " \
	"coalesce(r.decided_by, ''), coalesce(r.decided_at, 0), coalesce(r.comment, ''), " \
	"coalesce(u.grp, '')"
#define REQ_NCOLS 9

static int
req_from_cols(size_t ncols, const char *const *col, struct req_row *r)
{
	char *end;

	if (ncols < REQ_NCOLS)
		return -1;
	for (size_t i = 0; i < REQ_NCOLS; i++) {
		if (col[i] == NULL)
			return -1;
	}
	snprintf(r->id, sizeof r->id, "%s", col[0]);
	snprintf(r->by, sizeof r->by, "%s", col[1]);
	r->at = strtoll(col[2], &end, 10);
	snprintf(r->reason, sizeof r->reason, "%s", col[3]);
	snprintf(r->state, sizeof r->state, "%s", col[4]);
	snprintf(r->decided_by, sizeof r->decided_by, "%s", col[5]);
	r->decided_at = strtoll(col[6], &end, 10);
	snprintf(r->comment, sizeof r->comment, "%s", col[7]);
	snprintf(r->by_group, sizeof r->by_group, "%s", col[8]);
	return 0;
}

struct req_list {
	struct req_row row[64];
	size_t n;
};

static int
take_req(size_t ncols, const char *const *col, void *ctx)
{
	struct req_list *l = ctx;

	if (l->n < sizeof l->row / sizeof l->row[0] && req_from_cols(ncols, col, &l->row[l->n]) == 0)
		l->n++;
	return 0;
}

static int
requests_of_item(struct conn *c, const char *id, struct req_list *l, struct buf *err)
{
	const char *p[1] = { id };

	l->n = 0;
	return store_query(c->s, 0, "SELECT " REQ_COLS " FROM requests r LEFT JOIN users u ON "
	    "u.name = r.requested_by WHERE r.receipt_id = ?1 ORDER BY r.requested_at, "
	    "r.request_id", p, 1, take_req, l, NULL, err);
}

/*
 * Release classes (the release policy, docs/console.md): who may get an
 * item's original through the console.
 */
enum release_class {
	RC_APPROVAL,		/* asked for, approved by an approver (or an operator) */
	RC_SELF,		/* taken by its staff alone (console_self_release) */
	RC_MALWARE_OPERATORS,	/* a virus or YARA match: an operator asks, another approves */
	RC_NEVER		/* a virus or YARA match: never through the console */
};

static const char *const rc_names[] = { "approval", "self", "two-operators", "never" };

/* Whether a may see the item (recipients) with these requests. */
static int
may_see(const struct account *a, const char *recipients, const struct req_list *l)
{
	if (a->role == ROLE_OPERATOR || a->role == ROLE_AUDITOR)
		return 1;
	if (account_has_recipient(a, recipients))
		return 1;
	if (a->role == ROLE_APPROVER && a->group[0] != '\0') {
		for (size_t i = 0; i < l->n; i++) {
			if (strcmp(l->row[i].by_group, a->group) == 0)
				return 1;
		}
	}
	return 0;
}

/* Whether a may approve r, of an item of class cls: never the requester;
 * an operator (for the malware class, the only one); an approver of the
 * requester's group unless console_release_approver = operator. */
static int
may_decide(const struct account *a, const struct req_row *r, int cls)
{
	if (strcmp(a->name, r->by) == 0 || cls == RC_NEVER)
		return 0;
	if (a->role == ROLE_OPERATOR)
		return 1;
	return cls == RC_APPROVAL && M.cfg->console_release_approver == 0 &&
	    a->role == ROLE_APPROVER && a->group[0] != '\0' &&
	    strcmp(a->group, r->by_group) == 0;
}


/* Every attachment kept, rebuilt by a method the policy lets staff undo. */
static int
self_release(const char *verdict, json_t *receipt)
{
	json_t *parts = json_object_get(receipt, "parts"), *p;
	size_t i;
	int files = 0;

	if (M.cfg->console_self_release[0] == '\0' || strcmp(verdict, "sanitized") != 0)
		return 0;
	json_array_foreach(parts, i, p) {
		const char *action = json_string_value(json_object_get(p, "action"));
		json_t *san = json_object_get(p, "sanitized");
		const char *method = json_is_object(san) ?
		    json_string_value(json_object_get(san, "method")) : NULL;
		const char *list = M.cfg->console_self_release;
		int listed = 0;

		if (action == NULL || strcmp(action, "kept") == 0 || strcmp(action, "text") == 0 ||
		    strcmp(action, "converted") == 0)
			continue;
		if (strcmp(action, "sanitized") != 0 || method == NULL)
			return 0;
		for (const char *q = list; *q != '\0';) {
			size_t n;

			while (*q == ' ' || *q == ',')
				q++;
			n = strcspn(q, ", ");
			if (n > 0 && strlen(method) == n && strncmp(q, method, n) == 0)
				listed = 1;
			q += n;
		}
		if (!listed)
			return 0;
		files++;
	}
	return files > 0;
}

/* The item as the user may know it; 0, CONSOLE_NOT_FOUND or CONSOLE_FAILED. */
struct item_view {
	struct store_item_out m;
	json_t *receipt;
	struct req_list reqs;
	enum release_class cls;
	int never;		/* cls == RC_NEVER */
	int leaving;		/* a message leaving (kind outbound): its sender's */
	int held_here;		/* leaving, held by sekisho (outbound_release_to) */
	const char *file;	/* leaving: a transfer folder's file (its name), or NULL */
	int awaiting;		/* a transferred file, sanitised, awaiting its approval
				 * (transfer_approval): held_here too, its user's */
	int delayed;		/* held_here for outbound_delay only: no approval needed */
	char hold[16];		/* held_here: "" waiting, "confirm" (for its sender),
				 * "sent" or "recalled" */
};

/* The addresses whose item it is: a message leaving is its sender's, one
 * arriving its recipients'. */
static const char *
owners_of(const struct item_view *v)
{
	return v->leaving ? v->m.sender : v->m.recipients;
}

static void
item_view_free(struct item_view *v)
{
	json_decref(v->receipt);
	store_item_out_free(&v->m);
}

static int
take_hold(size_t ncols, const char *const *col, void *ctx)
{
	char *hold = ctx;

	if (ncols == 1 && col[0] != NULL && strlen(col[0]) < 16)
		memcpy(hold, col[0], strlen(col[0]) + 1);
	return 1;
}

static unsigned item_load(struct conn *c, const char *id, struct item_view *v);

static unsigned
item_of(struct conn *c, const struct account *a, const char *id, struct item_view *v)
{
	unsigned st = item_load(c, id, v);

	if (st != CONSOLE_OK)
		return st;
	if (!may_see(a, owners_of(v), &v->reqs)) {
		item_view_free(v);
		return CONSOLE_NOT_FOUND;
	}
	return CONSOLE_OK;
}

/* The item whoever asks (item_of checks who may see it). */
static unsigned
item_load(struct conn *c, const char *id, struct item_view *v)
{
	struct buf err;
	int r;

	memset(v, 0, sizeof *v);
	buf_init(&err, 1024);
	r = store_get(c->s, id, NULL, &v->m, &err);
	if (r == 0 && requests_of_item(c, id, &v->reqs, &err) != 0)
		r = -1;
	if (r == -1)
		syslog(LOG_ERR, "console: %s: %s", id, buf_str(&err));
	buf_free(&err);
	if (r != 0) {
		store_item_out_free(&v->m);
		return r == STORE_NOT_FOUND ? CONSOLE_NOT_FOUND : CONSOLE_FAILED;
	}
	v->receipt = json_loads(v->m.receipt_json != NULL ? v->m.receipt_json : "{}", 0, NULL);
	if (v->receipt == NULL)
		v->receipt = json_object();
	{
		const char *kind = json_string_value(json_object_get(v->receipt, "kind"));
		const char *act = json_string_value(json_object_get(json_object_get(v->receipt,
		    "outbound"), "action"));

		v->leaving = kind != NULL && strcmp(kind, "outbound") == 0;
		/* a file leaving through the transfer folders: sekisho keeps it */
		v->file = v->leaving ? json_string_value(json_object_get(json_object_get(
		    v->receipt, "input"), "filename")) : NULL;
		v->delayed = v->leaving && act != NULL && strcmp(act, "delay") == 0;
		v->held_here = v->leaving && act != NULL && (strcmp(act, "hold") == 0 ||
		    v->delayed) && (M.cfg->outbound_release_to[0] != '\0' ||
		    (v->file != NULL && M.cfg->transfer_out_dir[0] != '\0'));
		/* a file arriving through the transfer folders, waiting */
		act = json_string_value(json_object_get(json_object_get(v->receipt, "transfer"),
		    "approval"));
		if (!v->leaving && act != NULL && strcmp(act, "required") == 0 &&
		    M.cfg->transfer_out_dir[0] != '\0') {
			v->awaiting = v->held_here = 1;
			v->file = json_string_value(json_object_get(json_object_get(v->receipt,
			    "input"), "filename"));
		}
	}
	if (v->held_here) {
		const char *p[1] = { id };

		buf_init(&err, 1024);
		r = store_query(c->s, 0, "SELECT state FROM outbound_holds WHERE receipt_id = ?1",
		    p, 1, take_hold, v->hold, NULL, &err);
		if (r != 0)
			syslog(LOG_ERR, "console: %s: %s", id, buf_str(&err));
		buf_free(&err);
		if (r != 0) {
			item_view_free(v);
			return CONSOLE_FAILED;
		}
	}
	if (malware_class(v->m.reason, v->receipt))
		v->cls = M.cfg->console_release_malware == 1 ? RC_MALWARE_OPERATORS : RC_NEVER;
	else
		v->cls = self_release(v->m.verdict, v->receipt) && !v->awaiting ? RC_SELF :
		    RC_APPROVAL;	/* a file awaiting its approval is never its user's alone */
	v->never = v->cls == RC_NEVER;
	return CONSOLE_OK;
}


/* The user's own request of the item in the state asked (NULL: none). */
static const struct req_row *
my_request(const struct item_view *v, const struct account *a, const char *state)
{
	for (size_t i = v->reqs.n; i > 0; i--) {
		const struct req_row *r = &v->reqs.row[i - 1];

		if (strcmp(r->by, a->name) == 0 && (state == NULL || strcmp(r->state, state) == 0))
			return r;
	}
	return NULL;
}

static int hold_open(const struct item_view *v);

/* Who may ask: the item's staff (an operator too, for the malware class
 * when two operators may release it); never an auditor; not twice. */
static int
may_ask(const struct account *a, const struct item_view *v)
{
	if (v->cls == RC_NEVER || a->role == ROLE_AUDITOR)
		return 0;
	if (v->cls == RC_MALWARE_OPERATORS)
		return a->role == ROLE_OPERATOR;
	/* a file awaiting its approval: its user asks for it to be delivered
	 * (and, approved, may have its original too) */
	if (v->awaiting && hold_open(v))
		return account_has_recipient(a, v->m.recipients);
	/* a message leaving: its sender asks to send it, while sekisho holds it */
	if (v->leaving)
		return v->held_here && !v->delayed && v->hold[0] == '\0' &&
		    account_has_recipient(a, v->m.sender);
	return account_has_recipient(a, v->m.recipients);
}

/* A held message leaving not yet sent or recalled. */
static int
hold_open(const struct item_view *v)
{
	return v->held_here && (v->hold[0] == '\0' || strcmp(v->hold, "confirm") == 0);
}

/* Its sender recalls a held message leaving while it waits. */
static int
may_recall(const struct account *a, const struct item_view *v)
{
	return hold_open(v) && !v->awaiting && a->role != ROLE_AUDITOR &&
	    account_has_recipient(a, v->m.sender);
}

/* Approved but not sent (the next hop failed at the approval), or waiting
 * outbound_delay: its sender, or an operator, sends it now. */
static int
may_send(const struct account *a, const struct item_view *v)
{
	int approved = 0;

	for (size_t i = 0; i < v->reqs.n; i++)
		approved |= strcmp(v->reqs.row[i].state, "approved") == 0;
	return hold_open(v) && (approved || v->delayed) &&
	    (a->role == ROLE_OPERATOR || (a->role != ROLE_AUDITOR &&
	    account_has_recipient(a, owners_of(v))));
}

static int
may_request(const struct account *a, const struct item_view *v)
{
	return may_ask(a, v) && my_request(v, a, "pending") == NULL &&
	    my_request(v, a, "approved") == NULL;
}

/* A request's fields, without the braces. */
static void
put_request_fields(struct buf *b, const struct req_row *r)
{
	json_key(b, "id", 1);
	json_str(b, r->id);
	json_key(b, "by", 0);
	json_str(b, r->by);
	json_key(b, "at", 0);
	buf_printf(b, "%lld", r->at);
	json_key(b, "reason", 0);
	json_str(b, r->reason);
	json_key(b, "state", 0);
	json_str(b, r->state);
	json_key(b, "decided_by", 0);
	json_str(b, r->decided_by[0] != '\0' ? r->decided_by : NULL);
	json_key(b, "decided_at", 0);
	buf_printf(b, "%lld", r->decided_at);
	json_key(b, "comment", 0);
	json_str(b, r->comment);
}

/* The parts worth showing: each file kept, removed or withheld, and why. */
static void
put_parts_json(struct buf *b, json_t *receipt)
{
	json_t *parts = json_object_get(receipt, "parts"), *p;
	size_t i;
	int first = 1;

	buf_putc(b, '[');
	json_array_foreach(parts, i, p) {
		const char *action = json_string_value(json_object_get(p, "action"));
		const char *name = json_string_value(json_object_get(p, "filename"));
		json_t *san = json_object_get(p, "sanitized");

		if (action == NULL || strcmp(action, "kept") == 0 || strcmp(action, "text") == 0)
			continue;
		if (!first)
			buf_putc(b, ',');
		first = 0;
		buf_putc(b, '{');
		json_key(b, "path", 1);
		json_str(b, json_string_value(json_object_get(p, "path")));
		json_key(b, "filename", 0);
		json_str(b, name);
		json_key(b, "type", 0);
		json_str(b, json_string_value(json_object_get(p, "detected_type")));
		json_key(b, "action", 0);
		json_str(b, action);
		json_key(b, "reason", 0);
		json_str(b, json_string_value(json_object_get(p, "reason")));
		json_key(b, "method", 0);
		json_str(b, json_is_object(san) ?
		    json_string_value(json_object_get(san, "method")) : NULL);
		json_key(b, "bytes", 0);
		buf_printf(b, "%lld", (long long)json_integer_value(json_object_get(p, "bytes")));
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

static void
put_item_head(struct buf *b, const struct store_item_out *m)
{
	buf_putc(b, '{');
	json_key(b, "id", 1);
	json_str(b, m->receipt_id);
	json_key(b, "received_at", 0);
	buf_printf(b, "%lld", m->received_at);
	json_key(b, "verdict", 0);
	json_str(b, m->verdict);
	json_key(b, "reason", 0);
	json_str(b, m->reason);
	json_key(b, "sender", 0);
	json_str(b, m->sender);
	json_key(b, "subject", 0);
	json_str(b, m->subject);
	json_key(b, "state", 0);
	json_str(b, m->state);
}

static long new_outside(struct store *s, const struct item_view *v, struct buf *out);

static int
op_item(struct conn *c)
{
	struct account a;
	char csrf[AUTH_TOKEN_HEX + 1];
	struct item_view v;
	struct buf b;
	unsigned st;
	int r;

	if ((st = session_of(c, &a, csrf)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	if ((st = item_of(c, &a, console_field(&c->rq, 2), &v)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	buf_init(&b, CONSOLE_ANSWER_JSON_MAX);
	put_item_head(&b, &v.m);
	json_key(&b, "recipients", 0);
	json_str(&b, v.m.recipients);
	json_key(&b, "detail", 0);
	json_str(&b, json_string_value(json_object_get(v.receipt, "detail")));
	json_key(&b, "release_class", 0);
	json_str(&b, rc_names[v.cls]);
	json_key(&b, "parts", 0);
	put_parts_json(&b, v.receipt);
	json_key(&b, "requests", 0);
	buf_putc(&b, '[');
	for (size_t i = 0; i < v.reqs.n; i++) {
		buf_puts(&b, i == 0 ? "{" : ",{");
		put_request_fields(&b, &v.reqs.row[i]);
		buf_putc(&b, '}');
	}
	buf_putc(&b, ']');
	json_key(&b, "can_request", 0);
	buf_puts(&b, may_request(&a, &v) ? "true" : "false");
	json_key(&b, "can_download", 0);
	buf_puts(&b, !v.leaving && !v.never && my_request(&v, &a, "approved") != NULL &&
	    M.cfg->console_release_to != 1 ? "true" : "false");
	json_key(&b, "can_unlock", 0);
	buf_puts(&b, !v.leaving && (v.cls == RC_APPROVAL || v.cls == RC_SELF) &&
	    a.role != ROLE_AUDITOR && account_has_recipient(&a, v.m.recipients) ? "true" :
	    "false");
	json_key(&b, "can_redeliver", 0);
	buf_puts(&b, !v.leaving && !v.never && my_request(&v, &a, "approved") != NULL &&
	    M.cfg->console_release_to != 0 && a.addresses[0] != '\0' ? "true" : "false");
	/* a message leaving that sekisho holds: what was found (masked), the
	 * hold's state, recall by its sender, sending once approved */
	json_key(&b, "leaving", 0);
	buf_puts(&b, v.leaving ? "true" : "false");
	json_key(&b, "held_here", 0);
	buf_puts(&b, v.held_here ? "true" : "false");
	json_key(&b, "awaiting", 0);
	buf_puts(&b, v.awaiting ? "true" : "false");
	json_key(&b, "hold", 0);
	json_str(&b, v.hold);
	json_key(&b, "delayed", 0);
	buf_puts(&b, v.delayed ? "true" : "false");
	json_key(&b, "new_recipients", 0);
	buf_putc(&b, '[');
	if (v.delayed && hold_open(&v)) {
		struct buf fresh;
		int first = 1;

		buf_init(&fresh, SPOOL_RCPT_MAX * (SPOOL_ADDR_MAX + 1));
		if (new_outside(c->s, &v, &fresh) > 0) {
			for (char *line = fresh.data; *line != '\0';) {
				char *e = strchr(line, '\n');

				*e = '\0';
				if (!first)
					buf_putc(&b, ',');
				json_str(&b, line);
				first = 0;
				line = e + 1;
			}
		}
		buf_free(&fresh);
	}
	buf_putc(&b, ']');
	json_key(&b, "send_at", 0);
	buf_printf(&b, "%lld", v.delayed ? v.m.received_at + (long long)M.cfg->outbound_delay : 0);
	json_key(&b, "can_recall", 0);
	buf_puts(&b, may_recall(&a, &v) ? "true" : "false");
	json_key(&b, "can_send", 0);
	buf_puts(&b, may_send(&a, &v) ? "true" : "false");
	if (v.leaving) {
		char *o = json_dumps(json_object_get(v.receipt, "outbound"), JSON_COMPACT);

		json_key(&b, "outbound", 0);
		buf_puts(&b, o != NULL ? o : "null");
		free(o);
	}
	json_key(&b, "can_decide", 0);
	{
		int any = 0;

		for (size_t i = 0; i < v.reqs.n; i++)
			any |= strcmp(v.reqs.row[i].state, "pending") == 0 &&
			    may_decide(&a, &v.reqs.row[i], v.cls);
		buf_puts(&b, any ? "true" : "false");
	}
	if (buf_putc(&b, '}') != 0)
		die("item answer past its ceiling");
	r = answer1(c, CONSOLE_OK, buf_str(&b));
	buf_free(&b);
	item_view_free(&v);
	return r;
}

/* ---- the list of my items ------------------------------------------------------ */

/*
 * Staff and approvers: the items under each of their addresses
 * (item_recipients: an index range per address, newest first), merged;
 * operators and auditors: the newest items.  One page of console_page_size
 * at a time, older than an optional cursor "RECEIVED_AT:RECEIPT_ID" (the
 * last item of the page before; keyset paging, so page 1,000 costs what
 * page 1 does).  The answer: the page as a JSON array, and the cursor of
 * the next page ("" when this one is the last).
 */
#define LIST_COLS "i.receipt_id, i.received_at, i.verdict, i.reason, i.sender, i.subject, " \
	"i.state"

_Static_assert(CONSOLE_CURSOR_ID_MAX == STORE_ID_MAX, "a cursor holds a receipt id");

struct list_row {
	long long at;
	char id[STORE_ID_MAX];
	char *json;
};

struct list_ctx {
	struct list_row *rows;
	size_t n, cap;
};

static int
list_take(size_t ncols, const char *const *c, void *ctx)
{
	struct list_ctx *l = ctx;
	struct list_row *r;
	struct buf b;
	size_t len;

	if (ncols != 7 || c[0] == NULL || c[1] == NULL || strlen(c[0]) >= STORE_ID_MAX)
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->rows = xrealloc(l->rows, l->cap * sizeof *l->rows);	/* LIMIT per address bounds it */
	}
	r = &l->rows[l->n++];
	r->at = strtoll(c[1], NULL, 10);
	memcpy(r->id, c[0], strlen(c[0]) + 1);
	buf_init(&b, 4 * STORE_FIELD_MAX + 1024);
	buf_putc(&b, '{');
	json_key(&b, "id", 1);
	json_str(&b, c[0]);
	json_key(&b, "received_at", 0);
	buf_printf(&b, "%lld", r->at);
	json_key(&b, "verdict", 0);
	json_str(&b, c[2]);
	json_key(&b, "reason", 0);
	json_str(&b, c[3]);
	json_key(&b, "sender", 0);
	json_str(&b, c[4]);
	json_key(&b, "subject", 0);
	json_str(&b, c[5]);
	json_key(&b, "state", 0);
	json_str(&b, c[6]);
	buf_putc(&b, '}');
	r->json = buf_steal(&b, &len);
	return 0;
}

static int
newest_first(const void *x, const void *y)
{
	const struct list_row *a = x, *b = y;

	if (a->at != b->at)
		return a->at < b->at ? 1 : -1;
	return -strcmp(a->id, b->id);
}

/* A list's query, built from constant pieces; its values numbered ?1.. in
 * the order they are added (PostgreSQL wants every number used). */
struct list_query {
	struct buf sql;
	const char *p[8];
	size_t n;
};

static void
lq_param(struct list_query *q, const char *v)
{
	q->p[q->n++] = v;
	buf_printf(&q->sql, "?%zu", q->n);
}

/* " WHERE|AND (T.received_at, T.receipt_id) < (at, id)": older than the cursor. */
static void
lq_older(struct list_query *q, const char *glue, const char *t, const char *at,
    const char *id)
{
	buf_printf(&q->sql, " %s (%s.received_at, %s.receipt_id) < (", glue, t, t);
	lq_param(q, at);
	buf_puts(&q->sql, ", ");
	lq_param(q, id);
	buf_puts(&q->sql, ")");
}

/* " WHERE|AND (subject or sender LIKE pattern)": the search. */
static void
lq_search(struct list_query *q, const char *glue, const char *pattern)
{
	buf_printf(&q->sql, " %s (lower(i.subject) LIKE ", glue);
	lq_param(q, pattern);
	buf_puts(&q->sql, " ESCAPE '!' OR lower(i.sender) LIKE ");
	lq_param(q, pattern);
	buf_puts(&q->sql, " ESCAPE '!')");
}

/* A search text as a LIKE pattern: lower-cased ASCII, %, _ and ! escaped
 * with !, inside %…%.  -1 when it holds a control character. */
static int
search_pattern(const char *q, char *out, size_t n)
{
	size_t k = 0;

	if (n < 3)
		return -1;
	out[k++] = '%';
	for (; *q != '\0'; q++) {
		unsigned char ch = (unsigned char)*q;

		if (ch < 0x20 || ch == 0x7f)
			return -1;
		if (k + 3 >= n)
			return -1;
		if (ch == '%' || ch == '_' || ch == '!')
			out[k++] = '!';
		out[k++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
	}
	out[k++] = '%';
	out[k] = '\0';
	return 0;
}

static int
op_list(struct conn *c)
{
	struct account a;
	char csrf[AUTH_TOKEN_HEX + 1], limit[16], scan[16], at[24] = "", id[STORE_ID_MAX] = "";
	char next[24 + STORE_ID_MAX + 1] = "", pattern[2 * MONITOR_SEARCH_MAX + 3];
	const char *cursor = console_field(&c->rq, 2), *q = console_field(&c->rq, 3);
	size_t page = M.cfg->console_page_size;
	struct list_ctx l = { 0 };
	struct list_query lq;
	struct buf b, err;
	unsigned st;
	int r = 0, more;

	if ((st = session_of(c, &a, csrf)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	if (*cursor != '\0' && console_parse_cursor(cursor, at, sizeof at, id, sizeof id) != 0)
		return answer1(c, CONSOLE_BAD, NULL);
	if (strlen(q) > MONITOR_SEARCH_MAX || search_pattern(q, pattern, sizeof pattern) != 0)
		return answer1(c, CONSOLE_BAD, NULL);
	if (page == 0 || page > MONITOR_LIST_MAX)
		page = MONITOR_LIST_MAX;
	/* one more than a page: whether there is a next one */
	snprintf(limit, sizeof limit, "%zu", page + 1);
	snprintf(scan, sizeof scan, "%d", MONITOR_SEARCH_SCAN);
	buf_init(&err, 1024);
	buf_init(&lq.sql, 4096);
	if (a.role == ROLE_OPERATOR || a.role == ROLE_AUDITOR) {
		/* every item, newest first; a search looks at the newest
		 * MONITOR_SEARCH_SCAN from the page's start, not at the whole store */
		lq.n = 0;
		buf_reset(&lq.sql);
		buf_puts(&lq.sql, "SELECT " LIST_COLS " FROM ");
		if (*q != '\0')
			buf_puts(&lq.sql, "(SELECT * FROM items i");
		else
			buf_puts(&lq.sql, "items i");
		if (*at != '\0')
			lq_older(&lq, "WHERE", "i", at, id);
		if (*q != '\0') {
			buf_puts(&lq.sql, " ORDER BY i.received_at DESC, i.receipt_id DESC LIMIT ");
			lq_param(&lq, scan);
			buf_puts(&lq.sql, ") i");
			lq_search(&lq, "WHERE", pattern);
		}
		buf_puts(&lq.sql, " ORDER BY i.received_at DESC, i.receipt_id DESC LIMIT ");
		lq_param(&lq, limit);
		r = store_query(c->s, 0, buf_str(&lq.sql), lq.p, lq.n, list_take, &l, NULL, &err);
	} else {
		const char *addr = a.addresses;

		while (r == 0 && *addr != '\0') {
			const char *e = strchr(addr, '\n');
			size_t n = e != NULL ? (size_t)(e - addr) : strlen(addr);
			char one[ACCOUNT_ADDRESS_MAX + 1];

			snprintf(one, sizeof one, "%.*s", (int)n, addr);
			lq.n = 0;
			buf_reset(&lq.sql);
			buf_puts(&lq.sql, "SELECT " LIST_COLS " FROM item_recipients x JOIN items i ON "
			    "i.receipt_id = x.receipt_id WHERE x.address = ");
			lq_param(&lq, one);
			if (*at != '\0')
				lq_older(&lq, "AND", "x", at, id);
			if (*q != '\0')
				lq_search(&lq, "AND", pattern);
			buf_puts(&lq.sql, " ORDER BY x.received_at DESC, x.receipt_id DESC LIMIT ");
			lq_param(&lq, limit);
			r = store_query(c->s, 0, buf_str(&lq.sql), lq.p, lq.n, list_take, &l, NULL,
			    &err);
			addr = e != NULL ? e + 1 : addr + n;
		}
	}
	buf_free(&lq.sql);
	if (r != 0) {
		syslog(LOG_ERR, "console: list: %s", buf_str(&err));
		r = answer1(c, CONSOLE_FAILED, NULL);
	} else {
		size_t shown = 0;
		const struct list_row *last = NULL;
		const char *f[2];

		if (l.n > 1)
			qsort(l.rows, l.n, sizeof *l.rows, newest_first);
		buf_init(&b, CONSOLE_ANSWER_JSON_MAX);
		buf_putc(&b, '[');
		more = 0;
		for (size_t i = 0; i < l.n; i++) {
			/* an item under two of the user's addresses: once */
			if (i > 0 && strcmp(l.rows[i].id, l.rows[i - 1].id) == 0)
				continue;
			if (shown == page) {
				more = 1;	/* a row past the page: there is a next one */
				break;
			}
			if (shown++ > 0)
				buf_putc(&b, ',');
			buf_puts(&b, l.rows[i].json);
			last = &l.rows[i];
		}
		buf_putc(&b, ']');
		if (more && last != NULL)
			snprintf(next, sizeof next, "%lld:%s", last->at, last->id);
		f[0] = buf_str(&b);
		f[1] = next;
		r = answer(c, CONSOLE_OK, f, 2);
		buf_free(&b);
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.rows[i].json);
	free(l.rows);
	buf_free(&err);
	return r;
}

/* ---- requests and decisions ------------------------------------------------------ */

struct request_tx {
	struct conn *c;
	const struct account *a;
	const char *item, *reason, *client;
	char id[ID_LEN];
	int self;		/* approved at once: console_self_release */
	/* decide */
	const struct req_row *r;
	int approve;
	const char *comment;
};

static int
request_in_tx(struct store *s, void *ctx, struct buf *err)
{
	struct request_tx *t = ctx;
	char now[24];
	const char *p[5];
	struct console_event e = { .event = "request", .who = t->a, .client = t->client,
	    .item = t->item, .request = t->id, .detail = t->reason };

	snprintf(now, sizeof now, "%lld", t->c->now);
	p[0] = t->id;
	p[1] = t->item;
	p[2] = t->a->name;
	p[3] = now;
	p[4] = t->reason;
	if (store_query(s, 1, t->self ? "INSERT INTO requests (request_id, receipt_id, "
	    "requested_by, requested_at, reason, state, decided_by, decided_at, comment) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, 'approved', ?3, ?4, 'self-service')" :
	    "INSERT INTO requests (request_id, receipt_id, requested_by, requested_at, reason, "
	    "state) VALUES (?1, ?2, ?3, ?4, ?5, 'pending')", p, 5, NULL, NULL, NULL, err) != 0 ||
	    record_event(t->c, &e, err) != 0)
		return -1;
	if (t->self) {
		struct console_event ap = { .event = "approve", .who = t->a, .client = t->client,
		    .item = t->item, .request = t->id, .detail = "self-service" };

		return record_event(t->c, &ap, err);
	}
	return 0;
}

static int
op_request(struct conn *c)
{
	struct account a;
	char csrf[AUTH_TOKEN_HEX + 1];
	struct item_view v;
	struct request_tx t = { .c = c };
	struct buf err;
	unsigned st;
	int r;

	if ((st = session_of(c, &a, csrf)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	if ((st = item_of(c, &a, console_field(&c->rq, 2), &v)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	t.a = &a;
	t.item = v.m.receipt_id;
	t.reason = console_field(&c->rq, 3);
	t.client = console_field(&c->rq, 1);
	if (!may_ask(&a, &v))
		st = CONSOLE_FORBIDDEN;
	else if (!may_request(&a, &v))
		st = CONSOLE_CONFLICT;
	else if (t.reason[0] == '\0' || strlen(t.reason) > MONITOR_REASON_MAX)
		st = CONSOLE_BAD;
	if (st != CONSOLE_OK) {
		item_view_free(&v);
		return answer1(c, st, NULL);
	}
	event_id(t.id, "RQ", c->now);
	t.self = v.cls == RC_SELF;
	buf_init(&err, 1024);
	r = store_transaction(c->s, request_in_tx, &t, &err);
	if (r != 0)
		syslog(LOG_ERR, "console: request of %s by %s: %s", t.item, a.name, buf_str(&err));
	else {
		syslog(LOG_INFO, "console: %s asked for the original of %s (%s)", a.name, t.item,
		    t.id);
		METRIC_ADD(console_requests, 1);
		if (t.self)
			METRIC_ADD(console_approvals, 1);
		if (M.cfg->console_notify && !t.self)
			notify_request(M.cfg, c->s, &a, t.item, v.m.subject, v.m.sender, t.reason,
			    v.leaving);
	}
	buf_free(&err);
	item_view_free(&v);
	return r != 0 ? answer1(c, CONSOLE_FAILED, NULL) : answer1(c, CONSOLE_OK, t.id);
}

static int
decide_in_tx(struct store *s, void *ctx, struct buf *err)
{
	struct request_tx *t = ctx;
	char now[24];
	const char *p[5];
	long long ch = 0;
	struct console_event e = { .event = t->approve ? "approve" : "reject", .who = t->a,
	    .client = t->client, .item = t->item, .request = t->r->id, .detail = t->comment };

	snprintf(now, sizeof now, "%lld", t->c->now);
	p[0] = t->r->id;
	p[1] = t->approve ? "approved" : "rejected";
	p[2] = t->a->name;
	p[3] = now;
	p[4] = t->comment;
	if (store_query(s, 1, "UPDATE requests SET state = ?2, decided_by = ?3, decided_at = ?4, "
	    "comment = ?5 WHERE request_id = ?1 AND state = 'pending'", p, 5, NULL, NULL, &ch,
	    err) != 0)
		return -1;
	if (ch != 1) {
		buf_puts(err, "decided meanwhile");
		return CONSOLE_CONFLICT;
	}
	return record_event(t->c, &e, err);
}

struct req_item {
	char item[STORE_ID_MAX];
	int found;
};

static int
take_req_item(size_t ncols, const char *const *col, void *ctx)
{
	struct req_item *ri = ctx;

	if (ncols == 1 && col[0] != NULL && strlen(col[0]) < sizeof ri->item) {
		memcpy(ri->item, col[0], strlen(col[0]) + 1);
		ri->found = 1;
	}
	return 1;
}

static unsigned hold_release(struct conn *c, const struct item_view *v,
    const struct account *a, const char *request, const char *client);

static int
op_decide(struct conn *c)
{
	const char *rid = console_field(&c->rq, 2), *decision = console_field(&c->rq, 3);
	const char *code = console_field(&c->rq, 4), *client = console_field(&c->rq, 1);
	struct account a;
	char csrf[AUTH_TOKEN_HEX + 1];
	struct req_item ri = { 0 };
	struct item_view v;
	struct request_tx t = { .c = c };
	const struct req_row *r = NULL;
	const char *why = NULL, *p[1] = { rid };
	struct buf err;
	unsigned st, sent = CONSOLE_OK;
	int rc;

	if ((st = session_of(c, &a, csrf)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	if (strcmp(decision, "approve") != 0 && strcmp(decision, "reject") != 0)
		return answer1(c, CONSOLE_BAD, NULL);
	buf_init(&err, 1024);
	if (store_query(c->s, 0, "SELECT receipt_id FROM requests WHERE request_id = ?1", p, 1,
	    take_req_item, &ri, NULL, &err) != 0) {
		buf_free(&err);
		return answer1(c, CONSOLE_FAILED, NULL);
	}
	if (!ri.found) {
		buf_free(&err);
		return answer1(c, CONSOLE_NOT_FOUND, NULL);
	}
	if ((st = item_of(c, &a, ri.item, &v)) != CONSOLE_OK) {
		buf_free(&err);
		return answer1(c, st, NULL);
	}
	for (size_t i = 0; i < v.reqs.n; i++) {
		if (strcmp(v.reqs.row[i].id, rid) == 0)
			r = &v.reqs.row[i];
	}
	st = CONSOLE_OK;
	if (r == NULL)
		st = CONSOLE_NOT_FOUND;
	else if (!may_decide(&a, r, v.cls))
		st = CONSOLE_FORBIDDEN;
	else if (strcmp(r->state, "pending") != 0 || (v.held_here && v.hold[0] != '\0'))
		st = CONSOLE_CONFLICT;
	else if (strlen(console_field(&c->rq, 5)) > MONITOR_REASON_MAX)
		st = CONSOLE_BAD;
	if (st == CONSOLE_OK && decision[0] == 'a') {
		/* approving takes a fresh second factor, whatever the session */
		rc = a.totp_secret[0] == '\0' ? 1 : second_factor(c, &a, code, &why, &err);
		if (rc != 0) {
			struct console_event e = { .event = "approve-refused", .who = &a, .client = client,
			    .item = ri.item, .request = rid, .detail = why != NULL ? why :
			    "no-totp-enrolled" };

			record_event(c, &e, &err);
			st = rc == -1 ? CONSOLE_FAILED : CONSOLE_DENIED;
		}
	}
	if (st != CONSOLE_OK) {
		item_view_free(&v);
		buf_free(&err);
		return answer1(c, st, NULL);
	}
	t.a = &a;
	t.item = ri.item;
	t.client = client;
	t.r = r;
	t.approve = decision[0] == 'a';
	t.comment = console_field(&c->rq, 5);
	rc = store_transaction(c->s, decide_in_tx, &t, &err);
	if (rc != 0 && rc != CONSOLE_CONFLICT)
		syslog(LOG_ERR, "console: decision on %s by %s: %s", rid, a.name, buf_str(&err));
	else if (rc == 0) {
		struct account req;

		syslog(LOG_INFO, "console: %s %s %s (%s)", a.name, t.approve ? "approved" :
		    "rejected", rid, ri.item);
		if (t.approve)
			METRIC_ADD(console_approvals, 1);
		else
			METRIC_ADD(console_rejections, 1);
		/* a held message leaving goes on at its approval; if the next hop
		 * fails, the approval stands and it can be sent from its page */
		if (t.approve && v.held_here)
			sent = hold_release(c, &v, &a, rid, client);
		buf_reset(&err);
		if (M.cfg->console_notify && sent == CONSOLE_OK &&
		    account_get(c->s, r->by, &req, &err) == 0)
			notify_decision(M.cfg, &req, ri.item, v.m.subject, t.approve,
			    a.display[0] != '\0' ? a.display : a.name, t.comment, v.held_here);
	}
	item_view_free(&v);
	buf_free(&err);
	return answer1(c, rc == 0 ? (sent == CONSOLE_OK ? CONSOLE_OK : CONSOLE_FAILED) :
	    rc == CONSOLE_CONFLICT ? CONSOLE_CONFLICT : CONSOLE_FAILED, NULL);
}

/* The pending requests this user may decide. */
struct queue_ctx {
	struct conn *c;
	const struct account *a;
	struct buf *b;
	size_t n;
};

static int
queue_one(size_t ncols, const char *const *col, void *ctx)
{
	struct queue_ctx *q = ctx;
	struct req_row r;

	json_t *receipt;
	int cls;

	if (req_from_cols(ncols, col, &r) != 0 || ncols < REQ_NCOLS + 6 || col[REQ_NCOLS] == NULL)
		return 0;
	/* the item's release class decides who may decide */
	receipt = json_loads(col[REQ_NCOLS + 5] != NULL ? col[REQ_NCOLS + 5] : "{}", 0, NULL);
	if (receipt == NULL)
		receipt = json_object();
	if (malware_class(col[REQ_NCOLS + 4], receipt))
		cls = M.cfg->console_release_malware == 1 ? RC_MALWARE_OPERATORS : RC_NEVER;
	else
		cls = RC_APPROVAL;
	json_decref(receipt);
	if (!may_decide(q->a, &r, cls))
		return 0;
	buf_puts(q->b, q->n > 0 ? ",{" : "{");
	put_request_fields(q->b, &r);
	json_key(q->b, "item", 0);
	json_str(q->b, col[REQ_NCOLS]);
	json_key(q->b, "subject", 0);
	json_str(q->b, col[REQ_NCOLS + 1]);
	json_key(q->b, "sender", 0);
	json_str(q->b, col[REQ_NCOLS + 2]);
	json_key(q->b, "verdict", 0);
	json_str(q->b, col[REQ_NCOLS + 3]);
	buf_putc(q->b, '}');
	return ++q->n >= MONITOR_QUEUE_MAX;
}

static int
op_queue(struct conn *c)
{
	struct account a;
	char csrf[AUTH_TOKEN_HEX + 1];
	struct queue_ctx q;
	struct buf b, err;
	unsigned st;
	int r;

	if ((st = session_of(c, &a, csrf)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	if (a.role != ROLE_APPROVER && a.role != ROLE_OPERATOR)
		return answer1(c, CONSOLE_FORBIDDEN, NULL);
	buf_init(&b, CONSOLE_ANSWER_JSON_MAX);
	buf_init(&err, 1024);
	q = (struct queue_ctx){ .c = c, .a = &a, .b = &b };
	buf_putc(&b, '[');
	if (store_query(c->s, 0, "SELECT " REQ_COLS ", i.receipt_id, i.subject, i.sender, "
	    "i.verdict, i.reason, i.receipt_json FROM requests r JOIN items i ON i.receipt_id = r.receipt_id LEFT JOIN "
	    "users u ON u.name = r.requested_by WHERE r.state = 'pending' ORDER BY "
	    "r.requested_at, r.request_id", NULL, 0, queue_one, &q, NULL, &err) != 0) {
		syslog(LOG_ERR, "console: queue: %s", buf_str(&err));
		r = answer1(c, CONSOLE_FAILED, NULL);
	} else {
		buf_putc(&b, ']');
		r = answer1(c, CONSOLE_OK, buf_str(&b));
	}
	buf_free(&err);
	buf_free(&b);
	return r;
}

/* ---- the download ---------------------------------------------------------------- */

struct download_ctx {
	struct conn *c;
	const struct account *a;
	const char *client, *request;
	int mailbox;		/* redelivered, not downloaded */
};

/* The journal record of the release, inside the store's transaction. */
static int
download_record(const struct store_release *rel, void *ctx, struct buf *err)
{
	struct download_ctx *d = ctx;
	struct console_event e = { .event = d->mailbox ? "redeliver" : "download", .who = d->a,
	    .client = d->client, .item = rel->receipt_id, .request = d->request, .rel = rel };

	return record_event(d->c, &e, err);
}

/*
 * An approved original released to its requester: the bytes to the HTTP
 * process (download), or delivered again to the requester's addresses
 * (mailbox), as console_release_to allows.  Recorded before anything
 * leaves; a delivery that fails after the record is said so (and logged):
 * the record stands, as for a download the browser never finished.
 */
static int
release_to(struct conn *c, int mailbox)
{
	struct account a;
	char csrf[AUTH_TOKEN_HEX + 1], by[ACCOUNT_NAME_MAX + 16];
	struct item_view v;
	const struct req_row *r;
	struct store_release rel;
	struct download_ctx d = { .c = c, .a = &a, .client = console_field(&c->rq, 1) };
	struct buf out, err, meta;
	unsigned st;
	int rc;

	if ((st = session_of(c, &a, csrf)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	if ((st = item_of(c, &a, console_field(&c->rq, 2), &v)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	/* only against an approved request of this user, never malware, and
	 * only the ways the policy allows */
	if (v.never || (r = my_request(&v, &a, "approved")) == NULL ||
	    (mailbox ? M.cfg->console_release_to == 0 : M.cfg->console_release_to == 1) ||
	    (mailbox && a.addresses[0] == '\0')) {
		item_view_free(&v);
		return answer1(c, CONSOLE_FORBIDDEN, NULL);
	}
	d.request = r->id;
	d.mailbox = mailbox;
	memset(&rel, 0, sizeof rel);
	snprintf(by, sizeof by, "%s (console)", a.name);
	rel.receipt_id = v.m.receipt_id;
	rel.released_at = c->now;
	rel.by = by;
	rel.account = "console";
	rel.reason = r->id;
	buf_init(&out, M.cfg->console_download_limit);
	buf_init(&err, 1024);
	rc = store_release_bytes(c->s, &rel, &out, download_record, &d, &err);
	if (rc != 0) {
		syslog(LOG_ERR, "console: download of %s by %s: %s", v.m.receipt_id, a.name,
		    buf_str(&err));
		st = out.max < v.m.bytes ? CONSOLE_CONFLICT : CONSOLE_FAILED;
		rc = answer1(c, st, NULL);
	} else {
		const char *f[2];
		size_t lens[2];

		buf_init(&meta, 4096);
		buf_putc(&meta, '{');
		json_key(&meta, "item", 1);
		json_str(&meta, rel.receipt_id);
		json_key(&meta, "release", 0);
		json_str(&meta, rel.release_id);
		json_key(&meta, "sha256", 0);
		json_str(&meta, rel.sha256);
		json_key(&meta, "bytes", 0);
		buf_printf(&meta, "%llu", rel.bytes);
		buf_putc(&meta, '}');
		f[0] = buf_str(&meta);
		lens[0] = meta.len;
		f[1] = out.data != NULL ? out.data : "";
		lens[1] = out.len;
		METRIC_ADD(console_downloads, 1);
		if (mailbox) {
			size_t n = 1;

			for (const char *p = a.addresses; *p != '\0'; p++)
				n += *p == '\n';
			buf_reset(&err);
			if (notify_deliver(M.cfg, v.m.sender, a.addresses, n, f[1], lens[1],
			    &err) != 0) {
				syslog(LOG_ERR, "console: the original of %s was released (%s) but not "
				    "delivered to %s: %s", rel.receipt_id, rel.release_id, a.name,
				    buf_str(&err));
				rc = answer1(c, CONSOLE_FAILED, NULL);
			} else {
				syslog(LOG_INFO, "console: the original of %s delivered again to %s (%s)",
				    rel.receipt_id, a.name, rel.release_id);
				rc = answer1(c, CONSOLE_OK, f[0]);
			}
		} else {
			syslog(LOG_INFO, "console: %s downloaded the original of %s (%s, %llu bytes)",
			    a.name, rel.receipt_id, rel.release_id, rel.bytes);
			rc = console_write_answer(c->fd, CONSOLE_OK, f, lens, 2);
		}
		buf_free(&meta);
	}
	if (out.data != NULL)
		sodium_memzero(out.data, out.len);
	buf_free(&out);
	buf_free(&err);
	item_view_free(&v);
	return rc;
}

/* ---- messages leaving, held by sekisho (outbound_release_to) ------------------ */

struct send_ctx {
	struct conn *c;
	const struct account *a;
	const char *client, *request;
};

static int
send_record(const struct store_release *rel, void *ctx, struct buf *err)
{
	struct send_ctx *d = ctx;
	struct console_event e = { .event = "send", .who = d->a, .client = d->client,
	    .item = rel->receipt_id, .request = d->request, .rel = rel };

	return record_event(d->c, &e, err);
}

/* The envelope's recipients (comma-separated, as the milter wrote them) one
 * per line; how many. */
static size_t
recipients_lines(const char *csv, struct buf *out)
{
	size_t n = 0;

	for (const char *p = csv; *p != '\0';) {
		size_t k = strcspn(p, ","), len = k;
		const char *a = p;

		while (len > 0 && (*a == ' ' || *a == '<')) {
			a++;
			len--;
		}
		while (len > 0 && (a[len - 1] == ' ' || a[len - 1] == '>'))
			len--;
		if (len > 0 && len < SPOOL_ADDR_MAX && n < SPOOL_RCPT_MAX) {
			buf_printf(out, "%.*s\n", (int)len, a);
			n++;
		}
		p += k;
		if (*p == ',')
			p++;
	}
	return n;
}

/*
 * Take a held message leaving for to ("sent" or "recalled"), from where it
 * stands (waiting: no row; waiting for its sender: "confirm"); 1 taken, 0
 * taken by someone else first, -1 store failure.  give_back: the claim
 * undone (a send whose next hop failed).
 */
static int
hold_claim(struct store *s, const char *id, const char *from, const char *to,
    const char *by, long long now, int give_back, struct buf *err)
{
	char t[24];
	const char *p[4] = { id, to, by, t };
	long long ch = 0;
	int r;

	snprintf(t, sizeof t, "%lld", now);
	if (give_back)
		r = from[0] == '\0' ? store_query(s, 1, "DELETE FROM outbound_holds WHERE "
		    "receipt_id = ?1 AND state = ?2", p, 2, NULL, NULL, &ch, err) :
		    store_query(s, 1, "UPDATE outbound_holds SET state = 'confirm' WHERE "
		    "receipt_id = ?1 AND state = ?2", p, 2, NULL, NULL, &ch, err);
	else
		r = from[0] == '\0' ? store_query(s, 1, "INSERT INTO outbound_holds (receipt_id, "
		    "state, decided_by, decided_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
		    p, 4, NULL, NULL, &ch, err) :
		    store_query(s, 1, "UPDATE outbound_holds SET state = ?2, decided_by = ?3, "
		    "decided_at = ?4 WHERE receipt_id = ?1 AND state = 'confirm'", p, 4, NULL, NULL,
		    &ch, err);
	return r != 0 ? -1 : ch == 1;
}

/* Addresses as outbound_known keeps them: ASCII lower-cased in place. */
static void
lower_ascii(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
}

/* The envelope's outside recipients its sender has never sent to through
 * sekisho, one per line into out; how many (-1: store failure). */
static long
new_outside(struct store *s, const struct item_view *v, struct buf *out)
{
	struct buf all, err;
	char sender[SPOOL_ADDR_MAX];
	long n = 0;

	snprintf(sender, sizeof sender, "%s", v->m.sender);
	lower_ascii(sender);
	buf_init(&all, SPOOL_RCPT_MAX * (SPOOL_ADDR_MAX + 1));
	buf_init(&err, 1024);
	recipients_lines(v->m.recipients, &all);
	for (char *line = all.data; n >= 0 && line != NULL && *line != '\0';) {
		char *e = strchr(line, '\n');
		struct req_item known = { 0 };
		const char *p[2] = { sender, line };

		*e = '\0';
		lower_ascii(line);
		if (outbound_is_outside(M.cfg, line)) {
			if (store_query(s, 0, "SELECT address FROM outbound_known WHERE sender = ?1 "
			    "AND address = ?2", p, 2, take_req_item, &known, NULL, &err) != 0)
				n = -1;
			else if (!known.found) {
				buf_printf(out, "%s\n", line);
				n++;
			}
		}
		line = e + 1;
	}
	if (n < 0)
		syslog(LOG_ERR, "console: outbound_known: %s", buf_str(&err));
	buf_free(&all);
	buf_free(&err);
	return n;
}

/* After a send: its outside recipients are known to its sender from now. */
static void
remember_recipients(struct store *s, const struct item_view *v, long long now)
{
	struct buf fresh, err;
	char sender[SPOOL_ADDR_MAX], t[24];

	buf_init(&fresh, SPOOL_RCPT_MAX * (SPOOL_ADDR_MAX + 1));
	buf_init(&err, 1024);
	snprintf(sender, sizeof sender, "%s", v->m.sender);
	lower_ascii(sender);
	snprintf(t, sizeof t, "%lld", now);
	if (new_outside(s, v, &fresh) > 0) {
		for (char *line = fresh.data; line != NULL && *line != '\0';) {
			char *e = strchr(line, '\n');
			const char *p[3] = { sender, line, t };

			*e = '\0';
			if (store_query(s, 1, "INSERT INTO outbound_known (sender, address, first_at) "
			    "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", p, 3, NULL, NULL, NULL,
			    &err) != 0)
				syslog(LOG_ERR, "console: outbound_known: %s", buf_str(&err));
			line = e + 1;
		}
	}
	buf_free(&fresh);
	buf_free(&err);
}

/* A held file leaving, approved: into its sender's folder on the internet
 * side (gateway/transfer.h), as it came, with its receipt. */
static int
send_file(const struct item_view *v, const struct buf *original, struct buf *err)
{
	char field[SPOOL_TRANSFER_MAX];
	struct buf receipt;
	int r;

	if (transfer_encode(v->m.sender, v->file, field, sizeof field) < 0) {
		buf_printf(err, "%s: not a transfer folder's user and file name", v->m.receipt_id);
		return -1;
	}
	buf_init(&receipt, 64u * 1024 * 1024);
	buf_puts(&receipt, v->m.receipt_json != NULL ? v->m.receipt_json : "");
	r = transfer_deliver(M.cfg, field, 1, NULL, original, NULL, &receipt, err);
	buf_free(&receipt);
	return r;
}

/*
 * A held message leaving sent on to outbound_release_to with its envelope,
 * once: the hold is claimed as sent first (a recall, or a second send, then
 * finds it taken), the release and its "send" record are committed before a
 * byte leaves, then it is delivered.  A delivery that fails gives the claim
 * back (the release record stays, as for a download never finished), so it
 * can be sent again or recalled.  CONSOLE_OK, CONSOLE_CONFLICT (sent or
 * recalled already) or CONSOLE_FAILED.
 */
static unsigned
outbound_send(struct conn *c, const struct item_view *v, const struct account *a,
    const char *request, const char *client)
{
	char now[24], by[ACCOUNT_NAME_MAX + 16];
	struct store_release rel;
	struct send_ctx d = { .c = c, .a = a, .client = client, .request = request };
	struct buf out, err, rcpts;
	unsigned st = CONSOLE_OK;
	int claimed;
	size_t n;

	snprintf(now, sizeof now, "%lld", c->now);
	buf_init(&err, 1024);
	if ((claimed = hold_claim(c->s, v->m.receipt_id, v->hold, "sent", a->name, c->now, 0,
	    &err)) < 0) {
		syslog(LOG_ERR, "console: sending %s: %s", v->m.receipt_id, buf_str(&err));
		buf_free(&err);
		return CONSOLE_FAILED;
	}
	if (!claimed) {
		buf_free(&err);
		return CONSOLE_CONFLICT;
	}
	memset(&rel, 0, sizeof rel);
	snprintf(by, sizeof by, "%s (console)", a->name);
	rel.receipt_id = v->m.receipt_id;
	rel.released_at = c->now;
	rel.by = by;
	rel.account = "outbound";
	rel.reason = request;
	buf_init(&out, (size_t)v->m.bytes + 1);
	buf_init(&rcpts, SPOOL_RCPT_MAX * (SPOOL_ADDR_MAX + 1));
	n = recipients_lines(v->m.recipients, &rcpts);
	if (store_release_bytes(c->s, &rel, &out, send_record, &d, &err) != 0 ||
	    (v->file != NULL ? send_file(v, &out, &err) :
	    notify_deliver_via(M.cfg, M.cfg->outbound_release_to, SPOOL_RCPT_MAX, v->m.sender,
	    buf_str(&rcpts), n, out.data != NULL ? out.data : "", out.len, &err)) != 0) {
		syslog(LOG_ERR, "console: %s approved but not sent on to %s: %s (it can be sent "
		    "again)", v->m.receipt_id, v->file != NULL ? M.cfg->transfer_out_dir :
		    M.cfg->outbound_release_to, buf_str(&err));
		buf_reset(&err);
		if (hold_claim(c->s, v->m.receipt_id, v->hold, "sent", a->name, c->now, 1,
		    &err) < 0)
			syslog(LOG_ERR, "console: %s: %s", v->m.receipt_id, buf_str(&err));
		st = CONSOLE_FAILED;
	} else {
		syslog(LOG_INFO, "console: %s sent on to %s (%zu recipients, %s, by %s)",
		    v->m.receipt_id, M.cfg->outbound_release_to, n, rel.release_id, a->name);
		METRIC_ADD(console_downloads, 1);
		if (v->file == NULL)
			remember_recipients(c->s, v, c->now);
	}
	if (out.data != NULL)
		sodium_memzero(out.data, out.len);
	buf_free(&out);
	buf_free(&rcpts);
	buf_free(&err);
	return st;
}

/*
 * A transferred file awaiting its approval, approved: moved into its
 * user's folder (gateway/transfer.h), once.  As outbound_send: the hold is
 * claimed as sent first, and given back when the move fails (it can be
 * sent again); the delivery is journalled.  CONSOLE_OK, CONSOLE_CONFLICT
 * or CONSOLE_FAILED.
 */
static unsigned
transfer_send(struct conn *c, const struct item_view *v, const struct account *a,
    const char *request, const char *client)
{
	struct console_event e = { .event = "transfer-deliver", .who = a, .client = client,
	    .item = v->m.receipt_id, .request = request };
	struct buf err;
	unsigned st = CONSOLE_OK;
	int claimed;

	buf_init(&err, 1024);
	if ((claimed = hold_claim(c->s, v->m.receipt_id, v->hold, "sent", a->name, c->now, 0,
	    &err)) <= 0) {
		if (claimed < 0)
			syslog(LOG_ERR, "console: delivering %s: %s", v->m.receipt_id, buf_str(&err));
		buf_free(&err);
		return claimed < 0 ? CONSOLE_FAILED : CONSOLE_CONFLICT;
	}
	if (transfer_release_held(M.cfg, v->m.recipients, v->m.receipt_id, &err) != 0 ||
	    record_event(c, &e, &err) != 0) {
		syslog(LOG_ERR, "console: %s approved but not delivered: %s (it can be sent "
		    "again)", v->m.receipt_id, buf_str(&err));
		buf_reset(&err);
		if (hold_claim(c->s, v->m.receipt_id, v->hold, "sent", a->name, c->now, 1,
		    &err) < 0)
			syslog(LOG_ERR, "console: %s: %s", v->m.receipt_id, buf_str(&err));
		st = CONSOLE_FAILED;
	} else {
		syslog(LOG_INFO, "console: %s delivered into %s/%s (%s, by %s)", v->m.receipt_id,
		    M.cfg->transfer_out_dir, v->m.recipients, request, a->name);
		METRIC_ADD(delivered, 1);
	}
	buf_free(&err);
	return st;
}

/* A held item approved goes on: a file to its user, a message to its
 * recipients. */
static unsigned
hold_release(struct conn *c, const struct item_view *v, const struct account *a,
    const char *request, const char *client)
{
	return v->awaiting ? transfer_send(c, v, a, request, client) :
	    outbound_send(c, v, a, request, client);
}

/* The session's user and the held item the request names, when may()
 * lets the user act on it: CONSOLE_OK with *v to free, or the status
 * (decided already: CONFLICT). */
static unsigned
held_item(struct conn *c, struct account *a, struct item_view *v,
    int (*may)(const struct account *, const struct item_view *))
{
	char csrf[AUTH_TOKEN_HEX + 1];
	unsigned st;

	if ((st = session_of(c, a, csrf)) != CONSOLE_OK)
		return st;
	if ((st = item_of(c, a, console_field(&c->rq, 2), v)) != CONSOLE_OK)
		return st;
	if (!may(a, v)) {
		st = v->held_here && !hold_open(v) ? CONSOLE_CONFLICT : CONSOLE_FORBIDDEN;
		item_view_free(v);
		return st;
	}
	return CONSOLE_OK;
}

/* SEND: a held message approved but not sent (the next hop failed then), or
 * one waiting outbound_delay sent now. */
static int
op_send(struct conn *c)
{
	struct account a;
	struct item_view v;
	const char *request = "send-now";
	unsigned st;

	if ((st = held_item(c, &a, &v, may_send)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	for (size_t i = 0; i < v.reqs.n; i++) {
		if (strcmp(v.reqs.row[i].state, "approved") == 0)
			request = v.reqs.row[i].id;
	}
	st = hold_release(c, &v, &a, request, console_field(&c->rq, 1));
	item_view_free(&v);
	return answer1(c, st, NULL);
}

struct recall_tx {
	struct conn *c;
	const struct account *a;
	const char *item, *client, *hold;
};

static int
recall_in_tx(struct store *s, void *ctx, struct buf *err)
{
	struct recall_tx *t = ctx;
	char now[24];
	const char *p[3] = { t->item, t->a->name, now };
	struct console_event e = { .event = "recall", .who = t->a, .client = t->client,
	    .item = t->item };
	int claimed;

	snprintf(now, sizeof now, "%lld", t->c->now);
	if ((claimed = hold_claim(s, t->item, t->hold, "recalled", t->a->name, t->c->now, 0,
	    err)) < 0)
		return -1;
	if (!claimed) {
		buf_puts(err, "sent or recalled meanwhile");
		return CONSOLE_CONFLICT;
	}
	/* its pending requests leave the approvers' queues */
	if (store_query(s, 1, "UPDATE requests SET state = 'rejected', decided_by = ?2, "
	    "decided_at = ?3, comment = 'recalled' WHERE receipt_id = ?1 AND state = 'pending'",
	    p, 3, NULL, NULL, NULL, err) != 0)
		return -1;
	return record_event(t->c, &e, err);
}

/* RECALL: its sender takes back a held message leaving; it never leaves. */
static int
op_recall(struct conn *c)
{
	struct account a;
	struct item_view v;
	struct recall_tx t = { .c = c, .a = &a, .client = console_field(&c->rq, 1) };
	struct buf err;
	unsigned st;
	int r;

	if ((st = held_item(c, &a, &v, may_recall)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	t.item = v.m.receipt_id;
	t.hold = v.hold;
	buf_init(&err, 1024);
	r = store_transaction(c->s, recall_in_tx, &t, &err);
	if (r != 0 && r != CONSOLE_CONFLICT)
		syslog(LOG_ERR, "console: recall of %s by %s: %s", t.item, a.name, buf_str(&err));
	else if (r == 0)
		syslog(LOG_INFO, "console: %s recalled %s: it will not be sent", a.name, t.item);
	buf_free(&err);
	item_view_free(&v);
	return answer1(c, r == 0 ? CONSOLE_OK : r == CONSOLE_CONFLICT ? CONSOLE_CONFLICT :
	    CONSOLE_FAILED, NULL);
}

/*
 * Called by the store owner after it recorded an item: a message leaving
 * that sekisho now holds (outbound_release_to) is told to its sender, with
 * the link to ask for approval or recall it; one refused by the policy is
 * explained to its sender in Japanese.  Only a receipt that names a hold
 * or a refusal is parsed.
 */
void
monitor_item_recorded(const char *receipt_json, size_t len, const char *sender)
{
	struct receipt_view rv;
	struct buf why;

	if (M.cfg == NULL || !M.cfg->console_notify ||
	    (memmem(receipt_json, len, "\"hold\"", 6) == NULL &&
	    memmem(receipt_json, len, "\"reject\"", 8) == NULL))
		return;
	buf_init(&why, 512);
	if (receipt_read(receipt_json, len, &rv, &why) == 0) {
		const char *subj = rv.subject != NULL ? rv.subject : "";

		if (rv.is_outbound && strcmp(rv.outbound_action, "hold") == 0 &&
		    (M.cfg->outbound_release_to[0] != '\0' || rv.filename != NULL) &&
		    notify_outbound_held(M.cfg, rv.id, sender, subj, rv.reason) != 0)
			syslog(LOG_WARNING, "console: the sender of %s was not told it is held", rv.id);
		/* refused: the 550 the sender's program shows is terse English */
		if (rv.is_outbound && strcmp(rv.outbound_action, "reject") == 0 &&
		    notify_outbound_refused(M.cfg, rv.id, sender, subj, rv.reason) != 0)
			syslog(LOG_WARNING, "console: the sender of %s was not told it was refused",
			    rv.id);
		receipt_view_free(&rv);
	}
	buf_free(&why);
}

/* ---- the first login's set-up ------------------------------------------------------ */

/*
 * ENROL_BEGIN: what the account must set up (a password, a TOTP secret),
 * the secret offered (kept in the session until confirmed, so that a page
 * shown again shows the same one) as text, otpauth URI and SVG QR code.
 */
/*
 * UPLOAD: a file the user brings in, put into the drop folder of one of
 * the user's addresses (gateway/transfer.h), where the watcher takes it as
 * any other; journalled with who and from where.  The answer: the name it
 * took, or CONSOLE_BAD "too-large" / "bad-name" / "bad-address".
 */
static int
op_upload(struct conn *c)
{
	struct account a;
	char csrf[AUTH_TOKEN_HEX + 1], detail[EVENT_DETAIL_MAX];
	const char *as = console_field(&c->rq, 2), *name = console_field(&c->rq, 3);
	const struct buf *bytes = &c->rq.field[4];
	struct buf taken, err;
	unsigned st;
	int r;

	if ((st = session_of(c, &a, csrf)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	if (!may_upload(&a))
		return answer1(c, CONSOLE_FORBIDDEN, NULL);
	if (c->rq.n != 5)
		return answer1(c, CONSOLE_BAD, NULL);
	if (as[0] == '\0' || strchr(as, ',') != NULL || !transfer_valid_user(as) ||
	    !account_has_recipient(&a, as))
		return answer1(c, CONSOLE_BAD, "bad-address");
	if (!transfer_valid_name(name))
		return answer1(c, CONSOLE_BAD, "bad-name");
	if (bytes->len > M.cfg->transfer_upload_limit || bytes->len > M.cfg->pol.lim.file_bytes)
		return answer1(c, CONSOLE_BAD, "too-large");
	buf_init(&taken, TRANSFER_NAME_MAX + 16);
	buf_init(&err, 1024);
	r = transfer_put(M.cfg, as, name, bytes->data != NULL ? bytes->data : "", bytes->len,
	    &taken, &err);
	if (r == 0) {
		struct console_event e = { .event = "upload", .who = &a,
		    .client = console_field(&c->rq, 1), .detail = detail };

		snprintf(detail, sizeof detail, "%s/%s, %zu bytes", as, buf_str(&taken),
		    bytes->len);
		/* put already: the watcher takes it even if this record fails */
		record_event(c, &e, &err);
		syslog(LOG_INFO, "console: %s brought in %s/%s (%zu bytes)", a.name, as,
		    buf_str(&taken), bytes->len);
	} else
		syslog(LOG_ERR, "console: upload by %s: %s", a.name, buf_str(&err));
	r = answer1(c, r == 0 ? CONSOLE_OK : CONSOLE_FAILED, r == 0 ? buf_str(&taken) : NULL);
	buf_free(&taken);
	buf_free(&err);
	return r;
}

static int
op_enrol_begin(struct conn *c)
{
	struct account a;
	struct session_row sr;
	char csrf[AUTH_TOKEN_HEX + 1], digest[65];
	struct buf b, uri, err;
	int need_totp, r;

	if (session_stage(c, &a, csrf, &sr, 1) != CONSOLE_OK)
		return answer1(c, CONSOLE_DENIED, NULL);
	if (!sr.enrol)
		return answer1(c, CONSOLE_CONFLICT, NULL);
	need_totp = totp_required(&a) && a.totp_secret[0] == '\0';
	buf_init(&err, 1024);
	if (need_totp && sr.secret[0] == '\0') {
		unsigned char secret[AUTH_TOTP_SECRET_LEN];
		const char *p[2] = { digest, sr.secret };

		auth_totp_new_secret(secret);
		auth_base32_encode(secret, sizeof secret, sr.secret, sizeof sr.secret);
		sodium_memzero(secret, sizeof secret);
		auth_token_digest(console_field(&c->rq, 0), digest);
		if (store_query(c->s, 1, "UPDATE sessions SET enrol_secret = ?2 WHERE "
		    "token_digest = ?1", p, 2, NULL, NULL, NULL, &err) != 0) {
			syslog(LOG_ERR, "console: %s", buf_str(&err));
			buf_free(&err);
			return answer1(c, CONSOLE_FAILED, NULL);
		}
	}
	buf_free(&err);
	buf_init(&b, 256 * 1024);
	buf_init(&uri, 1024);
	buf_putc(&b, '{');
	json_key(&b, "need_password", 1);
	buf_puts(&b, a.pw_change ? "true" : "false");
	json_key(&b, "need_totp", 0);
	buf_puts(&b, need_totp ? "true" : "false");
	if (need_totp) {
		unsigned char secret[AUTH_TOTP_SECRET_MAX];
		size_t len = 0;
		struct buf svg;

		auth_base32_decode(sr.secret, secret, sizeof secret, &len);
		auth_otpauth_uri(&uri, "sekisho", a.name, secret, len);
		sodium_memzero(secret, sizeof secret);
		buf_init(&svg, 200 * 1024);
		auth_qr_svg(&svg, buf_str(&uri));
		json_key(&b, "secret", 0);
		json_str(&b, sr.secret);
		json_key(&b, "otpauth", 0);
		json_str(&b, buf_str(&uri));
		json_key(&b, "qr_svg", 0);
		json_str(&b, buf_str(&svg));
		auth_buf_wipe(&svg);
	}
	buf_putc(&b, '}');
	r = answer1(c, CONSOLE_OK, buf_str(&b));
	auth_buf_wipe(&b);
	auth_buf_wipe(&uri);
	return r;
}

struct enrol_tx {
	struct conn *c;
	const struct account *a;
	const char *client, *digest_token;
	const char *pw_hash;		/* NULL: the password stays */
	const char *secret;		/* NULL: no TOTP set up */
	long long step;
	char digests[AUTH_RECOVERY_CODES][65];
};

static int
enrol_in_tx(struct store *s, void *ctx, struct buf *err)
{
	struct enrol_tx *t = ctx;
	const char *p[3];
	char step[24];
	struct console_event e = { .event = "enrol", .who = t->a, .client = t->client,
	    .detail = t->pw_hash != NULL && t->secret != NULL ? "password, totp" :
	    t->pw_hash != NULL ? "password" : "totp" };

	if (t->pw_hash != NULL) {
		p[0] = t->a->name;
		p[1] = t->pw_hash;
		if (store_query(s, 1, "UPDATE users SET pw_hash = ?2, pw_change = 0 WHERE "
		    "name = ?1", p, 2, NULL, NULL, NULL, err) != 0)
			return -1;
	}
	if (t->secret != NULL) {
		const char *dp[AUTH_RECOVERY_CODES];

		for (size_t i = 0; i < AUTH_RECOVERY_CODES; i++)
			dp[i] = t->digests[i];
		if (account_set_totp_in(s, t->a->name, t->secret, dp, AUTH_RECOVERY_CODES,
		    err) != 0)
			return -1;
		snprintf(step, sizeof step, "%lld", t->step);
		p[0] = t->a->name;
		p[1] = step;
		if (store_query(s, 1, "UPDATE users SET totp_step = ?2 WHERE name = ?1", p, 2, NULL,
		    NULL, NULL, err) != 0)
			return -1;
	}
	p[0] = t->digest_token;
	if (store_query(s, 1, "UPDATE sessions SET stage = 'full', enrol_secret = NULL WHERE "
	    "token_digest = ?1", p, 1, NULL, NULL, NULL, err) != 0)
		return -1;
	return record_event(t->c, &e, err);
}

/*
 * ENROL_FINISH: the new password (the rules of auth_password_acceptable,
 * not the one given by the operator) and the first code of the secret
 * offered; then the recovery codes, shown once.
 */
static int
op_enrol_finish(struct conn *c)
{
	const char *pw = console_field(&c->rq, 2), *code = console_field(&c->rq, 3);
	struct account a;
	struct session_row sr;
	char csrf[AUTH_TOKEN_HEX + 1], digest[65], hash[AUTH_PWHASH_MAX];
	char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_LEN];
	struct enrol_tx t = { .c = c, .a = &a, .client = console_field(&c->rq, 1) };
	struct buf b, err;
	int need_totp, r;

	if (session_stage(c, &a, csrf, &sr, 1) != CONSOLE_OK)
		return answer1(c, CONSOLE_DENIED, NULL);
	if (!sr.enrol)
		return answer1(c, CONSOLE_CONFLICT, NULL);
	need_totp = totp_required(&a) && a.totp_secret[0] == '\0';
	buf_init(&err, 1024);
	if (a.pw_change) {
		if (auth_password_acceptable(pw, &err) != 0 ||
		    auth_password_verify(a.pw_hash, pw) == 0) {
			struct console_event e = { .event = "enrol-refused", .who = &a,
			    .client = t.client, .detail = "password" };

			record_event(c, &e, &err);
			buf_free(&err);
			return answer1(c, CONSOLE_BAD, "password");
		}
		if (auth_password_hash(pw, MONITOR_PW_OPS, M.cfg->console_password_memory,
		    hash) != 0) {
			buf_free(&err);
			return answer1(c, CONSOLE_FAILED, NULL);
		}
		t.pw_hash = hash;
	}
	if (need_totp) {
		unsigned char secret[AUTH_TOTP_SECRET_MAX];
		size_t len = 0;

		if (sr.secret[0] == '\0' ||
		    auth_base32_decode(sr.secret, secret, sizeof secret, &len) != 0 ||
		    auth_totp_check(secret, len, code, c->now, MONITOR_TOTP_WINDOW, -1,
		    &t.step) != 0) {
			struct console_event e = { .event = "enrol-refused", .who = &a,
			    .client = t.client, .detail = "wrong-code" };

			sodium_memzero(secret, sizeof secret);
			record_event(c, &e, &err);
			buf_free(&err);
			return answer1(c, CONSOLE_BAD, "code");
		}
		sodium_memzero(secret, sizeof secret);
		t.secret = sr.secret;
		for (size_t i = 0; i < AUTH_RECOVERY_CODES; i++) {
			auth_recovery_code(codes[i]);
			auth_recovery_digest(codes[i], t.digests[i]);
		}
	}
	auth_token_digest(console_field(&c->rq, 0), digest);
	t.digest_token = digest;
	r = store_transaction(c->s, enrol_in_tx, &t, &err);
	sodium_memzero(hash, sizeof hash);
	if (r != 0) {
		syslog(LOG_ERR, "console: enrolment of %s: %s", a.name, buf_str(&err));
		buf_free(&err);
		sodium_memzero(codes, sizeof codes);
		return answer1(c, CONSOLE_FAILED, NULL);
	}
	buf_free(&err);
	syslog(LOG_INFO, "console: %s set up %s%s", a.name, t.pw_hash != NULL ? "a password" : "",
	    t.secret != NULL ? (t.pw_hash != NULL ? " and TOTP" : "TOTP") : "");
	buf_init(&b, 4096);
	buf_putc(&b, '{');
	json_key(&b, "recovery_codes", 1);
	buf_putc(&b, '[');
	for (size_t i = 0; t.secret != NULL && i < AUTH_RECOVERY_CODES; i++) {
		if (i > 0)
			buf_putc(&b, ',');
		json_str(&b, codes[i]);
	}
	buf_puts(&b, "]}");
	r = answer1(c, CONSOLE_OK, buf_str(&b));
	auth_buf_wipe(&b);
	sodium_memzero(codes, sizeof codes);
	return r;
}

/* ---- a password changed by its user ------------------------------------------ */

struct password_tx {
	struct conn *c;
	const struct account *a;
	const char *client, *pw_hash, *token_digest;
	long long ended;	/* the user's other sessions ended */
};

static int
password_in_tx(struct store *s, void *ctx, struct buf *err)
{
	struct password_tx *t = ctx;
	const char *p[2] = { t->a->name, t->pw_hash };
	struct console_event e = { .event = "password-change", .who = t->a, .client = t->client };

	if (store_query(s, 1, "UPDATE users SET pw_hash = ?2, pw_change = 0, failures = 0 "
	    "WHERE name = ?1", p, 2, NULL, NULL, NULL, err) != 0)
		return -1;
	p[1] = t->token_digest;
	if (store_query(s, 1, "DELETE FROM sessions WHERE name = ?1 AND token_digest <> ?2", p,
	    2, NULL, NULL, &t->ended, err) != 0)
		return -1;
	return record_event(t->c, &e, err);
}

/*
 * PASSWORD: a user changes their own password with the current one and,
 * when the account has TOTP, a fresh code.  A wrong password or code counts
 * as a failed login (a stolen session cannot guess without limit; the
 * account locks the same way); a directory account's password is the
 * directory's (CONFLICT).  The new hash, the end of the user's other
 * sessions (a thief's too) and the record are one transaction.
 */
static int
op_password(struct conn *c)
{
	const char *client = console_field(&c->rq, 1), *current = console_field(&c->rq, 2);
	const char *pw = console_field(&c->rq, 3), *code = console_field(&c->rq, 4);
	struct account a;
	char csrf[AUTH_TOKEN_HEX + 1], digest[65], hash[AUTH_PWHASH_MAX];
	struct password_tx t = { .c = c, .a = &a, .client = client, .pw_hash = hash,
	    .token_digest = digest };
	const char *why = "wrong-password";
	struct buf err;
	unsigned st;
	int r;

	if ((st = session_of(c, &a, csrf)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	if (strcmp(a.pw_hash, LDAP_PASSWORD_MARK) == 0)
		return answer1(c, CONSOLE_CONFLICT, "directory");
	buf_init(&err, 1024);
	if (auth_password_acceptable(pw, &err) != 0) {
		buf_free(&err);
		return answer1(c, CONSOLE_BAD, "password");
	}
	if ((r = password_check(&a, current)) == 0 && strcmp(pw, current) == 0) {
		/* only now: before, it would tell a thief whether a guess was right */
		buf_free(&err);
		return answer1(c, CONSOLE_BAD, "same");
	}
	if (r == 0 && a.totp_secret[0] != '\0')
		r = second_factor(c, &a, code, &why, &err);
	if (r != 0) {
		buf_free(&err);
		if (r < 0)
			return answer1(c, CONSOLE_FAILED, NULL);
		if (a.failures + 1 >= (long long)M.cfg->console_login_failures) {
			/* locking now: the sessions end too, this one with them */
			const char *p[1] = { a.name };

			buf_init(&err, 1024);
			if (store_query(c->s, 1, "DELETE FROM sessions WHERE name = ?1", p, 1, NULL,
			    NULL, NULL, &err) != 0)
				syslog(LOG_ERR, "console: %s", buf_str(&err));
			buf_free(&err);
		}
		return login_failed(c, &a, strcmp(why, "wrong-password") == 0 ?
		    "password-change-wrong-password" : "password-change-wrong-code", client);
	}
	if (auth_password_hash(pw, MONITOR_PW_OPS, M.cfg->console_password_memory, hash) != 0) {
		buf_free(&err);
		return answer1(c, CONSOLE_FAILED, NULL);
	}
	auth_token_digest(console_field(&c->rq, 0), digest);
	r = store_transaction(c->s, password_in_tx, &t, &err);
	sodium_memzero(hash, sizeof hash);
	if (r != 0) {
		syslog(LOG_ERR, "console: password of %s: %s", a.name, buf_str(&err));
		buf_free(&err);
		return answer1(c, CONSOLE_FAILED, NULL);
	}
	buf_free(&err);
	syslog(LOG_INFO, "console: %s changed their password (%lld other sessions ended)", a.name,
	    t.ended);
	return answer1(c, CONSOLE_OK, NULL);
}

/* The connection's worker (previews, PPAP), started on its first item. */
static void
conn_worker(struct conn *c)
{
	if (c->wk_ready)
		return;
	memset(&c->wk, 0, sizeof c->wk);
	c->wk.fd = -1;
	c->wk.cfg = M.cfg;
	c->wk_ready = 1;
}

/* ---- PPAP: an encrypted attachment opened with its password ----------------------- */

#define UNLOCK_PASSWORD_MAX 256

/* Whether the receipt has the part at path, removed as encrypted. */
static int
encrypted_part(json_t *receipt, const char *path)
{
	json_t *parts = json_object_get(receipt, "parts"), *p;
	size_t i;

	json_array_foreach(parts, i, p) {
		const char *pp = json_string_value(json_object_get(p, "path"));
		const char *reason = json_string_value(json_object_get(p, "reason"));

		if (pp != NULL && strcmp(pp, path) == 0 && reason != NULL &&
		    strcmp(reason, "encrypted") == 0)
			return 1;
	}
	return 0;
}

struct tries {
	long long n;
};

static int
take_tries(size_t ncols, const char *const *col, void *ctx)
{
	if (ncols == 1 && col[0] != NULL)
		((struct tries *)ctx)->n = strtoll(col[0], NULL, 10);
	return 1;
}

/*
 * UNLOCK: its staff open an encrypted attachment (PPAP) with the password
 * the sender sent apart.  A sandboxed worker decrypts it and sanitises its
 * content as any attachment (mime/preview.h: preview_unlock), clamd scans
 * what came out; the sanitised file is the answer, no approval needed, as
 * for any sanitised attachment.  The password is never stored, logged or
 * recorded; wrong ones are counted (unlock_tries) and after
 * console_unlock_attempts the console stops trying.  Recorded: ppap-open
 * (the digest of what left) and ppap-wrong-password.
 */
static int
op_unlock(struct conn *c)
{
	const char *part = console_field(&c->rq, 3), *pw = console_field(&c->rq, 4);
	const char *client = console_field(&c->rq, 1);
	struct account a;
	char csrf[AUTH_TOKEN_HEX + 1], detail[256], path[PREVIEW_PATH_MAX];
	const char *p[3];
	struct item_view v;
	struct tries tr = { 0 };
	struct buf orig, out, receipt, spec, err;
	unsigned st = CONSOLE_OK;
	int r = -1, pg;

	if ((st = session_of(c, &a, csrf)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	{
		char s2[PREVIEW_PATH_MAX + 4];

		snprintf(s2, sizeof s2, "%.*s 1", PREVIEW_PATH_MAX - 1, part);
		if (preview_spec_parse(s2, path, &pg) != 0 || pw[0] == '\0' ||
		    strlen(pw) > UNLOCK_PASSWORD_MAX || strchr(pw, '\n') != NULL)
			return answer1(c, CONSOLE_BAD, NULL);
	}
	if ((st = item_of(c, &a, console_field(&c->rq, 2), &v)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	if (v.cls != RC_APPROVAL && v.cls != RC_SELF)
		st = CONSOLE_FORBIDDEN;
	else if (!account_has_recipient(&a, v.m.recipients) || a.role == ROLE_AUDITOR)
		st = CONSOLE_FORBIDDEN;
	else if (!encrypted_part(v.receipt, path))
		st = CONSOLE_BAD;
	buf_init(&err, 1024);
	p[0] = v.m.receipt_id;
	p[1] = path;
	if (st == CONSOLE_OK && store_query(c->s, 0, "SELECT tries FROM unlock_tries WHERE "
	    "receipt_id = ?1 AND part = ?2", p, 2, take_tries, &tr, NULL, &err) != 0)
		st = CONSOLE_FAILED;
	if (st == CONSOLE_OK && tr.n >= (long long)M.cfg->console_unlock_attempts)
		st = CONSOLE_LOCKED;
	if (st != CONSOLE_OK) {
		buf_free(&err);
		item_view_free(&v);
		return answer1(c, st, NULL);
	}
	buf_init(&orig, worker_input_max(&M.cfg->pol));
	buf_init(&out, worker_output_max(&M.cfg->pol));
	buf_init(&receipt, 64u * 1024 * 1024);
	buf_init(&spec, PREVIEW_PATH_MAX + UNLOCK_PASSWORD_MAX + 2);
	buf_printf(&spec, "%s\n%s", path, pw);
	if (store_get(c->s, v.m.receipt_id, &orig, NULL, &err) != 0)
		st = CONSOLE_FAILED;
	else {
		char id[EVENT_ID_LEN];

		conn_worker(c);
		event_id(id, "SK", c->now);	/* the opened file's own receipt */
		r = worker_run_scanned(&c->wk, FRAME_UNLOCK, buf_str(&spec), NULL, id, c->now,
		    orig.data != NULL ? orig.data : "", orig.len, &out, &receipt, detail,
		    sizeof detail);
	}
	sodium_memzero(spec.data, spec.cap);
	if (orig.data != NULL)
		sodium_memzero(orig.data, orig.len);
	if (st == CONSOLE_OK) {
		struct receipt_view rv;
		struct buf why;
		int wrong = 0;

		buf_init(&why, 256);
		if (receipt_read(buf_str(&receipt), receipt.len, &rv, &why) != 0)
			st = CONSOLE_FAILED;
		else {
			wrong = r == WORKER_WITHHELD && strcmp(rv.reason, "encrypted") == 0;
			if (r == WORKER_SANITIZED) {
				char sha[SHA256_HEX_LEN + 1], meta[1024];
				struct store_release rel = { .bytes = out.len };
				struct console_event e = { .event = "ppap-open", .who = &a,
				    .client = client, .item = v.m.receipt_id, .detail = path,
				    .rel = &rel };
				const char *f[2];
				size_t lens[2];
				struct buf mb;

				sha256_hex(out.data != NULL ? out.data : "", out.len, sha);
				snprintf(rel.release_id, sizeof rel.release_id, "%s", rv.id);
				memcpy(rel.sha256, sha, sizeof sha);
				/* the opened file's receipt in the journal, then the event */
				if (outcome_journal_record(c->o, receipt.data, receipt.len, c->now,
				    &err) != 0 || record_event(c, &e, &err) != 0)
					st = CONSOLE_FAILED;
				else {
					buf_init(&mb, sizeof meta);
					buf_putc(&mb, '{');
					json_key(&mb, "filename", 1);
					json_str(&mb, rv.out_filename != NULL ? rv.out_filename :
					    rv.filename != NULL ? rv.filename : "file");
					json_key(&mb, "sha256", 0);
					json_str(&mb, sha);
					json_key(&mb, "receipt", 0);
					json_str(&mb, rv.id);
					buf_putc(&mb, '}');
					f[0] = buf_str(&mb);
					lens[0] = mb.len;
					f[1] = out.data != NULL ? out.data : "";
					lens[1] = out.len;
					syslog(LOG_INFO, "console: %s opened %s part %s with its password "
					    "(%zu bytes out, %s)", a.name, v.m.receipt_id, path, out.len, rv.id);
					r = console_write_answer(c->fd, CONSOLE_OK, f, lens, 2);
					buf_free(&mb);
					st = 99;	/* answered */
				}
			} else if (wrong) {
				char n[24];
				const char *q[3] = { v.m.receipt_id, path, n };
				struct console_event e = { .event = "ppap-wrong-password", .who = &a,
				    .client = client, .item = v.m.receipt_id, .detail = path };

				snprintf(n, sizeof n, "%lld", tr.n + 1);
				if (store_query(c->s, 1, tr.n == 0 ? "INSERT INTO unlock_tries (receipt_id, "
				    "part, tries) VALUES (?1, ?2, ?3)" : "UPDATE unlock_tries SET "
				    "tries = ?3 WHERE receipt_id = ?1 AND part = ?2", q, 3, NULL, NULL,
				    NULL, &err) != 0)
					st = CONSOLE_FAILED;
				else {
					record_event(c, &e, &err);
					st = CONSOLE_DENIED;
				}
			} else {
				/* opened, but its content withheld (a virus, a limit): said so */
				st = CONSOLE_CONFLICT;
				syslog(LOG_NOTICE, "console: %s part %s opened by %s: withheld (%s)",
				    v.m.receipt_id, path, a.name, rv.reason);
			}
			receipt_view_free(&rv);
		}
		buf_free(&why);
	}
	if (st == CONSOLE_FAILED)
		syslog(LOG_ERR, "console: PPAP opening of %s: %s %s", v.m.receipt_id, buf_str(&err),
		    detail);
	if (st != 99) {
		char left[24];

		snprintf(left, sizeof left, "%lld", (long long)M.cfg->console_unlock_attempts -
		    tr.n - 1);
		r = answer1(c, st, st == CONSOLE_DENIED ? left : NULL);
	}
	if (out.data != NULL)
		sodium_memzero(out.data, out.len);
	buf_free(&orig);
	buf_free(&out);
	buf_free(&receipt);
	buf_free(&spec);
	buf_free(&err);
	item_view_free(&v);
	return r;
}

/* ---- previews ---------------------------------------------------------------------- */

/*
 * A page of a part of the original as PNG, drawn by a sandboxed worker
 * (mime/preview.h): this process decrypts the original and parses none of
 * it.  Anyone who may see the item may see its previews, except of an item
 * of the malware class.  The answer: the worker's facts, then the PNG.
 */
static int
op_preview(struct conn *c)
{
	const char *part = console_field(&c->rq, 3), *page = console_field(&c->rq, 4);
	struct account a;
	char csrf[AUTH_TOKEN_HEX + 1], spec[PREVIEW_PATH_MAX + 8], path[PREVIEW_PATH_MAX];
	char detail[256];
	struct item_view v;
	struct buf orig, png, info, err;
	unsigned st;
	int pg, r;

	if ((st = session_of(c, &a, csrf)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	snprintf(spec, sizeof spec, "%.*s %.5s", PREVIEW_PATH_MAX, part, page);
	if (preview_spec_parse(spec, path, &pg) != 0)
		return answer1(c, CONSOLE_BAD, NULL);
	if ((st = item_of(c, &a, console_field(&c->rq, 2), &v)) != CONSOLE_OK)
		return answer1(c, st, NULL);
	if (v.cls == RC_NEVER || v.cls == RC_MALWARE_OPERATORS) {
		item_view_free(&v);
		return answer1(c, CONSOLE_FORBIDDEN, NULL);
	}
	buf_init(&orig, worker_input_max(&M.cfg->pol));
	buf_init(&png, M.cfg->pol.lim.file_out_bytes);
	buf_init(&info, 4096);
	buf_init(&err, 1024);
	r = store_get(c->s, v.m.receipt_id, &orig, NULL, &err);
	if (r == 0)
		conn_worker(c);
	if (r != 0) {
		syslog(LOG_ERR, "console: preview of %s: %s", v.m.receipt_id, buf_str(&err));
		st = CONSOLE_FAILED;
	} else {
		r = worker_run_item(&c->wk, FRAME_PREVIEW, spec, NULL, v.m.receipt_id, c->now,
		    orig.data != NULL ? orig.data : "", orig.len, &png, &info, detail,
		    sizeof detail);
		if (r != PREVIEW_OK && r != PREVIEW_NONE) {
			syslog(LOG_WARNING, "console: preview of %s part %s: %s", v.m.receipt_id, path,
			    detail);
			buf_reset(&info);
			buf_puts(&info, "{\"reason\":\"worker-failed\"}");
			buf_reset(&png);
		}
		st = CONSOLE_OK;
	}
	if (orig.data != NULL)
		sodium_memzero(orig.data, orig.len);
	if (st == CONSOLE_OK) {
		const char *f[2] = { buf_str(&info), png.data != NULL ? png.data : "" };
		size_t lens[2] = { info.len, png.len };

		r = console_write_answer(c->fd, CONSOLE_OK, f, lens, 2);
	} else
		r = answer1(c, st, NULL);
	buf_free(&orig);
	buf_free(&png);
	buf_free(&info);
	buf_free(&err);
	item_view_free(&v);
	return r;
}

/* ---- serving ----------------------------------------------------------------------- */

static int
dispatch(struct conn *c)
{
	c->now = (long long)time(NULL);
	switch (c->rq.code) {
	case CONSOLE_OP_LOGIN: return op_login(c);
	case CONSOLE_OP_SESSION: return op_session(c);
	case CONSOLE_OP_LOGOUT: return op_logout(c);
	case CONSOLE_OP_LIST: return op_list(c);
	case CONSOLE_OP_ITEM: return op_item(c);
	case CONSOLE_OP_REQUEST: return op_request(c);
	case CONSOLE_OP_QUEUE: return op_queue(c);
	case CONSOLE_OP_DECIDE: return op_decide(c);
	case CONSOLE_OP_DOWNLOAD: return release_to(c, 0);
	case CONSOLE_OP_REDELIVER: return release_to(c, 1);
	case CONSOLE_OP_UNLOCK: return op_unlock(c);
	case CONSOLE_OP_PREVIEW: return op_preview(c);
	case CONSOLE_OP_ENROL_BEGIN: return op_enrol_begin(c);
	case CONSOLE_OP_ENROL_FINISH: return op_enrol_finish(c);
	case CONSOLE_OP_PASSWORD: return op_password(c);
	case CONSOLE_OP_SEND: return op_send(c);
	case CONSOLE_OP_RECALL: return op_recall(c);
	case CONSOLE_OP_UPLOAD: return op_upload(c);
	}
	return answer1(c, CONSOLE_BAD, NULL);
}

static void *
serve(void *arg)
{
	struct conn *c = arg;
	struct buf err;

	buf_init(&err, 1024);
	if (outcome_open(&c->o, M.cfg, &err) != 0) {
		syslog(LOG_ERR, "console monitor: quarantine/journal: %s", buf_str(&err));
		c->o = NULL;
	} else
		c->s = outcome_store(c->o);
	buf_free(&err);
	/* an upload's bytes: no more than its limit is read */
	console_msg_init(&c->rq, CONSOLE_FIELD_MAX, M.cfg->transfer_upload_limit);
	while (c->o != NULL && console_read_request(c->fd, &c->rq, -1) == 0) {
		if (dispatch(c) != 0)
			break;
		console_msg_reset(&c->rq);
	}
	console_msg_free(&c->rq);
	if (c->wk_ready && c->wk.pid > 0)
		worker_stop(&c->wk);
	if (c->o != NULL)
		outcome_close(c->o);
	close(c->fd);
	free(c);
	pthread_mutex_lock(&M.mu);
	M.conns--;
	pthread_mutex_unlock(&M.mu);
	return NULL;
}

static int
peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t l = sizeof cr;

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0 &&
	    (cr.uid == M.peer_uid || cr.uid == 0 || cr.uid == getuid());
}

static void *
accept_loop(void *arg)
{
	for (;;) {
		struct pollfd p = { .fd = M.lfd, .events = POLLIN };
		pthread_attr_t at;
		pthread_t t;
		struct conn *c;
		int fd;

		if (poll(&p, 1, 200) <= 0) {
			pthread_mutex_lock(&M.mu);
			if (M.stopping) {
				pthread_mutex_unlock(&M.mu);
				break;
			}
			pthread_mutex_unlock(&M.mu);
			continue;
		}
		if ((fd = accept4(M.lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		pthread_mutex_lock(&M.mu);
		if (!peer_allowed(fd) || M.conns >= MONITOR_CONNS_MAX || M.stopping) {
			pthread_mutex_unlock(&M.mu);
			syslog(LOG_WARNING, "console monitor: connection refused (another user, or "
			    "%d connections already)", MONITOR_CONNS_MAX);
			close(fd);
			continue;
		}
		M.conns++;
		pthread_mutex_unlock(&M.mu);
		c = xcalloc(1, sizeof *c);
		c->fd = fd;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &at, serve, c) != 0) {
			close(fd);
			free(c);
			pthread_mutex_lock(&M.mu);
			M.conns--;
			pthread_mutex_unlock(&M.mu);
		}
		pthread_attr_destroy(&at);
	}
	return NULL;
}

/* ---- the approvers' daily digest ------------------------------------------------- */

static int
any_pending(size_t ncols, const char *const *col, void *ctx)
{
	*(int *)ctx = 1;
	return 1;
}

/*
 * Once a day, at console_digest_time (Japan time) or at the first look
 * after it (the daemon was down then): when requests are pending, this
 * node claims the day in console_state (one node of several wins) and
 * mails the digests.
 */
static void
digest_if_due(struct store *s)
{
	time_t now = time(NULL), jst = now + 9 * 3600;
	struct tm tm;
	char day[16], hm[8];
	const char *p[1] = { day };
	long long ch = 0;
	int pending = 0;
	struct buf err;

	gmtime_r(&jst, &tm);
	strftime(day, sizeof day, "%Y%m%d", &tm);
	strftime(hm, sizeof hm, "%H:%M", &tm);
	if (strcmp(hm, M.cfg->console_digest_time) < 0)
		return;
	buf_init(&err, 1024);
	if (store_query(s, 0, "SELECT 1 FROM requests WHERE state = 'pending' LIMIT 1", NULL, 0,
	    any_pending, &pending, NULL, &err) == 0 && pending &&
	    store_query(s, 1, "INSERT INTO console_state (name, value) VALUES ('digest_day', ?1) "
	    "ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE "
	    "console_state.value < excluded.value", p, 1, NULL, NULL, &ch, &err) == 0 && ch == 1) {
		int n = notify_digest(M.cfg, s);

		syslog(n >= 0 ? LOG_INFO : LOG_ERR, "console: the approvers' digest of %s: %d sent",
		    day, n);
	}
	if (err.len > 0)
		syslog(LOG_ERR, "console: digest: %s", buf_str(&err));
	buf_free(&err);
}

/*
 * Messages leaving that waited outbound_delay and were not recalled: sent
 * on, by sekisho (recorded as its "send"), or, with a first outside address
 * and outbound_confirm_new_recipients, left for their sender to confirm
 * (told by mail).  Looked for among the items of
 * the last MONITOR_DELAY_LOOKBACK_S (a node down longer than that leaves
 * older ones for "sekisho quarantine", said in the log once they are due).
 */
struct due_ids {
	char id[MONITOR_DELAY_BATCH][STORE_ID_MAX];
	size_t n;
};

static int
take_due(size_t ncols, const char *const *col, void *ctx)
{
	struct due_ids *d = ctx;

	if (ncols == 1 && col[0] != NULL && strlen(col[0]) < STORE_ID_MAX &&
	    d->n < MONITOR_DELAY_BATCH)
		memcpy(d->id[d->n++], col[0], strlen(col[0]) + 1);
	return 0;
}

static void
send_due(struct outcome *o)
{
	struct conn c = { .fd = -1, .o = o, .s = outcome_store(o), .now = (long long)time(NULL) };
	struct account sys;
	struct due_ids due = { .n = 0 };
	char until[24], since[24], limit[16];
	const char *p[3] = { until, since, limit };
	struct buf err;

	memset(&sys, 0, sizeof sys);
	snprintf(sys.name, sizeof sys.name, "sekisho");
	snprintf(sys.display, sizeof sys.display, "sekisho (outbound_delay)");
	sys.role = ROLE_OPERATOR;
	snprintf(until, sizeof until, "%lld", c.now - (long long)M.cfg->outbound_delay);
	snprintf(since, sizeof since, "%lld", c.now - (long long)M.cfg->outbound_delay -
	    MONITOR_DELAY_LOOKBACK_S);
	snprintf(limit, sizeof limit, "%d", MONITOR_DELAY_BATCH);
	buf_init(&err, 1024);
	/* waiting ones not yet taken (sent, recalled, or waiting for their sender) */
	if (store_query(c.s, 0, "SELECT i.receipt_id FROM items i WHERE i.received_at <= ?1 "
	    "AND i.received_at >= ?2 AND i.reason = 'delay' AND i.state = 'held' AND NOT "
	    "EXISTS (SELECT 1 FROM outbound_holds h WHERE h.receipt_id = i.receipt_id) "
	    "ORDER BY i.received_at LIMIT ?3", p, 3, take_due, &due, NULL, &err) != 0)
		syslog(LOG_ERR, "console: messages due to leave: %s", buf_str(&err));
	for (size_t i = 0; i < due.n; i++) {
		struct item_view v;
		struct buf fresh;

		if (item_load(&c, due.id[i], &v) != CONSOLE_OK)
			continue;
		buf_init(&fresh, SPOOL_RCPT_MAX * (SPOOL_ADDR_MAX + 1));
		if (!v.delayed || !v.held_here || v.hold[0] != '\0')
			;
		else if (M.cfg->outbound_confirm_new && new_outside(c.s, &v, &fresh) != 0) {
			/* a first outside address (or the store failing): its sender decides */
			buf_reset(&err);
			if (hold_claim(c.s, v.m.receipt_id, "", "confirm", sys.name, c.now, 0,
			    &err) == 1 && M.cfg->console_notify)
				(void)notify_outbound_confirm(M.cfg, v.m.receipt_id, v.m.sender,
				    v.m.subject, buf_str(&fresh));
		} else
			(void)outbound_send(&c, &v, &sys, "outbound_delay", "sekisho");
		buf_free(&fresh);
		item_view_free(&v);
	}
	buf_free(&err);
}

static void *
digest_loop(void *arg)
{
	struct outcome *o = NULL;
	struct buf err;

	buf_init(&err, 1024);
	for (;;) {
		pthread_mutex_lock(&M.mu);
		if (M.stopping) {
			pthread_mutex_unlock(&M.mu);
			break;
		}
		pthread_mutex_unlock(&M.mu);
		if (o == NULL && outcome_open(&o, M.cfg, &err) != 0) {
			syslog(LOG_ERR, "console: digest: %s", buf_str(&err));
			buf_reset(&err);
			o = NULL;
		}
		if (o != NULL && M.cfg->console_digest_time[0] != '\0')
			digest_if_due(outcome_store(o));
		if (o != NULL && M.cfg->outbound_delay > 0 && M.cfg->outbound_release_to[0] != '\0')
			send_due(o);
		for (int i = 0; i < (M.cfg->outbound_delay > 0 ? MONITOR_DELAY_LOOK_S :
		    MONITOR_DIGEST_LOOK_S) * 5; i++) {
			struct timespec ts = { 0, 200 * 1000 * 1000 };

			pthread_mutex_lock(&M.mu);
			if (M.stopping) {
				pthread_mutex_unlock(&M.mu);
				break;
			}
			pthread_mutex_unlock(&M.mu);
			nanosleep(&ts, NULL);
		}
	}
	if (o != NULL)
		outcome_close(o);
	buf_free(&err);
	return NULL;
}

int
monitor_start(const struct config *cfg, int lfd, uid_t peer_uid, struct buf *err)
{
	if (auth_init() != 0) {
		buf_puts(err, "console monitor: libsodium or liboath failed to start");
		return -1;
	}
	if (cfg->console_notify)
		notify_init();
	{
		char pw[AUTH_RANDOM_PW_LEN + 1];

		auth_random_password(pw, sizeof pw);
		if (auth_password_hash(pw, MONITOR_PW_OPS, cfg->console_password_memory,
		    M.dummy_hash) != 0) {
			buf_puts(err, "console monitor: cannot hash a password with "
			    "console_password_memory");
			return -1;
		}
		sodium_memzero(pw, sizeof pw);
	}
	M.cfg = cfg;
	M.lfd = lfd;
	M.peer_uid = peer_uid;
	if (pthread_create(&M.acceptor, NULL, accept_loop, NULL) != 0) {
		buf_puts(err, "console monitor: no thread");
		return -1;
	}
	M.started = 1;
	/* the daily digest and the messages due to leave: one thread looks */
	if ((cfg->console_digest_time[0] != '\0' || (cfg->outbound_delay > 0 &&
	    cfg->outbound_release_to[0] != '\0')) &&
	    pthread_create(&M.digester, NULL, digest_loop, NULL) == 0)
		M.digesting = 1;
	return 0;
}

void
monitor_stop(void)
{
	if (!M.started)
		return;
	pthread_mutex_lock(&M.mu);
	M.stopping = 1;
	pthread_mutex_unlock(&M.mu);
	pthread_join(M.acceptor, NULL);
	if (M.digesting)
		pthread_join(M.digester, NULL);
	close(M.lfd);
	M.started = 0;
}
