/*
 * cmd_user - `sekisho user`: the console's accounts, for the operator at
 * the server (the first operator is made here).
 *
 *   sekisho user [-c CONFIG] add NAME --role ROLE [--group G] [--address A,...]
 *                                  [--display TEXT] [--enrol-in-browser] [--ldap]
 *                                  [--json]
 *   sekisho user [-c CONFIG] list [--json]
 *   sekisho user [-c CONFIG] disable|enable NAME
 *   sekisho user [-c CONFIG] reset-totp NAME [--in-browser] [--json]
 *   sekisho user [-c CONFIG] password NAME [--json]
 *   sekisho user [-c CONFIG] group NAME GROUP
 *
 * add, reset-totp and password print the new secrets once (a generated
 * password; the TOTP secret as text, otpauth URI and a QR code for the
 * terminal; ten recovery codes): the database keeps only their hashes (the
 * TOTP secret excepted, which a check needs).  With --enrol-in-browser (add)
 * or --in-browser (reset-totp) no TOTP is set up here: the person does it
 * at the first login in the console (a QR code on the page), choosing their
 * own password then too; a password given by `password` is a one-time one,
 * to be changed at the next login.  Every change is a journal
 * record (event user-add, user-disable, ...) naming the system account
 * that made it.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "core/json.h"
#include "daemon/outcome.h"
#include "web/accounts.h"
#include "web/auth.h"
#include "web/event.h"
#include "web/ldapauth.h"
#include "web/monitor.h"

#define ISSUER "sekisho"

static void
usage(FILE *f)
{
	fputs(_("usage: sekisho user [-c CONFIG] add NAME --role staff|approver|operator|auditor\n"
	    "                         [--group GROUP] [--address ADDR,...] [--display TEXT]\n"
	    "                         [--enrol-in-browser] [--ldap] [--json]\n"
	    "       sekisho user [-c CONFIG] list [--json]\n"
	    "       sekisho user [-c CONFIG] disable|enable NAME\n"
	    "       sekisho user [-c CONFIG] reset-totp NAME [--in-browser] [--json]\n"
	    "       sekisho user [-c CONFIG] password NAME [--json]\n"
	    "       sekisho user [-c CONFIG] group NAME GROUP\n"
	    "The console's accounts (docs/console.md).  add, reset-totp and password print\n"
	    "the new secrets once; give them to the person by hand.\n"), f);
}

/* Who ran the command, as the journal records it. */
static void
system_account(char *out, size_t n)
{
	const char *su = getenv("SUDO_USER");
	struct passwd *pw = getpwuid(getuid());

	if (su != NULL && account_name_valid(su))
		snprintf(out, n, "%s (sudo)", su);
	else if (pw != NULL)
		snprintf(out, n, "%.60s", pw->pw_name);
	else
		snprintf(out, n, "uid %u", (unsigned)getuid());
}

struct session {
	struct config cfg;
	struct outcome *o;
	struct store *s;
	char by[96];
};

static int
open_session(struct session *x, const char *config)
{
	struct buf err;

	if (cli_load_config(&x->cfg, config) != 0)
		return EXIT_USAGE;
	if (auth_init() != 0) {
		fputs(_("sekisho: user: libsodium or liboath failed to start\n"), stderr);
		return EXIT_INTERNAL;
	}
	/* the database is sekishod's to create (as daemon_user): created here by
	 * root it would be root's, and the daemon could not open it */
	if (x->cfg.quarantine_backend == QUARANTINE_SQLITE &&
	    access(x->cfg.quarantine_db, F_OK) != 0) {
		fprintf(stderr, _("sekisho: user: %s does not exist yet: start sekishod once first "
		    "(it creates the quarantine database as its own user)\n"), x->cfg.quarantine_db);
		return EXIT_USAGE;
	}
	buf_init(&err, 4096);
	if (outcome_open(&x->o, &x->cfg, &err) != 0) {
		fprintf(stderr, _("sekisho: user: the quarantine database and the journal: %s\n"),
		    buf_str(&err));
		buf_free(&err);
		return EXIT_INTERNAL;
	}
	buf_free(&err);
	x->s = outcome_store(x->o);
	system_account(x->by, sizeof x->by);
	return 0;
}

static void
record(struct session *x, const char *event, const struct account *a, const char *detail)
{
	struct console_event e = { .event = event, .who = a, .client = x->by, .detail = detail };
	struct buf rec, err;
	long long now = (long long)time(NULL);

	buf_init(&rec, EVENT_MAX);
	buf_init(&err, 1024);
	event_json(&rec, &e, now);
	if (outcome_journal_record(x->o, rec.data, rec.len, now, &err) != 0)
		fprintf(stderr, _("sekisho: user: warning: not recorded in the journal: %s\n"),
		    buf_str(&err));
	buf_free(&rec);
	buf_free(&err);
}

