/*
 * config - the configuration table: every setting's name, type, default,
 * range and one-line documentation, in one place (Redis config.c, Postfix
 * mail_params.h).  Parsing is strict: unknown names, bad values and values out
 * of range are errors that name the file and line.
 */
#include "policy/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/fdio.h"
#include "core/num.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "policy/access.h"

#define CONFIG_FILE_MAX (1024 * 1024)	/* a config file larger is refused */
#define CONFIG_LINE_MAX 4096

/* C_NETWORKS and C_DOMAINS are strings checked by policy/access.h's parser */
/* C_TERMS: a struct policy_terms, entries separated by commas */
enum ctype { C_SIZE, C_COUNT, C_SECONDS, C_BOOL, C_ENUM, C_HEADERS, C_STRING, C_PATH, C_NETWORKS,
	C_DOMAINS, C_TERMS };

struct setting {
	const char *name;
	enum ctype type;
	size_t offset;		/* into struct config */
	const char *def;
	uint64_t min, max;	/* numbers; for C_STRING and C_PATH max is the array size */
	const char *const *choices;	/* enums, NULL-terminated */
	const char *doc;
};

static const char *const out_charsets[] = { "utf-8", "iso-2022-jp", NULL };
static const char *const langs[] = { "ja", "en", NULL };
static const char *const ambig[] = { "withhold", "rebuild", NULL };
static const char *const protocols[] = { "smtp", "lmtp", NULL };
static const char *const qbackends[] = { "sqlite", "postgresql", NULL };
static const char *const attach_modes[] = { "sanitize", "remove", NULL };
static const char *const pdf_modes[] = { "rasterize", "rebuild", NULL };
static const char *const text_charsets[] = { "utf-8", "cp932", NULL };
static const char *const legacy_modes[] = { "convert", "withhold", NULL };
static const char *const directions[] = { "inbound", "outbound", NULL };
static const char *const finding_actions[] = { "hold", "reject", "pass", NULL };
static const char *const confidences[] = { "high", "medium", "low", NULL };
static const char *const many_actions[] = { "bcc", "hold", "reject", NULL };
static const char *const malware_release[] = { "never", "two-operators", NULL };
static const char *const release_approvers[] = { "approver", "operator", NULL };
static const char *const release_to[] = { "download", "mailbox", "both", NULL };

#define OFF(f) offsetof(struct config, f)
#define POL(f) offsetof(struct config, pol.f)
#define SIZEOF(f) sizeof(((struct config *)0)->f)

/*
 * Fields every sanitised message has once, written by sekisho (mime/
 * sanitize.c carries the first of these from the original, compose.c writes
 * the MIME fields): keep_headers may not add a second.
 */
static const char *const written_headers[] = {
	"Date", "From", "To", "Cc", "Reply-To", "Subject", "Message-ID", "In-Reply-To",
	"References", "MIME-Version", "Received", NULL
};

/* Whether the n-byte name q is written by sekisho or already in the list. */
static int
header_written(const char *q, size_t n, const struct policy *p)
{
	if ((n >= 8 && strncasecmp(q, "Content-", 8) == 0) ||
	    (n >= 10 && strncasecmp(q, "X-Sekisho-", 10) == 0))
		return 1;
	for (size_t i = 0; written_headers[i] != NULL; i++) {
		if (strlen(written_headers[i]) == n && strncasecmp(q, written_headers[i], n) == 0)
			return 1;
	}
	for (size_t i = 0; i < p->n_keep_headers; i++) {
		if (strlen(p->keep_headers[i]) == n && strncasecmp(q, p->keep_headers[i], n) == 0)
			return 1;
	}
	return 0;
}

#define KiB ((size_t)1024)
#define MiB ((size_t)1024 * 1024)
#define GiB ((size_t)1024 * 1024 * 1024)

