/*
 * cmd_config - "sekisho config check": validate a configuration and print
 * the effective settings (defaults filled in), like postconf / sshd -T.
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

int
cmd_config(int argc, char **argv)
{
	const char *config = NULL;
	struct config cfg;
	struct buf out;
	int c;

	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		fputs("usage: sekisho config check [-c CONFIG]\n", stderr);
		return EXIT_USAGE;
	}
	optind = 2;
	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c') {
			fputs("usage: sekisho config check [-c CONFIG]\n", stderr);
			return EXIT_USAGE;
		}
		config = optarg;
	}
	if (optind != argc) {
		fputs("usage: sekisho config check [-c CONFIG]\n", stderr);
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
