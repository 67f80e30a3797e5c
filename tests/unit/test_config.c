/*
 * test_config - policy/config: the typed settings table and its file format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/digest.h"
#include "policy/config.h"

#define MiB ((size_t)1024 * 1024)

static int
setup(void **state)
{
	digest_init();
	return 0;
}

/* Parse text over the defaults; returns config_parse's result, err filled. */
static int
parse(struct config *p, const char *text, struct buf *err)
{
	config_defaults(p);
	buf_init(err, 1024);
	return config_parse(p, text, strlen(text), "test.cf", err);
}

static int
is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (; *s != '\0'; s++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	}
	return 1;
}

static void
test_defaults(void **state)
{
	struct config p;

	config_defaults(&p);
	assert_int_equal(p.pol.lim.message_bytes, 64 * MiB);
	assert_int_equal(p.pol.lim.header_bytes, 1 * MiB);
	assert_int_equal(p.pol.lim.line_bytes, 4 * MiB);
	assert_int_equal(p.pol.lim.parts, 1000);
	assert_int_equal(p.pol.lim.nesting, 32);
	assert_int_equal(p.pol.lim.html_depth, 256);
	assert_int_equal(p.pol.lim.seconds, 30);
	assert_int_equal(p.pol.out_charset, OUT_UTF8);
	assert_int_equal(p.pol.lang, LANG_JA);
	assert_int_equal(p.pol.on_ambiguous, AMBIG_REBUILD);
	assert_int_equal(p.pol.prefer_plain, 1);
	assert_int_equal(p.pol.show_urls, 1);
	assert_int_equal(p.pol.defang_urls, 0);
	assert_int_equal(p.pol.n_keep_headers, 0);
}

static void
test_defaults_digest_stable(void **state)
{
	struct config a, b;
	struct buf canon;
	char hex[SHA256_HEX_LEN + 1];

	config_defaults(&a);
	config_defaults(&b);
	assert_true(is_hex64(a.pol.digest));
	assert_string_equal(a.pol.digest, b.pol.digest);
	/* the digest is the sha256 of the canonical listing */
	buf_init(&canon, 1 << 20);
	config_print(&a, &canon, 0);
	sha256_hex(canon.data, canon.len, hex);
	assert_string_equal(a.pol.digest, hex);
	/* and the docs do not change it */
	buf_reset(&canon);
	config_print(&a, &canon, 1);
	assert_non_null(strstr(buf_str(&canon), "# largest message accepted"));
	config_finish(&a);
	assert_string_equal(a.pol.digest, b.pol.digest);
	buf_free(&canon);
}

static void
test_parse_valid(void **state)
{
	struct config p, d;
	struct buf err;

	config_defaults(&d);
	assert_int_equal(parse(&p,
	    "# sekisho.cf\n"
	    "\n"
	    "message_size_limit = 10m\n"
	    "   mime_nesting_limit=8   # trailing comment\n"
	    "html_node_limit = 5000\n"
	    "output_charset = iso-2022-jp\n"
	    "notice_language = en\n"
	    "on_ambiguous = withhold\n"
	    "defang_urls = yes\n"
	    "show_link_urls = false\n"
	    "prefer_plain_text = 0\n"
	    "keep_headers = X-Mailer, List-Id,Organization\n"
	    "time_limit = 60\r\n", &err), 0);
	assert_int_equal(p.pol.lim.message_bytes, 10 * MiB);
	assert_int_equal(p.pol.lim.nesting, 8);
	assert_int_equal(p.pol.lim.html_nodes, 5000);
	assert_int_equal(p.pol.out_charset, OUT_ISO2022JP);
	assert_int_equal(p.pol.lang, LANG_EN);
	assert_int_equal(p.pol.on_ambiguous, AMBIG_WITHHOLD);
	assert_int_equal(p.pol.defang_urls, 1);
	assert_int_equal(p.pol.show_urls, 0);
	assert_int_equal(p.pol.prefer_plain, 0);
	assert_int_equal(p.pol.lim.seconds, 60);
	assert_int_equal(p.pol.n_keep_headers, 3);
	assert_string_equal(p.pol.keep_headers[0], "X-Mailer");
	assert_string_equal(p.pol.keep_headers[1], "List-Id");
	assert_string_equal(p.pol.keep_headers[2], "Organization");
	assert_true(is_hex64(p.pol.digest));
	assert_string_not_equal(p.pol.digest, d.pol.digest);
	buf_free(&err);
}

