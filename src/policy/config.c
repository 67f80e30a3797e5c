/*
 * config - the configuration table: every setting's name, type, default,
 * range and documentation, in one place (Redis config.c, Postfix
 * mail_params.h).  Parsing is strict: unknown names, bad values and values out
 * of range are errors that name the file and line.  The same rows make "config
 * check"'s listing and the reference (config_reference(): docs/configuration.md,
 * and with the Japanese descriptions of config_doc_ja.c docs/configuration.ja.md),
 * so a default, a range or a meaning is written once.
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
	  "largest message accepted, in bytes as it came (`k`, `m`, `g` suffixes: powers of 1024), "
	  "checked before anything parses it; larger is withheld (the SMTP listener refuses it with 552 "
	  "instead)" },
	{ "header_size_limit", C_SIZE, POL(lim.header_bytes), "1m", 1 * KiB, 64 * MiB, NULL,
	  "largest top-level header block of a message (the raw bytes up to the first empty line); "
	  "larger is withheld" },
	{ "line_length_limit", C_SIZE, POL(lim.line_bytes), "4m", 998, 256 * MiB, NULL,
	  "longest line of the raw message; longer is withheld" },
	{ "mime_part_limit", C_COUNT, POL(lim.parts), "1000", 1, 100000, NULL,
	  "most MIME entities in one message, containers included; more is withheld" },
	{ "mime_nesting_limit", C_COUNT, POL(lim.nesting), "32", 1, 100, NULL,
	  "deepest nesting of multiparts and attached messages; deeper is withheld" },
	{ "text_size_limit", C_SIZE, POL(lim.text_bytes), "32m", 1 * KiB, 1 * GiB, NULL,
	  "most decoded text in one sanitised message, or in one text or HTML file; more is withheld" },
	{ "html_depth_limit", C_COUNT, POL(lim.html_depth), "256", 8, 100000, NULL,
	  "deepest element nesting in one HTML part or HTML file; deeper HTML is withheld, never shown "
	  "cut short (outbound inspection inspects the text before the limit and counts the limit as "
	  "something it could not inspect)" },
	{ "html_node_limit", C_COUNT, POL(lim.html_nodes), "1000000", 100, 100000000, NULL,
	  "most elements in one HTML part or HTML file; more is withheld" },
	{ "time_limit", C_SECONDS, POL(lim.seconds), "30", 1, 3600, NULL,
	  "most seconds for one item (wall clock in the parent, CPU in the worker); then it is withheld" },
	{ "memory_limit", C_SIZE, POL(lim.memory_bytes), "1g", 64 * MiB, 64 * GiB, NULL,
	  "address space of one sandboxed worker; an image or PDF that would need more is withheld with "
	  "this limit named" },
	{ "output_charset", C_ENUM, POL(out_charset), "utf-8", 0, 0, out_charsets,
	  "charset of the sanitised message: `utf-8` (sent base64) or `iso-2022-jp` (sent 7bit, for old "
	  "clients; characters it cannot carry become 〓)" },
	{ "notice_language", C_ENUM, POL(lang), "ja", 0, 0, langs,
	  "language of the notice at the top of each sanitised message" },
	{ "on_ambiguous", C_ENUM, POL(on_ambiguous), "rebuild", 0, 0, ambig,
	  "input that other software would read differently (GMime's `GMIME_CRIT_*` class; \"What counts "
	  "as ambiguous\" in docs/configuration.md lists the cases): `rebuild` delivers sekisho's "
	  "rebuild of what it read, the notice naming each irregularity in plain words; `withhold` "
	  "withholds it" },
	{ "prefer_plain_text", C_BOOL, POL(prefer_plain), "yes", 0, 0, NULL,
	  "in `multipart/alternative`, show the sender's text/plain instead of rendering the HTML" },
	{ "show_link_urls", C_BOOL, POL(show_urls), "yes", 0, 0, NULL,
	  "render HTML links as `text <URL>`" },
	{ "defang_urls", C_BOOL, POL(defang_urls), "no", 0, 0, NULL,
	  "write URLs as `hxxp://example[.]com` so that they cannot be clicked" },
	{ "keep_headers", C_HEADERS, POL(n_keep_headers), "", 0, 0, NULL,
	  "extra headers carried over to the sanitised message (decoded and re-encoded like Subject; "
	  "the first of repeated fields). Fields sekisho writes itself (`Date`, `From`, `To`, `Cc`, "
	  "`Reply-To`, `Subject`, `Message-ID`, `In-Reply-To`, `References`, `MIME-Version`, "
	  "`Received`, `Content-*`, `X-Sekisho-*`) and a name listed twice are refused: every field "
	  "appears once in a sanitised message" },
	{ "daemon_user", C_STRING, OFF(daemon_user), "sekisho", 1, SIZEOF(daemon_user), NULL,
	  "sekishod: the existing system user every sekishod process but the master runs as when "
	  "sekishod is started as root (never root; scripts/setup and the package create it); checked "
	  "by `config check`, changed by a restart only" },
	{ "worker_user", C_STRING, OFF(worker_user), "sekisho-worker", 1, SIZEOF(worker_user), NULL,
	  "the existing system user the sandboxed workers, their spawners and LibreOffice run as when "
	  "started by root (sekishod, or `sekisho mail`/`file` run as root); not `daemon_user`, never "
	  "root" },
	{ "listen", C_STRING, OFF(listen), "127.0.0.1:2525", 0, SIZEOF(listen), NULL,
	  "sekishod: address and port of the built-in SMTP/LMTP listener (HOST:PORT)" },
	{ "metrics_listen", C_STRING, OFF(metrics_listen), "127.0.0.1:9125", 0, SIZEOF(metrics_listen), NULL,
	  "sekishod: the Prometheus metrics endpoint (`GET /metrics`, docs/metrics.md), HOST:PORT; "
	  "empty: off" },
	{ "listen_protocol", C_ENUM, OFF(listen_lmtp), "smtp", 0, 0, protocols,
	  "sekishod: the protocol the listener speaks (`lmtp`: one reply per recipient after DATA)" },
	{ "hostname", C_STRING, OFF(hostname), "", 0, SIZEOF(hostname), NULL,
	  "sekishod: host name in the greeting, the EHLO reply and the `Received:` header (letters, "
	  "digits, `.`, `-`, `_`); empty: the system's host name" },
	{ "spool_dir", C_PATH, OFF(spool_dir), "/var/spool/sekisho", 0, SIZEOF(spool_dir), NULL,
	  "sekishod: the durable queue of accepted, not yet delivered messages (`incoming/`, `queue/`, "
	  "`active/`), and `private/` with the store owner's socket; owned by `daemon_user`" },
	{ "deliver_to", C_STRING, OFF(deliver_to), "maildir:/var/mail/sekisho/Maildir", 0, SIZEOF(deliver_to), NULL,
	  "sekishod: where the delivery agents hand sanitised mail: `maildir:PATH`, `smtp:HOST:PORT` or "
	  "`lmtp:HOST:PORT`; anything else is a configuration error" },
	{ "journal", C_PATH, OFF(journal), "/var/lib/sekisho/journal.jsonl", 0, SIZEOF(journal), NULL,
	  "sekishod: the hash-chained audit journal of every receipt and every release of an original; "
	  "its signed checkpoints are `<journal>.checkpoints`, torn writes are moved aside to "
	  "`<journal>.torn`" },
	{ "audit_key", C_PATH, OFF(audit_key), "/etc/sekisho/audit.key", 0,
	  SIZEOF(audit_key), NULL,
	  "audit: Ed25519 secret key that signs the journal's checkpoints (mode 0600; a file group or "
	  "others can read is refused). sekishod creates it on its first start, with its public half "
	  "`<audit_key>.pub` for the auditors (`sekisho audit verify -c CONFIG` reads that)" },
	{ "audit_checkpoint_records", C_COUNT, OFF(audit_checkpoint_records), "1000", 1, 100000000, NULL,
	  "audit: a checkpoint is signed once this many journal records are not covered by one (the "
	  "first records of a journal are covered at once)" },
	{ "audit_checkpoint_seconds", C_SECONDS, OFF(audit_checkpoint_seconds), "300", 1, 86400, NULL,
	  "audit: a checkpoint is also signed once the last one is this old and records were added "
	  "since, and on shutdown: while sekishod runs, no record stays uncovered longer than this" },
	{ "journal_rotate_size", C_SIZE, OFF(journal_rotate_size), "1g", 0, 1024 * GiB, NULL,
	  "audit: once the journal is this large it is rotated after a checkpoint: it keeps its "
	  "records under `<journal>.<seq of its last record, 20 digits>` and `<journal>` goes on "
	  "with a record naming that file; `sekisho audit verify` reads every rotated file, oldest "
	  "first, as one chain (keep them all; `sekisho audit rotate` rotates by hand; 0: never)" },
	{ "workers", C_COUNT, OFF(workers), "2", 1, 64, NULL,
	  "sekishod: delivery agents, each with its own sandboxed worker, and the milter's pool of "
	  "workers" },
	{ "max_sessions", C_COUNT, OFF(max_sessions), "100", 1, 10000, NULL,
	  "sekishod: simultaneous SMTP sessions; the next client gets `421 4.3.2` at once while the "
	  "others go on" },
	{ "smtp_timeout", C_SECONDS, OFF(smtp_timeout), "300", 1, 3600, NULL,
	  "sekishod: seconds an SMTP session may wait for the client's next bytes (idle); then `421 "
	  "4.4.2` and closed" },
	{ "smtp_session_timeout", C_SECONDS, OFF(smtp_session_timeout), "1800", 1, 86400, NULL,
	  "sekishod: seconds one SMTP session may last however busy the client keeps it (a deadline, "
	  "not an idle limit); then `421 4.4.2` and closed. A message still being sent then is not "
	  "accepted: the sender retries it" },
	{ "smtp_write_timeout", C_SECONDS, OFF(smtp_write_timeout), "60", 1, 3600, NULL,
	  "sekishod: seconds to send one reply; a client that does not read its replies is dropped" },
	{ "smtp_client_connection_limit", C_COUNT, OFF(smtp_client_limit), "20", 1, 10000, NULL,
	  "sekishod: simultaneous SMTP sessions from one client address (Postfix's "
	  "`smtpd_client_connection_count_limit`); more get `421 4.7.0`, so one address cannot take "
	  "every session" },
	{ "mynetworks", C_NETWORKS, OFF(mynetworks), "127.0.0.0/8, ::1/128", 0,
	  SIZEOF(mynetworks), NULL,
	  "sekishod: clients that may hand mail to the listener, as IPv4/IPv6 networks (`192.0.2.0/24`, "
	  "`10.1.2.3`, `2001:db8::/32`, `[::1]/128`); any other client is greeted `554 5.7.1` and gets "
	  "503 to everything but QUIT. An entry with host bits beyond its prefix (`127.0.0.1/8`) is a "
	  "configuration error; an IPv4 client on an IPv6 socket (`::ffff:192.0.2.1`) matches its IPv4 "
	  "network" },
	{ "relay_domains", C_DOMAINS, OFF(relay_domains), "", 0,
	  SIZEOF(relay_domains), NULL,
	  "sekishod: recipient domains the listener accepts mail for (`example.lg.jp`; `.example.lg.jp` "
	  "for every domain below it); other recipients get `554 5.7.1 Relay access denied`. Empty (the "
	  "default) refuses every recipient: name the municipality's own domains. A recipient with "
	  "sender-specified routing (`@a:u@b`, or `%`, `!` or `@` in the local part) is refused "
	  "whatever its domain, and so is one without a domain (`postmaster`) or with an address "
	  "literal. Must be empty with `direction = outbound`" },
	{ "smtp_tls_cert_file", C_PATH, OFF(smtp_tls_cert), "", 0,
	  SIZEOF(smtp_tls_cert), NULL,
	  "sekishod: PEM certificate (chain) for STARTTLS on the listener (TLS 1.2 or later); STARTTLS "
	  "is offered only when this and `smtp_tls_key_file` are set; checked at start, on reload and "
	  "by `config check`; empty: no STARTTLS" },
	{ "smtp_tls_key_file", C_PATH, OFF(smtp_tls_key), "", 0,
	  SIZEOF(smtp_tls_key), NULL,
	  "sekishod: PEM private key of `smtp_tls_cert_file` (mode 0600), which must match it. A "
	  "command the client pipelines after STARTTLS, before the handshake, is discarded "
	  "(CVE-2011-0411) and the session starts over after the handshake" },
	{ "retry_seconds", C_SECONDS, OFF(retry_seconds), "60", 1, 86400, NULL,
	  "sekishod: first pause after the next hop failed temporarily; it doubles, at most an hour" },
	{ "worker_max_items", C_COUNT, OFF(worker_max_items), "1000", 1, 1000000, NULL,
	  "items one sandboxed worker handles before a fresh one replaces it (a worker also leaves once "
	  "its CPU budget, twice `time_limit`, is spent)" },
	{ "worker_attempts", C_COUNT, OFF(worker_attempts), "3", 1, 100, NULL,
	  "sekishod: tries of a message whose worker keeps dying or running out of time; then it is "
	  "withheld with reason `worker-failed` or `time_limit`" },
	{ "milter_listen", C_STRING, OFF(milter_listen), "", 0, SIZEOF(milter_listen), NULL,
	  "sekishod: where its milter process (`sk-milter`) listens for Postfix's `smtpd_milters`: "
	  "`inet:HOST:PORT` or `unix:/path` (libmilter's `inet:PORT@HOST` also); empty: off. Each "
	  "message is sanitised by one of `workers` sandboxed workers: sanitised, Postfix delivers only "
	  "the sanitised form; withheld (also past `message_size_limit`), it is discarded, its original "
	  "in quarantine; a worker, quarantine or journal failure refuses it for now (451), the sender "
	  "retries, and after `worker_attempts` worker failures it is withheld. Set "
	  "`milter_default_action = tempfail` in Postfix. A Unix socket is made mode 0666: control "
	  "access with its folder's permissions (examples/postfix-milter/). With `direction = outbound` "
	  "the milter inspects instead" },
	{ "direction", C_ENUM, OFF(direction), "inbound", 0, 0, directions,
	  "sekishod: what the milter does: `inbound` sanitises mail from the internet side; `outbound` "
	  "inspects mail leaving (個人番号 and 法人番号, what cannot be inspected, many outside recipients; "
	  "docs/outbound.md) and passes it, hides its recipients, holds it or rejects it. `outbound` "
	  "needs `milter_listen` and an empty `relay_domains` (the listener sanitises, which is for "
	  "inbound mail)" },
	{ "dlp_keywords", C_TERMS, POL(dlp_keywords), "", 0, 0, NULL,
	  "outbound inspection: more words that make a 12-digit number near them (within 300 "
	  "characters, or in its column header) a 個人番号 at high confidence, beside the built-in ones "
	  "(個人番号, マイナンバー, My Number, 通知カード); also used by `sekisho dlp scan`" },
	{ "dlp_other_labels", C_TERMS, POL(dlp_other_labels), "", 0, 0, NULL,
	  "outbound inspection: more labels of numbers that are something else, beside the built-in "
	  "ones (注文番号, 受付番号, 整理番号, TEL, 〒, …): a number just after one on its line is not a 個人番号" },
	{ "dlp_terms", C_TERMS, POL(dlp_terms), "", 0, 0, NULL,
	  "outbound inspection: words whose presence is a finding of kind `term`: classification labels "
	  "(機密性3, 取扱注意; found in a subject `[機密性3]` as anywhere), project names. ASCII case is ignored; "
	  "each word is one finding per text it is in" },
	{ "outbound_term_action", C_ENUM, OFF(outbound_term_action), "hold", 0, 0, finding_actions,
	  "outbound: a message with one of `dlp_terms` for an outside recipient: `hold`, `reject` or "
	  "`pass`" },
	{ "outbound_local_domains", C_DOMAINS, OFF(outbound_local_domains), "", 0,
	  SIZEOF(outbound_local_domains), NULL,
	  "outbound: the organisation's own domains (`example.lg.jp`; `.example.lg.jp` for every domain "
	  "below it); a recipient anywhere else, or without a domain, is outside; empty: every domain "
	  "is outside" },
	{ "outbound_trusted_destinations", C_DOMAINS, OFF(outbound_trusted_destinations), "", 0,
	  SIZEOF(outbound_trusted_destinations), NULL,
	  "outbound: outside domains findings may go to (a partner body over LGWAN, a 一部事務組合; written "
	  "as in `outbound_local_domains`): mail for them and inside recipients only is recorded, not "
	  "acted on; the To/Cc limit still counts them as outside" },
	{ "outbound_trusted_senders", C_STRING, OFF(outbound_trusted_senders), "", 0,
	  SIZEOF(outbound_trusted_senders), NULL,
	  "outbound: senders with a legitimate flow, comma-separated: addresses "
	  "(`kokuho@town.example.lg.jp`) or domains (`.zeimu.town.example.lg.jp`, as in "
	  "`outbound_local_domains`); their findings are recorded, not acted on; the To/Cc limit still "
	  "applies" },
	{ "outbound_number_action", C_ENUM, OFF(outbound_number_action), "hold", 0, 0,
	  finding_actions,
	  "outbound: a 個人番号 or 法人番号 at `outbound_number_confidence` or above, in a message for an "
	  "outside recipient: `hold` keeps it for approval (in Postfix's hold queue, or with "
	  "`outbound_release_to` in sekisho's quarantine only, decided in the console), `reject` "
	  "refuses it (550 with the 受付番号), `pass` lets it go with its record" },
	{ "outbound_number_confidence", C_ENUM, OFF(outbound_number_confidence), "medium", 0, 0,
	  confidences,
	  "outbound: the least confidence of a number finding that `outbound_number_action` acts on; "
	  "lower ones are recorded only. `low` (a check digit alone) also stops about one in eleven "
	  "random 12-digit numbers" },
	{ "outbound_uninspectable_action", C_ENUM, OFF(outbound_uninspectable_action), "reject",
	  0, 0, finding_actions,
	  "outbound: a message for an outside recipient holding something that cannot be inspected (an "
	  "encrypted zip, i.e. PPAP; a limit; a format without text): `hold`, `reject` or `pass`" },
	{ "outbound_check_internal", C_BOOL, OFF(outbound_check_internal), "no", 0, 0, NULL,
	  "outbound: act on findings in mail for inside recipients only too; `no`: such mail passes and "
	  "its findings are recorded" },
	{ "outbound_visible_outside_limit", C_COUNT, OFF(outbound_visible_outside_limit), "10", 0,
	  100000, NULL,
	  "outbound: most outside addresses a message may show in To and Cc; more is "
	  "`outbound_many_outside_action` (0: no limit)" },
	{ "outbound_many_outside_action", C_ENUM, OFF(outbound_many_outside_action), "bcc", 0, 0,
	  many_actions,
	  "outbound: a message over `outbound_visible_outside_limit`: `bcc` replaces To and Cc by "
	  "`undisclosed-recipients:;` (every recipient still gets it and sees none of the others), "
	  "`hold` or `reject`" },
	{ "outbound_release_to", C_STRING, OFF(outbound_release_to), "", 0,
	  SIZEOF(outbound_release_to), NULL,
	  "outbound: where a held message goes once approved in the staff console: `smtp:HOST:PORT` or "
	  "`lmtp:HOST:PORT`, a listener of the submission Postfix without the milter (`-o "
	  "smtpd_milters=`). Set, sekisho keeps held messages itself (Postfix discards its copy), tells "
	  "the sender, and the sender asks for approval or recalls them in the console (needs "
	  "`direction = outbound` and `console_listen`); empty: held messages wait in Postfix's hold "
	  "queue (`postsuper -H`)" },
	{ "outbound_delay", C_COUNT, OFF(outbound_delay), "0", 0, 86400, NULL,
	  "outbound (誤送信防止): seconds a message for outside recipients that would pass waits before it "
	  "leaves, so that its sender can recall it (or send it at once) in the console; sekisho sends "
	  "it when its time comes (recorded as `send`, by `sekisho`). Needs `outbound_release_to`; mail "
	  "for inside recipients only, and mail whose To and Cc are hidden (`bcc`), leave at once; 0: "
	  "none" },
	{ "outbound_confirm_new_recipients", C_BOOL, OFF(outbound_confirm_new), "no", 0, 0, NULL,
	  "outbound (誤送信防止): a waiting message (`outbound_delay`) with an outside address its sender "
	  "has never sent to through sekisho does not leave by itself: its sender is mailed (【送信確認】, "
	  "naming the new addresses) and sends or recalls it in the console. An address is known once a "
	  "message to it was sent on by sekisho (table `outbound_known`). Needs `outbound_delay`" },
	{ "transfer_in_dir", C_PATH, OFF(transfer_in_dir), "", 0, SIZEOF(transfer_in_dir), NULL,
	  "transfer: the internet side's drop folders, `transfer_in_dir/USER/`, one per user named by "
	  "the user's mail address (with `direction = outbound`: the LGWAN side's, and files are "
	  "inspected by the outbound checks instead of sanitised: passed as they came, held for "
	  "approval in the console, or refused with a note `USER/sekisho-返却/NAME.送信保留.txt` or "
	  "`.送信却下.txt`). A regular file put there is taken into the spool, then removed; it comes out "
	  "sanitised in the user's folder under `transfer_out_dir`, its original quarantined. What "
	  "cannot be taken is answered in `USER/sekisho-返却/` with a note `NAME.理由.txt`: a file past "
	  "`file_size_limit` or a hard link to a file elsewhere is moved there, a symbolic link or a "
	  "device removed (never followed). Empty: off" },
	{ "transfer_out_dir", C_PATH, OFF(transfer_out_dir), "", 0, SIZEOF(transfer_out_dir), NULL,
	  "transfer: the LGWAN side's folders, `transfer_out_dir/USER/` (made when missing): the "
	  "sanitised file (its extension what it became, `-2`… when the name is taken) and "
	  "`NAME.receipt.json`; a withheld file's notice `NAME.保留.txt` (Japanese, then English, with "
	  "the console link). Needed with `transfer_in_dir`; neither may be inside the other or hold "
	  "`spool_dir`" },
	{ "transfer_settle_seconds", C_SECONDS, OFF(transfer_settle_seconds), "2", 0, 3600, NULL,
	  "transfer: a dropped file is taken once neither its modification nor its change time has "
	  "moved for this long (a copy still being written is left alone)" },
	{ "transfer_scan_seconds", C_SECONDS, OFF(transfer_scan_seconds), "10", 1, 3600, NULL,
	  "transfer: the folders are looked through at least this often, besides inotify's "
	  "notifications (a network share may send none)" },
	{ "transfer_approval", C_BOOL, OFF(transfer_approval), "no", 0, 0, NULL,
	  "transfer: a sanitised file is not delivered until an approver allows it in the staff "
	  "console: it waits in `transfer_out_dir/.sekisho-承認待ち/受付番号/` (mode 0700, out of every user's "
	  "sight) with its receipt, and the note `NAME.承認待ち.txt` in the user's folder says so; the user "
	  "asks for it on the item's page, the approver approves with a fresh TOTP code, and the file "
	  "moves into the folder (its original may then be taken too). A withheld file is answered as "
	  "without approval" },
	{ "transfer_upload_limit", C_SIZE, OFF(transfer_upload_limit), "25m", 0, 1 * GiB, NULL,
	  "transfer: the largest file a staff member may bring in on the console's ファイルの持ち込み page "
	  "(`/upload`); it is put into the drop folder of one of the user's addresses and crosses like "
	  "a file put there (sanitised, or with `direction = outbound` inspected), `file_size_limit` "
	  "still applying; at most 4 uploads are read at once; 0: no upload page" },
	{ "console_listen", C_STRING, OFF(console_listen), "", 0, SIZEOF(console_listen), NULL,
	  "console: address and port where the staff console serves HTTPS (HOST:PORT: `127.0.0.1:8443`, "
	  "or a terminal network's address for the staff); empty: off. HTTPS only: `config check` "
	  "refuses it without `console_tls_cert_file` and `console_tls_key_file`" },
	{ "console_user", C_STRING, OFF(console_user), "sekisho-web", 1, SIZEOF(console_user), NULL,
	  "console: the system user the HTTP process runs as when sekishod starts as root (not "
	  "`daemon_user` or `worker_user`, never root); it holds no key and opens no database" },
	{ "console_tls_cert_file", C_PATH, OFF(console_tls_cert), "", 0, SIZEOF(console_tls_cert), NULL,
	  "console: PEM certificate (chain) of the console; needed with `console_listen`" },
	{ "console_tls_key_file", C_PATH, OFF(console_tls_key), "", 0, SIZEOF(console_tls_key), NULL,
	  "console: PEM private key of `console_tls_cert_file` (mode 0600; read by the master before "
	  "the console drops its privileges)" },
	{ "console_url", C_STRING, POL(console_url), "", 0, SIZEOF(pol.console_url), NULL,
	  "console: the address staff use (`https://host[:port]`): each notice links to its item there "
	  "(`…/items/<受付番号>`); empty: notices say to ask the system administrator" },
	{ "console_notify", C_BOOL, OFF(console_notify), "yes", 0, 0, NULL,
	  "console: mail the approvers of a group (their addresses) when one of its staff asks for an "
	  "original, and the staff member when it is decided; sent through `deliver_to`" },
	{ "console_release_to", C_ENUM, OFF(console_release_to), "download", 0, 0, release_to,
	  "console: how an approved original reaches its staff: `download` (from the console), "
	  "`mailbox` (delivered again, as it came, to their addresses through `deliver_to`) or `both`; "
	  "each is a recorded release (`download` or `redeliver`)" },
	{ "console_digest_time", C_STRING, OFF(console_digest_time), "", 0,
	  SIZEOF(console_digest_time), NULL,
	  "console: `HH:MM` (Japan time): once a day at this time (or at the first look after it, when "
	  "sekishod was down then) each approver and operator with an address and pending requests they "
	  "may decide is mailed a digest of them; with several nodes one claims the day; empty: no "
	  "digest" },
	{ "console_page_size", C_COUNT, OFF(console_page_size), "50", 10, 500, NULL,
	  "console: items on one page of a list, newest first; the page ends with a link to the older "
	  "ones (the API: an RFC 8288 `Link: <…>; rel=\"next\"` header)" },
	{ "console_unlock_attempts", C_COUNT, OFF(console_unlock_attempts), "5", 1, 100, NULL,
	  "console: wrong passwords counted for one encrypted attachment (PPAP) before the console "
	  "refuses to try again (`sekisho quarantine export` at the server remains)" },
	{ "console_release_malware", C_ENUM, OFF(console_release_malware), "never", 0, 0,
	  malware_release,
	  "console: an item with a virus or a YARA match (reason `virus` or `signature-match`): `never` "
	  "released through the console, or `two-operators` (an operator asks, another operator "
	  "approves)" },
	{ "console_release_approver", C_ENUM, OFF(console_release_approver), "approver", 0, 0,
	  release_approvers,
	  "console: who approves the other requests: `approver` (an approver of the requester's group, "
	  "or an operator) or `operator` (operators only)" },
	{ "console_self_release", C_STRING, OFF(console_self_release), "", 0,
	  SIZEOF(console_self_release), NULL,
	  "console: rebuild methods (`rasterize`, `re-encode`, `rebuild`, `transcode`, …; "
	  "comma-separated) whose originals staff take without approval, when every attachment of the "
	  "item was kept, rebuilt by one of them, and none removed; still recorded as request, approve "
	  "(`self-service`) and download; empty: none" },
	{ "console_ldap_uri", C_STRING, OFF(console_ldap_uri), "", 0, SIZEOF(console_ldap_uri), NULL,
	  "console: the LDAP or Active Directory server that checks the passwords of accounts made with "
	  "`sekisho user add --ldap` (`ldaps://host` or `ldap://host[:port]`; their role, group, "
	  "addresses and TOTP stay local); empty: none" },
	{ "console_ldap_bind", C_STRING, OFF(console_ldap_bind), "", 0, SIZEOF(console_ldap_bind), NULL,
	  "console: the name to bind as, with exactly one `%s` for the account's name "
	  "(`uid=%s,ou=people,dc=town,dc=example,dc=lg,dc=jp`; for Active Directory "
	  "`%s@town.example.lg.jp`)" },
	{ "console_ldap_starttls", C_BOOL, OFF(console_ldap_starttls), "yes", 0, 0, NULL,
	  "console: StartTLS on an `ldap://` server; `no` sends the password in clear (only on a "
	  "loopback or a protected segment)" },
	{ "console_ldap_ca_file", C_PATH, OFF(console_ldap_ca), "", 0, SIZEOF(console_ldap_ca), NULL,
	  "console: PEM CA certificates that sign the directory's certificate (empty: the system's)" },
	{ "withheld_notice", C_BOOL, OFF(withheld_notice), "no", 0, 0, NULL,
	  "sekishod: for a withheld message the listener's delivery agents deliver a short notice "
	  "instead (sender, subject, reason, 受付番号 and the console link), so that staff know what did "
	  "not reach them" },
	{ "console_language", C_ENUM, OFF(console_language), "ja", 0, 0, langs,
	  "console: language of the pages unless the user picks the other one (the link in the header)" },
	{ "console_totp_staff", C_BOOL, OFF(console_totp_staff), "yes", 0, 0, NULL,
	  "console: staff log in with a TOTP code as well as the password (approvers, operators and "
	  "auditors always do)" },
	{ "console_login_failures", C_COUNT, OFF(console_login_failures), "5", 1, 1000, NULL,
	  "console: failed logins in a row that lock an account" },
	{ "console_lockout_seconds", C_SECONDS, OFF(console_lockout_seconds), "900", 1, 864000, NULL,
	  "console: how long a locked account stays locked (`sekisho user password NAME` unlocks it at "
	  "once, with a new password)" },
	{ "console_idle_timeout", C_SECONDS, OFF(console_idle_timeout), "1800", 60, 86400, NULL,
	  "console: seconds without a request after which a session ends" },
	{ "console_session_lifetime", C_SECONDS, OFF(console_session_lifetime), "28800", 60, 604800, NULL,
	  "console: seconds after login after which a session ends, however busy" },
	{ "console_password_memory", C_SIZE, OFF(console_password_memory), "64m", 8 * MiB, 1 * GiB, NULL,
	  "console: memory of one argon2id password check (more is slower to guess, and each login "
	  "costs it)" },
	{ "console_download_limit", C_SIZE, OFF(console_download_limit), "64m", 1 * MiB, 4 * GiB, NULL,
	  "console: largest original the console hands out (larger ones: `sekisho quarantine export`)" },
	{ "quarantine_dir", C_PATH, OFF(quarantine_dir), "/var/lib/sekisho/quarantine", 0,
	  SIZEOF(quarantine_dir), NULL,
	  "quarantine: folder of the encrypted originals, one file per distinct content "
	  "(`ab/<sha256>.sk`, mode 0700)" },
	{ "quarantine_db", C_PATH, OFF(quarantine_db), "/var/lib/sekisho/quarantine.db", 0,
	  SIZEOF(quarantine_db), NULL,
	  "quarantine: SQLite database of the quarantined items' metadata (mode 0600); used when "
	  "`quarantine_backend = sqlite`" },
	{ "quarantine_backend", C_ENUM, OFF(quarantine_backend), "sqlite", 0, 0, qbackends,
	  "quarantine: where the metadata lives: `sqlite` (one node) or `postgresql` (shared by several "
	  "nodes, same schema)" },
	{ "quarantine_pg", C_STRING, OFF(quarantine_pg), "", 0,
	  SIZEOF(quarantine_pg), NULL,
	  "quarantine: with `quarantine_backend = postgresql`, the libpq connection string "
	  "(`host=127.0.0.1 port=5432 dbname=sekisho user=sekisho`; `connect_timeout` defaults to 10 "
	  "s). Keep the password out of it, in a password file (`passfile=PATH`, or the daemon user's "
	  "`~/.pgpass`, mode 0600): `config check` prints this setting. `config check` refuses a "
	  "`password=` keyword and a `postgresql://user:password@` address, but not a password in an "
	  "address's query (`?password=`), which it accepts and prints; opening the store (sekishod, "
	  "`sekisho quarantine`) refuses a password in any form" },
	{ "quarantine_key", C_PATH, OFF(quarantine_key), "/etc/sekisho/quarantine.key", 0,
	  SIZEOF(quarantine_key), NULL,
	  "quarantine: key file, mode 0600 (`sekisho quarantine keygen` makes one); a file group or "
	  "others can read is refused" },
	{ "quarantine_inline_limit", C_SIZE, OFF(quarantine_inline_limit), "256k", 0, 16 * MiB, NULL,
	  "quarantine: originals up to this size are kept in the metadata database (table `blobs`), "
	  "written with their row in one transaction; larger ones are files in `quarantine_dir`; 0: "
	  "every original a file. Changing it never hides what was stored before (docs/quarantine.md)" },
	{ "quarantine_retention_days", C_COUNT, OFF(quarantine_retention_days), "1827", 1, 36500,
	  NULL,
	  "quarantine: days an item is kept (1827: five years); `sekisho quarantine expire` removes "
	  "older ones. Each item's expiry is fixed when it is stored" },
	{ "attachments", C_ENUM, POL(attachments), "sanitize", 0, 0, attach_modes,
	  "mail attachments: `sanitize` rebuilds each one and keeps what could be made harmless (the "
	  "rest is removed and listed), `remove` removes them all" },
	{ "file_size_limit", C_SIZE, POL(lim.file_bytes), "256m", 1 * KiB, 4 * GiB, NULL,
	  "largest file `sekisho file` reads (and the transfer folders take: a larger one is returned "
	  "with a note); larger is withheld with this limit named" },
	{ "file_output_size_limit", C_SIZE, POL(lim.file_out_bytes), "512m", 64 * KiB, 4 * GiB, NULL,
	  "largest sanitised file (a rasterised PDF grows); for mail, all kept attachments together. "
	  "Past it a file is withheld, a mail attachment removed" },
	{ "pdf_mode", C_ENUM, POL(pdf_mode), "rasterize", 0, 0, pdf_modes,
	  "PDF: `rasterize` turns pages into images (the file equivalent of 画面転送); `rebuild` makes a "
	  "new PDF keeping text and vectors, every active object removed" },
	{ "pdf_resolution", C_COUNT, POL(pdf_dpi), "150", 36, 600, NULL,
	  "PDF rasterize: dots per inch of the page images" },
	{ "pdf_jpeg_quality", C_COUNT, POL(pdf_jpeg_quality), "85", 10, 100, NULL,
	  "PDF rasterize: JPEG quality of the page images" },
	{ "pdf_text_layer", C_BOOL, POL(pdf_text_layer), "yes", 0, 0, NULL,
	  "PDF rasterize: keep the original's decoded text as an invisible layer, so that the PDF can "
	  "be searched and copied from" },
	{ "tesseract", C_PATH, OFF(tesseract), "/usr/bin/tesseract", 0,
	  SIZEOF(tesseract), NULL,
	  "tesseract program, reserved for OCR of scanned pages: not used yet (nothing runs it)" },
	{ "pdf_page_limit", C_COUNT, POL(lim.pdf_pages), "500", 1, 100000, NULL,
	  "most pages in one PDF; past it a file is withheld, a mail attachment removed" },
	{ "image_pixel_limit", C_COUNT, POL(lim.image_pixels), "100000000", 1000, 4000000000ULL, NULL,
	  "most pixels (width × height) in one image or rendered page, checked from the header before "
	  "decoding; past it a file is withheld, a mail attachment removed" },
	{ "office_part_limit", C_COUNT, POL(lim.office_parts), "10000", 10, 1000000, NULL,
	  "most members in one Office Open XML package" },
	{ "archive_entry_limit", C_COUNT, POL(lim.archive_entries), "10000", 1, 1000000, NULL,
	  "most members in one archive, nested archives counted" },
	{ "archive_total_size_limit", C_SIZE, POL(lim.archive_total), "1g", 1 * KiB, 64 * GiB, NULL,
	  "most unpacked bytes of one archive, nested archives counted" },
	{ "archive_entry_size_limit", C_SIZE, POL(lim.archive_entry_bytes), "256m", 1 * KiB, 16 * GiB, NULL,
	  "largest unpacked member of an archive (counted while unpacking, not taken from the header)" },
	{ "archive_ratio_limit", C_COUNT, POL(lim.archive_ratio), "100", 2, 100000, NULL,
	  "highest unpacked-to-packed size ratio of a member (decompression bombs)" },
	{ "archive_depth_limit", C_COUNT, POL(lim.archive_depth), "4", 1, 32, NULL,
	  "deepest nesting of archives inside archives" },
	{ "text_output_charset", C_ENUM, POL(text_charset), "utf-8", 0, 0, text_charsets,
	  "charset of sanitised text and CSV files" },
	{ "csv_bom", C_BOOL, POL(csv_bom), "yes", 0, 0, NULL,
	  "start UTF-8 CSV files with a byte order mark, so that Japanese Excel opens them correctly" },
	{ "legacy_office", C_ENUM, POL(legacy_office), "convert", 0, 0, legacy_modes,
	  "doc/xls/ppt, RTF and OpenDocument files: `convert` them with LibreOffice (macros disabled, "
	  "no network, in its own sandboxed process) to a PDF that is then rasterised, or `withhold` "
	  "them" },
	{ "libreoffice", C_PATH, OFF(libreoffice), "/usr/bin/soffice", 0,
	  SIZEOF(libreoffice), NULL,
	  "LibreOffice program for `legacy_office = convert`; when missing, such files are withheld "
	  "with a reason saying so" },
	{ "clamd_socket", C_PATH, OFF(clamd_socket), "", 0,
	  SIZEOF(clamd_socket), NULL,
	  "clamd's unix socket: every item is scanned before and after sanitising; a signature (reason "
	  "`virus`) or no verdict (reason `scan-failed`: clamd down, its `StreamMaxLength` exceeded) "
	  "withholds it; empty: no scan" },
	{ "yara_rules", C_PATH, POL(yara_rules), "", 0,
	  SIZEOF(pol.yara_rules), NULL,
	  "folder of YARA rules (`*.yar`, `*.yara`), compiled when a worker starts: a match before or "
	  "after sanitising withholds the file (reason `signature-match`, the rule named); rules that "
	  "do not compile are a configuration error; empty: none" },
	{ "alert_to", C_STRING, OFF(alert_to), "", 0, SIZEOF(alert_to), NULL,
	  "alerts: the operator's mail address; sekishod mails it through deliver_to when a health check turns bad (clamd unreachable, the queue too old, the disk too full, workers dying, the journal failing verification), once per condition, and again when it recovers (empty: no alert mail; sekisho status still tells)" },
	{ "alert_check_seconds", C_SECONDS, OFF(alert_check_seconds), "30", 5, 3600, NULL,
	  "alerts: how often sekishod runs its health checks" },
	{ "alert_queue_minutes", C_COUNT, OFF(alert_queue_minutes), "30", 1, 10080, NULL,
	  "alerts: an item waiting in the spool longer than this many minutes is an alert (the next hop or the workers are stuck)" },
	{ "alert_disk_percent", C_COUNT, OFF(alert_disk_percent), "10", 0, 99, NULL,
	  "alerts: less free space than this percentage on the spool's, the quarantine's or the journal's file system is an alert (0: not checked)" },
	{ "alert_worker_deaths", C_COUNT, OFF(alert_worker_deaths), "10", 0, 100000, NULL,
	  "alerts: more sandboxed workers than this dying (crash, time or memory limit) within an hour is an alert (0: not checked)" },
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

/* A size the way config check prints it: with the largest of g, m, k that
 * divides it (0 is "0g": the canonical listing, and so the policy digest,
 * has always said so). */
