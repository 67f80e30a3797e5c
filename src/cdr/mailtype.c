/*
 * mailtype - message and mbox recognition.  See mailtype.h.
 */
#include "cdr/mailtype.h"

#include <string.h>
#include <strings.h>

#define FIELD_NAME_MAX 76

/* Fields mail uses; strong ones only a message or MIME entity has. */
static const struct {
	const char *name;
	int strong;
} fields[] = {
	{ "From", 1 }, { "Received", 1 }, { "Return-Path", 1 }, { "Message-ID", 1 },
	{ "MIME-Version", 1 }, { "Content-Type", 1 }, { "Content-Transfer-Encoding", 1 },
	{ "To", 0 }, { "Cc", 0 }, { "Subject", 0 }, { "Date", 0 }, { "Reply-To", 0 },
	{ "Sender", 0 }, { "X-Mailer", 0 }, { "Delivered-To", 0 }, { "DKIM-Signature", 0 },
	{ "Content-Disposition", 0 }, { "References", 0 }, { "In-Reply-To", 0 },
	{ "User-Agent", 0 }, { "Organization", 0 }, { "Content-ID", 0 },
};

/* The length of a field name ending in ':' at p, or 0. */
static size_t
field_name(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n && i <= FIELD_NAME_MAX && p[i] > 0x20 && p[i] < 0x7f && p[i] != ':')
		i++;
	return i > 0 && i <= FIELD_NAME_MAX && i < n && p[i] == ':' ? i : 0;
}

int
mailtype_is_message(const unsigned char *p, size_t len)
{
	size_t n = len < MAILTYPE_HEADER_SCAN ? len : MAILTYPE_HEADER_SCAN, i = 0;
	size_t known = 0, strong = 0, nfields = 0;

	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n) {
		const unsigned char *nl = memchr(p + i, '\n', n - i);
		size_t e = nl != NULL ? (size_t)(nl - p) : n, k = e - i, f;

		if (k > 0 && p[e - 1] == '\r')
			k--;
		if (k == 0)	/* the blank line: the header block is whole; a body must follow */
			return nfields > 0 && known >= 2 && strong >= 1 && nl != NULL &&
			    (size_t)(nl - p) + 1 < len;
		if (p[i] == ' ' || p[i] == '\t') {
			if (nfields == 0)
				return 0;
		} else if ((f = field_name(p + i, k)) != 0) {
			nfields++;
			for (size_t j = 0; j < sizeof fields / sizeof fields[0]; j++) {
				if (strlen(fields[j].name) == f &&
				    strncasecmp((const char *)p + i, fields[j].name, f) == 0) {
					known++;
					strong += (size_t)fields[j].strong;
					break;
				}
			}
		} else	/* not a field: where lenient parsers start the body */
			return nfields > 0 && known >= 2 && strong >= 1;
		if (nl == NULL)
			break;
		i = e + 1;
	}
	return 0;	/* headers only: nothing carried, it stays text */
}

int
mailtype_is_mbox(const unsigned char *p, size_t len)
{
	const unsigned char *nl;

	if (len < 6 || memcmp(p, "From ", 5) != 0)
		return 0;
	if ((nl = memchr(p, '\n', len < 1024 ? len : 1024)) == NULL)
		return 0;
	return mailtype_is_message(nl + 1, len - (size_t)(nl + 1 - p));
}

/* The offset of the next "From " line that follows a blank line, from i; len if none. */
static size_t
next_from(const unsigned char *p, size_t len, size_t i)
{
	while (i < len) {
		const unsigned char *q = memmem(p + i, len - i, "\nFrom ", 6);
		size_t at;

		if (q == NULL)
			return len;
		at = (size_t)(q - p) + 1;
		/* the line before is blank: "\n\nFrom " or "\n\r\nFrom " */
		if ((at >= 2 && p[at - 2] == '\n') || (at >= 3 && p[at - 2] == '\r' && p[at - 3] == '\n'))
			return at;
		i = at;
	}
	return len;
}

int
mailtype_mbox_next(const unsigned char *p, size_t len, size_t *pos, size_t *start, size_t *end)
{
	size_t i = *pos;
	const unsigned char *nl;

	if (i >= len)
		return 0;
	if (len - i >= 5 && memcmp(p + i, "From ", 5) == 0) {
		if ((nl = memchr(p + i, '\n', len - i)) == NULL) {
			*pos = len;
			return 0;
		}
		i = (size_t)(nl - p) + 1;
	}
	*start = i;
	*end = next_from(p, len, i);
	*pos = *end;
	return 1;
}
