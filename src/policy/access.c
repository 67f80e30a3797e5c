/*
 * access - client networks and relay domains.  See access.h.
 */
#include "policy/access.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "core/num.h"

#define SEPARATORS ", \t\r\n"
#define DOMAIN_MAX 253
#define LABEL_MAX 63

struct net {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char a[16];
	unsigned bits;
};

/* The next entry of a list: *s moves past it; 0 when there is none. */
static size_t
next_entry(const char **s, const char **entry)
{
	size_t n;

	*s += strspn(*s, SEPARATORS);
	n = strcspn(*s, SEPARATORS);
	*entry = *s;
	*s += n;
	return n;
}

/* Text to an address of either family; an IPv4-mapped IPv6 address becomes IPv4. */
static int
parse_addr(const char *text, unsigned char a[16], int *family)
{
	if (inet_pton(AF_INET, text, a) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, a) != 1)
		return -1;
	*family = AF_INET6;
	if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(a, a + 12, 4);
		*family = AF_INET;
	}
	return 0;
}

/* One network entry; -1 with the reason in err (err may be NULL). */
static int
parse_net(const char *s, size_t n, struct net *net, struct buf *err)
{
	char text[ACCESS_ENTRY_MAX], *slash, *addr;
	unsigned max;
	uint64_t bits;

	if (n >= sizeof text) {
		if (err != NULL)
			buf_printf(err, "network \"%.40s...\" is too long", s);
		return -1;
	}
	memcpy(text, s, n);
	text[n] = '\0';
	addr = text;
	slash = strchr(text, '/');
	if (slash != NULL)
		*slash = '\0';
	if (addr[0] == '[') {	/* Postfix writes IPv6 networks as [addr]/bits */
		size_t l = strlen(addr);

		if (l < 3 || addr[l - 1] != ']')
			goto bad;
		addr[l - 1] = '\0';
		addr++;
	}
	if (inet_pton(AF_INET, addr, net->a) == 1)
		net->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, net->a) == 1)
		net->family = AF_INET6;
	else
		goto bad;
	max = net->family == AF_INET ? 32 : 128;
	if (slash == NULL)
		bits = max;
	else if (parse_u64(slash + 1, &bits) != 0 || bits > max)
		goto bad;
	net->bits = (unsigned)bits;
	/* host bits beyond the prefix: a typo, say so rather than guess */
	for (unsigned i = net->bits; i < max; i++) {
		if (net->a[i / 8] & (0x80u >> (i % 8))) {
			if (err != NULL)
				buf_printf(err, "network \"%.*s\" has host bits set beyond /%u",
				    (int)n, s, net->bits);
			return -1;
		}
	}
	return 0;
bad:
	if (err != NULL)
		buf_printf(err, "\"%.*s\" is not an IPv4 or IPv6 network (address or address/bits)",
		    (int)n, s);
	return -1;
}

static int
in_net(const struct net *net, int family, const unsigned char a[16])
{
	unsigned full = net->bits / 8, rest = net->bits % 8;

	if (net->family != family || memcmp(net->a, a, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((net->a[full] ^ a[full]) & (0xff00u >> rest) & 0xff) == 0;
}

int
access_networks_check(const char *list, struct buf *err)
{
	const char *e;
	size_t n;
	struct net net;

	while ((n = next_entry(&list, &e)) > 0) {
		if (parse_net(e, n, &net, err) != 0)
			return -1;
	}
	return 0;
}

int
access_network_match(const char *list, const char *addr)
{
	char text[64];
	unsigned char a[16];
	int family;
	const char *e;
	size_t n;
	struct net net;

	/* a scoped address (fe80::1%eth0) is matched without its scope */
	n = strcspn(addr, "%");
	if (n >= sizeof text)
		return 0;
	memcpy(text, addr, n);
	text[n] = '\0';
	if (parse_addr(text, a, &family) != 0)
		return 0;
	while ((n = next_entry(&list, &e)) > 0) {
		if (parse_net(e, n, &net, NULL) == 0 && in_net(&net, family, a))
			return 1;
	}
	return 0;
}

/* A domain name: dot-separated labels of letters, digits and inner hyphens. */
static int
valid_domain(const char *d, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > DOMAIN_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (label == 0 || d[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    (c == '-' && label > 0)))
			return 0;
		if (++label > LABEL_MAX)
			return 0;
	}
	return label > 0 && d[n - 1] != '-';
}

int
access_domains_check(const char *list, struct buf *err)
{
	const char *e;
	size_t n;

	while ((n = next_entry(&list, &e)) > 0) {
		const char *d = e[0] == '.' ? e + 1 : e;

		if (!valid_domain(d, n - (size_t)(d - e))) {
			buf_printf(err, "\"%.*s\" is not a domain (example.lg.jp, or .example.lg.jp "
			    "for the domains below it)", (int)(n > 80 ? 80 : n), e);
			return -1;
		}
	}
	return 0;
}

int
access_domain_match(const char *list, const char *domain)
{
	size_t dn = strlen(domain);
	const char *e;
	size_t n;

	if (dn > 0 && domain[dn - 1] == '.')
		dn--;
	if (!valid_domain(domain, dn))
		return 0;
	while ((n = next_entry(&list, &e)) > 0) {
		if (e[0] == '.') {
			/* ".example.jp": strictly below example.jp */
			if (dn > n - 1 && n > 1 && strncasecmp(domain + dn - n, e, n) == 0)
				return 1;
		} else if (n == dn && strncasecmp(domain, e, n) == 0)
			return 1;
	}
	return 0;
}

enum access_rcpt
access_recipient(const char *list, const char *rcpt)
{
	const char *at = strrchr(rcpt, '@');

	if (rcpt[0] == '@')
		return ACCESS_ROUTED;	/* source route */
	if (at == NULL)
		return ACCESS_NOT_RELAY;
	for (const char *p = rcpt; p < at; p++) {
		if (*p == '@' || *p == '%' || *p == '!')
			return ACCESS_ROUTED;
	}
	return access_domain_match(list, at + 1) ? ACCESS_RELAY : ACCESS_NOT_RELAY;
}
