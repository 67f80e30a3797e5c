/*
 * digest - SHA-256 hex digests.  OpenSSL's EVP implementation is used because
 * it uses the CPU's SHA extensions (several times faster than portable code,
 * and every byte of every item is hashed).  digest_init() must run once before
 * the sandbox is entered: OpenSSL loads its configuration on first use.
 */
#include "core/digest.h"

#include <openssl/evp.h>

#include "core/xalloc.h"

static const char hexdigits[] = "0123456789abcdef";

void
digest_init(void)
{
	char hex[SHA256_HEX_LEN + 1];

	sha256_hex("", 0, hex);
}

void
sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1])
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0;

	if (EVP_Digest(data, len, h, &hlen, EVP_sha256(), NULL) != 1 ||
	    hlen != 32)
		die("sha256 failed");
	for (unsigned int i = 0; i < 32; i++) {
		hex[2 * i] = hexdigits[h[i] >> 4];
		hex[2 * i + 1] = hexdigits[h[i] & 15];
	}
	hex[SHA256_HEX_LEN] = '\0';
}
