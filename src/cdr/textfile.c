/*
 * textfile - text, CSV/TSV and HTML files rebuilt as clean text.
 *
 * Contract (cdr.h): the bytes are decoded to UTF-8 with text/charset (a BOM
 * decides first: UTF-8, UTF-16LE/BE; then detection, Japanese first:
 * ISO-2022-JP, CP932, EUC-JP, UTF-8, the Western charsets), and a new file
 * is written from the decoded characters:
 *
 *  - control characters go (C0 except TAB, CR and LF; DEL; C1; the bidi
 *    overrides and isolates U+202A-202E and U+2066-2069 that disguise text,
 *    "Trojan Source"; a BOM or U+FEFF inside the text), counted as
 *    "control-characters";
 *  - line endings become CRLF, every one: the files are read on Windows
 *    terminals, and RFC 4180 asks it of CSV;
 *  - bytes that cannot be decoded become U+FFFD ("undecodable-bytes");
 *  - CSV (mode 1; TSV when the first line has tabs and no commas) is parsed
 *    as RFC 4180, leniently as Excel does (a stray quote is a character, an
 *    unterminated quote runs to the end), and written back canonically.  A
 *    cell whose content (after leading spaces) starts with = + - @ TAB CR or
 *    the full-width ＝ ＋ － ＠ would be run as a formula by a spreadsheet
 *    (CSV injection, DDE): it gets a leading apostrophe and is quoted
 *    ("csv-formula", with cell positions like R2C3).  A cell that is a plain
 *    number is left alone: [+-]digits with optional thousands commas,
 *    fraction and exponent (-123, +1.5, -1,234.5, 1e-3).  A phone number
 *    like +81-3-1234-5678 is not a number and gets the apostrophe (a
 *    spreadsheet would otherwise compute it);
 *  - HTML (mode 2) is rendered to text by text/html (scripts, styles,
 *    hidden elements and forms never reach the text) and comes out as .txt;
 *  - a file carried inside the text as an encoded block (uuencode,
 *    begin-base64, xxencode, BinHex, yEnc: encblock.c) is taken out of
 *    the final text, whole lines, even when broken, and a marker line in
 *    the notice language stands in its place; it is recorded as
 *    "encoded-file" with its name, encoding, decoded type and size (a text
 *    file cannot carry an attachment, so it is removed, never kept).  The
 *    text is scanned again after each pass until no block is left, so
 *    taking one out cannot join the lines around it into another; a CSV
 *    cell that holds lines is scanned on its own too (its first line
 *    follows the cells before it on the row).
 *
 * Output: UTF-8 (a BOM only on CSV, when csv_bom says so), or CP932 when
 * text_output_charset = cp932: characters CP932 has no code for become "?"
 * ("unrepresentable-characters").  Limits: text_size_limit on the decoded
 * text (and the HTML rendering), html_depth_limit/html_node_limit, and the
 * caller's output ceiling (file_output_size_limit).
 */
#include "cdr/cdr.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cdr/encblock.h"
#include "cdr/filetype.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "text/charset.h"
#include "text/fname.h"
#include "text/html.h"

#define FFFD "\xef\xbf\xbd"
#define CSV_POS_MAX 24		/* "R123456789C12345" */
#define CELL_MARKERS_MAX (64 * 1024)	/* bytes a cell may grow by its markers */

enum { MODE_TEXT, MODE_CSV, MODE_HTML };

static int
too_big(struct cdr_ctx *c, struct cdr_result *r, const char *what)
{
	return cdr_limit(r, "text_size_limit", c->pol->lim.text_bytes,
	    "the %s is larger than text_size_limit %zu", what, c->pol->lim.text_bytes);
}

static int
out_full(struct cdr_result *r, struct buf *out)
{
	buf_reset(out);
	return cdr_limit(r, "file_output_size_limit", out->max,
	    "the sanitised text is larger than file_output_size_limit %zu", out->max);
}

/* A charset from a byte order mark; *skip is the mark's length. */
static const char *
bom_charset(const unsigned char *p, size_t len, size_t *skip)
{
	*skip = 0;
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		*skip = 3;
		return "UTF-8";
	}
	if (len >= 2 && p[0] == 0xff && p[1] == 0xfe) {
		*skip = 2;
		return "UTF-16LE";
	}
	if (len >= 2 && p[0] == 0xfe && p[1] == 0xff) {
		*skip = 2;
		return "UTF-16BE";
	}
	return NULL;
}

/*
 * UTF-16 without a BOM: mostly-ASCII text leaves every other byte zero.
 * Only claimed when at least a third of one parity is NUL and none of the
 * other, so 8-bit text never qualifies.
 */
