/*
 * filetype - what a file is, from its content; whether its name agrees.
 * See filetype.h.  Order of checks: our own signatures for what we sanitise
 * (exact and cheap), zip members and OLE2 directory names for the
 * containers, then libmagic (only then: it is the slow part) for everything else (its answer only decides
 * between "unsupported" and "executable"; it never makes a file acceptable).
 */
#include "cdr/filetype.h"

#include <ctype.h>
#include <magic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cdr/mailtype.h"
#include "cdr/sniff.h"
#include "core/buf.h"
#include "text/charset.h"

#define ZIP_SCAN_MAX (64 * 1024 * 1024)	/* bytes of a zip searched for member names */
#define OLE_DIR_SCAN_MAX (4 * 1024 * 1024)
#define TEXT_SAMPLE 65536

static magic_t magic_cookie;

int
filetype_init(char *err, size_t errlen)
{
	if (magic_cookie != NULL)
		return 0;
	magic_cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS |
	    MAGIC_NO_CHECK_ELF | MAGIC_ERROR);
	if (magic_cookie == NULL || magic_load(magic_cookie, NULL) != 0) {
		snprintf(err, errlen, "libmagic: %s", magic_cookie != NULL ?
		    magic_error(magic_cookie) : "cannot start");
		return -1;
	}
	/* bounded work on hostile input (file(1)'s own limits, tightened) */
	size_t v = 64;
	magic_setparam(magic_cookie, MAGIC_PARAM_INDIR_MAX, &v);
	v = 1 << 20;
	magic_setparam(magic_cookie, MAGIC_PARAM_BYTES_MAX, &v);
	return 0;
}

const char *
filetype_kind_name(enum ft_kind k)
{
	static const char *const names[] = {
		"unknown", "pdf", "ooxml", "ole", "rtf", "odf", "image", "text", "csv",
		"html", "archive", "executable", "encrypted", "unsupported", "message", "mbox",
	};

	return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

static void
set(struct filetype *ft, enum ft_kind kind, const char *mime, const char *label,
    const char *ext)
{
	ft->kind = kind;
	snprintf(ft->mime, sizeof ft->mime, "%s", mime);
	snprintf(ft->label, sizeof ft->label, "%s", label);
	ft->ext = ext;
}

static int
starts(const unsigned char *p, size_t len, const char *sig, size_t n)
{
	return len >= n && memcmp(p, sig, n) == 0;
}

/* Memory search (bounded by the caller's len). */
static const unsigned char *
find(const unsigned char *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || len < n)
		return NULL;
	return memmem(p, len, s, n);
}

/*
 * Zip: look at the member names in the local and central headers.  OOXML
 * has [Content_Types].xml; OpenDocument starts with a stored "mimetype".
 * The application is read from the part names, the macro flag from the
 * content types (main part types end in macroEnabled...).
 */
static int
zip_kind(const unsigned char *p, size_t len, struct filetype *ft)
{
	size_t n = len < ZIP_SCAN_MAX ? len : ZIP_SCAN_MAX;

	if (starts(p, len, "PK\003\004", 4) && len > 38 + 8 &&
	    memcmp(p + 30, "mimetype", 8) == 0) {
		const unsigned char *m = find(p + 38, n - 38 < 128 ? n - 38 : 128,
		    "application/vnd.oasis.opendocument.");
		if (m != NULL) {
			const char *app = (const char *)m + 35;

			if (strncmp(app, "text", 4) == 0)
				set(ft, FT_ODF, "application/vnd.oasis.opendocument.text",
				    "OpenDocument text", ".odt");
			else if (strncmp(app, "spreadsheet", 11) == 0)
				set(ft, FT_ODF, "application/vnd.oasis.opendocument.spreadsheet",
				    "OpenDocument spreadsheet", ".ods");
			else if (strncmp(app, "presentation", 12) == 0)
				set(ft, FT_ODF, "application/vnd.oasis.opendocument.presentation",
				    "OpenDocument presentation", ".odp");
			else
				set(ft, FT_ODF, "application/vnd.oasis.opendocument",
				    "OpenDocument", ".odt");
			return 1;
		}
	}
	if (find(p, n, "[Content_Types].xml") == NULL)
		return 0;
	if (find(p, n, "word/") != NULL)
		set(ft, FT_OOXML,
		    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		    "Word", ".docx");
	else if (find(p, n, "xl/") != NULL)
		set(ft, FT_OOXML,
		    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		    "Excel", ".xlsx");
	else if (find(p, n, "ppt/") != NULL)
		set(ft, FT_OOXML,
		    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
		    "PowerPoint", ".pptx");
	else if (find(p, n, "Documents/") != NULL || find(p, n, "FixedDocSeq") != NULL)
		set(ft, FT_UNSUPPORTED, "application/vnd.ms-xpsdocument", "XPS", ".xps");
	else
		set(ft, FT_OOXML, "application/vnd.openxmlformats-package", "Office Open XML",
		    ".zip");
	return 1;
}

