/*
 * config - the typed configuration table and its file format.
 *
 * Format (Postfix main.cf style): one "name = value" per line, '#' starts a
 * comment, blank lines ignored.  Every setting has a type, a default, and for
 * numbers a minimum and maximum; an unknown name, a malformed value or one out
 * of range is a configuration error that names the line (exit status 2).
 * config_print() writes the effective configuration in the same format; its
 * sha256 is the policy digest recorded in every receipt.
 */
#ifndef SEKISHO_POLICY_CONFIG_H
#define SEKISHO_POLICY_CONFIG_H

#include <stdio.h>

#include "core/buf.h"
#include "policy/policy.h"

void config_defaults(struct policy *p);
/* Parse text (the bytes of a config file); on error fill err and return -1. */
int config_parse(struct policy *p, const char *text, size_t len,
    const char *origin, struct buf *err);
int config_load_file(struct policy *p, const char *path, struct buf *err);
/* Canonical "name = value" listing; with_docs adds a comment per setting. */
void config_print(const struct policy *p, struct buf *out, int with_docs);
/* Recompute p->digest from config_print(p, ..., 0). */
void config_finish(struct policy *p);

#endif
