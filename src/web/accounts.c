/*
 * accounts - rows of the tables users and user_recovery (see the header).
 */
#include "web/accounts.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/num.h"

static const char *const role_names[] = { "staff", "approver", "operator", "auditor" };

#define USER_COLS "name, display, role, grp, addresses, pw_hash, pw_change, " \
	"coalesce(totp_secret, ''), totp_step, failures, locked_until, disabled, created_at"
#define USER_NCOLS 13

const char *
account_role_name(enum account_role r)
{
	return (unsigned)r < 4 ? role_names[r] : "?";
}

int
account_role_parse(const char *s, enum account_role *r)
{
	for (unsigned i = 0; i < 4; i++) {
		if (strcmp(s, role_names[i]) == 0) {
			*r = (enum account_role)i;
			return 0;
		}
	}
	return -1;
}

static int
name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	    c == '-';
}

int
account_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= ACCOUNT_NAME_MAX || !isalnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!name_char((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

int
account_group_valid(const char *s)
{
	return s[0] == '\0' || account_name_valid(s);
}

/* local@domain in a conservative alphabet: what an envelope address is. */
static int
address_valid(const char *a, size_t n)
{
	const char *at = memchr(a, '@', n);

	if (n == 0 || n > ACCOUNT_ADDRESS_MAX || at == NULL || at == a || at == a + n - 1 ||
	    memchr(at + 1, '@', n - (size_t)(at + 1 - a)) != NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c <= ' ' || c >= 0x7f || c == ',' || c == '<' || c == '>' || c == '"' ||
		    c == '\\')
			return 0;
	}
	return 1;
}

int
account_addresses_parse(const char *in, char *out, size_t n, struct buf *why)
{
	size_t k = 0, count = 0;
	const char *p = in;

	if (n > 0)
		out[0] = '\0';
	while (*p != '\0') {
		const char *e;
		size_t l;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ',' && *e != ' ' && *e != '\t'; e++)
			;
		l = (size_t)(e - p);
		if (!address_valid(p, l)) {
			buf_printf(why, "\"%.*s\" is not a mail address", (int)(l > 80 ? 80 : l), p);
			return -1;
		}
		if (++count > ACCOUNT_ADDRESSES_MAX || k + l + 2 > n) {
			buf_printf(why, "more than %d addresses", ACCOUNT_ADDRESSES_MAX);
			return -1;
		}
		if (k > 0)
			out[k++] = '\n';
		for (size_t i = 0; i < l; i++)
			out[k++] = (char)tolower((unsigned char)p[i]);
		out[k] = '\0';
		p = e;
	}
	return 0;
}

