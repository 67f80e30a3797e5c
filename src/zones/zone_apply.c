/*
 * zone_apply - libnftables calls for check, list, load and counters (see
 * zone_apply.h).
 */
#include "zones/zone_apply.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/fdio.h"
#include "zones/zone_nft.h"

static struct nft_ctx *
ctx_new(void)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);

	if (nft == NULL)
		return NULL;
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	return nft;
}

/* Run cmd; 0, or -1 with nft's error text (trimmed) in err. */
static int
run(struct nft_ctx *nft, const char *cmd, struct buf *err)
{
	if (nft_run_cmd_from_buffer(nft, cmd) == 0)
		return 0;
	buf_reset(err);
	buf_puts(err, nft_ctx_get_error_buffer(nft));
	while (err->len > 0 && (err->data[err->len - 1] == '\n' || err->data[err->len - 1] == ' '))
		err->data[--err->len] = '\0';
	if (err->len == 0)
		buf_puts(err, "nftables refused the ruleset");
	return -1;
}

int
zone_apply_check(const char *ruleset, struct buf *err)
{
	struct nft_ctx *nft = ctx_new();
	int rc;

	if (nft == NULL) {
		buf_puts(err, "libnftables: cannot make a context");
		return -1;
	}
	nft_ctx_set_dry_run(nft, true);
	rc = run(nft, ruleset, err);
	nft_ctx_free(nft);
	return rc;
}

int
zone_apply_list(struct buf *out, struct buf *err)
{
	struct nft_ctx *nft = ctx_new();
	int rc = 0;

	if (nft == NULL) {
		buf_puts(err, "libnftables: cannot make a context");
		return -1;
	}
	/* "list tables" first: listing a table that is absent is an error */
	if (run(nft, "list tables inet", err) < 0)
		rc = -1;
	else if (strstr(nft_ctx_get_output_buffer(nft), "table inet " ZONE_NFT_TABLE "\n") != NULL) {
		struct nft_ctx *l = ctx_new();

		if (l == NULL || run(l, "list table inet " ZONE_NFT_TABLE, err) < 0)
			rc = -1;
		else if (buf_puts(out, nft_ctx_get_output_buffer(l)) < 0) {
			buf_puts(err, "the current table is too large to keep");
			rc = -1;
		}
		if (l != NULL)
			nft_ctx_free(l);
	}
	nft_ctx_free(nft);
	return rc;
}

static int
save(const char *path, const struct buf *text, struct buf *err)
{
	char tmp[4096];
	int fd;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
		buf_printf(err, "%s: path too long", path);
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    write_all(fd, text->data ? text->data : "", text->len) < 0 || fsync(fd) < 0 ||
	    close(fd) < 0 || rename(tmp, path) < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
zone_apply_load(const char *ruleset, const char *previous, struct buf *err)
{
	struct nft_ctx *nft;
	struct buf cur;
	size_t head;
	int rc = -1;

	buf_init(&cur, ZONE_NFT_MAX_BYTES);
	if (previous != NULL) {
		/* saved so that loading it puts it back: replaces, as ours do */
		buf_puts(&cur, "# the table sekisho zones apply replaced; load with nft -f or\n"
		    "# sekisho zones apply --ruleset\ntable inet " ZONE_NFT_TABLE "\n"
		    "delete table inet " ZONE_NFT_TABLE "\n");
		head = cur.len;
		if (zone_apply_list(&cur, err) < 0 ||
		    (cur.len > head && save(previous, &cur, err) < 0)) {
			buf_puts(err, " (the table in force could not be kept: nothing loaded)");
			goto out;
		}
	}
	if ((nft = ctx_new()) == NULL) {
		buf_puts(err, "libnftables: cannot make a context");
		goto out;
	}
	rc = run(nft, ruleset, err);
	nft_ctx_free(nft);
out:
	buf_free(&cur);
	return rc;
}

int
zone_apply_counters(struct buf *out, struct buf *err)
{
	struct nft_ctx *nft = ctx_new();
	json_t *root = NULL, *items;
	size_t i;
	int rc = -1;

	if (nft == NULL) {
		buf_puts(err, "libnftables: cannot make a context");
		return -1;
	}
	nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON);
	if (run(nft, "list counters table inet " ZONE_NFT_TABLE, err) < 0)
		goto out;
	if ((root = json_loads(nft_ctx_get_output_buffer(nft), 0, NULL)) == NULL ||
	    !json_is_array(items = json_object_get(root, "nftables"))) {
		buf_puts(err, "nft printed no counters in JSON");
		goto out;
	}
	for (i = 0; i < json_array_size(items); i++) {
		json_t *c = json_object_get(json_array_get(items, i), "counter");
		const char *name = json_string_value(json_object_get(c, "name"));

		if (name == NULL)
			continue;
		if (buf_printf(out, "%s %lld %lld\n", name,
		    (long long)json_integer_value(json_object_get(c, "packets")),
		    (long long)json_integer_value(json_object_get(c, "bytes"))) < 0) {
			buf_puts(err, "too many counters");
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(root);
	nft_ctx_free(nft);
	return rc;
}
