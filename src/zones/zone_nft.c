/*
 * zone_nft - writing the nftables ruleset of a checked zone policy (see
 * zone_nft.h for its shape).
 */
#include "zones/zone_nft.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>

struct out {
	struct buf *b;
	int err;
};

static void
put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (buf_vprintf(o->b, fmt, ap) < 0)
		o->err = 1;
	va_end(ap);
}

static int
has_family(const struct zone *z, int fam)
{
	size_t i;

	for (i = 0; i < z->nnets; i++)
		if (z->nets[i].family == fam)
			return 1;
	return 0;
}

static const char *
ipkw(int fam)
{
	return fam == 4 ? "ip" : "ip6";
}

static void
put_sets(struct out *o, const struct zone_policy *p)
{
	size_t i, k;
	int fam;
	char t[64];

	for (i = 0; i < p->nzones; i++) {
		const struct zone *z = &p->zones[i];

		for (fam = 4; fam <= 6; fam += 2) {
			const char *sep = "";

			if (!has_family(z, fam))
				continue;
			put(o, "\t# %s (%s)\n", z->name, z->title);
			put(o, "\tset zone_%s_v%d {\n\t\ttype %s_addr\n\t\tflags interval\n"
			    "\t\telements = { ", z->name, fam, fam == 4 ? "ipv4" : "ipv6");
			for (k = 0; k < z->nnets; k++) {
				if (z->nets[k].family != fam)
					continue;
				zone_net_format(&z->nets[k], 1, t, sizeof t);
				put(o, "%s%s", sep, t);
				sep = ", ";
			}
			put(o, " }\n\t}\n");
		}
	}
	for (i = 0; i < p->nzones; i++)
		for (k = 0; k < p->nzones; k++)
			if (i != k)
				put(o, "\tcounter deny_%s_%s {\n\t}\n", p->zones[i].name,
				    p->zones[k].name);
	put(o, "\tcounter deny_spoofed {\n\t}\n\tcounter deny_other {\n\t}\n");
}

/* "tcp dport 25" or "tcp dport { 25, 587 }" for each protocol of s, as
 * separate matches: calls back once per protocol. */
static void
put_ports(struct out *o, const struct zone_service *s, int proto)
{
	size_t k, n = 0;
	const char *sep = "";

	for (k = 0; k < s->nports; k++)
		n += s->ports[k].proto == proto;
	put(o, " %s dport ", proto == IPPROTO_TCP ? "tcp" : "udp");
	if (n > 1)
		put(o, "{ ");
	for (k = 0; k < s->nports; k++) {
		if (s->ports[k].proto != proto)
			continue;
		if (s->ports[k].lo == s->ports[k].hi)
			put(o, "%s%u", sep, s->ports[k].lo);
		else
			put(o, "%s%u-%u", sep, s->ports[k].lo, s->ports[k].hi);
		sep = ", ";
	}
	if (n > 1)
		put(o, " }");
}

static int
service_has(const struct zone_service *s, int proto)
{
	size_t k;

	for (k = 0; k < s->nports; k++)
		if (s->ports[k].proto == proto)
			return 1;
	return 0;
}

static void
put_flow(struct out *o, const struct zone_policy *p, const struct zone_flow *f)
{
	const struct zone *from = &p->zones[f->from], *to = &p->zones[f->to];
	const struct zone_service *s = &p->services[f->service];
	const struct zone_host *h = f->host >= 0 ? &p->hosts[f->host] : NULL;
	int fam, proto;
	char t[64];

	put(o, "\t\t# line %d: %s -> %s %s %s%s%s%s%s\n", f->line, from->name, to->name, s->name,
	    zone_treatment_name(f->treatment), h ? " to " : "", h ? h->name : "",
	    f->exception >= 0 ? " exception " : "", f->exception >= 0 ? f->exception_name : "");
	for (fam = 4; fam <= 6; fam += 2) {
		if (!has_family(from, fam) || (h ? h->addr.family != fam : !has_family(to, fam)))
			continue;
		for (proto = IPPROTO_TCP; proto <= IPPROTO_UDP; proto += IPPROTO_UDP - IPPROTO_TCP) {
			if (!service_has(s, proto))
				continue;
			struct buf m;
			struct out mo;

			buf_init(&m, 4096);
			mo.b = &m;
			mo.err = 0;
			if (from->iface[0] != '\0')
				put(&mo, "iifname \"%s\" ", from->iface);
			if (to->iface[0] != '\0')
				put(&mo, "oifname \"%s\" ", to->iface);
			put(&mo, "%s saddr @zone_%s_v%d ", ipkw(fam), from->name, fam);
			if (h) {
				zone_net_format(&h->addr, 0, t, sizeof t);
				put(&mo, "%s daddr %s", ipkw(fam), t);
			} else
				put(&mo, "%s daddr @zone_%s_v%d", ipkw(fam), to->name, fam);
			put_ports(&mo, s, proto);
			o->err |= mo.err;
			if (f->treatment == ZT_DENY) {
				/* counted and logged up to the rate, dropped in any case */
				put(o, "\t\t%s counter name \"deny_%s_%s\" limit rate %s log prefix "
				    "\"sekisho-zones deny %s->%s %s: \" level warn drop\n", buf_str(&m),
				    from->name, to->name, ZONE_NFT_LOG_RATE, from->name, to->name,
				    s->name);
				put(o, "\t\t%s drop\n", buf_str(&m));
			} else
				put(o, "\t\t%s counter accept\n", buf_str(&m));
			buf_free(&m);
		}
	}
}

