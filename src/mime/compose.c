/*
 * compose - sanitised message writer.  See compose.h.
 */
#include "mime/compose.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <gmime/gmime.h>

#include "text/charset.h"

#define WORD_RAW_UTF8 42	/* bytes of UTF-8 per B word: 56 base64 chars */
#define WORD_RAW_JIS 30		/* bytes of UTF-8 text per ISO-2022-JP word */
#define BODY_JIS_LINE_MAX 300	/* UTF-8 bytes per line before a hard wrap */

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64_encode(struct buf *out, const unsigned char *p, size_t n, size_t line)
{
	char quad[4];
	size_t col = 0;
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		quad[0] = b64chars[(v >> 18) & 63];
		quad[1] = b64chars[(v >> 12) & 63];
		quad[2] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		quad[3] = i + 2 < n ? b64chars[v & 63] : '=';
		r = buf_append(out, quad, 4);
		col += 4;
		if (line > 0 && col >= line && i + 3 < n) {
			r |= buf_putc(out, '\n');
			col = 0;
		}
	}
	if (line > 0 && n > 0 && r == 0)
		r = buf_putc(out, '\n');
	return r;
}

/* Length of the longest prefix of p (at most max bytes) ending on a
 * character boundary; at least one character. */
static size_t
utf8_prefix(const char *p, size_t len, size_t max)
{
	size_t i = 0;

	while (i < len) {
		unsigned int cp;
		size_t n = utf8_next((const unsigned char *)p + i, len - i, &cp);

		if (n == 0)
			n = 1;
		if (i + n > max && i > 0)
			break;
		i += n;
	}
	return i;
}

/* Space-separated token with folding. */
static int
put_folded(struct buf *out, const char *s, size_t n, size_t *col, int space)
{
	int r = 0;

	if (space) {
		if (*col + 1 + n > HEADER_FOLD_COLUMN && *col > 1) {
			r |= buf_puts(out, "\n ");
			*col = 1;
		} else {
			r |= buf_putc(out, ' ');
			(*col)++;
		}
	}
	r |= buf_append(out, s, n);
	*col += n;
	return r ? -1 : 0;
}

int
compose_encode_words(struct buf *out, const char *utf8, size_t len,
    enum out_charset cs, size_t *col)
{
	size_t i = 0;
	int r = 0, first = 1;

	while (i < len && r == 0) {
		size_t n = utf8_prefix(utf8 + i, len - i,
		    cs == OUT_ISO2022JP ? WORD_RAW_JIS : WORD_RAW_UTF8);
		struct buf w, raw;
		size_t unmappable;

		buf_init(&w, 256);
		buf_init(&raw, 256);
		if (cs == OUT_ISO2022JP) {
			charset_utf8_to_jis(utf8 + i, n, &raw, &unmappable);
			buf_puts(&w, "=?ISO-2022-JP?B?");
		} else {
			buf_append(&raw, utf8 + i, n);
			buf_puts(&w, "=?UTF-8?B?");
		}
		b64_encode(&w, (const unsigned char *)buf_str(&raw), raw.len, 0);
		buf_puts(&w, "?=");
		r = put_folded(out, buf_str(&w), w.len, col, !first);
		buf_free(&w);
		buf_free(&raw);
		first = 0;
		i += n;
	}
	return r;
}

static int
is_printable_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	}
	return 1;
}

/* Plain ASCII words, folded at spaces. */
static int
put_ascii_words(struct buf *out, const char *s, size_t *col, int lead_space)
{
	int r = 0, first = 1;

	while (*s != '\0' && r == 0) {
		size_t n;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		n = strcspn(s, " \t");
		r = put_folded(out, s, n, col, !first || lead_space);
		first = 0;
		s += n;
	}
	return r;
}

/* A display name as atoms, a quoted string or encoded words. */
static int
put_phrase(struct buf *out, const char *name, enum out_charset cs, size_t *col)
{
	int needs_quote = 0;

	if (!is_printable_ascii(name) || strstr(name, "=?") != NULL) {
		int r;

		r = buf_putc(out, ' ');
		(*col)++;
		return r | compose_encode_words(out, name, strlen(name), cs, col);
	}
	for (const char *p = name; *p != '\0'; p++) {
		if (strchr("()<>[]:;@\\,.\"", *p) != NULL)
			needs_quote = 1;
	}
	if (!needs_quote)
		return put_ascii_words(out, name, col, 1);
	{
		struct buf q;
		int r;

		buf_init(&q, strlen(name) * 2 + 3);
		buf_putc(&q, '"');
		for (const char *p = name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(&q, '\\');
			buf_putc(&q, *p);
		}
		buf_putc(&q, '"');
		r = put_folded(out, buf_str(&q), q.len, col, 1);
		buf_free(&q);
		return r;
	}
}

