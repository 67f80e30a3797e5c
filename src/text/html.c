/*
 * html - HTML to plain text with libxml2's SAX HTML parser.  See html.h.
 */
#include "text/html.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>

#include "text/charset.h"
#include "text/textout.h"

#define LIST_DEPTH_MAX 16
#define HREF_MAX 2048		/* longer URLs are shown cut with "..." */

enum kind {
	K_OTHER, K_BLOCK, K_SKIP, K_BR, K_HR, K_H, K_UL, K_OL, K_LI, K_TABLE,
	K_TR, K_CELL, K_A, K_IMG, K_PRE, K_BLOCKQUOTE, K_CONTROL, K_DT, K_DD
};

struct tag {
	const char *name;
	enum kind kind;
};

static const struct tag tags[] = {
	{ "p", K_BLOCK }, { "div", K_BLOCK }, { "section", K_BLOCK }, { "article", K_BLOCK },
	{ "header", K_BLOCK }, { "footer", K_BLOCK }, { "address", K_BLOCK }, { "center", K_BLOCK },
	{ "main", K_BLOCK }, { "nav", K_BLOCK }, { "aside", K_BLOCK }, { "figure", K_BLOCK },
	{ "figcaption", K_BLOCK }, { "caption", K_BLOCK }, { "fieldset", K_BLOCK }, { "form", K_BLOCK },
	{ "dl", K_BLOCK }, { "legend", K_BLOCK }, { "details", K_BLOCK }, { "summary", K_BLOCK },
	{ "h1", K_H }, { "h2", K_H }, { "h3", K_H }, { "h4", K_H }, { "h5", K_H }, { "h6", K_H },
	{ "script", K_SKIP }, { "style", K_SKIP }, { "head", K_SKIP }, { "title", K_SKIP },
	{ "template", K_SKIP }, { "noscript", K_SKIP }, { "object", K_SKIP }, { "embed", K_SKIP },
	{ "applet", K_SKIP }, { "iframe", K_SKIP }, { "frameset", K_SKIP }, { "svg", K_SKIP },
	{ "math", K_SKIP }, { "xml", K_SKIP }, { "audio", K_SKIP }, { "video", K_SKIP },
	{ "canvas", K_SKIP }, { "map", K_SKIP },
	{ "input", K_CONTROL }, { "button", K_CONTROL }, { "select", K_CONTROL },
	{ "textarea", K_CONTROL }, { "option", K_CONTROL }, { "datalist", K_CONTROL },
	{ "br", K_BR }, { "hr", K_HR }, { "ul", K_UL }, { "menu", K_UL }, { "ol", K_OL },
	{ "li", K_LI }, { "dt", K_DT }, { "dd", K_DD },
	{ "table", K_TABLE }, { "tr", K_TR }, { "td", K_CELL }, { "th", K_CELL },
	{ "a", K_A }, { "img", K_IMG }, { "pre", K_PRE }, { "listing", K_PRE }, { "plaintext", K_PRE },
	{ "xmp", K_PRE }, { "blockquote", K_BLOCKQUOTE },
};

static enum kind
kind_of(const char *name)
{
	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
		if (strcmp(tags[i].name, name) == 0)
			return tags[i].kind;
	}
	return K_OTHER;
}

struct list {
	int ordered;
	int counter;
};

struct render {
	const struct html_opts *o;
	struct html_info *info;
	struct textout tw;
	htmlParserCtxtPtr ctxt;
	size_t depth;
	size_t skip_depth;		/* >0: inside a skipped subtree started at this depth */
	struct list lists[LIST_DEPTH_MAX];
	int nlists;
	int quote_depth;
	int pre_depth;
	int row_has_text, cell_pending_sep;
	/* the open link */
	int in_link;
	size_t link_text_start;
	struct buf href;
	int stopped;
};

static const char *
attr(const xmlChar **atts, const char *name)
{
	if (atts == NULL)
		return NULL;
	for (size_t i = 0; atts[i] != NULL; i += 2) {
		if (strcasecmp((const char *)atts[i], name) == 0)
			return atts[i + 1] != NULL ? (const char *)atts[i + 1] : "";
	}
	return NULL;
}

