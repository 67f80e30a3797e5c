/*
 * test_charset - text/charset: real Japanese mail bytes decoded to UTF-8.
 *
 * Every byte string below was produced or checked with iconv(1), e.g.
 *   printf '日本語' | iconv -f UTF-8 -t ISO-2022-JP | xxd -p
 *   printf '\x87\x40' | iconv -f CP932 -t UTF-8
 * The ISO-2022-JP forms of the NEC and NEC-selected IBM characters (which
 * glibc's ISO-2022-JP lacks) are the CP932 codes run through the JIS
 * arithmetic of jis.c, checked against iconv's ISO-2022-JP-3 for row 13.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text/charset.h"

/* UTF-8 literals used as expectations */
#define U_NIHONGO "日本語"		/* e6 97 a5 e6 9c ac e8 aa 9e */
#define U_MARU1 "\xe2\x91\xa0"		/* ① U+2460 */
#define U_KABU "\xe3\x88\xb1"		/* ㈱ U+3231 */
#define U_TAKA "\xe9\xab\x99"		/* 髙 U+9AD9 */
#define U_HW_AIU "\xef\xbd\xb1\xef\xbd\xb2\xef\xbd\xb3"	/* ｱｲｳ U+FF71..FF73 */
#define U_FW_TILDE "\xef\xbd\x9e"	/* ～ U+FF5E */
#define U_GETA "\xe3\x80\x93"		/* 〓 U+3013 */
#define U_FFFD "\xef\xbf\xbd"

/* ISO-2022-JP pieces */
#define J_KANJI "\x1b$B"
#define J_ASCII "\x1b(B"
#define J_KANA "\x1b(I"

struct decoded {
	char text[1024];
	struct charset_info info;
	int r;
};

static void
decode(const char *label, const char *in, size_t len, struct decoded *d)
{
	struct buf out;

	buf_init(&out, sizeof d->text - 1);
	memset(&d->info, 0x55, sizeof d->info);	/* must be fully set */
	d->r = charset_decode(label, in, len, &out, &d->info);
	memcpy(d->text, buf_str(&out), out.len + 1);
	buf_free(&out);
}

#define DECODE(label, lit, d) decode((label), (lit), sizeof(lit) - 1, (d))

static int
setup(void **state)
{
	charset_init();
	return 0;
}

/* --- ISO-2022-JP ---------------------------------------------------- */

static void
test_jis_plain(void **state)
{
	struct decoded d;

	/* "Re: 日本語 ok" with 日本語 = ESC $ B 46 7C 4B 5C 38 6C ESC ( B */
	DECODE("ISO-2022-JP", "Re: " J_KANJI "F|K\\8l" J_ASCII " ok", &d);
	assert_int_equal(d.r, 0);
	assert_string_equal(d.text, "Re: " U_NIHONGO " ok");
	assert_string_equal(d.info.used, "ISO-2022-JP");
	assert_int_equal(d.info.detected, 0);
	assert_int_equal(d.info.bad_bytes, 0);
}

static void
test_jis_label_case_and_quotes(void **state)
{
	struct decoded d;

	DECODE("\"iso-2022-jp\"", J_KANJI "F|K\\8l" J_ASCII, &d);
	assert_string_equal(d.text, U_NIHONGO);
	assert_int_equal(d.info.detected, 0);
	DECODE("CP50221", J_KANJI "F|K\\8l" J_ASCII, &d);
	assert_string_equal(d.text, U_NIHONGO);
}

static void
test_jis_nec_row13(void **state)
{
	struct decoded d;

	/* ① = JIS 0x2D21 (CP932 87 40), ㈱ = JIS 0x2D6A (CP932 87 8A) */
	DECODE("iso-2022-jp", J_KANJI "\x2d\x21\x2d\x6a" J_ASCII, &d);
	assert_string_equal(d.text, U_MARU1 U_KABU);
	assert_int_equal(d.info.bad_bytes, 0);
}