/* UTF-16LE name as it appears in an OLE2 directory entry. */
static int
ole_has(const unsigned char *p, size_t len, const char *ascii)
{
	unsigned char w[64];
	size_t n = strlen(ascii);

	if (n * 2 > sizeof w)
		return 0;
	for (size_t i = 0; i < n; i++) {
		w[2 * i] = (unsigned char)ascii[i];
		w[2 * i + 1] = 0;
	}
	return memmem(p, len, w, n * 2) != NULL;
}

static void
ole_kind(const unsigned char *p, size_t len, const char *ext, struct filetype *ft)
{
	size_t n = len < OLE_DIR_SCAN_MAX ? len : OLE_DIR_SCAN_MAX;

	if (ole_has(p, len, "EncryptedPackage") || ole_has(p, n, "StrongEncryptionDataSpace"))
		set(ft, FT_ENCRYPTED, "application/x-ooxml-encrypted",
		    "encrypted Office document", NULL);
	else if (ole_has(p, n, "WordDocument"))
		set(ft, FT_OLE, "application/msword", "Word 97-2003", ".doc");
	else if (ole_has(p, n, "Workbook") || ole_has(p, n, "Book"))
		set(ft, FT_OLE, "application/vnd.ms-excel", "Excel 97-2003", ".xls");
	else if (ole_has(p, n, "PowerPoint Document"))
		set(ft, FT_OLE, "application/vnd.ms-powerpoint", "PowerPoint 97-2003", ".ppt");
	else if (ole_has(p, n, "__substg1.0_"))
		set(ft, FT_UNSUPPORTED, "application/vnd.ms-outlook", "Outlook message (.msg)",
		    ".msg");
	else if (ext != NULL && (strcasecmp(ext, "jtd") == 0 || strcasecmp(ext, "jtdc") == 0 ||
	    strcasecmp(ext, "jtt") == 0))
		set(ft, FT_UNSUPPORTED, "application/x-js-taro", "一太郎", ".jtd");
	else
		set(ft, FT_UNSUPPORTED, "application/x-ole-storage", "OLE2 compound file", NULL);
}

/* Plain text: no NUL, few control bytes, valid in some text encoding. */
static int
looks_text(const unsigned char *p, size_t len)
{
	size_t n = len < TEXT_SAMPLE ? len : TEXT_SAMPLE, ctl = 0;

	if (len == 0)
		return 1;
	if (starts(p, len, "\xff\xfe", 2) || starts(p, len, "\xfe\xff", 2))
		return 1;	/* UTF-16 with BOM */
	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0)
			return 0;
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' &&
		    p[i] != 0x1b && p[i] != '\f' && p[i] != 0x0e && p[i] != 0x0f)
			ctl++;
	}
	return ctl * 100 <= n;	/* at most 1% */
}

/*
 * Text that decodes without a bad byte in a charset Japanese mail uses
 * (CP932, EUC-JP, ISO-2022-JP, UTF-8, ASCII).  libmagic's guess of a DOS
 * .com program has no signature behind it, and CP932 text often fits it.
 */
static int
japanese_text(const unsigned char *p, size_t len)
{
	static const char *const ok[] = { "CP932", "SHIFT", "EUC-JP", "ISO-2022-JP", "UTF-8",
	    "US-ASCII", "ASCII" };
	size_t n = len < TEXT_SAMPLE ? len : TEXT_SAMPLE;
	struct charset_info ci;
	struct buf b;
	int yes = 0;

	if (n < len) {	/* whole lines only: a character cut at the end is no error */
		const unsigned char *nl = memrchr(p, '\n', n);

		if (nl != NULL)
			n = (size_t)(nl - p) + 1;
	}
	memset(&ci, 0, sizeof ci);
	buf_init(&b, n * 4 + 16);
	if (charset_decode(NULL, p, n, &b, &ci) == 0 && ci.bad_bytes == 0)
		for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
			if (strncasecmp(ci.used, ok[i], strlen(ok[i])) == 0)
				yes = 1;
	buf_free(&b);
	return yes;
}

