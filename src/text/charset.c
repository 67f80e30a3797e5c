/*
 * charset - mail charsets to UTF-8.  See charset.h for the contract.
 *
 * Decisions, in order: ISO-2022-JP escapes win over any non-2022 label; a
 * label whose decoding would produce errors is re-checked by detection; an
 * absent or us-ascii label on 8-bit bytes is detected (UTF-8, then Japanese by
 * structure, then uchardet, then windows-1252 as the WHATWG default).
 */
#include "text/charset.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <uchardet/uchardet.h>

#include "core/utf8.h"
#include "core/xalloc.h"
#include "text/jis.h"

#define DETECT_SAMPLE_MAX (64 * 1024)	/* bytes uchardet looks at */

/* Label (lower case) -> canonical iconv name.  "=" names are handled here. */
struct alias {
	const char *label;
	const char *canon;
};

static const struct alias aliases[] = {
	{ "us-ascii", "US-ASCII" }, { "ascii", "US-ASCII" }, { "us_ascii", "US-ASCII" },
	{ "ansi_x3.4-1968", "US-ASCII" }, { "iso646-us", "US-ASCII" }, { "7bit", "US-ASCII" },
	{ "8bit", "US-ASCII" }, { "default", "US-ASCII" }, { "unknown", "US-ASCII" },
	{ "x-unknown", "US-ASCII" }, { "unknown-8bit", "US-ASCII" }, { "x-user-defined", "US-ASCII" },
	{ "utf-8", "UTF-8" }, { "utf8", "UTF-8" }, { "x-utf-8", "UTF-8" }, { "unicode-1-1-utf-8", "UTF-8" },
	{ "iso-2022-jp", "ISO-2022-JP" }, { "csiso2022jp", "ISO-2022-JP" },
	{ "iso-2022-jp-1", "ISO-2022-JP" }, { "iso-2022-jp-2", "ISO-2022-JP" },
	{ "iso-2022-jp-3", "ISO-2022-JP" }, { "iso-2022-jp-2004", "ISO-2022-JP" },
	{ "cp50220", "ISO-2022-JP" }, { "cp50221", "ISO-2022-JP" }, { "cp50222", "ISO-2022-JP" },
	{ "x-iso-2022-jp", "ISO-2022-JP" }, { "jis", "ISO-2022-JP" }, { "iso2022jp", "ISO-2022-JP" },
	{ "shift_jis", "CP932" }, { "shift-jis", "CP932" }, { "sjis", "CP932" }, { "x-sjis", "CP932" },
	{ "ms_kanji", "CP932" }, { "csshiftjis", "CP932" }, { "windows-31j", "CP932" },
	{ "cp932", "CP932" }, { "ms932", "CP932" }, { "x-ms-cp932", "CP932" }, { "shift_jisx0213", "CP932" },
	{ "shift_jis-2004", "CP932" }, { "x-sjis-docomo", "CP932" }, { "x-sjis-kddi", "CP932" },
	{ "x-sjis-softbank", "CP932" }, { "sjis-win", "CP932" },
	{ "euc-jp", "EUC-JP-MS" }, { "x-euc-jp", "EUC-JP-MS" }, { "eucjp", "EUC-JP-MS" },
	{ "cseucpkdfmtjapanese", "EUC-JP-MS" }, { "euc-jp-ms", "EUC-JP-MS" }, { "eucjp-win", "EUC-JP-MS" },
	{ "euc-jisx0213", "EUC-JP-MS" },
	{ "iso-8859-1", "WINDOWS-1252" }, { "iso8859-1", "WINDOWS-1252" }, { "latin1", "WINDOWS-1252" },
	{ "l1", "WINDOWS-1252" }, { "iso_8859-1", "WINDOWS-1252" }, { "windows-1252", "WINDOWS-1252" },
	{ "cp1252", "WINDOWS-1252" }, { "x-cp1252", "WINDOWS-1252" }, { "cp819", "WINDOWS-1252" },
	{ "iso-8859-2", "ISO-8859-2" }, { "iso-8859-3", "ISO-8859-3" }, { "iso-8859-4", "ISO-8859-4" },
	{ "iso-8859-5", "ISO-8859-5" }, { "iso-8859-6", "ISO-8859-6" }, { "iso-8859-7", "ISO-8859-7" },
	{ "iso-8859-8", "ISO-8859-8" }, { "iso-8859-8-i", "ISO-8859-8" }, { "iso-8859-9", "WINDOWS-1254" },
	{ "iso-8859-10", "ISO-8859-10" }, { "iso-8859-11", "CP874" }, { "iso-8859-13", "ISO-8859-13" },
	{ "iso-8859-14", "ISO-8859-14" }, { "iso-8859-15", "ISO-8859-15" }, { "iso-8859-16", "ISO-8859-16" },
	{ "latin2", "ISO-8859-2" }, { "latin-9", "ISO-8859-15" },
	{ "windows-1250", "WINDOWS-1250" }, { "cp1250", "WINDOWS-1250" },
	{ "windows-1251", "WINDOWS-1251" }, { "cp1251", "WINDOWS-1251" },
	{ "windows-1253", "WINDOWS-1253" }, { "windows-1254", "WINDOWS-1254" },
	{ "windows-1255", "WINDOWS-1255" }, { "windows-1256", "WINDOWS-1256" },
	{ "windows-1257", "WINDOWS-1257" }, { "windows-1258", "WINDOWS-1258" },
	{ "koi8-r", "KOI8-R" }, { "koi8-u", "KOI8-U" }, { "koi8", "KOI8-R" },
	{ "gb2312", "GB18030" }, { "gbk", "GB18030" }, { "gb18030", "GB18030" }, { "x-gbk", "GB18030" },
	{ "cp936", "GB18030" }, { "euc-cn", "GB18030" }, { "csgb2312", "GB18030" }, { "chinese", "GB18030" },
	{ "big5", "BIG5-HKSCS" }, { "big5-hkscs", "BIG5-HKSCS" }, { "x-big5", "BIG5-HKSCS" }, { "cp950", "BIG5-HKSCS" },
	{ "ks_c_5601-1987", "CP949" }, { "euc-kr", "CP949" }, { "cp949", "CP949" }, { "korean", "CP949" },
	{ "ks_c_5601", "CP949" }, { "iso-2022-kr", "ISO-2022-KR" },
	{ "utf-16", "UTF-16" }, { "utf-16le", "UTF-16LE" }, { "utf-16be", "UTF-16BE" },
	{ "utf-7", "UTF-7" }, { "tis-620", "CP874" }, { "windows-874", "CP874" },
	{ "ibm437", "CP437" }, { "cp437", "CP437" }, { "ibm850", "CP850" }, { "cp850", "CP850" },
	{ "macintosh", "MACINTOSH" }, { "x-mac-roman", "MACINTOSH" },
};

