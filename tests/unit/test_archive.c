/*
 * test_archive - the archive repacker (src/cdr/archive.c) through
 * cdr_sanitize(), on archives generated here (libarchive's writer) and on
 * the files in tests/corpus/files/archive/ (tests/files/gen_archives.py and
 * real samples, see SOURCES.md there).
 *
 * The repacked zip is checked by independent inspection: its central
 * directory is parsed here (not by libarchive, which wrote it) for names and
 * the UTF-8 flag, and member data is read back with libarchive's reader.
 * Checks of kept members need the text sanitiser (a text file becomes UTF-8
 * text): the setup fails at once if it does not work, rather than letting
 * those checks go quiet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdr/archive.h"
#include "cdr/cdr.h"
#include "core/buf.h"
#include "policy/config.h"
#include "text/charset.h"

#define OUT_MAX (64u * 1024 * 1024)

static struct policy pol;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* tests/corpus/files/archive/<name>, found from this file's path. */
static void
load(const char *name, struct buf *b)
{
	char path[4096];
	const char *env = getenv("SEKISHO_TEST_ARCHIVES");
	const char *slash = strrchr(__FILE__, '/');
	FILE *f;
	char chunk[65536];
	size_t n;

	if (env != NULL)
		snprintf(path, sizeof path, "%s/%s", env, name);
	else
		snprintf(path, sizeof path, "%.*s/../corpus/files/archive/%s",
		    slash != NULL ? (int)(slash - __FILE__) : 1, slash != NULL ? __FILE__ : ".",
		    name);
	buf_init(b, 64u * 1024 * 1024);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(buf_append(b, chunk, n), 0);
	fclose(f);
}

/* A .gz from the corpus, unpacked (the bombs are stored compressed). */
static void
load_gunzip(const char *name, struct buf *b)
{
	struct buf gz;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char chunk[65536];
	la_ssize_t n;

	load(name, &gz);
	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	assert_int_equal(archive_read_open_memory(a, gz.data, gz.len), ARCHIVE_OK);
	assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
	buf_init(b, 16u * 1024 * 1024);
	while ((n = archive_read_data(a, chunk, sizeof chunk)) > 0)
		assert_int_equal(buf_append(b, chunk, (size_t)n), 0);
	assert_true(n == 0);
	archive_read_free(a);
	buf_free(&gz);
}

static int
run(const char *name, const struct buf *in, struct buf *out, struct cdr_result *r)
{
	struct cdr_ctx c = { .pol = &pol };

	memset(r, 0, sizeof *r);
	buf_init(out, OUT_MAX);
	return cdr_sanitize(&c, name, (const unsigned char *)in->data, in->len, out, r);
}

static const struct cdr_removal *
removed(const struct cdr_result *r, const char *what)
{
	return cdr_removal_find(r, what);
}

static void
assert_removed(const struct cdr_result *r, const char *what, size_t count, const char *name)
{
	const struct cdr_removal *e = removed(r, what);

	if (e == NULL)
		fail_msg("nothing removed as %s", what);
	if (count > 0)
		assert_int_equal(e->count, count);
	if (name != NULL && strstr(e->names, name) == NULL)
		fail_msg("%s: \"%s\" not in \"%s\"", what, name, e->names);
}

/*
 * Independent reading of a zip's central directory: the names (NUL
 * separated into names) and the general-purpose flags of every entry.
 */