static void
test_jis_nec_selected_ibm(void **state)
{
	struct decoded d;

	/*
	 * 髙: CP932 has it twice, FB FC (IBM extension) and EE E0 (NEC-selected
	 * IBM extension, `printf '\xee\xe0' | iconv -f CP932 -t UTF-8`).  Only
	 * the NEC-selected one has an ISO-2022-JP form: EE E0 -> JIS 0x7C62
	 * (row 92).
	 */
	DECODE("ISO-2022-JP", J_KANJI "\x7c\x62" J_ASCII, &d);
	assert_string_equal(d.text, U_TAKA);
	assert_int_equal(d.info.bad_bytes, 0);
}

static void
test_jis_halfwidth_kana(void **state)
{
	struct decoded d;

	/* ｱｲｳ after ESC ( I: 31 32 33 */
	DECODE("ISO-2022-JP", "a" J_KANA "123" J_ASCII "b", &d);
	assert_string_equal(d.text, "a" U_HW_AIU "b");
	assert_int_equal(d.info.bad_bytes, 0);
	/* the same with SO ... SI (CP50222) */
	DECODE("ISO-2022-JP", "a\x0e" "123\x0f" "b", &d);
	assert_string_equal(d.text, "a" U_HW_AIU "b");
	/* and as raw 8-bit B1 B2 B3 inside ISO-2022-JP text */
	DECODE("ISO-2022-JP", "a\xb1\xb2\xb3" "b", &d);
	assert_string_equal(d.text, "a" U_HW_AIU "b");
}

static void
test_jis_line_end_returns_to_ascii(void **state)
{
	struct decoded d;

	/* no ESC ( B before the line break: the next line is ASCII again */
	DECODE("ISO-2022-JP", J_KANJI "F|\nabc", &d);
	assert_string_equal(d.text, "日\nabc");
}

static void
test_jis_truncated_pair(void **state)
{
	struct decoded d;

	/* a kanji cut in half at the end: the geta mark, counted */
	DECODE("ISO-2022-JP", J_KANJI "F|F", &d);
	assert_string_equal(d.text, "日" U_GETA);
	assert_int_equal(d.info.bad_bytes, 1);
}

/* --- Shift_JIS / CP932 ------------------------------------------------ */

static void
test_shift_jis_is_cp932(void **state)
{
	struct decoded d;

	/*
	 * 87 40 = ① (NEC row 13, only in CP932); 81 60 = U+FF5E FULLWIDTH
	 * TILDE in CP932 (strict Shift_JIS would say U+301C WAVE DASH).
	 */
	DECODE("Shift_JIS", "\x87\x40\x81\x60", &d);
	assert_int_equal(d.r, 0);
	assert_string_equal(d.text, U_MARU1 U_FW_TILDE);
	assert_string_equal(d.info.used, "CP932");
	assert_int_equal(d.info.detected, 0);
	assert_int_equal(d.info.bad_bytes, 0);
	/* 見積書 = 8C A9 90 CF 8F 91, ｱ = B1, 髙 (IBM extension) = FB FC */
	DECODE("sjis", "\x8c\xa9\x90\xcf\x8f\x91\xb1\xfb\xfc", &d);
	assert_string_equal(d.text, "見積書\xef\xbd\xb1" U_TAKA);
	assert_string_equal(d.info.used, "CP932");
}

static void
test_cp932_truncated(void **state)
{
	struct decoded d;

	/* 日 (93 FA) then a lead byte with no trail byte */
	DECODE("Shift_JIS", "\x93\xfa\x96", &d);
	assert_string_equal(d.text, "日" U_FFFD);
	assert_int_equal(d.info.bad_bytes, 1);
	assert_string_equal(d.info.used, "CP932");
}

/* --- EUC-JP --------------------------------------------------------- */

static void
test_eucjp(void **state)
{
	struct decoded d;

	/* 日本語 = C6 FC CB DC B8 EC, ｱ = 8E B1 (SS2), ① = AD A1 (EUC-JP-MS) */
	DECODE("EUC-JP", "\xc6\xfc\xcb\xdc\xb8\xec\x8e\xb1\xad\xa1", &d);
	assert_string_equal(d.text, U_NIHONGO "\xef\xbd\xb1" U_MARU1);
	assert_string_equal(d.info.used, "EUC-JP-MS");
	assert_int_equal(d.info.detected, 0);
	assert_int_equal(d.info.bad_bytes, 0);
}

/* --- UTF-8 and Latin ------------------------------------------------- */

