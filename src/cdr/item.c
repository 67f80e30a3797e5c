/*
 * item - one file as an item (`sekisho file`) and cdr_result -> receipt part.
 * See item.h.
 */
#include "cdr/item.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/digest.h"
#include "core/xalloc.h"
#include "text/fname.h"

int
cdr_same_ext(const char *have, const char *want)
{
	static const char *const alias[][2] = {
		{ ".jpeg", ".jpg" }, { ".jpe", ".jpg" }, { ".tiff", ".tif" },
		{ ".htm", ".html" }, { ".text", ".txt" },
	};

	if (strcasecmp(have, want) == 0)
		return 1;
	for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
		if (strcasecmp(have, alias[i][0]) == 0 && strcasecmp(want, alias[i][1]) == 0)
			return 1;
	return 0;
}

void
cdr_out_name(const char *name, const char *out_ext, struct buf *out)
{
	struct buf shown;
	const char *dot, *base;

	buf_reset(out);
	if (name == NULL || *name == '\0') {
		buf_printf(out, "file%s", out_ext != NULL ? out_ext : "");
		return;
	}
	buf_init(&shown, FNAME_DISPLAY_MAX * 4 + 16);
	fname_display(name, strlen(name), &shown);
	base = buf_str(&shown);
	dot = strrchr(base, '.');
	if (out_ext == NULL || (dot != NULL && cdr_same_ext(dot, out_ext)))
		buf_puts(out, base);
	else if (dot != NULL && dot != base && strlen(dot) <= 6)
		buf_printf(out, "%.*s%s", (int)(dot - base), base, out_ext);
	else
		buf_printf(out, "%s%s", base, out_ext);
	buf_free(&shown);
}

void
cdr_result_to_part(const struct cdr_result *r, const struct buf *out, const char *out_name,
    struct receipt_part *rp)
{
	receipt_set(&rp->detected_type, r->in_type[0] ? r->in_type : NULL);
	if (r->reason[0] != '\0') {
		char rule[64];

		rp->action = ACT_WITHHELD;
		receipt_set(&rp->reason, r->reason);
		snprintf(rule, sizeof rule, "files.%s", r->kind != NULL ? r->kind : "unknown");
		receipt_set(&rp->rule, rule);
	} else {
		char rule[64];

		rp->action = ACT_SANITIZED;
		snprintf(rule, sizeof rule, "files.%s", r->kind != NULL ? r->kind : "unknown");
		receipt_set(&rp->rule, rule);
		receipt_set(&rp->method, r->method[0] ? r->method : "rebuild");
		receipt_set(&rp->out_type, r->out_type);
		receipt_set(&rp->out_name, out_name);
		if (out != NULL) {
			rp->out_bytes = out->len;
			sha256_hex(buf_str(out), out->len, rp->out_sha256);
		}
	}
	/* what was found and removed is worth knowing even when withheld */
	if (rp->method == NULL && r->nremoved > 0)
		receipt_set(&rp->method, "none");
	for (size_t i = 0; i < r->nremoved; i++)
		receipt_part_removed(rp, r->removed[i].what, r->removed[i].count,
		    r->removed[i].names);
	rp->removed_not_listed = r->removed_dropped;
}

int
cdr_file_item(const struct policy *pol, const char *id, long long time, const char *name,
    const unsigned char *in, size_t len, struct buf *out, struct buf *rjson)
{
	struct receipt rc, inner;
	struct receipt_part *rp;
	struct cdr_result res;
	struct cdr_ctx ctx = { .pol = pol, .id = id, .time = time, .inner = &inner };
	struct buf shown, flags, oname;
	int status;

	receipt_init(&rc, id, time);
	rc.kind = "file";
	memcpy(rc.policy_digest, pol->digest, sizeof rc.policy_digest);
	rc.in.bytes = len;
	sha256_hex(in, len, rc.in.sha256);
	rp = receipt_add_part(&rc, "1");
	rp->bytes = len;
	memcpy(rp->sha256, rc.in.sha256, sizeof rp->sha256);
	rp->is_attachment = 1;
	buf_init(&shown, FNAME_DISPLAY_MAX * 4 + 16);
	buf_init(&flags, 256);
	buf_init(&oname, FNAME_DISPLAY_MAX * 4 + 32);
	if (name != NULL && *name != '\0') {
		fname_flags_str(fname_display(name, strlen(name), &shown), &flags);
		rc.in.filename = xstrdup(buf_str(&shown));
		rp->filename = xstrdup(buf_str(&shown));
		if (flags.len > 0)
			rp->filename_flags = xstrdup(buf_str(&flags));
	}

	memset(&res, 0, sizeof res);
	receipt_init(&inner, id, time);
	{
		/* the output's own ceiling: file_output_size_limit */
		size_t max = out->max;

		if (out->max > pol->lim.file_out_bytes)
			out->max = pol->lim.file_out_bytes;
		status = cdr_sanitize(&ctx, name, in, len, out, &res);
		out->max = max;
	}
	if (status == CDR_OK)
		cdr_out_name(name, res.out_ext, &oname);
	cdr_result_to_part(&res, status == CDR_OK ? out : NULL, buf_str(&oname), rp);
	if (res.limit_name[0] != '\0')
		receipt_limit(&rc, res.limit_name, res.limit_value, "1");
	if (status == CDR_OK) {
		rc.has_output = 1;
		rc.out.bytes = out->len;
		memcpy(rc.out.sha256, rp->out_sha256, sizeof rc.out.sha256);
	} else {
		buf_reset(out);
		receipt_withhold(&rc, res.reason, res.detail);
		status = CDR_WITHHELD;
	}
	/* a message's parts, as parts 1.1, 1.1.2... (moves rp: last) */
	receipt_merge_parts(&rc, &inner, "1");
	receipt_free(&inner);
	receipt_json(&rc, rjson);
	receipt_free(&rc);
	buf_free(&shown);
	buf_free(&flags);
	buf_free(&oname);
	return status;
}
