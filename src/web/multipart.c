/*
 * multipart - multipart/form-data bodies read strictly, for the console's
 * file upload.  See multipart.h for the contract.
 *
 * Grammar followed: RFC 2046 section 5.1.1 for delimiters, RFC 9110 for
 * tokens, quoted strings and parameters (without quoted-pair: browsers do
 * not send it), RFC 7578 for what a form-data part may carry.
 */
#include "web/multipart.h"

#include <string.h>

#include "core/utf8.h"

#define MP_DASHES 2		/* "--" before a boundary, and after the last */
#define MP_PARAMS_MAX 8		/* parameters of one Content-Type */

/* One parameter as it stands in a header value (a quoted value without its quotes). */
struct mp_param {
	const char *name, *value;
	size_t nlen, vlen;
	int quoted;
};

/* 1 if c is an ASCII letter or digit. */
static int
mp_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* 1 if c may stand in an RFC 9110 token. */
static int
mp_tchar(unsigned char c)
{
	return mp_alnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* 1 if c is one of RFC 2046's bchars (a space only inside a boundary). */
static int
mp_bchar(unsigned char c)
{
	return mp_alnum(c) || (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

/* 1 for a space or a tab (OWS, transport padding). */
static int
mp_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* The first index at or after i in s[0..n) that is not a space or a tab. */
static size_t
mp_skip_ows(const char *s, size_t n, size_t i)
{
	while (i < n && mp_ows(s[i]))
		i++;
	return i;
}

/* c in lower case, ASCII only (no locale). */
static unsigned char
mp_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* 1 if a[0..alen) and b[0..blen) are the same, ASCII case aside. */
static int
mp_same(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++) {
		if (mp_lower((unsigned char)a[i]) != mp_lower((unsigned char)b[i]))
			return 0;
	}
	return 1;
}

/* 1 if s[0..len) is the literal lit, ASCII case aside. */
static int
mp_is(const char *s, size_t len, const char *lit)
{
	return mp_same(s, len, lit, strlen(lit));
}

/* 1 if b[0..len) is 1..MULTIPART_BOUNDARY_MAX bchars not ending in a space. */
static int
mp_boundary_ok(const char *b, size_t len)
{
	if (len == 0 || len > MULTIPART_BOUNDARY_MAX || b[len - 1] == ' ')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (!mp_bchar((unsigned char)b[i]))
			return 0;
	}
	return 1;
}

/* The length of the token at s[*i..n) (0 if none), *i moved past it. */
static size_t
mp_token(const char *s, size_t n, size_t *i)
{
	size_t k = *i;

	while (k < n && mp_tchar((unsigned char)s[k]))
		k++;
	k -= *i;
	*i += k;
	return k;
}

/*
 * The next parameter of a header value s[*i..n): 1 with it in *p and *i
 * past it, 0 at the value's end, -1 unless it is OWS ";" OWS token "="
 * (token / quoted-string).  No space around "=", no empty token; in quotes
 * no backslash (an escape some readers take and others do not) and no
 * control but TAB.
 */
static int
mp_param_next(const char *s, size_t n, size_t *i, struct mp_param *p)
{
	size_t k = mp_skip_ows(s, n, *i);

	if (k == n) {
		*i = k;
		return 0;
	}
	if (s[k] != ';')
		return -1;
	k = mp_skip_ows(s, n, k + 1);
	p->name = s + k;
	if ((p->nlen = mp_token(s, n, &k)) == 0 || k == n || s[k] != '=')
		return -1;
	k++;
	p->quoted = k < n && s[k] == '"';
	if (!p->quoted) {
		p->value = s + k;
		if ((p->vlen = mp_token(s, n, &k)) == 0)
			return -1;
		*i = k;
		return 1;
	}
	p->value = s + ++k;
	for (; k < n && s[k] != '"'; k++) {
		unsigned char c = (unsigned char)s[k];

		if (c == '\\' || (c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
	}
	if (k == n)
		return -1;	/* the quote is left open */
	p->vlen = (size_t)(s + k - p->value);
	*i = k + 1;
	return 1;
}

/*
 * A media type s[0..n): type "/" subtype, then parameters, none named
 * twice (ASCII case aside), at most MP_PARAMS_MAX.  0 with the parameters
 * in p[0..*np) and the length of type/subtype in *tlen, or -1.
 */
static int
mp_media_type(const char *s, size_t n, size_t *tlen, struct mp_param *p, size_t *np)
{
	size_t k = 0;
	int r;

	*np = 0;
	if (mp_token(s, n, &k) == 0 || k == n || s[k] != '/')
		return -1;
	k++;
	if (mp_token(s, n, &k) == 0)
		return -1;
	*tlen = k;
	for (;;) {
		struct mp_param q;

		if ((r = mp_param_next(s, n, &k, &q)) <= 0)
			return r;
		if (*np == MP_PARAMS_MAX)
			return -1;
		for (size_t j = 0; j < *np; j++) {
			if (mp_same(p[j].name, p[j].nlen, q.name, q.nlen))
				return -1;	/* which one counts is a guess */
		}
		p[(*np)++] = q;
	}
}

int
multipart_boundary(const char *content_type, char *out, size_t outsz)
{
	struct mp_param p[MP_PARAMS_MAX];
	const struct mp_param *b = NULL;
	const char *s;
	size_t n, tlen, np;

	if (outsz > 0)
		out[0] = '\0';
	n = strlen(content_type);
	s = content_type + mp_skip_ows(content_type, n, 0);
	n -= (size_t)(s - content_type);
	if (mp_media_type(s, n, &tlen, p, &np) != 0 || !mp_is(s, tlen, "multipart/form-data"))
		return -1;
	for (size_t i = 0; i < np; i++) {
		if (mp_is(p[i].name, p[i].nlen, "boundary"))
			b = &p[i];	/* once at most: mp_media_type refuses twice */
	}
	if (b == NULL || !mp_boundary_ok(b->value, b->vlen))
		return -1;
	/* "boundary=abc ;": some readers would take the space as the boundary's */
	if (!b->quoted && b->value + b->vlen < s + n && mp_ows(b->value[b->vlen]))
		return -1;
	if (b->vlen >= outsz)
		return -1;
	memcpy(out, b->value, b->vlen);
	out[b->vlen] = '\0';
	return 0;
}

/*
 * A name or file name parameter into out[0..outsz) (with its NUL): 0, or -1
 * with *why if it is empty (a name), does not fit, holds a control, a '/'
 * (a file name) or invalid UTF-8.
 */
static int
mp_field(char *out, size_t outsz, const struct mp_param *p, int file, const char **why)
{
	if (!file && p->vlen == 0) {
		*why = "a part's name is empty";
		return -1;
	}
	if (p->vlen >= outsz) {
		*why = file ? "a file name is too long" : "a part's name is too long";
		return -1;
	}
	for (size_t i = 0; i < p->vlen; i++) {
		unsigned char c = (unsigned char)p->value[i];

		if (c < 0x20 || c == 0x7f) {
			*why = "a name or file name holds a control character";
			return -1;
		}
		if (file && c == '/') {
			*why = "a file name holds '/'";
			return -1;
		}
	}
	if (!utf8_valid((const unsigned char *)p->value, p->vlen)) {
		*why = "a name or file name is not UTF-8";
		return -1;
	}
	memcpy(out, p->value, p->vlen);
	out[p->vlen] = '\0';
	return 0;
}

/* A Content-Disposition value s[0..n): form-data; name=...[; filename=...]. */
static int
mp_disposition(struct multipart_part *pt, const char *s, size_t n, const char **why)
{
	struct mp_param p;
	size_t k = 0;
	int r, named = 0;

	if (mp_token(s, n, &k) == 0 || !mp_is(s, k, "form-data")) {
		*why = "a part's Content-Disposition is not form-data";
		return -1;
	}
	while ((r = mp_param_next(s, n, &k, &p)) == 1) {
		if (mp_is(p.name, p.nlen, "name")) {
			if (named++ > 0) {
				*why = "a Content-Disposition parameter is given twice";
				return -1;
			}
			if (mp_field(pt->name, sizeof pt->name, &p, 0, why) != 0)
				return -1;
		} else if (mp_is(p.name, p.nlen, "filename")) {
			if (pt->has_filename++ > 0) {
				*why = "a Content-Disposition parameter is given twice";
				return -1;
			}
			if (mp_field(pt->filename, sizeof pt->filename, &p, 1, why) != 0)
				return -1;
		} else if (mp_is(p.name, p.nlen, "filename*")) {
			/* which of filename and filename* counts differs by reader */
			*why = "filename* is refused";
			return -1;
		} else {
			*why = "a Content-Disposition parameter is not name or filename";
			return -1;
		}
	}
	if (r < 0) {
		*why = "a part's Content-Disposition is malformed";
		return -1;
	}
	if (!named) {
		*why = "a part's Content-Disposition has no name";
		return -1;
	}
	return 0;
}

/* A part's Content-Type value s[0..n): a printable ASCII media type, kept as sent. */
static int
mp_content_type(struct multipart_part *pt, const char *s, size_t n, const char **why)
{
	struct mp_param p[MP_PARAMS_MAX];
	size_t tlen, np;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e) {
			*why = "a part's Content-Type is not printable ASCII";
			return -1;
		}
	}
	if (mp_media_type(s, n, &tlen, p, &np) != 0) {
		*why = "a part's Content-Type is malformed";
		return -1;
	}
	if (n > MULTIPART_TYPE_MAX) {
		*why = "a part's Content-Type is too long";
		return -1;
	}
	memcpy(pt->content_type, s, n);
	pt->content_type[n] = '\0';
	return 0;
}

/* A Content-Transfer-Encoding value s[0..n): 7bit, 8bit or binary (no decoding). */
static int
mp_encoding(const char *s, size_t n, const char **why)
{
	size_t k = 0;

	if (mp_token(s, n, &k) != n ||
	    !(mp_is(s, n, "7bit") || mp_is(s, n, "8bit") || mp_is(s, n, "binary"))) {
		*why = "a part's Content-Transfer-Encoding is not 7bit, 8bit or binary";
		return -1;
	}
	return 0;
}

/*
 * The header line l[0..n) (without its CR LF), given once each of
 * disposition, type and encoding: 0 or -1 with *why.
 */
static int
mp_header(struct multipart_part *pt, const char *l, size_t n, int seen[3], const char **why)
{
	size_t k = 0, v, e;

	if (mp_ows(l[0])) {
		*why = "a part's header is folded";
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*why = "a part's header holds a control character";
			return -1;
		}
	}
	if (!utf8_valid((const unsigned char *)l, n)) {
		*why = "a part's header is not UTF-8";
		return -1;
	}
	/* name ":" with nothing between: "Name :" is read two ways (RFC 9110 5.1) */
	if (mp_token(l, n, &k) == 0 || k == n || l[k] != ':') {
		*why = "a part's header is malformed";
		return -1;
	}
	v = mp_skip_ows(l, n, k + 1);
	for (e = n; e > v && mp_ows(l[e - 1]); e--)
		;
	if (mp_is(l, k, "content-disposition")) {
		if (seen[0]++ > 0)
			goto twice;
		return mp_disposition(pt, l + v, e - v, why);
	}
	if (mp_is(l, k, "content-type")) {
		if (seen[1]++ > 0)
			goto twice;
		return mp_content_type(pt, l + v, e - v, why);
	}
	if (mp_is(l, k, "content-transfer-encoding")) {
		if (seen[2]++ > 0)
			goto twice;
		return mp_encoding(l + v, e - v, why);
	}
	*why = "a part has a header other than Content-Disposition, Content-Type "
	    "and Content-Transfer-Encoding";
	return -1;
twice:
	*why = "a part's header is given twice";
	return -1;
}

