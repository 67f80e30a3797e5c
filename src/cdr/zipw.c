/*
 * zipw - write a new zip file into a bounded buffer (libarchive).
 * See zipw.h.  The timestamp of every member is 1980-01-01 (the zip epoch).
 */
#include "cdr/zipw.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define ZIP_EPOCH 315532800	/* 1980-01-01T00:00:00Z */

struct zipw {
	struct archive *a;
	struct archive_entry *e;
	struct buf *out;
	int full;
	char err[256];
};

static la_ssize_t
write_cb(struct archive *a, void *arg, const void *p, size_t n)
{
	struct zipw *z = arg;

	(void)a;
	if (buf_append(z->out, p, n) != 0) {
		z->full = 1;
		return -1;
	}
	return (la_ssize_t)n;
}

static int
fail(struct zipw *z)
{
	const char *m = z->full ? "output size limit reached" : archive_error_string(z->a);

	if (z->err[0] == '\0')
		snprintf(z->err, sizeof z->err, "%s", m != NULL ? m : "zip writer failed");
	return -1;
}

struct zipw *
zipw_open(struct buf *out)
{
	struct zipw *z = xcalloc(1, sizeof *z);

	z->out = out;
	if ((z->a = archive_write_new()) == NULL || (z->e = archive_entry_new()) == NULL)
		die("libarchive: out of memory");
	if (archive_write_set_format_zip(z->a) != ARCHIVE_OK ||
	    archive_write_set_options(z->a, "zip:hdrcharset=UTF-8") != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(z->a, 1) != ARCHIVE_OK ||
	    archive_write_open2(z->a, z, NULL, write_cb, NULL, NULL) != ARCHIVE_OK) {
		fail(z);
		return z;	/* every later call fails with z->err */
	}
	return z;
}

static int
add_entry(struct zipw *z, const char *name, const void *data, size_t len, int deflate,
    int is_dir)
{
	if (z->err[0] != '\0')
		return -1;
	archive_entry_clear(z->e);
	archive_entry_set_pathname_utf8(z->e, name);
	archive_entry_set_filetype(z->e, is_dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(z->e, is_dir ? 0755 : 0644);
	archive_entry_set_mtime(z->e, ZIP_EPOCH, 0);
	archive_entry_set_size(z->e, is_dir ? 0 : (la_int64_t)len);
	/* per entry: options can only be set before the archive is opened */
	if ((deflate ? archive_write_zip_set_compression_deflate(z->a) :
	    archive_write_zip_set_compression_store(z->a)) != ARCHIVE_OK)
		return fail(z);
	if (archive_write_header(z->a, z->e) != ARCHIVE_OK)
		return fail(z);
	if (!is_dir && len > 0 && archive_write_data(z->a, data, len) != (la_ssize_t)len)
		return fail(z);
	if (archive_write_finish_entry(z->a) != ARCHIVE_OK)
		return fail(z);
	return 0;
}

int
zipw_add(struct zipw *z, const char *utf8_name, const void *data, size_t len, int deflate)
{
	return add_entry(z, utf8_name, data, len, deflate, 0);
}

int
zipw_add_dir(struct zipw *z, const char *utf8_name)
{
	return add_entry(z, utf8_name, NULL, 0, 0, 1);
}

int
zipw_close(struct zipw *z)
{
	int rc = 0;

	if (z->err[0] != '\0' || archive_write_close(z->a) != ARCHIVE_OK)
		rc = -1;
	archive_entry_free(z->e);
	archive_write_free(z->a);
	free(z);
	return rc;
}

void
zipw_abort(struct zipw *z)
{
	if (z == NULL)
		return;
	archive_entry_free(z->e);
	archive_write_free(z->a);
	free(z);
}

const char *
zipw_error(const struct zipw *z)
{
	return z->err[0] != '\0' ? z->err : "no error";
}

int
zipw_full(const struct zipw *z)
{
	return z->full;
}
