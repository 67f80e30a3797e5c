/*
 * idnum - 個人番号 and 法人番号 in text.  See idnum.h.
 *
 * One pass over the text keeps: the span of digits being read (groups and
 * their separators), the last keyword or label seen (for the label rule and
 * the window before a number), and a small queue of findings that wait until
 * the window after them has been read (a keyword may follow the number).
 * Positions are counted in characters for the window and in bytes for the
 * finding.
 */
#include "dlp/idnum.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "core/xalloc.h"

static const char *const default_individual[] = {
	"個人番号", "マイナンバー", "まいなんばー", "my number", "mynumber",
	"my_number", "my-number", "通知カード", NULL
};
static const char *const default_corporate[] = {
	"法人番号", "corporate number", "corporate_number", NULL
};
/* numbers that are something else, when named just before the number */
static const char *const default_other[] = {
	"注文番号", "伝票番号", "受注番号", "発注番号", "請求番号", "契約番号",
	"受付番号", "管理番号", "会員番号", "顧客番号", "口座番号", "証券番号",
	"問合せ番号", "問い合わせ番号", "お問合せ番号", "追跡番号", "整理番号",
	"登録番号", "製造番号", "品番", "型番", "電話", "携帯", "tel", "fax",
	"phone", "telephone", "〒", "郵便番号", "order", "invoice", "tracking", "serial",
	"account", "ticket", NULL
};

const struct dlp_terms dlp_default_terms = {
	default_individual, default_corporate, default_other, DLP_WINDOW_CHARS
};

#define GROUPS_MAX	8	/* a span with more groups is no number of ours */
#define DIGITS_MAX	16	/* nor one with more digits */

enum sep { SEP_NONE, SEP_SPACE, SEP_HYPHEN, SEP_DOT, SEP_BREAK };
enum hit { HIT_INDIVIDUAL, HIT_CORPORATE, HIT_OTHER };

int
dlp_individual_check(const unsigned char d[12])
{
	unsigned int sum = 0, r;

	/* P(n) is the n-th digit from the right of the first eleven;
	 * Q(n) = n + 1 for n <= 6, n - 5 for n >= 7 */
	for (unsigned int n = 1; n <= 11; n++)
		sum += d[11 - n] * (n <= 6 ? n + 1 : n - 5);
	r = sum % 11;
	return d[11] == (r <= 1 ? 0 : 11 - r);
}

int
dlp_corporate_check(const unsigned char d[13])
{
	unsigned int sum = 0;

	/* P(n) is the n-th digit from the right of the last twelve;
	 * Q(n) = 1 for odd n, 2 for even n */
	for (unsigned int n = 1; n <= 12; n++)
		sum += d[13 - n] * (n % 2 ? 1u : 2u);
	return d[0] == 9 - sum % 9;
}

const char *
dlp_kind_name(enum dlp_kind k)
{
	return k == DLP_CORPORATE_NUMBER ? "corporate-number" : "individual-number";
}

const char *
dlp_confidence_name(enum dlp_confidence c)
{
	return c == DLP_HIGH ? "high" : c == DLP_MEDIUM ? "medium" : "low";
}

int
dlp_masked(const struct dlp_finding *f, struct buf *out)
{
	return buf_printf(out, "%s%s", f->kind == DLP_CORPORATE_NUMBER ?
	    "*-****-****-" : "****-****-", f->last4);
}

/* --- characters ---------------------------------------------------------- */

static int
digit_value(unsigned int cp)
{
	if (cp >= '0' && cp <= '9')
		return (int)(cp - '0');
	if (cp >= 0xff10 && cp <= 0xff19)	/* full-width ０-９ */
		return (int)(cp - 0xff10);
	return -1;
}

