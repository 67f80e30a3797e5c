/*
 * filetype - what a file is, from its content; and whether its name agrees.
 *
 * libmagic (database loaded before the sandbox) plus sekisho's own checks:
 * zip members tell OOXML (and which application, and whether its content
 * type is macro-enabled) and OpenDocument from a plain zip; OLE2 directory
 * names tell Word/Excel/PowerPoint/Outlook and encrypted Office files apart;
 * text is told from CSV and HTML, and from a mail message or an mbox
 * (mailtype.c), which carry attachments inside them; text that libmagic
 * takes for a DOS .com program but that decodes cleanly as Japanese or
 * UTF-8 text is text (CP932 bytes often look like x86 code).  The name is used only to check the
 * content: an extension that promises a different kind of file (an
 * executable called invoice.pdf, a zip called report.pdf) is a lie.
 */
#ifndef SEKISHO_CDR_FILETYPE_H
#define SEKISHO_CDR_FILETYPE_H

#include <stddef.h>

enum ft_kind {
	FT_UNKNOWN,
	FT_PDF,
	FT_OOXML,	/* docx/xlsx/pptx and macro/template variants */
	FT_OLE,		/* legacy Office (doc/xls/ppt), Outlook msg, other OLE2 */
	FT_RTF,
	FT_ODF,		/* OpenDocument */
	FT_IMAGE,
	FT_TEXT,
	FT_CSV,
	FT_HTML,
	FT_ARCHIVE,
	FT_EXECUTABLE,	/* PE, ELF, Mach-O, scripts, shortcuts, installers */
	FT_ENCRYPTED,	/* an encrypted Office file (OLE2 EncryptedPackage) */
	FT_UNSUPPORTED,	/* recognised, but sekisho cannot make it harmless */
	FT_MESSAGE,	/* a mail message (message/rfc822): sanitised as mail */
	FT_MBOX,	/* an mbox of messages */
};

struct filetype {
	enum ft_kind kind;
	char mime[160];		/* detected MIME type */
	char label[96];		/* what it is, for people: "PDF", "一太郎 (.jtd)" */
	const char *ext;	/* the extension the content deserves: ".pdf" */
	char magic[160];	/* libmagic's description (for the receipt) */
};

/* Before the sandbox.  0, or -1 when libmagic's database cannot be loaded. */
int filetype_init(char *err, size_t errlen);
void filetype_detect(const unsigned char *p, size_t len, const char *name,
    struct filetype *ft);
/*
 * 1 when the name's extension promises another kind of file than the
 * content (why says which), 0 when it agrees or says nothing.
 */
int filetype_name_lies(const struct filetype *ft, const char *name, char *why,
    size_t whylen);
const char *filetype_kind_name(enum ft_kind k);

#endif
