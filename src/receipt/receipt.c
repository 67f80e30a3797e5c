/*
 * receipt - the receipt model and its JSON form.  See receipt.h.
 */
#include "receipt/receipt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/json.h"
#include "core/xalloc.h"

void
receipt_init(struct receipt *r, const char *id, long long time)
{
	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", id);
	r->time = time;
	r->kind = "mail";
	r->verdict = VERDICT_SANITIZED;
}

void
receipt_set(char **field, const char *value)
{
	free(*field);
	*field = value != NULL ? xstrdup(value) : NULL;
}

void
receipt_set_envelope(struct receipt *r, const struct receipt_envelope *env)
{
	r->in.has_envelope = env != NULL && env->protocol[0] != '\0';
	if (r->in.has_envelope)
		r->in.envelope = *env;
}

void
receipt_part_removed(struct receipt_part *p, const char *what, size_t count,
    const char *names)
{
	struct receipt_removal *e;

	p->removed = xrealloc(p->removed, (p->nremoved + 1) * sizeof *p->removed);
	e = &p->removed[p->nremoved++];
	e->what = xstrdup(what);
	e->count = count;
	e->names = names != NULL && *names != '\0' ? xstrdup(names) : NULL;
}

void
receipt_free(struct receipt *r)
{
	for (size_t i = 0; i < r->nparts; i++) {
		struct receipt_part *p = &r->parts[i];

		free(p->path);
		free(p->declared_type);
		free(p->detected_type);
		free(p->filename);
		free(p->filename_flags);
		free(p->charset);
		free(p->decoded_as);
		free(p->reason);
		free(p->rule);
		free(p->method);
		free(p->out_type);
		free(p->out_name);
		for (size_t j = 0; j < p->nremoved; j++) {
			free(p->removed[j].what);
			free(p->removed[j].names);
		}
		free(p->removed);
	}
	free(r->parts);
	for (size_t i = 0; i < r->nanomalies; i++) {
		free(r->anomalies[i].code);
		free(r->anomalies[i].detail);
	}
	for (size_t i = 0; i < r->nlimits; i++) {
		free(r->limits[i].name);
		free(r->limits[i].where);
	}
	for (size_t i = 0; i < r->nirregular; i++) {
		free(r->irregular[i].kind);
		free(r->irregular[i].field);
		free(r->irregular[i].text);
	}
	free(r->reason);
	free(r->detail);
	free(r->in.message_id);
	free(r->in.filename);
	free(r->in.from);
	free(r->in.to);
	free(r->in.subject);
	free(r->body_source);
	for (size_t i = 0; i < r->outbound.nfindings; i++) {
		struct receipt_finding *f = &r->outbound.findings[i];

		free(f->kind);
		free(f->confidence);
		free(f->where);
		free(f->masked);
		free(f->reason);
	}
	free(r->outbound.findings);
	memset(r, 0, sizeof *r);
}