static void
put_size(struct buf *out, uint64_t v)
{
	if (v % GiB == 0)
		buf_printf(out, "%llug", (unsigned long long)(v / GiB));
	else if (v % MiB == 0)
		buf_printf(out, "%llum", (unsigned long long)(v / MiB));
	else if (v % KiB == 0)
		buf_printf(out, "%lluk", (unsigned long long)(v / KiB));
	else
		buf_printf(out, "%llu", (unsigned long long)v);
}

static void
print_value(const struct config *c, const struct setting *s, struct buf *out)
{
	const struct policy *p = &c->pol;
	const char *base = (const char *)c;

	switch (s->type) {
	case C_SIZE:
		put_size(out, *(const size_t *)(base + s->offset));
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

/*
 * The reference ("sekisho config reference"): the table as Markdown, so that
 * docs/configuration.md and docs/configuration.ja.md are made from the rows
 * config_parse() checks against and cannot drift from them.  The sections
 * and their order are the documentation's; every setting is in exactly one.
 */
struct section {
	const char *key;		/* --section KEY */
	const char *title_en, *title_ja;
	const char *const *names;	/* NULL-terminated, in the reference's order */
};

static const char *const sec_limits[] = {
	"message_size_limit", "header_size_limit", "line_length_limit", "mime_part_limit",
	"mime_nesting_limit", "text_size_limit", "html_depth_limit", "html_node_limit",
	"time_limit", "memory_limit", NULL
};
static const char *const sec_policy[] = {
	"output_charset", "notice_language", "on_ambiguous", "prefer_plain_text",
	"show_link_urls", "defang_urls", "keep_headers", NULL
};
static const char *const sec_quarantine[] = {
	"quarantine_dir", "quarantine_db", "quarantine_backend", "quarantine_pg",
	"quarantine_key", "quarantine_inline_limit", "quarantine_retention_days", NULL
};
static const char *const sec_sekishod[] = {
	"daemon_user", "worker_user", "spool_dir", "deliver_to", "metrics_listen", "workers",
	"worker_attempts", "retry_seconds", "worker_max_items", NULL
};
static const char *const sec_console[] = {
	"console_listen", "console_user", "console_tls_cert_file", "console_tls_key_file",
	"console_url", "console_language", "console_totp_staff", "console_login_failures",
	"console_lockout_seconds", "console_idle_timeout", "console_session_lifetime",
	"console_password_memory", "console_download_limit", "console_notify",
	"console_release_to", "console_digest_time", "console_page_size",
	"console_unlock_attempts", "console_release_malware", "console_release_approver",
	"console_self_release", "console_ldap_uri", "console_ldap_bind", "console_ldap_starttls",
	"console_ldap_ca_file", "withheld_notice", NULL
};
static const char *const sec_listener[] = {
	"listen", "listen_protocol", "hostname", "mynetworks", "relay_domains", "max_sessions",
	"smtp_client_connection_limit", "smtp_timeout", "smtp_session_timeout",
	"smtp_write_timeout", "smtp_tls_cert_file", "smtp_tls_key_file", NULL
};
static const char *const sec_audit[] = {
	"journal", "audit_key", "audit_checkpoint_records", "audit_checkpoint_seconds",
	"journal_rotate_size", NULL
};
static const char *const sec_milter[] = { "milter_listen", NULL };
static const char *const sec_outbound[] = {
	"direction", "dlp_keywords", "dlp_other_labels", "dlp_terms", "outbound_term_action",
	"outbound_local_domains", "outbound_trusted_destinations", "outbound_trusted_senders",
	"outbound_number_action", "outbound_number_confidence", "outbound_uninspectable_action",
	"outbound_check_internal", "outbound_visible_outside_limit",
	"outbound_many_outside_action", "outbound_release_to", "outbound_delay",
	"outbound_confirm_new_recipients", NULL
};
static const char *const sec_transfer[] = {
	"transfer_in_dir", "transfer_out_dir", "transfer_settle_seconds", "transfer_scan_seconds",
	"transfer_approval", "transfer_upload_limit", NULL
};
static const char *const sec_files[] = {
	"attachments", "file_size_limit", "file_output_size_limit", "pdf_mode", "pdf_resolution",
	"pdf_jpeg_quality", "pdf_text_layer", "tesseract", "pdf_page_limit", "image_pixel_limit",
	"office_part_limit", "archive_entry_limit", "archive_total_size_limit",
	"archive_entry_size_limit", "archive_ratio_limit", "archive_depth_limit",
	"text_output_charset", "csv_bom", "legacy_office", "libreoffice", "clamd_socket",
	"yara_rules", NULL
};
static const char *const sec_alerts[] = {
	"alert_to", "alert_check_seconds", "alert_queue_minutes", "alert_disk_percent",
	"alert_worker_deaths", NULL
};

static const struct section sections[] = {
	{ "limits", "Limits", "制限", sec_limits },
	{ "policy", "Policy", "無害化の方針", sec_policy },
	{ "quarantine", "Quarantine store", "隔離保管", sec_quarantine },
	{ "sekishod", "sekishod: users, spool and delivery",
	  "sekishod: 実行ユーザー、スプール、配送", sec_sekishod },
	{ "console", "Staff console (sekishod, [console](console.md))",
	  "職員コンソール（sekishod、[console](console.md)）", sec_console },
	{ "listener", "Built-in SMTP/LMTP listener (sekishod)",
	  "組み込みの SMTP/LMTP 受信（sekishod）", sec_listener },
	{ "audit", "Audit journal", "監査ジャーナル", sec_audit },
	{ "milter", "Postfix milter (sekishod)", "Postfix のミルター（sekishod）", sec_milter },
	{ "outbound", "Outbound checks (sekishod, `direction = outbound`)",
	  "送信の検査（sekishod、`direction = outbound`）", sec_outbound },
	{ "transfer", "Transfer folders (sekishod, [zones](zones.md))",
	  "ファイルの受け渡しフォルダー（sekishod、[zones](zones.md)）", sec_transfer },
	{ "files", "Files and attachments", "ファイルと添付ファイル", sec_files },
	{ "alerts", "Health and alerts", "稼働監視と警報", sec_alerts },
};

#define NSECTIONS (sizeof sections / sizeof sections[0])

static const struct setting *
find_setting(const char *name)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	}
	return NULL;
}

