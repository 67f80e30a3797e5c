/*
 * test_access - policy/access: mynetworks (CIDR, IPv4 and IPv6) and
 * relay_domains, the lists both the configuration check and the SMTP
 * session read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy/access.h"

static int
nets_ok(const char *list)
{
	struct buf err;
	int r;

	buf_init(&err, 1024);
	r = access_networks_check(list, &err);
	buf_free(&err);
	return r == 0;
}

static int
domains_ok(const char *list)
{
	struct buf err;
	int r;

	buf_init(&err, 1024);
	r = access_domains_check(list, &err);
	buf_free(&err);
	return r == 0;
}

static void
test_network_syntax(void **state)
{
	assert_true(nets_ok(""));
	assert_true(nets_ok("127.0.0.0/8, ::1/128"));
	assert_true(nets_ok("192.0.2.1 10.0.0.0/8,\t[2001:db8::]/32  [::1]/128"));
	assert_true(nets_ok("0.0.0.0/0, ::/0"));
	assert_false(nets_ok("127.0.0.1/8"));		/* host bits beyond the prefix */
	assert_false(nets_ok("2001:db8::1/32"));
	assert_false(nets_ok("192.0.2.0/33"));
	assert_false(nets_ok("::/129"));
	assert_false(nets_ok("192.0.2.0/"));
	assert_false(nets_ok("192.0.2.0/-1"));
	assert_false(nets_ok("300.0.0.1"));
	assert_false(nets_ok("192.0.2"));
	assert_false(nets_ok("example.lg.jp"));
	assert_false(nets_ok("[192.0.2.1"));
	assert_false(nets_ok("10.0.0.0/8, bogus"));	/* one bad entry spoils the list */
	{
		struct buf err;

		buf_init(&err, 1024);
		assert_int_equal(access_networks_check("10.0.0.0/8 127.0.0.1/8", &err), -1);
		assert_non_null(strstr(buf_str(&err), "127.0.0.1/8"));	/* names the entry */
		buf_free(&err);
	}
}

static void
test_network_match_v4(void **state)
{
	const char *l = "127.0.0.0/8, 192.0.2.128/25, 198.51.100.7, 203.0.113.0/31";

	assert_true(access_network_match(l, "127.0.0.1"));
	assert_true(access_network_match(l, "127.255.255.255"));
	assert_false(access_network_match(l, "128.0.0.1"));
	assert_true(access_network_match(l, "192.0.2.128"));
	assert_true(access_network_match(l, "192.0.2.255"));
	assert_false(access_network_match(l, "192.0.2.127"));	/* the bit /25 looks at */
	assert_true(access_network_match(l, "198.51.100.7"));
	assert_false(access_network_match(l, "198.51.100.8"));
	assert_true(access_network_match(l, "203.0.113.1"));
	assert_false(access_network_match(l, "203.0.113.2"));
	/* an IPv4 client on a dual-stack socket is the IPv4 address it is */
	assert_true(access_network_match(l, "::ffff:127.0.0.1"));
	assert_false(access_network_match(l, "::ffff:10.0.0.1"));
	/* not an address, or nothing listed: no match */
	assert_false(access_network_match(l, "unknown"));
	assert_false(access_network_match(l, ""));
	assert_false(access_network_match("", "127.0.0.1"));
	assert_true(access_network_match("0.0.0.0/0", "203.0.113.9"));
	assert_false(access_network_match("0.0.0.0/0", "2001:db8::1"));	/* families apart */
}

static void
test_network_match_v6(void **state)
{
	const char *l = "::1/128, [2001:db8:1::]/48, fe80::/10, 2001:db8:ff00::/40";

	assert_true(access_network_match(l, "::1"));
	assert_false(access_network_match(l, "::2"));
	assert_true(access_network_match(l, "2001:db8:1::25"));
	assert_true(access_network_match(l, "2001:db8:1:ffff:ffff:ffff:ffff:ffff"));
	assert_false(access_network_match(l, "2001:db8:2::25"));
	assert_true(access_network_match(l, "fe80::1%eth0"));	/* scope ignored */
	assert_true(access_network_match(l, "febf::1"));	/* still in fe80::/10 */
	assert_false(access_network_match(l, "fec0::1"));
	assert_true(access_network_match(l, "2001:db8:ffab::1"));	/* /40: 0xff00 vs 0xffab */
	assert_false(access_network_match(l, "2001:db8:fe00::1"));
	assert_false(access_network_match(l, "127.0.0.1"));
	/* a mapped address in the list itself is an IPv6 network: it never
	 * matches a client, which is read as IPv4 (say 127.0.0.1, not this) */
	assert_false(access_network_match("::ffff:127.0.0.1/128", "127.0.0.1"));
}

