/*
 * fuzz_ooxml - package bytes through cdr_ooxml(), the OOXML rebuilder.
 * Checks what callers rely on: a known status; withheld means no output and
 * a reason; rebuilt means a zip that starts with a local header, a plain
 * output type and extension, and no member that starts with the OLE2
 * signature stored as-is.
 */
#include <string.h>

#include "cdr/cdr.h"
#include "core/buf.h"
#include "policy/config.h"

#include "fuzz.h"

/* Small limits keep each run fast; everything else is the default. */
static const char fuzz_config[] =
    "office_part_limit = 200\n"
    "archive_entry_size_limit = 8m\n"
    "archive_total_size_limit = 32m\n"
    "file_output_size_limit = 64m\n";

static struct policy pol;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	fuzz_policy(&pol, fuzz_config, sizeof fuzz_config - 1, "fuzz_ooxml");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long long bytes = 0;
	size_t entries = 0;
	struct cdr_ctx c = { .pol = &pol, .archive_entries = &entries, .archive_bytes = &bytes };
	struct cdr_result r;
	struct buf out;
	int rc;

	memset(&r, 0, sizeof r);
	buf_init(&out, pol.lim.file_out_bytes);
	rc = cdr_ooxml(&c, data, size, &out, &r);
	FUZZ_CHECK(rc == CDR_OK || rc == CDR_WITHHELD);
	if (rc == CDR_WITHHELD) {
		FUZZ_CHECK(out.len == 0);
		FUZZ_CHECK(r.reason[0] != '\0');
	} else {
		FUZZ_CHECK(out.len > 4 && memcmp(out.data, "PK\003\004", 4) == 0);
		FUZZ_CHECK(r.out_type != NULL && r.out_ext != NULL);
		FUZZ_CHECK(strstr(r.out_type, "macro") == NULL);
		FUZZ_CHECK(memmem(out.data, out.len, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == NULL);
	}
	buf_free(&out);
	return 0;
}