/* Text into a table cell: a '|' would end the cell, a line break the row. */
static void
put_cell(struct buf *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '|')
			buf_puts(out, "\\|");
		else if (*s == '\n')
			buf_putc(out, ' ');
		else
			buf_putc(out, *s);
	}
}

/* What a value may be, from the row's type, minimum, maximum and choices. */
static void
put_range(struct buf *out, const struct setting *s, int ja)
{
	/* strings: max is the array size, its NUL included */
	unsigned long long len = (unsigned long long)s->max - 1;

	switch (s->type) {
	case C_SIZE:
		if (s->min == 0)
			buf_putc(out, '0');
		else
			put_size(out, s->min);
		buf_puts(out, ja ? "～" : " – ");
		put_size(out, s->max);
		break;
	case C_COUNT:
	case C_SECONDS:
		buf_printf(out, "%llu%s%llu", (unsigned long long)s->min, ja ? "～" : " – ",
		    (unsigned long long)s->max);
		if (s->type == C_SECONDS)
			buf_puts(out, ja ? " 秒" : " seconds");
		break;
	case C_BOOL:
		buf_puts(out, "`yes`, `no`");
		break;
	case C_ENUM:
		for (size_t i = 0; s->choices[i] != NULL; i++)
			buf_printf(out, "%s`%s`", i ? ", " : "", s->choices[i]);
		break;
	case C_STRING:
		/* whether empty is sound is for the meaning to say (listen may
		 * not be, metrics_listen may: config check knows) */
		if (s->min > 0)
			buf_printf(out, ja ? "%llu～%llu バイトの文字列" : "text of %llu to %llu bytes",
			    (unsigned long long)s->min, len);
		else
			buf_printf(out, ja ? "%llu バイトまでの文字列" : "text of at most %llu bytes", len);
		break;
	case C_PATH:
		buf_printf(out, ja ? "%llu バイトまでの絶対パス" : "absolute path of at most %llu bytes",
		    len);
		if (s->def[0] == '\0')
			buf_puts(out, ja ? "、または空" : ", or empty");
		break;
	case C_NETWORKS:
		buf_printf(out, ja ? "IPv4/IPv6 のネットワーク（カンマ区切り、全体で %llu バイトまで）" :
		    "IPv4/IPv6 networks, comma-separated, at most %llu bytes", len);
		break;
	case C_DOMAINS:
		buf_printf(out, ja ? "ドメイン（カンマ区切り、全体で %llu バイトまで）、または空" :
		    "domains, comma-separated, at most %llu bytes, or empty", len);
		break;
	case C_TERMS:
		buf_printf(out, ja ? "語（カンマ区切り）: %d バイトまでの語を %d 個まで" :
		    "words, comma-separated: at most %d of %d bytes", ja ? POLICY_TERM_MAX - 1 :
		    POLICY_TERMS_MAX, ja ? POLICY_TERMS_MAX : POLICY_TERM_MAX - 1);
		break;
	case C_HEADERS:
		buf_printf(out, ja ? "ヘッダー名（カンマ区切り）: %d バイトまでの名前を %d 個まで" :
		    "header names, comma-separated: at most %d of %d bytes",
		    ja ? POLICY_HEADER_NAME_MAX - 1 : POLICY_HEADER_LIST_MAX,
		    ja ? POLICY_HEADER_LIST_MAX : POLICY_HEADER_NAME_MAX - 1);
		break;
	}
}

