/*
 * walk - visit every part of a parsed message and decide what each becomes.
 *
 * Text parts (text/plain, text/html, delivery reports) become body text;
 * multipart/alternative shows one alternative (the sender's text/plain when
 * policy prefers it, else HTML rendered as text); attached messages are shown
 * inline as forwarded; everything else is an attachment: by policy
 * (attachments = sanitize) it is rebuilt by src/cdr and kept when that
 * succeeds (with its corrected name), otherwise removed - with its decoded
 * name, type from content, size, digest, what was removed and the reason in
 * the receipt.  Part count and nesting are limited; a limit hit
 * is recorded and the walk stops (the caller withholds).  A multipart
 * without a boundary is shown as text (RFC 2045 5.2), and a boundary that
 * begins an enclosing one (or the reverse) is reported to the ambiguity
 * record (mime/ambiguity.h).
 *
 * Content that carries content is walked as what it carries: a text part
 * whose content is really a message (or an mbox) is shown as forwarded
 * messages and walked one level deeper; an attachment that is a message is
 * sanitised as mail by src/cdr's hook (an .eml kept, its parts listed under
 * the attachment's path).  walk_finish() then takes every encoded file
 * (uuencode, BinHex, yEnc...: cdr/encblock.h) out of the body text: a
 * marker line in its place, the decoded file handled as an attachment of
 * the text part it was in (path "<text part>.<n>"), damaged ones removed.
 */
#ifndef SEKISHO_MIME_WALK_H
#define SEKISHO_MIME_WALK_H

#include <gmime/gmime.h>

#include "cdr/cdr.h"
#include "core/buf.h"
#include "mime/compose.h"
#include "policy/policy.h"
#include "receipt/receipt.h"

#define WALK_BOUNDARY_STACK 128	/* > the largest mime_nesting_limit */

struct ambiguity;

/* Where the body text of one part starts (encoded files are its children). */
struct walk_section {
	size_t off;
	char *path;
};

struct walker {
	const struct policy *pol;
	struct cdr_ctx cdr;	/* for attachments: archive depth/totals, item id and time */
	struct walk_section *sections;
	size_t nsections;
	struct receipt *rc;
	struct buf body;	/* UTF-8 body text, ceiling text_size_limit */
	size_t nparts;
	int stopped;		/* a limit was hit */
	int saw_html, saw_plain;
	int is_report;		/* a delivery report (bounce) */
	struct compose_attachment *kept;	/* sanitised attachments to carry */
	size_t nkept, kept_bytes;	/* kept_bytes <= file_output_size_limit */
	struct ambiguity *amb;	/* where nested boundaries are checked, or NULL */
	const char *boundaries[WALK_BOUNDARY_STACK];	/* of the enclosing multiparts */
	size_t nboundaries;
};

void walk_init(struct walker *w, const struct policy *pol, struct receipt *rc);
void walk_free(struct walker *w);
void walk_entity(struct walker *w, GMimeObject *obj, const char *path, size_t depth);
/* After walk_entity(): encoded files out of the body text. */
void walk_finish(struct walker *w);

#endif
