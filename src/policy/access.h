/*
 * access - who may hand sekisho mail, and for which domains (Postfix's
 * mynetworks and relay_domains).
 *
 * Both lists are kept as the operator wrote them (settings `mynetworks` and
 * `relay_domains`, one string each) and read here, by one parser that the
 * configuration check and the SMTP session share.  Entries are separated by
 * commas or white space.
 *
 * Networks: an IPv4 or IPv6 address with an optional prefix length,
 * "192.0.2.0/24", "10.1.2.3", "2001:db8::/32", "[::1]/128".  An entry with
 * host bits set beyond its prefix ("127.0.0.1/8") is an error, not a guess.
 * A client seen as an IPv4-mapped IPv6 address (::ffff:192.0.2.1, a dual-
 * stack listener) is matched as the IPv4 address it is.
 *
 * Domains: "town.example.lg.jp" matches that domain only;
 * ".town.example.lg.jp" matches every domain below it (not itself), so an
 * operator says both when both are meant.  Matching ignores ASCII case and
 * one trailing dot of the recipient's domain.  A recipient with
 * sender-specified routing (a source route "@a:u@b", or '@', '%' or '!' in
 * its local part) is refused whatever its domain: the hop after sekisho
 * could read it as an address elsewhere (Postfix: allow_untrusted_routing =
 * no).  An address literal (u@[192.0.2.1]) is never in a relay domain.
 */
#ifndef SEKISHO_POLICY_ACCESS_H
#define SEKISHO_POLICY_ACCESS_H

#include "core/buf.h"

#define ACCESS_ENTRY_MAX 256	/* longest entry of either list */

enum access_rcpt {
	ACCESS_RELAY = 0,	/* in a relay domain */
	ACCESS_NOT_RELAY = 1,	/* no domain, or not one sekisho relays for */
	ACCESS_ROUTED = 2,	/* sender-specified routing */
};

/* Check a list's syntax: 0, or -1 with the first bad entry named in err. */
int access_networks_check(const char *list, struct buf *err);
int access_domains_check(const char *list, struct buf *err);
/* 1 if addr (numeric IPv4 or IPv6 text) is in one of list's networks. */
int access_network_match(const char *list, const char *addr);
/* 1 if domain is listed (see above). */
int access_domain_match(const char *list, const char *domain);
/* May mail for rcpt (an address without <>) be relayed? */
enum access_rcpt access_recipient(const char *list, const char *rcpt);

#endif
