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

SSL_CTX *
tls_server_ctx(const char *cert_file, const char *key_file, struct buf *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

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
		ssl_reason(err, "smtp_tls_cert_file", cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		ssl_reason(err, "smtp_tls_key_file", key_file);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_reason(err, "smtp_tls_key_file does not match the certificate:", key_file);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int
tls_check_files(const char *cert_file, const char *key_file, struct buf *err)
{
	SSL_CTX *ctx;

	if (cert_file[0] == '\0' && key_file[0] == '\0')
		return 0;
	if (cert_file[0] == '\0' || key_file[0] == '\0') {
		buf_puts(err, "smtp_tls_cert_file and smtp_tls_key_file go together: set both or neither");
		return -1;
	}
	if ((ctx = tls_server_ctx(cert_file, key_file, err)) == NULL)
		return -1;
	SSL_CTX_free(ctx);
	return 0;
}
