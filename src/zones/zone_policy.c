/*
 * zone_policy - reading the zone policy and checking it against the
 * guideline's rules (see zone_policy.h for the format, docs/zones.md for
 * the rules).
 */
#include "zones/zone_policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/fdio.h"
#include "core/num.h"
#include "core/utf8.h"

#define TOKENS_MAX 16		/* words of one statement */

/* The clauses behind the rules, as staff read them in the guideline
 * (地方公共団体における情報セキュリティポリシーに関するガイドライン,
 * 情報システム全体の強靭性の向上). */
static const char CLAUSE_FILE[] = "zone policy format (docs/zones.md)";
static const char CLAUSE_MODEL[] =
    "ガイドライン「三層の対策」: マイナンバー利用事務系・LGWAN接続系・インターネット接続系"
    "（α/α′/β/β′モデル）、二層の分割では機微情報取扱系・インターネット接続系";
static const char CLAUSE_MYNUMBER[] =
    "ガイドライン 情報システム全体の強靭性の向上: マイナンバー利用事務系と他の領域との分離"
    "（通信できないようにする。外部との通信が必要な場合は通信経路とポートを限定する）";
static const char CLAUSE_SANITISE[] =
    "ガイドライン 情報システム全体の強靭性の向上: LGWAN接続系とインターネット接続系の分割"
    "（取り込むメール・データは無害化通信: メールテキスト化、画面転送、ファイルの無害化）";
static const char CLAUSE_NECESSARY[] =
    "ガイドライン 情報システム全体の強靭性の向上: LGWAN接続系とインターネット接続系は"
    "通信環境を分離した上で、必要な通信だけを許可する";

static const char *const model_names[] = {
	[ZM_ALPHA] = "alpha", [ZM_ALPHA_PRIME] = "alpha-prime", [ZM_BETA] = "beta",
	[ZM_BETA_PRIME] = "beta-prime", [ZM_TWO_ZONE] = "two-zone",
};
static const char *const kind_names[] = {
	[ZK_MYNUMBER] = "mynumber", [ZK_LGWAN] = "lgwan", [ZK_INTERNET] = "internet",
	[ZK_SENSITIVE] = "sensitive",
};
static const char *const treatment_names[] = {
	[ZT_DENY] = "deny", [ZT_ALLOW] = "allow", [ZT_VIA_MAIL] = "via-mail",
	[ZT_VIA_TRANSFER] = "via-transfer", [ZT_SCREEN_ONLY] = "screen-only",
};
static const char *const role_names[] = {
	[ZR_SERVER] = "server", [ZR_SEKISHOD] = "sekishod", [ZR_TRANSFER] = "transfer",
	[ZR_SCREEN] = "screen",
};

const char *zone_model_name(enum zone_model m) { return model_names[m]; }
const char *zone_kind_name(enum zone_kind k) { return kind_names[k]; }
const char *zone_treatment_name(enum zone_treatment t) { return treatment_names[t]; }
const char *zone_role_name(enum zone_role r) { return role_names[r]; }

static int
lookup(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}
#define LOOKUP(names, s) lookup(names, sizeof names / sizeof names[0], s)

/* ---- reading ---------------------------------------------------------- */

struct reader {
	struct zone_policy *p;
	struct buf *err;
	int line;
	char *tok[TOKENS_MAX];
	size_t ntok;
};

