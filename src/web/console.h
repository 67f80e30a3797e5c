/*
 * console - sk-web, the console's HTTP process: HTTPS by libmicrohttpd
 * (GnuTLS), requests read with web/form.h, pages from web/pages.h, and
 * every decision asked of the console monitor in the store owner
 * (web/console_proto.h, web/monitor.h).  It runs as console_user, holds no
 * key and opens no database; confine() (the caller's: seccomp and Landlock)
 * runs before the first request is read.
 *
 * Every response carries a Content-Security-Policy without scripts or
 * other origins, no-store caching, nosniff and frame-ancestors 'none'.  The
 * session cookie is __Host-sk_session (Secure, HttpOnly, SameSite=Strict);
 * every POST is refused unless it carries the session's CSRF token (the
 * login form: unless its Origin, when sent, is this console), and a body
 * larger than CONSOLE_FORM_MAX is refused before it is read whole.
 */
#ifndef SEKISHO_WEB_CONSOLE_H
#define SEKISHO_WEB_CONSOLE_H

#include "policy/config.h"

#define CONSOLE_FORM_MAX ((size_t)16 * 1024)	/* a POST body */
#define CONSOLE_UPLOAD_OVERHEAD ((size_t)64 * 1024)	/* an upload's form beside its file */
#define CONSOLE_UPLOADS_MAX 4			/* uploads read at once (each up to
						 * transfer_upload_limit in memory) */
#define CONSOLE_THREADS 4			/* libmicrohttpd's thread pool */
#define CONSOLE_CONNS_MAX 512			/* connections at once */
#define CONSOLE_CONNS_PER_CLIENT 64		/* ... from one address */
#define CONSOLE_CONN_TIMEOUT_S 30		/* an idle or slow connection is closed */
#define CONSOLE_CONN_MEMORY ((size_t)64 * 1024)	/* headers and buffers of one connection */
#define CONSOLE_PEM_MAX ((size_t)256 * 1024)	/* certificate chain or key file */

/* Serve the console on the listening socket lfd until SIGTERM; cert_pem,
 * key_pem: the TLS files' contents (read before the privileges went).
 * Returns the exit status. */
int console_serve(const struct config *cfg, int lfd, const char *cert_pem, const char *key_pem,
    void (*confine)(void));

#endif