/* One row: the default as config check prints it, the range, the meaning. */
static void
put_row(struct buf *out, const struct config *def, const struct setting *s, int ja)
{
	struct buf v;

	buf_init(&v, CONFIG_FILE_MAX);
	print_value(def, s, &v);
	buf_printf(out, "| `%s` | ", s->name);
	if (v.len == 0) {
		buf_puts(out, ja ? "（空）" : "(empty)");
	} else {
		buf_putc(out, '`');
		put_cell(out, buf_str(&v));
		buf_putc(out, '`');
	}
	buf_puts(out, " | ");
	put_range(out, s, ja);
	buf_puts(out, " | ");
	put_cell(out, ja ? config_doc_ja(s->name) : s->doc);
	buf_puts(out, " |\n");
	buf_free(&v);
}

/* Every setting in exactly one section, with both descriptions: 0, or 1 with
 * each gap named in err. */
static int
reference_complete(struct buf *err)
{
	unsigned placed[NSETTINGS];
	int r = 0;

	memset(placed, 0, sizeof placed);
	for (size_t k = 0; k < NSECTIONS; k++) {
		for (size_t i = 0; sections[k].names[i] != NULL; i++) {
			const struct setting *s = find_setting(sections[k].names[i]);

			if (s == NULL) {
				buf_printf(err, "section %s: no setting \"%s\"\n", sections[k].key,
				    sections[k].names[i]);
				r = 1;
			} else {
				placed[s - settings]++;
			}
		}
	}
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		const char *ja = config_doc_ja(s->name);

		if (placed[i] != 1) {
			buf_printf(err, "%s: in %u sections of the reference, not one "
			    "(policy/config.c: sections)\n", s->name, placed[i]);
			r = 1;
		}
		if (s->doc == NULL || s->doc[0] == '\0') {
			buf_printf(err, "%s: no English description (policy/config.c)\n", s->name);
			r = 1;
		}
		if (ja == NULL || ja[0] == '\0') {
			buf_printf(err, "%s: no Japanese description (policy/config_doc_ja.c)\n",
			    s->name);
			r = 1;
		}
	}
	/* one problem per line, without a final newline */
	while (err->len > 0 && err->data[err->len - 1] == '\n')
		err->data[--err->len] = '\0';
	return r;
}

