/*
 * digest - SHA-256 (OpenSSL EVP) as lower-case hex, the one content digest
 * used in receipts, the quarantine store and the audit journal.
 */
#ifndef SEKISHO_CORE_DIGEST_H
#define SEKISHO_CORE_DIGEST_H

#include <stddef.h>

#define SHA256_HEX_LEN 64

void digest_init(void);
/* hex must hold SHA256_HEX_LEN + 1 bytes. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);

#endif