/* display:none / visibility:hidden in an inline style (spaces ignored). */
static int
style_hides(const char *style)
{
	char flat[512];
	size_t n = 0;

	for (const char *p = style; *p != '\0' && n + 1 < sizeof flat; p++) {
		if (!isspace((unsigned char)*p))
			flat[n++] = (char)tolower((unsigned char)*p);
	}
	flat[n] = '\0';
	return strstr(flat, "display:none") != NULL ||
	    strstr(flat, "visibility:hidden") != NULL;
}

static void
update_prefix(struct render *r)
{
	char p[TEXTOUT_PREFIX_MAX];
	size_t n = 0;

	for (int i = 0; i < r->quote_depth && n + 2 < sizeof p; i++) {
		p[n++] = '>';
		p[n++] = ' ';
	}
	for (int i = 1; i < r->nlists && n + 2 < sizeof p; i++) {
		p[n++] = ' ';
		p[n++] = ' ';
	}
	textout_set_prefix(&r->tw, p, n);
}

static void
stop(struct render *r, const char *limit)
{
	if (r->info->limit_hit == NULL)
		r->info->limit_hit = limit;
	r->stopped = 1;
	xmlStopParser(r->ctxt);
}

static int
url_is_safe(const char *u)
{
	while (isspace((unsigned char)*u))
		u++;
	return strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0 ||
	    strncasecmp(u, "mailto:", 7) == 0 || strncasecmp(u, "ftp://", 6) == 0;
}

int
url_defang(struct buf *out, const char *url, size_t n)
{
	size_t i = 0, host_end;
	int r = 0;

	if (n >= 4 && strncasecmp(url, "http", 4) == 0) {
		r |= buf_append(out, url[0] == 'H' ? "HXXP" : "hxxp", 4);
		i = 4;
	} else if (n >= 3 && strncasecmp(url, "ftp", 3) == 0) {
		r |= buf_puts(out, "fxp");
		i = 3;
	}
	/* host part: after "://" up to the next '/' */
	{
		const char *sep = memmem(url + i, n - i, "://", 3);
		size_t hs = sep ? (size_t)(sep - url) + 3 : i;

		r |= buf_append(out, url + i, hs - i);
		for (host_end = hs; host_end < n && url[host_end] != '/' &&
		    url[host_end] != '?' && url[host_end] != '#'; host_end++)
			;
		for (size_t k = hs; k < host_end; k++)
			r |= url[k] == '.' ? buf_puts(out, "[.]") : buf_putc(out, url[k]);
		r |= buf_append(out, url + host_end, n - host_end);
	}
	return r ? -1 : 0;
}

