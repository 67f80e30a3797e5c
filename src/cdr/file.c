/*
 * file - the whole decision for one file (cdr_sanitize) and what must be
 * loaded before the sandbox (cdr_init).  See cdr.h.
 *
 * Order: YARA on the input; type from content; the name checked against
 * the content; the sanitiser for the type; YARA on the output.  Types
 * sekisho cannot rebuild are withheld with their name in the reason; legacy
 * Office and RTF are answered "needs-conversion" (the parent converts them
 * with LibreOffice outside this sandbox and sends the PDF back), or withheld
 * when the policy says so.
 */
#include "cdr/cdr.h"

#include <stdio.h>
#include <string.h>

#include "cdr/filetype.h"
#include "cdr/yarascan.h"

int
cdr_init(const struct policy *pol, char *err, size_t errlen)
{
	if (filetype_init(err, errlen) != 0)
		return -1;
	if (yarascan_init(pol->yara_rules, err, errlen) != 0)
		return -1;
	return 0;
}

static int
yara_check(struct cdr_ctx *c, const unsigned char *p, size_t len, const char *when,
    struct cdr_result *r)
{
	char what[128];
	int m;

	if (yarascan_rules() == 0)
		return 0;
	m = yarascan_match(p, len, (unsigned)c->pol->lim.seconds, what, sizeof what);
	if (m == 1) {
		snprintf(r->signature, sizeof r->signature, "%s", what);
		cdr_withhold(r, "signature", "YARA rule %s matched the %s file", what, when);
		return -1;
	}
	if (m < 0) {
		cdr_withhold(r, "scan-failed", "YARA could not scan the %s file: %s", when, what);
		return -1;
	}
	return 0;
}

static int
unsupported(struct cdr_result *r, const struct filetype *ft)
{
	return cdr_withhold(r, "unsupported-format", "%s files cannot be made harmless (%s)",
	    ft->label, ft->mime);
}

static int
dispatch(struct cdr_ctx *c, const struct filetype *ft, const unsigned char *in, size_t len,
    struct buf *out, struct cdr_result *r)
{
	switch (ft->kind) {
	case FT_PDF:
		r->kind = "pdf";
		return cdr_pdf(c, in, len, out, r);
	case FT_OOXML:
		r->kind = "ooxml";
		return cdr_ooxml(c, in, len, out, r);
	case FT_IMAGE:
		r->kind = "image";
		return cdr_image(c, in, len, out, r);
	case FT_TEXT:
	case FT_HTML:	/* an HTML file is kept as its text, like a mail body */
		r->kind = "text";
		return cdr_text(c, in, len, ft->kind == FT_HTML ? 2 : 0, out, r);
	case FT_CSV:
		r->kind = "csv";
		return cdr_text(c, in, len, 1, out, r);
	case FT_ARCHIVE:
		r->kind = "archive";
		return cdr_archive(c, in, len, out, r);
	case FT_OLE:
	case FT_RTF:
	case FT_ODF:
		r->kind = "office-legacy";
		if (c->pol->legacy_office == LEGACY_WITHHOLD)
			return cdr_withhold(r, "unsupported-format",
			    "%s files are withheld by policy (legacy_office = withhold)", ft->label);
		return cdr_withhold(r, "needs-conversion",
		    "%s is converted with LibreOffice, then rasterised", ft->label);
	case FT_ENCRYPTED:
		r->kind = "encrypted";
		return cdr_withhold(r, "encrypted", "%s: it cannot be inspected without its password",
		    ft->label);
	case FT_EXECUTABLE:
		r->kind = "executable";
		return cdr_withhold(r, "executable", "executable content (%s)", ft->mime);
	case FT_UNSUPPORTED:
		r->kind = "unsupported";
		return unsupported(r, ft);
	case FT_UNKNOWN:
	default:
		r->kind = "unknown";
		return cdr_withhold(r, "unsupported-format", "unrecognised content (%s)",
		    ft->magic[0] ? ft->magic : "no signature");
	}
}

int
cdr_sanitize(struct cdr_ctx *c, const char *name, const unsigned char *in, size_t len,
    struct buf *out, struct cdr_result *r)
{
	struct filetype ft;
	char why[256];
	int rc;

	buf_reset(out);
	if (yara_check(c, in, len, "original", r) != 0)
		return CDR_WITHHELD;
	filetype_detect(in, len, name, &ft);
	snprintf(r->in_type, sizeof r->in_type, "%s", ft.mime);
	if (filetype_name_lies(&ft, name, why, sizeof why)) {
		r->kind = filetype_kind_name(ft.kind);
		return cdr_withhold(r, "type-mismatch", "%s", why);
	}
	rc = dispatch(c, &ft, in, len, out, r);
	if (rc != CDR_OK) {
		buf_reset(out);
		if (r->reason[0] == '\0')
			cdr_withhold(r, "internal", "the %s sanitiser gave no reason", r->kind);
		return CDR_WITHHELD;
	}
	if (yara_check(c, (const unsigned char *)out->data, out->len, "sanitised", r) != 0) {
		buf_reset(out);
		return CDR_WITHHELD;
	}
	return CDR_OK;
}
