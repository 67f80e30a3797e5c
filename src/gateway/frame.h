/*
 * frame - the length-prefixed messages between the parent and a worker.
 *
 * Policy:   "SKPO" u32 size, the struct policy's bytes — once, first, from the
 *           parent to the worker it just started (the same program built
 *           both sides: the size must be sizeof(struct policy) exactly)
 * Request:  "SKRQ" u32 id_len, id, i64 time, u32 kind, u32 name_len, name,
 *           u32 env_len, envelope, u64 len, item bytes   (kind: FRAME_MAIL, FRAME_FILE or FRAME_INSPECT)
 *           envelope: env_len 0 (not known), or the five fields of struct
 *           receipt_envelope, each u8 length and printable ASCII bytes
 * Response: "SKRS" u32 status, u64 out_len, out bytes, u64 receipt_len, receipt
 *           (status 0 sanitised or 10 withheld - for FRAME_INSPECT 0 clean or
 *           11 findings, the answer in the receipt's place - plus FRAME_STATUS_RETIRE when
 *           the worker leaves after this answer: its CPU budget is spent)
 * While an item is being sanitised the worker may ask its parent to convert
 * a file it cannot open itself (LibreOffice runs outside the sandbox):
 * Convert:  "SKCV" u32 ext_len, ext, u64 len, file bytes
 * Answer:   "SKCR" u32 status (0 converted, 1 failed), u64 len, PDF or reason
 * Integers are little-endian.  Every length read is checked against the
 * reader's ceiling before anything is allocated (a worker's answer is
 * untrusted input, like OpenSMTPD's m_get/m_end), and a frame must be
 * consumed exactly.
 */
#ifndef SEKISHO_GATEWAY_FRAME_H
#define SEKISHO_GATEWAY_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/fdio.h"	/* write_all */
#include "gateway/wire.h"
#include "policy/policy.h"
#include "receipt/receipt.h"	/* struct receipt_envelope */

#define FRAME_ID_MAX 64
#define FRAME_NAME_MAX 1024	/* a file's name (UTF-8), with its NUL */

enum frame_kind { FRAME_MAIL = 0, FRAME_FILE = 1, FRAME_FILE_CONVERTED = 2,
	FRAME_INSPECT = 3 /* outbound inspection (dlp/inspect.h) */,
	FRAME_PREVIEW = 4 /* a page of a part as PNG (mime/preview.h): name "PATH PAGE" */,
	FRAME_UNLOCK = 5 /* a part sanitised as a file with its archive's password:
			  * name "PATH\nPASSWORD" (mime/preview.h) */ };

#define FRAME_STATUS_RETIRE 0x100	/* or'ed into a response's status */

int frame_write_policy(int fd, const struct policy *pol);
/* 0, or -1 when it is not a whole policy of this build (strings unterminated,
 * counts or choices out of range). */
int frame_read_policy(int fd, struct policy *pol);

/* name may be NULL (mail, or a file without a name); env may be NULL (not known). */
int frame_write_request(int fd, const char *id, long long time, int kind,
    const char *name, const struct receipt_envelope *env, const void *item, size_t len);
/* Returns 0, or -1 on EOF/malformed.  id and name get their _MAX bytes; env
 * is zeroed when the request carries none. */
int frame_read_request(int fd, char id[FRAME_ID_MAX], long long *time, int *kind,
    char name[FRAME_NAME_MAX], struct receipt_envelope *env, struct buf *item);
int frame_write_response(int fd, int status, const struct buf *out,
    const struct buf *receipt);
/*
 * The parent's converter: 0 with the PDF in pdf, or -1 with the reason in
 * err.  in_max is the ceiling on the bytes the worker may send.
 */
struct frame_converter {
	int (*convert)(void *arg, const char *ext, const struct buf *in, struct buf *pdf,
	    long long deadline_ms, char *err, size_t errlen);
	void *arg;
	size_t in_max, pdf_max;
};

/*
 * Returns 0, -1 on EOF/error/malformed, -2 on deadline.  *status may carry
 * FRAME_STATUS_RETIRE.  Conversion
 * requests on the way are served with conv (NULL: such a request is a
 * malformed answer).
 */
int frame_read_response(int fd, int *status, struct buf *out,
    struct buf *receipt, long long deadline_ms, const struct frame_converter *conv);
/* Worker side: ask for a conversion and wait for the answer. 0 converted, 1 failed, -1 broken. */
int frame_request_convert(int fd, const char *ext, const void *in, size_t len,
    struct buf *answer);
/* The same with a deadline for the answer (-1 also when it passed). */
int frame_request_convert_by(int fd, const char *ext, const void *in, size_t len,
    struct buf *answer, long long deadline_ms);
/* Read one conversion request on fd and answer it with conv (a converter
 * process).  0, -1 malformed or EOF, -2 past the deadline. */
int frame_serve_convert(int fd, const struct frame_converter *conv, long long deadline_ms);

#endif
