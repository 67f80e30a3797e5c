/*
 * test_rfc2047 - text/rfc2047: header values to safe UTF-8.
 *
 * Encoded-word payloads were made with python3's base64 module over bytes
 * from iconv(1), e.g. 日本 in UTF-8 is e6 97 a5 e6 9c ac; split after the
 * fourth byte that is "5pel5g==" + "nKw=".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text/charset.h"
#include "text/rfc2047.h"

struct hdr {
	char text[1024];
	struct hdr_info info;
};

static void
decode(const char *raw, enum hdr_mode mode, struct hdr *h)
{
	struct buf out;

	buf_init(&out, sizeof h->text - 1);
	assert_int_equal(hdr_decode(raw, strlen(raw), mode, &out, &h->info), 0);
	memcpy(h->text, buf_str(&out), out.len + 1);
	buf_free(&out);
}

static int
setup(void **state)
{
	charset_init();
	return 0;
}

static void
test_plain_ascii(void **state)
{
	struct hdr h;

	decode("Meeting tomorrow", HDR_TEXT, &h);
	assert_string_equal(h.text, "Meeting tomorrow");
	assert_int_equal(h.info.encoded_words, 0);
	assert_int_equal(h.info.raw_8bit, 0);
}

static void
test_single_words(void **state)
{
	struct hdr h;

	/* =?UTF-8?B? of 日本語 */
	decode("=?UTF-8?B?5pel5pys6Kqe?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "日本語");
	assert_int_equal(h.info.encoded_words, 1);
	/* ISO-2022-JP: ESC $ B 8+@Q ESC ( B .pdf = 見積.pdf; lower-case b */
	decode("=?iso-2022-jp?b?GyRCOCtAURsoQi5wZGY=?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "見積.pdf");
	/* Shift_JIS ①請求書.pdf, which needs CP932 */
	decode("=?Shift_JIS?B?h0CQv4uBj5EucGRm?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "①請求書.pdf");
}

static void
test_utf8_char_split_across_words(void **state)
{
	struct hdr h;

	/* 日本 = e6 97 a5 e6 | 9c ac: 本 is cut between the words */
	decode("=?UTF-8?B?5pel5g==?= =?UTF-8?B?nKw=?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "日本");
	assert_int_equal(h.info.bad_bytes, 0);
	assert_int_equal(h.info.encoded_words, 2);
	/* the same folded over two lines */
	decode("=?UTF-8?B?5pel5g==?=\r\n =?UTF-8?B?nKw=?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "日本");
	/* charset names compared by meaning, not spelling */
	decode("=?utf-8?B?5pel5g==?= =?UTF8?B?nKw=?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "日本");
}

static void
test_jis_pair_split_across_words(void **state)
{
	struct hdr h;

	/* ESC $ B 46 | 7C 4B 5C ESC ( B: 日 is cut in the middle of its pair */
	decode("=?ISO-2022-JP?B?GyRCRg==?=\r\n\t=?ISO-2022-JP?B?fEtcGyhC?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "日本");
	assert_int_equal(h.info.bad_bytes, 0);
	/* the shift state carries: the second word starts in kanji mode */
	decode("=?ISO-2022-JP?B?GyRCRnw=?= =?ISO-2022-JP?B?S1wbKEI=?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "日本");
	assert_int_equal(h.info.bad_bytes, 0);
}

static void
test_whitespace_between_words(void **state)
{
	struct hdr h;

	/* dropped between encoded words ... */
	decode("=?UTF-8?Q?a?=   =?UTF-8?Q?b?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "ab");
	decode("=?UTF-8?Q?a?= =?ISO-8859-1?Q?b?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "ab");
	/* ... kept between a word and text, either way round */
	decode("=?UTF-8?Q?a?= b", HDR_TEXT, &h);
	assert_string_equal(h.text, "a b");
	decode("x =?UTF-8?Q?a?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "x a");
	decode("=?UTF-8?Q?a?= x =?UTF-8?Q?b?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "a x b");
	/* and encoded spaces are kept */
	decode("=?UTF-8?Q?a_?= =?UTF-8?Q?b?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "a b");
}

static void
test_q_encoding(void **state)
{
	struct hdr h;

	decode("=?UTF-8?Q?Hello_World=21?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "Hello World!");
	decode("=?ISO-8859-1?Q?caf=E9_cr=E8me?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "caf\xc3\xa9 cr\xc3\xa8me");
	/* =E6=97=A5 is 日 in UTF-8; lower-case hex too */
	decode("=?UTF-8?q?=e6=97=a5_1?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "日 1");
	/* a bad escape is kept literally */
	decode("=?UTF-8?Q?100=ZZ?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "100=ZZ");
}

static void
test_controls_become_spaces(void **state)
{
	struct hdr h;

	/* base64 of "a\r\nBcc: evil@example.com" */
	decode("=?UTF-8?B?YQ0KQmNjOiBldmlsQGV4YW1wbGUuY29t?=", HDR_TEXT, &h);
	assert_null(strchr(h.text, '\r'));
	assert_null(strchr(h.text, '\n'));
	assert_string_equal(h.text, "a  Bcc: evil@example.com");
	/* NUL, TAB, ESC and DEL from Q */
	decode("=?UTF-8?Q?a=00b=09c=1Bd=7Fe?=", HDR_TEXT, &h);
	assert_int_equal(strlen(h.text), 9);
	assert_string_equal(h.text, "a b c d e");
	/* raw header folding is unfolded, not kept */
	decode("first\r\n second", HDR_TEXT, &h);
	assert_string_equal(h.text, "first second");
}

static void
test_raw_8bit(void **state)
{
	struct hdr h;

	decode("日本語 の件名 =?UTF-8?B?5pel?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "日本語 の件名 日");
	assert_int_equal(h.info.raw_8bit, 1);
	/* raw CP932 (old clients): 見積書 = 8C A9 90 CF 8F 91 */
	decode("Re: \x8c\xa9\x90\xcf\x8f\x91", HDR_TEXT, &h);
	assert_string_equal(h.text, "Re: 見積書");
	assert_int_equal(h.info.raw_8bit, 1);
	/* raw ISO-2022-JP (no encoded word at all) */
	decode("\x1b$BF|K\\\x1b(B", HDR_TEXT, &h);
	assert_string_equal(h.text, "日本");
}

static void
test_phrase_quoting(void **state)
{
	struct hdr h;

	/* "Doe, John" as a B word must stay one display name */
	decode("=?UTF-8?B?RG9lLCBKb2hu?= <john@example.com>", HDR_PHRASE, &h);
	assert_string_equal(h.text, "\"Doe, John\" <john@example.com>");
	/* in text mode nothing is quoted */
	decode("=?UTF-8?B?RG9lLCBKb2hu?= <john@example.com>", HDR_TEXT, &h);
	assert_string_equal(h.text, "Doe, John <john@example.com>");
	/* quotes and backslashes inside are escaped */
	decode("=?UTF-8?Q?a=22b=5C,c?= <x@example.com>", HDR_PHRASE, &h);
	assert_string_equal(h.text, "\"a\\\"b\\\\,c\" <x@example.com>");
	/* an encoded word inside a quoted string is not quoted twice */
	decode("\"=?UTF-8?Q?Doe,_John?=\" <john@example.com>", HDR_PHRASE, &h);
	assert_string_equal(h.text, "\"Doe, John\" <john@example.com>");
	/* no specials: no quotes */
	decode("=?UTF-8?B?5pel5pys6Kqe?= <a@example.jp>", HDR_PHRASE, &h);
	assert_string_equal(h.text, "日本語 <a@example.jp>");
}

static void
test_malformed_words(void **state)
{
	struct hdr h;

	/* not an encoded word (unknown encoding): kept as text */
	decode("=?UTF-8?X?abc?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "=?UTF-8?X?abc?=");
	assert_int_equal(h.info.encoded_words, 0);
	/* unterminated */
	decode("=?UTF-8?B?5pel", HDR_TEXT, &h);
	assert_string_equal(h.text, "=?UTF-8?B?5pel");
	/* bad base64 characters: counted */
	decode("=?UTF-8?B?5p!el?=", HDR_TEXT, &h);
	assert_int_equal(h.info.bad_words, 1);
}

static void
test_unknown_charset_word(void **state)
{
	struct hdr h;

	decode("=?x-unknown-cs?Q?plain?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "plain");
	/* RFC 2231 language suffix in the charset: UTF-8*ja */
	decode("=?UTF-8*ja?B?5pel?=", HDR_TEXT, &h);
	assert_string_equal(h.text, "日");
}

static void
test_b64_decode(void **state)
{
	struct buf b;

	buf_init(&b, 64);
	assert_int_equal(b64_decode("SGVsbG8=", 8, &b), 0);
	assert_string_equal(buf_str(&b), "Hello");
	buf_reset(&b);
	assert_int_equal(b64_decode("SGVs\r\n bG8", 10, &b), 0);	/* no padding, spaces */
	assert_string_equal(buf_str(&b), "Hello");
	buf_reset(&b);
	assert_int_equal(b64_decode("SG*Vs", 5, &b), -1);
	buf_free(&b);
}

static void
test_qp_word_decode(void **state)
{
	struct buf b;

	buf_init(&b, 64);
	assert_int_equal(qp_word_decode("a_b=3Dc", 7, &b, 1), 0);
	assert_string_equal(buf_str(&b), "a b=c");
	buf_reset(&b);
	assert_int_equal(qp_word_decode("a_b=3", 5, &b, 0), 0);
	assert_string_equal(buf_str(&b), "a_b=3");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_ascii),
		cmocka_unit_test(test_single_words),
		cmocka_unit_test(test_utf8_char_split_across_words),
		cmocka_unit_test(test_jis_pair_split_across_words),
		cmocka_unit_test(test_whitespace_between_words),
		cmocka_unit_test(test_q_encoding),
		cmocka_unit_test(test_controls_become_spaces),
		cmocka_unit_test(test_raw_8bit),
		cmocka_unit_test(test_phrase_quoting),
		cmocka_unit_test(test_malformed_words),
		cmocka_unit_test(test_unknown_charset_word),
		cmocka_unit_test(test_b64_decode),
		cmocka_unit_test(test_qp_word_decode),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