static const struct setting settings[] = {
	{ "message_size_limit", C_SIZE, POL(lim.message_bytes), "64m", 1 * KiB, 4 * GiB, NULL,
	  "largest message accepted, in bytes (k/m/g suffixes); larger is withheld" },
	{ "header_size_limit", C_SIZE, POL(lim.header_bytes), "1m", 1 * KiB, 64 * MiB, NULL,
	  "largest header block of one message or part" },
	{ "line_length_limit", C_SIZE, POL(lim.line_bytes), "4m", 998, 256 * MiB, NULL,
	  "longest line of the raw message" },
	{ "mime_part_limit", C_COUNT, POL(lim.parts), "1000", 1, 100000, NULL,
	  "most MIME parts in one message" },
	{ "mime_nesting_limit", C_COUNT, POL(lim.nesting), "32", 1, 100, NULL,
	  "deepest nesting of multiparts and attached messages" },
	{ "text_size_limit", C_SIZE, POL(lim.text_bytes), "32m", 1 * KiB, 1 * GiB, NULL,
	  "most decoded text in one sanitised message" },
	{ "html_depth_limit", C_COUNT, POL(lim.html_depth), "256", 8, 100000, NULL,
	  "deepest HTML element nesting rendered (deeper content is still read as text)" },
	{ "html_node_limit", C_COUNT, POL(lim.html_nodes), "1000000", 100, 100000000, NULL,
	  "most HTML elements in one HTML part" },
	{ "time_limit", C_SECONDS, POL(lim.seconds), "30", 1, 3600, NULL,
	  "most CPU/wall seconds for one item; then it is withheld" },
	{ "memory_limit", C_SIZE, POL(lim.memory_bytes), "1g", 64 * MiB, 64 * GiB, NULL,
	  "address space of one sandboxed worker" },
	{ "output_charset", C_ENUM, POL(out_charset), "utf-8", 0, 0, out_charsets,
	  "charset of the sanitised message (iso-2022-jp for old clients)" },
	{ "notice_language", C_ENUM, POL(lang), "ja", 0, 0, langs,
	  "language of the notice at the top of each sanitised message" },
	{ "on_ambiguous", C_ENUM, POL(on_ambiguous), "rebuild", 0, 0, ambig,
	  "input other software would read differently: rebuild what sekisho read (with a note), or withhold" },
	{ "prefer_plain_text", C_BOOL, POL(prefer_plain), "yes", 0, 0, NULL,
	  "use the sender's text/plain alternative when there is one" },
	{ "show_link_urls", C_BOOL, POL(show_urls), "yes", 0, 0, NULL,
	  "render HTML links as 'text <URL>'" },
	{ "defang_urls", C_BOOL, POL(defang_urls), "no", 0, 0, NULL,
	  "write URLs as hxxp://example[.]com so they are not clickable" },
	{ "keep_headers", C_HEADERS, POL(n_keep_headers), "", 0, 0, NULL,
	  "extra headers carried to the sanitised message (comma-separated names)" },
	{ "daemon_user", C_STRING, OFF(daemon_user), "sekisho", 1, SIZEOF(daemon_user), NULL,
	  "sekishod: the system user its processes run as when started as root (never root)" },
	{ "worker_user", C_STRING, OFF(worker_user), "sekisho-worker", 1, SIZEOF(worker_user), NULL,
	  "the system user sandboxed workers run as when started by root (not daemon_user, never root)" },
	{ "listen", C_STRING, OFF(listen), "127.0.0.1:2525", 0, SIZEOF(listen), NULL,
	  "sekishod: address and port of the built-in listener (HOST:PORT)" },
	{ "metrics_listen", C_STRING, OFF(metrics_listen), "127.0.0.1:9125", 0, SIZEOF(metrics_listen), NULL,
	  "sekishod: Prometheus metrics endpoint (HOST:PORT; empty: off)" },
	{ "listen_protocol", C_ENUM, OFF(listen_lmtp), "smtp", 0, 0, protocols,
	  "sekishod: protocol of the built-in listener" },
	{ "hostname", C_STRING, OFF(hostname), "", 0, SIZEOF(hostname), NULL,
	  "sekishod: name in greetings and EHLO (empty: the system's host name)" },
	{ "spool_dir", C_PATH, OFF(spool_dir), "/var/spool/sekisho", 0, SIZEOF(spool_dir), NULL,
	  "sekishod: durable queue of accepted, not yet delivered messages" },
	{ "deliver_to", C_STRING, OFF(deliver_to), "maildir:/var/mail/sekisho/Maildir", 0, SIZEOF(deliver_to), NULL,
	  "sekishod: where sanitised mail goes: maildir:PATH, smtp:HOST:PORT or lmtp:HOST:PORT" },
	{ "journal", C_PATH, OFF(journal), "/var/lib/sekisho/journal.jsonl", 0, SIZEOF(journal), NULL,
	  "sekishod: the hash-chained audit journal of every receipt" },
	{ "audit_key", C_PATH, OFF(audit_key), "/etc/sekisho/audit.key", 0,
	  SIZEOF(audit_key), NULL,
	  "audit: Ed25519 secret key that signs the journal's checkpoints (mode 0600; created with its public half <audit_key>.pub on first start)" },
	{ "audit_checkpoint_records", C_COUNT, OFF(audit_checkpoint_records), "1000", 1, 100000000, NULL,
	  "audit: a signed checkpoint once this many journal records are not covered by one" },
	{ "audit_checkpoint_seconds", C_SECONDS, OFF(audit_checkpoint_seconds), "300", 1, 86400, NULL,
	  "audit: a signed checkpoint once the last one is this old and records were added since (and on shutdown)" },
	{ "workers", C_COUNT, OFF(workers), "2", 1, 64, NULL,
	  "sekishod: delivery agents, each with its own sandboxed worker" },
	{ "max_sessions", C_COUNT, OFF(max_sessions), "100", 1, 10000, NULL,
	  "sekishod: simultaneous SMTP sessions; more are told to try later (421)" },
	{ "smtp_timeout", C_SECONDS, OFF(smtp_timeout), "300", 1, 3600, NULL,
	  "sekishod: idle seconds before an SMTP session is closed" },
	{ "smtp_session_timeout", C_SECONDS, OFF(smtp_session_timeout), "1800", 1, 86400, NULL,
	  "sekishod: most seconds one SMTP session may last, however busy (then 421 and closed)" },
	{ "smtp_write_timeout", C_SECONDS, OFF(smtp_write_timeout), "60", 1, 3600, NULL,
	  "sekishod: most seconds to send one reply to a client that does not read (then closed)" },
	{ "smtp_client_connection_limit", C_COUNT, OFF(smtp_client_limit), "20", 1, 10000, NULL,
	  "sekishod: simultaneous SMTP sessions from one client address; more are told 421" },
	{ "mynetworks", C_NETWORKS, OFF(mynetworks), "127.0.0.0/8, ::1/128", 0,
	  SIZEOF(mynetworks), NULL,
	  "sekishod: networks whose clients may hand mail to the listener (IPv4/IPv6 address/bits, comma-separated); others get 554" },
	{ "relay_domains", C_DOMAINS, OFF(relay_domains), "", 0,
	  SIZEOF(relay_domains), NULL,
	  "sekishod: recipient domains the listener accepts mail for (example.lg.jp; .example.lg.jp for those below it); others get 554; empty: none" },
	{ "smtp_tls_cert_file", C_PATH, OFF(smtp_tls_cert), "", 0,
	  SIZEOF(smtp_tls_cert), NULL,
	  "sekishod: PEM certificate (chain) for STARTTLS on the listener (empty: STARTTLS not offered)" },
	{ "smtp_tls_key_file", C_PATH, OFF(smtp_tls_key), "", 0,
	  SIZEOF(smtp_tls_key), NULL,
	  "sekishod: PEM private key of smtp_tls_cert_file (mode 0600)" },
	{ "retry_seconds", C_SECONDS, OFF(retry_seconds), "60", 1, 86400, NULL,
	  "sekishod: first retry delay after a failed delivery (doubles, at most an hour)" },
	{ "worker_max_items", C_COUNT, OFF(worker_max_items), "1000", 1, 1000000, NULL,
	  "items one sandboxed worker handles before it is retired and replaced" },
	{ "worker_attempts", C_COUNT, OFF(worker_attempts), "3", 1, 100, NULL,
	  "sekishod: tries before a message whose worker keeps failing is withheld" },
	{ "milter_listen", C_STRING, OFF(milter_listen), "", 0, SIZEOF(milter_listen), NULL,
	  "sekishod: Postfix milter socket (inet:HOST:PORT or unix:/path; empty: off)" },
	{ "direction", C_ENUM, OFF(direction), "inbound", 0, 0, directions,
	  "sekishod: inbound (the milter sanitises mail from the internet side) or outbound (the milter inspects mail leaving: 個人番号, uninspectable attachments, many outside recipients; docs/outbound.md)" },
	{ "dlp_keywords", C_TERMS, POL(dlp_keywords), "", 0, 0, NULL,
	  "outbound inspection: more words that make a 12-digit number near them a 個人番号 at high confidence, beside the built-in ones (個人番号, マイナンバー, …); comma-separated" },
	{ "dlp_other_labels", C_TERMS, POL(dlp_other_labels), "", 0, 0, NULL,
	  "outbound inspection: more labels of numbers that are something else (the built-in ones: 注文番号, 受付番号, TEL, 〒, …); a number just after one is not a 個人番号" },
	{ "dlp_terms", C_TERMS, POL(dlp_terms), "", 0, 0, NULL,
	  "outbound inspection: words whose presence is a finding of kind term (a classification label such as 機密性3, a project name; ASCII case ignored); comma-separated" },
	{ "outbound_term_action", C_ENUM, OFF(outbound_term_action), "hold", 0, 0, finding_actions,
	  "outbound: a message with one of dlp_terms for an outside recipient: hold, reject or pass" },
	{ "outbound_local_domains", C_DOMAINS, OFF(outbound_local_domains), "", 0,
	  SIZEOF(outbound_local_domains), NULL,
	  "outbound: the organisation's own domains (example.lg.jp; .example.lg.jp for those below it); a recipient anywhere else is outside" },
	{ "outbound_trusted_destinations", C_DOMAINS, OFF(outbound_trusted_destinations), "", 0,
	  SIZEOF(outbound_trusted_destinations), NULL,
	  "outbound: outside domains findings may go to (a partner body over LGWAN); mail for them and inside recipients only is recorded, not acted on (the To/Cc limit still applies)" },
	{ "outbound_trusted_senders", C_STRING, OFF(outbound_trusted_senders), "", 0,
	  SIZEOF(outbound_trusted_senders), NULL,
	  "outbound: senders (addresses, or domains as in outbound_local_domains) with a legitimate flow: their findings are recorded, not acted on (the To/Cc limit still applies); comma-separated" },
	{ "outbound_number_action", C_ENUM, OFF(outbound_number_action), "hold", 0, 0,
	  finding_actions,
	  "outbound: a message with a 個人番号 or 法人番号 (at outbound_number_confidence or above) for an outside recipient: hold (until approved: Postfix's hold queue, or sekisho's with outbound_release_to), reject (550 to the sender) or pass (recorded)" },
	{ "outbound_number_confidence", C_ENUM, OFF(outbound_number_confidence), "medium", 0, 0,
	  confidences,
	  "outbound: the least confidence of a number finding that outbound_number_action acts on; lower ones are recorded only" },
	{ "outbound_uninspectable_action", C_ENUM, OFF(outbound_uninspectable_action), "reject",
	  0, 0, finding_actions,
	  "outbound: a message with something that cannot be inspected (an encrypted zip, a limit) for an outside recipient: hold, reject or pass" },
	{ "outbound_check_internal", C_BOOL, OFF(outbound_check_internal), "no", 0, 0, NULL,
	  "outbound: act on findings in mail to inside recipients only too (else it passes, recorded)" },
	{ "outbound_visible_outside_limit", C_COUNT, OFF(outbound_visible_outside_limit), "10", 0,
	  100000, NULL,
	  "outbound: most outside addresses a message may show in To and Cc; more is outbound_many_outside_action (0: no limit)" },
	{ "outbound_many_outside_action", C_ENUM, OFF(outbound_many_outside_action), "bcc", 0, 0,
	  many_actions,
	  "outbound: a message over outbound_visible_outside_limit: bcc (To and Cc replaced, every recipient sees none of the others), hold or reject" },
	{ "outbound_release_to", C_STRING, OFF(outbound_release_to), "", 0,
	  SIZEOF(outbound_release_to), NULL,
	  "outbound: where a held message goes once approved in the staff console (smtp:HOST:PORT, a listener of the submission Postfix without the milter); set, sekisho keeps held messages itself (Postfix discards its copy) and the sender asks for approval or recalls them in the console; empty: held messages wait in Postfix's hold queue (postsuper -H)" },
	{ "outbound_delay", C_COUNT, OFF(outbound_delay), "0", 0, 86400, NULL,
	  "outbound (誤送信防止): seconds a message for outside recipients that would pass waits before it leaves, so that its sender can recall it in the console (0: none; needs outbound_release_to; a message whose To and Cc are hidden leaves at once)" },
	{ "outbound_confirm_new_recipients", C_BOOL, OFF(outbound_confirm_new), "no", 0, 0, NULL,
	  "outbound (誤送信防止): a waiting message (outbound_delay) with an outside address its sender has never sent to through sekisho does not leave by itself: its sender confirms it in the console (told by mail)" },
	{ "transfer_in_dir", C_PATH, OFF(transfer_in_dir), "", 0, SIZEOF(transfer_in_dir), NULL,
	  "transfer: the internet side's drop folders, one folder per user (named by the user's mail address); a file put there comes out sanitised in that user's folder under transfer_out_dir, with its receipt, and its original is quarantined (empty: off)" },
	{ "transfer_out_dir", C_PATH, OFF(transfer_out_dir), "", 0, SIZEOF(transfer_out_dir), NULL,
	  "transfer: the LGWAN side's folders, one per user, where sanitised files and their receipts (NAME.receipt.json; a withheld file's notice NAME.保留.txt) appear; needed with transfer_in_dir" },
	{ "transfer_settle_seconds", C_SECONDS, OFF(transfer_settle_seconds), "2", 0, 3600, NULL,
	  "transfer: a dropped file is taken once it has not changed for this long (a copy still being written is left alone)" },
	{ "transfer_scan_seconds", C_SECONDS, OFF(transfer_scan_seconds), "10", 1, 3600, NULL,
	  "transfer: the drop folders are looked through at least this often, besides inotify's notifications (a network share may not send them)" },
	{ "transfer_approval", C_BOOL, OFF(transfer_approval), "no", 0, 0, NULL,
	  "transfer: a sanitised file is not delivered until an approver allows it in the staff console (the staff member asks, the approver approves with a fresh TOTP code); meanwhile NAME.承認待ち.txt in the user's folder says so" },
	{ "transfer_upload_limit", C_SIZE, OFF(transfer_upload_limit), "25m", 0, 1 * GiB, NULL,
	  "transfer: the largest file a staff member may upload in the console to cross like a file put into their drop folder (0: no upload; at most file_size_limit counts)" },
	{ "console_listen", C_STRING, OFF(console_listen), "", 0, SIZEOF(console_listen), NULL,
	  "console: address and port of the staff console, HTTPS (HOST:PORT; empty: off)" },
	{ "console_user", C_STRING, OFF(console_user), "sekisho-web", 1, SIZEOF(console_user), NULL,
	  "console: the system user the HTTP process runs as when started by root (not daemon_user or worker_user, never root); it holds no key" },
	{ "console_tls_cert_file", C_PATH, OFF(console_tls_cert), "", 0, SIZEOF(console_tls_cert), NULL,
	  "console: PEM certificate (chain) of the console; needed with console_listen" },
	{ "console_tls_key_file", C_PATH, OFF(console_tls_key), "", 0, SIZEOF(console_tls_key), NULL,
	  "console: PEM private key of console_tls_cert_file (mode 0600)" },
	{ "console_url", C_STRING, POL(console_url), "", 0, SIZEOF(pol.console_url), NULL,
	  "console: the address staff use (https://host[:port]): each notice links to its item there (empty: no link)" },
	{ "console_notify", C_BOOL, OFF(console_notify), "yes", 0, 0, NULL,
	  "console: mail the approvers of a group when one of its staff asks for an original, and the staff member when it is decided (through deliver_to)" },
	{ "console_release_to", C_ENUM, OFF(console_release_to), "download", 0, 0, release_to,
	  "console: how an approved original reaches its staff: download (from the console), mailbox (delivered again to their addresses through deliver_to) or both" },
	{ "console_digest_time", C_STRING, OFF(console_digest_time), "", 0,
	  SIZEOF(console_digest_time), NULL,
	  "console: HH:MM (Japan time) at which each approver with pending requests is mailed a digest of them, once a day (empty: no digest)" },
	{ "console_page_size", C_COUNT, OFF(console_page_size), "50", 10, 500, NULL,
	  "console: items on one page of a list (newest first; the next page is a link, and in the API a Link header)" },
	{ "console_unlock_attempts", C_COUNT, OFF(console_unlock_attempts), "5", 1, 100, NULL,
	  "console: wrong passwords accepted for one encrypted attachment (PPAP) before it can be opened only by the operator" },
	{ "console_release_malware", C_ENUM, OFF(console_release_malware), "never", 0, 0,
	  malware_release,
	  "console: an item with a virus or a YARA match: never released through the console, or two-operators (an operator asks, another operator approves)" },
	{ "console_release_approver", C_ENUM, OFF(console_release_approver), "approver", 0, 0,
	  release_approvers,
	  "console: who approves the other requests: approver (an approver of the requester's group, or an operator) or operator (operators only)" },
	{ "console_self_release", C_STRING, OFF(console_self_release), "", 0,
	  SIZEOF(console_self_release), NULL,
	  "console: rebuild methods (rasterize, re-encode, rebuild, transcode, …; comma-separated) whose originals staff take without approval, when every attachment of the item was kept so rebuilt and none removed (empty: none)" },
	{ "console_ldap_uri", C_STRING, OFF(console_ldap_uri), "", 0, SIZEOF(console_ldap_uri), NULL,
	  "console: the LDAP or Active Directory server that checks the passwords of accounts made with --ldap (ldaps://host or ldap://host[:port]; empty: none)" },
	{ "console_ldap_bind", C_STRING, OFF(console_ldap_bind), "", 0, SIZEOF(console_ldap_bind), NULL,
	  "console: the name to bind as, %s for the account's name (uid=%s,ou=people,dc=town,dc=example,dc=lg,dc=jp; or %s@town.example.lg.jp for Active Directory)" },
	{ "console_ldap_starttls", C_BOOL, OFF(console_ldap_starttls), "yes", 0, 0, NULL,
	  "console: StartTLS on an ldap:// server (no: the password crosses in clear; only on a trusted loopback or a protected segment)" },
	{ "console_ldap_ca_file", C_PATH, OFF(console_ldap_ca), "", 0, SIZEOF(console_ldap_ca), NULL,
	  "console: PEM CA certificates that sign the directory's certificate (empty: the system's)" },
	{ "withheld_notice", C_BOOL, OFF(withheld_notice), "no", 0, 0, NULL,
	  "sekishod: for a withheld message the listener's delivery agents deliver a short notice instead (sender, subject, reason, receipt number and the console link), so that staff know what did not reach them" },
	{ "console_language", C_ENUM, OFF(console_language), "ja", 0, 0, langs,
	  "console: language of the pages unless the user picks the other one" },
	{ "console_totp_staff", C_BOOL, OFF(console_totp_staff), "yes", 0, 0, NULL,
	  "console: staff log in with a TOTP code as well as the password (approvers, operators and auditors always do)" },
	{ "console_login_failures", C_COUNT, OFF(console_login_failures), "5", 1, 1000, NULL,
	  "console: failed logins in a row that lock an account" },
	{ "console_lockout_seconds", C_SECONDS, OFF(console_lockout_seconds), "900", 1, 864000, NULL,
	  "console: how long a locked account stays locked" },
	{ "console_idle_timeout", C_SECONDS, OFF(console_idle_timeout), "1800", 60, 86400, NULL,
	  "console: a session unused this long ends" },
	{ "console_session_lifetime", C_SECONDS, OFF(console_session_lifetime), "28800", 60, 604800, NULL,
	  "console: a session ends this long after its login, however busy" },
	{ "console_password_memory", C_SIZE, OFF(console_password_memory), "64m", 8 * MiB, 1 * GiB, NULL,
	  "console: memory of one argon2id password check (more is slower to guess, and costs each login)" },
	{ "console_download_limit", C_SIZE, OFF(console_download_limit), "64m", 1 * MiB, 4 * GiB, NULL,
	  "console: largest original the console hands out (larger ones: sekisho quarantine export)" },
	{ "quarantine_dir", C_PATH, OFF(quarantine_dir), "/var/lib/sekisho/quarantine", 0,
	  SIZEOF(quarantine_dir), NULL,
	  "quarantine: folder of the encrypted originals (content-addressed blobs)" },
	{ "quarantine_db", C_PATH, OFF(quarantine_db), "/var/lib/sekisho/quarantine.db", 0,
	  SIZEOF(quarantine_db), NULL,
	  "quarantine: SQLite database of the quarantined items' metadata" },
	{ "quarantine_backend", C_ENUM, OFF(quarantine_backend), "sqlite", 0, 0, qbackends,
	  "quarantine: where the metadata lives: sqlite (one node) or postgresql (several)" },
	{ "quarantine_pg", C_STRING, OFF(quarantine_pg), "", 0,
	  SIZEOF(quarantine_pg), NULL,
	  "quarantine: PostgreSQL connection string (libpq; no password: use a passfile)" },
	{ "quarantine_key", C_PATH, OFF(quarantine_key), "/etc/sekisho/quarantine.key", 0,
	  SIZEOF(quarantine_key), NULL,
	  "quarantine: key file (mode 0600; 'sekisho quarantine keygen' makes one)" },
	{ "quarantine_inline_limit", C_SIZE, OFF(quarantine_inline_limit), "256k", 0, 16 * MiB, NULL,
	  "quarantine: originals up to this size go into the database with their row (one sync); larger ones, or all with 0, are files in quarantine_dir" },
	{ "quarantine_retention_days", C_COUNT, OFF(quarantine_retention_days), "1827", 1, 36500,
	  NULL, "quarantine: days an item is kept before 'sekisho quarantine expire' removes it" },
	{ "attachments", C_ENUM, POL(attachments), "sanitize", 0, 0, attach_modes,
	  "mail attachments: sanitize (rebuild and keep what can be made harmless) or remove all" },
	{ "file_size_limit", C_SIZE, POL(lim.file_bytes), "256m", 1 * KiB, 4 * GiB, NULL,
	  "largest file given to 'sekisho file'; larger is withheld" },
	{ "file_output_size_limit", C_SIZE, POL(lim.file_out_bytes), "512m", 64 * KiB, 4 * GiB, NULL,
	  "largest sanitised file (a rasterised PDF grows); larger is withheld" },
	{ "pdf_mode", C_ENUM, POL(pdf_mode), "rasterize", 0, 0, pdf_modes,
	  "PDF: rasterize (pages become images) or rebuild (text and vectors kept, active content removed)" },
	{ "pdf_resolution", C_COUNT, POL(pdf_dpi), "150", 36, 600, NULL,
	  "PDF rasterize: dots per inch of the page images" },
	{ "pdf_jpeg_quality", C_COUNT, POL(pdf_jpeg_quality), "85", 10, 100, NULL,
	  "PDF rasterize: JPEG quality of the page images" },
	{ "pdf_text_layer", C_BOOL, POL(pdf_text_layer), "yes", 0, 0, NULL,
	  "PDF rasterize: keep the original's decoded text as an invisible layer (searchable, copyable)" },
	{ "tesseract", C_PATH, OFF(tesseract), "/usr/bin/tesseract", 0,
	  SIZEOF(tesseract), NULL,
	  "tesseract program, reserved for OCR of scanned pages (not used yet)" },
	{ "pdf_page_limit", C_COUNT, POL(lim.pdf_pages), "500", 1, 100000, NULL,
	  "most pages in one PDF; more is withheld" },
	{ "image_pixel_limit", C_COUNT, POL(lim.image_pixels), "100000000", 1000, 4000000000ULL, NULL,
	  "most pixels (width x height) in one image or rendered page; more is withheld" },
	{ "office_part_limit", C_COUNT, POL(lim.office_parts), "10000", 10, 1000000, NULL,
	  "most members in one Office Open XML package" },
	{ "archive_entry_limit", C_COUNT, POL(lim.archive_entries), "10000", 1, 1000000, NULL,
	  "most members in one archive, counting nested archives" },
	{ "archive_total_size_limit", C_SIZE, POL(lim.archive_total), "1g", 1 * KiB, 64 * GiB, NULL,
	  "most unpacked bytes of one archive, counting nested archives" },
	{ "archive_entry_size_limit", C_SIZE, POL(lim.archive_entry_bytes), "256m", 1 * KiB, 16 * GiB, NULL,
	  "largest unpacked member of an archive" },
	{ "archive_ratio_limit", C_COUNT, POL(lim.archive_ratio), "100", 2, 100000, NULL,
	  "highest unpacked-to-packed size ratio of a member (decompression bombs)" },
	{ "archive_depth_limit", C_COUNT, POL(lim.archive_depth), "4", 1, 32, NULL,
	  "deepest nesting of archives inside archives" },
	{ "text_output_charset", C_ENUM, POL(text_charset), "utf-8", 0, 0, text_charsets,
	  "charset of sanitised text and CSV files" },
	{ "csv_bom", C_BOOL, POL(csv_bom), "yes", 0, 0, NULL,
	  "start UTF-8 CSV files with a byte order mark (so Japanese Excel opens them)" },
	{ "legacy_office", C_ENUM, POL(legacy_office), "convert", 0, 0, legacy_modes,
	  "doc/xls/ppt/rtf: convert with LibreOffice (macros off) to a rasterised PDF, or withhold" },
	{ "libreoffice", C_PATH, OFF(libreoffice), "/usr/bin/soffice", 0,
	  SIZEOF(libreoffice), NULL,
	  "LibreOffice program for legacy Office files (missing: they are withheld)" },
	{ "clamd_socket", C_PATH, OFF(clamd_socket), "", 0,
	  SIZEOF(clamd_socket), NULL,
	  "clamd unix socket: items are scanned before and after sanitising (empty: no scan)" },
	{ "yara_rules", C_PATH, POL(yara_rules), "", 0,
	  SIZEOF(pol.yara_rules), NULL,
	  "folder of YARA rules (*.yar): files are matched before and after sanitising (empty: none)" },
};

