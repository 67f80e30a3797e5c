/*
 * fuzz_idnum - dlp/idnum over any bytes, with the first byte choosing the
 * window.  Every finding must lie inside the text, come after the one
 * before, and be what it claims: the digits of its span, read back here
 * independently (half- and full-width), are 12 or 13 with a right check
 * digit and end in the last four it reports.  And the masking of text that
 * leaves an inspection (dlp_mask_digits) leaves no run its own check would
 * call long, and never grows the text.
 */
#include <string.h>

#include "core/utf8.h"
#include "dlp/idnum.h"

#include "fuzz.h"

struct state {
	const unsigned char *text;
	size_t len;
	size_t next_offset;	/* findings do not overlap and come in order */
};

static int
check(const struct dlp_finding *f, void *arg)
{
	struct state *st = arg;
	unsigned char d[16];
	size_t n = 0, i;
	unsigned int cp;

	FUZZ_CHECK(f->offset >= st->next_offset);
	FUZZ_CHECK(f->length > 0 && f->offset + f->length <= st->len);
	FUZZ_CHECK(f->line >= 1);
	st->next_offset = f->offset + f->length;
	for (i = f->offset; i < f->offset + f->length;) {
		size_t k = utf8_next(st->text + i, f->offset + f->length - i, &cp);

		int v = -1;

		if (k == 0) {
			k = 1;
			cp = 0xfffd;
		}
		if (cp >= '0' && cp <= '9')
			v = (int)(cp - '0');
		else if (cp >= 0xff10 && cp <= 0xff19)
			v = (int)(cp - 0xff10);
		if (v >= 0) {
			FUZZ_CHECK(n < sizeof d);
			d[n++] = (unsigned char)v;
		}
		i += k;
	}
	if (f->kind == DLP_INDIVIDUAL_NUMBER)
		FUZZ_CHECK(n == 12 && dlp_individual_check(d));
	else
		FUZZ_CHECK(n == 13 && dlp_corporate_check(d));
	for (i = 0; i < 4; i++)
		FUZZ_CHECK(f->last4[i] == (char)('0' + d[n - 4 + i]));
	FUZZ_CHECK(f->last4[4] == '\0');
	FUZZ_CHECK(f->confidence == DLP_LOW || f->confidence == DLP_MEDIUM ||
	    f->confidence == DLP_HIGH);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dlp_terms t = dlp_default_terms;
	struct state st;
	struct buf masked;

	if (size < 1)
		return 0;
	t.window = data[0];
	memset(&st, 0, sizeof st);
	st.text = data + 1;
	st.len = size - 1;
	FUZZ_CHECK(dlp_scan_text((const char *)data + 1, size - 1,
	    size > 40 ? "個人番号" : NULL, &t, check, &st) == 0);
	buf_init(&masked, size);
	FUZZ_CHECK(dlp_mask_digits((const char *)data + 1, size - 1, &masked) == 0);
	FUZZ_CHECK(masked.len <= size - 1);
	FUZZ_CHECK(!dlp_has_long_digits(buf_str(&masked), masked.len));
	buf_free(&masked);
	return 0;
}
