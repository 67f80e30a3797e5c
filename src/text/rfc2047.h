/*
 * rfc2047 - header text (RFC 2047 encoded words, raw 8-bit) to UTF-8.
 *
 * Contract: hdr_decode() unfolds the raw header value and decodes it to
 * UTF-8 that is safe to show and to re-encode: control characters (CR, LF,
 * NUL, ...) that decoding produces become spaces, so an encoded word can never
 * inject a header line.  Adjacent encoded words in the same charset are joined
 * *before* charset decoding, so a character split across two words (common
 * with ISO-2022-JP and UTF-8 from Japanese mailers) comes out whole, and the
 * ISO-2022-JP shift state carries across words.  Raw 8-bit or ISO-2022-JP
 * bytes outside encoded words are detected like unlabelled text.
 *
 * In HDR_PHRASE mode (address headers) decoded text that contains RFC 5322
 * specials is quoted, so "=?UTF-8?B?...?=" decoding to "Doe, John" stays one
 * display name when the result is parsed as an address list.
 */
#ifndef SEKISHO_TEXT_RFC2047_H
#define SEKISHO_TEXT_RFC2047_H

#include <stddef.h>

#include "core/buf.h"

enum hdr_mode { HDR_TEXT, HDR_PHRASE };

struct hdr_info {
	size_t bad_bytes;	/* bytes that became U+FFFD */
	int raw_8bit;		/* unencoded 8-bit bytes were present */
	int encoded_words;	/* count of encoded words decoded */
	int bad_words;		/* malformed encoded words (kept as text) */
};

int hdr_decode(const char *raw, size_t len, enum hdr_mode mode,
    struct buf *out, struct hdr_info *info);
/* Base64 (lenient: whitespace skipped, padding optional).  -1 on bad chars. */
int b64_decode(const char *in, size_t len, struct buf *out);
/* RFC 2047 "Q" decoding ('_' is space when q_underscore). */
int qp_word_decode(const char *in, size_t len, struct buf *out, int q_underscore);

#endif