#define NALIASES (sizeof aliases / sizeof aliases[0])
#define CONV_MAX 64

/* Open converters, one per canonical name (opened before the sandbox). */
static struct conv {
	const char *canon;
	iconv_t cd;
} convs[CONV_MAX];
static size_t nconvs;
static uchardet_t detector;
static iconv_t to_cp932 = (iconv_t)-1;	/* for ISO-2022-JP output */

/*
 * CP932 writes 388 characters twice: as IBM extensions (lead 0xFA-0xFC),
 * which have no ISO-2022-JP form, and as NEC row 13 or NEC-selected IBM
 * extensions (0x87, 0xED, 0xEE), which do.  iconv's UTF-8 -> CP932 picks the
 * IBM form (髙 -> FB FC); Windows' ISO-2022-JP writes the NEC form (髙 ->
 * JIS 0x7C62).  ibm_to_nec[] is built once from iconv's own tables.
 */
#define IBM_FIRST 0xfa40
#define IBM_LAST 0xfc4b
static unsigned short ibm_to_nec[IBM_LAST - IBM_FIRST + 1];

static iconv_t
conv_find(const char *canon)
{
	for (size_t i = 0; i < nconvs; i++) {
		if (strcmp(convs[i].canon, canon) == 0)
			return convs[i].cd;
	}
	return (iconv_t)-1;
}

