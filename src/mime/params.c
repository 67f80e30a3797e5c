/*
 * params - MIME parameter extraction with RFC 2231 and RFC 2047.
 */
#include "core/utf8.h"
#include "mime/params.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "text/charset.h"

struct seg {
	int present, extended;
	const char *v;		/* value bytes (unquoted later) */
	size_t vlen;
	int quoted;
};

/* Read a token or quoted-string at *pp; unescaped value into val. */
static void
read_value(const char **pp, const char *end, struct buf *val, int *quoted)
{
	const char *p = *pp;

	*quoted = 0;
	if (p < end && *p == '"') {
		*quoted = 1;
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			buf_putc(val, *p);
		}
		if (p < end)
			p++;
	} else {
		while (p < end && *p != ';' && !isspace((unsigned char)*p))
			buf_putc(val, *p++);
	}
	*pp = p;
}

static void
pct_decode(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		int h, l;

		if (s[i] == '%' && i + 2 < n &&
		    (h = hex_digit((unsigned char)s[i + 1])) >= 0 &&
		    (l = hex_digit((unsigned char)s[i + 2])) >= 0) {
			buf_putc(out, h * 16 + l);
			i += 2;
		} else
			buf_putc(out, s[i]);
	}
}

int
param_get(const char *raw, size_t len, const char *name, struct buf *out,
    struct param_info *info)
{
	const char *p = raw, *end = raw + len;
	struct seg segs[PARAM_SEGMENTS_MAX];
	struct buf vals[PARAM_SEGMENTS_MAX];
	struct buf plain;
	int have_plain = 0, have_ext = 0, found = 0;
	size_t nlen = strlen(name);

	memset(info, 0, sizeof *info);
	memset(segs, 0, sizeof segs);
	for (int i = 0; i < PARAM_SEGMENTS_MAX; i++)
		buf_init(&vals[i], out->max);
	buf_init(&plain, out->max);

	/* Skip the value before the first ';' (respecting quotes). */
	for (int q = 0; p < end && (q || *p != ';'); p++) {
		if (*p == '"')
			q = !q;
		else if (*p == '\\' && q && p + 1 < end)
			p++;
	}
	while (p < end) {
		const char *pn;
		size_t pnl;
		long idx = -1;
		int ext = 0, quoted;
		struct buf v;

		while (p < end && (*p == ';' || isspace((unsigned char)*p)))
			p++;
		pn = p;
		while (p < end && *p != '=' && *p != ';' && *p != '*' && !isspace((unsigned char)*p))
			p++;
		pnl = (size_t)(p - pn);
		if (p < end && *p == '*') {
			p++;
			if (p < end && isdigit((unsigned char)*p)) {
				idx = 0;
				while (p < end && isdigit((unsigned char)*p)) {
					if (idx < 100000)
						idx = idx * 10 + (*p - '0');
					p++;
				}
				if (p < end && *p == '*') {
					ext = 1;
					p++;
				}
			} else
				ext = 1;
		}
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p >= end || *p != '=') {
			while (p < end && *p != ';')
				p++;
			continue;
		}
		p++;
		while (p < end && isspace((unsigned char)*p))
			p++;
		buf_init(&v, out->max);
		read_value(&p, end, &v, &quoted);
		if (pnl == nlen && strncasecmp(pn, name, nlen) == 0) {
			if (idx < 0 && !ext) {
				if (have_plain && (plain.len != v.len ||
				    memcmp(buf_str(&plain), buf_str(&v), v.len) != 0))
					info->conflicting = 1;
				buf_reset(&plain);
				buf_append(&plain, buf_str(&v), v.len);
				have_plain = 1;
			} else {
				if (idx < 0)
					idx = 0;
				if (idx >= PARAM_SEGMENTS_MAX)
					info->too_many_segments = 1;
				else {
					if (segs[idx].present)
						info->conflicting = 1;
					segs[idx].present = 1;
					segs[idx].extended = ext;
					buf_reset(&vals[idx]);
					buf_append(&vals[idx], buf_str(&v), v.len);
					have_ext = 1;
				}
			}
		}
		buf_free(&v);
		while (p < end && *p != ';')
			p++;
	}

	if (have_ext && segs[0].present) {
		struct buf bytes;
		char cs[CHARSET_NAME_MAX] = "";
		struct charset_info ci;

		buf_init(&bytes, out->max);
		for (int i = 0; i < PARAM_SEGMENTS_MAX && segs[i].present; i++) {
			const char *s = buf_str(&vals[i]);
			size_t n = vals[i].len;

			if (i == 0 && segs[0].extended) {
				const char *q1 = memchr(s, '\'', n), *q2;

				if (q1 != NULL && (q2 = memchr(q1 + 1, '\'', n - (size_t)(q1 + 1 - s))) != NULL) {
					size_t cl = (size_t)(q1 - s);

					if (cl >= sizeof cs)
						cl = sizeof cs - 1;
					memcpy(cs, s, cl);
					cs[cl] = '\0';
					n -= (size_t)(q2 + 1 - s);
					s = q2 + 1;
				}
			}
			if (segs[i].extended)
				pct_decode(s, n, &bytes);
			else
				buf_append(&bytes, s, n);
		}
		/* A Japanese mailer may put RFC 2047 inside an RFC 2231 value. */
		if (cs[0] == '\0' && strstr(buf_str(&bytes), "=?") != NULL)
			hdr_decode(buf_str(&bytes), bytes.len, HDR_TEXT, out, &info->hdr);
		else {
			charset_decode(cs[0] ? cs : NULL, buf_str(&bytes), bytes.len, out, &ci);
			info->hdr.bad_bytes += ci.bad_bytes;
		}
		buf_free(&bytes);
		found = 1;
	} else if (have_plain) {
		hdr_decode(buf_str(&plain), plain.len, HDR_TEXT, out, &info->hdr);
		found = 1;
	}
	for (int i = 0; i < PARAM_SEGMENTS_MAX; i++)
		buf_free(&vals[i]);
	buf_free(&plain);
	return found;
}
