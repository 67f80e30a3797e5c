/*
 * flowed - RFC 3676 unflowing.  See flowed.h.
 */
#include "text/flowed.h"

#include <string.h>

int
flowed_to_text(const char *s, size_t n, int delsp, struct buf *out)
{
	size_t i = 0;
	int joining = 0, joined_depth = 0, r = 0;

	while (i < n && r == 0) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) : n, len;
		const char *line = s + i;
		int depth = 0, soft;

		len = end - i;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		while (len > 0 && *line == '>') {
			depth++;
			line++;
			len--;
		}
		if (len > 0 && *line == ' ')	/* space-stuffing */
			line++, len--;
		soft = len > 0 && line[len - 1] == ' ' &&
		    !(len == 3 && memcmp(line, "-- ", 3) == 0);
		if (joining && depth != joined_depth) {	/* quote depth changed: hard break */
			r |= buf_putc(out, '\n');
			joining = 0;
		}
		if (!joining)
			for (int k = 0; k < depth; k++)
				r |= buf_puts(out, "> ");
		if (soft && delsp)
			len--;
		r |= buf_append(out, line, len);
		if (soft) {
			joining = 1;
			joined_depth = depth;
		} else {
			r |= buf_putc(out, '\n');
			joining = 0;
		}
		i = end + 1;
	}
	if (joining)
		r |= buf_putc(out, '\n');
	return r ? -1 : 0;
}