/* The code point CP932 gives a double-byte code, 0 if none. */
static unsigned int
cp932_char(unsigned int code)
{
	unsigned char in[2] = { (unsigned char)(code >> 8), (unsigned char)code };
	unsigned char out[8];
	char *ip = (char *)in, *op = (char *)out;
	size_t il = 2, ol = sizeof out;
	iconv_t cd = conv_find("CP932");
	unsigned int cp = 0;

	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || op == (char *)out)
		return 0;
	if (utf8_next(out, (size_t)(op - (char *)out), &cp) == 0)
		return 0;
	return cp;
}

static void
build_ibm_to_nec(void)
{
	static const unsigned int nec_ranges[][2] = {
		{ 0x8740, 0x879c }, { 0xed40, 0xedfc }, { 0xee40, 0xeefc },
	};

	for (unsigned int ibm = IBM_FIRST; ibm <= IBM_LAST; ibm++) {
		unsigned int cp = cp932_char(ibm);

		if (cp == 0)
			continue;
		for (size_t r = 0; r < 3 && ibm_to_nec[ibm - IBM_FIRST] == 0; r++) {
			for (unsigned int nec = nec_ranges[r][0]; nec <= nec_ranges[r][1]; nec++) {
				if ((nec & 0xff) < 0x40 || (nec & 0xff) == 0x7f)
					continue;
				if (cp932_char(nec) == cp) {
					ibm_to_nec[ibm - IBM_FIRST] = (unsigned short)nec;
					break;
				}
			}
		}
	}
}

/*
 * GMime converts some parameter and header values itself, with its own
 * iconv_open() calls.  In the sandbox glibc cannot load a converter module
 * from disk, and every such call would fail after a costly lookup; a module
 * that is already loaded is found without touching the disk.  So the modules
 * GMime asks for are loaded here, once, and kept.
 */
static const char *const resident_names[] = {
	"ISO-8859-1", "ISO-2022-JP", "SJIS", "EUC-JP", "GBK", "GB2312", "EUC-KR",
	"BIG5", "UTF-16", "UTF-7", "ISO-8859-15",
};

/* Kept in convs[] under their own names (no label maps to them). */
static void
keep_modules_loaded(void)
{
	for (size_t i = 0; i < sizeof resident_names / sizeof resident_names[0]; i++) {
		iconv_t cd;

		if (conv_find(resident_names[i]) != (iconv_t)-1 || nconvs == CONV_MAX)
			continue;
		if ((cd = iconv_open("UTF-8", resident_names[i])) == (iconv_t)-1)
			continue;	/* harmless: GMime's call will simply fail */
		convs[nconvs].canon = resident_names[i];
		convs[nconvs].cd = cd;
		nconvs++;
	}
}

void
charset_init(void)
{
	if (detector != NULL)
		return;
	for (size_t i = 0; i < NALIASES; i++) {
		const char *canon = aliases[i].canon;
		iconv_t cd;

		if (strcmp(canon, "US-ASCII") == 0 || strcmp(canon, "UTF-8") == 0 ||
		    strcmp(canon, "ISO-2022-JP") == 0 || conv_find(canon) != (iconv_t)-1)
			continue;
		if (nconvs == CONV_MAX)
			die("charset table larger than CONV_MAX");
		if ((cd = iconv_open("UTF-8", canon)) == (iconv_t)-1)
			continue;	/* not in this libc: detected instead */
		convs[nconvs].canon = canon;
		convs[nconvs].cd = cd;
		nconvs++;
	}
	if (conv_find("CP932") == (iconv_t)-1)
		die("iconv has no CP932: cannot decode Japanese");
	keep_modules_loaded();
	if ((to_cp932 = iconv_open("CP932", "UTF-8")) == (iconv_t)-1)
		die("iconv cannot encode CP932");
	build_ibm_to_nec();
	detector = uchardet_new();
}

const char *
charset_canonical(const char *label)
{
	char low[CHARSET_NAME_MAX];
	size_t n = 0;

	if (label == NULL)
		return NULL;
	while (*label == ' ' || *label == '"' || *label == '\'')
		label++;
	for (; label[n] != '\0' && n + 1 < sizeof low; n++)
		low[n] = (char)tolower((unsigned char)label[n]);
	while (n > 0 && (low[n - 1] == ' ' || low[n - 1] == '"' || low[n - 1] == '\''))
		n--;
	low[n] = '\0';
	if (n == 0)
		return "US-ASCII";
	for (size_t i = 0; i < NALIASES; i++) {
		if (strcmp(aliases[i].label, low) == 0)
			return aliases[i].canon;
	}
	return NULL;
}

