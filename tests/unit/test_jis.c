/*
 * test_jis - text/jis: ISO-2022-JP (CP5022x) <-> CP932 byte transcoding.
 *
 * CP932 bytes were checked with iconv(1): `printf '\x87\x40' | iconv -f
 * CP932 -t UTF-8` is ①, `printf '\xee\xe0' | iconv -f CP932 -t UTF-8` is 髙.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text/jis.h"

#define J_KANJI "\x1b$B"
#define J_KANJI_OLD "\x1b$@"
#define J_ASCII "\x1b(B"
#define J_ROMAN "\x1b(J"
#define J_KANA "\x1b(I"

static void
to_sjis(const char *in, size_t len, const char *expect, size_t expect_len,
    size_t expect_bad)
{
	struct buf out;
	size_t bad = 0;		/* jis_to_cp932() adds to it */

	buf_init(&out, 1024);
	assert_int_equal(jis_to_cp932((const unsigned char *)in, len, &out, &bad), 0);
	assert_int_equal(out.len, expect_len);
	assert_memory_equal(out.data, expect, expect_len);
	assert_int_equal(bad, expect_bad);
	buf_free(&out);
}

#define TO_SJIS(in, expect, nbad) \
	to_sjis((in), sizeof(in) - 1, (expect), sizeof(expect) - 1, (nbad))

static void
test_x0208(void **state)
{
	/* 日本語: JIS 467C 4B5C 386C -> CP932 93FA 967B 8CEA */
	TO_SJIS("a" J_KANJI "F|K\\8l" J_ASCII "b", "a\x93\xfa\x96\x7b\x8c\xea" "b", 0);
	/* ESC $ @ (JIS C 6226-1978) is read the same way */
	TO_SJIS(J_KANJI_OLD "F|" J_ROMAN "x", "\x93\xfa" "x", 0);
	/* JIS X 0213 plane 1 designation, JIS X 0208-1990 announcer */
	TO_SJIS("\x1b$(QF|\x1b(B", "\x93\xfa", 0);
	TO_SJIS("\x1b&@\x1b$BF|\x1b(B", "\x93\xfa", 0);
}

static void
test_nec_and_ibm_rows(void **state)
{
	/* ① 2D21 -> 87 40, ㈱ 2D6A -> 87 8A, 髙 7C62 -> EE E0 */
	TO_SJIS(J_KANJI "\x2d\x21\x2d\x6a\x7c\x62" J_ASCII, "\x87\x40\x87\x8a\xee\xe0", 0);
	/* first and last cells of row 1 and row 94 */
	TO_SJIS(J_KANJI "\x21\x21\x21\x7e\x7e\x21\x7e\x7e" J_ASCII,
	    "\x81\x40\x81\x9e\xef\x9f\xef\xfc", 0);
}

static void
test_kana(void **state)
{
	/* ｱｲｳ: ESC ( I 31 32 33 -> B1 B2 B3 */
	TO_SJIS(J_KANA "123" J_ASCII "4", "\xb1\xb2\xb3" "4", 0);
	/* SO/SI (CP50222): back to the set before SO */
	TO_SJIS(J_KANJI "F|\x0e" "1\x0f" "F|" J_ASCII, "\x93\xfa\xb1\x93\xfa", 0);
	/* 8-bit half-width kana pass through */
	TO_SJIS("\xb1\xdf", "\xb1\xdf", 0);
	/* bytes above 0x5F are not kana */
	TO_SJIS(J_KANA "\x60" J_ASCII, JIS_BAD_MARK, 1);
}

static void
test_newline_resets(void **state)
{
	TO_SJIS(J_KANJI "F|\r\nF|", "\x93\xfa\r\nF|", 0);
	TO_SJIS(J_KANA "1\n1", "\xb1\n1", 0);
}

static void
test_bad_input_is_geta(void **state)
{
	/* JIS X 0212 (ESC $ ( D) has no CP932 form */
	TO_SJIS("\x1b$(D\x30\x21\x1b(B", JIS_BAD_MARK, 1);
	/* an unknown escape: mark, and the rest read as text */
	TO_SJIS("\x1b$Zx", JIS_BAD_MARK "$Zx", 1);
	/* a lone kanji byte at the end */
	TO_SJIS(J_KANJI "F", JIS_BAD_MARK, 1);
	/* 8-bit bytes that are not kana */
	TO_SJIS("a\x80\xff" "b", "a" JIS_BAD_MARK JIS_BAD_MARK "b", 2);
}

static void
test_has_escape(void **state)
{
	assert_true(jis_has_escape((const unsigned char *)"x" J_KANJI "F|", 6));
	assert_true(jis_has_escape((const unsigned char *)J_KANJI_OLD, 3));
	assert_true(jis_has_escape((const unsigned char *)J_KANA, 3));
	assert_true(jis_has_escape((const unsigned char *)"\x1b$(D", 4));
	assert_false(jis_has_escape((const unsigned char *)"plain", 5));
	assert_false(jis_has_escape((const unsigned char *)"\x1b[0m", 4));	/* ANSI colour */
	assert_false(jis_has_escape((const unsigned char *)"\x1b$", 2));	/* cut short */
}

static void
from_sjis(const char *in, size_t len, const char *expect)
{
	struct buf out;

	buf_init(&out, 1024);
	assert_int_equal(jis_from_cp932((const unsigned char *)in, len, &out), 0);
	assert_string_equal(buf_str(&out), expect);
	buf_free(&out);
}

#define FROM_SJIS(in, expect) from_sjis((in), sizeof(in) - 1, (expect))

static void
test_from_cp932(void **state)
{
	FROM_SJIS("abc", "abc");
	FROM_SJIS("\x93\xfa\x96\x7b\x8c\xea", J_KANJI "F|K\\8l" J_ASCII);
	/* ① ㈱ and the NEC-selected 髙 (EE E0) */
	FROM_SJIS("\x87\x40\x87\x8a\xee\xe0", J_KANJI "\x2d\x21\x2d\x6a\x7c\x62" J_ASCII);
	FROM_SJIS("\xb1\xb2\xb3" "a", J_KANA "123" J_ASCII "a");
	/* ASCII before every line end */
	FROM_SJIS("\x93\xfa\n\xb1\n", J_KANJI "F|" J_ASCII "\n" J_KANA "1" J_ASCII "\n");
	/* user-defined area F0 40: the geta mark */
	FROM_SJIS("\xf0\x40", J_KANJI "\x22\x2e" J_ASCII);
}

static void
test_roundtrip_bytes(void **state)
{
	static const char sj[] = "Re: \x87\x40\x87\x8a\xee\xe0\xb1\xb2 \x93\xfa\x96\x7b\n2\x81\x60";
	struct buf jis, back;
	size_t bad = 0;

	buf_init(&jis, 1024);
	buf_init(&back, 1024);
	assert_int_equal(jis_from_cp932((const unsigned char *)sj, sizeof sj - 1, &jis), 0);
	assert_int_equal(jis_to_cp932((const unsigned char *)jis.data, jis.len, &back, &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(back.len, sizeof sj - 1);
	assert_memory_equal(back.data, sj, sizeof sj - 1);
	buf_free(&jis);
	buf_free(&back);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x0208),
		cmocka_unit_test(test_nec_and_ibm_rows),
		cmocka_unit_test(test_kana),
		cmocka_unit_test(test_newline_resets),
		cmocka_unit_test(test_bad_input_is_geta),
		cmocka_unit_test(test_has_escape),
		cmocka_unit_test(test_from_cp932),
		cmocka_unit_test(test_roundtrip_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
