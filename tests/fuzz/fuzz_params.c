/*
 * fuzz_params - bytes as a raw Content-Disposition value: the filename
 * parameter (RFC 2231, RFC 2047 in quotes, raw 8-bit) through param_get(),
 * then made safe to show by fname_display(), with walk.c's ceilings.  Both
 * must be valid UTF-8, and the shown name must hold no control characters
 * and no bidi control (fname.h's list), only their "[U+202E]" markers.
 */
#include "core/buf.h"
#include "mime/params.h"
#include "text/fname.h"

#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	charset_init();
	return 0;
}

static int
is_bidi(unsigned int cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

/* 1 if the (valid UTF-8) name shows no control or bidi character. */
static int
shown_clean(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int cp;
	size_t n;

	for (size_t i = 0; i < len; i += n) {
		if ((n = utf8_next(p + i, len - i, &cp)) == 0)
			return 0;
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || is_bidi(cp)) {
			fprintf(stderr, "shown name holds U+%04X\n", cp);
			return 0;
		}
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct param_info pi;
	struct buf name, shown;

	buf_init(&name, 4096);
	buf_init(&shown, FNAME_DISPLAY_MAX * 4 + 16);
	if (param_get((const char *)data, size, "filename", &name, &pi) == 1) {
		FUZZ_CHECK(FUZZ_UTF8(name.data, name.len));
		fname_display(buf_str(&name), name.len, &shown);
		FUZZ_CHECK(FUZZ_UTF8(shown.data, shown.len));
		FUZZ_CHECK(shown_clean(shown.data, shown.len));
		FUZZ_CHECK(shown.len <= FNAME_DISPLAY_MAX + 16);
	}
	buf_free(&name);
	buf_free(&shown);
	return 0;
}
