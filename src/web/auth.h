/*
 * auth - the staff console's credentials: passwords (argon2id), TOTP second
 * factors (RFC 6238), recovery codes and session tokens.  Pure functions: no
 * database, no network, no clock (the caller passes the time).
 *
 * Contract: what the database stores is never the secret a person types or
 * holds: a password is kept as its argon2id string, a recovery code and a
 * session token as the SHA-256 hex of their normalised text.  (The TOTP
 * secret is the exception the RFC imposes: it is kept as it is.)  Every input
 * is bounded by a named ceiling below and checked before it is used; a wrong
 * or malformed input is an answer (1 or -1), never a crash.  Secrets held in
 * this module's own memory are wiped with sodium_memzero before it returns;
 * what it hands back (a new secret, password, code or token, a URI or QR
 * code that carries a TOTP secret) is the caller's to wipe, with
 * auth_buf_wipe for a buffer.  A buffer that receives a secret is grown once,
 * before the secret is written, so no copy is left behind by a reallocation.
 * Comparisons of secrets take the same time whatever bytes differ.
 * auth_init() must succeed before anything else is used.
 */
#ifndef SEKISHO_WEB_AUTH_H
#define SEKISHO_WEB_AUTH_H

#include <stddef.h>

#include "core/buf.h"

/* sodium_init and oath_init; 0, or -1 if either failed.  Idempotent; call it
 * at start-up, before any thread is started. */
int auth_init(void);

/* --- passwords ------------------------------------------------------- */

#define AUTH_PW_MIN 12		/* characters (UTF-8 code points), as NIST SP 800-63B counts */
#define AUTH_PW_MAX 256		/* bytes: also bounds the work a login asks of us */
#define AUTH_PWHASH_MAX 128	/* an argon2id string with its NUL (crypto_pwhash_STRBYTES) */
#define AUTH_RANDOM_PW_LEN 20	/* characters of a generated password: 116 bits */

/* 0 if pw may become a password; -1 with the reason in why (English, one
 * sentence) if it is too short, too long, not UTF-8 or holds a control
 * character (C0, DEL or C1).  why may be NULL. */
int auth_password_acceptable(const char *pw, struct buf *why);
/* argon2id string of pw in out; 0, or -1 (pw longer than AUTH_PW_MAX,
 * limits outside libsodium's range, out of memory). */
int auth_password_hash(const char *pw, unsigned long long opslimit,
    size_t memlimit, char out[AUTH_PWHASH_MAX]);
/* 0 if pw matches the stored argon2id string, 1 if it does not, -1 if
 * stored is not an argon2id string. */
int auth_password_verify(const char *stored, const char *pw);
/* 1 if stored was made with other limits than these (hash again at the next
 * login), 0 if not, -1 if stored is not an argon2id string. */
int auth_password_needs_rehash(const char *stored, unsigned long long opslimit,
    size_t memlimit);
/* A new account's first password: AUTH_RANDOM_PW_LEN characters from an
 * alphabet without look-alikes (no 0 O o 1 l I).  0, or -1 if outsz is less
 * than AUTH_RANDOM_PW_LEN + 1. */
int auth_random_password(char *out, size_t outsz);

/* --- TOTP (RFC 6238: HMAC-SHA-1, 30 s, 6 digits) ------------------------- */

#define AUTH_TOTP_SECRET_LEN 20		/* bytes of a new secret (RFC 4226 R6: 160 bits) */
#define AUTH_TOTP_SECRET_MIN 16		/* bytes: RFC 4226 R6, at least 128 bits */
#define AUTH_TOTP_SECRET_MAX 64		/* bytes */
#define AUTH_TOTP_STEP 30		/* seconds */
#define AUTH_TOTP_DIGITS 6
#define AUTH_TOTP_WINDOW_MAX 10		/* steps either side of now */
#define AUTH_TIME_MAX 253402300799LL	/* 9999-12-31T23:59:59Z: now beyond is an error */
/* Characters of the base32 form of n bytes (RFC 4648, without padding). */
#define AUTH_BASE32_LEN(n) (((n) * 8 + 4) / 5)

int auth_totp_new_secret(unsigned char secret[AUTH_TOTP_SECRET_LEN]);
/* Base32 of in[0..len) in out with a NUL; 0, or -1 if outsz is less than
 * AUTH_BASE32_LEN(len) + 1. */
int auth_base32_encode(const unsigned char *in, size_t len, char *out,
    size_t outsz);
/* Bytes of base32 text (either case, no padding, no spaces) in out, their
 * number in *outlen; 0, or -1 if in is not canonical base32 (a character
 * outside the alphabet, an impossible length, unused bits not zero) or
 * outsz is too small. */