static int
fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	buf_reset(r->err);
	buf_printf(r->err, "line %d: ", r->line);
	va_start(ap, fmt);
	buf_vprintf(r->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* Split a line (modified in place) into words; a word in double quotes
 * may hold spaces and ends at the next quote. */
static int
split(struct reader *r, char *s)
{
	r->ntok = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			return 0;
		if (r->ntok == TOKENS_MAX)
			return fail(r, "more than %d words", TOKENS_MAX);
		if (*s == '"') {
			char *end = strchr(s + 1, '"');

			if (end == NULL)
				return fail(r, "a quoted text has no closing quote");
			if (end[1] != '\0' && end[1] != ' ' && end[1] != '\t')
				return fail(r, "a quoted text runs into the next word");
			*end = '\0';
			r->tok[r->ntok++] = s;	/* keeps its opening quote */
			s = end + 1;
			continue;
		}
		r->tok[r->ntok++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
}

static int
valid_name(const char *s)
{
	size_t i;

	if (!(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return i < ZONE_NAME_MAX;
}

static int
take_name(struct reader *r, const char *what, const char *s, char out[ZONE_NAME_MAX])
{
	if (!valid_name(s))
		return fail(r, "%s \"%.40s\" is not a name (a-z, 0-9 and '-', first a letter, "
		    "at most %d bytes)", what, s, ZONE_NAME_MAX - 1);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int
take_quoted(struct reader *r, const char *what, const char *s, char out[ZONE_TITLE_MAX])
{
	size_t n;

	if (s[0] != '"')
		return fail(r, "%s must be in double quotes", what);
	n = strlen(s + 1);
	if (n == 0 || n >= ZONE_TITLE_MAX)
		return fail(r, "%s must have 1 to %d bytes", what, ZONE_TITLE_MAX - 1);
	memcpy(out, s + 1, n + 1);
	return 0;
}

/* "ADDR" or "ADDR/LEN"; host bits past the prefix are an error. */
static int
parse_net(struct reader *r, const char *s, int need_host, struct zone_net *n)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max, i;
	uint64_t len;

	memset(n, 0, sizeof *n);
	if (alen == 0 || alen >= sizeof addr)
		return fail(r, "\"%.60s\" is not an address", s);
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, n->addr) == 1) {
		n->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, n->addr) == 1) {
		n->family = 6;
		max = 128;
	} else
		return fail(r, "\"%.60s\" is not an IPv4 or IPv6 address", addr);
	n->prefix = max;
	if (slash != NULL) {
		if (need_host)
			return fail(r, "a host has one address, not a network (\"%.60s\")", s);
		if (parse_u64(slash + 1, &len) != 0 || len > max)
			return fail(r, "\"%.60s\" has no valid prefix length (0 to %u)", s, max);
		n->prefix = (unsigned int)len;
	}
	for (i = n->prefix; i < max; i++)
		if (n->addr[i / 8] & (0x80u >> (i % 8)))
			return fail(r, "\"%.60s\" has address bits set past its prefix", s);
	return 0;
}

/* "key=value" words after the fixed ones: the value for key, or NULL. */
static const char *
option(struct reader *r, size_t from, const char *key)
{
	size_t i, k = strlen(key);

	for (i = from; i < r->ntok; i++)
		if (strncmp(r->tok[i], key, k) == 0 && r->tok[i][k] == '=')
			return r->tok[i] + k + 1;
	return NULL;
}

/* Every word from `from` on must be one of the keys, each at most once. */
static int
options_known(struct reader *r, size_t from, const char *const *keys)
{
	size_t i, j, k;

	for (i = from; i < r->ntok; i++) {
		for (k = 0; keys[k] != NULL; k++) {
			size_t n = strlen(keys[k]);

			if (strncmp(r->tok[i], keys[k], n) == 0 && r->tok[i][n] == '=')
				break;
		}
		if (keys[k] == NULL)
			return fail(r, "unexpected \"%.40s\"", r->tok[i]);
		for (j = from; j < i; j++)
			if (strncmp(r->tok[j], keys[k], strlen(keys[k])) == 0 &&
			    r->tok[j][strlen(keys[k])] == '=')
				return fail(r, "%s is given twice", keys[k]);
	}
	return 0;
}

/* The index of the element named name (every element starts with its
 * name), or -1. */
static int
find(const void *arr, size_t size, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp((const char *)arr + i * size, name) == 0)
			return (int)i;
	return -1;
}
#define FIND(arr, n, nm) find((arr), sizeof (arr)[0], (n), (nm))
#define DUPLICATE(arr, n, nm) (FIND(arr, n, nm) >= 0)

static int
st_model(struct reader *r)
{
	int m;

	if (r->ntok != 2)
		return fail(r, "model takes one word: alpha, alpha-prime, beta, beta-prime or two-zone");
	if (r->p->have_model)
		return fail(r, "a second model (the first is on line %d)", r->p->model_line);
	if ((m = LOOKUP(model_names, r->tok[1])) < 0)
		return fail(r, "unknown model \"%.40s\" (alpha, alpha-prime, beta, beta-prime, two-zone)",
		    r->tok[1]);
	r->p->have_model = 1;
	r->p->model = (enum zone_model)m;
	r->p->model_line = r->line;
	return 0;
}

