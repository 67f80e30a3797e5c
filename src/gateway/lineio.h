/*
 * lineio - buffered line reading and writing on a socket with time limits,
 * for the SMTP server and client, in the clear or over TLS.
 *
 * Two readers.  lineio_read() (the client reading a next hop's replies)
 * ends a line at LF and drops a CR before it.  lineio_read_crlf() (the
 * server reading commands and DATA) ends a line only at CR LF, as RFC 5321
 * 2.3.8 requires: a bare CR, a bare LF or a NUL stays inside the line and is
 * reported in its flags, so no other reading of the bytes can end a line, a
 * command or the DATA section where sekisho did not (SMTP smuggling).  A
 * line longer than the reader's limit is reported as such and the rest of
 * it skipped, never buffered without bound.
 *
 * Time.  Every wait is bounded three ways: read_timeout_ms for one read
 * (the idle limit), write_timeout_ms for one whole lineio_write() (a peer
 * that does not read its replies), and deadline_ms, an absolute
 * clock_mono_ms() time after which nothing more is waited for (the whole
 * session).  The socket is only ever used with MSG_DONTWAIT or non-blocking,
 * so no system call can block past these.
 */
#ifndef SEKISHO_GATEWAY_LINEIO_H
#define SEKISHO_GATEWAY_LINEIO_H

#include <stddef.h>

#include <openssl/ssl.h>

#define LINEIO_BUF 65536

struct lineio {
	int fd;
	SSL *ssl;		/* NULL: in the clear */
	int read_timeout_ms;
	int write_timeout_ms;
	long long deadline_ms;	/* clock_mono_ms(); 0: none */
	char in[LINEIO_BUF];
	size_t start, end;
	int eof;
};

enum {
	LINE_OK = 0, LINE_EOF = -1, LINE_TIMEOUT = -2, LINE_TOO_LONG = -3, LINE_ERROR = -4,
	LINE_DEADLINE = -5,	/* deadline_ms passed */
};

/* What lineio_read_crlf() found inside a line (a bitmask). */
#define LINE_BARE_LF 1u
#define LINE_BARE_CR 2u
#define LINE_NUL 4u

/* Read and write timeouts both timeout_ms, no deadline. */
void lineio_init(struct lineio *io, int fd, int timeout_ms);
/* Read one line into line (NUL-terminated, without CR LF); *len its length. */
int lineio_read(struct lineio *io, char *line, size_t max, size_t *len);
/* The same, ending lines only at CR LF; *flags gets LINE_BARE_LF etc. */
int lineio_read_crlf(struct lineio *io, char *line, size_t max, size_t *len,
    unsigned *flags);
/* Bytes received and not read yet (a client pipelining past STARTTLS). */
size_t lineio_pending(const struct lineio *io);
/* Write all of s: 0, or LINE_TIMEOUT, LINE_DEADLINE, LINE_ERROR. */
int lineio_write(struct lineio *io, const char *s, size_t n);
int lineio_printf(struct lineio *io, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Server side of STARTTLS, after the 220 reply: whatever the client sent
 * in the clear after its command is thrown away (CVE-2011-0411: it must
 * not be read as if it came over TLS), then the handshake runs within the
 * read timeout and the deadline.  0 on success; -1 with io unusable.
 */
int lineio_starttls(struct lineio *io, SSL_CTX *ctx);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384", or "" in the clear. */
void lineio_tls_info(const struct lineio *io, char *s, size_t n);
/* Close TLS (best effort, no wait) and free it; the fd stays open. */
void lineio_tls_free(struct lineio *io);

#endif
