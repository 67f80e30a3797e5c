/*
 * fuzz_filetype - bytes as a file of unknown type: filetype_detect() with
 * libmagic loaded, under several names, and filetype_name_lies().  The
 * answer must be one of the kinds, a NUL-terminated MIME type, and an
 * executable must never be called honest under a document's name.
 */
#include <string.h>

#include "cdr/filetype.h"

#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	if (filetype_init(err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { NULL, "a.pdf", "b.docx", "c.txt", "d.zip",
		"e.exe", "f.jtd", "g.csv", "noext" };
	char why[256];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct filetype ft;
		int lies;

		filetype_detect(data, size, names[i], &ft);
		FUZZ_CHECK(ft.kind >= FT_UNKNOWN && ft.kind <= FT_UNSUPPORTED);
		FUZZ_CHECK(memchr(ft.mime, '\0', sizeof ft.mime) != NULL);
		FUZZ_CHECK(memchr(ft.label, '\0', sizeof ft.label) != NULL);
		lies = filetype_name_lies(&ft, names[i], why, sizeof why);
		if (ft.kind == FT_EXECUTABLE && names[i] != NULL && strcmp(names[i], "e.exe") != 0 &&
		    strcmp(names[i], "noext") != 0)
			FUZZ_CHECK(lies == 1);
		if (names[i] == NULL)
			FUZZ_CHECK(lies == 0);
	}
	return 0;
}