static void
test_utf8(void **state)
{
	struct decoded d;

	DECODE("UTF-8", "日本語 " U_MARU1 " \xf0\x9f\x98\x80", &d);
	assert_string_equal(d.text, "日本語 " U_MARU1 " \xf0\x9f\x98\x80");
	assert_string_equal(d.info.used, "UTF-8");
	assert_int_equal(d.info.detected, 0);
	assert_int_equal(d.info.bad_bytes, 0);
}

static void
test_latin1_is_windows1252(void **state)
{
	struct decoded d;

	/* 93/94 are curly quotes, 80 the euro sign, E9 é: windows-1252 */
	DECODE("iso-8859-1", "\x93quoted\x94 \x80 caf\xe9", &d);
	assert_string_equal(d.text, "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac caf\xc3\xa9");
	assert_string_equal(d.info.used, "WINDOWS-1252");
	assert_int_equal(d.info.detected, 0);
	assert_int_equal(d.info.bad_bytes, 0);
	DECODE("latin1", "na\xefve", &d);
	assert_string_equal(d.text, "na\xc3\xafve");
}

static void
test_us_ascii(void **state)
{
	struct decoded d;

	DECODE("us-ascii", "plain text\r\n", &d);
	assert_string_equal(d.text, "plain text\r\n");
	assert_string_equal(d.info.used, "US-ASCII");
	assert_int_equal(d.info.detected, 0);
	DECODE(NULL, "no label", &d);
	assert_string_equal(d.text, "no label");
	assert_int_equal(d.info.bad_bytes, 0);
}

/* --- mislabelled ------------------------------------------------------ */

static void
test_usascii_label_with_jis_escapes(void **state)
{
	struct decoded d;

	DECODE("us-ascii", "Subject " J_KANJI "\x2d\x21" "F|K\\8l" J_ASCII, &d);
	assert_string_equal(d.text, "Subject " U_MARU1 U_NIHONGO);
	assert_string_equal(d.info.used, "ISO-2022-JP");
	assert_int_equal(d.info.detected, 1);
	assert_int_equal(d.info.bad_bytes, 0);
}

static void
test_no_label_sjis_detected(void **state)
{
	struct decoded d;

	/* 見積書を送ります。よろしくお願いします。 in CP932 */
	DECODE(NULL, "\x8c\xa9\x90\xcf\x8f\x91\x82\xf0\x91\x97\x82\xe8\x82\xdc\x82\xb7"
	    "\x81\x42\x82\xe6\x82\xeb\x82\xb5\x82\xad\x82\xa8\x8a\xe8\x82\xa2\x82\xb5"
	    "\x82\xdc\x82\xb7\x81\x42", &d);
	assert_string_equal(d.text, "見積書を送ります。よろしくお願いします。");
	assert_string_equal(d.info.used, "CP932");
	assert_int_equal(d.info.detected, 1);
	assert_int_equal(d.info.bad_bytes, 0);
}

static void
test_no_label_eucjp_detected(void **state)
{
	struct decoded d;

	/* 日本語のテスト in EUC-JP */
	DECODE("", "\xc6\xfc\xcb\xdc\xb8\xec\xa4\xce\xa5\xc6\xa5\xb9\xa5\xc8", &d);
	assert_string_equal(d.text, "日本語のテスト");
	assert_string_equal(d.info.used, "EUC-JP-MS");
	assert_int_equal(d.info.detected, 1);
}

static void
test_utf8_label_with_sjis_bytes(void **state)
{
	struct decoded d;

	/* labelled UTF-8, really CP932: ①請求書.pdf = 87 40 90 bf 8b 81 8f 91 .pdf */
	DECODE("utf-8", "\x87\x40\x90\xbf\x8b\x81\x8f\x91.pdf", &d);
	assert_string_equal(d.text, U_MARU1 "請求書.pdf");
	assert_string_equal(d.info.used, "CP932");
	assert_int_equal(d.info.detected, 1);
	assert_int_equal(d.info.bad_bytes, 0);
}

static void
test_unknown_label_detected(void **state)
{
	struct decoded d;

	DECODE("x-no-such-charset", "hello", &d);
	assert_string_equal(d.text, "hello");
	assert_int_equal(d.info.detected, 1);
	DECODE("x-no-such-charset", "\xe6\x97\xa5\xe6\x9c\xac", &d);
	assert_string_equal(d.text, "日本");
	assert_string_equal(d.info.used, "UTF-8");
	assert_int_equal(d.info.detected, 1);
}

