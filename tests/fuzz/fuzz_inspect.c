/*
 * fuzz_inspect - dlp/inspect over any bytes, as the worker runs it: the
 * first byte chooses how the item is named (a message, a CSV, a zip, no
 * name), the rest is the item.  The answer must be one the parent accepts
 * (findings_read: the schema, masked numbers only) and agree with the
 * status.
 */
#include <stdio.h>
#include <string.h>

#include "cdr/cdr.h"
#include "core/buf.h"
#include "dlp/findings.h"
#include "dlp/inspect.h"
#include "mime/sanitize.h"

#include "fuzz.h"

/* Small limits keep each run fast; everything else is the default. */
static const char fuzz_config[] =
    "message_size_limit = 1m\n"
    "mime_part_limit = 100\n"
    "mime_nesting_limit = 16\n"
    "text_size_limit = 1m\n"
    "archive_entry_limit = 100\n"
    "archive_total_size_limit = 8m\n"
    "archive_entry_size_limit = 4m\n"
    "pdf_page_limit = 10\n"
    "dlp_terms = 機密性3, abc\n";

static struct policy pol;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	fuzz_policy(&pol, fuzz_config, sizeof fuzz_config - 1, "fuzz_inspect");
	sanitize_init();
	if (cdr_init(&pol, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz_inspect: %s\n", err);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { NULL, "x.eml", "x.csv", "x.zip", "x.docx", "x.pdf" };
	struct findings_view v;
	struct buf json, why;
	int st;

	if (size < 1)
		return 0;
	buf_init(&json, FINDINGS_READ_MAX);
	buf_init(&why, 512);
	st = dlp_inspect(&pol, "SK-20261207-0000000000000001", names[data[0] % 6],
	    data + 1, size - 1, &json);
	FUZZ_CHECK(st == INSPECT_CLEAN || st == INSPECT_FOUND);
	if (findings_read(buf_str(&json), json.len, "SK-20261207-0000000000000001", &v, &why) != 0) {
		fprintf(stderr, "fuzz_inspect: %s\n", buf_str(&why));
		FUZZ_CHECK(!"the parent refuses the answer");
	}
	FUZZ_CHECK((st == INSPECT_FOUND) == (v.n + v.not_listed > 0));
	findings_view_free(&v);
	buf_free(&why);
	buf_free(&json);
	return 0;
}