/* New TOTP secret and recovery codes, stored; printed (or put in json). */
static int
new_second_factor(struct session *x, const struct account *a, struct buf *out, int json)
{
	unsigned char secret[AUTH_TOTP_SECRET_LEN];
	char b32[AUTH_BASE32_LEN(AUTH_TOTP_SECRET_LEN) + 1];
	char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_LEN];
	char digests[AUTH_RECOVERY_CODES][65];
	const char *dp[AUTH_RECOVERY_CODES];
	struct buf uri, err;
	int r = 0;

	auth_totp_new_secret(secret);
	auth_base32_encode(secret, sizeof secret, b32, sizeof b32);
	for (size_t i = 0; i < AUTH_RECOVERY_CODES; i++) {
		auth_recovery_code(codes[i]);
		auth_recovery_digest(codes[i], digests[i]);
		dp[i] = digests[i];
	}
	buf_init(&err, 1024);
	if (account_set_totp(x->s, a->name, b32, dp, AUTH_RECOVERY_CODES, &err) != 0) {
		fprintf(stderr, "sekisho: user: %s: %s\n", a->name, buf_str(&err));
		r = EXIT_INTERNAL;
		goto out;
	}
	buf_init(&uri, 1024);
	auth_otpauth_uri(&uri, ISSUER, a->name, secret, sizeof secret);
	if (json) {
		json_key(out, "totp_secret", 0);
		json_str(out, b32);
		json_key(out, "otpauth", 0);
		json_str(out, buf_str(&uri));
		json_key(out, "recovery_codes", 0);
		buf_putc(out, '[');
		for (size_t i = 0; i < AUTH_RECOVERY_CODES; i++) {
			if (i > 0)
				buf_putc(out, ',');
			json_str(out, codes[i]);
		}
		buf_putc(out, ']');
	} else {
		buf_printf(out, _("TOTP secret:     %s\notpauth URI:     %s\n"), b32, buf_str(&uri));
		buf_puts(out, _("Scan this with the authenticator app (Google Authenticator, "
		    "Microsoft Authenticator, ...):\n"));
		auth_qr_terminal(out, buf_str(&uri));
		buf_puts(out, _("Recovery codes (each works once instead of a TOTP code):\n"));
		for (size_t i = 0; i < AUTH_RECOVERY_CODES; i++)
			buf_printf(out, "  %s\n", codes[i]);
	}
	auth_buf_wipe(&uri);
out:
	sodium_memzero(secret, sizeof secret);
	sodium_memzero(b32, sizeof b32);
	sodium_memzero(codes, sizeof codes);
	buf_free(&err);
	return r;
}

static int
new_password(struct session *x, const struct account *a, char pw[AUTH_RANDOM_PW_LEN + 1],
    char hash[AUTH_PWHASH_MAX])
{
	auth_random_password(pw, AUTH_RANDOM_PW_LEN + 1);
	if (auth_password_hash(pw, MONITOR_PW_OPS, x->cfg.console_password_memory, hash) != 0) {
		fputs(_("sekisho: user: cannot hash the password (console_password_memory)\n"),
		    stderr);
		return EXIT_INTERNAL;
	}
	return 0;
}

