/*
 * cmd_config - "sekisho config check": validate a configuration and print
 * the effective settings (defaults filled in), like postconf / sshd -T;
 * "sekisho config reference": the Markdown reference of every setting, made
 * from the same table (docs/configuration.md, docs/configuration.ja.md hold
 * its output between markers; tests/config-reference/run compares them).
 * In a Japanese locale, check gives each setting's meaning in Japanese
 * (policy/config_doc_ja.c) and reference defaults to --lang ja.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cdr/cdr.h"
#include "daemon/daemon_config.h"
#include "gateway/frame.h"
#include "policy/config.h"

/* config check's listing (English, or a Japanese one about twice as long) */
#define EFFECTIVE_MAX ((size_t)4 * 1024 * 1024)

int
cli_load_config(struct config *c, const char *path)
{
	struct buf err;

	config_defaults(c);
	if (path == NULL)
		return 0;
	buf_init(&err, 4096);
	if (config_load_file(c, path, &err) != 0) {
		fprintf(stderr, _("sekisho: configuration error: %s\n"), buf_str(&err));
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
	return 0;
}

static void
usage(FILE *f)
{
	fputs(_("usage: sekisho config check [-c CONFIG]\n"
	    "       sekisho config reference [--lang en|ja] [--section NAME]\n"
	    "  check      validate a configuration (or the built-in defaults) and print\n"
	    "             the effective settings with their meaning, range and default\n"
	    "  reference  print the Markdown reference of every setting, made from the\n"
	    "             same table (docs/configuration.md; --lang ja: the Japanese one,\n"
	    "             --section: one section's table alone)\n"), f);
}

/* The end of a comment line of config_print(): "[ [MIN..MAX]] (default:
 * DEFAULT)", found from the end; 0 when the line is not of that shape.
 * *range and *def point into line (*range_n 0 when there is no range). */
static int
comment_tail(const char *line, size_t n, const char **range, size_t *range_n,
    const char **def, size_t *def_n)
{
	static const char key[] = " (default: ";
	size_t k = sizeof key - 1, at = n, i;

	if (n < 2 + k + 1 || memcmp(line, "# ", 2) != 0 || line[n - 1] != ')')
		return 0;
	for (i = n - k - 1; i >= 2 && at == n; i--)	/* the last " (default: " */
		if (memcmp(line + i, key, k) == 0)
			at = i;
	if (at == n)
		return 0;
	*def = line + at + k;
	*def_n = n - 1 - (at + k);
	*range = NULL;
	*range_n = 0;
	if (at > 2 && line[at - 1] == ']') {
		for (i = at - 1; i > 2 && line[i] != '['; i--)
			;
		if (line[i] == '[' && line[i - 1] == ' ' &&
		    strspn(line + i + 1, "0123456789.") == at - 1 - (i + 1)) {
			*range = line + i - 1;
			*range_n = at - (i - 1);
		}
	}
	return 1;
}

/*
 * config_print()'s listing with the Japanese meaning of each setting: it
 * writes every setting as "# MEANING[ [MIN..MAX]] (default: DEFAULT)" and
 * "NAME = VALUE"; the meaning becomes config_doc_ja(NAME) and "default"
 * 既定値, the range stays as it is (tests/config-reference/run reads it).
 * A line of any other shape, or a setting without a Japanese meaning, is
 * copied unchanged: the listing is never wrong, at worst English.
 */
static void
print_effective_ja(const struct config *cfg, struct buf *out)
{
	struct buf en;
	const char *p, *end, *comment = NULL;
	size_t comment_n = 0;

	buf_init(&en, EFFECTIVE_MAX);
	config_print(cfg, &en, 1);
	p = buf_str(&en);
	end = p + en.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		const char *eq = memchr(p, '=', n), *ja = NULL, *range, *def;
		size_t range_n, def_n;
		char name[128];

		if (p[0] == '#') {
			if (comment != NULL)
				buf_printf(out, "%.*s\n", (int)comment_n, comment);
			comment = p;	/* kept until its setting's name is known */
			comment_n = n;
			p += n + (nl != NULL);
			continue;
		}
		if (comment != NULL && eq != NULL && eq > p + 1 && eq[-1] == ' ' &&
		    (size_t)(eq - 1 - p) < sizeof name) {
			memcpy(name, p, (size_t)(eq - 1 - p));
			name[eq - 1 - p] = '\0';
			ja = config_doc_ja(name);
		}
		if (comment != NULL && ja != NULL && ja[0] != '\0' && strchr(ja, '\n') == NULL &&
		    comment_tail(comment, comment_n, &range, &range_n, &def, &def_n)) {
			buf_printf(out, "# %s%.*s (既定値: ", ja, (int)range_n,
			    range != NULL ? range : "");
			if (def_n == 5 && memcmp(def, "empty", 5) == 0)
				buf_puts(out, "空");
			else
				buf_append(out, def, def_n);
			buf_puts(out, ")\n");
		} else if (comment != NULL)
			buf_printf(out, "%.*s\n", (int)comment_n, comment);
		comment = NULL;
		buf_printf(out, "%.*s\n", (int)n, p);
		p += n + (nl != NULL);
	}
	if (comment != NULL)
		buf_printf(out, "%.*s\n", (int)comment_n, comment);
	buf_free(&en);
}

