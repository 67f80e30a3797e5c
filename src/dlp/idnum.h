/*
 * idnum - finds 個人番号 (My Number, 12 digits) and 法人番号 (corporate
 * number, 13 digits) in UTF-8 text, for the outbound checks.
 *
 * Contract: dlp_scan_text() reads text[0..len) once, in order, in constant
 * memory (invalid UTF-8 is skipped byte by byte, NUL is an ordinary
 * character) and calls emit() for each finding, in text order.  A finding is
 * a number written bare or grouped 4-4-4 (1-4-4-4 for a corporate number) with
 * one kind of separator (space, hyphen, dot and their full-width forms; a line
 * break may stand for any of them), in half- or full-width digits, that is not
 * part of a longer number or word and whose check digit is right.  Context
 * decides the confidence:
 *   high    a keyword of its kind (個人番号, マイナンバー, 法人番号, …) within
 *           `window` characters before or after, or in the caller's context
 *           (a column header, a cell's label);
 *   medium  grouped 4-4-4 with a right check and nothing else said;
 *   low     bare digits with a right check and nothing else said.
 * A number labelled as something else just before it on its line
 * (注文番号, 電話, TEL, 〒, 受付番号, …) is not reported, nor is a bare 12-digit
 * date-time (YYYYMMDDhhmm) or a number after '+' (a telephone number) unless
 * a keyword labels it (just before it on its line, or in the context).
 * Findings wait in a queue of DLP_PENDING_MAX for the window after them; one
 * pushed out of a full queue is given without that window.  About one in eleven random 12-digit numbers passes the
 * check, so a low finding is a hint, not proof.
 *
 * A finding carries only the last four digits: no full number leaves this
 * module.  The keywords are plain strings matched with ASCII case folded.
 */
#ifndef SEKISHO_DLP_IDNUM_H
#define SEKISHO_DLP_IDNUM_H

#include <stddef.h>

#include "core/buf.h"

/* defaults; see struct dlp_terms */
#define DLP_WINDOW_CHARS	300	/* Purview's proximity for My Number */
#define DLP_LABEL_CHARS		24	/* how far before a number its own label is */
#define DLP_PENDING_MAX		64	/* findings waiting for the window after them */

enum dlp_kind {
	DLP_INDIVIDUAL_NUMBER,	/* 個人番号: 11 digits and a check digit */
	DLP_CORPORATE_NUMBER,	/* 法人番号: a check digit and 12 digits */
};

enum dlp_confidence {
	DLP_LOW,
	DLP_MEDIUM,
	DLP_HIGH,
};

struct dlp_terms {
	const char *const *individual;	/* NULL-terminated; keywords for 個人番号 */
	const char *const *corporate;	/* keywords for 法人番号 */
	const char *const *other;	/* labels of numbers that are something else */
	size_t window;			/* characters; 0 means DLP_WINDOW_CHARS */
};

extern const struct dlp_terms dlp_default_terms;

struct dlp_finding {
	enum dlp_kind kind;
	enum dlp_confidence confidence;
	size_t offset;		/* bytes: where the number starts in the text */
	size_t length;		/* bytes it spans, separators included */
	size_t line;		/* 1-based line of its first digit */
	int grouped;		/* written in groups, not bare */
	char last4[5];		/* its last four digits, ASCII, NUL-terminated */
};

/* Return non-zero to stop the scan (dlp_scan_text then returns that value). */
typedef int (*dlp_emit_fn)(const struct dlp_finding *f, void *arg);

/* Scan; context may be NULL.  0 when the text was read to its end. */
int dlp_scan_text(const char *text, size_t len, const char *context,
    const struct dlp_terms *terms, dlp_emit_fn emit, void *arg);

/* 1 if the twelve digit values d[0..12) are a valid 個人番号 (the last is the
 * check digit, by the weights of the ordinance on 個人番号). */
int dlp_individual_check(const unsigned char d[12]);
/* 1 if d[0..13) is a valid 法人番号 (the first is the check digit). */
int dlp_corporate_check(const unsigned char d[13]);

/* "****-****-9018" or "*-****-****-0123": the only form a number is shown in. */
int dlp_masked(const struct dlp_finding *f, struct buf *out);
/*
 * Copy text with every long digit run masked, for text that leaves the
 * inspection beside the findings (a subject, a file name in "where", a
 * domain): a run of digits (half- or full-width) joined by spaces, hyphens
 * or dots with DLP_MASK_DIGITS or more digits keeps its last four, the rest
 * become '*'.  This does not ask whether the run is a valid number: what
 * could be one is not shown.  dlp_has_long_digits() is the check of it.
 */
#define DLP_MASK_DIGITS 12
int dlp_mask_digits(const char *text, size_t len, struct buf *out);
/* 1 if text holds a digit run that dlp_mask_digits() would mask. */
int dlp_has_long_digits(const char *text, size_t len);
const char *dlp_kind_name(enum dlp_kind k);		/* "individual-number", … */
const char *dlp_confidence_name(enum dlp_confidence c);	/* "high", … */

#endif
