/*
 * event - the journal record of a console event (see the header).
 */
#include "web/event.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/json.h"
#include "core/xalloc.h"
#include "receipt/receipt.h"

void
event_id(char id[EVENT_ID_LEN], const char *prefix, long long t)
{
	unsigned char r[8];
	char hex[17], day[16];
	time_t tt = (time_t)t;
	struct tm tm;

	randombytes_buf(r, sizeof r);
	sodium_bin2hex(hex, sizeof hex, r, sizeof r);
	gmtime_r(&tt, &tm);
	strftime(day, sizeof day, "%Y%m%d", &tm);
	snprintf(id, EVENT_ID_LEN, "%s-%s-%s", prefix, day, hex);
}

/* A field cut at a character boundary so that a record stays small. */
static void
json_str_cut(struct buf *b, const char *s, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (s == NULL) {
		buf_puts(b, "null");
		return;
	}
	while (n > max) {
		n--;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	json_strn(b, s, n);
}

void
event_json(struct buf *rec, const struct console_event *e, long long t)
{
	char id[EVENT_ID_LEN], ts[32];

	event_id(id, "CE", t);
	receipt_time_iso(t, ts, sizeof ts);
	buf_putc(rec, '{');
	json_key(rec, "schema", 1);
	json_str(rec, "sekisho.console/1");
	json_key(rec, "id", 0);
	json_str(rec, id);
	json_key(rec, "time", 0);
	json_str(rec, ts);
	json_key(rec, "kind", 0);
	json_str(rec, "console");
	json_key(rec, "event", 0);
	json_str(rec, e->event);
	json_key(rec, "user", 0);
	json_str_cut(rec, e->who != NULL ? e->who->name : e->given_name, EVENT_NAME_MAX);
	json_key(rec, "role", 0);
	json_str(rec, e->who != NULL ? account_role_name(e->who->role) : NULL);
	json_key(rec, "client", 0);
	json_str_cut(rec, e->client, EVENT_CLIENT_MAX);
	json_key(rec, "item", 0);
	json_str(rec, e->item);
	json_key(rec, "request", 0);
	json_str(rec, e->request);
	json_key(rec, "detail", 0);
	json_str_cut(rec, e->detail, EVENT_DETAIL_MAX);
	if (e->rel != NULL) {
		json_key(rec, "release", 0);
		json_str(rec, e->rel->release_id);
		json_key(rec, "sha256", 0);
		json_str(rec, e->rel->sha256);
		json_key(rec, "bytes", 0);
		buf_printf(rec, "%llu", e->rel->bytes);
	}
	if (buf_putc(rec, '}') != 0)
		die("console event past its ceiling");
}
