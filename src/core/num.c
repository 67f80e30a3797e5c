/*
 * num - checked number parsing.  Returns 0 on success, -1 on anything else.
 */
#include "core/num.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int
parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = (uint64_t)v;
	return 0;
}

int
parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	uint64_t mult = 1;
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'k':
		mult = 1024ULL;
		end++;
		break;
	case 'm':
		mult = 1024ULL * 1024;
		end++;
		break;
	case 'g':
		mult = 1024ULL * 1024 * 1024;
		end++;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && !((end[0] == 'b' || end[0] == 'B') && end[1] == '\0'))
		return -1;
	if (v > UINT64_MAX / mult)
		return -1;
	*out = (uint64_t)v * mult;
	return 0;
}
