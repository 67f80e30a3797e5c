/*
 * console - the console's HTTP process (see the header).
 *
 * One request: libmicrohttpd has parsed the request line and headers
 * (within CONSOLE_CONN_MEMORY); a POST body is collected up to
 * CONSOLE_FORM_MAX and parsed by form_parse_urlencoded; the session cookie
 * by cookie_get; ids in paths by path_segment_id.  Then the monitor is
 * asked (a connection per libmicrohttpd thread, made again after a
 * failure), and the page rendered from its answer.
 */
#include "web/console.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "core/xalloc.h"
#include "web/auth.h"
#include "web/console_proto.h"
#include "web/form.h"
#include "web/html.h"
#include "web/jsonbody.h"
#include "web/monitor.h"
#include "web/multipart.h"
#include "web/pages.h"
#include "gateway/transfer.h"

#define COOKIE_SESSION "__Host-sk_session"
#define COOKIE_LANG "sk_lang"
#define CLIENT_LEN 64
#define NEXT_MAX 128

static const struct config *cfg;
static char monitor_path[700];
static __thread int mon_fd = -1;

/* One request's state across libmicrohttpd's calls. */
struct req {
	struct buf body;
	int too_large;
	int upload;	/* a POST /upload holding one of the upload slots */
	int busy;	/* a POST /upload when every slot was taken */
};

static int uploads;	/* slots taken (CONSOLE_UPLOADS_MAX), atomically */

/* ---- the monitor ------------------------------------------------------------- */

static int
mon_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(monitor_path) >= sizeof sa.sun_path)
		return -1;
	memcpy(sa.sun_path, monitor_path, strlen(monitor_path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Ask the monitor; the answer in a (its status in a->code).  0, or -1 when
 * the monitor cannot be reached (tried twice: it may have restarted). */
static int
ask_lens(unsigned op, const char *const *f, const size_t *lens, size_t n,
    struct console_msg *a, int bytes)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		if (mon_fd < 0 && (mon_fd = mon_connect()) < 0)
			continue;
		if (console_write_request_lens(mon_fd, op, f, lens, n) == 0 &&
		    console_read_answer(mon_fd, a, bytes, -1) == 0)
			return 0;
		close(mon_fd);
		mon_fd = -1;
	}
	syslog(LOG_ERR, "console: the monitor at %s does not answer", monitor_path);
	return -1;
}

static int
ask(unsigned op, const char *const *f, size_t n, struct console_msg *a, int bytes)
{
	return ask_lens(op, f, NULL, n, a, bytes);
}

/* ---- responses -------------------------------------------------------------- */

static void
security_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy", "default-src 'none'; "
	    "style-src 'self'; img-src 'self' data:; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	/* same-origin, not no-referrer: under no-referrer a browser sends
	 * "Origin: null" with its own forms, which foreign_origin cannot tell
	 * from a page elsewhere */
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
}

static enum MHD_Result
send_bytes(struct MHD_Connection *c, unsigned status, const char *type, const void *p,
    size_t n, const char *const *headers)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)(uintptr_t)p,
	    MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	security_headers(r);
	MHD_add_response_header(r, "Content-Type", type);
	for (; headers != NULL && headers[0] != NULL; headers += 2)
		MHD_add_response_header(r, headers[0], headers[1]);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
send_page(struct MHD_Connection *c, unsigned status, struct buf *b, const char *const *headers)
{
	enum MHD_Result r = send_bytes(c, status, "text/html; charset=utf-8", b->data != NULL ?
	    b->data : "", b->len, headers);

	buf_free(b);
	return r;
}

static enum MHD_Result
redirect(struct MHD_Connection *c, const char *to, const char *cookie)
{
	const char *h[] = { "Location", to, cookie != NULL ? "Set-Cookie" : NULL, cookie, NULL };

	return send_bytes(c, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", "", 0, h);
}

/* ---- the request ------------------------------------------------------------ */

static enum page_lang
lang_of(struct MHD_Connection *c, const char **set_cookie)
{
	const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");
	char v[8];

	*set_cookie = NULL;
	if (q != NULL && (strcmp(q, "en") == 0 || strcmp(q, "ja") == 0)) {
		*set_cookie = q[0] == 'e' ? COOKIE_LANG "=en; Path=/; Secure; SameSite=Strict; "
		    "Max-Age=31536000" : COOKIE_LANG "=ja; Path=/; Secure; SameSite=Strict; "
		    "Max-Age=31536000";
		return q[0] == 'e' ? PAGE_EN : PAGE_JA;
	}
	if (cookie_get(h, COOKIE_LANG, v, sizeof v) == 0)
		return strcmp(v, "en") == 0 ? PAGE_EN : PAGE_JA;
	return cfg->console_language == 1 ? PAGE_EN : PAGE_JA;
}

static void
client_of(struct MHD_Connection *c, char out[CLIENT_LEN])
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

	snprintf(out, CLIENT_LEN, "?");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		    CLIENT_LEN);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    out, CLIENT_LEN);
}

/* The session token from the cookie ("" when none or malformed). */
static void
token_of(struct MHD_Connection *c, char token[AUTH_TOKEN_HEX + 1])
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");

	if (cookie_get(h, COOKIE_SESSION, token, AUTH_TOKEN_HEX + 1) != 0 ||
	    !auth_token_wellformed(token))
		token[0] = '\0';
}

/* The login page's "next": a path of this console only. */
static int
next_ok(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n >= NEXT_MAX || p[0] != '/' || p[1] == '/' || p[1] == '\\')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
		    !(ch >= '0' && ch <= '9') && strchr("/._-", ch) == NULL)
			return 0;
	}
	return 1;
}

