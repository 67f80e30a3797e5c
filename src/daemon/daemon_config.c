/*
 * daemon_config - sekishod's checks of its configuration.  See
 * daemon_config.h.
 */
#include "daemon/daemon_config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/num.h"
#include "daemon/milter.h"
#include "daemon/outbound.h"
#include "gateway/deliver.h"
#include "gateway/privsep.h"
#include "gateway/tls.h"

/* HOST:PORT with a port in 1..65535 and a host without spaces ("" = any). */
static int
host_port(const char *name, const char *v, int empty_ok, struct buf *err)
{
	const char *colon = strrchr(v, ':');
	uint64_t port;

	if (v[0] == '\0' && empty_ok)
		return 0;
	if (colon == NULL || parse_u64(colon + 1, &port) != 0 || port == 0 || port > 65535) {
		buf_printf(err, "%s: \"%s\" is not HOST:PORT\n", name, v);
		return -1;
	}
	for (const char *p = v; p < colon; p++) {
		if (isspace((unsigned char)*p) || *p == '/') {
			buf_printf(err, "%s: \"%s\": bad host\n", name, v);
			return -1;
		}
	}
	return 0;
}

/* libpq keyword form "password=..." or URI form "postgresql://user:pw@". */
static int
has_password(const char *conninfo)
{
	const char *p = conninfo;

	if (strncasecmp(p, "postgres://", 11) == 0 || strncasecmp(p, "postgresql://", 13) == 0) {
		const char *auth = strchr(p, '/') + 2;
		size_t n = strcspn(auth, "@/?");

		return auth[n] == '@' && memchr(auth, ':', n) != NULL;
	}
	for (; *p != '\0'; p++) {
		if ((p == conninfo || isspace((unsigned char)p[-1])) &&
		    strncasecmp(p, "password", 8) == 0) {
			const char *q = p + 8;

			while (isspace((unsigned char)*q))
				q++;
			if (*q == '=')
				return 1;
		}
	}
	return 0;
}

