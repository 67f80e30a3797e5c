/*
 * cdr - content disarm and reconstruction: one file in, a harmless file out.
 *
 * cdr_sanitize() decides a file's type from its content (filetype.c, never
 * from the name), checks the name against the content, and hands the bytes
 * to the sanitiser for that type.  Each sanitiser writes a *new* file built
 * from what it understood (pixels, allow-listed PDF objects, allow-listed
 * package members, decoded text) into out, and records in the result what it
 * removed, so the receipt can say what changed.  Anything it cannot make
 * harmless is withheld with a reason code; nothing is passed through as it
 * came.  Runs only inside the sandboxed worker; cdr_init() loads everything
 * that needs files (libmagic database, MuPDF, YARA rules) before the sandbox
 * is entered.
 *
 * Sanitisers return CDR_OK (out holds the new file, r->out_type/out_ext set)
 * or CDR_WITHHELD (out is empty, r->reason set).  They must respect the limits
 * in c->pol->lim and report a limit hit with cdr_limit().
 */
#ifndef SEKISHO_CDR_CDR_H
#define SEKISHO_CDR_CDR_H

#include <stddef.h>

#include "cdr/encblock.h"
#include "core/buf.h"
#include "policy/policy.h"
#include "receipt/receipt.h"

#define CDR_OK 0
#define CDR_WITHHELD 10

#define CDR_REASON_MAX 64
#define CDR_DETAIL_MAX 512
#define CDR_REMOVED_MAX 64	/* kinds of removed things listed per file */
#define CDR_NAMES_MAX 400	/* bytes of example names per kind */
#define CDR_NAME_MAX 256	/* a file name carried in a result */

/* Kinds of removed content (the receipt's vocabulary; see docs/receipt.md). */
struct cdr_removal {
	char what[48];		/* "javascript", "vba-project", "exif", "member"... */
	size_t count;
	char names[CDR_NAMES_MAX];	/* some object/part names, ", "-separated */
};

struct cdr_result {
	char in_type[160];	/* detected MIME type of the input */
	const char *kind;	/* "pdf", "ooxml", "image", "text", "csv", "archive"... */
	const char *out_type;	/* MIME type of the output (static string) */
	const char *out_ext;	/* extension the output should carry: ".pdf", ".docx" */
	char method[64];	/* "rasterize", "rebuild", "re-encode", "transcode", "repack" */
	char reason[CDR_REASON_MAX];	/* set when withheld */
	char detail[CDR_DETAIL_MAX];
	char limit_name[48];	/* the named limit hit, if any */
	unsigned long long limit_value;
	struct cdr_removal removed[CDR_REMOVED_MAX];
	size_t nremoved;
	size_t removed_dropped;	/* kinds beyond CDR_REMOVED_MAX */
	size_t pages;		/* PDF pages, images in the output, archive members... */
	char signature[128];	/* YARA rule that matched, when withheld for it */
};

/*
 * What a sanitiser gets.  depth counts archives around this file,
 * mime_depth the MIME nesting around it (a message inside starts one level
 * deeper: mime_nesting_limit); id and time are the item's (a message
 * sanitised inside is marked with them); inner, when set, is where a message
 * inside lists its parts (paths relative to it; the caller merges them).
 */
struct cdr_ctx {
	const struct policy *pol;
	size_t depth;
	size_t *archive_entries;	/* running totals over nested archives */
	unsigned long long *archive_bytes;
	size_t mime_depth;
	const char *id;
	long long time;
	struct receipt *inner;
};

/* Before the sandbox: libmagic, MuPDF, YARA rules.  0, or -1 with err set. */
int cdr_init(const struct policy *pol, char *err, size_t errlen);

/*
 * The whole decision for one file.  name may be NULL (no name given).
 * out's ceiling must be the caller's output limit.
 */
int cdr_sanitize(struct cdr_ctx *c, const char *name, const unsigned char *in,
    size_t len, struct buf *out, struct cdr_result *r);

