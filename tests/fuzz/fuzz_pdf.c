/*
 * fuzz_pdf - bytes through cdr_pdf() in both modes (rebuild; rasterize at
 * 36 dpi with the text layer), with small limits so each run is fast.
 * Checks what a caller relies on: a known status; withheld means a reason
 * and no output; sanitised means a PDF with pages within the limit, which
 * MuPDF reads back (the rebuilt output sanitises again); and MuPDF gives
 * back every byte it allocated.
 */
#include <string.h>

#include "cdr/cdr.h"
#include "cdr/pdf.h"
#include "core/buf.h"
#include "policy/config.h"

#include "fuzz.h"

static const char fuzz_config[] =
    "pdf_page_limit = 4\n"
    "pdf_resolution = 36\n"
    "image_pixel_limit = 1000000\n"
    "memory_limit = 256m\n"
    "time_limit = 10\n"
    "file_output_size_limit = 16m\n";

static struct policy pol;
static struct cdr_ctx cctx;
static size_t entries;
static unsigned long long abytes;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char e[256];

	(void)argc;
	(void)argv;
	fuzz_policy(&pol, fuzz_config, sizeof fuzz_config - 1, "fuzz_pdf");
	if (cdr_pdf_init(e, sizeof e) != 0) {
		fprintf(stderr, "fuzz_pdf: %s\n", e);
		abort();
	}
	cctx.pol = &pol;
	cctx.archive_entries = &entries;
	cctx.archive_bytes = &abytes;
	return 0;
}

static int
one(const uint8_t *data, size_t size, enum pdf_mode mode, struct buf *out)
{
	struct cdr_result r;
	int rc;

	memset(&r, 0, sizeof r);
	pol.pdf_mode = mode;
	rc = cdr_pdf(&cctx, data, size, out, &r);
	FUZZ_CHECK(rc == CDR_OK || rc == CDR_WITHHELD);
	FUZZ_CHECK(cdr_pdf_mem_in_use() == 0);
	if (rc == CDR_WITHHELD) {
		FUZZ_CHECK(out->len == 0);
		FUZZ_CHECK(r.reason[0] != '\0');
	} else {
		FUZZ_CHECK(out->len > 8 && memcmp(out->data, "%PDF-", 5) == 0);
		FUZZ_CHECK(r.pages > 0 && r.pages <= pol.lim.pdf_pages);
		FUZZ_CHECK(r.out_type != NULL && strcmp(r.out_type, "application/pdf") == 0);
	}
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out, again;

	buf_init(&out, pol.lim.file_out_bytes);
	buf_init(&again, pol.lim.file_out_bytes);
	if (one(data, size, PDF_REBUILD, &out) == CDR_OK)
		FUZZ_CHECK(one((const uint8_t *)out.data, out.len, PDF_REBUILD, &again) == CDR_OK);
	one(data, size, PDF_RASTERIZE, &out);
	buf_free(&out);
	buf_free(&again);
	return 0;
}