static void
on_start(void *ctx, const xmlChar *xname, const xmlChar **atts)
{
	struct render *r = ctx;
	const char *name = (const char *)xname;
	enum kind k;
	const char *v;

	if (r->stopped)
		return;
	r->depth++;
	if (r->depth > r->info->max_depth_seen)
		r->info->max_depth_seen = r->depth;
	if (++r->info->nodes > r->o->max_nodes) {
		stop(r, "html_node_limit");
		return;
	}
	if (r->depth > r->o->max_depth) {
		stop(r, "html_depth_limit");
		return;
	}
	if (r->skip_depth > 0)
		return;
	k = kind_of(name);
	if (k == K_SKIP || k == K_CONTROL) {
		if (strcmp(name, "script") == 0)
			r->info->scripts_skipped++;
		if (k == K_CONTROL)
			r->info->forms_skipped++;
		r->skip_depth = r->depth;
		return;
	}
	if (attr(atts, "hidden") != NULL ||
	    ((v = attr(atts, "style")) != NULL && style_hides(v))) {
		r->info->hidden_skipped++;
		r->skip_depth = r->depth;
		return;
	}
	switch (k) {
	case K_BLOCK:
	case K_DT:
		textout_break(&r->tw, strcmp(name, "p") == 0 ? 2 : 1);
		break;
	case K_DD:
		textout_break(&r->tw, 1);
		textout_text(&r->tw, "  ", 2);
		break;
	case K_H:
		textout_break(&r->tw, 2);
		textout_text(&r->tw, "■", strlen("■"));
		r->tw.pending_space = 1;
		break;
	case K_BR:
		r->tw.pending_newlines++;
		if (r->tw.at_line_start && !r->tw.lines_written)
			r->tw.pending_newlines = 0;
		break;
	case K_HR:
		textout_break(&r->tw, 1);
		textout_text(&r->tw, "----------------------------------------", 40);
		textout_break(&r->tw, 1);
		break;
	case K_UL:
	case K_OL:
		if (r->nlists < LIST_DEPTH_MAX) {
			r->lists[r->nlists].ordered = k == K_OL;
			r->lists[r->nlists].counter = 0;
		}
		r->nlists++;
		update_prefix(r);
		textout_break(&r->tw, 1);
		break;
	case K_LI: {
		char num[24];
		struct list *l = r->nlists > 0 && r->nlists <= LIST_DEPTH_MAX ?
		    &r->lists[r->nlists - 1] : NULL;

		textout_break(&r->tw, 1);
		if (l != NULL && l->ordered) {
			int n = snprintf(num, sizeof num, "%d.", ++l->counter);

			textout_text(&r->tw, num, (size_t)n);
		} else
			textout_text(&r->tw, "・", strlen("・"));
		r->tw.pending_space = 1;
		break;
	}
	case K_TABLE:
		textout_break(&r->tw, 1);
		break;
	case K_TR:
		textout_break(&r->tw, 1);
		r->row_has_text = 0;
		r->cell_pending_sep = 0;
		break;
	case K_CELL:
		if (r->row_has_text)
			r->cell_pending_sep = 1;
		break;
	case K_A:
		r->info->links++;
		if (r->in_link)
			break;	/* nested anchors: keep the outer */
		r->in_link = 1;
		buf_reset(&r->href);
		r->link_text_start = r->tw.out->len;
		if ((v = attr(atts, "href")) != NULL && url_is_safe(v)) {
			while (isspace((unsigned char)*v))
				v++;
			size_t hn = strnlen(v, HREF_MAX);

			/* a cut URL ends on a character boundary */
			if (hn == HREF_MAX)
				while (hn > 0 && ((unsigned char)v[hn] & 0xc0) == 0x80)
					hn--;
			buf_append(&r->href, v, hn);
		}
		break;
	case K_IMG: {
		const char *alt = attr(atts, "alt");
		const char *w = attr(atts, "width"), *h = attr(atts, "height");

		r->info->images++;
		/* 1x1 tracking pixels say nothing to a reader */
		if ((w != NULL && strcmp(w, "1") == 0) || (h != NULL && strcmp(h, "1") == 0) ||
		    (w != NULL && strcmp(w, "0") == 0))
			break;
		textout_text(&r->tw, r->o->lang_en ? "[image" : "[画像",
		    strlen(r->o->lang_en ? "[image" : "[画像"));
		if (alt != NULL && *alt != '\0') {
			textout_text(&r->tw, ": ", 1);
			r->tw.pending_space = 1;
			textout_text(&r->tw, alt, strnlen(alt, 1024));
		}
		textout_text(&r->tw, "]", 1);
		break;
	}
	case K_PRE:
		textout_break(&r->tw, 1);
		r->pre_depth++;
		r->tw.preformatted = 1;
		break;
	case K_BLOCKQUOTE:
		textout_break(&r->tw, 1);
		r->quote_depth++;
		update_prefix(r);
		break;
	default:
		break;
	}
}

/* Link text differs from its URL enough that the URL is worth showing? */
static int
url_worth_showing(const char *text, size_t tn, const char *url)
{
	size_t un = strlen(url);

	if (strncasecmp(url, "mailto:", 7) == 0) {
		url += 7;
		un -= 7;
	}
	while (tn > 0 && isspace((unsigned char)text[tn - 1]))
		tn--;
	while (tn > 0 && isspace((unsigned char)*text)) {
		text++;
		tn--;
	}
	if (tn == un && strncasecmp(text, url, un) == 0)
		return 0;
	return 1;
}

