/*
 * fuzz - what every libFuzzer target here shares: the entry points (declared
 * for -Wmissing-prototypes) and the checks.  A broken invariant prints what
 * was broken and aborts, so libFuzzer saves the input as a crash.
 */
#ifndef SEKISHO_TESTS_FUZZ_H
#define SEKISHO_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"
#include "policy/config.h"
#include "text/charset.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The defaults with a target's own settings over them; aborts if they do not parse. */
static inline void
fuzz_policy(struct policy *pol, const char *config, size_t len, const char *target)
{
	struct buf err;

	buf_init(&err, 1024);
	policy_defaults(pol);
	if (policy_parse(pol, config, len, "fuzz", &err) != 0) {
		fprintf(stderr, "%s: %s\n", target, buf_str(&err));
		abort();
	}
	buf_free(&err);
}

#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant broken: %s\n", \
		    __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/* 1 if no byte is a C0 control or DEL, except those in allow. */
static inline int
fuzz_no_ctl(const char *s, size_t len, const char *allow)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *a;

		if (c >= 0x20 && c != 0x7f)
			continue;
		for (a = allow; *a != '\0' && (unsigned char)*a != c; a++)
			;
		if (*a == '\0')
			return 0;
	}
	return 1;
}

/* memchr() without its nonnull argument (an empty buf has no data). */
static inline int
fuzz_has(const char *s, size_t len, int c)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == (char)c)
			return 1;
	}
	return 0;
}

#define FUZZ_UTF8(s, len) utf8_valid((const unsigned char *)(s), (len))

#endif
