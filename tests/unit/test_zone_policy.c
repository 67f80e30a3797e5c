/*
 * test_zone_policy - zones/zone_policy (the zone policy's reader, its check
 * against the guideline's rules, what a flow admits) and zones/zone_nft (the
 * ruleset it compiles to).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "zones/zone_nft.h"
#include "zones/zone_policy.h"

/* examples/zones/NAME, found from this file's place in the tree */
static void
example_path(const char *name, char *out, size_t outlen)
{
	const char *slash = strrchr(__FILE__, '/');

	snprintf(out, outlen, "%.*s/../../examples/zones/%s",
	    slash != NULL ? (int)(slash - __FILE__) : 1, slash != NULL ? __FILE__ : ".", name);
}

/* A policy is over 100 KiB: never on the stack. */
static struct zone_policy *
new_policy(void)
{
	struct zone_policy *p = calloc(1, sizeof *p);

	assert_non_null(p);
	return p;
}

static struct zone_policy *
load_example(const char *name)
{
	struct zone_policy *p = new_policy();
	struct buf err;
	char path[4096];

	example_path(name, path, sizeof path);
	buf_init(&err, 4096);
	if (zone_policy_load(path, p, &err) != 0)
		fail_msg("%s", buf_str(&err));
	buf_free(&err);
	return p;
}

static struct zone_policy *
parse_ok(const char *text)
{
	struct zone_policy *p = new_policy();
	struct buf err;

	buf_init(&err, 4096);
	if (zone_policy_parse(text, strlen(text), p, &err) != 0)
		fail_msg("refused: %s\n%s", buf_str(&err), text);
	buf_free(&err);
	return p;
}

/* The text is refused on this line, with a reason holding `why`. */
static void
parse_fails(const char *text, size_t len, int line, const char *why)
{
	struct zone_policy *p = new_policy();
	struct buf err;
	char head[32];

	buf_init(&err, 4096);
	snprintf(head, sizeof head, "line %d: ", line);
	if (zone_policy_parse(text, len, p, &err) != -1)
		fail_msg("accepted: %s", text);
	if (strncmp(buf_str(&err), head, strlen(head)) != 0)
		fail_msg("\"%s\" does not start with \"%s\"", buf_str(&err), head);
	if (why != NULL && strstr(buf_str(&err), why) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", buf_str(&err), why);
	buf_free(&err);
	free(p);
}
#define FAILS(text, line, why) parse_fails((text), strlen(text), (line), (why))

/* ---- the problems of the check ------------------------------------------- */

#define PROBLEMS_MAX 32

struct seen {
	size_t n;
	int line[PROBLEMS_MAX];
	const char *rule[PROBLEMS_MAX];
};

static void
collect(const struct zone_problem *pr, void *arg)
{
	struct seen *s = arg;

	assert_non_null(pr->rule);
	assert_true(pr->rule[0] != '\0');
	assert_non_null(pr->clause);
	assert_true(pr->clause[0] != '\0');
	assert_true(pr->what[0] != '\0');
	assert_true(pr->line >= 0);
	assert_true(s->n < PROBLEMS_MAX);
	s->line[s->n] = pr->line;
	s->rule[s->n] = pr->rule;
	s->n++;
}

struct want {
	int line;
	const char *rule;
};

/* The check reports exactly these problems, in this order. */
static void
check_is(const char *text, const struct want *w, size_t n)
{
	struct zone_policy *p = parse_ok(text);
	struct seen s;
	size_t i, count;

	memset(&s, 0, sizeof s);
	count = zone_policy_check(p, collect, &s);
	assert_int_equal(count, s.n);
	for (i = 0; i < s.n && i < n; i++)
		if (s.line[i] != w[i].line || strcmp(s.rule[i], w[i].rule) != 0)
			break;
	if (i < s.n || i < n) {
		size_t k;

		for (k = 0; k < s.n; k++)
			print_error("got  line %d %s\n", s.line[k], s.rule[k]);
		for (k = 0; k < n; k++)
			print_error("want line %d %s\n", w[k].line, w[k].rule);
		fail_msg("problems differ at %zu in:\n%s", i, text);
	}
	free(p);
}
#define CHECK_IS(text, ...) do { \
	static const struct want w_[] = { __VA_ARGS__ }; \
	check_is((text), w_, sizeof w_ / sizeof w_[0]); \
} while (0)
#define CHECK_CLEAN(text) check_is((text), NULL, 0)

/*
 * A clean three-zone policy of 16 lines; `model` is its first line's model
 * and `extra` what follows from line 17 on.
 */
static const char *
base(const char *model, const char *extra)
{
	static char text[8192];

	snprintf(text, sizeof text,
	    "model %s\n"					/* 1 */
	    "zone mn mynumber \"マイナンバー利用事務系\" net=10.10.0.0/24\n"
	    "zone lg lgwan \"LGWAN接続系\" net=10.20.0.0/24\n"
	    "zone in internet \"インターネット接続系\" net=10.30.0.0/24\n"
	    "host gw lg 10.20.0.25 role=sekishod\n"		/* 5 */
	    "host xfer lg 10.20.0.26 role=transfer\n"
	    "host srv lg 10.20.0.80\n"
	    "host lgvdi lg 10.20.0.50 role=screen\n"
	    "host vdi in 10.30.0.50 role=screen\n"
	    "host relay in 10.30.0.25\n"			/* 10 */
	    "host mnsrv mn 10.10.0.5\n"
	    "service smtp tcp/25\n"
	    "service web tcp/80-443\n"
	    "service https tcp/443\n"
	    "service rdp tcp/3389\n"				/* 15 */
	    "exception link \"中間サーバーとの連携\"\n"
	    "%s", model, extra);
	return text;
}
#define L 17	/* base's first free line */

/* ---- reading -------------------------------------------------------------- */

