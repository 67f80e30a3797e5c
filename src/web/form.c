/*
 * form - the console's request readers: urlencoded forms, one cookie, an id
 * in a path.  See form.h for the contract.
 */
#include "web/form.h"

#include <string.h>

#include "core/utf8.h"

/* Wipe what the form held (values can be passwords) and empty it. */
static void
form_clear(struct form *f)
{
	if (f->data.data != NULL)
		explicit_bzero(f->data.data, f->data.cap);
	buf_reset(&f->data);
	f->n = 0;
}

void
form_init(struct form *f, size_t max_bytes)
{
	buf_init(&f->data, max_bytes);
	f->n = 0;
}

void
form_free(struct form *f)
{
	form_clear(f);
	buf_free(&f->data);	/* keeps the ceiling: the form can be parsed again */
}

/* 1 if a decoded byte may stand in a name or value. */
static int
form_byte_ok(unsigned char c)
{
	if (c == '\t' || c == '\r' || c == '\n')
		return 1;
	return c >= 0x20 && c != 0x7f;
}

/*
 * Decode s[0..len) ('+' a space, %XX a byte) onto the form's data, check it
 * and end it with a NUL; its offset in *off.  -1 on a bad escape, a byte
 * form_byte_ok() refuses, invalid UTF-8 or the ceiling.
 */
static int
form_decode(struct form *f, const char *s, size_t len, size_t *off)
{
	size_t start = f->data.len;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '+')
			c = ' ';
		else if (c == '%') {
			int hi, lo;

			if (len - i < 3 || (hi = hex_digit((unsigned char)s[i + 1])) < 0 ||
			    (lo = hex_digit((unsigned char)s[i + 2])) < 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		}
		if (!form_byte_ok((unsigned char)c) || buf_putc(&f->data, c) != 0)
			return -1;
	}
	if (!utf8_valid((const unsigned char *)f->data.data + start, f->data.len - start))
		return -1;
	if (buf_putc(&f->data, '\0') != 0)
		return -1;
	*off = start;
	return 0;
}

/* One name[=value] pair, not empty. */
static int
form_pair(struct form *f, const char *s, size_t len)
{
	const char *eq = memchr(s, '=', len);
	size_t nlen = eq != NULL ? (size_t)(eq - s) : len;
	size_t name, value;

	if (nlen == 0)
		return -1;	/* "=x": a value nobody can ask for */
	if (f->n == FORM_FIELDS_MAX)
		return -1;
	if (form_decode(f, s, nlen, &name) != 0)
		return -1;
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->data.data + f->field[i].name, f->data.data + name) == 0)
			return -1;	/* named twice: which one counts is a guess */
	}
	if (eq != NULL) {
		if (form_decode(f, eq + 1, len - nlen - 1, &value) != 0)
			return -1;
	} else if (form_decode(f, "", 0, &value) != 0)
		return -1;
	f->field[f->n].name = name;
	f->field[f->n].value = value;
	f->n++;
	return 0;
}

int
form_parse_urlencoded(struct form *f, const char *p, size_t n)
{
	size_t i = 0, room;

	form_clear(f);
	/*
	 * The decoded form is never longer than its input plus two NULs a
	 * field: room for all of it now, so the buffer is not moved while it
	 * holds values (a move would leave an unwiped copy behind).
	 */
	room = f->data.max;
	if (n < room && room - n > 2 * FORM_FIELDS_MAX)
		room = n + 2 * FORM_FIELDS_MAX;
	if (buf_reserve(&f->data, room) != 0)
		goto fail;
	while (i < n) {
		const char *amp = memchr(p + i, '&', n - i);
		size_t end = amp != NULL ? (size_t)(amp - p) : n;

		if (end > i && form_pair(f, p + i, end - i) != 0)
			goto fail;
		i = end + 1;
	}
	return 0;
fail:
	form_clear(f);
	return -1;
}

const char *
form_get(const struct form *f, const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->data.data + f->field[i].name, name) == 0)
			return f->data.data + f->field[i].value;
	}
	return NULL;
}

/* RFC 7230 tchar: what a cookie name is made of. */
static int
cookie_tchar(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 6265 cookie-octet: US-ASCII but controls, space, DQUOTE, comma, ';', '\'. */
static int
cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
	    (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

static size_t
skip_ows(const char *s, size_t i)
{
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	return i;
}

int
cookie_get(const char *header, const char *name, char *out, size_t outsz)
{
	size_t nlen = strlen(name), i, len;
	const char *val = NULL;
	size_t vlen = 0;

	if (outsz > 0)
		out[0] = '\0';
	if (header == NULL)
		return 1;
	len = strnlen(header, COOKIE_HEADER_MAX + 1);
	if (len > COOKIE_HEADER_MAX)
		return -1;
	i = skip_ows(header, 0);
	if (header[i] == '\0')
		return 1;
	for (;;) {
		size_t ns = i, vs, pn, pv;
		int quoted = 0;

		while (cookie_tchar((unsigned char)header[i]))
			i++;
		if (i == ns || header[i] != '=')
			return -1;	/* an empty pair, no name, or no '=' */
		pn = i - ns;
		i++;
		if (header[i] == '"') {
			quoted = 1;
			i++;
		}
		vs = i;
		while (cookie_octet((unsigned char)header[i]))
			i++;
		pv = i - vs;
		if (quoted) {
			if (header[i] != '"')
				return -1;	/* a quote left open */
			i++;
		}
		if (pn == nlen && memcmp(header + ns, name, nlen) == 0) {
			if (val != NULL)
				return -1;	/* named twice: which one is ours? */
			val = header + vs;
			vlen = pv;
		}
		i = skip_ows(header, i);
		if (header[i] == '\0')
			break;
		if (header[i] != ';')
			return -1;
		i = skip_ows(header, i + 1);
	}
	if (val == NULL)
		return 1;
	if (vlen >= outsz)
		return -1;
	memcpy(out, val, vlen);
	out[vlen] = '\0';
	return 0;
}

static int
id_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int
path_segment_id(const char *path, const char *prefix, char *id, size_t idsz,
    const char **rest)
{
	size_t plen = strlen(prefix), k = 0;
	const char *s;

	if (idsz > 0)
		id[0] = '\0';
	if (strncmp(path, prefix, plen) != 0)
		return -1;
	s = path + plen;
	while (s[k] != '\0' && s[k] != '/') {
		if (!id_char((unsigned char)s[k]) || k == PATH_ID_MAX)
			return -1;
		k++;
	}
	if (k == 0 || (k == 1 && s[0] == '.') || (k == 2 && s[0] == '.' && s[1] == '.'))
		return -1;
	if (k >= idsz)
		return -1;
	memcpy(id, s, k);
	id[k] = '\0';
	if (rest != NULL)
		*rest = s + k;
	return 0;
}
