/*
 * accounts - the console's accounts in the metadata database (table users,
 * user_recovery; store.c), read and written by `sekisho user` and by the
 * console monitor.  No HTTP here and no policy beyond what makes a row
 * valid: who may log in and what they see is web/monitor.c's.
 *
 * Names are 1..ACCOUNT_NAME_MAX-1 bytes of [a-z0-9._-] starting with a
 * letter or digit (also what the journal records); roles are staff,
 * approver, operator, auditor; a group names the approvers of its staff
 * (1..63 bytes of the name alphabet, or empty); addresses are mail
 * addresses, lower-cased, stored one per line, at most ACCOUNT_ADDRESSES_MAX.
 */
#ifndef SEKISHO_WEB_ACCOUNTS_H
#define SEKISHO_WEB_ACCOUNTS_H

#include <stddef.h>

#include "core/buf.h"
#include "store/store.h"

#define ACCOUNT_NAME_MAX 64
#define ACCOUNT_DISPLAY_MAX 256
#define ACCOUNT_GROUP_MAX 64
#define ACCOUNT_ADDRESSES_MAX 32
#define ACCOUNT_ADDRESS_MAX 254
#define ACCOUNT_ADDRESSES_BYTES (ACCOUNT_ADDRESSES_MAX * (ACCOUNT_ADDRESS_MAX + 1) + 1)
#define ACCOUNT_HASH_MAX 256
#define ACCOUNT_SECRET_MAX 64	/* base32 of the TOTP secret */

enum account_role { ROLE_STAFF, ROLE_APPROVER, ROLE_OPERATOR, ROLE_AUDITOR };

struct account {
	char name[ACCOUNT_NAME_MAX];
	char display[ACCOUNT_DISPLAY_MAX];
	enum account_role role;
	char group[ACCOUNT_GROUP_MAX];
	char addresses[ACCOUNT_ADDRESSES_BYTES];	/* one per line */
	char pw_hash[ACCOUNT_HASH_MAX];
	int pw_change;			/* the password must be changed at next login */
	char totp_secret[ACCOUNT_SECRET_MAX];	/* "" = none enrolled */
	long long totp_step;		/* the last TOTP step accepted */
	long long failures, locked_until, created_at;
	int disabled;
};

const char *account_role_name(enum account_role r);
int account_role_parse(const char *s, enum account_role *r);
int account_name_valid(const char *s);
int account_group_valid(const char *s);	/* "" is valid: no group */
/* "a@x.jp, B@x.jp" -> "a@x.jp\nb@x.jp" in out; -1 with the reason. */
int account_addresses_parse(const char *in, char *out, size_t n, struct buf *why);
/* Whether the comma-separated envelope recipients name one of the
 * account's addresses (whole addresses, ASCII case ignored). */
int account_has_recipient(const struct account *a, const char *recipients);

/* 0, STORE_NOT_FOUND or -1. */
int account_get(struct store *s, const char *name, struct account *a, struct buf *err);
/* A new row (the name must be free: -1 otherwise, saying so). */
int account_insert(struct store *s, const struct account *a, struct buf *err);
/* Each account, by name. */
typedef int (*account_fn)(const struct account *a, void *ctx);
int account_list(struct store *s, account_fn fn, void *ctx, struct buf *err);
/* Single-column changes; 0, STORE_NOT_FOUND or -1. */
int account_set_disabled(struct store *s, const char *name, int disabled, struct buf *err);
int account_set_group(struct store *s, const char *name, const char *group, struct buf *err);
/* A new TOTP secret (base32; NULL: none, set up at the next login) and
 * recovery code digests, the old ones gone; the failures and lock cleared. */
int account_set_totp(struct store *s, const char *name, const char *secret_b32,
    const char *const *recovery_digests, size_t n, struct buf *err);
/* The same inside the caller's store_transaction. */
int account_set_totp_in(struct store *s, const char *name, const char *secret_b32,
    const char *const *recovery_digests, size_t n, struct buf *err);
int account_set_password(struct store *s, const char *name, const char *pw_hash,
    int must_change, struct buf *err);
/* Ends every session of the account (disabled, reset). */
int account_end_sessions(struct store *s, const char *name, struct buf *err);

#endif
