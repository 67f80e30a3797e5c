/*
 * archivecheck - run the file sanitiser in-process over archives (or any
 * files) and say what happened to each, with the time and peak memory it
 * took: for measuring the archive limits against bombs, and for valgrind
 * and sanitizer sweeps (the sandboxed worker cannot run under valgrind).
 *
 * Per file prints: the verdict (sanitised/withheld), the reason and detail,
 * the limit hit, the removed list, the output size, wall time in ms and the
 * process's peak RSS so far in KiB.  Checks the invariants every caller
 * relies on: a withheld file has no output, a sanitised archive is a zip.
 * Exit 1 on a broken invariant.
 *
 * usage: sekisho-archivecheck [-c CONFIG] [-o OUTDIR] FILE...
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cdr/archive.h"
#include "cdr/cdr.h"
#include "core/buf.h"
#include "policy/config.h"
#include "text/charset.h"

static int
read_file(const char *path, struct buf *b)
{
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		if (buf_append(b, chunk, (size_t)n) != 0) {
			errno = EFBIG;
			n = -1;
			break;
		}
	}
	close(fd);
	return n < 0 ? -1 : 0;
}

static int
write_file(const char *dir, const char *path, const char *ext, const struct buf *b)
{
	char name[4096];
	const char *base = strrchr(path, '/');
	FILE *f;
	size_t n;

	snprintf(name, sizeof name, "%s/%s%s", dir, base != NULL ? base + 1 : path, ext);
	if ((f = fopen(name, "wb")) == NULL)
		return -1;
	n = fwrite(b->data, 1, b->len, f);
	return fclose(f) != 0 || n != b->len ? -1 : 0;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int
check_one(const struct policy *pol, const char *path, const char *outdir)
{
	struct cdr_ctx ctx = { .pol = pol };
	struct cdr_result res;
	struct rusage ru;
	struct buf in, out;
	double t0, t1;
	int rc, bad = 0;

	buf_init(&in, pol->lim.file_bytes);
	buf_init(&out, pol->lim.file_out_bytes);
	if (read_file(path, &in) != 0) {
		printf("%s: cannot read: %s\n", path, strerror(errno));
		buf_free(&in);
		buf_free(&out);
		return 1;
	}
	memset(&res, 0, sizeof res);
	t0 = now_ms();
	rc = cdr_sanitize(&ctx, path, (const unsigned char *)in.data, in.len, &out, &res);
	t1 = now_ms();
	getrusage(RUSAGE_SELF, &ru);
	if (rc == CDR_OK)
		printf("%s: sanitised (%s, %s) %zu bytes, %zu kept", path, res.method,
		    res.out_type, out.len, res.pages);
	else
		printf("%s: withheld: %s: %s", path, res.reason, res.detail);
	if (res.limit_name[0] != '\0')
		printf(" [limit %s=%llu]", res.limit_name, res.limit_value);
	printf(" | %.1f ms, peak RSS %ld KiB\n", t1 - t0, ru.ru_maxrss);
	for (size_t i = 0; i < res.nremoved; i++)
		printf("  removed %s x%zu: %s\n", res.removed[i].what, res.removed[i].count,
		    res.removed[i].names);
	if (rc != CDR_OK && rc != CDR_WITHHELD)
		bad = printf("  BROKEN: verdict %d\n", rc);
	if (rc == CDR_WITHHELD && out.len != 0)
		bad = printf("  BROKEN: withheld with output\n");
	if (rc == CDR_OK && strcmp(res.kind, "archive") == 0 &&
	    (out.len < 22 || memcmp(out.data, "PK", 2) != 0))
		bad = printf("  BROKEN: sanitised archive is not a zip\n");
	if (rc == CDR_OK && outdir != NULL && write_file(outdir, path,
	    res.out_ext != NULL ? res.out_ext : "", &out) != 0)
		bad = printf("  cannot write output: %s\n", strerror(errno));
	buf_free(&in);
	buf_free(&out);
	return bad != 0;
}

int
main(int argc, char **argv)
{
	struct policy pol;
	struct buf err;
	const char *outdir = NULL;
	char e[256];
	int ch, failed = 0;

	policy_defaults(&pol);
	buf_init(&err, 4096);
	while ((ch = getopt(argc, argv, "c:o:")) != -1) {
		switch (ch) {
		case 'c':
			if (policy_load_file(&pol, optarg, &err) != 0) {
				fprintf(stderr, "archivecheck: %s\n", buf_str(&err));
				return 2;
			}
			break;
		case 'o':
			outdir = optarg;
			break;
		default:
			fprintf(stderr, "usage: sekisho-archivecheck [-c CONFIG] [-o OUTDIR] FILE...\n");
			return 2;
		}
	}
	buf_free(&err);
	charset_init();
	if (cdr_init(&pol, e, sizeof e) != 0 || cdr_archive_init(e, sizeof e) != 0) {
		fprintf(stderr, "archivecheck: %s\n", e);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		failed += check_one(&pol, argv[i], outdir);
	return failed ? 1 : 0;
}
