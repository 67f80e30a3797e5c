/*
 * fuzz_pdf_text - dlp/pdf_text over any bytes as a PDF, with the default
 * limits.  Every page's text must be valid UTF-8 within text_size_limit,
 * pages come in order and never past pdf_page_limit, and a failure must name
 * its reason.
 */
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"
#include "dlp/pdf_text.h"

#include "fuzz.h"

static struct policy pol;
static size_t pages, text_seen;

static void
check_page(const char *where, const char *text, size_t len, void *arg)
{
	char want[32];

	snprintf(want, sizeof want, "page %zu", ++pages);
	FUZZ_CHECK(strcmp(where, want) == 0);
	FUZZ_CHECK(pages <= pol.lim.pdf_pages);
	FUZZ_CHECK(FUZZ_UTF8(text, len));
	text_seen += len;
	FUZZ_CHECK(text_seen <= pol.lim.text_bytes);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_policy(&pol, "", 0, "fuzz_pdf_text");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[64];

	pages = text_seen = 0;
	if (pdf_text(data, size, &pol.lim, check_page, NULL, why, sizeof why) != 0)
		FUZZ_CHECK(why[0] != '\0');
	return 0;
}
