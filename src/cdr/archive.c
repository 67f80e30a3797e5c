/* archive - placeholder until the archive sanitiser lands: withholds everything. */
#include "cdr/cdr.h"

int
cdr_archive(struct cdr_ctx *c, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r)
{
	(void)c; (void)in; (void)len; (void)out;
	return cdr_withhold(r, "unsupported-format", "archive files are not sanitised yet");
}