static size_t
zip_entries(const struct buf *z, char *names, size_t namesz, unsigned *flags, size_t max)
{
	const unsigned char *p = (const unsigned char *)z->data;
	size_t i, off, count, used = 0;

	assert_true(z->len >= 22);
	for (i = z->len - 22;; i--) {
		if (memcmp(p + i, "PK\005\006", 4) == 0)
			break;
		assert_true(i > 0);
	}
	count = p[i + 10] | (size_t)p[i + 11] << 8;
	off = p[i + 16] | (size_t)p[i + 17] << 8 | (size_t)p[i + 18] << 16 |
	    (size_t)p[i + 19] << 24;
	assert_true(count <= max);
	for (i = 0; i < count; i++) {
		size_t nlen, xlen, clen;

		assert_true(off + 46 <= z->len);
		assert_memory_equal(p + off, "PK\001\002", 4);
		flags[i] = p[off + 8] | (unsigned)p[off + 9] << 8;
		nlen = p[off + 28] | (size_t)p[off + 29] << 8;
		xlen = p[off + 30] | (size_t)p[off + 31] << 8;
		clen = p[off + 32] | (size_t)p[off + 33] << 8;
		assert_true(off + 46 + nlen <= z->len && used + nlen + 1 <= namesz);
		memcpy(names + used, p + off + 46, nlen);
		names[used + nlen] = '\0';
		used += nlen + 1;
		off += 46 + nlen + xlen + clen;
	}
	return count;
}

/* Every output name: valid UTF-8, relative, no "..", no backslash; bit 11 if not ASCII. */
static size_t
check_zip_names(const struct buf *z, char *names, size_t namesz)
{
	unsigned flags[64];
	size_t n = zip_entries(z, names, namesz, flags, 64);
	const char *s = names;

	for (size_t i = 0; i < n; i++, s += strlen(s) + 1) {
		int ascii = 1;

		assert_true(utf8_valid((const unsigned char *)s, strlen(s)));
		assert_true(s[0] != '/' && strstr(s, "..") == NULL && strchr(s, '\\') == NULL &&
		    strchr(s, ':') == NULL);
		for (const char *q = s; *q != '\0'; q++)
			if ((unsigned char)*q >= 0x80)
				ascii = 0;
		if (!ascii)
			assert_true(flags[i] & 0x800);
	}
	return n;
}

/* A member's data read back from the output with libarchive. */
static void
zip_member(const struct buf *z, const char *name, struct buf *data)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char chunk[4096];
	la_ssize_t n;
	int found = 0;
	/* libarchive gives UTF-8 names only under a UTF-8 locale */
	locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0), old;

	assert_true(loc != (locale_t)0);
	old = uselocale(loc);

	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_memory(a, z->data, z->len), ARCHIVE_OK);
	buf_init(data, 1u << 20);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (strcmp(archive_entry_pathname(e), name) != 0)
			continue;
		found = 1;
		while ((n = archive_read_data(a, chunk, sizeof chunk)) > 0)
			buf_append(data, chunk, (size_t)n);
	}
	archive_read_free(a);
	uselocale(old);
	freelocale(loc);
	if (!found)
		fail_msg("%s is not in the output", name);
}

static la_ssize_t
append_cb(struct archive *a, void *arg, const void *p, size_t n)
{
	(void)a;
	return buf_append(arg, p, n) == 0 ? (la_ssize_t)n : -1;
}

/* A zip written here with libarchive's writer: n members of size bytes each. */
static void
make_zip(struct buf *b, size_t n, size_t size, const char *prefix)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	char *data = malloc(size + 1);

	assert_non_null(data);
	for (size_t i = 0; i < size; i++)	/* text that does not compress 100:1 */
		data[i] = (char)(i % 61 == 60 ? '\n' : 'a' + (i * 7919 + i / 61) % 26);
	buf_init(b, 256u * 1024 * 1024);
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
	assert_int_equal(archive_write_open2(a, b, NULL, append_cb, NULL, NULL), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		char name[64];

		snprintf(name, sizeof name, "%s%02zu.txt", prefix, i);
		archive_entry_clear(e);
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)size);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, data, size), (la_ssize_t)size);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
	free(data);
}

