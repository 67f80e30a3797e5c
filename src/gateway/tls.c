/*
 * tls - the listener's TLS context.  See tls.h.
 */
#include "gateway/tls.h"

#include <stdio.h>

#include <openssl/err.h>

/* The most recent OpenSSL error as text (or a fallback). */
static void
ssl_reason(struct buf *err, const char *what, const char *file)
{
	char e[256];
	unsigned long code = ERR_peek_last_error();

	if (code != 0)
		ERR_error_string_n(code, e, sizeof e);
	else
		snprintf(e, sizeof e, "unknown error");
	buf_printf(err, "%s %s: %s", what, file, e);
	ERR_clear_error();
}

/* The context, its files' errors named by the settings PREFIX_tls_cert_file
 * and PREFIX_tls_key_file. */
static SSL_CTX *
server_ctx(const char *prefix, const char *cert_file, const char *key_file, struct buf *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char cert_name[64], key_name[64], mismatch[96];

	snprintf(cert_name, sizeof cert_name, "%s_tls_cert_file", prefix);
	snprintf(key_name, sizeof key_name, "%s_tls_key_file", prefix);
	snprintf(mismatch, sizeof mismatch, "%s_tls_key_file does not match the certificate:",
	    prefix);

	if (ctx == NULL) {
		buf_puts(err, "cannot create a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		ssl_reason(err, cert_name, cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		ssl_reason(err, key_name, key_file);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_reason(err, mismatch, key_file);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *
tls_server_ctx(const char *cert_file, const char *key_file, struct buf *err)
{
	return server_ctx("smtp", cert_file, key_file, err);
}

int
tls_check_files(const char *prefix, const char *cert_file, const char *key_file,
    struct buf *err)
{
	SSL_CTX *ctx;

	if (cert_file[0] == '\0' && key_file[0] == '\0')
		return 0;
	if (cert_file[0] == '\0' || key_file[0] == '\0') {
		buf_printf(err, "%s_tls_cert_file and %s_tls_key_file go together: set both or "
		    "neither", prefix, prefix);
		return -1;
	}
	if ((ctx = server_ctx(prefix, cert_file, key_file, err)) == NULL)
		return -1;
	SSL_CTX_free(ctx);
	return 0;
}
