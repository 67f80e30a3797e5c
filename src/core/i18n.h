/*
 * i18n - the sekisho command's messages in the operator's language
 * (gettext, domain "sekisho"): Japanese when the locale is Japanese,
 * English (the messages as written in the sources) otherwise.
 *
 * Only what a person reads is translated: usage texts, errors and
 * summaries.  Machine formats (JSON, "name = value", the tables scripts
 * read) and sekishod's log lines stay English.  The locale is taken from
 * the environment for messages and characters only (LC_MESSAGES,
 * LC_CTYPE): numbers, times and sorting stay the C locale's, so nothing a
 * program reads changes with LANG.  The catalogue is looked for in
 * $SEKISHO_LOCALEDIR (a build tree: BUILD/locale) or the compiled-in
 * SEKISHO_LOCALEDIR (po/CMakeLists.txt installs it there).
 */
#ifndef SEKISHO_CORE_I18N_H
#define SEKISHO_CORE_I18N_H

#include <libintl.h>

#define I18N_DOMAIN "sekisho"

/* A message to translate where it is used ... */
#define _(s) gettext(s)
/* ... and one only marked for xgettext here (translated later with _()). */
#define N_(s) s

/* setlocale for messages and characters, and the "sekisho" domain bound
 * (UTF-8 output whatever the locale's character set).  Call once, first. */
void i18n_init(void);

/* 1 when messages are Japanese: LC_MESSAGES resolved to a Japanese locale,
 * or (a locale other than C/POSIX set) LANGUAGE names Japanese first. */
int i18n_japanese(void);

#endif
