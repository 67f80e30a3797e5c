/*
 * fuzz_webform - the staff console's request readers and escaping
 * (web/form.h, web/html.h).  The first byte chooses the reader and its
 * options, the rest is its input: a urlencoded form, a Cookie: header, a
 * request path, or text for html_text() and url_component().
 *
 * Checks: a parsed form's names and values are valid UTF-8 with no NUL or
 * control but TAB/CR/LF, one per non-empty pair, names unique, and they
 * survive being encoded again (url_component) and re-parsed; a refused form
 * is empty.  A cookie found is cookie-octets only and stands in the header
 * after its name; otherwise out is "".  An id found is 1..PATH_ID_MAX
 * [A-Za-z0-9._-], not "." or "..", and prefix + id + rest is the path.
 * html_text() output is valid UTF-8 without '<', '>', '"', '\'', controls
 * but TAB/LF, raw bidi controls, or an '&' that starts no entity of its own.
 */
#include <string.h>

#include "core/utf8.h"
#include "web/form.h"
#include "web/html.h"

#include "fuzz.h"

#define FUZZ_FORM_MAX 8192

/* Field i's name and value, and their lengths by the offsets. */
static void
field_at(const struct form *f, size_t i, const char **name, size_t *nlen,
    const char **value, size_t *vlen)
{
	size_t end = i + 1 < f->n ? f->field[i + 1].name : f->data.len;

	*name = f->data.data + f->field[i].name;
	*nlen = f->field[i].value - f->field[i].name - 1;
	*value = f->data.data + f->field[i].value;
	*vlen = end - f->field[i].value - 1;
}

static void
check_form(const uint8_t *data, size_t size, size_t max)
{
	struct form f, again;
	struct buf enc;
	size_t pairs = 0;
	int r;

	form_init(&f, max);
	r = form_parse_urlencoded(&f, (const char *)data, size);
	FUZZ_CHECK(r == 0 || r == -1);
	if (r != 0) {
		FUZZ_CHECK(f.n == 0 && f.data.len == 0);
		form_free(&f);
		return;
	}
	for (size_t i = 0; i < size;) {
		size_t j = i;

		while (j < size && data[j] != '&')
			j++;
		pairs += j > i;
		i = j + 1;
	}
	FUZZ_CHECK(f.n == pairs && f.n <= FORM_FIELDS_MAX);
	FUZZ_CHECK(f.data.len <= max);
	buf_init(&enc, 4 * FUZZ_FORM_MAX);
	for (size_t i = 0; i < f.n; i++) {
		const char *name, *value;
		size_t nlen, vlen;

		field_at(&f, i, &name, &nlen, &value, &vlen);
		FUZZ_CHECK(nlen > 0 && strlen(name) == nlen && strlen(value) == vlen);
		FUZZ_CHECK(fuzz_no_ctl(name, nlen, "\t\r\n") && FUZZ_UTF8(name, nlen));
		FUZZ_CHECK(fuzz_no_ctl(value, vlen, "\t\r\n") && FUZZ_UTF8(value, vlen));
		FUZZ_CHECK(form_get(&f, name) == value);	/* names are unique */
		FUZZ_CHECK((i == 0 || buf_putc(&enc, '&') == 0) &&
		    url_component(&enc, name) == 0 && buf_putc(&enc, '=') == 0 &&
		    url_component(&enc, value) == 0);
	}
	/* encoded again, the same fields come back */
	form_init(&again, max);
	FUZZ_CHECK(form_parse_urlencoded(&again, buf_str(&enc), enc.len) == 0);
	FUZZ_CHECK(again.n == f.n);
	for (size_t i = 0; i < f.n; i++) {
		const char *name, *value, *v2;
		size_t nlen, vlen;

		field_at(&f, i, &name, &nlen, &value, &vlen);
		v2 = form_get(&again, name);
		FUZZ_CHECK(v2 != NULL && strcmp(v2, value) == 0);
	}
	form_free(&again);
	form_free(&f);
	FUZZ_CHECK(f.n == 0 && form_get(&f, "a") == NULL);
	buf_free(&enc);
}

