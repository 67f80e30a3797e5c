/*
 * test_encblock - encoded files found in text: uuencode, xxencode,
 * begin-base64, BinHex 4.0, yEnc; where each block starts and ends; damage
 * (truncation, CRC, ceiling); and prose that must not be taken for a block.
 *
 * The encoded fixtures were made with Python, not with sekisho:
 *   binascii.b2a_uu(b"hello world\n")                       (uuencode)
 *   the xxencode alphabet over the same bytes               (xxencode)
 *   binascii.crc_hqx and the BinHex 4.0 layout              (BinHex, CRCs)
 *   (byte + 42) & 0xff, escapes for NUL LF CR '=', zlib.crc32 (yEnc)
 * (the generators are in tests/files/encoded).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cdr/encblock.h"
#include "core/buf.h"

#define HELLO "hello world\n"
#define UU "begin 644 hi.txt\n,:&5L;&\\@=V]R;&0*\n`\nend\n"
#define XX "begin 644 hi.txt\nAO4JgP4wURqxmP4E8\n+\nend\n"
#define B64 "begin-base64 644 hi.txt\naGVsbG8gd29ybGQK\n====\n"
#define HQX "(This file must be converted with BinHex 4.0)\n" \
	":\"QKT,R4iG!\"849K8G(4iG!!!!!!!$!!!!!!8kQKPE'a[)(G[FQaN#X*b!!!:\n"
/* yEnc of HELLO as the text it becomes when read as ISO-8859-1, in UTF-8 */
#define YENC_DATA "\xc2\x92\xc2\x8f\xc2\x96\xc2\x96\xc2\x99J\xc2\xa1\xc2\x99\xc2\x9c\xc2\x96\xc2\x8e" "4"
#define YENC "=ybegin line=128 size=12 name=hi.txt\n" YENC_DATA "\n=yend size=12 crc32=af083b2d\n"

struct found {
	int n;
	struct encblock b;
	struct buf data;
};

static void
find(const char *text, size_t from, size_t max, struct found *f)
{
	buf_init(&f->data, max);
	f->n = encblock_find(text, strlen(text), from, &f->b, &f->data);
}

static void
expect(const char *text, enum encblock_kind kind, const char *lead, const char *tail)
{
	struct found f;

	find(text, 0, 1 << 20, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.b.kind, kind);
	assert_string_equal(f.b.name, "hi.txt");
	assert_null(f.b.damage);
	assert_int_equal(f.data.len, strlen(HELLO));
	assert_memory_equal(f.data.data, HELLO, strlen(HELLO));
	assert_int_equal(f.b.start, strlen(lead));
	assert_int_equal(f.b.end, strlen(text) - strlen(tail));
	buf_free(&f.data);
}

static void
test_each_encoding(void **state)
{
	(void)state;
	expect("before\n" UU "after\n", ENCB_UUENCODE, "before\n", "after\n");
	expect("before\n" XX "after\n", ENCB_XXENCODE, "before\n", "after\n");
	expect("before\n" B64 "after\n", ENCB_BASE64, "before\n", "after\n");
	expect("before\n" HQX "after\n", ENCB_BINHEX, "before\n", "after\n");
	expect("before\n" YENC "after\n", ENCB_YENC, "before\n", "after\n");
	assert_string_equal(encblock_type(ENCB_BINHEX), "application/mac-binhex40");
	assert_string_equal(encblock_kind_name(ENCB_YENC), "yenc");
}

/* A quoted block ("> " on every line) and CRLF line ends are still blocks. */
static void
test_quoted_and_crlf(void **state)
{
	(void)state;
	expect("> begin 644 hi.txt\n> ,:&5L;&\\@=V]R;&0*\n> `\n> end\nbye\n", ENCB_UUENCODE,
	    "", "bye\n");
	expect("x\r\nbegin 644 hi.txt\r\n,:&5L;&\\@=V]R;&0*\r\n`\r\nend\r\ny\r\n", ENCB_UUENCODE,
	    "x\r\n", "y\r\n");
}

/* Two blocks one after the other: found in turn from the end of the first. */
static void
test_two_blocks(void **state)
{
	const char *t = UU "between\n" HQX;
	struct found f;

	(void)state;
	find(t, 0, 1 << 20, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.b.kind, ENCB_UUENCODE);
	buf_reset(&f.data);
	assert_int_equal(encblock_find(t, strlen(t), f.b.end, &f.b, &f.data), 1);
	assert_int_equal(f.b.kind, ENCB_BINHEX);
	assert_int_equal(f.b.end, strlen(t));
	buf_reset(&f.data);
	assert_int_equal(encblock_find(t, strlen(t), f.b.end, &f.b, &f.data), 0);
	buf_free(&f.data);
}

/* Fail closed: a block without its end is still a block, marked damaged. */
static void
test_truncated(void **state)
{
	struct found f;
	const char *t = "begin 644 x.exe\nM35I0``(````$``\\`__\\``+@````A````0``:````````````````````````\n"
	    "M``````````````````````$``+MQ$$``,\\!04(OS4U-0L\"E`,`1FK'GYNC$`\ne\nnext line\n";

	(void)state;
	find(t, 0, 1 << 20, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.b.damage, "no end line");
	assert_int_equal(f.data.len, 90);
	assert_memory_equal(f.data.data, "MZP\0\2", 5);
	/* the block runs over every line that can be uuencoded data: "e" cannot */
	assert_int_equal(f.b.end, strlen(t) - strlen("e\nnext line\n"));
	buf_free(&f.data);

	find(HQX, 0, 1 << 20, &f);
	buf_free(&f.data);
	{
		char cut[sizeof HQX];

		memcpy(cut, HQX, sizeof HQX);
		cut[sizeof HQX - 10] = '\n';	/* the closing ':' and the CRCs lost */
		cut[sizeof HQX - 9] = '\0';
		find(cut, 0, 1 << 20, &f);
		assert_int_equal(f.n, 1);
		assert_non_null(f.b.damage);
		buf_free(&f.data);
	}
}

