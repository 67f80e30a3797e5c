/*
 * fuzz_mail - raw message bytes through sanitize_mail(), the whole decision
 * for one item, as the worker runs it (without the sandbox).  Checks what
 * any caller relies on: a known status, no output when withheld, and when
 * sanitised a message with our headers, no NUL or CR, no line over 998
 * bytes, and a receipt that is one line of valid UTF-8 JSON.
 */
#include <string.h>

#include "core/buf.h"
#include "mime/sanitize.h"
#include "policy/config.h"

#include "fuzz.h"

/* The worker's ceilings (worker.c), without linking the sandbox. */
#define RECEIPT_CEILING (64u * 1024 * 1024)
#define OUTPUT_CEILING(p) ((p)->lim.text_bytes / 3 * 4 + \
    (p)->lim.text_bytes / 38 + 4u * 1024 * 1024)

/* Small limits keep each run fast; everything else is the default. */
static const char fuzz_config[] =
    "message_size_limit = 1m\n"
    "header_size_limit = 64k\n"
    "line_length_limit = 64k\n"
    "mime_part_limit = 100\n"
    "mime_nesting_limit = 16\n"
    "text_size_limit = 1m\n"
    "html_node_limit = 100000\n";

static struct policy pol;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_policy(&pol, fuzz_config, sizeof fuzz_config - 1, "fuzz_mail");
	sanitize_init();
	return 0;
}

/* Longest line in s[0..len), without its LF. */
static size_t
longest_line(const char *s, size_t len)
{
	size_t line = 0, max = 0;

	for (size_t i = 0; i < len; i++) {
		line = s[i] == '\n' ? 0 : line + 1;
		if (line > max)
			max = line;
	}
	return max;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out, rj;
	const char *body;
	int r;

	buf_init(&out, OUTPUT_CEILING(&pol));
	buf_init(&rj, RECEIPT_CEILING);
	r = sanitize_mail(&pol, "SK-fuzz", 0, data, size, &out, &rj);
	FUZZ_CHECK(r == SANITIZE_OK || r == SANITIZE_WITHHELD);
	if (r == SANITIZE_WITHHELD)
		FUZZ_CHECK(out.len == 0);
	else {
		FUZZ_CHECK(out.len > 0);
		FUZZ_CHECK(memchr(out.data, '\0', out.len) == NULL);
		FUZZ_CHECK(strstr(buf_str(&out), "\nMIME-Version: 1.0\n") != NULL);
		FUZZ_CHECK(strstr(buf_str(&out), "X-Sekisho-Sanitized:") != NULL);
		FUZZ_CHECK(memchr(out.data, '\r', out.len) == NULL);
		FUZZ_CHECK((body = strstr(buf_str(&out), "\n\n")) != NULL);
		FUZZ_CHECK(longest_line(out.data, (size_t)(body - out.data)) <= 998);
		FUZZ_CHECK(longest_line(body, out.len - (size_t)(body - out.data)) <= 998);
	}
	FUZZ_CHECK(rj.len >= 3 && rj.data[0] == '{');
	FUZZ_CHECK(memcmp(rj.data + rj.len - 2, "}\n", 2) == 0);
	FUZZ_CHECK(fuzz_no_ctl(rj.data, rj.len - 1, ""));
	FUZZ_CHECK(FUZZ_UTF8(rj.data, rj.len));
	buf_free(&out);
	buf_free(&rj);
	return 0;
}
