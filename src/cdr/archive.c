/*
 * archive - archives repacked as a new zip of sanitised members.
 *
 * Reads zip, 7z, tar (plain, .gz, .bz2, .xz), single-stream gz/bz2/xz,
 * lzh/lha, cab and rar with libarchive from memory.  Every member is read
 * into a bounded buffer (never trusting the size its header claims) and
 * handed back to cdr_sanitize() one level deeper; what comes back sanitised
 * is written to a NEW zip (zipw.c) under a name we built: decoded to UTF-8,
 * checked, and given the extension of its sanitised type (a.docm -> a.docx).
 *
 * Contract and policy:
 * - Limits (c->pol->lim), each withholding the WHOLE archive by its name:
 *   archive_entry_limit (members, all levels), archive_total_size_limit
 *   (unpacked bytes, all levels), archive_entry_size_limit (one member,
 *   checked while it is read), archive_ratio_limit (unpacked/packed: per
 *   zip member, where libarchive consumes each member's packed bytes on
 *   their own, and for the archive as a whole in every format, which covers
 *   single-stream compressors and solid archives; below RATIO_FLOOR
 *   unpacked bytes nothing is ratio-checked, small files compress well and
 *   cannot hurt), archive_depth_limit (an archive with more archives around
 *   it than the limit) and file_output_size_limit (the out buffer's
 *   ceiling).  An archive_* limit hit in a nested archive withholds the
 *   outer one too.
 * - Encryption anywhere (an encrypted member, encrypted headers, a member
 *   withheld as "encrypted") withholds the whole archive: "encrypted".  So
 *   does a YARA signature in a member ("signature-match"), and a read error
 *   (bad CRC, truncation: "damaged"): a partly readable archive is not
 *   repacked as if it were whole.
 * - A member with a dangerous name is DROPPED and recorded as
 *   "unsafe-name" (the rest is kept): absolute paths, "..", drive letters
 *   and ':' (alternate data streams), control characters, bidi controls
 *   (U+202A-E, U+2066-9, U+200E/F, U+061C), Windows device names (CON,
 *   NUL, COM1...), components over 255 bytes or names over NAME_BYTES_MAX,
 *   names that cannot be read.  Dropping is safe because the output only
 *   ever carries names built here, never the original's.  Backslashes are
 *   separators; "." and empty components are removed; the characters
 *   Windows forbids (<>"|?*) become '_'.  Names differing only in ASCII
 *   case get " (2)", " (3)"... so extraction cannot overwrite.
 * - Links (symbolic and hard) and device, FIFO and socket entries are
 *   never followed: dropped and recorded as "link" / "special-file".
 *   Directory entries are not carried (paths imply them).
 * - A member withheld by cdr_sanitize() is left out and recorded as
 *   "member" ("name (reason)"); what any member's sanitiser removed is
 *   copied here prefixed with the member's name ("a.docm: word/vbaProject.bin").
 *   If nothing is kept the archive is withheld as "empty-archive".
 * - Names: zip names without the UTF-8 flag are CP932 as Japanese Windows
 *   writes them.  libarchive is run under the C.UTF-8 locale (loaded by
 *   cdr_archive_init() before the sandbox), so flagged UTF-8 names (and 7z,
 *   pax names) come back as UTF-8 and unflagged names as their raw bytes.
 *   A name that is valid UTF-8 is taken as UTF-8, anything else is decoded
 *   as CP932 (charset_decode; charset_init() must have run).
 * - A single-stream .gz/.bz2/.xz also becomes a zip, of one member named
 *   after the name in the gzip header (or "data"), so an archive always
 *   comes out as a zip and the caller's renaming stays simple.
 * Output: r->out_type "application/zip", r->out_ext ".zip", r->method
 * "repack", r->pages the number of members kept.
 */
#include "cdr/archive.h"
#include "cdr/cdr.h"
#include "cdr/item.h"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cdr/zipw.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "text/charset.h"
#include "text/fname.h"