/*
 * The part body[s..e) (e: the CR LF of the next delimiter): its headers
 * into *pt, its data after them.  0 or -1 with *why.
 */
static int
mp_part(struct multipart_part *pt, const char *body, size_t s, size_t e, const char **why)
{
	size_t lim = e - s > MULTIPART_HEADERS_MAX ? s + MULTIPART_HEADERS_MAX : e;
	size_t p = s, c;
	int seen[3] = { 0, 0, 0 };

	memset(pt, 0, sizeof *pt);
	for (;; p = c + 2) {
		for (c = p; c < lim && body[c] != '\r' && body[c] != '\n'; c++)
			;
		if (c < lim && body[c] == '\n') {
			*why = "a part's headers hold a bare LF";
			return -1;
		}
		if (c + 1 < lim && body[c + 1] != '\n') {
			*why = "a part's headers hold a bare CR";
			return -1;
		}
		if (c + 1 >= lim) {
			*why = lim < e ? "a part's headers are too large" :
			    "a part's headers do not end before the next delimiter";
			return -1;
		}
		if (c == p)
			break;		/* the empty line: the data follow */
		if (mp_header(pt, body + p, c - p, seen, why) != 0)
			return -1;
	}
	if (!seen[0]) {
		*why = "a part has no Content-Disposition";
		return -1;
	}
	pt->data = body + c + 2;
	pt->len = e - (c + 2);
	return 0;
}

