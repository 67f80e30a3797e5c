/*
 * num - checked number parsing (never atoi): whole string, no sign, no
 * overflow.  parse_size accepts an optional k/m/g suffix (powers of 1024).
 */
#ifndef SEKISHO_CORE_NUM_H
#define SEKISHO_CORE_NUM_H

#include <stddef.h>
#include <stdint.h>

int parse_u64(const char *s, uint64_t *out);
int parse_size(const char *s, uint64_t *out);

#endif
