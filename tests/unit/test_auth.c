/*
 * test_auth - web/auth: passwords, TOTP (RFC 6238 vectors, replay, window),
 * base32 (RFC 4648 vectors), otpauth URIs, QR codes read back module by
 * module, recovery codes, session tokens, constant-time comparison.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <qrencode.h>
#include <sodium.h>

#include "core/buf.h"
#include "web/auth.h"

/* RFC 6238 appendix B: the SHA-1 seed is the ASCII of "1234567890" twice. */
static const unsigned char rfc_secret[] = "12345678901234567890";
#define RFC_LEN 20

/* The code of step `step' of the RFC secret. */
static void
step_code(long long step, char out[7])
{
	assert_int_equal(auth_totp_code(rfc_secret, RFC_LEN, step * 30, out), 0);
}

/* A six-digit code that is not `code'. */
static void
other_code(const char *code, char out[7])
{
	memcpy(out, code, 7);
	out[0] = out[0] == '9' ? '0' : (char)(out[0] + 1);
}

static int
setup(void **state)
{
	return auth_init() == 0 ? 0 : -1;
}

/* --- TOTP ------------------------------------------------------------ */

static void
test_totp_rfc6238_vectors(void **state)
{
	/* the last six digits of the RFC's eight-digit SHA-1 values */
	static const struct { long long t; const char *code; } v[] = {
		{ 59, "287082" },
		{ 1111111109, "081804" },
		{ 1111111111, "050471" },
		{ 1234567890, "005924" },
		{ 2000000000, "279037" },
	};
	char out[7];
	long long matched;

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		assert_int_equal(auth_totp_code(rfc_secret, RFC_LEN, v[i].t, out), 0);
		assert_string_equal(out, v[i].code);
		matched = -5;
		assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, v[i].code,
		    v[i].t, 0, -1, &matched), 0);
		assert_true(matched == v[i].t / 30);
	}
	/* as authenticators show it */
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, "287 082", 59, 0,
	    -1, &matched), 0);
	assert_true(matched == 1);
}

static void
test_totp_replay(void **state)
{
	long long now = 1111111109, first = -5, again = -5;
	char code[7], next[7];

	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, "081804", now, 1,
	    -1, &first), 0);
	assert_true(first == now / 30);
	/* the same code again, in the same step and in the next one */
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, "081804", now, 1,
	    first, &again), 1);
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, "081 804", now + 30,
	    1, first, &again), 1);
	assert_true(again == -5);	/* untouched when refused */
	/* an earlier code still inside the window is used up too */
	step_code(first - 1, code);
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, code, now, 1,
	    first, &again), 1);
	/* the next step's code is new */
	step_code(first + 1, next);
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, next, now, 1,
	    first, &again), 0);
	assert_true(again == first + 1);
	/* the stored step beyond the window: nothing is accepted */
	step_code(first, code);
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, code, now, 1,
	    first + 1, &again), 1);
}

static void
test_totp_window_edges(void **state)
{
	long long now = 1234567890, step = now / 30, m;
	char code[7];

	for (unsigned w = 0; w <= 3; w++) {
		for (long long k = -(long long)w - 2; k <= (long long)w + 2; k++) {
			int want = (k >= -(long long)w && k <= (long long)w) ? 0 : 1;

			step_code(step + k, code);
			m = -5;
			if (auth_totp_check(rfc_secret, RFC_LEN, code, now, w, -1,
			    &m) != want)
				fail_msg("window %u step %+lld: not %d", w, k, want);
			assert_true(want != 0 || m == step + k);
		}
	}
	/* the first and last second of a step are the same step */
	step_code(step, code);
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, code, step * 30, 0,
	    -1, &m), 0);
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, code, step * 30 + 29,
	    0, -1, &m), 0);
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, code, step * 30 + 30,
	    0, -1, &m), 1);
	/* a wrong code */
	other_code(code, code);
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, code, now, 1, -1,
	    &m), 1);
	/* near the epoch the window does not reach below step 0 */
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, "287082", 0, 2, -1,
	    &m), 0);
	assert_true(m == 1);
}