static int
cookie_octet(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

static void
check_cookie(const char *header, unsigned opt)
{
	static const char *const names[] = { "sid", "a", "__Host-sid", "s" };
	const char *name = names[opt & 3];
	size_t outsz = opt & 4 ? 8 : 128, nlen = strlen(name), vlen;
	char out[128];
	int r;

	memset(out, 'X', sizeof out);
	r = cookie_get(header, name, out, outsz);
	FUZZ_CHECK(r == 0 || r == 1 || r == -1);
	if (r != 0) {
		FUZZ_CHECK(out[0] == '\0');
		return;
	}
	vlen = strnlen(out, outsz);
	FUZZ_CHECK(vlen < outsz);
	for (size_t i = 0; i < vlen; i++)
		FUZZ_CHECK(cookie_octet((unsigned char)out[i]));
	/* name=value or name="value" is in the header, at a pair's start */
	for (const char *p = header;; p++) {
		p = strstr(p, name);
		FUZZ_CHECK(p != NULL);
		if ((p == header || p[-1] == ' ' || p[-1] == '\t' || p[-1] == ';') &&
		    p[nlen] == '=') {
			const char *v = p + nlen + 1;

			if (*v == '"')
				v++;
			if (strncmp(v, out, vlen) == 0 && !cookie_octet((unsigned char)v[vlen]))
				break;
		}
	}
}

static void
check_path(const char *path)
{
	static const char prefix[] = "/items/";
	char id[PATH_ID_MAX + 1];
	const char *rest = NULL;
	size_t k;

	if (path_segment_id(path, prefix, id, sizeof id, &rest) != 0)
		return;
	k = strlen(id);
	FUZZ_CHECK(k >= 1 && k <= PATH_ID_MAX);
	FUZZ_CHECK(strcmp(id, ".") != 0 && strcmp(id, "..") != 0);
	for (size_t i = 0; i < k; i++)
		FUZZ_CHECK(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789._-", id[i]) != NULL && id[i] != '\0');
	FUZZ_CHECK(strncmp(path, prefix, sizeof prefix - 1) == 0);
	FUZZ_CHECK(memcmp(path + sizeof prefix - 1, id, k) == 0);
	FUZZ_CHECK(rest == path + sizeof prefix - 1 + k);
	FUZZ_CHECK(*rest == '\0' || *rest == '/');
}

static int
is_bidi(unsigned int cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

static void
check_html(const uint8_t *data, size_t size, const char *z)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
	const unsigned char *o;
	struct buf b;

	buf_init(&b, 16 * size + 16);	/* "[U+202E]" for 3 bytes, 6 for "&quot;" */
	FUZZ_CHECK(html_text(&b, (const char *)data, size) == 0);
	o = (const unsigned char *)buf_str(&b);
	FUZZ_CHECK(FUZZ_UTF8(o, b.len));
	FUZZ_CHECK(fuzz_no_ctl((const char *)o, b.len, "\t\n"));
	for (size_t i = 0; i < b.len;) {
		unsigned int cp;
		size_t k = utf8_next(o + i, b.len - i, &cp);

		FUZZ_CHECK(k > 0);
		FUZZ_CHECK(cp != '<' && cp != '>' && cp != '"' && cp != '\'');
		FUZZ_CHECK(!is_bidi(cp) && !(cp >= 0x80 && cp < 0xa0));
		if (cp == '&') {
			size_t e = 0;

			while (e < sizeof ents / sizeof ents[0] &&
			    strncmp((const char *)o + i, ents[e], strlen(ents[e])) != 0)
				e++;
			FUZZ_CHECK(e < sizeof ents / sizeof ents[0]);
		}
		i += k;
	}
	/* at a ceiling too small, -1 and the buffer as it was */
	if (b.len > 2) {
		struct buf small;

		buf_init(&small, b.len - 1);
		FUZZ_CHECK(buf_puts(&small, "x") == 0);
		FUZZ_CHECK(html_text(&small, (const char *)data, size) == -1);
		FUZZ_CHECK(small.len == 1 && strcmp(buf_str(&small), "x") == 0);
		buf_free(&small);
	}
	buf_free(&b);

	buf_init(&b, 3 * size + 1);
	FUZZ_CHECK(url_component(&b, z) == 0);
	FUZZ_CHECK(b.len >= strlen(z));
	for (size_t i = 0; i < b.len; i++) {
		char c = b.data[i];

		if (c == '%') {
			FUZZ_CHECK(i + 2 < b.len && hex_digit(b.data[i + 1]) >= 0 &&
			    hex_digit(b.data[i + 2]) >= 0);
			i += 2;
		} else
			FUZZ_CHECK(c != '\0' && strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789-._~", c) != NULL);
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
	unsigned sel, opt;
	char *z;

	if (size < 1)
		return 0;
	sel = data[0] & 3;
	opt = data[0] >> 2;
	data++;
	size--;
	/* the C-string readers see the input up to its first NUL */
	z = malloc(size + 1);
	FUZZ_CHECK(z != NULL);
	if (size > 0)
		memcpy(z, data, size);
	z[size] = '\0';
	switch (sel) {
	case 0:
		check_form(data, size, opt & 1 ? 64 : FUZZ_FORM_MAX);
		break;
	case 1:
		check_cookie(z, opt);
		break;
	case 2:
		check_path(z);
		break;
	default:
		check_html(data, size, z);
		break;
	}
	free(z);
	return 0;
}
