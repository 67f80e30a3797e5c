/*
 * store - quarantine blobs, their encryption and keys, and the backend-neutral
 * API over the metadata backends.  See store.h for the contract.
 *
 * Consistency between blobs and rows: a row is inserted only after its blob
 * is durable (a file: fsynced before the transaction; inline: written in the
 * same transaction), and both store_put's insert and store_expire's
 * deletions run in the backend's write transaction, inside which put checks
 * again that the blob is still there (expire may have removed it since) and
 * expire removes a blob only when no row refers to it.  A crash leaves at
 * worst an unreferenced blob or a temporary file, never a row without its
 * blob (expired rows aside), and a file blob damaged by a crash is never
 * believed (see store.h).
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/fdio.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "store/store_backend.h"

#define BLOB_MAGIC "SKQ1"
#define BLOB_MAGIC_LEN 4
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define KEY_LEN crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define BLOB_HEADER_LEN (BLOB_MAGIC_LEN + STORE_KEY_ID_LEN + NONCE_LEN)
#define BLOB_SUFFIX ".sk"

#define KEY_FILE_MAX 16384
#define EXPIRE_BATCH 256
#define DAY 86400LL
#define TIME_MAX ((long long)1 << 40)	/* far beyond any real date */

const char *const store_schema[] = {
	"CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)",
	"CREATE TABLE IF NOT EXISTS items ("
	    "receipt_id TEXT PRIMARY KEY, "
	    "received_at BIGINT NOT NULL, "
	    "sha256 TEXT NOT NULL, "
	    "bytes BIGINT NOT NULL, "
	    "verdict TEXT NOT NULL CHECK (verdict IN ('sanitized', 'withheld')), "
	    "reason TEXT, "
	    "sender TEXT NOT NULL, "
	    "recipients TEXT NOT NULL, "
	    "subject TEXT NOT NULL, "
	    "receipt_json TEXT NOT NULL, "
	    "key_id TEXT NOT NULL, "
	    "state TEXT NOT NULL CHECK (state IN ('held', 'released', 'expired')), "
	    "released_at BIGINT, "
	    "released_by TEXT, "
	    "expires_at BIGINT NOT NULL)",
	"CREATE INDEX IF NOT EXISTS items_received_at ON items (received_at)",
	"CREATE INDEX IF NOT EXISTS items_sha256 ON items (sha256)",
	"CREATE INDEX IF NOT EXISTS items_expires_at ON items (expires_at)",
	/* BYTEA: PostgreSQL's binary type; SQLite keeps a BLOB value as it is */
	"CREATE TABLE IF NOT EXISTS blobs ("
	    "sha256 TEXT PRIMARY KEY, "
	    "sealed BYTEA NOT NULL)",
	/* version 3: every release, kept when the item expires (what left) */
	"CREATE TABLE IF NOT EXISTS releases ("
	    "release_id TEXT PRIMARY KEY, "
	    "receipt_id TEXT NOT NULL, "
	    "n BIGINT NOT NULL, "
	    "released_at BIGINT NOT NULL, "
	    "released_by TEXT NOT NULL, "
	    "account TEXT NOT NULL, "
	    "reason TEXT NOT NULL, "
	    "sha256 TEXT NOT NULL, "
	    "bytes BIGINT NOT NULL, "
	    "UNIQUE (receipt_id, n))",
	/* version 4: the console (src/web).  Accounts: role, the approvers'
	 * group, the addresses whose items staff see (one per line), an argon2id
	 * hash, the TOTP secret (base32) and the last step accepted (a code is
	 * accepted once), failures in a row and the lock they caused. */
	"CREATE TABLE IF NOT EXISTS users ("
	    "name TEXT PRIMARY KEY, "
	    "display TEXT NOT NULL, "
	    "role TEXT NOT NULL CHECK (role IN ('staff', 'approver', 'operator', 'auditor')), "
	    "grp TEXT NOT NULL, "
	    "addresses TEXT NOT NULL, "
	    "pw_hash TEXT NOT NULL, "
	    "pw_change BIGINT NOT NULL, "
	    "totp_secret TEXT, "
	    "totp_step BIGINT NOT NULL, "
	    "failures BIGINT NOT NULL, "
	    "locked_until BIGINT NOT NULL, "
	    "disabled BIGINT NOT NULL, "
	    "created_at BIGINT NOT NULL)",
	"CREATE TABLE IF NOT EXISTS user_recovery ("
	    "name TEXT NOT NULL, "
	    "digest TEXT NOT NULL, "
	    "used_at BIGINT, "
	    "PRIMARY KEY (name, digest))",
	/* sessions by the SHA-256 of their token (the token itself is never stored) */
	"CREATE TABLE IF NOT EXISTS sessions ("
	    "token_digest TEXT PRIMARY KEY, "
	    "name TEXT NOT NULL, "
	    "csrf TEXT NOT NULL, "
	    "address TEXT NOT NULL, "
	    "created_at BIGINT NOT NULL, "
	    "seen_at BIGINT NOT NULL, "
	    /* 'enrol': only the first login's password and TOTP set-up may
	     * happen in it, with the secret offered (enrol_secret) */
	    "stage TEXT NOT NULL CHECK (stage IN ('full', 'enrol')), "
	    "enrol_secret TEXT)",
	"CREATE INDEX IF NOT EXISTS sessions_name ON sessions (name)",
	/* a request for an original: who asked, why, who decided and when */
	"CREATE TABLE IF NOT EXISTS requests ("
	    "request_id TEXT PRIMARY KEY, "
	    "receipt_id TEXT NOT NULL, "
	    "requested_by TEXT NOT NULL, "
	    "requested_at BIGINT NOT NULL, "
	    "reason TEXT NOT NULL, "
	    "state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')), "
	    "decided_by TEXT, "
	    "decided_at BIGINT, "
	    "comment TEXT)",
	"CREATE INDEX IF NOT EXISTS requests_receipt ON requests (receipt_id)",
	/* small facts of the console shared by every node (the day of the last
	 * approvers' digest: one node claims it) */
	"CREATE TABLE IF NOT EXISTS console_state ("
	    "name TEXT PRIMARY KEY, "
	    "value TEXT NOT NULL)",
	/* wrong passwords given for an encrypted attachment (PPAP), counted */
	"CREATE TABLE IF NOT EXISTS unlock_tries ("
	    "receipt_id TEXT NOT NULL, "
	    "part TEXT NOT NULL, "
	    "tries BIGINT NOT NULL, "
	    "PRIMARY KEY (receipt_id, part))",
	/* an item under each of its recipients (lower-cased, without <>): a
	 * staff member's list is an index range, not a scan of every item */
	"CREATE TABLE IF NOT EXISTS item_recipients ("
	    "address TEXT NOT NULL, "
	    "received_at BIGINT NOT NULL, "
	    "receipt_id TEXT NOT NULL, "
	    "PRIMARY KEY (address, received_at, receipt_id))",
	"CREATE INDEX IF NOT EXISTS item_recipients_item ON item_recipients (receipt_id)",
	"CREATE INDEX IF NOT EXISTS requests_state ON requests (state)",
	/* version 5: a message leaving held by sekisho (outbound_release_to)
	 * is sent once, or recalled by its sender; whichever comes first */
	"CREATE TABLE IF NOT EXISTS outbound_holds ("
	    "receipt_id TEXT PRIMARY KEY, "
	    "state TEXT NOT NULL CHECK (state IN ('sent', 'recalled', 'confirm')), "
	    "decided_by TEXT NOT NULL, "
	    "decided_at BIGINT NOT NULL)",
	/* messages waiting outbound_delay, found by the console monitor every
	 * few seconds: a partial index, so that no other item pays for it and a
	 * message sent (released) leaves it */
	"CREATE INDEX IF NOT EXISTS items_delayed ON items (received_at) WHERE reason = 'delay' "
	    "AND state = 'held'",
	/* the outside addresses each sender has sent to through sekisho: a
	 * first one waits for its sender's confirmation
	 * (outbound_confirm_new_recipients) */
	"CREATE TABLE IF NOT EXISTS outbound_known ("
	    "sender TEXT NOT NULL, "
	    "address TEXT NOT NULL, "
	    "first_at BIGINT NOT NULL, "
	    "PRIMARY KEY (sender, address))",
	NULL
};

struct store_key {
	char id[STORE_KEY_ID_LEN + 1];
	unsigned char key[KEY_LEN];
};

