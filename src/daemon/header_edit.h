/*
 * header_edit - the fewest milter header edits that turn the message's
 * original header fields into the sanitised message's.
 *
 * Why.  Every edit is a packet to the MTA and work in its queue file
 * (Postfix's cleanup finds the field and patches a pointer record), and a
 * sanitised message keeps many fields as they were (Date, Subject,
 * Message-ID, MIME-Version, ...).  Deleting every original and adding every
 * sanitised field took about 22 edits a message; this plan keeps the fields
 * that are already right, changes in place those whose name is still there,
 * and deletes or adds only the rest.
 *
 * Contract.  After the edits are applied in the order given, with the
 * milter's semantics (smfi_chgheader(name, idx, value): the idx-th field of
 * that name, names compared case-insensitively, counted in the message as it
 * is at that moment; a NULL value deletes; smfi_addheader appends), the
 * message's fields are exactly the sanitised ones as a multiset of (name,
 * value): no original field survives unless the sanitised message has the
 * same field.  Their order is the original's for the fields kept or changed,
 * then the added ones in the sanitised order: the order of header fields
 * carries no meaning (RFC 5322 3.6), and the trace fields that would are
 * never kept by the sanitiser.  A kept field keeps the original's spelling
 * of its name; a changed one takes the sanitised spelling.
 */
#ifndef SEKISHO_DAEMON_HEADER_EDIT_H
#define SEKISHO_DAEMON_HEADER_EDIT_H

#include <stddef.h>

/* A header field: name (NUL-terminated) and value (vlen bytes, LF folding). */
struct hfield {
	const char *name;
	const char *value;
	size_t vlen;
};

enum hedit_op {
	HEDIT_CHANGE,		/* the idx-th field named orig[field].name gets san[with]'s value */
	HEDIT_DELETE,		/* the idx-th field named orig[field].name is deleted */
	HEDIT_ADD		/* san[with] is appended */
};

struct hedit {
	enum hedit_op op;
	size_t field;		/* CHANGE, DELETE: index in orig */
	unsigned idx;		/* CHANGE, DELETE: 1-based among the fields of that name */
	size_t with;		/* CHANGE, ADD: index in san */
};

/* Plans the edits into out (room for norig + nsan) and returns how many.
 * An original field that no CHANGE or DELETE names is kept as it is. */
size_t header_edits(const struct hfield *orig, size_t norig, const struct hfield *san,
    size_t nsan, struct hedit *out);

#endif
