/*
 * lineio - buffered line reading and writing on a socket with time limits,
 * for the SMTP server and client.  Lines end in LF (a preceding CR is
 * removed); a line longer than the reader's limit is reported as such, and
 * the rest of it is skipped, never buffered without bound.
 */
#ifndef SEKISHO_GATEWAY_LINEIO_H
#define SEKISHO_GATEWAY_LINEIO_H

#include <stddef.h>

#define LINEIO_BUF 65536

struct lineio {
	int fd;
	int timeout_ms;
	char in[LINEIO_BUF];
	size_t start, end;
	int eof;
};

enum { LINE_OK = 0, LINE_EOF = -1, LINE_TIMEOUT = -2, LINE_TOO_LONG = -3, LINE_ERROR = -4 };

void lineio_init(struct lineio *io, int fd, int timeout_ms);
/* Read one line into line (NUL-terminated, without CR LF); *len its length. */
int lineio_read(struct lineio *io, char *line, size_t max, size_t *len);
int lineio_write(struct lineio *io, const char *s, size_t n);
int lineio_printf(struct lineio *io, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
