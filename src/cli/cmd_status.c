/*
 * sekisho status - is sekisho well?  Every check of daemon/health.h, run
 * now (the workers' deaths from sekishod's last report), one line each, in
 * Japanese unless --lang en; --json for monitoring.
 *
 *   status [-c CONFIG] [--lang ja|en] [--json] [--quick]
 *   exit status: 0 well · 1 something is not well · 2 usage or configuration
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "daemon/health.h"

#define EXIT_UNWELL 1

static void
usage(FILE *f)
{
	fputs(_("usage: sekisho status [-c CONFIG] [--lang ja|en] [--json] [--quick]\n"
	    "  whether the listeners, clamd, the quarantine store and key, the disk, the\n"
	    "  queue, the workers and the journal are well (Japanese unless --lang en)\n"
	    "  --quick   do not verify the journal (it reads the whole file)\n"
	    "exit status: 0 well, 1 something is not well, 2 usage or configuration\n"), f);
}

static const char *
state_word(enum health_state st, int en)
{
	switch (st) {
	case HEALTH_OK: return en ? "ok " : "正常";
	case HEALTH_BAD: return en ? "BAD" : "異常";
	default: return en ? "off" : "対象外";
	}
}

int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "lang", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "quick", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = NULL;
	int en = 0, json = 0, quick = 0, ch, bad = 0;
	struct config cfg;
	struct health_report r;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config = optarg; break;
		case 'l':
			if (strcmp(optarg, "en") != 0 && strcmp(optarg, "ja") != 0) {
				fputs(_("sekisho: status: --lang is ja or en\n"), stderr);
				return EXIT_USAGE;
			}
			en = strcmp(optarg, "en") == 0;
			break;
		case 'j': json = 1; break;
		case 'q': quick = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(&cfg, config) != 0)
		return EXIT_USAGE;
	health_run(&cfg, -1, HEALTH_F_LISTENERS | (quick ? 0 : HEALTH_F_JOURNAL), &r);
	for (int c = 0; c < HEALTH_N; c++)
		bad += r.st[c] == HEALTH_BAD;
	if (json) {
		json_t *o = json_object(), *cs = json_object();
		char *text;

		json_object_set_new(o, "checked_at", json_integer(r.at));
		json_object_set_new(o, "well", json_boolean(bad == 0));
		for (int c = 0; c < HEALTH_N; c++)
			json_object_set_new(cs, health_name((enum health_check)c), json_pack(
			    "{s:s,s:s,s:s}", "state", r.st[c] == HEALTH_OK ? "ok" :
			    r.st[c] == HEALTH_BAD ? "bad" : "off", "title",
			    health_title((enum health_check)c, en), "detail", en ? r.en[c] : r.ja[c]));
		json_object_set_new(o, "checks", cs);
		text = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
		puts(text != NULL ? text : "{}");
		free(text);
		json_decref(o);
	} else {
		char when[64];
		time_t t = (time_t)r.at;
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		printf(en ? "sekisho status (%s)\n" : "sekisho の状態 (%s)\n", when);
		for (int c = 0; c < HEALTH_N; c++)
			printf("  %s  %s: %s\n", state_word(r.st[c], en),
			    health_title((enum health_check)c, en), en ? r.en[c] : r.ja[c]);
		if (bad == 0)
			puts(en ? "All is well." : "すべて正常です。");
		else if (en)
			printf("%d %s not well.\n", bad, bad == 1 ? "check is" : "checks are");
		else
			printf("異常が %d 件あります。\n", bad);
	}
	return bad == 0 ? 0 : EXIT_UNWELL;
}
