/*
 * outcome - quarantine and journal, in that order.  See outcome.h.
 */
#include "core/utf8.h"
#include "daemon/outcome.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "audit/journal.h"
#include "core/xalloc.h"
#include "store/store.h"

#define FIELD_MAX 4096

struct outcome {
	struct store *store;
	struct journal *journal;
};

int
receipt_field(const char *json, size_t len, const char *key, struct buf *out)
{
	char pat[64];
	const char *p, *end = json + len;
	int n = snprintf(pat, sizeof pat, "\"%s\":\"", key);

	const char *input, *from = json;
	size_t span = len;

	if (n <= 0 || (size_t)n >= sizeof pat)
		return -1;
	/* Only the receipt's own level: top-level keys come before "input", the
	 * input summary's keys inside it; parts have keys of the same names. */
	input = memmem(json, len, ",\"input\":{", 10);
	if (input == NULL)
		return -1;
	if (strcmp(key, "subject") == 0 || strcmp(key, "from") == 0 ||
	    strcmp(key, "to") == 0 || strcmp(key, "message_id") == 0) {
		const char *close = memmem(input, len - (size_t)(input - json), "},\"output\":", 11);

		from = input;
		span = close != NULL ? (size_t)(close - input) : len - (size_t)(input - json);
	} else
		span = (size_t)(input - json);
	if ((p = memmem(from, span, pat, (size_t)n)) == NULL)
		return -1;
	for (p += n; p < end && *p != '"'; p++) {
		if (*p != '\\') {
			if (buf_putc(out, *p) != 0)
				return 0;	/* cut at the ceiling */
			continue;
		}
		if (++p >= end)
			return -1;
		switch (*p) {
		case 'n': buf_putc(out, ' '); break;
		case 't': buf_putc(out, ' '); break;
		case 'r': buf_putc(out, ' '); break;
		case 'u': {
			unsigned v = 0;

			for (int i = 1; i <= 4; i++) {
				int h = p + i < end ? hex_digit(p[i]) : -1;

				if (h < 0)
					return -1;
				v = v * 16 + (unsigned)h;
			}
			p += 4;
			/* controls and lone surrogates are not kept */
			if (v >= 0x20 && (v < 0xd800 || v > 0xdfff)) {
				char u[4];
				size_t k = 0;

				if (v < 0x80)
					u[k++] = (char)v;
				else if (v < 0x800) {
					u[k++] = (char)(0xc0 | (v >> 6));
					u[k++] = (char)(0x80 | (v & 0x3f));
				} else {
					u[k++] = (char)(0xe0 | (v >> 12));
					u[k++] = (char)(0x80 | ((v >> 6) & 0x3f));
					u[k++] = (char)(0x80 | (v & 0x3f));
				}
				buf_append(out, u, k);
			}
			break;
		}
		default:
			buf_putc(out, *p);
		}
	}
	return p < end ? 0 : -1;
}

int
outcome_prepare(const struct policy *pol, struct buf *err)
{
	struct stat st;

	if (stat(pol->quarantine_key, &st) == 0 || errno != ENOENT)
		return 0;
	if (store_key_generate(pol->quarantine_key, err) != 0)
		return -1;
	syslog(LOG_NOTICE, "created quarantine key %s (keep a copy offline: without it "
	    "the originals cannot be read)", pol->quarantine_key);
	return 0;
}

int
outcome_open(struct outcome **op, const struct policy *pol, struct buf *err)
{
	struct outcome *o = xcalloc(1, sizeof *o);
	struct store_config sc = {
		.blob_dir = pol->quarantine_dir,
		.sqlite_path = pol->quarantine_db,
		.backend = pol->quarantine_backend == QUARANTINE_POSTGRESQL ?
		    STORE_BACKEND_POSTGRESQL : STORE_BACKEND_SQLITE,
		.pg_conninfo = pol->quarantine_pg,
		.key_path = pol->quarantine_key,
		.retention_days = (unsigned)pol->quarantine_retention_days,
		.create = 1,
	};

	if (store_open(&o->store, &sc, err) != 0) {
		free(o);
		return -1;
	}
	if (journal_open(&o->journal, pol->journal, err) != 0) {
		store_close(o->store);
		free(o);
		return -1;
	}
	*op = o;
	return 0;
}

int
outcome_record(struct outcome *o, const struct outcome_item *it, struct buf *err)
{
	struct buf verdict, reason, subject;
	struct store_item si;
	int r;

	buf_init(&verdict, 32);
	buf_init(&reason, FIELD_MAX);
	buf_init(&subject, FIELD_MAX);
	receipt_field(it->receipt_json, it->receipt_len, "verdict", &verdict);
	receipt_field(it->receipt_json, it->receipt_len, "reason", &reason);
	receipt_field(it->receipt_json, it->receipt_len, "subject", &subject);
	memset(&si, 0, sizeof si);
	si.receipt_id = it->receipt_id;
	si.received_at = it->received;
	si.verdict = strcmp(buf_str(&verdict), "sanitized") == 0 ? "sanitized" : "withheld";
	si.reason = reason.len > 0 ? buf_str(&reason) : NULL;
	si.sender = it->sender;
	si.recipients = it->recipients;
	si.subject = buf_str(&subject);
	si.receipt_json = it->receipt_json;
	r = store_put(o->store, &si, it->original, it->original_len, err);
	if (r == STORE_EXISTS)
		r = 0;	/* recorded before a crash: the same item again */
	if (r == 0)
		r = journal_append(o->journal, it->receipt_json, it->receipt_len, it->received, err);
	buf_free(&verdict);
	buf_free(&reason);
	buf_free(&subject);
	return r;
}

void
outcome_close(struct outcome *o)
{
	if (o == NULL)
		return;
	journal_close(o->journal);
	store_close(o->store);
	free(o);
}
