/*
 * zone_policy - the zone policy (通信経路の分割): its file format, its
 * reader, and the check against the national guideline's rules.
 *
 * The file (docs/zones.md) is one statement per line, '#' starts a comment:
 *
 *   model     alpha | alpha-prime | beta | beta-prime | two-zone
 *   zone      NAME KIND "日本語名" net=CIDR[,CIDR...] [iface=IFNAME]
 *             KIND: mynumber | lgwan | internet | sensitive
 *   host      NAME ZONE ADDRESS [role=server|sekishod|transfer|screen]
 *   service   NAME PROTO/PORT[-PORT][,PROTO/PORT...]      PROTO: tcp | udp
 *   exception NAME "reason"
 *   flow      FROM -> TO SERVICE TREATMENT [to=HOST] [exception=NAME]
 *             TREATMENT: deny | allow | via-mail | via-transfer | screen-only
 *
 * Reading (zone_policy_parse) checks the syntax only and stops at the first
 * error, naming its line; names are resolved by zone_policy_check, which
 * reports every problem with the rule it breaks and the clause of the
 * guideline behind the rule.  Only a policy with no problem may be compiled
 * (zones/zone_nft.h).  Every dimension has a named ceiling below; a policy
 * past one is an error, never truncated.
 */
#ifndef SEKISHO_ZONES_ZONE_POLICY_H
#define SEKISHO_ZONES_ZONE_POLICY_H

#include <stddef.h>

#include "core/buf.h"

#define ZONE_POLICY_MAX_BYTES (256 * 1024)	/* the whole file */
#define ZONE_LINE_MAX 1024		/* one statement */
#define ZONE_NAME_MAX 32		/* a name, with its NUL: [a-z0-9-], first a letter
					 * (no '_': the ruleset joins names with it) */
#define ZONE_TITLE_MAX 160		/* a zone's Japanese name, an exception's reason */
#define ZONE_IFACE_MAX 16		/* IFNAMSIZ */
#define ZONES_MAX 16
#define ZONE_NETS_MAX 8			/* networks of one zone */
#define ZONE_HOSTS_MAX 64
#define ZONE_SERVICES_MAX 64
#define ZONE_PORTS_MAX 8		/* PROTO/PORT entries of one service */
#define ZONE_EXCEPTIONS_MAX 32
#define ZONE_FLOWS_MAX 512

enum zone_model { ZM_ALPHA, ZM_ALPHA_PRIME, ZM_BETA, ZM_BETA_PRIME, ZM_TWO_ZONE };
enum zone_kind { ZK_MYNUMBER, ZK_LGWAN, ZK_INTERNET, ZK_SENSITIVE };
enum zone_treatment { ZT_DENY, ZT_ALLOW, ZT_VIA_MAIL, ZT_VIA_TRANSFER, ZT_SCREEN_ONLY };
enum zone_role { ZR_SERVER, ZR_SEKISHOD, ZR_TRANSFER, ZR_SCREEN };

/* An address with its prefix length; family is 4 or 6. */
struct zone_net {
	int family;
	unsigned char addr[16];	/* network byte order; 4 bytes used for IPv4 */
	unsigned int prefix;
};

struct zone {
	char name[ZONE_NAME_MAX];
	enum zone_kind kind;
	char title[ZONE_TITLE_MAX];
	struct zone_net nets[ZONE_NETS_MAX];
	size_t nnets;
	char iface[ZONE_IFACE_MAX];	/* "" = any interface */
	int line;
};

struct zone_host {
	char name[ZONE_NAME_MAX];
	char zone_name[ZONE_NAME_MAX];
	int zone;			/* index, set by zone_policy_check; -1 before */
	struct zone_net addr;		/* prefix = full length */
	enum zone_role role;
	int line;
};

struct zone_port {
	int proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	unsigned int lo, hi;		/* 1..65535, lo <= hi */
};

struct zone_service {
	char name[ZONE_NAME_MAX];
	struct zone_port ports[ZONE_PORTS_MAX];
	size_t nports;
	int line;
};

struct zone_exception {
	char name[ZONE_NAME_MAX];
	char reason[ZONE_TITLE_MAX];
	int line;
};

struct zone_flow {
	char from_name[ZONE_NAME_MAX], to_name[ZONE_NAME_MAX];
	char service_name[ZONE_NAME_MAX];
	char host_name[ZONE_NAME_MAX];		/* "" = the whole zone */
	char exception_name[ZONE_NAME_MAX];	/* "" = none */
	enum zone_treatment treatment;
	/* indexes, set by zone_policy_check; -1 = unresolved or none */
	int from, to, service, host, exception;
	int line;
};

struct zone_policy {
	int have_model;
	enum zone_model model;
	int model_line;
	struct zone zones[ZONES_MAX];
	size_t nzones;
	struct zone_host hosts[ZONE_HOSTS_MAX];
	size_t nhosts;
	struct zone_service services[ZONE_SERVICES_MAX];
	size_t nservices;
	struct zone_exception exceptions[ZONE_EXCEPTIONS_MAX];
	size_t nexceptions;
	struct zone_flow flows[ZONE_FLOWS_MAX];
	size_t nflows;
	char digest[65];		/* sha256 of the file's bytes, hex */
};

/*
 * Read a policy from text (not NUL-terminated; len <= ZONE_POLICY_MAX_BYTES).
 * 0, or -1 with "line N: reason" in err.  p is overwritten.
 */
int zone_policy_parse(const char *text, size_t len, struct zone_policy *p, struct buf *err);
/* Read the file at path (errors name it). */
int zone_policy_load(const char *path, struct zone_policy *p, struct buf *err);

/* One problem: the line it is on (0 = the policy as a whole), the rule's
 * id (e.g. "mynumber-isolated"), what is wrong, and the clause. */
struct zone_problem {
	int line;
	const char *rule;
	const char *clause;
	char what[512];
};
typedef void (*zone_problem_fn)(const struct zone_problem *pr, void *arg);

/*
 * Resolve names and check the policy against the rules (docs/zones.md has
 * the list).  Calls fn for every problem, in line order of discovery, and
 * returns how many there were.  The indexes in hosts and flows are set for
 * the names that resolve.
 */
size_t zone_policy_check(struct zone_policy *p, zone_problem_fn fn, void *arg);

/* Names of the enums as the file spells them. */
const char *zone_model_name(enum zone_model m);
const char *zone_kind_name(enum zone_kind k);
const char *zone_treatment_name(enum zone_treatment t);
const char *zone_role_name(enum zone_role r);

/* 1 if a lies inside n (same family, first n->prefix bits equal). */
int zone_net_contains(const struct zone_net *n, const struct zone_net *a);
/* Text form "10.1.0.0/24", "2001:db8::/32" (or without "/len" when the
 * prefix is full and with_len is 0) into out (at least 64 bytes). */
void zone_net_format(const struct zone_net *n, int with_len, char *out, size_t outlen);

/* May traffic of the flow reach this destination address and port?  For
 * the lab's expectations (zones/zone_lab.c): 1 if a flow other than deny
 * from zone `from` admits (addr, proto, port). */
int zone_policy_admits(const struct zone_policy *p, int from, const struct zone_net *addr,
    int proto, unsigned int port);

#endif
