/*
 * findings - the one reader of an inspection answer.  See findings.h.
 */
#include "dlp/findings.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonread.h"
#include "core/xalloc.h"
#include "dlp/idnum.h"

static int
fail(struct buf *why, const char *what)
{
	buf_printf(why, "not a %s answer: %s", FINDINGS_SCHEMA, what);
	return -1;
}

static int
one_of(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return 1;
	return 0;
}

/* "****-****-1234" or "*-****-****-1234" exactly */
static int
is_masked(const char *kind, const char *s)
{
	const char *shape = strcmp(kind, "corporate-number") == 0 ? "*-****-****-dddd" :
	    "****-****-dddd";
	size_t n = strlen(shape);

	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return 0;
	}
	return 1;
}

static int
is_code(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		    *s == '_'))
			return 0;
	return 1;
}

int
findings_read_one(const struct json_value *o, struct finding_view *f, struct buf *why)
{
	static const char *const names[] = { "kind", "confidence", "where", "masked", "reason" };
	static const char *const kinds[] = { "individual-number", "corporate-number",
		"uninspectable", "term", NULL };
	static const char *const confidences[] = { "high", "medium", "low", NULL };
	struct json_value v[5];
	int number;

	memset(f, 0, sizeof *f);
	if (o->type != JV_OBJECT)
		return fail(why, "a finding is not an object");
	json_members(o, names, v, 5);
	if (json_string_into(&v[0], f->kind, sizeof f->kind) != 1 || !one_of(f->kind, kinds))
		return fail(why, "kind");
	if (json_string_into(&v[1], f->confidence, sizeof f->confidence) != 1 ||
	    !one_of(f->confidence, confidences))
		return fail(why, "confidence");
	if (json_string_into(&v[2], f->where, sizeof f->where) != 1)
		return fail(why, "where");
	if (dlp_has_long_digits(f->where, strlen(f->where)))
		return fail(why, "where holds a digit run that is not masked");
	number = strcmp(f->kind, "individual-number") == 0 ||
	    strcmp(f->kind, "corporate-number") == 0;
	if (number) {
		/* the only form a number may come in: nothing but its last four */
		if (json_string_into(&v[3], f->masked, sizeof f->masked) != 1 ||
		    !is_masked(f->kind, f->masked))
			return fail(why, "masked is not in the masked form");
		if (json_string_into(&v[4], f->reason, sizeof f->reason) != 0)
			return fail(why, "a number with a reason");
	} else {
		if (json_string_into(&v[3], f->masked, sizeof f->masked) != 0)
			return fail(why, "an uninspectable or term finding with a number");
		if (json_string_into(&v[4], f->reason, sizeof f->reason) != 1 ||
		    !is_code(f->reason))
			return fail(why, "reason");
	}
	return 0;
}

/* The subject and the visible domains: masked text only. */
static int
read_beside(const struct json_value *subject, const struct json_value *domains,
    struct findings_view *v, struct buf *why)
{
	char d[INSPECT_DOMAIN_MAX + 1];
	struct json_value e;
	struct buf all;
	size_t pos = 0;

	if (subject->type == JV_STRING) {
		v->subject = xmalloc(INSPECT_SUBJECT_MAX + 1);
		if (json_string_into(subject, v->subject, INSPECT_SUBJECT_MAX + 1) != 1)
			return fail(why, "subject longer than INSPECT_SUBJECT_MAX");
		if (dlp_has_long_digits(v->subject, strlen(v->subject)))
			return fail(why, "subject holds a digit run that is not masked");
	} else if (subject->type != JV_NULL || subject->p == NULL)
		return fail(why, "subject");
	if (domains->type != JV_ARRAY)
		return fail(why, "visible_domains");
	buf_init(&all, (size_t)INSPECT_DOMAINS_MAX * sizeof d);
	while (json_element(domains, &pos, &e)) {
		if (v->ndomains == INSPECT_DOMAINS_MAX || json_string_into(&e, d, sizeof d) != 1 ||
		    dlp_has_long_digits(d, strlen(d))) {
			buf_free(&all);
			return fail(why, "visible_domains: more than INSPECT_DOMAINS_MAX, "
			    "not a domain, or a digit run not masked");
		}
		buf_append(&all, d, strlen(d) + 1);
		v->ndomains++;
	}
	v->domains = all.data;	/* taken over: freed by findings_view_free */
	return 0;
}

int
findings_read(const char *json, size_t len, const char *id, struct findings_view *v,
    struct buf *why)
{
	static const char *const names[] = { "schema", "id", "findings", "findings_not_listed",
		"subject", "visible_domains" };
	struct json_value top, m[6], e;
	char s[128];
	size_t pos = 0;
	uint64_t u;
	size_t cap = 0;

	memset(v, 0, sizeof *v);
	if (len > FINDINGS_READ_MAX)
		return fail(why, "larger than its ceiling");
	if (json_check(json, len, &top, why) != 0)
		return -1;
	if (top.type != JV_OBJECT)
		return fail(why, "not a JSON object");
	json_members(&top, names, m, 6);
	if (json_string_into(&m[0], s, sizeof s) != 1 || strcmp(s, FINDINGS_SCHEMA) != 0)
		return fail(why, "schema");
	if (json_string_into(&m[1], s, sizeof s) != 1 || strcmp(s, id) != 0)
		return fail(why, "the answer of another item");
	if (m[2].type != JV_ARRAY)
		return fail(why, "findings");
	if (m[3].p == NULL || json_u64(&m[3], &u) != 0)
		return fail(why, "findings_not_listed");
	v->not_listed = (unsigned long long)u;
	while (json_element(&m[2], &pos, &e)) {
		if (v->n == INSPECT_FINDINGS_MAX) {
			findings_view_free(v);
			return fail(why, "more findings than INSPECT_FINDINGS_MAX");
		}
		if (v->n == cap) {
			cap = cap ? cap * 2 : 16;
			if (cap > INSPECT_FINDINGS_MAX)
				cap = INSPECT_FINDINGS_MAX;
			v->f = xrealloc(v->f, cap * sizeof *v->f);
		}
		memset(&v->f[v->n], 0, sizeof v->f[v->n]);
		if (findings_read_one(&e, &v->f[v->n], why) != 0) {
			findings_view_free(v);
			return -1;
		}
		v->n++;
	}
	if (read_beside(&m[4], &m[5], v, why) != 0) {
		findings_view_free(v);
		return -1;
	}
	return 0;
}

void
findings_view_free(struct findings_view *v)
{
	free(v->f);
	free(v->subject);
	free(v->domains);
	v->f = NULL;
	v->subject = v->domains = NULL;
	v->n = v->ndomains = 0;
}