static int
st_zone(struct reader *r)
{
	static const char *const keys[] = { "net", "iface", NULL };
	struct zone *z;
	const char *nets, *iface;
	int k;

	if (r->p->nzones == ZONES_MAX)
		return fail(r, "more than %d zones", ZONES_MAX);
	z = &r->p->zones[r->p->nzones];
	memset(z, 0, sizeof *z);
	if (r->ntok < 5)
		return fail(r, "zone NAME KIND \"日本語名\" net=CIDR[,CIDR] [iface=IFNAME]");
	if (take_name(r, "the zone's name", r->tok[1], z->name) < 0)
		return -1;
	if (DUPLICATE(r->p->zones, r->p->nzones, z->name))
		return fail(r, "a second zone named %s", z->name);
	if ((k = LOOKUP(kind_names, r->tok[2])) < 0)
		return fail(r, "unknown zone kind \"%.40s\" (mynumber, lgwan, internet, sensitive)",
		    r->tok[2]);
	z->kind = (enum zone_kind)k;
	if (take_quoted(r, "the zone's Japanese name", r->tok[3], z->title) < 0 ||
	    options_known(r, 4, keys) < 0)
		return -1;
	if ((nets = option(r, 4, "net")) == NULL || *nets == '\0')
		return fail(r, "zone %s has no net=", z->name);
	while (*nets != '\0') {
		char one[80];
		const char *comma = strchr(nets, ',');
		size_t n = comma ? (size_t)(comma - nets) : strlen(nets);

		if (z->nnets == ZONE_NETS_MAX)
			return fail(r, "more than %d networks in zone %s", ZONE_NETS_MAX, z->name);
		if (n == 0 || n >= sizeof one)
			return fail(r, "an empty or overlong network in zone %s", z->name);
		memcpy(one, nets, n);
		one[n] = '\0';
		if (parse_net(r, one, 0, &z->nets[z->nnets]) < 0)
			return -1;
		z->nnets++;
		nets += n + (comma != NULL);
		if (comma != NULL && *nets == '\0')
			return fail(r, "a trailing comma in zone %s's networks", z->name);
	}
	if ((iface = option(r, 4, "iface")) != NULL) {
		size_t i, n = strlen(iface);

		if (n == 0 || n >= ZONE_IFACE_MAX)
			return fail(r, "iface= must have 1 to %d bytes", ZONE_IFACE_MAX - 1);
		for (i = 0; i < n; i++) {
			char c = iface[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
				return fail(r, "iface= \"%.20s\" is not an interface name", iface);
		}
		memcpy(z->iface, iface, n + 1);
	}
	z->line = r->line;
	r->p->nzones++;
	return 0;
}

static int
st_host(struct reader *r)
{
	static const char *const keys[] = { "role", NULL };
	struct zone_host *h;
	const char *role;
	int k;

	if (r->p->nhosts == ZONE_HOSTS_MAX)
		return fail(r, "more than %d hosts", ZONE_HOSTS_MAX);
	h = &r->p->hosts[r->p->nhosts];
	memset(h, 0, sizeof *h);
	h->zone = -1;
	if (r->ntok < 4)
		return fail(r, "host NAME ZONE ADDRESS [role=server|sekishod|transfer|screen]");
	if (take_name(r, "the host's name", r->tok[1], h->name) < 0 ||
	    take_name(r, "the host's zone", r->tok[2], h->zone_name) < 0)
		return -1;
	if (DUPLICATE(r->p->hosts, r->p->nhosts, h->name))
		return fail(r, "a second host named %s", h->name);
	if (parse_net(r, r->tok[3], 1, &h->addr) < 0 || options_known(r, 4, keys) < 0)
		return -1;
	h->role = ZR_SERVER;
	if ((role = option(r, 4, "role")) != NULL) {
		if ((k = LOOKUP(role_names, role)) < 0)
			return fail(r, "unknown role \"%.40s\" (server, sekishod, transfer, screen)", role);
		h->role = (enum zone_role)k;
	}
	h->line = r->line;
	r->p->nhosts++;
	return 0;
}

static int
st_service(struct reader *r)
{
	struct zone_service *s;
	const char *e;

	if (r->p->nservices == ZONE_SERVICES_MAX)
		return fail(r, "more than %d services", ZONE_SERVICES_MAX);
	s = &r->p->services[r->p->nservices];
	memset(s, 0, sizeof *s);
	if (r->ntok != 3)
		return fail(r, "service NAME PROTO/PORT[-PORT][,PROTO/PORT...]");
	if (take_name(r, "the service's name", r->tok[1], s->name) < 0)
		return -1;
	if (DUPLICATE(r->p->services, r->p->nservices, s->name))
		return fail(r, "a second service named %s", s->name);
	for (e = r->tok[2]; *e != '\0';) {
		char one[32], *slash, *dash;
		const char *comma = strchr(e, ',');
		size_t n = comma ? (size_t)(comma - e) : strlen(e);
		struct zone_port *pt;
		uint64_t lo, hi;

		if (s->nports == ZONE_PORTS_MAX)
			return fail(r, "more than %d ports in service %s", ZONE_PORTS_MAX, s->name);
		if (n == 0 || n >= sizeof one)
			return fail(r, "an empty or overlong port in service %s", s->name);
		memcpy(one, e, n);
		one[n] = '\0';
		pt = &s->ports[s->nports];
		if ((slash = strchr(one, '/')) == NULL)
			return fail(r, "\"%s\" is not PROTO/PORT", one);
		*slash = '\0';
		if (strcmp(one, "tcp") == 0)
			pt->proto = IPPROTO_TCP;
		else if (strcmp(one, "udp") == 0)
			pt->proto = IPPROTO_UDP;
		else
			return fail(r, "protocol \"%s\" is not tcp or udp", one);
		if ((dash = strchr(slash + 1, '-')) != NULL)
			*dash = '\0';
		if (parse_u64(slash + 1, &lo) != 0 || lo < 1 || lo > 65535 ||
		    (dash != NULL && (parse_u64(dash + 1, &hi) != 0 || hi < lo || hi > 65535)))
			return fail(r, "service %s: ports are 1 to 65535, a range low-high", s->name);
		pt->lo = (unsigned int)lo;
		pt->hi = dash != NULL ? (unsigned int)hi : (unsigned int)lo;
		s->nports++;
		e += n + (comma != NULL);
		if (comma != NULL && *e == '\0')
			return fail(r, "a trailing comma in service %s", s->name);
	}
	if (s->nports == 0)
		return fail(r, "service %s has no port", s->name);
	s->line = r->line;
	r->p->nservices++;
	return 0;
}

static int
st_exception(struct reader *r)
{
	struct zone_exception *x;

	if (r->p->nexceptions == ZONE_EXCEPTIONS_MAX)
		return fail(r, "more than %d exceptions", ZONE_EXCEPTIONS_MAX);
	x = &r->p->exceptions[r->p->nexceptions];
	memset(x, 0, sizeof *x);
	if (r->ntok != 3)
		return fail(r, "exception NAME \"reason\"");
	if (take_name(r, "the exception's name", r->tok[1], x->name) < 0 ||
	    take_quoted(r, "the exception's reason", r->tok[2], x->reason) < 0)
		return -1;
	if (DUPLICATE(r->p->exceptions, r->p->nexceptions, x->name))
		return fail(r, "a second exception named %s", x->name);
	x->line = r->line;
	r->p->nexceptions++;
	return 0;
}

static int
st_flow(struct reader *r)
{
	static const char *const keys[] = { "to", "exception", NULL };
	struct zone_flow *f;
	const char *v;
	int t;

	if (r->p->nflows == ZONE_FLOWS_MAX)
		return fail(r, "more than %d flows", ZONE_FLOWS_MAX);
	f = &r->p->flows[r->p->nflows];
	memset(f, 0, sizeof *f);
	f->from = f->to = f->service = f->host = f->exception = -1;
	if (r->ntok < 6 || strcmp(r->tok[2], "->") != 0)
		return fail(r, "flow FROM -> TO SERVICE TREATMENT [to=HOST] [exception=NAME]");
	if (take_name(r, "the flow's source zone", r->tok[1], f->from_name) < 0 ||
	    take_name(r, "the flow's destination zone", r->tok[3], f->to_name) < 0 ||
	    take_name(r, "the flow's service", r->tok[4], f->service_name) < 0)
		return -1;
	if ((t = LOOKUP(treatment_names, r->tok[5])) < 0)
		return fail(r, "unknown treatment \"%.40s\" (deny, allow, via-mail, via-transfer, "
		    "screen-only)", r->tok[5]);
	f->treatment = (enum zone_treatment)t;
	if (options_known(r, 6, keys) < 0)
		return -1;
	if ((v = option(r, 6, "to")) != NULL &&
	    take_name(r, "the flow's host", v, f->host_name) < 0)
		return -1;
	if ((v = option(r, 6, "exception")) != NULL &&
	    take_name(r, "the flow's exception", v, f->exception_name) < 0)
		return -1;
	f->line = r->line;
	r->p->nflows++;
	return 0;
}

int
zone_policy_parse(const char *text, size_t len, struct zone_policy *p, struct buf *err)
{
	struct reader r;
	char line[ZONE_LINE_MAX + 2];
	size_t pos = 0;

	memset(p, 0, sizeof *p);
	memset(&r, 0, sizeof r);
	r.p = p;
	r.err = err;
	if (len > ZONE_POLICY_MAX_BYTES) {
		buf_reset(err);
		buf_printf(err, "the policy is larger than %d bytes", ZONE_POLICY_MAX_BYTES);
		return -1;
	}
	sha256_hex(text, len, p->digest);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		size_t i;

		r.line++;
		if (n > (size_t)ZONE_LINE_MAX + (n > 0 && text[pos + n - 1] == '\r'))
			return fail(&r, "longer than %d bytes", ZONE_LINE_MAX);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl != NULL);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!utf8_valid((const unsigned char *)line, n))
			return fail(&r, "not UTF-8");
		for (i = 0; i < n; i++)
			if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
				return fail(&r, "a control character");
		if (split(&r, line) < 0)
			return -1;
		if (r.ntok == 0)
			continue;
		if (strcmp(r.tok[0], "model") == 0) {
			if (st_model(&r) < 0)
				return -1;
		} else if (strcmp(r.tok[0], "zone") == 0) {
			if (st_zone(&r) < 0)
				return -1;
		} else if (strcmp(r.tok[0], "host") == 0) {
			if (st_host(&r) < 0)
				return -1;
		} else if (strcmp(r.tok[0], "service") == 0) {
			if (st_service(&r) < 0)
				return -1;
		} else if (strcmp(r.tok[0], "exception") == 0) {
			if (st_exception(&r) < 0)
				return -1;
		} else if (strcmp(r.tok[0], "flow") == 0) {
			if (st_flow(&r) < 0)
				return -1;
		} else
			return fail(&r, "unknown statement \"%.40s\" (model, zone, host, service, "
			    "exception, flow)", r.tok[0]);
	}
	return 0;
}

