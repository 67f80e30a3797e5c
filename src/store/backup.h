/*
 * backup - one file that brings a sekisho back on a fresh machine:
 * `sekisho backup -o FILE` and `sekisho restore FILE`.
 *
 * The file is a POSIX (pax) tar of members under "sekisho-backup/":
 *   metadata.sqlite   SQLite's online backup of quarantine_db (a
 *                     consistent copy while sekishod writes), or
 *   metadata.pgdump   pg_dump --format=custom of quarantine_pg
 *   blobs/...         the quarantine folder's blob files, as they are
 *                     (encrypted at rest; copied after the metadata, and
 *                     blobs are durable before a row names them, so every
 *                     row's blob is in the file)
 *   journal/journal.jsonl, journal/journal.jsonl.checkpoints,
 *   journal/journal.jsonl.<20 digits>
 *                     the checkpoints first, the rotated files
 *                     (audit/journal.h), then the journal's whole lines
 *                     (a record being written is left for the next backup),
 *                     so no checkpoint names a record the copy lacks
 *   keys/audit.pub    the checkpoints' public key
 *   keys/sealed.json  the quarantine key and the audit key, sealed with a
 *                     passphrase (Argon2id, then XSalsa20-Poly1305;
 *                     libsodium's crypto_pwhash and crypto_secretbox); absent
 *                     with --no-keys
 *   manifest.json     last: the format, when, which backend, and every
 *                     member's size and SHA-256
 * restore reads the whole file once and checks every member against the
 * manifest before it writes anything, then writes each member where the
 * configuration says, refusing to write over a store or journal that
 * already holds records (unless forced), and gives the files to
 * daemon_user (the keys stay root's) when run as root.
 */
#ifndef SEKISHO_STORE_BACKUP_H
#define SEKISHO_STORE_BACKUP_H

#include "core/buf.h"
#include "policy/config.h"

#define BACKUP_FORMAT "sekisho.backup/1"
#define BACKUP_DIR "sekisho-backup/"
#define BACKUP_MEMBERS_MAX 10000000	/* members read back from one file */
#define BACKUP_MANIFEST_MAX ((size_t)1024 * 1024 * 1024)	/* bytes of the manifest */
#define BACKUP_PASSPHRASE_MIN 10	/* characters (not bytes) of a passphrase, at least */
#define BACKUP_PASSPHRASE_MAX 1024
#define BACKUP_KEYFILE_MAX ((size_t)64 * 1024)	/* a key file */

struct backup_summary {
	size_t blobs, members;
	unsigned long long bytes;
	unsigned long long journal_records;
	int keys;		/* the sealed keys are in the file */
};

/* Make the backup of cfg's store, journal and keys (passphrase NULL: no
 * keys) into path.  0, or -1 with the reason in err. */
int backup_make(const struct config *cfg, const char *path, const char *passphrase,
    struct backup_summary *sum, struct buf *err);

/* Check path against its manifest (passphrase: also open the keys); 0, or
 * -1 with the reason. */
int backup_check(const char *path, const char *passphrase, struct backup_summary *sum,
    struct buf *err);

/* Bring path back where cfg says (after backup_check passes).  keep_keys:
 * the keys here stay (the file's are not opened).  force: write over a
 * store or journal that holds records (the journal's files are moved
 * aside into <journal>.before-restore-<time>/ first).  0, or -1. */
int backup_restore(const struct config *cfg, const char *path, const char *passphrase,
    int keep_keys, int force, struct backup_summary *sum, struct buf *err);

#endif