struct receipt_part *
receipt_add_part(struct receipt *r, const char *path)
{
	struct receipt_part *p;

	if (r->nparts == r->partcap) {
		r->partcap = r->partcap ? r->partcap * 2 : 8;
		r->parts = xrealloc(r->parts, r->partcap * sizeof *r->parts);
	}
	p = &r->parts[r->nparts++];
	memset(p, 0, sizeof *p);
	p->path = xstrdup(path);
	return p;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
receipt_merge_parts(struct receipt *dst, const struct receipt *src, const char *prefix)
{
	for (size_t i = 0; i < src->nparts; i++) {
		const struct receipt_part *s = &src->parts[i];
		size_t n = strlen(prefix) + strlen(s->path) + 2;
		char *path = xmalloc(n);
		struct receipt_part *d;

		snprintf(path, n, "%s.%s", prefix, s->path);
		d = receipt_add_part(dst, path);
		free(path);
		d->declared_type = dup_or_null(s->declared_type);
		d->detected_type = dup_or_null(s->detected_type);
		d->filename = dup_or_null(s->filename);
		d->filename_flags = dup_or_null(s->filename_flags);
		d->charset = dup_or_null(s->charset);
		d->decoded_as = dup_or_null(s->decoded_as);
		d->bytes = s->bytes;
		memcpy(d->sha256, s->sha256, sizeof d->sha256);
		d->action = s->action;
		d->reason = dup_or_null(s->reason);
		d->rule = dup_or_null(s->rule);
		d->undecodable_bytes = s->undecodable_bytes;
		d->method = dup_or_null(s->method);
		d->out_type = dup_or_null(s->out_type);
		d->out_name = dup_or_null(s->out_name);
		d->out_bytes = s->out_bytes;
		memcpy(d->out_sha256, s->out_sha256, sizeof d->out_sha256);
		for (size_t j = 0; j < s->nremoved; j++)
			receipt_part_removed(d, s->removed[j].what, s->removed[j].count,
			    s->removed[j].names);
		d->removed_not_listed = s->removed_not_listed;
	}
}

void
receipt_anomaly(struct receipt *r, const char *code, const char *detail,
    long long offset)
{
	struct receipt_anomaly *a;

	if (r->nanomalies == RECEIPT_ANOMALIES_MAX) {
		r->anomalies_dropped++;
		return;
	}
	a = &r->anomalies[r->nanomalies++];
	a->code = xstrdup(code);
	a->detail = detail != NULL ? xstrdup(detail) : NULL;
	a->offset = offset;
}

void
receipt_irregular(struct receipt *r, const char *kind, const char *field, size_t count,
    const char *text)
{
	struct receipt_irregular *g;

	for (size_t i = 0; i < r->nirregular; i++) {
		g = &r->irregular[i];
		if (strcmp(g->kind, kind) == 0 && (g->field == NULL) == (field == NULL) &&
		    (field == NULL || strcmp(g->field, field) == 0)) {
			g->count += count;
			return;
		}
	}
	if (r->nirregular == RECEIPT_IRREGULAR_MAX)
		return;		/* kinds x fields are a closed set smaller than this */
	g = &r->irregular[r->nirregular++];
	g->kind = xstrdup(kind);
	g->field = field != NULL ? xstrdup(field) : NULL;
	g->count = count;
	g->text = xstrdup(text);
}

void
receipt_limit(struct receipt *r, const char *name, unsigned long long limit,
    const char *where)
{
	struct receipt_limit *l;

	for (size_t i = 0; i < r->nlimits; i++) {
		if (strcmp(r->limits[i].name, name) == 0)
			return;
	}
	if (r->nlimits == sizeof r->limits / sizeof r->limits[0])
		return;
	l = &r->limits[r->nlimits++];
	l->name = xstrdup(name);
	l->limit = limit;
	l->where = where != NULL ? xstrdup(where) : NULL;
}

void
receipt_set_outbound(struct receipt *r, const char *action, size_t recipients,
    size_t outside, size_t visible_outside)
{
	r->kind = "outbound";
	r->has_outbound = 1;
	r->outbound.action = action;
	r->outbound.recipients = recipients;
	r->outbound.outside = outside;
	r->outbound.visible_outside = visible_outside;
	if (r->verdict == VERDICT_SANITIZED)
		r->verdict = VERDICT_PASSED;
}

void
receipt_add_finding(struct receipt *r, const char *kind, const char *confidence,
    const char *where, const char *masked, const char *reason)
{
	struct receipt_outbound *o = &r->outbound;
	struct receipt_finding *f;

	if (o->nfindings == RECEIPT_FINDINGS_MAX) {
		o->findings_not_listed++;
		return;
	}
	o->findings = xrealloc(o->findings, (o->nfindings + 1) * sizeof *o->findings);
	f = &o->findings[o->nfindings++];
	f->kind = xstrdup(kind);
	f->confidence = xstrdup(confidence);
	f->where = xstrdup(where);
	f->masked = masked != NULL && *masked != '\0' ? xstrdup(masked) : NULL;
	f->reason = reason != NULL && *reason != '\0' ? xstrdup(reason) : NULL;
}

const char *
receipt_verdict_name(enum verdict v)
{
	return v == VERDICT_SANITIZED ? "sanitized" : v == VERDICT_PASSED ? "passed" :
	    "withheld";
}

void
receipt_withhold(struct receipt *r, const char *reason, const char *detail)
{
	if (r->verdict == VERDICT_WITHHELD)
		return;
	r->verdict = VERDICT_WITHHELD;
	receipt_set(&r->reason, reason);
	receipt_set(&r->detail, detail);
}

void
receipt_id_new(char *id, size_t n, long long t)
{
	char date[16];
	time_t tt = (time_t)t;
	struct tm tm;
	unsigned char r[8];

	gmtime_r(&tt, &tm);
	strftime(date, sizeof date, "%Y%m%d", &tm);
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		die("getrandom: %s", strerror(errno));
	snprintf(id, n, "SK-%s-%02x%02x%02x%02x%02x%02x%02x%02x", date, r[0], r[1], r[2],
	    r[3], r[4], r[5], r[6], r[7]);
}

void
receipt_time_iso(long long t, char *s, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(s, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(s, n, "%lld", t);
}

static void
kv_str(struct buf *b, const char *k, const char *v, int first)
{
	json_key(b, k, first);
	json_str(b, v);
}

static void
kv_num(struct buf *b, const char *k, unsigned long long v, int first)
{
	json_key(b, k, first);
	buf_printf(b, "%llu", v);
}

static void
part_json(struct buf *b, const struct receipt_part *p)
{
	buf_putc(b, '{');
	kv_str(b, "path", p->path, 1);
	kv_str(b, "declared_type", p->declared_type, 0);
	kv_str(b, "detected_type", p->detected_type, 0);
	kv_str(b, "filename", p->filename, 0);
	json_key(b, "filename_flags", 0);
	buf_putc(b, '[');
	if (p->filename_flags != NULL) {
		const char *s = p->filename_flags;
		int first = 1;

		while (*s != '\0') {
			size_t n = strcspn(s, ",");

			if (!first)
				buf_putc(b, ',');
			json_strn(b, s, n);
			first = 0;
			s += n;
			if (*s == ',')
				s++;
		}
	}
	buf_putc(b, ']');
	kv_str(b, "charset", p->charset, 0);
	kv_str(b, "decoded_as", p->decoded_as, 0);
	kv_num(b, "bytes", p->bytes, 0);
	kv_str(b, "sha256", p->sha256[0] ? p->sha256 : NULL, 0);
	kv_str(b, "action", p->action, 0);
	kv_str(b, "reason", p->reason, 0);
	kv_str(b, "rule", p->rule, 0);
	kv_num(b, "undecodable_bytes", p->undecodable_bytes, 0);
	json_key(b, "sanitized", 0);
	if (p->method == NULL) {
		buf_puts(b, "null}");
		return;
	}
	buf_putc(b, '{');
	kv_str(b, "method", p->method, 1);
	kv_str(b, "type", p->out_type, 0);
	kv_str(b, "filename", p->out_name, 0);
	kv_num(b, "bytes", p->out_bytes, 0);
	kv_str(b, "sha256", p->out_sha256[0] ? p->out_sha256 : NULL, 0);
	json_key(b, "removed", 0);
	buf_putc(b, '[');
	for (size_t i = 0; i < p->nremoved; i++) {
		if (i)
			buf_putc(b, ',');
		buf_putc(b, '{');
		kv_str(b, "what", p->removed[i].what, 1);
		kv_num(b, "count", p->removed[i].count, 0);
		kv_str(b, "names", p->removed[i].names, 0);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
	kv_num(b, "removed_not_listed", p->removed_not_listed, 0);
	buf_puts(b, "}}");
}

static void
outbound_json(struct buf *b, const struct receipt_outbound *o)
{
	json_key(b, "outbound", 0);
	buf_putc(b, '{');
	kv_str(b, "action", o->action, 1);
	kv_num(b, "recipients", o->recipients, 0);
	kv_num(b, "outside_recipients", o->outside, 0);
	kv_num(b, "visible_outside", o->visible_outside, 0);
	json_key(b, "findings", 0);
	buf_putc(b, '[');
	for (size_t i = 0; i < o->nfindings; i++) {
		const struct receipt_finding *f = &o->findings[i];

		if (i)
			buf_putc(b, ',');
		buf_putc(b, '{');
		kv_str(b, "kind", f->kind, 1);
		kv_str(b, "confidence", f->confidence, 0);
		kv_str(b, "where", f->where, 0);
		kv_str(b, "masked", f->masked, 0);
		kv_str(b, "reason", f->reason, 0);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
	kv_num(b, "findings_not_listed", o->findings_not_listed, 0);
	buf_putc(b, '}');
}

int
receipt_json(const struct receipt *r, struct buf *b)
{
	char ts[40];

	receipt_time_iso(r->time, ts, sizeof ts);
	buf_reserve(b, 1024 + r->nparts * 400 + r->nanomalies * 200);
	buf_putc(b, '{');
	kv_str(b, "schema", RECEIPT_SCHEMA, 1);
	kv_str(b, "id", r->id, 0);
	kv_str(b, "time", ts, 0);
	kv_str(b, "kind", r->kind, 0);
	kv_str(b, "verdict", receipt_verdict_name(r->verdict), 0);
	kv_str(b, "reason", r->reason, 0);
	kv_str(b, "detail", r->detail, 0);

	json_key(b, "input", 0);
	buf_putc(b, '{');
	/* null when the input was not read whole (docs/receipt.md) */
	kv_str(b, "sha256", r->in.sha256[0] != '\0' ? r->in.sha256 : NULL, 1);
	kv_num(b, "bytes", r->in.bytes, 0);
	kv_str(b, "message_id", r->in.message_id, 0);
	kv_str(b, "from", r->in.from, 0);
	kv_str(b, "to", r->in.to, 0);
	kv_str(b, "subject", r->in.subject, 0);
	if (r->in.filename != NULL)
		kv_str(b, "filename", r->in.filename, 0);
	if (r->in.has_envelope) {
		const struct receipt_envelope *e = &r->in.envelope;

		json_key(b, "envelope", 0);
		buf_putc(b, '{');
		kv_str(b, "protocol", e->protocol, 1);
		kv_str(b, "client", e->client[0] ? e->client : NULL, 0);
		kv_str(b, "helo", e->helo[0] ? e->helo : NULL, 0);
		kv_str(b, "tls", e->tls[0] ? e->tls : NULL, 0);
		kv_str(b, "queue_id", e->queue_id[0] ? e->queue_id : NULL, 0);
		buf_putc(b, '}');
	}
	buf_putc(b, '}');

	json_key(b, "output", 0);
	if (r->has_output) {
		buf_putc(b, '{');
		kv_str(b, "sha256", r->out.sha256, 1);
		kv_num(b, "bytes", r->out.bytes, 0);
		buf_putc(b, '}');
	} else
		buf_puts(b, "null");
	kv_str(b, "body", r->body_source, 0);
	json_key(b, "rebuilt_despite_ambiguity", 0);
	buf_puts(b, r->rebuilt_ambiguous ? "true" : "false");
	json_key(b, "irregular_structure", 0);
	buf_putc(b, '[');
	for (size_t i = 0; i < r->nirregular; i++) {
		const struct receipt_irregular *g = &r->irregular[i];

		if (i)
			buf_putc(b, ',');
		buf_putc(b, '{');
		kv_str(b, "kind", g->kind, 1);
		kv_str(b, "field", g->field, 0);
		kv_num(b, "count", g->count, 0);
		kv_str(b, "text", g->text, 0);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');

	json_key(b, "parts", 0);
	buf_putc(b, '[');
	for (size_t i = 0; i < r->nparts; i++) {
		if (i)
			buf_putc(b, ',');
		part_json(b, &r->parts[i]);
	}
	buf_putc(b, ']');

	json_key(b, "anomalies", 0);
	buf_putc(b, '[');
	for (size_t i = 0; i < r->nanomalies; i++) {
		const struct receipt_anomaly *a = &r->anomalies[i];

		if (i)
			buf_putc(b, ',');
		buf_putc(b, '{');
		kv_str(b, "code", a->code, 1);
		kv_str(b, "detail", a->detail, 0);
		json_key(b, "offset", 0);
		buf_printf(b, "%lld", a->offset);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
	kv_num(b, "anomalies_not_listed", r->anomalies_dropped, 0);

	json_key(b, "limits_hit", 0);
	buf_putc(b, '[');
	for (size_t i = 0; i < r->nlimits; i++) {
		if (i)
			buf_putc(b, ',');
		buf_putc(b, '{');
		kv_str(b, "name", r->limits[i].name, 1);
		kv_num(b, "limit", r->limits[i].limit, 0);
		kv_str(b, "where", r->limits[i].where, 0);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
	if (r->has_outbound)
		outbound_json(b, &r->outbound);
	json_key(b, "policy", 0);
	buf_putc(b, '{');
	kv_str(b, "digest", r->policy_digest, 1);
	buf_putc(b, '}');
	kv_str(b, "software", "sekisho " SEKISHO_VERSION, 0);
	return buf_puts(b, "}\n");
}
