/*
 * outbound - the decision on a message leaving.  See outbound.h.
 */
#include "daemon/outbound.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/num.h"
#include "policy/access.h"

const char *
outbound_action_name(enum outbound_action a)
{
	switch (a) {
	case OUTBOUND_BCC: return "bcc";
	case OUTBOUND_HOLD: return "hold";
	case OUTBOUND_REJECT: return "reject";
	case OUTBOUND_DELAY: return "delay";
	default: return "pass";
	}
}

/* outbound_number_action and outbound_uninspectable_action: hold, reject, pass */
static enum outbound_action
finding_action(int choice)
{
	return choice == 0 ? OUTBOUND_HOLD : choice == 1 ? OUTBOUND_REJECT : OUTBOUND_PASS;
}

/* outbound_many_outside_action: bcc, hold, reject */
static enum outbound_action
many_action(int choice)
{
	return choice == 0 ? OUTBOUND_BCC : choice == 1 ? OUTBOUND_HOLD : OUTBOUND_REJECT;
}

/* high 0, medium 1, low 2: the order of outbound_number_confidence's choices */
static int
confidence_rank(const char *c)
{
	return strcmp(c, "high") == 0 ? 0 : strcmp(c, "medium") == 0 ? 1 : 2;
}

static int
domain_outside(const struct config *cfg, const char *domain)
{
	return domain[0] == '\0' || !access_domain_match(cfg->outbound_local_domains, domain);
}

int
outbound_is_outside(const struct config *cfg, const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at == NULL || domain_outside(cfg, at + 1);
}

void
outbound_count(const struct config *cfg, const char *rcpts, size_t *n, size_t *outside,
    size_t *exposed)
{
	char one[512];

	*n = *outside = *exposed = 0;
	while (*rcpts != '\0') {
		size_t k = strcspn(rcpts, ",");

		if (k > 0) {
			const char *at;

			snprintf(one, sizeof one, "%.*s", (int)k, rcpts);
			(*n)++;
			if (outbound_is_outside(cfg, one)) {
				(*outside)++;
				at = strrchr(one, '@');
				*exposed += at == NULL || !access_domain_match(
				    cfg->outbound_trusted_destinations, at + 1);
			}
		}
		rcpts += k;
		if (*rcpts == ',')
			rcpts++;
	}
}

/* Each entry of a comma- or space-separated list, as a string. */
static int
next_entry(const char **p, char *e, size_t n)
{
	size_t k;

	while (**p == ',' || **p == ' ' || **p == '\t')
		(*p)++;
	k = strcspn(*p, ", \t");
	if (k == 0)
		return 0;
	snprintf(e, n, "%.*s", (int)(k < n ? k : n - 1), *p);
	*p += k;
	return 1;
}

int
outbound_sender_trusted(const struct config *cfg, const char *sender)
{
	const char *p = cfg->outbound_trusted_senders, *at = strrchr(sender, '@');
	char e[256];

	while (next_entry(&p, e, sizeof e)) {
		if (strchr(e, '@') != NULL ? strcasecmp(e, sender) == 0 :
		    at != NULL && access_domain_match(e, at + 1))
			return 1;
	}
	return 0;
}

int
outbound_senders_check(const char *list, struct buf *err)
{
	const char *p = list;
	char e[256];

	while (next_entry(&p, e, sizeof e)) {
		const char *at = strchr(e, '@');

		if (at == NULL ? access_domains_check(e, err) != 0 :
		    at == e || at[1] == '\0' || strchr(at + 1, '@') != NULL) {
			if (at != NULL)
				buf_printf(err, "outbound_trusted_senders: \"%s\" is not an address", e);
			return -1;
		}
	}
	return 0;
}

size_t
outbound_visible_outside(const struct config *cfg, const struct findings_view *v)
{
	const char *d = v->domains;
	size_t outside = 0;

	for (size_t i = 0; i < v->ndomains; i++) {
		outside += domain_outside(cfg, d);
		d += strlen(d) + 1;
	}
	return outside;
}

static void
consider(struct outbound_decision *d, enum outbound_action a, const char *reason,
    const char *detail)
{
	if (a <= d->action)
		return;
	d->action = a;
	snprintf(d->reason, sizeof d->reason, "%s", reason);
	snprintf(d->detail, sizeof d->detail, "%s", detail);
}

void
outbound_decide(const struct config *cfg, const struct outbound_facts *x,
    struct outbound_decision *d)
{
	const struct findings_view *v = x->found;
	char detail[sizeof d->detail];

