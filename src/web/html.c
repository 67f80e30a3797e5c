/*
 * html - escaping for the console's pages and links.  See html.h for the
 * contract.
 */
#include "web/html.h"

#include <string.h>

#include "core/utf8.h"

#define HTML_REPLACEMENT 0xfffd

/* Bidirectional controls, shown as markers (the list of text/fname.c). */
static int
html_bidi(unsigned int cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

/* C0 but TAB and LF, DEL, C1: invisible, or a line break a reader does not expect. */
static int
html_control(unsigned int cp)
{
	if (cp == '\t' || cp == '\n')
		return 0;
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

/* Put the buffer back as it was before a call that failed half-way. */
static int
html_undo(struct buf *b, size_t len)
{
	b->len = len;
	if (b->data != NULL)
		b->data[len] = '\0';
	return -1;
}

int
html_text(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = b->len, i = 0;

	while (i < n) {
		unsigned int cp;
		size_t k = utf8_next(p + i, n - i, &cp);
		int r;

		if (k == 0) {
			cp = HTML_REPLACEMENT;
			k = 1;
		}
		switch (cp) {
		case '&':
			r = buf_puts(b, "&amp;");
			break;
		case '<':
			r = buf_puts(b, "&lt;");
			break;
		case '>':
			r = buf_puts(b, "&gt;");
			break;
		case '"':
			r = buf_puts(b, "&quot;");
			break;
		case '\'':
			r = buf_puts(b, "&#39;");
			break;
		default:
			if (html_control(cp) || cp == HTML_REPLACEMENT)
				r = utf8_put(b, HTML_REPLACEMENT);
			else if (html_bidi(cp))
				r = buf_printf(b, "[U+%04X]", cp);
			else
				r = buf_append(b, p + i, k);
			break;
		}
		if (r != 0)
			return html_undo(b, start);
		i += k;
	}
	return 0;
}

int
html_textz(struct buf *b, const char *s)
{
	return html_text(b, s, strlen(s));
}

static int
url_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

int
url_component(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t start = b->len;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		int r;

		if (url_unreserved(*p))
			r = buf_putc(b, *p);
		else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 0x0f] };

			r = buf_append(b, e, sizeof e);
		}
		if (r != 0)
			return html_undo(b, start);
	}
	return 0;
}
