/*
 * test_console - the console's accounts (web/accounts) in a real SQLite
 * store, and the framing between its HTTP process and the monitor
 * (web/console_proto): what is accepted, and what is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "gateway/wire.h"
#include "store/store.h"
#include "web/accounts.h"
#include "web/console_proto.h"

struct fx {
	char dir[64], db[128];
	struct store *s;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct store_config c = { 0 };
	struct buf err;

	snprintf(f->dir, sizeof f->dir, "/tmp/sk-console-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db, sizeof f->db, "%s/q.db", f->dir);
	c.blob_dir = f->dir;
	c.sqlite_path = f->db;
	c.create = 1;
	c.retention_days = 30;
	buf_init(&err, 1024);
	if (store_open(&f->s, &c, &err) != 0) {
		fprintf(stderr, "%s\n", buf_str(&err));
		return -1;
	}
	buf_free(&err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[200];

	store_close(f->s);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void
test_names(void **state)
{
	assert_true(account_name_valid("tanaka"));
	assert_true(account_name_valid("t.sato-2_x"));
	assert_false(account_name_valid(""));
	assert_false(account_name_valid("Tanaka"));	/* one spelling per name */
	assert_false(account_name_valid("-x"));
	assert_false(account_name_valid("a b"));
	assert_false(account_name_valid("田中"));
	assert_false(account_name_valid("a/../b"));
	assert_true(account_group_valid(""));
	assert_false(account_group_valid("総務課"));
}

static void
test_addresses(void **state)
{
	char out[ACCOUNT_ADDRESSES_BYTES];
	struct buf why;
	struct account a;

	buf_init(&why, 512);
	assert_int_equal(account_addresses_parse(" Staff@Town.example.lg.jp, b@x.jp ", out,
	    sizeof out, &why), 0);
	assert_string_equal(out, "staff@town.example.lg.jp\nb@x.jp");
	assert_int_equal(account_addresses_parse("", out, sizeof out, &why), 0);
	assert_string_equal(out, "");
	assert_int_equal(account_addresses_parse("nobody", out, sizeof out, &why), -1);
	assert_int_equal(account_addresses_parse("a@b@c", out, sizeof out, &why), -1);
	assert_int_equal(account_addresses_parse("<a@b>", out, sizeof out, &why), -1);
	assert_int_equal(account_addresses_parse("a\"@b", out, sizeof out, &why), -1);
	memset(&a, 0, sizeof a);
	snprintf(a.addresses, sizeof a.addresses, "staff@town.example.lg.jp\nb@x.jp");
	/* whole addresses only, ASCII case ignored, as the listener writes them */
	assert_true(account_has_recipient(&a, "staff@town.example.lg.jp"));
	assert_true(account_has_recipient(&a, "x@y.jp,STAFF@town.example.lg.jp"));
	assert_true(account_has_recipient(&a, "<b@x.jp>"));
	assert_false(account_has_recipient(&a, "xstaff@town.example.lg.jp"));
	assert_false(account_has_recipient(&a, "staff@town.example.lg.jp.evil"));
	assert_false(account_has_recipient(&a, "b@x.jpx,a@b"));
	assert_false(account_has_recipient(&a, ""));
	assert_false(account_has_recipient(&a, ","));
	buf_free(&why);
}

struct listed {
	char names[256];
};

static int
collect(const struct account *a, void *ctx)
{
	struct listed *l = ctx;
	size_t n = strlen(l->names);

	snprintf(l->names + n, sizeof l->names - n, "%s:%s ", a->name, account_role_name(a->role));
	return 0;
}