int
daemon_config_check(const struct config *cfg, struct buf *err)
{
	struct deliver_target t;
	struct run_user du, wu;
	size_t before = err->len;

	host_port("listen", cfg->listen, 0, err);
	host_port("metrics_listen", cfg->metrics_listen, 1, err);
	host_port("console_listen", cfg->console_listen, 1, err);
	if (cfg->console_listen[0] != '\0') {
		/* HTTPS only: its cookies are Secure, its passwords never travel in clear */
		if (cfg->console_tls_cert[0] == '\0' || cfg->console_tls_key[0] == '\0')
			buf_puts(err, "console_tls_cert_file, console_tls_key_file: needed with "
			    "console_listen (the console speaks HTTPS only; scripts/demo makes a "
			    "self-signed pair)\n");
		else if (tls_check_files("console", cfg->console_tls_cert, cfg->console_tls_key,
		    err) != 0)
			buf_puts(err, "\n");
		if (strcmp(cfg->console_user, cfg->daemon_user) == 0 ||
		    strcmp(cfg->console_user, cfg->worker_user) == 0)
			buf_printf(err, "console_user: \"%s\" is daemon_user or worker_user: the "
			    "process that parses HTTP must not be able to touch the store owner or "
			    "the workers\n", cfg->console_user);
	}
	if (cfg->console_digest_time[0] != '\0') {
		const char *hm = cfg->console_digest_time;

		if (strlen(hm) != 5 || !isdigit((unsigned char)hm[0]) ||
		    !isdigit((unsigned char)hm[1]) || hm[2] != ':' ||
		    !isdigit((unsigned char)hm[3]) || !isdigit((unsigned char)hm[4]) ||
		    (hm[0] - '0') * 10 + (hm[1] - '0') > 23 || (hm[3] - '0') * 10 + (hm[4] - '0') > 59)
			buf_printf(err, "console_digest_time: \"%s\" is not HH:MM\n", hm);
	}
	if (cfg->console_ldap_uri[0] != '\0') {
		const char *pct = strstr(cfg->console_ldap_bind, "%s");

		if (strncmp(cfg->console_ldap_uri, "ldap://", 7) != 0 &&
		    strncmp(cfg->console_ldap_uri, "ldaps://", 8) != 0)
			buf_printf(err, "console_ldap_uri: \"%s\" is not ldap:// or ldaps://\n",
			    cfg->console_ldap_uri);
		if (pct == NULL || strchr(pct + 2, '%') != NULL ||
		    strchr(cfg->console_ldap_bind, '%') != pct)
			buf_puts(err, "console_ldap_bind: needs exactly one %s (the account's name) "
			    "and no other %\n");
	}
	if (cfg->pol.console_url[0] != '\0' && strncmp(cfg->pol.console_url, "https://", 8) != 0)
		buf_printf(err, "console_url: \"%s\" does not start with https://\n",
		    cfg->pol.console_url);
	for (const char *p = cfg->pol.console_url; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == '"' ||
		    *p == '<' || *p == '>') {
			buf_printf(err, "console_url: \"%s\": only printable ASCII without spaces, "
			    "quotes or angle brackets\n", cfg->pol.console_url);
			break;
		}
	}
	if (deliver_parse_target(cfg->deliver_to, &t, err) != 0)
		buf_putc(err, '\n');
	if (cfg->milter_listen[0] != '\0' && milter_check_spec(cfg->milter_listen, err) != 0)
		buf_putc(err, '\n');
	/* outbound mail is inspected in the submission MTA's milter; the
	 * listener and its delivery agents sanitise, which is for inbound */
	if (cfg->direction == DIRECTION_OUTBOUND && cfg->milter_listen[0] == '\0')
		buf_puts(err, "direction: outbound works through the milter: set milter_listen\n");
	if (outbound_senders_check(cfg->outbound_trusted_senders, err) != 0)
		buf_putc(err, '\n');
	if (cfg->outbound_confirm_new && cfg->outbound_delay == 0)
		buf_puts(err, "outbound_confirm_new_recipients: a message waits for its sender's "
		    "confirmation while it waits anyway: set outbound_delay\n");
	if (cfg->outbound_delay > 0 && cfg->outbound_release_to[0] == '\0')
		buf_puts(err, "outbound_delay: sekisho keeps the waiting messages and sends them "
		    "on: set outbound_release_to\n");
	if (cfg->outbound_release_to[0] != '\0') {
		struct deliver_target rt;

		if (cfg->direction != DIRECTION_OUTBOUND)
			buf_puts(err, "outbound_release_to: only with direction = outbound\n");
		else if (cfg->console_listen[0] == '\0')
			buf_puts(err, "outbound_release_to: held messages are approved or recalled in "
			    "the console: set console_listen\n");
		if (strncmp(cfg->outbound_release_to, "maildir:", 8) == 0)
			buf_puts(err, "outbound_release_to: smtp:HOST:PORT or lmtp:HOST:PORT (a "
			    "message leaving goes to the next hop)\n");
		else if (deliver_parse_target(cfg->outbound_release_to, &rt, err) != 0)
			buf_puts(err, " (outbound_release_to)\n");
	}
	if ((cfg->transfer_in_dir[0] == '\0') != (cfg->transfer_out_dir[0] == '\0'))
		buf_puts(err, "transfer_in_dir, transfer_out_dir: set both (files dropped on the "
		    "internet side come out on the LGWAN side) or neither\n");
	else if (cfg->transfer_in_dir[0] != '\0') {
		size_t a = strlen(cfg->transfer_in_dir), b = strlen(cfg->transfer_out_dir);

		if (strncmp(cfg->transfer_in_dir, cfg->transfer_out_dir, a < b ? a : b) == 0 &&
		    (a == b || cfg->transfer_in_dir[a < b ? a : b] == '/' ||
		    cfg->transfer_out_dir[a < b ? a : b] == '/'))
			buf_puts(err, "transfer_in_dir, transfer_out_dir: one is inside the other "
			    "(a sanitised file would be taken again, an original could reach the "
			    "LGWAN side)\n");
		if (strncmp(cfg->transfer_in_dir, cfg->spool_dir, a) == 0 ||
		    strncmp(cfg->transfer_out_dir, cfg->spool_dir, b) == 0)
			buf_puts(err, "transfer_in_dir, transfer_out_dir: must not hold spool_dir\n");
	}
	if (cfg->direction == DIRECTION_OUTBOUND && cfg->relay_domains[0] != '\0')
		buf_puts(err, "relay_domains: must be empty with direction = outbound (the "
		    "listener sanitises, which is for inbound mail)\n");
	for (const char *p = cfg->hostname; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_') {
			buf_printf(err, "hostname: \"%s\" is not a host name\n", cfg->hostname);
			break;
		}
	}
	if (cfg->quarantine_backend == QUARANTINE_POSTGRESQL && cfg->quarantine_pg[0] == '\0')
		buf_puts(err, "quarantine_pg: needed with quarantine_backend = postgresql\n");
	if (has_password(cfg->quarantine_pg))
		buf_puts(err, "quarantine_pg: holds a password; put it in the daemon user's "
		    "~/.pgpass or PGPASSFILE instead (this file is printed by config check)\n");
	/* the listener's STARTTLS files: readable, and the key fits the certificate */
	if (tls_check_files("smtp", cfg->smtp_tls_cert, cfg->smtp_tls_key, err) != 0)
		buf_putc(err, '\n');
	if (strcmp(cfg->daemon_user, cfg->worker_user) == 0)
		buf_printf(err, "worker_user: \"%s\" is daemon_user too: workers must not be able "
		    "to touch the daemon's processes or files\n", cfg->worker_user);
	if (privsep_lookup(cfg->daemon_user, &du, err) != 0)
		buf_printf(err, " (daemon_user)\n");
	if (privsep_lookup(cfg->worker_user, &wu, err) != 0)
		buf_printf(err, " (worker_user)\n");
	if (cfg->console_listen[0] != '\0' && privsep_lookup(cfg->console_user, &wu, err) != 0)
		buf_printf(err, " (console_user)\n");
	if (err->len == before)
		return 0;
	/* one problem per line, without a final newline */
	while (err->len > before && err->data[err->len - 1] == '\n')
		err->data[--err->len] = '\0';
	return -1;
}