#define NSETTINGS (sizeof settings / sizeof settings[0])

/* A comma-separated list of words: each trimmed, UTF-8 without control
 * characters, at most POLICY_TERM_MAX - 1 bytes, at most POLICY_TERMS_MAX. */
static int
set_terms(const struct setting *s, struct policy_terms *t, const char *val, struct buf *err)
{
	memset(t, 0, sizeof *t);
	while (*val != '\0') {
		const char *end = val + strcspn(val, ",");
		const char *a = val, *b = end;

		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a) {
			size_t n = (size_t)(b - a);

			if (n >= POLICY_TERM_MAX || t->n >= POLICY_TERMS_MAX) {
				buf_printf(err, "%s: too many or too long words (at most %d of %d bytes)",
				    s->name, POLICY_TERMS_MAX, POLICY_TERM_MAX - 1);
				return -1;
			}
			if (!utf8_valid((const unsigned char *)a, n)) {
				buf_printf(err, "%s: \"%.*s\" is not UTF-8", s->name, (int)n, a);
				return -1;
			}
			for (size_t i = 0; i < n; i++) {
				if ((unsigned char)a[i] < 32 || a[i] == 127) {
					buf_printf(err, "%s: a word with a control character", s->name);
					return -1;
				}
			}
			memcpy(t->t[t->n], a, n);
			t->t[t->n][n] = '\0';
			t->n++;
		}
		val = *end == ',' ? end + 1 : end;
	}
	return 0;
}

