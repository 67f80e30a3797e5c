/*
 * fuzz_zone_policy - zones/zone_policy's reader and checker, and the
 * nftables ruleset zones/zone_nft writes, over any bytes.  A refusal names
 * its line ("line N: ..."); every problem the check reports has a rule, a
 * clause, a text and a line inside the file; and a policy with no problem
 * compiles to a non-empty ruleset of valid UTF-8 that defines table inet
 * sekisho_zones, the same bytes every time, also from the text read again;
 * and each of its flows but deny admits (zone_policy_admits) its ports to
 * its destination.
 */
#include <string.h>

#include "core/utf8.h"
#include "zones/zone_nft.h"
#include "zones/zone_policy.h"

#include "fuzz.h"

/* Two policies, not on the stack: each is over 100 KiB. */
static struct zone_policy pol, again;

struct state {
	int lines;		/* how many lines the input has */
	size_t seen;
};

static void
check_problem(const struct zone_problem *pr, void *arg)
{
	struct state *st = arg;

	FUZZ_CHECK(pr->rule != NULL && pr->rule[0] != '\0');
	FUZZ_CHECK(pr->clause != NULL && pr->clause[0] != '\0');
	FUZZ_CHECK(pr->what[0] != '\0');
	FUZZ_CHECK(memchr(pr->what, '\0', sizeof pr->what) != NULL);
	FUZZ_CHECK(pr->line >= 0 && pr->line <= st->lines);
	st->seen++;
}

/* Every port of every flow that is not deny is admitted from its source
 * zone: to its host's address, or to the first address of its destination
 * zone's first network. */
static void
check_admits(const struct zone_policy *p)
{
	for (size_t i = 0; i < p->nflows; i++) {
		const struct zone_flow *f = &p->flows[i];
		const struct zone_service *s = &p->services[f->service];
		const struct zone_net *dst = f->host >= 0 ? &p->hosts[f->host].addr :
		    &p->zones[f->to].nets[0];

		FUZZ_CHECK(f->from >= 0 && f->to >= 0 && f->service >= 0);
		if (f->treatment == ZT_DENY)
			continue;
		for (size_t k = 0; k < s->nports; k++) {
			FUZZ_CHECK(zone_policy_admits(p, f->from, dst, s->ports[k].proto,
			    s->ports[k].lo));
			FUZZ_CHECK(zone_policy_admits(p, f->from, dst, s->ports[k].proto,
			    s->ports[k].hi));
		}
	}
}

static int
count_lines(const uint8_t *data, size_t size)
{
	int n = 0;

	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n' || i + 1 == size)
			n++;
	return n;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = size > 0 ? (const char *)data : "";
	struct buf err, out, out2;
	struct state st;
	size_t problems;

	buf_init(&err, 4096);
	if (zone_policy_parse(text, size, &pol, &err) != 0) {
		FUZZ_CHECK(err.len > 0);
		if (size <= ZONE_POLICY_MAX_BYTES)
			FUZZ_CHECK(strncmp(buf_str(&err), "line ", 5) == 0);
		buf_free(&err);
		return 0;
	}
	buf_free(&err);

	memset(&st, 0, sizeof st);
	st.lines = count_lines(data, size);
	problems = zone_policy_check(&pol, check_problem, &st);
	FUZZ_CHECK(problems == st.seen);
	FUZZ_CHECK(zone_policy_check(&pol, NULL, NULL) == problems);	/* checking again */
	if (problems != 0)
		return 0;
	check_admits(&pol);

	buf_init(&out, ZONE_NFT_MAX_BYTES);
	FUZZ_CHECK(zone_nft_write(&pol, &out) == 0);
	FUZZ_CHECK(out.len > 0);
	FUZZ_CHECK(FUZZ_UTF8(out.data, out.len));
	FUZZ_CHECK(strstr(buf_str(&out), "table inet " ZONE_NFT_TABLE) != NULL);
	FUZZ_CHECK(strlen(buf_str(&out)) == out.len);	/* no NUL in the text */

	/* the same policy gives the same bytes ... */
	buf_init(&out2, ZONE_NFT_MAX_BYTES);
	FUZZ_CHECK(zone_nft_write(&pol, &out2) == 0);
	FUZZ_CHECK(out2.len == out.len && memcmp(out2.data, out.data, out.len) == 0);

	/* ... and so does the same text read and checked again */
	buf_reset(&out2);
	buf_init(&err, 4096);
	memset(&again, 0xa5, sizeof again);
	FUZZ_CHECK(zone_policy_parse(text, size, &again, &err) == 0);
	FUZZ_CHECK(zone_policy_check(&again, NULL, NULL) == 0);
	FUZZ_CHECK(zone_nft_write(&again, &out2) == 0);
	FUZZ_CHECK(out2.len == out.len && memcmp(out2.data, out.data, out.len) == 0);
	buf_free(&err);
	buf_free(&out2);
	buf_free(&out);
	return 0;
}