#define REPLACEMENT "\xef\xbf\xbd"

/*
 * Structural checks for the two 8-bit Japanese encodings.  Returns the number
 * of "strong" double-byte characters (trail byte >= 0x80) if every 8-bit byte
 * belongs to a valid character, else -1.
 */
static long
sjis_strong_pairs(const unsigned char *p, size_t len, long *pairs)
{
	long strong = 0;

	*pairs = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (c < 0x80 || (c >= 0xa1 && c <= 0xdf))
			continue;
		if (!((c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc)) || i + 1 >= len)
			return -1;
		c = p[++i];
		if (c < 0x40 || c == 0x7f || c > 0xfc)
			return -1;
		(*pairs)++;
		if (c >= 0x80)
			strong++;
	}
	return strong;
}

static long
eucjp_pairs(const unsigned char *p, size_t len)
{
	long pairs = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (c < 0x80)
			continue;
		if (c == 0x8e) {		/* SS2 half-width kana */
			if (i + 1 >= len || p[i + 1] < 0xa1 || p[i + 1] > 0xdf)
				return -1;
			i++;
		} else if (c == 0x8f) {		/* SS3 JIS X 0212 */
			if (i + 2 >= len || p[i + 1] < 0xa1 || p[i + 2] < 0xa1 ||
			    p[i + 1] == 0xff || p[i + 2] == 0xff)
				return -1;
			i += 2;
		} else if (c >= 0xa1 && c <= 0xfe) {
			if (i + 1 >= len || p[i + 1] < 0xa1 || p[i + 1] == 0xff)
				return -1;
			i++;
		} else
			return -1;
		pairs++;
	}
	return pairs;
}

/* "CP932", "EUC-JP-MS" or NULL when the bytes do not look Japanese. */
static const char *
detect_japanese(const unsigned char *p, size_t len)
{
	long sjis_pairs, sjis_strong = sjis_strong_pairs(p, len, &sjis_pairs);
	long euc = eucjp_pairs(p, len);

	if (euc > 0 && (sjis_strong < 0 || euc >= sjis_pairs))
		return "EUC-JP-MS";
	if (sjis_strong > 0 && sjis_strong * 2 >= sjis_pairs)
		return "CP932";
	return NULL;
}

static const char *
has_8bit(const unsigned char *p, size_t len)
{
	size_t i = 0;

	/* eight bytes at a time: most mail text is ASCII */
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ULL)
			break;
	}
	for (; i < len; i++) {
		if (p[i] >= 0x80)
			return (const char *)p + i;
	}
	return NULL;
}

const char *
charset_detect(const unsigned char *p, size_t len)
{
	const char *jp, *ud;

	if (jis_has_escape(p, len))
		return "ISO-2022-JP";
	if (has_8bit(p, len) == NULL)
		return "US-ASCII";
	if (utf8_valid(p, len))
		return "UTF-8";
	if ((jp = detect_japanese(p, len)) != NULL)
		return jp;
	if (detector != NULL) {
		uchardet_reset(detector);
		if (uchardet_handle_data(detector, (const char *)p,
		    len < DETECT_SAMPLE_MAX ? len : DETECT_SAMPLE_MAX) == 0) {
			uchardet_data_end(detector);
			ud = uchardet_get_charset(detector);
			if (ud != NULL && (ud = charset_canonical(ud)) != NULL &&
			    strcmp(ud, "US-ASCII") != 0 && strcmp(ud, "UTF-8") != 0)
				return ud;
		}
	}
	return "WINDOWS-1252";
}

