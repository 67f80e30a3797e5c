/*
 * test_receipt_read - the one reader of receipts from elsewhere: what
 * receipt_json() writes reads back field for field; the receipt's own
 * fields are taken, never a part's of the same name; strings are unescaped
 * and cut at RECEIPT_FIELD_MAX on a character boundary; and whatever a
 * hostile worker could answer instead (duplicate keys, broken UTF-8, NUL,
 * a verdict its output contradicts, another shape) is refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "receipt/receipt.h"
#include "receipt/receipt_read.h"

static const char good[] =
    "{\"schema\":\"sekisho.receipt/1\",\"id\":\"SK-20261121-0123456789abcdef\","
    "\"time\":\"2026-11-21T09:30:00Z\",\"kind\":\"mail\",\"verdict\":\"sanitized\","
    "\"reason\":null,\"detail\":null,\"input\":{\"sha256\":"
    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"bytes\":12,"
    "\"message_id\":\"<m@x>\",\"from\":\"a@x\",\"to\":\"b@x\","
    "\"subject\":\"\\u8acb\\u6c42 {brace} \\\"q\\\"\"},"
    "\"output\":{\"sha256\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\","
    "\"bytes\":34},\"body\":\"text/plain\",\"rebuilt_despite_ambiguity\":false,"
    "\"parts\":[{\"path\":\"1\",\"reason\":\"text-shown\",\"subject\":\"not this\"}],"
    "\"anomalies\":[],\"anomalies_not_listed\":0,\"limits_hit\":[],"
    "\"policy\":{\"digest\":\"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"},"
    "\"software\":\"sekisho 0.1.0\"}\n";

/* good with the first occurrence of from replaced by to */
static int
read_edited(const char *from, const char *to, struct receipt_view *v, struct buf *why)
{
	char text[4096];
	const char *p = strstr(good, from);
	size_t a;

	assert_non_null(p);
	a = (size_t)(p - good);
	assert_true(a + strlen(to) + strlen(p + strlen(from)) < sizeof text);
	memcpy(text, good, a);
	memcpy(text + a, to, strlen(to));
	memcpy(text + a + strlen(to), p + strlen(from), strlen(p + strlen(from)) + 1);
	return receipt_read(text, strlen(text), v, why);
}

static void
refused(const char *from, const char *to, const char *why_has)
{
	struct receipt_view v;
	struct buf why;

	buf_init(&why, 1024);
	assert_int_equal(read_edited(from, to, &v, &why), -1);
	if (strstr(buf_str(&why), why_has) == NULL)
		fail_msg("refusal of %s -> %s says \"%s\", not \"%s\"", from, to, buf_str(&why),
		    why_has);
	receipt_view_free(&v);
	buf_free(&why);
}

static void
test_fields(void **state)
{
	struct receipt_view v;
	struct buf why;

	buf_init(&why, 1024);
	assert_int_equal(receipt_read(good, strlen(good), &v, &why), 0);
	assert_string_equal(v.id, "SK-20261121-0123456789abcdef");
	assert_int_equal(v.time, 1795253400LL);
	assert_int_equal(v.verdict, VERDICT_SANITIZED);
	assert_false(v.is_file);
	assert_string_equal(v.reason, "");	/* null at the top; the part's is not taken */
	assert_string_equal(v.subject, "請求 {brace} \"q\"");	/* not the part's "subject" */
	assert_string_equal(v.message_id, "<m@x>");
	assert_int_equal(v.in_bytes, 12);
	assert_true(v.has_output);
	assert_int_equal(v.out_bytes, 34);
	assert_null(v.filename);
	receipt_view_free(&v);
	buf_free(&why);
}