/* One per format; called by cdr_sanitize() once the type is known. */
int cdr_pdf(struct cdr_ctx *c, const unsigned char *in, size_t len,
    struct buf *out, struct cdr_result *r);
int cdr_ooxml(struct cdr_ctx *c, const unsigned char *in, size_t len,
    struct buf *out, struct cdr_result *r);
int cdr_image(struct cdr_ctx *c, const unsigned char *in, size_t len,
    struct buf *out, struct cdr_result *r);
/* Text files: mode 0 plain text, 1 CSV, 2 HTML (kept as its rendered text). */
int cdr_text(struct cdr_ctx *c, const unsigned char *in, size_t len, int mode,
    struct buf *out, struct cdr_result *r);
int cdr_archive(struct cdr_ctx *c, const unsigned char *in, size_t len,
    struct buf *out, struct cdr_result *r);

/*
 * Legacy Office and RTF files are converted to PDF by LibreOffice, which
 * cannot run in the sandbox: the worker asks its parent through this hook
 * (set by the worker; NULL = no converter, such files are withheld).
 * ext is the extension LibreOffice should see (".doc").  Returns 0 with the
 * PDF in pdf, or -1 with err set.
 */
typedef int (*cdr_convert_fn)(const unsigned char *in, size_t len, const char *ext,
    struct buf *pdf, char *err, size_t errlen);
void cdr_set_converter(cdr_convert_fn fn);
/* The same conversion for another reader: the outbound inspection asks
 * for an Office Open XML copy with ext ".xls>xlsx" (gateway/convert.h).
 * CDR_NO_CONVERTER when none is set, else as the hook. */
#define CDR_NO_CONVERTER (-2)
int cdr_convert_to_pdf(const unsigned char *in, size_t len, const char *ext, struct buf *pdf,
    char *err, size_t errlen);

/*
 * Mail messages and mboxes found as files (an .eml, an archive member, an
 * attachment, a .txt that is really a message) are sanitised as mail by
 * src/mime, which registers itself here (sanitize_init); NULL: they are
 * withheld.  mbox is 1 for an mbox.  Contract as for a sanitiser.
 */
typedef int (*cdr_mail_fn)(struct cdr_ctx *c, int mbox, const unsigned char *in, size_t len,
    struct buf *out, struct cdr_result *r);
void cdr_set_mail(cdr_mail_fn fn);

/*
 * The line that stands where an encoded block was taken out of text
 * (notice language, eol "\n" or "\r\n"); shown is its file name made safe.
 */
int cdr_block_marker(const struct encblock *b, const char *shown, int english,
    const char *eol, struct buf *out);	/* -1 when out is full */

/* Helpers for the sanitisers (cdr.c). */
int cdr_withhold(struct cdr_result *r, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));	/* returns CDR_WITHHELD */
int cdr_limit(struct cdr_result *r, const char *limit_name,
    unsigned long long value, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));	/* reason = the limit's name */
/* Count one removed thing of kind what; name (may be NULL) kept as example. */
void cdr_removed(struct cdr_result *r, const char *what, const char *name);
/* The entry for kind what, or NULL when nothing of that kind was removed. */
const struct cdr_removal *cdr_removal_find(const struct cdr_result *r, const char *what);
/* The same for n things of one kind at once (nothing when n is 0). */
void cdr_removed_n(struct cdr_result *r, const char *what, const char *name, size_t n);

/* For the next items, until called with NULL: encrypted archive members
 * and encrypted PDFs are opened with this password (the console opening a
 * PPAP attachment in the worker) instead of being withheld; a wrong
 * password still withholds them ("encrypted").  The copy is wiped when
 * replaced. */
void cdr_set_archive_passphrase(const char *pw);
/* The password set, or NULL (an encrypted PDF opens with it too). */
const char *cdr_archive_passphrase(void);

#endif
