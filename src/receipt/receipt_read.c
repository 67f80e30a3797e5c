/*
 * receipt_read - strict reading of a receipt from elsewhere.  See
 * receipt_read.h.
 */
#include "receipt/receipt_read.h"

#include "dlp/findings.h"
#include "dlp/idnum.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/jsonread.h"
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
int
receipt_parse_time(const char *s, long long *t)
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

/* The members the reader acts on, found in one walk of an object. */
struct members {
	const char *const *names;
	struct json_value *vals;	/* type JV_NULL with p NULL: absent */
	size_t n;
};

static void
collect(const struct json_value *obj, struct members *m)
{
	json_members(obj, m->names, m->vals, m->n);
}

static int
small_str(const struct json_value *v, char *s, size_t n)
{
	return json_string_into(v, s, n);
}

/* A string or null member as an owned copy, cut at RECEIPT_FIELD_MAX - 1
 * bytes on a character boundary. */
static int
take_str(const struct json_value *v, const char *key, char **field, struct buf *why)
{
	struct buf b;

	*field = NULL;
	if (v->p == NULL || v->type == JV_NULL)
		return 0;
	if (v->type != JV_STRING) {
		buf_printf(why, "not a %s receipt: \"%s\" is not a string", RECEIPT_SCHEMA, key);
		return -1;
	}
	buf_init(&b, RECEIPT_FIELD_MAX - 1);
	(void)json_unescape(v, &b);	/* cut at the ceiling is what we want */
	*field = xmalloc(b.len + 1);
	memcpy(*field, buf_str(&b), b.len + 1);
	buf_free(&b);
	return 0;
}

static int
take_count(const struct json_value *v, unsigned long long *out)
{
	uint64_t u;

	if (v->p == NULL || json_u64(v, &u) != 0)
		return -1;
	*out = (unsigned long long)u;
	return 0;
}

static const char *const top_names[] = {
	"schema", "id", "time", "kind", "verdict", "reason", "detail", "input", "output",
	"parts", "anomalies", "limits_hit", "policy", "outbound",
};
enum { T_SCHEMA, T_ID, T_TIME, T_KIND, T_VERDICT, T_REASON, T_DETAIL, T_INPUT, T_OUTPUT,
	T_PARTS, T_ANOMALIES, T_LIMITS, T_POLICY, T_OUTBOUND, T_N };
static const char *const input_names[] = {
	"sha256", "bytes", "message_id", "from", "to", "subject", "filename",
};
enum { I_SHA, I_BYTES, I_MSGID, I_FROM, I_TO, I_SUBJECT, I_FILENAME, I_N };

/* A file's first part: the name of what it became ("sanitized": {…,
 * "filename"}), or NULL when it became nothing. */
static int
sanitized_name(const struct json_value *parts, char **name, struct buf *why)
{
	static const char *const part_names[] = { "sanitized" };
	static const char *const san_names[] = { "filename" };
	struct json_value first, pv[1], sv[1];
	struct members part = { part_names, pv, 1 }, san = { san_names, sv, 1 };
	size_t pos = 0;

	*name = NULL;
	if (!json_element(parts, &pos, &first))
		return 0;
	if (first.type != JV_OBJECT)
		return fail(why, "parts[0]");
	collect(&first, &part);
	if (pv[0].type != JV_OBJECT)
		return 0;	/* null or absent: nothing was made */
	collect(&pv[0], &san);
	return take_str(&sv[0], "filename", name, why);
}

/*
 * The outbound section: its action, and each finding in the form the
 * inspection's reader accepts (dlp/findings.h): a number only masked.
 */
