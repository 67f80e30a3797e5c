/*
 * backup - sekisho backup and restore (see the header).
 */
#include "store/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "audit/journal.h"
#include "core/fdio.h"
#include "store/store.h"

extern char **environ;

#define CHUNK 65536
#define SQLITE_BUSY_TRIES 600		/* 100 ms each: a minute of sekishod's writes */
#define BLOB_DEPTH_MAX 3		/* ab/<sha>.sk or ab/cd/<sha>.sk */

/* ---- writing ---------------------------------------------------------------- */

struct writer {
	struct archive *a;
	json_t *members;	/* the manifest's list */
	struct backup_summary *sum;
	struct buf *err;
};

static void
hex_of(const unsigned char d[crypto_hash_sha256_BYTES], char hex[65])
{
	sodium_bin2hex(hex, 65, d, crypto_hash_sha256_BYTES);
}

/* One member from bytes in memory. */
static int
add_bytes(struct writer *w, const char *name, const void *p, size_t n)
{
	struct archive_entry *e = archive_entry_new();
	unsigned char d[crypto_hash_sha256_BYTES];
	char hex[65], full[1024];
	int rc = -1;

	snprintf(full, sizeof full, BACKUP_DIR "%s", name);
	archive_entry_set_pathname(e, full);
	archive_entry_set_size(e, (la_int64_t)n);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, time(NULL), 0);
	if (archive_write_header(w->a, e) != ARCHIVE_OK ||
	    (n > 0 && archive_write_data(w->a, p, n) != (la_ssize_t)n))
		buf_printf(w->err, "%s: %s", name, archive_error_string(w->a));
	else {
		crypto_hash_sha256(d, p, n);
		hex_of(d, hex);
		json_array_append_new(w->members, json_pack("{s:s,s:I,s:s}", "name", name, "size",
		    (json_int_t)n, "sha256", hex));
		w->sum->members++;
		w->sum->bytes += n;
		rc = 0;
	}
	archive_entry_free(e);
	return rc;
}

/* One member from an open file (read from its start; path names it in
 * messages), limit: at most this many bytes of it (the journal's whole
 * lines), or -1 for all. */
static int
add_fd(struct writer *w, const char *name, const char *path, int fd, long long limit)
{
	struct archive_entry *e;
	crypto_hash_sha256_state st;
	unsigned char d[crypto_hash_sha256_BYTES], *chunk;
	char hex[65], full[1024];
	struct stat sb;
	long long left;
	int rc = -1;

	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || lseek(fd, 0, SEEK_SET) != 0) {
		buf_printf(w->err, "%s: not a regular file", path);
		return -1;
	}
	left = limit >= 0 && limit < (long long)sb.st_size ? limit : (long long)sb.st_size;
	e = archive_entry_new();
	snprintf(full, sizeof full, BACKUP_DIR "%s", name);
	archive_entry_set_pathname(e, full);
	archive_entry_set_size(e, (la_int64_t)left);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, sb.st_mtim.tv_sec, 0);
	chunk = malloc(CHUNK);
	crypto_hash_sha256_init(&st);
	if (chunk == NULL || archive_write_header(w->a, e) != ARCHIVE_OK) {
		buf_printf(w->err, "%s: %s", name, archive_error_string(w->a));
		goto out;
	}
	w->sum->bytes += (unsigned long long)left;
	while (left > 0) {
		ssize_t n = read(fd, chunk, left < CHUNK ? (size_t)left : CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			buf_printf(w->err, "%s: %s", path, n < 0 ? strerror(errno) :
			    "it shrank while it was read");
			goto out;
		}
		if (archive_write_data(w->a, chunk, (size_t)n) != n) {
			buf_printf(w->err, "%s: %s", name, archive_error_string(w->a));
			goto out;
		}
		crypto_hash_sha256_update(&st, chunk, (size_t)n);
		left -= n;
	}
	crypto_hash_sha256_final(&st, d);
	hex_of(d, hex);
	json_array_append_new(w->members, json_pack("{s:s,s:I,s:s}", "name", name, "size",
	    (json_int_t)archive_entry_size(e), "sha256", hex));
	w->sum->members++;
	rc = 0;
out:
	free(chunk);
	archive_entry_free(e);
	return rc;
}

static int
add_file(struct writer *w, const char *name, const char *path, long long limit)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc;

	if (fd < 0) {
		buf_printf(w->err, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = add_fd(w, name, path, fd, limit);
	close(fd);
	return rc;
}

/* SQLite's online backup of the store into dst (a consistent copy while
 * others write). */
static int
sqlite_snapshot(const char *src, const char *dst, struct buf *err)
{
	sqlite3 *from = NULL, *to = NULL;
	sqlite3_backup *b;
	int r = SQLITE_ERROR, tries = 0;

	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		buf_printf(err, "%s: %s", from == NULL || to == NULL ? src : dst,
		    sqlite3_errmsg(to != NULL ? to : from));
		goto out;
	}
	if ((b = sqlite3_backup_init(to, "main", from, "main")) == NULL) {
		buf_printf(err, "%s: %s", src, sqlite3_errmsg(to));
		goto out;
	}
	while ((r = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || r == SQLITE_LOCKED) {
		if (++tries > SQLITE_BUSY_TRIES)
			break;
		sqlite3_sleep(100);
	}
	sqlite3_backup_finish(b);
	if (r != SQLITE_DONE)
		buf_printf(err, "%s: the online backup did not finish: %s", src, sqlite3_errstr(r));
out:
	sqlite3_close(from);
	sqlite3_close(to);
	return r == SQLITE_DONE ? 0 : -1;
}

/* Run argv; 0 when it exits 0. */
static int
run(char *const *argv, struct buf *err)
{
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0) {
		buf_printf(err, "%s: cannot run it: %s", argv[0], strerror(errno));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		buf_printf(err, "%s failed (status %d)", argv[0], WIFEXITED(st) ? WEXITSTATUS(st) :
		    -1);
		return -1;
	}
	return 0;
}