static void
test_totp_malformed(void **state)
{
	static const char *const bad[] = {
		"", "12345", "1234567", "12a456", "123 45", " 123456",
		"123456 ", "12 3456", "1234 56", "123  456", "123\t456",
		"+12345", "-12345", "123-456", "０８１８０４", "081804\n",
	};
	long long m = -5;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (auth_totp_check(rfc_secret, RFC_LEN, bad[i], 1111111109, 1, -1,
		    &m) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, NULL, 59, 1, -1,
	    &m), -1);
	/* arguments out of range */
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, "287082", 59,
	    AUTH_TOTP_WINDOW_MAX + 1, -1, &m), -1);
	assert_int_equal(auth_totp_check(rfc_secret, AUTH_TOTP_SECRET_MIN - 1,
	    "287082", 59, 1, -1, &m), -1);
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, "287082", -1, 1,
	    -1, &m), -1);
	assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, "287082",
	    AUTH_TIME_MAX + 1, 1, -1, &m), -1);
	assert_true(m == -5);
	/* the last second allowed works, with the widest window */
	{
		char code[7];

		assert_int_equal(auth_totp_code(rfc_secret, RFC_LEN, AUTH_TIME_MAX,
		    code), 0);
		assert_int_equal(auth_totp_check(rfc_secret, RFC_LEN, code,
		    AUTH_TIME_MAX, AUTH_TOTP_WINDOW_MAX, -1, &m), 0);
		assert_true(m == AUTH_TIME_MAX / 30);
	}
}

static void
test_totp_new_secret(void **state)
{
	unsigned char a[AUTH_TOTP_SECRET_LEN], b[AUTH_TOTP_SECRET_LEN];
	char code[7];
	long long m;

	assert_int_equal(auth_totp_new_secret(a), 0);
	assert_int_equal(auth_totp_new_secret(b), 0);
	assert_memory_not_equal(a, b, sizeof a);
	assert_int_equal(auth_totp_code(a, sizeof a, 1700000000, code), 0);
	assert_int_equal(strlen(code), 6);
	assert_int_equal(auth_totp_check(a, sizeof a, code, 1700000000, 1, -1,
	    &m), 0);
}

/* --- base32 ---------------------------------------------------------- */