static void
test_domain_syntax(void **state)
{
	assert_true(domains_ok(""));
	assert_true(domains_ok("town.example.lg.jp, .town.example.lg.jp localhost"));
	assert_true(domains_ok("xn--eckwd4c7c.xn--zckzah"));
	assert_false(domains_ok("*.example.jp"));
	assert_false(domains_ok("town..example"));
	assert_false(domains_ok(".example.jp."));
	assert_false(domains_ok("-bad.example"));
	assert_false(domains_ok("bad-.example"));
	assert_false(domains_ok("under_score.example"));
	assert_false(domains_ok("[192.0.2.1]"));
	assert_false(domains_ok("user@example.jp"));
	assert_false(domains_ok("."));
	{
		char label[80];

		memset(label, 'a', 64);
		memcpy(label + 64, ".jp", 4);
		assert_false(domains_ok(label));	/* a label longer than 63 */
		label[63] = '\0';
		assert_true(domains_ok(label));
	}
}

static void
test_domain_match(void **state)
{
	const char *l = "town.example.lg.jp, .city.example.lg.jp";

	assert_true(access_domain_match(l, "town.example.lg.jp"));
	assert_true(access_domain_match(l, "TOWN.Example.LG.JP"));
	assert_true(access_domain_match(l, "town.example.lg.jp."));	/* one trailing dot */
	assert_false(access_domain_match(l, "town.example.lg.jp.."));
	assert_false(access_domain_match(l, "mail.town.example.lg.jp"));	/* exact only */
	assert_false(access_domain_match(l, "eviltown.example.lg.jp"));
	assert_false(access_domain_match(l, "town.example.lg.jp.evil.example"));
	assert_false(access_domain_match(l, "city.example.lg.jp"));	/* ".x": below only */
	assert_true(access_domain_match(l, "ward.city.example.lg.jp"));
	assert_true(access_domain_match(l, "a.b.city.example.lg.jp"));
	assert_false(access_domain_match(l, "evilcity.example.lg.jp"));	/* label boundary */
	assert_false(access_domain_match(l, ""));
	assert_false(access_domain_match("", "town.example.lg.jp"));
}

static void
test_recipient(void **state)
{
	const char *l = "town.example.lg.jp";

	assert_int_equal(access_recipient(l, "staff@town.example.lg.jp"), ACCESS_RELAY);
	assert_int_equal(access_recipient(l, "staff@elsewhere.example"), ACCESS_NOT_RELAY);
	assert_int_equal(access_recipient(l, "postmaster"), ACCESS_NOT_RELAY);
	assert_int_equal(access_recipient(l, "staff@[192.0.2.1]"), ACCESS_NOT_RELAY);
	assert_int_equal(access_recipient(l, "staff@"), ACCESS_NOT_RELAY);
	/* sender-specified routing, whatever the final domain */
	assert_int_equal(access_recipient(l, "victim%elsewhere.example@town.example.lg.jp"),
	    ACCESS_ROUTED);
	assert_int_equal(access_recipient(l, "elsewhere.example!victim@town.example.lg.jp"),
	    ACCESS_ROUTED);
	assert_int_equal(access_recipient(l, "victim@elsewhere.example@town.example.lg.jp"),
	    ACCESS_ROUTED);
	assert_int_equal(access_recipient(l, "\"victim@elsewhere\"@town.example.lg.jp"),
	    ACCESS_ROUTED);
	assert_int_equal(access_recipient(l, "@town.example.lg.jp:victim@elsewhere.example"),
	    ACCESS_ROUTED);
	assert_int_equal(access_recipient(l, "@town.example.lg.jp:victim@town.example.lg.jp"),
	    ACCESS_ROUTED);
	assert_int_equal(access_recipient("", "staff@town.example.lg.jp"), ACCESS_NOT_RELAY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_network_syntax),
		cmocka_unit_test(test_network_match_v4),
		cmocka_unit_test(test_network_match_v6),
		cmocka_unit_test(test_domain_syntax),
		cmocka_unit_test(test_domain_match),
		cmocka_unit_test(test_recipient),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