/* A POST from another origin, when the browser says where it comes from. */
static int
foreign_origin(struct MHD_Connection *c)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");

	if (origin == NULL)
		return 0;
	if (host == NULL || strncmp(origin, "https://", 8) != 0)
		return 1;
	return strcmp(origin + 8, host) != 0;
}

struct ctx {
	struct MHD_Connection *c;
	enum page_lang lang;
	const char *lang_cookie;
	char client[CLIENT_LEN];
	char token[AUTH_TOKEN_HEX + 1];
	json_t *account;	/* the session, when there is one */
	const struct buf *body;	/* a POST /upload's, unparsed */
	int too_large;		/* ... past its ceiling (and not kept) */
	struct form form;
	struct console_msg a;
};

static const char *
status_title(unsigned st)
{
	switch (st) {
	case CONSOLE_NOT_FOUND: return "not-found";
	case CONSOLE_FORBIDDEN: return "forbidden";
	case CONSOLE_BAD: return "bad";
	case CONSOLE_CONFLICT: return "conflict";
	default: return "failed";
	}
}

static unsigned
http_of(unsigned st)
{
	switch (st) {
	case CONSOLE_NOT_FOUND: return MHD_HTTP_NOT_FOUND;
	case CONSOLE_FORBIDDEN: return MHD_HTTP_FORBIDDEN;
	case CONSOLE_BAD: return MHD_HTTP_BAD_REQUEST;
	case CONSOLE_CONFLICT: return MHD_HTTP_CONFLICT;
	case CONSOLE_DENIED: return MHD_HTTP_FORBIDDEN;
	default: return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
}

static enum MHD_Result
message(struct ctx *x, unsigned st)
{
	struct buf b;
	char text_key[32];

	buf_init(&b, PAGE_MAX);
	snprintf(text_key, sizeof text_key, "%s-text", status_title(st));
	if (st == CONSOLE_CONFLICT)
		snprintf(text_key, sizeof text_key, "conflict");
	page_message(&b, x->lang, x->account, status_title(st), text_key);
	return send_page(x->c, http_of(st), &b, NULL);
}

static enum MHD_Result
to_login(struct ctx *x, const char *url)
{
	struct buf to;
	enum MHD_Result r;

	buf_init(&to, 512);
	buf_puts(&to, "/login");
	if (url != NULL && next_ok(url) && strcmp(url, "/") != 0) {
		buf_puts(&to, "?next=");
		url_component(&to, url);
	}
	r = redirect(x->c, buf_str(&to), NULL);
	buf_free(&to);
	return r;
}

/* The session of the request's cookie, as the monitor knows it. */
static unsigned
session(struct ctx *x)
{
	const char *f[2] = { x->token, x->client };

	if (x->token[0] == '\0')
		return CONSOLE_DENIED;
	if (ask(CONSOLE_OP_SESSION, f, 2, &x->a, 0) != 0)
		return CONSOLE_FAILED;
	if (x->a.code != CONSOLE_OK)
		return x->a.code;
	x->account = json_loads(console_field(&x->a, 0), 0, NULL);
	return x->account != NULL ? CONSOLE_OK : CONSOLE_FAILED;
}

/* The CSRF token of a POST is the session's. */
static int
csrf_ok(struct ctx *x)
{
	/* a form's hidden field, or the API's header */
	const char *given = form_get(&x->form, "csrf") != NULL ? form_get(&x->form, "csrf") :
	    MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "X-CSRF-Token");
	const char *want = json_string_value(json_object_get(x->account, "csrf"));

	return given != NULL && want != NULL && auth_equal(given, want);
}

static enum MHD_Result
do_login(struct ctx *x)
{
	const char *user = form_get(&x->form, "user"), *pw = form_get(&x->form, "password");
	const char *code = form_get(&x->form, "totp"), *next = form_get(&x->form, "next");
	const char *f[4];
	struct buf b, cookie;
	enum MHD_Result r;

	if (foreign_origin(x->c) || user == NULL || pw == NULL)
		return message(x, CONSOLE_BAD);
	f[0] = user;
	f[1] = pw;
	f[2] = code != NULL ? code : "";
	f[3] = x->client;
	if (ask(CONSOLE_OP_LOGIN, f, 4, &x->a, 0) != 0)
		return message(x, CONSOLE_FAILED);
	if (x->a.code != CONSOLE_OK || x->a.n != 3) {
		buf_init(&b, PAGE_MAX);
		page_login(&b, x->lang, next != NULL && next_ok(next) ? next : NULL,
		    x->a.code == CONSOLE_LOCKED ? "login-locked" : x->a.code == CONSOLE_DENIED ?
		    "login-failed" : "failed-text");
		return send_page(x->c, x->a.code == CONSOLE_FAILED ? MHD_HTTP_SERVICE_UNAVAILABLE :
		    MHD_HTTP_FORBIDDEN, &b, NULL);
	}
	buf_init(&cookie, 512);
	buf_printf(&cookie, COOKIE_SESSION "=%s; Path=/; Secure; HttpOnly; SameSite=Strict",
	    console_field(&x->a, 0));
	/* a first login sets up its password and TOTP before anything else */
	r = redirect(x->c, strcmp(console_field(&x->a, 2), "enrol") == 0 ? "/enrol" :
	    next != NULL && next_ok(next) ? next : "/items", buf_str(&cookie));
	sodium_memzero(cookie.data, cookie.len);
	buf_free(&cookie);
	return r;
}