int
config_reference(struct buf *out, const char *lang, const char *section, struct buf *err)
{
	struct config *def;
	const struct section *only = NULL;
	int ja, r;

	if (strcmp(lang, "en") == 0 || strcmp(lang, "ja") == 0) {
		ja = lang[0] == 'j';
	} else {
		buf_printf(err, "unknown language \"%s\" (en or ja)", lang);
		return -1;
	}
	if (section != NULL) {
		for (size_t k = 0; k < NSECTIONS; k++) {
			if (strcmp(sections[k].key, section) == 0)
				only = &sections[k];
		}
		if (only == NULL) {
			buf_printf(err, "unknown section \"%s\" (", section);
			for (size_t k = 0; k < NSECTIONS; k++)
				buf_printf(err, "%s%s", k ? ", " : "", sections[k].key);
			buf_putc(err, ')');
			return -1;
		}
	}
	r = reference_complete(err);
	def = xmalloc(sizeof *def);
	config_defaults(def);
	for (size_t k = 0; k < NSECTIONS; k++) {
		const struct section *sec = &sections[k];

		if (only != NULL && sec != only)
			continue;
		if (only == NULL)
			buf_printf(out, "%s## %s\n\n", k ? "\n" : "", ja ? sec->title_ja : sec->title_en);
		buf_puts(out, ja ? "| 設定名 | 既定値 | 範囲・選択肢 | 意味 |\n" :
		    "| name | default | range | meaning |\n");
		buf_puts(out, "|---|---|---|---|\n");
		for (size_t i = 0; sec->names[i] != NULL; i++) {
			const struct setting *s = find_setting(sec->names[i]);

			if (s != NULL)
				put_row(out, def, s, ja);
		}
	}
	free(def);
	return r;
}
