/*
 * ambiguity - kinds of irregular structure, in plain words.  See ambiguity.h.
 */
#include "mime/ambiguity.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Fields whose conflict is named; the shown ones say which value is shown. */
static const struct field_name {
	const char *name, *ja;
	int shown;		/* sekisho writes it: the first value */
} fields[] = {
	{ "From", "差出人", 1 }, { "To", "宛先", 1 }, { "Cc", "Cc", 1 },
	{ "Reply-To", "返信先", 1 }, { "Subject", "件名", 1 }, { "Sender", "送信者", 0 },
};

static const char *const content_fields[] = {
	"MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
	"Content-ID", "Content-Description", "Content-Language", "Content-Location",
	"Content-Base", "Content-MD5", "Content-Duration",
};

static const char *const params[] = {
	"charset", "boundary", "name", "filename", "format", "delsp", "type", "start",
	"protocol", "micalg", "report-type", "id", "number", "total", "access-type", "size",
};

/* The canonical spelling of name in list (n entries), or NULL. */
static const char *
canonical(const char *name, const char *const *list, size_t n)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(name, list[i]) == 0)
			return list[i];
	}
	return NULL;
}

static const struct field_name *
shown_field(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (strcasecmp(name, fields[i].name) == 0)
			return &fields[i];
	}
	return NULL;
}

void
ambiguity_text(const char *kind, const char *field, enum lang lang, struct buf *out)
{
	const int en = lang == LANG_EN;

	if (strcmp(kind, "conflicting-field") == 0) {
		const struct field_name *f = shown_field(field);

		if (f == NULL)
			buf_puts(out, en ? "a header field given again with another value"
			    : "ヘッダー欄が重複し内容が異なる");
		else if (en)
			buf_printf(out, "%s given again with another value", f->name);
		else
			buf_printf(out, "%s（%s）欄が重複し内容が異なる", f->ja, f->name);
	} else if (strcmp(kind, "conflicting-content-field") == 0) {
		if (en)
			buf_printf(out, "%s given again with another value",
			    field != NULL ? field : "a Content- field");
		else if (field != NULL)
			buf_printf(out, "形式の指定（%s）が重複し内容が異なる", field);
		else
			buf_puts(out, "形式の指定が重複し内容が異なる");
	} else if (strcmp(kind, "conflicting-parameter") == 0) {
		if (en)
			buf_printf(out, "a parameter%s%s given again with another value",
			    field != NULL ? " " : "", field != NULL ? field : "");
		else if (field != NULL)
			buf_printf(out, "同じ名前の指定（%s）が異なる値で重複", field);
		else
			buf_puts(out, "同じ名前の指定が異なる値で重複");
	} else if (strcmp(kind, "invalid-header-line") == 0)
		buf_puts(out, en ? "a line among the header fields that is not a field"
		    : "ヘッダーとして読めない行");
	else if (strcmp(kind, "empty-part") == 0)
		buf_puts(out, en ? "an empty part (such as a repeated boundary line)"
		    : "中身のないパート（区切り行の重複など）");
	else if (strcmp(kind, "inner-boundary-prefix") == 0)
		buf_puts(out, en ? "an inner boundary is the start of an outer one"
		    : "内側の区切りが外側の区切りの先頭と一致");
	else if (strcmp(kind, "outer-boundary-prefix") == 0)
		buf_puts(out, en ? "an outer boundary is the start of an inner one"
		    : "外側の区切りが内側の区切りの先頭と一致");
	else if (strcmp(kind, "multipart-without-boundary") == 0)
		buf_puts(out, en ? "a multipart without a boundary" : "区切りの指定がない複数パート");
	else if (strcmp(kind, "nesting-overflow") == 0)
		buf_puts(out, en ? "nested deeper than the parser reads" : "入れ子が深すぎる");
	else
		buf_puts(out, en ? "structure other software could read differently"
		    : "ソフトウェアによって解釈が分かれうる構造");
}

const char *
ambiguity_done(const char *kind, const char *field, enum lang lang)
{
	const int en = lang == LANG_EN;
	const struct field_name *f;

	if (strcmp(kind, "conflicting-field") == 0)
		return (f = shown_field(field)) != NULL && f->shown ?
		    (en ? "the first is shown" : "最初のものを表示") : NULL;
	if (strcmp(kind, "conflicting-parameter") == 0)
		return en ? "the first is used" : "最初のものを採用";
	if (strcmp(kind, "invalid-header-line") == 0)
		return en ? "not shown" : "表示していません";
	if (strcmp(kind, "multipart-without-boundary") == 0)
		return en ? "its content is shown as text" : "中身をそのままテキストで表示";
	return NULL;
}

/* Count one of a kind in the receipt, with its English words. */
static void
put_kind(struct receipt *rc, const char *kind, const char *field, size_t count)
{
	struct buf text;
	const char *done;

	if (count == 0)
		return;
	buf_init(&text, 512);
	ambiguity_text(kind, field, LANG_EN, &text);
	if ((done = ambiguity_done(kind, field, LANG_EN)) != NULL)
		buf_printf(&text, " (%s)", done);
	receipt_irregular(rc, kind, field, count, buf_str(&text));
	buf_free(&text);
}

