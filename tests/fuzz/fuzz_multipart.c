/*
 * fuzz_multipart - the staff console's multipart/form-data reader
 * (web/multipart.h).  The input's first line is a Content-Type header value
 * for multipart_boundary(); the rest is the body, parsed with the boundary
 * found there or, when the header is refused, with the line itself as the
 * boundary (so that multipart_parse() checks boundaries too).
 *
 * Checks: a boundary found is 1..70 of RFC 2046's bchars, not ending in a
 * space, standing in the header; a refused one leaves out "".  A refused
 * body leaves no parts and a reason.  An accepted body: at most
 * MULTIPART_PARTS_MAX parts, each one's data inside the body, after its
 * header block's CR LF and before CR LF "--boundary", in order; "--boundary"
 * occurs in the body exactly once per part and once more (the close
 * delimiter), never inside a part; names are NUL-terminated, unique, 1..63
 * bytes of UTF-8 without controls; file names the same without '/';
 * Content-Types printable ASCII; and the parts written out again as a
 * browser would parse to the same parts.
 */
#include <string.h>

#include "core/utf8.h"
#include "web/multipart.h"

#include "fuzz.h"

#define FUZZ_REBUILD_MAX (1024 * 1024)	/* bytes of a body written out again */

/* RFC 2046 bchars, checked here independently of the reader's own test. */
static int
boundary_ok(const char *b)
{
	size_t len = strlen(b);

	if (len < 1 || len > MULTIPART_BOUNDARY_MAX || b[len - 1] == ' ')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "'()+_,-./:=? ", b[i]) == NULL)
			return 0;
	}
	return 1;
}

/* Non-overlapping occurrences of d[0..dlen) in s[0..n). */
static size_t
count_of(const char *s, size_t n, const char *d, size_t dlen)
{
	size_t k = 0;

	for (size_t i = 0; n - i >= dlen;) {
		const char *q = memmem(s + i, n - i, d, dlen);

		if (q == NULL)
			break;
		k++;
		i = (size_t)(q - s) + dlen;
	}
	return k;
}

/* A name or file name: NUL inside its array, UTF-8, no control (nor '/'). */
static void
check_name(const char *s, size_t sz, int file)
{
	size_t len = strnlen(s, sz);

	FUZZ_CHECK(len < sz);
	FUZZ_CHECK(file || len > 0);
	FUZZ_CHECK(fuzz_no_ctl(s, len, "") && FUZZ_UTF8(s, len));
	FUZZ_CHECK(!file || !fuzz_has(s, len, '/'));
}

/* The parts of m written out again as a browser writes them. */
static void
rebuild(struct buf *b, const struct multipart *m, const char *boundary)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct multipart_part *p = &m->part[i];

		FUZZ_CHECK(buf_printf(b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"",
		    boundary, p->name) == 0);
		if (p->has_filename)
			FUZZ_CHECK(buf_printf(b, "; filename=\"%s\"", p->filename) == 0);
		FUZZ_CHECK(buf_puts(b, "\r\n") == 0);
		if (p->content_type[0] != '\0')
			FUZZ_CHECK(buf_printf(b, "Content-Type: %s\r\n", p->content_type) == 0);
		FUZZ_CHECK(buf_puts(b, "\r\n") == 0);
		FUZZ_CHECK(buf_append(b, p->data, p->len) == 0 && buf_puts(b, "\r\n") == 0);
	}
	FUZZ_CHECK(buf_printf(b, "--%s--\r\n", boundary) == 0);
}