static void
test_accounts(void **state)
{
	struct fx *f = *state;
	struct account a, b;
	struct listed l = { "" };
	struct buf err;
	const char *digests[2] = { "d1", "d2" };

	buf_init(&err, 1024);
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "tanaka");
	snprintf(a.display, sizeof a.display, "田中 花子");
	a.role = ROLE_STAFF;
	snprintf(a.group, sizeof a.group, "somu");
	snprintf(a.addresses, sizeof a.addresses, "staff@town.example.lg.jp");
	snprintf(a.pw_hash, sizeof a.pw_hash, "$argon2id$fake");
	a.created_at = 1800000000;
	assert_int_equal(account_insert(f->s, &a, &err), 0);
	/* a second one with the same name is refused, saying so */
	assert_int_equal(account_insert(f->s, &a, &err), -1);
	assert_non_null(strstr(buf_str(&err), "exists already"));
	assert_int_equal(account_get(f->s, "tanaka", &b, &err), 0);
	assert_string_equal(b.display, "田中 花子");
	assert_int_equal(b.role, ROLE_STAFF);
	assert_string_equal(b.totp_secret, "");
	assert_int_equal(b.totp_step, -1);
	assert_false(b.disabled);
	assert_int_equal(account_get(f->s, "nobody", &b, &err), STORE_NOT_FOUND);
	assert_int_equal(account_get(f->s, "../x", &b, &err), STORE_NOT_FOUND);
	/* a new second factor: secret set, step and lock cleared, codes replaced */
	assert_int_equal(account_set_totp(f->s, "tanaka", "JBSWY3DPEHPK3PXP", digests, 2, &err), 0);
	assert_int_equal(account_get(f->s, "tanaka", &b, &err), 0);
	assert_string_equal(b.totp_secret, "JBSWY3DPEHPK3PXP");
	assert_int_equal(account_set_totp(f->s, "nobody", "X", digests, 0, &err), STORE_NOT_FOUND);
	assert_int_equal(account_set_disabled(f->s, "tanaka", 1, &err), 0);
	assert_int_equal(account_get(f->s, "tanaka", &b, &err), 0);
	assert_true(b.disabled);
	assert_int_equal(account_set_group(f->s, "tanaka", "kikaku", &err), 0);
	assert_int_equal(account_set_group(f->s, "nobody", "kikaku", &err), STORE_NOT_FOUND);
	snprintf(a.name, sizeof a.name, "suzuki");
	a.role = ROLE_APPROVER;
	assert_int_equal(account_insert(f->s, &a, &err), 0);
	assert_int_equal(account_list(f->s, collect, &l, &err), 0);
	assert_string_equal(l.names, "suzuki:approver tanaka:staff ");
	buf_free(&err);
}

/* A request written by one end is read whole by the other. */
static void
test_proto_roundtrip(void **state)
{
	const char *f[4] = { "tanaka", "正しい馬のバッテリー", "123456", "127.0.0.1" };
	struct console_msg m;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	console_msg_init(&m, 1024, 0);
	assert_int_equal(console_write_request(sv[0], CONSOLE_OP_LOGIN, f, 4), 0);
	assert_int_equal(console_read_request(sv[1], &m, -1), 0);
	assert_int_equal(m.code, CONSOLE_OP_LOGIN);
	assert_int_equal(m.n, 4);
	assert_string_equal(console_field(&m, 1), "正しい馬のバッテリー");
	assert_string_equal(console_field(&m, 7), "");	/* absent: "" */
	/* an answer whose last field is bytes, NUL and all */
	{
		const char *af[2] = { "{}", "a\0b" };
		size_t lens[2] = { 2, 3 };

		console_msg_free(&m);
		console_msg_init(&m, 1024, 4096);
		assert_int_equal(console_write_answer(sv[0], CONSOLE_OK, af, lens, 2), 0);
		assert_int_equal(console_read_answer(sv[1], &m, 1, -1), 0);
		assert_int_equal(m.field[1].len, 3);
		assert_memory_equal(m.field[1].data, "a\0b", 3);
		/* the same, when bytes are not expected: refused */
		assert_int_equal(console_write_answer(sv[0], CONSOLE_OK, af, lens, 2), 0);
		assert_int_equal(console_read_answer(sv[1], &m, 0, -1), -1);
	}
	console_msg_free(&m);
	close(sv[0]);
	close(sv[1]);
}

/* Raw bytes as a hostile HTTP process could send them. */
static int
read_raw(const void *p, size_t n, size_t field_max)
{
	struct console_msg m;
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return -9;
	if (write(sv[0], p, n) != (ssize_t)n)
		return -9;
	shutdown(sv[0], SHUT_WR);
	console_msg_init(&m, field_max, 0);
	r = console_read_request(sv[1], &m, -1);
	console_msg_free(&m);
	close(sv[0]);
	close(sv[1]);
	return r;
}

