/*
 * jsonread - the one reader of JSON that sekisho did not write in this
 * process: a receipt from a worker or an agent, a record of the journal.
 *
 * json_check() reads RFC 8259 strictly in one pass, without building a tree
 * or allocating: the grammar exactly (no trailing commas, no leading zeros,
 * nothing after the value), strings in valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF) with no raw control character and only
 * the escapes RFC 8259 names (a \u escape of a lone surrogate or of NUL is
 * refused: strings become C strings),
 * nesting at most JSON_DEPTH_MAX, and no object with the same key twice
 * (compared after unescaping: "a" and "\u0061" are the same key) or with
 * more than JSON_OBJECT_KEYS_MAX keys, at any depth.  Input other software
 * would read differently (Python keeps the last of two keys, jansson the
 * first) is refused, not guessed at.
 *
 * The other functions walk a value json_check() accepted: the members of an
 * object, in order; a string decoded to UTF-8 within its buffer's ceiling; a
 * whole number.  They do not check again.
 *
 * Errors: -1 with the rule broken and the byte offset in why.
 */
#ifndef SEKISHO_CORE_JSONREAD_H
#define SEKISHO_CORE_JSONREAD_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define JSON_DEPTH_MAX 64		/* objects and arrays inside each other */
#define JSON_OBJECT_KEYS_MAX 256	/* keys of one object */
#define JSON_KEY_MAX 1024		/* bytes of one key as written */
#define JSON_OPEN_KEYS_MAX 4096		/* keys of all the objects open at once */

enum json_type {
	JV_NULL, JV_FALSE, JV_TRUE, JV_NUMBER, JV_STRING, JV_OBJECT, JV_ARRAY
};

/* A value as written: its type and its bytes (a string with its quotes). */
struct json_value {
	enum json_type type;
	const char *p;
	size_t n;
};

/* s[0..n) is exactly one JSON value, white space around it allowed. */
int json_check(const char *s, size_t n, struct json_value *v, struct buf *why);

/* The next member of a checked object: *pos starts at 0; 1 with the key (a
 * string value) and the value, 0 after the last member. */
int json_member(const struct json_value *obj, size_t *pos, struct json_value *key,
    struct json_value *val);
/* The next element of a checked array: *pos starts at 0; 1 with the value,
 * 0 after the last element. */
int json_element(const struct json_value *arr, size_t *pos, struct json_value *val);
/* The members of a checked object named names[0..n) into vals[0..n): type
 * JV_NULL with p NULL where absent (json_check refused duplicates). */
void json_members(const struct json_value *obj, const char *const *names,
    struct json_value *vals, size_t n);
/* A string value decoded into s (size n, NUL-terminated): 1 a string, 0 null
 * or absent, -1 another type or longer than n - 1 bytes. */
int json_string_into(const struct json_value *v, char *s, size_t n);
/* Whether a checked string is exactly the plain ASCII s (no escapes in s). */
int json_is(const struct json_value *str, const char *s);
/* A checked string decoded to UTF-8, appended to out; cut at out's ceiling
 * on a character boundary.  0, or -1 when cut. */
int json_unescape(const struct json_value *str, struct buf *out);
/* A checked number that is a whole number in 0..2^63-1.  0 or -1. */
int json_u64(const struct json_value *num, uint64_t *out);

#endif