static const char *
utf16_guess(const unsigned char *p, size_t len)
{
	size_t z[2] = { 0, 0 }, n = len < 4096 ? len : 4096;

	if (n < 4)
		return NULL;
	n &= ~(size_t)1;
	for (size_t i = 0; i < n; i++)
		if (p[i] == 0)
			z[i & 1]++;
	if (z[1] * 3 >= n / 2 && z[0] == 0)
		return "UTF-16LE";
	if (z[0] * 3 >= n / 2 && z[1] == 0)
		return "UTF-16BE";
	return NULL;
}

static int
is_removed_control(unsigned int cp)
{
	if (cp == '\t' || cp == '\n' || cp == '\r')
		return 0;
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0xfeff;
}

/*
 * Copy UTF-8 text to o without control characters, with CRLF line ends.
 * *ctl counts what was removed, *bad invalid sequences (made U+FFFD).
 */
static int
clean_text(const char *s, size_t n, struct buf *o, size_t *ctl, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;	/* run: start of bytes copied verbatim */

	while (i < n) {
		unsigned int cp;
		size_t k;

		if (p[i] >= 0x20 && p[i] < 0x7f) {
			i++;
			continue;
		}
		if (buf_append(o, p + run, i - run) != 0)
			return -1;
		if (p[i] == '\r' || p[i] == '\n') {
			if (buf_append(o, "\r\n", 2) != 0)
				return -1;
			i += p[i] == '\r' && i + 1 < n && p[i + 1] == '\n' ? 2 : 1;
		} else if ((k = utf8_next(p + i, n - i, &cp)) == 0) {
			if (buf_append(o, FFFD, 3) != 0)
				return -1;
			(*bad)++;
			i++;
		} else if (is_removed_control(cp)) {
			if (!(cp == 0xfeff && i == 0))	/* a leading BOM is no content */
				(*ctl)++;
			i += k;
		} else {
			if (buf_append(o, p + i, k) != 0)
				return -1;
			i += k;
		}
		run = i;
	}
	return buf_append(o, p + run, i - run);
}

/* ---- CSV --------------------------------------------------------------- */

/* A plain decimal number: [+-]digits[,ddd...][.digits][e[+-]digits]. */
static int
plain_number(const char *s, size_t n)
{
	size_t i = 0, digits = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	while (i < n && ((s[i] >= '0' && s[i] <= '9') ||
	    (s[i] == ',' && digits > 0 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9'))) {
		if (s[i] != ',')
			digits++;
		i++;
	}
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	}
	if (digits == 0)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t e = 0;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, e++;
		if (e == 0)
			return 0;
	}
	return i == n;
}

/* 1 if a spreadsheet would take the cell for a formula. */
static int
formula_cell(const char *s, size_t n)
{
	size_t i = 0;

	if (n > 0 && (s[0] == '\t' || s[0] == '\r'))
		return 1;
	for (;;) {	/* leading ASCII and ideographic spaces */
		if (i < n && s[i] == ' ')
			i++;
		else if (n - i >= 3 && memcmp(s + i, "\xe3\x80\x80", 3) == 0)
			i += 3;
		else
			break;
	}
	if (i == n)
		return 0;
	if (s[i] == '=' || s[i] == '@')
		return 1;
	if (s[i] == '+' || s[i] == '-')
		return !plain_number(s + i, n - i);
	/* ＝ U+FF1D, ＋ U+FF0B, － U+FF0D, ＠ U+FF20 */
	if (n - i >= 3 && (memcmp(s + i, "\xef\xbc\x9d", 3) == 0 ||
	    memcmp(s + i, "\xef\xbc\x8b", 3) == 0 || memcmp(s + i, "\xef\xbc\x8d", 3) == 0 ||
	    memcmp(s + i, "\xef\xbc\xa0", 3) == 0))
		return 1;
	return 0;
}

static int
needs_quotes(const char *s, size_t n, char delim)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == delim || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			return 1;
	}
	return 0;
}

/* Write one cell: neutralised if it is a formula, quoted when it must be. */
static int
csv_cell(struct buf *o, const struct buf *cell, int was_quoted, char delim,
    size_t row, size_t col, struct cdr_result *r)
{
	const char *s = buf_str(cell);
	size_t n = cell->len;
	int formula = formula_cell(s, n);
	int quote = was_quoted || formula || needs_quotes(s, n, delim);

	if (formula) {
		char pos[CSV_POS_MAX];

		snprintf(pos, sizeof pos, "R%zuC%zu", row, col);
		cdr_removed(r, "csv-formula", pos);
	}
	if (quote && buf_putc(o, '"') != 0)
		return -1;
	if (formula && buf_putc(o, '\'') != 0)
		return -1;
	if (!quote)
		return buf_append(o, s, n);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' && buf_putc(o, '"') != 0)
			return -1;
		if (buf_putc(o, s[i]) != 0)
			return -1;
	}
	return buf_putc(o, '"');
}

