/*
 * fname - safe display of attachment names.  See fname.h.
 */
#include "text/fname.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "text/charset.h"

static const char *const exec_exts[] = {
	"exe", "scr", "com", "bat", "cmd", "pif", "cpl", "msi", "msp", "js", "jse", "vbs",
	"vbe", "wsf", "wsh", "hta", "ps1", "psm1", "lnk", "jar", "reg", "inf", "dll", "sys",
	"iso", "img", "vhd", "vhdx", "one", "appx", "msix", "chm", "application", "gadget",
	"sh", "elf", "apk", "xll", "url", "scf", "library-ms", "settingcontent-ms", NULL
};

static const char *const doc_exts[] = {
	"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "csv", "rtf", "jpg", "jpeg",
	"png", "gif", "bmp", "tif", "tiff", "zip", "lzh", "7z", "html", "htm", "jtd", "xdw",
	"odt", "ods", "odp", "mp3", "mp4", "wav", "eml", "msg", NULL
};

static int
in_list(const char *ext, const char *const *list)
{
	for (int i = 0; list[i] != NULL; i++) {
		if (strcasecmp(ext, list[i]) == 0)
			return 1;
	}
	return 0;
}

/* Length of name without the trailing dots and spaces Windows strips. */
static size_t
effective_len(const char *name)
{
	size_t n = strlen(name);

	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '.'))
		n--;
	return n;
}

void
fname_ext(const char *name, char *ext, size_t extsize)
{
	size_t len = effective_len(name), n = 0;
	const char *dot = NULL;

	for (size_t i = 0; i < len; i++) {
		if (name[i] == '.')
			dot = name + i;
	}
	if (dot != NULL) {
		for (dot++; dot < name + len && n + 1 < extsize; dot++)
			ext[n++] = (char)tolower((unsigned char)*dot);
	}
	ext[n] = '\0';
}

static int
is_bidi(unsigned int cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

/* Second-to-last extension is a document type and the last is executable? */
static unsigned
check_extensions(const char *name)
{
	char last[32], prev[32];
	size_t len = effective_len(name);
	const char *dot = NULL;
	unsigned flags = 0;

	for (size_t i = 0; i < len; i++) {
		if (name[i] == '.')
			dot = name + i;
	}
	fname_ext(name, last, sizeof last);
	if (in_list(last, exec_exts))
		flags |= FNAME_EXECUTABLE;
	if (dot != NULL && dot > name) {
		char head[FNAME_DISPLAY_MAX + 1];
		size_t hn = (size_t)(dot - name);

		const char *from = name;

		if (hn > FNAME_DISPLAY_MAX) {	/* only the end matters here */
			from = dot - FNAME_DISPLAY_MAX;
			hn = FNAME_DISPLAY_MAX;
		}
		memcpy(head, from, hn);
		head[hn] = '\0';
		/* "invoice.pdf      .exe": trailing spaces hide the real extension */
		while (hn > 0 && head[hn - 1] == ' ')
			head[--hn] = '\0';
		if (strchr(head, '.') != NULL) {
			fname_ext(head, prev, sizeof prev);
			if (in_list(prev, doc_exts) && (flags & FNAME_EXECUTABLE))
				flags |= FNAME_DOUBLE_EXT;
		}
	}
	return flags;
}

unsigned
fname_display(const char *utf8, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)utf8;
	size_t start = out->len, i = 0;
	unsigned flags = 0;
	struct buf plain;	/* the name without markers, for extension checks */

	buf_init(&plain, len + 16);	/* the caller bounds len */
	while (i < len) {
		unsigned int cp;
		size_t n = utf8_next(p + i, len - i, &cp);
		char mark[16];

		if (n == 0) {
			cp = 0xfffd;
			n = 1;
		}
		/* Past the display ceiling the name is still checked whole. */
		int show = out->len - start < FNAME_DISPLAY_MAX;

		if (!show)
			flags |= FNAME_TRUNCATED;
		if (is_bidi(cp) || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			flags |= is_bidi(cp) ? FNAME_BIDI : FNAME_CONTROL;
			snprintf(mark, sizeof mark, "[U+%04X]", cp);
			if (show)
				buf_puts(out, mark);
		} else {
			if (cp == '/' || cp == '\\')
				flags |= FNAME_PATH;
			if (show)
				buf_append(out, cp == 0xfffd ? "\xef\xbf\xbd" : utf8 + i,
				    cp == 0xfffd ? 3 : n);
			buf_append(&plain, utf8 + i, n);
		}
		i += n;
	}
	if (flags & FNAME_TRUNCATED)
		buf_puts(out, "...");
	flags |= check_extensions(buf_str(&plain));
	buf_free(&plain);
	return flags;
}

void
fname_flags_str(unsigned flags, struct buf *out)
{
	static const struct {
		unsigned f;
		const char *name;
	} names[] = {
		{ FNAME_BIDI, "bidi-override" }, { FNAME_CONTROL, "control-characters" },
		{ FNAME_DOUBLE_EXT, "double-extension" }, { FNAME_EXECUTABLE, "executable-extension" },
		{ FNAME_TRUNCATED, "truncated" }, { FNAME_PATH, "path-in-name" },
	};
	int first = 1;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (flags & names[i].f) {
			buf_printf(out, "%s%s", first ? "" : ",", names[i].name);
			first = 0;
		}
	}
}
