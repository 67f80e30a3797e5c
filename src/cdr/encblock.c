/*
 * encblock - encoded blocks in text.  See encblock.h.
 *
 * Every scan is line by line over bounded text; nothing is allocated but
 * the caller's data buffer (and, for BinHex, two scratch buffers with
 * ceilings derived from it).
 */
#include "cdr/encblock.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "cdr/mailtype.h"
#include "cdr/sniff.h"
#include "core/utf8.h"

#define PREFIX_MAX 32			/* quote/indent characters before a block's lines */
#define BINHEX_HEADLESS_MIN 60		/* BinHex characters on a line without the header */
#define BINHEX_VARIETY 12		/* different characters on such a line */
#define BINHEX_HEADER "(This file must be converted with BinHex"
#define BINHEX_OVERHEAD (64 * 1024)	/* header, CRCs, resource fork read past */

/* One line of the text: [p, p + n) without its LF (and CR), next line at next. */
struct line {
	const char *p;
	size_t n;
	size_t next;
};

static int
line_at(const char *t, size_t len, size_t pos, struct line *l)
{
	const char *nl;

	if (pos >= len)
		return 0;
	l->p = t + pos;
	nl = memchr(l->p, '\n', len - pos);
	l->n = nl != NULL ? (size_t)(nl - l->p) : len - pos;
	l->next = nl != NULL ? pos + l->n + 1 : len;
	if (l->n > 0 && l->p[l->n - 1] == '\r')
		l->n--;
	return 1;
}

/*
 * Length of the quote prefix: spaces, tabs, '>' (a reply's quoting), and
 * the '"' and '\'' a rebuilt CSV puts before a cell that holds lines.
 */
static int
quote_char(char c)
{
	return c == ' ' || c == '\t' || c == '>' || c == '"' || c == '\'';
}

static size_t
prefix_len(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && i < PREFIX_MAX && quote_char(p[i]))
		i++;
	return i;
}

/* The line without the block's prefix (when it has it), and without trailing blanks. */
static void
strip(struct line *l, const char *pre, size_t npre, int keep_trailing)
{
	if (npre > 0 && l->n >= npre && memcmp(l->p, pre, npre) == 0) {
		l->p += npre;
		l->n -= npre;
	}
	if (!keep_trailing)
		while (l->n > 0 && (l->p[l->n - 1] == ' ' || l->p[l->n - 1] == '\t'))
			l->n--;
}

static int
is_word(const struct line *l, const char *w)
{
	size_t n = strlen(w);

	return l->n == n && memcmp(l->p, w, n) == 0;
}

static void
copy_name(char *dst, const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= ENCBLOCK_NAME_MAX)
		n = ENCBLOCK_NAME_MAX - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int
put(struct buf *data, unsigned char c, struct encblock *b)
{
	if (buf_putc(data, c) != 0) {
		if (b->damage == NULL)
			b->damage = "too large";
		return -1;
	}
	return 0;
}

/* ---- uuencode, xxencode, begin-base64 ------------------------------------ */

static const char xx_set[] = "+-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
static const char b64_set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
xx_val(unsigned char c)
{
	const char *q = c != 0 ? strchr(xx_set, c) : NULL;

	return q != NULL ? (int)(q - xx_set) : -1;
}

static int
b64_val(unsigned char c)
{
	const char *q = c != 0 ? strchr(b64_set, c) : NULL;

	return q != NULL ? (int)(q - b64_set) : -1;
}

static int
uu_char(unsigned char c)
{
	return c >= 0x20 && c <= 0x60;
}

/* "begin[-base64] MODE [NAME]": 1 with *b64 and the name set. */
static int
uu_begin(const struct line *l, int *b64, char *name)
{
	const char *p = l->p, *e = l->p + l->n;
	size_t digits = 0;

	if (l->n < 7 || memcmp(p, "begin", 5) != 0)
		return 0;
	p += 5;
	*b64 = 0;
	if (e - p >= 7 && memcmp(p, "-base64", 7) == 0) {
		*b64 = 1;
		p += 7;
	}
	if (p == e || (*p != ' ' && *p != '\t'))
		return 0;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (p < e && *p >= '0' && *p <= '7' && digits < 8)
		p++, digits++;
	if (digits == 0 || (p < e && *p != ' ' && *p != '\t'))
		return 0;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	copy_name(name, p, (size_t)(e - p));
	return 1;
}

