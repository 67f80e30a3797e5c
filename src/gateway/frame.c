/*
 * frame - parent/worker framing.  See frame.h.
 */
#include "gateway/frame.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

int
frame_write_policy(int fd, const struct policy *pol)
{
	unsigned char h[8];
	struct iovec iov[2] = {
		{ .iov_base = h, .iov_len = 8 },
		{ .iov_base = (void *)(uintptr_t)pol, .iov_len = sizeof *pol },
	};

	memcpy(h, "SKPO", 4);
	wire_put_u32(h + 4, (uint32_t)sizeof *pol);
	return wire_writev_all(fd, iov, 2);
}

static int
terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

int
frame_read_policy(int fd, struct policy *pol)
{
	unsigned char h[8];

	if (wire_read_all(fd, h, 8, -1) != 0 || memcmp(h, "SKPO", 4) != 0 ||
	    wire_get_u32(h + 4) != sizeof *pol || wire_read_all(fd, pol, sizeof *pol, -1) != 0)
		return -1;
	if (!terminated(pol->digest, sizeof pol->digest) ||
	    !terminated(pol->yara_rules, sizeof pol->yara_rules) ||
	    pol->n_keep_headers > POLICY_HEADER_LIST_MAX)
		return -1;
	for (size_t i = 0; i < pol->n_keep_headers; i++) {
		if (!terminated(pol->keep_headers[i], sizeof pol->keep_headers[i]))
			return -1;
	}
	if ((unsigned)pol->out_charset > OUT_ISO2022JP || (unsigned)pol->lang > LANG_EN ||
	    (unsigned)pol->on_ambiguous > AMBIG_REBUILD ||
	    (unsigned)pol->attachments > ATTACH_REMOVE || (unsigned)pol->pdf_mode > PDF_REBUILD ||
	    (unsigned)pol->text_charset > TEXT_CP932 ||
	    (unsigned)pol->legacy_office > LEGACY_WITHHOLD)
		return -1;
	return 0;
}

/* The envelope block: five fields, each a u8 length and its bytes. */
#define FRAME_ENV_MAX (5 * 256)

static size_t
put_envelope(unsigned char *p, const struct receipt_envelope *env)
{
	const char *f[5] = { env->protocol, env->client, env->helo, env->tls, env->queue_id };
	const size_t cap[5] = { sizeof env->protocol, sizeof env->client, sizeof env->helo,
		sizeof env->tls, sizeof env->queue_id };
	size_t n = 0;

	for (int i = 0; i < 5; i++) {
		size_t l = strnlen(f[i], cap[i] - 1);

		p[n++] = (unsigned char)l;
		memcpy(p + n, f[i], l);
		n += l;
	}
	return n;
}

int
frame_write_request(int fd, const char *id, long long time, int kind, const char *name,
    const struct receipt_envelope *env, const void *item, size_t len)
{
	unsigned char h[4 + 4 + FRAME_ID_MAX + 8 + 4 + 4], t[4 + FRAME_ENV_MAX + 8];
	size_t idlen = strnlen(id, FRAME_ID_MAX - 1), n = 0, tn = 4;
	size_t namelen = name != NULL ? strnlen(name, FRAME_NAME_MAX - 1) : 0;

	memcpy(h, "SKRQ", 4);
	wire_put_u32(h + 4, (uint32_t)idlen);
	memcpy(h + 8, id, idlen);
	n = 8 + idlen;
	wire_put_u64(h + n, (uint64_t)time);
	wire_put_u32(h + n + 8, (uint32_t)kind);
	wire_put_u32(h + n + 12, (uint32_t)namelen);
	n += 16;
	if (env != NULL)
		tn += put_envelope(t + 4, env);
	wire_put_u32(t, (uint32_t)(tn - 4));
	wire_put_u64(t + tn, (uint64_t)len);
	tn += 8;
	{
		struct iovec iov[4] = {
			{ .iov_base = h, .iov_len = n },
			{ .iov_base = (void *)(uintptr_t)(name != NULL ? name : ""), .iov_len = namelen },
			{ .iov_base = t, .iov_len = tn },
			{ .iov_base = (void *)(uintptr_t)item, .iov_len = len },
		};

		return wire_writev_all(fd, iov, 4);
	}
}