struct store {
	const struct store_backend_ops *ops;
	void *be;
	int dirfd;			/* blob_dir */
	char *blob_dir;
	struct store_key *keys;		/* sodium_allocarray; [0] is current */
	size_t nkeys;
	long long retention;		/* seconds */
	size_t inline_max;		/* originals up to this size are inline */
	int in_tx;			/* inside store_transaction */
};

/* ---------------------------------------------------------------- helpers */

/*
 * Write transactions.  The writers of one process take turns on this mutex
 * before the database's own lock: SQLite makes a writer that finds the
 * database locked sleep and retry (1, 2, 5, 10, 15 ms ...), which with two
 * recorders put up to 50 ms on a message's record; a mutex wakes the next
 * writer the moment the first commits.  Other processes (the CLI, other
 * nodes) still meet the database's lock and its timeout.  tx_commit ends the
 * transaction either way: on failure it rolls back.  store_open takes its
 * turn too.
 */
static pthread_mutex_t write_turn = PTHREAD_MUTEX_INITIALIZER;

static int
tx_begin(struct store *s, struct buf *err)
{
	pthread_mutex_lock(&write_turn);
	if (s->ops->begin(s->be, err) == 0)
		return 0;
	pthread_mutex_unlock(&write_turn);
	return -1;
}

static void
tx_rollback(struct store *s)
{
	s->ops->rollback(s->be);
	pthread_mutex_unlock(&write_turn);
}

static int
tx_commit(struct store *s, struct buf *err)
{
	if (s->ops->commit(s->be, err) == 0) {
		pthread_mutex_unlock(&write_turn);
		return 0;
	}
	tx_rollback(s);
	return -1;
}

static int
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

static int
valid_sha(const char *s)
{
	return s != NULL && strlen(s) == SHA256_HEX_LEN && is_hex(s, SHA256_HEX_LEN);
}

static int
valid_id(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n >= STORE_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return s[0] != '.';
}

/* s as valid UTF-8 (invalid bytes as U+FFFD), cut at a character boundary
 * before max bytes; NULL as "". */
static void
clean_text(const char *s, size_t max, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n = strlen((const char *)p);
	unsigned int cp;

	buf_init(out, max);
	buf_puts(out, "");
	while (n > 0) {
		size_t k = utf8_next(p, n, &cp);
		int r = k > 0 ? buf_append(out, p, k) : buf_append(out, "\xef\xbf\xbd", 3);

		if (r != 0)
			break;
		k = k > 0 ? k : 1;
		p += k;
		n -= k;
	}
}

/* ".<base>.<pid>.<random>.tmp": unique, hidden, recognisable. */
static void
tmp_name(const char *base, struct buf *name)
{
	unsigned char r[6];
	char hex[2 * sizeof r + 1];

	randombytes_buf(r, sizeof r);
	sodium_bin2hex(hex, sizeof hex, r, sizeof r);
	buf_printf(name, ".%s.%ld.%s.tmp", base, (long)getpid(), hex);
}

