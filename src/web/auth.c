/*
 * auth - the staff console's credentials.  See auth.h for the contract.
 *
 * libsodium does the cryptography (argon2id, randomness, constant-time
 * comparison, wiping), liboath computes the TOTP codes and libqrencode the
 * QR matrices; this file only bounds the inputs and lays out the outputs.
 */
#include "web/auth.h"

#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>

#include "core/digest.h"
#include "core/utf8.h"

static_assert(AUTH_PWHASH_MAX == crypto_pwhash_STRBYTES,
    "AUTH_PWHASH_MAX is libsodium's crypto_pwhash_STRBYTES");
static_assert(SHA256_HEX_LEN == 64, "digests are 64 hex digits");
static_assert(sizeof(time_t) >= 8, "TOTP times need a 64-bit time_t");
static_assert(AUTH_TIME_MAX / AUTH_TOTP_STEP + AUTH_TOTP_WINDOW_MAX <
    LLONG_MAX / AUTH_TOTP_STEP, "a step's time fits in time_t");

/* Passwords made for people: no 0 O o 1 l I. */
static const char pw_alphabet[] =
    "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz";
/* Recovery codes: lowercase, no 0 o 1 l i. */
static const char rc_alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";
static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char argon2id_prefix[] = "$argon2id$";

#define AUTH_RECOVERY_CHARS (AUTH_RECOVERY_GROUPS * AUTH_RECOVERY_GROUP)
/* Bytes of a typed recovery code read at most: the code with a space or a
 * dash between any two characters, and some to spare. */
#define AUTH_RECOVERY_INPUT_MAX 64

static_assert(sizeof rc_alphabet - 1 == 31, "31 symbols a recovery character");
static_assert(sizeof pw_alphabet - 1 == 56, "56 symbols a password character");
/* 15 characters of 31 symbols: 15 * log2(31) = 74.3 bits >= 60. */
static_assert(AUTH_RECOVERY_CHARS >= 13, "a recovery code has at least 60 bits");

/* ------------------------------------------------------------------ */

int
auth_init(void)
{
	static int done;

	if (done)
		return 0;
	if (sodium_init() < 0)
		return -1;
	if (oath_init() != OATH_OK)
		return -1;
	done = 1;
	return 0;
}

void
auth_buf_wipe(struct buf *b)
{
	if (b->data != NULL)
		sodium_memzero(b->data, b->cap);
	buf_free(b);
}

int
auth_equal(const char *a, const char *b)
{
	size_t la, lb;

	if (a == NULL || b == NULL)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	if (la != lb)
		return 0;
	return sodium_memcmp(a, b, la) == 0;
}

/* Give back what an output function added to b after len (wiped: it may
 * carry a secret), leaving b as it was. */
static void
buf_rollback(struct buf *b, size_t len)
{
	if (b->data == NULL || b->len <= len)
		return;
	sodium_memzero(b->data + len, b->len - len);
	b->len = len;
	b->data[len] = '\0';
}

/* --- passwords ------------------------------------------------------- */

/* Set why (if any) to one sentence and fail. */
static int
refuse(struct buf *why, const char *reason)
{
	if (why != NULL) {
		buf_reset(why);
		(void)buf_puts(why, reason);
	}
	return -1;
}

int
auth_password_acceptable(const char *pw, struct buf *why)
{
	size_t len, off, n, chars = 0;
	unsigned int cp;

	if (pw == NULL)
		return refuse(why, "No password was given.");
	len = strnlen(pw, AUTH_PW_MAX + 1);
	if (len > AUTH_PW_MAX)
		return refuse(why, "A password has at most 256 bytes.");
	for (off = 0; off < len; off += n) {
		n = utf8_next((const unsigned char *)pw + off, len - off, &cp);
		if (n == 0)
			return refuse(why, "A password is UTF-8 text.");
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return refuse(why,
			    "A password holds no control characters.");
		chars++;
	}
	if (chars < AUTH_PW_MIN)
		return refuse(why, "A password has at least 12 characters.");
	if (why != NULL)
		buf_reset(why);
	return 0;
}
static_assert(AUTH_PW_MIN == 12 && AUTH_PW_MAX == 256,
    "the reasons above name the limits");