/* The envelope block of a request: consumed exactly, fields within their sizes. */
static int
read_envelope(int fd, struct receipt_envelope *env)
{
	unsigned char h[4], b[FRAME_ENV_MAX];
	char *f[5] = { env->protocol, env->client, env->helo, env->tls, env->queue_id };
	const size_t cap[5] = { sizeof env->protocol, sizeof env->client, sizeof env->helo,
		sizeof env->tls, sizeof env->queue_id };
	uint32_t len;
	size_t at = 0;

	memset(env, 0, sizeof *env);
	if (wire_read_all(fd, h, 4, -1) != 0)
		return -1;
	if ((len = wire_get_u32(h)) == 0)
		return 0;
	if (len > sizeof b || wire_read_all(fd, b, len, -1) != 0)
		return -1;
	for (int i = 0; i < 5; i++) {
		size_t l;

		if (at >= len || (l = b[at++]) >= cap[i] || l > len - at)
			return -1;
		for (size_t k = 0; k < l; k++) {
			if (b[at + k] < 0x20 || b[at + k] > 0x7e)
				return -1;
		}
		memcpy(f[i], b + at, l);
		at += l;
	}
	return at == len ? 0 : -1;
}

int
frame_read_request(int fd, char id[FRAME_ID_MAX], long long *time, int *kind,
    char name[FRAME_NAME_MAX], struct receipt_envelope *env, struct buf *item)
{
	unsigned char h[8];
	uint32_t idlen, namelen;

	if (wire_read_all(fd, h, 8, -1) != 0 || memcmp(h, "SKRQ", 4) != 0)
		return -1;
	idlen = wire_get_u32(h + 4);
	if (idlen >= FRAME_ID_MAX)
		return -1;
	memset(id, 0, FRAME_ID_MAX);
	if (wire_read_all(fd, id, idlen, -1) != 0 || wire_read_all(fd, h, 8, -1) != 0)
		return -1;
	*time = (long long)wire_get_u64(h);
	if (wire_read_all(fd, h, 8, -1) != 0)
		return -1;
	*kind = (int)wire_get_u32(h);
	namelen = wire_get_u32(h + 4);
	if (*kind < FRAME_MAIL || *kind > FRAME_UNLOCK || namelen >= FRAME_NAME_MAX)
		return -1;
	memset(name, 0, FRAME_NAME_MAX);
	if (wire_read_all(fd, name, namelen, -1) != 0 || memchr(name, '\0', namelen) != NULL)
		return -1;
	if (read_envelope(fd, env) != 0)
		return -1;
	return wire_read_blob(fd, item, -1);
}

int
frame_write_response(int fd, int status, const struct buf *out, const struct buf *receipt)
{
	unsigned char h[16], rl[8];
	struct iovec iov[4];

	memcpy(h, "SKRS", 4);
	wire_put_u32(h + 4, (uint32_t)status);
	wire_put_u64(h + 8, out->len);
	wire_put_u64(rl, receipt->len);
	iov[0] = (struct iovec){ .iov_base = h, .iov_len = 16 };
	iov[1] = (struct iovec){ .iov_base = (void *)(uintptr_t)buf_str(out), .iov_len = out->len };
	iov[2] = (struct iovec){ .iov_base = rl, .iov_len = 8 };
	iov[3] = (struct iovec){ .iov_base = (void *)(uintptr_t)buf_str(receipt),
	    .iov_len = receipt->len };
	return wire_writev_all(fd, iov, 4);
}

#define FRAME_EXT_MAX 16

int
frame_request_convert(int fd, const char *ext, const void *in, size_t len, struct buf *answer)
{
	return frame_request_convert_by(fd, ext, in, len, answer, -1);
}

int
frame_request_convert_by(int fd, const char *ext, const void *in, size_t len,
    struct buf *answer, long long deadline_ms)
{
	unsigned char h[8 + FRAME_EXT_MAX + 8];
	size_t extlen = strnlen(ext, FRAME_EXT_MAX);
	uint32_t st;

