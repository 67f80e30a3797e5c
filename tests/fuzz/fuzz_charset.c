/*
 * fuzz_charset - the first byte picks a charset label (or none), the rest
 * is text for charset_decode(); the same text then goes through hdr_decode()
 * in both modes as a raw header value.  Every output must be valid UTF-8,
 * and a decoded header must hold no CR, LF or NUL (no header injection).
 */
#include "core/buf.h"
#include "text/rfc2047.h"

#include "fuzz.h"

#define OUT_CEILING (4u * 1024 * 1024)

static const char *const labels[] = {
	NULL, "us-ascii", "utf-8", "iso-2022-jp", "shift_jis", "euc-jp",
	"iso-8859-1", "gb2312", "x-unknown",
};
#define NLABELS (sizeof labels / sizeof labels[0])

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	charset_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct charset_info ci;
	struct hdr_info hi;
	struct buf out;
	const char *text;
	size_t len;

	if (size < 1)
		return 0;
	text = (const char *)data + 1;
	len = size - 1;
	buf_init(&out, OUT_CEILING);
	if (charset_decode(labels[data[0] % NLABELS], text, len, &out, &ci) == 0)
		FUZZ_CHECK(FUZZ_UTF8(out.data, out.len));
	for (int mode = HDR_TEXT; mode <= HDR_PHRASE; mode++) {
		buf_reset(&out);
		hdr_decode(text, len, (enum hdr_mode)mode, &out, &hi);
		FUZZ_CHECK(FUZZ_UTF8(out.data, out.len));
		FUZZ_CHECK(!fuzz_has(out.data, out.len, '\r'));
		FUZZ_CHECK(!fuzz_has(out.data, out.len, '\n'));
		FUZZ_CHECK(!fuzz_has(out.data, out.len, '\0'));
		/* rfc2047.h: every control character becomes a space */
		FUZZ_CHECK(fuzz_no_ctl(out.data, out.len, ""));
	}
	buf_free(&out);
	return 0;
}
