/*
 * fuzz_encblock - text through encblock_find() and the same bytes through
 * encblock_find_bytes(), block after block, with a
 * small decoding ceiling (64 KiB).  Checks: every block lies in the text,
 * starts at a line start at or after where the search began, ends after
 * it starts and where a line ends, blocks come in order without overlap;
 * the decoded bytes never pass the ceiling; the name is a C string within
 * ENCBLOCK_NAME_MAX; a damaged block says why in a C string; the search
 * ends (each found block moves it on).
 */
#include <string.h>

#include "cdr/encblock.h"
#include "core/buf.h"

#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* One scan: as text (raw 0) or as a part's bytes (raw 1). */
static void
scan(const uint8_t *data, size_t size, int raw)
{
	const char *t = (const char *)data;
	struct encblock b;
	struct buf dec;
	size_t from = 0, blocks = 0;

	buf_init(&dec, 64 * 1024);
	while (raw ? encblock_find_bytes(data, size, from, &b, &dec) :
	    encblock_find(t, size, from, &b, &dec)) {
		FUZZ_CHECK(b.start >= from && b.start < b.end && b.end <= size);
		FUZZ_CHECK(b.start == 0 || t[b.start - 1] == '\n');
		FUZZ_CHECK(b.end == size || t[b.end - 1] == '\n');
		FUZZ_CHECK(dec.len <= dec.max);
		FUZZ_CHECK(memchr(b.name, '\0', sizeof b.name) != NULL);
		FUZZ_CHECK(b.damage == NULL || strlen(b.damage) > 0);
		FUZZ_CHECK(strcmp(encblock_kind_name(b.kind), "unknown") != 0);
		FUZZ_CHECK(++blocks <= size);
		from = b.end;
		buf_reset(&dec);
	}
	buf_free(&dec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	scan(data, size, 0);
	scan(data, size, 1);
	return 0;
}
