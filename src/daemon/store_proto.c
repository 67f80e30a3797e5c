/*
 * store_proto - store owner requests and answers.  See store_proto.h.
 */
#include "daemon/store_proto.h"

#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "gateway/spool.h"
#include "gateway/wire.h"
#include "receipt/receipt_read.h"

#define RECIPIENTS_MAX ((size_t)SPOOL_RCPT_MAX * (SPOOL_ADDR_MAX + 1))

void
store_request_init(struct store_request *rq, size_t original_max)
{
	memset(rq, 0, sizeof *rq);
	buf_init(&rq->recipients, RECIPIENTS_MAX);
	buf_init(&rq->receipt, RECEIPT_READ_MAX);
	buf_init(&rq->original, original_max);
}

void
store_request_free(struct store_request *rq)
{
	buf_free(&rq->recipients);
	buf_free(&rq->receipt);
	buf_free(&rq->original);
}

int
store_proto_write_record(int fd, const struct outcome_item *it)
{
	unsigned char h[12], t[8], sl[4], l1[8], l2[8], l3[8];
	size_t idlen = strlen(it->receipt_id), slen = strlen(it->sender);
	size_t rlen = strlen(it->recipients);
	struct iovec iov[11];

	memcpy(h, "SKSQ", 4);
	wire_put_u32(h + 4, STORE_OP_RECORD);
	wire_put_u32(h + 8, (uint32_t)idlen);
	wire_put_u64(t, (uint64_t)it->received);
	wire_put_u32(sl, (uint32_t)slen);
	wire_put_u64(l1, rlen);
	wire_put_u64(l2, it->receipt_len);
	wire_put_u64(l3, it->original_len);
	iov[0] = (struct iovec){ h, 12 };
	iov[1] = (struct iovec){ (void *)(uintptr_t)it->receipt_id, idlen };
	iov[2] = (struct iovec){ t, 8 };
	iov[3] = (struct iovec){ sl, 4 };
	iov[4] = (struct iovec){ (void *)(uintptr_t)it->sender, slen };
	iov[5] = (struct iovec){ l1, 8 };
	iov[6] = (struct iovec){ (void *)(uintptr_t)it->recipients, rlen };
	iov[7] = (struct iovec){ l2, 8 };
	iov[8] = (struct iovec){ (void *)(uintptr_t)it->receipt_json, it->receipt_len };
	iov[9] = (struct iovec){ l3, 8 };
	iov[10] = (struct iovec){ (void *)(uintptr_t)it->original, it->original_len };
	return wire_writev_all(fd, iov, 11);
}

/* A u32-prefixed string into s (size n, NUL added): refused when too long
 * or when it holds a NUL. */
static int
read_str(int fd, char *s, size_t n)
{
	unsigned char l[4];
	uint32_t len;

	if (wire_read_all(fd, l, 4, -1) != 0)
		return -1;
	len = wire_get_u32(l);
	if (len >= n || wire_read_all(fd, s, len, -1) != 0)
		return -1;
	s[len] = '\0';
	return memchr(s, '\0', len) == NULL ? 0 : -1;
}

int
store_proto_read_record(int fd, struct store_request *rq)
{
	unsigned char h[8], t[8];

	buf_reset(&rq->recipients);
	buf_reset(&rq->receipt);
	buf_reset(&rq->original);
	if (wire_read_all(fd, h, 8, -1) != 0 || memcmp(h, "SKSQ", 4) != 0 ||
	    wire_get_u32(h + 4) != STORE_OP_RECORD)
		return -1;
	if (read_str(fd, rq->id, sizeof rq->id) != 0 || wire_read_all(fd, t, 8, -1) != 0)
		return -1;
	rq->received = (long long)wire_get_u64(t);
	if (read_str(fd, rq->sender, sizeof rq->sender) != 0 ||
	    wire_read_blob(fd, &rq->recipients, -1) != 0 ||
	    memchr(buf_str(&rq->recipients), '\0', rq->recipients.len) != NULL ||
	    wire_read_blob(fd, &rq->receipt, -1) != 0 ||
	    wire_read_blob(fd, &rq->original, -1) != 0)
		return -1;
	return 0;
}

int
store_proto_write_answer(int fd, int status, const char *reason)
{
	unsigned char h[12];
	size_t n = strnlen(reason, STORE_PROTO_REASON_MAX - 1);
	struct iovec iov[2] = {
		{ h, 12 },
		{ (void *)(uintptr_t)reason, n },
	};

	memcpy(h, "SKSA", 4);
	wire_put_u32(h + 4, status == 0 ? 0 : 1);
	wire_put_u32(h + 8, (uint32_t)n);
	return wire_writev_all(fd, iov, 2);
}

int
store_proto_read_answer(int fd, int *status, struct buf *reason, long long deadline_ms)
{
	unsigned char h[12];
	char r[STORE_PROTO_REASON_MAX];
	uint32_t st, n;
	int rr;

	if ((rr = wire_read_all(fd, h, 12, deadline_ms)) != 0)
		return rr;
	if (memcmp(h, "SKSA", 4) != 0)
		return -1;
	st = wire_get_u32(h + 4);
	n = wire_get_u32(h + 8);
	if (st > 1 || n >= sizeof r)
		return -1;
	if ((rr = wire_read_all(fd, r, n, deadline_ms)) != 0)
		return rr;
	if (memchr(r, '\0', n) != NULL)
		return -1;
	*status = (int)st;
	buf_append(reason, r, n);
	return 0;
}
