/*
 * form - the staff console's readers of what a browser sends: form fields
 * (application/x-www-form-urlencoded bodies and query strings), one cookie
 * from a Cookie: header, and an item id from a request path.  Pure
 * functions: no I/O, nothing kept between calls.
 *
 * Contract: whatever is accepted is exactly what any other reader would
 * see.  Input that could be read two ways (a field or cookie named twice, a
 * bad %-escape, a quote left open) is refused with -1, never guessed at.
 * Every decoded name and value is valid UTF-8 without NUL or controls but
 * TAB, CR and LF, within FORM_FIELDS_MAX fields and the form's byte ceiling.
 * Field values can be passwords: form_free() wipes them.
 */
#ifndef SEKISHO_WEB_FORM_H
#define SEKISHO_WEB_FORM_H

#include <stddef.h>

#include "core/buf.h"

#define FORM_FIELDS_MAX 64	/* fields in one form or query string */
#define COOKIE_HEADER_MAX 8192	/* bytes of a Cookie: header read */
#define PATH_ID_MAX 63		/* bytes of an id in a path */

struct form {
	struct buf data;	/* name NUL value NUL, field after field */
	size_t n;
	struct {
		size_t name, value;	/* offsets into data */
	} field[FORM_FIELDS_MAX];
};

/* An empty form whose decoded names and values (with a NUL each) fit max_bytes. */
void form_init(struct form *f, size_t max_bytes);
/* Wipe (explicit_bzero) and release; the form is empty and can be parsed again. */
void form_free(struct form *f);
/*
 * Parse p[0..n) into f, replacing what it held: '&'-separated name=value
 * pairs, '+' a space, %XX a byte; an empty pair is skipped, a pair without
 * '=' is a name with an empty value.  -1, leaving f empty, on a bad
 * %-escape, an empty name, a name given twice, NUL or another control but
 * TAB/CR/LF (or DEL) in a name or value, invalid UTF-8, more than
 * FORM_FIELDS_MAX fields, or the byte ceiling passed.
 */
int form_parse_urlencoded(struct form *f, const char *p, size_t n);
/* The decoded value of field name, NULL if there is none. */
const char *form_get(const struct form *f, const char *name);

/*
 * Find cookie name in a Cookie: header value ("a=1; b=2").  0 and its value
 * in out (NUL-terminated; DQUOTEs around it removed), 1 if absent, -1 if
 * the header is malformed anywhere (a pair that is not token=cookie-value
 * per RFC 6265, an empty pair, longer than COOKIE_HEADER_MAX), the value
 * does not fit outsz, or the name is there twice (cookie tossing).  out is
 * "" unless 0 is returned.
 */
int cookie_get(const char *header, const char *name, char *out, size_t outsz);

/*
 * Match path against prefix ("/items/") followed by an id of 1..PATH_ID_MAX
 * bytes of [A-Za-z0-9._-], not "." or "..", ending at '/' or the end.  No
 * %-decoding: a '%' does not match.  0 with the id in id (NUL-terminated)
 * and *rest at what follows it ("" or "/original"); -1 if it does not
 * match or the id does not fit idsz.
 */
int path_segment_id(const char *path, const char *prefix, char *id, size_t idsz,
    const char **rest);

#endif
