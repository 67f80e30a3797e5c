/*
 * fuzz_mailtype - bytes through mailtype_is_message(), mailtype_is_mbox()
 * and mailtype_mbox_next().  Checks: an mbox split gives messages in order,
 * inside the input, without overlap, and ends (the position only moves on);
 * an mbox always starts with "From ".
 */
#include <string.h>

#include "cdr/mailtype.h"

#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0, start, end, last = 0, n = 0;

	(void)mailtype_is_message(data, size);
	if (mailtype_is_mbox(data, size))
		FUZZ_CHECK(size >= 5 && memcmp(data, "From ", 5) == 0);
	while (mailtype_mbox_next(data, size, &pos, &start, &end)) {
		FUZZ_CHECK(start >= last && start <= end && end <= size);
		FUZZ_CHECK(pos == end && pos > last);
		last = end;
		FUZZ_CHECK(++n <= size);
	}
	return 0;
}
