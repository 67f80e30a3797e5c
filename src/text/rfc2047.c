/*
 * rfc2047 - encoded-word decoding with joining.  See rfc2047.h.
 */
#include "core/utf8.h"
#include "text/rfc2047.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "text/charset.h"

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
b64_decode(const char *in, size_t len, struct buf *out)
{
	unsigned int acc = 0;
	int bits = 0, bad = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int v;

		if (c == '=')
			break;
		if (isspace(c))
			continue;
		if ((v = b64val(c)) < 0) {
			bad = 1;
			continue;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (buf_putc(out, (int)((acc >> bits) & 0xff)) != 0)
				return -1;
		}
	}
	return bad ? -1 : 0;
}

int
qp_word_decode(const char *in, size_t len, struct buf *out, int q_underscore)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int h, l;

		if (c == '=' && i + 2 < len &&
		    (h = hex_digit((unsigned char)in[i + 1])) >= 0 &&
		    (l = hex_digit((unsigned char)in[i + 2])) >= 0) {
			c = (unsigned char)(h * 16 + l);
			i += 2;
		} else if (c == '_' && q_underscore)
			c = ' ';
		if (buf_putc(out, c) != 0)
			return -1;
	}
	return 0;
}

/* One parsed encoded word: =?charset?E?text?= */
struct eword {
	const char *cs;
	size_t cslen;
	char enc;
	const char *text;
	size_t textlen;
	size_t total;		/* bytes from "=?" to "?=" inclusive */
};

static int
parse_eword(const char *p, size_t len, struct eword *w)
{
	size_t i = 2, q1, q2;

	if (len < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	while (i < len && p[i] != '?' && !isspace((unsigned char)p[i]))
		i++;
	if (i >= len || p[i] != '?' || i == 2)
		return 0;
	q1 = i;
	if (q1 + 2 >= len || p[q1 + 2] != '?')
		return 0;
	w->enc = (char)toupper((unsigned char)p[q1 + 1]);
	if (w->enc != 'B' && w->enc != 'Q')
		return 0;
	q2 = q1 + 2;
	for (i = q2 + 1; i + 1 < len; i++) {
		if (p[i] == '?' && p[i + 1] == '=')
			break;
		if (p[i] == '\n' || p[i] == '\r')
			return 0;
	}
	if (i + 1 >= len)
		return 0;
	w->cs = p + 2;
	w->cslen = q1 - 2;
	/* RFC 2231 language suffix: charset*lang */
	for (size_t k = 0; k < w->cslen; k++) {
		if (w->cs[k] == '*') {
			w->cslen = k;
			break;
		}
	}
	w->text = p + q2 + 1;
	w->textlen = i - (q2 + 1);
	w->total = i + 2;
	return 1;
}

struct decoder {
	struct buf *out;
	struct hdr_info *info;
	enum hdr_mode mode;
	int in_quote;
	char cs[CHARSET_NAME_MAX];
	struct buf pending;	/* joined raw bytes of the current run */
};

static int
is_special(unsigned char c)
{
	return strchr("()<>[]:;@\\,.\"", c) != NULL && c != '\0';
}

/* Append decoded UTF-8, with controls made spaces and phrase quoting. */
static int
emit(struct decoder *d, const char *s, size_t n, int from_eword)
{
	int quote = 0;

	if (d->mode == HDR_PHRASE && from_eword && !d->in_quote) {
		for (size_t i = 0; i < n; i++) {
			if (is_special((unsigned char)s[i]))
				quote = 1;
		}
	}
	if (quote && buf_putc(d->out, '"') != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			c = ' ';
		if (d->mode == HDR_PHRASE && from_eword && (quote || d->in_quote) &&
		    (c == '"' || c == '\\') && buf_putc(d->out, '\\') != 0)
			return -1;
		if (buf_putc(d->out, c) != 0)
			return -1;
	}
	if (quote && buf_putc(d->out, '"') != 0)
		return -1;
	return 0;
}

static int
decode_emit(struct decoder *d, const char *label, const char *s, size_t n,
    int from_eword)
{
	struct charset_info ci;
	struct buf tmp;
	int r;

	buf_init(&tmp, d->out->max);
	r = charset_decode(label, s, n, &tmp, &ci);
	d->info->bad_bytes += ci.bad_bytes;
	if (r == 0)
		r = emit(d, tmp.data ? tmp.data : "", tmp.len, from_eword);
	buf_free(&tmp);
	return r;
}

static int
flush(struct decoder *d)
{
	int r = 0;

	if (d->pending.len > 0)
		r = decode_emit(d, d->cs, d->pending.data, d->pending.len, 1);
	buf_reset(&d->pending);
	d->cs[0] = '\0';
	return r;
}

/* Raw (unencoded) text: plain ASCII is copied, 8-bit is detected. */
static int
raw_text(struct decoder *d, const char *s, size_t n)
{
	int eightbit = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 || c == 0x1b)
			eightbit = 1;
		if (c == '"' && (i == 0 || s[i - 1] != '\\'))
			d->in_quote = !d->in_quote;
	}
	if (!eightbit)
		return emit(d, s, n, 0);
	d->info->raw_8bit = 1;
	return decode_emit(d, NULL, s, n, 0);
}

