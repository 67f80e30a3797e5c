/*
 * transfer - file transfer between zones through drop folders.
 *
 * transfer_in_dir (the internet side) and transfer_out_dir (the LGWAN side)
 * each hold one folder per user, named by the user's mail address.  A file
 * put into in/USER/ comes out sanitised in out/USER/, with its receipt
 * beside it; its original goes to the quarantine like a mail's, where USER
 * can ask for it in the staff console.  The same spool carries the files as
 * the mail, so the same promise holds: a file is in the drop folder, in the
 * spool, or delivered sanitised (or withheld with its notice), and a kill
 * at any moment loses nothing and delivers nothing unsanitised.
 *
 * The watcher (transfer_watch_run, one process of sekishod) takes a regular
 * file at the top of a user's folder once it has not changed for
 * transfer_settle_seconds: reads it (at most file_size_limit bytes),
 * commits it to the spool, and only then removes it from the drop folder
 * (and only if the name still holds the same file).  inotify wakes it; it
 * also looks through every folder each transfer_scan_seconds, for shares
 * that do not notify.  Ignored: names starting with '.' or "~$" (hidden
 * files, Office's lock files), folders, and a folder whose name is not an
 * address.  A file that cannot be taken (past the size limit) is moved into
 * in/USER/TRANSFER_RETURNED_DIR/ with a note saying why: returned to its
 * sender, as SMTP's 552 leaves a message with its sender; a link, a device
 * or a pipe is never followed, but removed, its note in the same folder.
 *
 * The delivery agent delivers a transferred file with transfer_deliver:
 * out/USER/NAME (the extension the sanitised form has, "-2" etc. when the
 * name is taken) and NAME.receipt.json; for a withheld file its notice
 * NAME.保留.txt (Japanese, then English) and the receipt.  Each file is
 * written under a temporary name, synced and renamed into place.
 *
 * With direction = outbound the same folders carry files the other way:
 * transfer_in_dir is on the LGWAN side, transfer_out_dir on the internet
 * side, and a file is not sanitised but inspected by the outbound checks
 * (daemon/outbound.h): one that passes arrives as it came with its receipt;
 * one held waits for its approval in the console (which then delivers it),
 * one refused stays, its sender told beside the drop folder.
 */
#ifndef SEKISHO_GATEWAY_TRANSFER_H
#define SEKISHO_GATEWAY_TRANSFER_H

#include "core/buf.h"
#include "gateway/spool.h"
#include "policy/config.h"

#define TRANSFER_USER_MAX 256		/* a user's folder name (a mail address) */
#define TRANSFER_NAME_MAX 256		/* a file's name, with its NUL (NAME_MAX + 1) */
#define TRANSFER_SCAN_FILES_MAX 10000	/* files taken in one look (the rest next time) */
#define TRANSFER_RETURNED_DIR "sekisho-返却"
#define TRANSFER_UNIQUE_MAX 1000	/* NAME-2 ... NAME-1000, then refused */
#define TRANSFER_HOLD_DIR ".sekisho-承認待ち"	/* under transfer_out_dir: files awaiting approval */
#define TRANSFER_AWAITING_SUFFIX ".承認待ち.txt"	/* the note beside a file awaiting approval */

/* Is name a user's folder (a mail address: letters, digits, . _ + - @, not
 * starting with a dot)? */
int transfer_valid_user(const char *name);

/* "USER/NAME" with NAME's bytes outside printable ASCII, '%' and '/'
 * percent-encoded: 0, or -1 when it does not fit. */
int transfer_encode(const char *user, const char *name, char *out, size_t outlen);
/* Back: 0, or -1 for a field that is not one. */
int transfer_decode(const char *field, char user[TRANSFER_USER_MAX],
    char name[TRANSFER_NAME_MAX]);

/* A name the drop folders take as a file's: 1..NAME_MAX bytes of UTF-8
 * without controls or '/', not hidden, not an Office lock file, not the
 * returned folder's. */
int transfer_valid_name(const char *name);

/*
 * A file uploaded in the staff console (web/monitor.h) put into
 * in/USER/ as if its user had dropped it there: written under a hidden
 * name, synced, then renamed to NAME (NAME-2 ... when a file of that name
 * waits), which the watcher then takes like any other.  The name taken in
 * taken; 0, or -1 with the reason in err.
 */
int transfer_put(const struct config *cfg, const char *user, const char *name,
    const void *p, size_t n, struct buf *taken, struct buf *err);

/* The watcher's loop; returns 0 when *stop was set. */
int transfer_watch_run(const struct config *cfg, struct spool *sp, volatile int *stop);

/*
 * Deliver one transferred file into out/USER/: the sanitised bytes (when
 * sanitised is set; ext: the extension they carry, or NULL to keep the
 * name's), the notice (when not), and the receipt.  0, or -1 with the
 * reason in err (a temporary failure: the agent retries).
 */
int transfer_deliver(const struct config *cfg, const char *field, int sanitised,
    const char *ext, const struct buf *out, const struct buf *notice,
    const struct buf *receipt, struct buf *err);

/*
 * A file leaving (direction = outbound) that was held or refused: the note
 * to its sender, 【送信保留】 or 【送信却下】 with the reason (a code of
 * daemon/outbound.h), the receipt number and the console link, Japanese
 * then English.  transfer_note puts it beside the drop folder:
 * in/USER/TRANSFER_RETURNED_DIR/NAME.送信保留.txt (or .送信却下.txt).
 */
void transfer_leaving_note(const struct config *cfg, const char *name, const char *id,
    int held, const char *reason, struct buf *out);
int transfer_note(const struct config *cfg, const char *field, int held,
    const struct buf *note, struct buf *err);

/*
 * transfer_approval: a sanitised file waits for its approval.  The agent's
 * transfer_hold keeps the sanitised bytes in
 * out/TRANSFER_HOLD_DIR/ID/NAME (mode 0700: out of every user's sight) and
 * puts NAME.receipt.json and the note NAME.承認待ち.txt (from
 * transfer_awaiting_notice) into out/USER/.  At the approval the console's
 * monitor calls transfer_release_held: the file moves into out/USER/ under
 * the name its receipt has (never over a file of that name) and the note
 * goes.  0, or -1 with the reason in err.
 */
int transfer_hold(const struct config *cfg, const char *field, const char *id,
    const char *ext, const struct buf *out, const struct buf *notice,
    const struct buf *receipt, struct buf *err);
int transfer_release_held(const struct config *cfg, const char *user, const char *id,
    struct buf *err);
void transfer_awaiting_notice(const struct config *cfg, const char *name, const char *id,
    struct buf *out);

/* The Japanese-then-English notice of a withheld file, from its receipt. */
void transfer_withheld_notice(const struct config *cfg, const char *name, const char *id,
    const char *reason, struct buf *out);

#endif
