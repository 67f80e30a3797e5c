/*
 * fuzz_ooxml_text - dlp/ooxml_text over any bytes as an OOXML package, with
 * the default limits.  Every unit of text must be valid UTF-8 within
 * text_size_limit, its cells must start inside it in order, and a failure
 * must name its reason.
 */
#include <string.h>

#include "core/utf8.h"
#include "dlp/ooxml_text.h"

#include "fuzz.h"

static struct policy pol;
static size_t text_seen;

static void
check_unit(const struct ooxml_unit *u, void *arg)
{
	FUZZ_CHECK(u->where != NULL && u->where[0] != '\0');
	FUZZ_CHECK(u->len <= pol.lim.text_bytes);
	FUZZ_CHECK(FUZZ_UTF8(u->text, u->len));
	FUZZ_CHECK(u->ncells <= OOXML_CELLS_MAX);
	for (size_t i = 0; i < u->ncells; i++) {
		FUZZ_CHECK(u->cell_off[i] <= u->len);
		FUZZ_CHECK(i == 0 || u->cell_off[i] > u->cell_off[i - 1]);
		FUZZ_CHECK(u->cell_ref[i] != NULL);
	}
	text_seen += u->len;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_policy(&pol, "", 0, "fuzz_ooxml_text");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[64];

	text_seen = 0;
	if (ooxml_text(data, size, &pol.lim, check_unit, NULL, why, sizeof why) != 0)
		FUZZ_CHECK(why[0] != '\0');
	FUZZ_CHECK(text_seen <= 2 * pol.lim.text_bytes + 16);
	return 0;
}
