/*
 * ldapauth - a password checked by a simple bind (see the header).
 */
#include "web/ldapauth.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#define LDAP_DEPRECATED 0
#include <ldap.h>

#include "web/accounts.h"

/* The bind name: the template with the account's name ([a-z0-9._-] only:
 * nothing in it needs escaping in a DN or a principal name). */
static int
bind_name(const char *tmpl, const char *name, char *out, size_t n)
{
	const char *s = strstr(tmpl, "%s");
	int w;

	if (s == NULL || strstr(s + 2, "%") != NULL || !account_name_valid(name))
		return -1;
	w = snprintf(out, n, "%.*s%s%s", (int)(s - tmpl), tmpl, name, s + 2);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

int
ldap_password_check(const struct config *cfg, const char *name, const char *pw,
    struct buf *why)
{
	LDAP *ld = NULL;
	struct berval cred;
	struct timeval tv = { LDAP_TIMEOUT_S, 0 };
	char dn[1024];
	int version = LDAP_VERSION3, rc, r = -1;

	if (pw == NULL || pw[0] == '\0')
		return 1;
	if (bind_name(cfg->console_ldap_bind, name, dn, sizeof dn) != 0) {
		buf_puts(why, "console_ldap_bind: no single %s, or the name does not fit");
		return -1;
	}
	if ((rc = ldap_initialize(&ld, cfg->console_ldap_uri)) != LDAP_SUCCESS) {
		buf_printf(why, "%s: %s", cfg->console_ldap_uri, ldap_err2string(rc));
		return -1;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	if (cfg->console_ldap_ca[0] != '\0') {
		int zero = 0;

		ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, cfg->console_ldap_ca);
		ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
	}
	if (cfg->console_ldap_starttls && strncmp(cfg->console_ldap_uri, "ldaps://", 8) != 0 &&
	    (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
		buf_printf(why, "%s: StartTLS: %s", cfg->console_ldap_uri, ldap_err2string(rc));
		goto out;
	}
	cred.bv_val = (char *)(uintptr_t)pw;
	cred.bv_len = strlen(pw);
	rc = ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc == LDAP_SUCCESS)
		r = 0;
	else if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH ||
	    rc == LDAP_NO_SUCH_OBJECT)
		r = 1;
	else
		buf_printf(why, "%s: bind: %s", cfg->console_ldap_uri, ldap_err2string(rc));
out:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return r;
}