#define CHUNK (64 * 1024)		/* bytes read from libarchive at a time */
#define RATIO_FLOOR (1024 * 1024)	/* members/archives smaller are not ratio-checked */
#define NAME_BYTES_MAX 1024		/* a member's whole path, UTF-8 */
#define COMPONENT_BYTES_MAX 255		/* one path component */
#define SHOWN_MAX (FNAME_DISPLAY_MAX * 4 + 16)	/* a name as shown in the receipt */
#define SHOWN_CUT 160			/* bytes of it kept (details are CDR_DETAIL_MAX) */
#define WHY_MAX 400			/* detail of an empty archive */
#define DUP_MAX 1000			/* " (n)" suffixes tried for one name */

static locale_t utf8_locale = (locale_t)0;
static int locale_tried;

int
cdr_archive_init(char *err, size_t errlen)
{
	if (!locale_tried) {
		locale_tried = 1;
		utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	if (utf8_locale == (locale_t)0) {
		snprintf(err, errlen, "the C.UTF-8 locale is not installed");
		return -1;
	}
	return 0;
}

/* Run libarchive under C.UTF-8 (see the top comment); returns the old locale. */
static locale_t
la_enter(void)
{
	char err[64];

	if (!locale_tried)
		(void)cdr_archive_init(err, sizeof err);
	return utf8_locale != (locale_t)0 ? uselocale(utf8_locale) : (locale_t)0;
}

static void
la_leave(locale_t old)
{
	if (old != (locale_t)0)
		uselocale(old);
}

/* Bytes of s to show in at most max, ending on a character boundary. */
static int
utf8_room(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return (int)n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return (int)max;
}

/* Output names already used, compared ignoring ASCII case. */
struct nameset {
	char **slot;
	size_t cap, n;
};

static unsigned long
name_hash(const char *s)
{
	unsigned long h = 2166136261u;

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch - 'A' + 'a');
		h = (h ^ ch) * 16777619u;
	}
	return h;
}

static int
nameset_has(const struct nameset *s, const char *name)
{
	if (s->cap == 0)
		return 0;
	for (size_t i = name_hash(name) & (s->cap - 1); s->slot[i] != NULL;
	    i = (i + 1) & (s->cap - 1))
		if (strcasecmp(s->slot[i], name) == 0)
			return 1;
	return 0;
}

static void
nameset_add(struct nameset *s, const char *name)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {	/* grows with the members, bounded by their limit */
		struct nameset big = { NULL, s->cap ? s->cap * 2 : 64, 0 };

		big.slot = xcalloc(big.cap, sizeof *big.slot);
		for (i = 0; i < s->cap; i++)
			if (s->slot[i] != NULL) {
				size_t j = name_hash(s->slot[i]) & (big.cap - 1);

				while (big.slot[j] != NULL)
					j = (j + 1) & (big.cap - 1);
				big.slot[j] = s->slot[i];
				big.n++;
			}
		free(s->slot);
		*s = big;
	}
	for (i = name_hash(name) & (s->cap - 1); s->slot[i] != NULL; i = (i + 1) & (s->cap - 1))
		;
	s->slot[i] = xstrdup(name);
	s->n++;
}

static void
nameset_free(struct nameset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
}