/* Write a new file name (relative to dirfd) with the bytes and fsync it. */
static int
write_synced(int dirfd, const char *name, const void *p, size_t n, mode_t mode,
    struct buf *err)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd < 0) {
		buf_printf(err, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (write_all(fd, p, n) != 0 || fsync(fd) != 0) {
		buf_printf(err, "%s: %s", name, strerror(errno));
		close(fd);
		unlinkat(dirfd, name, 0);
		return -1;
	}
	if (close(fd) != 0) {
		buf_printf(err, "%s: %s", name, strerror(errno));
		unlinkat(dirfd, name, 0);
		return -1;
	}
	return 0;
}

/* Open the folder holding path; *base points into the copy *dircopy. */
static int
open_parent(const char *path, char **copy, const char **base, struct buf *err)
{
	char *d, *b;
	int fd;

	*copy = xstrdup(path);
	b = strrchr(*copy, '/');
	if (b == NULL) {
		d = ".";
		b = *copy;
	} else if (b == *copy) {
		d = "/";
		*b++ = '\0';
	} else {
		*b++ = '\0';
		d = *copy;
	}
	*base = b;
	if (*b == '\0') {
		buf_printf(err, "%s: not a file name", path);
		return -1;
	}
	if ((fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		buf_printf(err, "%s: %s", d, strerror(errno));
	return fd;
}

/* Create or replace path via a synced temporary file; replace or not. */
static int
write_file_durable(const char *path, const void *p, size_t n, mode_t mode, int replace,
    struct buf *err)
{
	struct buf tmp;
	const char *base;
	char *copy;
	int dfd, r = -1;

	if ((dfd = open_parent(path, &copy, &base, err)) < 0) {
		free(copy);
		return -1;
	}
	buf_init(&tmp, 8192);
	tmp_name(base, &tmp);
	if (write_synced(dfd, buf_str(&tmp), p, n, mode, err) != 0)
		goto out;
	if (replace ? renameat(dfd, buf_str(&tmp), dfd, base) != 0 :
	    linkat(dfd, buf_str(&tmp), dfd, base, 0) != 0) {
		buf_printf(err, "%s: %s", path, errno == EEXIST ?
		    "exists already (not overwritten)" : strerror(errno));
		unlinkat(dfd, buf_str(&tmp), 0);
		goto out;
	}
	if (!replace)
		unlinkat(dfd, buf_str(&tmp), 0);
	if (fsync(dfd) != 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	r = 0;
out:
	buf_free(&tmp);
	close(dfd);
	free(copy);
	return r;
}

int
store_write_new_file(const char *path, const void *p, size_t n, mode_t mode,
    struct buf *err)
{
	return write_file_durable(path, p, n, mode, 0, err);
}

/* ------------------------------------------------------------------- keys */

static void
key_id_of(const unsigned char key[KEY_LEN], char id[STORE_KEY_ID_LEN + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, key, KEY_LEN);
	sodium_bin2hex(id, STORE_KEY_ID_LEN + 1, h, STORE_KEY_ID_LEN / 2);
}

/* Read a key file (checking its type, permissions and size) into text,
 * which the caller wipes. */
/* A key file's bytes from an open descriptor (the caller closes it); path
 * only names it in messages. */
static int
read_key_fd(int fd, const char *path, char text[KEY_FILE_MAX + 1], size_t *len,
    struct buf *err)
{
	struct stat st;
	ssize_t n;

	*len = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		buf_printf(err, "key file %s: not a regular file", path);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		buf_printf(err, "key file %s: permissions %04o are too open: group and others "
		    "must have no access (chmod 600)", path, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	while ((n = pread(fd, text + *len, KEY_FILE_MAX + 1 - *len, (off_t)*len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(err, "key file %s: %s", path, strerror(errno));
			return -1;
		}
		*len += (size_t)n;
		if (*len > KEY_FILE_MAX) {
			buf_printf(err, "key file %s: larger than %d bytes", path, KEY_FILE_MAX);
			return -1;
		}
	}
	text[*len] = '\0';
	return 0;
}

static int
read_key_file(const char *path, char text[KEY_FILE_MAX + 1], size_t *len, struct buf *err)
{
	int fd, r;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		buf_printf(err, "key file %s: %s", path, strerror(errno));
		return -1;
	}
	r = read_key_fd(fd, path, text, len, err);
	close(fd);
	return r;
}

/* Parse "keyid base64key" lines ('#' comments and blank lines allowed). */
static int
parse_keys(const char *path, const char *text, size_t len, struct store_key *keys,
    size_t *nkeys, struct buf *err)
{
	size_t pos = 0, lineno = 0;

	*nkeys = 0;
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - pos, i = 0, b64;
		char id[STORE_KEY_ID_LEN + 1];
		size_t binlen;
		const char *end;

		pos += n + 1;
		lineno++;
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == n || line[i] == '#')
			continue;
		if (*nkeys >= STORE_KEYS_MAX) {
			buf_printf(err, "key file %s: more than %d keys", path, STORE_KEYS_MAX);
			return -1;
		}
		if (n - i < STORE_KEY_ID_LEN + 2 || !is_hex(line + i, STORE_KEY_ID_LEN) ||
		    (line[i + STORE_KEY_ID_LEN] != ' ' && line[i + STORE_KEY_ID_LEN] != '\t')) {
			buf_printf(err, "key file %s:%zu: expected \"keyid base64key\"", path, lineno);
			return -1;
		}
		memcpy(id, line + i, STORE_KEY_ID_LEN);
		id[STORE_KEY_ID_LEN] = '\0';
		i += STORE_KEY_ID_LEN;
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		b64 = i;
		if (sodium_base642bin(keys[*nkeys].key, KEY_LEN, line + b64, n - b64, NULL,
		    &binlen, &end, sodium_base64_VARIANT_ORIGINAL) != 0 || binlen != KEY_LEN ||
		    end != line + n) {
			buf_printf(err, "key file %s:%zu: the key is not %d bytes of base64", path,
			    lineno, KEY_LEN);
			return -1;
		}
		key_id_of(keys[*nkeys].key, keys[*nkeys].id);
		if (strcmp(keys[*nkeys].id, id) != 0) {
			buf_printf(err, "key file %s:%zu: key id %s does not match the key (%s)",
			    path, lineno, id, keys[*nkeys].id);
			return -1;
		}
		for (size_t k = 0; k < *nkeys; k++) {
			if (strcmp(keys[k].id, id) == 0) {
				buf_printf(err, "key file %s:%zu: key %s listed twice", path, lineno, id);
				return -1;
			}
		}
		(*nkeys)++;
	}
	if (*nkeys == 0) {
		buf_printf(err, "key file %s: no key", path);
		return -1;
	}
	return 0;
}

static struct store_key *
keys_alloc(void)
{
	struct store_key *k = sodium_allocarray(STORE_KEYS_MAX, sizeof *k);

	if (k == NULL)
		die("sodium_allocarray: %s", strerror(errno));
	return k;
}

static int
load_keys(struct store *s, const char *path, int fd, struct buf *err)
{
	char text[KEY_FILE_MAX + 1];
	size_t len;
	int r;

	s->keys = keys_alloc();
	r = fd >= 0 ? read_key_fd(fd, path, text, &len, err) : read_key_file(path, text, &len, err);
	if (r == 0)
		r = parse_keys(path, text, len, s->keys, &s->nkeys, err);
	sodium_memzero(text, sizeof text);
	if (r != 0)
		s->nkeys = 0;
	return r;
}

/* One new key as a key-file line ("keyid base64\n"), which the caller wipes. */
static void
new_key_line(char *line, size_t n)
{
	unsigned char key[KEY_LEN];
	char id[STORE_KEY_ID_LEN + 1], b64[sodium_base64_ENCODED_LEN(KEY_LEN,
	    sodium_base64_VARIANT_ORIGINAL)];

	randombytes_buf(key, sizeof key);
	key_id_of(key, id);
	sodium_bin2base64(b64, sizeof b64, key, sizeof key, sodium_base64_VARIANT_ORIGINAL);
	if ((size_t)snprintf(line, n, "%s %s\n", id, b64) >= n)
		die("key line buffer too small");
	sodium_memzero(key, sizeof key);
	sodium_memzero(b64, sizeof b64);
}

int
store_key_generate(const char *path, struct buf *err)
{
	char line[128];
	int r;

	if (sodium_init() < 0) {
		buf_puts(err, "libsodium cannot be initialised");
		return -1;
	}
	new_key_line(line, sizeof line);
	r = store_write_new_file(path, line, strlen(line), 0600, err);
	sodium_memzero(line, sizeof line);
	return r;
}

int
store_key_rotate(const char *path, struct buf *err)
{
	char text[KEY_FILE_MAX + 1], *out = NULL;
	struct store_key *keys = NULL;
	size_t len, nkeys, outlen = 0, outcap = KEY_FILE_MAX + 256;
	int r = -1;

	if (sodium_init() < 0) {
		buf_puts(err, "libsodium cannot be initialised");
		return -1;
	}
	if (read_key_file(path, text, &len, err) != 0)
		goto out;
	keys = keys_alloc();
	if (parse_keys(path, text, len, keys, &nkeys, err) != 0)
		goto out;
	if (nkeys >= STORE_KEYS_MAX) {
		buf_printf(err, "key file %s: holds %d keys already", path, STORE_KEYS_MAX);
		goto out;
	}
	if ((out = sodium_malloc(outcap)) == NULL)
		die("sodium_malloc: %s", strerror(errno));
	new_key_line(out, outcap);
	outlen = strlen(out);
	memcpy(out + outlen, text, len);
	outlen += len;
	if (len > 0 && text[len - 1] != '\n')
		out[outlen++] = '\n';
	if (outlen > KEY_FILE_MAX) {
		buf_printf(err, "key file %s: would grow past %d bytes", path, KEY_FILE_MAX);
		goto out;
	}
	r = write_file_durable(path, out, outlen, 0600, 1, err);
out:
	sodium_memzero(text, sizeof text);
	if (out != NULL)
		sodium_free(out);	/* wipes */
	if (keys != NULL)
		sodium_free(keys);
	return r;
}

static const struct store_key *
find_key(const struct store *s, const char *id)
{
	for (size_t i = 0; i < s->nkeys; i++) {
		if (memcmp(s->keys[i].id, id, STORE_KEY_ID_LEN) == 0)
			return &s->keys[i];
	}
	return NULL;
}

/* ------------------------------------------------------------------ blobs */

/*
 * A blob lives at ab/<sha256>.sk: one level of 256 folders, as git keeps its
 * objects.  Stores written by sekisho 0.1 used ab/cd/<sha256>.sk; those blobs
 * are still read, found and expired where they are (blob_rel_old), new ones
 * go to the one-level place.  One level means a new original never needs a
 * new folder once the 256 exist: creating a folder (an inode, a block and a
 * folder fsync) for nearly every message was a third of the recorder's time.
 */
static void
blob_rel(const char *sha, struct buf *p)
{
	buf_printf(p, "%.2s/%s" BLOB_SUFFIX, sha, sha);
}

static void
blob_rel_old(const char *sha, struct buf *p)
{
	buf_printf(p, "%.2s/%.2s/%s" BLOB_SUFFIX, sha, sha + 2, sha);
}

void
store_blob_path(const struct store *s, const char *sha256, struct buf *path)
{
	buf_printf(path, "%s/", s->blob_dir);
	blob_rel(sha256, path);
}

/* Open (creating if asked) the folder at name under dirfd.  Not synced:
 * the caller fsyncs the parent (blob_dirs_sync). */
static int
sub_dir(int dirfd, const char *name, int create, struct buf *err)
{
	int fd;

	if (create && mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST) {
		buf_printf(err, "quarantine folder %s: %s", name, strerror(errno));
		return -1;
	}
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		buf_printf(err, "quarantine folder %s: %s", name, strerror(errno));
	return fd;
}

/* A blob being written: its folder, and its temporary file until placed. */
struct blob_w {
	int dirfd, fd;
	struct buf tmp;		/* the temporary file's name */
	char key_id[STORE_KEY_ID_LEN + 1];
};

/* The folder ab of a blob into w (created if create). */
static int
blob_dir_open(struct store *s, const char *sha, int create, struct blob_w *w,
    struct buf *err)
{
	char ab[3] = { sha[0], sha[1], '\0' };

	return (w->dirfd = sub_dir(s->dirfd, ab, create, err)) < 0 ? -1 : 0;
}

/* Remove a blob from where it is: 1 removed, 0 not there, -1 (errno). */
static int
blob_unlink(const struct store *s, const char *sha)
{
	struct buf rel;
	int r, e;

	buf_init(&rel, 1024);
	blob_rel(sha, &rel);
	r = unlinkat(s->dirfd, buf_str(&rel), 0);
	if (r != 0 && errno == ENOENT) {
		buf_reset(&rel);
		blob_rel_old(sha, &rel);
		r = unlinkat(s->dirfd, buf_str(&rel), 0);
	}
	e = errno;
	buf_free(&rel);
	errno = e;
	return r == 0 ? 1 : e == ENOENT ? 0 : -1;
}

static void
blob_w_init(struct blob_w *w)
{
	w->dirfd = w->fd = -1;
	buf_init(&w->tmp, 1024);
	w->key_id[0] = '\0';
}

/* Close what is open; a temporary file not placed is removed. */
static void
blob_w_free(struct blob_w *w)
{
	if (w->fd >= 0) {
		close(w->fd);
		if (w->tmp.len > 0)	/* not placed */
			unlinkat(w->dirfd, buf_str(&w->tmp), 0);
	}
	if (w->dirfd >= 0)
		close(w->dirfd);
	w->dirfd = w->fd = -1;
	buf_free(&w->tmp);
}

/* The sealed form of an original under the current key (malloc'd, *n bytes). */
static unsigned char *
blob_seal(const struct store *s, const char *sha, const void *p, size_t len, size_t *n)
{
	const struct store_key *k = &s->keys[0];
	unsigned char *blob = xmalloc(BLOB_HEADER_LEN + len + TAG_LEN);
	unsigned long long clen;

	memcpy(blob, BLOB_MAGIC, BLOB_MAGIC_LEN);
	memcpy(blob + BLOB_MAGIC_LEN, k->id, STORE_KEY_ID_LEN);
	randombytes_buf(blob + BLOB_MAGIC_LEN + STORE_KEY_ID_LEN, NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(blob + BLOB_HEADER_LEN, &clen, p, len,
	    (const unsigned char *)sha, SHA256_HEX_LEN, NULL,
	    blob + BLOB_MAGIC_LEN + STORE_KEY_ID_LEN, k->key);
	if (clen != len + TAG_LEN)
		die("aead: unexpected ciphertext length");
	*n = BLOB_HEADER_LEN + (size_t)clen;
	return blob;
}

/*
 * Encrypt under the current key into a new temporary file in the blob's
 * folder and start its writeback (sync_file_range, a hint: when several
 * blobs are written before any is fsynced, the file system allocates and
 * writes them together, and the fsyncs that follow find most of the work
 * done, on ext4 often in one journal commit).  Not yet durable.
 */
static int
blob_start(struct store *s, const char *sha, const void *p, size_t len, struct blob_w *w,
    struct buf *err)
{
	const struct store_key *k = &s->keys[0];
	unsigned char *blob;
	size_t n;
	int r = -1;

	if (blob_dir_open(s, sha, 1, w, err) != 0)
		return -1;
	blob = blob_seal(s, sha, p, len, &n);
	buf_reset(&w->tmp);
	tmp_name(sha, &w->tmp);
	w->fd = openat(w->dirfd, buf_str(&w->tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (w->fd < 0) {
		buf_printf(err, "blob %s: %s", sha, strerror(errno));
		goto out;
	}
	if (write_all(w->fd, blob, n) != 0) {
		buf_printf(err, "blob %s: %s", sha, strerror(errno));
		goto out;
	}
	(void)sync_file_range(w->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	memcpy(w->key_id, k->id, STORE_KEY_ID_LEN + 1);
	r = 0;
out:
	free(blob);
	return r;
}

/*
 * Rename the temporary file into place, keeping it open: the caller fsyncs
 * it, and the folder, afterwards (store_put_many: after all the renames of
 * a batch).  A file already under that name (a damaged blob, or one under a
 * key this key file does not hold) is replaced only by a synced file, so a
 * crash never leaves an unsynced file where a whole one was.  On failure
 * the temporary file is removed.
 */
static int
blob_place(struct blob_w *w, const char *sha, struct buf *err)
{
	char final[SHA256_HEX_LEN + sizeof BLOB_SUFFIX];

	snprintf(final, sizeof final, "%s" BLOB_SUFFIX, sha);
	if ((faccessat(w->dirfd, final, F_OK, AT_SYMLINK_NOFOLLOW) == 0 && fsync(w->fd) != 0) ||
	    renameat(w->dirfd, buf_str(&w->tmp), w->dirfd, final) != 0) {
		buf_printf(err, "blob %s: %s", sha, strerror(errno));
		unlinkat(w->dirfd, buf_str(&w->tmp), 0);
		close(w->fd);
		w->fd = -1;
		return -1;
	}
	buf_reset(&w->tmp);	/* placed: no longer to be removed */
	return 0;
}

/* Encrypt and write a blob under the current key, durably; on success key_id
 * is set. */
static int
blob_write(struct store *s, const char *sha, const void *p, size_t len,
    char key_id[STORE_KEY_ID_LEN + 1], struct buf *err)
{
	struct blob_w w;
	int r = -1;

	blob_w_init(&w);
	if (blob_start(s, sha, p, len, &w, err) != 0 || blob_place(&w, sha, err) != 0)
		goto out;
	if (fsync(w.fd) != 0 || fsync(w.dirfd) != 0 || fsync(s->dirfd) != 0) {
		buf_printf(err, "blob %s: %s", sha, strerror(errno));
		goto out;
	}
	memcpy(key_id, w.key_id, STORE_KEY_ID_LEN + 1);
	r = 0;
out:
	blob_w_free(&w);
	return r;
}

static int
blob_open(const struct store *s, const char *sha, struct stat *st)
{
	struct buf rel;
	int fd;

	buf_init(&rel, 1024);
	blob_rel(sha, &rel);
	fd = openat(s->dirfd, buf_str(&rel), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		buf_reset(&rel);
		blob_rel_old(sha, &rel);
		fd = openat(s->dirfd, buf_str(&rel), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	buf_free(&rel);
	if (fd >= 0 && (fstat(fd, st) != 0 || !S_ISREG(st->st_mode))) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

#define SEALED_MAX (STORE_BLOB_MAX + BLOB_HEADER_LEN + TAG_LEN)

/* The sealed bytes of a blob's file, appended to sealed: 0, STORE_NOT_FOUND
 * or -1 with the reason. */
static int
blob_load_file(const struct store *s, const char *sha, struct buf *sealed, struct buf *err)
{
	struct stat st;
	int fd, r = -1;

	if ((fd = blob_open(s, sha, &st)) < 0) {
		if (errno == ENOENT)
			return STORE_NOT_FOUND;
		buf_printf(err, "blob %s: %s", sha, strerror(errno));
		return -1;
	}
	if ((uint64_t)st.st_size > (uint64_t)SEALED_MAX) {
		buf_printf(err, "blob %s: impossible size %lld", sha, (long long)st.st_size);
		goto out;
	}
	if (buf_reserve(sealed, (size_t)st.st_size) != 0) {
		buf_printf(err, "blob %s: larger than allowed here", sha);
		goto out;
	}
	if (read_full(fd, sealed->data + sealed->len, (size_t)st.st_size) != 0) {
		buf_printf(err, "blob %s: %s", sha, errno ? strerror(errno) : "short read");
		goto out;
	}
	sealed->len += (size_t)st.st_size;
	r = 0;
out:
	close(fd);
	return r;
}

/*
 * Decrypt and verify a sealed blob, appending the plaintext to out; the
 * blob's key id goes to key_id if not NULL.  0, or -1 with the reason.
 */
static int
blob_unseal(const struct store *s, const char *sha, const struct buf *sealed,
    struct buf *out, char key_id[STORE_KEY_ID_LEN + 1], struct buf *err)
{
	const unsigned char *blob = (const unsigned char *)sealed->data;
	const struct store_key *k;
	unsigned long long mlen;
	char check[SHA256_HEX_LEN + 1];
	size_t size = sealed->len;

	if (size < BLOB_HEADER_LEN + TAG_LEN || size > SEALED_MAX) {
		buf_printf(err, "blob %s: impossible size %zu", sha, size);
		return -1;
	}
	if (buf_reserve(out, size - BLOB_HEADER_LEN - TAG_LEN) != 0) {
		buf_printf(err, "blob %s: the original (%zu bytes) is larger than allowed here",
		    sha, size - BLOB_HEADER_LEN - TAG_LEN);
		return -1;
	}
	if (memcmp(blob, BLOB_MAGIC, BLOB_MAGIC_LEN) != 0 ||
	    !is_hex((const char *)blob + BLOB_MAGIC_LEN, STORE_KEY_ID_LEN)) {
		buf_printf(err, "blob %s: not a sekisho quarantine blob (bad header)", sha);
		return -1;
	}
	if ((k = find_key(s, (const char *)blob + BLOB_MAGIC_LEN)) == NULL) {
		buf_printf(err, "blob %s: encrypted under key id %.16s, which the key file "
		    "does not hold", sha, (const char *)blob + BLOB_MAGIC_LEN);
		return -1;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out->data + out->len,
	    &mlen, NULL, blob + BLOB_HEADER_LEN, size - BLOB_HEADER_LEN,
	    (const unsigned char *)sha, SHA256_HEX_LEN, blob + BLOB_MAGIC_LEN + STORE_KEY_ID_LEN,
	    k->key) != 0) {
		buf_printf(err, "blob %s: authentication failed: the blob is damaged, was "
		    "tampered with, or holds other content", sha);
		return -1;
	}
	sha256_hex(out->data + out->len, (size_t)mlen, check);
	if (strcmp(check, sha) != 0) {
		sodium_memzero(out->data + out->len, (size_t)mlen);
		buf_printf(err, "blob %s: decrypted content has digest %s", sha, check);
		return -1;
	}
	out->len += (size_t)mlen;
	out->data[out->len] = '\0';
	if (key_id != NULL)
		memcpy(key_id, k->id, STORE_KEY_ID_LEN + 1);
	return 0;
}

enum blob_where { BLOB_ANYWHERE, BLOB_FILE_ONLY };

/*
 * Read, decrypt and verify one blob (inline in the database, else its file;
 * or only its file), appending the plaintext to out; the blob's key id goes
 * to key_id if not NULL.  0, or -1 with the reason.
 */
static int
blob_read(const struct store *s, const char *sha, enum blob_where where, struct buf *out,
    char key_id[STORE_KEY_ID_LEN + 1], struct buf *err)
{
	struct buf sealed;
	int r;

	if (s->nkeys == 0) {
		buf_puts(err, "no key loaded: the quarantine key file is needed to read originals");
		return -1;
	}
	buf_init(&sealed, SEALED_MAX);
	r = where == BLOB_FILE_ONLY ? STORE_NOT_FOUND : s->ops->blob_get(s->be, sha, &sealed, err);
	if (r == STORE_NOT_FOUND && (r = blob_load_file(s, sha, &sealed, err)) == STORE_NOT_FOUND)
		buf_printf(err, "blob %s: missing", sha);
	if (r == 0)
		r = blob_unseal(s, sha, &sealed, out, key_id, err);
	buf_free(&sealed);
	return r == 0 ? 0 : -1;
}

/* Key id in a blob's header: 0, STORE_NOT_FOUND (no blob), -1 (unreadable). */
static int
blob_key_id(const struct store *s, const char *sha, char key_id[STORE_KEY_ID_LEN + 1])
{
	unsigned char h[BLOB_HEADER_LEN];
	struct stat st;
	int fd, r = -1;

	if ((fd = blob_open(s, sha, &st)) < 0)
		return errno == ENOENT ? STORE_NOT_FOUND : -1;
	if (st.st_size >= (off_t)(BLOB_HEADER_LEN + TAG_LEN) && read_full(fd, h, sizeof h) == 0 &&
	    memcmp(h, BLOB_MAGIC, BLOB_MAGIC_LEN) == 0 &&
	    is_hex((const char *)h + BLOB_MAGIC_LEN, STORE_KEY_ID_LEN) &&
	    find_key(s, (const char *)h + BLOB_MAGIC_LEN) != NULL) {
		memcpy(key_id, h + BLOB_MAGIC_LEN, STORE_KEY_ID_LEN);
		key_id[STORE_KEY_ID_LEN] = '\0';
		r = 0;
	}
	close(fd);
	return r;
}

/*
 * Make sure the blob for sha exists and holds p.  verify: an existing blob
 * is decrypted and checked (and written again if it does not hold p, which
 * repairs it for the rows already pointing at it); otherwise a readable
 * header with a known key is enough.
 */
static int
ensure_blob(struct store *s, const char *sha, const void *p, size_t len, int verify,
    char key_id[STORE_KEY_ID_LEN + 1], struct buf *err)
{
	if (verify) {
		struct buf check, ignored;
		int r;

		buf_init(&check, len + 1);
		buf_init(&ignored, 1024);
		r = blob_read(s, sha, BLOB_ANYWHERE, &check, key_id, &ignored);
		buf_free(&check);
		buf_free(&ignored);
		if (r == 0)
			return 0;
	} else if (blob_key_id(s, sha, key_id) == 0)
		return 0;
	return blob_write(s, sha, p, len, key_id, err);
}

void
store_defer_checkpoints(struct store *s)
{
	if (s->ops->defer_checkpoints != NULL)
		s->ops->defer_checkpoints(s->be);
}

int
store_checkpoint(struct store *s, struct buf *err)
{
	return s->ops->checkpoint != NULL ? s->ops->checkpoint(s->be, err) : 0;
}

int
store_checkpoint_due(struct store *s)
{
	return s->ops->checkpoint_due != NULL && s->ops->checkpoint_due(s->be);
}

int
store_blob_check(struct store *s, const char *sha256, struct buf *err)
{
	struct buf out;
	int r;

	if (!valid_sha(sha256)) {
		buf_puts(err, "not a sha256 digest");
		return -1;
	}
	buf_init(&out, STORE_BLOB_MAX);
	r = blob_read(s, sha256, BLOB_ANYWHERE, &out, NULL, err);
	if (out.data != NULL)
		sodium_memzero(out.data, out.cap);
	buf_free(&out);
	return r;
}


static int index_recipients(struct store *s, const char *id, const char *recipients,
    long long received, struct buf *err);

/* A store older than item_recipients: its items indexed once, on the first
 * open (the index is empty while items exist). */
struct backfill {
	struct store *s;
	struct buf *err;
	int failed;
};

static int
backfill_one(size_t ncols, const char *const *c, void *ctx)
{
	struct backfill *b = ctx;

	if (ncols != 3 || c[0] == NULL || c[1] == NULL || c[2] == NULL ||
	    index_recipients(b->s, c[0], c[1], strtoll(c[2], NULL, 10), b->err) != 0) {
		b->failed = 1;
		return 1;
	}
	return 0;
}

static int
any_row(size_t ncols, const char *const *c, void *ctx)
{
	*(int *)ctx = 1;
	return 1;
}

static int
backfill_in_tx(struct store *s, void *ctx, struct buf *err)
{
	struct backfill b = { .s = s, .err = err };

	if (s->ops->query(s->be, "SELECT receipt_id, recipients, received_at FROM items", NULL, 0,
	    backfill_one, &b, &(long long){ 0 }, err) != 0 || b.failed)
		return -1;
	return 0;
}

static int
recipients_backfill(struct store *s, struct buf *err)
{
	int items = 0, indexed = 0;

	if (s->ops->query(s->be, "SELECT 1 FROM item_recipients LIMIT 1", NULL, 0, any_row,
	    &indexed, &(long long){ 0 }, err) != 0 ||
	    s->ops->query(s->be, "SELECT 1 FROM items LIMIT 1", NULL, 0, any_row, &items,
	    &(long long){ 0 }, err) != 0)
		return -1;
	if (indexed || !items)
		return 0;
	return store_transaction(s, backfill_in_tx, NULL, err);
}

/* ---------------------------------------------------------------- the API */

int
store_open(struct store **sp, const struct store_config *cfg, struct buf *err)
{
	struct store *s;
	int r;

	*sp = NULL;
	if (sodium_init() < 0) {
		buf_puts(err, "libsodium cannot be initialised");
		return -1;
	}
	if (cfg->blob_dir == NULL || cfg->retention_days < 1 ||
	    (cfg->backend == STORE_BACKEND_SQLITE && cfg->sqlite_path == NULL) ||
	    (cfg->backend == STORE_BACKEND_POSTGRESQL && cfg->pg_conninfo == NULL) ||
	    (cfg->backend != STORE_BACKEND_SQLITE && cfg->backend != STORE_BACKEND_POSTGRESQL)) {
		buf_puts(err, "quarantine store: blob folder, database and a retention of at "
		    "least one day are needed");
		return -1;
	}
	digest_init();
	s = xcalloc(1, sizeof *s);
	s->dirfd = -1;
	s->ops = cfg->backend == STORE_BACKEND_POSTGRESQL ? &store_pg_ops : &store_sqlite_ops;
	s->blob_dir = xstrdup(cfg->blob_dir);
	s->retention = (long long)cfg->retention_days * DAY;
	s->inline_max = cfg->inline_max;
	if (cfg->create && mkdir(cfg->blob_dir, 0700) != 0 && errno != EEXIST) {
		buf_printf(err, "quarantine folder %s: %s", cfg->blob_dir, strerror(errno));
		goto fail;
	}
	if ((s->dirfd = open(cfg->blob_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		buf_printf(err, "quarantine folder %s: %s", cfg->blob_dir, strerror(errno));
		goto fail;
	}
	if (cfg->key_path != NULL && load_keys(s, cfg->key_path, cfg->key_from_fd ? cfg->key_fd : -1,
	    err) != 0)
		goto fail;
	/* opening writes too (the schema, an upgrade): in turn, as tx_begin */
	pthread_mutex_lock(&write_turn);
	r = s->ops->open(&s->be, cfg, err);
	pthread_mutex_unlock(&write_turn);
	if (r != 0 || recipients_backfill(s, err) != 0)
		goto fail;
	*sp = s;
	return 0;
fail:
	store_close(s);
	return -1;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->be != NULL)
		s->ops->close(s->be);
	if (s->keys != NULL)
		sodium_free(s->keys);	/* wipes */
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->blob_dir);
	free(s);
}

/* One item of store_put_many on its way. */
struct pending {
	int failed;
	int inline_;		/* the blob goes in the database (sealed, below) */
	unsigned char *sealed;
	size_t sealed_len;
	int placing;		/* a new blob, written, still to be renamed */
	size_t same;		/* an earlier item with the same original, or SIZE_MAX */
	char sha[SHA256_HEX_LEN + 1], key_id[STORE_KEY_ID_LEN + 1];
	struct buf reason, sender, rcpts, subject, receipt;
	struct store_item clean;
	struct blob_w w;	/* w.dirfd open: the folder is to be fsynced */
};

static void
put_fail(struct store_put *p, struct pending *q)
{
	p->status = -1;
	q->failed = 1;
}

/* Checks and cleans one item; -1 (with the reason) when it cannot be stored. */
static int
put_prepare(struct store *s, struct store_put *p, struct pending *q)
{
	const struct store_item *it = p->it;

	if (s->nkeys == 0) {
		buf_puts(p->err, "no key loaded: the quarantine key file is needed to store originals");
		return -1;
	}
	if (!valid_id(it->receipt_id)) {
		buf_puts(p->err, "receipt id: expected 1 to 63 of A-Z a-z 0-9 . _ -");
		return -1;
	}
	if (it->verdict == NULL || (strcmp(it->verdict, "sanitized") != 0 &&
	    strcmp(it->verdict, "withheld") != 0)) {
		buf_printf(p->err, "%s: verdict must be sanitized or withheld", it->receipt_id);
		return -1;
	}
	if (it->received_at < 0 || it->received_at > TIME_MAX) {
		buf_printf(p->err, "%s: received_at %lld is not a time", it->receipt_id,
		    it->received_at);
		return -1;
	}
	if (it->receipt_json == NULL || strlen(it->receipt_json) > STORE_RECEIPT_MAX) {
		buf_printf(p->err, "%s: the receipt is missing or larger than %zu bytes",
		    it->receipt_id, STORE_RECEIPT_MAX);
		return -1;
	}
	if (p->len > STORE_BLOB_MAX) {
		buf_printf(p->err, "%s: the original is larger than %zu bytes", it->receipt_id,
		    STORE_BLOB_MAX);
		return -1;
	}
	clean_text(it->reason, STORE_FIELD_MAX, &q->reason);
	clean_text(it->sender, STORE_FIELD_MAX, &q->sender);
	clean_text(it->recipients, STORE_FIELD_MAX, &q->rcpts);
	clean_text(it->subject, STORE_FIELD_MAX, &q->subject);
	clean_text(it->receipt_json, STORE_RECEIPT_MAX, &q->receipt);
	q->clean = *it;
	q->clean.reason = it->reason != NULL ? buf_str(&q->reason) : NULL;
	q->clean.sender = buf_str(&q->sender);
	q->clean.recipients = buf_str(&q->rcpts);
	q->clean.subject = buf_str(&q->subject);
	q->clean.receipt_json = buf_str(&q->receipt);
	sha256_hex(p->orig, p->len, q->sha);
	return 0;
}

/*
 * The blob of one item: one already stored and whole needs only its
 * folders fsynced (another writer may have renamed or created them without
 * that sync yet); otherwise a new one is started (blob_start).
 */
static int
put_blob(struct store *s, struct store_put *p, struct pending *q)
{
	struct buf check, ignored;
	int r;

	buf_init(&check, p->len + 1);
	buf_init(&ignored, 1024);
	r = blob_read(s, q->sha, BLOB_FILE_ONLY, &check, NULL, &ignored);
	buf_free(&check);
	buf_free(&ignored);
	if (r == 0) {
		struct stat st;

		/* whole, but perhaps placed by another writer that has not
		 * fsynced it yet: it is fsynced here too (step 3) */
		if (blob_dir_open(s, q->sha, 0, &q->w, p->err) != 0)
			return -1;
		if ((q->w.fd = blob_open(s, q->sha, &st)) >= 0)
			return 0;
		if (errno != ENOENT) {
			buf_printf(p->err, "blob %s: %s", q->sha, strerror(errno));
			return -1;
		}
		/* expired since it was read: written anew, as if it had not been there */
		close(q->w.dirfd);
		q->w.dirfd = -1;
	}
	q->placing = 1;
	return blob_start(s, q->sha, p->orig, p->len, &q->w, p->err);
}

/* Whether the database holds an inline blob for sha (whole or not). */
static int
inline_exists(struct store *s, const char *sha)
{
	struct buf sealed, ignored;
	int r;

	buf_init(&sealed, SEALED_MAX);
	buf_init(&ignored, 1024);
	r = s->ops->blob_get(s->be, sha, &sealed, &ignored);
	buf_free(&sealed);
	buf_free(&ignored);
	return r == 0;
}

/*
 * An inline blob, inside the rows' transaction: one already whole (stored
 * for an earlier item with this content) is kept with its key; else the one
 * sealed for this item is written, replacing a damaged one.
 */
static int
inline_ensure(struct store *s, struct store_put *p, struct pending *q)
{
	struct buf sealed, plain, ignored;
	int r;

	buf_init(&sealed, SEALED_MAX);
	buf_init(&plain, p->len + 1);
	buf_init(&ignored, 1024);
	r = s->ops->blob_get(s->be, q->sha, &sealed, p->err);
	if (r == 0 && blob_unseal(s, q->sha, &sealed, &plain, q->key_id, &ignored) != 0)
		r = STORE_NOT_FOUND;	/* damaged: written again */
	if (r == STORE_NOT_FOUND) {
		r = s->ops->blob_put(s->be, q->sha, q->sealed, q->sealed_len, p->err);
		memcpy(q->key_id, s->keys[0].id, STORE_KEY_ID_LEN + 1);
	}
	if (plain.data != NULL)
		sodium_memzero(plain.data, plain.cap);
	buf_free(&sealed);
	buf_free(&plain);
	buf_free(&ignored);
	return r;
}

/*
 * The rows, in one transaction.  An insert that fails takes its item out
 * and the transaction is run again without it (an aborted transaction holds
 * nothing); a failed begin or commit fails every item that was in it.
 */

/*
 * The item under each of its recipients (item_recipients): the envelope
 * recipients, comma-separated, "<a@b>" or "a@b", lower-cased (ASCII); at
 * most RECIPIENTS_INDEXED of them, each at most RECIPIENT_INDEX_MAX bytes.
 */
#define RECIPIENTS_INDEXED 1000
#define RECIPIENT_INDEX_MAX 320
static int
index_recipients(struct store *s, const char *id, const char *recipients, long long received,
    struct buf *err)
{
	char addr[RECIPIENT_INDEX_MAX + 1], when[24];
	const char *p = recipients, *params[3] = { addr, when, id };
	size_t count = 0;

	snprintf(when, sizeof when, "%lld", received);
	while (p != NULL && *p != '\0' && count < RECIPIENTS_INDEXED) {
		const char *e = strchr(p, ',');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
		const char *a = p;

		p = e != NULL ? e + 1 : NULL;
		if (n >= 2 && a[0] == '<' && a[n - 1] == '>') {
			a++;
			n -= 2;
		}
		if (n == 0 || n > RECIPIENT_INDEX_MAX)
			continue;
		for (size_t k = 0; k < n; k++)
			addr[k] = (char)(a[k] >= 'A' && a[k] <= 'Z' ? a[k] - 'A' + 'a' : a[k]);
		addr[n] = '\0';
		count++;
		/* the same address twice in one envelope: one row */
		if (s->ops->query(s->be, "INSERT INTO item_recipients (address, received_at, "
		    "receipt_id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", params, 3, NULL, NULL,
		    &(long long){ 0 }, err) != 0)
			return -1;
	}
	return 0;
}

static void
put_rows(struct store *s, struct store_put *p, struct pending *q, size_t n)
{
	char have[SHA256_HEX_LEN + 1];
	struct buf err;
	size_t i;
	int r;

	buf_init(&err, 1024);
again:
	for (i = 0; i < n && q[i].failed; i++)
		;
	if (i == n)
		goto out;
	buf_reset(&err);
	if (tx_begin(s, &err) != 0)
		goto all_fail;
	for (i = 0; i < n; i++) {
		if (q[i].failed)
			continue;
		p[i].status = 0;
		/* expire may have removed an unreferenced blob meanwhile */
		if (q[i].inline_ ? inline_ensure(s, &p[i], &q[i]) != 0 :
		    ensure_blob(s, q[i].sha, p[i].orig, p[i].len, 0, q[i].key_id, p[i].err) != 0) {
			put_fail(&p[i], &q[i]);
			continue;
		}
		r = s->ops->insert(s->be, &q[i].clean, q[i].sha, p[i].len, q[i].key_id,
		    q[i].clean.received_at + s->retention, have, p[i].err);
		if (r == STORE_EXISTS && strcmp(have, q[i].sha) != 0) {
			buf_printf(p[i].err, "%s is stored already, with other content",
			    q[i].clean.receipt_id);
			put_fail(&p[i], &q[i]);
		} else if (r == STORE_EXISTS)
			p[i].status = STORE_EXISTS;
		else if (r != 0 || index_recipients(s, q[i].clean.receipt_id,
		    q[i].clean.owner_is_sender ? q[i].clean.sender : q[i].clean.recipients,
		    q[i].clean.received_at, p[i].err) != 0) {
			put_fail(&p[i], &q[i]);
			tx_rollback(s);
			goto again;
		}
	}
	if (tx_commit(s, &err) == 0)
		goto out;
all_fail:
	for (i = 0; i < n; i++) {
		if (!q[i].failed) {
			buf_puts(p[i].err, buf_str(&err));
			put_fail(&p[i], &q[i]);
		}
	}
out:
	buf_free(&err);
}

/*
 * fsync the folders of the items' blobs at one depth: ab (prefix 2 hex
 * digits) or the top (0), each once.  When one fails, every item
 * whose blob name lives there fails.  Still cheap when nothing changed: the
 * first fsync commits what the others would.
 */
static void
dirs_sync(struct store *s, struct store_put *p, struct pending *q, size_t n, size_t prefix)
{
	size_t i, j;
	int e;

	for (i = 0; i < n; i++) {
		int fd = prefix == 2 ? q[i].w.dirfd : s->dirfd;

		if (q[i].failed || q[i].w.dirfd < 0)
			continue;
		for (j = 0; j < i; j++) {
			if (!q[j].failed && q[j].w.dirfd >= 0 &&
			    memcmp(q[j].sha, q[i].sha, prefix) == 0)
				break;
		}
		if (j < i)
			continue;	/* synced already */
		if (fsync(fd) == 0)
			continue;
		e = errno;
		for (j = i; j < n; j++) {
			if (!q[j].failed && q[j].w.dirfd >= 0 &&
			    memcmp(q[j].sha, q[i].sha, prefix) == 0) {
				buf_printf(p[j].err, "blob %s: folder: %s", q[j].sha, strerror(e));
				put_fail(&p[j], &q[j]);
			}
		}
	}
}

int
store_put_many(struct store *s, struct store_put *p, size_t n)
{
	struct pending *q;
	size_t i, j;
	int r = 0;

	if (n > STORE_PUT_MANY_MAX)
		die("store_put_many: more than STORE_PUT_MANY_MAX items");
	q = xcalloc(n > 0 ? n : 1, sizeof *q);
	/* 1. check each item, start writing the blobs not stored yet */
	for (i = 0; i < n; i++) {
		p[i].status = 0;
		q[i].same = SIZE_MAX;
		blob_w_init(&q[i].w);
		if (put_prepare(s, &p[i], &q[i]) != 0) {
			put_fail(&p[i], &q[i]);
			continue;
		}
		/* inline: small, or stored inline before (under a higher limit);
		 * written with the rows (step 4) */
		if (p[i].len <= s->inline_max || inline_exists(s, q[i].sha)) {
			q[i].inline_ = 1;
			q[i].sealed = blob_seal(s, q[i].sha, p[i].orig, p[i].len, &q[i].sealed_len);
			continue;
		}
		for (j = 0; j < i && q[i].same == SIZE_MAX; j++) {
			if (!q[j].failed && !q[j].inline_ && strcmp(q[j].sha, q[i].sha) == 0)
				q[i].same = j;
		}
		if (q[i].same == SIZE_MAX && put_blob(s, &p[i], &q[i]) != 0)
			put_fail(&p[i], &q[i]);
	}
	/*
	 * 2. place every new blob under its name, then 3. fsync every blob and
	 * each folder once: all the renames and allocations are then in the
	 * file system's next journal commit, which the first fsync forces and
	 * the others find done (fsyncing before renaming took two commits).
	 * A name placed but not yet synced is safe: no row points to it before
	 * step 4, a crash can leave it damaged but never believed (a blob is
	 * authenticated on every read, and a damaged one is written again the
	 * next time its content comes), a name already taken is replaced only
	 * by a synced file (blob_place), and a writer that finds a placed blob
	 * meanwhile fsyncs it too (put_blob).
	 */
	for (i = 0; i < n; i++) {
		if (!q[i].failed && q[i].placing && blob_place(&q[i].w, q[i].sha, p[i].err) != 0)
			put_fail(&p[i], &q[i]);
	}
	for (i = 0; i < n; i++) {
		if (!q[i].failed && q[i].w.fd >= 0 && fsync(q[i].w.fd) != 0) {
			buf_printf(p[i].err, "blob %s: %s", q[i].sha, strerror(errno));
			put_fail(&p[i], &q[i]);
		}
	}
	dirs_sync(s, p, q, n, 2);
	dirs_sync(s, p, q, n, 0);
	for (i = 0; i < n; i++) {
		if (!q[i].failed && q[i].same != SIZE_MAX && q[q[i].same].failed) {
			buf_printf(p[i].err, "blob %s: %s", q[i].sha, buf_str(p[q[i].same].err));
			put_fail(&p[i], &q[i]);
		}
	}
	/* 4. the rows */
	put_rows(s, p, q, n);
	for (i = 0; i < n; i++) {
		if (p[i].status == -1)
			r = -1;
		blob_w_free(&q[i].w);
		free(q[i].sealed);
		buf_free(&q[i].reason);
		buf_free(&q[i].sender);
		buf_free(&q[i].rcpts);
		buf_free(&q[i].subject);
		buf_free(&q[i].receipt);
	}
	free(q);
	return r;
}

int
store_put(struct store *s, const struct store_item *it, const void *orig, size_t len,
    struct buf *err)
{
	struct store_put p = { .it = it, .orig = orig, .len = len, .err = err };

	store_put_many(s, &p, 1);
	return p.status;
}

int
store_get(struct store *s, const char *receipt_id, struct buf *orig,
    struct store_item_out *meta, struct buf *err)
{
	struct store_item_out m;
	size_t before = orig != NULL ? orig->len : 0;
	int r;

	if (meta != NULL)
		memset(meta, 0, sizeof *meta);
	if (!valid_id(receipt_id))
		return STORE_NOT_FOUND;
	if ((r = s->ops->get(s->be, receipt_id, meta != NULL, &m, err)) != 0)
		return r;
	if (orig != NULL) {
		if (!valid_sha(m.sha256)) {
			buf_printf(err, "%s: malformed sha256 in the metadata", receipt_id);
			r = -1;
		} else if ((r = blob_read(s, m.sha256, BLOB_ANYWHERE, orig, NULL, err)) == 0 &&
		    orig->len - before != m.bytes) {
			buf_printf(err, "%s: the original has %zu bytes, the metadata says %llu",
			    receipt_id, orig->len - before, m.bytes);
			r = -1;
		}
		if (r != 0) {
			store_item_out_free(&m);
			return -1;
		}
	}
	if (meta != NULL)
		*meta = m;
	else
		store_item_out_free(&m);
	return 0;
}

void
store_item_out_free(struct store_item_out *m)
{
	free(m->reason);
	free(m->sender);
	free(m->recipients);
	free(m->subject);
	free(m->receipt_json);
	free(m->released_by);
	m->reason = m->sender = m->recipients = m->subject = NULL;
	m->receipt_json = m->released_by = NULL;
}

int
store_list(struct store *s, const struct store_filter *f, store_list_fn fn, void *ctx,
    struct buf *err)
{
	return s->ops->list(s->be, f, fn, ctx, err);
}

int
store_mark_released(struct store *s, const char *receipt_id, const char *by,
    long long when, struct buf *err)
{
	struct buf who;
	int r;

	if (!valid_id(receipt_id))
		return STORE_NOT_FOUND;
	if (tx_begin(s, err) != 0)
		return -1;
	clean_text(by, STORE_FIELD_MAX, &who);
	r = s->ops->mark_released(s->be, receipt_id, buf_str(&who), when, err);
	buf_free(&who);
	if (r != 0)
		tx_rollback(s);
	else if (tx_commit(s, err) != 0)
		r = -1;
	return r;
}

/* RL-YYYYMMDD-<16 hex digits>, dated by the release. */
static void
release_id_new(char id[STORE_ID_MAX], long long when)
{
	unsigned char r[8];
	char hex[2 * sizeof r + 1], date[16];
	time_t t = (time_t)when;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(date, sizeof date, "%Y%m%d", &tm) == 0)
		snprintf(date, sizeof date, "00000000");
	randombytes_buf(r, sizeof r);
	sodium_bin2hex(hex, sizeof hex, r, sizeof r);
	snprintf(id, STORE_ID_MAX, "RL-%s-%s", date, hex);
}

static int
release_common(struct store *s, struct store_release *r, const char *out_path,
    struct buf *out, store_release_fn record, void *ctx, struct buf *err)
{
	const char *by = r->by, *account = r->account, *reason = r->reason;
	struct buf orig, tmp, c_by, c_account, c_reason;
	struct store_item_out meta;
	const char *base;
	char *copy = NULL;
	struct stat st;
	int dfd = -1, placed = 0, rc = -1;

	if (!valid_id(r->receipt_id))
		return STORE_NOT_FOUND;
	memset(&meta, 0, sizeof meta);
	buf_init(&orig, STORE_BLOB_MAX);
	buf_init(&tmp, 8192);
	clean_text(by, STORE_FIELD_MAX, &c_by);
	clean_text(account, STORE_FIELD_MAX, &c_account);
	clean_text(reason, STORE_FIELD_MAX, &c_reason);
	/* the original, decrypted and checked against its digest */
	if ((rc = store_get(s, r->receipt_id, &orig, &meta, err)) != 0)
		goto out;
	rc = -1;
	if (strcmp(meta.state, "held") != 0 && strcmp(meta.state, "released") != 0) {
		buf_printf(err, "%s is %s: there is nothing to release", r->receipt_id, meta.state);
		goto out;
	}
	sha256_hex(orig.data != NULL ? orig.data : "", orig.len, r->sha256);
	r->bytes = orig.len;
	if (out != NULL && orig.len > out->max - out->len) {
		buf_printf(err, "%s: the original (%zu bytes) is larger than allowed here",
		    r->receipt_id, orig.len);
		goto out;
	}
	/* the file first, under a temporary name: a full disk stops it here */
	if (out_path != NULL) {
		if ((dfd = open_parent(out_path, &copy, &base, err)) < 0)
			goto out;
		if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT) {
			buf_printf(err, "%s: exists already (not overwritten)", out_path);
			goto out;
		}
		tmp_name(base, &tmp);
		if (write_synced(dfd, buf_str(&tmp), orig.data != NULL ? orig.data : "",
		    orig.len, 0600, err) != 0)
			goto out;
		placed = 1;
	}
	/* then the record: the row and the caller's record in one transaction */
	release_id_new(r->release_id, r->released_at);
	r->by = buf_str(&c_by);
	r->account = buf_str(&c_account);
	r->reason = buf_str(&c_reason);
	if (tx_begin(s, err) != 0)
		goto out;
	if ((rc = s->ops->release_add(s->be, r, err)) != 0) {
		tx_rollback(s);		/* STORE_NOT_FOUND: expired meanwhile */
		goto out;
	}
	if (record != NULL && record(r, ctx, err) != 0) {
		tx_rollback(s);
		rc = -1;
		goto out;
	}
	if (tx_commit(s, err) != 0) {
		rc = -1;
		goto out;
	}
	/* recorded: now the bytes may leave */
	if (out_path == NULL) {
		if (buf_append(out, orig.data != NULL ? orig.data : "", orig.len) != 0)
			die("release: room checked before");
		rc = 0;
		goto out;
	}
	rc = -1;
	if (linkat(dfd, buf_str(&tmp), dfd, base, 0) != 0) {
		buf_printf(err, "release %s of %s was recorded, but %s could not be written: %s",
		    r->release_id, r->receipt_id, out_path, errno == EEXIST ?
		    "it exists already (not overwritten)" : strerror(errno));
		goto out;
	}
	if (fsync(dfd) != 0) {
		buf_printf(err, "release %s of %s was recorded, but %s may not be durable: %s",
		    r->release_id, r->receipt_id, out_path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (placed)
		unlinkat(dfd, buf_str(&tmp), 0);
	if (dfd >= 0)
		close(dfd);
	free(copy);
	r->by = by;
	r->account = account;
	r->reason = reason;
	buf_free(&orig);
	buf_free(&tmp);
	buf_free(&c_by);
	buf_free(&c_account);
	buf_free(&c_reason);
	store_item_out_free(&meta);
	return rc;
}

int
store_release(struct store *s, struct store_release *r, const char *out_path,
    store_release_fn record, void *ctx, struct buf *err)
{
	return release_common(s, r, out_path, NULL, record, ctx, err);
}

int
store_release_bytes(struct store *s, struct store_release *r, struct buf *out,
    store_release_fn record, void *ctx, struct buf *err)
{
	return release_common(s, r, NULL, out, record, ctx, err);
}

int
store_query(struct store *s, int write, const char *sql, const char *const *params,
    size_t n, store_row_fn fn, void *ctx, long long *changes, struct buf *err)
{
	long long ch = 0;
	int r;

	if (n > STORE_QUERY_PARAMS_MAX)
		die("store_query: %zu parameters", n);
	if (!write || s->in_tx)
		r = s->ops->query(s->be, sql, params, n, fn, ctx, &ch, err);
	else {
		if (tx_begin(s, err) != 0)
			return -1;
		r = s->ops->query(s->be, sql, params, n, fn, ctx, &ch, err);
		if (r != 0)
			tx_rollback(s);
		else
			r = tx_commit(s, err);
	}
	if (changes != NULL)
		*changes = ch;
	return r;
}

int
store_transaction(struct store *s, store_tx_fn fn, void *ctx, struct buf *err)
{
	int r;

	if (s->in_tx)
		die("store_transaction inside a transaction");
	if (tx_begin(s, err) != 0)
		return -1;
	s->in_tx = 1;
	r = fn(s, ctx, err);
	s->in_tx = 0;
	if (r != 0) {
		tx_rollback(s);
		return r;
	}
	return tx_commit(s, err);
}

int
store_releases(struct store *s, const char *receipt_id, store_release_fn fn, void *ctx,
    struct buf *err)
{
	if (!valid_id(receipt_id))
		return 0;
	return s->ops->releases(s->be, receipt_id, fn, ctx, err);
}

struct expired_batch {
	struct {
		char id[STORE_ID_MAX];
		char sha[SHA256_HEX_LEN + 1];
	} row[EXPIRE_BATCH];
	size_t n;
	int bad;
};

static void
collect_expired(const char *receipt_id, const char *sha256, void *ctx)
{
	struct expired_batch *b = ctx;

	if (b->n >= EXPIRE_BATCH || strlen(receipt_id) >= STORE_ID_MAX || !valid_sha(sha256)) {
		b->bad = 1;
		return;
	}
	memcpy(b->row[b->n].id, receipt_id, strlen(receipt_id) + 1);
	memcpy(b->row[b->n].sha, sha256, SHA256_HEX_LEN + 1);
	b->n++;
}

int
store_expire(struct store *s, long long now, size_t *rows, size_t *blobs, struct buf *err)
{
	struct expired_batch *b = xmalloc(sizeof *b);
	int r = 0, gone, in_db;

	*rows = *blobs = 0;
	for (;;) {
		b->n = 0;
		b->bad = 0;
		if (tx_begin(s, err) != 0) {
			r = -1;
			break;
		}
		if (s->ops->expired(s->be, now, EXPIRE_BATCH, collect_expired, b, err) != 0)
			goto fail;
		if (b->bad) {
			buf_puts(err, "malformed row among the expired items");
			goto fail;
		}
		if (b->n == 0) {
			tx_rollback(s);
			break;
		}
		for (size_t i = 0; i < b->n; i++) {
			const char *id[1] = { b->row[i].id };

			if (s->ops->delete_item(s->be, b->row[i].id, err) != 0 ||
			    s->ops->query(s->be, "DELETE FROM item_recipients WHERE receipt_id = ?1",
			    id, 1, NULL, NULL, &(long long){ 0 }, err) != 0)
				goto fail;
		}
		for (size_t i = 0; i < b->n; i++) {
			int in_use;

			if (s->ops->sha_in_use(s->be, b->row[i].sha, &in_use, err) != 0)
				goto fail;
			if (in_use)
				continue;
			if (s->ops->blob_del(s->be, b->row[i].sha, &in_db, err) != 0)
				goto fail;
			if ((gone = blob_unlink(s, b->row[i].sha)) < 0) {
				buf_printf(err, "blob %s: %s", b->row[i].sha, strerror(errno));
				goto fail;
			}
			if (gone > 0 || in_db)
				(*blobs)++;
		}
		if (tx_commit(s, err) != 0) {
			r = -1;
			break;
		}
		*rows += b->n;
		continue;
fail:
		tx_rollback(s);
		r = -1;
		break;
	}
	free(b);
	return r;
}