static int
looks_html(const unsigned char *p, size_t len)
{
	size_t n = len < 1024 ? len : 1024, i = 0;

	if (starts(p, len, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < n && isspace(p[i]))
		i++;
	if (i >= n || p[i] != '<')
		return 0;
	return strncasecmp((const char *)p + i, "<!doctype html", n - i < 14 ? n - i : 14) == 0 ||
	    strncasecmp((const char *)p + i, "<html", n - i < 5 ? n - i : 5) == 0;
}

static void
name_ext(const char *name, char *ext, size_t size)
{
	const char *dot;

	ext[0] = '\0';
	if (name == NULL)
		return;
	dot = strrchr(name, '.');
	if (dot == NULL || dot[1] == '\0' || strchr(dot, '/') != NULL)
		return;
	snprintf(ext, size, "%s", dot + 1);
	for (char *e = ext; *e; e++)
		*e = (char)tolower((unsigned char)*e);
}

void
filetype_detect(const unsigned char *p, size_t len, const char *name, struct filetype *ft)
{
	char ext[16];
	const char *m;

	memset(ft, 0, sizeof *ft);
	name_ext(name, ext, sizeof ext);

	/* PDF: the header may be preceded by junk within the first 1024 bytes */
	if (find(p, len < 1024 ? len : 1024, "%PDF-") != NULL) {
		set(ft, FT_PDF, "application/pdf", "PDF", ".pdf");
		return;
	}
	if (starts(p, len, "PK\003\004", 4) || starts(p, len, "PK\005\006", 4)) {
		if (!zip_kind(p, len, ft))
			set(ft, FT_ARCHIVE, "application/zip", "zip", ".zip");
		return;
	}
	if (starts(p, len, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8)) {
		ole_kind(p, len, ext, ft);
		return;
	}
	if (starts(p, len, "{\\rt", 4)) {
		set(ft, FT_RTF, "application/rtf", "RTF", ".rtf");
		return;
	}
	if (starts(p, len, "\xff\xd8\xff", 3)) {
		set(ft, FT_IMAGE, "image/jpeg", "JPEG", ".jpg");
		return;
	}
	if (starts(p, len, "\x89PNG\r\n\x1a\n", 8)) {
		set(ft, FT_IMAGE, "image/png", "PNG", ".png");
		return;
	}
	if (starts(p, len, "GIF87a", 6) || starts(p, len, "GIF89a", 6)) {
		set(ft, FT_IMAGE, "image/gif", "GIF", ".gif");
		return;
	}
	if (starts(p, len, "BM", 2) && len > 26) {
		set(ft, FT_IMAGE, "image/bmp", "BMP", ".bmp");
		return;
	}
	if (starts(p, len, "II*\0", 4) || starts(p, len, "MM\0*", 4)) {
		set(ft, FT_IMAGE, "image/tiff", "TIFF", ".tif");
		return;
	}
	if (starts(p, len, "RIFF", 4) && len >= 12 && memcmp(p + 8, "WEBP", 4) == 0) {
		set(ft, FT_IMAGE, "image/webp", "WebP", ".webp");
		return;
	}
	if (starts(p, len, "7z\xbc\xaf\x27\x1c", 6)) {
		set(ft, FT_ARCHIVE, "application/x-7z-compressed", "7z", ".7z");
		return;
	}
	if (starts(p, len, "\x1f\x8b", 2)) {
		set(ft, FT_ARCHIVE, "application/gzip", "gzip", ".gz");
		return;
	}
	if (starts(p, len, "BZh", 3)) {
		set(ft, FT_ARCHIVE, "application/x-bzip2", "bzip2", ".bz2");
		return;
	}
	if (starts(p, len, "\xfd" "7zXZ\0", 6)) {
		set(ft, FT_ARCHIVE, "application/x-xz", "xz", ".xz");
		return;
	}
	if (starts(p, len, "MSCF", 4)) {
		set(ft, FT_ARCHIVE, "application/vnd.ms-cab-compressed", "cab", ".cab");
		return;
	}
	if (starts(p, len, "Rar!\x1a\x07", 6)) {
		set(ft, FT_ARCHIVE, "application/vnd.rar", "rar", ".rar");
		return;
	}
	if (len > 21 && p[2] == '-' && p[3] == 'l' && (p[4] == 'h' || p[4] == 'z') &&
	    p[6] == '-') {
		set(ft, FT_ARCHIVE, "application/x-lzh-compressed", "lzh", ".lzh");
		return;
	}
	if (len > 262 && memcmp(p + 257, "ustar", 5) == 0) {
		set(ft, FT_ARCHIVE, "application/x-tar", "tar", ".tar");
		return;
	}
	if (starts(p, len, "<DocuWorks", 10) || (strcmp(ext, "xdw") == 0 &&
	    starts(p, len, "%XDW", 4))) {
		set(ft, FT_UNSUPPORTED, "application/vnd.fujixerox.docuworks", "DocuWorks", ".xdw");
		return;
	}
	/* libmagic only for what sekisho's own signatures did not name */
	if (magic_cookie != NULL) {
		const char *d = magic_buffer(magic_cookie, p, len);

		snprintf(ft->magic, sizeof ft->magic, "%s", d != NULL ? d : "");
	}
	/* what runs when opened */
	if ((m = sniff_type(p, len)) != NULL && sniff_is_executable(m)) {
		set(ft, FT_EXECUTABLE, m, "executable", NULL);
		return;
	}
	if ((strncmp(ft->magic, "application/x-dosexec", 21) == 0 ||
	    strncmp(ft->magic, "application/x-executable", 24) == 0 ||
	    strncmp(ft->magic, "application/x-sharedlib", 23) == 0 ||
	    strncmp(ft->magic, "application/x-pie-executable", 28) == 0 ||
	    strncmp(ft->magic, "application/x-mach-binary", 25) == 0 ||
	    strncmp(ft->magic, "application/x-msi", 17) == 0 ||
	    strncmp(ft->magic, "application/x-ms-shortcut", 25) == 0) &&
	    !(looks_text(p, len) && japanese_text(p, len))) {
		set(ft, FT_EXECUTABLE, ft->magic, "executable", NULL);
		return;
	}
	if (looks_text(p, len)) {
		if (mailtype_is_mbox(p, len))
			set(ft, FT_MBOX, "application/mbox", "mbox", ".mbox");
		else if (mailtype_is_message(p, len))
			set(ft, FT_MESSAGE, "message/rfc822", "mail message", ".eml");
		else if (looks_html(p, len) || strcmp(ft->magic, "text/html") == 0)
			set(ft, FT_HTML, "text/html", "HTML", ".html");
		else if (strcmp(ext, "csv") == 0 || strcmp(ext, "tsv") == 0 ||
		    strcmp(ft->magic, "text/csv") == 0)
			set(ft, FT_CSV, "text/csv", "CSV", strcmp(ext, "tsv") == 0 ? ".tsv" : ".csv");
		else
			set(ft, FT_TEXT, "text/plain", "text", ".txt");
		return;
	}
	if (strcmp(ext, "jtd") == 0 || strcmp(ext, "jtdc") == 0)
		set(ft, FT_UNSUPPORTED, "application/x-js-taro", "一太郎", ".jtd");
	else if (strcmp(ext, "xdw") == 0 || strcmp(ext, "xbd") == 0)
		set(ft, FT_UNSUPPORTED, "application/vnd.fujixerox.docuworks", "DocuWorks", ".xdw");
	else
		set(ft, FT_UNKNOWN, ft->magic[0] ? ft->magic : "application/octet-stream",
		    "unknown", NULL);
}

/* The kind of file an extension promises; FT_UNKNOWN when it promises nothing. */
static enum ft_kind
ext_promise(const char *ext)
{
	static const struct { const char *ext; enum ft_kind kind; } table[] = {
		{ "pdf", FT_PDF },
		{ "docx", FT_OOXML }, { "docm", FT_OOXML }, { "dotx", FT_OOXML },
		{ "dotm", FT_OOXML }, { "xlsx", FT_OOXML }, { "xlsm", FT_OOXML },
		{ "xltx", FT_OOXML }, { "xltm", FT_OOXML }, { "xlam", FT_OOXML },
		{ "pptx", FT_OOXML }, { "pptm", FT_OOXML }, { "potx", FT_OOXML },
		{ "potm", FT_OOXML }, { "ppsx", FT_OOXML }, { "ppsm", FT_OOXML },
		{ "doc", FT_OLE }, { "dot", FT_OLE }, { "xls", FT_OLE }, { "xlt", FT_OLE },
		{ "ppt", FT_OLE }, { "pps", FT_OLE }, { "pot", FT_OLE },
		{ "rtf", FT_RTF },
		{ "odt", FT_ODF }, { "ods", FT_ODF }, { "odp", FT_ODF },
		{ "jpg", FT_IMAGE }, { "jpeg", FT_IMAGE }, { "jpe", FT_IMAGE },
		{ "png", FT_IMAGE }, { "gif", FT_IMAGE }, { "bmp", FT_IMAGE },
		{ "tif", FT_IMAGE }, { "tiff", FT_IMAGE }, { "webp", FT_IMAGE },
		{ "txt", FT_TEXT }, { "text", FT_TEXT }, { "log", FT_TEXT },
		{ "csv", FT_CSV }, { "tsv", FT_CSV },
		{ "htm", FT_HTML }, { "html", FT_HTML },
		{ "eml", FT_MESSAGE }, { "mbox", FT_MBOX }, { "mbx", FT_MBOX },
		{ "zip", FT_ARCHIVE }, { "7z", FT_ARCHIVE }, { "tar", FT_ARCHIVE },
		{ "gz", FT_ARCHIVE }, { "tgz", FT_ARCHIVE }, { "bz2", FT_ARCHIVE },
		{ "tbz", FT_ARCHIVE }, { "xz", FT_ARCHIVE }, { "txz", FT_ARCHIVE },
		{ "lzh", FT_ARCHIVE }, { "lha", FT_ARCHIVE }, { "cab", FT_ARCHIVE },
		{ "rar", FT_ARCHIVE },
		{ "exe", FT_EXECUTABLE }, { "dll", FT_EXECUTABLE }, { "scr", FT_EXECUTABLE },
		{ "com", FT_EXECUTABLE }, { "bat", FT_EXECUTABLE }, { "cmd", FT_EXECUTABLE },
		{ "ps1", FT_EXECUTABLE }, { "vbs", FT_EXECUTABLE }, { "vbe", FT_EXECUTABLE },
		{ "js", FT_EXECUTABLE }, { "jse", FT_EXECUTABLE }, { "wsf", FT_EXECUTABLE },
		{ "hta", FT_EXECUTABLE }, { "lnk", FT_EXECUTABLE }, { "msi", FT_EXECUTABLE },
		{ "jar", FT_EXECUTABLE }, { "iso", FT_ARCHIVE }, { "img", FT_ARCHIVE },
	};

	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(table[i].ext, ext) == 0)
			return table[i].kind;
	return FT_UNKNOWN;
}