static void
put_spoofing(struct out *o, const struct zone_policy *p)
{
	size_t i;
	int fam;

	for (i = 0; i < p->nzones; i++) {
		const struct zone *z = &p->zones[i];

		if (z->iface[0] == '\0')
			continue;
		for (fam = 4; fam <= 6; fam += 2) {
			if (!has_family(z, fam))
				continue;
			put(o, "\t\tiifname != \"%s\" %s saddr @zone_%s_v%d counter name "
			    "\"deny_spoofed\" limit rate %s log prefix \"sekisho-zones spoofed %s: \" "
			    "level warn drop\n", z->iface, ipkw(fam), z->name, fam, ZONE_NFT_LOG_RATE,
			    z->name);
			put(o, "\t\tiifname != \"%s\" %s saddr @zone_%s_v%d drop\n", z->iface,
			    ipkw(fam), z->name, fam);
			put(o, "\t\tiifname \"%s\" %s saddr != @zone_%s_v%d counter name "
			    "\"deny_spoofed\" limit rate %s log prefix \"sekisho-zones spoofed %s: \" "
			    "level warn drop\n", z->iface, ipkw(fam), z->name, fam, ZONE_NFT_LOG_RATE,
			    z->name);
			put(o, "\t\tiifname \"%s\" %s saddr != @zone_%s_v%d drop\n", z->iface,
			    ipkw(fam), z->name, fam);
		}
	}
}

static void
put_pairs(struct out *o, const struct zone_policy *p)
{
	size_t i, k;
	int fam;

	for (i = 0; i < p->nzones; i++)
		for (k = 0; k < p->nzones; k++) {
			const struct zone *a = &p->zones[i], *b = &p->zones[k];

			if (i == k)
				continue;
			for (fam = 4; fam <= 6; fam += 2) {
				if (!has_family(a, fam) || !has_family(b, fam))
					continue;
				put(o, "\t\t%s saddr @zone_%s_v%d %s daddr @zone_%s_v%d counter name "
				    "\"deny_%s_%s\" limit rate %s log prefix \"sekisho-zones deny "
				    "%s->%s: \" level warn drop\n", ipkw(fam), a->name, fam, ipkw(fam),
				    b->name, fam, a->name, b->name, ZONE_NFT_LOG_RATE, a->name, b->name);
				put(o, "\t\t%s saddr @zone_%s_v%d %s daddr @zone_%s_v%d drop\n",
				    ipkw(fam), a->name, fam, ipkw(fam), b->name, fam);
			}
		}
}

int
zone_nft_write(const struct zone_policy *p, struct buf *out)
{
	struct out o = { out, 0 };
	size_t i;

	put(&o, "#!/usr/sbin/nft -f\n"
	    "# Written by sekisho zones nft: do not edit, change the zone policy instead.\n"
	    "# policy sha256 %s, model %s\n"
	    "# Loading this file replaces table inet %s in one transaction.\n\n"
	    "table inet %s\ndelete table inet %s\n\n"
	    "table inet %s {\n", p->digest, zone_model_name(p->model), ZONE_NFT_TABLE,
	    ZONE_NFT_TABLE, ZONE_NFT_TABLE, ZONE_NFT_TABLE);
	put_sets(&o, p);
	put(&o, "\n\tchain forward {\n"
	    "\t\ttype filter hook forward priority filter; policy drop;\n"
	    "\t\tct state established,related accept\n"
	    "\t\tct state invalid drop\n");
	put_spoofing(&o, p);
	put(&o, "\t\t# the flows the policy allows\n");
	for (i = 0; i < p->nflows; i++)
		if (p->flows[i].treatment != ZT_DENY)
			put_flow(&o, p, &p->flows[i]);
	put(&o, "\t\t# the flows the policy denies by name\n");
	for (i = 0; i < p->nflows; i++)
		if (p->flows[i].treatment == ZT_DENY)
			put_flow(&o, p, &p->flows[i]);
	put(&o, "\t\t# everything else between zones\n");
	put_pairs(&o, p);
	put(&o, "\t\tcounter name \"deny_other\" limit rate %s log prefix "
	    "\"sekisho-zones deny other: \" level warn drop\n"
	    "\t}\n}\n", ZONE_NFT_LOG_RATE);
	return o.err ? -1 : 0;
}