static int
user_add(struct session *x, const char *name, const char *role, const char *group,
    const char *addresses, const char *display, int in_browser, int ldap, int json)
{
	struct account a;
	char pw[AUTH_RANDOM_PW_LEN + 1];
	struct buf err, out;
	int r;

	memset(&a, 0, sizeof a);
	buf_init(&err, 1024);
	if (!account_name_valid(name)) {
		fprintf(stderr, _("sekisho: user add: \"%s\": a name is 1 to %d of a-z 0-9 . _ - "
		    "starting with a letter or digit\n"), name, ACCOUNT_NAME_MAX - 1);
		return EXIT_USAGE;
	}
	if (role == NULL || account_role_parse(role, &a.role) != 0) {
		fputs(_("sekisho: user add: --role staff, approver, operator or auditor\n"), stderr);
		return EXIT_USAGE;
	}
	if (group != NULL && !account_group_valid(group)) {
		fprintf(stderr, _("sekisho: user add: group \"%s\": names as for users\n"), group);
		return EXIT_USAGE;
	}
	if (account_addresses_parse(addresses != NULL ? addresses : "", a.addresses,
	    sizeof a.addresses, &err) != 0) {
		fprintf(stderr, "sekisho: user add: --address: %s\n", buf_str(&err));
		buf_free(&err);
		return EXIT_USAGE;
	}
	if (display != NULL && strlen(display) >= sizeof a.display) {
		fputs(_("sekisho: user add: --display is too long\n"), stderr);
		return EXIT_USAGE;
	}
	snprintf(a.name, sizeof a.name, "%s", name);
	snprintf(a.display, sizeof a.display, "%s", display != NULL ? display : name);
	snprintf(a.group, sizeof a.group, "%s", group != NULL ? group : "");
	a.created_at = (long long)time(NULL);
	a.pw_change = in_browser && !ldap;	/* the first login sets up the rest */
	if (ldap) {
		/* the directory checks the password (console_ldap_uri) */
		if (x->cfg.console_ldap_uri[0] == '\0')
			fputs(_("sekisho: user add: warning: console_ldap_uri is not set: this "
			    "account cannot log in until it is\n"), stderr);
		snprintf(a.pw_hash, sizeof a.pw_hash, "%s", LDAP_PASSWORD_MARK);
		pw[0] = '\0';
	} else if ((r = new_password(x, &a, pw, a.pw_hash)) != 0)
		return r;
	if (account_insert(x->s, &a, &err) != 0) {
		fprintf(stderr, "sekisho: user add: %s\n", buf_str(&err));
		buf_free(&err);
		sodium_memzero(pw, sizeof pw);
		return EXIT_USAGE;
	}
	buf_free(&err);
	buf_init(&out, 64 * 1024);
	if (json) {
		buf_putc(&out, '{');
		json_key(&out, "name", 1);
		json_str(&out, a.name);
		json_key(&out, "role", 0);
		json_str(&out, account_role_name(a.role));
		json_key(&out, "password", 0);
		json_str(&out, ldap ? NULL : pw);
	} else if (ldap)
		buf_printf(&out, _("Account %s (%s) created; its password is the directory's "
		    "(%s).\n"), a.name, account_role_name(a.role), x->cfg.console_ldap_uri);
	else
		buf_printf(&out, _("Account %s (%s) created.\nPassword:        %s\n"), a.name,
		    account_role_name(a.role), pw);
	sodium_memzero(pw, sizeof pw);
	if (in_browser) {
		r = 0;
		if (!json)
			buf_puts(&out, _("A one-time password: at the first login in the console the "
			    "person chooses their own and sets up the authenticator app.\n"));
	} else
		r = new_second_factor(x, &a, &out, json);
	if (json)
		buf_puts(&out, "}\n");
	if (r == 0)
		fwrite(out.data, 1, out.len, stdout);
	auth_buf_wipe(&out);
	record(x, "user-add", &a, account_role_name(a.role));
	return r;
}

struct list_ctx {
	int json, n;
};

static int
list_one(const struct account *a, void *ctx)
{
	struct list_ctx *l = ctx;
	struct buf b;
	const char *state = a->disabled ? "disabled" :
	    a->locked_until > (long long)time(NULL) ? "locked" : "active";

	buf_init(&b, 16 * 1024);
	if (l->json) {
		buf_putc(&b, '{');
		json_key(&b, "name", 1);
		json_str(&b, a->name);
		json_key(&b, "display", 0);
		json_str(&b, a->display);
		json_key(&b, "role", 0);
		json_str(&b, account_role_name(a->role));
		json_key(&b, "group", 0);
		json_str(&b, a->group);
		json_key(&b, "addresses", 0);
		json_str(&b, a->addresses);
		json_key(&b, "totp", 0);
		buf_puts(&b, a->totp_secret[0] != '\0' ? "true" : "false");
		json_key(&b, "state", 0);
		json_str(&b, state);
		buf_puts(&b, "}\n");
	} else {
		char addrs[ACCOUNT_ADDRESSES_BYTES];

		snprintf(addrs, sizeof addrs, "%s", a->addresses);
		for (char *p = addrs; *p != '\0'; p++) {
			if (*p == '\n')
				*p = ',';
		}
		buf_printf(&b, "%-20s %-9s %-12s %-8s %s\n", a->name, account_role_name(a->role),
		    a->group[0] != '\0' ? a->group : "-", state, addrs);
	}
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	l->n++;
	return 0;
}