static int
set_value(struct config *c, const struct setting *s, const char *val,
    struct buf *err)
{
	struct policy *p = &c->pol;
	char *base = (char *)c;
	uint64_t v;

	switch (s->type) {
	case C_SIZE:
	case C_COUNT:
	case C_SECONDS:
		if ((s->type == C_SIZE ? parse_size(val, &v) : parse_u64(val, &v)) != 0) {
			buf_printf(err, "%s: not a number: \"%s\"", s->name, val);
			return -1;
		}
		if (v < s->min || v > s->max) {
			buf_printf(err, "%s: %llu is outside %llu..%llu", s->name,
			    (unsigned long long)v, (unsigned long long)s->min,
			    (unsigned long long)s->max);
			return -1;
		}
		*(size_t *)(base + s->offset) = (size_t)v;
		return 0;
	case C_BOOL:
		if (strcmp(val, "yes") == 0 || strcmp(val, "true") == 0 || strcmp(val, "1") == 0)
			*(int *)(base + s->offset) = 1;
		else if (strcmp(val, "no") == 0 || strcmp(val, "false") == 0 || strcmp(val, "0") == 0)
			*(int *)(base + s->offset) = 0;
		else {
			buf_printf(err, "%s: expected yes or no, not \"%s\"", s->name, val);
			return -1;
		}
		return 0;
	case C_ENUM:
		for (int i = 0; s->choices[i] != NULL; i++) {
			if (strcasecmp(val, s->choices[i]) == 0) {
				*(int *)(base + s->offset) = i;
				return 0;
			}
		}
		buf_printf(err, "%s: \"%s\" is not one of", s->name, val);
		for (int i = 0; s->choices[i] != NULL; i++)
			buf_printf(err, " %s", s->choices[i]);
		return -1;
	case C_PATH:
		/* empty is allowed where the default is empty ("not used") */
		if (val[0] != '/' && !(val[0] == '\0' && s->def[0] == '\0')) {
			buf_printf(err, "%s: \"%s\" is not an absolute path", s->name, val);
			return -1;
		}
		__attribute__((fallthrough));
	case C_NETWORKS:
	case C_DOMAINS:
		if (s->type == C_NETWORKS || s->type == C_DOMAINS) {
			struct buf why;
			int bad;

			buf_init(&why, 1024);
			bad = (s->type == C_NETWORKS ? access_networks_check(val, &why) :
			    access_domains_check(val, &why)) != 0;
			if (bad)
				buf_printf(err, "%s: %s", s->name, buf_str(&why));
			buf_free(&why);
			if (bad)
				return -1;
		}
		__attribute__((fallthrough));
	case C_STRING: {
		size_t n = strlen(val);

		if (n < s->min) {
			buf_printf(err, "%s: must not be empty", s->name);
			return -1;
		}
		if (n >= s->max) {
			buf_printf(err, "%s: longer than %llu bytes", s->name,
			    (unsigned long long)(s->max - 1));
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			if ((unsigned char)val[i] < 0x20 || val[i] == 0x7f) {
				buf_printf(err, "%s: control character in value", s->name);
				return -1;
			}
		}
		memcpy(base + s->offset, val, n + 1);
		return 0;
	}
	case C_TERMS:
		return set_terms(s, (struct policy_terms *)(void *)(base + s->offset), val, err);
	case C_HEADERS:
		p->n_keep_headers = 0;
		for (const char *q = val; *q != '\0';) {
			size_t n;

			while (*q == ',' || isspace((unsigned char)*q))
				q++;
			n = strcspn(q, ", \t");
			if (n == 0)
				break;
			if (n >= POLICY_HEADER_NAME_MAX || p->n_keep_headers >= POLICY_HEADER_LIST_MAX) {
				buf_printf(err, "%s: too many or too long names (at most %d of %d bytes)",
				    s->name, POLICY_HEADER_LIST_MAX, POLICY_HEADER_NAME_MAX - 1);
				return -1;
			}
			for (size_t i = 0; i < n; i++) {
				unsigned char ch = (unsigned char)q[i];

				if (ch <= 32 || ch >= 127 || ch == ':') {
					buf_printf(err, "%s: \"%.*s\" is not a header name",
					    s->name, (int)n, q);
					return -1;
				}
			}
			if (header_written(q, n, p)) {
				buf_printf(err, "%s: \"%.*s\" is written by sekisho itself or listed twice",
				    s->name, (int)n, q);
				return -1;
			}
			memcpy(p->keep_headers[p->n_keep_headers], q, n);
			p->keep_headers[p->n_keep_headers][n] = '\0';
			p->n_keep_headers++;
			q += n;
		}
		return 0;
	}
	return -1;
}