/* What the receipt module writes, the reader reads: one vocabulary. */
static void
test_roundtrip_receipt_json(void **state)
{
	struct receipt rc;
	struct receipt_view v;
	struct buf json, why;

	receipt_init(&rc, "SK-20261207-00000000000000ff", 1796601600LL);
	rc.kind = "file";
	receipt_set(&rc.in.filename, "見積書.xlsx");
	rc.in.bytes = 99;
	receipt_withhold(&rc, "type-mismatch", "the name says xlsx");
	memset(rc.policy_digest, 'd', SHA256_HEX_LEN);
	buf_init(&json, 1 << 20);
	buf_init(&why, 1024);
	assert_int_equal(receipt_json(&rc, &json), 0);
	assert_int_equal(receipt_read(buf_str(&json), json.len, &v, &why), 0);
	assert_true(v.is_file);
	assert_int_equal(v.verdict, VERDICT_WITHHELD);
	assert_string_equal(v.reason, "type-mismatch");
	assert_string_equal(v.detail, "the name says xlsx");
	assert_string_equal(v.filename, "見積書.xlsx");
	assert_string_equal(v.in_sha256, "");
	assert_false(v.has_output);
	assert_null(v.out_filename);
	receipt_view_free(&v);
	receipt_free(&rc);

	/* a file rebuilt: the name of what its first part became */
	receipt_init(&rc, "SK-20261207-00000000000000fe", 1796601600LL);
	rc.kind = "file";
	receipt_set(&rc.in.filename, "見積書.xlsm");
	{
		struct receipt_part *rp = receipt_add_part(&rc, "1");

		receipt_set(&rp->method, "rebuild");
		receipt_set(&rp->out_name, "見積書.xlsx");
	}
	rc.has_output = 1;
	memset(rc.out.sha256, 'e', SHA256_HEX_LEN);
	memset(rc.policy_digest, 'd', SHA256_HEX_LEN);
	buf_reset(&json);
	assert_int_equal(receipt_json(&rc, &json), 0);
	assert_int_equal(receipt_read(buf_str(&json), json.len, &v, &why), 0);
	assert_string_equal(v.out_filename, "見積書.xlsx");
	receipt_view_free(&v);
	receipt_free(&rc);
	buf_free(&json);
	buf_free(&why);
}

static void
test_long_field_cut_on_character(void **state)
{
	char subject[3 * RECEIPT_FIELD_MAX + 16], *text;
	struct receipt_view v;
	struct buf why;
	size_t n = 0;

	while (n + 3 < sizeof subject - 1) {	/* "あ" is 3 bytes */
		memcpy(subject + n, "\xe3\x81\x82", 3);
		n += 3;
	}
	subject[n] = '\0';
	text = malloc(sizeof good + sizeof subject);
	assert_non_null(text);
	{
		const char *p = strstr(good, "\\u8acb");
		const char *q = strstr(p, "\"}");

		size_t a = (size_t)(p - good);

		memcpy(text, good, a);
		memcpy(text + a, subject, n);
		memcpy(text + a + n, q, strlen(q) + 1);
	}
	buf_init(&why, 1024);
	assert_int_equal(receipt_read(text, strlen(text), &v, &why), 0);
	assert_true(strlen(v.subject) < RECEIPT_FIELD_MAX);
	assert_int_equal(strlen(v.subject) % 3, 0);	/* whole characters only */
	receipt_view_free(&v);
	buf_free(&why);
	free(text);
}

static void
test_hostile_answers_refused(void **state)
{
	/* two verdicts: which one would another reader take? */
	refused("\"verdict\":\"sanitized\",", "\"verdict\":\"sanitized\",\"verdict\":\"withheld\",",
	    "duplicate");
	refused("\"from\":\"a@x\"", "\"from\":\"a\xff@x\"", "JSON");	/* invalid UTF-8 */
	refused("\"from\":\"a@x\"", "\"from\":\"a\\u0000@x\"", "JSON");	/* NUL */
	refused("\"verdict\":\"sanitized\"", "\"verdict\":\"withheld\"", "reason");
	refused("\"reason\":null", "\"reason\":\"x\\\"y\"", "reason");
	refused("\"verdict\":\"sanitized\",\"reason\":null",
	    "\"verdict\":\"withheld\",\"reason\":\"virus\"", "output");
	refused("\"verdict\":\"sanitized\"", "\"verdict\":\"fine\"", "verdict");
	refused("SK-20261121-0123456789abcdef", "../../etc/passwd", "id");
	refused("\"schema\":\"sekisho.receipt/1\"", "\"schema\":\"x\"", "schema");
	refused("\"time\":\"2026-11-21T09:30:00Z\"", "\"time\":\"yesterday\"", "time");
	refused("\"bytes\":12", "\"bytes\":-1", "input.bytes");
	refused("\"bytes\":12", "\"bytes\":\"12\"", "input.bytes");
	refused("\"subject\":\"", "\"subject\":[\"", "JSON");
	refused("\"subject\":\"\\u8acb", "\"subject\":{\"a\":\"\\u8acb", "JSON");
	refused("\"parts\":[", "\"parts\":{\"x\":[", "JSON");
	refused("\"software\":\"sekisho 0.1.0\"}", "\"software\":\"sekisho 0.1.0\"}{}", "JSON");
	refused("{\"schema\"", "[{\"schema\"", "JSON");
}