static void
test_examples(void **state)
{
	struct zone_policy *p;
	struct seen s;

	p = load_example("alpha.zones");
	assert_true(p->have_model);
	assert_int_equal(p->model, ZM_ALPHA);
	assert_int_equal(p->nzones, 3);
	assert_int_equal(p->nhosts, 5);
	assert_int_equal(p->nservices, 5);
	assert_int_equal(p->nexceptions, 1);
	assert_int_equal(p->nflows, 6);
	assert_string_equal(p->zones[0].name, "mynumber");
	assert_int_equal(p->zones[0].kind, ZK_MYNUMBER);
	assert_string_equal(p->zones[0].title, "マイナンバー利用事務系");
	assert_string_equal(p->zones[0].iface, "mn0");
	assert_int_equal(p->zones[0].nnets, 1);
	assert_int_equal(p->zones[0].nets[0].family, 4);
	assert_int_equal(p->zones[0].nets[0].prefix, 24);
	assert_string_equal(p->hosts[1].name, "gateway");
	assert_string_equal(p->hosts[1].zone_name, "lgwan");
	assert_int_equal(p->hosts[1].role, ZR_SEKISHOD);
	assert_int_equal(p->hosts[1].zone, -1);		/* until the check */
	assert_string_equal(p->exceptions[0].reason,
	    "中間サーバー・プラットフォームとの連携（団体内統合宛名システム）");
	assert_string_equal(p->flows[4].from_name, "mynumber");
	assert_string_equal(p->flows[4].host_name, "chukan");
	assert_string_equal(p->flows[4].exception_name, "chukan-link");
	assert_int_equal(p->flows[5].treatment, ZT_DENY);
	assert_int_equal(p->flows[5].host_name[0], '\0');
	assert_int_equal(strlen(p->digest), 64);
	assert_int_equal(strspn(p->digest, "0123456789abcdef"), 64);

	memset(&s, 0, sizeof s);
	assert_int_equal(zone_policy_check(p, collect, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(p->hosts[1].zone, 1);		/* resolved */
	assert_int_equal(p->flows[4].from, 0);
	assert_int_equal(p->flows[4].to, 1);
	assert_int_equal(p->flows[4].host, 0);
	assert_int_equal(p->flows[4].exception, 0);
	assert_int_equal(p->flows[5].host, -1);
	free(p);

	p = load_example("beta.zones");
	assert_int_equal(p->model, ZM_BETA);
	assert_int_equal(p->nzones, 3);
	assert_int_equal(p->nhosts, 4);
	assert_int_equal(p->nflows, 4);
	assert_int_equal(zone_policy_check(p, NULL, NULL), 0);
	free(p);

	p = load_example("two-zone.zones");
	assert_int_equal(p->model, ZM_TWO_ZONE);
	assert_int_equal(p->nzones, 2);
	assert_int_equal(p->zones[0].kind, ZK_SENSITIVE);
	assert_int_equal(p->nflows, 3);
	assert_int_equal(zone_policy_check(p, NULL, NULL), 0);
	free(p);
}

static void
test_load_errors(void **state)
{
	struct zone_policy *p = new_policy();
	struct buf err;

	buf_init(&err, 4096);
	assert_int_equal(zone_policy_load("/nonexistent/x.zones", p, &err), -1);
	assert_non_null(strstr(buf_str(&err), "/nonexistent/x.zones"));
	buf_free(&err);
	free(p);
}

static void
test_syntax_errors(void **state)
{
	char text[4096];
	size_t i;

	/* the line counts comments, blank lines and CRLF lines */
	FAILS("# a comment\n\nmodel alpha\r\nbogus\n", 4, "unknown statement \"bogus\"");
	FAILS("model alpha\nzone a lgwan \"A net=10.0.0.0/8\n", 2, "no closing quote");
	FAILS("zone a lgwan \"A\"net=10.0.0.0/8\n", 1, "runs into the next word");
	FAILS("flow a -> b s allow x x x x x x x x x x x\n", 1, "more than 16 words");
	FAILS("model alpha\nmodel beta\n", 2, "a second model (the first is on line 1)");
	FAILS("model gamma\n", 1, "unknown model");
	FAILS("model alpha beta\n", 1, "model takes one word");
	FAILS("model\n", 1, "model takes one word");
	FAILS("zone a lgwan \"A\"\n", 1, "zone NAME KIND");
	FAILS("zone a lgwan \"A\" iface=eth0\n", 1, "has no net=");
	FAILS("zone a lgwan \"A\" net=\n", 1, "has no net=");
	FAILS("zone a office \"A\" net=10.0.0.0/8\n", 1, "unknown zone kind");
	FAILS("zone A lgwan \"A\" net=10.0.0.0/8\n", 1, "is not a name");
	FAILS("zone a_b lgwan \"A\" net=10.0.0.0/8\n", 1, "is not a name");
	FAILS("zone 1a lgwan \"A\" net=10.0.0.0/8\n", 1, "is not a name");
	FAILS("zone abcdefghijklmnopqrstuvwxyz012345 lgwan \"A\" net=10.0.0.0/8\n", 1,
	    "is not a name");	/* 32 bytes */
	FAILS("zone a lgwan A net=10.0.0.0/8\n", 1, "must be in double quotes");
	FAILS("zone a lgwan \"\" net=10.0.0.0/8\n", 1, "must have 1 to 159 bytes");
	FAILS("zone a lgwan \"A\" net=10.0.0.0/8 net=11.0.0.0/8\n", 1, "net is given twice");
	FAILS("zone a lgwan \"A\" net=10.0.0.0/8 iface=a iface=b\n", 1, "iface is given twice");
	FAILS("zone a lgwan \"A\" net=10.0.0.0/8 vlan=3\n", 1, "unexpected \"vlan=3\"");
	FAILS("zone a lgwan \"A\" net=10.0.0.0/8,\n", 1, "a trailing comma");
	FAILS("zone a lgwan \"A\" net=10.0.0.0/8,,11.0.0.0/8\n", 1, "an empty or overlong network");
	FAILS("zone a lgwan \"A\" net=10.0.0.0/8 iface=eth0:1\n", 1, "not an interface name");
	FAILS("zone a lgwan \"A\" net=10.0.0.0/8 iface=abcdefghijklmnop\n", 1,
	    "iface= must have 1 to 15 bytes");
	FAILS("zone a lgwan \"A\" net=10.0.0.0/8\nzone a internet \"B\" net=11.0.0.0/8\n", 2,
	    "a second zone named a");
	FAILS("zone a lgwan \"A\" net=10.0.0.0/8\nzone b internet \"B\" net=10.0.0.0/33\n", 2,
	    "no valid prefix length");
	FAILS("zone a lgwan \"A\" net=::/129\n", 1, "no valid prefix length");
	FAILS("zone a lgwan \"A\" net=10.0.0.0/\n", 1, "no valid prefix length");
	FAILS("zone a lgwan \"A\" net=10.0.0.0/-1\n", 1, "no valid prefix length");
	FAILS("zone a lgwan \"A\" net=10.0.0/8\n", 1, "not an IPv4 or IPv6 address");
	FAILS("zone a lgwan \"A\" net=300.0.0.0/8\n", 1, "not an IPv4 or IPv6 address");
	FAILS("zone a lgwan \"A\" net=/8\n", 1, "is not an address");
	FAILS("host h z 10.0.0.1/32\n", 1, "a host has one address, not a network");
	FAILS("host h z example.lg.jp\n", 1, "not an IPv4 or IPv6 address");
	FAILS("host h z 10.0.0.1 role=router\n", 1, "unknown role");
	FAILS("host h z\n", 1, "host NAME ZONE ADDRESS");
	FAILS("host h z 10.0.0.1\nhost h z 10.0.0.2\n", 2, "a second host named h");
	FAILS("service s tcp/0\n", 1, "ports are 1 to 65535");
	FAILS("service s tcp/65536\n", 1, "ports are 1 to 65535");
	FAILS("service s tcp/443-80\n", 1, "ports are 1 to 65535, a range low-high");
	FAILS("service s tcp/80-\n", 1, "ports are 1 to 65535");
	FAILS("service s tcp/+80\n", 1, "ports are 1 to 65535");
	FAILS("service s sctp/80\n", 1, "protocol \"sctp\" is not tcp or udp");
	FAILS("service s 80\n", 1, "is not PROTO/PORT");
	FAILS("service s tcp/80,\n", 1, "a trailing comma");
	FAILS("service s tcp/1,tcp/2,tcp/3,tcp/4,tcp/5,tcp/6,tcp/7,tcp/8,tcp/9\n", 1,
	    "more than 8 ports");
	FAILS("service s tcp/80 udp/53\n", 1, "service NAME PROTO/PORT");
	FAILS("service s tcp/80\nservice s udp/53\n", 2, "a second service named s");
	FAILS("exception x reason\n", 1, "must be in double quotes");
	FAILS("exception x \"a\" \"b\"\n", 1, "exception NAME");
	FAILS("exception x \"a\"\nexception x \"b\"\n", 2, "a second exception named x");
	FAILS("flow a b s allow x\n", 1, "flow FROM -> TO");
	FAILS("flow a -> b s\n", 1, "flow FROM -> TO");
	FAILS("flow a -> b s permit\n", 1, "unknown treatment \"permit\"");
	FAILS("flow a -> b s allow to=B\n", 1, "the flow's host");
	FAILS("flow a -> b s allow to=\n", 1, "the flow's host");
	FAILS("flow a -> b s allow via=c\n", 1, "unexpected \"via=c\"");
	FAILS("flow a -> b s allow to=h to=i\n", 1, "to is given twice");
	FAILS("model alpha\nzone a lgwan \"A\x01\" net=10.0.0.0/8\n", 2, "a control character");
	parse_fails("model alpha\n\0\n", 14, 2, "a control character");
	FAILS("model alpha\nzone a lgwan \"\xe3\x81\" net=10.0.0.0/8\n", 2, "not UTF-8");
	FAILS("zone a lgwan \"\xed\xa0\x80\" net=10.0.0.0/8\n", 1, "not UTF-8");	/* surrogate */

	/* a Japanese name of 159 bytes is the most there is */
	snprintf(text, sizeof text, "zone a lgwan \"%s\" net=10.0.0.0/8\n",
	    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんアイウ"
	    "エオカキ");
	{
		struct zone_policy *p = parse_ok(text);

		assert_int_equal(strlen(p->zones[0].title), 159);
		free(p);
	}
	snprintf(text, sizeof text, "zone a lgwan \"%s\" net=10.0.0.0/8\n",
	    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんアイウ"
	    "エオカキク");
	FAILS(text, 1, "must have 1 to 159 bytes");

	/* a name of 31 bytes is the longest */
	{
		struct zone_policy *p = parse_ok(
		    "zone abcdefghijklmnopqrstuvwxyz01234 lgwan \"A\" net=10.0.0.0/8\n");

		assert_string_equal(p->zones[0].name, "abcdefghijklmnopqrstuvwxyz01234");
		free(p);
	}

	/* a line of 1024 bytes is read, one of 1025 refused */
	memset(text, 0, sizeof text);
	text[0] = '#';
	memset(text + 1, 'x', 1023);
	strcpy(text + 1024, "\nmodel alpha\n");
	{
		struct zone_policy *p = parse_ok(text);

		assert_true(p->have_model);
		assert_int_equal(p->model_line, 2);
		free(p);
	}
	memset(text + 1, 'x', 1024);
	strcpy(text + 1025, "\nmodel alpha\n");
	FAILS(text, 1, "longer than 1024 bytes");

	/* the ceilings: the 17th zone, the 9th network */
	text[0] = '\0';
	for (i = 0; i < ZONES_MAX + 1; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text),
		    "zone z%zu lgwan \"Z\" net=10.%zu.0.0/16\n", i, i);
	FAILS(text, ZONES_MAX + 1, "more than 16 zones");
	FAILS("zone a lgwan \"A\" net=10.1.0.0/16,10.2.0.0/16,10.3.0.0/16,10.4.0.0/16,"
	    "10.5.0.0/16,10.6.0.0/16,10.7.0.0/16,10.8.0.0/16,10.9.0.0/16\n", 1,
	    "more than 8 networks");

	/* past the whole file's ceiling, nothing is read */
	{
		char *big = malloc(ZONE_POLICY_MAX_BYTES + 1);
		struct zone_policy *p = new_policy();
		struct buf err;

		assert_non_null(big);
		memset(big, '\n', ZONE_POLICY_MAX_BYTES + 1);
		buf_init(&err, 4096);
		assert_int_equal(zone_policy_parse(big, ZONE_POLICY_MAX_BYTES + 1, p, &err), -1);
		assert_non_null(strstr(buf_str(&err), "larger than"));
		assert_int_equal(zone_policy_parse(big, ZONE_POLICY_MAX_BYTES, p, &err), 0);
		buf_free(&err);
		free(p);
		free(big);
	}

	/* comments after statements, tabs, CRLF, a '#' inside quotes */
	{
		struct zone_policy *p = parse_ok("model\ttwo-zone   # the two-zone model\r\n"
		    "zone a sensitive \"機微 #1\" net=10.0.0.0/8\t# not in the name\r\n");

		assert_int_equal(p->model, ZM_TWO_ZONE);
		assert_string_equal(p->zones[0].title, "機微 #1");
		assert_int_equal(p->zones[0].line, 2);
		free(p);
	}
	/* empty text is a policy without anything in it */
	{
		struct zone_policy *p = new_policy();
		struct buf err;

		buf_init(&err, 4096);
		assert_int_equal(zone_policy_parse("", 0, p, &err), 0);
		assert_false(p->have_model);
		assert_int_equal(p->nzones, 0);
		assert_int_equal(zone_policy_check(p, NULL, NULL), 1);	/* model-missing */
		buf_free(&err);
		free(p);
	}
}

/* ---- addresses ------------------------------------------------------------- */

static struct zone_net
net(const char *addr, unsigned int prefix)
{
	struct zone_net n;

	memset(&n, 0, sizeof n);
	if (inet_pton(AF_INET, addr, n.addr) == 1)
		n.family = 4;
	else if (inet_pton(AF_INET6, addr, n.addr) == 1)
		n.family = 6;
	else
		fail_msg("bad address %s", addr);
	n.prefix = prefix;
	return n;
}

static void
test_cidr_host_bits(void **state)
{
	struct zone_policy *p;

	FAILS("zone a lgwan \"A\" net=10.1.2.3/16\n", 1, "address bits set past its prefix");
	FAILS("zone a lgwan \"A\" net=10.1.0.128/24\n", 1, "address bits set past its prefix");
	FAILS("zone a lgwan \"A\" net=10.0.0.1/0\n", 1, "address bits set past its prefix");
	FAILS("zone a lgwan \"A\" net=10.1.0.0/16,10.2.0.1/31\n", 1,
	    "\"10.2.0.1/31\" has address bits set");
	FAILS("zone a lgwan \"A\" net=fd00::1/64\n", 1, "address bits set past its prefix");
	FAILS("zone a lgwan \"A\" net=fd00:0:0:1::/63\n", 1, "address bits set past its prefix");
	FAILS("zone a lgwan \"A\" net=::1/127\n", 1, "address bits set past its prefix");

	p = parse_ok("zone a lgwan \"A\" net=10.1.0.0/16,10.2.0.1/32,10.2.0.2/31,0.0.0.0/0,"
	    "10.3.0.1\n");
	assert_int_equal(p->zones[0].nnets, 5);
	assert_int_equal(p->zones[0].nets[0].prefix, 16);
	assert_int_equal(p->zones[0].nets[1].prefix, 32);
	assert_int_equal(p->zones[0].nets[2].prefix, 31);
	assert_int_equal(p->zones[0].nets[3].prefix, 0);
	assert_int_equal(p->zones[0].nets[4].prefix, 32);	/* no length: one address */
	assert_memory_equal(p->zones[0].nets[0].addr, "\x0a\x01\x00\x00", 4);
	free(p);
}

static void
test_ipv6(void **state)
{
	struct zone_policy *p;
	struct zone_net a;
	char t[64];

	p = parse_ok("zone a lgwan \"A\" net=fd00:20::/64,2001:db8::/32,::/0,10.0.0.0/8 iface=lg0\n"
	    "host h a fd00:20::25 role=sekishod\n"
	    "host k a ::ffff:10.0.0.1\n");
	assert_int_equal(p->zones[0].nnets, 4);
	assert_int_equal(p->zones[0].nets[0].family, 6);
	assert_int_equal(p->zones[0].nets[0].prefix, 64);
	assert_memory_equal(p->zones[0].nets[0].addr,
	    "\xfd\x00\x00\x20\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(p->zones[0].nets[1].prefix, 32);
	assert_int_equal(p->zones[0].nets[2].prefix, 0);
	assert_int_equal(p->zones[0].nets[3].family, 4);
	assert_int_equal(p->hosts[0].addr.family, 6);
	assert_int_equal(p->hosts[0].addr.prefix, 128);
	assert_int_equal(p->hosts[1].addr.family, 6);	/* a mapped address is IPv6 */

	zone_net_format(&p->zones[0].nets[0], 1, t, sizeof t);
	assert_string_equal(t, "fd00:20::/64");
	zone_net_format(&p->zones[0].nets[0], 0, t, sizeof t);
	assert_string_equal(t, "fd00:20::/64");	/* not a full prefix: the length stays */
	zone_net_format(&p->hosts[0].addr, 0, t, sizeof t);
	assert_string_equal(t, "fd00:20::25");
	zone_net_format(&p->hosts[0].addr, 1, t, sizeof t);
	assert_string_equal(t, "fd00:20::25/128");
	zone_net_format(&p->zones[0].nets[2], 1, t, sizeof t);
	assert_string_equal(t, "::/0");
	a = net("10.1.2.3", 32);
	zone_net_format(&a, 0, t, sizeof t);
	assert_string_equal(t, "10.1.2.3");
	zone_net_format(&a, 1, t, sizeof t);
	assert_string_equal(t, "10.1.2.3/32");
	free(p);

	/* an IPv6 host in a zone of IPv4 networks is outside it; ::/0 overlaps no IPv4 net */
	CHECK_IS(base("alpha", "host h6 lg fd00::6\n"), { L, "host-outside-zone" });
	CHECK_CLEAN(base("alpha", "zone v6 lgwan \"V6\" net=::/0\n"));
	CHECK_IS(base("alpha", "zone v6 lgwan \"V6\" net=fd00::/16,fd00:1::/32\n"),
	    { L, "network-overlap" });
}

static void
test_port_ranges(void **state)
{
	struct zone_policy *p;
	const struct zone_service *s;

	p = parse_ok("service a tcp/1024-65535,udp/53,tcp/1-1,udp/65535\n"
	    "service b tcp/25\n");
	s = &p->services[0];
	assert_int_equal(s->nports, 4);
	assert_int_equal(s->ports[0].proto, IPPROTO_TCP);
	assert_int_equal(s->ports[0].lo, 1024);
	assert_int_equal(s->ports[0].hi, 65535);
	assert_int_equal(s->ports[1].proto, IPPROTO_UDP);
	assert_int_equal(s->ports[1].lo, 53);
	assert_int_equal(s->ports[1].hi, 53);
	assert_int_equal(s->ports[2].lo, 1);
	assert_int_equal(s->ports[2].hi, 1);
	assert_int_equal(s->ports[3].lo, 65535);
	assert_int_equal(p->services[1].nports, 1);
	assert_int_equal(p->services[1].ports[0].lo, 25);
	assert_int_equal(p->services[1].ports[0].hi, 25);
	assert_int_equal(p->services[1].line, 2);
	free(p);

	/* eight ports are the most */
	p = parse_ok("service s tcp/1,tcp/2,tcp/3,tcp/4,tcp/5,tcp/6,tcp/7,udp/8-9\n");
	assert_int_equal(p->services[0].nports, 8);
	free(p);
}

static void
test_net_contains(void **state)
{
	struct zone_net n, a;

	n = net("10.20.0.0", 24);
	a = net("10.20.0.0", 32);
	assert_true(zone_net_contains(&n, &a));
	a = net("10.20.0.255", 32);
	assert_true(zone_net_contains(&n, &a));
	a = net("10.20.1.0", 32);
	assert_false(zone_net_contains(&n, &a));
	a = net("10.19.255.255", 32);
	assert_false(zone_net_contains(&n, &a));
	a = net("10.20.0.128", 25);	/* a smaller network inside */
	assert_true(zone_net_contains(&n, &a));

	n = net("192.0.2.128", 25);	/* the bit /25 looks at */
	a = net("192.0.2.127", 32);
	assert_false(zone_net_contains(&n, &a));
	a = net("192.0.2.128", 32);
	assert_true(zone_net_contains(&n, &a));

	n = net("10.1.2.3", 32);	/* a host contains only itself */
	a = net("10.1.2.3", 32);
	assert_true(zone_net_contains(&n, &a));
	a = net("10.1.2.2", 32);
	assert_false(zone_net_contains(&n, &a));

	n = net("0.0.0.0", 0);		/* everything of its family */
	a = net("255.255.255.255", 32);
	assert_true(zone_net_contains(&n, &a));
	a = net("::", 128);
	assert_false(zone_net_contains(&n, &a));
	a = net("::ffff:10.1.2.3", 128);	/* a mapped address is IPv6 */
	assert_false(zone_net_contains(&n, &a));

	n = net("fd00:20::", 64);
	a = net("fd00:20::ffff:ffff:ffff:ffff", 128);
	assert_true(zone_net_contains(&n, &a));
	a = net("fd00:20:0:1::", 128);
	assert_false(zone_net_contains(&n, &a));
	a = net("10.0.0.0", 32);	/* another family, whatever the bytes */
	memset(a.addr, 0, sizeof a.addr);
	n = net("::", 0);
	assert_false(zone_net_contains(&n, &a));
	n = net("fd00::", 127);
	a = net("fd00::1", 128);
	assert_true(zone_net_contains(&n, &a));
	a = net("fd00::2", 128);
	assert_false(zone_net_contains(&n, &a));
}

/* ---- what a flow admits ------------------------------------------------------ */

static int
zone_index(const struct zone_policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nzones; i++)
		if (strcmp(p->zones[i].name, name) == 0)
			return (int)i;
	fail_msg("no zone %s", name);
	return -1;
}

static int
admits(const struct zone_policy *p, const char *from, const char *addr, int proto,
    unsigned int port)
{
	struct zone_net a = net(addr, strchr(addr, ':') ? 128 : 32);

	return zone_policy_admits(p, zone_index(p, from), &a, proto, port);
}

static void
test_admits(void **state)
{
	struct zone_policy *p = load_example("alpha.zones");

	assert_int_equal(zone_policy_check(p, NULL, NULL), 0);
	/* a flow to a host: only that host, only the service's ports */
	assert_true(admits(p, "internet", "10.20.0.25", IPPROTO_TCP, 25));
	assert_false(admits(p, "internet", "10.20.0.25", IPPROTO_TCP, 26));
	assert_false(admits(p, "internet", "10.20.0.25", IPPROTO_TCP, 24));
	assert_false(admits(p, "internet", "10.20.0.25", IPPROTO_UDP, 25));
	assert_false(admits(p, "internet", "10.20.0.25", IPPROTO_TCP, 8443));
	assert_false(admits(p, "internet", "10.20.0.24", IPPROTO_TCP, 25));
	assert_false(admits(p, "internet", "10.20.0.80", IPPROTO_TCP, 25));
	assert_true(admits(p, "internet", "10.20.0.26", IPPROTO_TCP, 8443));
	assert_false(admits(p, "internet", "10.20.0.26", IPPROTO_TCP, 25));
	assert_true(admits(p, "lgwan", "10.30.0.50", IPPROTO_TCP, 3389));
	assert_true(admits(p, "lgwan", "10.30.0.25", IPPROTO_TCP, 25));
	assert_false(admits(p, "lgwan", "10.30.0.26", IPPROTO_TCP, 25));
	assert_true(admits(p, "mynumber", "10.20.0.80", IPPROTO_TCP, 443));
	assert_false(admits(p, "mynumber", "10.20.0.25", IPPROTO_TCP, 443));
	/* only from the flow's source zone */
	assert_false(admits(p, "lgwan", "10.20.0.25", IPPROTO_TCP, 25));
	assert_false(admits(p, "mynumber", "10.20.0.25", IPPROTO_TCP, 25));
	assert_false(admits(p, "lgwan", "10.20.0.80", IPPROTO_TCP, 443));
	assert_false(admits(p, "internet", "10.20.0.80", IPPROTO_TCP, 443));
	/* a deny flow admits nothing */
	assert_false(admits(p, "internet", "10.10.0.1", IPPROTO_TCP, 443));
	assert_false(admits(p, "internet", "10.10.0.5", IPPROTO_TCP, 443));
	/* nothing back into the internet zone's sources or across unnamed pairs */
	assert_false(admits(p, "lgwan", "10.10.0.1", IPPROTO_TCP, 443));
	assert_false(admits(p, "internet", "10.30.0.25", IPPROTO_TCP, 25));
	free(p);

	/* whole-zone flows: any address of any network of the zone, in the range */
	p = parse_ok("model alpha\n"
	    "zone a lgwan \"A\" net=10.1.0.0/16,fd00:1::/48\n"
	    "zone b lgwan \"B\" net=10.2.0.0/16,10.4.0.0/24,fd00:2::/48\n"
	    "zone c lgwan \"C\" net=10.3.0.0/16\n"
	    "service web tcp/80-443,udp/443\n"
	    "service dns udp/53\n"
	    "flow a -> b web allow\n"
	    "flow b -> a dns deny\n"
	    "flow a -> c dns via-mail\n");	/* problems, but resolved: admits reads indexes */
	(void)zone_policy_check(p, NULL, NULL);
	assert_true(admits(p, "a", "10.2.0.0", IPPROTO_TCP, 80));
	assert_true(admits(p, "a", "10.2.255.255", IPPROTO_TCP, 443));
	assert_true(admits(p, "a", "10.2.3.4", IPPROTO_TCP, 200));
	assert_true(admits(p, "a", "10.4.0.9", IPPROTO_TCP, 80));	/* the second network */
	assert_true(admits(p, "a", "fd00:2::9", IPPROTO_UDP, 443));	/* and the third */
	assert_true(admits(p, "a", "fd00:2:0:ffff::1", IPPROTO_TCP, 443));
	assert_false(admits(p, "a", "10.2.3.4", IPPROTO_TCP, 79));
	assert_false(admits(p, "a", "10.2.3.4", IPPROTO_TCP, 444));
	assert_false(admits(p, "a", "10.2.3.4", IPPROTO_UDP, 80));
	assert_false(admits(p, "a", "10.4.1.0", IPPROTO_TCP, 80));
	assert_false(admits(p, "a", "10.1.0.1", IPPROTO_TCP, 80));	/* its own zone */
	assert_false(admits(p, "a", "fd00:3::1", IPPROTO_TCP, 80));
	assert_false(admits(p, "b", "10.1.0.1", IPPROTO_TCP, 80));	/* the other way */
	assert_false(admits(p, "b", "10.1.0.1", IPPROTO_UDP, 53));	/* deny */
	assert_true(admits(p, "a", "10.3.0.1", IPPROTO_UDP, 53));	/* via-mail admits too */
	assert_false(admits(p, "c", "10.1.0.1", IPPROTO_UDP, 53));
	free(p);

	/* an unresolved flow (no check run) admits nothing */
	p = parse_ok("zone a lgwan \"A\" net=10.1.0.0/16\nzone b lgwan \"B\" net=10.2.0.0/16\n"
	    "service dns udp/53\nflow a -> b dns allow\n");
	assert_false(admits(p, "a", "10.2.0.1", IPPROTO_UDP, 53));
	free(p);
}

/* ---- the check ---------------------------------------------------------------- */

static void
test_check_model(void **state)
{
	CHECK_CLEAN(base("alpha", ""));
	CHECK_CLEAN(base("alpha-prime", ""));
	CHECK_CLEAN(base("beta", ""));
	CHECK_CLEAN(base("beta-prime", ""));
	/* model-missing: the policy as a whole, line 0; the other checks still run */
	CHECK_IS("zone a lgwan \"A\" net=10.1.0.0/16\nzone b lgwan \"B\" net=10.1.2.0/24\n",
	    { 0, "model-missing" }, { 2, "network-overlap" });
	CHECK_IS("# model alpha\n", { 0, "model-missing" });
	/* model-zones: a missing kind on the model's line, a foreign kind on its zone's */
	CHECK_IS("\nmodel alpha\nzone lg lgwan \"L\" net=10.2.0.0/16\n"
	    "zone in internet \"I\" net=10.3.0.0/16\n", { 2, "model-zones" });
	CHECK_IS("model beta\n", { 1, "model-zones" }, { 1, "model-zones" }, { 1, "model-zones" });
	CHECK_IS(base("alpha", "zone s sensitive \"S\" net=10.50.0.0/24\n"), { L, "model-zones" });
	CHECK_CLEAN("model two-zone\nzone k sensitive \"K\" net=10.1.0.0/16\n"
	    "zone i internet \"I\" net=10.2.0.0/16\n");
	CHECK_IS("model two-zone\nzone k sensitive \"K\" net=10.1.0.0/16\n"
	    "zone i internet \"I\" net=10.2.0.0/16\nzone l lgwan \"L\" net=10.3.0.0/16\n"
	    "zone m mynumber \"M\" net=10.4.0.0/16\n", { 4, "model-zones" }, { 5, "model-zones" });
	CHECK_IS("model two-zone\nzone k sensitive \"K\" net=10.1.0.0/16\n",
	    { 1, "model-zones" });
	CHECK_IS("model two-zone\nzone i internet \"I\" net=10.1.0.0/16\n",
	    { 1, "model-zones" });
}

static void
test_check_addresses(void **state)
{
	/* network-overlap, on the line of the later zone; also inside one zone */
	CHECK_IS(base("alpha", "zone lg2 lgwan \"L2\" net=10.20.0.128/25\n"),
	    { L, "network-overlap" });
	CHECK_IS(base("alpha", "zone lg2 lgwan \"L2\" net=10.0.0.0/8\n"),
	    { L, "network-overlap" }, { L, "network-overlap" }, { L, "network-overlap" });
	CHECK_IS(base("alpha", "zone lg2 lgwan \"L2\" net=10.40.0.0/16,10.40.1.0/24\n"),
	    { L, "network-overlap" });
	CHECK_CLEAN(base("alpha", "zone lg2 lgwan \"L2\" net=10.40.0.0/24,10.40.1.0/24\n"));
	/* host-outside-zone, duplicate-address, unknown-name (a host's zone) */
	CHECK_IS(base("alpha", "host h lg 10.30.0.9\n"), { L, "host-outside-zone" });
	CHECK_IS(base("alpha", "host h lg 10.20.0.25\n"), { L, "duplicate-address" });
	CHECK_IS(base("alpha", "host h in 10.20.0.25\n"),
	    { L, "host-outside-zone" }, { L, "duplicate-address" });
	CHECK_IS(base("alpha", "host h nowhere 10.20.0.9\n"), { L, "unknown-name" });
	CHECK_CLEAN(base("alpha", "host h lg 10.20.0.9\n"));
}

static void
test_check_flows(void **state)
{
	/* a clean flow of each treatment */
	CHECK_CLEAN(base("alpha", "flow in -> lg smtp via-mail to=gw\n"
	    "flow in -> lg https via-transfer to=xfer\n"
	    "flow lg -> in rdp screen-only to=vdi\n"
	    "flow lg -> in smtp allow to=relay\n"
	    "flow lg -> mn https allow to=mnsrv exception=link\n"
	    "flow mn -> lg https allow to=srv exception=link\n"
	    "flow in -> mn https deny\n"
	    "flow mn -> in https deny\n"
	    "flow in -> lg rdp deny\n"));
	/* unknown-name: each name of a flow that does not resolve */
	CHECK_IS(base("alpha", "flow lg -> nowhere smtp allow\n"), { L, "unknown-name" });
	CHECK_IS(base("alpha", "flow nowhere -> lg smtp allow\n"), { L, "unknown-name" });
	CHECK_IS(base("alpha", "flow lg -> in nosvc allow to=nohost exception=noexc\n"),
	    { L, "unknown-name" }, { L, "unknown-name" }, { L, "unknown-name" });
	/* self-flow */
	CHECK_IS(base("alpha", "flow lg -> lg smtp allow\n"), { L, "self-flow" });
	/* host-zone: the named host is not in the destination zone */
	CHECK_IS(base("alpha", "flow in -> lg smtp via-mail to=relay\n"), { L, "host-zone" });
	CHECK_IS(base("alpha", "flow in -> lg smtp deny to=relay\n"), { L, "host-zone" });
	/* treatment-host: sanitising flows go to a host of the role that does it */
	CHECK_IS(base("alpha", "flow in -> lg smtp via-mail to=srv\n"), { L, "treatment-host" });
	CHECK_IS(base("alpha", "flow in -> lg smtp via-mail to=xfer\n"), { L, "treatment-host" });
	CHECK_IS(base("alpha", "flow in -> lg smtp via-transfer\n"), { L, "treatment-host" });
	CHECK_IS(base("alpha", "flow lg -> in rdp screen-only to=relay\n"),
	    { L, "treatment-host" });
	/* mynumber-internet: never, not even by exception; deny is said for the record */
	CHECK_IS(base("alpha", "flow mn -> in https allow to=relay exception=link\n"),
	    { L, "mynumber-internet" });
	CHECK_IS(base("alpha", "flow in -> mn https via-mail to=mnsrv exception=link\n"),
	    { L, "treatment-host" }, { L, "mynumber-internet" });
	/* mynumber-isolated: any other flow touching it needs a named exception */
	CHECK_IS(base("alpha", "flow lg -> mn https allow to=mnsrv\n"), { L, "mynumber-isolated" });
	CHECK_IS(base("alpha", "flow mn -> lg https allow to=srv\n"), { L, "mynumber-isolated" });
	/* exception-scope: an exception names its one host, and is for the My Number zone */
	CHECK_IS(base("alpha", "flow lg -> mn https allow exception=link\n"),
	    { L, "exception-scope" });
	CHECK_IS(base("alpha", "flow lg -> in smtp allow to=relay exception=link\n"),
	    { L, "exception-scope" });
	/* internet-sanitised: nothing from the internet unsanitised into the LGWAN side */
	CHECK_IS(base("alpha", "flow in -> lg smtp allow to=srv\n"), { L, "internet-sanitised" });
	CHECK_IS("model two-zone\nzone k sensitive \"K\" net=10.1.0.0/16\n"
	    "zone i internet \"I\" net=10.2.0.0/16\nhost s k 10.1.0.1\nservice smtp tcp/25\n"
	    "flow i -> k smtp allow to=s\n", { 6, "internet-sanitised" });
	/* screen-direction: in the α models screen transfer runs LGWAN -> internet */
	CHECK_IS(base("alpha", "flow in -> lg rdp screen-only to=lgvdi\n"),
	    { L, "screen-direction" });
	CHECK_IS(base("alpha-prime", "flow in -> lg rdp screen-only to=lgvdi\n"),
	    { L, "screen-direction" });
	CHECK_CLEAN(base("beta", "flow in -> lg rdp screen-only to=lgvdi\n"));
	CHECK_CLEAN(base("beta-prime", "flow in -> lg rdp screen-only to=lgvdi\n"));
	/* necessary-only: an allow between LGWAN side and internet names its host */
	CHECK_IS(base("alpha", "flow lg -> in web allow\n"), { L, "necessary-only" });
	CHECK_IS(base("alpha", "flow in -> lg smtp allow\n"),
	    { L, "internet-sanitised" }, { L, "necessary-only" });
	CHECK_CLEAN(base("alpha", "flow lg -> in web allow to=relay\n"));
	CHECK_CLEAN(base("alpha", "zone lg2 lgwan \"L2\" net=10.40.0.0/16\n"
	    "flow lg -> lg2 web allow\n"));	/* inside the LGWAN side: whole zones may be */
	/* several problems of one flow, in the order the rules are checked */
	CHECK_IS(base("alpha", "flow in -> lg rdp screen-only\n"),
	    { L, "treatment-host" }, { L, "screen-direction" });
}

static void
test_check_conflicts(void **state)
{
	/* flow-conflict: on the deny's line, whichever comes first */
	CHECK_IS(base("alpha", "flow lg -> in smtp allow to=relay\nflow lg -> in smtp deny\n"),
	    { L + 1, "flow-conflict" });
	CHECK_IS(base("alpha", "flow lg -> in smtp deny\nflow lg -> in smtp allow to=relay\n"),
	    { L, "flow-conflict" });
	/* ports overlapping in a range (web 80-443, https 443) */
	CHECK_IS(base("alpha", "flow lg -> in https allow to=relay\nflow lg -> in web deny\n"),
	    { L + 1, "flow-conflict" });
	/* no conflict: other ports, the other direction, another protocol */
	CHECK_CLEAN(base("alpha", "flow lg -> in smtp allow to=relay\nflow lg -> in web deny\n"));
	CHECK_CLEAN(base("alpha", "flow lg -> in smtp allow to=relay\nflow in -> lg smtp deny\n"));
	CHECK_CLEAN(base("alpha", "service usmtp udp/25\n"
	    "flow lg -> in smtp allow to=relay\nflow lg -> in usmtp deny\n"));
	/* one problem per deny, however many accepts contradict it */
	CHECK_IS(base("alpha", "flow lg -> in smtp allow to=relay\n"
	    "flow lg -> in web allow to=relay\nflow lg -> in web deny\n"),
	    { L + 2, "flow-conflict" });
}

/* ---- the ruleset ------------------------------------------------------------- */

static void
nft_of(const struct zone_policy *p, struct buf *out)
{
	buf_init(out, ZONE_NFT_MAX_BYTES);
	assert_int_equal(zone_nft_write(p, out), 0);
	assert_true(out->len > 0);
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (hay = strstr(hay, needle); hay != NULL; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

static void
test_nft(void **state)
{
	struct zone_policy *p = load_example("alpha.zones"), *q;
	struct buf a, b, err;
	const char *s, *accept, *pairs;
	char want[512];
	size_t i, k;

	assert_int_equal(zone_policy_check(p, NULL, NULL), 0);
	nft_of(p, &a);
	nft_of(p, &b);
	/* deterministic: the same policy, the same bytes */
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	s = buf_str(&a);
	assert_int_equal(strlen(s), a.len);

	/* the same text read again gives the same bytes, too */
	q = load_example("alpha.zones");
	assert_int_equal(zone_policy_check(q, NULL, NULL), 0);
	buf_free(&b);
	nft_of(q, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	free(q);

	/* the table replaced in one transaction, its digest named */
	assert_true(strncmp(s, "#!/usr/sbin/nft -f\n", 19) == 0);
	assert_non_null(strstr(s, "\ntable inet sekisho_zones\ndelete table inet sekisho_zones\n"));
	assert_non_null(strstr(s, "\ntable inet sekisho_zones {\n"));
	snprintf(want, sizeof want, "# policy sha256 %s, model alpha\n", p->digest);
	assert_non_null(strstr(s, want));
	assert_non_null(strstr(s, "type filter hook forward priority filter; policy drop;"));
	assert_non_null(strstr(s, "\tset zone_lgwan_v4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n"
	    "\t\telements = { 10.20.0.0/24 }\n\t}\n"));
	assert_null(strstr(s, "_v6"));		/* no IPv6 network, no IPv6 set */

	/* the accept rule of a host flow */
	accept = strstr(s, "\t\tiifname \"in0\" oifname \"lg0\" ip saddr @zone_internet_v4 "
	    "ip daddr 10.20.0.25 tcp dport 25 counter accept\n");
	assert_non_null(accept);
	assert_non_null(strstr(s, "ip saddr @zone_mynumber_v4 ip daddr 10.20.0.80 tcp dport 443 "
	    "counter accept\n"));
	assert_non_null(strstr(s, "# line 38: mynumber -> lgwan https allow to chukan "
	    "exception chukan-link\n"));
	assert_int_equal(count_of(s, "counter accept\n"), 5);	/* the five flows but deny */
	/* the deny flow: counted and logged under its pair, dropped */
	assert_non_null(strstr(s, "iifname \"in0\" oifname \"mn0\" ip saddr @zone_internet_v4 "
	    "ip daddr @zone_mynumber_v4 tcp dport 443 counter name \"deny_internet_mynumber\" "
	    "limit rate " ZONE_NFT_LOG_RATE " log prefix \"sekisho-zones deny "
	    "internet->mynumber https: \" level warn drop\n"));
	/* anti-spoofing for the zones bound to an interface */
	assert_non_null(strstr(s, "iifname \"lg0\" ip saddr != @zone_lgwan_v4 drop\n"));
	assert_non_null(strstr(s, "iifname != \"lg0\" ip saddr @zone_lgwan_v4 drop\n"));

	/* a counter and a counted drop for every ordered pair of zones, after the accepts */
	pairs = strstr(s, "# everything else between zones\n");
	assert_non_null(pairs);
	assert_true(accept < pairs);
	for (i = 0; i < p->nzones; i++)
		for (k = 0; k < p->nzones; k++) {
			const char *x = p->zones[i].name, *y = p->zones[k].name;

			snprintf(want, sizeof want, "\tcounter deny_%s_%s {\n\t}\n", x, y);
			assert_int_equal(count_of(s, want), i != k);
			snprintf(want, sizeof want, "\t\tip saddr @zone_%s_v4 ip daddr @zone_%s_v4 "
			    "counter name \"deny_%s_%s\" limit rate %s log prefix \"sekisho-zones "
			    "deny %s->%s: \" level warn drop\n", x, y, x, y, ZONE_NFT_LOG_RATE, x, y);
			assert_int_equal(count_of(pairs, want), i != k);
		}
	assert_int_equal(count_of(s, "\tcounter deny_"), 3 * 2 + 2);	/* + spoofed, other */
	assert_non_null(strstr(s, "counter name \"deny_other\""));
	assert_true(a.len >= 2 && strcmp(s + a.len - 5, "\t}\n}\n") == 0);

	/* past out's ceiling: -1 */
	buf_init(&err, 200);
	assert_int_equal(zone_nft_write(p, &err), -1);
	buf_free(&err);
	buf_free(&a);
	buf_free(&b);
	free(p);
}

static void
test_nft_ipv6_ranges(void **state)
{
	struct zone_policy *p = parse_ok("model beta-prime\n"
	    "zone mn mynumber \"M\" net=fd00:10::/64,10.10.0.0/24 iface=mn0\n"
	    "zone lg lgwan \"L\" net=fd00:20::/64\n"
	    "zone in internet \"I\" net=2001:db8::/32,192.0.2.0/24\n"
	    "host gw lg fd00:20::25 role=sekishod\n"
	    "host relay in 2001:db8::25\n"
	    "host relay4 in 192.0.2.25\n"
	    "service smtp tcp/25,tcp/587\n"
	    "service high tcp/1024-65535,udp/1024-65535\n"
	    "flow in -> lg smtp via-mail to=gw\n"
	    "flow lg -> in smtp allow to=relay\n"
	    "flow lg -> in high allow to=relay4\n"
	    "flow in -> mn smtp deny\n");
	struct buf a;
	const char *s;

	assert_int_equal(zone_policy_check(p, NULL, NULL), 0);
	nft_of(p, &a);
	s = buf_str(&a);
	assert_non_null(strstr(s, "\tset zone_lg_v6 {\n\t\ttype ipv6_addr\n"));
	assert_null(strstr(s, "zone_lg_v4"));
	assert_non_null(strstr(s, "\t\telements = { 2001:db8::/32 }\n"));
	assert_non_null(strstr(s, "\t\tip6 saddr @zone_in_v6 ip6 daddr fd00:20::25 "
	    "tcp dport { 25, 587 } counter accept\n"));
	assert_non_null(strstr(s, "\t\tip6 saddr @zone_lg_v6 ip6 daddr 2001:db8::25 "
	    "tcp dport { 25, 587 } counter accept\n"));
	/* an IPv4 host cannot be reached from a zone of IPv6 networks only */
	assert_null(strstr(s, "192.0.2.25"));
	/* the pairs exist only within a family both zones have */
	assert_non_null(strstr(s, "ip6 saddr @zone_mn_v6 ip6 daddr @zone_lg_v6 counter name "
	    "\"deny_mn_lg\""));
	assert_non_null(strstr(s, "ip saddr @zone_mn_v4 ip daddr @zone_in_v4 counter name "
	    "\"deny_mn_in\""));
	assert_null(strstr(s, "ip saddr @zone_mn_v4 ip daddr @zone_lg_v4"));
	assert_non_null(strstr(s, "iifname \"mn0\" ip6 saddr != @zone_mn_v6 drop\n"));
	assert_non_null(strstr(s, "iifname \"mn0\" ip saddr != @zone_mn_v4 drop\n"));
	buf_free(&a);
	free(p);

	/* port ranges */
	p = parse_ok("model two-zone\nzone k sensitive \"K\" net=10.1.0.0/16\n"
	    "zone i internet \"I\" net=10.2.0.0/16\nhost r i 10.2.0.1\n"
	    "service high tcp/1024-65535,udp/1024-65535,udp/53\n"
	    "flow k -> i high allow to=r\n");
	assert_int_equal(zone_policy_check(p, NULL, NULL), 0);
	nft_of(p, &a);
	s = buf_str(&a);
	assert_non_null(strstr(s, "\t\tip saddr @zone_k_v4 ip daddr 10.2.0.1 tcp dport 1024-65535 "
	    "counter accept\n"));
	assert_non_null(strstr(s, "\t\tip saddr @zone_k_v4 ip daddr 10.2.0.1 udp dport "
	    "{ 1024-65535, 53 } counter accept\n"));
	buf_free(&a);
	free(p);
}

static void
test_names(void **state)
{
	assert_string_equal(zone_model_name(ZM_ALPHA_PRIME), "alpha-prime");
	assert_string_equal(zone_model_name(ZM_TWO_ZONE), "two-zone");
	assert_string_equal(zone_kind_name(ZK_SENSITIVE), "sensitive");
	assert_string_equal(zone_treatment_name(ZT_VIA_TRANSFER), "via-transfer");
	assert_string_equal(zone_treatment_name(ZT_SCREEN_ONLY), "screen-only");
	assert_string_equal(zone_role_name(ZR_SEKISHOD), "sekishod");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_cidr_host_bits),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_port_ranges),
		cmocka_unit_test(test_net_contains),
		cmocka_unit_test(test_admits),
		cmocka_unit_test(test_check_model),
		cmocka_unit_test(test_check_addresses),
		cmocka_unit_test(test_check_flows),
		cmocka_unit_test(test_check_conflicts),
		cmocka_unit_test(test_nft),
		cmocka_unit_test(test_nft_ipv6_ranges),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