static int
setup(void **state)
{
	struct cdr_result r;
	struct buf in, out;
	char err[256];

	(void)state;
	policy_defaults(&pol);
	charset_init();
	if (cdr_init(&pol, err, sizeof err) != 0)
		fail_msg("cdr_init: %s", err);
	if (cdr_archive_init(err, sizeof err) != 0)
		fail_msg("cdr_archive_init: %s", err);
	buf_init(&in, 64);
	buf_puts(&in, "hello, world\n");
	if (run("probe.txt", &in, &out, &r) != CDR_OK)
		fail_msg("the text sanitiser does not keep a plain text file (%s): every check "
		    "of a kept archive member depends on it", r.reason);
	buf_free(&in);
	buf_free(&out);
	return 0;
}

static void
reset_limits(void)
{
	policy_defaults(&pol);
}

/* --- limits ---------------------------------------------------------------- */

static void
test_depth_64(void **state)
{
	struct cdr_result r;
	struct buf in, out;
	double t0;

	(void)state;
	load("deep-64.zip", &in);
	t0 = now_s();
	assert_int_equal(run("deep-64.zip", &in, &out, &r), CDR_WITHHELD);
	assert_true(now_s() - t0 < 2.0);
	assert_string_equal(r.limit_name, "archive_depth_limit");
	assert_int_equal(out.len, 0);
	buf_free(&in);
	buf_free(&out);
	/* droste.zip contains itself */
	load("droste.zip", &in);
	assert_int_equal(run("droste.zip", &in, &out, &r), CDR_WITHHELD);
	assert_string_equal(r.limit_name, "archive_depth_limit");
	buf_free(&in);
	buf_free(&out);
}

static void
test_bomb_ratio(void **state)
{
	struct cdr_result r;
	struct buf in, out;
	double t0;

	(void)state;
	load_gunzip("bomb-1g.zip.gz", &in);	/* 1 GiB of zeros in one member */
	t0 = now_s();
	assert_int_equal(run("bomb.zip", &in, &out, &r), CDR_WITHHELD);
	assert_true(now_s() - t0 < 2.0);
	assert_string_equal(r.reason, "archive_ratio_limit");
	assert_string_equal(r.limit_name, "archive_ratio_limit");
	assert_int_equal(r.limit_value, 100);
	assert_int_equal(out.len, 0);
	buf_free(&out);

	/* without the ratio limit, the member size limit stops it */
	pol.lim.archive_ratio = 100000;
	pol.lim.archive_entry_bytes = 32u * 1024 * 1024;
	assert_int_equal(run("bomb.zip", &in, &out, &r), CDR_WITHHELD);
	assert_string_equal(r.limit_name, "archive_entry_size_limit");
	buf_free(&out);
	/* and without that, the total */
	pol.lim.archive_entry_bytes = 2048u * 1024 * 1024;
	pol.lim.archive_total = 48u * 1024 * 1024;
	assert_int_equal(run("bomb.zip", &in, &out, &r), CDR_WITHHELD);
	assert_string_equal(r.limit_name, "archive_total_size_limit");
	reset_limits();
	buf_free(&in);
	buf_free(&out);
}

static void
test_overlap_bomb(void **state)
{
	struct cdr_result r;
	struct buf in, out;
	double t0;

	(void)state;
	load_gunzip("overlap-1000.zip.gz", &in);	/* 1000 entries, one 1 GiB member */
	t0 = now_s();
	assert_int_equal(run("overlap.zip", &in, &out, &r), CDR_WITHHELD);
	assert_true(now_s() - t0 < 5.0);
	assert_true(strncmp(r.limit_name, "archive_", 8) == 0);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	pol.lim.archive_ratio = 100000;
	pol.lim.archive_entry_bytes = 16u * 1024 * 1024;
	t0 = now_s();
	assert_int_equal(run("overlap.zip", &in, &out, &r), CDR_WITHHELD);
	assert_true(now_s() - t0 < 5.0);
	assert_string_equal(r.limit_name, "archive_entry_size_limit");
	reset_limits();
	buf_free(&in);
	buf_free(&out);
}