static void
test_checks(void **state)
{
	struct found f;

	(void)state;
	/* yEnc CRC-32 that does not match */
	find("=ybegin line=128 size=12 name=hi.txt\n" YENC_DATA "\n=yend size=12 crc32=deadbeef\n",
	    0, 1 << 20, &f);
	assert_string_equal(f.b.damage, "CRC-32 mismatch");
	buf_free(&f.data);
	/* yEnc without =yend runs to the end of the text */
	find("=ybegin line=128 size=12 name=hi.txt\n" YENC_DATA "\nmore\n", 0, 1 << 20, &f);
	assert_string_equal(f.b.damage, "no =yend line");
	assert_int_equal(f.b.end, strlen("=ybegin line=128 size=12 name=hi.txt\n" YENC_DATA "\nmore\n"));
	buf_free(&f.data);
	/* yEnc read from code points above U+00FF cannot be the bytes */
	find("=ybegin line=128 size=3 name=a\n\xe3\x81\x82\n=yend size=3\n", 0, 1 << 20, &f);
	assert_string_equal(f.b.damage, "characters that are not bytes");
	buf_free(&f.data);
	/* BinHex data CRC damaged */
	{
		char bad[sizeof HQX];

		memcpy(bad, HQX, sizeof HQX);
		bad[sizeof HQX - 12] = bad[sizeof HQX - 12] == 'a' ? 'b' : 'a';
		find(bad, 0, 1 << 20, &f);
		assert_non_null(f.b.damage);
		buf_free(&f.data);
	}
	/* the caller's ceiling bounds what is decoded */
	find(UU, 0, 4, &f);
	assert_string_equal(f.b.damage, "too large");
	assert_int_equal(f.b.end, strlen(UU));
	buf_free(&f.data);
}

/* Prose, ruled lines and stray words are not blocks. */
static void
test_not_blocks(void **state)
{
	static const char *const prose[] = {
		"begin 100 copies of the leaflet on Monday.\nThen send them to the office.\n",
		"begin 644 but nothing follows\n\nThanks.\nend\n",
		"begin 10 minutes early\nMESSAGE IN CAPITALS FOR THE RECORD ONLY, NOT DATA AT ALL\n",
		":--------------------------------------------------------------:\n",
		"(This file must be converted with BinHex 4.0)\nbut it was not.\n",
		"=ybegin is not a word we use\n",
		"お世話になっております。\n：全角のコロン：\n＝ｙｂｅｇｉｎ\n",
		"beginning 644 x\nM`\n",
		"",
	};
	struct found f;

	(void)state;
	for (size_t i = 0; i < sizeof prose / sizeof prose[0]; i++) {
		find(prose[i], 0, 1 << 20, &f);
		assert_int_equal(f.n, 0);
		assert_int_equal(f.data.len, 0);	/* nothing left decoded */
		buf_free(&f.data);
	}
}

/*
 * Bare base64 (a pasted MIME attachment): taken out when it decodes to a
 * file, left alone when it decodes to text or noise.  Made with
 * base64.encodebytes() (76-character lines).
 */
static void
test_bare_base64(void **state)
{
	static const char exe[] =
	    "Content-Transfer-Encoding: base64\n\n"
	    "TVqQAAMAAAAEAAAA//8AAAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJico\n"
	    "KSorLC0uLw==\n"
	    "--b--\n";
	static const char text[] =
	    "VGhpcyBpcyBvbmx5IHRleHQsIG5vdGhpbmcgZWxzZSB0byBpdCBhdCBhbGwuIFRoaXMgaXMgb25s\n"
	    "eSB0ZXh0LCBub3RoaW5nIGVsc2UgdG8gaXQgYXQgYWxsLiA=\n";
	struct found f;

	(void)state;
	find(exe, 0, 1 << 20, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.b.kind, ENCB_BARE64);
	assert_int_equal(f.b.start, strlen("Content-Transfer-Encoding: base64\n\n"));
	assert_int_equal(f.b.end, strlen(exe) - strlen("--b--\n"));
	assert_int_equal(f.data.len, 64);
	assert_memory_equal(f.data.data, "MZ\x90\0", 4);
	assert_string_equal(encblock_type(ENCB_BARE64), "application/base64");
	buf_free(&f.data);
	/* base64 of text stays */
	find(text, 0, 1 << 20, &f);
	assert_int_equal(f.n, 0);
	buf_free(&f.data);
	/* one line alone is no run */
	find("TVqQAAMAAAAEAAAA//8AAAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJico\n",
	    0, 1 << 20, &f);
	assert_int_equal(f.n, 0);
	buf_free(&f.data);
	/* hex digests on consecutive lines decode to noise: left alone */
	find("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
	    "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n", 0, 1 << 20, &f);
	assert_int_equal(f.n, 0);
	buf_free(&f.data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_encoding),
		cmocka_unit_test(test_quoted_and_crlf),
		cmocka_unit_test(test_two_blocks),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_not_blocks),
		cmocka_unit_test(test_bare_base64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
