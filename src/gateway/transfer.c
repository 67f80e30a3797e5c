/*
 * transfer - the drop folders' watcher and the delivery of transferred
 * files (see transfer.h).
 */
#include "gateway/transfer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <syslog.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/utf8.h"
#include "gateway/metrics.h"
#include "mime/notice.h"

#define WATCHES_MAX 4096		/* user folders watched by inotify */
#define PENDING_LOOK_MS 500		/* a file still settling: look again this soon */

int
transfer_valid_user(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= TRANSFER_USER_MAX || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '+' || c == '-' || c == '@'))
			return 0;
	}
	return 1;
}

int
transfer_encode(const char *user, const char *name, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0, i;
	int n;

	if (!transfer_valid_user(user) || name[0] == '\0' || strlen(name) >= TRANSFER_NAME_MAX)
		return -1;
	n = snprintf(out, outlen, "%s/", user);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	o = (size_t)n;
	for (i = 0; name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];

		if (o + 4 > outlen)
			return -1;
		if (c > 0x20 && c < 0x7f && c != '%' && c != '/')
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

int
transfer_decode(const char *field, char user[TRANSFER_USER_MAX], char name[TRANSFER_NAME_MAX])
{
	const char *slash = strchr(field, '/'), *p;
	size_t n = 0;

	if (slash == NULL || (size_t)(slash - field) >= TRANSFER_USER_MAX)
		return -1;
	memcpy(user, field, (size_t)(slash - field));
	user[slash - field] = '\0';
	if (!transfer_valid_user(user))
		return -1;
	for (p = slash + 1; *p != '\0'; p++) {
		int c = (unsigned char)*p;

		if (c == '%') {
			int h = hex_digit(p[1]), l = h >= 0 ? hex_digit(p[2]) : -1;

			if (l < 0)
				return -1;
			c = h * 16 + l;
			p += 2;
		} else if (c == '/')
			return -1;
		if (c == 0 || c == '/' || n + 1 >= TRANSFER_NAME_MAX)
			return -1;
		name[n++] = (char)c;
	}
	name[n] = '\0';
	if (n == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -1;
	return 0;
}

/* ---- the watcher ------------------------------------------------------ */

static int
ignored_name(const char *name)
{
	return name[0] == '.' || strncmp(name, "~$", 2) == 0;
}

/* Write text to dirfd/name durably (a temporary name, then rename). */
static int
write_at(int dirfd, const char *name, const void *p, size_t n)
{
	static unsigned long seq;
	char tmp[TRANSFER_NAME_MAX + 64];
	int fd;

	snprintf(tmp, sizeof tmp, ".sekisho-%ld-%lu.tmp", (long)getpid(), ++seq);
	if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) < 0)
		return -1;
	if (write_all(fd, p, n) < 0 || fsync(fd) < 0) {
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

/*
 * Give a file that cannot be taken back to its sender, with the reason: a
 * regular file is moved into the returned folder; anything else (a link, a
 * device, a pipe) has no bytes of its own to keep and is removed, its note
 * saying so (the watcher may not make links or devices, gateway/confine.h).
 */
static void
return_file(int udir, const char *user, const char *name, int regular, const char *why_ja,
    const char *why_en)
{
	struct buf note, nn;
	int rdir;

	if (mkdirat(udir, TRANSFER_RETURNED_DIR, 0750) < 0 && errno != EEXIST) {
		syslog(LOG_ERR, "transfer: %s/%s: cannot return it: %s", user, name, strerror(errno));
		return;
	}
	if ((rdir = openat(udir, TRANSFER_RETURNED_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) < 0) {
		syslog(LOG_ERR, "transfer: %s/%s: cannot return it: %s", user, name, strerror(errno));
		return;
	}
	buf_init(&note, 8192);
	buf_init(&nn, TRANSFER_NAME_MAX + 64);
	buf_printf(&note, "sekisho: このファイルは受け取れませんでした。\n理由: %s\n"
	    "ファイル: %s%s\n\nsekisho: this file was not taken.\nReason: %s\nFile: %s%s\n",
	    why_ja, name, regular ? "" : "（削除しました）", why_en, name,
	    regular ? "" : " (removed)");
	buf_printf(&nn, "%s.理由.txt", name);
	if (regular ? renameat(udir, name, rdir, name) < 0 : unlinkat(udir, name, 0) < 0)
		syslog(LOG_ERR, "transfer: %s/%s: cannot return it: %s", user, name, strerror(errno));
	else if (write_at(rdir, buf_str(&nn), note.data, note.len) < 0)
		syslog(LOG_ERR, "transfer: %s/%s: returned without its note: %s", user, name,
		    strerror(errno));
	else {
		METRIC_ADD(transfer_returned, 1);
		syslog(LOG_NOTICE, "transfer: %s/%s: returned (%s)", user, name, why_en);
	}
	fsync(rdir);
	fsync(udir);
	close(rdir);
	buf_free(&note);
	buf_free(&nn);
}

/*
 * Take one settled file: into the spool, then out of the drop folder.
 * 0 taken (or returned), 1 not yet settled (*due: when to look again), -1
 * left for the next look.
 */
static int
take(const struct config *cfg, struct spool *sp, int udir, const char *user,
    const char *name, long long now_ms, long long *due)
{
	struct envelope env;
	char rcpt[1][SPOOL_ADDR_MAX];
	struct stat st, again;
	struct buf data, err;
	char chunk[65536];
	ssize_t n;
	int fd, rc = -1;
	long long mtime_ms;

	if (fstatat(udir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (S_ISDIR(st.st_mode))
		return 0;	/* folders are not taken, not even looked into */
	/* the later of the times: a copy may set its mtime back to the
	 * source's, but every write moves ctime */
	mtime_ms = (long long)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
	if ((long long)st.st_ctim.tv_sec * 1000 + st.st_ctim.tv_nsec / 1000000 > mtime_ms)
		mtime_ms = (long long)st.st_ctim.tv_sec * 1000 + st.st_ctim.tv_nsec / 1000000;
	if (mtime_ms + (long long)cfg->transfer_settle_seconds * 1000 > now_ms) {
		long long d = mtime_ms + (long long)cfg->transfer_settle_seconds * 1000;

		if (*due == 0 || d < *due)
			*due = d;
		return 1;
	}
	if (!S_ISREG(st.st_mode)) {
		return_file(udir, user, name, 0, "通常のファイルではありません（リンク・装置など）",
		    "not a regular file (a link, a device...)");
		return 0;
	}
	if (st.st_nlink != 1) {
		/* another name of a file elsewhere: not what someone put here */
		return_file(udir, user, name, 1, "ほかの場所のファイルへのハードリンクです",
		    "a hard link to a file elsewhere");
		return 0;
	}
	if ((uint64_t)st.st_size > cfg->pol.lim.file_bytes) {
		char ja[160], en[160];

		snprintf(ja, sizeof ja, "大きすぎます（%lld バイト。上限 file_size_limit = %llu バイト）",
		    (long long)st.st_size, (unsigned long long)cfg->pol.lim.file_bytes);
		snprintf(en, sizeof en, "too large (%lld bytes; file_size_limit is %llu bytes)",
		    (long long)st.st_size, (unsigned long long)cfg->pol.lim.file_bytes);
		return_file(udir, user, name, 1, ja, en);
		return 0;
	}
	if ((fd = openat(udir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		return -1;
	buf_init(&data, cfg->pol.lim.file_bytes);
	buf_init(&err, 1024);
	memset(&env, 0, sizeof env);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto out;
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || buf_append(&data, chunk, (size_t)n) < 0)
			goto out;	/* grew while we read: the next look */
	}
	spool_new_qid(env.qid);
	snprintf(rcpt[0], sizeof rcpt[0], "%s", user);
	env.rcpt = rcpt;
	env.nrcpt = 1;
	env.received = now_ms;
	snprintf(env.client, sizeof env.client, "transfer");
	snprintf(env.proto, sizeof env.proto, "TRANSFER");
	if (transfer_encode(user, name, env.transfer, sizeof env.transfer) < 0) {
		return_file(udir, user, name, 1, "ファイル名が長すぎます", "its name is too long");
		rc = 0;
		goto out;
	}
	if (spool_commit(sp, &env, data.data ? data.data : "", data.len, &err) != 0) {
		syslog(LOG_ERR, "transfer: %s/%s: cannot spool: %s", user, name, buf_str(&err));
		goto out;
	}
	/* spooled: now the drop folder may let go of it, if the name still
	 * holds the file that was read (else the new one is taken next time;
	 * this one is delivered once from the spool) */
	if (fstatat(udir, name, &again, AT_SYMLINK_NOFOLLOW) == 0 && again.st_ino == st.st_ino &&
	    again.st_dev == st.st_dev && again.st_size == st.st_size &&
	    again.st_mtim.tv_sec == st.st_mtim.tv_sec && again.st_mtim.tv_nsec == st.st_mtim.tv_nsec) {
		if (unlinkat(udir, name, 0) < 0)
			syslog(LOG_ERR, "transfer: %s/%s: spooled as %s but not removed: %s", user,
			    name, env.qid, strerror(errno));
		fsync(udir);
	}
	METRIC_ADD(transfer_taken, 1);
	syslog(LOG_INFO, "%s: transfer from %s/%s, %zu bytes", env.qid, user, name, data.len);
	rc = 0;
out:
	close(fd);
	buf_free(&data);
	buf_free(&err);
	return rc;
}

struct watches {
	int fd;
	int wd[WATCHES_MAX];
	char user[WATCHES_MAX][TRANSFER_USER_MAX];
	size_t n;
};

static void
watch_user(const struct config *cfg, struct watches *w, const char *user)
{
	char path[1024];
	size_t i;
	int wd;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->user[i], user) == 0)
			return;
	if (w->n == WATCHES_MAX)
		return;		/* the periodic look still finds its files */
	snprintf(path, sizeof path, "%s/%s", cfg->transfer_in_dir, user);
	if ((wd = inotify_add_watch(w->fd, path, IN_CLOSE_WRITE | IN_MOVED_TO | IN_ATTRIB |
	    IN_ONLYDIR | IN_DONT_FOLLOW)) < 0)
		return;
	w->wd[w->n] = wd;
	snprintf(w->user[w->n], sizeof w->user[w->n], "%s", user);
	w->n++;
}

/* One look through every user's folder.  Returns when to look again
 * (milliseconds from now) for files still settling, or -1. */
static long long
look(const struct config *cfg, struct spool *sp, struct watches *w, volatile int *stop)
{
	DIR *top;
	struct dirent *de;
	struct timespec ts;
	long long now, due = 0;
	size_t taken = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if ((top = opendir(cfg->transfer_in_dir)) == NULL) {
		syslog(LOG_ERR, "transfer: %s: %s", cfg->transfer_in_dir, strerror(errno));
		return -1;
	}
	while (!*stop && (de = readdir(top)) != NULL && taken < TRANSFER_SCAN_FILES_MAX) {
		DIR *ud;
		struct dirent *fe;
		int udir;

		if (!transfer_valid_user(de->d_name))
			continue;
		if ((udir = openat(dirfd(top), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC)) < 0)
			continue;
		watch_user(cfg, w, de->d_name);
		if ((ud = fdopendir(dup(udir))) == NULL) {
			close(udir);
			continue;
		}
		while (!*stop && (fe = readdir(ud)) != NULL && taken < TRANSFER_SCAN_FILES_MAX) {
			if (ignored_name(fe->d_name) || strcmp(fe->d_name, TRANSFER_RETURNED_DIR) == 0)
				continue;
			if (take(cfg, sp, udir, de->d_name, fe->d_name, now, &due) == 0)
				taken++;
		}
		closedir(ud);
		close(udir);
	}
	closedir(top);
	if (due == 0)
		return -1;
	return due - now > PENDING_LOOK_MS ? due - now : PENDING_LOOK_MS;
}

int
transfer_watch_run(const struct config *cfg, struct spool *sp, volatile int *stop)
{
	static struct watches w;
	char events[16384] __attribute__((aligned(__alignof__(struct inotify_event))));

	memset(&w, 0, sizeof w);
	if ((w.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
	    inotify_add_watch(w.fd, cfg->transfer_in_dir, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) < 0)
		syslog(LOG_WARNING, "transfer: no inotify on %s (%s): looking every %zu s",
		    cfg->transfer_in_dir, strerror(errno), cfg->transfer_scan_seconds);
	while (!*stop) {
		long long again = look(cfg, sp, &w, stop);
		long long wait = (long long)cfg->transfer_scan_seconds * 1000;
		struct pollfd pfd = { .fd = w.fd, .events = POLLIN };

		if (again >= 0 && again < wait)
			wait = again;
		if (*stop)
			break;
		if (w.fd >= 0 && poll(&pfd, 1, (int)wait) > 0) {
			/* something changed: drain, let a burst of writes finish, look */
			while (read(w.fd, events, sizeof events) > 0)
				;
		} else if (w.fd < 0)
			poll(NULL, 0, (int)wait);
	}
	if (w.fd >= 0)
		close(w.fd);
	return 0;
}

/* ---- the console's upload ---------------------------------------------- */

int
transfer_valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= TRANSFER_NAME_MAX || ignored_name(name) ||
	    strcmp(name, TRANSFER_RETURNED_DIR) == 0 ||
	    !utf8_valid((const unsigned char *)name, n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch < 0x20 || ch == 0x7f || ch == '/')
			return 0;
	}
	return 1;
}

int
transfer_put(const struct config *cfg, const char *user, const char *name, const void *p,
    size_t n, struct buf *taken, struct buf *err)
{
	static unsigned long seq;
	char tmp[64];
	struct buf stem;
	const char *dot, *ext;
	int top = -1, udir = -1, fd = -1, rc = -1;

	if (!transfer_valid_user(user) || !transfer_valid_name(name)) {
		buf_puts(err, "not a user's folder or a file name the drop folders take");
		return -1;
	}
	if ((top = open(cfg->transfer_in_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (mkdirat(top, user, 0750) < 0 && errno != EEXIST) ||
	    (udir = openat(top, user, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		buf_printf(err, "%s/%s: %s", cfg->transfer_in_dir, user, strerror(errno));
		goto out;
	}
	/* a hidden name while it is written: the watcher ignores it */
	snprintf(tmp, sizeof tmp, ".sekisho-upload-%ld-%lu.tmp", (long)getpid(),
	    __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
	if ((fd = openat(udir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) < 0 ||
	    write_all(fd, p, n) < 0 || fsync(fd) < 0) {
		buf_printf(err, "%s/%s: %s", cfg->transfer_in_dir, user, strerror(errno));
		goto out;
	}
	/* its own name, or NAME-2.ext ...: never over a file waiting there */
	buf_init(&stem, TRANSFER_NAME_MAX);
	buf_puts(&stem, name);
	ext = "";
	if ((dot = strrchr(name, '.')) != NULL && dot != name && strlen(dot) <= 6) {
		stem.data[stem.len = (size_t)(dot - name)] = '\0';
		ext = dot;
	}
	for (int k = 1; k <= TRANSFER_UNIQUE_MAX; k++) {
		buf_reset(taken);
		if (k == 1)
			buf_printf(taken, "%s%s", buf_str(&stem), ext);
		else
			buf_printf(taken, "%s-%d%s", buf_str(&stem), k, ext);
		if (taken->len >= TRANSFER_NAME_MAX)
			break;
		if (renameat2(udir, tmp, udir, buf_str(taken), RENAME_NOREPLACE) == 0) {
			rc = 0;
			break;
		}
		if (errno != EEXIST) {
			buf_printf(err, "%s/%s/%s: %s", cfg->transfer_in_dir, user, buf_str(taken),
			    strerror(errno));
			break;
		}
	}
	buf_free(&stem);
	if (rc != 0) {
		if (err->len == 0)
			buf_printf(err, "%s/%s: every name up to -%d is taken", user, name,
			    TRANSFER_UNIQUE_MAX);
		unlinkat(udir, tmp, 0);
	} else
		fsync(udir);
out:
	if (fd >= 0)
		close(fd);
	if (udir >= 0)
		close(udir);
	if (top >= 0)
		close(top);
	return rc;
}

/* ---- delivery --------------------------------------------------------- */

/* out/USER, made when missing. */
static int
user_out_dir(const struct config *cfg, const char *user, struct buf *err)
{
	int top, fd;

	if ((top = open(cfg->transfer_out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		buf_printf(err, "transfer_out_dir %s: %s", cfg->transfer_out_dir, strerror(errno));
		return -1;
	}
	if (mkdirat(top, user, 0750) < 0 && errno != EEXIST) {
		buf_printf(err, "%s/%s: %s", cfg->transfer_out_dir, user, strerror(errno));
		close(top);
		return -1;
	}
	fd = openat(top, user, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		buf_printf(err, "%s/%s: %s", cfg->transfer_out_dir, user, strerror(errno));
	close(top);
	return fd;
}

/* The first of STEM EXT, STEM-2 EXT, ... for which neither it nor its
 * receipt exists yet. */
static int
free_name(int dir, const char *stem, const char *ext, struct buf *name)
{
	int k;

	for (k = 1; k <= TRANSFER_UNIQUE_MAX; k++) {
		struct buf r;
		int taken;

		buf_reset(name);
		if (k == 1)
			buf_printf(name, "%s%s", stem, ext);
		else
			buf_printf(name, "%s-%d%s", stem, k, ext);
		buf_init(&r, TRANSFER_NAME_MAX + 64);
		buf_printf(&r, "%s.receipt.json", buf_str(name));
		taken = faccessat(dir, buf_str(name), F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
		    faccessat(dir, buf_str(&r), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
		buf_free(&r);
		if (!taken)
			return 0;
	}
	return -1;
}

/*
 * The folder out/USER (dir) and the name a transferred file takes there
 * (final): its own, the sanitised form's extension replacing its own
 * (a.docm -> a.docx), "-2" etc. when taken.  0, or -1 with the reason.
 */
static int
out_place(const struct config *cfg, const char *field, int sanitised, const char *ext,
    int *dir, char user[TRANSFER_USER_MAX], char name[TRANSFER_NAME_MAX], struct buf *final,
    struct buf *err)
{
	struct buf stem;
	const char *dot;
	int rc = 0;

	if (transfer_decode(field, user, name) < 0) {
		buf_printf(err, "a spooled transfer names no user and file: %.80s", field);
		return -1;
	}
	if ((*dir = user_out_dir(cfg, user, err)) < 0)
		return -1;
	buf_init(&stem, TRANSFER_NAME_MAX);
	buf_puts(&stem, name);
	if (sanitised && ext != NULL && (dot = strrchr(name, '.')) != NULL && dot != name &&
	    strlen(dot) <= 6)
		stem.data[stem.len = (size_t)(dot - name)] = '\0';
	if (!sanitised || ext == NULL)
		ext = "";
	if (free_name(*dir, buf_str(&stem), ext, final) < 0) {
		buf_printf(err, "%s/%s: every name up to -%d is taken", user, name,
		    TRANSFER_UNIQUE_MAX);
		close(*dir);
		*dir = -1;
		rc = -1;
	}
	buf_free(&stem);
	return rc;
}

int
transfer_deliver(const struct config *cfg, const char *field, int sanitised,
    const char *ext, const struct buf *out, const struct buf *notice,
    const struct buf *receipt, struct buf *err)
{
	char user[TRANSFER_USER_MAX], name[TRANSFER_NAME_MAX];
	struct buf final, side;
	int dir, rc = -1;

	buf_init(&final, TRANSFER_NAME_MAX + 32);
	if (out_place(cfg, field, sanitised, ext, &dir, user, name, &final, err) < 0) {
		buf_free(&final);
		return -1;
	}
	buf_init(&side, TRANSFER_NAME_MAX + 64);
	if (sanitised) {
		if (write_at(dir, buf_str(&final), out->data ? out->data : "", out->len) < 0)
			goto io;
	} else {
		buf_printf(&side, "%s.保留.txt", buf_str(&final));
		if (write_at(dir, buf_str(&side), notice->data ? notice->data : "", notice->len) < 0)
			goto io;
	}
	buf_reset(&side);
	buf_printf(&side, "%s.receipt.json", buf_str(&final));
	if (write_at(dir, buf_str(&side), receipt->data ? receipt->data : "", receipt->len) < 0)
		goto io;
	if (fsync(dir) < 0)
		goto io;
	rc = 0;
	goto out;
io:
	buf_printf(err, "%s/%s/%s: %s", cfg->transfer_out_dir, user, buf_str(&final),
	    strerror(errno));
out:
	close(dir);
	buf_free(&final);
	buf_free(&side);
	return rc;
}

/* out/TRANSFER_HOLD_DIR/ID, made when make is set. */
static int
hold_dir(const struct config *cfg, const char *id, int make, struct buf *err)
{
	int top, hd = -1, fd = -1;

	if (id[0] == '\0' || id[0] == '.' || strchr(id, '/') != NULL) {
		buf_printf(err, "not a receipt id: %.80s", id);
		return -1;
	}
	if ((top = open(cfg->transfer_out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (make && mkdirat(top, TRANSFER_HOLD_DIR, 0700) < 0 && errno != EEXIST) ||
	    (hd = openat(top, TRANSFER_HOLD_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0 || (make && mkdirat(hd, id, 0700) < 0 && errno != EEXIST) ||
	    (fd = openat(hd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		buf_printf(err, "%s/%s/%s: %s", cfg->transfer_out_dir, TRANSFER_HOLD_DIR, id,
		    strerror(errno));
	if (hd >= 0)
		close(hd);
	if (top >= 0)
		close(top);
	return fd;
}

int
transfer_hold(const struct config *cfg, const char *field, const char *id, const char *ext,
    const struct buf *out, const struct buf *notice, const struct buf *receipt,
    struct buf *err)
{
	char user[TRANSFER_USER_MAX], name[TRANSFER_NAME_MAX];
	struct buf final, side;
	int dir, hd, rc = -1;

	buf_init(&final, TRANSFER_NAME_MAX + 32);
	if (out_place(cfg, field, 1, ext, &dir, user, name, &final, err) < 0) {
		buf_free(&final);
		return -1;
	}
	buf_init(&side, TRANSFER_NAME_MAX + 64);
	if ((hd = hold_dir(cfg, id, 1, err)) < 0)
		goto out;
	/* the sanitised bytes first, out of the user's sight; then the
	 * receipt (it keeps the name) and the note in the user's folder */
	if (write_at(hd, buf_str(&final), out->data ? out->data : "", out->len) < 0 ||
	    fsync(hd) < 0)
		goto io;
	buf_printf(&side, "%s.receipt.json", buf_str(&final));
	if (write_at(dir, buf_str(&side), receipt->data ? receipt->data : "", receipt->len) < 0)
		goto io;
	buf_reset(&side);
	buf_printf(&side, "%s%s", buf_str(&final), TRANSFER_AWAITING_SUFFIX);
	if (write_at(dir, buf_str(&side), notice->data ? notice->data : "", notice->len) < 0 ||
	    fsync(dir) < 0)
		goto io;
	rc = 0;
	goto out;
io:
	buf_printf(err, "%s/%s/%s: %s", cfg->transfer_out_dir, user, buf_str(&final),
	    strerror(errno));
out:
	if (hd >= 0)
		close(hd);
	close(dir);
	buf_free(&final);
	buf_free(&side);
	return rc;
}

int
transfer_release_held(const struct config *cfg, const char *user, const char *id,
    struct buf *err)
{
	struct buf note, name;
	DIR *d = NULL;
	struct dirent *e;
	int hd, dir = -1, top = -1, rc = -1, dfd;

	if (!transfer_valid_user(user)) {
		buf_printf(err, "%s: not a transfer folder's user: %.80s", id, user);
		return -1;
	}
	if ((hd = hold_dir(cfg, id, 0, err)) < 0)
		return -1;
	if ((dir = user_out_dir(cfg, user, err)) < 0) {
		close(hd);
		return -1;
	}
	buf_init(&note, TRANSFER_NAME_MAX + 64);
	buf_init(&name, TRANSFER_NAME_MAX + 32);
	if ((dfd = dup(hd)) < 0 || (d = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			close(dfd);
		buf_printf(err, "%s: %s", id, strerror(errno));
		goto out;
	}
	/* the one file the agent left there (a temporary one of a write
	 * killed half-way starts with a dot) */
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.' && strlen(e->d_name) < TRANSFER_NAME_MAX) {
			buf_puts(&name, e->d_name);
			break;
		}
	}
	if (name.len == 0) {
		buf_printf(err, "%s/%s/%s: no file waits there", cfg->transfer_out_dir,
		    TRANSFER_HOLD_DIR, id);
		goto out;
	}
	/* never over a file the user put there meanwhile */
	if (renameat2(hd, buf_str(&name), dir, buf_str(&name), RENAME_NOREPLACE) < 0) {
		buf_printf(err, "%s/%s/%s: %s", cfg->transfer_out_dir, user, buf_str(&name),
		    strerror(errno));
		goto out;
	}
	buf_printf(&note, "%s%s", buf_str(&name), TRANSFER_AWAITING_SUFFIX);
	if ((unlinkat(dir, buf_str(&note), 0) < 0 && errno != ENOENT) || fsync(dir) < 0) {
		buf_printf(err, "%s/%s/%s: %s", cfg->transfer_out_dir, user, buf_str(&note),
		    strerror(errno));
		goto out;
	}
	/* the empty folder of the receipt id goes; nothing depends on it */
	if ((top = open(cfg->transfer_out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		int hdd = openat(top, TRANSFER_HOLD_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);

		if (hdd >= 0) {
			unlinkat(hdd, id, AT_REMOVEDIR);
			close(hdd);
		}
		close(top);
	}
	rc = 0;
out:
	if (d != NULL)
		closedir(d);
	close(hd);
	close(dir);
	buf_free(&note);
	buf_free(&name);
	return rc;
}

void
transfer_awaiting_notice(const struct config *cfg, const char *name, const char *id,
    struct buf *out)
{
	buf_printf(out, "sekisho: 「%s」は無害化しました。届ける前に承認が必要です。\n"
	    "職員コンソールで受付番号 %s を開き、配送を依頼してください。承認されると、"
	    "このフォルダに届きます。\n", name, id);
	if (cfg->pol.console_url[0] != '\0')
		notice_console_link(cfg->pol.console_url, id, LANG_JA, out);
	buf_printf(out, "\nsekisho: \"%s\" was made harmless; it needs an approval before it is "
	    "delivered.\nOpen receipt %s in the staff console and ask for it; once approved, it "
	    "arrives in this folder.\n", name, id);
	if (cfg->pol.console_url[0] != '\0')
		notice_console_link(cfg->pol.console_url, id, LANG_EN, out);
}

void
transfer_withheld_notice(const struct config *cfg, const char *name, const char *id,
    const char *reason, struct buf *out)
{
	buf_printf(out, "sekisho: 「%s」は無害化できなかったため、届けていません。\n", name);
	buf_puts(out, "理由: ");
	notice_withheld_reason_text(reason, LANG_JA, out);
	buf_printf(out, "\n受付番号: %s\n原本は隔離して保管しています。", id);
	if (cfg->pol.console_url[0] != '\0') {
		buf_puts(out, "\n");
		notice_console_link(cfg->pol.console_url, id, LANG_JA, out);
	} else
		buf_puts(out, "必要な場合は、受付番号を添えて情報システム担当へご連絡ください。\n");
	buf_printf(out, "\nsekisho: \"%s\" could not be made harmless and was not delivered.\n"
	    "Reason: ", name);
	notice_withheld_reason_text(reason, LANG_EN, out);
	buf_printf(out, "\nReceipt: %s\nThe original is kept in quarantine.", id);
	if (cfg->pol.console_url[0] != '\0') {
		buf_puts(out, "\n");
		notice_console_link(cfg->pol.console_url, id, LANG_EN, out);
	} else
		buf_puts(out, " Ask the IT staff for it with the receipt number.\n");
}

void
transfer_leaving_note(const struct config *cfg, const char *name, const char *id,
    int held, const char *reason, struct buf *out)
{
	buf_printf(out, "%s「%s」はインターネット側へ送っていません。\n理由: %s\n受付番号: %s\n",
	    held ? "【送信保留】" : "【送信却下】", name, notice_reason_text(reason, LANG_JA), id);
	if (held)
		buf_puts(out, "職員コンソールで内容を確認し、承認を依頼するか取り消してください。"
		    "承認されると送られます。\n");
	else
		buf_puts(out, "このファイルは送れません。必要な場合は情報システム担当へご相談ください。\n");
	if (cfg->pol.console_url[0] != '\0')
		notice_console_link(cfg->pol.console_url, id, LANG_JA, out);
	buf_printf(out, "\n%s \"%s\" was not sent to the internet side.\nReason: %s\n"
	    "Receipt: %s\n%s", held ? "[held]" : "[refused]", name,
	    notice_reason_text(reason, LANG_EN), id, held ? "Review it in the staff console, "
	    "then ask for approval or recall it; once approved it is sent.\n" :
	    "This file cannot be sent; ask the IT staff if it must be.\n");
	if (cfg->pol.console_url[0] != '\0')
		notice_console_link(cfg->pol.console_url, id, LANG_EN, out);
}

int
transfer_note(const struct config *cfg, const char *field, int held, const struct buf *note,
    struct buf *err)
{
	char user[TRANSFER_USER_MAX], name[TRANSFER_NAME_MAX];
	struct buf nn;
	int top, udir = -1, rdir = -1, rc = -1;

	if (transfer_decode(field, user, name) < 0) {
		buf_printf(err, "a spooled transfer names no user and file: %.80s", field);
		return -1;
	}
	buf_init(&nn, TRANSFER_NAME_MAX + 64);
	buf_printf(&nn, "%s.%s.txt", name, held ? "送信保留" : "送信却下");
	if ((top = open(cfg->transfer_in_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (udir = openat(top, user, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (mkdirat(udir, TRANSFER_RETURNED_DIR, 0750) < 0 && errno != EEXIST) ||
	    (rdir = openat(udir, TRANSFER_RETURNED_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0 || write_at(rdir, buf_str(&nn), note->data ? note->data : "",
	    note->len) < 0)
		buf_printf(err, "%s/%s/%s: %s", cfg->transfer_in_dir, user, buf_str(&nn),
		    strerror(errno));
	else
		rc = 0;
	if (rdir >= 0)
		close(rdir);
	if (udir >= 0)
		close(udir);
	if (top >= 0)
		close(top);
	buf_free(&nn);
	return rc;
}