static int
config_check(int argc, char **argv)
{
	const char *config = NULL;
	struct config cfg;
	struct buf out;
	int c;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return EXIT_SANITIZED;
	}
	optind = 1;
	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c') {
			usage(stderr);
			return EXIT_USAGE;
		}
		config = optarg;
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(&cfg, config) != 0)
		return EXIT_USAGE;
	{
		/* what sekishod would refuse at start-up or reload */
		struct buf err;

		buf_init(&err, 4096);
		if (daemon_config_check(&cfg, &err) != 0) {
			fprintf(stderr, "sekisho: %s: %s\n", config != NULL ? config : _("defaults"),
			    buf_str(&err));
			buf_free(&err);
			return EXIT_USAGE;
		}
		buf_free(&err);
	}
	{
		/* what workers load before their sandbox must load (YARA rules) */
		char err[512];

		if (cdr_init(&cfg.pol, err, sizeof err) != 0) {
			fprintf(stderr, "sekisho: %s: %s\n", config != NULL ? config : _("defaults"),
			    err);
			return EXIT_USAGE;
		}
	}
	buf_init(&out, EFFECTIVE_MAX);
	buf_printf(&out, _("# sekisho effective configuration (%s)\n# policy digest: %s\n"),
	    config != NULL ? config : _("built-in defaults"), cfg.pol.digest);
	if (i18n_japanese())
		print_effective_ja(&cfg, &out);
	else
		config_print(&cfg, &out, 1);
	write_all(1, buf_str(&out), out.len);
	buf_free(&out);
	return EXIT_SANITIZED;
}

/* The reference on stdout; a table without a description somewhere is
 * printed still (so the gap shows) and fails with status 1. */
static int
config_reference_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lang", required_argument, NULL, 'l' },
		{ "section", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *lang = i18n_japanese() ? "ja" : "en", *section = NULL;
	struct buf out, err;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'l') {
			lang = optarg;
		} else if (c == 's') {
			section = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return EXIT_SANITIZED;
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	buf_init(&out, 16 * 1024 * 1024);
	buf_init(&err, 64 * 1024);
	r = config_reference(&out, lang, section, &err);
	if (r < 0) {
		fprintf(stderr, "sekisho: config reference: %s\n", buf_str(&err));
		usage(stderr);
	} else {
		write_all(1, buf_str(&out), out.len);
		if (r > 0)
			fprintf(stderr,
			    _("sekisho: config reference: the table is incomplete:\n%s\n"),
			    buf_str(&err));
	}
	buf_free(&out);
	buf_free(&err);
	return r < 0 ? EXIT_USAGE : r > 0 ? EXIT_INTERNAL : EXIT_SANITIZED;
}

int
cmd_config(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return config_check(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "reference") == 0)
		return config_reference_cmd(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return EXIT_SANITIZED;
	}
	usage(stderr);
	return EXIT_USAGE;
}
