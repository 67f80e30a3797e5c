/*
 * fuzz_jsonbody - the console's reader of JSON API bodies over any bytes.
 * What it accepts must be a form whose every name is one of the allowed
 * ones, at most once, with values in valid UTF-8 without NUL or a control
 * other than TAB CR LF (what a form field may hold); what it refuses leaves
 * the form empty with a reason.
 */
#include <string.h>

#include "core/utf8.h"
#include "web/jsonbody.h"

#include "fuzz.h"

static const char *const allowed[] = { "reason", "decision", "totp", "comment" };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form f;
	struct buf why;
	int seen[4] = { 0 };

	form_init(&f, 16 * 1024);
	buf_init(&why, 512);
	if (json_body_read((const char *)data, size, allowed, 4, &f, &why) == 0) {
		for (size_t i = 0; i < f.n; i++) {
			const char *name = f.data.data + f.field[i].name;
			const char *value = f.data.data + f.field[i].value;
			size_t k, vl = strlen(value);

			for (k = 0; k < 4 && strcmp(name, allowed[k]) != 0; k++)
				;
			FUZZ_CHECK(k < 4 && !seen[k]);
			seen[k] = 1;
			FUZZ_CHECK(FUZZ_UTF8(value, vl));
			for (size_t j = 0; j < vl; j++) {
				unsigned char c = (unsigned char)value[j];

				FUZZ_CHECK(c >= 0x20 || c == '\t' || c == '\r' || c == '\n');
				FUZZ_CHECK(c != 0x7f);
			}
			FUZZ_CHECK(form_get(&f, name) == value);
		}
	} else {
		FUZZ_CHECK(f.n == 0);
		FUZZ_CHECK(why.len > 0);
	}
	form_free(&f);
	buf_free(&why);
	return 0;
}
