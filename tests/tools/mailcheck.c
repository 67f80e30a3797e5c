/*
 * mailcheck - run the sanitiser in-process over files, for valgrind and
 * sanitizer sweeps (the sandboxed worker cannot run under valgrind, whose
 * own system calls the seccomp filter forbids).
 *
 * Checks the same invariants as the fuzz target on every file: the verdict
 * is sanitised or withheld, a withheld item has no output, an output has
 * its MIME headers and no NUL byte, and the receipt is a JSON object.
 * Prints "N passed, N failed"; exit 1 on any failure.
 *
 * usage: sekisho-mailcheck FILE...
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cdr/cdr.h"
#include "core/buf.h"
#include "mime/sanitize.h"
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
		if (buf_append(b, chunk, (size_t)n) != 0)
			break;
	}
	close(fd);
	return n < 0 ? -1 : 0;
}

static const char *
check_one(const struct policy *pol, const char *path)
{
	struct buf in, out, rj;
	const char *err = NULL;
	int r;

	buf_init(&in, pol->lim.message_bytes);
	buf_init(&out, (size_t)1 << 30);
	buf_init(&rj, (size_t)1 << 28);
	if (read_file(path, &in) != 0)
		err = strerror(errno);
	else {
		r = sanitize_mail(pol, "SK-check", 0, (const unsigned char *)buf_str(&in),
		    in.len, &out, &rj);
		if (r != SANITIZE_OK && r != SANITIZE_WITHHELD)
			err = "bad verdict";
		else if (r == SANITIZE_WITHHELD && out.len != 0)
			err = "withheld with output";
		else if (r == SANITIZE_OK && (strstr(buf_str(&out), "\nMIME-Version: 1.0\n") == NULL ||
		    memchr(out.data, '\0', out.len) != NULL))
			err = "malformed output";
		else if (rj.len < 3 || rj.data[0] != '{' || memcmp(rj.data + rj.len - 2, "}\n", 2) != 0)
			err = "malformed receipt";
	}
	buf_free(&in);
	buf_free(&out);
	buf_free(&rj);
	return err;
}

int
main(int argc, char **argv)
{
	struct policy pol;
	int passed = 0, failed = 0;

	policy_defaults(&pol);
	sanitize_init();
	{
		char err[512];

		if (cdr_init(&pol, err, sizeof err) != 0) {	/* as the worker does */
			fprintf(stderr, "mailcheck: %s\n", err);
			return 2;
		}
	}
	for (int i = 1; i < argc; i++) {
		const char *err = check_one(&pol, argv[i]);

		if (err != NULL) {
			printf("FAIL mailcheck %s: %s\n", argv[i], err);
			failed++;
		} else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
