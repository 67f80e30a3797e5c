/*
 * cdr - the decision for one file: type from content, name checked against
 * it, then the sanitiser for the type.  See cdr.h.
 */
#include "cdr/cdr.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cdr/filetype.h"

/* A detail cut at its buffer's end must not end inside a UTF-8 character. */
static void
utf8_trim(char *s, size_t size)
{
	size_t n = strlen(s), i;

	if (n + 1 < size || n == 0)
		return;	/* not truncated */
	i = n;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i > 0 && (unsigned char)s[i - 1] >= 0xc0) {
		unsigned char lead = (unsigned char)s[i - 1];
		size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;

		if (n - (i - 1) < want)
			s[i - 1] = '\0';
	}
}

int
cdr_withhold(struct cdr_result *r, const char *reason, const char *fmt, ...)
{
	va_list ap;

	if (r->reason[0] != '\0')	/* the first reason wins */
		return CDR_WITHHELD;
	snprintf(r->reason, sizeof r->reason, "%s", reason);
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof r->detail, fmt, ap);
	va_end(ap);
	utf8_trim(r->detail, sizeof r->detail);
	return CDR_WITHHELD;
}

int
cdr_limit(struct cdr_result *r, const char *limit_name, unsigned long long value,
    const char *fmt, ...)
{
	va_list ap;

	if (r->reason[0] != '\0')
		return CDR_WITHHELD;
	snprintf(r->reason, sizeof r->reason, "%s", limit_name);
	snprintf(r->limit_name, sizeof r->limit_name, "%s", limit_name);
	r->limit_value = value;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof r->detail, fmt, ap);
	va_end(ap);
	utf8_trim(r->detail, sizeof r->detail);
	return CDR_WITHHELD;
}

/* Append name to names unless it is already there or there is no room. */
static void
add_example(char *names, size_t size, const char *name)
{
	size_t have = strlen(names), n = strlen(name);
	const char *p = names;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == names || p[-1] == ' ') && (p[n] == '\0' || p[n] == ','))
			return;
		p++;
	}
	if (have + (have ? 2 : 0) + n + 1 > size)
		return;
	if (have)
		memcpy(names + have, ", ", 2), have += 2;
	memcpy(names + have, name, n + 1);
}

const struct cdr_removal *
cdr_removal_find(const struct cdr_result *r, const char *what)
{
	for (size_t i = 0; i < r->nremoved; i++)
		if (strcmp(r->removed[i].what, what) == 0)
			return &r->removed[i];
	return NULL;
}

void
cdr_removed(struct cdr_result *r, const char *what, const char *name)
{
	struct cdr_removal *e = (struct cdr_removal *)(uintptr_t)cdr_removal_find(r, what);

	if (e == NULL) {
		if (r->nremoved == CDR_REMOVED_MAX) {
			r->removed_dropped++;
			return;
		}
		e = &r->removed[r->nremoved++];
		memset(e, 0, sizeof *e);
		snprintf(e->what, sizeof e->what, "%s", what);
	}
	e->count++;
	if (name != NULL && *name != '\0')
		add_example(e->names, sizeof e->names, name);
}

void
cdr_removed_n(struct cdr_result *r, const char *what, const char *name, size_t n)
{
	if (n == 0)
		return;
	const struct cdr_removal *e;

	cdr_removed(r, what, name);
	if ((e = cdr_removal_find(r, what)) != NULL)	/* NULL: past CDR_REMOVED_MAX */
		((struct cdr_removal *)(uintptr_t)e)->count += n - 1;
}

int
cdr_block_marker(const struct encblock *b, const char *shown, int english, const char *eol,
    struct buf *out)
{
	const char *name = shown != NULL && *shown != '\0' ? shown : NULL;

	if (english)
		return buf_printf(out, "[the %s-encoded file%s%s%s that was here has been taken out]%s",
		    encblock_kind_name(b->kind), name ? " \"" : "", name ? name : "",
		    name ? "\"" : "", eol);
	return buf_printf(out, "［ここにあった%s形式のファイル%s%s%sは取り除きました］%s",
		    encblock_kind_name(b->kind), name ? "「" : "", name ? name : "",
		    name ? "」" : "", eol);
}