static enum MHD_Result
do_logout(struct ctx *x)
{
	const char *f[2] = { x->token, x->client };

	if (!csrf_ok(x))
		return message(x, CONSOLE_BAD);
	ask(CONSOLE_OP_LOGOUT, f, 2, &x->a, 0);
	return redirect(x->c, "/login", COOKIE_SESSION "=; Path=/; Secure; HttpOnly; "
	    "SameSite=Strict; Max-Age=0");
}

/* Ask with the session's token, the client and more fields.  The status;
 * the answer in x->a. */
static unsigned
ask_session(struct ctx *x, unsigned op, const char *const *more, size_t n)
{
	const char *f[CONSOLE_FIELDS_MAX] = { x->token, x->client };

	for (size_t i = 0; i < n && i + 2 < CONSOLE_FIELDS_MAX; i++)
		f[i + 2] = more[i];
	if (ask(op, f, n + 2, &x->a, 0) != 0)
		return CONSOLE_FAILED;
	return x->a.code;
}

/* The same for an answer that is JSON (field 0), in *out. */
static unsigned
ask_json(struct ctx *x, unsigned op, const char *const *more, size_t n, json_t **out)
{
	unsigned st = ask_session(x, op, more, n);

	*out = NULL;
	if (st == CONSOLE_OK && (x->a.n < 1 ||
	    (*out = json_loads(console_field(&x->a, 0), JSON_DECODE_ANY, NULL)) == NULL))
		return CONSOLE_FAILED;
	return st;
}

/*
 * One page of the list, older than ?before= (a cursor from the page
 * before).  The API passes the monitor's JSON array through as it is and
 * names the next page in an RFC 8288 Link header.
 */
static enum MHD_Result
show_items(struct ctx *x, int api)
{
	const char *before = MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, "before");
	const char *q = MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, "q");
	const char *more[2] = { before != NULL ? before : "", q != NULL ? q : "" };
	unsigned st;
	const char *next;
	json_t *items;
	struct buf b, link;
	enum MHD_Result r;

	if ((before != NULL && strlen(before) > CONSOLE_CURSOR_MAX) ||
	    (q != NULL && strlen(q) > MONITOR_SEARCH_MAX))
		return message(x, CONSOLE_BAD);
	st = ask_session(x, CONSOLE_OP_LIST, more, 2);
	if (st != CONSOLE_OK)
		return message(x, st);
	if (x->a.n != 2)
		return message(x, CONSOLE_FAILED);
	next = console_field(&x->a, 1);
	if (api) {
		const char *h[3] = { NULL, NULL, NULL };

		buf_init(&link, 64 + CONSOLE_CURSOR_MAX + 3 * MONITOR_SEARCH_MAX);
		if (*next != '\0') {
			buf_printf(&link, "</api/items?before=%s", next);
			if (q != NULL && *q != '\0') {
				buf_puts(&link, "&q=");
				url_component(&link, q);
			}
			buf_puts(&link, ">; rel=\"next\"");
			h[0] = "Link";
			h[1] = buf_str(&link);
		}
		r = send_bytes(x->c, MHD_HTTP_OK, "application/json", x->a.field[0].data,
		    x->a.field[0].len, h);
		buf_free(&link);
		return r;
	}
	if ((items = json_loads(console_field(&x->a, 0), JSON_DECODE_ANY, NULL)) == NULL)
		return message(x, CONSOLE_FAILED);
	{
		const char *h[] = { x->lang_cookie != NULL ? "Set-Cookie" : NULL, x->lang_cookie,
		    NULL };

		buf_init(&b, PAGE_MAX);
		page_items(&b, x->lang, x->account, items, before == NULL || *before == '\0',
		    *next != '\0' ? next : NULL, q != NULL ? q : "");
		r = send_page(x->c, MHD_HTTP_OK, &b, h);
	}
	json_decref(items);
	return r;
}

static enum MHD_Result
show_item(struct ctx *x, const char *id, const char *flash, int api)
{
	json_t *item;
	const char *more[1] = { id };
	unsigned st = ask_json(x, CONSOLE_OP_ITEM, more, 1, &item);
	struct buf b;
	enum MHD_Result r;

	if (st != CONSOLE_OK)
		return message(x, st);
	if (api) {
		char *s = json_dumps(item, JSON_COMPACT);

		r = send_bytes(x->c, MHD_HTTP_OK, "application/json", s, strlen(s), NULL);
		free(s);
	} else {
		const char *h[] = { x->lang_cookie != NULL ? "Set-Cookie" : NULL, x->lang_cookie,
		    NULL };

		buf_init(&b, PAGE_MAX);
		page_item(&b, x->lang, x->account, item, flash);
		r = send_page(x->c, MHD_HTTP_OK, &b, h);
	}
	json_decref(item);
	return r;
}

/* The bytes of the monitor's answer (its last field) as a file to save,
 * with the digest meta says. */
static enum MHD_Result
send_file(struct ctx *x, const char *disposition, json_t *meta)
{
	const char *sha = json_string_value(json_object_get(meta, "sha256"));
	const char *h[] = { "Content-Disposition", disposition,
	    sha != NULL ? "X-Sekisho-SHA256" : NULL, sha, NULL };

	return send_bytes(x->c, MHD_HTTP_OK, "application/octet-stream",
	    x->a.field[1].data != NULL ? x->a.field[1].data : "", x->a.field[1].len, h);
}

/* The actions a page's form and the JSON API share: the CSRF token, then
 * the monitor.  The monitor's status (CONSOLE_BAD without the token). */