/* Bytes a uuencode/xxencode data line claims, or -1 when it is not one (strict). */
static int
strict_line(const struct line *l, int xx)
{
	int n;
	size_t want;

	if (l->n < 2)
		return -1;
	n = xx ? xx_val((unsigned char)l->p[0]) : ((unsigned char)l->p[0] - 0x20) & 63;
	if (n <= 0 || (!xx && !uu_char((unsigned char)l->p[0])))
		return -1;
	want = ((size_t)n + 2) / 3 * 4;
	/* uuencode: trailing spaces may have been stripped, a checksum character added */
	if (l->n - 1 > want + 1 || l->n - 1 + (xx ? 0 : 3) < want)
		return -1;
	for (size_t i = 1; i < l->n; i++)
		if (xx ? xx_val((unsigned char)l->p[i]) < 0 : !uu_char((unsigned char)l->p[i]))
			return -1;
	return n;
}

/* A line of base64 characters only, at least min of them. */
static int
b64_line(const struct line *l, size_t min)
{
	if (l->n < min || l->n == 0)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (b64_val((unsigned char)l->p[i]) < 0 && l->p[i] != '=')
			return 0;
	return 1;
}

/* Decode one uuencode/xxencode line as lenient decoders do (missing characters are 0). */
static void
uu_decode_line(const struct line *l, int xx, struct buf *data, struct encblock *b)
{
	int n = xx ? xx_val((unsigned char)l->p[0]) : ((unsigned char)l->p[0] - 0x20) & 63;
	size_t i = 1;

	if (n <= 0)
		return;
	if (!xx)
		for (size_t k = 1; k < l->n; k++)
			if (!uu_char((unsigned char)l->p[k]) && b->damage == NULL)
				b->damage = "characters outside uuencode";
	while (n > 0) {
		unsigned v[4];

		for (int k = 0; k < 4; k++, i++) {
			int c = i < l->n ? (unsigned char)l->p[i] : (xx ? '+' : '`');

			v[k] = (unsigned)(xx ? (xx_val((unsigned char)c) < 0 ? 0 : xx_val((unsigned char)c))
			    : ((c - 0x20) & 63));
		}
		unsigned char o[3] = {
			(unsigned char)(v[0] << 2 | v[1] >> 4),
			(unsigned char)(v[1] << 4 | v[2] >> 2),
			(unsigned char)(v[2] << 6 | v[3]),
		};
		for (int k = 0; k < 3 && n > 0; k++, n--)
			if (put(data, o[k], b) != 0)
				return;
	}
}

/* base64 characters of one line into the 24-bit accumulator. */
static void
b64_decode_line(const struct line *l, unsigned *acc, int *bits, struct buf *data,
    struct encblock *b)
{
	for (size_t i = 0; i < l->n; i++) {
		int v = b64_val((unsigned char)l->p[i]);

		if (v < 0)
			continue;	/* '=' padding */
		*acc = (*acc << 6 | (unsigned)v) & 0xffffff;
		*bits += 6;
		if (*bits >= 8) {
			*bits -= 8;
			if (put(data, (unsigned char)(*acc >> *bits), b) != 0)
				return;
		}
	}
}

/*
 * A uuencode/xxencode/begin-base64 block whose begin line is at l.
 * 1 when it is one (b and data filled), 0 when it is prose.
 */
