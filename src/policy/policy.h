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
};

#endif