void
config_defaults(struct config *c)
{
	struct buf err;

	memset(c, 0, sizeof *c);
	buf_init(&err, 1024);
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (set_value(c, &settings[i], settings[i].def, &err) != 0)
			die("bad built-in default: %s", buf_str(&err));
	}
	buf_free(&err);
	config_finish(c);
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
config_parse(struct config *c, const char *text, size_t len,
    const char *origin, struct buf *err)
{
	char line[CONFIG_LINE_MAX];
	size_t pos = 0, lineno = 0;
	size_t seen[NSETTINGS];	/* the line that set each setting, 0: none */

	memset(seen, 0, sizeof seen);

	while (pos < len) {
		size_t n = 0;
		char *name, *val, *eq, *hash;
		const struct setting *s = NULL;

		lineno++;
		while (pos < len && text[pos] != '\n') {
			if (n + 1 >= sizeof line) {
				buf_printf(err, "%s:%zu: line longer than %d bytes", origin,
				    lineno, CONFIG_LINE_MAX - 1);
				return -1;
			}
			if (text[pos] == '\0') {
				buf_printf(err, "%s:%zu: NUL byte", origin, lineno);
				return -1;
			}
			line[n++] = text[pos++];
		}
		pos++;
		line[n] = '\0';
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		name = trim(line);
		if (*name == '\0')
			continue;
		if ((eq = strchr(name, '=')) == NULL) {
			buf_printf(err, "%s:%zu: expected \"name = value\"", origin, lineno);
			return -1;
		}
		*eq = '\0';
		name = trim(name);
		val = trim(eq + 1);
		for (size_t i = 0; i < NSETTINGS; i++) {
			if (strcmp(settings[i].name, name) == 0)
				s = &settings[i];
		}
		if (s == NULL) {
			buf_printf(err, "%s:%zu: unknown setting \"%s\"", origin, lineno, name);
			return -1;
		}
		/* a second line for one setting is a mistake, whichever was meant */
		if (seen[s - settings] != 0) {
			buf_printf(err, "%s:%zu: \"%s\" is set again (first on line %zu)",
			    origin, lineno, name, seen[s - settings]);
			return -1;
		}
		seen[s - settings] = lineno;
		buf_printf(err, "%s:%zu: ", origin, lineno);
		if (set_value(c, s, val, err) != 0)
			return -1;
		buf_reset(err);
	}
	config_finish(c);
	return 0;
}

