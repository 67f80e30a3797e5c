/*
 * fuzz_console_proto - the console monitor's reader of requests (and the
 * HTTP process's reader of answers) over any bytes, as they would arrive on
 * the monitor's socket from a compromised HTTP process.  The first byte
 * chooses request or answer (and whether bytes are allowed).  Whatever is
 * accepted must be what the contract says: an op or status in range, at
 * most CONSOLE_FIELDS_MAX fields, each within its ceiling, text fields
 * without NUL, each NUL-terminated; the message written back from those
 * fields reads back the same.  Each text field accepted is also read as a
 * list's page cursor: what is accepted as one is digits, a colon and a
 * receipt id, and nothing longer than its buffers.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "web/console_proto.h"

#include "fuzz.h"

#define FIELD_MAX 4096
#define BYTES_MAX 65536

static void
check_fields(const struct console_msg *m, int bytes)
{
	if (m->n > CONSOLE_FIELDS_MAX)
		abort();
	for (size_t i = 0; i < m->n; i++) {
		const struct buf *b = &m->field[i];
		size_t max = bytes && i == m->n - 1 ? BYTES_MAX : FIELD_MAX;

		if (b->len > max || (b->len > 0 && b->data[b->len] != '\0'))
			abort();
		if ((!bytes || i != m->n - 1) && b->len > 0 && memchr(b->data, '\0', b->len) != NULL)
			abort();
	}
}

/* Feed p[0..n) into one end of a socket pair, read from the other. */
static int
read_from(const uint8_t *p, size_t n, struct console_msg *m, int answer, int bytes)
{
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		abort();
	if (n > 0 && write(sv[0], p, n) != (ssize_t)n)
		abort();
	shutdown(sv[0], SHUT_WR);
	r = answer ? console_read_answer(sv[1], m, bytes, -1) : console_read_request(sv[1], m, -1);
	close(sv[0]);
	close(sv[1]);
	return r;
}

static void
check_cursor(const char *s)
{
	char at[24], id[CONSOLE_CURSOR_ID_MAX];

	if (console_parse_cursor(s, at, sizeof at, id, sizeof id) != 0)
		return;
	if (at[0] == '\0' || id[0] == '\0' || strlen(at) + 1 + strlen(id) != strlen(s) ||
	    strspn(at, "0123456789") != strlen(at) ||
	    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
	    strlen(id))
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct console_msg m, again;
	int answer, bytes;

	/* a socket pair holds this much without a reader */
	if (size < 1 || size > 100000)
		return 0;
	answer = data[0] & 1;
	bytes = (data[0] >> 1) & 1;
	console_msg_init(&m, FIELD_MAX, BYTES_MAX);
	console_msg_init(&again, FIELD_MAX, BYTES_MAX);
	if (read_from(data + 1, size - 1, &m, answer, bytes) == 0) {
		const char *f[CONSOLE_FIELDS_MAX];
		size_t lens[CONSOLE_FIELDS_MAX];
		int sv[2], r;

		if ((answer && m.code > CONSOLE_STATUS_MAX) ||
		    (!answer && (m.code < 1 || m.code > CONSOLE_OP_MAX)))
			abort();
		check_fields(&m, answer && bytes);
		for (size_t i = 0; i < m.n; i++) {
			f[i] = buf_str(&m.field[i]);
			lens[i] = m.field[i].len;
			if (!(answer && bytes && i == m.n - 1))
				check_cursor(f[i]);
		}
		/* written back and read again: the same message */
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
			abort();
		r = answer ? console_write_answer(sv[0], m.code, f, lens, m.n) :
		    console_write_request(sv[0], m.code, f, m.n);
		shutdown(sv[0], SHUT_WR);
		if (r != 0 || (answer ? console_read_answer(sv[1], &again, bytes, -1) :
		    console_read_request(sv[1], &again, -1)) != 0 || again.code != m.code ||
		    again.n != m.n)
			abort();
		for (size_t i = 0; i < m.n; i++) {
			if (again.field[i].len != m.field[i].len ||
			    memcmp(buf_str(&again.field[i]), buf_str(&m.field[i]), m.field[i].len) != 0)
				abort();
		}
		close(sv[0]);
		close(sv[1]);
	}
	console_msg_free(&m);
	console_msg_free(&again);
	return 0;
}