int
auth_password_hash(const char *pw, unsigned long long opslimit,
    size_t memlimit, char out[AUTH_PWHASH_MAX])
{
	size_t len;

	out[0] = '\0';
	if (pw == NULL)
		return -1;
	len = strnlen(pw, AUTH_PW_MAX + 1);
	if (len > AUTH_PW_MAX)
		return -1;
	if (crypto_pwhash_str_alg(out, pw, len, opslimit, memlimit,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_memzero(out, AUTH_PWHASH_MAX);
		return -1;
	}
	return 0;
}

/* 1 if stored is an argon2id string libsodium can read, else 0. */
static int
pwhash_readable(const char *stored)
{
	if (stored == NULL ||
	    strnlen(stored, AUTH_PWHASH_MAX) >= AUTH_PWHASH_MAX ||
	    strncmp(stored, argon2id_prefix, sizeof argon2id_prefix - 1) != 0)
		return 0;
	/* -1 only when the parameters or encoding cannot be decoded */
	return crypto_pwhash_str_needs_rehash(stored,
	    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN) >= 0;
}

int
auth_password_verify(const char *stored, const char *pw)
{
	size_t len;

	if (!pwhash_readable(stored))
		return -1;
	if (pw == NULL)
		return 1;
	len = strnlen(pw, AUTH_PW_MAX + 1);
	if (len > AUTH_PW_MAX)
		return 1;	/* never accepted, so never stored */
	return crypto_pwhash_str_verify(stored, pw, len) == 0 ? 0 : 1;
}

int
auth_password_needs_rehash(const char *stored, unsigned long long opslimit,
    size_t memlimit)
{
	if (!pwhash_readable(stored))
		return -1;
	return crypto_pwhash_str_needs_rehash(stored, opslimit, memlimit) != 0;
}

int
auth_random_password(char *out, size_t outsz)
{
	if (outsz < AUTH_RANDOM_PW_LEN + 1)
		return -1;
	for (size_t i = 0; i < AUTH_RANDOM_PW_LEN; i++)
		out[i] = pw_alphabet[randombytes_uniform(sizeof pw_alphabet - 1)];
	out[AUTH_RANDOM_PW_LEN] = '\0';
	return 0;
}

/* --- base32 (RFC 4648 section 6, no padding) ------------------------------ */

int
auth_base32_encode(const unsigned char *in, size_t len, char *out,
    size_t outsz)
{
	size_t o = 0;
	unsigned int acc = 0, bits = 0;

	if (len > (SIZE_MAX - 4) / 8 || outsz < AUTH_BASE32_LEN(len) + 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8 | in[i]) & 0xfff;	/* at most 12 bits kept */
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32_alphabet[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = b32_alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return 0;
}

/* Value of a base32 character in either case, -1 if it is not one. */
static int
b32_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int
auth_base32_decode(const char *in, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	size_t len, o = 0;
	unsigned int acc = 0, bits = 0;
	int v;

	*outlen = 0;
	if (in == NULL)
		return -1;
	len = strlen(in);
	switch (len % 8) {
	case 1: case 3: case 6:		/* no whole byte ends there */
		return -1;
	}
	if (len / 8 * 5 + (len % 8) * 5 / 8 > outsz)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if ((v = b32_value((unsigned char)in[i])) < 0)
			goto bad;
		acc = (acc << 5 | (unsigned int)v) & 0xfff;	/* at most 12 bits kept */
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if ((acc & ((1u << bits) - 1)) != 0)	/* not canonical */
		goto bad;
	*outlen = o;
	return 0;
bad:
	sodium_memzero(out, o);
	return -1;
}

/* --- TOTP ------------------------------------------------------------ */

int
auth_totp_new_secret(unsigned char secret[AUTH_TOTP_SECRET_LEN])
{
	randombytes_buf(secret, AUTH_TOTP_SECRET_LEN);
	return 0;
}

static int
totp_args_ok(const unsigned char *secret, size_t len, long long now)
{
	return secret != NULL && len >= AUTH_TOTP_SECRET_MIN &&
	    len <= AUTH_TOTP_SECRET_MAX && now >= 0 && now <= AUTH_TIME_MAX;
}

/* The code of time step `step' (step >= 0, bounded by the callers). */
static int
totp_step_code(const unsigned char *secret, size_t len, long long step,
    char out[AUTH_TOTP_DIGITS + 1])
{
	if (oath_totp_generate2((const char *)secret, len,
	    (time_t)(step * AUTH_TOTP_STEP), AUTH_TOTP_STEP,
	    OATH_TOTP_DEFAULT_START_TIME, AUTH_TOTP_DIGITS, 0, out) != OATH_OK) {
		sodium_memzero(out, AUTH_TOTP_DIGITS + 1);
		return -1;
	}
	return 0;
}

int
auth_totp_code(const unsigned char *secret, size_t len, long long now,
    char out[AUTH_TOTP_DIGITS + 1])
{
	out[0] = '\0';
	if (!totp_args_ok(secret, len, now))
		return -1;
	return totp_step_code(secret, len, now / AUTH_TOTP_STEP, out);
}

/* The six digits of a typed code ("123456" or "123 456"); 0, or -1. */
static int
totp_parse(const char *code, char digits[AUTH_TOTP_DIGITS + 1])
{
	size_t len, n = 0;

	if (code == NULL)
		return -1;
	len = strnlen(code, AUTH_TOTP_DIGITS + 2);
	if (len == AUTH_TOTP_DIGITS + 1 && code[AUTH_TOTP_DIGITS / 2] != ' ')
		return -1;
	if (len != AUTH_TOTP_DIGITS && len != AUTH_TOTP_DIGITS + 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (len > AUTH_TOTP_DIGITS && i == AUTH_TOTP_DIGITS / 2)
			continue;	/* the one space */
		if (code[i] < '0' || code[i] > '9')
			return -1;
		digits[n++] = code[i];
	}
	digits[n] = '\0';
	return 0;
}

int
auth_totp_check(const unsigned char *secret, size_t len, const char *code,
    long long now, unsigned window, long long last_step,
    long long *matched_step)
{
	char typed[AUTH_TOTP_DIGITS + 1], want[AUTH_TOTP_DIGITS + 1];
	long long lo, hi;
	int rc = 1;

	if (totp_parse(code, typed) != 0)
		return -1;
	if (!totp_args_ok(secret, len, now) || window > AUTH_TOTP_WINDOW_MAX) {
		rc = -1;
		goto out;
	}
	/*
	 * Each step is generated and compared in turn (liboath's validators
	 * stop at the first match and compare with strcmp): the earliest step
	 * after last_step whose code matches is the one used up.
	 */
	hi = now / AUTH_TOTP_STEP + window;
	lo = now / AUTH_TOTP_STEP - window;
	if (lo < 0)
		lo = 0;
	if (last_step >= hi)
		goto out;	/* everything in the window was used */
	if (last_step >= lo)
		lo = last_step + 1;
	for (long long s = lo; s <= hi; s++) {
		if (totp_step_code(secret, len, s, want) != 0) {
			rc = -1;
			goto out;
		}
		if (sodium_memcmp(want, typed, AUTH_TOTP_DIGITS) == 0) {
			*matched_step = s;
			rc = 0;
			goto out;
		}
	}
out:
	sodium_memzero(typed, sizeof typed);
	sodium_memzero(want, sizeof want);
	return rc;
}

/* --- otpauth URI ------------------------------------------------------- */

/* 1 if c stands for itself in a URI (RFC 3986 unreserved), else 0. */
static int
uri_unreserved(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* Length of s percent-encoded, or 0 if s may not stand in a URI label:
 * empty, longer than max, not UTF-8, a control character or ':'. */
static size_t
label_encoded_len(const char *s, size_t max)
{
	size_t len, off, n, enc = 0;
	unsigned int cp;

	if (s == NULL)
		return 0;
	len = strnlen(s, max + 1);
	if (len == 0 || len > max)
		return 0;
	for (off = 0; off < len; off += n) {
		n = utf8_next((const unsigned char *)s + off, len - off, &cp);
		if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    cp == ':')
			return 0;
	}
	for (off = 0; off < len; off++)
		enc += uri_unreserved((unsigned char)s[off]) ? 1 : 3;
	return enc;
}

/* Append s with every byte but the unreserved ones percent-encoded. */
static int
put_encoded(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

		if (uri_unreserved(c)) {
			if (buf_putc(b, c) != 0)
				return -1;
		} else if (buf_append(b, esc, sizeof esc) != 0)
			return -1;
	}
	return 0;
}

int
auth_otpauth_uri(struct buf *b, const char *issuer, const char *account,
    const unsigned char *secret, size_t len)
{
	static const char scheme[] = "otpauth://totp/";
	static const char tail[] = "&algorithm=SHA1&digits=6&period=30";
	char b32[AUTH_BASE32_LEN(AUTH_TOTP_SECRET_MAX) + 1];
	size_t start = b->len, ilen, alen, total;
	int rc = -1;

	static_assert(AUTH_TOTP_DIGITS == 6 && AUTH_TOTP_STEP == 30,
	    "the URI's tail names the parameters");
	ilen = label_encoded_len(issuer, AUTH_ISSUER_MAX);
	alen = label_encoded_len(account, AUTH_ACCOUNT_MAX);
	if (ilen == 0 || alen == 0 || !totp_args_ok(secret, len, 0))
		return -1;
	if (auth_base32_encode(secret, len, b32, sizeof b32) != 0)
		return -1;
	total = sizeof scheme - 1 + ilen + 1 + alen + strlen("?secret=") +
	    strlen(b32) + strlen("&issuer=") + ilen + sizeof tail - 1;
	/* grown once, before the secret is in it */
	if (buf_reserve(b, total) != 0)
		goto out;
	if (buf_puts(b, scheme) != 0 || put_encoded(b, issuer) != 0 ||
	    buf_putc(b, ':') != 0 || put_encoded(b, account) != 0 ||
	    buf_puts(b, "?secret=") != 0 || buf_puts(b, b32) != 0 ||
	    buf_puts(b, "&issuer=") != 0 || put_encoded(b, issuer) != 0 ||
	    buf_puts(b, tail) != 0) {
		buf_rollback(b, start);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(b32, sizeof b32);
	return rc;
}

/* --- QR codes ---------------------------------------------------------- */

#define QR_QUIET 4	/* modules of light border (ISO/IEC 18004) */

/*
 * Output is made twice: first counted, then written into a buffer grown
 * once to the exact size (the code carries a secret: no reallocation may
 * leave a copy of part of it behind).
 */
struct sink {
	struct buf *b;	/* NULL: count only */
	size_t n;
	int err;
};

static void
sink_put(struct sink *s, const char *p, size_t n)
{
	if (s->b == NULL)
		s->n += n;
	else if (buf_append(s->b, p, n) != 0)
		s->err = 1;
}

static void
sink_puts(struct sink *s, const char *p)
{
	sink_put(s, p, strlen(p));
}

/* Append prefix and the decimal number v. */
static void
sink_num(struct sink *s, const char *prefix, int v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof tmp, "%s%d", prefix, v);

	if (n < 0 || (size_t)n >= sizeof tmp)
		s->err = 1;
	else
		sink_put(s, tmp, (size_t)n);
}

/* 1 if module (x, y) of the code with its quiet zone is dark. */
static int
qr_dark(const QRcode *qr, int x, int y)
{
	x -= QR_QUIET;
	y -= QR_QUIET;
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 0;
	return qr->data[(size_t)y * (size_t)qr->width + (size_t)x] & 1;
}

static void
qr_render_svg(const QRcode *qr, struct sink *s)
{
	int size = qr->width + 2 * QR_QUIET;

	sink_puts(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0");
	sink_num(s, " ", size);
	sink_num(s, " ", size);
	sink_puts(s, "\" width=\"");
	sink_num(s, "", size * AUTH_QR_SVG_SCALE);
	sink_puts(s, "\" height=\"");
	sink_num(s, "", size * AUTH_QR_SVG_SCALE);
	sink_puts(s, "\" shape-rendering=\"crispEdges\"><rect width=\"");
	sink_num(s, "", size);
	sink_puts(s, "\" height=\"");
	sink_num(s, "", size);
	sink_puts(s, "\" fill=\"#fff\"/><path fill=\"#000\" d=\"");
	/* one rectangle for each horizontal run of dark modules */
	for (int y = 0; y < size; y++) {
		for (int x = 0; x < size; ) {
			int run = 0;

			while (x + run < size && qr_dark(qr, x + run, y))
				run++;
			if (run == 0) {
				x++;
				continue;
			}
			sink_num(s, "M", x);
			sink_num(s, " ", y);
			sink_num(s, "h", run);
			sink_puts(s, "v1");
			sink_num(s, "h", -run);
			sink_puts(s, "z");
			x += run;
		}
	}
	sink_puts(s, "\"/></svg>");
}

static void
qr_render_terminal(const QRcode *qr, struct sink *s)
{
	/* light modules are drawn: a terminal's text is light on dark */
	static const char *const cell[4] = {
		" ",			/* both dark */
		"\xe2\x96\x80",		/* U+2580 upper half: top light */
		"\xe2\x96\x84",		/* U+2584 lower half: bottom light */
		"\xe2\x96\x88",		/* U+2588 full block: both light */
	};
	int size = qr->width + 2 * QR_QUIET;

	for (int y = 0; y < size; y += 2) {
		for (int x = 0; x < size; x++) {
			int top = !qr_dark(qr, x, y);
			int bottom = y + 1 < size && !qr_dark(qr, x, y + 1);

			sink_puts(s, cell[top | bottom << 1]);
		}
		sink_puts(s, "\n");
	}
}

/* Encode text and append its rendering to b; 0, or -1 with b unchanged. */
static int
qr_output(struct buf *b, const char *text,
    void (*render)(const QRcode *, struct sink *))
{
	struct sink count = { NULL, 0, 0 }, out = { b, 0, 0 };
	size_t start = b->len, len;
	QRcode *qr;
	int rc = -1;

	if (text == NULL)
		return -1;
	len = strnlen(text, AUTH_QR_TEXT_MAX + 1);
	if (len == 0 || len > AUTH_QR_TEXT_MAX)
		return -1;
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL)
		return -1;	/* too long for any version at level M */
	render(qr, &count);
	if (count.err || buf_reserve(b, count.n) != 0)
		goto out;
	render(qr, &out);
	if (out.err) {
		buf_rollback(b, start);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);
	return rc;
}

int
auth_qr_svg(struct buf *b, const char *text)
{
	return qr_output(b, text, qr_render_svg);
}

int
auth_qr_terminal(struct buf *b, const char *text)
{
	return qr_output(b, text, qr_render_terminal);
}

/* --- recovery codes ---------------------------------------------------- */

int
auth_recovery_code(char out[AUTH_RECOVERY_LEN])
{
	size_t o = 0;

	for (int g = 0; g < AUTH_RECOVERY_GROUPS; g++) {
		if (g > 0)
			out[o++] = '-';
		for (int i = 0; i < AUTH_RECOVERY_GROUP; i++)
			out[o++] = rc_alphabet[randombytes_uniform(
			    sizeof rc_alphabet - 1)];
	}
	out[o] = '\0';
	return 0;
}

int
auth_recovery_digest(const char *code, char hex[65])
{
	char norm[AUTH_RECOVERY_CHARS];
	size_t len, n = 0;
	int rc = -1;

	hex[0] = '\0';
	if (code == NULL)
		return -1;
	len = strnlen(code, AUTH_RECOVERY_INPUT_MAX + 1);
	if (len > AUTH_RECOVERY_INPUT_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)code[i];

		if (c == '-' || c == ' ')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c == '\0' || strchr(rc_alphabet, c) == NULL ||
		    n == sizeof norm)
			goto out;
		norm[n++] = (char)c;
	}
	if (n != sizeof norm)
		goto out;
	sha256_hex(norm, n, hex);
	rc = 0;
out:
	sodium_memzero(norm, sizeof norm);
	return rc;
}

/* --- session tokens ---------------------------------------------------- */

void
auth_token_new(char out[AUTH_TOKEN_HEX + 1])
{
	unsigned char raw[AUTH_TOKEN_BYTES];

	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(out, AUTH_TOKEN_HEX + 1, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
}

void
auth_token_digest(const char *token, char hex[65])
{
	sha256_hex(token, strlen(token), hex);
}

int
auth_token_wellformed(const char *s)
{
	if (s == NULL || strnlen(s, AUTH_TOKEN_HEX + 1) != AUTH_TOKEN_HEX)
		return 0;
	for (size_t i = 0; i < AUTH_TOKEN_HEX; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}
