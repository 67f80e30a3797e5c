/*
 * i18n - gettext set up for the sekisho command.  See i18n.h.
 */
#include "core/i18n.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#ifndef SEKISHO_LOCALEDIR
#define SEKISHO_LOCALEDIR "/usr/local/share/locale"
#endif

/* The C locale by one of its names (gettext translates nothing there). */
static int
is_c_locale(const char *name)
{
	return name == NULL || strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0;
}

void
i18n_init(void)
{
	const char *dir = secure_getenv("SEKISHO_LOCALEDIR");

	/*
	 * LC_MESSAGES alone from the environment, not LC_ALL: LC_NUMERIC or
	 * LC_TIME would change numbers and times that scripts read, and a
	 * LC_CTYPE such as en_US.ISO-8859-1 would make isspace() true for
	 * bytes inside UTF-8 text that the configuration parser trims.  Our
	 * messages are UTF-8 whatever the locale (bind_textdomain_codeset), so
	 * LC_CTYPE is C.UTF-8 once messages are translated: the C library's own
	 * (strerror, getopt) then come out in UTF-8 too instead of as '?', and
	 * bytes are classified as in the C locale.
	 */
	if (!is_c_locale(setlocale(LC_MESSAGES, "")))
		setlocale(LC_CTYPE, "C.UTF-8");
	bindtextdomain(I18N_DOMAIN, dir != NULL && dir[0] == '/' ? dir : SEKISHO_LOCALEDIR);
	bind_textdomain_codeset(I18N_DOMAIN, "UTF-8");
	textdomain(I18N_DOMAIN);
}

int
i18n_japanese(void)
{
	const char *loc = setlocale(LC_MESSAGES, NULL), *language = getenv("LANGUAGE");

	if (is_c_locale(loc))
		return 0;	/* gettext ignores LANGUAGE then too */
	/* LANGUAGE (a list such as "ja:en") is gettext's first choice */
	if (language != NULL && language[0] != '\0')
		return strncmp(language, "ja", 2) == 0;
	return strncmp(loc, "ja", 2) == 0;
}
