/*
 * encblock - files carried inside text as encoded blocks: uuencode (with
 * its begin-base64 and xxencode variants), BinHex 4.0 and yEnc.
 *
 * A mail client (Thunderbird) shows a uuencoded block in a text body as an
 * attachment, and any decoder turns one back into the file it carries: a
 * block left in sanitised text is an attachment that crossed unsanitised.
 * encblock_find() finds the next block in UTF-8 text (the text sekisho is
 * about to output), says which lines it spans and decodes it; the caller
 * removes those lines and treats the decoded bytes as an attachment.
 *
 * Recognition (cheap first: only a line whose first character after an
 * optional quote prefix of spaces, tabs, '>' and the quotes a CSV cell
 * adds is 'b', '(', ':' or '=' is looked at further):
 *  - uuencode / xxencode: "begin MODE [NAME]" (MODE octal digits), confirmed
 *    by a well-formed data line (its length character matching its length,
 *    every character in the alphabet) within ENCBLOCK_CONFIRM_LINES
 *    non-blank lines, or by the end right after it (an empty file), so
 *    prose such as "begin 100 copies" is left alone; begin-base64 likewise,
 *    ending in "====";
 *  - BinHex 4.0: the "(This file must be converted with BinHex" line
 *    followed by a line starting with ':', or without it a line of ':'
 *    and at least 60 BinHex characters, 12 of them different;
 *  - yEnc: "=ybegin ... name=NAME" up to "=yend";
 *  - bare base64 (a MIME attachment pasted into text): at least
 *    ENCBLOCK_BARE64_LINES lines of base64 characters only, all as long as
 *    the first (ENCBLOCK_BARE64_MIN to ENCBLOCK_BARE64_MAX characters), the
 *    last no longer, that decode to a file: something sniff_type() names
 *    that is not text (an executable, an archive, a document, an image), or
 *    a mail message.  Other base64 (a PGP signature, a key) is left alone.
 * Fail closed: once recognised, a block runs to its end line; without one
 * it runs as far as lines still look like its data (uuencode: any line
 * whose first character is a uuencode length character, since lenient
 * decoders take any such line) or, for yEnc whose data can be any
 * character, to the end of the text.  Such a block is still reported, with
 * damage set, and the caller removes it all the same.
 *
 * Decoded bytes go to the caller's buffer, whose ceiling bounds them; a
 * block larger than the ceiling is reported damaged ("too large").  BinHex
 * gives its data fork (the resource fork is dropped: no file system
 * sekisho delivers to has one); its CRCs are checked.  yEnc data is read
 * from code points U+0000-00FF (the text was decoded from bytes, Latin-1 is
 * how yEnc is labelled), or from the bytes themselves by
 * encblock_find_bytes(); anything else, a size or CRC-32 that does not
 * match, or one part of a multi-part post is damage.
 */
#ifndef SEKISHO_CDR_ENCBLOCK_H
#define SEKISHO_CDR_ENCBLOCK_H

#include <stddef.h>

#include "core/buf.h"

#define ENCBLOCK_NAME_MAX 256		/* bytes of a block's file name kept */
#define ENCBLOCK_CONFIRM_LINES 8	/* non-blank lines after "begin" that must show data */
#define ENCBLOCK_BARE64_LINES 2		/* lines of a bare base64 run, at least */
#define ENCBLOCK_BARE64_MIN 40		/* characters of its lines */
#define ENCBLOCK_BARE64_MAX 120

enum encblock_kind {
	ENCB_UUENCODE,
	ENCB_XXENCODE,
	ENCB_BASE64,	/* begin-base64 (GNU sharutils) */
	ENCB_BINHEX,
	ENCB_YENC,
	ENCB_BARE64,	/* lines of bare base64 that decode to a file */
};

struct encblock {
	enum encblock_kind kind;
	size_t start, end;	/* the block's whole lines: text[start, end) */
	char name[ENCBLOCK_NAME_MAX];	/* the name the block gives ("" if none), raw */
	const char *damage;	/* NULL: decoded whole (and checked where it can be) */
};

/*
 * The first block starting at a line at or after from (from must be the
 * start of a line).  1 with *b set and the decoded bytes appended to data,
 * or 0 when there is none.
 */
int encblock_find(const char *text, size_t len, size_t from, struct encblock *b,
    struct buf *data);
/*
 * The same over bytes not yet decoded as text (a mail part's content):
 * yEnc is read byte for byte, as its encoder wrote it, before a charset
 * decoder or the text cleaning can change a byte.
 */
int encblock_find_bytes(const unsigned char *p, size_t len, size_t from, struct encblock *b,
    struct buf *data);
/* "uuencode", "xxencode", "base64", "binhex", "yenc" */
const char *encblock_kind_name(enum encblock_kind k);
/* The MIME type the encoded form is known by ("application/x-uuencode"). */
const char *encblock_type(enum encblock_kind k);

#endif