int
config_load_file(struct config *c, const char *path, struct buf *err)
{
	struct buf text;
	int r;

	buf_init(&text, CONFIG_FILE_MAX);
	if (read_file_buf(path, &text) != 0) {
		if (errno == EFBIG)
			buf_printf(err, "%s: larger than %d bytes", path, CONFIG_FILE_MAX);
		else
			buf_printf(err, "%s: %s", path, strerror(errno));
		buf_free(&text);
		return -1;
	}
	r = config_parse(c, buf_str(&text), text.len, path, err);
	buf_free(&text);
	return r;
}

static void
print_value(const struct config *c, const struct setting *s, struct buf *out)
{
	const struct policy *p = &c->pol;
	const char *base = (const char *)c;
	size_t v;

	switch (s->type) {
	case C_SIZE:
		v = *(const size_t *)(base + s->offset);
		if (v % GiB == 0)
			buf_printf(out, "%zug", v / GiB);
		else if (v % MiB == 0)
			buf_printf(out, "%zum", v / MiB);
		else if (v % KiB == 0)
			buf_printf(out, "%zuk", v / KiB);
		else
			buf_printf(out, "%zu", v);
		break;
	case C_COUNT:
	case C_SECONDS:
		buf_printf(out, "%zu", *(const size_t *)(base + s->offset));
		break;
	case C_BOOL:
		buf_puts(out, *(const int *)(base + s->offset) ? "yes" : "no");
		break;
	case C_ENUM:
		buf_puts(out, s->choices[*(const int *)(base + s->offset)]);
		break;
	case C_STRING:
	case C_PATH:
	case C_NETWORKS:
	case C_DOMAINS:
		buf_puts(out, base + s->offset);
		break;
	case C_HEADERS:
		for (size_t i = 0; i < p->n_keep_headers; i++)
			buf_printf(out, "%s%s", i ? ", " : "", p->keep_headers[i]);
		break;
	case C_TERMS: {
		const struct policy_terms *t = (const void *)(base + s->offset);

		for (size_t i = 0; i < t->n; i++)
			buf_printf(out, "%s%s", i ? ", " : "", t->t[i]);
		break;
	}
	}
}