static void
test_empty_file_is_defaults(void **state)
{
	struct config p, d;
	struct buf err;

	config_defaults(&d);
	assert_int_equal(parse(&p, "# nothing\n\n   \n", &err), 0);
	assert_string_equal(p.pol.digest, d.pol.digest);
	buf_free(&err);
}

static void
test_unknown_name_names_line(void **state)
{
	struct config p;
	struct buf err;

	assert_int_equal(parse(&p, "# c\n\nmessage_size_limit = 1m\nmesage_size_limit = 2m\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "test.cf:4"));
	assert_non_null(strstr(buf_str(&err), "mesage_size_limit"));
	buf_free(&err);
}

static void
test_out_of_range(void **state)
{
	struct config p;
	struct buf err;

	assert_int_equal(parse(&p, "mime_nesting_limit = 101\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "test.cf:1"));
	assert_non_null(strstr(buf_str(&err), "mime_nesting_limit"));
	assert_non_null(strstr(buf_str(&err), "outside"));
	buf_free(&err);
	assert_int_equal(parse(&p, "\nhtml_depth_limit = 7\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "test.cf:2"));
	buf_free(&err);
	/* sizes: below 1k and above 4g */
	assert_int_equal(parse(&p, "message_size_limit = 1023\n", &err), -1);
	buf_free(&err);
	assert_int_equal(parse(&p, "message_size_limit = 5g\n", &err), -1);
	buf_free(&err);
	/* the bounds themselves are allowed */
	assert_int_equal(parse(&p, "mime_nesting_limit = 100\nmessage_size_limit = 1k\n", &err), 0);
	assert_int_equal(p.pol.lim.nesting, 100);
	assert_int_equal(p.pol.lim.message_bytes, 1024);
	buf_free(&err);
}

static void
test_malformed_values(void **state)
{
	static const char *const bad[] = {
		"time_limit = 10s\n",
		"time_limit = -1\n",
		"time_limit = \n",
		"mime_part_limit = 1k\n",	/* counts take no suffix */
		"message_size_limit = 10 m\n",
		"message_size_limit = 99999999999999999999999\n",
		"message_size_limit 10m\n",
		"= 10\n",
		"defang_urls = maybe\n",
		"defang_urls = YES please\n",
		"output_charset = sjis\n",
		"notice_language = fr\n",
		"keep_headers = X-Bad:Name\n",
		/* fields sekisho writes once itself, and a name twice */
		"keep_headers = Subject\n",
		"keep_headers = X-Mailer, from\n",
		"keep_headers = content-type\n",
		"keep_headers = Content-Transfer-Encoding\n",
		"keep_headers = MIME-Version\n",
		"keep_headers = X-Sekisho-Sanitized\n",
		"keep_headers = X-Mailer, x-mailer\n",
	};
	struct config p;
	struct buf err;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse(&p, bad[i], &err) != -1)
			fail_msg("accepted: %s", bad[i]);
		if (strstr(buf_str(&err), "test.cf:1") == NULL)
			fail_msg("error for \"%s\" does not name the line: %s", bad[i], buf_str(&err));
		buf_free(&err);
	}
}

static void
test_bool_and_enum(void **state)
{
	static const struct {
		const char *v;
		int want;
	} bools[] = {
		{ "yes", 1 }, { "true", 1 }, { "1", 1 }, { "no", 0 }, { "false", 0 }, { "0", 0 },
	};
	struct config p;
	struct buf err;
	char line[64];

	for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
		snprintf(line, sizeof line, "defang_urls = %s\n", bools[i].v);
		assert_int_equal(parse(&p, line, &err), 0);
		assert_int_equal(p.pol.defang_urls, bools[i].want);
		buf_free(&err);
	}
	/* enum values are case-insensitive */
	assert_int_equal(parse(&p, "output_charset = ISO-2022-JP\nnotice_language = EN\n", &err), 0);
	assert_int_equal(p.pol.out_charset, OUT_ISO2022JP);
	assert_int_equal(p.pol.lang, LANG_EN);
	buf_free(&err);
	/* a bad enum lists the choices */
	assert_int_equal(parse(&p, "on_ambiguous = ignore\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "withhold"));
	assert_non_null(strstr(buf_str(&err), "rebuild"));
	buf_free(&err);
}

static void
test_keep_headers_limits(void **state)
{
	struct config p;
	struct buf err, text;

	buf_init(&text, 4096);
	buf_puts(&text, "keep_headers = ");
	for (int i = 0; i < POLICY_HEADER_LIST_MAX + 1; i++)
		buf_printf(&text, "X-H%d,", i);
	buf_putc(&text, '\n');
	assert_int_equal(parse(&p, buf_str(&text), &err), -1);
	buf_free(&err);
	buf_free(&text);
	/* an empty list clears it (a file over another, as policy_parse does) */
	assert_int_equal(parse(&p, "keep_headers = A\n", &err), 0);
	assert_int_equal(p.pol.n_keep_headers, 1);
	buf_free(&err);
	buf_init(&err, 1024);
	assert_int_equal(config_parse(&p, "keep_headers =\n", 15, "t2", &err), 0);
	assert_int_equal(p.pol.n_keep_headers, 0);
	buf_free(&err);
}

/* The operator's words: trimmed, split at commas only (a word may hold a
 * space), printed back the same; too many, too long, a control character
 * or broken UTF-8 is an error naming the setting. */
static void
test_dlp_words(void **state)
{
	struct config p, q;
	struct buf err, text, out;

	assert_int_equal(parse(&p, "dlp_terms =  機密性3 , Project X,,取扱注意 \n", &err), 0);
	buf_free(&err);
	assert_int_equal(p.pol.dlp_terms.n, 3);
	assert_string_equal(p.pol.dlp_terms.t[0], "機密性3");
	assert_string_equal(p.pol.dlp_terms.t[1], "Project X");
	assert_string_equal(p.pol.dlp_terms.t[2], "取扱注意");
	buf_init(&out, 1 << 20);
	config_print(&p, &out, 0);
	assert_non_null(strstr(buf_str(&out), "dlp_terms = 機密性3, Project X, 取扱注意\n"));
	assert_int_equal(parse(&q, buf_str(&out), &err), 0);	/* it reads back */
	buf_free(&err);
	assert_memory_equal(&q.pol.dlp_terms, &p.pol.dlp_terms, sizeof p.pol.dlp_terms);
	buf_free(&out);
	buf_init(&text, 8192);
	buf_puts(&text, "dlp_keywords = ");
	for (int i = 0; i < POLICY_TERMS_MAX + 1; i++)
		buf_printf(&text, "w%d,", i);
	buf_putc(&text, '\n');
	assert_int_equal(parse(&p, buf_str(&text), &err), -1);
	assert_non_null(strstr(buf_str(&err), "dlp_keywords"));
	buf_free(&err);
	buf_free(&text);
	assert_int_equal(parse(&p, "dlp_other_labels = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	    &err), -1);
	buf_free(&err);
	assert_int_equal(parse(&p, "dlp_terms = a\tb\n", &err), -1);
	buf_free(&err);
	assert_int_equal(parse(&p, "dlp_terms = \xe6\x9c\n", &err), -1);
	buf_free(&err);
}

/* A setting given twice is refused, naming both lines: which one the
 * operator meant cannot be known (the last one silently won before). */
static void
test_setting_twice(void **state)
{
	struct config p;
	struct buf err;

	assert_int_equal(parse(&p, "workers = 2\n# comment\n  workers=3\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "test.cf:3"));
	assert_non_null(strstr(buf_str(&err), "first on line 1"));
	buf_free(&err);
	assert_int_equal(parse(&p, "workers = 2\nmax_sessions = 2\n", &err), 0);
	buf_free(&err);
}

static void
test_line_too_long_and_nul(void **state)
{
	struct config p;
	struct buf err;
	char big[5000];

	memset(big, ' ', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = '\0';
	assert_int_equal(parse(&p, big, &err), -1);
	assert_non_null(strstr(buf_str(&err), "test.cf:1"));
	buf_free(&err);
	config_defaults(&p);
	buf_init(&err, 1024);
	assert_int_equal(config_parse(&p, "time_limit = 5\0\n", 16, "test.cf", &err), -1);
	assert_non_null(strstr(buf_str(&err), "NUL"));
	buf_free(&err);
}

/* parse(print(p)) must give p back, digest and all. */
static void
check_roundtrip(const struct config *p, int with_docs)
{
	struct config q;
	struct buf text, err;

	buf_init(&text, 1 << 20);
	config_print(p, &text, with_docs);
	assert_int_equal(parse(&q, buf_str(&text), &err), 0);
	assert_string_equal(q.pol.digest, p->pol.digest);
	assert_memory_equal(&q.pol.lim, &p->pol.lim, sizeof q.pol.lim);
	assert_int_equal(q.pol.n_keep_headers, p->pol.n_keep_headers);
	buf_free(&err);
	buf_free(&text);
}

static void
test_print_roundtrip(void **state)
{
	struct config p;
	struct buf err;

	config_defaults(&p);
	check_roundtrip(&p, 0);
	check_roundtrip(&p, 1);
	/* sizes that are not whole k/m/g, and everything changed */
	assert_int_equal(parse(&p,
	    "message_size_limit = 1025\n"
	    "header_size_limit = 3k\n"
	    "line_length_limit = 998\n"
	    "text_size_limit = 1g\n"
	    "memory_limit = 1536m\n"
	    "output_charset = iso-2022-jp\n"
	    "notice_language = en\n"
	    "on_ambiguous = withhold\n"
	    "defang_urls = yes\n"
	    "keep_headers = X-Mailer, List-Id\n", &err), 0);
	buf_free(&err);
	check_roundtrip(&p, 0);
	check_roundtrip(&p, 1);
}

static void
test_print_format(void **state)
{
	struct config p;
	struct buf out;

	config_defaults(&p);
	buf_init(&out, 1 << 20);
	config_print(&p, &out, 0);
	assert_non_null(strstr(buf_str(&out), "message_size_limit = 64m\n"));
	assert_non_null(strstr(buf_str(&out), "memory_limit = 1g\n"));
	assert_non_null(strstr(buf_str(&out), "output_charset = utf-8\n"));
	assert_non_null(strstr(buf_str(&out), "defang_urls = no\n"));
	assert_non_null(strstr(buf_str(&out), "keep_headers = \n"));
	buf_free(&out);
}

/* Quarantine settings: absolute paths (C_PATH), retention in days. */
static void
test_quarantine_settings(void **state)
{
	struct config p;
	struct buf err, out;

	config_defaults(&p);
	assert_string_equal(p.quarantine_dir, "/var/lib/sekisho/quarantine");
	assert_string_equal(p.quarantine_db, "/var/lib/sekisho/quarantine.db");
	assert_string_equal(p.quarantine_key, "/etc/sekisho/quarantine.key");
	assert_int_equal(p.quarantine_retention_days, 1827);
	assert_int_equal(parse(&p, "quarantine_dir = /srv/q\n"
	    "quarantine_retention_days = 365\n", &err), 0);
	assert_string_equal(p.quarantine_dir, "/srv/q");
	assert_int_equal(p.quarantine_retention_days, 365);
	buf_init(&out, 1 << 20);
	config_print(&p, &out, 0);
	assert_non_null(strstr(buf_str(&out), "quarantine_dir = /srv/q\n"));
	buf_free(&out);
	buf_free(&err);
	check_roundtrip(&p, 1);
	assert_int_equal(parse(&p, "quarantine_db = q.pol.db\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "absolute"));
	buf_free(&err);
	assert_int_equal(parse(&p, "quarantine_key =\n", &err), -1);
	buf_free(&err);
	assert_int_equal(parse(&p, "quarantine_retention_days = 0\n", &err), -1);
	buf_free(&err);
	assert_int_equal(parse(&p, "quarantine_retention_days = 36501\n", &err), -1);
	buf_free(&err);
	/* the metadata backend: SQLite unless PostgreSQL is chosen */
	config_defaults(&p);
	assert_int_equal(p.quarantine_backend, QUARANTINE_SQLITE);
	assert_string_equal(p.quarantine_pg, "");
	assert_int_equal(parse(&p, "quarantine_backend = postgresql\n"
	    "quarantine_pg = host=127.0.0.1 port=5432 dbname=sekisho user=sekisho\n", &err), 0);
	assert_int_equal(p.quarantine_backend, QUARANTINE_POSTGRESQL);
	assert_string_equal(p.quarantine_pg, "host=127.0.0.1 port=5432 dbname=sekisho user=sekisho");
	buf_free(&err);
	check_roundtrip(&p, 1);
	assert_int_equal(parse(&p, "quarantine_backend = mysql\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "sqlite postgresql"));
	buf_free(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_defaults_digest_stable),
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_empty_file_is_defaults),
		cmocka_unit_test(test_unknown_name_names_line),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_malformed_values),
		cmocka_unit_test(test_bool_and_enum),
		cmocka_unit_test(test_keep_headers_limits),
		cmocka_unit_test(test_dlp_words),
		cmocka_unit_test(test_setting_twice),
		cmocka_unit_test(test_line_too_long_and_nul),
		cmocka_unit_test(test_print_roundtrip),
		cmocka_unit_test(test_print_format),
		cmocka_unit_test(test_quarantine_settings),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
