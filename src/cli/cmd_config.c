/*
 * cmd_config - "sekisho config check": validate a configuration and print
 * the effective settings (defaults filled in), like postconf / sshd -T;
 * "sekisho config reference": the Markdown reference of every setting, made
 * from the same table (docs/configuration.md, docs/configuration.ja.md hold
 * its output between markers; tests/config-reference/run compares them).
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cdr/cdr.h"
#include "daemon/daemon_config.h"
#include "gateway/frame.h"
#include "policy/config.h"

int
cli_load_config(struct config *c, const char *path)
{
	struct buf err;

	config_defaults(c);
	if (path == NULL)
		return 0;
	buf_init(&err, 4096);
	if (config_load_file(c, path, &err) != 0) {
		fprintf(stderr, "sekisho: configuration error: %s\n", buf_str(&err));
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
	return 0;
}

static void
usage(FILE *f)
{
	fputs("usage: sekisho config check [-c CONFIG]\n"
	    "       sekisho config reference [--lang en|ja] [--section NAME]\n"
	    "  check      validate a configuration (or the built-in defaults) and print\n"
	    "             the effective settings with their meaning, range and default\n"
	    "  reference  print the Markdown reference of every setting, made from the\n"
	    "             same table (docs/configuration.md; --lang ja: the Japanese one,\n"
	    "             --section: one section's table alone)\n", f);
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
			fprintf(stderr, "sekisho: %s: %s\n", config != NULL ? config : "defaults",
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
			fprintf(stderr, "sekisho: %s: %s\n", config != NULL ? config : "defaults", err);
			return EXIT_USAGE;
		}
	}
	buf_init(&out, 1024 * 1024);
	buf_printf(&out, "# sekisho effective configuration (%s)\n# policy digest: %s\n",
	    config != NULL ? config : "built-in defaults", cfg.pol.digest);
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
	const char *lang = "en", *section = NULL;
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
			fprintf(stderr, "sekisho: config reference: the table is incomplete:\n%s\n",
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