static unsigned
act_request(struct ctx *x, const char *id)
{
	const char *reason = form_get(&x->form, "reason");
	const char *more[2] = { id, reason != NULL ? reason : "" };

	return csrf_ok(x) ? ask_session(x, CONSOLE_OP_REQUEST, more, 2) : CONSOLE_BAD;
}

static unsigned
act_decide(struct ctx *x, const char *rid)
{
	const char *decision = form_get(&x->form, "decision"), *code = form_get(&x->form, "totp");
	const char *comment = form_get(&x->form, "comment");
	const char *more[4] = { rid, decision != NULL ? decision : "", code != NULL ? code : "",
	    comment != NULL ? comment : "" };

	return csrf_ok(x) ? ask_session(x, CONSOLE_OP_DECIDE, more, 4) : CONSOLE_BAD;
}

static enum MHD_Result
do_request(struct ctx *x, const char *id)
{
	unsigned st = act_request(x, id);

	return st != CONSOLE_OK ? message(x, st) : show_item(x, id, "request-sent", 0);
}

/* PPAP: the attachment opened with its password, sanitised, downloaded. */
static enum MHD_Result
do_unlock(struct ctx *x, const char *id, const char *part)
{
	const char *pw = form_get(&x->form, "password");
	const char *f[5] = { x->token, x->client, id, part, pw != NULL ? pw : "" };
	json_t *meta;
	struct buf disp;
	enum MHD_Result r;
	unsigned st;

	if (!csrf_ok(x))
		return message(x, CONSOLE_BAD);
	st = ask(CONSOLE_OP_UNLOCK, f, 5, &x->a, 1) != 0 ? CONSOLE_FAILED : x->a.code;
	if (st == CONSOLE_DENIED)
		return show_item(x, id, "unlock-wrong", 0);
	if (st == CONSOLE_LOCKED)
		return show_item(x, id, "unlock-locked", 0);
	if (st == CONSOLE_CONFLICT)
		return show_item(x, id, "unlock-withheld", 0);
	if (st != CONSOLE_OK || x->a.n != 2 ||
	    (meta = json_loads(console_field(&x->a, 0), 0, NULL)) == NULL)
		return message(x, st != CONSOLE_OK ? st : CONSOLE_FAILED);
	/* the name as RFC 6266 wants it: an ASCII fallback, the UTF-8 one encoded */
	buf_init(&disp, 4096);
	buf_puts(&disp, "attachment; filename=\"sekisho-file\"; filename*=UTF-8''");
	url_component(&disp, json_string_value(json_object_get(meta, "filename")) != NULL ?
	    json_string_value(json_object_get(meta, "filename")) : "file");
	r = send_file(x, buf_str(&disp), meta);
	buf_free(&disp);
	json_decref(meta);
	return r;
}

static enum MHD_Result
do_redeliver(struct ctx *x, const char *id)
{
	const char *more[1] = { id };
	unsigned st;

	if (!csrf_ok(x))
		return message(x, CONSOLE_BAD);
	st = ask_session(x, CONSOLE_OP_REDELIVER, more, 1);
	if (st != CONSOLE_OK)
		return message(x, st);
	return show_item(x, id, "redelivered", 0);
}

/* A held message leaving: recalled by its sender, or sent once approved. */
static enum MHD_Result
do_hold_action(struct ctx *x, const char *id, unsigned op, const char *flash)
{
	const char *more[1] = { id };
	unsigned st;

	if (!csrf_ok(x))
		return message(x, CONSOLE_BAD);
	st = ask_session(x, op, more, 1);
	if (st != CONSOLE_OK)
		return message(x, st);
	return show_item(x, id, flash, 0);
}

static enum MHD_Result
show_queue(struct ctx *x, const char *flash, unsigned status)
{
	json_t *reqs;
	unsigned st = ask_json(x, CONSOLE_OP_QUEUE, NULL, 0, &reqs);
	struct buf b;

	if (st != CONSOLE_OK)
		return message(x, st);
	buf_init(&b, PAGE_MAX);
	page_queue(&b, x->lang, x->account, reqs, flash);
	json_decref(reqs);
	return send_page(x->c, status, &b, NULL);
}

static enum MHD_Result
do_decide(struct ctx *x, const char *rid)
{
	unsigned st = act_decide(x, rid);

	if (st == CONSOLE_DENIED)
		return show_queue(x, "decide-denied", MHD_HTTP_FORBIDDEN);
	if (st == CONSOLE_CONFLICT)
		return show_queue(x, "conflict", MHD_HTTP_CONFLICT);
	if (st != CONSOLE_OK)
		return message(x, st);
	return show_queue(x, "decided", MHD_HTTP_OK);
}

static enum MHD_Result
do_download(struct ctx *x, const char *id)
{
	const char *f[3] = { x->token, x->client, id };
	json_t *meta;
	char disp[128];
	enum MHD_Result r;

	if (ask(CONSOLE_OP_DOWNLOAD, f, 3, &x->a, 1) != 0)
		return message(x, CONSOLE_FAILED);
	if (x->a.code != CONSOLE_OK || x->a.n != 2)
		return message(x, x->a.code != CONSOLE_OK ? x->a.code : CONSOLE_FAILED);
	if ((meta = json_loads(console_field(&x->a, 0), 0, NULL)) == NULL)
		return message(x, CONSOLE_FAILED);
	/* the id is [A-Za-z0-9._-] (path_segment_id): safe in the header */
	snprintf(disp, sizeof disp, "attachment; filename=\"%s.eml\"", id);
	r = send_file(x, disp, meta);
	json_decref(meta);
	return r;
}