int auth_base32_decode(const char *in, unsigned char *out, size_t outsz,
    size_t *outlen);
/* The code for time now (Unix seconds) in out; 0, or -1 (secret length
 * outside [AUTH_TOTP_SECRET_MIN, AUTH_TOTP_SECRET_MAX], now outside
 * [0, AUTH_TIME_MAX]). */
int auth_totp_code(const unsigned char *secret, size_t len, long long now,
    char out[AUTH_TOTP_DIGITS + 1]);
/* Check a typed code: "123456", or "123 456" as authenticators show it.
 * 0 if it is the code of a step in [now/30 - window, now/30 + window] that is
 * greater than last_step: that step is in *matched_step, which the caller
 * stores as the new last_step, so that each code is accepted once only (use
 * -1 for an account that never logged in).  1 if the code is wrong or
 * replayed, -1 if it is malformed or an argument is out of range (window
 * above AUTH_TOTP_WINDOW_MAX, as auth_totp_code otherwise). */
int auth_totp_check(const unsigned char *secret, size_t len, const char *code,
    long long now, unsigned window, long long last_step,
    long long *matched_step);

#define AUTH_ISSUER_MAX 64	/* bytes of an issuer in an otpauth URI */
#define AUTH_ACCOUNT_MAX 254	/* bytes of an account name (an address at most) */
/* Append otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=
 * SHA1&digits=6&period=30, issuer and account percent-encoded (UTF-8 allowed;
 * empty, a control character or ':' is refused).  0, or -1 with b unchanged.
 * The URI carries the secret. */
int auth_otpauth_uri(struct buf *b, const char *issuer, const char *account,
    const unsigned char *secret, size_t len);

/* --- enrolment QR codes (libqrencode, level M, 4-module quiet zone) --- */

#define AUTH_QR_TEXT_MAX 2048	/* bytes of text in one code */
#define AUTH_QR_SVG_SCALE 4	/* pixels per module of the SVG's width and height */
/* Append an SVG of the code: one <svg>, one <rect> (the light background)
 * and one <path> (the dark modules); no script, style or reference.
 * 0, or -1 with b unchanged (text empty or too long, b's ceiling). */
int auth_qr_svg(struct buf *b, const char *text);
/* Append the code drawn for a terminal with light text on a dark
 * background: light modules in half blocks (U+2580, U+2584, U+2588), dark
 * ones as spaces, two module rows a line.  0, or -1 with b unchanged. */
int auth_qr_terminal(struct buf *b, const char *text);

/* --- recovery codes --------------------------------------------------- */

#define AUTH_RECOVERY_CODES 10		/* codes given at enrolment */
#define AUTH_RECOVERY_GROUPS 3
#define AUTH_RECOVERY_GROUP 5		/* characters a group: 15 of 31, 74 bits */
/* "abcde-fghjk-mnpqr" with its NUL */
#define AUTH_RECOVERY_LEN (AUTH_RECOVERY_GROUPS * (AUTH_RECOVERY_GROUP + 1))

/* A new code from a lowercase alphabet without look-alikes
 * (23456789abcdefghjkmnpqrstuvwxyz); 0. */
int auth_recovery_code(char out[AUTH_RECOVERY_LEN]);
/* SHA-256 hex of the code as typed, normalised (lowercase, spaces and dashes
 * removed): what the database stores.  0, or -1 if the normalised text is
 * not a code of this alphabet and length (hex is then ""). */
int auth_recovery_digest(const char *code, char hex[65]);

/* --- session tokens ---------------------------------------------------- */

#define AUTH_TOKEN_BYTES 32
#define AUTH_TOKEN_HEX (2 * AUTH_TOKEN_BYTES)

/* AUTH_TOKEN_BYTES random bytes as lowercase hex: the cookie's value. */
void auth_token_new(char out[AUTH_TOKEN_HEX + 1]);
/* SHA-256 hex of a token: what the database stores.  Check the token with
 * auth_token_wellformed first. */
void auth_token_digest(const char *token, char hex[65]);
/* 1 if s is exactly AUTH_TOKEN_HEX lowercase hex digits, else 0. */
int auth_token_wellformed(const char *s);

/* --- helpers ------------------------------------------------------------ */

/* 1 if a and b are the same string, else 0 (also for NULL).  Constant time
 * over the bytes of equal-length strings; the length itself is not hidden. */
int auth_equal(const char *a, const char *b);
/* Wipe all of b's memory and free it (for a buffer that held a secret). */
void auth_buf_wipe(struct buf *b);

#endif