static int
put_address_list(struct buf *out, InternetAddressList *list, enum out_charset cs,
    size_t *col, int *first)
{
	int n = internet_address_list_length(list), r = 0;

	for (int i = 0; i < n && r == 0; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		const char *name = internet_address_get_name(ia);

		if (!*first)
			r |= buf_putc(out, ','), (*col)++;
		*first = 0;
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			int gfirst = 1;

			r |= put_phrase(out, name ? name : "", cs, col);
			r |= buf_putc(out, ':');
			(*col)++;
			r |= put_address_list(out,
			    internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), cs,
			    col, &gfirst);
			r |= buf_putc(out, ';');
			(*col)++;
		} else {
			const char *addr = internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(ia));
			struct buf a;

			if (name != NULL && *name != '\0')
				r |= put_phrase(out, name, cs, col);
			buf_init(&a, strlen(addr ? addr : "") + 3);
			buf_printf(&a, "<%s>", addr ? addr : "");
			for (size_t k = 0; k < a.len; k++) {
				if ((unsigned char)a.data[k] < 0x21 || a.data[k] == 0x7f)
					a.data[k] = '_';
			}
			r |= put_folded(out, buf_str(&a), a.len, col, 1);
			buf_free(&a);
		}
	}
	return r;
}

int
compose_header(struct buf *out, const char *name, const char *utf8,
    enum hkind kind, enum out_charset cs)
{
	size_t col = strlen(name) + 1;
	int r = 0;

	switch (kind) {
	case HK_ASCII:
		if (!is_printable_ascii(utf8))
			return -1;
		r |= buf_printf(out, "%s:", name);
		r |= put_ascii_words(out, utf8, &col, 1);
		break;
	case HK_TEXT:
		r |= buf_printf(out, "%s:", name);
		if (is_printable_ascii(utf8) && strstr(utf8, "=?") == NULL)
			r |= put_ascii_words(out, utf8, &col, 1);
		else {
			r |= buf_putc(out, ' ');
			col++;
			r |= compose_encode_words(out, utf8, strlen(utf8), cs, &col);
		}
		break;
	case HK_ADDR: {
		InternetAddressList *list = internet_address_list_parse(NULL, utf8);
		int first = 1;

		if (list == NULL || internet_address_list_length(list) == 0) {
			if (list != NULL)
				g_object_unref(list);
			/* not an address list: keep it readable as text */
			return compose_header(out, name, utf8, HK_TEXT, cs);
		}
		r |= buf_printf(out, "%s:", name);
		r |= put_address_list(out, list, cs, &col, &first);
		g_object_unref(list);
		break;
	}
	}
	r |= buf_putc(out, '\n');
	return r ? -1 : 0;
}

int
compose_body(struct buf *out, const char *utf8, size_t len, enum out_charset cs)
{
	int r = 0;

	r |= buf_puts(out, "MIME-Version: 1.0\n");
	if (cs == OUT_UTF8) {
		r |= buf_puts(out, "Content-Type: text/plain; charset=UTF-8\n"
		    "Content-Transfer-Encoding: base64\n\n");
		r |= b64_encode(out, (const unsigned char *)utf8, len, 76);
	} else {
		struct buf wrapped;
		size_t col = 0, unmappable;

		r |= buf_puts(out, "Content-Type: text/plain; charset=ISO-2022-JP\n"
		    "Content-Transfer-Encoding: 7bit\n\n");
		/* 7bit lines must stay under 998 octets: wrap long lines. */
		buf_init(&wrapped, len + len / BODY_JIS_LINE_MAX + 16);
		for (size_t i = 0; i < len;) {
			unsigned int cp;
			size_t n = utf8_next((const unsigned char *)utf8 + i, len - i, &cp);

			if (n == 0)
				n = 1;
			if (utf8[i] == '\n')
				col = 0;
			else if (col + n > BODY_JIS_LINE_MAX) {
				buf_putc(&wrapped, '\n');
				col = 0;
			}
			buf_append(&wrapped, utf8 + i, n);
			if (utf8[i] != '\n')
				col += n;
			i += n;
		}
		r |= charset_utf8_to_jis(buf_str(&wrapped), wrapped.len, out, &unmappable);
		buf_free(&wrapped);
	}
	return r ? -1 : 0;
}