/* Families that can honestly be named by each other's extensions. */
static int
compatible(enum ft_kind promised, enum ft_kind actual)
{
	if (promised == actual)
		return 1;
	switch (promised) {
	case FT_TEXT:	/* a .txt that is really a message is sanitised as one */
		return actual == FT_CSV || actual == FT_HTML || actual == FT_MESSAGE ||
		    actual == FT_MBOX;
	case FT_CSV:
		return actual == FT_TEXT;
	case FT_MESSAGE:
	case FT_MBOX:
		return actual == FT_TEXT || actual == FT_MESSAGE || actual == FT_MBOX;
	case FT_HTML:
		return actual == FT_TEXT;
	case FT_ARCHIVE:
		return actual == FT_OOXML || actual == FT_ODF;	/* packages are zips */
	case FT_OLE:	/* an encrypted docx/xlsx is an OLE2 file too */
		return actual == FT_ENCRYPTED || actual == FT_UNSUPPORTED;
	case FT_OOXML:
		return actual == FT_ENCRYPTED;
	default:
		return 0;
	}
}

int
filetype_name_lies(const struct filetype *ft, const char *name, char *why, size_t whylen)
{
	char ext[16];
	enum ft_kind promised;

	name_ext(name, ext, sizeof ext);
	if (ext[0] == '\0')
		return 0;
	promised = ext_promise(ext);
	if (ft->kind == FT_EXECUTABLE && promised != FT_EXECUTABLE) {
		snprintf(why, whylen, "the name ends in .%s but the content is an executable (%s)",
		    ext, ft->mime);
		return 1;
	}
	if (promised == FT_UNKNOWN || ft->kind == FT_UNKNOWN || compatible(promised, ft->kind))
		return 0;
	snprintf(why, whylen, "the name ends in .%s but the content is %s (%s)", ext,
	    ft->label, ft->mime);
	return 1;
}
