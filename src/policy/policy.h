/*
 * policy - the effective policy one item is sanitised under: the limits and
 * options of sanitising, and nothing else (no addresses, paths of stores or
 * keys, connection strings).  It is what a sandboxed worker receives.
 *
 * Built from the configuration table (config.c, struct config holds it with
 * the daemon's settings): defaults first, then the operator's file.
 * Read-only once loaded.
 */
#ifndef SEKISHO_POLICY_POLICY_H
#define SEKISHO_POLICY_POLICY_H

#include "core/limits.h"

enum out_charset { OUT_UTF8, OUT_ISO2022JP };
enum lang { LANG_JA, LANG_EN };
enum ambiguity_action { AMBIG_WITHHOLD, AMBIG_REBUILD };
enum attach_mode { ATTACH_SANITIZE, ATTACH_REMOVE };
enum pdf_mode { PDF_RASTERIZE, PDF_REBUILD };
enum text_charset { TEXT_UTF8, TEXT_CP932 };
enum legacy_office { LEGACY_CONVERT, LEGACY_WITHHOLD };

#define POLICY_HEADER_LIST_MAX 32
#define POLICY_HEADER_NAME_MAX 64
#define POLICY_TERMS_MAX 32	/* words in one operator list (dlp_terms…) */
#define POLICY_TERM_MAX 64	/* bytes of one, its NUL included */

/* An operator's list of words (UTF-8, no control characters). */
struct policy_terms {
	size_t n;
	char t[POLICY_TERMS_MAX][POLICY_TERM_MAX];
};

struct policy {
	struct limits lim;
	enum out_charset out_charset;
	enum lang lang;
	enum ambiguity_action on_ambiguous;
	int prefer_plain;	/* prefer text/plain alternative over HTML */
	int defang_urls;	/* hxxp://example[.]com */
	int show_urls;		/* "text <URL>" for links */
	size_t n_keep_headers;
	char keep_headers[POLICY_HEADER_LIST_MAX][POLICY_HEADER_NAME_MAX];
	char digest[65];	/* sha256 hex of the canonical effective configuration */

	/* files and attachments (src/cdr) */
	enum attach_mode attachments;	/* sanitise attachments, or remove them all */
	enum pdf_mode pdf_mode;
	size_t pdf_dpi;			/* pdf_resolution */
	int pdf_text_layer;		/* keep the decoded text as an invisible layer */
	size_t pdf_jpeg_quality;	/* pdf_jpeg_quality */
	enum text_charset text_charset;	/* text_output_charset for text and CSV files */
	int csv_bom;			/* UTF-8 CSV with a BOM (Japanese Excel) */
	enum legacy_office legacy_office;	/* doc/xls/ppt/rtf: LibreOffice then PDF */
	int can_convert;		/* the parent converts legacy Office for the worker
					 * (legacy_office = convert and libreoffice set);
					 * derived, not a setting */
	char yara_rules[512];		/* folder of YARA rules; "" = none */
	char console_url[512];		/* the staff console, for the link in notices; "" = none */

	/* outbound inspection (src/dlp): the operator's words */
	struct policy_terms dlp_keywords;	/* more keywords of 個人番号 */
	struct policy_terms dlp_other_labels;	/* more labels of other numbers */
	struct policy_terms dlp_terms;		/* words that are findings (kind "term") */
};

#endif