/* The first login's set-up: GET shows it, POST does it. */
static enum MHD_Result
do_enrol(struct ctx *x, int post)
{
	json_t *info = NULL, *codes;
	struct buf b;
	unsigned st;
	const char *err_key = NULL;

	if (post) {
		const char *pw = form_get(&x->form, "password"), *pw2 = form_get(&x->form, "password2");
		const char *code = form_get(&x->form, "totp");
		const char *more[2] = { pw != NULL ? pw : "", code != NULL ? code : "" };

		if (!csrf_ok(x))
			return message(x, CONSOLE_BAD);
		if ((pw != NULL || pw2 != NULL) && (pw == NULL || pw2 == NULL || strcmp(pw, pw2) != 0))
			err_key = "enrol-password";
		else {
			st = ask_session(x, CONSOLE_OP_ENROL_FINISH, more, 2);
			if (st == CONSOLE_OK && x->a.n == 1 &&
			    (codes = json_loads(console_field(&x->a, 0), 0, NULL)) != NULL) {
				buf_init(&b, PAGE_MAX);
				page_recovery(&b, x->lang, x->account, json_object_get(codes, "recovery_codes"));
				json_decref(codes);
				return send_page(x->c, MHD_HTTP_OK, &b, NULL);
			}
			if (st != CONSOLE_BAD)
				return message(x, st != CONSOLE_OK ? st : CONSOLE_FAILED);
			err_key = strcmp(console_field(&x->a, 0), "code") == 0 ? "enrol-wrong-code" :
			    "enrol-password";
		}
	}
	st = ask_json(x, CONSOLE_OP_ENROL_BEGIN, NULL, 0, &info);
	if (st == CONSOLE_CONFLICT)
		return redirect(x->c, "/items", NULL);	/* set up already */
	if (st != CONSOLE_OK)
		return message(x, st);
	buf_init(&b, PAGE_MAX);
	page_enrol(&b, x->lang, x->account, info, err_key);
	json_decref(info);
	return send_page(x->c, err_key != NULL ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK, &b, NULL);
}

/* The user's own password: GET shows the form, POST changes it (the
 * monitor checks the current password and code; its other sessions end). */
static enum MHD_Result
do_password(struct ctx *x, int post)
{
	const char *err_key = NULL;
	struct buf b;
	unsigned st;
	int done = 0;

	if (post) {
		const char *cur = form_get(&x->form, "current"), *pw = form_get(&x->form, "password");
		const char *pw2 = form_get(&x->form, "password2"), *code = form_get(&x->form, "totp");
		const char *more[3] = { cur != NULL ? cur : "", pw != NULL ? pw : "",
		    code != NULL ? code : "" };

		if (!csrf_ok(x))
			return message(x, CONSOLE_BAD);
		if (pw == NULL || pw2 == NULL || strcmp(pw, pw2) != 0) {
			err_key = "enrol-password";
		} else {
			st = ask_session(x, CONSOLE_OP_PASSWORD, more, 3);
			if (st == CONSOLE_OK)
				done = 1;
			else if (st == CONSOLE_DENIED && x->a.n == 0)
				err_key = "password-wrong";
			else if (st == CONSOLE_BAD)
				err_key = strcmp(console_field(&x->a, 0), "same") == 0 ?
				    "password-same" : "enrol-password";
			else if (st == CONSOLE_CONFLICT)
				err_key = "password-directory";
			else
				return message(x, st);
		}
	}
	buf_init(&b, PAGE_MAX);
	page_password(&b, x->lang, x->account, err_key, done);
	return send_page(x->c, err_key == NULL ? MHD_HTTP_OK : strcmp(err_key,
	    "password-wrong") == 0 ? MHD_HTTP_FORBIDDEN : MHD_HTTP_BAD_REQUEST, &b, NULL);
}

/* A part's page drawn as a picture, with the item's request form. */
static enum MHD_Result
show_preview(struct ctx *x, const char *id, const char *part)
{
	const char *page = MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, "page");
	const char *more[3] = { id, part, page != NULL ? page : "1" };
	const char *f[5] = { x->token, x->client, id, part, more[2] };
	json_t *item, *info;
	unsigned st = ask_json(x, CONSOLE_OP_ITEM, more, 1, &item);
	struct buf b;

	if (st != CONSOLE_OK)
		return message(x, st);
	/* the picture is bytes: the answer's last field */
	st = ask(CONSOLE_OP_PREVIEW, f, 5, &x->a, 1) != 0 ? CONSOLE_FAILED : x->a.code;
	if (st != CONSOLE_OK || x->a.n != 2 ||
	    (info = json_loads(console_field(&x->a, 0), 0, NULL)) == NULL) {
		json_decref(item);
		return message(x, st != CONSOLE_OK ? st : CONSOLE_FAILED);
	}
	buf_init(&b, PAGE_MAX);
	page_preview(&b, x->lang, x->account, item, part, info, x->a.field[1].data,
	    x->a.field[1].len);
	json_decref(info);
	json_decref(item);
	return send_page(x->c, MHD_HTTP_OK, &b, NULL);
}

/* A part's path: digits and single dots, as receipts write them. */
static int
part_path_ok(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > 63 || p[0] == '.' || p[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!(p[i] >= '0' && p[i] <= '9') && !(p[i] == '.' && p[i + 1] != '.'))
			return 0;
	}
	return 1;
}

/* ---- the JSON API: the same actions, JSON in and out ------------------------------ */

