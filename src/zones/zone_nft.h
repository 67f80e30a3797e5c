/*
 * zone_nft - the zone policy compiled to an nftables ruleset.
 *
 * The ruleset is one table, inet sekisho_zones, with a forward chain whose
 * policy is drop: established traffic, then anti-spoofing for zones bound to
 * an interface, then one accept rule per flow that is not deny (in the
 * policy's order), then a logged drop per explicit deny flow, and a counted,
 * logged (rate-limited) drop for every ordered pair of zones, so every denied
 * crossing is counted under its pair (counter deny_FROM_TO) and logged with
 * the prefix "sekisho-zones deny FROM->TO: ".  The text depends only on the
 * policy: the same policy gives the same bytes.  It begins by deleting the
 * table it defines, so loading it with nft -f replaces the previous ruleset
 * in one transaction, or changes nothing.
 *
 * The policy must have passed zone_policy_check with no problem.
 */
#ifndef SEKISHO_ZONES_ZONE_NFT_H
#define SEKISHO_ZONES_ZONE_NFT_H

#include "core/buf.h"
#include "zones/zone_policy.h"

#define ZONE_NFT_TABLE "sekisho_zones"
#define ZONE_NFT_MAX_BYTES (4 * 1024 * 1024)	/* ceiling of a generated ruleset */
#define ZONE_NFT_LOG_RATE "10/second burst 20 packets"

/* Append the ruleset to out: 0, or -1 when it would pass out's ceiling. */
int zone_nft_write(const struct zone_policy *p, struct buf *out);

#endif