static void
on_end(void *ctx, const xmlChar *xname)
{
	struct render *r = ctx;
	const char *name = (const char *)xname;
	enum kind k;

	if (r->stopped || r->depth == 0)
		return;
	if (r->skip_depth > 0) {
		if (r->depth == r->skip_depth)
			r->skip_depth = 0;
		r->depth--;
		return;
	}
	r->depth--;
	k = kind_of(name);
	switch (k) {
	case K_BLOCK:
	case K_DT:
	case K_DD:
		textout_break(&r->tw, strcmp(name, "p") == 0 ? 2 : 1);
		break;
	case K_H:
		textout_break(&r->tw, 2);
		break;
	case K_UL:
	case K_OL:
		if (r->nlists > 0)
			r->nlists--;
		update_prefix(r);
		textout_break(&r->tw, r->nlists == 0 ? 2 : 1);
		break;
	case K_TABLE:
		textout_break(&r->tw, 2);
		break;
	case K_TR:
		textout_break(&r->tw, 1);
		break;
	case K_A:
		if (!r->in_link)
			break;
		r->in_link = 0;
		if (r->o->show_urls && r->href.len > 0) {
			/* the writer may have trimmed spaces back past where the link began */
			size_t start = r->link_text_start < r->tw.out->len ?
			    r->link_text_start : r->tw.out->len;
			const char *text = r->tw.out->data ? r->tw.out->data + start : "";
			size_t tn = r->tw.out->len - start;

			if (url_worth_showing(text, tn, buf_str(&r->href))) {
				struct buf u;

				buf_init(&u, HREF_MAX * 2);
				if (r->o->defang)
					url_defang(&u, buf_str(&r->href), r->href.len);
				else
					buf_append(&u, buf_str(&r->href), r->href.len);
				if (r->href.len >= HREF_MAX)
					buf_puts(&u, "...");
				if (tn > 0)
					r->tw.pending_space = 1;
				textout_text(&r->tw, "<", 1);
				textout_text(&r->tw, buf_str(&u), u.len);
				textout_text(&r->tw, ">", 1);
				buf_free(&u);
			}
		}
		break;
	case K_PRE:
		if (r->pre_depth > 0 && --r->pre_depth == 0)
			r->tw.preformatted = 0;
		textout_break(&r->tw, 1);
		break;
	case K_BLOCKQUOTE:
		if (r->quote_depth > 0)
			r->quote_depth--;
		update_prefix(r);
		textout_break(&r->tw, 1);
		break;
	default:
		break;
	}
}

/* HTML5: character references to C1 controls mean windows-1252 (&#150; is –). */
static unsigned int
c1_to_cp1252(unsigned int c)
{
	static const unsigned short map[32] = {
		0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
		0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
		0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
		0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
	};

	return map[c - 0x80];
}

static void
on_chars(void *ctx, const xmlChar *ch, int len)
{
	struct render *r = ctx;
	int has_text = 0;

	if (r->stopped || r->skip_depth > 0 || len <= 0)
		return;
	for (int i = 0; i < len; i++) {
		if (!isspace(ch[i])) {
			has_text = 1;
			break;
		}
	}
	if (has_text && r->cell_pending_sep) {
		r->cell_pending_sep = 0;
		r->tw.pending_space = 0;
		textout_text(&r->tw, " |", 2);
		r->tw.pending_space = 1;
	}
	if (has_text)
		r->row_has_text = 1;
	for (int i = 0; i + 1 < len; i++) {
		if (ch[i] == 0xc2 && ch[i + 1] >= 0x80 && ch[i + 1] <= 0x9f) {
			unsigned int cp = c1_to_cp1252(ch[i + 1]);
			struct buf u;

			textout_text(&r->tw, (const char *)ch, (size_t)i);
			buf_init(&u, 8);
			if (cp != 0)
				utf8_put(&u, cp);
			textout_text(&r->tw, buf_str(&u), u.len);
			buf_free(&u);
			on_chars(ctx, ch + i + 2, len - i - 2);
			return;
		}
	}
	textout_text(&r->tw, (const char *)ch, (size_t)len);
	if (r->tw.full)
		stop(r, "text_size_limit");
}

/*
 * What libxml2 2.9's HTML parser gets wrong for mail, fixed before it sees
 * the bytes (bench/html_parsers/README.md measured each):
 *  - text after </body> or </html> is dropped (browsers show it): those end
 *    tags are removed;
 *  - Outlook's "<![if !supportLists]>", "<![endif]>", "<![CDATA[", "<!VR>"
 *    come out as literal text (HTML5 makes them bogus comments): every "<!"
 *    that does not open a comment is removed up to its ">";
 *  - a NUL inside a tag pushes attribute text into the body: NULs removed.
 * Comments are copied untouched, so "<!--[if mso]>...<![endif]-->" stays one
 * comment.  Returns NULL when nothing needed changing.
 */