static int
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0' || s[n] == '/' || s[n] == '.';
}

/* A blob's path under the quarantine folder: ab/<sha>.sk or ab/cd/<sha>.sk. */
static int
blob_rel_ok(const char *rel)
{
	size_t n = strlen(rel);

	if (n == 2 + 1 + 64 + 3 && is_hex(rel, 2) && rel[2] == '/' && is_hex(rel + 3, 64) &&
	    strcmp(rel + 67, ".sk") == 0)
		return 1;
	return n == 2 + 1 + 2 + 1 + 64 + 3 && is_hex(rel, 2) && rel[2] == '/' &&
	    is_hex(rel + 3, 2) && rel[5] == '/' && is_hex(rel + 6, 64) &&
	    strcmp(rel + 70, ".sk") == 0;
}

static int
add_blobs(struct writer *w, const char *root, const char *rel, int depth)
{
	char path[1024];
	DIR *d;
	struct dirent *e;
	int rc = 0;

	snprintf(path, sizeof path, "%s%s%s", root, rel[0] != '\0' ? "/" : "", rel);
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT && depth == 0 ? 0 : (buf_printf(w->err, "%s: %s", path,
		    strerror(errno)), -1);
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char sub[1400], name[1400];
		struct stat sb;

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] != '\0' ? "/" : "", e->d_name);
		snprintf(name, sizeof name, "%s/%s", path, e->d_name);
		if (lstat(name, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode) && depth + 1 < BLOB_DEPTH_MAX)
			rc = add_blobs(w, root, sub, depth + 1);
		else if (S_ISREG(sb.st_mode) && blob_rel_ok(sub)) {
			char member[1500];

			snprintf(member, sizeof member, "blobs/%s", sub);
			rc = add_file(w, member, name, -1);
			if (rc == 0)
				w->sum->blobs++;
		}
	}
	closedir(d);
	return rc;
}

/* A rotated journal's name: the journal's, a dot, 20 digits. */
static int
rotated_suffix_ok(const char *suffix)
{
	if (suffix[0] != '.' || strlen(suffix) != 21)
		return 0;
	for (size_t i = 1; i < 21; i++)
		if (suffix[i] < '0' || suffix[i] > '9')
			return 0;
	return 1;
}

/* The length of an open file's whole lines, and how many (added to
 * *lines); -1 when unreadable. */