static enum sep
sep_class(unsigned int cp)
{
	switch (cp) {
	case ' ': case 0x3000:			/* ideographic space */
		return SEP_SPACE;
	case '-': case 0xff0d: case 0x2010: case 0x2011: case 0x2012:
	case 0x2013: case 0x2014: case 0x2015: case 0x2212:
	case 0x30fc: case 0xff70:		/* ー, often typed for a hyphen */
		return SEP_HYPHEN;
	case '.': case 0xff0e: case 0x30fb:	/* ．・ */
		return SEP_DOT;
	default:
		return SEP_NONE;
	}
}

/*
 * The digit runs of text[0..len): calls run(start, end, digits) for each
 * maximal run of digits joined by single separators of one kind (as a
 * number is written: 1234-5678-9018, １２３４ ５６７８ ９０１８), from a digit
 * to a digit.  A separator of another kind ends a run, and its last group
 * starts the next one ("2026-12-07 03-1234" is "2026-12-07" and "07 03"
 * and "03-1234"); two separators in a row end it.  Runs overlap by at most
 * a group.
 */
static void
digit_runs(const char *text, size_t len,
    void (*run)(size_t start, size_t end, size_t digits, void *arg), void *arg)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0, start = 0, end = 0, digits = 0, group = 0, group_digits = 0;
	enum sep run_sep = SEP_NONE;
	int after_digit = 0;

	while (i < len) {
		unsigned int cp;
		size_t k = utf8_next(p + i, len - i, &cp);
		enum sep c;

		if (k == 0) {
			cp = 0xfffd;	/* an invalid byte ends a run */
			k = 1;
		}
		c = sep_class(cp);
		if (digit_value(cp) >= 0) {
			if (digits == 0) {
				start = i;
				run_sep = SEP_NONE;
			}
			if (!after_digit) {
				group = i;
				group_digits = 0;
			}
			digits++;
			group_digits++;
			end = i + k;
			after_digit = 1;
		} else if (digits > 0 && c != SEP_NONE && after_digit) {
			if (run_sep != SEP_NONE && run_sep != c) {
				/* another kind: the last group begins a run of this kind */
				run(start, end, digits, arg);
				start = group;
				digits = group_digits;
			}
			run_sep = c;
			after_digit = 0;
		} else {
			if (digits > 0)
				run(start, end, digits, arg);
			digits = 0;
			after_digit = 0;
		}
		i += k;
	}
	if (digits > 0)
		run(start, end, digits, arg);
}

struct mask_state {
	const char *text;
	unsigned char *hide;	/* per byte: the digit starting there is masked */
	int found;
};

static void
mark_run(size_t start, size_t end, size_t digits, void *arg)
{
	struct mask_state *m = arg;
	const unsigned char *p = (const unsigned char *)m->text;
	size_t seen = 0;

	if (digits < DLP_MASK_DIGITS)
		return;
	m->found = 1;
	if (m->hide == NULL)
		return;
	for (size_t i = start; i < end && seen < digits - 4;) {
		unsigned int cp;
		size_t k = utf8_next(p + i, end - i, &cp);

		if (k == 0)
			k = 1;
		else if (digit_value(cp) >= 0) {
			m->hide[i] = 1;
			seen++;
		}
		i += k;
	}
}

int
dlp_mask_digits(const char *text, size_t len, struct buf *out)
{
	struct mask_state m = { text, NULL, 0 };
	int r = 0;

	if (len == 0)
		return buf_append(out, "", 0);
	m.hide = xcalloc(len, 1);
	digit_runs(text, len, mark_run, &m);
	for (size_t i = 0; i < len;) {
		unsigned int cp;
		size_t k = utf8_next((const unsigned char *)text + i, len - i, &cp);

		if (k == 0)
			k = 1;
		r |= m.hide[i] ? buf_putc(out, '*') : buf_append(out, text + i, k);
		i += k;
	}
	free(m.hide);
	return r;
}

int
dlp_has_long_digits(const char *text, size_t len)
{
	struct mask_state m = { text, NULL, 0 };

	digit_runs(text, len, mark_run, &m);
	return m.found;
}

/* A character that makes digits on both sides one token (a code, a
 * decimal, an amount); a space does not: it separates a list. */
