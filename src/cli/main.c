/*
 * sekisho - command-line entry point: dispatches to sub-commands.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void
usage(FILE *f)
{
	fputs(_("usage: sekisho <command> [options]\n"
	    "commands:\n"
	    "  mail           sanitise mail: internet mail in, readable harmless text out\n"
	    "  file           sanitise files: PDF, Office, images, text, archives rebuilt\n"
	    "  config check   validate and print the effective configuration\n"
	    "  config reference  every setting, its default, range and meaning (--lang ja)\n"
	    "  audit          verify the audit journal; keygen, checkpoint, append\n"
	    "  quarantine     list, show, export and expire quarantined items; keygen, import\n"
	    "  dlp scan       find 個人番号 and 法人番号 in outgoing files and messages\n"
	    "  user           the staff console's accounts: add, list, disable, reset-totp\n"
	    "  zones          the zone policy: check, nft, apply, test in namespaces, stats\n"
	    "  status         whether sekisho is well (listeners, clamd, store, disk, journal)\n"
	    "  backup         one file with the quarantine, the journal and the sealed keys\n"
	    "  restore        bring a backup back (checked against its manifest first)\n"
	    "  version        print the version\n"
	    "Run 'sekisho <command> --help' for a command's options.\n"), f);
}

int
main(int argc, char **argv)
{
	i18n_init();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "mail") == 0)
		return cmd_mail(argc - 1, argv + 1);
	if (strcmp(argv[1], "file") == 0)
		return cmd_file(argc - 1, argv + 1);
	if (strcmp(argv[1], "config") == 0)
		return cmd_config(argc - 1, argv + 1);
	if (strcmp(argv[1], "audit") == 0)
		return cmd_audit(argc - 1, argv + 1);
	if (strcmp(argv[1], "quarantine") == 0)
		return cmd_quarantine(argc - 1, argv + 1);
	if (strcmp(argv[1], "user") == 0)
		return cmd_user(argc - 1, argv + 1);
	if (strcmp(argv[1], "dlp") == 0)
		return cmd_dlp(argc - 1, argv + 1);
	if (strcmp(argv[1], "zones") == 0)
		return cmd_zones(argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0)
		return cmd_status(argc - 1, argv + 1);
	if (strcmp(argv[1], "backup") == 0)
		return cmd_backup(argc - 1, argv + 1);
	if (strcmp(argv[1], "restore") == 0)
		return cmd_restore(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("sekisho %s\n", SEKISHO_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return EXIT_USAGE;
}