static enum MHD_Result
api_answer(struct ctx *x, unsigned status, json_t *body)
{
	char *s = json_dumps(body, JSON_COMPACT);
	enum MHD_Result r = send_bytes(x->c, status, "application/json", s != NULL ? s : "{}",
	    s != NULL ? strlen(s) : 2, NULL);

	free(s);
	json_decref(body);
	return r;
}

static enum MHD_Result
api_error(struct ctx *x, unsigned st)
{
	return api_answer(x, st == CONSOLE_DENIED ? MHD_HTTP_FORBIDDEN : http_of(st),
	    json_pack("{s:s}", "error", status_title(st)));
}

static enum MHD_Result
api_get(struct ctx *x, unsigned op, const char *id)
{
	const char *more[1] = { id };
	json_t *v;
	unsigned st = ask_json(x, op, more, id != NULL ? 1 : 0, &v);

	return st != CONSOLE_OK ? api_error(x, st) : api_answer(x, MHD_HTTP_OK, v);
}

static enum MHD_Result
api_request(struct ctx *x, const char *id)
{
	unsigned st = act_request(x, id);

	return st != CONSOLE_OK ? api_error(x, st) :
	    api_answer(x, MHD_HTTP_OK, json_pack("{s:s}", "request", console_field(&x->a, 0)));
}

static enum MHD_Result
api_decide(struct ctx *x, const char *rid)
{
	unsigned st = act_decide(x, rid);

	return st != CONSOLE_OK ? api_error(x, st) :
	    api_answer(x, MHD_HTTP_OK, json_pack("{s:b}", "ok", 1));
}

/* A part's text (a form field's value) into out, NUL-terminated: 0, or
 * -1 when it is too long or holds a NUL. */
static int
part_text(const struct multipart_part *p, char *out, size_t n)
{
	if (p == NULL || p->len >= n || memchr(p->data, '\0', p->len) != NULL)
		return -1;
	memcpy(out, p->data, p->len);
	out[p->len] = '\0';
	return 0;
}

/*
 * /upload: a file brought in (the monitor puts it into the drop folder of
 * one of the user's addresses).  The body is multipart/form-data, read by
 * multipart_parse (strict: anything that could be read two ways is
 * refused): the session's CSRF token in "csrf", the address in "as", the
 * file in "file".
 */
static enum MHD_Result
do_upload(struct ctx *x, int post)
{
	const int outbound = cfg->direction == DIRECTION_OUTBOUND;
	const char *ct = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "Content-Type");
	const char *want = json_string_value(json_object_get(x->account, "csrf"));
	const char *why = NULL, *f[5];
	char boundary[MULTIPART_BOUNDARY_MAX + 1], csrf[AUTH_TOKEN_HEX + 1];
	char as[TRANSFER_USER_MAX];
	const struct multipart_part *file;
	struct multipart m;
	size_t lens[5];
	struct buf b;
	const char *key = NULL;
	unsigned http = MHD_HTTP_OK;

	if (post && x->body == NULL)	/* not taken: the console takes no files */
		return message(x, CONSOLE_FORBIDDEN);
	if (!post || x->too_large) {
		buf_init(&b, PAGE_MAX);
		page_upload(&b, x->lang, x->account, outbound, x->too_large ? "upload-too-large" :
		    NULL, x->too_large, NULL);
		return send_page(x->c, x->too_large ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_OK, &b,
		    NULL);
	}
	if (foreign_origin(x->c) || ct == NULL ||
	    multipart_boundary(ct, boundary, sizeof boundary) != 0 ||
	    multipart_parse(&m, boundary, x->body->data != NULL ? x->body->data : "",
	    x->body->len, &why) != 0 ||
	    part_text(multipart_get(&m, "csrf"), csrf, sizeof csrf) != 0 || want == NULL ||
	    !auth_equal(csrf, want)) {
		if (why != NULL)
			syslog(LOG_NOTICE, "console: an upload from %s refused: %s", x->client, why);
		return message(x, CONSOLE_BAD);
	}
	as[0] = '\0';
	if (multipart_get(&m, "as") != NULL && part_text(multipart_get(&m, "as"), as,
	    sizeof as) != 0)
		return message(x, CONSOLE_BAD);
	if (as[0] == '\0') {	/* the first of the user's addresses */
		const char *first = json_string_value(json_array_get(json_object_get(x->account,
		    "addresses"), 0));

		if (first != NULL && strlen(first) < sizeof as)
			memcpy(as, first, strlen(first) + 1);
	}
	file = multipart_get(&m, "file");
	if (file == NULL || !file->has_filename || file->filename[0] == '\0')
		return message(x, CONSOLE_BAD);
	if (file->len > cfg->transfer_upload_limit) {	/* the monitor would not read it */
		buf_init(&b, PAGE_MAX);
		page_upload(&b, x->lang, x->account, outbound, "upload-too-large", 1, NULL);
		return send_page(x->c, MHD_HTTP_CONTENT_TOO_LARGE, &b, NULL);
	}
	f[0] = x->token;
	f[1] = x->client;
	f[2] = as;
	f[3] = file->filename;
	f[4] = file->data;
	for (size_t i = 0; i < 4; i++)
		lens[i] = strlen(f[i]);
	lens[4] = file->len;
	if (ask_lens(CONSOLE_OP_UPLOAD, f, lens, 5, &x->a, 0) != 0)
		return message(x, CONSOLE_FAILED);
	if (x->a.code == CONSOLE_OK)
		key = "upload-done";
	else if (x->a.code == CONSOLE_BAD && strcmp(console_field(&x->a, 0), "too-large") == 0) {
		key = "upload-too-large";
		http = MHD_HTTP_CONTENT_TOO_LARGE;
	} else if (x->a.code == CONSOLE_BAD && strcmp(console_field(&x->a, 0), "bad-name") == 0) {
		key = "upload-bad-name";
		http = MHD_HTTP_BAD_REQUEST;
	} else
		return message(x, x->a.code);
	buf_init(&b, PAGE_MAX);
	page_upload(&b, x->lang, x->account, outbound, key, x->a.code != CONSOLE_OK,
	    x->a.code == CONSOLE_OK ? console_field(&x->a, 0) : NULL);
	return send_page(x->c, http, &b, NULL);
}