static int
joins_digits(unsigned int cp)
{
	enum sep c = sep_class(cp);

	return cp == ',' || cp == 0xff0c || c == SEP_HYPHEN || c == SEP_DOT;
}

static int
is_word_char(unsigned int cp)
{
	return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_' ||
	    (cp >= 0xff21 && cp <= 0xff3a) || (cp >= 0xff41 && cp <= 0xff5a);
}

/* Decode at p; an invalid byte is one character of its own (U+FFFD). */
static size_t
next_cp(const unsigned char *p, size_t len, unsigned int *cp)
{
	size_t n = utf8_next(p, len, cp);

	if (n == 0) {
		*cp = 0xfffd;
		n = 1;
	}
	return n;
}

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Length in bytes of term if it starts at p, else 0. */
static size_t
term_at(const unsigned char *p, size_t len, const char *term)
{
	size_t i;

	for (i = 0; term[i] != '\0'; i++)
		if (i >= len || ascii_lower(p[i]) != ascii_lower((unsigned char)term[i]))
			return 0;
	return i;
}

static size_t
chars_in(const unsigned char *p, size_t len)
{
	size_t n = 0;
	unsigned int cp;

	for (size_t i = 0; i < len; i += next_cp(p + i, len - i, &cp))
		n++;
	return n;
}

/* The longest term of any list starting at p: its kind, or -1. */
static int
hit_at(const unsigned char *p, size_t len, const struct dlp_terms *t, size_t *bytes)
{
	const char *const *lists[3] = { t->individual, t->corporate, t->other };
	int kind = -1;

	*bytes = 0;
	for (int k = 0; k < 3; k++)
		for (const char *const *s = lists[k]; s && *s; s++) {
			size_t n = term_at(p, len, *s);

			if (n > *bytes) {
				*bytes = n;
				kind = k;
			}
		}
	return kind;
}

/* --- the scan ------------------------------------------------------------- */

struct pending {
	struct dlp_finding f;
	size_t end_ci;		/* character index just past the number */
	int keyword;		/* a keyword of its kind is in the window */
	int quiet_unless_labelled;	/* date-like or after '+': only when its
					 * own label (or the context) names it */
	int labelled;
};

struct scan {
	const unsigned char *text;
	size_t len;
	const struct dlp_terms *t;
	size_t window;
	int context_kw[2];	/* the caller's context names the kind */
	/* the first two bytes a term may start with (lower case), as bits, and
	 * the bytes of one-byte terms: most characters are no term's start */
	unsigned char first2[65536 / 8];
	unsigned char first1[256];
	/* the last term seen: for the label rule and the window before */
	size_t last_kw_end[2];	/* character index past it; SIZE_MAX: none */
	int label_kind;		/* kind of the last term, -1 none */
	size_t label_end_ci, label_line;
	size_t label_end_byte;
	struct pending q[DLP_PENDING_MAX];
	size_t qhead, qlen;
	dlp_emit_fn emit;
	void *arg;
};

/* Whether a term may start at p: its first one or two bytes say. */
static int
may_start(const struct scan *s, const unsigned char *p, size_t len)
{
	unsigned int b0 = (unsigned int)ascii_lower(p[0]), two;

	if (s->first1[b0])
		return 1;
	if (len < 2)
		return 0;
	two = b0 << 8 | (unsigned int)ascii_lower(p[1]);
	return (s->first2[two >> 3] >> (two & 7)) & 1;
}

static int
flush_one(struct scan *s)
{
	struct pending *p = &s->q[s->qhead];
	int rc = 0;

	if (p->keyword)
		p->f.confidence = DLP_HIGH;
	if (p->labelled || !p->quiet_unless_labelled)
		rc = s->emit(&p->f, s->arg);
	s->qhead = (s->qhead + 1) % DLP_PENDING_MAX;
	s->qlen--;
	return rc;
}