static int
uu_block(const char *t, size_t len, const struct line *begin, const char *pre, size_t npre,
    int b64, struct encblock *b, struct buf *data)
{
	struct line l;
	size_t pos = begin->next, last;
	int kind = -1, lines = 0;
	unsigned acc = 0;
	int bits = 0;

	/* confirm: a well-formed data line (or the end) soon after */
	while (kind < 0 && lines < ENCBLOCK_CONFIRM_LINES && line_at(t, len, pos, &l)) {
		strip(&l, pre, npre, 0);
		pos = l.next;
		if (l.n == 0)
			continue;	/* blank lines do not count */
		lines++;
		/* an empty file: its end right after the begin line */
		if (b64) {
			if (b64_line(&l, 4) || (lines == 1 && is_word(&l, "====")))
				kind = ENCB_BASE64;
		} else if (strict_line(&l, 0) > 0 ||
		    (lines == 1 && (is_word(&l, "end") || is_word(&l, "`"))))
			kind = ENCB_UUENCODE;
		else if (strict_line(&l, 1) > 0 || (lines == 1 && is_word(&l, "+")))
			kind = ENCB_XXENCODE;
	}
	if (kind < 0)
		return 0;
	b->kind = (enum encblock_kind)kind;
	b->damage = NULL;
	last = begin->next;
	for (pos = begin->next; line_at(t, len, pos, &l); pos = l.next) {
		struct line s = l;

		strip(&s, pre, npre, kind == ENCB_UUENCODE);
		if (kind != ENCB_BASE64 && s.n >= 3 && memcmp(s.p, "end", 3) == 0) {
			struct line e = s;

			while (e.n > 3 && quote_char(e.p[e.n - 1]))	/* "end" and a CSV cell's quote */
				e.n--;
			if (is_word(&e, "end")) {
				b->end = l.next;
				return 1;
			}
		}
		if (kind == ENCB_BASE64) {
			strip(&s, NULL, 0, 0);
			if (is_word(&s, "====")) {
				b->end = l.next;
				return 1;
			}
			if (s.n == 0)
				continue;
			if (!b64_line(&s, 1))
				break;
			b64_decode_line(&s, &acc, &bits, data, b);
		} else if (kind == ENCB_XXENCODE) {
			if (s.n == 0)
				continue;
			if (strict_line(&s, 1) < 0 && !is_word(&s, "+"))
				break;
			uu_decode_line(&s, 1, data, b);
		} else {
			struct line e = s;

			strip(&e, NULL, 0, 0);
			if (e.n == 0)
				continue;	/* lenient decoders read on */
			if (!uu_char((unsigned char)s.p[0]))
				break;
			uu_decode_line(&s, 0, data, b);
		}
		last = l.next;
	}
	b->end = last;
	if (b->damage == NULL)
		b->damage = kind == ENCB_BASE64 ? "no ==== line" : "no end line";
	return 1;
}

/* ---- BinHex 4.0 --------------------------------------------------------- */

static const char hqx_set[] =
    "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";

static int
hqx_val(unsigned char c)
{
	const char *q = c != 0 ? strchr(hqx_set, c) : NULL;

	return q != NULL ? (int)(q - hqx_set) : -1;
}

/*
 * A line of BinHex characters only (':' allowed), at least min of them and,
 * when min is set, at least BINHEX_VARIETY different ones (a ruled line of
 * dashes is not data).
 */
static int
hqx_line(const struct line *l, size_t min)
{
	unsigned char seen[64] = { 0 };
	size_t k = 0, distinct = 0;

	for (size_t i = 0; i < l->n; i++) {
		int v;

		if (l->p[i] == ':')
			continue;
		if ((v = hqx_val((unsigned char)l->p[i])) < 0)
			return 0;
		k++;
		if (!seen[v]++)
			distinct++;
	}
	return k >= min && (min == 0 || distinct >= BINHEX_VARIETY);
}

/* CRC-16/XMODEM, as BinHex computes it. */
static unsigned
crc16(unsigned crc, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		crc ^= (unsigned)p[i] << 8;
		for (int k = 0; k < 8; k++)
			crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
		crc &= 0xffff;
	}
	return crc;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Run-length expansion (0x90 n: the previous byte n-1 more times; 0x90 0: 0x90). */
static int
hqx_unrle(const struct buf *in, struct buf *out)
{
	unsigned char prev = 0;

	for (size_t i = 0; i < in->len; i++) {
		unsigned char c = (unsigned char)in->data[i];

		if (c != 0x90) {
			if (buf_putc(out, c) != 0)
				return -1;
			prev = c;
			continue;
		}
		if (++i >= in->len)
			break;
		c = (unsigned char)in->data[i];
		if (c == 0) {
			if (buf_putc(out, 0x90) != 0)
				return -1;
			prev = 0x90;
			continue;
		}
		for (unsigned k = 1; k < c; k++)
			if (buf_putc(out, prev) != 0)
				return -1;
	}
	return 0;
}

/* The data fork of an expanded BinHex stream, CRCs checked. */
static void
hqx_parse(const struct buf *x, struct encblock *b, struct buf *data)
{
	const unsigned char *p = (const unsigned char *)x->data;
	size_t n = x->len, h;
	uint32_t dlen;

	if (n < 1 || (h = 1 + (size_t)p[0] + 1 + 4 + 4 + 2 + 4 + 4) + 2 > n) {
		b->damage = "truncated header";
		return;
	}
	copy_name(b->name, (const char *)p + 1, p[0]);
	if (crc16(0, p, h) != (unsigned)(p[h] << 8 | p[h + 1]))
		b->damage = "header CRC mismatch";
	dlen = be32(p + h - 8);
	p += h + 2;
	n -= h + 2;
	if (dlen > n) {
		if (b->damage == NULL)
			b->damage = "truncated data fork";
		dlen = (uint32_t)n;
	}
	if (buf_append(data, p, dlen) != 0) {
		b->damage = "too large";
		return;
	}
	if (n < (size_t)dlen + 2) {
		if (b->damage == NULL)
			b->damage = "truncated data fork";
	} else if (crc16(0, p, dlen) != (unsigned)(p[dlen] << 8 | p[dlen + 1]) &&
	    b->damage == NULL)
		b->damage = "data CRC mismatch";
}

