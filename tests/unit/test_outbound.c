/*
 * test_outbound - the decision on a message leaving (daemon/outbound.h):
 * who is outside, which finding acts at which confidence, that the
 * strongest action wins, that mail for inside recipients only passes
 * unless the policy says otherwise, the To/Cc limit, and the receipt that
 * records it (withheld when held or rejected, passed when it leaves).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/outbound.h"
#include "dlp/idnum.h"

static struct config cfg;

static int
setup(void **state)
{
	struct buf err;
	static const char text[] =
	    "direction = outbound\n"
	    "outbound_local_domains = town.example.lg.jp, .town.example.lg.jp\n";

	(void)state;
	buf_init(&err, 1024);
	config_defaults(&cfg);
	assert_int_equal(config_parse(&cfg, text, strlen(text), "test", &err), 0);
	buf_free(&err);
	return 0;
}

static struct finding_view
finding(const char *kind, const char *confidence)
{
	struct finding_view f;

	memset(&f, 0, sizeof f);
	snprintf(f.kind, sizeof f.kind, "%s", kind);
	snprintf(f.confidence, sizeof f.confidence, "%s", confidence);
	snprintf(f.where, sizeof f.where, "part 1 line 2");
	if (strcmp(kind, "uninspectable") == 0)
		snprintf(f.reason, sizeof f.reason, "encrypted");
	else
		snprintf(f.masked, sizeof f.masked, "%s", strcmp(kind, "corporate-number") == 0 ?
		    "*-****-****-0123" : "****-****-9018");
	return f;
}

static enum outbound_action
decide(struct finding_view *f, size_t n, size_t outside, size_t visible,
    struct outbound_decision *d)
{
	struct findings_view v;
	struct outbound_facts x;

	memset(&v, 0, sizeof v);
	v.f = f;
	v.n = n;
	memset(&x, 0, sizeof x);
	x.found = &v;
	x.recipients = outside + 1;
	x.outside = outside;
	x.exposed = outside;
	x.visible_outside = visible;
	outbound_decide(&cfg, &x, d);
	return d->action;
}

static void
test_who_is_outside(void **state)
{
	size_t n, out, exposed;

	(void)state;
	assert_false(outbound_is_outside(&cfg, "kikaku@town.example.lg.jp"));
	assert_false(outbound_is_outside(&cfg, "a@soumu.town.example.lg.jp"));
	assert_false(outbound_is_outside(&cfg, "A@TOWN.EXAMPLE.LG.JP."));
	assert_true(outbound_is_outside(&cfg, "a@example.com"));
	assert_true(outbound_is_outside(&cfg, "a@town.example.lg.jp.evil.example"));
	assert_true(outbound_is_outside(&cfg, "a@eviltown.example.lg.jp"));
	assert_true(outbound_is_outside(&cfg, "postmaster"));	/* no domain: outside */
	outbound_count(&cfg, "a@example.com,b@town.example.lg.jp,c@example.net", &n, &out, &exposed);
	assert_int_equal(n, 3);
	assert_int_equal(out, 2);
	assert_int_equal(exposed, 2);
	outbound_count(&cfg, "", &n, &out, &exposed);
	assert_int_equal(n, 0);
}

static void
test_numbers(void **state)
{
	struct outbound_decision d;
	struct finding_view f[2];

	(void)state;
	assert_int_equal(decide(NULL, 0, 3, 0, &d), OUTBOUND_PASS);
	assert_string_equal(d.reason, "");
	f[0] = finding("individual-number", "high");
	assert_int_equal(decide(f, 1, 1, 0, &d), OUTBOUND_HOLD);	/* the default */
	assert_string_equal(d.reason, "individual-number");
	assert_non_null(strstr(d.detail, "****-****-9018"));
	assert_false(dlp_has_long_digits(d.detail, strlen(d.detail)));
	f[0] = finding("corporate-number", "medium");
	assert_int_equal(decide(f, 1, 1, 0, &d), OUTBOUND_HOLD);
	assert_string_equal(d.reason, "corporate-number");
	/* low confidence (a check digit alone) is recorded, not acted on */
	f[0] = finding("individual-number", "low");
	assert_int_equal(decide(f, 1, 1, 0, &d), OUTBOUND_PASS);
	cfg.outbound_number_confidence = 2;	/* low */
	assert_int_equal(decide(f, 1, 1, 0, &d), OUTBOUND_HOLD);
	cfg.outbound_number_confidence = 0;	/* high only */
	f[0] = finding("individual-number", "medium");
	assert_int_equal(decide(f, 1, 1, 0, &d), OUTBOUND_PASS);
	cfg.outbound_number_confidence = 1;
	cfg.outbound_number_action = 1;		/* reject */
	assert_int_equal(decide(f, 1, 1, 0, &d), OUTBOUND_REJECT);
	cfg.outbound_number_action = 2;		/* pass: recorded only */
	assert_int_equal(decide(f, 1, 1, 0, &d), OUTBOUND_PASS);
	cfg.outbound_number_action = 0;
}

