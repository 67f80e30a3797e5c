/*
 * policy - the effective policy one item is sanitised under.
 *
 * Built from the configuration table (config.c): defaults first, then the
 * operator's file.  Read-only once loaded; the worker receives a copy.
 */
#ifndef SEKISHO_POLICY_POLICY_H
#define SEKISHO_POLICY_POLICY_H

#include "core/limits.h"

enum out_charset { OUT_UTF8, OUT_ISO2022JP };
enum lang { LANG_JA, LANG_EN };
enum ambiguity_action { AMBIG_WITHHOLD, AMBIG_REBUILD };
enum quarantine_backend { QUARANTINE_SQLITE, QUARANTINE_POSTGRESQL };
enum attach_mode { ATTACH_SANITIZE, ATTACH_REMOVE };
enum pdf_mode { PDF_RASTERIZE, PDF_REBUILD };
enum text_charset { TEXT_UTF8, TEXT_CP932 };
enum legacy_office { LEGACY_CONVERT, LEGACY_WITHHOLD };

#define POLICY_HEADER_LIST_MAX 32
#define POLICY_HEADER_NAME_MAX 64

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
	char digest[65];	/* sha256 hex of the canonical effective config */

	/* sekishod: the gateway daemon */
	char listen[128];	/* HOST:PORT */
	char metrics_listen[128];	/* HOST:PORT, "" = off */
	int listen_lmtp;	/* speak LMTP instead of SMTP */
	char hostname[256];	/* "" = the system's */
	char spool_dir[512];
	char deliver_to[600];
	char journal[512];
	char audit_key[512];		/* Ed25519 secret key of the checkpoints */
	size_t audit_checkpoint_records;	/* a checkpoint after this many records */
	size_t audit_checkpoint_seconds;	/* ... or when the last one is this old */
	size_t workers;
	size_t max_sessions;
	size_t smtp_timeout;
	size_t retry_seconds;
	size_t worker_attempts;
	size_t worker_max_items;	/* a worker is retired after this many items */
	char milter_listen[256];	/* inet:HOST:PORT or unix:/path, "" = off */

	/* quarantine store */
	char quarantine_dir[512];
	char quarantine_db[512];
	enum quarantine_backend quarantine_backend;	/* where the metadata lives */
	char quarantine_pg[1024];	/* libpq connection string */
	char quarantine_key[512];
	size_t quarantine_retention_days;
	size_t quarantine_inline_limit;	/* bytes; 0: every original is a file */

	/* files and attachments (src/cdr) */
	enum attach_mode attachments;	/* sanitise attachments, or remove them all */
	enum pdf_mode pdf_mode;
	size_t pdf_dpi;			/* pdf_resolution */
	int pdf_text_layer;		/* OCR text layer (tesseract jpn) when installed */
	size_t pdf_jpeg_quality;	/* pdf_jpeg_quality */
	enum text_charset text_charset;	/* text_output_charset for text and CSV files */
	int csv_bom;			/* UTF-8 CSV with a BOM (Japanese Excel) */
	enum legacy_office legacy_office;	/* doc/xls/ppt/rtf: LibreOffice then PDF */
	char libreoffice[512];		/* soffice program; "" = not used */
	char tesseract[512];		/* tesseract program; "" = not used */
	char clamd_socket[512];		/* clamd unix socket; "" = no virus scan */
	char yara_rules[512];		/* folder of YARA rules; "" = none */
};

#endif
