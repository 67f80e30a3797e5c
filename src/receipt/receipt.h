/*
 * receipt - the one record of what happened to an item.
 *
 * Everything staff, auditors and reports see is rendered from receipts:
 * what came in (digests, sizes, headers), what was done to each part and why
 * (action, reason, policy rule), parser anomalies, limits hit, what went out,
 * and the digest of the policy in force.  receipt_json() writes the JSON form
 * documented in docs/receipt.md with a fixed key order, so the same item under
 * the same policy gives the same bytes (id and time aside).
 * All strings are owned by the receipt (copied in), freed by receipt_free().
 */
#ifndef SEKISHO_RECEIPT_RECEIPT_H
#define SEKISHO_RECEIPT_RECEIPT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/digest.h"

#define RECEIPT_ID_MAX 64
#define RECEIPT_ANOMALIES_MAX 256	/* more are counted, not listed */
#define RECEIPT_IRREGULAR_MAX 48	/* > every kind x field mime/ambiguity.c names */
#define RECEIPT_SCHEMA "sekisho.receipt/1"

/* passed: an outbound message that left as it came (kind "outbound") */
enum verdict { VERDICT_SANITIZED, VERDICT_WITHHELD, VERDICT_PASSED };

/*
 * How a mail item reached sekisho, as the process that received it knows
 * (sekishod's listener, or the milter from its MTA): given to the worker
 * with the item and copied into the receipt's input section.  Printable
 * ASCII only; "" where unknown.
 */
struct receipt_envelope {
	char protocol[16];	/* ESMTP, ESMTPS, SMTP, LMTP, LMTPS, milter */
	char client[64];	/* the client's IP address */
	char helo[256];		/* the name it gave in HELO/EHLO/LHLO */
	char tls[128];		/* "TLSv1.3 TLS_AES_256_GCM_SHA384"; "" in the clear */
	char queue_id[40];	/* the receiving side's queue id */
};

/* Part actions (the receipt's vocabulary). */
#define ACT_TEXT "text"			/* shown as text in the body */
#define ACT_CONVERTED "converted"	/* rendered to text (HTML) */
#define ACT_REMOVED "removed"
#define ACT_KEPT "kept"
#define ACT_WITHHELD "withheld"
#define ACT_SANITIZED "sanitized"	/* a file rebuilt and kept (src/cdr) */

/* Something a file sanitiser removed: kind, how many, some names. */
struct receipt_removal {
	char *what;
	size_t count;
	char *names;
};

struct receipt_part {
	char *path;		/* "1", "1.2", "2.1.1" */
	char *declared_type;
	char *detected_type;
	char *filename;		/* decoded, made safe to show */
	char *filename_flags;	/* comma-separated, or NULL */
	char *charset;		/* declared */
	char *decoded_as;	/* what the text was decoded as */
	size_t bytes;		/* decoded content bytes */
	char sha256[SHA256_HEX_LEN + 1];
	const char *action;
	char *reason;
	char *rule;
	size_t undecodable_bytes;
	int is_attachment;	/* listed in the notice */
	/* set when a file was rebuilt (action "sanitized") */
	char *method;		/* "rasterize", "rebuild", "re-encode"... */
	char *out_type;
	char *out_name;		/* the name it carries now (extension corrected) */
	size_t out_bytes;
	char out_sha256[SHA256_HEX_LEN + 1];
	struct receipt_removal *removed;
	size_t nremoved;
	size_t removed_not_listed;
};

struct receipt_anomaly {
	char *code;
	char *detail;
	long long offset;	/* -1 when unknown */
};

/*
 * One kind of irregular (ambiguous) structure, summarised for people: the
 * parser's critical reports grouped and explained (mime/ambiguity.c).
 */
struct receipt_irregular {
	char *kind;		/* "inner-boundary-prefix", "conflicting-field"... */
	char *field;		/* the header or parameter concerned, or NULL */
	size_t count;
	char *text;		/* plain English */
};

struct receipt_limit {
	char *name;
	unsigned long long limit;
	char *where;
};

/*
 * What the outbound checks found in a message leaving (kind "outbound";
 * daemon/outbound.h): numbers only in their masked form.
 */
