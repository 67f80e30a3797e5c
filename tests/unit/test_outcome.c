/*
 * test_outcome - receipt fields are read at the receipt's own level (a
 * part's "reason" is not the receipt's), unescaped, and bounded, from JSON
 * that a sandboxed worker produced (untrusted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/outcome.h"

static const char sanitized[] =
    "{\"schema\":\"sekisho.receipt/1\",\"id\":\"SK-1\",\"verdict\":\"sanitized\",\"reason\":null,"
    "\"detail\":null,\"input\":{\"sha256\":\"ab\",\"bytes\":1,\"message_id\":\"<m@x>\","
    "\"from\":\"a@x\",\"to\":\"b@x\",\"subject\":\"\\u8acb\\u6c42 {brace} \\\"q\\\"\"},"
    "\"output\":{\"sha256\":\"cd\",\"bytes\":2},\"parts\":[{\"path\":\"1\",\"reason\":\"text-shown\","
    "\"subject\":\"not this\"}]}\n";

static const char withheld[] =
    "{\"schema\":\"sekisho.receipt/1\",\"id\":\"SK-2\",\"verdict\":\"withheld\","
    "\"reason\":\"ambiguous-structure\",\"detail\":\"x\",\"input\":{\"sha256\":\"ab\",\"bytes\":1,"
    "\"message_id\":null,\"from\":null,\"to\":null,\"subject\":null},\"output\":null,\"parts\":[]}\n";

static void
field(const char *json, const char *key, const char *want)
{
	struct buf b;
	int r;

	buf_init(&b, 64);
	r = receipt_field(json, strlen(json), key, &b);
	if (want == NULL)
		assert_int_not_equal(r, 0);
	else {
		assert_int_equal(r, 0);
		assert_string_equal(buf_str(&b), want);
	}
	buf_free(&b);
}

static void
test_top_level_only(void **state)
{
	field(sanitized, "verdict", "sanitized");
	field(sanitized, "reason", NULL);	/* null at the top; the part's is not taken */
	field(withheld, "reason", "ambiguous-structure");
	field(withheld, "subject", NULL);
}

static void
test_input_fields_unescaped(void **state)
{
	field(sanitized, "subject", "請求 {brace} \"q\"");
	field(sanitized, "message_id", "<m@x>");
}

static void
test_bounded_and_malformed(void **state)
{
	struct buf b;

	buf_init(&b, 4);	/* a field longer than the ceiling is cut, not overrun */
	assert_int_equal(receipt_field(withheld, strlen(withheld), "reason", &b), 0);
	assert_true(b.len <= 4);
	buf_free(&b);
	field("{\"verdict\":\"san", "verdict", NULL);		/* no input object */
	field("{\"verdict\":\"x\\u12\",\"input\":{}}", "verdict", NULL);	/* bad escape */
	field("", "verdict", NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_level_only),
		cmocka_unit_test(test_input_fields_unescaped),
		cmocka_unit_test(test_bounded_and_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
