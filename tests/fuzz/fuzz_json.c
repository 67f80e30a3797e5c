/*
 * fuzz_json - bytes through core/jsonread.h's json_check(), the one reader
 * of receipts and journal records from elsewhere, checked against jansson
 * (Debian's libjansson) as an independent oracle:
 *   - what json_check accepts, jansson accepts too (duplicates refused);
 *   - what jansson accepts, json_check accepts too, unless it passes one of
 *     json_check's named ceilings (nesting, keys, a key's length) or holds a
 *     NUL byte (jansson stops reading there; json_check refuses it);
 * and on what it accepts: the value's span is inside the input, walking
 * every object's members (json_member) and every array's elements
 * (json_element) ends, visits exactly as many as jansson counts, and each key and string decodes (json_unescape) to valid
 * UTF-8 without NUL.
 */
#include <jansson.h>
#include <string.h>

#include "core/jsonread.h"
#include "core/utf8.h"

#include "fuzz.h"

/* Walk a checked value against jansson's tree of the same text. */
static void
walk(const struct json_value *v, json_t *j, int depth)
{
	struct buf s;

	FUZZ_CHECK(depth <= JSON_DEPTH_MAX + 1);
	switch (v->type) {
	case JV_OBJECT: {
		struct json_value k, m;
		size_t pos = 0, n = 0;

		FUZZ_CHECK(json_is_object(j));
		while (json_member(v, &pos, &k, &m)) {
			json_t *sub;

			FUZZ_CHECK(++n <= JSON_OBJECT_KEYS_MAX);
			FUZZ_CHECK(k.p >= v->p && k.p + k.n <= v->p + v->n);
			FUZZ_CHECK(m.p >= v->p && m.p + m.n <= v->p + v->n);
			buf_init(&s, 4 * JSON_KEY_MAX);
			FUZZ_CHECK(json_unescape(&k, &s) == 0);
			FUZZ_CHECK(utf8_valid((const unsigned char *)buf_str(&s), s.len));
			FUZZ_CHECK(memchr(buf_str(&s), '\0', s.len) == NULL);
			sub = json_object_get(j, buf_str(&s));
			FUZZ_CHECK(sub != NULL);
			buf_free(&s);
			walk(&m, sub, depth + 1);
		}
		FUZZ_CHECK(n == json_object_size(j));
		break;
	}
	case JV_ARRAY: {
		struct json_value e;
		size_t pos = 0, n = 0;

		FUZZ_CHECK(json_is_array(j));
		while (json_element(v, &pos, &e)) {
			FUZZ_CHECK(e.p >= v->p && e.p + e.n <= v->p + v->n);
			FUZZ_CHECK(n < json_array_size(j));
			walk(&e, json_array_get(j, n), depth + 1);
			n++;
		}
		FUZZ_CHECK(n == json_array_size(j));
		break;
	}
	case JV_STRING:
		FUZZ_CHECK(json_is_string(j));
		buf_init(&s, v->n * 2 + 16);
		FUZZ_CHECK(json_unescape(v, &s) == 0);
		FUZZ_CHECK(s.len == json_string_length(j));
		FUZZ_CHECK(s.len == 0 || memcmp(s.data, json_string_value(j), s.len) == 0);
		buf_free(&s);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_value v;
	struct buf why;
	json_error_t err;
	json_t *j;
	int ours;

	buf_init(&why, 1024);
	ours = json_check((const char *)data, size, &v, &why);
	j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	if (ours == 0) {
		FUZZ_CHECK(v.p >= (const char *)data && v.p + v.n <= (const char *)data + size);
		/* jansson refuses integers past its range; otherwise it agrees */
		if (j == NULL && strstr(err.text, "too big") == NULL &&
		    strstr(err.text, "overflow") == NULL && strstr(err.text, "real number") == NULL)
			FUZZ_CHECK(!"json_check accepted what jansson refuses");
		if (j != NULL)
			walk(&v, j, 0);
	} else if (j != NULL && memchr(data, '\0', size) == NULL) {
		/* only our named ceilings may refuse what jansson reads (jansson
		 * stops reading at a NUL byte: "0\0" is a number to it) */
		FUZZ_CHECK(strstr(buf_str(&why), "JSON_") != NULL);
	}
	if (j != NULL)
		json_decref(j);
	buf_free(&why);
	return 0;
}
