/*
 * fuzz_preview - mime/preview over any message: the first bytes up to a
 * newline are the spec ("PATH PAGE"), the rest the original.  Whatever it
 * answers must be what the worker's parent accepts: PREVIEW_OK with a PNG
 * (its signature, its IHDR no wider than PREVIEW_WIDTH and within
 * image_pixel_limit) and a JSON object of facts, or PREVIEW_NONE with no
 * picture and a JSON object with the reason.
 */
#include <string.h>

#include "core/jsonread.h"
#include "mime/preview.h"
#include "mime/sanitize.h"

#include "fuzz.h"

static struct policy pol;

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_policy(&pol, "", 0, "fuzz_preview");
	sanitize_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < 80 ? size : 80);
	char spec[96];
	struct buf png, info, why;
	struct json_value v;
	int r;

	if (nl == NULL)
		return 0;
	memcpy(spec, data, (size_t)(nl - data));
	spec[nl - data] = '\0';
	if (memchr(spec, '\0', (size_t)(nl - data)) != NULL)
		return 0;
	buf_init(&png, pol.lim.file_out_bytes);
	buf_init(&info, 4096);
	buf_init(&why, 256);
	r = preview_render(&pol, spec, nl + 1, size - (size_t)(nl - data) - 1, &png, &info);
	FUZZ_CHECK(r == PREVIEW_OK || r == PREVIEW_NONE);
	FUZZ_CHECK(json_check(buf_str(&info), info.len, &v, &why) == 0 && v.type == JV_OBJECT);
	if (r == PREVIEW_OK) {
		const unsigned char *p = (const unsigned char *)png.data;

		FUZZ_CHECK(png.len > 24 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0 &&
		    memcmp(p + 12, "IHDR", 4) == 0);
		FUZZ_CHECK(be32(p + 16) <= PREVIEW_WIDTH + 2 && be32(p + 16) > 0);
		FUZZ_CHECK((unsigned long long)be32(p + 16) * be32(p + 20) <= pol.lim.image_pixels);
	} else
		FUZZ_CHECK(png.len == 0);
	buf_free(&png);
	buf_free(&info);
	buf_free(&why);
	return 0;
}