	memcpy(h, "SKCV", 4);
	wire_put_u32(h + 4, (uint32_t)extlen);
	memcpy(h + 8, ext, extlen);
	wire_put_u64(h + 8 + extlen, (uint64_t)len);
	{
		struct iovec iov[2] = {
			{ .iov_base = h, .iov_len = 16 + extlen },
			{ .iov_base = (void *)(uintptr_t)in, .iov_len = len },
		};

		if (wire_writev_all(fd, iov, 2) != 0)
			return -1;
	}
	if (wire_read_all(fd, h, 8, deadline_ms) != 0 || memcmp(h, "SKCR", 4) != 0)
		return -1;
	st = wire_get_u32(h + 4);
	if (st > 1 || wire_read_blob(fd, answer, deadline_ms) != 0)
		return -1;
	return (int)st;
}

/* The rest of a conversion request whose header h was read; answered on fd. */
static int
serve_convert(int fd, const unsigned char h[8], const struct frame_converter *conv,
    long long deadline_ms)
{
	char ext[FRAME_EXT_MAX + 1], err[512];
	uint32_t extlen = wire_get_u32(h + 4);
	struct buf in, pdf;
	unsigned char a[16];
	int r, ok;

	if (conv == NULL || extlen > FRAME_EXT_MAX)
		return -1;
	memset(ext, 0, sizeof ext);
	if ((r = wire_read_all(fd, ext, extlen, deadline_ms)) != 0)
		return r;
	buf_init(&in, conv->in_max);
	buf_init(&pdf, conv->pdf_max);
	if ((r = wire_read_blob(fd, &in, deadline_ms)) != 0) {
		buf_free(&in);
		buf_free(&pdf);
		return r;
	}
	err[0] = '\0';
	ok = conv->convert(conv->arg, ext, &in, &pdf, deadline_ms, err, sizeof err) == 0;
	memcpy(a, "SKCR", 4);
	wire_put_u32(a + 4, ok ? 0 : 1);
	if (!ok) {
		buf_reset(&pdf);
		buf_puts(&pdf, err[0] ? err : "conversion failed");
	}
	wire_put_u64(a + 8, pdf.len);
	{
		struct iovec iov[2] = {
			{ .iov_base = a, .iov_len = 16 },
			{ .iov_base = (void *)(uintptr_t)buf_str(&pdf), .iov_len = pdf.len },
		};

		r = wire_writev_all(fd, iov, 2);
	}
	buf_free(&in);
	buf_free(&pdf);
	return r;
}

int
frame_serve_convert(int fd, const struct frame_converter *conv, long long deadline_ms)
{
	unsigned char h[8];
	int r;

	if ((r = wire_read_all(fd, h, 8, deadline_ms)) != 0)
		return r;
	if (memcmp(h, "SKCV", 4) != 0)
		return -1;
	return serve_convert(fd, h, conv, deadline_ms);
}

int
frame_read_response(int fd, int *status, struct buf *out, struct buf *receipt,
    long long deadline_ms, const struct frame_converter *conv)
{
	unsigned char h[8];
	int r;

	for (;;) {
		if ((r = wire_read_all(fd, h, 8, deadline_ms)) != 0)
			return r;
		if (memcmp(h, "SKCV", 4) != 0)
			break;
		if ((r = serve_convert(fd, h, conv, deadline_ms)) != 0)
			return r;
	}
	if (memcmp(h, "SKRS", 4) != 0)
		return -1;
	*status = (int)wire_get_u32(h + 4);
	/* 0 or 10 for an item sanitised; 0 or 11 for one inspected (the
	 * caller, knowing which it asked for, checks the pair) */
	switch (*status & ~FRAME_STATUS_RETIRE) {
	case 0: case 10: case 11: break;
	default: return -1;
	}
	if ((r = wire_read_blob(fd, out, deadline_ms)) != 0)
		return r;
	if ((r = wire_read_blob(fd, receipt, deadline_ms)) != 0)
		return r;
	/* A withheld item carries no output; a receipt is a JSON object. */
	if (((*status & ~FRAME_STATUS_RETIRE) == 10 && out->len != 0) || receipt->len < 2 || receipt->data[0] != '{')
		return -1;
	return 0;
}
