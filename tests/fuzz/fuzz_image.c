/*
 * fuzz_image - bytes through cdr_image(), the image sanitiser, as the worker
 * runs it (without the sandbox).  Checks: a known status; withheld means no
 * output and a reason; sanitised means an output of the promised type that
 * starts with that format's signature and, for PNG, holds only IHDR, IDAT
 * and IEND with nothing after IEND.
 */
#include <string.h>

#include "cdr/cdr.h"
#include "core/buf.h"
#include "policy/config.h"

#include "fuzz.h"

static const char fuzz_config[] =
    "image_pixel_limit = 4000000\n"
    "memory_limit = 512m\n";

static struct policy pol;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_policy(&pol, fuzz_config, sizeof fuzz_config - 1, "fuzz_image");
	return 0;
}

static unsigned long
be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

static void
check_png(const unsigned char *p, size_t len)
{
	size_t off = 8;

	FUZZ_CHECK(len > 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0);
	for (;;) {
		unsigned long n;

		FUZZ_CHECK(off + 12 <= len);
		n = be32(p + off);
		FUZZ_CHECK(memcmp(p + off + 4, "IHDR", 4) == 0 || memcmp(p + off + 4, "IDAT", 4) == 0 ||
		    memcmp(p + off + 4, "IEND", 4) == 0);
		if (memcmp(p + off + 4, "IEND", 4) == 0) {
			FUZZ_CHECK(off + 12 == len);
			return;
		}
		FUZZ_CHECK(n <= len - off - 12);
		off += 12 + n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cdr_ctx c;
	struct cdr_result r;
	struct buf out;
	int rc;

	memset(&c, 0, sizeof c);
	memset(&r, 0, sizeof r);
	c.pol = &pol;
	buf_init(&out, 64u * 1024 * 1024);
	rc = cdr_image(&c, data, size, &out, &r);
	FUZZ_CHECK(rc == CDR_OK || rc == CDR_WITHHELD);
	if (rc == CDR_WITHHELD) {
		FUZZ_CHECK(out.len == 0);
		FUZZ_CHECK(r.reason[0] != '\0');
	} else {
		const unsigned char *p = (const unsigned char *)out.data;

		FUZZ_CHECK(out.len > 0 && r.out_ext != NULL && r.out_type != NULL);
		if (strcmp(r.out_ext, ".png") == 0)
			check_png(p, out.len);
		else if (strcmp(r.out_ext, ".jpg") == 0)
			FUZZ_CHECK(out.len > 4 && p[0] == 0xff && p[1] == 0xd8 &&
			    p[out.len - 2] == 0xff && p[out.len - 1] == 0xd9);
		else
			FUZZ_CHECK(strcmp(r.out_ext, ".webp") == 0 && out.len > 12 &&
			    memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0);
	}
	buf_free(&out);
	return 0;
}
