/*
 * fuzz_archive - bytes through cdr_archive(), the archive repacker, as if
 * the type detector had called them an archive (and through cdr_sanitize()
 * for the nested members).  Checks what any caller relies on: a known
 * status; no output and a reason when withheld; when sanitised, a zip
 * (local header first, end of central directory last), the repack method
 * and at least one member kept; the running totals not left dangling.
 * Small limits keep each run fast and the bombs cheap.
 */
#include <string.h>

#include "cdr/archive.h"
#include "cdr/cdr.h"
#include "core/buf.h"
#include "policy/config.h"

#include "fuzz.h"

static const char fuzz_config[] =
    "archive_entry_limit = 200\n"
    "archive_total_size_limit = 8m\n"
    "archive_entry_size_limit = 4m\n"
    "archive_depth_limit = 3\n"
    "file_output_size_limit = 16m\n";

static struct policy pol;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char e[256];

	(void)argc;
	(void)argv;
	fuzz_policy(&pol, fuzz_config, sizeof fuzz_config - 1, "fuzz_archive");
	charset_init();
	if (cdr_init(&pol, e, sizeof e) != 0 || cdr_archive_init(e, sizeof e) != 0) {
		fprintf(stderr, "fuzz_archive: %s\n", e);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cdr_ctx c = { .pol = &pol };
	struct cdr_result r;
	struct buf out;
	int rc;

	memset(&r, 0, sizeof r);
	buf_init(&out, pol.lim.file_out_bytes);
	rc = cdr_archive(&c, data, size, &out, &r);
	FUZZ_CHECK(rc == CDR_OK || rc == CDR_WITHHELD);
	FUZZ_CHECK(c.archive_entries == NULL && c.archive_bytes == NULL);
	if (rc == CDR_WITHHELD) {
		FUZZ_CHECK(out.len == 0);
		FUZZ_CHECK(r.reason[0] != '\0');
	} else {
		FUZZ_CHECK(r.reason[0] == '\0');
		FUZZ_CHECK(out.len >= 22 + 30);
		FUZZ_CHECK(memcmp(out.data, "PK\003\004", 4) == 0);
		FUZZ_CHECK(memcmp(out.data + out.len - 22, "PK\005\006", 4) == 0);
		FUZZ_CHECK(strcmp(r.method, "repack") == 0 && r.pages > 0);
		FUZZ_CHECK(strcmp(r.out_ext, ".zip") == 0);
	}
	for (size_t i = 0; i < r.nremoved; i++)
		FUZZ_CHECK(FUZZ_UTF8(r.removed[i].names, strlen(r.removed[i].names)));
	FUZZ_CHECK(FUZZ_UTF8(r.detail, strlen(r.detail)));
	buf_free(&out);
	return 0;
}
