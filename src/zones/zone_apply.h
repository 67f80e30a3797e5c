/*
 * zone_apply - loading a ruleset into the kernel with libnftables, in the
 * network namespace of the calling process.
 *
 * A ruleset is loaded as one transaction: the kernel takes all of it or
 * none of it, so a ruleset the kernel refuses leaves the previous one in
 * force.  Before loading, zone_apply_load keeps a copy of the table it is
 * about to replace (so an operator can put it back with nft -f).
 */
#ifndef SEKISHO_ZONES_ZONE_APPLY_H
#define SEKISHO_ZONES_ZONE_APPLY_H

#include "core/buf.h"

/* Check ruleset (nft -c): 0, or -1 with nft's words in err. */
int zone_apply_check(const char *ruleset, struct buf *err);
/* The current table inet sekisho_zones as nft prints it into out; 0 (out
 * empty when there is none), or -1 with the reason in err. */
int zone_apply_list(struct buf *out, struct buf *err);
/* Save the current table to previous (when previous is not NULL and a table
 * exists), then load ruleset: 0, or -1 with the reason in err. */
int zone_apply_load(const char *ruleset, const char *previous, struct buf *err);
/* The table's named counters as "NAME PACKETS BYTES" lines into out. */
int zone_apply_counters(struct buf *out, struct buf *err);

#endif