static void
test_proto_refusals(void **state)
{
	unsigned char b[64];

	/* a good one first, so that the refusals below refuse for their reason */
	memcpy(b, "SKWQ", 4);
	wire_put_u32(b + 4, CONSOLE_OP_SESSION);
	wire_put_u32(b + 8, 1);
	wire_put_u32(b + 12, 3);
	memcpy(b + 16, "abc", 3);
	assert_int_equal(read_raw(b, 19, 16), 0);
	b[17] = '\0';				/* NUL in a text field */
	assert_int_equal(read_raw(b, 19, 16), -1);
	b[17] = 'b';
	assert_int_equal(read_raw(b, 18, 16), -1);	/* cut short */
	wire_put_u32(b + 12, 17);		/* longer than the field's ceiling */
	assert_int_equal(read_raw(b, 19, 16), -1);
	wire_put_u32(b + 12, 0xffffffffu);	/* a length never allocated */
	assert_int_equal(read_raw(b, 19, 16), -1);
	wire_put_u32(b + 12, 3);
	wire_put_u32(b + 8, CONSOLE_FIELDS_MAX + 1);
	assert_int_equal(read_raw(b, 19, 16), -1);
	wire_put_u32(b + 8, 1);
	wire_put_u32(b + 4, 0);			/* no op 0 */
	assert_int_equal(read_raw(b, 19, 16), -1);
	wire_put_u32(b + 4, CONSOLE_OP_MAX + 1);
	assert_int_equal(read_raw(b, 19, 16), -1);
	wire_put_u32(b + 4, CONSOLE_OP_SESSION);
	memcpy(b, "SKWA", 4);			/* an answer's magic in a request */
	assert_int_equal(read_raw(b, 19, 16), -1);
}

static void
test_cursor(void **state)
{
	char at[24], id[CONSOLE_CURSOR_ID_MAX], big[200];

	assert_int_equal(console_parse_cursor("1733546400:SK-20261207-0123456789abcdef", at,
	    sizeof at, id, sizeof id), 0);
	assert_string_equal(at, "1733546400");
	assert_string_equal(id, "SK-20261207-0123456789abcdef");
	/* refused: each for its reason */
	assert_int_equal(console_parse_cursor("", at, sizeof at, id, sizeof id), -1);
	assert_int_equal(console_parse_cursor("1733546400", at, sizeof at, id, sizeof id), -1);
	assert_int_equal(console_parse_cursor(":SK-1", at, sizeof at, id, sizeof id), -1);
	assert_int_equal(console_parse_cursor("17335:", at, sizeof at, id, sizeof id), -1);
	assert_int_equal(console_parse_cursor("-1:SK-1", at, sizeof at, id, sizeof id), -1);
	assert_int_equal(console_parse_cursor("1e9:SK-1", at, sizeof at, id, sizeof id), -1);
	assert_int_equal(console_parse_cursor("1:SK-1' OR 1=1--", at, sizeof at, id, sizeof id),
	    -1);
	assert_int_equal(console_parse_cursor("1:SK:1", at, sizeof at, id, sizeof id), -1);
	assert_int_equal(console_parse_cursor("1:SK-1\n", at, sizeof at, id, sizeof id), -1);
	/* 19 digits would not fit a long long: refused */
	assert_int_equal(console_parse_cursor("1234567890123456789:SK-1", at, sizeof at, id,
	    sizeof id), -1);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[0] = '1';
	big[1] = ':';
	assert_int_equal(console_parse_cursor(big, at, sizeof at, id, sizeof id), -1);
	/* one byte past the longest id, then the longest */
	big[2 + CONSOLE_CURSOR_ID_MAX] = '\0';
	assert_int_equal(console_parse_cursor(big, at, sizeof at, id, sizeof id), -1);
	big[2 + CONSOLE_CURSOR_ID_MAX - 1] = '\0';
	assert_int_equal(console_parse_cursor(big, at, sizeof at, id, sizeof id), 0);
	assert_int_equal(strlen(id), CONSOLE_CURSOR_ID_MAX - 1);
	/* a buffer too small is refused, not overrun */
	assert_int_equal(console_parse_cursor("12345:SK-1", at, 4, id, sizeof id), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
		cmocka_unit_test(test_proto_roundtrip),
		cmocka_unit_test(test_proto_refusals),
		cmocka_unit_test(test_cursor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
