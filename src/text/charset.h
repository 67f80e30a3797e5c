/*
 * charset - decode bytes in any mail charset to UTF-8, Japanese first.
 *
 * Contract: charset_decode() never fails on bad input: bytes that cannot be
 * decoded become U+FFFD and are counted in info->bad_bytes, so the caller can
 * record them.  The label is a hint, not the truth: ISO-2022-JP escapes under
 * an "us-ascii" label, 8-bit Shift_JIS with no label and invalid UTF-8 under a
 * "utf-8" label are detected and decoded as what they are (info->detected).
 *
 * ISO-2022-JP is decoded as Windows mailers write it (CP50220/CP50221/CP50222:
 * NEC row 13, NEC-selected IBM extensions, half-width katakana after ESC ( I or
 * SO) by transcoding to CP932 (jis.c); "Shift_JIS" is decoded as CP932 and
 * "EUC-JP" as EUC-JP-MS, because that is what Japanese senders really mean.
 *
 * Call charset_init() before entering the sandbox: it opens the iconv
 * converters (glibc loads them from files, which the sandbox forbids).  A
 * charset not opened then is detected instead of decoded by name.
 */
#ifndef SEKISHO_TEXT_CHARSET_H
#define SEKISHO_TEXT_CHARSET_H

#include <stddef.h>

#include "core/buf.h"
#include "core/utf8.h"	/* utf8_next, utf8_valid, utf8_put */

#define CHARSET_NAME_MAX 40

struct charset_info {
	char used[CHARSET_NAME_MAX];	/* what the bytes were decoded as */
	int detected;			/* 1 when "used" is not the label's */
	size_t bad_bytes;		/* input bytes replaced by U+FFFD */
};

void charset_init(void);
/* Appends UTF-8 to out.  Returns -1 only when out's ceiling is reached. */
int charset_decode(const char *label, const void *in, size_t len,
    struct buf *out, struct charset_info *info);
/* Canonical name for a label ("shift_jis" -> "CP932"), or NULL if unknown. */
const char *charset_canonical(const char *label);
/* Guess the charset of unlabelled bytes (never NULL). */
const char *charset_detect(const unsigned char *p, size_t len);

/* UTF-8 to ISO-2022-JP (CP50221 style, via CP932); characters with no JIS
 * form become the geta mark 〓 and are counted in *unmappable. */
int charset_utf8_to_jis(const char *utf8, size_t len, struct buf *out,
    size_t *unmappable);

/* UTF-8 to CP932 (Windows Shift_JIS) for text files: characters CP932 has
 * no code for become "?" and are counted in *unmappable.  -1 only when
 * out's ceiling is reached. */
int charset_utf8_to_cp932(const char *utf8, size_t len, struct buf *out,
    size_t *unmappable);

#endif