int
zone_policy_load(const char *path, struct zone_policy *p, struct buf *err)
{
	struct buf text;
	int rc;

	buf_init(&text, ZONE_POLICY_MAX_BYTES);
	if (read_file_buf(path, &text) != 0) {
		buf_reset(err);
		if (errno == EFBIG)
			buf_printf(err, "%s: larger than %d bytes", path, ZONE_POLICY_MAX_BYTES);
		else
			buf_printf(err, "%s: %s", path, strerror(errno));
		buf_free(&text);
		return -1;
	}
	rc = zone_policy_parse(buf_str(&text), text.len, p, err);
	if (rc < 0) {
		struct buf named;

		buf_init(&named, 4096);
		buf_printf(&named, "%s: %s", path, buf_str(err));
		buf_reset(err);
		buf_puts(err, buf_str(&named));
		buf_free(&named);
	}
	buf_free(&text);
	return rc;
}

/* ---- addresses ---------------------------------------------------------- */

int
zone_net_contains(const struct zone_net *n, const struct zone_net *a)
{
	unsigned int i;

	if (n->family != a->family)
		return 0;
	for (i = 0; i < n->prefix; i++) {
		unsigned int m = 0x80u >> (i % 8);

		if ((n->addr[i / 8] & m) != (a->addr[i / 8] & m))
			return 0;
	}
	return 1;
}