/* Decode with an open iconv converter; undecodable bytes become U+FFFD. */
static int
iconv_decode(iconv_t cd, const unsigned char *in, size_t len, struct buf *out,
    size_t *bad)
{
	char chunk[8192];
	char *ip = (char *)(uintptr_t)in;
	size_t il = len;

	iconv(cd, NULL, NULL, NULL, NULL);
	while (il > 0) {
		char *op = chunk;
		size_t ol = sizeof chunk;
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		int e = errno;

		if (buf_append(out, chunk, (size_t)(op - chunk)) != 0)
			return -1;
		if (r != (size_t)-1)
			continue;
		if (e == E2BIG)
			continue;
		/* EILSEQ or EINVAL (truncated at end): replace one byte. */
		if (buf_puts(out, REPLACEMENT) != 0)
			return -1;
		(*bad)++;
		ip++;
		il--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	{
		char *op = chunk;
		size_t ol = sizeof chunk;

		iconv(cd, NULL, NULL, &op, &ol);
		return buf_append(out, chunk, (size_t)(op - chunk));
	}
}

static int
utf8_decode_lossy(const unsigned char *p, size_t len, struct buf *out, size_t *bad)
{
	size_t i = 0, start = 0;
	unsigned int cp;

	while (i < len) {
		size_t n;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_next(p + i, len - i, &cp)) != 0) {
			i += n;
			continue;
		}
		if (buf_append(out, p + start, i - start) != 0 || buf_puts(out, REPLACEMENT) != 0)
			return -1;
		(*bad)++;
		start = ++i;
	}
	return buf_append(out, p + start, i - start);
}

static int
ascii_decode(const unsigned char *p, size_t len, struct buf *out, size_t *bad)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x80)
			continue;
		if (buf_append(out, p + start, i - start) != 0 || buf_puts(out, REPLACEMENT) != 0)
			return -1;
		(*bad)++;
		start = i + 1;
	}
	return buf_append(out, p + start, len - start);
}

static int
jis_decode(const unsigned char *p, size_t len, struct buf *out, size_t *bad)
{
	struct buf sj;
	int r;

	buf_init(&sj, len * 2 + 16);
	if (jis_to_cp932(p, len, &sj, bad) != 0)
		die("jis: internal size error");
	r = iconv_decode(conv_find("CP932"), (const unsigned char *)sj.data, sj.len, out, bad);
	buf_free(&sj);
	return r;
}

/* Invalid 8-bit bytes under a multi-byte encoding, and all 8-bit bytes. */
static void
count_invalid(const char *canon, const unsigned char *p, size_t len, size_t *bad,
    size_t *high)
{
	*bad = *high = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned int cp;
		size_t n;

		if (p[i] < 0x80)
			continue;
		(*high)++;
		if (strcmp(canon, "UTF-8") == 0) {
			if ((n = utf8_next(p + i, len - i, &cp)) == 0)
				(*bad)++;
			else {
				*high += n - 1;
				i += n - 1;
			}
		} else if (strcmp(canon, "CP932") == 0) {
			if (p[i] >= 0xa1 && p[i] <= 0xdf)
				continue;
			if (((p[i] >= 0x81 && p[i] <= 0x9f) || (p[i] >= 0xe0 && p[i] <= 0xfc)) &&
			    i + 1 < len && p[i + 1] >= 0x40 && p[i + 1] != 0x7f && p[i + 1] <= 0xfc) {
				i++;
				(*high)++;
			} else
				(*bad)++;
		} else {	/* EUC-JP-MS */
			size_t need = p[i] == 0x8f ? 3 : 2;

			if ((p[i] == 0x8e || p[i] == 0x8f || (p[i] >= 0xa1 && p[i] <= 0xfe)) &&
			    i + need <= len && p[i + 1] >= 0xa1 && p[i + 1] != 0xff &&
			    (need == 2 || (p[i + 2] >= 0xa1 && p[i + 2] != 0xff))) {
				i += need - 1;
				*high += need - 1;
			} else
				(*bad)++;
		}
	}
}

/*
 * Does the label fit the bytes?  Multi-byte labels are trusted unless many
 * bytes break them (one byte cut at the end must not turn a whole EUC-JP or
 * UTF-8 text into a guess); single-byte labels yield to ISO-2022-JP escapes
 * and to multi-byte UTF-8.
 */