static void
test_bad_bytes_replaced_and_counted(void **state)
{
	struct decoded d;

	/* UTF-8 text with one stray byte that belongs to nothing */
	DECODE("utf-8", "Hello, this is a longer English text with one bad byte \xff here.", &d);
	assert_string_equal(d.text, "Hello, this is a longer English text with one bad byte "
	    U_FFFD " here.");
	assert_string_equal(d.info.used, "UTF-8");
	assert_int_equal(d.info.bad_bytes, 1);
	/* Japanese UTF-8 with a truncated 3-byte sequence in the middle */
	DECODE("utf-8", "日本語のテキストです。\xe8\xaa 続きます。", &d);
	assert_string_equal(d.text, "日本語のテキストです。" U_FFFD U_FFFD " 続きます。");
	assert_int_equal(d.info.bad_bytes, 2);
	/* cut at the end */
	DECODE("utf-8", "\xe6\x97\xa5\xe6", &d);
	assert_string_equal(d.text, "日" U_FFFD);
	assert_int_equal(d.info.bad_bytes, 1);
	/* windows-1252 has holes (81, 8D, 8F, 90, 9D) */
	DECODE("windows-1252", "abc\x81", &d);
	assert_string_equal(d.text, "abc" U_FFFD);
	assert_int_equal(d.info.bad_bytes, 1);
	/* whatever went wrong, the output is valid UTF-8 */
	assert_true(utf8_valid((const unsigned char *)d.text, strlen(d.text)));
}

static void
test_eucjp_truncated_keeps_label(void **state)
{
	struct decoded d;

	/*
	 * 日本語のテキストです。会議は明日です。 in EUC-JP (iconv -t EUC-JP),
	 * cut one byte into a final character (A4): the label is right, one
	 * byte is bad.
	 */
	DECODE("EUC-JP", "\xc6\xfc\xcb\xdc\xb8\xec\xa4\xce\xa5\xc6\xa5\xad\xa5\xb9"
	    "\xa5\xc8\xa4\xc7\xa4\xb9\xa1\xa3\xb2\xf1\xb5\xc4\xa4\xcf\xcc\xc0"
	    "\xc6\xfc\xa4\xc7\xa4\xb9\xa1\xa3\xa4", &d);
	assert_true(d.info.bad_bytes >= 1);
	assert_true(utf8_valid((const unsigned char *)d.text, strlen(d.text)));
	/* regression: the whole text comes out as CP932 mojibake ("ﾆ�ﾋﾜｸ�､ﾎ･ﾆ...", */
	assert_string_equal(d.text,
	    "日本語のテキストです。会議は明日です。" U_FFFD);
	assert_string_equal(d.info.used, "EUC-JP-MS");
	assert_int_equal(d.info.bad_bytes, 1);
}

static void
test_detected_only_when_not_label(void **state)
{
	struct decoded d;

	/* labelled ISO-2022-JP, decoded as ISO-2022-JP, one stray 8-bit byte */
	DECODE("ISO-2022-JP", J_KANJI "F|" J_ASCII "\x80", &d);
	assert_string_equal(d.text, "日" U_GETA);
	assert_string_equal(d.info.used, "ISO-2022-JP");
	assert_int_equal(d.info.bad_bytes, 1);
	/* regression: info.detected is 1 although "used" is the label's own charset */
	assert_int_equal(d.info.detected, 0);
}

static void
test_output_ceiling(void **state)
{
	struct buf out;
	struct charset_info ci;

	buf_init(&out, 4);
	assert_int_equal(charset_decode("utf-8", "日本語", strlen("日本語"), &out, &ci), -1);
	assert_true(out.len <= 4);
	buf_free(&out);
}

/* --- helpers ---------------------------------------------------------- */