static void
test_inside_only(void **state)
{
	struct outbound_decision d;
	struct finding_view f[1] = { finding("individual-number", "high") };

	(void)state;
	assert_int_equal(decide(f, 1, 0, 0, &d), OUTBOUND_PASS);
	cfg.outbound_check_internal = 1;
	assert_int_equal(decide(f, 1, 0, 0, &d), OUTBOUND_HOLD);
	assert_non_null(strstr(d.detail, "the message is for 1 inside or trusted recipient"));
	cfg.outbound_check_internal = 0;
}

static void
test_uninspectable_and_strongest(void **state)
{
	struct outbound_decision d;
	struct finding_view f[2] = { finding("individual-number", "high"),
		finding("uninspectable", "high") };

	(void)state;
	assert_int_equal(decide(f + 1, 1, 1, 0, &d), OUTBOUND_REJECT);	/* the default */
	assert_string_equal(d.reason, "uninspectable");
	assert_non_null(strstr(d.detail, "encrypted"));
	/* a picture has no text to hide a number in: recorded, not acted on */
	snprintf(f[1].reason, sizeof f[1].reason, "no-text");
	assert_int_equal(decide(f + 1, 1, 1, 0, &d), OUTBOUND_PASS);
	snprintf(f[1].reason, sizeof f[1].reason, "encrypted");
	/* reject (uninspectable) beats hold (number), in either order */
	assert_int_equal(decide(f, 2, 1, 0, &d), OUTBOUND_REJECT);
	cfg.outbound_uninspectable_action = 0;	/* hold */
	assert_int_equal(decide(f, 2, 1, 0, &d), OUTBOUND_HOLD);
	assert_string_equal(d.reason, "individual-number");	/* the first of equals */
	cfg.outbound_uninspectable_action = 1;
}

static void
test_terms(void **state)
{
	struct outbound_decision d;
	struct finding_view f[1];
	struct buf err;
	static const char words[] = "dlp_terms = 機密性3, 取扱注意\n";

	(void)state;
	buf_init(&err, 1024);
	assert_int_equal(config_parse(&cfg, words, strlen(words), "t", &err), 0);
	buf_free(&err);
	memset(f, 0, sizeof f);
	snprintf(f[0].kind, sizeof f[0].kind, "term");
	snprintf(f[0].confidence, sizeof f[0].confidence, "high");
	snprintf(f[0].where, sizeof f[0].where, "subject line 1");
	snprintf(f[0].reason, sizeof f[0].reason, "term-2");
	assert_int_equal(decide(f, 1, 1, 0, &d), OUTBOUND_HOLD);	/* the default */
	assert_string_equal(d.reason, "term");
	assert_non_null(strstr(d.detail, "取扱注意"));
	cfg.outbound_term_action = 1;
	assert_int_equal(decide(f, 1, 1, 0, &d), OUTBOUND_REJECT);
	cfg.outbound_term_action = 0;
	assert_int_equal(decide(f, 1, 0, 0, &d), OUTBOUND_PASS);	/* inside only */
}

static void
test_many_outside(void **state)
{
	struct outbound_decision d;
	struct finding_view f[1] = { finding("individual-number", "high") };

	(void)state;
	assert_int_equal(decide(NULL, 0, 40, 10, &d), OUTBOUND_PASS);	/* at the limit */
	assert_int_equal(decide(NULL, 0, 40, 11, &d), OUTBOUND_BCC);
	assert_string_equal(d.reason, "many-outside-recipients");
	/* a hold for a number is stronger than hiding the recipients */
	assert_int_equal(decide(f, 1, 40, 40, &d), OUTBOUND_HOLD);
	cfg.outbound_many_outside_action = 2;	/* reject */
	assert_int_equal(decide(f, 1, 40, 40, &d), OUTBOUND_REJECT);
	assert_string_equal(d.reason, "many-outside-recipients");
	cfg.outbound_many_outside_action = 0;
	cfg.outbound_visible_outside_limit = 0;	/* no limit */
	assert_int_equal(decide(NULL, 0, 400, 400, &d), OUTBOUND_PASS);
	cfg.outbound_visible_outside_limit = 10;
}

/* Per destination and sender: a partner body's domain takes findings, a
 * section with a legitimate flow sends them; both recorded, not acted on. */