/* The routes.  GET pages need a session (else the login page, with the
 * path to come back to); POSTs need a session and its CSRF token. */
static enum MHD_Result
route(struct ctx *x, const char *url, int post)
{
	char id[PATH_ID_MAX + 1];
	const char *rest;
	unsigned st;

	if (!post && strcmp(url, "/static/console.css") == 0) {
		const char *h[] = { "Cache-Control", "max-age=3600", NULL };

		return send_bytes(x->c, MHD_HTTP_OK, "text/css; charset=utf-8", page_css,
		    strlen(page_css), h);
	}
	if (strcmp(url, "/login") == 0) {
		struct buf b;
		const char *next = MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, "next");
		const char *h[] = { x->lang_cookie != NULL ? "Set-Cookie" : NULL, x->lang_cookie,
		    NULL };

		if (post)
			return do_login(x);
		buf_init(&b, PAGE_MAX);
		page_login(&b, x->lang, next != NULL && next_ok(next) ? next : NULL, NULL);
		return send_page(x->c, MHD_HTTP_OK, &b, h);
	}
	if ((st = session(x)) != CONSOLE_OK) {
		if (st == CONSOLE_FAILED)
			return message(x, st);
		if (post || strncmp(url, "/api/", 5) == 0)
			return send_bytes(x->c, MHD_HTTP_UNAUTHORIZED, "text/plain; charset=utf-8",
			    "no session\n", 11, NULL);
		return to_login(x, url);
	}
	if (post && strcmp(url, "/logout") == 0)
		return do_logout(x);
	/* a session still setting up sees the set-up only */
	if (strcmp(url, "/enrol") == 0)
		return do_enrol(x, post);
	if (strcmp(json_string_value(json_object_get(x->account, "stage")) != NULL ?
	    json_string_value(json_object_get(x->account, "stage")) : "", "enrol") == 0)
		return post || strncmp(url, "/api/", 5) == 0 ? message(x, CONSOLE_BAD) :
		    redirect(x->c, "/enrol", NULL);
	if (!post && (strcmp(url, "/") == 0 || strcmp(url, "/items") == 0))
		return show_items(x, 0);
	if (!post && strcmp(url, "/api/items") == 0)
		return show_items(x, 1);
	if (!post && strcmp(url, "/api/session") == 0)
		return api_answer(x, MHD_HTTP_OK, json_incref(x->account));
	if (!post && strcmp(url, "/api/approvals") == 0)
		return api_get(x, CONSOLE_OP_QUEUE, NULL);
	if (post && path_segment_id(url, "/api/items/", id, sizeof id, &rest) == 0 &&
	    strcmp(rest, "/request") == 0)
		return api_request(x, id);
	if (post && path_segment_id(url, "/api/requests/", id, sizeof id, &rest) == 0 &&
	    strcmp(rest, "/decide") == 0)
		return api_decide(x, id);
	if (!post && strcmp(url, "/approvals") == 0)
		return show_queue(x, NULL, MHD_HTTP_OK);
	if (strcmp(url, "/password") == 0)
		return do_password(x, post);
	if (strcmp(url, "/upload") == 0)
		return do_upload(x, post);
	if (path_segment_id(url, "/items/", id, sizeof id, &rest) == 0) {
		if (!post && rest[0] == '\0')
			return show_item(x, id, NULL, 0);
		if (!post && strcmp(rest, "/original") == 0)
			return do_download(x, id);
		if (!post && strncmp(rest, "/view/", 6) == 0 && part_path_ok(rest + 6))
			return show_preview(x, id, rest + 6);
		if (post && strcmp(rest, "/request") == 0)
			return do_request(x, id);
		if (post && strcmp(rest, "/redeliver") == 0)
			return do_redeliver(x, id);
		if (post && strcmp(rest, "/recall") == 0)
			return do_hold_action(x, id, CONSOLE_OP_RECALL, "recalled");
		if (post && strcmp(rest, "/send") == 0)
			return do_hold_action(x, id, CONSOLE_OP_SEND, "sent");
		if (post && strncmp(rest, "/unlock/", 8) == 0 && part_path_ok(rest + 8))
			return do_unlock(x, id, rest + 8);
	}
	if (!post && path_segment_id(url, "/api/items/", id, sizeof id, &rest) == 0 &&
	    rest[0] == '\0')
		return show_item(x, id, NULL, 1);
	if (post && path_segment_id(url, "/requests/", id, sizeof id, &rest) == 0 &&
	    strcmp(rest, "/decide") == 0)
		return do_decide(x, id);
	return message(x, CONSOLE_NOT_FOUND);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **state)
{
	struct req *rq = *state;
	struct ctx x;
	enum MHD_Result r;
	int post = strcmp(method, "POST") == 0;

	if (!post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		const char *h[] = { "Allow", "GET, HEAD, POST", NULL };

		return send_bytes(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
		    "method not allowed\n", 19, h);
	}
	if (rq == NULL) {
		rq = xcalloc(1, sizeof *rq);
		if (post && strcmp(url, "/upload") == 0 && cfg->transfer_in_dir[0] != '\0' &&
		    cfg->transfer_upload_limit > 0) {
			/* a file: its own ceiling, and only so many at once */
			if (__atomic_add_fetch(&uploads, 1, __ATOMIC_ACQ_REL) <= CONSOLE_UPLOADS_MAX) {
				rq->upload = 1;
				buf_init(&rq->body, cfg->transfer_upload_limit + CONSOLE_UPLOAD_OVERHEAD);
			} else {
				__atomic_sub_fetch(&uploads, 1, __ATOMIC_ACQ_REL);
				rq->busy = 1;
				buf_init(&rq->body, 0);
			}
		} else
			buf_init(&rq->body, CONSOLE_FORM_MAX);
		*state = rq;
		return MHD_YES;		/* the body, if any, comes in the next calls */
	}
	if (rq->busy) {
		if (*upload_size > 0) {
			*upload_size = 0;	/* read and dropped */
			return MHD_YES;
		}
		return send_bytes(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
		    "too many uploads at once; try again\n", 36, (const char *const[]){
		    "Retry-After", "10", NULL });
	}
	if (*upload_size > 0) {
		if (buf_append(&rq->body, upload, *upload_size) != 0)
			rq->too_large = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->too_large && !rq->upload)
		return send_bytes(c, MHD_HTTP_CONTENT_TOO_LARGE, "text/plain; charset=utf-8",
		    "request too large\n", 18, NULL);
	memset(&x, 0, sizeof x);
	x.c = c;
	x.lang = lang_of(c, &x.lang_cookie);
	client_of(c, x.client);
	token_of(c, x.token);
	form_init(&x.form, CONSOLE_FORM_MAX + 2 * FORM_FIELDS_MAX);
	console_msg_init(&x.a, CONSOLE_ANSWER_JSON_MAX, cfg->console_download_limit);
	if (post && strncmp(url, "/api/", 5) == 0) {
		/* JSON in: the members each action takes, nothing else */
		static const char *const allowed[] = { "reason", "decision", "totp", "comment" };
		struct buf why;

		buf_init(&why, 256);
		if (json_body_read(rq->body.data != NULL ? rq->body.data : "", rq->body.len, allowed,
		    sizeof allowed / sizeof allowed[0], &x.form, &why) != 0)
			r = api_answer(&x, MHD_HTTP_BAD_REQUEST,
			    json_pack("{s:s,s:s}", "error", "bad", "why", buf_str(&why)));
		else
			r = route(&x, url, post);
		buf_free(&why);
	} else if (rq->upload) {
		x.body = &rq->body;
		x.too_large = rq->too_large;
		r = route(&x, url, post);
	} else if (post && form_parse_urlencoded(&x.form, rq->body.data != NULL ?
	    rq->body.data : "", rq->body.len) != 0)
		r = message(&x, CONSOLE_BAD);
	else
		r = route(&x, url, post);
	json_decref(x.account);
	form_free(&x.form);
	console_msg_free(&x.a);
	sodium_memzero(x.token, sizeof x.token);
	return r;
}

