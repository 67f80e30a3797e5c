/*
 * config - the typed configuration table and its file format.
 *
 * Format (Postfix main.cf style): one "name = value" per line, '#' starts a
 * comment, blank lines ignored.  Every setting has a type, a default, and for
 * numbers a minimum and maximum; an unknown name, a malformed value or one out
 * of range is a configuration error that names the line (exit status 2).
 * config_print() writes the effective configuration in the same format; its
 * sha256 is the policy digest recorded in every receipt.
 */
#ifndef SEKISHO_POLICY_CONFIG_H
#define SEKISHO_POLICY_CONFIG_H

#include <stdio.h>

#include "core/buf.h"
#include "policy/policy.h"

enum quarantine_backend { QUARANTINE_SQLITE, QUARANTINE_POSTGRESQL };
/* sekishod's direction: what its milter does to the mail it is given */
enum direction { DIRECTION_INBOUND, DIRECTION_OUTBOUND };
/* What the outbound checks do with a message (in the order of the
 * settings' choices; a stronger action is a larger number, see
 * daemon/outbound.h) */
/* DELAY: would pass, but waits outbound_delay for its sender to recall it */
enum outbound_action { OUTBOUND_PASS, OUTBOUND_BCC, OUTBOUND_HOLD, OUTBOUND_REJECT, OUTBOUND_DELAY };

/*
 * The whole configuration: the sanitising policy (what a worker gets) and
 * the settings of the processes around it (listeners, spool, store, keys,
 * scanners), which never reach a worker.
 */
struct config {
	struct policy pol;

	/* who the processes run as (when started as root) */
	char daemon_user[64];
	char worker_user[64];

	/* sekishod: the gateway daemon */
	char listen[128];	/* HOST:PORT */
	char metrics_listen[128];	/* HOST:PORT, "" = off */
	int listen_lmtp;	/* speak LMTP instead of SMTP */
	char hostname[256];	/* "" = the system's */
	char spool_dir[512];
	char deliver_to[600];
	char journal[512];
	size_t journal_rotate_size;	/* rotate past this many bytes (0: never) */
	char audit_key[512];		/* Ed25519 secret key of the checkpoints */
	size_t audit_checkpoint_records;	/* a checkpoint after this many records */
	size_t audit_checkpoint_seconds;	/* ... or when the last one is this old */
	size_t workers;
	size_t max_sessions;
	size_t smtp_timeout;		/* idle: one read */
	size_t smtp_session_timeout;	/* the whole session */
	size_t smtp_write_timeout;	/* one reply */
	size_t smtp_client_limit;	/* simultaneous sessions from one client address */
	char mynetworks[2048];		/* clients that may hand over mail (policy/access.h) */
	char relay_domains[4096];	/* recipient domains sekisho accepts mail for */
	char smtp_tls_cert[512];	/* PEM certificate chain for STARTTLS, "" = no TLS */
	char smtp_tls_key[512];		/* its PEM private key */
	size_t retry_seconds;
	size_t worker_attempts;
	size_t worker_max_items;	/* a worker is retired after this many items */
	char milter_listen[256];	/* inet:HOST:PORT or unix:/path, "" = off */
	enum direction direction;	/* inbound: sanitise; outbound: inspect */

	/* outbound checks (direction = outbound; daemon/outbound.h) */
	char outbound_local_domains[4096];	/* inside: every other domain is outside */
	char outbound_trusted_destinations[4096];	/* outside, but findings may go there */
	char outbound_trusted_senders[4096];	/* addresses or domains: findings recorded only */
	int outbound_number_action;		/* index into its choices */
	int outbound_number_confidence;		/* 0 high, 1 medium, 2 low: the least acted on */
	int outbound_uninspectable_action;
	int outbound_term_action;		/* a dlp_terms word found */
	int outbound_check_internal;		/* act on mail to inside addresses only too */
	size_t outbound_visible_outside_limit;	/* outside addresses in To/Cc; 0 = no limit */
	int outbound_many_outside_action;

	/* the staff console (src/web, docs/console.md) */
	char console_listen[128];	/* HOST:PORT, "" = off */
	char console_user[64];		/* the HTTP process runs as this user (as root) */
	char console_tls_cert[512];	/* PEM certificate chain */
	char console_tls_key[512];	/* its PEM private key */
	int withheld_notice;		/* the relay delivers a notice for a withheld message */
	int console_language;		/* 0 ja, 1 en: pages when the browser does not choose */
	int console_totp_staff;		/* staff log in with a TOTP code too */
	size_t console_login_failures;	/* failures in a row before the account locks */
	size_t console_lockout_seconds;	/* how long it stays locked */
	size_t console_idle_timeout;	/* seconds without a request: the session ends */
	size_t console_session_lifetime;	/* seconds after login: the session ends */
	size_t console_password_memory;	/* argon2id memory per password check */
	size_t console_download_limit;	/* largest original the console hands out */
	int console_notify;		/* mail approvers of requests, staff of decisions */
	int console_release_to;		/* 0 download, 1 mailbox, 2 both */
	char outbound_release_to[512];	/* approved held mail goes here; "" = Postfix's hold queue */
	size_t outbound_delay;		/* seconds mail for outside waits, recallable; 0 = none */

