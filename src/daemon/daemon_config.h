/*
 * daemon_config - every check sekishod makes of its configuration before it
 * uses a value, in one place: `sekisho config check` runs the same ones, so
 * a configuration it accepts is one the daemon accepts (at start-up and on
 * reload).  The table in policy/config.c checks types and ranges; this
 * checks meaning: addresses, the delivery target, the milter socket, users
 * that exist and are not root, a PostgreSQL connection string without a
 * password.
 */
#ifndef SEKISHO_DAEMON_DAEMON_CONFIG_H
#define SEKISHO_DAEMON_DAEMON_CONFIG_H

#include "core/buf.h"
#include "policy/config.h"

/* 0, or -1 with every problem found, one per line, in err. */
int daemon_config_check(const struct config *cfg, struct buf *err);

#endif
