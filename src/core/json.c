/*
 * json - JSON string escaping.  See json.h.
 */
#include "core/json.h"

#include "core/utf8.h"

#include <string.h>

static const char hexd[] = "0123456789abcdef";

int
json_strn(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0;
	int r = buf_putc(b, '"');

	while (r == 0 && i < n) {
		unsigned char c = p[i];
		char esc[7];
		size_t l;
		unsigned int cp;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f) {
			i++;
			continue;
		}
		if (c >= 0x80 && (l = utf8_next(p + i, n - i, &cp)) != 0) {
			i += l;
			continue;
		}
		r = buf_append(b, s + start, i - start);
		if (r != 0)
			break;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			r = buf_append(b, esc, 2);
		} else if (c == '\n')
			r = buf_puts(b, "\\n");
		else if (c == '\t')
			r = buf_puts(b, "\\t");
		else if (c == '\r')
			r = buf_puts(b, "\\r");
		else if (c < 0x80) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hexd[c >> 4];
			esc[5] = hexd[c & 15];
			r = buf_append(b, esc, 6);
		} else
			r = buf_puts(b, "\\ufffd");
		start = ++i;
	}
	if (r == 0)
		r = buf_append(b, s + start, i - start);
	return r == 0 ? buf_putc(b, '"') : r;
}

int
json_str(struct buf *b, const char *s)
{
	if (s == NULL)
		return buf_puts(b, "null");
	return json_strn(b, s, strlen(s));
}

int
json_key(struct buf *b, const char *key, int first)
{
	if (!first && buf_putc(b, ',') != 0)
		return -1;
	if (json_str(b, key) != 0)
		return -1;
	return buf_putc(b, ':');
}