/* RFC 2231 extended value: UTF-8'' then percent-encoded bytes. */
static int
put_rfc2231(struct buf *out, const char *utf8)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = buf_puts(out, "UTF-8''");

	for (const unsigned char *p = (const unsigned char *)utf8; *p != '\0' && r == 0; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p) != NULL)
			r = buf_putc(out, *p);
		else
			r = buf_printf(out, "%%%c%c", hex[*p >> 4], hex[*p & 15]) < 0;
	}
	return r ? -1 : 0;
}

/*
 * A sanitised message (message/rfc822) is carried as it is: RFC 2046 allows
 * no encoding but 7bit/8bit/binary for it, and sekisho's messages are 7-bit
 * with short lines.  Anything else of that type goes in base64 as a file.
 */
static int
raw_message(const struct compose_attachment *a)
{
	size_t line = 0;

	if (strcmp(a->type, "message/rfc822") != 0 || a->len == 0)
		return 0;
	for (size_t i = 0; i < a->len; i++) {
		unsigned char c = a->data[i];

		if (c == '\n') {
			line = 0;
			continue;
		}
		if (c == 0 || c == '\r' || c >= 0x80 || ++line > 998)
			return 0;
	}
	return 1;
}

/* A boundary that occurs nowhere in what it separates (the text, messages carried as they are). */
static void
make_boundary(char *b, size_t n, const char *seed, const struct buf *text,
    const struct compose_attachment *att, size_t natt)
{
	for (unsigned k = 0;; k++) {
		int seen;

		snprintf(b, n, "=_sekisho_%.24s_%u", seed != NULL ? seed : "", k);
		seen = memmem(text->data, text->len, b, strlen(b)) != NULL;
		for (size_t i = 0; i < natt && !seen; i++)
			seen = raw_message(&att[i]) && memmem(att[i].data, att[i].len, b, strlen(b)) != NULL;
		if (!seen)
			return;
	}
}

int
compose_body_mixed(struct buf *out, const char *utf8, size_t len, enum out_charset cs,
    const struct compose_attachment *att, size_t n, const char *seed)
{
	struct buf text;
	char boundary[64];
	const char *body;
	int r = 0;

	if (n == 0)
		return compose_body(out, utf8, len, cs);
	/* the text part as compose_body() writes it, without MIME-Version */
	buf_init(&text, out->max);
	if (compose_body(&text, utf8, len, cs) != 0) {
		buf_free(&text);
		return -1;
	}
	body = strstr(buf_str(&text), "Content-Type:");
	make_boundary(boundary, sizeof boundary, seed, &text, att, n);
	r |= buf_printf(out, "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
	    "boundary=\"%s\"\n\nThis is a multi-part message in MIME format.\n\n", boundary) < 0;
	r |= buf_printf(out, "--%s\n", boundary) < 0;
	r |= buf_puts(out, body);
	if (text.len > 0 && text.data[text.len - 1] != '\n')
		r |= buf_putc(out, '\n');
	buf_free(&text);
	for (size_t i = 0; i < n && r == 0; i++) {
		int raw = raw_message(&att[i]);
		const char *type = raw || strcmp(att[i].type, "message/rfc822") != 0 ? att[i].type :
		    "application/octet-stream";
		size_t col;

		r |= buf_printf(out, "--%s\nContent-Type: %s;\n name=\"", boundary, type) < 0;
		col = 7;
		r |= compose_encode_words(out, att[i].name, strlen(att[i].name), cs, &col);
		r |= buf_puts(out, "\"\nContent-Disposition: attachment;\n filename*=");
		r |= put_rfc2231(out, att[i].name);
		if (raw) {	/* the line break before the next boundary belongs to it */
			r |= buf_puts(out, "\nContent-Transfer-Encoding: 7bit\n\n");
			r |= buf_append(out, att[i].data, att[i].len);
			r |= buf_putc(out, '\n');
			continue;
		}
		r |= buf_puts(out, "\nContent-Transfer-Encoding: base64\n\n");
		r |= b64_encode(out, att[i].data, att[i].len, 76);
	}
	r |= buf_printf(out, "--%s--\n", boundary) < 0;
	return r ? -1 : 0;
}