static int
is_bidi(unsigned int cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

/* Windows device names, also with an extension ("CON.txt", "nul .txt"). */
static int
is_device(const char *comp, size_t n)
{
	static const char *const dev[] = { "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$" };
	size_t stem = 0;

	while (stem < n && comp[stem] != '.')
		stem++;
	while (stem > 0 && comp[stem - 1] == ' ')
		stem--;
	for (size_t i = 0; i < sizeof dev / sizeof dev[0]; i++)
		if (stem == strlen(dev[i]) && strncasecmp(comp, dev[i], stem) == 0)
			return 1;
	return stem == 4 && (strncasecmp(comp, "COM", 3) == 0 ||
	    strncasecmp(comp, "LPT", 3) == 0) && comp[3] >= '0' && comp[3] <= '9';
}

/*
 * A member's raw name to a safe relative UTF-8 path in name (see the top
 * comment); shown gets the decoded name as it may be displayed.  0, or -1
 * with *bad saying what is wrong with it.
 */
static int
member_name(const char *raw, struct buf *name, struct buf *shown, const char **bad)
{
	struct buf dec, clean;
	struct charset_info info;
	const unsigned char *p;
	size_t len, i, n;
	int rc = -1;

	buf_reset(name);
	buf_reset(shown);
	len = raw != NULL ? strlen(raw) : 0;
	buf_init(&dec, NAME_BYTES_MAX * 4 + 16);
	buf_init(&clean, NAME_BYTES_MAX + 16);
	if (len == 0) {
		buf_puts(shown, "(no name)");
		*bad = "no readable name";
		goto out;
	}
	if (len > NAME_BYTES_MAX) {
		*bad = "name too long";
		len = NAME_BYTES_MAX;	/* still shown, cut */
	}
	if (utf8_valid((const unsigned char *)raw, len))
		buf_append(&dec, raw, len);
	else
		charset_decode("cp932", raw, len, &dec, &info);
	fname_display(buf_str(&dec), dec.len, shown);
	if (shown->len > SHOWN_CUT) {	/* whole characters only, so receipts stay UTF-8 */
		size_t cut = SHOWN_CUT;

		while (cut > 0 && ((unsigned char)shown->data[cut] & 0xc0) == 0x80)
			cut--;
		shown->len = cut;
		shown->data[cut] = '\0';
		buf_puts(shown, "...");
	}
	if (len == NAME_BYTES_MAX && strlen(raw) > NAME_BYTES_MAX)
		goto out;

	/* characters: controls and bidi are refused, '\' is a separator */
	p = (const unsigned char *)buf_str(&dec);
	for (i = 0; i < dec.len; i += n) {
		unsigned int cp;

		if ((n = utf8_next(p + i, dec.len - i, &cp)) == 0) {
			*bad = "undecodable name";
			goto out;
		}
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			*bad = "control character in name";
			goto out;
		}
		if (is_bidi(cp)) {
			*bad = "bidi control in name";
			goto out;
		}
		if (cp == ':') {
			*bad = i == 1 && ((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') ?
			    "drive letter" : "':' in name (alternate data stream)";
			goto out;
		}
		if (cp == '\\')
			buf_putc(&clean, '/');
		else if (cp == '<' || cp == '>' || cp == '"' || cp == '|' || cp == '?' ||
		    cp == '*')
			buf_putc(&clean, '_');
		else
			buf_append(&clean, p + i, n);
	}
	if (clean.len > 0 && clean.data[0] == '/') {
		*bad = "absolute path";
		goto out;
	}

	/* components: no "..", no devices, none too long; "." and "" dropped */
	for (i = 0; i < clean.len; i += n + 1) {
		const char *comp = clean.data + i;
		const char *slash = memchr(comp, '/', clean.len - i);

		n = slash != NULL ? (size_t)(slash - comp) : clean.len - i;
		if (n == 0 || (n == 1 && comp[0] == '.'))
			continue;
		if (n == 2 && comp[0] == '.' && comp[1] == '.') {
			*bad = "'..' in path";
			goto out;
		}
		if (n > COMPONENT_BYTES_MAX) {
			*bad = "name too long";
			goto out;
		}
		if (is_device(comp, n)) {
			*bad = "Windows device name";
			goto out;
		}
		if (name->len > 0)
			buf_putc(name, '/');
		buf_append(name, comp, n);
	}
	if (name->len == 0) {
		*bad = "no readable name";
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		buf_reset(name);
	buf_free(&dec);
	buf_free(&clean);
	return rc;
}

/*
 * The output name: name with the sanitised type's extension (replacing a
 * short one, else appended), and " (n)" before it when already used.
 * 0, or -1 when no free name was found.
 */
static int
out_name(const char *name, const char *ext, struct nameset *seen, struct buf *o)
{
	const char *base = strrchr(name, '/'), *dot;
	size_t stem;

	base = base != NULL ? base + 1 : name;
	dot = strrchr(base, '.');
	if (ext == NULL || *ext == '\0')
		ext = "";
	if (dot == NULL || dot == base)
		stem = strlen(name);		/* no extension: append */
	else if (*ext == '\0' || cdr_same_ext(dot, ext)) {
		stem = (size_t)(dot - name);	/* already right: keep */
		ext = dot;
	} else if (strlen(dot) <= 6)
		stem = (size_t)(dot - name);	/* replace */
	else
		stem = strlen(name);		/* "a.longextension": append */
	for (int i = 1; i <= DUP_MAX; i++) {
		buf_reset(o);
		if (i == 1)
			buf_printf(o, "%.*s%s", (int)stem, name, ext);
		else
			buf_printf(o, "%.*s (%d)%s", (int)stem, name, i, ext);
		if (o->len > 0 && !nameset_has(seen, buf_str(o))) {
			nameset_add(seen, buf_str(o));
			return 0;
		}
	}
	return -1;
}

/* One archive being repacked. */
struct pass {
	struct cdr_ctx *c;
	struct cdr_ctx child;
	struct cdr_result *r;
	struct archive *a;
	size_t len;			/* packed size of the whole archive */
	struct zipw *z;
	struct buf member;		/* the current member, unpacked */
	struct buf mout;		/* its sanitised form */
	struct buf name, shown, oname;
	struct buf why;			/* what was left out, for "empty-archive" */
	struct nameset seen;
	unsigned char *chunk;
	unsigned long long level_bytes;	/* unpacked at this level */
	size_t kept;
	int per_member_ratio;		/* packed size of each member is known */
	int entries_seen;		/* a header was read: the format is known */
};

static void
note_why(struct pass *ps, const char *name, const char *reason)
{
	if (ps->why.len > 0)
		buf_puts(&ps->why, "; ");
	if (buf_printf(&ps->why, "%s: %s", name, reason) != 0 && ps->why.len + 4 < ps->why.max)
		buf_puts(&ps->why, "...");
}

/* The password of the item being opened (the console's PPAP opening:
 * cdr_set_archive_passphrase), or NULL: encrypted members are withheld. */
static char *passphrase;

/* A libarchive error: encrypted or damaged, the whole archive withheld. */
static int
read_failed(struct pass *ps, const char *when)
{
	const char *m = archive_error_string(ps->a);

	if (m == NULL || !utf8_valid((const unsigned char *)m, strlen(m)))
		m = "unknown error";
	/* asked only once a format was chosen: libarchive 3.6 crashes before */
	if ((ps->entries_seen && archive_read_has_encrypted_entries(ps->a) > 0) ||
	    strstr(m, "ncrypt") != NULL ||
	    strstr(m, "assphrase") != NULL)
		return cdr_withhold(ps->r, "encrypted",
		    "the archive is encrypted (%s): it cannot be inspected without its password", m);
	return cdr_withhold(ps->r, "damaged", "the archive cannot be read %s: %s", when, m);
}

/*
 * Read the current member into ps->member, enforcing the size, total and
 * ratio limits as the bytes arrive.  0, or CDR_WITHHELD with r set.
 */
static int
read_member(struct pass *ps)
{
	const struct limits *lim = &ps->c->pol->lim;
	la_int64_t start = archive_filter_bytes(ps->a, -1);
	la_ssize_t k;

	buf_reset(&ps->member);
	while ((k = archive_read_data(ps->a, ps->chunk, CHUNK)) > 0) {
		size_t n = (size_t)k;
		unsigned long long packed;

		if (ps->member.len + n > lim->archive_entry_bytes)
			return cdr_limit(ps->r, "archive_entry_size_limit",
			    lim->archive_entry_bytes, "%s unpacks to more than %zu bytes",
			    buf_str(&ps->shown), lim->archive_entry_bytes);
		if (*ps->c->archive_bytes + n > lim->archive_total)
			return cdr_limit(ps->r, "archive_total_size_limit", lim->archive_total,
			    "the archive unpacks to more than %zu bytes (at %s)",
			    lim->archive_total, buf_str(&ps->shown));
		*ps->c->archive_bytes += n;
		ps->level_bytes += n;
		if (buf_append(&ps->member, ps->chunk, n) != 0)	/* ceiling = entry limit */
			return cdr_limit(ps->r, "archive_entry_size_limit",
			    lim->archive_entry_bytes, "%s is too large", buf_str(&ps->shown));
		if (ps->level_bytes > RATIO_FLOOR &&
		    ps->level_bytes / lim->archive_ratio > ps->len)
			return cdr_limit(ps->r, "archive_ratio_limit", lim->archive_ratio,
			    "the archive unpacks to more than %zu times its size (at %s)",
			    lim->archive_ratio, buf_str(&ps->shown));
		packed = (unsigned long long)(archive_filter_bytes(ps->a, -1) - start);
		if (ps->per_member_ratio && ps->member.len > RATIO_FLOOR &&
		    ps->member.len / lim->archive_ratio > packed)
			return cdr_limit(ps->r, "archive_ratio_limit", lim->archive_ratio,
			    "%s unpacks to more than %zu times its packed size",
			    buf_str(&ps->shown), lim->archive_ratio);
	}
	if (k < 0)
		return read_failed(ps, "(member data)");
	return 0;
}

/* Copy what the member's sanitiser removed, prefixed with its name. */
static void
copy_removed(struct pass *ps, const struct cdr_result *mr)
{
	struct buf one;

	buf_init(&one, CDR_NAMES_MAX + SHOWN_MAX + 8);
	for (size_t i = 0; i < mr->nremoved; i++) {
		const struct cdr_removal *e = &mr->removed[i];
		const char *p = e->names;
		size_t done = 0;

		while (*p != '\0' && done < e->count) {
			const char *end = strstr(p, ", ");
			size_t n = end != NULL ? (size_t)(end - p) : strlen(p);

			buf_reset(&one);
			buf_printf(&one, "%s: %.*s", buf_str(&ps->shown), (int)n, p);
			cdr_removed(ps->r, e->what, buf_str(&one));
			done++;
			p += n;
			if (*p != '\0')
				p += 2;
		}
		if (done == 0 && e->count > 0) {
			cdr_removed(ps->r, e->what, buf_str(&ps->shown));
			done++;
		}
		for (; done < e->count; done++)
			cdr_removed(ps->r, e->what, NULL);
	}
	ps->r->removed_dropped += mr->removed_dropped;
	buf_free(&one);
}

/* Sanitise the member in ps->member and add it to the zip.  0 or CDR_WITHHELD. */
static int
take_member(struct pass *ps)
{
	struct cdr_result mr;
	char what[CDR_NAME_MAX + CDR_REASON_MAX + 8];
	int rc;

	memset(&mr, 0, sizeof mr);
	rc = cdr_sanitize(&ps->child, buf_str(&ps->name), (const unsigned char *)ps->member.data,
	    ps->member.len, &ps->mout, &mr);
	copy_removed(ps, &mr);
	if (rc != CDR_OK) {
		if (strcmp(mr.reason, "encrypted") == 0)
			return cdr_withhold(ps->r, "encrypted", "%s is encrypted: %.*s",
			    buf_str(&ps->shown), utf8_room(mr.detail, 300), mr.detail);
		if (strcmp(mr.reason, "signature-match") == 0) {
			snprintf(ps->r->signature, sizeof ps->r->signature, "%s", mr.signature);
			return cdr_withhold(ps->r, "signature-match", "%s: %.*s", buf_str(&ps->shown),
			    utf8_room(mr.detail, 300), mr.detail);
		}
		if (strncmp(mr.limit_name, "archive_", 8) == 0)
			return cdr_limit(ps->r, mr.limit_name, mr.limit_value, "%s: %.*s",
			    buf_str(&ps->shown), utf8_room(mr.detail, 300), mr.detail);
		snprintf(what, sizeof what, "%.*s (%s)", CDR_NAME_MAX, buf_str(&ps->shown),
		    mr.reason);
		cdr_removed(ps->r, "member", what);
		note_why(ps, buf_str(&ps->shown), mr.reason);
		return 0;
	}
	if (out_name(buf_str(&ps->name), mr.out_ext, &ps->seen, &ps->oname) != 0) {
		cdr_removed(ps->r, "member", buf_str(&ps->shown));
		note_why(ps, buf_str(&ps->shown), "too many members with this name");
		return 0;
	}
	/* compressed formats are stored, the rest deflated */
	rc = mr.out_type != NULL && (strncmp(mr.out_type, "image/", 6) == 0 ||
	    strstr(mr.out_type, "zip") != NULL || strstr(mr.out_type, "openxml") != NULL);
	if (zipw_add(ps->z, buf_str(&ps->oname), ps->mout.data, ps->mout.len, !rc) != 0) {
		if (zipw_full(ps->z))
			return cdr_limit(ps->r, "file_output_size_limit",
			    ps->c->pol->lim.file_out_bytes,
			    "the repacked archive is larger than %zu bytes (at %s)",
			    ps->c->pol->lim.file_out_bytes, buf_str(&ps->shown));
		return cdr_withhold(ps->r, "internal", "zip writer: %s", zipw_error(ps->z));
	}
	ps->kept++;
	return 0;
}

/* One entry of the archive: checked, read, sanitised.  0 or CDR_WITHHELD. */
static int
one_entry(struct pass *ps, struct archive_entry *e, int raw)
{
	const struct limits *lim = &ps->c->pol->lim;
	const char *bad = NULL, *path;
	char what[CDR_NAME_MAX + 64];
	mode_t type;
	locale_t old;
	int rc;

	if (++*ps->c->archive_entries > lim->archive_entries)
		return cdr_limit(ps->r, "archive_entry_limit", lim->archive_entries,
		    "the archive has more than %zu members", lim->archive_entries);
	if (archive_entry_is_encrypted(e) && passphrase == NULL)
		return cdr_withhold(ps->r, "encrypted",
		    "the archive is encrypted: it cannot be inspected without its password");
	path = archive_entry_pathname(e);
	if (raw && (path == NULL || *path == '\0'))
		path = "data";
	member_name(path, &ps->name, &ps->shown, &bad);
	type = archive_entry_filetype(e);
	if (archive_entry_hardlink(e) != NULL || type == AE_IFLNK) {
		cdr_removed(ps->r, "link", buf_str(&ps->shown));
		note_why(ps, buf_str(&ps->shown), "link");
		return 0;
	}
	if (type == AE_IFDIR)
		return 0;
	if (type != AE_IFREG && !(raw && type == 0)) {
		cdr_removed(ps->r, "special-file", buf_str(&ps->shown));
		note_why(ps, buf_str(&ps->shown), "special file");
		return 0;
	}
	if (bad != NULL) {
		snprintf(what, sizeof what, "%.*s (%s)", CDR_NAME_MAX, buf_str(&ps->shown), bad);
		cdr_removed(ps->r, "unsafe-name", what);
		note_why(ps, buf_str(&ps->shown), bad);
		return 0;	/* its data is skipped by the next header read */
	}
	old = la_enter();
	rc = read_member(ps);
	la_leave(old);
	if (rc != 0)
		return rc;
	return take_member(ps);
}

static void
pass_free(struct pass *ps)
{
	if (ps->a != NULL)
		archive_read_free(ps->a);
	zipw_abort(ps->z);
	buf_free(&ps->member);
	buf_free(&ps->mout);
	buf_free(&ps->name);
	buf_free(&ps->shown);
	buf_free(&ps->oname);
	buf_free(&ps->why);
	nameset_free(&ps->seen);
	free(ps->chunk);
}

const char *
cdr_archive_passphrase(void)
{
	return passphrase;
}

void
cdr_set_archive_passphrase(const char *pw)
{
	if (passphrase != NULL) {
		explicit_bzero(passphrase, strlen(passphrase));
		free(passphrase);
		passphrase = NULL;
	}
	if (pw != NULL)
		passphrase = xstrdup(pw);
}

/* The formats and filters sekisho reads: an explicit list, no "all". */
static struct archive *
reader(void)
{
	struct archive *a = archive_read_new();

	if (a == NULL)
		die("libarchive: out of memory");
	if (passphrase != NULL && archive_read_add_passphrase(a, passphrase) != ARCHIVE_OK)
		die("libarchive: cannot take a passphrase");
	archive_read_support_format_zip(a);
	archive_read_support_format_7zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_lha(a);
	archive_read_support_format_cab(a);
	archive_read_support_format_rar(a);
	archive_read_support_format_rar5(a);
	archive_read_support_format_raw(a);	/* single-stream gz/bz2/xz */
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	return a;
}

int
cdr_archive(struct cdr_ctx *c, const unsigned char *in, size_t len, struct buf *out,
    struct cdr_result *r)
{
	const struct limits *lim = &c->pol->lim;
	size_t entries = 0;
	unsigned long long bytes = 0;
	struct archive_entry *e;
	struct pass ps;
	locale_t old;
	int rc = CDR_WITHHELD, h, raw = 0;

	if (c->depth > lim->archive_depth)
		return cdr_limit(r, "archive_depth_limit", lim->archive_depth,
		    "archives nested more than %zu deep", lim->archive_depth);
	memset(&ps, 0, sizeof ps);
	ps.c = c;
	ps.r = r;
	ps.len = len > 0 ? len : 1;
	if (c->archive_entries == NULL || c->archive_bytes == NULL) {	/* the outermost */
		c->archive_entries = &entries;
		c->archive_bytes = &bytes;
	}
	ps.child = *c;
	ps.child.depth = c->depth + 1;
	buf_init(&ps.member, lim->archive_entry_bytes);
	buf_init(&ps.mout, lim->file_out_bytes);
	buf_init(&ps.name, NAME_BYTES_MAX + 16);
	buf_init(&ps.shown, SHOWN_MAX);
	buf_init(&ps.oname, NAME_BYTES_MAX + 32);
	buf_init(&ps.why, WHY_MAX);
	ps.chunk = xmalloc(CHUNK);
	buf_reset(out);
	ps.z = zipw_open(out);

	old = la_enter();
	ps.a = reader();
	if (archive_read_open_memory(ps.a, in, len) != ARCHIVE_OK) {
		read_failed(&ps, "(opening)");
		la_leave(old);
		goto out;
	}
	for (;;) {
		h = archive_read_next_header(ps.a, &e);
		if (h == ARCHIVE_EOF)
			break;
		if (h != ARCHIVE_OK && h != ARCHIVE_WARN) {
			read_failed(&ps, "(member header)");
			la_leave(old);
			goto out;
		}
		ps.entries_seen = 1;
		if ((archive_format(ps.a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW) {
			if (archive_filter_count(ps.a) < 2) {	/* raw, and not compressed */
				cdr_withhold(r, "unsupported-format",
				    "not an archive format sekisho reads");
				la_leave(old);
				goto out;
			}
			raw = 1;
		}
		ps.per_member_ratio = (archive_format(ps.a) & ARCHIVE_FORMAT_BASE_MASK) ==
		    ARCHIVE_FORMAT_ZIP;
		la_leave(old);
		if (one_entry(&ps, e, raw) != 0)
			goto out;
		old = la_enter();
	}
	la_leave(old);
	if (ps.kept == 0) {
		cdr_withhold(r, "empty-archive", "nothing in the archive could be kept: %s",
		    ps.why.len ? buf_str(&ps.why) : "it has no files");
		goto out;
	}
	h = zipw_close(ps.z);
	ps.z = NULL;
	if (h != 0) {	/* writing to memory fails only at the buffer's ceiling */
		cdr_limit(r, "file_output_size_limit", lim->file_out_bytes,
		    "the repacked archive is larger than %zu bytes", lim->file_out_bytes);
		goto out;
	}
	r->out_type = "application/zip";
	r->out_ext = ".zip";
	snprintf(r->method, sizeof r->method, "repack");
	r->pages = ps.kept;
	rc = CDR_OK;
out:
	pass_free(&ps);	/* first: freeing an unfinished writer still writes to out */
	if (rc != CDR_OK)
		buf_reset(out);
	if (c->archive_entries == &entries) {	/* not left pointing at this frame */
		c->archive_entries = NULL;
		c->archive_bytes = NULL;
	}
	return rc;
}
