/* clamd - placeholder until the clamd client lands: always an error. */
#include "scan/clamd.h"

#include <stdio.h>

int
clamd_scan(const char *socket_path, const void *p, size_t len, unsigned timeout_s,
    char *what, size_t whatlen)
{
	(void)socket_path; (void)p; (void)len; (void)timeout_s;
	snprintf(what, whatlen, "clamd client not built yet");
	return CLAMD_ERROR;
}

int
clamd_ping(const char *socket_path, unsigned timeout_s, char *err, size_t errlen)
{
	(void)socket_path; (void)timeout_s;
	snprintf(err, errlen, "clamd client not built yet");
	return -1;
}