static void
test_canonical(void **state)
{
	assert_string_equal(charset_canonical("Shift_JIS"), "CP932");
	assert_string_equal(charset_canonical("windows-31j"), "CP932");
	assert_string_equal(charset_canonical("EUC-JP"), "EUC-JP-MS");
	assert_string_equal(charset_canonical("ISO-2022-JP"), "ISO-2022-JP");
	assert_string_equal(charset_canonical(" \"UTF-8\" "), "UTF-8");
	assert_string_equal(charset_canonical("ISO-8859-1"), "WINDOWS-1252");
	assert_string_equal(charset_canonical(""), "US-ASCII");
	assert_null(charset_canonical("x-klingon"));
	assert_null(charset_canonical(NULL));
}

static void
test_utf8_helpers(void **state)
{
	unsigned int cp = 0;
	struct buf b;

	assert_true(utf8_valid((const unsigned char *)"日本", 6));
	assert_false(utf8_valid((const unsigned char *)"\xc0\xaf", 2));	/* overlong */
	assert_false(utf8_valid((const unsigned char *)"\xed\xa0\x80", 3));	/* surrogate */
	assert_false(utf8_valid((const unsigned char *)"\xe6\x97", 2));	/* truncated */
	assert_int_equal(utf8_next((const unsigned char *)U_MARU1, 3, &cp), 3);
	assert_int_equal(cp, 0x2460);
	assert_int_equal(utf8_next((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1f600);
	assert_int_equal(utf8_next((const unsigned char *)"\x80", 1, &cp), 0);
	buf_init(&b, 16);
	utf8_put(&b, 0x41);
	utf8_put(&b, 0xe9);
	utf8_put(&b, 0x9ad9);
	utf8_put(&b, 0x1f600);
	assert_string_equal(buf_str(&b), "A\xc3\xa9" U_TAKA "\xf0\x9f\x98\x80");
	buf_free(&b);
}

static void
test_detect(void **state)
{
	assert_string_equal(charset_detect((const unsigned char *)"abc", 3), "US-ASCII");
	assert_string_equal(charset_detect((const unsigned char *)J_KANJI "F|" J_ASCII, 8),
	    "ISO-2022-JP");
	assert_string_equal(charset_detect((const unsigned char *)"日本", 6), "UTF-8");
}

/* --- UTF-8 -> ISO-2022-JP ---------------------------------------------- */

static void
to_jis(const char *utf8, struct buf *jis, size_t *unmappable)
{
	buf_init(jis, 4096);
	assert_int_equal(charset_utf8_to_jis(utf8, strlen(utf8), jis, unmappable), 0);
}

static void
roundtrip(const char *utf8)
{
	struct buf jis;
	size_t unmappable = 99;
	struct decoded d;

	to_jis(utf8, &jis, &unmappable);
	assert_int_equal(unmappable, 0);
	/* pure 7-bit: that is the point of ISO-2022-JP */
	for (size_t i = 0; i < jis.len; i++)
		assert_true((unsigned char)jis.data[i] < 0x80);
	decode("ISO-2022-JP", buf_str(&jis), jis.len, &d);
	assert_string_equal(d.text, utf8);
	assert_int_equal(d.info.bad_bytes, 0);
	buf_free(&jis);
}

static void
test_utf8_to_jis_bytes(void **state)
{
	struct buf jis;
	size_t unmappable;

	/* ①㈱ in JIS X 0208 (NEC row 13), ｱｲｳ under ESC ( I, back to ASCII */
	to_jis(U_MARU1 U_KABU U_HW_AIU U_NIHONGO "abc", &jis, &unmappable);
	assert_string_equal(buf_str(&jis),
	    J_KANJI "\x2d\x21\x2d\x6a" J_KANA "123" J_KANJI "F|K\\8l" J_ASCII "abc");
	assert_int_equal(unmappable, 0);
	buf_free(&jis);
	/* ASCII at every line end, and at the end */
	to_jis(U_MARU1 "\n" U_MARU1, &jis, &unmappable);
	assert_string_equal(buf_str(&jis),
	    J_KANJI "\x2d\x21" J_ASCII "\n" J_KANJI "\x2d\x21" J_ASCII);
	buf_free(&jis);
}

static void
test_utf8_to_jis_roundtrip(void **state)
{
	roundtrip(U_MARU1 U_KABU);
	roundtrip(U_HW_AIU);
	roundtrip("件名: " U_MARU1 U_KABU " " U_HW_AIU " テスト\nline 2 " U_FW_TILDE "\n");
}

static void
test_utf8_to_jis_wave_dash(void **state)
{
	struct buf jis;
	size_t unmappable;

	/* U+301C WAVE DASH (from Macs) goes out as CP932's 81 60 = JIS 0x2141 */
	to_jis("\xe3\x80\x9c", &jis, &unmappable);
	assert_string_equal(buf_str(&jis), J_KANJI "\x21\x41" J_ASCII);
	assert_int_equal(unmappable, 0);
	buf_free(&jis);
}

static void
test_utf8_to_jis_unmappable(void **state)
{
	struct buf jis;
	size_t unmappable;

	/* U+1F600 has no CP932 form: the geta mark (JIS 0x222E), counted */
	to_jis("a\xf0\x9f\x98\x80" "b", &jis, &unmappable);
	assert_string_equal(buf_str(&jis), "a" J_KANJI "\x22\x2e" J_ASCII "b");
	assert_int_equal(unmappable, 1);
	buf_free(&jis);
}

static void
test_utf8_to_jis_ibm_extension(void **state)
{
	struct buf jis;
	size_t unmappable = 99;
	struct decoded d;

	/*
	 * 髙 U+9AD9 (as in 髙橋): iconv's UTF-8 -> CP932 gives the IBM
	 * extension FB FC, which has no JIS form; CP50221 writes its
	 * NEC-selected twin EE E0 = JIS 0x7C62, which decodes back to 髙.
	 */
	to_jis(U_TAKA, &jis, &unmappable);
	decode("ISO-2022-JP", buf_str(&jis), jis.len, &d);
	assert_true(strcmp(d.text, U_TAKA) == 0 || strcmp(d.text, U_GETA) == 0);
	/* regression: 髙 goes out as the geta mark (J_KANJI "\x22\x2e" J_ASCII) and */
	assert_string_equal(buf_str(&jis), J_KANJI "\x7c\x62" J_ASCII);
	assert_int_equal(unmappable, 0);
	assert_string_equal(d.text, U_TAKA);
	buf_free(&jis);
}

static void
test_utf8_to_jis_private_use_counted(void **state)
{
	struct buf jis;
	size_t unmappable = 99;

	/* U+E000 (private use) is CP932 F0 40, user-defined: no JIS form */
	to_jis("a\xee\x80\x80" "b", &jis, &unmappable);
	assert_string_equal(buf_str(&jis), "a" J_KANJI "\x22\x2e" J_ASCII "b");
	/* regression: unmappable is 0: the geta mark written by jis_from_cp932() for */
	assert_int_equal(unmappable, 1);
	buf_free(&jis);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jis_plain),
		cmocka_unit_test(test_jis_label_case_and_quotes),
		cmocka_unit_test(test_jis_nec_row13),
		cmocka_unit_test(test_jis_nec_selected_ibm),
		cmocka_unit_test(test_jis_halfwidth_kana),
		cmocka_unit_test(test_jis_line_end_returns_to_ascii),
		cmocka_unit_test(test_jis_truncated_pair),
		cmocka_unit_test(test_shift_jis_is_cp932),
		cmocka_unit_test(test_cp932_truncated),
		cmocka_unit_test(test_eucjp),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_latin1_is_windows1252),
		cmocka_unit_test(test_us_ascii),
		cmocka_unit_test(test_usascii_label_with_jis_escapes),
		cmocka_unit_test(test_no_label_sjis_detected),
		cmocka_unit_test(test_no_label_eucjp_detected),
		cmocka_unit_test(test_utf8_label_with_sjis_bytes),
		cmocka_unit_test(test_unknown_label_detected),
		cmocka_unit_test(test_bad_bytes_replaced_and_counted),
		cmocka_unit_test(test_eucjp_truncated_keeps_label),
		cmocka_unit_test(test_detected_only_when_not_label),
		cmocka_unit_test(test_output_ceiling),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_utf8_helpers),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_utf8_to_jis_bytes),
		cmocka_unit_test(test_utf8_to_jis_roundtrip),
		cmocka_unit_test(test_utf8_to_jis_wave_dash),
		cmocka_unit_test(test_utf8_to_jis_unmappable),
		cmocka_unit_test(test_utf8_to_jis_ibm_extension),
		cmocka_unit_test(test_utf8_to_jis_private_use_counted),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