/* Tab-separated when the first line has tabs and no commas. */
static char
csv_delimiter(const char *s, size_t n)
{
	size_t tabs = 0, commas = 0;

	for (size_t i = 0; i < n && s[i] != '\r' && s[i] != '\n'; i++) {
		if (s[i] == '\t')
			tabs++;
		else if (s[i] == ',')
			commas++;
	}
	return tabs > 0 && commas == 0 ? '\t' : ',';
}

/*
 * Parse the cleaned text (CRLF line ends) as RFC 4180 and write it back
 * canonically into o.  -1 when o is full.
 */
static int take_blocks(struct cdr_ctx *c, const struct buf **final, struct buf *a,
    struct buf *b, struct cdr_result *r);

/*
 * A cell that holds lines may hold an encoded file, its first line behind
 * the cells before it on the row where no scan of the text would see it:
 * taken out of the cell as out of text.  -1 when too large.
 */
static int
cell_blocks(struct cdr_ctx *c, struct buf *cell, struct cdr_result *r)
{
	struct buf a, b;
	const struct buf *f = cell;
	int rc = 0;

	if (cell->len < 8 || memchr(cell->data, '\n', cell->len) == NULL)
		return 0;
	buf_init(&a, cell->max);
	buf_init(&b, cell->max);
	if (take_blocks(c, &f, &a, &b, r) < 0)
		rc = -1;
	else if (f != cell) {
		buf_reset(cell);
		rc = buf_append(cell, f->data, f->len);
	}
	buf_free(&a);
	buf_free(&b);
	return rc;
}

static int
csv_rebuild(struct cdr_ctx *c, const char *p, size_t n, struct buf *o, struct cdr_result *r,
    int *tsv)
{
	char delim = csv_delimiter(p, n);
	struct buf cell;
	size_t i = 0, row = 1, col = 1;
	int rc = -1;

	*tsv = delim == '\t';
	buf_init(&cell, n + CELL_MARKERS_MAX);	/* room for markers of files taken out (cell_blocks) */
	while (i < n) {
		int quoted = 0;

		buf_reset(&cell);
		if (p[i] == '"') {
			quoted = 1;
			for (i++; i < n; i++) {
				if (p[i] == '"') {
					if (i + 1 < n && p[i + 1] == '"') {
						i++;
					} else {
						i++;
						break;
					}
				}
				if (buf_putc(&cell, p[i]) != 0)
					goto out;
			}
		}
		/* unquoted text, or what follows a closing quote (kept, as Excel does) */
		while (i < n && p[i] != delim && p[i] != '\r' && p[i] != '\n') {
			if (buf_putc(&cell, p[i++]) != 0)
				goto out;
		}
		if (quoted && cell_blocks(c, &cell, r) != 0)
			goto out;
		if (csv_cell(o, &cell, quoted, delim, row, col, r) != 0)
			goto out;
		if (i >= n)
			break;
		if (p[i] == delim) {
			if (buf_putc(o, delim) != 0)
				goto out;
			i++;
			col++;
			continue;	/* a delimiter at the very end: an empty last cell */
		}
		if (buf_append(o, "\r\n", 2) != 0)
			goto out;
		i += p[i] == '\r' && i + 1 < n && p[i + 1] == '\n' ? 2 : 1;
		row++;
		col = 1;
	}
	rc = 0;
out:
	buf_free(&cell);
	return rc;
}

/* UTF-8 with invalid sequences made U+FFFD, each byte counted in *bad. */
static int
utf8_lossy(const unsigned char *p, size_t n, struct buf *o, size_t *bad)
{
	size_t i = 0, run = 0;

	while (i < n) {
		unsigned int cp;
		size_t k;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_next(p + i, n - i, &cp)) != 0) {
			i += k;
			continue;
		}
		if (buf_append(o, p + run, i - run) != 0 || buf_append(o, FFFD, 3) != 0)
			return -1;
		(*bad)++;
		run = ++i;
	}
	return buf_append(o, p + run, i - run);
}

/* ---- encoded files inside the text ------------------------------------ */

/*
 * One pass over in: each block taken out into o with a marker line in its
 * place.  1 when something was taken out, 0 when nothing (o untouched),
 * -1 when o is full.
 */
