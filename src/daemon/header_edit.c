/*
 * header_edit - the fewest milter header edits from the original fields to
 * the sanitised ones.  See header_edit.h for the contract.
 *
 * Matching is a scan of the original fields for each sanitised one; its
 * work is bounded by HEDIT_MATCH_MAX comparisons (a message of thousands of
 * fields that the sanitiser keeps many of): past it no field is matched, and
 * the plan is the plain one (delete every original, add every sanitised
 * field), which is right, only longer.
 */
#include "daemon/header_edit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"

#define HEDIT_MATCH_MAX (4u * 1024 * 1024)

struct pos {
	const char *name;
	size_t at;		/* index in orig */
};

static int
pos_cmp(const void *a, const void *b)
{
	const struct pos *x = a, *y = b;
	int r = strcasecmp(x->name, y->name);

	if (r != 0)
		return r;
	return x->at < y->at ? -1 : x->at > y->at;
}

static int
same_value(const struct hfield *a, const struct hfield *b)
{
	return a->vlen == b->vlen && memcmp(a->value, b->value, a->vlen) == 0;
}

/* Original field matched to sanitised field s: first pass the same value,
 * second pass the same name only; SIZE_MAX when none is free. */
static size_t
match(const struct hfield *orig, size_t norig, const struct hfield *s,
    const size_t *used_by, int by_value)
{
	for (size_t i = 0; i < norig; i++) {
		if (used_by[i] == SIZE_MAX && strcasecmp(orig[i].name, s->name) == 0 &&
		    (!by_value || same_value(&orig[i], s)))
			return i;
	}
	return SIZE_MAX;
}

size_t
header_edits(const struct hfield *orig, size_t norig, const struct hfield *san,
    size_t nsan, struct hedit *out)
{
	unsigned char *keep = xcalloc(norig > 0 ? norig : 1, 1);
	size_t *used_by = xcalloc(norig > 0 ? norig : 1, sizeof *used_by);	/* san index */
	unsigned char *placed = xcalloc(nsan > 0 ? nsan : 1, 1);
	struct pos *p = xcalloc(norig > 0 ? norig : 1, sizeof *p);
	unsigned *occ = xcalloc(norig > 0 ? norig : 1, sizeof *occ);
	size_t n = 0;

	for (size_t i = 0; i < norig; i++) {
		used_by[i] = SIZE_MAX;
		keep[i] = 0;
		p[i].name = orig[i].name;
		p[i].at = i;
	}
	if (nsan == 0 || norig <= HEDIT_MATCH_MAX / nsan) {
		for (int by_value = 1; by_value >= 0; by_value--) {
			for (size_t s = 0; s < nsan; s++) {
				size_t i;

				if (placed[s])
					continue;
				if ((i = match(orig, norig, &san[s], used_by, by_value)) == SIZE_MAX)
					continue;
				used_by[i] = s;
				placed[s] = 1;
				keep[i] = (unsigned char)by_value;
			}
		}
	}
	/* occurrence numbers, then changes and deletions from the last field of
	 * each name to its first, so none shifts the index of one still to come */
	qsort(p, norig, sizeof *p, pos_cmp);
	for (size_t k = 0; k < norig; k++)
		occ[k] = k > 0 && strcasecmp(p[k].name, p[k - 1].name) == 0 ? occ[k - 1] + 1 : 1;
	for (size_t k = norig; k-- > 0;) {
		size_t i = p[k].at;

		if (keep[i])
			continue;
		out[n++] = (struct hedit){ .op = used_by[i] == SIZE_MAX ? HEDIT_DELETE : HEDIT_CHANGE,
		    .field = i, .idx = occ[k], .with = used_by[i] };
	}
	for (size_t s = 0; s < nsan; s++) {
		if (!placed[s])
			out[n++] = (struct hedit){ .op = HEDIT_ADD, .with = s };
	}
	free(keep);
	free(used_by);
	free(placed);
	free(p);
	free(occ);
	return n;
}