/* Emit the findings whose window after them has been read by ci. */
static int
flush_until(struct scan *s, size_t ci)
{
	int rc;

	while (s->qlen > 0 && s->q[s->qhead].end_ci + s->window < ci)
		if ((rc = flush_one(s)) != 0)
			return rc;
	return 0;
}

/* A keyword of kind k starting at character ci: findings waiting within the
 * window before it gain it. */
static void
keyword_after(struct scan *s, int k, size_t ci)
{
	for (size_t i = 0; i < s->qlen; i++) {
		struct pending *p = &s->q[(s->qhead + i) % DLP_PENDING_MAX];

		if ((int)p->f.kind == k && ci - p->end_ci <= s->window)
			p->keyword = 1;
	}
}

static int
is_datetime(const unsigned char d[12])
{
	unsigned int y = d[0] * 1000u + d[1] * 100u + d[2] * 10u + d[3];
	unsigned int mo = d[4] * 10u + d[5], dd = d[6] * 10u + d[7];
	unsigned int h = d[8] * 10u + d[9], mi = d[10] * 10u + d[11];

	return y >= 1900 && y <= 2099 && mo >= 1 && mo <= 12 && dd >= 1 &&
	    dd <= 31 && h <= 23 && mi <= 59;
}

struct span {
	size_t start, end;	/* bytes */
	size_t start_ci, end_ci;
	size_t line;
	unsigned char d[DIGITS_MAX];
	size_t ndigits;		/* may exceed DIGITS_MAX: then not ours */
	size_t group[GROUPS_MAX];
	size_t ngroups;		/* may exceed GROUPS_MAX */
	enum sep sep;		/* the one separator besides line breaks */
	int mixed;		/* two kinds of separator */
	int breaks;		/* a line break between groups */
};

/* Which number the span is, if any: 0 individual, 1 corporate, -1 none. */
static int
span_kind(const struct span *sp, int *grouped)
{
	const size_t *g = sp->group;

	*grouped = 0;
	if (sp->mixed || sp->ngroups > GROUPS_MAX || sp->ndigits > DIGITS_MAX)
		return -1;
	if (sp->ngroups == 1 || sp->sep == SEP_NONE) {	/* bare, maybe wrapped */
		if (sp->ndigits == 12)
			return DLP_INDIVIDUAL_NUMBER;
		if (sp->ndigits == 13)
			return DLP_CORPORATE_NUMBER;
		return -1;
	}
	*grouped = 1;
	if (sp->ngroups == 3 && g[0] == 4 && g[1] == 4 && g[2] == 4)
		return DLP_INDIVIDUAL_NUMBER;
	if (sp->ngroups == 4 && g[0] == 1 && g[1] == 4 && g[2] == 4 && g[3] == 4)
		return DLP_CORPORATE_NUMBER;
	return -1;
}

static int
all_zero(const unsigned char *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (d[i] != 0)
			return 0;
	return 1;
}

static int
group_over_four(const struct span *sp)
{
	if (sp->ngroups > GROUPS_MAX)
		return 1;
	for (size_t g = 0; g < sp->ngroups; g++)
		if (sp->group[g] > 4)
			return 1;
	return 0;
}