static int
label_fits(const char *canon, const unsigned char *p, size_t len)
{
	if (strcmp(canon, "UTF-8") == 0 || strcmp(canon, "CP932") == 0 ||
	    strcmp(canon, "EUC-JP-MS") == 0) {
		size_t bad, high;

		if (has_8bit(p, len) == NULL)
			return !jis_has_escape(p, len);
		count_invalid(canon, p, len, &bad, &high);
		/* up to 1 in 20 bad, and never more than 16 bytes, is damage, not a wrong label */
		return bad == 0 || (bad <= 16 && bad * 20 <= high);
	}
	if (strcmp(canon, "US-ASCII") == 0)
		return has_8bit(p, len) == NULL && !jis_has_escape(p, len);
	if (strcmp(canon, "ISO-2022-JP") == 0) {
		for (size_t i = 0; i < len; i++) {
			if (p[i] >= 0x80 && !(p[i] >= 0xa1 && p[i] <= 0xdf))
				return 0;
		}
		return 1;
	}
	if (jis_has_escape(p, len) && strncmp(canon, "ISO-2022", 8) != 0 &&
	    has_8bit(p, len) == NULL)
		return 0;
	/* A single-byte label on bytes that are valid multi-byte UTF-8. */
	if (strncmp(canon, "UTF-16", 6) != 0 && strcmp(canon, "UTF-7") != 0 &&
	    has_8bit(p, len) != NULL && utf8_valid(p, len))
		return 0;
	return 1;
}

static void
set_used(struct charset_info *info, const char *name)
{
	size_t n = strlen(name);

	if (n >= sizeof info->used)
		n = sizeof info->used - 1;
	memcpy(info->used, name, n);
	info->used[n] = '\0';
}

int
charset_decode(const char *label, const void *in, size_t len,
    struct buf *out, struct charset_info *info)
{
	const unsigned char *p = in;
	const char *canon = charset_canonical(label);
	iconv_t cd;

	info->bad_bytes = 0;
	info->detected = 0;
	if (len == 0) {
		set_used(info, canon != NULL ? canon : "US-ASCII");
		return 0;
	}
	if (canon == NULL || conv_find(canon) == (iconv_t)-1) {
		if (canon == NULL || (strcmp(canon, "US-ASCII") != 0 &&
		    strcmp(canon, "UTF-8") != 0 && strcmp(canon, "ISO-2022-JP") != 0)) {
			canon = charset_detect(p, len);
			info->detected = 1;
		}
	}
	if (!info->detected && !label_fits(canon, p, len)) {
		const char *guess = charset_detect(p, len);
		int japanese = strcmp(guess, "ISO-2022-JP") == 0 || strcmp(guess, "CP932") == 0 ||
		    strcmp(guess, "EUC-JP-MS") == 0;
		int take = strcmp(canon, "US-ASCII") == 0 || japanese;

		/* A multi-byte label broken in most of its bytes is simply wrong;
		 * otherwise keep a near-miss label rather than trade it for a weak
		 * single-byte guess. */
		if (!take && (strcmp(canon, "UTF-8") == 0 || strcmp(canon, "CP932") == 0 ||
		    strcmp(canon, "EUC-JP-MS") == 0)) {
			size_t bad, high;

			count_invalid(canon, p, len, &bad, &high);
			take = bad >= 4 && bad * 2 > high;
		} else if (!take)
			take = strcmp(guess, "WINDOWS-1252") != 0;
		if (take) {
			canon = guess;
			info->detected = 1;
		}
	}
	set_used(info, canon);
	{
		const char *labelled = charset_canonical(label);

		info->detected = labelled == NULL || strcmp(labelled, canon) != 0;
	}
	if (strcmp(canon, "US-ASCII") == 0)
		return ascii_decode(p, len, out, &info->bad_bytes);
	if (strcmp(canon, "UTF-8") == 0)
		return utf8_decode_lossy(p, len, out, &info->bad_bytes);
	if (strcmp(canon, "ISO-2022-JP") == 0)
		return jis_decode(p, len, out, &info->bad_bytes);
	if ((cd = conv_find(canon)) == (iconv_t)-1) {
		set_used(info, "WINDOWS-1252");
		cd = conv_find("WINDOWS-1252");
	}
	return iconv_decode(cd, p, len, out, &info->bad_bytes);
}

