/* yarascan - placeholder until the YARA scanner lands: rules refused. */
#include "cdr/yarascan.h"

#include <stdio.h>

int
yarascan_init(const char *rules_dir, char *err, size_t errlen)
{
	if (rules_dir == NULL || *rules_dir == '\0')
		return 0;
	snprintf(err, errlen, "yara_rules: YARA support is not built yet");
	return -1;
}

size_t
yarascan_rules(void)
{
	return 0;
}

int
yarascan_match(const void *p, size_t len, unsigned timeout_s, char *what, size_t whatlen)
{
	(void)p; (void)len; (void)timeout_s; (void)what; (void)whatlen;
	return 0;
}

void
yarascan_free(void)
{
}
