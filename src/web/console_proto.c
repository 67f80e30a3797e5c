/*
 * console_proto - framing of the console's requests and answers (see the
 * header for the format and its checks).
 */
#include "web/console_proto.h"

#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include <sodium.h>

#include "core/xalloc.h"
#include "gateway/wire.h"

void
console_msg_init(struct console_msg *m, size_t field_max, size_t bytes_max)
{
	memset(m, 0, sizeof *m);
	m->field_max = field_max;
	m->bytes_max = bytes_max > field_max ? bytes_max : field_max;
	/* the bytes of a download come in whichever field is last: each
	 * buffer may grow that far, read_fields checks which may */
	for (size_t i = 0; i < CONSOLE_FIELDS_MAX; i++)
		buf_init(&m->field[i], m->bytes_max);
}

static void
wipe(struct buf *b)
{
	if (b->data != NULL)
		sodium_memzero(b->data, b->cap);
	b->len = 0;
}

void
console_msg_reset(struct console_msg *m)
{
	for (size_t i = 0; i < CONSOLE_FIELDS_MAX; i++)
		wipe(&m->field[i]);
	m->code = 0;
	m->n = 0;
}

void
console_msg_free(struct console_msg *m)
{
	console_msg_reset(m);
	for (size_t i = 0; i < CONSOLE_FIELDS_MAX; i++)
		buf_free(&m->field[i]);
}

const char *
console_field(const struct console_msg *m, size_t i)
{
	return i < m->n ? buf_str(&m->field[i]) : "";
}

int
console_write_request(int fd, unsigned op, const char *const *fields, size_t n)
{
	return console_write_request_lens(fd, op, fields, NULL, n);
}

int
console_write_request_lens(int fd, unsigned op, const char *const *fields,
    const size_t *lens, size_t n)
{
	unsigned char h[12], l4[CONSOLE_FIELDS_MAX][4];
	struct iovec iov[1 + 2 * CONSOLE_FIELDS_MAX];
	int k = 0;

	if (n > CONSOLE_FIELDS_MAX)
		die("console request with %zu fields", n);
	memcpy(h, "SKWQ", 4);
	wire_put_u32(h + 4, op);
	wire_put_u32(h + 8, (uint32_t)n);
	iov[k++] = (struct iovec){ h, sizeof h };
	for (size_t i = 0; i < n; i++) {
		size_t l = lens != NULL ? lens[i] : fields[i] != NULL ? strlen(fields[i]) : 0;

		if (l > (lens != NULL && i == n - 1 ? (size_t)UINT32_MAX : CONSOLE_FIELD_MAX))
			return -1;
		wire_put_u32(l4[i], (uint32_t)l);
		iov[k++] = (struct iovec){ l4[i], 4 };
		iov[k++] = (struct iovec){ (void *)(uintptr_t)(fields[i] != NULL ? fields[i] : ""), l };
	}
	return wire_writev_all(fd, iov, k);
}

int
console_write_answer(int fd, unsigned status, const char *const *fields, const size_t *lens,
    size_t n)
{
	unsigned char h[12], l8[CONSOLE_FIELDS_MAX][8];
	struct iovec iov[1 + 2 * CONSOLE_FIELDS_MAX];
	int k = 0;

	if (n > CONSOLE_FIELDS_MAX)
		die("console answer with %zu fields", n);
	memcpy(h, "SKWA", 4);
	wire_put_u32(h + 4, status);
	wire_put_u32(h + 8, (uint32_t)n);
	iov[k++] = (struct iovec){ h, sizeof h };
	for (size_t i = 0; i < n; i++) {
		size_t l = lens != NULL ? lens[i] : strlen(fields[i]);

		wire_put_u64(l8[i], l);
		iov[k++] = (struct iovec){ l8[i], 8 };
		iov[k++] = (struct iovec){ (void *)(uintptr_t)fields[i], l };
	}
	return wire_writev_all(fd, iov, k);
}

/* n fields of u32 (request) or u64 (answer) lengths, each within its
 * field's ceiling, text unless it is the last and bytes are allowed. */
static int
read_fields(int fd, struct console_msg *m, size_t n, int wide, int allow_bytes,
    long long deadline_ms)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char l[8];
		uint64_t len;
		struct buf *b = &m->field[i];
		int r;

		if ((r = wire_read_all(fd, l, wide ? 8 : 4, deadline_ms)) != 0)
			return r;
		len = wide ? wire_get_u64(l) : wire_get_u32(l);
		/* only the last field of an answer (or an upload) may use the
		 * large ceiling */
		if (len > (allow_bytes && i == n - 1 ? m->bytes_max : m->field_max))
			return -1;
		buf_reset(b);
		if (len > 0) {
			if (buf_reserve(b, (size_t)len) != 0)
				return -1;
			if ((r = wire_read_all(fd, b->data, (size_t)len, deadline_ms)) != 0)
				return r;
			b->len = (size_t)len;
			b->data[len] = '\0';
		}
		if ((!allow_bytes || i != n - 1) && memchr(buf_str(b), '\0', b->len) != NULL)
			return -1;
	}
	m->n = n;
	return 0;
}

static int
read_message(int fd, struct console_msg *m, const char *magic, unsigned code_max,
    int wide, int allow_bytes, long long deadline_ms)
{
	unsigned char h[12];
	uint32_t code, n;
	int r;

	console_msg_reset(m);
	if ((r = wire_read_all(fd, h, sizeof h, deadline_ms)) != 0)
		return r;
	code = wire_get_u32(h + 4);
	n = wire_get_u32(h + 8);
	if (memcmp(h, magic, 4) != 0 || code > code_max || n > CONSOLE_FIELDS_MAX)
		return -1;
	m->code = code;
	if (allow_bytes < 0)	/* a request: an upload's bytes */
		allow_bytes = code == CONSOLE_OP_UPLOAD;
	return read_fields(fd, m, n, wide, allow_bytes, deadline_ms);
}

int
console_read_request(int fd, struct console_msg *m, long long deadline_ms)
{
	int r = read_message(fd, m, "SKWQ", CONSOLE_OP_MAX, 0, -1, deadline_ms);

	return r == 0 && m->code == 0 ? -1 : r;
}

int
console_read_answer(int fd, struct console_msg *m, int allow_bytes, long long deadline_ms)
{
	return read_message(fd, m, "SKWA", CONSOLE_STATUS_MAX, 1, allow_bytes, deadline_ms);
}

/*
 * A page cursor "RECEIVED_AT:RECEIPT_ID", as the browser sent it back:
 * decimal digits, a colon, a receipt id.  Split into at[] and id[]; 0, or
 * -1 when it is anything else.
 */
int
console_parse_cursor(const char *s, char *at, size_t atsz, char *id, size_t idsz)
{
	const char *colon = strchr(s, ':');
	size_t na, ni;

	if (colon == NULL)
		return -1;
	na = (size_t)(colon - s);
	ni = strlen(colon + 1);
	if (na == 0 || na > 18 || na >= atsz || ni == 0 || ni >= idsz || ni >= CONSOLE_CURSOR_ID_MAX)
		return -1;
	for (size_t i = 0; i < na; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	for (size_t i = 0; i < ni; i++) {
		unsigned char ch = (unsigned char)colon[1 + i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return -1;
	}
	memcpy(at, s, na);
	at[na] = '\0';
	memcpy(id, colon + 1, ni + 1);
	return 0;
}
