/*
 * multipart - the staff console's reader of multipart/form-data bodies (RFC
 * 7578, RFC 2046) as browsers send them for a file upload.  Pure functions:
 * no I/O, no allocation; the parts point into the body parsed.
 *
 * Contract: whatever is accepted is exactly what any other reader would see.
 * A body that could be read two ways is refused with -1 and a reason, never
 * guessed at:
 *  - delimiters: "--boundary" at the body's start or after CR LF, then
 *    spaces or tabs, then CR LF (or "--" for the close delimiter, which must
 *    be there: a body without it is cut short).  Any other occurrence of
 *    "--boundary" anywhere in the body (a part, the preamble, the epilogue)
 *    is refused.  The preamble and the epilogue are otherwise ignored.
 *  - part headers: lines ending in CR LF (a bare CR or LF, folding, a
 *    control but TAB, invalid UTF-8 refused) up to an empty line, within
 *    MULTIPART_HEADERS_MAX bytes; only Content-Disposition (exactly once:
 *    form-data with name= and optionally filename=), Content-Type (at most
 *    once, ASCII) and Content-Transfer-Encoding (at most once: 7bit, 8bit or
 *    binary); a parameter twice, filename* or any other parameter refused.
 *  - quoted strings are kept as sent (browsers send '"' as %22 and CR LF as
 *    %0D%0A and never use '\'): a backslash in one is refused.
 *  - a name is 1..MULTIPART_NAME_MAX bytes, a file name
 *    0..MULTIPART_FILENAME_MAX without '/', both valid UTF-8 without NUL or
 *    controls (< 0x20, 0x7f); a name given in two parts is refused; at most
 *    MULTIPART_PARTS_MAX parts.
 * A part's data are its bytes as sent, up to the CR LF before the next
 * delimiter (the CR LF is the delimiter's), unchecked.
 */
#ifndef SEKISHO_WEB_MULTIPART_H
#define SEKISHO_WEB_MULTIPART_H

#include <stddef.h>

#define MULTIPART_BOUNDARY_MAX 70	/* RFC 2046 */
#define MULTIPART_PARTS_MAX 8		/* parts in one form */
#define MULTIPART_HEADERS_MAX 4096	/* bytes of one part's header block */
#define MULTIPART_NAME_MAX 63		/* bytes of a field name */
#define MULTIPART_FILENAME_MAX 255	/* bytes of a file name (UTF-8) */
#define MULTIPART_TYPE_MAX 127		/* bytes of a part's Content-Type */

struct multipart_part {
	char name[MULTIPART_NAME_MAX + 1];
	int has_filename;			/* filename= was given (even "") */
	char filename[MULTIPART_FILENAME_MAX + 1];
	char content_type[MULTIPART_TYPE_MAX + 1];	/* "" when absent */
	const char *data;			/* into the body parsed */
	size_t len;
};

struct multipart {
	size_t n;
	struct multipart_part part[MULTIPART_PARTS_MAX];
};

/*
 * The boundary of a Content-Type header value "multipart/form-data;
 * boundary=..." (quoted or token, 1..70 chars of RFC 2046's bchars, no
 * trailing space): 0 and the boundary in out, or -1 (not
 * multipart/form-data, no boundary, boundary twice, bad chars, does not
 * fit).  Type and parameter names are case-insensitive; other parameters
 * are allowed once each; out is "" unless 0 is returned.
 */
int multipart_boundary(const char *content_type, char *out, size_t outsz);

/*
 * Parse body[0..n) with boundary: 0, or -1 with a short English reason in
 * *why (why may be NULL; static strings) and m->n 0.  m->part[i].data point
 * into body.
 */
int multipart_parse(struct multipart *m, const char *boundary, const char *body, size_t n,
    const char **why);

/* The part named name, or NULL. */
const struct multipart_part *multipart_get(const struct multipart *m, const char *name);

#endif
