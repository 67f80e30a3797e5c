/*
 * sniff - content type from magic bytes.  See sniff.h.
 */
#include "cdr/sniff.h"

#include <string.h>
#include <strings.h>

struct magic {
	size_t off;
	const char *sig;
	size_t len;
	const char *type;
};

#define M(off, s, t) { off, s, sizeof(s) - 1, t }

static const struct magic magics[] = {
	M(0, "%PDF-", "application/pdf"),
	M(0, "PK\x03\x04", "application/zip"),
	M(0, "PK\x05\x06", "application/zip"),
	M(0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
	M(0, "MZ", "application/x-dosexec"),
	M(0, "\x7f" "ELF", "application/x-executable"),
	M(0, "\xfe\xed\xfa\xce", "application/x-mach-binary"),
	M(0, "\xcf\xfa\xed\xfe", "application/x-mach-binary"),
	M(0, "\x89PNG\r\n\x1a\n", "image/png"),
	M(0, "\xff\xd8\xff", "image/jpeg"),
	M(0, "GIF87a", "image/gif"),
	M(0, "GIF89a", "image/gif"),
	M(0, "BM", "image/bmp"),
	M(0, "II*\0", "image/tiff"),
	M(0, "MM\0*", "image/tiff"),
	M(8, "WEBP", "image/webp"),
	M(0, "Rar!\x1a\x07", "application/vnd.rar"),
	M(0, "7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
	M(0, "\x1f\x8b", "application/gzip"),
	M(0, "BZh", "application/x-bzip2"),
	M(0, "\xfd" "7zXZ\0", "application/x-xz"),
	M(2, "-lh", "application/x-lzh-compressed"),
	M(0, "MSCF", "application/vnd.ms-cab-compressed"),
	M(0, "{\\rtf", "text/rtf"),
	M(0, "#!", "text/x-script"),
	M(0, "\x78\x9f\x3e\x22", "application/ms-tnef"),
	M(0, "BEGIN:VCALENDAR", "text/calendar"),
	M(0, "BEGIN:VCARD", "text/vcard"),
	M(0, "-----BEGIN PGP", "application/pgp"),
	M(0, "\x4c\0\0\0\x01\x14\x02\0", "application/x-ms-shortcut"),
	M(257, "ustar", "application/x-tar"),
	M(0x8001, "CD001", "application/x-iso9660-image"),
};

const char *
sniff_type(const unsigned char *p, size_t len)
{
	size_t ctrl = 0, sample = len < 4096 ? len : 4096;

	for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
		const struct magic *m = &magics[i];

		if (len >= m->off + m->len && memcmp(p + m->off, m->sig, m->len) == 0) {
			if (m->off == 8 && memcmp(p, "RIFF", 4) != 0)
				continue;
			return m->type;
		}
	}
	if (len == 0)
		return "application/x-empty";
	if (memchr(p, 0, sample) != NULL)
		return "application/octet-stream";
	for (size_t i = 0; i < sample; i++) {
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t' &&
		    p[i] != 0x1b && p[i] != 0x0c)
			ctrl++;
	}
	if (ctrl * 20 > sample)
		return "application/octet-stream";
	for (const unsigned char *q = p; (q = memchr(q, '<', sample - (size_t)(q - p))) != NULL &&
	    q + 5 < p + sample; q++) {
		if (strncasecmp((const char *)q, "<html", 5) == 0 ||
		    strncasecmp((const char *)q, "<!doc", 5) == 0)
			return "text/html";
	}
	return "text/plain";
}

int
sniff_is_executable(const char *type)
{
	return type != NULL && (strcmp(type, "application/x-dosexec") == 0 ||
	    strcmp(type, "application/x-executable") == 0 ||
	    strcmp(type, "application/x-mach-binary") == 0 ||
	    strcmp(type, "text/x-script") == 0 ||
	    strcmp(type, "application/x-ms-shortcut") == 0);
}
