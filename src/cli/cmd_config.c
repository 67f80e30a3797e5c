/*
 * cmd_config - "sekisho config check": validate a configuration and print
 * the effective settings (defaults filled in), like postconf / sshd -T.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cdr/cdr.h"
#include "gateway/frame.h"
#include "gateway/tls.h"
#include "policy/config.h"

int
cli_load_policy(struct policy *p, const char *path)
{
	struct buf err;

	config_defaults(p);
	if (path == NULL)
		return 0;
	buf_init(&err, 4096);
	if (config_load_file(p, path, &err) != 0) {
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
	struct policy pol;
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
	if (cli_load_policy(&pol, config) != 0)
		return EXIT_USAGE;
	{
		/* what workers load before their sandbox must load (YARA rules) */
		char err[512];

		if (cdr_init(&pol, err, sizeof err) != 0) {
			fprintf(stderr, "sekisho: %s: %s\n", config != NULL ? config : "defaults", err);
			return EXIT_USAGE;
		}
	}
	{
		/* the listener's STARTTLS files: readable, and the key fits the certificate */
		struct buf terr;
		int bad;

		buf_init(&terr, 1024);
		if ((bad = tls_check_files(pol.smtp_tls_cert, pol.smtp_tls_key, &terr) != 0))
			fprintf(stderr, "sekisho: %s: %s\n", config != NULL ? config : "defaults",
			    buf_str(&terr));
		buf_free(&terr);
		if (bad)
			return EXIT_USAGE;
	}
	buf_init(&out, 1024 * 1024);
	buf_printf(&out, "# sekisho effective configuration (%s)\n# policy digest: %s\n",
	    config != NULL ? config : "built-in defaults", pol.digest);
	config_print(&pol, &out, 1);
	write_all(1, buf_str(&out), out.len);
	buf_free(&out);
	return EXIT_SANITIZED;
}
