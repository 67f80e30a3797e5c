/*
 * yarascan - match files against the operator's YARA rules (libyara).
 *
 * yarascan_init() compiles every .yar and .yara file of the rules folder
 * before the sandbox is entered (it reads files); matching happens in the
 * worker on the bytes before and after sanitising, with no file or network
 * access (rules using modules that need them are refused at load).  A
 * folder that does not compile is a configuration error, never "no rules".
 */
#ifndef SEKISHO_CDR_YARASCAN_H
#define SEKISHO_CDR_YARASCAN_H

#include <stddef.h>

/* rules_dir "" = no rules.  0, or -1 with err set. */
int yarascan_init(const char *rules_dir, char *err, size_t errlen);
/* Number of rules loaded (0 when none). */
size_t yarascan_rules(void);
/* 1 and the first matching rule's name in what; 0 no match; -1 error (what says). */
int yarascan_match(const void *p, size_t len, unsigned timeout_s, char *what,
    size_t whatlen);
void yarascan_free(void);

#endif
