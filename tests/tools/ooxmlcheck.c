/*
 * ooxmlcheck - drive the OOXML rebuilder (cdr_ooxml) in process, for the
 * sweep (tests/files/ooxml_sweep) and the benchmark (bench/ooxml_rebuild.sh).
 *
 *   sekisho-ooxmlcheck [-f] [-o DIR] [-n N] [-c CONFIG] FILE...
 *
 * -f runs the whole decision for a file (cdr_init, then cdr_sanitize: type
 * detection, name check, YARA if configured) instead of cdr_ooxml alone.
 * One line per file on stdout, tab-separated: the file, "ok" or "withheld",
 * the reason (or "-"), the output extension (or "-"), output bytes, and the
 * removed kinds as what=count.  With -o DIR the rebuilt package is written
 * as DIR/<basename><out_ext>.  With -n N every file is rebuilt N times and a
 * last line "bench" gives input bytes, seconds, MB/s and peak RSS in KiB.
 * Exit status: 0, or 2 for usage/configuration/IO errors.  A crash is a
 * crash (the sweep counts it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cdr/cdr.h"
#include "core/buf.h"
#include "policy/config.h"

static int
slurp(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	if (f == NULL)
		return -1;
	buf_reset(b);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		if (buf_append(b, tmp, n) != 0) {
			fclose(f);
			return -1;
		}
	fclose(f);
	return 0;
}

static int
write_out(const char *dir, const char *in, const char *ext, const struct buf *b)
{
	char path[4096];
	const char *base = strrchr(in, '/');
	FILE *f;
	int rc = 0;

	base = base != NULL ? base + 1 : in;
	snprintf(path, sizeof path, "%s/%s%s", dir, base, ext);
	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	if (b->len > 0 && fwrite(b->data, 1, b->len, f) != b->len)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct policy pol;
	struct buf in, out, err;
	const char *outdir = NULL, *conf = NULL;
	unsigned long iters = 0;
	unsigned long long inbytes = 0;
	double t0, t;
	struct rusage ru;
	char errs[256];
	int ch, full = 0;

	while ((ch = getopt(argc, argv, "fo:n:c:")) != -1) {
		switch (ch) {
		case 'f':
			full = 1;
			break;
		case 'o':
			outdir = optarg;
			break;
		case 'n':
			iters = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			conf = optarg;
			break;
		default:
			fprintf(stderr, "usage: sekisho-ooxmlcheck [-f] [-o DIR] [-n N] [-c CONFIG] FILE...\n");
			return 2;
		}
	}
	policy_defaults(&pol);
	buf_init(&err, 4096);
	if (conf != NULL && policy_load_file(&pol, conf, &err) != 0) {
		fprintf(stderr, "ooxmlcheck: %s: %s\n", conf, buf_str(&err));
		return 2;
	}
	if (full && cdr_init(&pol, errs, sizeof errs) != 0) {
		fprintf(stderr, "ooxmlcheck: %s\n", errs);
		return 2;
	}
	buf_init(&in, pol.lim.file_bytes);
	buf_init(&out, pol.lim.file_out_bytes);
	t0 = now();
	for (int i = optind; i < argc; i++) {
		unsigned long n = iters ? iters : 1;
		struct cdr_result r;
		int rc = CDR_WITHHELD;

		if (slurp(argv[i], &in) != 0) {
			fprintf(stderr, "ooxmlcheck: cannot read %s\n", argv[i]);
			return 2;
		}
		for (unsigned long k = 0; k < n; k++) {
			unsigned long long bytes = 0;
			size_t entries = 0;
			struct cdr_ctx c = { .pol = &pol, .archive_entries = &entries, .archive_bytes = &bytes };

			memset(&r, 0, sizeof r);
			r.kind = "ooxml";
			if (full)
				rc = cdr_sanitize(&c, argv[i], (const unsigned char *)in.data, in.len,
				    &out, &r);
			else
				rc = cdr_ooxml(&c, (const unsigned char *)in.data, in.len, &out, &r);
			inbytes += in.len;
		}
		if (iters)
			continue;
		printf("%s\t%s\t%s\t%s\t%zu\t", argv[i], rc == CDR_OK ? "ok" : "withheld",
		    rc == CDR_OK ? "-" : r.reason, rc == CDR_OK ? r.out_ext : "-",
		    rc == CDR_OK ? out.len : 0);
		for (size_t k = 0; k < r.nremoved; k++)
			printf("%s%s=%zu", k ? "," : "", r.removed[k].what, r.removed[k].count);
		printf("\t%s\n", rc == CDR_OK ? "" : r.detail);
		if (rc == CDR_OK && outdir != NULL && write_out(outdir, argv[i], r.out_ext, &out) != 0) {
			fprintf(stderr, "ooxmlcheck: cannot write into %s\n", outdir);
			return 2;
		}
	}
	t = now() - t0;
	if (iters) {
		getrusage(RUSAGE_SELF, &ru);
		printf("bench\t%llu bytes\t%.3f s\t%.2f MB/s\t%ld KiB peak RSS\n", inbytes, t,
		    t > 0 ? (double)inbytes / 1e6 / t : 0.0, ru.ru_maxrss);
	}
	buf_free(&in);
	buf_free(&out);
	buf_free(&err);
	return 0;
}
