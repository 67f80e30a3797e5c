/*
 * html - render HTML mail as readable plain text.
 *
 * Parser: libxml2's HTML parser in push/SAX mode (no tree is built; chosen
 * over gumbo by measurement, see bench/html_parsers/README.md).  Input must
 * already be UTF-8 (the caller decodes the part's charset with text/charset).
 *
 * What comes out: paragraphs and line breaks, headings ("■ "), lists
 * ("・ " / "1. "), tables one row per line with cells joined by " | ",
 * blockquotes as "> ", links as "text <URL>" (optional, optionally defanged),
 * images as "[画像: alt]" / "[image: alt]", entities decoded.  Nothing comes
 * from script, style, head, comments, templates, form controls, or elements
 * hidden with the hidden attribute, display:none or visibility:hidden.
 * javascript:/vbscript:/data: URLs are never shown.
 *
 * Limits: html_depth_limit and html_node_limit; when one is hit, parsing
 * stops, info->limit_hit names it, and the caller withholds (fail closed).
 */
#ifndef SEKISHO_TEXT_HTML_H
#define SEKISHO_TEXT_HTML_H

#include <stddef.h>

#include "core/buf.h"

struct html_opts {
	size_t max_depth;
	size_t max_nodes;
	int show_urls;
	int defang;
	int lang_en;		/* "[image: ...]" instead of "[画像: ...]" */
};

struct html_info {
	size_t nodes;
	size_t max_depth_seen;
	size_t links, images, hidden_skipped, scripts_skipped, forms_skipped;
	const char *limit_hit;	/* "html_depth_limit", "html_node_limit", "text_size_limit" or NULL */
};

int html_to_text(const char *utf8, size_t len, const struct html_opts *o,
    struct buf *out, struct html_info *info);
/* The charset a <meta> tag declares in the first bytes, copied into cs. */
int html_meta_charset(const char *html, size_t len, char *cs, size_t cssize);
/* Append url defanged: hxxp://example[.]com/path */
int url_defang(struct buf *out, const char *url, size_t n);

#endif