static void
test_ratio_nested_tgz(void **state)
{
	struct cdr_result r;
	struct buf in, out;

	(void)state;
	load("TIKA-216.tgz", &in);	/* Tika's own bomb test: a tgz inside a tgz */
	assert_int_equal(run("TIKA-216.tgz", &in, &out, &r), CDR_WITHHELD);
	assert_string_equal(r.limit_name, "archive_ratio_limit");
	buf_free(&in);
	buf_free(&out);
}

static void
test_entry_limit(void **state)
{
	struct cdr_result r;
	struct buf in, out;

	(void)state;
	make_zip(&in, 20, 10, "m");
	pol.lim.archive_entries = 10;
	assert_int_equal(run("many.zip", &in, &out, &r), CDR_WITHHELD);
	assert_string_equal(r.limit_name, "archive_entry_limit");
	assert_int_equal(r.limit_value, 10);
	assert_int_equal(out.len, 0);
	reset_limits();
	buf_free(&in);
	buf_free(&out);
}

static void
test_total_limit(void **state)
{
	struct cdr_result r;
	struct buf in, out;

	(void)state;
	make_zip(&in, 3, 600u * 1024, "big");
	pol.lim.archive_total = 1024u * 1024;
	assert_int_equal(run("big.zip", &in, &out, &r), CDR_WITHHELD);
	assert_string_equal(r.limit_name, "archive_total_size_limit");
	assert_int_equal(r.limit_value, 1024u * 1024);
	buf_free(&out);
	/* one member larger than the member limit */
	reset_limits();
	pol.lim.archive_entry_bytes = 512u * 1024;
	assert_int_equal(run("big.zip", &in, &out, &r), CDR_WITHHELD);
	assert_string_equal(r.limit_name, "archive_entry_size_limit");
	reset_limits();
	buf_free(&in);
	buf_free(&out);
}

static void
test_output_limit(void **state)
{
	struct cdr_ctx c = { .pol = &pol };
	struct cdr_result r;
	struct buf in, out;

	(void)state;
	make_zip(&in, 3, 4096, "t");
	memset(&r, 0, sizeof r);
	buf_init(&out, 300);	/* the caller's output ceiling */
	assert_int_equal(cdr_sanitize(&c, "t.zip", (const unsigned char *)in.data, in.len, &out,
	    &r), CDR_WITHHELD);
	assert_string_equal(r.limit_name, "file_output_size_limit");
	assert_int_equal(out.len, 0);
	buf_free(&in);
	buf_free(&out);
}

/* --- encryption ------------------------------------------------------------ */

static void
test_encrypted(void **state)
{
	static const char *const files[] = {
		"ppap.zip", "ppap-data.7z", "ppap-headers.7z", "testZipEncrypted.zip",
		"full_encrypted.7z", "test7Z_protected_passTika.7z", "issue_185.rtf.zip",
	};
	struct cdr_result r;
	struct buf in, out;

	(void)state;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		load(files[i], &in);
		if (run(files[i], &in, &out, &r) != CDR_WITHHELD)
			fail_msg("%s was not withheld", files[i]);
		if (strcmp(r.reason, "encrypted") != 0)
			fail_msg("%s: reason %s (%s)", files[i], r.reason, r.detail);
		assert_int_equal(out.len, 0);
		buf_free(&in);
		buf_free(&out);
	}
}

/* --- members and names ----------------------------------------------------- */

static void
test_executables_only(void **state)
{
	struct cdr_result r;
	struct buf in, out;

	(void)state;
	load("exe-only.zip", &in);
	assert_int_equal(run("exe-only.zip", &in, &out, &r), CDR_WITHHELD);
	assert_string_equal(r.reason, "empty-archive");
	assert_non_null(strstr(r.detail, "setup.exe"));
	assert_removed(&r, "member", 2, "setup.exe (executable)");
	assert_removed(&r, "member", 2, "run.bat (executable)");
	buf_free(&in);
	buf_free(&out);
}

