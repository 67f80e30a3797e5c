/*
 * tls - the listener's TLS context for STARTTLS.
 *
 * Made once by the acceptor from the configured certificate chain and key
 * (PEM files) and inherited by every session it forks, so a session opens
 * no file for TLS.  TLS 1.2 or later, no compression, no renegotiation, no
 * session cache (each session is its own process).  A key that does not
 * match the certificate, or a file that cannot be read, is an error that
 * names the file: sekishod does not start (or keeps its old configuration
 * on a reload) rather than offer STARTTLS it cannot complete.
 */
#ifndef SEKISHO_GATEWAY_TLS_H
#define SEKISHO_GATEWAY_TLS_H

#include <openssl/ssl.h>

#include "core/buf.h"

/* NULL with the reason in err. */
SSL_CTX *tls_server_ctx(const char *cert_file, const char *key_file, struct buf *err);
/* For checking a configuration: both files empty (no TLS), or both load
 * and match.  0, or -1 with the reason in err. */
/* prefix: the settings' ("smtp", "console"): errors name them. */
int tls_check_files(const char *prefix, const char *cert_file, const char *key_file,
    struct buf *err);

#endif
