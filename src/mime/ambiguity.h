/*
 * ambiguity - the parser's critical reports (GMime's GMIME_CRIT_* class:
 * input other software could read differently) grouped into kinds people
 * can read, and what sekisho does about each.
 *
 * sekisho only ever delivers its own rebuild, so a parser differential
 * cannot carry content past it: by default (on_ambiguous = rebuild) such a
 * message is delivered as sekisho read it, and the notice names each kind in
 * plain words.  What each kind becomes (the receipt's irregular_structure):
 *
 *   conflicting-field          From, To, Cc, Reply-To, Subject or Sender
 *                              given again with another value: the first
 *                              is the one shown and written, once
 *   conflicting-content-field  Content-* or MIME-Version given again with
 *                              another value: the structure is GMime's one
 *                              reading of it; the output is sekisho's own
 *   conflicting-parameter      a parameter given again with another value:
 *                              the first is used
 *   invalid-header-line        a line among the header fields that is no
 *                              field: ignored, not shown
 *   empty-part                 a part with neither header nor content (a
 *                              repeated boundary line): nothing to show
 *   inner-boundary-prefix      an inner multipart's boundary is the start
 *                              of an enclosing one's (docomo's デコメール:
 *                              "RHe5pb6n" inside "RHe5pb6n_0_"), so the
 *                              outer delimiter reads as an inner one too;
 *   outer-boundary-prefix      or the other way round.  The stray lines and
 *                              empty parts this causes are counted under
 *                              it, not apart.  (sekisho's own finding; GMime
 *                              does not report the second at all.)
 *   multipart-without-boundary no parts can be told apart: the content is
 *                              shown as text (RFC 2045 5.2 reads an invalid
 *                              Content-Type as text/plain)
 *   nesting-overflow           GMime's own nesting ceiling: always withheld
 *                              (mime_nesting_limit)
 *   unknown                    a report this code does not know: always
 *                              withheld (ambiguous-structure)
 *
 * Bounded: counts, plus a fixed number of stray lines and boundaries kept
 * for the attribution above; past that, reports are counted as they come.
 */
#ifndef SEKISHO_MIME_AMBIGUITY_H
#define SEKISHO_MIME_AMBIGUITY_H

#include <stddef.h>

#include <gmime/gmime.h>

#include "core/buf.h"
#include "policy/policy.h"
#include "receipt/receipt.h"

#define AMBIG_LINE_MAX 80	/* bytes of a stray line or boundary kept */
#define AMBIG_EVENTS_MAX 64	/* stray lines and empty parts kept for attribution */
#define AMBIG_PREFIX_MAX 16	/* boundaries in a prefix relation kept */

struct ambig_event {
	long long offset;
	int empty;		/* an empty part; else an invalid header line */
	int absorbed;		/* an invalid line that opened an empty part */
	char line[AMBIG_LINE_MAX];
};

struct ambiguity {
	size_t critical;	/* every critical report, GMime's and sekisho's own */
	int nesting_overflow;
	int unknown;
	size_t no_boundary;
	size_t inner_prefix, outer_prefix;
	struct ambig_event ev[AMBIG_EVENTS_MAX];
	size_t nev;
	size_t more_invalid, more_empty;	/* past AMBIG_EVENTS_MAX */
	char prefix[AMBIG_PREFIX_MAX][AMBIG_LINE_MAX];	/* the shorter boundary of a pair */
	size_t nprefix;
};

void ambiguity_init(struct ambiguity *a);
/* One critical parser report (item as GMime gives it, may be NULL); the
 * conflicting kinds go to the receipt at once. */
void ambiguity_report(struct ambiguity *a, struct receipt *rc, GMimeParserWarning code,
    const char *item, long long offset);
/* A multipart with boundary inner nested in one with boundary outer
 * (walk.c): a prefix relation is recorded as an anomaly and counted. */
void ambiguity_nested(struct ambiguity *a, struct receipt *rc, const char *inner,
    const char *outer, const char *path);
/* After the walk: attribute stray lines, write the remaining kinds. */
void ambiguity_finish(struct ambiguity *a, struct receipt *rc);
/* Plain words for a kind (field may be NULL), appended to out. */
void ambiguity_text(const char *kind, const char *field, enum lang lang, struct buf *out);
/* What sekisho did about it, in a few words, or NULL when nothing to say. */
const char *ambiguity_done(const char *kind, const char *field, enum lang lang);

#endif