static void
test_unsafe_names(void **state)
{
	char names[4096];
	struct cdr_result r;
	struct buf in, out;
	int rc;

	(void)state;
	load("traversal.zip", &in);
	rc = run("traversal.zip", &in, &out, &r);
	assert_removed(&r, "unsafe-name", 11, "../../../../tmp/evil.txt ('..' in path)");
	assert_removed(&r, "unsafe-name", 11, "/etc/evil_abs.txt (absolute path)");
	assert_removed(&r, "unsafe-name", 11, "C:/evil.txt (drive letter)");
	assert_removed(&r, "unsafe-name", 11, "invoice[U+202E]txt.exe (bidi control in name)");
	assert_removed(&r, "unsafe-name", 11, "CON (Windows device name)");
	assert_removed(&r, "unsafe-name", 11, "aux.txt (Windows device name)");
	assert_removed(&r, "link", 1, "link-to-etc");
	assert_int_equal(rc, CDR_OK);
	assert_int_equal(check_zip_names(&out, names, sizeof names), 1);
	assert_string_equal(names, "good.txt");
	assert_int_equal(r.pages, 1);
	buf_free(&in);
	buf_free(&out);

	load("links.tar", &in);
	rc = run("links.tar", &in, &out, &r);
	assert_removed(&r, "link", 2, "sym");
	assert_removed(&r, "link", 2, "hard");
	assert_removed(&r, "special-file", 2, "fifo");
	assert_removed(&r, "unsafe-name", 2, "/etc/evil_abs.txt");
	assert_int_equal(rc, CDR_OK);
	assert_int_equal(check_zip_names(&out, names, sizeof names), 2);
	assert_string_equal(names, "good.txt");
	assert_string_equal(names + strlen(names) + 1, "日本語/文書.txt");
	buf_free(&in);
	buf_free(&out);
}

static void
test_cp932_names(void **state)
{
	char names[1024];
	struct cdr_result r;
	struct buf in, out, data;
	int rc;

	(void)state;
	load("cp932.zip", &in);	/* names in CP932, the UTF-8 flag not set */
	rc = run("cp932.zip", &in, &out, &r);
	assert_int_equal(rc, CDR_OK);
	assert_string_equal(r.out_type, "application/zip");
	assert_string_equal(r.out_ext, ".zip");
	assert_string_equal(r.method, "repack");
	assert_int_equal(r.pages, 2);
	assert_int_equal(check_zip_names(&out, names, sizeof names), 2);
	assert_string_equal(names, "報告書.txt");
	assert_string_equal(names + strlen(names) + 1, "資料/議事録.txt");
	zip_member(&out, "報告書.txt", &data);
	assert_non_null(strstr(buf_str(&data), "関所のテストです"));
	buf_free(&data);
	buf_free(&in);
	buf_free(&out);
}

/* Every format reads: repacked when text works, else empty (never damaged). */
static void
test_formats(void **state)
{
	static const struct { const char *file, *member; } t[] = {
		{ "plain.zip", "報告書.txt" }, { "docs.tar.gz", "docs/報告書.txt" },
		{ "docs.tar.bz2", "docs/報告書.txt" }, { "docs.tar.xz", "docs/報告書.txt" },
		{ "docs.7z", "report.txt" }, { "docs.lzh", "report.txt" },
		{ "docs.cab", "report.txt" }, { "memo.txt.gz", "memo.txt" },
		{ "memo.txt.bz2", "data.txt" }, { "memo.txt.xz", "data.txt" },
		{ "test-documents.zip", "testTXT.txt" },
		{ "test-documents.7z", "test-documents/testTXT.txt" },
		{ "test-documents.tgz", "test-documents/testTXT.txt" },
		{ "test-documents.cab", "testTXT.txt" },
		{ "test-documents.rar", "test-documents/testTXT.txt" },
	};
	char names[4096];
	struct cdr_result r;
	struct buf in, out, data;

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int rc;

		load(t[i].file, &in);
		rc = run(t[i].file, &in, &out, &r);
		assert_string_equal(r.kind, "archive");
		if (rc != CDR_OK)
			fail_msg("%s: %s (%s)", t[i].file, r.reason, r.detail);
		assert_true(check_zip_names(&out, names, sizeof names) >= 1);
		assert_int_equal(r.pages, check_zip_names(&out, names, sizeof names));
		zip_member(&out, t[i].member, &data);
		assert_true(data.len > 0);
		assert_true(utf8_valid((const unsigned char *)data.data, data.len));
		buf_free(&data);
		buf_free(&in);
		buf_free(&out);
	}
}

