/*
 * pdfcheck - cdr_pdf() in-process over PDF files, for the sweep
 * (tests/files/pdf_sweep), the benchmark (bench/pdf_rasterize.sh) and
 * valgrind.  No sandbox: the worker's seccomp filter forbids valgrind's own
 * system calls.
 *
 * For each FILE and each mode asked for, prints one tab-separated line:
 *   FILE MODE ok|withheld REASON PAGES SECONDS OUTBYTES REMOVED
 * where REMOVED is "what=count,..." (or "-"), and with -o writes the output
 * to DIR/<basename>.<mode>.pdf.  Last line: "total: N ok, N withheld,
 * P pages in S seconds".  Exit 1 if a result broke the contract (withheld
 * without a reason, output without a PDF header, pages not counted), or
 * MuPDF kept memory after a file.
 *
 * usage: sekisho-pdfcheck [-m rasterize|rebuild|both] [-r DPI] [-q QUALITY]
 *        [-n] [-p PAGES] [-o DIR] FILE...      (-n: no text layer)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cdr/cdr.h"
#include "cdr/pdf.h"
#include "core/buf.h"
#include "policy/config.h"

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
			close(fd);
			return -1;
		}
	}
	close(fd);
	return n < 0 ? -1 : 0;
}

static int
write_file(const char *path, const char *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	int rc = 0;

	if (fp == NULL)
		return -1;
	if (fwrite(p, 1, n, fp) != n)
		rc = -1;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: sekisho-pdfcheck [-m rasterize|rebuild|both] [-r DPI] "
	    "[-q QUALITY] [-n] [-p PAGES] [-o DIR] FILE...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct policy pol;
	struct cdr_ctx c;
	struct buf in, out;
	const char *outdir = NULL, *modes = "both";
	char err[256];
	size_t nok = 0, nwh = 0, pages = 0, entries = 0;
	unsigned long long bytes = 0;
	double total = 0;
	int ch, bad = 0;

	policy_defaults(&pol);
	while ((ch = getopt(argc, argv, "m:r:q:np:o:")) != -1) {
		switch (ch) {
		case 'm': modes = optarg; break;
		case 'r': pol.pdf_dpi = strtoul(optarg, NULL, 10); break;
		case 'q': pol.pdf_jpeg_quality = strtoul(optarg, NULL, 10); break;
		case 'n': pol.pdf_text_layer = 0; break;
		case 'p': pol.lim.pdf_pages = strtoul(optarg, NULL, 10); break;
		case 'o': outdir = optarg; break;
		default: usage();
		}
	}
	if (optind >= argc || pol.pdf_dpi < 10 || pol.pdf_dpi > 1200)
		usage();
	if (cdr_pdf_init(err, sizeof err) != 0) {
		fprintf(stderr, "pdfcheck: %s\n", err);
		return 1;
	}
	memset(&c, 0, sizeof c);
	c.pol = &pol;
	c.archive_entries = &entries;
	c.archive_bytes = &bytes;
	buf_init(&in, pol.lim.file_bytes);
	buf_init(&out, pol.lim.file_out_bytes);
	for (int i = optind; i < argc; i++) {
		buf_reset(&in);
		if (read_file(argv[i], &in) != 0) {
			fprintf(stderr, "pdfcheck: cannot read %s\n", argv[i]);
			bad = 1;
			continue;
		}
		for (int m = 0; m < 2; m++) {
			struct cdr_result r;
			const char *mode = m == 0 ? "rasterize" : "rebuild";
			double t0, dt;
			int rc;

			if (strcmp(modes, "both") != 0 && strcmp(modes, mode) != 0)
				continue;
			pol.pdf_mode = m == 0 ? PDF_RASTERIZE : PDF_REBUILD;
			memset(&r, 0, sizeof r);
			t0 = now();
			rc = cdr_pdf(&c, (const unsigned char *)in.data, in.len, &out, &r);
			dt = now() - t0;
			total += dt;
			printf("%s\t%s\t%s\t%s\t%zu\t%.3f\t%zu\t", argv[i], mode,
			    rc == CDR_OK ? "ok" : "withheld", rc == CDR_OK ? "-" : r.reason,
			    r.pages, dt, out.len);
			for (size_t k = 0; k < r.nremoved; k++)
				printf("%s%s=%zu", k ? "," : "", r.removed[k].what, r.removed[k].count);
			printf("%s\n", r.nremoved ? "" : "-");
			if (rc == CDR_OK) {
				nok++;
				pages += r.pages;
				if (out.len < 8 || memcmp(out.data, "%PDF-", 5) != 0 || r.pages == 0 ||
				    r.out_type == NULL || strcmp(r.out_type, "application/pdf") != 0) {
					fprintf(stderr, "pdfcheck: %s %s: bad output\n", argv[i], mode);
					bad = 1;
				}
			} else {
				nwh++;
				if (rc != CDR_WITHHELD || r.reason[0] == '\0' || out.len != 0) {
					fprintf(stderr, "pdfcheck: %s %s: bad withheld result\n", argv[i], mode);
					bad = 1;
				}
			}
			if (cdr_pdf_mem_in_use() != 0) {
				fprintf(stderr, "pdfcheck: %s %s: MuPDF kept %zu bytes\n", argv[i], mode,
				    cdr_pdf_mem_in_use());
				bad = 1;
			}
			if (rc == CDR_OK && outdir != NULL) {
				char path[4096];
				const char *base = strrchr(argv[i], '/');

				snprintf(path, sizeof path, "%s/%s.%s.pdf", outdir,
				    base ? base + 1 : argv[i], mode);
				if (write_file(path, out.data, out.len) != 0) {
					fprintf(stderr, "pdfcheck: cannot write %s\n", path);
					bad = 1;
				}
			}
			fflush(stdout);
		}
	}
	printf("total: %zu ok, %zu withheld, %zu pages in %.3f seconds\n", nok, nwh, pages, total);
	buf_free(&in);
	buf_free(&out);
	return bad;
}