static int
span_done(struct scan *s, const struct span *sp, unsigned int before,
    unsigned int before2, size_t after_at)
{
	struct pending p;
	unsigned int after = 0, after2 = 0;
	int kind, grouped, valid, rc;

	kind = span_kind(sp, &grouped);
	if (kind < 0)
		return 0;
	valid = kind == DLP_INDIVIDUAL_NUMBER ? dlp_individual_check(sp->d) :
	    dlp_corporate_check(sp->d);
	if (!valid || all_zero(sp->d, sp->ndigits))
		return 0;	/* zeros pass the check but are a placeholder, never issued */
	/* part of a word, or of a decimal or an amount: not a number of ours */
	if (after_at < s->len) {
		size_t n = next_cp(s->text + after_at, s->len - after_at, &after);

		if (after_at + n < s->len)
			(void)next_cp(s->text + after_at + n, s->len - after_at - n, &after2);
	}
	if (is_word_char(before) || is_word_char(after))
		return 0;
	if (joins_digits(before) && digit_value(before2) >= 0)
		return 0;
	if (joins_digits(after) && digit_value(after2) >= 0)
		return 0;
	/* labelled as something else just before, on its line */
	if (s->label_kind == HIT_OTHER && s->label_line == sp->line &&
	    sp->start_ci - s->label_end_ci <= DLP_LABEL_CHARS)
		return 0;

	memset(&p, 0, sizeof p);
	p.f.kind = (enum dlp_kind)kind;
	p.f.grouped = grouped;
	p.f.confidence = grouped ? DLP_MEDIUM : DLP_LOW;
	p.f.offset = sp->start;
	p.f.length = sp->end - sp->start;
	p.f.line = sp->line;
	for (int i = 0; i < 4; i++)
		p.f.last4[i] = (char)('0' + sp->d[sp->ndigits - 4 + (size_t)i]);
	p.end_ci = sp->end_ci;
	p.keyword = s->context_kw[kind] ||
	    (s->last_kw_end[kind] != SIZE_MAX &&
	     sp->start_ci - s->last_kw_end[kind] <= s->window);
	p.labelled = s->context_kw[kind] ||
	    (s->label_kind == kind && s->label_line == sp->line &&
	     sp->start_ci - s->label_end_ci <= DLP_LABEL_CHARS);
	p.quiet_unless_labelled = before == '+' ||
	    (kind == DLP_INDIVIDUAL_NUMBER && !grouped && is_datetime(sp->d));
	if (s->qlen == DLP_PENDING_MAX && (rc = flush_one(s)) != 0)
		return rc;
	s->q[(s->qhead + s->qlen) % DLP_PENDING_MAX] = p;
	s->qlen++;
	return 0;
}

/* After digits ending at byte i: the separator (or line break) and the
 * byte of the next digit, or 0 when the span ends at i. */
static size_t
continues(const unsigned char *t, size_t len, size_t i, enum sep *sep,
    size_t *chars, int *newline)
{
	unsigned int cp;
	size_t j = i, n, c = 0;
	int brk = 0;

	*newline = 0;
	if (j >= len)
		return 0;
	/* one separator character directly between digits */
	n = next_cp(t + j, len - j, &cp);
	if ((*sep = sep_class(cp)) != SEP_NONE) {
		size_t k = j + n;
		unsigned int d;

		if (k < len) {
			(void)next_cp(t + k, len - k, &d);
			if (digit_value(d) >= 0) {
				*chars = 1;
				return k;
			}
		}
	}
	/* or a line break, with blanks around it */
	while (j < len) {
		n = next_cp(t + j, len - j, &cp);
		if (cp == '\n' && !brk) {
			brk = 1;
			(*newline)++;
		} else if (!(cp == ' ' || cp == '\t' || cp == '\r' || cp == 0x3000))
			break;
		j += n;
		c++;
	}
	if (brk && j < len && digit_value(cp) >= 0) {
		*sep = SEP_BREAK;
		*chars = c;
		return j;
	}
	*newline = 0;
	return 0;
}

