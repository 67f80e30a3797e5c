/* ooxml - placeholder until the ooxml sanitiser lands: withholds everything. */
#include "cdr/cdr.h"

int
cdr_ooxml(struct cdr_ctx *c, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r)
{
	(void)c; (void)in; (void)len; (void)out;
	return cdr_withhold(r, "unsupported-format", "ooxml files are not sanitised yet");
}
