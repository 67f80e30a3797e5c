/*
 * jsonread - strict one-pass JSON reading.  See jsonread.h.
 */
#include "core/jsonread.h"

#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "core/xalloc.h"

struct key {
	const unsigned char *p;	/* between the quotes */
	size_t n;
	int escaped;
};

struct reader {
	const unsigned char *s;
	size_t n, i;
	int depth;
	struct key *keys;	/* small, or allocated past it */
	size_t nkeys, cap;	/* cap <= JSON_OPEN_KEYS_MAX */
	struct key small[64];	/* enough for every receipt: no allocation */
	struct buf *why;
};

static void
grow_keys(struct reader *r)
{
	size_t cap = r->cap * 2 > JSON_OPEN_KEYS_MAX ? JSON_OPEN_KEYS_MAX : r->cap * 2;

	if (r->keys == r->small) {
		r->keys = xmalloc(cap * sizeof *r->keys);
		memcpy(r->keys, r->small, r->nkeys * sizeof *r->keys);
	} else
		r->keys = xrealloc(r->keys, cap * sizeof *r->keys);
	r->cap = cap;
}

static int
fail(struct reader *r, const char *what)
{
	if (r->i >= r->n)
		buf_printf(r->why, "ends early at byte %zu (%s)", r->i, what);
	else
		buf_printf(r->why, "%s at byte %zu", what, r->i);
	return -1;
}

static void
skip_ws(struct reader *r)
{
	while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' ||
	    r->s[r->i] == '\r'))
		r->i++;
}

