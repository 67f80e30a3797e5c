/*
 * textout - whitespace-owning line writer.  See textout.h.
 */
#include "text/textout.h"

#include <string.h>

void
textout_init(struct textout *tw, struct buf *out)
{
	memset(tw, 0, sizeof *tw);
	tw->out = out;
	tw->at_line_start = 1;
}

static void
put(struct textout *tw, const char *s, size_t n)
{
	if (!tw->full && buf_append(tw->out, s, n) != 0)
		tw->full = 1;
}

/* Drop trailing spaces of the line being ended. */
static void
trim_line_end(struct textout *tw)
{
	struct buf *b = tw->out;

	while (b->len > 0 && b->data[b->len - 1] == ' ')
		b->data[--b->len] = '\0';
}

/* East Asian wide/fullwidth ranges where a source line break is not a space
 * (CSS Text 3 segment break transformation). */
static int
is_wide(unsigned int cp)
{
	return (cp >= 0x2e80 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7a3) ||
	    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
	    (cp >= 0xff00 && cp <= 0xffef) || (cp >= 0x20000 && cp <= 0x3fffd);
}

static unsigned int
first_cp(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	if (n >= 3 && (p[0] & 0xf0) == 0xe0)
		return ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
	if (n >= 4 && (p[0] & 0xf8) == 0xf0)
		return ((p[0] & 0x07u) << 18) | ((p[1] & 0x3fu) << 12) |
		    ((p[2] & 0x3fu) << 6) | (p[3] & 0x3fu);
	return p[0];
}

static unsigned int
last_cp(const struct buf *b)
{
	size_t i = b->len;

	if (i == 0)
		return 0;
	while (i > 0 && ((unsigned char)b->data[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0)
		return 0;
	return first_cp(b->data + i - 1, b->len - (i - 1));
}

static void
start_text(struct textout *tw)
{
	if (tw->lines_written && tw->pending_newlines > 0) {
		int n = tw->pending_newlines > 2 ? 2 : tw->pending_newlines;

		trim_line_end(tw);
		if (!tw->at_line_start)
			put(tw, "\n", 1), n--;
		while (n-- > 0) {
			/* a blank line inside a quote keeps its marker; one
			 * entering or leaving a quote does not */
			if (tw->prefix_len > 0) {
				size_t k = tw->prefix_len < tw->line_prefix_len ?
				    tw->prefix_len : tw->line_prefix_len;

				while (k > 0 && tw->prefix[k - 1] == ' ')
					k--;
				put(tw, tw->prefix, k);
			}
			put(tw, "\n", 1);
		}
		tw->at_line_start = 1;
		tw->pending_space = 0;
	}
	tw->pending_newlines = 0;
	if (tw->at_line_start) {
		put(tw, tw->prefix, tw->prefix_len);
		tw->line_prefix_len = tw->prefix_len;
		tw->at_line_start = 0;
		tw->pending_space = 0;
	} else if (tw->pending_space) {
		put(tw, " ", 1);
		tw->pending_space = 0;
	}
	tw->lines_written = 1;
}

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void
textout_text(struct textout *tw, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && !tw->full) {
		unsigned char c = (unsigned char)s[i];
		size_t run;

		/* U+00A0 NO-BREAK SPACE is a space for a reader of plain text. */
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0xa0) {
			if (tw->preformatted) {
				start_text(tw);
				put(tw, " ", 1);
			} else if (!tw->at_line_start || tw->pending_newlines == 0)
				tw->pending_space = 1;
			i += 2;
			continue;
		}
		if (is_space(c)) {
			if (tw->preformatted) {
				if (c == '\n') {
					if (tw->pending_newlines > 0)
						start_text(tw);
					trim_line_end(tw);
					put(tw, "\n", 1);
					tw->at_line_start = 1;
					tw->lines_written = 1;
				} else if (c != '\r') {
					start_text(tw);
					put(tw, c == '\t' ? "\t" : " ", 1);
				}
			} else if (!tw->at_line_start) {
				/* 2: the run holds a line break (dropped between CJK) */
				if (c == '\n' || c == '\r')
					tw->pending_space = 2;
				else if (tw->pending_space == 0)
					tw->pending_space = 1;
			}
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {	/* controls never reach output */
			i++;
			continue;
		}
		for (run = i; run < n; run++) {
			unsigned char d = (unsigned char)s[run];

			if (is_space(d) || d < 0x20 || d == 0x7f ||
			    (d == 0xc2 && run + 1 < n && (unsigned char)s[run + 1] == 0xa0))
				break;
		}
		if (tw->pending_space == 2 && is_wide(last_cp(tw->out)) &&
		    is_wide(first_cp(s + i, run - i)))
			tw->pending_space = 0;
		start_text(tw);
		put(tw, s + i, run - i);
		i = run;
	}
}

void
textout_break(struct textout *tw, int n)
{
	if (n > tw->pending_newlines)
		tw->pending_newlines = n;
	tw->pending_space = 0;
}

void
textout_set_prefix(struct textout *tw, const char *prefix, size_t n)
{
	if (n >= sizeof tw->prefix)
		n = sizeof tw->prefix - 1;
	memcpy(tw->prefix, prefix, n);
	tw->prefix[n] = '\0';
	tw->prefix_len = n;
}

void
textout_finish(struct textout *tw)
{
	trim_line_end(tw);
	if (tw->lines_written && !tw->at_line_start)
		put(tw, "\n", 1);
	tw->at_line_start = 1;
	tw->pending_newlines = 0;
}
