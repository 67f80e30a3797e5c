/*
 * journal - hash-chained JSON-lines audit journal, signed checkpoints and
 * their verification.  See journal.h for the contract, docs/audit.md for
 * the format.
 *
 * A record is one line
 *   {"seq":N,"time":"T","prev":"P","receipt":R,"hash":"H"}LF
 * where H is the SHA-256 of every byte before "hash": (its comma included),
 * so each line can be checked alone and the chain through prev.  The reader
 * is strict about exactly this shape and knows no other JSON: the receipt
 * is only checked structurally (journal_receipt_check).
 *
 * Failure: data that is not what we wrote (a damaged end of chain, a torn
 * line, a malformed receipt or key file) and I/O errors return -1 with a
 * message; nothing is appended after an end of chain that does not check.
 */
#include "audit/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/json.h"
#include "core/jsonread.h"
#include "core/fdio.h"
#include "core/xalloc.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define TIME_LEN JOURNAL_TIME_LEN	/* 2026-11-21T09:30:00Z */
#define TIME_MAX 253402300799LL		/* 9999-12-31T23:59:59Z */
#define HASH_FIELD "\"hash\":\""
#define HASH_FIELD_LEN 8
#define HASH_TAIL_LEN (HASH_FIELD_LEN + SHA256_HEX_LEN + 2)	/* "hash":"H"} */
#define READ_CHUNK 65536
#define CHECKPOINT_LINE_MAX 1024
#define KEY_FILE_MAX 512
#define SIG_BYTES AUDIT_SIG_BYTES
#define SIG_B64_LEN 88			/* base64 of a 64-byte signature, padded */
#define CHECKPOINT_DOMAIN "sekisho-checkpoint\n"
#define SECRET_LABEL "sekisho-audit-ed25519-secret-key "
#define PUBLIC_LABEL "sekisho-audit-ed25519-public-key "

struct journal {
	int fd;
	char *path;
	uint64_t seq;			/* of the last record, 0: empty */
	char hash[SHA256_HEX_LEN + 1];	/* of the last record, zeros: empty */
	off_t end;			/* file size at the end of the last record */
	unsigned sync_every;
	unsigned unsynced;
	size_t torn;
	struct buf line;		/* the record being written, reused */
};

/* A record line, pointing into the line it was parsed from. */
struct record {
	uint64_t seq;
	const char *time, *prev, *receipt, *hash;
	size_t receipt_len;
	size_t hashed_len;		/* bytes covered by hash */
};

/* libsodium must be initialised once; if it cannot be, nothing can work. */
static void
crypto_ready(void)
{
	if (sodium_init() < 0)
		die("libsodium initialisation failed");
}

/* UTC time as the journal writes it; -1 outside years 1970..9999. */
static int
format_time(long long t, char out[TIME_LEN + 1])
{
	time_t tt;
	struct tm tm;

	if (t < 0 || t > TIME_MAX)
		return -1;
	tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) != TIME_LEN)
		return -1;
	return 0;
}

/* Whole-buffer pread, retried on EINTR; -1 on error or early end of file. */
static int
pread_full(int fd, void *p, size_t n, off_t at)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = pread(fd, c, n, at);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		c += r;
		n -= (size_t)r;
		at += r;
	}
	return 0;
}

/* Whole-buffer write, retried on EINTR and short writes (side files only). */
/* flock() retried on EINTR. */
static int
lock_fd(int fd, int how)
{
	int r;

	while ((r = flock(fd, how)) != 0 && errno == EINTR)
		;
	return r;
}

/* fsync the directory holding path, so a new name in it is durable. */
static int
sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, r;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* path + suffix, as a new string. */
static char *
path_with(const char *path, const char *suffix)
{
	size_t a = strlen(path), b = strlen(suffix);
	char *s = xmalloc(a + b + 1);

	memcpy(s, path, a);
	memcpy(s + a, suffix, b + 1);
	return s;
}

/*
 * A side file (.torn, .checkpoints) is the journal owner's: root appending
 * (sekisho quarantine export, sekisho user) must not leave a file the
 * daemon, which writes as daemon_user, can no longer append to.
 */
static void
owner_of_journal(int fd, int journal_fd)
{
	struct stat js, st;

	if (geteuid() == 0 && fstat(journal_fd, &js) == 0 && fstat(fd, &st) == 0 &&
	    (st.st_uid != js.st_uid || st.st_gid != js.st_gid) &&
	    fchown(fd, js.st_uid, js.st_gid) != 0)
		return;		/* the next append by the owner says so */
}

