/*
 * findings - the one reader of a worker's inspection answer
 * ("sekisho.findings/1", written by dlp/inspect.c).  The answer is untrusted
 * input: it is parsed strictly (core/jsonread.h), its shape checked, and
 * each finding's fields taken only when they are what they may be: a kind
 * and a confidence from the known words, a "where" of at most
 * INSPECT_WHERE_MAX bytes, and a masked number in exactly the masked form
 * (four asterisk groups and the last four digits) so that an answer
 * carrying a whole number is refused, never printed or recorded.  The
 * text beside the findings (a message's subject, the domains of its To
 * and Cc addresses, each "where") must have its long digit runs masked
 * (dlp_mask_digits): one that does not is refused too.
 *
 * Errors: -1 with the reason in why; never dies on bad input.
 */
#ifndef SEKISHO_DLP_FINDINGS_H
#define SEKISHO_DLP_FINDINGS_H

#include <stddef.h>

#include "core/buf.h"

#define FINDINGS_SCHEMA "sekisho.findings/1"
#define INSPECT_FINDINGS_MAX 1000	/* findings listed in one answer */
#define INSPECT_WHERE_MAX 512		/* bytes of one "where" */
#define INSPECT_SUBJECT_MAX 2048	/* bytes of the subject kept (masked) */
#define INSPECT_DOMAINS_MAX 10000	/* To/Cc addresses counted */
#define INSPECT_DOMAIN_MAX 255		/* bytes of one domain kept */
#define FINDINGS_READ_MAX ((size_t)4 * 1024 * 1024)	/* a larger answer is refused */

struct finding_view {
	char kind[24];		/* individual-number, corporate-number, uninspectable, term */
	char confidence[8];	/* high, medium, low */
	char where[INSPECT_WHERE_MAX + 1];
	char masked[24];	/* "" but for a number */
	char reason[64];	/* "" for a number; term: "term-N", dlp_terms' N-th word */
};

struct findings_view {
	struct finding_view *f;	/* n of them (free with findings_view_free) */
	size_t n;
	unsigned long long not_listed;
	char *subject;		/* a message's subject, masked; NULL: none */
	char *domains;		/* ndomains NUL-terminated domains, one after another */
	size_t ndomains;	/* of the To and Cc addresses ("" for an address without) */
};

/* Read one finding (a JSON object already checked by core/jsonread.h),
 * as in an answer: the receipt's reader uses it for an outbound receipt's
 * findings. */
struct json_value;
int findings_read_one(const struct json_value *o, struct finding_view *f, struct buf *why);
/* Read an answer for item id. */
int findings_read(const char *json, size_t len, const char *id, struct findings_view *v,
    struct buf *why);
void findings_view_free(struct findings_view *v);

#endif