static long long
whole_lines(int fd, unsigned long long *lines)
{
	char *chunk;
	long long off = 0, last = 0;
	ssize_t n;

	if ((chunk = malloc(CHUNK)) == NULL)
		return -1;
	while ((n = pread(fd, chunk, CHUNK, (off_t)off)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (chunk[i] == '\n') {
				last = off + i + 1;
				(*lines)++;
			}
		off += n;
	}
	free(chunk);
	return n < 0 ? -1 : last;
}

/* The journal's rotated files (audit/journal.h), whole (nothing is
 * appended to them), their records counted; but the file held open as the
 * journal (rotated while the backup ran: it ends the copied chain). */
static int
add_rotated(struct writer *w, const char *journal, const struct stat *held,
    unsigned long long *lines)
{
	char **files = NULL;
	size_t n = 0;
	int rc = 0;

	if (journal_files(journal, &files, &n, w->err) != 0)
		return -1;
	for (size_t i = 0; rc == 0 && i + 1 < n; i++) {	/* the last is the journal */
		const char *suffix = files[i] + strlen(journal);
		char member[100];
		struct stat sb;
		int fd;

		if ((fd = open(files[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
			buf_printf(w->err, "%s: %s", files[i], strerror(errno));
			rc = -1;
			break;
		}
		if (fstat(fd, &sb) == 0 && held != NULL && sb.st_ino == held->st_ino &&
		    sb.st_dev == held->st_dev) {
			close(fd);
			continue;
		}
		snprintf(member, sizeof member, "journal/journal.jsonl%s", suffix);
		if (whole_lines(fd, lines) < 0) {
			buf_printf(w->err, "%s: %s", files[i], strerror(errno));
			rc = -1;
		} else
			rc = add_fd(w, member, files[i], fd, -1);
		close(fd);
	}
	journal_files_free(files, n);
	return rc;
}

static int
read_small(const char *path, struct buf *b)
{
	return read_file_buf(path, b);
}

/* The two key files sealed with the passphrase, as sealed.json. */
static int
seal_keys(const struct config *cfg, const char *pass, struct buf *out, struct buf *err)
{
	struct buf qk, ak;
	unsigned char salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
	unsigned char key[crypto_secretbox_KEYBYTES];
	unsigned char *boxed = NULL;
	char *plain = NULL, *text = NULL, *b64q = NULL, *b64a = NULL;
	json_t *o;
	size_t np, nb64;
	int rc = -1;

	buf_init(&qk, BACKUP_KEYFILE_MAX);
	buf_init(&ak, BACKUP_KEYFILE_MAX);
	if (read_small(cfg->quarantine_key, &qk) != 0 || read_small(cfg->audit_key, &ak) != 0) {
		buf_printf(err, "the keys (%s, %s): %s", cfg->quarantine_key, cfg->audit_key,
		    strerror(errno));
		goto out;
	}
	nb64 = sodium_base64_ENCODED_LEN(BACKUP_KEYFILE_MAX, sodium_base64_VARIANT_ORIGINAL);
	b64q = sodium_malloc(nb64);
	b64a = sodium_malloc(nb64);
	sodium_bin2base64(b64q, nb64, (unsigned char *)qk.data, qk.len,
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b64a, nb64, (unsigned char *)ak.data, ak.len,
	    sodium_base64_VARIANT_ORIGINAL);
	o = json_pack("{s:s,s:s}", "quarantine_key", b64q, "audit_key", b64a);
	plain = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	randombytes_buf(salt, sizeof salt);
	randombytes_buf(nonce, sizeof nonce);
	if (plain == NULL || crypto_pwhash(key, sizeof key, pass, strlen(pass), salt,
	    crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		buf_puts(err, "the passphrase's key could not be derived (out of memory?)");
		goto out;
	}
	np = strlen(plain);
	boxed = malloc(np + crypto_secretbox_MACBYTES);
	crypto_secretbox_easy(boxed, (unsigned char *)plain, np, nonce, key);
	{
		size_t nbox = sodium_base64_ENCODED_LEN(np + crypto_secretbox_MACBYTES,
		    sodium_base64_VARIANT_ORIGINAL);
		char *b64box = malloc(nbox), s64[64], n64[64];

		sodium_bin2base64(b64box, nbox, boxed, np + crypto_secretbox_MACBYTES,
		    sodium_base64_VARIANT_ORIGINAL);
		sodium_bin2base64(s64, sizeof s64, salt, sizeof salt, sodium_base64_VARIANT_ORIGINAL);
		sodium_bin2base64(n64, sizeof n64, nonce, sizeof nonce,
		    sodium_base64_VARIANT_ORIGINAL);
		o = json_pack("{s:s,s:I,s:I,s:s,s:s,s:s}", "kdf", "argon2id13", "opslimit",
		    (json_int_t)crypto_pwhash_OPSLIMIT_MODERATE, "memlimit",
		    (json_int_t)crypto_pwhash_MEMLIMIT_MODERATE, "salt", s64, "nonce", n64, "box",
		    b64box);
		text = json_dumps(o, JSON_INDENT(1));
		json_decref(o);
		free(b64box);
	}
	if (text != NULL && buf_puts(out, text) == 0)
		rc = 0;
out:
	sodium_memzero(key, sizeof key);
	if (plain != NULL) {
		sodium_memzero(plain, strlen(plain));
		free(plain);
	}
	if (qk.data != NULL)
		sodium_memzero(qk.data, qk.len);
	if (ak.data != NULL)
		sodium_memzero(ak.data, ak.len);
	sodium_free(b64q);
	sodium_free(b64a);
	free(boxed);
	free(text);
	buf_free(&qk);
	buf_free(&ak);
	return rc;
}

int
backup_make(const struct config *cfg, const char *path, const char *passphrase,
    struct backup_summary *sum, struct buf *err)
{
	struct writer w = { .members = json_array(), .sum = sum, .err = err };
	char tmp[1100], meta[1100], cps[600], pub[600], host[256];
	unsigned long long lines = 0;
	long long jlen;
	json_t *man;
	char *text;
	int rc = -1, fd;
	const int pg = cfg->quarantine_backend == QUARANTINE_POSTGRESQL;

	memset(sum, 0, sizeof *sum);
	if (sodium_init() < 0) {
		buf_puts(err, "libsodium failed to start");
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	snprintf(meta, sizeof meta, "%s.meta.tmp", path);
	unlink(meta);
	/* the metadata first: every row it holds has its blob on disk already */
	if (pg) {
		char conn[1200];
		char *argv[] = { "pg_dump", "--format=custom", "--no-owner", "-f", meta, "-d", conn,
		    NULL };

		snprintf(conn, sizeof conn, "%s", cfg->quarantine_pg);
		if (run(argv, err) != 0)
			goto fail;
	} else if (sqlite_snapshot(cfg->quarantine_db, meta, err) != 0)
		goto fail;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		buf_printf(err, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	w.a = archive_write_new();
	archive_write_set_format_pax_restricted(w.a);
	if (archive_write_open_fd(w.a, fd) != ARCHIVE_OK) {
		buf_printf(err, "%s: %s", tmp, archive_error_string(w.a));
		close(fd);
		goto fail;
	}
	if (add_file(&w, pg ? "metadata.pgdump" : "metadata.sqlite", meta, -1) != 0 ||
	    add_blobs(&w, cfg->quarantine_dir, "", 0) != 0)
		goto fail_archive;
	/* the checkpoints before the journal: none names a record the copy lacks */
	snprintf(cps, sizeof cps, "%s.checkpoints", cfg->journal);
	if (access(cps, F_OK) == 0 && add_file(&w, "journal/journal.jsonl.checkpoints", cps,
	    -1) != 0)
		goto fail_archive;
	{
		/* the journal held open first: were it rotated meanwhile, it is
		 * still the end of the chain copied, its successor left for the
		 * next backup */
		int jfd = open(cfg->journal, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		struct stat held;

		if (jfd < 0 && errno != ENOENT) {
			buf_printf(err, "%s: %s", cfg->journal, strerror(errno));
			goto fail_archive;
		}
		if (jfd >= 0 && fstat(jfd, &held) != 0) {
			buf_printf(err, "%s: %s", cfg->journal, strerror(errno));
			close(jfd);
			goto fail_archive;
		}
		if (add_rotated(&w, cfg->journal, jfd >= 0 ? &held : NULL, &lines) != 0 ||
		    (jfd >= 0 && ((jlen = whole_lines(jfd, &lines)) < 0 ||
		    add_fd(&w, "journal/journal.jsonl", cfg->journal, jfd, jlen) != 0))) {
			if (jfd >= 0)
				close(jfd);
			if (err->len == 0)
				buf_printf(err, "%s: %s", cfg->journal, strerror(errno));
			goto fail_archive;
		}
		if (jfd >= 0)
			close(jfd);
	}
	sum->journal_records = lines;
	snprintf(pub, sizeof pub, "%s.pub", cfg->audit_key);
	if (access(pub, F_OK) == 0 && add_file(&w, "keys/audit.pub", pub, -1) != 0)
		goto fail_archive;
	if (passphrase != NULL) {
		struct buf sealed;

		buf_init(&sealed, 4 * BACKUP_KEYFILE_MAX);
		rc = seal_keys(cfg, passphrase, &sealed, err) == 0 &&
		    add_bytes(&w, "keys/sealed.json", sealed.data, sealed.len) == 0 ? 0 : -1;
		buf_free(&sealed);
		if (rc != 0)
			goto fail_archive;
		sum->keys = 1;
		rc = -1;
	}
	if (gethostname(host, sizeof host) != 0)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	man = json_pack("{s:s,s:I,s:s,s:s,s:I,s:b,s:O}", "format", BACKUP_FORMAT, "created_at",
	    (json_int_t)time(NULL), "host", host, "backend", pg ? "postgresql" : "sqlite",
	    "journal_records", (json_int_t)lines, "keys", sum->keys, "members", w.members);
	text = json_dumps(man, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(man);
	rc = text != NULL && add_bytes(&w, "manifest.json", text, strlen(text)) == 0 ? 0 : -1;
	sum->members--;	/* the manifest is not a member of itself */
	free(text);
	if (rc != 0)
		goto fail_archive;
	if (archive_write_close(w.a) != ARCHIVE_OK) {
		buf_printf(err, "%s: %s", tmp, archive_error_string(w.a));
		rc = -1;
		goto fail_archive;
	}
	archive_write_free(w.a);
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	unlink(meta);
	json_decref(w.members);
	return rc;
fail_archive:
	archive_write_free(w.a);
	close(fd);
fail:
	unlink(tmp);
	unlink(meta);
	json_decref(w.members);
	return -1;
}

/* ---- reading ---------------------------------------------------------------- */

/* Where a member goes (restore), or -1 for a name a backup never holds. */
enum member_kind { M_META_SQLITE, M_META_PG, M_BLOB, M_JOURNAL, M_CHECKPOINTS, M_AUDIT_PUB,
	M_SEALED, M_MANIFEST, M_JOURNAL_ROTATED };

static int
member_kind(const char *name)
{
	if (strncmp(name, BACKUP_DIR, strlen(BACKUP_DIR)) != 0)
		return -1;
	name += strlen(BACKUP_DIR);
	if (strcmp(name, "metadata.sqlite") == 0)
		return M_META_SQLITE;
	if (strcmp(name, "metadata.pgdump") == 0)
		return M_META_PG;
	if (strncmp(name, "blobs/", 6) == 0 && blob_rel_ok(name + 6))
		return M_BLOB;
	if (strcmp(name, "journal/journal.jsonl") == 0)
		return M_JOURNAL;
	if (strcmp(name, "journal/journal.jsonl.checkpoints") == 0)
		return M_CHECKPOINTS;
	if (strncmp(name, "journal/journal.jsonl", 21) == 0 && rotated_suffix_ok(name + 21))
		return M_JOURNAL_ROTATED;
	if (strcmp(name, "keys/audit.pub") == 0)
		return M_AUDIT_PUB;
	if (strcmp(name, "keys/sealed.json") == 0)
		return M_SEALED;
	if (strcmp(name, "manifest.json") == 0)
		return M_MANIFEST;
	return -1;
}

/* Open the sealed keys: the two key files into qk and ak. */
static int
unseal_keys(const char *sealed, size_t n, const char *pass, struct buf *qk, struct buf *ak,
    struct buf *err)
{
	json_t *o = json_loadb(sealed, n, 0, NULL), *p = NULL;
	unsigned char salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
	unsigned char key[crypto_secretbox_KEYBYTES], *box = NULL, *plain = NULL;
	const char *s64 = json_string_value(json_object_get(o, "salt"));
	const char *n64 = json_string_value(json_object_get(o, "nonce"));
	const char *b64 = json_string_value(json_object_get(o, "box"));
	json_int_t ops = json_integer_value(json_object_get(o, "opslimit"));
	json_int_t mem = json_integer_value(json_object_get(o, "memlimit"));
	size_t ls, ln, lb, nb = b64 != NULL ? strlen(b64) : 0;
	int rc = -1;

	if (s64 == NULL || n64 == NULL || b64 == NULL || ops <= 0 || mem <= 0 ||
	    ops > (json_int_t)crypto_pwhash_OPSLIMIT_SENSITIVE ||
	    mem > (json_int_t)crypto_pwhash_MEMLIMIT_SENSITIVE ||
	    sodium_base642bin(salt, sizeof salt, s64, strlen(s64), NULL, &ls, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || ls != sizeof salt ||
	    sodium_base642bin(nonce, sizeof nonce, n64, strlen(n64), NULL, &ln, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || ln != sizeof nonce) {
		buf_puts(err, "keys/sealed.json is not sekisho's sealed keys");
		goto out;
	}
	box = malloc(nb + 1);
	if (sodium_base642bin(box, nb + 1, b64, nb, NULL, &lb, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || lb < crypto_secretbox_MACBYTES) {
		buf_puts(err, "keys/sealed.json is not sekisho's sealed keys");
		goto out;
	}
	plain = sodium_malloc(lb - crypto_secretbox_MACBYTES + 1);
	if (crypto_pwhash(key, sizeof key, pass, strlen(pass), salt, (unsigned long long)ops,
	    (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0 ||
	    crypto_secretbox_open_easy(plain, box, lb, nonce, key) != 0) {
		buf_puts(err, "the passphrase does not open the keys (a wrong passphrase, or the "
		    "file was changed)");
		goto out;
	}
	p = json_loadb((char *)plain, lb - crypto_secretbox_MACBYTES, 0, NULL);
	{
		const char *q = json_string_value(json_object_get(p, "quarantine_key"));
		const char *a = json_string_value(json_object_get(p, "audit_key"));
		unsigned char tmpk[BACKUP_KEYFILE_MAX];
		size_t l;

		if (q == NULL || a == NULL || sodium_base642bin(tmpk, sizeof tmpk, q, strlen(q),
		    NULL, &l, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    buf_append(qk, tmpk, l) != 0 || sodium_base642bin(tmpk, sizeof tmpk, a,
		    strlen(a), NULL, &l, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    buf_append(ak, tmpk, l) != 0)
			buf_puts(err, "keys/sealed.json holds no keys");
		else
			rc = 0;
		sodium_memzero(tmpk, sizeof tmpk);
	}
out:
	sodium_memzero(key, sizeof key);
	if (plain != NULL)
		sodium_free(plain);
	free(box);
	json_decref(p);
	json_decref(o);
	return rc;
}

/* What one pass over the file learnt. */
struct pass {
	json_t *seen;		/* name -> "sha:size" */
	json_t *manifest;
	struct buf sealed;	/* keys/sealed.json */
	size_t members;
};

/*
 * One pass over the file: without put, every member's size and digest into
 * ps->seen (NAME -> "SHA:SIZE"), the manifest and the sealed keys kept;
 * with put, each member handed to it to write where it belongs.
 */
static int
read_pass(const char *path, struct pass *ps, int (*put)(void *, int, const char *, int,
    struct archive *), void *ctx, struct buf *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r, rc = -1;
	unsigned char *chunk = malloc(CHUNK);

	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, CHUNK) != ARCHIVE_OK) {
		buf_printf(err, "%s: %s", path, archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		int kind = name != NULL ? member_kind(name) : -1;

		if (kind < 0 || archive_entry_filetype(e) != AE_IFREG) {
			buf_printf(err, "%s: \"%.200s\" is not a member of a sekisho backup", path,
			    name != NULL ? name : "");
			goto out;
		}
		if (++ps->members > BACKUP_MEMBERS_MAX || json_object_get(ps->seen, name) != NULL) {
			buf_printf(err, "%s: \"%.200s\" twice, or too many members", path, name);
			goto out;
		}
		if (put != NULL) {
			if (put(ctx, kind, name, 0, a) != 0)
				goto out;
			continue;
		}
		{
			crypto_hash_sha256_state st;
			unsigned char d[crypto_hash_sha256_BYTES];
			char hex[65], val[100];
			unsigned long long size = 0;
			struct buf *keep = NULL, man;
			la_ssize_t n;

			buf_init(&man, BACKUP_MANIFEST_MAX);
			if (kind == M_MANIFEST)
				keep = &man;
			else if (kind == M_SEALED)
				keep = &ps->sealed;
			crypto_hash_sha256_init(&st);
			while ((n = archive_read_data(a, chunk, CHUNK)) > 0) {
				crypto_hash_sha256_update(&st, chunk, (size_t)n);
				size += (unsigned long long)n;
				if (keep != NULL && buf_append(keep, chunk, (size_t)n) != 0) {
					buf_printf(err, "%s: %s is too large", path, name);
					buf_free(&man);
					goto out;
				}
			}
			if (n < 0) {
				buf_printf(err, "%s: %s: %s", path, name, archive_error_string(a));
				buf_free(&man);
				goto out;
			}
			crypto_hash_sha256_final(&st, d);
			hex_of(d, hex);
			snprintf(val, sizeof val, "%s:%llu", hex, size);
			if (kind == M_MANIFEST) {
				ps->manifest = json_loadb(man.data != NULL ? man.data : "", man.len, 0,
				    NULL);
				ps->members--;
			} else
				json_object_set_new(ps->seen, name, json_string(val));
			buf_free(&man);
		}
	}
	if (r != ARCHIVE_EOF) {
		buf_printf(err, "%s: %s", path, archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	free(chunk);
	archive_read_free(a);
	return rc;
}

/* The members seen against the manifest's list. */
static int
manifest_agrees(const char *path, struct pass *ps, struct backup_summary *sum,
    struct buf *err)
{
	json_t *list = json_object_get(ps->manifest, "members"), *m;
	const char *fmt = json_string_value(json_object_get(ps->manifest, "format"));
	size_t i;

	if (ps->manifest == NULL || fmt == NULL || strcmp(fmt, BACKUP_FORMAT) != 0 ||
	    !json_is_array(list)) {
		buf_printf(err, "%s: no manifest of format %s at its end (cut short, or not a "
		    "sekisho backup)", path, BACKUP_FORMAT);
		return -1;
	}
	if (json_array_size(list) != json_object_size(ps->seen)) {
		buf_printf(err, "%s: the manifest lists %zu members, the file holds %zu", path,
		    json_array_size(list), json_object_size(ps->seen));
		return -1;
	}
	json_array_foreach(list, i, m) {
		const char *name = json_string_value(json_object_get(m, "name"));
		const char *sha = json_string_value(json_object_get(m, "sha256"));
		char full[1024], want[100];
		const char *got;

		snprintf(full, sizeof full, BACKUP_DIR "%s", name != NULL ? name : "");
		snprintf(want, sizeof want, "%s:%lld", sha != NULL ? sha : "",
		    (long long)json_integer_value(json_object_get(m, "size")));
		got = json_string_value(json_object_get(ps->seen, full));
		if (got == NULL || strcmp(got, want) != 0) {
			buf_printf(err, "%s: %s %s", path, name != NULL ? name : "?", got == NULL ?
			    "is missing" : "does not match its digest in the manifest (damaged or "
			    "changed)");
			return -1;
		}
		if (strncmp(name, "blobs/", 6) == 0)
			sum->blobs++;
		sum->bytes += (unsigned long long)json_integer_value(json_object_get(m, "size"));
	}
	sum->members = json_array_size(list);
	sum->journal_records = (unsigned long long)json_integer_value(json_object_get(
	    ps->manifest, "journal_records"));
	sum->keys = json_is_true(json_object_get(ps->manifest, "keys"));
	return 0;
}

static void
pass_init(struct pass *ps)
{
	memset(ps, 0, sizeof *ps);
	ps->seen = json_object();
	buf_init(&ps->sealed, 4 * BACKUP_KEYFILE_MAX);
}

static void
pass_free(struct pass *ps)
{
	json_decref(ps->seen);
	json_decref(ps->manifest);
	buf_free(&ps->sealed);
}

int
backup_check(const char *path, const char *passphrase, struct backup_summary *sum,
    struct buf *err)
{
	struct pass ps;
	int rc = -1;

	memset(sum, 0, sizeof *sum);
	if (sodium_init() < 0)
		return -1;
	pass_init(&ps);
	if (read_pass(path, &ps, NULL, NULL, err) == 0 && manifest_agrees(path, &ps, sum, err) ==
	    0) {
		rc = 0;
		if (passphrase != NULL && sum->keys) {
			struct buf qk, ak;

			buf_init(&qk, BACKUP_KEYFILE_MAX);
			buf_init(&ak, BACKUP_KEYFILE_MAX);
			rc = unseal_keys(ps.sealed.data != NULL ? ps.sealed.data : "", ps.sealed.len,
			    passphrase, &qk, &ak, err);
			if (qk.data != NULL)
				sodium_memzero(qk.data, qk.len);
			if (ak.data != NULL)
				sodium_memzero(ak.data, ak.len);
			buf_free(&qk);
			buf_free(&ak);
		}
	}
	pass_free(&ps);
	return rc;
}

/* ---- restoring -------------------------------------------------------------- */

struct restore {
	const struct config *cfg;
	struct buf *err;
	uid_t uid;
	gid_t gid;
	int own;		/* give files to daemon_user */
	char meta_tmp[1100];
};

/* mkdir -p of path's folders under root (mode 0700, owned as the files). */
static int
make_parents(struct restore *rs, const char *root, const char *rel)
{
	char path[1100];
	const char *p = rel;

	while ((p = strchr(p, '/')) != NULL) {
		snprintf(path, sizeof path, "%s/%.*s", root, (int)(p - rel), rel);
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			buf_printf(rs->err, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (rs->own && chown(path, rs->uid, rs->gid) != 0) {
			buf_printf(rs->err, "%s: %s", path, strerror(errno));
			return -1;
		}
		p++;
	}
	return 0;
}

/* The member's bytes into path (temporary name, synced, renamed). */
static int
write_member(struct restore *rs, struct archive *a, const char *path, mode_t mode, int own)
{
	char tmp[1200];
	unsigned char *chunk = malloc(CHUNK);
	la_ssize_t n;
	int fd, rc = -1;

	snprintf(tmp, sizeof tmp, "%s.restore.tmp", path);
	if (chunk == NULL || (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    mode)) < 0) {
		buf_printf(rs->err, "%s: %s", tmp, strerror(errno));
		free(chunk);
		return -1;
	}
	while ((n = archive_read_data(a, chunk, CHUNK)) > 0)
		if (write_all(fd, chunk, (size_t)n) != 0)
			break;
	if (n != 0)
		buf_printf(rs->err, "%s: %s", path, n < 0 ? archive_error_string(a) :
		    strerror(errno));
	else if (fchmod(fd, mode) != 0 || (own && rs->own && fchown(fd, rs->uid, rs->gid) != 0) ||
	    fsync(fd) != 0)
		buf_printf(rs->err, "%s: %s", tmp, strerror(errno));
	else
		rc = 0;
	close(fd);
	if (rc == 0 && rename(tmp, path) != 0) {
		buf_printf(rs->err, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		unlink(tmp);
	free(chunk);
	return rc;
}

static int
restore_member(void *ctx, int kind, const char *name, int unused, struct archive *a)
{
	struct restore *rs = ctx;
	const struct config *cfg = rs->cfg;
	char path[1100];

	(void)unused;
	switch (kind) {
	case M_META_SQLITE:
		/* the database alone: a stale write-ahead log would be replayed onto it */
		snprintf(path, sizeof path, "%s-wal", cfg->quarantine_db);
		unlink(path);
		snprintf(path, sizeof path, "%s-shm", cfg->quarantine_db);
		unlink(path);
		return write_member(rs, a, cfg->quarantine_db, 0600, 1);
	case M_META_PG:
		return write_member(rs, a, rs->meta_tmp, 0600, 0);
	case M_BLOB:
		name += strlen(BACKUP_DIR) + 6;
		if (mkdir(cfg->quarantine_dir, 0700) != 0 && errno != EEXIST)
			return buf_printf(rs->err, "%s: %s", cfg->quarantine_dir, strerror(errno)), -1;
		if (rs->own && chown(cfg->quarantine_dir, rs->uid, rs->gid) != 0)
			return buf_printf(rs->err, "%s: %s", cfg->quarantine_dir, strerror(errno)), -1;
		if (make_parents(rs, cfg->quarantine_dir, name) != 0)
			return -1;
		snprintf(path, sizeof path, "%s/%s", cfg->quarantine_dir, name);
		return write_member(rs, a, path, 0600, 1);
	case M_JOURNAL:
		return write_member(rs, a, cfg->journal, 0640, 1);
	case M_CHECKPOINTS:
		snprintf(path, sizeof path, "%s.checkpoints", cfg->journal);
		return write_member(rs, a, path, 0640, 1);
	case M_JOURNAL_ROTATED:
		snprintf(path, sizeof path, "%s%s", cfg->journal, name + strlen(BACKUP_DIR) + 21);
		return write_member(rs, a, path, 0640, 1);
	case M_AUDIT_PUB:
		snprintf(path, sizeof path, "%s.pub", cfg->audit_key);
		return write_member(rs, a, path, 0644, 0);
	default:	/* the sealed keys and the manifest: read in the first pass */
		return archive_read_data_skip(a) == ARCHIVE_OK ? 0 : -1;
	}
}

static int
count_one(const struct store_item_out *it, void *ctx)
{
	(void)it;
	(*(long long *)ctx)++;
	return 1;
}

/* Does the store or the journal hold anything already? */
static int
holds_records(const struct config *cfg)
{
	struct stat sb;
	struct store_config sc;
	struct store *s = NULL;
	struct buf err;
	long long n = 0;
	int any = 0;

	if (stat(cfg->journal, &sb) == 0 && sb.st_size > 0)
		return 1;
	if (cfg->quarantine_backend != QUARANTINE_POSTGRESQL && stat(cfg->quarantine_db, &sb) != 0)
		return 0;	/* no database at all */
	memset(&sc, 0, sizeof sc);
	sc.blob_dir = cfg->quarantine_dir;
	sc.sqlite_path = cfg->quarantine_db;
	sc.backend = cfg->quarantine_backend == QUARANTINE_POSTGRESQL ? STORE_BACKEND_POSTGRESQL :
	    STORE_BACKEND_SQLITE;
	sc.pg_conninfo = cfg->quarantine_pg;
	buf_init(&err, 1024);
	/* a store that does not open, or has no table yet, holds nothing */
	if (store_open(&s, &sc, &err) == 0 && store_query(s, 0,
	    "SELECT 1 FROM items LIMIT 1", NULL, 0, NULL, NULL, &n, &err) == 0) {
		struct store_filter f;

		memset(&f, 0, sizeof f);
		f.limit = 1;
		any = store_list(s, &f, count_one, &n, &err) == 0 && n > 0;
	}
	if (s != NULL)
		store_close(s);
	buf_free(&err);
	return any;
}

static int
write_key(const char *path, const struct buf *k, struct buf *err)
{
	if (write_file_replace(path, k->data != NULL ? k->data : "", k->len, 0600) == 0)
		return 0;
	buf_printf(err, "%s: %s", path, strerror(errno));
	return -1;
}

/* The folder of path exists and may be written to. */
static int
folder_ok(const char *path, struct buf *err)
{
	char dir[1100];
	const char *slash = strrchr(path, '/');

	snprintf(dir, sizeof dir, "%.*s", slash != NULL ? (int)(slash - path + (slash == path)) :
	    1, slash != NULL ? path : ".");
	if (access(dir, W_OK | X_OK) == 0)
		return 0;
	buf_printf(err, "%s (the folder of %s): %s", dir, path, strerror(errno));
	return -1;
}

/* --force: the journal here (with its rotated files, checkpoints and torn
 * bytes) is moved aside into <journal>.before-restore-<time>/, never
 * removed; the restored chain then stands alone. */
static int
move_journal_aside(const struct config *cfg, struct buf *err)
{
	char aside[1100], to[2400];
	char **files = NULL;
	size_t n = 0;
	const char *extra[] = { ".checkpoints", ".torn" };
	int rc = 0;

	snprintf(aside, sizeof aside, "%s.before-restore-%lld", cfg->journal,
	    (long long)time(NULL));
	if (journal_files(cfg->journal, &files, &n, err) != 0)
		return -1;
	if (mkdir(aside, 0700) != 0 && errno != EEXIST) {
		buf_printf(err, "%s: %s", aside, strerror(errno));
		journal_files_free(files, n);
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *base = strrchr(files[i], '/') != NULL ? strrchr(files[i], '/') + 1 :
		    files[i];

		snprintf(to, sizeof to, "%s/%s", aside, base);
		if (rename(files[i], to) != 0 && errno != ENOENT) {
			buf_printf(err, "%s: %s", files[i], strerror(errno));
			rc = -1;
		}
	}
	for (size_t i = 0; rc == 0 && i < sizeof extra / sizeof extra[0]; i++) {
		char from[1100];
		const char *base;

		snprintf(from, sizeof from, "%s%s", cfg->journal, extra[i]);
		base = strrchr(from, '/') != NULL ? strrchr(from, '/') + 1 : from;
		snprintf(to, sizeof to, "%s/%s", aside, base);
		if (rename(from, to) != 0 && errno != ENOENT) {
			buf_printf(err, "%s: %s", from, strerror(errno));
			rc = -1;
		}
	}
	journal_files_free(files, n);
	return rc;
}

int
backup_restore(const struct config *cfg, const char *path, const char *passphrase,
    int keep_keys, int force, struct backup_summary *sum, struct buf *err)
{
	struct pass ps;
	struct restore rs = { .cfg = cfg, .err = err };
	struct buf qk, ak;
	int rc = -1;

	memset(sum, 0, sizeof *sum);
	if (sodium_init() < 0)
		return -1;
	pass_init(&ps);
	buf_init(&qk, BACKUP_KEYFILE_MAX);
	buf_init(&ak, BACKUP_KEYFILE_MAX);
	/* first the whole file, checked, before anything is written */
	if (read_pass(path, &ps, NULL, NULL, err) != 0 || manifest_agrees(path, &ps, sum, err) != 0)
		goto out;
	if (strcmp(json_string_value(json_object_get(ps.manifest, "backend")) != NULL ?
	    json_string_value(json_object_get(ps.manifest, "backend")) : "",
	    cfg->quarantine_backend == QUARANTINE_POSTGRESQL ? "postgresql" : "sqlite") != 0) {
		buf_printf(err, "%s: made from a %s store; this configuration's quarantine_backend "
		    "is another", path, json_string_value(json_object_get(ps.manifest, "backend")));
		goto out;
	}
	if (sum->keys && passphrase != NULL && !keep_keys && unseal_keys(ps.sealed.data != NULL ?
	    ps.sealed.data : "", ps.sealed.len, passphrase, &qk, &ak, err) != 0)
		goto out;
	if (sum->keys && passphrase == NULL && !keep_keys) {
		buf_printf(err, "%s holds the keys: give the passphrase it was made with "
		    "(--passphrase-file), or --keep-keys to use the keys already here", path);
		goto out;
	}
	/* every folder written to is there and writable before a byte is written */
	if (folder_ok(cfg->quarantine_backend == QUARANTINE_POSTGRESQL ? path :
	    cfg->quarantine_db, err) != 0 || folder_ok(cfg->quarantine_dir, err) != 0 ||
	    folder_ok(cfg->journal, err) != 0 || (qk.len > 0 &&
	    (folder_ok(cfg->quarantine_key, err) != 0 || folder_ok(cfg->audit_key, err) != 0)))
		goto out;
	if (force && move_journal_aside(cfg, err) != 0)
		goto out;
	if (!force && holds_records(cfg)) {
		buf_printf(err, "the quarantine or the journal here already holds records (%s, %s): "
		    "restore onto a fresh machine, or --force to replace them", cfg->quarantine_db,
		    cfg->journal);
		goto out;
	}
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam(cfg->daemon_user);

		if (pw == NULL) {
			buf_printf(err, "daemon_user %s does not exist", cfg->daemon_user);
			goto out;
		}
		rs.own = 1;
		rs.uid = pw->pw_uid;
		rs.gid = pw->pw_gid;
	}
	/* the quarantine folder, even when every original is in the database */
	if (mkdir(cfg->quarantine_dir, 0700) != 0 && errno != EEXIST) {
		buf_printf(err, "%s: %s", cfg->quarantine_dir, strerror(errno));
		goto out;
	}
	if (rs.own && chown(cfg->quarantine_dir, rs.uid, rs.gid) != 0) {
		buf_printf(err, "%s: %s", cfg->quarantine_dir, strerror(errno));
		goto out;
	}
	snprintf(rs.meta_tmp, sizeof rs.meta_tmp, "%s.pgdump.tmp", path);
	json_object_clear(ps.seen);
	ps.members = 0;
	if (read_pass(path, &ps, restore_member, &rs, err) != 0)
		goto out;
	if (cfg->quarantine_backend == QUARANTINE_POSTGRESQL) {
		char conn[1200];
		char *argv[] = { "pg_restore", "--clean", "--if-exists", "--no-owner",
		    "--single-transaction", "-d", conn, rs.meta_tmp, NULL };

		snprintf(conn, sizeof conn, "%s", cfg->quarantine_pg);
		if (run(argv, err) != 0) {
			unlink(rs.meta_tmp);
			goto out;
		}
		unlink(rs.meta_tmp);
	}
	if (qk.len > 0 && (write_key(cfg->quarantine_key, &qk, err) != 0 ||
	    write_key(cfg->audit_key, &ak, err) != 0))
		goto out;
	rc = 0;
out:
	if (qk.data != NULL)
		sodium_memzero(qk.data, qk.len);
	if (ak.data != NULL)
		sodium_memzero(ak.data, ak.len);
	buf_free(&qk);
	buf_free(&ak);
	pass_free(&ps);
	return rc;
}