/* Unicode characters CP932 spells differently from JIS X 0208 mappings. */
static unsigned int
cp932_alias(unsigned int cp)
{
	switch (cp) {
	case 0x301c: return 0xff5e;	/* WAVE DASH -> FULLWIDTH TILDE */
	case 0x2016: return 0x2225;	/* DOUBLE VERTICAL LINE -> PARALLEL TO */
	case 0x2212: return 0xff0d;	/* MINUS SIGN -> FULLWIDTH HYPHEN-MINUS */
	case 0x00a2: return 0xffe0;
	case 0x00a3: return 0xffe1;
	case 0x00ac: return 0xffe2;
	case 0x2014: return 0x2015;	/* EM DASH -> HORIZONTAL BAR */
	default: return 0;
	}
}

/*
 * UTF-8 to CP932 bytes appended to sj; characters CP932 lacks become bad
 * (badlen bytes), each counted in *unmappable.  -1 when sj's ceiling is hit.
 */
static int
utf8_to_cp932(const char *utf8, size_t len, struct buf *sj, const char *bad, size_t badlen,
    size_t *unmappable)
{
	char chunk[4096];
	char *ip = (char *)(uintptr_t)utf8;
	size_t il = len;

	if (to_cp932 == (iconv_t)-1)
		die("charset_init() was not called");
	iconv(to_cp932, NULL, NULL, NULL, NULL);
	while (il > 0) {
		char *op = chunk;
		size_t ol = sizeof chunk;
		size_t res = iconv(to_cp932, &ip, &il, &op, &ol);
		int e = errno;

		if (buf_append(sj, chunk, (size_t)(op - chunk)) != 0)
			return -1;
		if (res != (size_t)-1 || e == E2BIG)
			continue;
		{
			unsigned int cp = 0, alt;
			size_t n = utf8_next((const unsigned char *)ip, il, &cp);
			char u[4];
			struct buf one;

			if (n == 0)
				n = 1;
			ip += n;
			il -= n;
			iconv(to_cp932, NULL, NULL, NULL, NULL);
			if ((alt = cp932_alias(cp)) != 0) {
				char *aip = u, *aop = chunk;
				size_t ail, aol = sizeof chunk;

				buf_init(&one, 4);
				utf8_put(&one, alt);
				memcpy(u, one.data, one.len);
				ail = one.len;
				buf_free(&one);
				if (iconv(to_cp932, &aip, &ail, &aop, &aol) != (size_t)-1) {
					if (buf_append(sj, chunk, (size_t)(aop - chunk)) != 0)
						return -1;
					continue;
				}
				iconv(to_cp932, NULL, NULL, NULL, NULL);
			}
			(*unmappable)++;
			if (buf_append(sj, bad, badlen) != 0)
				return -1;
		}
	}
	return 0;
}

int
charset_utf8_to_cp932(const char *utf8, size_t len, struct buf *out, size_t *unmappable)
{
	*unmappable = 0;
	return utf8_to_cp932(utf8, len, out, "?", 1, unmappable);
}

int
charset_utf8_to_jis(const char *utf8, size_t len, struct buf *out, size_t *unmappable)
{
	struct buf sj;
	int r;

	*unmappable = 0;
	buf_init(&sj, len * 2 + 16);
	utf8_to_cp932(utf8, len, &sj, JIS_BAD_MARK, 2, unmappable);
	/* IBM extensions to their NEC twins; user-defined characters have no JIS form */
	for (size_t i = 0; i < sj.len; i++) {
		unsigned char c = (unsigned char)sj.data[i];
		unsigned int code;

		if (c < 0x80 || (c >= 0xa1 && c <= 0xdf) || i + 1 >= sj.len)
			continue;
		code = (unsigned int)c << 8 | (unsigned char)sj.data[i + 1];
		if (code >= IBM_FIRST && code <= IBM_LAST && ibm_to_nec[code - IBM_FIRST] != 0)
			code = ibm_to_nec[code - IBM_FIRST];
		else if (c >= 0xf0) {
			code = 0x81ac;	/* 〓 */
			(*unmappable)++;
		}
		sj.data[i] = (char)(code >> 8);
		sj.data[i + 1] = (char)(code & 0xff);
		i++;
	}
	r = jis_from_cp932((const unsigned char *)buf_str(&sj), sj.len, out);
	buf_free(&sj);
	return r;
}