	/* transfer folders (gateway/transfer.h): files dropped on the internet
	 * side come out sanitised on the LGWAN side; "" = off */
	char transfer_in_dir[512];
	char transfer_out_dir[512];
	size_t transfer_settle_seconds;	/* unchanged this long before it is taken */
	size_t transfer_scan_seconds;	/* a full look even without a notification */
	int transfer_approval;		/* a sanitised file waits for an approval in the console */
	size_t transfer_upload_limit;	/* bytes of one file uploaded in the console (0: no upload) */
	char alert_to[256];		/* the operator's address for alert mail ("" off) */
	size_t alert_check_seconds;	/* health checks this often */
	size_t alert_queue_minutes;	/* an item older in the spool: alert */
	size_t alert_disk_percent;	/* less free: alert (0 off) */
	size_t alert_worker_deaths;	/* more worker deaths an hour: alert (0 off) */
	int outbound_confirm_new;	/* a first outside address waits for its sender */
	size_t console_page_size;	/* items on one page of a list */
	size_t console_unlock_attempts;	/* wrong passwords for one encrypted attachment */
	char console_digest_time[8];	/* HH:MM (Japan time): the approvers' daily digest; "" = none */
	int console_release_malware;	/* 0 never, 1 two operators */
	int console_release_approver;	/* 0 an approver of the group (or an operator), 1 operators */
	char console_self_release[256];	/* rebuild methods whose originals staff take alone */
	char console_ldap_uri[512];	/* LDAP / AD for accounts made with --ldap; "" = none */
	char console_ldap_bind[512];	/* the bind name, %s = the account's name */
	int console_ldap_starttls;	/* StartTLS on ldap:// */
	char console_ldap_ca[512];	/* CA certificates of the directory; "" = the system's */

	/* quarantine store */
	char quarantine_dir[512];
	char quarantine_db[512];
	enum quarantine_backend quarantine_backend;	/* where the metadata lives */
	char quarantine_pg[1024];	/* libpq connection string */
	char quarantine_key[512];
	size_t quarantine_retention_days;
	size_t quarantine_inline_limit;	/* bytes; 0: every original is a file */

	/* programs and scanners the parent runs for the worker */
	char libreoffice[512];		/* soffice program; "" = not used */
	char tesseract[512];		/* tesseract program; "" = not used */
	char clamd_socket[512];		/* clamd unix socket; "" = no virus scan */
};

void config_defaults(struct config *c);
/* Parse text (the bytes of a config file) over c; on error fill err and
 * return -1. */
int config_parse(struct config *c, const char *text, size_t len,
    const char *origin, struct buf *err);
int config_load_file(struct config *c, const char *path, struct buf *err);
/* Canonical "name = value" listing; with_docs adds a comment per setting. */
void config_print(const struct config *c, struct buf *out, int with_docs);
/* Recompute the derived fields: c->pol.digest from config_print(c, ..., 0),
 * c->pol.can_convert. */
void config_finish(struct config *c);

/*
 * The configuration reference in Markdown, made from the table ("sekisho
 * config reference", docs/configuration.md and docs/configuration.ja.md):
 * per setting a row "| name | default | range | meaning |", in the sections
 * of docs/configuration.md.  lang is "en" or "ja"; section NULL for every
 * section under its "## " title, or one section's key for its table alone.
 * Returns 0; -1 for an unknown lang or section (err says so, out untouched);
 * 1 when the table is incomplete (a setting without a description in either
 * language, or in no section): out holds the reference with the gaps left
 * empty, err names each, one per line.
 */
int config_reference(struct buf *out, const char *lang, const char *section,
    struct buf *err);
/* A setting's meaning in Japanese (config_doc_ja.c), NULL if it has none. */
const char *config_doc_ja(const char *name);

/* Only the sanitising policy (tests and in-process tools): the defaults, or
 * text parsed over p with the other settings at their defaults. */
void policy_defaults(struct policy *p);
int policy_parse(struct policy *p, const char *text, size_t len, const char *origin,
    struct buf *err);
int policy_load_file(struct policy *p, const char *path, struct buf *err);

#endif