static void
test_base32_rfc4648_vectors(void **state)
{
	/* RFC 4648 section 10, padding removed */
	static const struct { const char *in, *out; } v[] = {
		{ "", "" }, { "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" },
		{ "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI" },
	};
	char enc[32];
	unsigned char dec[16];
	size_t n;

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t len = strlen(v[i].in);

		assert_int_equal(auth_base32_encode((const unsigned char *)v[i].in,
		    len, enc, sizeof enc), 0);
		assert_string_equal(enc, v[i].out);
		assert_int_equal(strlen(enc), AUTH_BASE32_LEN(len));
		assert_int_equal(auth_base32_decode(v[i].out, dec, sizeof dec, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(dec, v[i].in, len);
	}
	/* either case */
	assert_int_equal(auth_base32_decode("mzxW6ytboi", dec, sizeof dec, &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(dec, "foobar", 6);
	/* the RFC 6238 secret as authenticators are given it */
	assert_int_equal(auth_base32_encode(rfc_secret, RFC_LEN, enc, 32), -1);
	{
		char e33[33];

		assert_int_equal(auth_base32_encode(rfc_secret, RFC_LEN, e33,
		    sizeof e33), 0);
		assert_string_equal(e33, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	}
}

static void
test_base32_round_trip(void **state)
{
	unsigned char in[AUTH_TOTP_SECRET_MAX], out[AUTH_TOTP_SECRET_MAX];
	char enc[AUTH_BASE32_LEN(AUTH_TOTP_SECRET_MAX) + 1];
	size_t n;

	for (size_t len = 0; len <= sizeof in; len++) {
		randombytes_buf(in, len);
		assert_int_equal(auth_base32_encode(in, len, enc,
		    AUTH_BASE32_LEN(len) + 1), 0);
		assert_int_equal(auth_base32_decode(enc, out, len, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(in, out, len);
		/* one byte short of room */
		assert_int_equal(auth_base32_encode(in, len, enc,
		    AUTH_BASE32_LEN(len)), -1);
		if (len > 0)
			assert_int_equal(auth_base32_decode(enc, out, len - 1, &n), -1);
	}
}

static void
test_base32_bad(void **state)
{
	static const char *const bad[] = {
		"M", "MZX", "MZXW6Y",		/* impossible lengths */
		"MY======", "MY=",		/* padding */
		"MZ", "MZXR", "MZXW7",		/* unused bits set */
		"M1", "M0", "M8", "MY ", " MY", "M-Y", "M\xc3\xa9",
	};
	unsigned char out[16];
	size_t n = 99;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (auth_base32_decode(bad[i], out, sizeof out, &n) != -1)
			fail_msg("decoded \"%s\"", bad[i]);
		assert_int_equal(n, 0);
	}
	assert_int_equal(auth_base32_decode(NULL, out, sizeof out, &n), -1);
}

/* --- passwords ------------------------------------------------------- */

#define OPS crypto_pwhash_OPSLIMIT_MIN
#define MEM crypto_pwhash_MEMLIMIT_MIN

static void
test_password_hash_verify(void **state)
{
	char h1[AUTH_PWHASH_MAX], h2[AUTH_PWHASH_MAX], other[AUTH_PWHASH_MAX];
	char longpw[AUTH_PW_MAX + 2];

	assert_int_equal(auth_password_hash("correct horse battery", OPS, MEM,
	    h1), 0);
	assert_true(strncmp(h1, "$argon2id$", 10) == 0);
	assert_int_equal(auth_password_verify(h1, "correct horse battery"), 0);
	assert_int_equal(auth_password_verify(h1, "correct horse batterY"), 1);
	assert_int_equal(auth_password_verify(h1, ""), 1);
	assert_int_equal(auth_password_verify(h1, NULL), 1);
	/* salted: the same password hashes differently */
	assert_int_equal(auth_password_hash("correct horse battery", OPS, MEM,
	    h2), 0);
	assert_string_not_equal(h1, h2);
	assert_int_equal(auth_password_verify(h2, "correct horse battery"), 0);
	/* UTF-8 passwords are bytes */
	assert_int_equal(auth_password_hash("関所の合言葉です", OPS, MEM, h2), 0);
	assert_int_equal(auth_password_verify(h2, "関所の合言葉です"), 0);
	assert_int_equal(auth_password_verify(h2, "関所の合言葉でず"), 1);

	/* rehash when the limits change */
	assert_int_equal(auth_password_needs_rehash(h1, OPS, MEM), 0);
	assert_int_equal(auth_password_needs_rehash(h1, OPS + 1, MEM), 1);
	assert_int_equal(auth_password_needs_rehash(h1, OPS, MEM * 2), 1);

	/* not an argon2id string */
	assert_int_equal(auth_password_verify("", "x"), -1);
	assert_int_equal(auth_password_verify(NULL, "x"), -1);
	assert_int_equal(auth_password_verify("$argon2id$garbage", "x"), -1);
	assert_int_equal(auth_password_needs_rehash("$argon2id$v=19$", OPS, MEM), -1);
	assert_int_equal(crypto_pwhash_str_alg(other, "correct horse battery", 21,
	    3, MEM, crypto_pwhash_ALG_ARGON2I13), 0);
	assert_int_equal(auth_password_verify(other, "correct horse battery"), -1);
	assert_int_equal(auth_password_needs_rehash(other, OPS, MEM), -1);
	/* a stored string without its NUL within AUTH_PWHASH_MAX */
	{
		char unterminated[AUTH_PWHASH_MAX + 8];

		memset(unterminated, 'a', sizeof unterminated - 1);
		memcpy(unterminated, h1, strlen(h1));
		unterminated[sizeof unterminated - 1] = '\0';
		assert_int_equal(auth_password_verify(unterminated,
		    "correct horse battery"), -1);
	}

	/* the length ceiling */
	memset(longpw, 'x', sizeof longpw - 1);
	longpw[sizeof longpw - 1] = '\0';
	assert_int_equal(auth_password_hash(longpw, OPS, MEM, h2), -1);
	assert_string_equal(h2, "");
	longpw[AUTH_PW_MAX] = '\0';
	assert_int_equal(auth_password_hash(longpw, OPS, MEM, h2), 0);
	assert_int_equal(auth_password_verify(h2, longpw), 0);
	longpw[AUTH_PW_MAX] = 'x';
	assert_int_equal(auth_password_verify(h2, longpw), 1);
	/* limits libsodium refuses */
	assert_int_equal(auth_password_hash("correct horse battery", 0, MEM, h2), -1);
}

static void
test_password_rules(void **state)
{
	static const char *const good[] = {
		"abcdefghijkl",			/* 12 */
		"correct horse battery staple",
		"関所の合言葉は十二文字ですよ",	/* 14 characters */
		"パスワード　全角空白も可です",	/* U+3000 is not a control */
	};
	static const char *const bad[] = {
		"", "abcdefghijk",		/* 11 */
		"関所の合言葉",			/* 18 bytes but 6 characters */
		"abcdefghijkl\t", "abcdef\nghijkl", "abcdefghijkl\x7f",
		"abcdefghijkl\xc2\x85",		/* U+0085, C1 */
		"abcdefghijkl\xff", "abcdefghijkl\xc0\xaf",	/* not UTF-8 */
		"abcdefghijkl\xed\xa0\x80",	/* a surrogate */
	};
	char pw[AUTH_PW_MAX + 2];
	struct buf why;

	buf_init(&why, 256);
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (auth_password_acceptable(good[i], &why) != 0)
			fail_msg("refused \"%s\": %s", good[i], buf_str(&why));
		assert_int_equal(why.len, 0);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_reset(&why);
		if (auth_password_acceptable(bad[i], &why) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(why.len > 0);
	}
	assert_int_equal(auth_password_acceptable("short", &why), -1);
	assert_string_equal(buf_str(&why), "A password has at least 12 characters.");
	assert_int_equal(auth_password_acceptable("abcdefghijkl\x01", &why), -1);
	assert_string_equal(buf_str(&why), "A password holds no control characters.");
	assert_int_equal(auth_password_acceptable(NULL, NULL), -1);
	assert_int_equal(auth_password_acceptable("abcdefghijkl", NULL), 0);

	memset(pw, 'a', sizeof pw - 1);
	pw[sizeof pw - 1] = '\0';
	assert_int_equal(auth_password_acceptable(pw, &why), -1);	/* 257 */
	assert_string_equal(buf_str(&why), "A password has at most 256 bytes.");
	pw[AUTH_PW_MAX] = '\0';
	assert_int_equal(auth_password_acceptable(pw, &why), 0);	/* 256 */
	buf_free(&why);
}

static void
test_random_password(void **state)
{
	char a[AUTH_RANDOM_PW_LEN + 1], b[AUTH_RANDOM_PW_LEN + 1];

	for (int n = 0; n < 200; n++) {
		assert_int_equal(auth_random_password(a, sizeof a), 0);
		assert_int_equal(strlen(a), AUTH_RANDOM_PW_LEN);
		assert_null(strpbrk(a, "0O1lIo"));
		for (size_t i = 0; i < AUTH_RANDOM_PW_LEN; i++)
			assert_true((a[i] >= '2' && a[i] <= '9') ||
			    (a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= 'a' && a[i] <= 'z'));
		assert_int_equal(auth_password_acceptable(a, NULL), 0);
	}
	assert_int_equal(auth_random_password(b, sizeof b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(auth_random_password(b, AUTH_RANDOM_PW_LEN), -1);
}

/* --- otpauth URI ----------------------------------------------------- */

static void
test_otpauth_uri(void **state)
{
	static const char want[] = "otpauth://totp/sekisho:"
	    "tanaka%40town.example.lg.jp?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	    "&issuer=sekisho&algorithm=SHA1&digits=6&period=30";
	struct buf b;

	buf_init(&b, 4096);
	assert_int_equal(auth_otpauth_uri(&b, "sekisho",
	    "tanaka@town.example.lg.jp", rfc_secret, RFC_LEN), 0);
	assert_string_equal(buf_str(&b), want);

	/* UTF-8 and reserved characters percent-encoded */
	buf_reset(&b);
	assert_int_equal(auth_otpauth_uri(&b, "関所", "a b&c=d?e/f#g+h%",
	    rfc_secret, RFC_LEN), 0);
	assert_string_equal(buf_str(&b), "otpauth://totp/%E9%96%A2%E6%89%80:"
	    "a%20b%26c%3Dd%3Fe%2Ff%23g%2Bh%25?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	    "&issuer=%E9%96%A2%E6%89%80&algorithm=SHA1&digits=6&period=30");

	/* refused, and b left as it was */
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "kept"), 0);
	assert_int_equal(auth_otpauth_uri(&b, "seki:sho", "tanaka", rfc_secret,
	    RFC_LEN), -1);
	assert_int_equal(auth_otpauth_uri(&b, "sekisho", "ta:naka", rfc_secret,
	    RFC_LEN), -1);
	assert_int_equal(auth_otpauth_uri(&b, "", "tanaka", rfc_secret, RFC_LEN), -1);
	assert_int_equal(auth_otpauth_uri(&b, "sekisho", "", rfc_secret, RFC_LEN), -1);
	assert_int_equal(auth_otpauth_uri(&b, "sekisho", NULL, rfc_secret, RFC_LEN), -1);
	assert_int_equal(auth_otpauth_uri(&b, "sekisho", "tana\nka", rfc_secret,
	    RFC_LEN), -1);
	assert_int_equal(auth_otpauth_uri(&b, "seki\xffsho", "tanaka", rfc_secret,
	    RFC_LEN), -1);
	assert_int_equal(auth_otpauth_uri(&b, "sekisho", "tanaka", rfc_secret, 10),
	    -1);
	assert_string_equal(buf_str(&b), "kept");
	buf_free(&b);

	/* the buffer's ceiling */
	buf_init(&b, sizeof want - 2);
	assert_int_equal(auth_otpauth_uri(&b, "sekisho",
	    "tanaka@town.example.lg.jp", rfc_secret, RFC_LEN), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	buf_init(&b, sizeof want - 1);
	assert_int_equal(auth_otpauth_uri(&b, "sekisho",
	    "tanaka@town.example.lg.jp", rfc_secret, RFC_LEN), 0);
	assert_string_equal(buf_str(&b), want);
	auth_buf_wipe(&b);
	assert_null(b.data);
}

/* --- QR codes -------------------------------------------------------- */

#define URI "otpauth://totp/sekisho:tanaka%40town.example.lg.jp?secret=" \
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=sekisho&algorithm=SHA1" \
    "&digits=6&period=30"

/* 1 if module (x, y) of a code drawn with its quiet zone is dark. */
static int
dark(const QRcode *qr, int x, int y)
{
	int w = qr->width;

	return x >= 4 && y >= 4 && x < 4 + w && y < 4 + w &&
	    (qr->data[(y - 4) * w + (x - 4)] & 1);
}

/* Read an unsigned decimal number at *p. */
static int
read_int(const char **p)
{
	int v = 0;

	assert_true(**p >= '0' && **p <= '9');
	while (**p >= '0' && **p <= '9')
		v = v * 10 + (*(*p)++ - '0');
	return v;
}

static void
expect(const char **p, const char *s)
{
	if (strncmp(*p, s, strlen(s)) != 0)
		fail_msg("expected \"%s\" at \"%.20s\"", s, *p);
	*p += strlen(s);
}

static void
test_qr_svg(void **state)
{
	QRcode *qr = QRcode_encodeString(URI, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	struct buf b;
	const char *s, *p;
	unsigned char *m;
	int size, w;

	assert_non_null(qr);
	w = qr->width;
	size = w + 8;
	buf_init(&b, 1 << 20);
	assert_int_equal(auth_qr_svg(&b, URI), 0);
	s = buf_str(&b);
	assert_true(strncmp(s, "<svg", 4) == 0);
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "href"));
	assert_null(strstr(s, "style"));
	assert_true(b.len > 9 && strcmp(s + b.len - 6, "</svg>") == 0);
	/* no element but svg, rect and path */
	for (p = strchr(s, '<'); p != NULL; p = strchr(p + 1, '<')) {
		if (strncmp(p, "<svg ", 5) != 0 && strncmp(p, "<rect ", 6) != 0 &&
		    strncmp(p, "<path ", 6) != 0 && strncmp(p, "</svg>", 6) != 0)
			fail_msg("element at \"%.20s\"", p);
	}

	/* read the path's rectangles back into modules: the code, placed
	 * inside a 4-module quiet zone */
	p = strstr(s, "viewBox=\"0 0 ");
	assert_non_null(p);
	p += strlen("viewBox=\"0 0 ");
	assert_int_equal(read_int(&p), size);
	m = calloc((size_t)size * (size_t)size, 1);
	assert_non_null(m);
	p = strstr(s, " d=\"");
	assert_non_null(p);
	p += 4;
	while (*p == 'M') {
		int x, y, run;

		p++;
		x = read_int(&p);
		expect(&p, " ");
		y = read_int(&p);
		expect(&p, "h");
		run = read_int(&p);
		expect(&p, "v1h-");
		assert_int_equal(read_int(&p), run);
		expect(&p, "z");
		assert_true(y < size && x + run <= size && run > 0);
		for (int i = 0; i < run; i++) {
			assert_int_equal(m[y * size + x + i], 0);
			m[y * size + x + i] = 1;
		}
	}
	expect(&p, "\"/></svg>");
	for (int y = 0; y < size; y++) {
		for (int x = 0; x < size; x++) {
			if (m[y * size + x] != dark(qr, x, y))
				fail_msg("module %d,%d", x, y);
		}
	}
	free(m);

	/* refused, b unchanged */
	assert_int_equal(auth_qr_svg(&b, ""), -1);
	assert_int_equal(auth_qr_svg(&b, NULL), -1);
	{
		char big[AUTH_QR_TEXT_MAX + 2];

		memset(big, 'a', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		assert_int_equal(auth_qr_svg(&b, big), -1);
	}
	assert_string_equal(buf_str(&b), s);
	auth_buf_wipe(&b);

	/* the buffer's ceiling */
	buf_init(&b, 100);
	assert_int_equal(auth_qr_svg(&b, URI), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	QRcode_free(qr);
}

static void
test_qr_terminal(void **state)
{
	QRcode *qr = QRcode_encodeString(URI, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	struct buf b;
	const char *p;
	int size, w, lines = 0;

	assert_non_null(qr);
	w = qr->width;
	size = w + 8;
	buf_init(&b, 1 << 20);
	assert_int_equal(auth_qr_terminal(&b, URI), 0);
	/* read the half blocks back: light is drawn, dark is a space */
	p = buf_str(&b);
	for (int y = 0; y < size; y += 2, lines++) {
		for (int x = 0; x < size; x++) {
			int top = 0, bottom = 0;
			/* below the last row is the terminal's dark background */
			int want_top = !dark(qr, x, y);
			int want_bottom = y + 1 < size && !dark(qr, x, y + 1);

			if (*p == ' ') {
				p++;
			} else if (strncmp(p, "\u2580", 3) == 0) {
				top = 1, bottom = 0;
				p += 3;
			} else if (strncmp(p, "\u2584", 3) == 0) {
				top = 0, bottom = 1;
				p += 3;
			} else if (strncmp(p, "\u2588", 3) == 0) {
				top = bottom = 1;
				p += 3;
			} else {
				fail_msg("line %d column %d: \"%.6s\"", y / 2, x, p);
			}
			if (top != want_top || bottom != want_bottom)
				fail_msg("cell %d,%d", x, y / 2);
		}
		expect(&p, "\n");
	}
	assert_int_equal(*p, '\0');
	assert_int_equal(lines, (size + 1) / 2);
	/* the quiet zone: the first line is all full blocks */
	assert_true(strncmp(buf_str(&b), "\u2588\u2588\u2588\u2588", 12) == 0);
	auth_buf_wipe(&b);

	buf_init(&b, 100);
	assert_int_equal(auth_qr_terminal(&b, URI), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	QRcode_free(qr);
}

/* --- recovery codes -------------------------------------------------- */

static void
test_recovery_code_format(void **state)
{
	static const char alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";
	char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_LEN], hex[65];

	for (int n = 0; n < AUTH_RECOVERY_CODES; n++) {
		char *c = codes[n];

		assert_int_equal(auth_recovery_code(c), 0);
		assert_int_equal(strlen(c), AUTH_RECOVERY_LEN - 1);
		assert_int_equal(strlen(c), 17);
		for (int i = 0; i < 17; i++) {
			if (i == 5 || i == 11)
				assert_int_equal(c[i], '-');
			else if (strchr(alphabet, c[i]) == NULL)
				fail_msg("\"%s\": '%c'", c, c[i]);
		}
		assert_int_equal(auth_recovery_digest(c, hex), 0);
		for (int j = 0; j < n; j++)
			assert_string_not_equal(codes[j], c);
	}
}

static void
test_recovery_digest(void **state)
{
	/* SHA-256 of "abcdefghjkmnpqr" (Python hashlib) */
	static const char want[] =
	    "b49a47e95baa0639a015dceca5c85bf1006e4ec093dcdc5375f14e18d28c0e56";
	static const char *const same[] = {
		"abcde-fghjk-mnpqr", "ABCDE-FGHJK-MNPQR", "abcdefghjkmnpqr",
		"abcde fghjk mnpqr", " abcde-fghjk-mnpqr ", "AbCdE--FgHjK  MnPqR",
		"a-b-c-d-e-f-g-h-j-k-m-n-p-q-r",
	};
	static const char *const bad[] = {
		"", "abcde-fghjk-mnpq", "abcde-fghjk-mnpqrs",	/* length */
		"abcde-fghjk-mnpqi", "abcde-fghjk-mnpql", "abcde-fghjk-mnpqo",
		"abcde-fghjk-mnpq0", "abcde-fghjk-mnpq1",	/* look-alikes */
		"abcde_fghjk_mnpqr", "abcde\tfghjk\tmnpqr", "abcde-fghjk-mnpq\xc3\xa9",
	};
	char hex[65], spaced[200];

	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		assert_int_equal(auth_recovery_digest(same[i], hex), 0);
		assert_string_equal(hex, want);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		hex[0] = 'x';
		hex[1] = '\0';
		if (auth_recovery_digest(bad[i], hex) != -1)
			fail_msg("digested \"%s\"", bad[i]);
		assert_string_equal(hex, "");
	}
	assert_int_equal(auth_recovery_digest(NULL, hex), -1);
	/* typed input is read up to a ceiling, whatever it holds */
	memset(spaced, ' ', sizeof spaced - 1);
	spaced[sizeof spaced - 1] = '\0';
	memcpy(spaced, "abcdefghjkmnpqr", 15);
	assert_int_equal(auth_recovery_digest(spaced, hex), -1);
}

/* --- session tokens -------------------------------------------------- */

static void
test_tokens(void **state)
{
	static const char fixed[] =
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char a[AUTH_TOKEN_HEX + 1], b[AUTH_TOKEN_HEX + 1], hex[65], hex2[65];
	char bad[AUTH_TOKEN_HEX + 2];

	auth_token_new(a);
	auth_token_new(b);
	assert_int_equal(strlen(a), 64);
	assert_true(auth_token_wellformed(a));
	assert_true(auth_token_wellformed(b));
	assert_string_not_equal(a, b);
	auth_token_digest(a, hex);
	assert_int_equal(strlen(hex), 64);
	assert_string_not_equal(hex, a);
	auth_token_digest(a, hex2);
	assert_string_equal(hex, hex2);

	/* SHA-256 of the token's text (Python hashlib) */
	auth_token_digest(fixed, hex);
	assert_string_equal(hex,
	    "2a8abfa8cb9906290437854193ca6bca41d4d4e26d1d454bd66a35158095e737");

	assert_true(auth_token_wellformed(fixed));
	assert_false(auth_token_wellformed(NULL));
	assert_false(auth_token_wellformed(""));
	memcpy(bad, fixed, sizeof fixed);
	bad[63] = '\0';
	assert_false(auth_token_wellformed(bad));		/* 63 */
	memcpy(bad, fixed, sizeof fixed);
	bad[64] = 'a';
	bad[65] = '\0';
	assert_false(auth_token_wellformed(bad));		/* 65 */
	memcpy(bad, fixed, sizeof fixed);
	bad[10] = 'A';
	assert_false(auth_token_wellformed(bad));		/* uppercase */
	bad[10] = 'g';
	assert_false(auth_token_wellformed(bad));
	bad[10] = ' ';
	assert_false(auth_token_wellformed(bad));
}

static void
test_equal(void **state)
{
	assert_true(auth_equal("", ""));
	assert_true(auth_equal("secret", "secret"));
	assert_false(auth_equal("secret", "secreT"));
	assert_false(auth_equal("secret", "Secret"));
	assert_false(auth_equal("secret", "secret2"));
	assert_false(auth_equal("secret", "secre"));
	assert_false(auth_equal("", "a"));
	assert_false(auth_equal(NULL, "a"));
	assert_false(auth_equal("a", NULL));
	assert_false(auth_equal(NULL, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totp_rfc6238_vectors),
		cmocka_unit_test(test_totp_replay),
		cmocka_unit_test(test_totp_window_edges),
		cmocka_unit_test(test_totp_malformed),
		cmocka_unit_test(test_totp_new_secret),
		cmocka_unit_test(test_base32_rfc4648_vectors),
		cmocka_unit_test(test_base32_round_trip),
		cmocka_unit_test(test_base32_bad),
		cmocka_unit_test(test_password_hash_verify),
		cmocka_unit_test(test_password_rules),
		cmocka_unit_test(test_random_password),
		cmocka_unit_test(test_otpauth_uri),
		cmocka_unit_test(test_qr_svg),
		cmocka_unit_test(test_qr_terminal),
		cmocka_unit_test(test_recovery_code_format),
		cmocka_unit_test(test_recovery_digest),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_equal),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