static int
take_blocks_once(struct cdr_ctx *c, const struct buf *in, struct buf *o, struct cdr_result *r)
{
	struct encblock b;
	struct buf data, shown, what;
	size_t from = 0, copied = 0;
	int found = 0, rc = 0;

	buf_init(&data, c->pol->lim.file_bytes);
	buf_init(&shown, FNAME_DISPLAY_MAX * 4 + 16);
	buf_init(&what, CDR_NAMES_MAX);
	while (encblock_find(in->data, in->len, from, &b, &data)) {
		struct filetype ft;

		if (!found)
			buf_reset(o);
		found = 1;
		buf_reset(&shown);
		buf_reset(&what);
		if (b.name[0] != '\0')
			fname_display(b.name, strlen(b.name), &shown);
		filetype_detect((const unsigned char *)buf_str(&data), data.len, b.name, &ft);
		buf_printf(&what, "%s (%s, %s, %zu bytes%s%s)", shown.len ? buf_str(&shown) : "-",
		    encblock_kind_name(b.kind), ft.mime, data.len, b.damage ? ", damaged: " : "",
		    b.damage ? b.damage : "");
		cdr_removed(r, "encoded-file", buf_str(&what));
		if (buf_append(o, in->data + copied, b.start - copied) != 0) {
			rc = -1;
			break;
		}
		if (cdr_block_marker(&b, buf_str(&shown), c->pol->lang == LANG_EN, "\r\n", o) != 0) {
			rc = -1;
			break;
		}
		copied = from = b.end;
		buf_reset(&data);
	}
	if (rc == 0 && found && buf_append(o, in->data + copied, in->len - copied) != 0)
		rc = -1;
	buf_free(&data);
	buf_free(&shown);
	buf_free(&what);
	return rc < 0 ? -1 : found;
}

/* Every block out of *final (which may come to point at a or b). -1 when full. */
static int
take_blocks(struct cdr_ctx *c, const struct buf **final, struct buf *a, struct buf *b,
    struct cdr_result *r)
{
	int k;

	while ((k = take_blocks_once(c, *final, *final == a ? b : a, r)) == 1)
		*final = *final == a ? b : a;
	return k;
}

/* ---- the whole file -------------------------------------------------- */

/* The charset to decode with: a BOM, UTF-16 by its NULs, an HTML <meta>, or NULL (detect). */
static void
decode_input(const unsigned char *in, size_t len, int mode, const char **label, size_t *skip)
{
	char meta[CHARSET_NAME_MAX];

	if ((*label = bom_charset(in, len, skip)) != NULL)
		return;
	if ((*label = utf16_guess(in, len)) != NULL)
		return;
	if (mode == MODE_HTML && html_meta_charset((const char *)in, len, meta, sizeof meta) == 1 &&
	    meta[0] != '\0' && charset_canonical(meta) != NULL) {
		*label = charset_canonical(meta);	/* a hint: charset_decode checks it */
		return;
	}
	*label = NULL;	/* detected by charset_decode */
}

/* HTML rendered to text (already decoded) into o. */
static int
render_html(struct cdr_ctx *c, const struct buf *dec, struct buf *o, struct cdr_result *r)
{
	struct html_opts ho;
	struct html_info hi;

	memset(&ho, 0, sizeof ho);
	memset(&hi, 0, sizeof hi);
	ho.max_depth = c->pol->lim.html_depth;
	ho.max_nodes = c->pol->lim.html_nodes;
	ho.show_urls = c->pol->show_urls;
	ho.defang = c->pol->defang_urls;
	ho.lang_en = c->pol->lang == LANG_EN;
	if (html_to_text(buf_str(dec), dec->len, &ho, o, &hi) != 0 || hi.limit_hit != NULL) {
		const char *lim = hi.limit_hit != NULL ? hi.limit_hit : "text_size_limit";
		unsigned long long v = strcmp(lim, "html_depth_limit") == 0 ? c->pol->lim.html_depth :
		    strcmp(lim, "html_node_limit") == 0 ? c->pol->lim.html_nodes : c->pol->lim.text_bytes;

		return cdr_limit(r, lim, v, "the HTML file exceeds %s (%llu)", lim, v);
	}
	/* scripts inside <head> are skipped with it, uncounted: count the tags */
	{
		size_t tags = 0;

		for (const char *q = buf_str(dec); (q = strchr(q, '<')) != NULL; q++) {
			if (strncasecmp(q + 1, "script", 6) == 0)
				tags++;
		}
		cdr_removed_n(r, "script", NULL, tags > hi.scripts_skipped ? tags : hi.scripts_skipped);
	}
	cdr_removed_n(r, "form", NULL, hi.forms_skipped);
	cdr_removed_n(r, "hidden-content", NULL, hi.hidden_skipped);
	cdr_removed(r, "html-markup", NULL);
	return 0;
}