/*
 * A BinHex block: the header line at start (or none), data from the first
 * ':' of line first.  1 when found.
 */
static int
hqx_block(const char *t, size_t len, size_t start, const struct line *first,
    const char *pre, size_t npre, struct encblock *b, struct buf *data)
{
	struct buf six, x;
	struct line l;
	size_t pos, last;
	unsigned acc = 0;
	int bits = 0, open = 0, closed = 0;
	const char *damage = NULL;

	b->kind = ENCB_BINHEX;
	b->start = start;
	b->name[0] = '\0';
	{
		size_t cap = data->max < SIZE_MAX / 4 ? data->max : SIZE_MAX / 4;

		buf_init(&six, cap / 2 * 3 + BINHEX_OVERHEAD);
		buf_init(&x, cap + BINHEX_OVERHEAD);
	}
	last = first->next;
	for (pos = (size_t)(first->p - t); !closed && line_at(t, len, pos, &l); pos = l.next) {
		strip(&l, pre, npre, 0);
		if (l.n == 0) {
			if (open)
				continue;
			break;
		}
		if (!hqx_line(&l, 0) || (!open && l.p[0] != ':'))
			break;
		for (size_t i = 0; i < l.n && !closed; i++) {
			int v;

			if (l.p[i] == ':') {
				if (open)
					closed = 1;
				open = 1;
				continue;
			}
			v = hqx_val((unsigned char)l.p[i]);
			acc = (acc << 6 | (unsigned)v) & 0xffffff;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				if (buf_putc(&six, (unsigned char)(acc >> bits)) != 0 && damage == NULL)
					damage = "too large";
			}
		}
		last = l.next;
	}
	b->end = last;
	if (!closed && damage == NULL)
		damage = "no closing ':'";
	if (hqx_unrle(&six, &x) != 0 && damage == NULL)
		damage = "too large";
	b->damage = NULL;
	hqx_parse(&x, b, data);
	if (damage != NULL)
		b->damage = damage;
	buf_free(&six);
	buf_free(&x);
	return 1;
}

/* ---- yEnc ---------------------------------------------------------------- */

/* The value of key= on a yEnc control line (digits), or -1. */
static long long
y_num(const struct line *l, const char *key)
{
	size_t k = strlen(key);

	for (size_t i = 0; i + k <= l->n; i++) {
		if ((i == 0 || l->p[i - 1] == ' ') && memcmp(l->p + i, key, k) == 0) {
			long long v = 0;
			size_t j = i + k, d = 0;

			while (j < l->n && l->p[j] >= '0' && l->p[j] <= '9' && d < 18)
				v = v * 10 + (l->p[j++] - '0'), d++;
			return d > 0 ? v : -1;
		}
	}
	return -1;
}

static long long
y_hex(const struct line *l, const char *key)
{
	size_t k = strlen(key);

	for (size_t i = 0; i + k <= l->n; i++) {
		if ((i == 0 || l->p[i - 1] == ' ') && memcmp(l->p + i, key, k) == 0) {
			long long v = 0;
			size_t j = i + k, d = 0;

			for (; j < l->n && d < 8; j++, d++) {
				char c = l->p[j];
				int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

				if (h < 0)
					break;
				v = v * 16 + h;
			}
			return d > 0 ? v : -1;
		}
	}
	return -1;
}

static int
y_begin(const struct line *l, char *name)
{
	if (l->n < 9 || memcmp(l->p, "=ybegin ", 8) != 0)
		return 0;
	for (size_t i = 8; i + 5 <= l->n; i++)
		if (l->p[i - 1] == ' ' && memcmp(l->p + i, "name=", 5) == 0) {
			copy_name(name, l->p + i + 5, l->n - i - 5);
			return 1;
		}
	return 0;
}

