/*
 * fuzz_receipt_read - bytes through receipt_read(), the one reader of a
 * receipt sekisho did not write itself (a worker's answer, an agent's or
 * the milter's item at the store owner, an imported receipt).  It must
 * never crash or leak, and what it accepts must be consistent: a known
 * kind and verdict that agree with each other and with the output (only a
 * sanitised item has one), a withheld item with a reason, and an outbound
 * receipt (kind "outbound") whose subject, sender and recipients show no
 * long digit run (dlp_has_long_digits): a whole 個人番号 is never taken in.
 */
#include <string.h>

#include "dlp/idnum.h"
#include "receipt/receipt_read.h"

#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static void
no_long_digits(const char *s)
{
	if (s != NULL)
		FUZZ_CHECK(!dlp_has_long_digits(s, strlen(s)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct receipt_view v;
	struct buf why;

	buf_init(&why, 4096);
	if (receipt_read((const char *)data, size, &v, &why) == 0) {
		FUZZ_CHECK(v.verdict == VERDICT_SANITIZED || v.verdict == VERDICT_WITHHELD ||
		    v.verdict == VERDICT_PASSED);
		FUZZ_CHECK(v.has_output == (v.verdict == VERDICT_SANITIZED));
		FUZZ_CHECK(v.verdict != VERDICT_WITHHELD || v.reason[0] != '\0');
		FUZZ_CHECK(v.verdict != VERDICT_PASSED || v.is_outbound);
		FUZZ_CHECK(!(v.is_outbound && v.is_file));
		if (v.is_outbound) {
			FUZZ_CHECK(v.verdict != VERDICT_SANITIZED);
			FUZZ_CHECK(strcmp(v.outbound_action, "pass") == 0 ||
			    strcmp(v.outbound_action, "bcc") == 0 ||
			    strcmp(v.outbound_action, "hold") == 0 ||
			    strcmp(v.outbound_action, "reject") == 0);
			no_long_digits(v.subject);
			no_long_digits(v.from);
			no_long_digits(v.to);
		}
		receipt_view_free(&v);
	} else
		FUZZ_CHECK(why.len > 0);
	buf_free(&why);
	return 0;
}
