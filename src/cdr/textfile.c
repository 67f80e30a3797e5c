/* textfile - placeholder until the text sanitiser lands: withholds everything. */
#include "cdr/cdr.h"

int
cdr_text(struct cdr_ctx *c, const unsigned char *in, size_t len, int is_csv,
    struct buf *out, struct cdr_result *r)
{
	(void)c; (void)in; (void)len; (void)is_csv; (void)out;
	return cdr_withhold(r, "unsupported-format", "text files are not sanitised yet");
}
