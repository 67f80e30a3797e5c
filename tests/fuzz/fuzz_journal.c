/*
 * fuzz_journal - bytes as an audit journal and its checkpoints file (split
 * at the first "\n==\n"; without it, all journal), read by journal_verify
 * as "sekisho audit verify" does (checkpoints with a public key, strict and
 * not, and the chain alone), and every line of the checkpoints part by
 * journal_cp_parse (the reader the daemon's signer uses on the file's last
 * line).  The key is fixed (seed of 32 zero bytes), so seeds signed with it
 * (corpus/SOURCES.md) reach the signature checks.
 *
 * Checks: verify answers 0 or 1, never -1 (both files are readable), and
 * its report is text ending in a summary line; a line that parses is a
 * checkpoint in its exact shape (hex hash and key id, a time in range).
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "audit/journal.h"
#include "core/buf.h"
#include "core/utf8.h"

#include "fuzz.h"

#define SEP "\n==\n"

static char dir[64], journal[128], cps[128], pub[128];

static void
put_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || (n > 0 && write(fd, p, n) != (ssize_t)n) || close(fd) != 0) {
		perror(path);
		abort();
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char seed[crypto_sign_SEEDBYTES] = { 0 }, pk[AUDIT_PUBLIC_KEY_BYTES],
	    sk[AUDIT_SECRET_KEY_BYTES];
	char b64[sodium_base64_ENCODED_LEN(AUDIT_PUBLIC_KEY_BYTES,
	    sodium_base64_VARIANT_ORIGINAL)];
	struct buf line;

	if (sodium_init() < 0)
		abort();
	snprintf(dir, sizeof dir, "/tmp/fuzz_journal.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(journal, sizeof journal, "%s/j.jsonl", dir);
	snprintf(cps, sizeof cps, "%s/j.jsonl.checkpoints", dir);
	snprintf(pub, sizeof pub, "%s/audit.pub", dir);
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_bin2base64(b64, sizeof b64, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
	buf_init(&line, 256);
	buf_printf(&line, "sekisho-audit-ed25519-public-key %s\n", b64);
	put_file(pub, line.data, line.len);
	buf_free(&line);
	return 0;
}

/* The report: valid UTF-8, one LF-ended line per entry, a summary last. */
static int
report_ok(const struct buf *r)
{
	const char *s = r->data, *last;

	if (r->len == 0 || s[r->len - 1] != '\n' || !FUZZ_UTF8(s, r->len))
		return 0;
	last = r->len > 1 ? memrchr(s, '\n', r->len - 1) : NULL;
	last = last != NULL ? last + 1 : s;
	return strncmp(last, "verified: ", 10) == 0 || strncmp(last, "NOT VERIFIED: ", 14) == 0;
}

static int
hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *sep = size > 0 ? memmem(p, size, SEP, 4) : NULL;
	size_t jn = sep != NULL ? (size_t)(sep - p) + 1 : size;	/* the LF stays the journal's */
	const char *c = sep != NULL ? sep + 4 : p + size;
	size_t cn = (size_t)(p + size - c);
	struct journal_verify_opts modes[3] = {
		{ .checkpoints = cps, .public_key = pub },
		{ .checkpoints = cps, .public_key = pub, .strict = 1 },
		{ 0 },
	};

	put_file(journal, p, jn);
	put_file(cps, c, cn);
	for (int m = 0; m < 3; m++) {
		struct buf rep;
		int r;

		buf_init(&rep, 1 << 24);
		r = journal_verify(journal, &modes[m], &rep);
		if (r != 0 && r != 1)
			fprintf(stderr, "verify: %d\n%s", r, buf_str(&rep));
		FUZZ_CHECK(r == 0 || r == 1);
		FUZZ_CHECK(report_ok(&rep));
		buf_free(&rep);
	}
	/* every line of the checkpoints part, alone */
	while (cn > 0) {
		const char *lf = memchr(c, '\n', cn);
		size_t n = lf != NULL ? (size_t)(lf - c) : cn;
		struct journal_cp cp;

		if (journal_cp_parse(c, n, &cp) == 0) {
			FUZZ_CHECK(hex(cp.hash, SHA256_HEX_LEN) && cp.hash[SHA256_HEX_LEN] == '\0');
			FUZZ_CHECK(hex(cp.key_id, AUDIT_KEY_ID_LEN));
			FUZZ_CHECK(strlen(cp.time) == JOURNAL_TIME_LEN && cp.t >= 0);
			FUZZ_CHECK(cp.seq >= 1);
		}
		c += n + (lf != NULL);
		cn -= n + (lf != NULL);
	}
	return 0;
}
