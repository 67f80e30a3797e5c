/*
 * jsonbody - a JSON API body read as a form (see the header).
 */
#include "web/jsonbody.h"

#include <string.h>

#include "core/jsonread.h"
#include "web/html.h"

int
json_body_read(const char *p, size_t n, const char *const *allowed, size_t nallowed,
    struct form *f, struct buf *why)
{
	struct json_value obj, key, val;
	struct buf enc, name, value;
	size_t pos = 0;
	int r = -1, k = 0;

	form_parse_urlencoded(f, "", 0);	/* empty, whatever happens */
	if (json_check(p, n, &obj, why) != 0)
		return -1;
	if (obj.type != JV_OBJECT) {
		buf_puts(why, "not a JSON object");
		return -1;
	}
	buf_init(&enc, f->data.max);
	buf_init(&name, JSON_KEY_MAX + 1);
	buf_init(&value, JSONBODY_VALUE_MAX);
	while (json_member(&obj, &pos, &key, &val) == 1) {
		size_t i;

		buf_reset(&name);
		buf_reset(&value);
		if (json_unescape(&key, &name) != 0)
			goto out;
		for (i = 0; i < nallowed && strcmp(buf_str(&name), allowed[i]) != 0; i++)
			;
		if (i == nallowed) {
			buf_printf(why, "member \"%.64s\" is not expected here", buf_str(&name));
			goto out;
		}
		if (val.type != JV_STRING || json_unescape(&val, &value) != 0) {
			buf_printf(why, "member \"%s\" is not a string of at most %d bytes",
			    buf_str(&name), JSONBODY_VALUE_MAX);
			goto out;
		}
		/* a NUL in a value would cut it short as a C string: refused */
		if (memchr(buf_str(&value), '\0', value.len) != NULL) {
			buf_printf(why, "member \"%s\" holds NUL", buf_str(&name));
			goto out;
		}
		if ((k++ > 0 && buf_putc(&enc, '&') != 0) || url_component(&enc, buf_str(&name)) != 0 ||
		    buf_putc(&enc, '=') != 0 || url_component(&enc, buf_str(&value)) != 0) {
			buf_puts(why, "the body is too large");
			goto out;
		}
	}
	if (form_parse_urlencoded(f, buf_str(&enc), enc.len) != 0) {
		buf_puts(why, "a value holds a control character or is not UTF-8");
		goto out;
	}
	r = 0;
out:
	buf_free(&enc);
	buf_free(&name);
	buf_free(&value);
	return r;
}