void
ambiguity_init(struct ambiguity *a)
{
	memset(a, 0, sizeof *a);
}

/* A stray line or an empty part, kept for attribution while there is room. */
static void
add_event(struct ambiguity *a, int empty, const char *line, long long offset)
{
	struct ambig_event *e;
	size_t n = 0;

	if (a->nev == AMBIG_EVENTS_MAX) {
		if (empty)
			a->more_empty++;
		else
			a->more_invalid++;
		return;
	}
	e = &a->ev[a->nev++];
	memset(e, 0, sizeof *e);
	e->offset = offset;
	e->empty = empty;
	/* the line up to its end, for comparing with "--boundary" */
	for (; line != NULL && line[n] != '\0' && line[n] != '\r' && line[n] != '\n' &&
	    n + 1 < sizeof e->line; n++)
		e->line[n] = line[n];
}

void
ambiguity_report(struct ambiguity *a, struct receipt *rc, GMimeParserWarning code,
    const char *item, long long offset)
{
	a->critical++;
	switch (code) {
	case GMIME_CRIT_CONFLICTING_HEADER: {
		const struct field_name *f = shown_field(item);

		if (f != NULL)
			put_kind(rc, "conflicting-field", f->name, 1);
		else
			put_kind(rc, "conflicting-content-field", canonical(item, content_fields,
			    sizeof content_fields / sizeof content_fields[0]), 1);
		break;
	}
	case GMIME_CRIT_CONFLICTING_PARAMETER:
		put_kind(rc, "conflicting-parameter",
		    canonical(item, params, sizeof params / sizeof params[0]), 1);
		break;
	case GMIME_CRIT_INVALID_HEADER_NAME:
		add_event(a, 0, item, offset);
		break;
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		add_event(a, 1, NULL, offset);
		break;
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
		a->no_boundary++;
		break;
	case GMIME_CRIT_NESTING_OVERFLOW:
		a->nesting_overflow = 1;
		break;
	default:
		a->unknown = 1;
		break;
	}
}

void
ambiguity_nested(struct ambiguity *a, struct receipt *rc, const char *inner,
    const char *outer, const char *path)
{
	size_t ni = strlen(inner), no = strlen(outer);
	const char *shorter;
	char detail[256];
	int inner_first;

	if (ni <= no && strncmp(inner, outer, ni) == 0)
		inner_first = 1;
	else if (no < ni && strncmp(inner, outer, no) == 0)
		inner_first = 0;
	else
		return;
	a->critical++;
	if (inner_first)
		a->inner_prefix++;
	else
		a->outer_prefix++;
	snprintf(detail, sizeof detail, "critical: at %s: %s boundary \"%.80s\" starts %s "
	    "boundary \"%.80s\"", path, inner_first ? "inner" : "outer",
	    inner_first ? inner : outer, inner_first ? "outer" : "inner",
	    inner_first ? outer : inner);
	receipt_anomaly(rc, "boundary-prefix", detail, -1);
	shorter = inner_first ? inner : outer;
	if (a->nprefix < AMBIG_PREFIX_MAX && strlen(shorter) + 1 < AMBIG_LINE_MAX)
		memcpy(a->prefix[a->nprefix++], shorter, strlen(shorter) + 1);
}

/* A stray line a boundary prefix explains: "--" and the shorter boundary. */
static int
explained(const struct ambiguity *a, const char *line)
{
	if (strncmp(line, "--", 2) != 0)
		return 0;
	for (size_t i = 0; i < a->nprefix; i++) {
		if (strncmp(line + 2, a->prefix[i], strlen(a->prefix[i])) == 0)
			return 1;
	}
	return 0;
}

void
ambiguity_finish(struct ambiguity *a, struct receipt *rc)
{
	size_t invalid = a->more_invalid, empty = a->more_empty;

	/*
	 * GMime reports the line that opened an empty part first as an invalid
	 * header line, at the same offset: one event, named by the empty part.
	 */
	for (size_t i = 0; i < a->nev; i++) {
		struct ambig_event *e = &a->ev[i];
		const char *line = "";

		if (!e->empty)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (!a->ev[j].empty && !a->ev[j].absorbed && a->ev[j].offset == e->offset) {
				if (line[0] == '\0')
					line = a->ev[j].line;
				a->ev[j].absorbed = 1;
			}
		}
		if (!explained(a, line))
			empty++;
	}
	for (size_t i = 0; i < a->nev; i++) {
		if (!a->ev[i].empty && !a->ev[i].absorbed && !explained(a, a->ev[i].line))
			invalid++;
	}
	put_kind(rc, "inner-boundary-prefix", NULL, a->inner_prefix);
	put_kind(rc, "outer-boundary-prefix", NULL, a->outer_prefix);
	put_kind(rc, "multipart-without-boundary", NULL, a->no_boundary);
	put_kind(rc, "empty-part", NULL, empty);
	put_kind(rc, "invalid-header-line", NULL, invalid);
	put_kind(rc, "nesting-overflow", NULL, (size_t)a->nesting_overflow);
	put_kind(rc, "unknown", NULL, (size_t)a->unknown);
}