/* Whether address [a, a+n) is one of the account's lines. */
static int
has_address(const struct account *acc, const char *a, size_t n)
{
	const char *p = acc->addresses;

	while (*p != '\0') {
		const char *e = strchr(p, '\n');
		size_t l = e != NULL ? (size_t)(e - p) : strlen(p);

		if (l == n && strncasecmp(p, a, n) == 0)
			return 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

int
account_has_recipient(const struct account *a, const char *recipients)
{
	const char *p = recipients;

	while (p != NULL && *p != '\0') {
		const char *e = strchr(p, ',');
		size_t l = e != NULL ? (size_t)(e - p) : strlen(p);
		const char *s = p;

		/* "<a@b>" or "a@b", as the listener and the milter write them */
		if (l >= 2 && s[0] == '<' && s[l - 1] == '>') {
			s++;
			l -= 2;
		}
		if (l > 0 && has_address(a, s, l))
			return 1;
		p = e != NULL ? e + 1 : NULL;
	}
	return 0;
}

static int
copy_col(char *dst, size_t n, const char *src)
{
	size_t l = src != NULL ? strlen(src) : 0;

	if (l >= n)
		return -1;
	memcpy(dst, src != NULL ? src : "", l + 1);
	return 0;
}

static int
ll_col(const char *s, long long *v)
{
	char *end;

	if (s == NULL)
		return -1;
	*v = strtoll(s, &end, 10);
	return end == s || *end != '\0' ? -1 : 0;
}

struct row_ctx {
	struct account *a;
	account_fn fn;
	void *ctx;
	int found, bad;
};

static int
read_row(size_t ncols, const char *const *c, struct account *a)
{
	long long pw_change, disabled;

	memset(a, 0, sizeof *a);
	if (ncols != USER_NCOLS || copy_col(a->name, sizeof a->name, c[0]) != 0 ||
	    copy_col(a->display, sizeof a->display, c[1]) != 0 || c[2] == NULL ||
	    account_role_parse(c[2], &a->role) != 0 ||
	    copy_col(a->group, sizeof a->group, c[3]) != 0 ||
	    copy_col(a->addresses, sizeof a->addresses, c[4]) != 0 ||
	    copy_col(a->pw_hash, sizeof a->pw_hash, c[5]) != 0 ||
	    ll_col(c[6], &pw_change) != 0 ||
	    copy_col(a->totp_secret, sizeof a->totp_secret, c[7]) != 0 ||
	    ll_col(c[8], &a->totp_step) != 0 || ll_col(c[9], &a->failures) != 0 ||
	    ll_col(c[10], &a->locked_until) != 0 || ll_col(c[11], &disabled) != 0 ||
	    ll_col(c[12], &a->created_at) != 0)
		return -1;
	a->pw_change = pw_change != 0;
	a->disabled = disabled != 0;
	return 0;
}

static int
one_row(size_t ncols, const char *const *c, void *ctx)
{
	struct row_ctx *rc = ctx;

	if (read_row(ncols, c, rc->a) != 0)
		rc->bad = 1;
	else
		rc->found = 1;
	return 1;
}

int
account_get(struct store *s, const char *name, struct account *a, struct buf *err)
{
	const char *p[1] = { name };
	struct row_ctx rc = { .a = a };

	if (!account_name_valid(name))
		return STORE_NOT_FOUND;
	if (store_query(s, 0, "SELECT " USER_COLS " FROM users WHERE name = ?1", p, 1, one_row,
	    &rc, NULL, err) != 0)
		return -1;
	if (rc.bad) {
		buf_printf(err, "account %s: malformed row", name);
		return -1;
	}
	return rc.found ? 0 : STORE_NOT_FOUND;
}

int
account_insert(struct store *s, const struct account *a, struct buf *err)
{
	char pw_change[4], created[24];
	const char *p[8];
	struct account old;
	int r;

	if ((r = account_get(s, a->name, &old, err)) == 0) {
		buf_printf(err, "an account named %s exists already", a->name);
		return -1;
	}
	if (r != STORE_NOT_FOUND)
		return -1;
	snprintf(pw_change, sizeof pw_change, "%d", a->pw_change ? 1 : 0);
	snprintf(created, sizeof created, "%lld", a->created_at);
	p[0] = a->name;
	p[1] = a->display;
	p[2] = account_role_name(a->role);
	p[3] = a->group;
	p[4] = a->addresses;
	p[5] = a->pw_hash;
	p[6] = pw_change;
	p[7] = created;
	return store_query(s, 1, "INSERT INTO users (name, display, role, grp, addresses, "
	    "pw_hash, pw_change, totp_secret, totp_step, failures, locked_until, disabled, "
	    "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, -1, 0, 0, 0, ?8)", p, 8, NULL,
	    NULL, NULL, err);
}

static int
each_row(size_t ncols, const char *const *c, void *ctx)
{
	struct row_ctx *rc = ctx;
	struct account a;

	if (read_row(ncols, c, &a) != 0) {
		rc->bad = 1;
		return 1;
	}
	return rc->fn(&a, rc->ctx);
}

int
account_list(struct store *s, account_fn fn, void *ctx, struct buf *err)
{
	struct row_ctx rc = { .fn = fn, .ctx = ctx };

	if (store_query(s, 0, "SELECT " USER_COLS " FROM users ORDER BY name", NULL, 0, each_row,
	    &rc, NULL, err) != 0)
		return -1;
	if (rc.bad) {
		buf_puts(err, "users: a malformed row");
		return -1;
	}
	return 0;
}

static int
set_one(struct store *s, const char *sql, const char *const *p, size_t n, struct buf *err)
{
	long long ch = 0;

	if (store_query(s, 1, sql, p, n, NULL, NULL, &ch, err) != 0)
		return -1;
	return ch == 1 ? 0 : STORE_NOT_FOUND;
}

int
account_set_disabled(struct store *s, const char *name, int disabled, struct buf *err)
{
	const char *p[2] = { name, disabled ? "1" : "0" };

	return set_one(s, "UPDATE users SET disabled = ?2 WHERE name = ?1", p, 2, err);
}

int
account_set_group(struct store *s, const char *name, const char *group, struct buf *err)
{
	const char *p[2] = { name, group };

	return set_one(s, "UPDATE users SET grp = ?2 WHERE name = ?1", p, 2, err);
}

int
account_set_password(struct store *s, const char *name, const char *pw_hash, int must_change,
    struct buf *err)
{
	const char *p[3] = { name, pw_hash, must_change ? "1" : "0" };

	return set_one(s, "UPDATE users SET pw_hash = ?2, pw_change = ?3, failures = 0, "
	    "locked_until = 0 WHERE name = ?1", p, 3, err);
}

struct totp_tx {
	const char *name, *secret;
	const char *const *digests;
	size_t n;
	int found;
};

static int
totp_in_tx(struct store *s, void *ctx, struct buf *err)
{
	struct totp_tx *t = ctx;
	const char *p[2] = { t->name, t->secret };
	long long ch = 0;

	if (store_query(s, 1, "UPDATE users SET totp_secret = ?2, totp_step = -1, failures = 0, "
	    "locked_until = 0 WHERE name = ?1", p, 2, NULL, NULL, &ch, err) != 0)
		return -1;
	if (ch != 1)
		return STORE_NOT_FOUND;
	if (store_query(s, 1, "DELETE FROM user_recovery WHERE name = ?1", p, 1, NULL, NULL,
	    NULL, err) != 0)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		const char *q[2] = { t->name, t->digests[i] };

		if (store_query(s, 1, "INSERT INTO user_recovery (name, digest, used_at) "
		    "VALUES (?1, ?2, NULL)", q, 2, NULL, NULL, NULL, err) != 0)
			return -1;
	}
	return 0;
}

int
account_set_totp(struct store *s, const char *name, const char *secret_b32,
    const char *const *recovery_digests, size_t n, struct buf *err)
{
	struct totp_tx t = { .name = name, .secret = secret_b32, .digests = recovery_digests,
	    .n = n };

	return store_transaction(s, totp_in_tx, &t, err);
}

int
account_set_totp_in(struct store *s, const char *name, const char *secret_b32,
    const char *const *recovery_digests, size_t n, struct buf *err)
{
	struct totp_tx t = { .name = name, .secret = secret_b32, .digests = recovery_digests,
	    .n = n };

	return totp_in_tx(s, &t, err);
}

int
account_end_sessions(struct store *s, const char *name, struct buf *err)
{
	const char *p[1] = { name };

	return store_query(s, 1, "DELETE FROM sessions WHERE name = ?1", p, 1, NULL, NULL, NULL,
	    err);
}