static void
test_trusted(void **state)
{
	static const char text[] =
	    "outbound_trusted_destinations = kumiai.example.lg.jp\n"
	    "outbound_trusted_senders = kokuho@town.example.lg.jp, .zeimu.town.example.lg.jp\n";
	struct finding_view f[1] = { finding("individual-number", "high") };
	struct findings_view v;
	struct outbound_facts x;
	struct outbound_decision d;
	struct config saved = cfg;
	struct buf err;
	size_t n, out, exposed;

	(void)state;
	buf_init(&err, 1024);
	assert_int_equal(config_parse(&cfg, text, strlen(text), "t", &err), 0);
	assert_int_equal(outbound_senders_check(cfg.outbound_trusted_senders, &err), 0);
	assert_int_equal(outbound_senders_check("a@, b@x.jp", &err), -1);
	assert_int_equal(outbound_senders_check("@x.jp", &err), -1);
	assert_int_equal(outbound_senders_check("not a domain!", &err), -1);
	buf_free(&err);
	outbound_count(&cfg, "a@kumiai.example.lg.jp,b@town.example.lg.jp", &n, &out, &exposed);
	assert_int_equal(out, 1);
	assert_int_equal(exposed, 0);
	memset(&v, 0, sizeof v);
	v.f = f;
	v.n = 1;
	x = (struct outbound_facts){ .found = &v, .recipients = 2, .outside = 1, .exposed = 0 };
	outbound_decide(&cfg, &x, &d);
	assert_int_equal(d.action, OUTBOUND_PASS);		/* only a trusted destination */
	x.exposed = 1;
	outbound_decide(&cfg, &x, &d);
	assert_int_equal(d.action, OUTBOUND_HOLD);		/* and one elsewhere */
	assert_true(outbound_sender_trusted(&cfg, "KOKUHO@town.example.lg.jp"));
	assert_true(outbound_sender_trusted(&cfg, "a@kazei.zeimu.town.example.lg.jp"));
	assert_false(outbound_sender_trusted(&cfg, "kikaku@town.example.lg.jp"));
	assert_false(outbound_sender_trusted(&cfg, ""));
	x.trusted_sender = 1;
	outbound_decide(&cfg, &x, &d);
	assert_int_equal(d.action, OUTBOUND_PASS);
	x.visible_outside = 11;				/* the To/Cc limit still applies */
	outbound_decide(&cfg, &x, &d);
	assert_int_equal(d.action, OUTBOUND_BCC);
	cfg = saved;
}

static void
test_visible_domains(void **state)
{
	struct findings_view v;
	static char domains[] = "example.com\0town.example.lg.jp\0\0KIKAKU.TOWN.EXAMPLE.LG.JP";

	(void)state;
	memset(&v, 0, sizeof v);
	v.domains = domains;
	v.ndomains = 4;
	/* an address without a domain is outside */
	assert_int_equal(outbound_visible_outside(&cfg, &v), 2);
}

static void
test_receipt(void **state)
{
	struct finding_view f[1] = { finding("individual-number", "high") };
	struct findings_view v;
	struct outbound_facts x;
	struct outbound_decision d;
	struct receipt r;

	(void)state;
	memset(&v, 0, sizeof v);
	v.f = f;
	v.n = 1;
	v.not_listed = 5;
	x = (struct outbound_facts){ .found = &v, .recipients = 2, .outside = 1, .exposed = 1 };
	outbound_decide(&cfg, &x, &d);
	receipt_init(&r, "SK-20261207-0123456789abcdef", 1796600000);
	outbound_receipt(&r, &x, &d);
	assert_int_equal(r.verdict, VERDICT_WITHHELD);
	assert_string_equal(r.reason, "individual-number");
	assert_string_equal(r.kind, "outbound");
	assert_string_equal(r.outbound.action, "hold");
	assert_int_equal(r.outbound.nfindings, 1);
	assert_int_equal(r.outbound.findings_not_listed, 5);
	receipt_free(&r);
	x.outside = x.exposed = 0;	/* inside only: it passes, findings recorded */
	outbound_decide(&cfg, &x, &d);
	receipt_init(&r, "SK-20261207-0123456789abcdef", 1796600000);
	outbound_receipt(&r, &x, &d);
	assert_int_equal(r.verdict, VERDICT_PASSED);
	assert_null(r.reason);
	assert_int_equal(r.outbound.nfindings, 1);
	receipt_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_who_is_outside, setup),
		cmocka_unit_test_setup(test_numbers, setup),
		cmocka_unit_test_setup(test_inside_only, setup),
		cmocka_unit_test_setup(test_uninspectable_and_strongest, setup),
		cmocka_unit_test_setup(test_terms, setup),
		cmocka_unit_test_setup(test_many_outside, setup),
		cmocka_unit_test_setup(test_trusted, setup),
		cmocka_unit_test_setup(test_visible_domains, setup),
		cmocka_unit_test_setup(test_receipt, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