/* raw: the text is the part's bytes (each byte is one yEnc character). */
static void
y_decode_line(const struct line *l, struct buf *data, struct encblock *b, int *esc, int raw)
{
	size_t i = 0;

	while (i < l->n) {
		unsigned cp;
		size_t k = raw ? 1 : utf8_next((const unsigned char *)l->p + i, l->n - i, &cp);

		if (raw)
			cp = (unsigned char)l->p[i];
		else if (k == 0) {
			k = 1;
			cp = 0x100;
		}
		i += k;
		if (cp > 0xff) {
			if (b->damage == NULL)
				b->damage = "characters that are not bytes";
			continue;
		}
		if (!*esc && cp == '=') {
			*esc = 1;
			continue;
		}
		if (put(data, (unsigned char)((cp - (*esc ? 64 : 0) - 42) & 0xff), b) != 0)
			return;
		*esc = 0;
	}
}

static int
y_block(const char *t, size_t len, const struct line *begin, const char *pre, size_t npre,
    struct encblock *b, struct buf *data, int raw)
{
	struct line l, hdr = *begin;
	size_t pos, start_len = data->len;
	long long size = y_num(&hdr, "size="), part = y_num(&hdr, "part=");
	int esc = 0;

	b->kind = ENCB_YENC;
	b->damage = NULL;
	for (pos = begin->next; line_at(t, len, pos, &l); pos = l.next) {
		struct line s = l;

		strip(&s, pre, npre, 1);
		if (s.n >= 6 && memcmp(s.p, "=ypart", 6) == 0 && s.n > 6 && s.p[6] == ' ')
			continue;
		if (s.n >= 5 && memcmp(s.p, "=yend", 5) == 0 && (s.n == 5 || s.p[5] == ' ')) {
			long long esize = y_num(&s, "size="), crc = y_hex(&s, "crc32=");
			size_t got = data->len - start_len;

			if (part >= 0 && b->damage == NULL)
				b->damage = "one part of a multi-part file";
			if (part < 0 && crc >= 0 && b->damage == NULL &&
			    (uint32_t)crc32(0, (const unsigned char *)buf_str(data) + start_len,
			    (uInt)got) != (uint32_t)crc)
				b->damage = "CRC-32 mismatch";
			if (b->damage == NULL && ((esize >= 0 && (size_t)esize != got) ||
			    (part < 0 && size >= 0 && (size_t)size != got)))
				b->damage = "size mismatch";
			b->end = l.next;
			return 1;
		}
		esc = 0;
		y_decode_line(&s, data, b, &esc, raw);
	}
	b->end = len;
	if (b->damage == NULL)
		b->damage = "no =yend line";
	return 1;
}

/* ---- bare base64 ---------------------------------------------------------- */

/* Line l (prefix stripped) as a line of a bare base64 run: its length, or 0. */
static size_t
bare_line(const struct line *l)
{
	if (l->n < 4 || l->n > ENCBLOCK_BARE64_MAX)
		return 0;
	for (size_t i = 0; i < l->n; i++) {
		if (l->p[i] == '=') {	/* padding only at the end */
			for (size_t j = i; j < l->n; j++)
				if (l->p[j] != '=')
					return 0;
			return l->n - i <= 2 ? l->n : 0;
		}
		if (b64_val((unsigned char)l->p[i]) < 0)
			return 0;
	}
	return l->n;
}

/* Decoded bytes that are a file worth taking out (not text, not noise). */
static int
bare_is_file(const struct buf *d)
{
	const unsigned char *p = (const unsigned char *)buf_str(d);
	const char *t = sniff_type(p, d->len);

	if (sniff_is_executable(t))
		return 1;
	if (strncmp(t, "text/", 5) == 0)
		return mailtype_is_message(p, d->len) || mailtype_is_mbox(p, d->len);
	return strcmp(t, "application/octet-stream") != 0 && strcmp(t, "application/x-empty") != 0;
}

/*
 * A bare base64 run starting at first (its first line l, prefix np).  1 when
 * it decodes to a file (b and data set); 0 with *skip past the run when not.
 */
static int
bare_block(const char *t, size_t len, size_t start, const struct line *first,
    const char *pre, size_t npre, struct encblock *b, struct buf *data, size_t *skip)
{
	struct line l;
	size_t width = 0, lines = 0, pos = start, end = start;
	unsigned acc = 0;
	int bits = 0, last = 0;

	(void)first;
	while (!last && line_at(t, len, pos, &l)) {
		size_t w;

		strip(&l, pre, npre, 0);
		if ((w = bare_line(&l)) == 0 || (width != 0 && w > width))
			break;
		if (width == 0) {
			if (w < ENCBLOCK_BARE64_MIN)
				break;
			width = w;
		}
		last = w < width || l.p[l.n - 1] == '=';
		b64_decode_line(&l, &acc, &bits, data, b);
		lines++;
		pos = end = l.next;
	}
	*skip = end > start ? end : first->next;
	if (lines < ENCBLOCK_BARE64_LINES || b->damage != NULL || !bare_is_file(data))
		return 0;
	b->kind = ENCB_BARE64;
	b->start = start;
	b->end = end;
	return 1;
}