static int
read_outbound(const struct json_value *o, struct receipt_view *v, struct buf *why)
{
	static const char *const names[] = { "action", "recipients", "outside_recipients",
		"visible_outside", "findings", "findings_not_listed" };
	static const char *const actions[] = { "pass", "bcc", "hold", "reject", "delay", NULL };
	struct json_value m[6], e;
	unsigned long long n;
	size_t pos = 0;
	int known = 0;

	if (o->type != JV_OBJECT)
		return fail(why, "outbound");
	json_members(o, names, m, 6);
	if (json_string_into(&m[0], v->outbound_action, sizeof v->outbound_action) != 1)
		return fail(why, "outbound.action");
	for (size_t i = 0; actions[i] != NULL; i++)
		known |= strcmp(actions[i], v->outbound_action) == 0;
	if (!known)
		return fail(why, "outbound.action");
	if (take_count(&m[1], &n) != 0 || take_count(&m[2], &n) != 0 ||
	    take_count(&m[3], &n) != 0)
		return fail(why, "outbound recipient counts");
	if (m[4].type != JV_ARRAY || take_count(&m[5], &n) != 0)
		return fail(why, "outbound.findings");
	v->outbound_findings = (size_t)n;
	while (json_element(&m[4], &pos, &e)) {
		struct finding_view f;
		struct buf fwhy;
		int bad;

		buf_init(&fwhy, 256);
		bad = findings_read_one(&e, &f, &fwhy) != 0;
		if (bad)
			buf_printf(why, "outbound finding: %s", buf_str(&fwhy));
		buf_free(&fwhy);
		if (bad)
			return -1;
		v->outbound_findings++;
		if (strcmp(f.kind, "individual-number") == 0)
			v->outbound_individual++;
		else if (strcmp(f.kind, "corporate-number") == 0)
			v->outbound_corporate++;
		else if (strcmp(f.kind, "term") == 0)
			v->outbound_terms++;
		else if (strcmp(f.reason, "no-text") != 0)
			v->outbound_uninspectable++;
	}
	return 0;
}