static void
on_done(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode t)
{
	struct req *rq = *state;

	if (rq == NULL)
		return;
	if (rq->upload)
		__atomic_sub_fetch(&uploads, 1, __ATOMIC_ACQ_REL);
	if (rq->body.data != NULL)
		sodium_memzero(rq->body.data, rq->body.cap);
	buf_free(&rq->body);
	free(rq);
	*state = NULL;
}

/*
 * The path and the query are %-decoded as usual, except that a %-escape
 * of a control character (%00 above all: the rest of the path would
 * vanish from a C string) leaves the whole text undecoded; no route
 * accepts a '%', so it is not found.
 */
static size_t
unescape(void *cls, struct MHD_Connection *c, char *s)
{
	size_t n = strlen(s), k = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n + 1 && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], '\0' };
			unsigned long v = strtoul(hex, NULL, 16);

			if (v < 0x20 || v == 0x7f)
				return n;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], '\0' };

			s[k++] = (char)strtoul(hex, NULL, 16);
			i += 2;
		} else
			s[k++] = s[i];
	}
	s[k] = '\0';
	return k;
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
on_mhd_error(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof line, fmt, ap);
	syslog(LOG_WARNING, "console: %s", line);
}

int
console_serve(const struct config *c, int lfd, const char *cert_pem, const char *key_pem,
    void (*confine)(void))
{
	struct MHD_Daemon *d;
	sigset_t set;
	int sig;

	cfg = c;
	monitor_socket_path(c, monitor_path, sizeof monitor_path);
	if (auth_init() != 0) {
		syslog(LOG_ERR, "console: libsodium or liboath failed to start");
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (confine != NULL)
		confine();
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TLS |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, NULL,
	    MHD_OPTION_LISTEN_SOCKET, lfd,
	    MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
	    MHD_OPTION_HTTPS_MEM_KEY, key_pem,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)CONSOLE_THREADS,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONSOLE_CONNS_MAX,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)CONSOLE_CONNS_PER_CLIENT,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONSOLE_CONN_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONSOLE_CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
	    MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1,
	    MHD_OPTION_END);
	if (d == NULL) {
		syslog(LOG_ERR, "console: cannot serve HTTPS on %s (libmicrohttpd refused the "
		    "socket, certificate or key)", c->console_listen);
		return 1;
	}
	syslog(LOG_INFO, "console: serving https on %s", c->console_listen);
	do
		sigwait(&set, &sig);
	while (sig == SIGHUP);
	MHD_stop_daemon(d);
	return 0;
}