	memset(d, 0, sizeof *d);
	d->action = OUTBOUND_PASS;
	if (!x->trusted_sender && (x->exposed > 0 || cfg->outbound_check_internal)) {
		size_t k = x->exposed > 0 ? x->exposed : x->recipients;
		char whom[64];

		snprintf(whom, sizeof whom, "the message is for %zu %s recipient%s", k,
		    x->exposed > 0 ? "outside" : "inside or trusted", k == 1 ? "" : "s");
		for (size_t i = 0; v != NULL && i < v->n; i++) {
			const struct finding_view *f = &v->f[i];

			if (strcmp(f->kind, "uninspectable") == 0 && strcmp(f->reason, "no-text") == 0)
				continue;	/* a picture: nothing hidden from the check */
			if (strcmp(f->kind, "term") == 0) {
				const struct policy_terms *t = &cfg->pol.dlp_terms;
				uint64_t w = 0;

				(void)parse_u64(f->reason + 5, &w);	/* "term-N", checked by the reader */
				snprintf(detail, sizeof detail, "the word \"%s\" (dlp_terms) in %.200s; %s",
				    w >= 1 && w <= t->n ? t->t[w - 1] : f->reason, f->where, whom);
				consider(d, finding_action(cfg->outbound_term_action), "term", detail);
				continue;
			}
			if (strcmp(f->kind, "uninspectable") == 0) {
				snprintf(detail, sizeof detail, "%.200s cannot be inspected (%.60s); %s",
				    f->where, f->reason, whom);
				consider(d, finding_action(cfg->outbound_uninspectable_action),
				    "uninspectable", detail);
			} else if (confidence_rank(f->confidence) <= cfg->outbound_number_confidence) {
				snprintf(detail, sizeof detail, "%s %s (%s confidence) in %.200s; %s",
				    strcmp(f->kind, "corporate-number") == 0 ?
				    "a 法人番号 (corporate number)" : "a 個人番号 (My Number)",
				    f->masked, f->confidence, f->where, whom);
				consider(d, finding_action(cfg->outbound_number_action), f->kind, detail);
			}
		}
	}
	if (cfg->outbound_visible_outside_limit > 0 &&
	    x->visible_outside > cfg->outbound_visible_outside_limit) {
		snprintf(detail, sizeof detail, "%zu outside addresses in To and Cc, more than "
		    "outbound_visible_outside_limit (%zu)", x->visible_outside,
		    cfg->outbound_visible_outside_limit);
		consider(d, many_action(cfg->outbound_many_outside_action),
		    "many-outside-recipients", detail);
	}
	/* 誤送信防止: what would leave as written for outside waits, recallable
	 * (sekisho keeps it: outbound_release_to); To and Cc hidden leaves now */
	if (d->action == OUTBOUND_PASS && x->outside > 0 && cfg->outbound_delay > 0 &&
	    cfg->outbound_release_to[0] != '\0') {
		d->action = OUTBOUND_DELAY;
		snprintf(d->reason, sizeof d->reason, "delay");
		snprintf(d->detail, sizeof d->detail, "for %zu outside recipient%s: sent after "
		    "%zu s unless its sender recalls it (outbound_delay)", x->outside,
		    x->outside == 1 ? "" : "s", cfg->outbound_delay);
	}
}

void
outbound_receipt(struct receipt *r, const struct outbound_facts *x,
    const struct outbound_decision *d)
{
	const struct findings_view *v = x->found;

	receipt_set_outbound(r, outbound_action_name(d->action), x->recipients, x->outside,
	    x->visible_outside);
	if (d->action == OUTBOUND_HOLD || d->action == OUTBOUND_REJECT ||
	    d->action == OUTBOUND_DELAY)
		receipt_withhold(r, d->reason, d->detail);
	else if (d->action == OUTBOUND_BCC)
		receipt_set(&r->detail, d->detail);
	for (size_t i = 0; v != NULL && i < v->n; i++)
		receipt_add_finding(r, v->f[i].kind, v->f[i].confidence, v->f[i].where,
		    v->f[i].masked, v->f[i].reason);
	if (v != NULL)
		r->outbound.findings_not_listed += v->not_listed;
}

void
outbound_parent_finding(struct findings_view *fv, struct finding_view *one, const char *where,
    const char *reason)
{
	memset(one, 0, sizeof *one);
	snprintf(one->kind, sizeof one->kind, "uninspectable");
	snprintf(one->confidence, sizeof one->confidence, "high");
	snprintf(one->where, sizeof one->where, "%s", where);
	snprintf(one->reason, sizeof one->reason, "%s", reason);
	fv->f = one;
	fv->n = 1;
}