static void
check_parse(const char *boundary, const char *body, size_t size)
{
	char delim[2 + MULTIPART_BOUNDARY_MAX + 1];
	struct multipart m, again;
	const char *why = NULL, *prev_end = body;
	size_t dlen;
	struct buf b;
	int r;

	m.n = 12345;
	r = multipart_parse(&m, boundary, body, size, &why);
	FUZZ_CHECK(r == 0 || r == -1);
	if (r != 0) {
		FUZZ_CHECK(m.n == 0 && why != NULL && why[0] != '\0');
		FUZZ_CHECK(multipart_get(&m, "a") == NULL);
		return;
	}
	FUZZ_CHECK(boundary_ok(boundary));
	FUZZ_CHECK(m.n <= MULTIPART_PARTS_MAX);
	dlen = strlen(boundary) + 2;
	delim[0] = delim[1] = '-';
	memcpy(delim + 2, boundary, dlen - 2 + 1);
	FUZZ_CHECK(count_of(body, size, delim, dlen) == m.n + 1);
	for (size_t i = 0; i < m.n; i++) {
		const struct multipart_part *p = &m.part[i];
		size_t off;

		FUZZ_CHECK(p->data >= prev_end && p->data <= body + size);
		off = (size_t)(p->data - body);
		FUZZ_CHECK(p->len <= size - off);
		FUZZ_CHECK(off >= 2 && memcmp(p->data - 2, "\r\n", 2) == 0);
		FUZZ_CHECK(size - off - p->len >= 2 + dlen);
		FUZZ_CHECK(memcmp(p->data + p->len, "\r\n", 2) == 0);
		FUZZ_CHECK(memcmp(p->data + p->len + 2, delim, dlen) == 0);
		FUZZ_CHECK(p->len < dlen || memmem(p->data, p->len, delim, dlen) == NULL);
		prev_end = p->data + p->len + 2 + dlen;
		check_name(p->name, sizeof p->name, 0);
		check_name(p->filename, sizeof p->filename, 1);
		FUZZ_CHECK(p->has_filename == 0 || p->has_filename == 1);
		FUZZ_CHECK(p->has_filename || p->filename[0] == '\0');
		FUZZ_CHECK(strnlen(p->content_type, sizeof p->content_type) <
		    sizeof p->content_type);
		for (const char *c = p->content_type; *c != '\0'; c++)
			FUZZ_CHECK(*c >= 0x20 && *c <= 0x7e);
		FUZZ_CHECK(multipart_get(&m, p->name) == p);	/* names are unique */
	}

	/* written out again, the same parts come back */
	buf_init(&b, FUZZ_REBUILD_MAX);
	rebuild(&b, &m, boundary);
	FUZZ_CHECK(multipart_parse(&again, boundary, b.data, b.len, &why) == 0);
	FUZZ_CHECK(again.n == m.n);
	for (size_t i = 0; i < m.n; i++) {
		const struct multipart_part *p = &m.part[i], *q = &again.part[i];

		FUZZ_CHECK(strcmp(p->name, q->name) == 0);
		FUZZ_CHECK(p->has_filename == q->has_filename);
		FUZZ_CHECK(strcmp(p->filename, q->filename) == 0);
		FUZZ_CHECK(strcmp(p->content_type, q->content_type) == 0);
		FUZZ_CHECK(p->len == q->len && (p->len == 0 || memcmp(p->data, q->data, p->len) == 0));
	}
	buf_free(&b);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[MULTIPART_BOUNDARY_MAX + 1];
	const char *nl = memchr(data, '\n', size), *body;
	size_t llen, blen;
	char *line;
	int r;

	if (nl == NULL)
		return 0;
	llen = (size_t)(nl - (const char *)data);
	line = malloc(llen + 1);
	FUZZ_CHECK(line != NULL);
	memcpy(line, data, llen);
	line[llen] = '\0';	/* a C string: the header up to its first NUL */
	body = nl + 1;
	blen = size - llen - 1;

	memset(out, 'X', sizeof out);
	r = multipart_boundary(line, out, sizeof out);
	FUZZ_CHECK(r == 0 || r == -1);
	if (r == 0) {
		FUZZ_CHECK(boundary_ok(out));
		FUZZ_CHECK(strstr(line, out) != NULL);
		check_parse(out, body, blen);
	} else {
		FUZZ_CHECK(out[0] == '\0');
		check_parse(line, body, blen);
	}
	free(line);
	return 0;
}