/* Append one line to a side file (.torn, .checkpoints) and make it durable. */
static int
append_durable(const char *path, const void *p, size_t n, int journal_fd, struct buf *err)
{
	struct stat st;
	int fd, r = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	owner_of_journal(fd, journal_fd);
	if (lock_fd(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0 ||
	    write_all(fd, p, n) != 0 || fdatasync(fd) != 0 ||
	    (st.st_size == 0 && sync_parent(path) != 0)) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	r = 0;
out:
	close(fd);
	return r;
}

/* 64 lower-case hex digits. */
static int
is_hex64(const char *p)
{
	for (int i = 0; i < SHA256_HEX_LEN; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* The shape of a journal time, digit by digit. */
static int
is_time(const char *p)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";

	for (int i = 0; i < TIME_LEN; i++) {
		if (shape[i] == 'd' ? !(p[i] >= '0' && p[i] <= '9') : p[i] != shape[i])
			return 0;
	}
	return 1;
}

/* Two decimal digits at p. */
static int
two(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* A journal time (is_time already) as seconds since the epoch; -1 when a
 * field is out of its range or the time is before 1970. */
static int
time_value(const char *p, long long *t)
{
	struct tm tm;
	time_t v;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = two(p) * 100 + two(p + 2) - 1900;
	tm.tm_mon = two(p + 5) - 1;
	tm.tm_mday = two(p + 8);
	tm.tm_hour = two(p + 11);
	tm.tm_min = two(p + 14);
	tm.tm_sec = two(p + 17);
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	v = timegm(&tm);
	if (v < 0)
		return -1;
	*t = (long long)v;
	return 0;
}

int
journal_receipt_check(const char *p, size_t n, struct buf *why)
{
	struct json_value v;
	const char *lf = n > 0 ? memchr(p, '\n', n) : NULL;

	if (lf != NULL) {	/* the reason most worth naming first: one line each */
		buf_printf(why, "line break at byte %zu", (size_t)(lf - p));
		return -1;
	}
	/* the one strict reader (core/jsonread.h), as for a worker's receipt */
	if (json_check(p, n, &v, why) != 0)
		return -1;
	if (v.type != JV_OBJECT || v.p != p || v.n != n) {
		buf_puts(why, "not one JSON object");
		return -1;
	}
	return 0;
}

/* A cursor over one line, for the strict record and checkpoint readers. */
struct cur {
	const char *p;
	size_t n;
};

/* Consume exactly the literal s. */
static int
cur_lit(struct cur *c, const char *s)
{
	size_t k = strlen(s);

	if (c->n < k || memcmp(c->p, s, k) != 0)
		return -1;
	c->p += k;
	c->n -= k;
	return 0;
}

/* A seq: decimal, no sign, no leading zero, not 0, no overflow. */
static int
cur_seq(struct cur *c, uint64_t *v)
{
	uint64_t x = 0;
	size_t i = 0;

	if (c->n == 0 || c->p[0] < '1' || c->p[0] > '9')
		return -1;
	while (i < c->n && c->p[i] >= '0' && c->p[i] <= '9') {
		unsigned d = (unsigned)(c->p[i] - '0');

		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
		i++;
	}
	c->p += i;
	c->n -= i;
	*v = x;
	return 0;
}

/* n fixed bytes accepted by test (NULL: any), returned in *out. */
static int
cur_take(struct cur *c, size_t n, int (*test)(const char *), const char **out)
{
	if (c->n < n || (test != NULL && !test(c->p)))
		return -1;
	*out = c->p;
	c->p += n;
	c->n -= n;
	return 0;
}

/* AUDIT_KEY_ID_LEN lower-case hex digits. */
static int
is_key_id(const char *p)
{
	for (int i = 0; i < AUDIT_KEY_ID_LEN; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* Parse one record line (without its LF); why says what is wrong. */
static int
record_parse(const char *p, size_t n, struct record *r, struct buf *why)
{
	struct cur c = { p, n };
	const char *tail;

	if (cur_lit(&c, "{\"seq\":") != 0 || cur_seq(&c, &r->seq) != 0) {
		buf_puts(why, "no {\"seq\":N at the start");
		return -1;
	}
	if (cur_lit(&c, ",\"time\":\"") != 0 || cur_take(&c, TIME_LEN, is_time, &r->time) != 0) {
		buf_puts(why, "no \"time\" after seq");
		return -1;
	}
	if (cur_lit(&c, "\",\"prev\":\"") != 0 || cur_take(&c, SHA256_HEX_LEN, is_hex64, &r->prev) != 0) {
		buf_puts(why, "no \"prev\" after time");
		return -1;
	}
	if (cur_lit(&c, "\",\"receipt\":") != 0) {
		buf_puts(why, "no \"receipt\" after prev");
		return -1;
	}
	/* the receipt runs to the comma before the fixed-length "hash" tail */
	if (c.n < HASH_TAIL_LEN + 1) {
		buf_puts(why, "no \"hash\" at the end");
		return -1;
	}
	tail = p + n - HASH_TAIL_LEN;
	if (memcmp(tail, HASH_FIELD, HASH_FIELD_LEN) != 0 || tail[-1] != ',' ||
	    !is_hex64(tail + HASH_FIELD_LEN) || memcmp(tail + HASH_FIELD_LEN + SHA256_HEX_LEN, "\"}", 2) != 0) {
		buf_puts(why, "no \"hash\" at the end");
		return -1;
	}
	r->hash = tail + HASH_FIELD_LEN;
	r->receipt = c.p;
	r->receipt_len = (size_t)(tail - 1 - c.p);
	r->hashed_len = (size_t)(tail - p);
	if (journal_receipt_check(r->receipt, r->receipt_len, why) != 0)
		return -1;
	return 0;
}

/*
 * Where the last LF before end is, looking back no further than one line of
 * at most limit bytes: 1 found (*at), 0 none (the line starts the file),
 * -1 that line is longer than limit, -2 read error.
 */
static int
find_lf_before(int fd, off_t end, size_t limit, off_t *at)
{
	char chunk[READ_CHUNK];
	off_t pos = end;

	while (pos > 0 && (uint64_t)(end - pos) <= limit) {
		size_t n = pos > READ_CHUNK ? READ_CHUNK : (size_t)pos;
		char *lf;

		pos -= (off_t)n;
		if (pread_full(fd, chunk, n, pos) != 0)
			return -2;
		if ((lf = memrchr(chunk, '\n', n)) != NULL) {
			*at = pos + (lf - chunk);
			return (uint64_t)(end - *at - 1) > limit ? -1 : 1;
		}
	}
	if (pos == 0 && (uint64_t)end <= limit)
		return 0;
	return -1;
}

/* Copy the torn bytes [start, size) of fd (the journal, or its checkpoints
 * file: from) to <journal>.torn, durably, before they are cut off: a JSON
 * line with when, where, how much, and the bytes. */
static int
move_aside(struct journal *j, int fd, const char *from, off_t start, off_t size,
    struct buf *err)
{
	size_t n = (size_t)(size - start), b64len;
	char now[TIME_LEN + 1], h[SHA256_HEX_LEN + 1];
	struct buf data, rec;
	char *torn_path;
	int r = -1;

	buf_init(&data, JOURNAL_LINE_MAX + 1);
	b64len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	buf_init(&rec, b64len + 8192);
	if (buf_reserve(&data, n) != 0)
		die("torn line past the line limit");
	if (pread_full(fd, data.data, n, start) != 0) {
		buf_printf(err, "%s: %s", from, strerror(errno));
		goto out;
	}
	data.len = n;
	data.data[n] = '\0';
	sha256_hex(data.data, n, h);
	if (format_time((long long)time(NULL), now) != 0)
		memcpy(now, "1970-01-01T00:00:00Z", TIME_LEN + 1);
	buf_printf(&rec, "{\"time\":\"%s\",\"journal\":", now);
	json_str(&rec, from);
	buf_printf(&rec, ",\"offset\":%lld,\"bytes\":%zu,\"sha256\":\"%s\",\"data\":\"",
	    (long long)start, n, h);
	if (buf_reserve(&rec, b64len + 3) != 0)
		die("torn record past its ceiling");
	sodium_bin2base64(rec.data + rec.len, b64len, (const unsigned char *)data.data, n,
	    sodium_base64_VARIANT_ORIGINAL);
	rec.len += b64len - 1;
	buf_puts(&rec, "\"}\n");
	torn_path = path_with(j->path, ".torn");
	r = append_durable(torn_path, rec.data, rec.len, j->fd, err);
	free(torn_path);
out:
	buf_free(&data);
	buf_free(&rec);
	return r;
}

/*
 * Read the end of the chain (caller holds the lock): a torn final line is
 * moved aside and cut off first; the last record must then parse and hash
 * correctly, or nothing may be appended after it.
 */
static int
tail_recover(struct journal *j, struct buf *err)
{
	struct record rec;
	struct buf line, why;
	struct stat st;
	char last, h[SHA256_HEX_LEN + 1];
	off_t size, lf, start;
	size_t len;
	int k, r = -1;

	if (fstat(j->fd, &st) != 0) {
		buf_printf(err, "%s: %s", j->path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_printf(err, "%s: not a regular file", j->path);
		return -1;
	}
	size = st.st_size;
	if (size > 0) {
		if (pread_full(j->fd, &last, 1, size - 1) != 0) {
			buf_printf(err, "%s: %s", j->path, strerror(errno));
			return -1;
		}
		if (last != '\n') {
			k = find_lf_before(j->fd, size, JOURNAL_LINE_MAX, &lf);
			if (k < 0) {
				buf_printf(err, k == -2 ? "%s: read error" :
				    "%s: the last line is longer than any record: not a sekisho journal",
				    j->path);
				return -1;
			}
			start = k == 1 ? lf + 1 : 0;
			if (move_aside(j, j->fd, j->path, start, size, err) != 0)
				return -1;
			if (ftruncate(j->fd, start) != 0 || fdatasync(j->fd) != 0) {
				buf_printf(err, "%s: cannot cut off the torn last line: %s",
				    j->path, strerror(errno));
				return -1;
			}
			j->torn += (size_t)(size - start);
			size = start;
		}
	}
	if (size == 0) {
		j->seq = 0;
		memcpy(j->hash, ZERO_HASH, SHA256_HEX_LEN + 1);
		j->end = 0;
		return 0;
	}
	k = find_lf_before(j->fd, size - 1, JOURNAL_LINE_MAX, &lf);
	if (k < 0) {
		buf_printf(err, k == -2 ? "%s: read error" :
		    "%s: the last line is longer than any record: not a sekisho journal", j->path);
		return -1;
	}
	start = k == 1 ? lf + 1 : 0;
	len = (size_t)(size - 1 - start);
	buf_init(&line, JOURNAL_LINE_MAX + 1);
	buf_init(&why, 1024);
	if (buf_reserve(&line, len) != 0)
		die("last line past the line limit");
	if (pread_full(j->fd, line.data, len, start) != 0) {
		buf_printf(err, "%s: %s", j->path, strerror(errno));
		goto out;
	}
	line.len = len;
	line.data[len] = '\0';
	if (record_parse(line.data, len, &rec, &why) != 0) {
		buf_printf(err, "%s: the last record (at byte %lld) is damaged: %s; nothing is "
		    "appended to a broken chain (run 'sekisho audit verify')", j->path,
		    (long long)start, buf_str(&why));
		goto out;
	}
	sha256_hex(line.data, rec.hashed_len, h);
	if (memcmp(h, rec.hash, SHA256_HEX_LEN) != 0) {
		buf_printf(err, "%s: the last record (seq %" PRIu64 ") does not match its hash; "
		    "nothing is appended to a broken chain (run 'sekisho audit verify')",
		    j->path, rec.seq);
		goto out;
	}
	j->seq = rec.seq;
	memcpy(j->hash, rec.hash, SHA256_HEX_LEN);
	j->hash[SHA256_HEX_LEN] = '\0';
	j->end = size;
	r = 0;
out:
	buf_free(&line);
	buf_free(&why);
	return r;
}

/*
 * Under the lock: when the journal was rotated (path names another file),
 * move to the file now at path, locked; the old one is unlocked and closed.
 */
static int
follow_rotation(struct journal *j, struct buf *err)
{
	struct stat at_path, mine;
	int fd;

	if (fstat(j->fd, &mine) != 0 || stat(j->path, &at_path) != 0) {
		buf_printf(err, "%s: %s", j->path, strerror(errno));
		return -1;
	}
	if (mine.st_ino == at_path.st_ino && mine.st_dev == at_path.st_dev)
		return 0;
	if ((fd = open(j->path, O_RDWR | O_APPEND | O_CLOEXEC)) < 0) {
		buf_printf(err, "%s: %s", j->path, strerror(errno));
		return -1;
	}
	if (lock_fd(fd, LOCK_EX) != 0) {
		buf_printf(err, "%s: cannot lock: %s", j->path, strerror(errno));
		close(fd);
		return -1;
	}
	lock_fd(j->fd, LOCK_UN);
	close(j->fd);
	j->fd = fd;
	return tail_recover(j, err);
}

/* Under the lock: catch up when another writer appended since we looked. */
static int
refresh(struct journal *j, struct buf *err)
{
	struct stat st;

	if (follow_rotation(j, err) != 0)
		return -1;
	if (fstat(j->fd, &st) != 0) {
		buf_printf(err, "%s: %s", j->path, strerror(errno));
		return -1;
	}
	if (st.st_size == j->end)
		return 0;
	if (st.st_size < j->end) {
		buf_printf(err, "%s: the journal shrank from %lld to %lld bytes while open "
		    "(truncated by someone else)", j->path, (long long)j->end,
		    (long long)st.st_size);
		return -1;
	}
	return tail_recover(j, err);
}

int
journal_open(struct journal **jp, const char *path, struct buf *err)
{
	struct journal *j;
	int fd, created = 0;

	*jp = NULL;
	fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd >= 0)
			created = 1;
		else if (errno == EEXIST)
			fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	}
	if (fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (created && sync_parent(path) != 0) {
		buf_printf(err, "%s: cannot sync its directory: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	j = xcalloc(1, sizeof *j);
	j->fd = fd;
	j->path = xstrdup(path);
	j->sync_every = 1;
	buf_init(&j->line, JOURNAL_LINE_MAX + 1);
	if (lock_fd(fd, LOCK_EX) != 0) {
		buf_printf(err, "%s: cannot lock: %s", path, strerror(errno));
		journal_close(j);
		return -1;
	}
	if (tail_recover(j, err) != 0) {
		journal_close(j);
		return -1;
	}
	lock_fd(fd, LOCK_UN);
	*jp = j;
	return 0;
}

void
journal_set_sync(struct journal *j, unsigned every_n)
{
	j->sync_every = every_n;
}

uint64_t
journal_seq(const struct journal *j)
{
	return j->seq;
}

const char *
journal_hash(const struct journal *j)
{
	return j->hash;
}

long long
journal_bytes(const struct journal *j)
{
	return (long long)j->end;
}

size_t
journal_torn_bytes(const struct journal *j)
{
	return j->torn;
}

/*
 * Before a record is written: its time as the journal writes it into ts,
 * the journal locked and caught up with other writers (and a rotation).
 * 0 locked, or -1 with the reason and nothing held.
 */
static int
lock_to_write(struct journal *j, long long t, char ts[TIME_LEN + 1], struct buf *err)
{
	if (format_time(t, ts) != 0) {
		buf_printf(err, "time %lld is out of range", t);
		return -1;
	}
	if (lock_fd(j->fd, LOCK_EX) != 0) {
		buf_printf(err, "%s: cannot lock: %s", j->path, strerror(errno));
		return -1;
	}
	if (refresh(j, err) != 0) {
		lock_fd(j->fd, LOCK_UN);
		return -1;
	}
	return 0;
}

/* The next record, after j's last, into j->line; its hash in h. */
static void
record_line(struct journal *j, const char *receipt, size_t len, const char *ts,
    char h[SHA256_HEX_LEN + 1])
{
	size_t hashed;

	buf_reset(&j->line);
	if (buf_reserve(&j->line, len + 256) != 0)	/* JOURNAL_RECEIPT_MAX leaves room */
		die("journal line past its ceiling");
	buf_printf(&j->line, "{\"seq\":%" PRIu64 ",\"time\":\"%s\",\"prev\":\"%s\",\"receipt\":",
	    j->seq + 1, ts, j->hash);
	buf_append(&j->line, receipt, len);
	buf_putc(&j->line, ',');
	hashed = j->line.len;
	sha256_hex(j->line.data, hashed, h);
	buf_printf(&j->line, HASH_FIELD "%s\"}\n", h);
}

int
journal_append(struct journal *j, const char *receipt, size_t len, long long t,
    struct buf *err)
{
	char ts[TIME_LEN + 1], h[SHA256_HEX_LEN + 1];
	struct buf why;
	ssize_t w;
	int r = -1;

	if (len > 0 && receipt[len - 1] == '\n')
		len--;
	if (len > JOURNAL_RECEIPT_MAX) {
		buf_printf(err, "receipt larger than %zu bytes", JOURNAL_RECEIPT_MAX);
		return -1;
	}
	buf_init(&why, 1024);
	if (journal_receipt_check(receipt, len, &why) != 0) {
		buf_printf(err, "receipt is not a one-line JSON object: %s", buf_str(&why));
		buf_free(&why);
		return -1;
	}
	buf_free(&why);
	if (lock_to_write(j, t, ts, err) != 0)
		return -1;
	if (j->seq == UINT64_MAX) {
		buf_printf(err, "%s: seq would overflow", j->path);
		goto out;
	}
	record_line(j, receipt, len, ts, h);

	/* one write: a record is in the file whole or (after a crash) torn at the end */
	while ((w = write(j->fd, j->line.data, j->line.len)) < 0 && errno == EINTR)
		;
	if (w != (ssize_t)j->line.len) {
		int e = w < 0 ? errno : ENOSPC;

		if (w > 0 && ftruncate(j->fd, j->end) != 0)
			buf_printf(err, "%s: cannot append (%s), and the partial record could not "
			    "be cut off: %s", j->path, strerror(e), strerror(errno));
		else
			buf_printf(err, "%s: cannot append: %s", j->path, strerror(e));
		goto out;
	}
	j->end += (off_t)j->line.len;
	j->seq++;
	memcpy(j->hash, h, SHA256_HEX_LEN + 1);
	j->unsynced++;
	if (j->sync_every > 0 && j->unsynced >= j->sync_every) {
		if (fdatasync(j->fd) != 0) {
			buf_printf(err, "%s: record seq %" PRIu64 " written but not synced: %s",
			    j->path, j->seq, strerror(errno));
			goto out;
		}
		j->unsynced = 0;
	}
	r = 0;
out:
	lock_fd(j->fd, LOCK_UN);
	return r;
}

/* <path>.<last seq, 20 digits>: the name a rotated file takes. */
static char *
archive_name(const char *path, uint64_t last)
{
	char suffix[32];

	snprintf(suffix, sizeof suffix, ".%020" PRIu64, last);
	return path_with(path, suffix);
}

int
journal_rotate_if(struct journal *j, long long min_bytes, long long t, struct buf *archived,
    struct buf *err)
{
	char ts[TIME_LEN + 1], h[SHA256_HEX_LEN + 1], *old = NULL, *next = NULL;
	const char *base;
	struct buf note;
	int fd = -1, r = -1;

	if (lock_to_write(j, t, ts, err) != 0)
		return -1;
	if (j->seq == 0 || (long long)j->end < min_bytes) {
		r = 0;	/* nothing to rotate (yet): another writer may have just done it */
		goto out;
	}
	/* the full file keeps its records under a second name first: the
	 * journal's name never stops naming a whole chain */
	old = archive_name(j->path, j->seq);
	if (j->unsynced > 0 && fdatasync(j->fd) != 0) {
		buf_printf(err, "%s: %s", j->path, strerror(errno));
		goto out;
	}
	if (link(j->path, old) != 0) {
		buf_printf(err, "%s: %s", old, strerror(errno));
		goto out;
	}
	/* the new file starts with a record that names the old one and goes
	 * on from its last record */
	base = strrchr(old, '/') != NULL ? strrchr(old, '/') + 1 : old;
	buf_init(&note, 1024);
	buf_printf(&note, "{\"schema\":\"" JOURNAL_ROTATION_SCHEMA "\",\"previous_file\":\"%s\","
	    "\"previous_last_seq\":%" PRIu64 ",\"previous_bytes\":%lld}", base, j->seq,
	    (long long)j->end);
	record_line(j, note.data, note.len, ts, h);
	buf_free(&note);
	next = path_with(j->path, ".rotating");
	unlink(next);
	if ((fd = open(next, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) < 0 ||
	    write_all(fd, j->line.data, j->line.len) != 0 || fdatasync(fd) != 0) {
		buf_printf(err, "%s: %s", next, strerror(errno));
		unlink(old);
		goto out;
	}
	{
		struct stat st;

		/* the same owner as the file it follows (a root CLI rotating
		 * daemon_user's journal) */
		if (fstat(j->fd, &st) == 0 && fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM) {
			buf_printf(err, "%s: %s", next, strerror(errno));
			unlink(old);
			goto out;
		}
	}
	if (rename(next, j->path) != 0) {
		buf_printf(err, "%s: %s", j->path, strerror(errno));
		unlink(old);
		goto out;
	}
	/* renamed: the old records are under their second name only now */
	if (sync_parent(j->path) != 0) {
		buf_printf(err, "%s: rotated, but its folder could not be synced: %s", j->path,
		    strerror(errno));
		buf_puts(archived, old);
		follow_rotation(j, err);
		goto out;
	}
	buf_puts(archived, old);
	/* from now on this handle writes to the new file */
	r = follow_rotation(j, err);
out:
	if (fd >= 0)
		close(fd);
	if (next != NULL)
		unlink(next);
	free(next);
	free(old);
	lock_fd(j->fd, LOCK_UN);
	return r;
}

int
journal_sync(struct journal *j, struct buf *err)
{
	if (j->unsynced == 0)
		return 0;
	if (fdatasync(j->fd) != 0) {
		buf_printf(err, "%s: %s", j->path, strerror(errno));
		return -1;
	}
	j->unsynced = 0;
	return 0;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->unsynced > 0)
		fdatasync(j->fd);
	close(j->fd);
	buf_free(&j->line);
	free(j->path);
	free(j);
}

/* Key id: the first AUDIT_KEY_ID_LEN hex digits of SHA-256(public key). */
static void
key_id_of(const unsigned char pk[AUDIT_PUBLIC_KEY_BYTES], char id[AUDIT_KEY_ID_LEN + 1])
{
	char h[SHA256_HEX_LEN + 1];

	sha256_hex(pk, AUDIT_PUBLIC_KEY_BYTES, h);
	memcpy(id, h, AUDIT_KEY_ID_LEN);
	id[AUDIT_KEY_ID_LEN] = '\0';
}

/* The bytes a checkpoint signature covers. */
static void
checkpoint_message(struct buf *m, uint64_t seq, const char *hash, const char *ts)
{
	buf_printf(m, CHECKPOINT_DOMAIN "%" PRIu64 "\n%.64s\n%.20s", seq, hash, ts);
}

int
journal_changed(const struct journal *j)
{
	struct stat st;

	return fstat(j->fd, &st) != 0 || st.st_size != j->end;
}

int
journal_cp_parse(const char *line, size_t n, struct journal_cp *cp)
{
	struct cur c = { line, n };
	const char *hash, *ts, *kid, *sig64;
	size_t siglen = 0;

	memset(cp, 0, sizeof *cp);
	if (cur_lit(&c, "{\"seq\":") != 0 || cur_seq(&c, &cp->seq) != 0 ||
	    cur_lit(&c, ",\"hash\":\"") != 0 ||
	    cur_take(&c, SHA256_HEX_LEN, is_hex64, &hash) != 0 ||
	    cur_lit(&c, "\",\"time\":\"") != 0 || cur_take(&c, TIME_LEN, is_time, &ts) != 0 ||
	    cur_lit(&c, "\",\"key_id\":\"") != 0 ||
	    cur_take(&c, AUDIT_KEY_ID_LEN, is_key_id, &kid) != 0 ||
	    cur_lit(&c, "\",\"sig\":\"") != 0 || cur_take(&c, SIG_B64_LEN, NULL, &sig64) != 0 ||
	    cur_lit(&c, "\"}") != 0 || c.n != 0 || time_value(ts, &cp->t) != 0 ||
	    sodium_base642bin(cp->sig, sizeof cp->sig, sig64, SIG_B64_LEN, NULL, &siglen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || siglen != SIG_BYTES)
		return -1;
	memcpy(cp->hash, hash, SHA256_HEX_LEN);
	memcpy(cp->time, ts, TIME_LEN);
	memcpy(cp->key_id, kid, AUDIT_KEY_ID_LEN);
	return 0;
}

int
journal_cp_signed_by(const struct journal_cp *cp, const unsigned char pk[AUDIT_PUBLIC_KEY_BYTES],
    const char *pk_id)
{
	struct buf msg;
	int ok;

	crypto_ready();
	if (memcmp(cp->key_id, pk_id, AUDIT_KEY_ID_LEN) != 0)
		return 0;
	buf_init(&msg, 256);
	checkpoint_message(&msg, cp->seq, cp->hash, cp->time);
	ok = crypto_sign_verify_detached(cp->sig, (const unsigned char *)msg.data, msg.len,
	    pk) == 0;
	buf_free(&msg);
	return ok;
}

/*
 * The last checkpoint of a checkpoints file: 1 read into *cp, 0 there is
 * none (no file, or empty), 2 its last line is not a checkpoint (torn by a
 * crash, or damaged), -1 an I/O error (errno).
 */
static int
read_last_cp(const char *path, struct journal_cp *cp)
{
	char line[CHECKPOINT_LINE_MAX + 1], last;
	struct stat st;
	off_t lf, start;
	int fd, k, r = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) != 0)
		goto out;
	r = 0;
	if (st.st_size == 0)
		goto out;
	r = -1;
	if (pread_full(fd, &last, 1, st.st_size - 1) != 0)
		goto out;
	r = 2;
	if (last != '\n')
		goto out;
	k = find_lf_before(fd, st.st_size - 1, CHECKPOINT_LINE_MAX, &lf);
	if (k == -2) {
		r = -1;
		goto out;
	}
	if (k == -1)
		goto out;
	start = k == 1 ? lf + 1 : 0;
	if (pread_full(fd, line, (size_t)(st.st_size - 1 - start), start) != 0) {
		r = -1;
		goto out;
	}
	r = journal_cp_parse(line, (size_t)(st.st_size - 1 - start), cp) == 0 ? 1 : 2;
out:
	close(fd);
	return r;
}

/*
 * Append one checkpoint line to the checkpoints file, durably.  A last line
 * without its LF (a crash during an earlier append) is moved aside to
 * <journal>.torn and cut off first, so that it does not swallow this one.
 */
static int
checkpoints_append(struct journal *j, const char *path, const char *p, size_t n,
    struct buf *err)
{
	struct stat st;
	char last;
	off_t lf, start;
	int fd, k, r = -1;

	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	owner_of_journal(fd, j->fd);
	if (lock_fd(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0 ||
	    (st.st_size > 0 && pread_full(fd, &last, 1, st.st_size - 1) != 0)) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_size > 0 && last != '\n') {
		k = find_lf_before(fd, st.st_size, CHECKPOINT_LINE_MAX, &lf);
		if (k < 0) {
			buf_printf(err, k == -2 ? "%s: read error" : "%s: its last line is longer "
			    "than any checkpoint: not a checkpoints file; nothing appended", path);
			goto out;
		}
		start = k == 1 ? lf + 1 : 0;
		if (move_aside(j, fd, path, start, st.st_size, err) != 0)
			goto out;
		if (ftruncate(fd, start) != 0) {
			buf_printf(err, "%s: cannot cut off the torn last line: %s", path,
			    strerror(errno));
			goto out;
		}
	}
	if (write_all(fd, p, n) != 0 || fdatasync(fd) != 0 ||
	    (st.st_size == 0 && sync_parent(path) != 0)) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	r = 0;
out:
	close(fd);
	return r;
}

int
journal_checkpoint_if(struct journal *j, const unsigned char sk[AUDIT_SECRET_KEY_BYTES],
    const char *key_id, journal_cp_due_fn due, void *arg, struct journal_cp *last,
    int *have_last, struct buf *err)
{
	unsigned char pk[AUDIT_PUBLIC_KEY_BYTES];
	char id[AUDIT_KEY_ID_LEN + 1], ts[TIME_LEN + 1], b64[SIG_B64_LEN + 1];
	struct journal_cp prev, made;
	struct buf msg, line;
	char *cp_path;
	int k, d, r = -1;

	crypto_ready();
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	key_id_of(pk, id);
	if (key_id == NULL || strcmp(key_id, id) != 0) {
		buf_printf(err, "key id %s is not the id of this secret key (%s)",
		    key_id != NULL ? key_id : "(none)", id);
		return -1;
	}
	if (format_time((long long)time(NULL), ts) != 0) {
		buf_puts(err, "the clock is outside years 1970..9999");
		return -1;
	}
	if (lock_fd(j->fd, LOCK_EX) != 0) {
		buf_printf(err, "%s: cannot lock: %s", j->path, strerror(errno));
		return -1;
	}
	buf_init(&msg, 256);
	buf_init(&line, CHECKPOINT_LINE_MAX);
	cp_path = path_with(j->path, ".checkpoints");
	if (refresh(j, err) != 0)
		goto out;
	if ((k = read_last_cp(cp_path, &prev)) < 0) {
		buf_printf(err, "%s: %s", cp_path, strerror(errno));
		goto out;
	}
	if (last != NULL && k == 1)
		*last = prev;
	if (have_last != NULL)
		*have_last = k == 1;
	if (due != NULL)
		d = due(j->seq, j->hash, k == 1 ? &prev : NULL, arg, err);
	else if (j->seq == 0) {
		buf_printf(err, "%s: the journal is empty: nothing to checkpoint", j->path);
		d = -1;
	} else
		d = 1;
	if (d <= 0 || j->seq == 0) {
		r = d < 0 ? -1 : 0;
		goto out;
	}
	/* never sign a record that a crash could still take away */
	if (fdatasync(j->fd) != 0) {
		buf_printf(err, "%s: %s", j->path, strerror(errno));
		goto out;
	}
	j->unsynced = 0;
	memset(&made, 0, sizeof made);
	made.seq = j->seq;
	memcpy(made.hash, j->hash, SHA256_HEX_LEN + 1);
	memcpy(made.time, ts, TIME_LEN + 1);
	if (time_value(ts, &made.t) != 0)
		die("journal_checkpoint: a time we formatted does not read back");
	memcpy(made.key_id, id, AUDIT_KEY_ID_LEN + 1);
	checkpoint_message(&msg, made.seq, made.hash, ts);
	crypto_sign_detached(made.sig, NULL, (const unsigned char *)msg.data, msg.len, sk);
	sodium_bin2base64(b64, sizeof b64, made.sig, SIG_BYTES, sodium_base64_VARIANT_ORIGINAL);
	buf_printf(&line, "{\"seq\":%" PRIu64 ",\"hash\":\"%s\",\"time\":\"%s\",\"key_id\":\"%s\","
	    "\"sig\":\"%s\"}\n", made.seq, made.hash, ts, id, b64);
	if (checkpoints_append(j, cp_path, line.data, line.len, err) != 0)
		goto out;
	if (last != NULL)
		*last = made;
	if (have_last != NULL)
		*have_last = 1;
	r = 1;
out:
	lock_fd(j->fd, LOCK_UN);
	free(cp_path);
	buf_free(&msg);
	buf_free(&line);
	return r;
}

int
journal_checkpoint(struct journal *j, const unsigned char sk[AUDIT_SECRET_KEY_BYTES],
    const char *key_id, struct buf *err)
{
	return journal_checkpoint_if(j, sk, key_id, NULL, NULL, NULL, NULL, err) == 1 ? 0 : -1;
}

/* Create a new file with exactly these bytes, durably; never overwrite. */
static int
write_new_file(const char *path, mode_t mode, const char *p, size_t n, struct buf *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) != 0 || write_all(fd, p, n) != 0 ||
	    fsync(fd) != 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	if (sync_parent(path) != 0) {
		buf_printf(err, "%s: cannot sync its directory: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* One labelled base64 line: LABEL BASE64 LF. */
static size_t
key_text(char *out, size_t cap, const char *label, const unsigned char *key, size_t n)
{
	size_t l = strlen(label), b = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);

	if (l + b + 1 > cap)
		die("key text buffer too small");
	memcpy(out, label, l);
	sodium_bin2base64(out + l, b, key, n, sodium_base64_VARIANT_ORIGINAL);
	out[l + b - 1] = '\n';
	out[l + b] = '\0';
	return l + b;
}

int
audit_key_generate(const char *secret_path, const char *public_path, struct buf *err)
{
	unsigned char pk[AUDIT_PUBLIC_KEY_BYTES], sk[AUDIT_SECRET_KEY_BYTES];
	char text[KEY_FILE_MAX];
	size_t n;
	int r = -1;

	crypto_ready();
	crypto_sign_keypair(pk, sk);
	n = key_text(text, sizeof text, SECRET_LABEL, sk, sizeof sk);
	if (write_new_file(secret_path, 0600, text, n, err) != 0)
		goto out;
	n = key_text(text, sizeof text, PUBLIC_LABEL, pk, sizeof pk);
	if (write_new_file(public_path, 0644, text, n, err) != 0) {
		unlink(secret_path);
		goto out;
	}
	r = 0;
out:
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(text, sizeof text);
	return r;
}

/* Read a key file (LABEL BASE64, one optional LF) into out[n]. */
static int
key_file_read(const char *path, int given_fd, const char *label, unsigned char *out,
    size_t n, int secret, struct buf *err)
{
	char text[KEY_FILE_MAX];
	const char *b64, *end;
	size_t len = 0, blen, binlen = 0, l = strlen(label);
	struct stat st;
	int fd, r = -1;

	fd = given_fd > 0 ? given_fd : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		buf_printf(err, "%s: not a regular file", path);
		goto out;
	}
	if (secret && (st.st_mode & 077) != 0) {
		buf_printf(err, "%s: permissions %04o are too open: a secret key must be "
		    "readable by its owner only (chmod 600)", path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_size >= KEY_FILE_MAX) {
		buf_printf(err, "%s: not a sekisho audit key file (too large)", path);
		goto out;
	}
	while (len < sizeof text - 1) {
		ssize_t k = pread(fd, text + len, sizeof text - 1 - len, (off_t)len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			buf_printf(err, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	text[len] = '\0';
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len <= l || memcmp(text, label, l) != 0) {
		buf_printf(err, "%s: not a sekisho audit %s key file", path,
		    secret ? "secret" : "public");
		goto out;
	}
	b64 = text + l;
	blen = len - l;
	if (sodium_base642bin(out, n, b64, blen, NULL, &binlen, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || binlen != n || end != b64 + blen) {
		buf_printf(err, "%s: not a sekisho audit %s key file (bad key)", path,
		    secret ? "secret" : "public");
		goto out;
	}
	r = 0;
out:
	sodium_memzero(text, sizeof text);
	if (fd != given_fd)
		close(fd);
	return r;
}

int
audit_key_load_secret(const char *path, unsigned char sk[AUDIT_SECRET_KEY_BYTES],
    char key_id[AUDIT_KEY_ID_LEN + 1], struct buf *err)
{
	return audit_key_load_secret_fd(path, 0, sk, key_id, err);
}

int
audit_key_load_secret_fd(const char *path, int fd, unsigned char sk[AUDIT_SECRET_KEY_BYTES],
    char key_id[AUDIT_KEY_ID_LEN + 1], struct buf *err)
{
	unsigned char pk[AUDIT_PUBLIC_KEY_BYTES], again[AUDIT_SECRET_KEY_BYTES];
	int r = -1;

	crypto_ready();
	if (key_file_read(path, fd, SECRET_LABEL, sk, AUDIT_SECRET_KEY_BYTES, 1, err) != 0)
		goto out;
	/* the public half must be the one the seed gives */
	crypto_sign_seed_keypair(pk, again, sk);
	if (sodium_memcmp(again, sk, AUDIT_SECRET_KEY_BYTES) != 0) {
		buf_printf(err, "%s: the secret key is damaged (its halves do not match)", path);
		goto out;
	}
	key_id_of(pk, key_id);
	r = 0;
out:
	if (r != 0)
		sodium_memzero(sk, AUDIT_SECRET_KEY_BYTES);
	sodium_memzero(again, sizeof again);
	return r;
}

int
audit_key_load_public(const char *path, unsigned char pk[AUDIT_PUBLIC_KEY_BYTES],
    char key_id[AUDIT_KEY_ID_LEN + 1], struct buf *err)
{
	crypto_ready();
	if (key_file_read(path, 0, PUBLIC_LABEL, pk, AUDIT_PUBLIC_KEY_BYTES, 0, err) != 0)
		return -1;
	key_id_of(pk, key_id);
	return 0;
}

/*
 * Line reader for verification: lines of at most max bytes from the first
 * size bytes of fd, in chunks, never holding more than max + READ_CHUNK.
 */
enum { LR_END, LR_LINE, LR_PARTIAL, LR_LONG, LR_ERROR };

struct lreader {
	int fd;
	off_t left;		/* bytes still to read */
	size_t max;		/* longest line */
	struct buf b;
	size_t off;		/* start of the unconsumed bytes in b */
	int eof;
};

/* Read lines from the first size bytes of fd. */
static void
lr_init(struct lreader *lr, int fd, off_t size, size_t max)
{
	lr->fd = fd;
	lr->left = size;
	lr->max = max;
	buf_init(&lr->b, max + READ_CHUNK + 1);
	lr->off = 0;
	lr->eof = size == 0;
}

/* Drop what was consumed, read up to one more chunk. */
static int
lr_fill(struct lreader *lr)
{
	size_t want = lr->left < READ_CHUNK ? (size_t)lr->left : READ_CHUNK;
	ssize_t n;

	if (lr->off > 0) {
		memmove(lr->b.data, lr->b.data + lr->off, lr->b.len - lr->off);
		lr->b.len -= lr->off;
		lr->off = 0;
	}
	if (buf_reserve(&lr->b, want) != 0)
		die("line reader past its ceiling");
	while ((n = read(lr->fd, lr->b.data + lr->b.len, want)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return -1;
	if (n == 0) {
		lr->eof = 1;	/* the file shrank while being read */
		return 0;
	}
	lr->b.len += (size_t)n;
	lr->b.data[lr->b.len] = '\0';
	lr->left -= n;
	if (lr->left == 0)
		lr->eof = 1;
	return 0;
}

/* The next line, without its LF: LR_LINE; LR_PARTIAL for a final line with
 * no LF; LR_LONG for a line over max (skipped); LR_END; LR_ERROR. */
static int
lr_next(struct lreader *lr, const char **line, size_t *len)
{
	size_t scanned = 0;
	int skipping = 0;

	for (;;) {
		/* nothing read yet (an empty file): no buffer to point into */
		char *base = lr->b.data != NULL ? lr->b.data + lr->off : NULL;
		size_t have = lr->b.len - lr->off;
		char *lf = have > scanned ? memchr(base + scanned, '\n', have - scanned) : NULL;

		if (lf != NULL) {
			size_t n = (size_t)(lf - base);

			lr->off += n + 1;
			if (skipping || n > lr->max)
				return LR_LONG;
			*line = base;
			*len = n;
			return LR_LINE;
		}
		scanned = have;
		if (have > lr->max) {
			skipping = 1;		/* drop it, look for the LF that ends it */
			lr->off = lr->b.len;
			scanned = 0;
		}
		if (lr->eof) {
			if (skipping) {
				lr->off = lr->b.len;
				return LR_LONG;
			}
			if (lr->off < lr->b.len) {
				*line = base;
				*len = have;
				lr->off = lr->b.len;
				return LR_PARTIAL;
			}
			return LR_END;
		}
		if (lr_fill(lr) != 0)
			return LR_ERROR;
	}
}

/* Release the reader's buffer (the descriptor is the caller's). */
static void
lr_free(struct lreader *lr)
{
	buf_free(&lr->b);
}

/* One checkpoint, trusted for comparison (its signature checked if a key
 * was given). */
struct cp {
	uint64_t seq;
	char hash[SHA256_HEX_LEN + 1];
	char time[TIME_LEN + 1];
	size_t line;		/* in the checkpoints file */
	int seen;		/* a record with this seq was read */
};

struct verify {
	struct buf *report;
	size_t problems;
	struct cp *cps;
	size_t ncps;
	int cps_missing;	/* the checkpoints file does not exist */
};

/* One problem, one line of the report (listed up to the limit, all counted). */
static void __attribute__((format(printf, 2, 3)))
problem(struct verify *v, const char *fmt, ...)
{
	va_list ap;

	if (v->problems++ >= JOURNAL_REPORT_PROBLEMS_MAX)
		return;
	va_start(ap, fmt);
	buf_vprintf(v->report, fmt, ap);
	va_end(ap);
	buf_putc(v->report, '\n');
}

/* Checkpoints by seq, then by their order in the file. */
static int
cmp_cp(const void *a, const void *b)
{
	const struct cp *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Read, check (signatures when pk is given) and sort the checkpoints.  A
 * file that does not exist is noted in v, not an error. */
static int
load_checkpoints(struct verify *v, const char *path, const unsigned char *pk,
    const char *pk_id)
{
	struct lreader lr;
	const char *line;
	size_t n, lineno = 0, cap = 0;
	uint64_t last_seq = 0;
	int fd, k, r = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		v->cps_missing = 1;
		return 0;
	}
	if (fd < 0) {
		buf_printf(v->report, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	lr_init(&lr, fd, (off_t)INT64_MAX, CHECKPOINT_LINE_MAX);
	while ((k = lr_next(&lr, &line, &n)) != LR_END) {
		struct journal_cp jc;
		struct cp cp;

		if (k == LR_ERROR) {
			buf_printf(v->report, "%s: %s\n", path, strerror(errno));
			goto out;
		}
		lineno++;
		if (k == LR_PARTIAL) {
			problem(v, "checkpoints line %zu is incomplete (truncated write)", lineno);
			break;
		}
		if (k == LR_LONG) {
			problem(v, "checkpoints line %zu: longer than %d bytes (not a checkpoint)",
			    lineno, CHECKPOINT_LINE_MAX);
			continue;
		}
		if (journal_cp_parse(line, n, &jc) != 0) {
			problem(v, "checkpoints line %zu: not a checkpoint record", lineno);
			continue;
		}
		if (pk != NULL && memcmp(jc.key_id, pk_id, AUDIT_KEY_ID_LEN) != 0) {
			problem(v, "checkpoints line %zu (seq %" PRIu64 "): signed by key %.16s, "
			    "not by the given public key %s", lineno, jc.seq, jc.key_id, pk_id);
			continue;
		}
		if (pk != NULL && !journal_cp_signed_by(&jc, pk, pk_id)) {
			problem(v, "checkpoints line %zu (seq %" PRIu64 "): bad signature "
			    "(checkpoint forged or altered)", lineno, jc.seq);
			continue;
		}
		if (jc.seq < last_seq)
			problem(v, "checkpoints line %zu: seq %" PRIu64 " comes after a checkpoint "
			    "of seq %" PRIu64 " (checkpoints reordered)", lineno, jc.seq, last_seq);
		last_seq = jc.seq;
		if (v->ncps == JOURNAL_CHECKPOINTS_MAX) {
			problem(v, "more than %zu checkpoints: the rest are not checked",
			    JOURNAL_CHECKPOINTS_MAX);
			break;
		}
		if (v->ncps == cap) {
			cap = cap ? cap * 2 : 64;
			v->cps = xrealloc(v->cps, cap * sizeof *v->cps);
		}
		memset(&cp, 0, sizeof cp);
		cp.seq = jc.seq;
		memcpy(cp.hash, jc.hash, sizeof cp.hash);
		memcpy(cp.time, jc.time, sizeof cp.time);
		cp.line = lineno;
		v->cps[v->ncps++] = cp;
	}
	if (v->ncps > 1)
		qsort(v->cps, v->ncps, sizeof *v->cps, cmp_cp);
	r = 0;
out:
	lr_free(&lr);
	close(fd);
	return r;
}

/* Compare a record with the checkpoints of its seq. */
static void
match_checkpoints(struct verify *v, size_t lineno, uint64_t seq, const char *hash)
{
	size_t lo = 0, hi = v->ncps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->cps[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < v->ncps && v->cps[lo].seq == seq; lo++) {
		v->cps[lo].seen = 1;
		if (memcmp(v->cps[lo].hash, hash, SHA256_HEX_LEN) != 0)
			problem(v, "line %zu (seq %" PRIu64 "): hash differs from checkpoints line %zu "
			    "(journal rewritten after the checkpoint)", lineno, seq, v->cps[lo].line);
	}
}

/*
 * What the checkpoints say about the journal as a whole, once it was read:
 * a checkpoint no record answered (records removed), a journal without any
 * checkpoint, and the records after the last one (a note, or a problem when
 * strict).
 */
static void
coverage(struct verify *v, const struct journal_verify_opts *o, uint64_t records,
    uint64_t last_seq, uint64_t max_seq, const char *tail_time)
{
	const struct cp *beyond = NULL;
	uint64_t top;

	for (size_t i = 0; i < v->ncps; i++) {
		if (v->cps[i].seen)
			continue;
		if (v->cps[i].seq > max_seq)
			beyond = &v->cps[i];	/* sorted: the last one is the largest */
		else
			problem(v, "checkpoints line %zu: seq %" PRIu64 " is not in the journal "
			    "(record removed)", v->cps[i].line, v->cps[i].seq);
	}
	if (beyond != NULL)
		problem(v, "journal ends at seq %" PRIu64 " but checkpoint says seq %" PRIu64
		    " exists (records removed from the end)", last_seq, beyond->seq);
	if (records == 0)
		return;
	if (v->cps_missing) {
		problem(v, "no checkpoints file %s: nothing shows where the journal should end "
		    "(records removed from the end, or a journal rewritten whole, would not be "
		    "seen; --chain-only checks the chain alone)", o->checkpoints);
		return;
	}
	if (v->ncps == 0) {
		problem(v, "no valid checkpoint covers any of the %" PRIu64 " records", records);
		return;
	}
	top = v->cps[v->ncps - 1].seq;
	if (last_seq <= top)
		return;
	if (o->strict)
		problem(v, "%" PRIu64 " records (seq %" PRIu64 "..%" PRIu64 ") are not covered by "
		    "a checkpoint (the last checkpoint is of seq %" PRIu64 ", made %s)",
		    last_seq - top, top + 1, last_seq, top, v->cps[v->ncps - 1].time);
	else
		buf_printf(v->report, "note: %" PRIu64 " record%s not yet covered by a checkpoint "
		    "(seq %" PRIu64 "..%" PRIu64 ", the first appended %s; the last checkpoint is "
		    "of seq %" PRIu64 ", made %s)\n", last_seq - top, last_seq - top == 1 ? "" : "s",
		    top + 1, last_seq, tail_time[0] != '\0' ? tail_time : "at an unknown time", top,
		    v->cps[v->ncps - 1].time);
}

/* The seq a rotated file's name gives (<path>.<20 digits>), 0 if none. */
static uint64_t
archive_seq(const char *name)
{
	const char *dot = strrchr(name, '.');
	uint64_t v = 0;

	if (dot == NULL || strlen(dot + 1) != 20)
		return 0;
	for (const char *p = dot + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
journal_files(const char *path, char ***files, size_t *n, struct buf *report)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	char *dir = slash != NULL ? strndup(path, (size_t)(slash - path + (slash == path))) :
	    strdup(".");
	size_t cap = 8, bl = strlen(base);
	DIR *d;
	struct dirent *e;

	*files = xcalloc(cap, sizeof **files);
	*n = 0;
	if (dir == NULL || (d = opendir(dir)) == NULL) {
		buf_printf(report, "%s: %s\n", dir != NULL ? dir : path, strerror(errno));
		free(dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, base, bl) != 0 || e->d_name[bl] != '.' ||
		    archive_seq(e->d_name) == 0 || strlen(e->d_name) != bl + 21)
			continue;
		if (*n + 1 >= cap) {
			if (cap >= JOURNAL_FILES_MAX) {
				buf_printf(report, "%s: more than %d rotated files\n", path,
				    JOURNAL_FILES_MAX);
				closedir(d);
				free(dir);
				journal_files_free(*files, *n);
				*files = NULL;
				*n = 0;
				return -1;
			}
			cap *= 2;
			*files = xrealloc(*files, cap * sizeof **files);
		}
		(*files)[(*n)++] = path_with(path, e->d_name + bl);
	}
	closedir(d);
	free(dir);
	qsort(*files, *n, sizeof **files, cmp_names);
	(*files)[(*n)++] = xstrdup(path);
	return 0;
}

void
journal_files_free(char **files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
}

/* Does the record (the first of a file) name prev as the file before? */
static int
names_previous(const struct record *rec, const char *prev)
{
	const char *base = strrchr(prev, '/') != NULL ? strrchr(prev, '/') + 1 : prev;
	char want[512];

	snprintf(want, sizeof want, "\"schema\":\"" JOURNAL_ROTATION_SCHEMA
	    "\",\"previous_file\":\"%s\"", base);
	return memmem(rec->receipt, rec->receipt_len, want, strlen(want)) != NULL;
}

int
journal_verify(const char *path, const struct journal_verify_opts *o, struct buf *report)
{
	struct verify v = { .report = report };
	unsigned char pk[AUDIT_PUBLIC_KEY_BYTES];
	char pk_id[AUDIT_KEY_ID_LEN + 1] = "", h[SHA256_HEX_LEN + 1];
	char prev_hash[SHA256_HEX_LEN + 1] = ZERO_HASH, last_hash[SHA256_HEX_LEN + 1] = ZERO_HASH;
	char tail_time[TIME_LEN + 1] = "";
	uint64_t prev_seq = 0, last_seq = 0, max_seq = 0, records = 0, top = 0;
	size_t lineno = 0, prev_line = 0;
	struct lreader lr;
	struct buf why;
	struct stat st;
	const char *line;
	char *torn_path;
	size_t n, nfiles = 0;
	char **files = NULL;
	int fd = -1, k, known = 0, r = -1, reading = 0;

	crypto_ready();
	buf_init(&why, 1024);
	if (o->checkpoints != NULL && o->public_key != NULL) {
		struct buf err;

		buf_init(&err, 1024);
		if (audit_key_load_public(o->public_key, pk, pk_id, &err) != 0) {
			buf_printf(report, "%s\n", buf_str(&err));
			buf_free(&err);
			goto out;
		}
		buf_free(&err);
	}
	if (o->checkpoints != NULL && load_checkpoints(&v, o->checkpoints,
	    o->public_key != NULL ? pk : NULL, pk_id) != 0)
		goto out;
	if (v.ncps > 0)
		top = v.cps[v.ncps - 1].seq;
	if (journal_files(path, &files, &nfiles, report) != 0)
		goto out;
	for (size_t fi = 0; fi < nfiles; fi++) {
	const char *fpath = files[fi];
	size_t first_line = lineno + 1;

	fd = open(fpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(report, "%s: %s\n", fpath, strerror(errno));
		goto out;
	}
	/* the size while no writer is mid-record; appends after it are not read */
	lock_fd(fd, LOCK_SH);
	k = fstat(fd, &st);
	lock_fd(fd, LOCK_UN);
	if (k != 0 || !S_ISREG(st.st_mode)) {
		buf_printf(report, "%s: not a regular file\n", fpath);
		goto out;
	}
	lr_init(&lr, fd, st.st_size, JOURNAL_LINE_MAX);
	reading = 1;
	while ((k = lr_next(&lr, &line, &n)) != LR_END) {
		struct record rec;

		if (k == LR_ERROR) {
			buf_printf(report, "%s: %s\n", fpath, strerror(errno));
			goto out;
		}
		lineno++;
		if (k == LR_PARTIAL) {
			problem(&v, "line %zu: last line is incomplete (truncated write)", lineno);
			break;
		}
		if (k == LR_LONG) {
			problem(&v, "line %zu: longer than %zu bytes (not a journal record)", lineno,
			    JOURNAL_LINE_MAX);
			known = 0;
			continue;
		}
		buf_reset(&why);
		if (record_parse(line, n, &rec, &why) != 0) {
			problem(&v, "line %zu: not a journal record: %s", lineno, buf_str(&why));
			known = 0;
			continue;
		}
		records++;
		sha256_hex(line, rec.hashed_len, h);
		if (memcmp(h, rec.hash, SHA256_HEX_LEN) != 0)
			problem(&v, "line %zu (seq %" PRIu64 "): hash mismatch (record modified)",
			    lineno, rec.seq);
		if (lineno == 1) {
			if (rec.seq != 1)
				problem(&v, "line 1: journal starts at seq %" PRIu64 ", not 1 "
				    "(records removed from the start)", rec.seq);
			else if (memcmp(rec.prev, ZERO_HASH, SHA256_HEX_LEN) != 0)
				problem(&v, "line 1 (seq 1): prev is not 64 zeros (record modified)");
		} else if (known) {
			if (rec.seq != prev_seq + 1)
				problem(&v, "line %zu: seq %" PRIu64 " follows %" PRIu64
				    " (record removed or reordered)", lineno, rec.seq, prev_seq);
			else if (memcmp(rec.prev, prev_hash, SHA256_HEX_LEN) != 0)
				problem(&v, "line %zu: prev does not match the hash of line %zu",
				    lineno, prev_line);
		}
		/* the first record of a file after a rotation names the file before */
		if (fi > 0 && lineno == first_line && !names_previous(&rec, files[fi - 1]))
			problem(&v, "line %zu: %s does not start with the record of its rotation "
			    "after %s (files renamed or swapped)", lineno, fpath, files[fi - 1]);
		if (v.ncps > 0)
			match_checkpoints(&v, lineno, rec.seq, rec.hash);
		if (rec.seq == top + 1)
			memcpy(tail_time, rec.time, TIME_LEN);	/* the first not covered */
		prev_seq = last_seq = rec.seq;
		if (rec.seq > max_seq)
			max_seq = rec.seq;
		memcpy(prev_hash, rec.hash, SHA256_HEX_LEN);
		memcpy(last_hash, rec.hash, SHA256_HEX_LEN);
		prev_line = lineno;
		known = 1;
	}
	/* a rotated file's name is the seq of its last record */
	if (fi + 1 < nfiles && (lineno < first_line || archive_seq(fpath) != last_seq))
		problem(&v, "%s: its name says its last record is seq %" PRIu64 ", it ends at "
		    "seq %" PRIu64 " (records removed from its end)", fpath, archive_seq(fpath),
		    lineno < first_line ? 0 : last_seq);
	if (nfiles > 1)
		buf_printf(report, "file %s: lines %zu-%zu\n", fpath, first_line, lineno);
	lr_free(&lr);
	reading = 0;
	close(fd);
	fd = -1;
	}
	if (o->checkpoints != NULL)
		coverage(&v, o, records, last_seq, max_seq, tail_time);

	/* summary */
	torn_path = path_with(path, ".torn");
	if (stat(torn_path, &st) == 0)
		buf_printf(report, "note: %s exists: a torn write was moved aside there when the "
		    "journal was reopened (not a problem of the chain; see docs/audit.md)\n",
		    torn_path);
	free(torn_path);
	if (v.problems > JOURNAL_REPORT_PROBLEMS_MAX)
		buf_printf(report, "(%zu more problems not listed)\n",
		    v.problems - JOURNAL_REPORT_PROBLEMS_MAX);
	if (o->checkpoints == NULL)
		buf_puts(report, "chain only: checkpoints NOT checked (records removed from the end, "
		    "or a journal rewritten whole with new hashes, pass this check)\n");
	else if (!v.cps_missing)
		buf_printf(report, "checkpoints: %zu %s, last at seq %" PRIu64 "\n", v.ncps,
		    o->public_key != NULL ? "with valid signatures" :
		    "read, signatures NOT checked (no public key)", top);
	if (v.problems == 0)
		buf_printf(report, "verified: %" PRIu64 " records, last seq %" PRIu64
		    ", last hash %s\n", records, last_seq, last_hash);
	else
		buf_printf(report, "NOT VERIFIED: %zu problem%s; %" PRIu64 " records read, last seq %"
		    PRIu64 ", last hash %s\n", v.problems, v.problems == 1 ? "" : "s", records,
		    last_seq, last_hash);
	r = v.problems == 0 ? 0 : 1;
out:
	if (reading)
		lr_free(&lr);
	if (fd >= 0)
		close(fd);
	journal_files_free(files, nfiles);
	free(v.cps);
	buf_free(&why);
	return r;
}
