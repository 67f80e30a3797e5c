/*
 * item - one file as an item of its own (`sekisho file`), and the bridge
 * from a cdr_result to the receipt's part record (also used for mail
 * attachments).
 *
 * cdr_file_item() is to files what sanitize_mail() is to mail: it runs in the
 * sandboxed worker, sanitises the bytes with cdr_sanitize() and writes the
 * receipt (kind "file", one part "1" describing the file, what it became
 * and what was removed).  Deterministic for the same bytes, name, id, time
 * and policy.
 */
#ifndef SEKISHO_CDR_ITEM_H
#define SEKISHO_CDR_ITEM_H

#include <stddef.h>

#include "cdr/cdr.h"
#include "core/buf.h"
#include "policy/policy.h"
#include "receipt/receipt.h"

/*
 * The name a sanitised file carries: name (made safe to show) with its
 * extension replaced by out_ext when the content changed type ("a.docm" ->
 * "a.docx", "scan.gif" -> "scan.png"); "file" + out_ext without a name.
 */
void cdr_out_name(const char *name, const char *out_ext, struct buf *out);
/* 1 when extension have needs no change to be want (".jpeg" is ".jpg"). */
int cdr_same_ext(const char *have, const char *want);
/* Record r (and the output, when sanitised) in the part rp. */
void cdr_result_to_part(const struct cdr_result *r, const struct buf *out,
    const char *out_name, struct receipt_part *rp);
/*
 * One file: CDR_OK with the sanitised file in out, or CDR_WITHHELD; the
 * receipt JSON in rjson either way.
 */
int cdr_file_item(const struct policy *pol, const char *id, long long time,
    const char *name, const unsigned char *in, size_t len, struct buf *out,
    struct buf *rjson);

#endif