void
config_print(const struct config *c, struct buf *out, int with_docs)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];

		if (with_docs) {
			buf_printf(out, "# %s", s->doc);
			if (s->type == C_SIZE || s->type == C_COUNT || s->type == C_SECONDS)
				buf_printf(out, " [%llu..%llu]", (unsigned long long)s->min,
				    (unsigned long long)s->max);
			buf_printf(out, " (default: %s)\n", s->def[0] ? s->def : "empty");
		}
		buf_printf(out, "%s = ", s->name);
		print_value(c, s, out);
		buf_putc(out, '\n');
	}
}

void
config_finish(struct config *c)
{
	struct buf canon;

	buf_init(&canon, CONFIG_FILE_MAX);
	config_print(c, &canon, 0);
	sha256_hex(canon.data, canon.len, c->pol.digest);
	buf_free(&canon);
	c->pol.can_convert = c->pol.legacy_office == LEGACY_CONVERT && c->libreoffice[0] != '\0';
}

void
policy_defaults(struct policy *p)
{
	struct config *c = xmalloc(sizeof *c);

	config_defaults(c);
	*p = c->pol;
	free(c);
}

int
policy_parse(struct policy *p, const char *text, size_t len, const char *origin,
    struct buf *err)
{
	struct config *c = xmalloc(sizeof *c);
	int r;

	config_defaults(c);
	c->pol = *p;
	r = config_parse(c, text, len, origin, err);
	if (r == 0)
		*p = c->pol;
	free(c);
	return r;
}

int
policy_load_file(struct policy *p, const char *path, struct buf *err)
{
	struct config *c = xmalloc(sizeof *c);
	int r;

	config_defaults(c);
	c->pol = *p;
	r = config_load_file(c, path, err);
	if (r == 0)
		*p = c->pol;
	free(c);
	return r;
}
