/*
 * ldapauth - a console password checked by an LDAP or Active Directory
 * server instead of the local argon2id hash: a simple bind as the account
 * (console_ldap_bind, "%s" replaced by the account's name: a DN such as
 * uid=%s,ou=people,dc=town,dc=example,dc=lg,dc=jp, or an AD user principal
 * name %s@town.example.lg.jp), over ldaps:// or StartTLS unless
 * console_ldap_starttls = no.  The account itself (role, group, addresses,
 * TOTP) stays local: the directory answers only whether the password is
 * right.  An empty password is refused before any bind (LDAP would take it
 * for an anonymous bind and say yes).
 */
#ifndef SEKISHO_WEB_LDAPAUTH_H
#define SEKISHO_WEB_LDAPAUTH_H

#include "core/buf.h"
#include "policy/config.h"

#define LDAP_TIMEOUT_S 5	/* connecting, and each operation */
#define LDAP_PASSWORD_MARK "ldap"	/* users.pw_hash of an account checked by LDAP */

/* 0 the password is right, 1 it is wrong (or empty), -1 the server could
 * not be asked (the reason in why: not the user's fault). */
int ldap_password_check(const struct config *cfg, const char *name, const char *pw,
    struct buf *why);

#endif
