/*
 * receipt_read - the one reader of a receipt that this process did not
 * write itself: a sandboxed worker's answer, a receipt handed to the store
 * owner by an agent or the milter, a receipt file given to `quarantine
 * import`.  Such a receipt is untrusted input (OpenSMTPD's rule for a
 * peer's answer): it is parsed strictly (one JSON object, valid UTF-8, no
 * NUL, duplicate keys refused, jansson's depth limit), its shape is checked
 * against the schema in docs/receipt.md, and only the fields the gateway
 * acts on are taken out, each bounded by RECEIPT_FIELD_MAX.  Nothing reads
 * a receipt with strstr or a scanner of its own.
 *
 * Errors: -1 with the reason in why; never dies on bad input.
 */
#ifndef SEKISHO_RECEIPT_RECEIPT_READ_H
#define SEKISHO_RECEIPT_RECEIPT_READ_H

#include <stddef.h>

#include "core/buf.h"
#include "core/digest.h"
#include "receipt/receipt.h"

#define RECEIPT_FIELD_MAX 4096	/* a longer string field is cut (at a character) */
#define RECEIPT_REASON_MAX 64	/* reason codes are short words */
#define RECEIPT_READ_MAX ((size_t)64 * 1024 * 1024)	/* a larger receipt is refused */

/* What a receipt says, as far as the gateway acts on it.  The strings are
 * owned (receipt_view_free) and NULL where the receipt has null. */
struct receipt_view {
	char id[RECEIPT_ID_MAX];
	long long time;			/* seconds since the epoch */
	int is_file;			/* kind "file" (else "mail") */
	enum verdict verdict;
	char reason[RECEIPT_REASON_MAX];	/* "" when sanitised */
	char *detail;
	char in_sha256[SHA256_HEX_LEN + 1];	/* "" when not read whole */
	unsigned long long in_bytes;
	char *message_id, *from, *to, *subject, *filename;
	char *out_filename;		/* a file's: what its first part became */
	int has_output;
	char out_sha256[SHA256_HEX_LEN + 1];
	unsigned long long out_bytes;
	char policy_digest[SHA256_HEX_LEN + 1];
	int is_outbound;		/* kind "outbound": a message leaving */
	char outbound_action[8];	/* "pass", "bcc", "hold", "reject", "delay" */
	size_t outbound_findings;	/* listed and not listed */
	size_t outbound_individual;	/* listed, by kind */
	size_t outbound_corporate;
	size_t outbound_uninspectable;	/* a picture's "no-text" not counted */
	size_t outbound_terms;		/* the operator's words (dlp_terms) */
};

int receipt_read(const char *json, size_t len, struct receipt_view *v, struct buf *why);
void receipt_view_free(struct receipt_view *v);
/*
 * The extension a sanitised file's receipt gives its output (".pdf",
 * ".docx", ...), if it is one sekisho writes; NULL otherwise (the receipt is
 * untrusted: any other ending is ignored).
 */
const char *receipt_output_ext(const struct receipt_view *v);
/* A record's time, "2026-11-21T09:30:00Z" exactly, as seconds.  0 or -1. */
int receipt_parse_time(const char *s, long long *t);

#endif
