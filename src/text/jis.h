/*
 * jis - ISO-2022-JP (RFC 1468, and Microsoft's CP50220/50221/50222 supersets)
 * transcoded to CP932 bytes, for decoding by iconv's CP932.
 *
 * JIS X 0208 pairs (ESC $ @, ESC $ B; JIS X 0213 plane 1 under ESC $ ( O/Q is
 * read the same way) map arithmetically to Shift_JIS, which reaches NEC row
 * 13 (①, ㈱) and the NEC-selected IBM extensions in rows 89-92 (髙) exactly
 * where CP932 has them.  Half-width katakana come from ESC ( I, SO/SI and raw
 * 8-bit 0xA1-0xDF.  A line break returns to ASCII, as mailers that forget
 * ESC ( B at line end expect.  JIS X 0212 (ESC $ ( D) characters and invalid
 * bytes become the geta mark 〓 (U+3013, Japanese typesetting's own sign for
 * "character not available"), each counted in *bad.
 */
#ifndef SEKISHO_TEXT_JIS_H
#define SEKISHO_TEXT_JIS_H

#include <stddef.h>

#include "core/buf.h"

#define JIS_BAD_MARK "\x81\xac"	/* CP932 for U+3013 GETA MARK */

int jis_to_cp932(const unsigned char *in, size_t len, struct buf *out,
    size_t *bad);
/* 1 if the bytes contain an ISO-2022-JP designation escape. */
int jis_has_escape(const unsigned char *p, size_t len);



/*
 * The other way, for clients that want ISO-2022-JP: CP932 bytes (from
 * iconv's UTF-8 -> CP932) to CP50221-style ISO-2022-JP: JIS X 0208 (with NEC
 * and IBM rows) under ESC $ B, half-width kana under ESC ( I, ending in ASCII
 * at every line end and at the end.  Bytes with no JIS form (user-defined
 * area) become the geta mark.
 */
int jis_from_cp932(const unsigned char *in, size_t len, struct buf *out);
#endif