/* The first d[0..dlen) in body[from..n), n if none. */
static size_t
mp_find(const char *body, size_t from, size_t n, const char *d, size_t dlen)
{
	const char *q = memmem(body + from, n - from, d, dlen);

	return q != NULL ? (size_t)(q - body) : n;
}

/* 1 if body[q-2..q) is CR LF and at or after from. */
static int
mp_after_crlf(const char *body, size_t from, size_t q)
{
	return q >= from + 2 && body[q - 2] == '\r' && body[q - 1] == '\n';
}

int
multipart_parse(struct multipart *m, const char *boundary, const char *body, size_t n,
    const char **why)
{
	char delim[MP_DASHES + MULTIPART_BOUNDARY_MAX];
	const char *reason = NULL;
	size_t blen = strnlen(boundary, MULTIPART_BOUNDARY_MAX + 1), dlen, q, k, start;
	int last;

	m->n = 0;
	if (!mp_boundary_ok(boundary, blen)) {
		reason = "the boundary is not 1 to 70 of RFC 2046's characters";
		goto out;
	}
	memcpy(delim, "--", MP_DASHES);
	memcpy(delim + MP_DASHES, boundary, blen);
	dlen = MP_DASHES + blen;
	if (n == 0 || (q = mp_find(body, 0, n, delim, dlen)) == n) {
		reason = "the body holds no delimiter";
		goto out;
	}
	if (q != 0 && !mp_after_crlf(body, 0, q)) {
		reason = "the boundary stands inside the preamble";
		goto out;
	}
	/*
	 * Every "--boundary" in the body is a delimiter line: the search for the
	 * next one is the search for any, so none can hide inside a part.
	 */
	for (;;) {
		k = q + dlen;
		last = n - k >= MP_DASHES && body[k] == '-' && body[k + 1] == '-';
		if (last)
			k += MP_DASHES;
		k = mp_skip_ows(body, n, k);
		if (last && k == n)
			break;		/* no epilogue, no CR LF */
		if (n - k < 2 || body[k] != '\r' || body[k + 1] != '\n') {
			reason = k == n ? "the body ends without a close delimiter" :
			    "a delimiter line holds more than the boundary";
			goto out;
		}
		k += 2;
		if (last) {
			if (mp_find(body, k, n, delim, dlen) != n) {
				reason = "the boundary stands in the epilogue";
				goto out;
			}
			break;
		}
		start = k;
		if ((q = mp_find(body, start, n, delim, dlen)) == n) {
			reason = "the body ends without a close delimiter";
			goto out;
		}
		if (q == start) {
			reason = "a part has no headers";
			goto out;
		}
		if (!mp_after_crlf(body, start, q)) {
			reason = "the boundary stands inside a part";
			goto out;
		}
		if (m->n == MULTIPART_PARTS_MAX) {
			reason = "the form has too many parts";
			goto out;
		}
		if (mp_part(&m->part[m->n], body, start, q - 2, &reason) != 0)
			goto out;
		if (multipart_get(m, m->part[m->n].name) != NULL) {
			reason = "a name is given in two parts";
			goto out;
		}
		m->n++;
	}
	return 0;
out:
	m->n = 0;
	if (why != NULL)
		*why = reason;
	return -1;
}

const struct multipart_part *
multipart_get(const struct multipart *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->part[i].name, name) == 0)
			return &m->part[i];
	}
	return NULL;
}