/* Four hex digits at p: their value, or -1. */
static long
hex4(const unsigned char *p)
{
	long v = 0;

	for (int k = 0; k < 4; k++) {
		int h = hex_digit(p[k]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* A string at r->i (its opening quote); its content's span and whether it
 * holds escapes. */
static int
string(struct reader *r, struct key *k)
{
	size_t start = ++r->i;

	k->escaped = 0;
	for (;;) {
		unsigned c;

		if (r->i >= r->n)
			return fail(r, "unterminated string");
		c = r->s[r->i];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(r, "control character in a string");
		if (c == '\\') {
			unsigned e = r->i + 1 < r->n ? r->s[r->i + 1] : 0;

			k->escaped = 1;
			if (e == 'u') {
				long v, w;

				if (r->n - r->i < 6 || (v = hex4(r->s + r->i + 2)) < 0)
					return fail(r, "bad \\u escape");
				r->i += 6;
				if (v == 0)	/* strings become C strings: no NUL in them */
					return fail(r, "NUL in a string");
				if (v >= 0xdc00 && v <= 0xdfff)
					return fail(r, "lone low surrogate");
				if (v >= 0xd800 && v <= 0xdbff) {
					if (r->n - r->i < 6 || r->s[r->i] != '\\' || r->s[r->i + 1] != 'u' ||
					    (w = hex4(r->s + r->i + 2)) < 0xdc00 || w > 0xdfff)
						return fail(r, "lone high surrogate");
					r->i += 6;
				}
				continue;
			}
			if (e == 0 || memchr("\"\\/bfnrt", (int)e, 8) == NULL)
				return fail(r, "bad escape");
			r->i += 2;
			continue;
		}
		if (c >= 0x80) {
			unsigned cp;
			size_t len = utf8_next(r->s + r->i, r->n - r->i, &cp);

			if (len == 0)
				return fail(r, "invalid UTF-8");
			r->i += len;
			continue;
		}
		r->i++;
	}
	k->p = r->s + start;
	k->n = r->i - start;
	r->i++;		/* the closing quote */
	return 0;
}

/* Decode a checked string's content into fixed storage (keys only). */
static size_t
decode_key(const struct key *k, char *out, size_t max)
{
	struct buf b;
	struct json_value v = { JV_STRING, (const char *)k->p - 1, k->n + 2 };
	size_t n;

	buf_init(&b, max);
	json_unescape(&v, &b);
	n = b.len < max ? b.len : max;
	memcpy(out, b.data != NULL ? b.data : "", n);
	buf_free(&b);
	return n;
}

static int
same_key(const struct key *a, const struct key *b)
{
	char x[JSON_KEY_MAX], y[JSON_KEY_MAX];
	size_t nx, ny;

	if (!a->escaped && !b->escaped)
		return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
	nx = decode_key(a, x, sizeof x);
	ny = decode_key(b, y, sizeof y);
	return nx == ny && memcmp(x, y, nx) == 0;
}

static int
number(struct reader *r)
{
	size_t i = r->i;

	if (i < r->n && r->s[i] == '-')
		i++;
	if (i >= r->n || r->s[i] < '0' || r->s[i] > '9') {
		r->i = i;
		return fail(r, "bad number");
	}
	if (r->s[i] == '0')
		i++;
	else {
		while (i < r->n && r->s[i] >= '0' && r->s[i] <= '9')
			i++;
	}
	if (i < r->n && r->s[i] == '.') {
		size_t d = ++i;

		while (i < r->n && r->s[i] >= '0' && r->s[i] <= '9')
			i++;
		if (i == d) {
			r->i = i;
			return fail(r, "bad number");
		}
	}
	if (i < r->n && (r->s[i] == 'e' || r->s[i] == 'E')) {
		size_t d;

		i++;
		if (i < r->n && (r->s[i] == '+' || r->s[i] == '-'))
			i++;
		d = i;
		while (i < r->n && r->s[i] >= '0' && r->s[i] <= '9')
			i++;
		if (i == d) {
			r->i = i;
			return fail(r, "bad number");
		}
	}
	r->i = i;
	return 0;
}

static int
literal(struct reader *r, const char *word)
{
	size_t k = strlen(word);

	if (r->n - r->i < k || memcmp(r->s + r->i, word, k) != 0)
		return fail(r, "unexpected character");
	r->i += k;
	return 0;
}

static int value(struct reader *r, enum json_type *type);

static int
object(struct reader *r)
{
	size_t mark = r->nkeys, count = 0;
	enum json_type t;

	r->i++;		/* { */
	skip_ws(r);
	if (r->i < r->n && r->s[r->i] == '}') {
		r->i++;
		return 0;
	}
	for (;;) {
		struct key k;

		if (r->i >= r->n || r->s[r->i] != '"')
			return fail(r, "expected a key");
		if (string(r, &k) != 0)
			return -1;
		if (k.n > JSON_KEY_MAX)
			return fail(r, "key longer than JSON_KEY_MAX");
		if (++count > JSON_OBJECT_KEYS_MAX)
			return fail(r, "object with more than JSON_OBJECT_KEYS_MAX keys");
		for (size_t j = mark; j < r->nkeys; j++) {
			if (same_key(&r->keys[j], &k))
				return fail(r, "duplicate key");
		}
		if (r->nkeys >= JSON_OPEN_KEYS_MAX)
			return fail(r, "more than JSON_OPEN_KEYS_MAX keys open");
		if (r->nkeys == r->cap)
			grow_keys(r);
		r->keys[r->nkeys++] = k;
		skip_ws(r);
		if (r->i >= r->n || r->s[r->i] != ':')
			return fail(r, "expected ':'");
		r->i++;
		skip_ws(r);
		if (value(r, &t) != 0)
			return -1;
		skip_ws(r);
		if (r->i < r->n && r->s[r->i] == ',') {
			r->i++;
			skip_ws(r);
			continue;
		}
		if (r->i < r->n && r->s[r->i] == '}') {
			r->i++;
			r->nkeys = mark;
			return 0;
		}
		return fail(r, "expected ',' or '}'");
	}
}

static int
array(struct reader *r)
{
	enum json_type t;

	r->i++;		/* [ */
	skip_ws(r);
	if (r->i < r->n && r->s[r->i] == ']') {
		r->i++;
		return 0;
	}
	for (;;) {
		if (value(r, &t) != 0)
			return -1;
		skip_ws(r);
		if (r->i < r->n && r->s[r->i] == ',') {
			r->i++;
			skip_ws(r);
			continue;
		}
		if (r->i < r->n && r->s[r->i] == ']') {
			r->i++;
			return 0;
		}
		return fail(r, "expected ',' or ']'");
	}
}

static int
value(struct reader *r, enum json_type *type)
{
	struct key k;
	int rc;

	if (r->i >= r->n)
		return fail(r, "value missing");
	switch (r->s[r->i]) {
	case '{':
	case '[':
		if (r->depth >= JSON_DEPTH_MAX)
			return fail(r, "nested deeper than JSON_DEPTH_MAX");
		r->depth++;
		*type = r->s[r->i] == '{' ? JV_OBJECT : JV_ARRAY;
		rc = *type == JV_OBJECT ? object(r) : array(r);
		r->depth--;
		return rc;
	case '"':
		*type = JV_STRING;
		return string(r, &k);
	case 't':
		*type = JV_TRUE;
		return literal(r, "true");
	case 'f':
		*type = JV_FALSE;
		return literal(r, "false");
	case 'n':
		*type = JV_NULL;
		return literal(r, "null");
	default:
		*type = JV_NUMBER;
		if (r->s[r->i] != '-' && (r->s[r->i] < '0' || r->s[r->i] > '9'))
			return fail(r, "unexpected character");
		return number(r);
	}
}

int
json_check(const char *s, size_t n, struct json_value *v, struct buf *why)
{
	struct reader rd, *r = &rd;	/* keys: set as they are read */
	size_t start;
	int rc = -1;

	r->s = (const unsigned char *)s;
	r->n = n;
	r->i = 0;
	r->depth = 0;
	r->keys = r->small;
	r->nkeys = 0;
	r->cap = sizeof r->small / sizeof r->small[0];
	r->why = why;
	skip_ws(r);
	start = r->i;
	if (value(r, &v->type) == 0) {
		v->p = s + start;
		v->n = r->i - start;
		skip_ws(r);
		if (r->i != r->n)
			fail(r, "text after the value");
		else
			rc = 0;
	}
	if (r->keys != r->small)
		free(r->keys);
	return rc;
}

/* ---- walking a checked value -------------------------------------------- */

/* The end of the checked value starting at p (before end). */
static const char *
skip_value(const char *p, const char *end)
{
	if (*p == '"') {
		/* the next quote not escaped: preceded by an even run of
		 * backslashes (memchr: strings are most of a receipt) */
		for (p++; p < end;) {
			const char *q = memchr(p, '"', (size_t)(end - p)), *b;

			if (q == NULL)
				return end;
			for (b = q; b > p && b[-1] == '\\'; b--)
				;
			if ((q - b) % 2 == 0)
				return q + 1;
			p = q + 1;
		}
		return end;
	}
	if (*p == '{' || *p == '[') {
		int depth = 0;

		for (; p < end; p++) {
			if (*p == '"') {
				p = skip_value(p, end) - 1;
				continue;
			}
			if (*p == '{' || *p == '[')
				depth++;
			else if ((*p == '}' || *p == ']') && --depth == 0)
				return p + 1;
		}
		return end;
	}
	while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' &&
	    *p != '\n' && *p != '\r')
		p++;
	return p;
}

static enum json_type
type_at(const char *p)
{
	switch (*p) {
	case '{': return JV_OBJECT;
	case '[': return JV_ARRAY;
	case '"': return JV_STRING;
	case 't': return JV_TRUE;
	case 'f': return JV_FALSE;
	case 'n': return JV_NULL;
	default: return JV_NUMBER;
	}
}

static const char *
ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

int
json_member(const struct json_value *obj, size_t *pos, struct json_value *key,
    struct json_value *val)
{
	const char *end = obj->p + obj->n, *p;

	if (obj->type != JV_OBJECT)
		return 0;
	p = ws(obj->p + (*pos == 0 ? 1 : *pos), end);
	if (p < end && *p == ',')
		p = ws(p + 1, end);
	if (p >= end || *p != '"')
		return 0;	/* '}' */
	key->type = JV_STRING;
	key->p = p;
	p = skip_value(p, end);
	key->n = (size_t)(p - key->p);
	p = ws(p, end);
	p = ws(p + 1, end);	/* ':' */
	val->type = type_at(p);
	val->p = p;
	p = skip_value(p, end);
	val->n = (size_t)(p - val->p);
	*pos = (size_t)(p - obj->p);
	return 1;
}

int
json_element(const struct json_value *arr, size_t *pos, struct json_value *val)
{
	const char *end = arr->p + arr->n, *p;

	if (arr->type != JV_ARRAY)
		return 0;
	p = ws(arr->p + (*pos == 0 ? 1 : *pos), end);
	if (p < end && *p == ',')
		p = ws(p + 1, end);
	if (p >= end || *p == ']')
		return 0;
	val->type = type_at(p);
	val->p = p;
	p = skip_value(p, end);
	val->n = (size_t)(p - val->p);
	*pos = (size_t)(p - arr->p);
	return 1;
}

void
json_members(const struct json_value *obj, const char *const *names,
    struct json_value *vals, size_t n)
{
	struct json_value k, v;
	size_t pos = 0;

	for (size_t i = 0; i < n; i++)
		vals[i] = (struct json_value){ JV_NULL, NULL, 0 };
	while (json_member(obj, &pos, &k, &v)) {
		for (size_t i = 0; i < n; i++) {
			if (json_is(&k, names[i])) {
				vals[i] = v;
				break;
			}
		}
	}
}

int
json_string_into(const struct json_value *v, char *s, size_t n)
{
	struct buf b;
	int r = 1;

	s[0] = '\0';
	if (v->p == NULL || v->type == JV_NULL)
		return 0;
	if (v->type != JV_STRING)
		return -1;
	buf_init(&b, n - 1);
	if (json_unescape(v, &b) != 0)
		r = -1;
	else
		memcpy(s, buf_str(&b), b.len + 1);
	buf_free(&b);
	return r;
}

int
json_is(const struct json_value *str, const char *s)
{
	size_t n = strlen(s);

	return str->type == JV_STRING && str->n == n + 2 && memcmp(str->p + 1, s, n) == 0;
}

int
json_unescape(const struct json_value *str, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)str->p + 1;
	const unsigned char *end = (const unsigned char *)str->p + str->n - 1;

	while (p < end) {
		unsigned cp;
		size_t k;

		if (*p == '\\') {
			switch (p[1]) {
			case 'u': {
				long v = hex4(p + 2);

				p += 6;
				if (v >= 0xd800 && v <= 0xdbff) {	/* checked: a low one follows */
					v = 0x10000 + ((v - 0xd800) << 10) + (hex4(p + 2) - 0xdc00);
					p += 6;
				}
				cp = (unsigned)v;
				break;
			}
			case 'b': cp = '\b'; p += 2; break;
			case 'f': cp = '\f'; p += 2; break;
			case 'n': cp = '\n'; p += 2; break;
			case 'r': cp = '\r'; p += 2; break;
			case 't': cp = '\t'; p += 2; break;
			default: cp = p[1]; p += 2; break;	/* " \ / */
			}
			if (utf8_put(out, cp) != 0)
				return -1;
			continue;
		}
		/* a run up to the next escape, at once; if it does not fit, as
		 * much of it as does, ending on a character boundary */
		{
			const unsigned char *q = memchr(p, '\\', (size_t)(end - p));
			size_t run = (size_t)((q != NULL ? q : end) - p), room;

			if (buf_append(out, (const char *)p, run) == 0) {
				p += run;
				continue;
			}
			room = out->max > out->len ? out->max - out->len : 0;
			k = run < room ? run : room;
			while (k > 0 && k < run && (p[k] & 0xc0) == 0x80)
				k--;
			buf_append(out, (const char *)p, k);
			return -1;
		}
	}
	return 0;
}

int
json_u64(const struct json_value *num, uint64_t *out)
{
	uint64_t v = 0;

	if (num->type != JV_NUMBER || num->n == 0 || num->n > 19)
		return -1;
	for (size_t i = 0; i < num->n; i++) {
		char c = num->p[i];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (uint64_t)(c - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return -1;
	*out = v;
	return 0;
}
