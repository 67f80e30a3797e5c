/*
 * receipt_read - strict reading of a receipt from elsewhere.  See
 * receipt_read.h.
 */
#include "receipt/receipt_read.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xalloc.h"

static int
fail(struct buf *why, const char *what)
{
	buf_printf(why, "not a %s receipt: %s", RECEIPT_SCHEMA, what);
	return -1;
}

static int
is_hex64(const char *s)
{
	if (strlen(s) != SHA256_HEX_LEN)
		return 0;
	for (; *s != '\0'; s++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	}
	return 1;
}

/* Receipt ids are what receipt_id_new() makes: [A-Za-z0-9._-], 1..63. */
static int
is_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= RECEIPT_ID_MAX)
		return 0;
	for (; *s != '\0'; s++) {
		char c = *s;

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Reason codes: lower-case words joined by '-' or '_'. */
static int
is_code(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= RECEIPT_REASON_MAX)
		return 0;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	}
	return 1;
}

/* "2026-11-21T09:30:00Z", exactly. */
static int
parse_time(const char *s, long long *t)
{
	struct tm tm;
	int v[6];
	static const int at[6] = { 0, 5, 8, 11, 14, 17 }, len[6] = { 4, 2, 2, 2, 2, 2 };

	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return -1;
	for (int i = 0; i < 6; i++) {
		v[i] = 0;
		for (int k = 0; k < len[i]; k++) {
			char c = s[at[i] + k];

			if (c < '0' || c > '9')
				return -1;
			v[i] = v[i] * 10 + (c - '0');
		}
	}
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	*t = (long long)timegm(&tm);
	return 0;
}

/* A string or null member; 1 string, 0 null or absent, -1 another type. */
static int
opt_str(json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 1;
}

/* A copy of at most RECEIPT_FIELD_MAX - 1 bytes, cut before a UTF-8
 * continuation byte so the copy stays valid UTF-8. */
static char *
bounded_dup(const char *s)
{
	size_t n = strlen(s);
	char *d;

	if (n >= RECEIPT_FIELD_MAX) {
		n = RECEIPT_FIELD_MAX - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static int
take_str(json_t *o, const char *key, char **field, struct buf *why)
{
	const char *s;
	int r = opt_str(o, key, &s);

	if (r < 0) {
		buf_printf(why, "not a %s receipt: \"%s\" is not a string", RECEIPT_SCHEMA, key);
		return -1;
	}
	*field = s != NULL ? bounded_dup(s) : NULL;
	return 0;
}

/* A non-negative integer member. */
static int
take_count(json_t *o, const char *key, unsigned long long *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (unsigned long long)json_integer_value(v);
	return 0;
}

static int
read_object(json_t *j, struct receipt_view *v, struct buf *why)
{
	json_t *in, *out, *pol;
	const char *s;

	if (!json_is_object(j))
		return fail(why, "not a JSON object");
	if (opt_str(j, "schema", &s) != 1 || strcmp(s, RECEIPT_SCHEMA) != 0)
		return fail(why, "schema");
	if (opt_str(j, "id", &s) != 1 || !is_id(s))
		return fail(why, "id");
	memcpy(v->id, s, strlen(s) + 1);
	if (opt_str(j, "time", &s) != 1 || parse_time(s, &v->time) != 0)
		return fail(why, "time");
	if (opt_str(j, "kind", &s) != 1 || (strcmp(s, "mail") != 0 && strcmp(s, "file") != 0))
		return fail(why, "kind");
	v->is_file = strcmp(s, "file") == 0;
	if (opt_str(j, "verdict", &s) != 1)
		return fail(why, "verdict");
	if (strcmp(s, "sanitized") == 0)
		v->verdict = VERDICT_SANITIZED;
	else if (strcmp(s, "withheld") == 0)
		v->verdict = VERDICT_WITHHELD;
	else
		return fail(why, "verdict");
	switch (opt_str(j, "reason", &s)) {
	case 1:
		if (!is_code(s))
			return fail(why, "reason");
		memcpy(v->reason, s, strlen(s) + 1);
		break;
	case 0:
		if (v->verdict == VERDICT_WITHHELD)
			return fail(why, "a withheld item without a reason");
		break;
	default:
		return fail(why, "reason");
	}
	if (take_str(j, "detail", &v->detail, why) != 0)
		return -1;

	in = json_object_get(j, "input");
	if (!json_is_object(in))
		return fail(why, "input");
	switch (opt_str(in, "sha256", &s)) {
	case 1:
		if (s[0] == '\0')	/* 0.1 wrote "" where it meant null */
			break;
		if (!is_hex64(s))
			return fail(why, "input.sha256");
		memcpy(v->in_sha256, s, SHA256_HEX_LEN + 1);
		break;
	case 0:
		break;
	default:
		return fail(why, "input.sha256");
	}
	if (take_count(in, "bytes", &v->in_bytes) != 0)
		return fail(why, "input.bytes");
	if (take_str(in, "message_id", &v->message_id, why) != 0 ||
	    take_str(in, "from", &v->from, why) != 0 ||
	    take_str(in, "to", &v->to, why) != 0 ||
	    take_str(in, "subject", &v->subject, why) != 0 ||
	    take_str(in, "filename", &v->filename, why) != 0)
		return -1;

	out = json_object_get(j, "output");
	if (json_is_object(out)) {
		if (opt_str(out, "sha256", &s) != 1 || !is_hex64(s))
			return fail(why, "output.sha256");
		memcpy(v->out_sha256, s, SHA256_HEX_LEN + 1);
		if (take_count(out, "bytes", &v->out_bytes) != 0)
			return fail(why, "output.bytes");
		v->has_output = 1;
	} else if (!json_is_null(out))
		return fail(why, "output");
	/* only a sanitised item has an output, and it always has one */
	if (v->has_output != (v->verdict == VERDICT_SANITIZED))
		return fail(why, "output does not agree with the verdict");
	if (!json_is_array(json_object_get(j, "parts")) ||
	    !json_is_array(json_object_get(j, "anomalies")) ||
	    !json_is_array(json_object_get(j, "limits_hit")))
		return fail(why, "parts, anomalies and limits_hit must be lists");
	pol = json_object_get(j, "policy");
	if (!json_is_object(pol) || opt_str(pol, "digest", &s) != 1 || !is_hex64(s))
		return fail(why, "policy.digest");
	memcpy(v->policy_digest, s, SHA256_HEX_LEN + 1);
	return 0;
}

int
receipt_read(const char *json, size_t len, struct receipt_view *v, struct buf *why)
{
	json_error_t jerr;
	json_t *j;
	int r;

	memset(v, 0, sizeof *v);
	if (len > RECEIPT_READ_MAX)
		return fail(why, "larger than 64 MiB");
	/* jansson refuses NUL in strings and invalid UTF-8; duplicates too */
	j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		buf_printf(why, "not a %s receipt: JSON: %s (at byte %d)", RECEIPT_SCHEMA,
		    jerr.text, jerr.position);
		return -1;
	}
	r = read_object(j, v, why);
	json_decref(j);
	if (r != 0)
		receipt_view_free(v);
	return r;
}

void
receipt_view_free(struct receipt_view *v)
{
	free(v->detail);
	free(v->message_id);
	free(v->from);
	free(v->to);
	free(v->subject);
	free(v->filename);
	v->detail = v->message_id = v->from = v->to = v->subject = v->filename = NULL;
}
