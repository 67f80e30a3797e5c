/*
 * clamd - ask a running clamd whether bytes carry a known signature.
 *
 * Runs in the parent (it opens a socket; it does not parse the item): the
 * bytes are streamed with INSTREAM over clamd's unix socket in bounded
 * chunks and clamd's one-line answer is read back (at most CLAMD_ANSWER_MAX
 * bytes) and parsed strictly.  Only "stream: OK" is clean; a signature
 * ("... FOUND") is a hit; anything else - a size-limit answer, an error, a
 * timeout, no clamd - is an error, which callers treat as withheld, never as
 * clean.
 */
#ifndef SEKISHO_SCAN_CLAMD_H
#define SEKISHO_SCAN_CLAMD_H

#include <stddef.h>

#define CLAMD_ANSWER_MAX 1024

enum clamd_verdict { CLAMD_CLEAN = 0, CLAMD_FOUND = 1, CLAMD_ERROR = -1 };

/*
 * what gets the signature name (FOUND) or the reason (ERROR).
 * timeout_s bounds the whole exchange.
 */
int clamd_scan(const char *socket_path, const void *p, size_t len,
    unsigned timeout_s, char *what, size_t whatlen);
/* PING/PONG: 0 when clamd answers. */
int clamd_ping(const char *socket_path, unsigned timeout_s, char *err, size_t errlen);

#endif
