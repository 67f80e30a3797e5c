/*
 * fuzz_textfile - the first byte picks the mode (text, CSV, HTML) and the
 * output charset, the rest goes through cdr_text().  Checks: a known status;
 * withheld means no output; UTF-8 output is valid UTF-8 with no control
 * character but TAB and CRLF line ends (every CR followed by LF, every LF
 * preceded by CR) and no bidi override or isolate.
 */
#include <string.h>

#include "cdr/cdr.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "policy/config.h"

#include "fuzz.h"

static const char fuzz_config[] =
    "text_size_limit = 1m\n"
    "html_node_limit = 100000\n";

static struct policy pol;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_policy(&pol, fuzz_config, sizeof fuzz_config - 1, "fuzz_textfile");
	charset_init();
	return 0;
}

static void
check_utf8_text(const unsigned char *p, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	FUZZ_CHECK(utf8_valid(p + i, len - i));
	for (; i < len; i++) {
		if (p[i] == '\r')
			FUZZ_CHECK(i + 1 < len && p[i + 1] == '\n');
		else if (p[i] == '\n')
			FUZZ_CHECK(i > 0 && p[i - 1] == '\r');
		else if (p[i] != '\t')
			FUZZ_CHECK(p[i] >= 0x20 && p[i] != 0x7f);
		/* C1 (U+0080-009F) is C2 80..C2 9F; U+202A-202E, U+2066-2069 */
		if (p[i] == 0xc2 && i + 1 < len)
			FUZZ_CHECK(p[i + 1] > 0x9f);
		if (p[i] == 0xe2 && i + 2 < len && p[i + 1] == 0x80)
			FUZZ_CHECK(p[i + 2] < 0xaa || p[i + 2] > 0xae);
		if (p[i] == 0xe2 && i + 2 < len && p[i + 1] == 0x81)
			FUZZ_CHECK(p[i + 2] < 0xa6 || p[i + 2] > 0xa9);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cdr_ctx c;
	struct cdr_result r;
	struct buf out;
	int rc, mode;

	if (size < 1)
		return 0;
	mode = data[0] % 3;
	pol.text_charset = (data[0] & 0x10) ? TEXT_CP932 : TEXT_UTF8;
	memset(&c, 0, sizeof c);
	memset(&r, 0, sizeof r);
	c.pol = &pol;
	buf_init(&out, 8u * 1024 * 1024);
	rc = cdr_text(&c, data + 1, size - 1, mode, &out, &r);
	FUZZ_CHECK(rc == CDR_OK || rc == CDR_WITHHELD);
	if (rc == CDR_WITHHELD) {
		FUZZ_CHECK(out.len == 0);
		FUZZ_CHECK(r.reason[0] != '\0');
	} else if (pol.text_charset == TEXT_UTF8)
		check_utf8_text((const unsigned char *)out.data, out.len);
	else
		FUZZ_CHECK(fuzz_no_ctl(out.data, out.len, "\t\r\n"));
	buf_free(&out);
	return 0;
}
