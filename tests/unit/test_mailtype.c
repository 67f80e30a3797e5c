/*
 * test_mailtype - telling a mail message and an mbox from text, and
 * splitting an mbox at its "From " lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cdr/mailtype.h"

#define U(s) (const unsigned char *)(s), strlen(s)

static void
test_messages(void **state)
{
	(void)state;
	assert_true(mailtype_is_message(U("From: a@example.com\nTo: b@example.jp\nSubject: x\n\nbody\n")));
	assert_true(mailtype_is_message(U("Received: from x\n\tby y; Mon, 1 Jan 2024\nFrom: a\n\nbody")));
	/* a bare MIME entity: what a pasted attachment looks like */
	assert_true(mailtype_is_message(U("Content-Type: application/octet-stream; name=x.exe\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n")));
	/* no blank line: the body starts at the first line that is no field */
	assert_true(mailtype_is_message(U("Content-Type: multipart/mixed; boundary=x\nFrom: a\n"
	    "--x\nContent-Type: application/octet-stream\n\nTVqQ\n--x--\n")));
	/* a UTF-8 BOM before the headers */
	assert_true(mailtype_is_message(U("\xef\xbb\xbf" "From: a\nDate: today\n\nx")));
}

static void
test_not_messages(void **state)
{
	(void)state;
	/* a note with mail-like lines but no field only a message has */
	assert_false(mailtype_is_message(U("Subject: meeting\nDate: 2026-12-01\n\nbody\n")));
	/* one field is not a header block */
	assert_false(mailtype_is_message(U("From: the mayor\n\nplease read\n")));
	/* prose before the fields */
	assert_false(mailtype_is_message(U("Hello,\nFrom: a\nTo: b\n\n")));
	/* a continuation line first */
	assert_false(mailtype_is_message(U(" From: a\nTo: b\n\n")));
	/* Japanese text, CSV, empty */
	assert_false(mailtype_is_message(U("件名: 会議\n差出人: 総務課\n\n本文\n")));
	assert_false(mailtype_is_message(U("name,From,To\n1,2,3\n")));
	assert_false(mailtype_is_message(U("")));
	/* a field name with a space is no field: the body starts there, with too few fields */
	assert_false(mailtype_is_message(U("From: a\nTo b: c\n\n")));
	/* headers alone (a bounce's copy of them) carry nothing: text */
	assert_false(mailtype_is_message(U("From: a\nMessage-ID: <x@y>\n")));
	assert_false(mailtype_is_message(U("From: a\nMessage-ID: <x@y>\n\n")));
	assert_false(mailtype_is_mbox(U("From: a\nTo: b\n\n")));
	assert_false(mailtype_is_mbox(U("From here on\nwe write prose\n")));
}

static void
test_mbox_split(void **state)
{
	const char *m =
	    "From a@example.com Mon Jan  1 00:00:00 2024\n"
	    "From: a\nTo: b\n\none\nFrom the start, this is body text\n>From quoted\n\n"
	    "From b@example.com Mon Jan  1 00:00:01 2024\n"
	    "From: b\nTo: c\n\ntwo\n\n"
	    "From c@example.com Mon Jan  1 00:00:02 2024\r\n"
	    "From: c\r\nTo: d\r\n\r\nthree\r\n";
	size_t pos = 0, start, end, n = 0;
	const char *want[] = {
		"From: a\nTo: b\n\none\nFrom the start, this is body text\n>From quoted\n\n",
		"From: b\nTo: c\n\ntwo\n\n",
		"From: c\r\nTo: d\r\n\r\nthree\r\n",
	};

	(void)state;
	assert_true(mailtype_is_mbox(U(m)));
	while (mailtype_mbox_next((const unsigned char *)m, strlen(m), &pos, &start, &end)) {
		assert_true(n < 3);
		assert_int_equal(end - start, strlen(want[n]));
		assert_memory_equal(m + start, want[n], end - start);
		n++;
	}
	assert_int_equal(n, 3);
	/* an envelope line and nothing else: no message */
	pos = 0;
	assert_int_equal(mailtype_mbox_next(U("From x"), &pos, &start, &end), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_not_messages),
		cmocka_unit_test(test_mbox_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