static void
test_nested_removals(void **state)
{
	char names[1024];
	struct cdr_result r;
	struct buf in, out;
	int rc;

	(void)state;
	load("nested.zip", &in);
	rc = run("nested.zip", &in, &out, &r);
	assert_removed(&r, "member", 0, "inner.zip: evil.exe (executable)");
	assert_int_equal(rc, CDR_OK);
	assert_int_equal(check_zip_names(&out, names, sizeof names), 2);
	assert_string_equal(names, "inner.zip");
	buf_free(&in);
	buf_free(&out);
	load("plain.zip", &in);
	rc = run("plain.zip", &in, &out, &r);
	assert_removed(&r, "member", 1, "tool.exe (executable)");
	buf_free(&in);
	buf_free(&out);
}

static void
test_duplicate_names(void **state)
{
	char names[1024];
	struct cdr_result r;
	struct buf in, out;
	const char *s;

	(void)state;
	load("dup.zip", &in);
	assert_int_equal(run("dup.zip", &in, &out, &r), CDR_OK);
	assert_int_equal(check_zip_names(&out, names, sizeof names), 3);
	s = names;
	assert_string_equal(s, "A.txt");
	s += strlen(s) + 1;
	assert_string_equal(s, "a (2).txt");
	s += strlen(s) + 1;
	assert_string_equal(s, "a (3).TXT");
	buf_free(&in);
	buf_free(&out);
}

static void
test_not_an_archive(void **state)
{
	struct cdr_ctx c = { .pol = &pol };
	struct cdr_result r;
	struct buf out;
	static const unsigned char junk[] = "PK\003\004 this is not really a zip at all";
	static const unsigned char gz[] = "\037\213\010\000garbage";

	(void)state;
	buf_init(&out, OUT_MAX);
	memset(&r, 0, sizeof r);
	assert_int_equal(cdr_archive(&c, junk, sizeof junk - 1, &out, &r), CDR_WITHHELD);
	assert_int_equal(out.len, 0);
	assert_true(r.reason[0] != '\0');
	memset(&r, 0, sizeof r);
	assert_int_equal(cdr_archive(&c, gz, sizeof gz - 1, &out, &r), CDR_WITHHELD);
	assert_int_equal(out.len, 0);
	memset(&r, 0, sizeof r);
	assert_int_equal(cdr_archive(&c, (const unsigned char *)"plain text\n", 11, &out, &r),
	    CDR_WITHHELD);
	assert_string_equal(r.reason, "unsupported-format");
	assert_null(c.archive_entries);	/* the running totals are not left dangling */
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_depth_64),
		cmocka_unit_test(test_bomb_ratio),
		cmocka_unit_test(test_overlap_bomb),
		cmocka_unit_test(test_ratio_nested_tgz),
		cmocka_unit_test(test_entry_limit),
		cmocka_unit_test(test_total_limit),
		cmocka_unit_test(test_output_limit),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_executables_only),
		cmocka_unit_test(test_unsafe_names),
		cmocka_unit_test(test_cp932_names),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_nested_removals),
		cmocka_unit_test(test_duplicate_names),
		cmocka_unit_test(test_not_an_archive),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