/* ---- the scan ------------------------------------------------------------ */

static int
find(const char *text, size_t len, size_t from, struct encblock *b, struct buf *data, int raw)
{
	struct line l;
	size_t next;

	for (size_t pos = from; line_at(text, len, pos, &l); pos = next) {
		size_t np = prefix_len(l.p, l.n);
		struct line s = { l.p + np, l.n - np, l.next };
		size_t mark = data->len;
		int b64;
		char c;

		next = l.next;
		if (s.n == 0)
			continue;
		c = s.p[0];
		/* the cheap check: a bare base64 line is long and has no space early */
		if (s.n >= ENCBLOCK_BARE64_MIN && s.n <= ENCBLOCK_BARE64_MAX &&
		    b64_val((unsigned char)c) >= 0 && memchr(s.p, ' ', 16) == NULL &&
		    bare_line(&s) != 0) {
			memset(b, 0, sizeof *b);
			if (bare_block(text, len, pos, &l, l.p, np, b, data, &next))
				return 1;
			data->len = mark;
			if (data->data != NULL)
				data->data[mark] = '\0';
			continue;
		}
		if (c != 'b' && c != '(' && c != ':' && c != '=')
			continue;
		memset(b, 0, sizeof *b);
		b->start = pos;
		if (c == 'b' && uu_begin(&s, &b64, b->name)) {
			if (uu_block(text, len, &l, l.p, np, b64, b, data))
				return 1;
		} else if (c == '(' && s.n >= sizeof BINHEX_HEADER - 1 &&
		    memcmp(s.p, BINHEX_HEADER, sizeof BINHEX_HEADER - 1) == 0) {
			struct line d;
			size_t q = l.next;

			for (int k = 0; k < ENCBLOCK_CONFIRM_LINES && line_at(text, len, q, &d);
			    k++, q = d.next) {
				struct line ds = d;

				strip(&ds, l.p, np, 0);
				if (ds.n > 0 && ds.p[0] == ':' && hqx_line(&ds, 0)) {
					hqx_block(text, len, pos, &d, l.p, np, b, data);
					return 1;
				}
			}
		} else if (c == ':') {
			struct line t = s;

			strip(&t, NULL, 0, 0);
			if (hqx_line(&t, BINHEX_HEADLESS_MIN)) {
				hqx_block(text, len, pos, &l, l.p, np, b, data);
				return 1;
			}
		} else if (c == '=' && y_begin(&s, b->name)) {
			struct line yl = s;

			yl.next = l.next;
			y_block(text, len, &yl, l.p, np, b, data, raw);
			return 1;
		}
		data->len = mark;	/* prose after all: nothing decoded is kept */
		if (data->data != NULL)
			data->data[mark] = '\0';
	}
	return 0;
}

int
encblock_find(const char *text, size_t len, size_t from, struct encblock *b, struct buf *data)
{
	return find(text, len, from, b, data, 0);
}

int
encblock_find_bytes(const unsigned char *p, size_t len, size_t from, struct encblock *b,
    struct buf *data)
{
	return find((const char *)p, len, from, b, data, 1);
}

const char *
encblock_kind_name(enum encblock_kind k)
{
	switch (k) {
	case ENCB_UUENCODE: return "uuencode";
	case ENCB_XXENCODE: return "xxencode";
	case ENCB_BASE64: return "base64";
	case ENCB_BINHEX: return "binhex";
	case ENCB_YENC: return "yenc";
	case ENCB_BARE64: return "base64";
	}
	return "unknown";
}

const char *
encblock_type(enum encblock_kind k)
{
	switch (k) {
	case ENCB_UUENCODE: return "application/x-uuencode";
	case ENCB_XXENCODE: return "application/x-xxencode";
	case ENCB_BASE64: return "application/x-uuencode";
	case ENCB_BINHEX: return "application/mac-binhex40";
	case ENCB_YENC: return "application/x-yenc";
	case ENCB_BARE64: return "application/base64";
	}
	return "application/octet-stream";
}