int
cdr_text(struct cdr_ctx *c, const unsigned char *in, size_t len, int mode,
    struct buf *out, struct cdr_result *r)
{
	const struct policy *pol = c->pol;
	struct buf dec, html, clean, csv, blk1, blk2;
	struct charset_info ci;
	const struct buf *final;
	const char *label;
	size_t skip, ctl = 0, bad = 0;
	int tsv = 0, rc = CDR_WITHHELD;

	buf_reset(out);
	buf_init(&dec, pol->lim.text_bytes);
	buf_init(&html, pol->lim.text_bytes);
	buf_init(&clean, pol->lim.text_bytes * 2 + 16);
	buf_init(&csv, pol->lim.text_bytes * 3 + 16);
	buf_init(&blk1, pol->lim.text_bytes * 3 + 16);
	buf_init(&blk2, pol->lim.text_bytes * 3 + 16);
	memset(&ci, 0, sizeof ci);

	decode_input(in, len, mode, &label, &skip);
	if (label != NULL && strcmp(label, "UTF-8") == 0 && skip == 3) {
		/* a BOM is definitive: damaged bytes become U+FFFD, no guessing */
		snprintf(ci.used, sizeof ci.used, "UTF-8");
		if (utf8_lossy(in + skip, len - skip, &dec, &ci.bad_bytes) != 0) {
			too_big(c, r, "decoded text");
			goto out;
		}
	} else if (charset_decode(label, in + skip, len - skip, &dec, &ci) != 0) {
		too_big(c, r, "decoded text");
		goto out;
	}
	bad = ci.bad_bytes;
	final = &dec;
	if (mode == MODE_HTML) {
		if (render_html(c, &dec, &html, r) != 0)
			goto out;
		final = &html;
	}
	if (clean_text(final->data != NULL ? final->data : "", final->len, &clean, &ctl, &bad) != 0) {
		too_big(c, r, "text");
		goto out;
	}
	final = &clean;
	if (mode == MODE_CSV && clean.len > 0) {
		if (csv_rebuild(c, clean.data, clean.len, &csv, r, &tsv) != 0) {
			too_big(c, r, "CSV");
			goto out;
		}
		final = &csv;
	}
	if (take_blocks(c, &final, &blk1, &blk2, r) < 0) {
		too_big(c, r, "text");
		goto out;
	}
	cdr_removed_n(r, "undecodable-bytes", ci.used, bad);
	cdr_removed_n(r, "control-characters", NULL, ctl);

	if (pol->text_charset == TEXT_CP932) {
		size_t unmappable = 0;

		if (charset_utf8_to_cp932(buf_str(final), final->len, out, &unmappable) != 0) {
			out_full(r, out);
			goto out;
		}
		cdr_removed_n(r, "unrepresentable-characters", NULL, unmappable);
	} else {
		if (mode == MODE_CSV && pol->csv_bom && buf_append(out, "\xef\xbb\xbf", 3) != 0) {
			out_full(r, out);
			goto out;
		}
		if (buf_append(out, buf_str(final), final->len) != 0) {
			out_full(r, out);
			goto out;
		}
	}
	if (mode == MODE_CSV) {
		r->out_type = pol->text_charset == TEXT_CP932 ?
		    (tsv ? "text/tab-separated-values; charset=Shift_JIS" : "text/csv; charset=Shift_JIS") :
		    (tsv ? "text/tab-separated-values; charset=utf-8" : "text/csv; charset=utf-8");
		r->out_ext = tsv ? ".tsv" : ".csv";
	} else {
		r->out_type = pol->text_charset == TEXT_CP932 ? "text/plain; charset=Shift_JIS" :
		    "text/plain; charset=utf-8";
		r->out_ext = ".txt";
	}
	snprintf(r->method, sizeof r->method, "%s",
	    mode == MODE_HTML ? "html-to-text" : "transcode");
	if (ci.used[0] != '\0')
		snprintf(r->detail, sizeof r->detail, "decoded as %s%s", ci.used,
		    ci.detected ? " (detected)" : "");
	r->pages = 1;
	rc = CDR_OK;
out:
	buf_free(&dec);
	buf_free(&html);
	buf_free(&clean);
	buf_free(&csv);
	buf_free(&blk1);
	buf_free(&blk2);
	if (rc != CDR_OK)
		buf_reset(out);
	return rc;
}
