/*
 * zone_lab - proving a ruleset against its policy in network namespaces.
 *
 * The lab builds the policy's topology on this machine (root only): a router
 * namespace with one bridge per zone (named as the zone's interface, so the
 * ruleset's iifname/oifname rules hold), the zone's router addresses on it,
 * and the ruleset loaded; one namespace per zone holding a probe address,
 * and one per declared host at its address.  Every namespace listens on
 * every port the policy's services name (both ends of a range).  From each
 * zone's probe it then tries every service port of every endpoint of every
 * other zone, all at once with a deadline, and compares what got through
 * with what the policy admits (zone_policy_admits).  The namespaces are
 * removed afterwards (unless keep is set).  With sekishod_conf, the real
 * sekishod runs where the policy puts it (its hosts of role sekishod) and
 * the probes of its port reach it, not a stand-in.  A zone has a probe in
 * the first network of each address family it has, and a probe tries the
 * addresses of its own family; a host sits in whichever network its address
 * is in.
 */
#ifndef SEKISHO_ZONES_ZONE_LAB_H
#define SEKISHO_ZONES_ZONE_LAB_H

#include <stdio.h>

#include "core/buf.h"
#include "zones/zone_policy.h"

#define ZONE_LAB_PROBE_MS 1500		/* how long a probe waits for an answer */
#define ZONE_LAB_PORTS_MAX 512		/* distinct probe ports of a policy */
#define ZONE_LAB_SEKISHOD_MS 15000	/* how long sekishod may take to listen */

struct zone_lab_opts {
	const char *ruleset;	/* the ruleset to load in the router */
	int keep;		/* leave the namespaces for inspection */
	int verbose;		/* print every probe, not only the open and the wrong */
	FILE *evidence;		/* when set: one JSON document of the run */
	/* when set: the real sekishod runs with this configuration on every host
	 * of role sekishod, answering its TCP port sekishod_port itself */
	const char *sekishod_conf;
	unsigned int sekishod_port;
};

/*
 * Run the lab.  Returns 0 when every probe matched the policy, 1 when some
 * did not, -1 when the lab could not be built (reason in err).  The report
 * goes to out.
 */
int zone_lab_run(const struct zone_policy *p, const struct zone_lab_opts *o, FILE *out,
    struct buf *err);

#endif