static int
read_object(const struct json_value *j, struct receipt_view *v, struct buf *why)
{
	struct json_value tv[T_N], iv[I_N], ov[2], pv[1];
	struct members top = { top_names, tv, T_N };
	struct members in = { input_names, iv, I_N };
	static const char *const out_names[] = { "sha256", "bytes" };
	static const char *const pol_names[] = { "digest" };
	struct members out = { out_names, ov, 2 }, pol = { pol_names, pv, 1 };
	char s[RECEIPT_FIELD_MAX];

	if (j->type != JV_OBJECT)
		return fail(why, "not a JSON object");
	collect(j, &top);
	if (small_str(&tv[T_SCHEMA], s, sizeof s) != 1 || strcmp(s, RECEIPT_SCHEMA) != 0)
		return fail(why, "schema");
	if (small_str(&tv[T_ID], v->id, sizeof v->id) != 1 || !is_id(v->id))
		return fail(why, "id");
	if (small_str(&tv[T_TIME], s, sizeof s) != 1 || receipt_parse_time(s, &v->time) != 0)
		return fail(why, "time");
	if (small_str(&tv[T_KIND], s, sizeof s) != 1 ||
	    (strcmp(s, "mail") != 0 && strcmp(s, "file") != 0 && strcmp(s, "outbound") != 0))
		return fail(why, "kind");
	v->is_file = strcmp(s, "file") == 0;
	v->is_outbound = strcmp(s, "outbound") == 0;
	if (small_str(&tv[T_VERDICT], s, sizeof s) != 1)
		return fail(why, "verdict");
	if (strcmp(s, "sanitized") == 0)
		v->verdict = VERDICT_SANITIZED;
	else if (strcmp(s, "withheld") == 0)
		v->verdict = VERDICT_WITHHELD;
	else if (strcmp(s, "passed") == 0 && v->is_outbound)
		v->verdict = VERDICT_PASSED;
	else
		return fail(why, "verdict");
	if (v->is_outbound ? v->verdict == VERDICT_SANITIZED : tv[T_OUTBOUND].p != NULL)
		return fail(why, "outbound section does not agree with the kind");
	if (v->is_outbound && read_outbound(&tv[T_OUTBOUND], v, why) != 0)
		return -1;
	switch (small_str(&tv[T_REASON], v->reason, sizeof v->reason)) {
	case 1:
		if (!is_code(v->reason))
			return fail(why, "reason");
		break;
	case 0:
		if (v->verdict == VERDICT_WITHHELD)
			return fail(why, "a withheld item without a reason");
		break;
	default:
		return fail(why, "reason");
	}
	if (take_str(&tv[T_DETAIL], "detail", &v->detail, why) != 0)
		return -1;

	if (tv[T_INPUT].type != JV_OBJECT)
		return fail(why, "input");
	collect(&tv[T_INPUT], &in);
	switch (small_str(&iv[I_SHA], s, sizeof s)) {
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
	if (take_count(&iv[I_BYTES], &v->in_bytes) != 0)
		return fail(why, "input.bytes");
	if (take_str(&iv[I_MSGID], "message_id", &v->message_id, why) != 0 ||
	    take_str(&iv[I_FROM], "from", &v->from, why) != 0 ||
	    take_str(&iv[I_TO], "to", &v->to, why) != 0 ||
	    take_str(&iv[I_SUBJECT], "subject", &v->subject, why) != 0 ||
	    take_str(&iv[I_FILENAME], "filename", &v->filename, why) != 0)
		return -1;
	/* what leaves names no number whole, not even in its subject */
	if (v->is_outbound) {
		const char *shown[] = { v->from, v->to, v->subject, v->filename };

		for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
			if (shown[i] != NULL && dlp_has_long_digits(shown[i], strlen(shown[i])))
				return fail(why, "an outbound receipt shows a digit run unmasked");
	}

	if (tv[T_OUTPUT].type == JV_OBJECT) {
		collect(&tv[T_OUTPUT], &out);
		if (small_str(&ov[0], s, sizeof s) != 1 || !is_hex64(s))
			return fail(why, "output.sha256");
		memcpy(v->out_sha256, s, SHA256_HEX_LEN + 1);
		if (take_count(&ov[1], &v->out_bytes) != 0)
			return fail(why, "output.bytes");
		v->has_output = 1;
	} else if (tv[T_OUTPUT].p == NULL || tv[T_OUTPUT].type != JV_NULL)
		return fail(why, "output");
	/* only a sanitised item has an output, and it always has one */
	if (v->has_output != (v->verdict == VERDICT_SANITIZED))
		return fail(why, "output does not agree with the verdict");
	if (tv[T_PARTS].type != JV_ARRAY || tv[T_ANOMALIES].type != JV_ARRAY ||
	    tv[T_LIMITS].type != JV_ARRAY)
		return fail(why, "parts, anomalies and limits_hit must be lists");
	if (v->is_file && sanitized_name(&tv[T_PARTS], &v->out_filename, why) != 0)
		return -1;
	if (tv[T_POLICY].type != JV_OBJECT)
		return fail(why, "policy.digest");
	collect(&tv[T_POLICY], &pol);
	if (small_str(&pv[0], s, sizeof s) != 1 || !is_hex64(s))
		return fail(why, "policy.digest");
	memcpy(v->policy_digest, s, SHA256_HEX_LEN + 1);
	return 0;
}

int
receipt_read(const char *json, size_t len, struct receipt_view *v, struct buf *why)
{
	struct json_value j;
	struct buf jwhy;
	int r;

	memset(v, 0, sizeof *v);
	if (len > RECEIPT_READ_MAX)
		return fail(why, "larger than 64 MiB");
	buf_init(&jwhy, 256);
	if (json_check(json, len, &j, &jwhy) != 0) {
		buf_printf(why, "not a %s receipt: JSON: %s", RECEIPT_SCHEMA, buf_str(&jwhy));
		buf_free(&jwhy);
		return -1;
	}
	buf_free(&jwhy);
	r = read_object(&j, v, why);
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
	free(v->out_filename);
	v->detail = v->message_id = v->from = v->to = v->subject = v->filename = NULL;
	v->out_filename = NULL;
}

const char *
receipt_output_ext(const struct receipt_view *v)
{
	static const char *const allowed[] = {
		".pdf", ".docx", ".xlsx", ".pptx", ".dotx", ".xltx", ".potx", ".ppsx",
		".jpg", ".png", ".webp", ".txt", ".csv", ".tsv", ".zip",
	};
	const char *dot;
	size_t i;

	if (v->out_filename == NULL || (dot = strrchr(v->out_filename, '.')) == NULL ||
	    dot == v->out_filename)
		return NULL;
	for (i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
		if (strcmp(dot, allowed[i]) == 0)
			return allowed[i];
	return NULL;
}