static void
test_not_json(void **state)
{
	struct receipt_view v;
	struct buf why;

	buf_init(&why, 1024);
	assert_int_equal(receipt_read("", 0, &v, &why), -1);
	assert_int_equal(receipt_read("{", 1, &v, &why), -1);
	assert_int_equal(receipt_read("[]", 2, &v, &why), -1);
	assert_int_equal(receipt_read("{}", 2, &v, &why), -1);
	buf_free(&why);
}

/* An outbound receipt built as the milter builds it, and read back. */
static void
outbound_json(struct buf *json, const char *masked, const char *subject, const char *where)
{
	struct receipt r;

	receipt_init(&r, "SK-20261207-0123456789abcdef", 1796600000);
	memset(r.policy_digest, 'c', SHA256_HEX_LEN);
	memset(r.in.sha256, 'a', SHA256_HEX_LEN);
	r.in.bytes = 100;
	receipt_set(&r.in.subject, subject);
	receipt_set_outbound(&r, "hold", 3, 2, 1);
	receipt_withhold(&r, "individual-number", "a 個人番号 for 2 outside recipients");
	receipt_add_finding(&r, "individual-number", "high", where, masked, NULL);
	receipt_add_finding(&r, "uninspectable", "high", "part 2 (a.zip)", NULL, "encrypted");
	buf_init(json, 1 << 20);
	assert_int_equal(receipt_json(&r, json), 0);
	receipt_free(&r);
}

static void
test_outbound(void **state)
{
	struct receipt_view v;
	struct buf json, why;
	struct receipt r;

	(void)state;
	buf_init(&why, 1024);
	outbound_json(&json, "****-****-9018", "名簿 ********9018", "part 1 line 3");
	assert_int_equal(receipt_read(json.data, json.len, &v, &why), 0);
	assert_true(v.is_outbound);
	assert_int_equal(v.verdict, VERDICT_WITHHELD);
	assert_string_equal(v.reason, "individual-number");
	assert_string_equal(v.outbound_action, "hold");
	assert_int_equal(v.outbound_findings, 2);
	assert_false(v.has_output);
	receipt_view_free(&v);
	buf_free(&json);

	/* a whole number anywhere is refused: finding, subject, where */
	outbound_json(&json, "1234-5678-9018", "名簿", "part 1");
	assert_int_equal(receipt_read(json.data, json.len, &v, &why), -1);
	assert_non_null(strstr(buf_str(&why), "masked"));
	buf_free(&json);
	buf_reset(&why);
	outbound_json(&json, "****-****-9018", "名簿 123456789018", "part 1");
	assert_int_equal(receipt_read(json.data, json.len, &v, &why), -1);
	assert_non_null(strstr(buf_str(&why), "unmasked"));
	buf_free(&json);
	buf_reset(&why);
	outbound_json(&json, "****-****-9018", "名簿", "123456789018.csv line 1");
	assert_int_equal(receipt_read(json.data, json.len, &v, &why), -1);
	buf_free(&json);

	/* passed: only an outbound receipt may say so, and it has no output */
	receipt_init(&r, "SK-20261207-0123456789abcdef", 1796600000);
	memset(r.policy_digest, 'c', SHA256_HEX_LEN);
	receipt_set_outbound(&r, "bcc", 40, 40, 40);
	buf_init(&json, 1 << 20);
	receipt_json(&r, &json);
	receipt_free(&r);
	assert_int_equal(receipt_read(json.data, json.len, &v, &why), 0);
	assert_int_equal(v.verdict, VERDICT_PASSED);
	assert_string_equal(v.outbound_action, "bcc");
	receipt_view_free(&v);
	buf_free(&json);
	refused("\"verdict\":\"sanitized\"", "\"verdict\":\"passed\"", "verdict");
	refused("\"policy\":", "\"outbound\":{},\"policy\":", "outbound");
	buf_free(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_roundtrip_receipt_json),
		cmocka_unit_test(test_long_field_cut_on_character),
		cmocka_unit_test(test_hostile_answers_refused),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_outbound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