int
dlp_scan_text(const char *text, size_t len, const char *context,
    const struct dlp_terms *terms, dlp_emit_fn emit, void *arg)
{
	struct scan s;
	const unsigned char *t = (const unsigned char *)text;
	unsigned int cp, prev = 0, prev2 = 0;
	size_t i = 0, ci = 0, line = 1, n, skip_to = 0;
	int rc;

	memset(&s, 0, sizeof s);
	s.text = t;
	s.len = len;
	s.t = terms ? terms : &dlp_default_terms;
	s.window = s.t->window ? s.t->window : DLP_WINDOW_CHARS;
	s.last_kw_end[0] = s.last_kw_end[1] = SIZE_MAX;
	s.label_kind = -1;
	s.emit = emit;
	s.arg = arg;
	{
		const char *const *lists[3] = { s.t->individual, s.t->corporate, s.t->other };

		for (int k = 0; k < 3; k++)
			for (const char *const *w = lists[k]; w && *w; w++) {
				unsigned int b0 = (unsigned int)ascii_lower((unsigned char)(*w)[0]);

				if ((*w)[0] == '\0')
					continue;
				if ((*w)[1] == '\0')
					s.first1[b0] = 1;
				else {
					unsigned int two = b0 << 8 |
					    (unsigned int)ascii_lower((unsigned char)(*w)[1]);

					s.first2[two >> 3] |= (unsigned char)(1u << (two & 7));
				}
			}
	}
	if (context) {
		const unsigned char *c = (const unsigned char *)context;
		size_t clen = strlen(context), b;

		for (size_t k = 0; k < clen; k += next_cp(c + k, clen - k, &cp)) {
			int h = hit_at(c + k, clen - k, s.t, &b);

			if (h == HIT_INDIVIDUAL || h == HIT_CORPORATE)
				s.context_kw[h] = 1;
		}
	}

	while (i < len) {
		size_t b;
		int h;

		if ((rc = flush_until(&s, ci)) != 0)
			return rc;
		/* a keyword or label starting here (not inside the last one) */
		if (i >= skip_to && may_start(&s, t + i, len - i) &&
		    (h = hit_at(t + i, len - i, s.t, &b)) >= 0 &&
		    !(is_word_char(t[i]) && is_word_char(prev))) {
			size_t nc = chars_in(t + i, b);

			if (h != HIT_OTHER) {
				keyword_after(&s, h, ci);
				s.last_kw_end[h] = ci + nc;
			}
			s.label_kind = h;
			s.label_end_ci = ci + nc;
			s.label_end_byte = i + b;
			s.label_line = line;
			skip_to = i + b;
		}
		n = next_cp(t + i, len - i, &cp);
		if (digit_value(cp) >= 0) {
			struct span sp;
			size_t j = i;

			memset(&sp, 0, sizeof sp);
			sp.start = i;
			sp.start_ci = ci;
			sp.line = line;
			sp.ngroups = 1;
			for (;;) {
				enum sep sep;
				size_t chars, next;
				int nl;

				/* a run of digits */
				while (j < len) {
					n = next_cp(t + j, len - j, &cp);
					if (digit_value(cp) < 0)
						break;
					if (sp.ndigits < DIGITS_MAX)
						sp.d[sp.ndigits] = (unsigned char)digit_value(cp);
					sp.ndigits++;
					if (sp.ngroups <= GROUPS_MAX)
						sp.group[sp.ngroups - 1]++;
					j += n;
					ci++;
				}
				next = continues(t, len, j, &sep, &chars, &nl);
				if (next == 0)
					break;
				/* groups of more than four digits are not
				 * grouped numbers: a space after one starts
				 * the next number of a list; and a line break
				 * after a whole number starts the next line's */
				if (sep != SEP_BREAK && group_over_four(&sp))
					break;
				if (sep == SEP_BREAK && span_kind(&sp, &(int){ 0 }) >= 0)
					break;
				if (sep == SEP_BREAK)
					sp.breaks = 1;
				else if (sp.sep == SEP_NONE)
					sp.sep = sep;
				else if (sp.sep != sep)
					sp.mixed = 1;
				sp.ngroups++;
				line += (size_t)nl;
				ci += chars;
				j = next;
			}
			sp.end = j;
			sp.end_ci = ci;
			if ((rc = span_done(&s, &sp, prev, prev2, j)) != 0)
				return rc;
			i = j;
			prev2 = 0;
			prev = '0';
			continue;
		}
		if (cp == '\n')
			line++;
		prev2 = prev;
		prev = cp;
		i += n;
		ci++;
	}
	while (s.qlen > 0)
		if ((rc = flush_one(&s)) != 0)
			return rc;
	return 0;
}