static char *
prefilter(const char *s, size_t len, size_t *outlen)
{
	struct buf b;
	size_t i, start = 0;
	int changed = 0;

	buf_init(&b, len + 1);
	for (i = 0; i < len; i++) {
		size_t skip_to;
		const char *e;

		if (s[i] == '\0')
			skip_to = i + 1;
		else if (s[i] != '<' || i + 1 >= len)
			continue;
		else if (i + 3 < len && memcmp(s + i, "<!--", 4) == 0) {
			e = memmem(s + i + 4, len - i - 4, "-->", 3);
			i = e != NULL ? (size_t)(e - s) + 2 : len;	/* copy the comment */
			continue;
		} else if (s[i + 1] == '!' ||
		    (s[i + 1] == '/' && i + 6 <= len && (strncasecmp(s + i + 2, "body", 4) == 0 ||
		    strncasecmp(s + i + 2, "html", 4) == 0))) {
			if (i + 9 <= len && strncasecmp(s + i, "<!doctype", 9) == 0)
				continue;
			e = memchr(s + i, '>', len - i);
			skip_to = e != NULL ? (size_t)(e - s) + 1 : len;
		} else
			continue;
		buf_append(&b, s + start, i - start);
		start = skip_to;
		i = skip_to - 1;
		changed = 1;
	}
	if (!changed) {
		buf_free(&b);
		return NULL;
	}
	buf_append(&b, s + start, len - start);
	return buf_steal(&b, outlen);
}

int
html_to_text(const char *utf8, size_t len, const struct html_opts *o,
    struct buf *out, struct html_info *info)
{
	xmlSAXHandler sax;
	struct render r;
	size_t off = 0;
	char *filtered;

	memset(info, 0, sizeof *info);
	memset(&r, 0, sizeof r);
	memset(&sax, 0, sizeof sax);
	sax.startElement = on_start;
	sax.endElement = on_end;
	sax.characters = on_chars;
	sax.ignorableWhitespace = on_chars;
	r.o = o;
	r.info = info;
	textout_init(&r.tw, out);
	buf_init(&r.href, HREF_MAX + 1);

	r.ctxt = htmlCreatePushParserCtxt(&sax, &r, NULL, 0, NULL, XML_CHAR_ENCODING_UTF8);
	if (r.ctxt == NULL) {
		buf_free(&r.href);
		return -1;
	}
	htmlCtxtUseOptions(r.ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NONET |
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC);
	if ((filtered = prefilter(utf8, len, &len)) != NULL)
		utf8 = filtered;
	/* Feed in chunks: libxml2 takes an int length. */
	while (off < len && !r.stopped) {
		size_t n = len - off > (1 << 20) ? (1 << 20) : len - off;

		htmlParseChunk(r.ctxt, utf8 + off, (int)n, 0);
		off += n;
	}
	if (!r.stopped)
		htmlParseChunk(r.ctxt, NULL, 0, 1);
	textout_finish(&r.tw);
	htmlFreeParserCtxt(r.ctxt);
	buf_free(&r.href);
	free(filtered);
	return 0;
}

int
html_meta_charset(const char *html, size_t len, char *cs, size_t cssize)
{
	size_t lim = len < 4096 ? len : 4096;

	for (size_t i = 0; i + 8 < lim; i++) {
		const char *p = html + i;
		size_t k = 0, left = lim - i;

		if (strncasecmp(p, "charset", 7) != 0)
			continue;
		p += 7;
		left -= 7;
		while (left > 0 && (*p == ' ' || *p == '=' || *p == '"' || *p == '\'')) {
			p++;
			left--;
		}
		while (k + 1 < cssize && k < left &&
		    (isalnum((unsigned char)p[k]) || p[k] == '-' || p[k] == '_' || p[k] == '.' ||
		     p[k] == ':'))
			k++;
		if (k == 0)
			continue;
		memcpy(cs, p, k);
		cs[k] = '\0';
		return 1;
	}
	return 0;
}