static int
nets_overlap(const struct zone_net *a, const struct zone_net *b)
{
	return a->prefix <= b->prefix ? zone_net_contains(a, b) : zone_net_contains(b, a);
}

void
zone_net_format(const struct zone_net *n, int with_len, char *out, size_t outlen)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int full = n->family == 4 ? 32 : 128;

	if (inet_ntop(n->family == 4 ? AF_INET : AF_INET6, n->addr, a, sizeof a) == NULL)
		a[0] = '\0';
	if (with_len || n->prefix != full)
		snprintf(out, outlen, "%s/%u", a, n->prefix);
	else
		snprintf(out, outlen, "%s", a);
}

/* ---- checking ----------------------------------------------------------- */

struct checker {
	struct zone_policy *p;
	zone_problem_fn fn;
	void *arg;
	size_t count;
};

static void
problem(struct checker *c, int line, const char *rule, const char *clause, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
problem(struct checker *c, int line, const char *rule, const char *clause, const char *fmt, ...)
{
	struct zone_problem pr;
	va_list ap;

	memset(&pr, 0, sizeof pr);
	pr.line = line;
	pr.rule = rule;
	pr.clause = clause;
	va_start(ap, fmt);
	vsnprintf(pr.what, sizeof pr.what, fmt, ap);
	va_end(ap);
	c->count++;
	if (c->fn != NULL)
		c->fn(&pr, c->arg);
}


static void
check_model(struct checker *c)
{
	struct zone_policy *p = c->p;
	int count[4] = { 0, 0, 0, 0 };
	size_t i;
	int two = p->model == ZM_TWO_ZONE;

	if (!p->have_model) {
		problem(c, 0, "model-missing", CLAUSE_MODEL,
		    "the policy names no model (model alpha, alpha-prime, beta, beta-prime or two-zone)");
		return;
	}
	for (i = 0; i < p->nzones; i++) {
		const struct zone *z = &p->zones[i];

		count[z->kind]++;
		if (two && (z->kind == ZK_MYNUMBER || z->kind == ZK_LGWAN))
			problem(c, z->line, "model-zones", CLAUSE_MODEL,
			    "zone %s is of kind %s, which the two-zone model does not have "
			    "(sensitive and internet)", z->name, kind_names[z->kind]);
		if (!two && z->kind == ZK_SENSITIVE)
			problem(c, z->line, "model-zones", CLAUSE_MODEL,
			    "zone %s is of kind sensitive, which the %s model does not have "
			    "(mynumber, lgwan and internet)", z->name, model_names[p->model]);
	}
	if (two) {
		if (count[ZK_SENSITIVE] == 0)
			problem(c, p->model_line, "model-zones", CLAUSE_MODEL,
			    "the two-zone model needs a zone of kind sensitive (機微情報取扱系)");
		if (count[ZK_INTERNET] == 0)
			problem(c, p->model_line, "model-zones", CLAUSE_MODEL,
			    "the two-zone model needs a zone of kind internet (インターネット接続系)");
		return;
	}
	if (count[ZK_MYNUMBER] == 0)
		problem(c, p->model_line, "model-zones", CLAUSE_MODEL,
		    "the %s model needs a zone of kind mynumber (マイナンバー利用事務系)",
		    model_names[p->model]);
	if (count[ZK_LGWAN] == 0)
		problem(c, p->model_line, "model-zones", CLAUSE_MODEL,
		    "the %s model needs a zone of kind lgwan (LGWAN接続系)", model_names[p->model]);
	if (count[ZK_INTERNET] == 0)
		problem(c, p->model_line, "model-zones", CLAUSE_MODEL,
		    "the %s model needs a zone of kind internet (インターネット接続系)",
		    model_names[p->model]);
}

static void
check_addresses(struct checker *c)
{
	struct zone_policy *p = c->p;
	size_t i, j, a, b;
	char t1[64], t2[64];

	for (i = 0; i < p->nzones; i++)
		for (j = i; j < p->nzones; j++)
			for (a = 0; a < p->zones[i].nnets; a++)
				for (b = (i == j ? a + 1 : 0); b < p->zones[j].nnets; b++) {
					if (!nets_overlap(&p->zones[i].nets[a], &p->zones[j].nets[b]))
						continue;
					zone_net_format(&p->zones[i].nets[a], 1, t1, sizeof t1);
					zone_net_format(&p->zones[j].nets[b], 1, t2, sizeof t2);
					problem(c, p->zones[j].line, "network-overlap", CLAUSE_FILE,
					    "network %s of zone %s overlaps %s of zone %s: an address "
					    "must belong to one zone", t2, p->zones[j].name, t1,
					    p->zones[i].name);
				}
	for (i = 0; i < p->nzones; i++)
		for (j = 0; j < i; j++)
			if (p->zones[i].iface[0] != '\0' &&
			    strcmp(p->zones[i].iface, p->zones[j].iface) == 0)
				problem(c, p->zones[i].line, "interface-shared", CLAUSE_FILE,
				    "zones %s and %s are both on interface %s: each zone needs its own "
				    "(the ruleset tells zones apart by interface)", p->zones[j].name,
				    p->zones[i].name, p->zones[i].iface);
	for (i = 0; i < p->nhosts; i++) {
		struct zone_host *h = &p->hosts[i];
		const struct zone *z;
		int in = 0;

		h->zone = FIND(p->zones, p->nzones, h->zone_name);
		if (h->zone < 0) {
			problem(c, h->line, "unknown-name", CLAUSE_FILE,
			    "host %s is in zone %s, which is not defined", h->name, h->zone_name);
			continue;
		}
		z = &p->zones[h->zone];
		for (a = 0; a < z->nnets; a++)
			in |= zone_net_contains(&z->nets[a], &h->addr);
		zone_net_format(&h->addr, 0, t1, sizeof t1);
		if (!in)
			problem(c, h->line, "host-outside-zone", CLAUSE_FILE,
			    "host %s (%s) is not inside a network of its zone %s", h->name, t1, z->name);
		for (j = 0; j < i; j++)
			if (memcmp(&p->hosts[j].addr, &h->addr, sizeof h->addr) == 0)
				problem(c, h->line, "duplicate-address", CLAUSE_FILE,
				    "host %s has the address of host %s (%s)", h->name,
				    p->hosts[j].name, t1);
	}
}

static int
is_lgwan_side(enum zone_kind k)
{
	return k == ZK_LGWAN || k == ZK_SENSITIVE;
}

static void
check_flow(struct checker *c, struct zone_flow *f)
{
	struct zone_policy *p = c->p;
	static const enum zone_role needs[] = {
		[ZT_VIA_MAIL] = ZR_SEKISHOD, [ZT_VIA_TRANSFER] = ZR_TRANSFER,
		[ZT_SCREEN_ONLY] = ZR_SCREEN,
	};
	const struct zone *from, *to;
	int bad = 0;

	f->from = FIND(p->zones, p->nzones, f->from_name);
	f->to = FIND(p->zones, p->nzones, f->to_name);
	f->service = FIND(p->services, p->nservices, f->service_name);
	if (f->host_name[0] != '\0')
		f->host = FIND(p->hosts, p->nhosts, f->host_name);
	if (f->exception_name[0] != '\0')
		f->exception = FIND(p->exceptions, p->nexceptions, f->exception_name);
	if (f->from < 0 && ++bad)
		problem(c, f->line, "unknown-name", CLAUSE_FILE, "zone %s is not defined", f->from_name);
	if (f->to < 0 && ++bad)
		problem(c, f->line, "unknown-name", CLAUSE_FILE, "zone %s is not defined", f->to_name);
	if (f->service < 0 && ++bad)
		problem(c, f->line, "unknown-name", CLAUSE_FILE, "service %s is not defined",
		    f->service_name);
	if (f->host_name[0] != '\0' && f->host < 0 && ++bad)
		problem(c, f->line, "unknown-name", CLAUSE_FILE, "host %s is not defined",
		    f->host_name);
	if (f->exception_name[0] != '\0' && f->exception < 0 && ++bad)
		problem(c, f->line, "unknown-name", CLAUSE_FILE, "exception %s is not defined",
		    f->exception_name);
	if (bad)
		return;
	from = &p->zones[f->from];
	to = &p->zones[f->to];
	if (f->from == f->to) {
		problem(c, f->line, "self-flow", CLAUSE_FILE,
		    "a flow from zone %s to itself: traffic inside a zone does not cross the "
		    "boundary", from->name);
		return;
	}
	if (f->host >= 0 && p->hosts[f->host].zone >= 0 && p->hosts[f->host].zone != f->to) {
		problem(c, f->line, "host-zone", CLAUSE_FILE,
		    "host %s is in zone %s, not in the flow's destination zone %s", f->host_name,
		    p->hosts[f->host].zone_name, to->name);
		return;
	}
	if (f->treatment == ZT_DENY)
		return;
	if (f->treatment != ZT_ALLOW &&
	    (f->host < 0 || p->hosts[f->host].role != needs[f->treatment]))
		problem(c, f->line, "treatment-host", CLAUSE_SANITISE,
		    "a %s flow must go to a host of role %s (to=HOST)",
		    treatment_names[f->treatment], role_names[needs[f->treatment]]);
	if (from->kind == ZK_MYNUMBER || to->kind == ZK_MYNUMBER) {
		const struct zone *other = from->kind == ZK_MYNUMBER ? to : from;

		if (other->kind == ZK_INTERNET)
			problem(c, f->line, "mynumber-internet", CLAUSE_MYNUMBER,
			    "the My Number zone %s and the internet zone %s must never "
			    "communicate, not even by exception",
			    from->kind == ZK_MYNUMBER ? from->name : to->name, other->name);
		else if (f->exception < 0)
			problem(c, f->line, "mynumber-isolated", CLAUSE_MYNUMBER,
			    "a %s flow %s -> %s reaches the My Number zone without a named "
			    "exception (exception=NAME)", treatment_names[f->treatment], from->name,
			    to->name);
		else if (f->host < 0)
			problem(c, f->line, "exception-scope", CLAUSE_MYNUMBER,
			    "exception %s must name the one host it is for (to=HOST), not the "
			    "whole zone %s", f->exception_name, to->name);
		return;
	}
	if (f->exception >= 0)
		problem(c, f->line, "exception-scope", CLAUSE_MYNUMBER,
		    "exception %s is for the My Number zone's flows; %s -> %s does not touch it",
		    f->exception_name, from->name, to->name);
	if (from->kind == ZK_INTERNET && is_lgwan_side(to->kind)) {
		if (f->treatment == ZT_ALLOW)
			problem(c, f->line, "internet-sanitised", CLAUSE_SANITISE,
			    "%s -> %s is allowed as it comes: from the internet zone only "
			    "via-mail, via-transfer or screen-only may cross", from->name, to->name);
		if (f->treatment == ZT_SCREEN_ONLY &&
		    (p->model == ZM_ALPHA || p->model == ZM_ALPHA_PRIME))
			problem(c, f->line, "screen-direction", CLAUSE_SANITISE,
			    "in the %s model the staff terminals are in the LGWAN zone: screen "
			    "transfer runs from %s to the internet zone's screen server, not back",
			    model_names[p->model], to->name);
	}
	if (f->treatment == ZT_ALLOW && f->host < 0 &&
	    ((from->kind == ZK_INTERNET && is_lgwan_side(to->kind)) ||
	    (is_lgwan_side(from->kind) && to->kind == ZK_INTERNET)))
		problem(c, f->line, "necessary-only", CLAUSE_NECESSARY,
		    "%s -> %s allows %s to the whole zone: name the host it is needed for (to=HOST)",
		    from->name, to->name, f->service_name);
}

static int
services_share_port(const struct zone_service *a, const struct zone_service *b)
{
	size_t i, j;

	for (i = 0; i < a->nports; i++)
		for (j = 0; j < b->nports; j++)
			if (a->ports[i].proto == b->ports[j].proto &&
			    a->ports[i].lo <= b->ports[j].hi && b->ports[j].lo <= a->ports[i].hi)
				return 1;
	return 0;
}

/* A deny flow that an accepting flow of the same zones and port contradicts:
 * the accept wins in the ruleset, so the deny would read as a promise the
 * kernel does not keep. */
static void
check_conflicts(struct checker *c)
{
	struct zone_policy *p = c->p;
	size_t i, j;

	for (i = 0; i < p->nflows; i++) {
		const struct zone_flow *d = &p->flows[i];

		if (d->treatment != ZT_DENY || d->from < 0 || d->to < 0 || d->service < 0)
			continue;
		for (j = 0; j < p->nflows; j++) {
			const struct zone_flow *a = &p->flows[j];

			if (a->treatment == ZT_DENY || a->from != d->from || a->to != d->to ||
			    a->service < 0 ||
			    !services_share_port(&p->services[a->service], &p->services[d->service]))
				continue;
			problem(c, d->line, "flow-conflict", CLAUSE_FILE,
			    "flow %s -> %s %s deny contradicts the %s flow on line %d, which "
			    "admits the same port", d->from_name, d->to_name, d->service_name,
			    treatment_names[a->treatment], a->line);
			break;
		}
	}
}

size_t
zone_policy_check(struct zone_policy *p, zone_problem_fn fn, void *arg)
{
	struct checker c;
	size_t i;

	c.p = p;
	c.fn = fn;
	c.arg = arg;
	c.count = 0;
	check_model(&c);
	check_addresses(&c);
	for (i = 0; i < p->nflows; i++)
		check_flow(&c, &p->flows[i]);
	check_conflicts(&c);
	return c.count;
}

int
zone_policy_admits(const struct zone_policy *p, int from, const struct zone_net *addr,
    int proto, unsigned int port)
{
	size_t i, k;

	for (i = 0; i < p->nflows; i++) {
		const struct zone_flow *f = &p->flows[i];
		const struct zone_service *s;
		int dst = 0;

		if (f->from != from || f->treatment == ZT_DENY || f->to < 0 || f->service < 0)
			continue;
		if (f->host >= 0)
			dst = p->hosts[f->host].addr.family == addr->family &&
			    memcmp(p->hosts[f->host].addr.addr, addr->addr, sizeof addr->addr) == 0;
		else
			for (k = 0; k < p->zones[f->to].nnets; k++)
				dst |= zone_net_contains(&p->zones[f->to].nets[k], addr);
		if (!dst)
			continue;
		s = &p->services[f->service];
		for (k = 0; k < s->nports; k++)
			if (s->ports[k].proto == proto && port >= s->ports[k].lo &&
			    port <= s->ports[k].hi)
				return 1;
	}
	return 0;
}