struct receipt_finding {
	char *kind, *confidence, *where, *masked, *reason;	/* masked/reason may be NULL */
};
#define RECEIPT_FINDINGS_MAX 1000	/* more are counted, not listed */
struct receipt_outbound {
	const char *action;	/* "pass", "bcc", "hold", "reject", "delay" */
	size_t recipients;	/* envelope recipients */
	size_t outside;		/* of them, outside outbound_local_domains */
	size_t visible_outside;	/* outside addresses in To and Cc */
	struct receipt_finding *findings;
	size_t nfindings;
	unsigned long long findings_not_listed;
};

struct receipt {
	char id[RECEIPT_ID_MAX];
	long long time;		/* seconds since the epoch, UTC */
	const char *kind;	/* "mail" */
	enum verdict verdict;
	char *reason;		/* machine code, set when withheld */
	char *detail;		/* human detail for the reason */
	struct {
		char sha256[SHA256_HEX_LEN + 1];
		size_t bytes;
		char *message_id, *from, *to, *subject;
		char *filename;	/* files: the name the file came with */
		int has_envelope;
		struct receipt_envelope envelope;
	} in;
	int has_output;
	struct {
		char sha256[SHA256_HEX_LEN + 1];
		size_t bytes;
	} out;
	char *body_source;	/* which part became the body, how */
	int rebuilt_ambiguous;	/* delivered despite parser ambiguity (policy/report) */
	struct receipt_irregular irregular[RECEIPT_IRREGULAR_MAX];
	size_t nirregular;
	struct receipt_part *parts;
	size_t nparts, partcap;
	struct receipt_anomaly anomalies[RECEIPT_ANOMALIES_MAX];
	size_t nanomalies, anomalies_dropped;
	struct receipt_limit limits[16];
	size_t nlimits;
	char policy_digest[SHA256_HEX_LEN + 1];
	int has_outbound;	/* kind "outbound" */
	struct receipt_outbound outbound;
};

void receipt_init(struct receipt *r, const char *id, long long time);
void receipt_free(struct receipt *r);
struct receipt_part *receipt_add_part(struct receipt *r, const char *path);
void receipt_anomaly(struct receipt *r, const char *code, const char *detail,
    long long offset);
void receipt_limit(struct receipt *r, const char *name, unsigned long long limit,
    const char *where);
/* Count one more of an irregular-structure kind (field may be NULL); text is
 * kept from the first call for that kind and field. */
void receipt_irregular(struct receipt *r, const char *kind, const char *field,
    size_t count, const char *text);
/* Make r the receipt of a message leaving (kind "outbound"). */
void receipt_set_outbound(struct receipt *r, const char *action, size_t recipients,
    size_t outside, size_t visible_outside);
void receipt_add_finding(struct receipt *r, const char *kind, const char *confidence,
    const char *where, const char *masked, const char *reason);
/* "sanitized", "withheld", "passed" */
const char *receipt_verdict_name(enum verdict v);
/* Mark withheld with a reason code (first reason wins) and detail. */
void receipt_withhold(struct receipt *r, const char *reason, const char *detail);
void receipt_set(char **field, const char *value);
/* Record how the item arrived (env may be NULL: not known, e.g. the CLI). */
void receipt_set_envelope(struct receipt *r, const struct receipt_envelope *env);
void receipt_part_removed(struct receipt_part *p, const char *what, size_t count,
    const char *names);
/*
 * Copy src's parts into dst with paths prefix + "." + path (a message found
 * inside an item: its parts listed under the part that carried it).  They
 * are not listed in dst's notice (is_attachment cleared): the sanitised
 * message carries its own.
 */
void receipt_merge_parts(struct receipt *dst, const struct receipt *src, const char *prefix);
int receipt_json(const struct receipt *r, struct buf *out);
/* A new receipt id "SK-YYYYMMDD-" and 16 random hex digits for time t. */
void receipt_id_new(char *id, size_t n, long long t);
/* "2026-11-21T09:30:00Z" */
void receipt_time_iso(long long t, char *s, size_t n);

#endif