int
hdr_decode(const char *raw, size_t len, enum hdr_mode mode, struct buf *out,
    struct hdr_info *info)
{
	struct decoder d;
	struct buf unf;
	size_t i = 0, text_start = 0;
	int r = 0, prev_eword = 0;

	memset(info, 0, sizeof *info);
	memset(&d, 0, sizeof d);
	d.out = out;
	d.info = info;
	d.mode = mode;
	buf_init(&d.pending, out->max);
	/* Unfold: drop CR and LF (the folding whitespace itself stays). */
	buf_init(&unf, len + 1);
	for (size_t k = 0; k < len; k++) {
		if (raw[k] != '\r' && raw[k] != '\n')
			buf_putc(&unf, raw[k]);
	}
	raw = buf_str(&unf);
	len = unf.len;
	while (len > 0 && isspace((unsigned char)raw[0])) {
		raw++;
		len--;
	}

	while (i < len && r == 0) {
		struct eword w;

		if (raw[i] != '=' || !parse_eword(raw + i, len - i, &w)) {
			i++;
			continue;
		}
		/* Text before this word: dropped if only whitespace between words. */
		if (i > text_start) {
			int ws = 1;

			for (size_t k = text_start; k < i; k++) {
				if (!isspace((unsigned char)raw[k]))
					ws = 0;
			}
			if (!(ws && prev_eword)) {
				r = flush(&d);
				if (r == 0)
					r = raw_text(&d, raw + text_start, i - text_start);
			}
		}
		if (r != 0)
			break;
		{
			char cs[CHARSET_NAME_MAX];
			size_t cl = w.cslen < sizeof cs - 1 ? w.cslen : sizeof cs - 1;
			const char *canon;

			memcpy(cs, w.cs, cl);
			cs[cl] = '\0';
			canon = charset_canonical(cs);
			if (canon == NULL)
				canon = cs;
			if (d.cs[0] != '\0' && strcmp(d.cs, canon) != 0)
				r = flush(&d);
			if (r == 0) {
				memcpy(d.cs, canon, strlen(canon) + 1);
				if (w.enc == 'B') {
					if (b64_decode(w.text, w.textlen, &d.pending) != 0)
						info->bad_words++;
				} else
					r = qp_word_decode(w.text, w.textlen, &d.pending, 1);
			}
			info->encoded_words++;
		}
		i += w.total;
		text_start = i;
		prev_eword = 1;
	}
	if (r == 0)
		r = flush(&d);
	if (r == 0 && text_start < len)
		r = raw_text(&d, raw + text_start, len - text_start);
	buf_free(&d.pending);
	buf_free(&unf);
	return r;
}