static int
user_change(struct session *x, const char *cmd, const char *name, const char *arg,
    int in_browser, int json)
{
	struct account a;
	struct buf err, out;
	int r;

	buf_init(&err, 1024);
	if ((r = account_get(x->s, name, &a, &err)) != 0) {
		if (r == STORE_NOT_FOUND)
			fprintf(stderr, _("sekisho: user %s: no account %s\n"), cmd, name);
		else
			fprintf(stderr, "sekisho: user %s: %s\n", cmd, buf_str(&err));
		buf_free(&err);
		return r == STORE_NOT_FOUND ? EXIT_USAGE : EXIT_INTERNAL;
	}
	r = 0;
	if (strcmp(cmd, "disable") == 0 || strcmp(cmd, "enable") == 0) {
		r = account_set_disabled(x->s, name, cmd[0] == 'd', &err);
		if (r == 0 && cmd[0] == 'd')
			r = account_end_sessions(x->s, name, &err);
	} else if (strcmp(cmd, "group") == 0) {
		if (!account_group_valid(arg)) {
			fprintf(stderr, _("sekisho: user group: \"%s\": names as for users\n"), arg);
			buf_free(&err);
			return EXIT_USAGE;
		}
		r = account_set_group(x->s, name, arg, &err);
	} else if (strcmp(cmd, "reset-totp") == 0 && in_browser) {
		/* none: the next login sets one up (and says so in the journal) */
		r = account_set_totp(x->s, name, NULL, NULL, 0, &err);
		if (r == 0)
			r = account_end_sessions(x->s, name, &err);
	} else if (strcmp(cmd, "reset-totp") == 0) {
		buf_init(&out, 64 * 1024);
		if (json) {
			buf_putc(&out, '{');
			json_key(&out, "name", 1);
			json_str(&out, name);
		}
		r = new_second_factor(x, &a, &out, json);
		if (json)
			buf_puts(&out, "}\n");
		if (r == 0) {
			fwrite(out.data, 1, out.len, stdout);
			r = account_end_sessions(x->s, name, &err);
		}
		auth_buf_wipe(&out);
	} else if (strcmp(cmd, "password") == 0 && strcmp(a.pw_hash, LDAP_PASSWORD_MARK) == 0) {
		fprintf(stderr, _("sekisho: user password: %s's password is the directory's "
		    "(console_ldap_uri): change it there\n"), name);
		buf_free(&err);
		return EXIT_USAGE;
	} else if (strcmp(cmd, "password") == 0) {
		char pw[AUTH_RANDOM_PW_LEN + 1], hash[AUTH_PWHASH_MAX];

		if ((r = new_password(x, &a, pw, hash)) == 0 &&
		    (r = account_set_password(x->s, name, hash, 1, &err)) == 0 &&
		    (r = account_end_sessions(x->s, name, &err)) == 0) {
			if (json)
				printf("{\"name\":\"%s\",\"password\":\"%s\"}\n", name, pw);
			else
				printf(_("Password:        %s\n"), pw);
		}
		sodium_memzero(pw, sizeof pw);
	}
	if (r != 0) {
		fprintf(stderr, "sekisho: user %s: %s\n", cmd, buf_str(&err));
		buf_free(&err);
		return EXIT_INTERNAL;
	}
	buf_free(&err);
	{
		char ev[32];

		snprintf(ev, sizeof ev, "user-%s", cmd);
		record(x, ev, &a, arg);
	}
	if (!json)
		fprintf(stderr, _("sekisho: user %s: %s done\n"), cmd, name);
	return 0;
}

int
cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "group", required_argument, NULL, 'g' },
		{ "address", required_argument, NULL, 'a' },
		{ "display", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "enrol-in-browser", no_argument, NULL, 'e' },
		{ "in-browser", no_argument, NULL, 'e' },
		{ "ldap", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *role = NULL, *group = NULL, *addresses = NULL;
	const char *display = NULL, *cmd;
	struct session x;
	int c, json = 0, in_browser = 0, ldap = 0, r;

	memset(&x, 0, sizeof x);
	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		if (c == 'c')
			config = optarg;
		else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* the command's own options and operands, after its name */
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 0;		/* glibc: start afresh on the new vector */
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'r': role = optarg; break;
		case 'g': group = optarg; break;
		case 'a': addresses = optarg; break;
		case 'd': display = optarg; break;
		case 'j': json = 1; break;
		case 'e': in_browser = 1; break;
		case 'l': ldap = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (strcmp(cmd, "list") == 0 ? optind != argc :
	    strcmp(cmd, "group") == 0 ? optind + 2 != argc : optind + 1 != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "add") != 0 && strcmp(cmd, "list") != 0 && strcmp(cmd, "disable") != 0 &&
	    strcmp(cmd, "enable") != 0 && strcmp(cmd, "reset-totp") != 0 &&
	    strcmp(cmd, "password") != 0 && strcmp(cmd, "group") != 0) {
		fprintf(stderr, _("sekisho: user: unknown command %s\n"), cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((r = open_session(&x, config)) != 0)
		return r;
	if (strcmp(cmd, "add") == 0)
		r = user_add(&x, argv[optind], role, group, addresses, display, in_browser, ldap,
		    json);
	else if (strcmp(cmd, "list") == 0) {
		struct list_ctx l = { .json = json };
		struct buf err;

		buf_init(&err, 1024);
		if (account_list(x.s, list_one, &l, &err) != 0) {
			fprintf(stderr, "sekisho: user list: %s\n", buf_str(&err));
			r = EXIT_INTERNAL;
		}
		buf_free(&err);
	} else
		r = user_change(&x, cmd, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL,
		    in_browser, json);
	outcome_close(x.o);
	return r;
}
