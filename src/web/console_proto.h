/*
 * console_proto - the messages between the console's HTTP process
 * (sk-web: parses HTTP, holds no key, no database) and the console monitor
 * in the store owner (sk-store: accounts, sessions, requests, the
 * quarantine key; web/monitor.h).  OpenSSH's monitor in sekisho's shape:
 * the HTTP process can only ask, and the monitor decides every answer from
 * its own records.
 *
 * Request: "SKWQ" u32 op, u32 n, then n fields, each u32 length + bytes.
 * Answer:  "SKWA" u32 status, u32 n, then n fields, each u64 length + bytes.
 * Integers little-endian (gateway/wire.h).  Each side reads the other's
 * message as untrusted input: the magic, the op or status, the count and
 * every length are checked against their ceilings before anything is read
 * or allocated; a field holds no NUL unless the op says it is bytes (only
 * the original a download answers with).
 */
#ifndef SEKISHO_WEB_CONSOLE_PROTO_H
#define SEKISHO_WEB_CONSOLE_PROTO_H

#include <stddef.h>

#include "core/buf.h"

/* What the HTTP process may ask. */
enum console_op {
	CONSOLE_OP_LOGIN = 1,	/* user, password, totp, client -> token, csrf, stage */
	CONSOLE_OP_SESSION,	/* token, client -> account JSON (with csrf) */
	CONSOLE_OP_LOGOUT,	/* token, client */
	CONSOLE_OP_LIST,	/* token, client[, cursor[, search]] -> items JSON, next cursor */
	CONSOLE_OP_ITEM,	/* token, client, receipt id -> item JSON */
	CONSOLE_OP_REQUEST,	/* token, client, receipt id, reason -> request id */
	CONSOLE_OP_QUEUE,	/* token, client -> requests JSON */
	CONSOLE_OP_DECIDE,	/* token, client, request id, approve|reject, totp, comment */
	CONSOLE_OP_DOWNLOAD,	/* token, client, receipt id -> meta JSON, original bytes */
	CONSOLE_OP_PREVIEW,	/* token, client, receipt id, part path, page -> info JSON, PNG */
	CONSOLE_OP_ENROL_BEGIN,	/* token, client -> what to set up JSON (QR, secret) */
	CONSOLE_OP_ENROL_FINISH,	/* token, client, new password, code -> recovery codes JSON */
	CONSOLE_OP_REDELIVER,	/* token, client, receipt id -> meta JSON */
	CONSOLE_OP_UNLOCK,	/* token, client, receipt id, part, password -> meta JSON, file */
	CONSOLE_OP_PASSWORD,	/* token, client, current password, new password, code */
	CONSOLE_OP_SEND,	/* token, client, receipt id: a held message leaving sent on */
	CONSOLE_OP_RECALL,	/* token, client, receipt id: recalled by its sender */
	CONSOLE_OP_UPLOAD,	/* token, client, address, file name, bytes -> the name taken */
	CONSOLE_OP_MAX = CONSOLE_OP_UPLOAD
};

/* The monitor's answers. */
enum console_status {
	CONSOLE_OK = 0,
	CONSOLE_DENIED,		/* no session, or wrong user, password or code */
	CONSOLE_LOCKED,		/* the account is locked after failures */
	CONSOLE_NOT_FOUND,	/* no such item or request, or not this user's */
	CONSOLE_FORBIDDEN,	/* the user's role or the release policy says no */
	CONSOLE_CONFLICT,	/* already requested, decided, or not approved */
	CONSOLE_BAD,		/* a malformed request */
	CONSOLE_FAILED,		/* the store or the journal failed: try later */
	CONSOLE_STATUS_MAX = CONSOLE_FAILED
};

#define CONSOLE_FIELDS_MAX 8
#define CONSOLE_FIELD_MAX ((size_t)64 * 1024)	/* one field of a request */
#define CONSOLE_ANSWER_JSON_MAX ((size_t)8 * 1024 * 1024)	/* a list of items */
#define CONSOLE_WAIT_MS 60000	/* an answer later than this is a failure */

struct console_msg {
	unsigned code;		/* op (request) or status (answer) */
	size_t n;
	size_t field_max, bytes_max;
	struct buf field[CONSOLE_FIELDS_MAX];
};

/* Each field's ceiling: field_max, and bytes_max for the last field of an
 * answer (a download's original). */
void console_msg_init(struct console_msg *m, size_t field_max, size_t bytes_max);
void console_msg_reset(struct console_msg *m);
void console_msg_free(struct console_msg *m);	/* wipes: fields carry passwords */
/* A field as a C string ("" when absent). */
const char *console_field(const struct console_msg *m, size_t i);

/* 0 or -1.  lens: each field's length (NULL: strlen), for an upload's
 * bytes, which may pass CONSOLE_FIELD_MAX as its reader allows. */
int console_write_request(int fd, unsigned op, const char *const *fields, size_t n);
int console_write_request_lens(int fd, unsigned op, const char *const *fields,
    const size_t *lens, size_t n);
int console_write_answer(int fd, unsigned status, const char *const *fields,
    const size_t *lens, size_t n);
/* 0, -1 malformed or EOF, -2 past deadline_ms (clock_mono_ms; < 0: none).
 * A request's fields must be text (no NUL), but the last of an UPLOAD (its
 * bytes: up to bytes_max); an answer's last field may be bytes when
 * allow_bytes. */
int console_read_request(int fd, struct console_msg *m, long long deadline_ms);
int console_read_answer(int fd, struct console_msg *m, int allow_bytes, long long deadline_ms);

/*
 * A page cursor of a list, "RECEIVED_AT:RECEIPT_ID" (the last item of the
 * page before), as a browser sends it back: untrusted.  Split into at[]
 * (decimal digits) and id[] ([A-Za-z0-9._-]); 0, or -1 when it is anything
 * else or does not fit.
 */
#define CONSOLE_CURSOR_ID_MAX 64	/* a receipt id with its NUL (STORE_ID_MAX) */
#define CONSOLE_CURSOR_MAX (19 + 1 + CONSOLE_CURSOR_ID_MAX)
int console_parse_cursor(const char *s, char *at, size_t atsz, char *id, size_t idsz);

#endif
