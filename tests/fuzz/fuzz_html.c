/*
 * fuzz_html - bytes decoded as a "utf-8" part (charset_decode, as walk.c
 * does) and rendered by html_to_text() under the policy's HTML limits.
 * The text must be valid UTF-8 with no control characters but LF and TAB.
 */
#include "core/buf.h"
#include "policy/config.h"
#include "text/html.h"

#include "fuzz.h"

#define TEXT_CEILING (1024u * 1024)

static struct html_opts opts;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct policy pol;

	policy_defaults(&pol);
	charset_init();
	opts.max_depth = 256;
	opts.max_nodes = 100000;
	opts.show_urls = pol.show_urls;
	opts.defang = pol.defang_urls;
	opts.lang_en = pol.lang == LANG_EN;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct charset_info ci;
	struct html_info hi;
	struct buf utf8, text;
	char meta[CHARSET_NAME_MAX];

	html_meta_charset((const char *)data, size, meta, sizeof meta);
	buf_init(&utf8, TEXT_CEILING);
	buf_init(&text, TEXT_CEILING);
	if (charset_decode("utf-8", data, size, &utf8, &ci) == 0) {
		FUZZ_CHECK(FUZZ_UTF8(utf8.data, utf8.len));
		html_to_text(buf_str(&utf8), utf8.len, &opts, &text, &hi);
		FUZZ_CHECK(FUZZ_UTF8(text.data, text.len));
		FUZZ_CHECK(fuzz_no_ctl(text.data, text.len, "\n\t"));
	}
	buf_free(&utf8);
	buf_free(&text);
	return 0;
}
