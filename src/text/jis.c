/*
 * jis - ISO-2022-JP family to CP932.  See jis.h for the contract.
 */
#include "text/jis.h"

#include <string.h>

enum jis_set { SET_ASCII, SET_X0208, SET_KANA, SET_X0212 };

int
jis_has_escape(const unsigned char *p, size_t len)
{
	const unsigned char *e = p + len, *q = p;

	while ((q = memchr(q, 0x1b, (size_t)(e - q))) != NULL && e - q >= 3) {
		if (q[1] == '$' && (q[2] == 'B' || q[2] == '@' || q[2] == '('))
			return 1;
		if (q[1] == '(' && (q[2] == 'I' || q[2] == 'J'))
			return 1;
		q++;
	}
	return 0;
}

static int
bad(struct buf *out, size_t *nbad)
{
	(*nbad)++;
	return buf_append(out, JIS_BAD_MARK, 2);
}

/* JIS X 0208 row/cell (0x21..0x7E each) to Shift_JIS/CP932 bytes. */
static int
put_x0208(struct buf *out, unsigned j1, unsigned j2)
{
	unsigned char s[2];

	s[0] = (unsigned char)(((j1 + 1) >> 1) + (j1 <= 0x5e ? 0x70 : 0xb0));
	if (j1 & 1)
		s[1] = (unsigned char)(j2 + (j2 < 0x60 ? 0x1f : 0x20));
	else
		s[1] = (unsigned char)(j2 + 0x7e);
	return buf_append(out, s, 2);
}

int
jis_to_cp932(const unsigned char *in, size_t len, struct buf *out, size_t *nbad)
{
	enum jis_set set = SET_ASCII, saved = SET_ASCII;
	size_t i = 0;
	int r = 0;

	while (i < len && r == 0) {
		unsigned char c = in[i];

		if (c == 0x1b) {
			const unsigned char *e = in + i + 1;
			size_t left = len - i - 1;

			if (left >= 2 && e[0] == '(' && (e[1] == 'B' || e[1] == 'J' || e[1] == 'H')) {
				set = SET_ASCII;
				i += 3;
			} else if (left >= 2 && e[0] == '(' && e[1] == 'I') {
				set = SET_KANA;
				i += 3;
			} else if (left >= 2 && e[0] == '$' && (e[1] == 'B' || e[1] == '@')) {
				set = SET_X0208;
				i += 3;
			} else if (left >= 3 && e[0] == '$' && e[1] == '(' &&
			    (e[2] == 'B' || e[2] == 'Q' || e[2] == 'O')) {
				set = SET_X0208;	/* JIS X 0213 plane 1 ~ 0208 */
				i += 4;
			} else if (left >= 3 && e[0] == '$' && e[1] == '(' && e[2] == 'D') {
				set = SET_X0212;
				i += 4;
			} else if (left >= 2 && e[0] == '&' && e[1] == '@') {
				i += 3;		/* JIS X 0208-1990 announcer */
			} else {
				r = bad(out, nbad);	/* unknown escape: show, skip ESC */
				i++;
			}
			continue;
		}
		if (c == 0x0e) {		/* SO: CP50222 kana shift */
			saved = set;
			set = SET_KANA;
			i++;
			continue;
		}
		if (c == 0x0f) {		/* SI */
			set = saved == SET_KANA ? SET_ASCII : saved;
			i++;
			continue;
		}
		if (c == '\n' || c == '\r') {
			set = SET_ASCII;
			r = buf_putc(out, c);
			i++;
			continue;
		}
		if (c >= 0xa1 && c <= 0xdf) {	/* 8-bit half-width kana */
			r = buf_putc(out, c);
			i++;
			continue;
		}
		if (c >= 0x80) {
			r = bad(out, nbad);
			i++;
			continue;
		}
		switch (set) {
		case SET_ASCII:
			r = buf_putc(out, c);
			i++;
			break;
		case SET_KANA:
			if (c >= 0x21 && c <= 0x5f)
				r = buf_putc(out, c + 0x80);
			else if (c < 0x21)
				r = buf_putc(out, c);
			else
				r = bad(out, nbad);
			i++;
			break;
		case SET_X0208:
		case SET_X0212:
			if (c < 0x21 || c == 0x7f) {	/* controls pass through */
				r = buf_putc(out, c);
				i++;
			} else if (i + 1 < len && in[i + 1] >= 0x21 && in[i + 1] <= 0x7e) {
				if (set == SET_X0208)
					r = put_x0208(out, c, in[i + 1]);
				else
					r = bad(out, nbad);
				i += 2;
			} else {
				r = bad(out, nbad);
				i++;
			}
			break;
		}
	}
	return r;
}

static int
shift_to(struct buf *out, enum jis_set *cur, enum jis_set want)
{
	static const char *const esc[] = { "\x1b(B", "\x1b$B", "\x1b(I", "" };

	if (*cur == want)
		return 0;
	*cur = want;
	return buf_append(out, esc[want], 3);
}

int
jis_from_cp932(const unsigned char *in, size_t len, struct buf *out)
{
	enum jis_set cur = SET_ASCII;
	int r = 0;

	for (size_t i = 0; i < len && r == 0; i++) {
		unsigned char c = in[i];

		if (c < 0x80) {
			r = shift_to(out, &cur, SET_ASCII);
			if (r == 0)
				r = buf_putc(out, c);
		} else if (c >= 0xa1 && c <= 0xdf) {
			r = shift_to(out, &cur, SET_KANA);
			if (r == 0)
				r = buf_putc(out, c - 0x80);
		} else if (((c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xef)) && i + 1 < len &&
		    in[i + 1] >= 0x40 && in[i + 1] <= 0xfc && in[i + 1] != 0x7f) {
			unsigned s1 = c, s2 = in[++i], j1, j2;

			j1 = (s1 - (s1 <= 0x9f ? 0x70 : 0xb0)) * 2 - 1;
			if (s2 >= 0x9f) {
				j1++;
				j2 = s2 - 0x7e;
			} else
				j2 = s2 - (s2 >= 0x80 ? 0x20 : 0x1f);
			r = shift_to(out, &cur, SET_X0208);
			if (r == 0) {
				unsigned char jj[2] = { (unsigned char)j1, (unsigned char)j2 };

				r = buf_append(out, jj, 2);
			}
		} else {
			/* user-defined or invalid: the geta mark, JIS 0x222E */
			if (c >= 0xf0 && c <= 0xfc && i + 1 < len)
				i++;
			r = shift_to(out, &cur, SET_X0208);
			if (r == 0)
				r = buf_append(out, "\x22\x2e", 2);
		}
		if (r == 0 && i + 1 < len && in[i + 1] == '\n')
			r = shift_to(out, &cur, SET_ASCII);
	}
	if (r == 0)
		r = shift_to(out, &cur, SET_ASCII);
	return r;
}
