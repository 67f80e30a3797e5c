/*
 * file - the whole decision for one file (cdr_sanitize) and what must be
 * loaded before the sandbox (cdr_init).  See cdr.h.
 *
 * Order: YARA on the input; type from content; the name checked against
 * the content; the sanitiser for the type; YARA on the output.  Types
 * sekisho cannot rebuild are withheld with their name in the reason; legacy
 * Office and RTF are converted to PDF by the parent (cdr_set_converter) and
 * rasterised, or withheld when the policy says so.  Mail messages and
 * mboxes are sanitised as mail by src/mime (cdr_set_mail).
 */
#include "cdr/cdr.h"

#include <stdio.h>
#include <string.h>

#include "cdr/archive.h"
#include "cdr/filetype.h"
#include "cdr/pdf.h"
#include "cdr/yarascan.h"
#include "text/charset.h"

static cdr_convert_fn converter;
static cdr_mail_fn mail_sanitizer;

void
cdr_set_converter(cdr_convert_fn fn)
{
	converter = fn;
}

int
cdr_convert_to_pdf(const unsigned char *in, size_t len, const char *ext, struct buf *pdf,
    char *err, size_t errlen)
{
	if (converter == NULL) {
		snprintf(err, errlen, "no converter (LibreOffice) here");
		return CDR_NO_CONVERTER;
	}
	return converter(in, len, ext, pdf, err, errlen);
}

void
cdr_set_mail(cdr_mail_fn fn)
{
	mail_sanitizer = fn;
}

/*
 * Legacy Office, RTF, OpenDocument: LibreOffice (in the parent's converter
 * sandbox) makes a PDF, which is then rasterised like any PDF: the pixels
 * are all that crosses, whatever the original's macros or objects.
 */
static int
convert_legacy(struct cdr_ctx *c, const struct filetype *ft, const unsigned char *in,
    size_t len, struct buf *out, struct cdr_result *r)
{
	struct policy pol = *c->pol;
	struct cdr_ctx pc = *c;
	struct buf pdf;
	char err[256];
	int rc;

	if (c->pol->legacy_office == LEGACY_WITHHOLD)
		return cdr_withhold(r, "unsupported-format",
		    "%s files are withheld by policy (legacy_office = withhold)", ft->label);
	if (converter == NULL)
		return cdr_withhold(r, "unsupported-format",
		    "%s files need LibreOffice, which is not available here", ft->label);
	buf_init(&pdf, c->pol->lim.file_out_bytes);
	if (converter(in, len, ft->ext != NULL ? ft->ext : ".bin", &pdf, err, sizeof err) != 0) {
		buf_free(&pdf);
		return cdr_withhold(r, "conversion-failed", "%s could not be converted: %s",
		    ft->label, err);
	}
	pol.pdf_mode = PDF_RASTERIZE;	/* a converted document is only ever pixels */
	pc.pol = &pol;
	rc = cdr_pdf(&pc, (const unsigned char *)pdf.data, pdf.len, out, r);
	buf_free(&pdf);
	if (rc == CDR_OK) {
		snprintf(r->method, sizeof r->method, "convert+rasterize");
		cdr_removed(r, "original-format", ft->label);
	}
	return rc;
}

int
cdr_init(const struct policy *pol, char *err, size_t errlen)
{
	charset_init();	/* text, CSV and archive names: converters opened now */
	if (filetype_init(err, errlen) != 0)
		return -1;
	if (cdr_archive_init(err, errlen) != 0)
		return -1;
	if (cdr_pdf_init(err, errlen) != 0)
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
		cdr_withhold(r, "signature-match", "YARA rule %s matched the %s file", what, when);
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
	case FT_MESSAGE:
	case FT_MBOX:	/* a message carries its attachments: sanitised as mail */
		r->kind = "message";
		if (mail_sanitizer == NULL)
			return cdr_withhold(r, "unsupported-format",
			    "%s: the mail sanitiser is not available here", ft->label);
		return mail_sanitizer(c, ft->kind == FT_MBOX, in, len, out, r);
	case FT_OLE:
	case FT_RTF:
	case FT_ODF:
		r->kind = "office-legacy";
		return convert_legacy(c, ft, in, len, out, r);
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
	if (in == NULL)	/* an empty part has no bytes at all: no arithmetic on NULL below */
		in = (const unsigned char *)"", len = 0;
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
