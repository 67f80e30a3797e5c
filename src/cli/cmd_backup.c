/*
 * sekisho backup / sekisho restore - one file with the quarantine's
 * metadata and blobs, the journal and its checkpoints, and the keys sealed
 * with a passphrase (store/backup.h), and its way back onto a machine.
 *
 *   backup  [-c CONFIG] -o FILE [--passphrase-file FILE | --no-keys]
 *   restore [-c CONFIG] [--passphrase-file FILE | --keep-keys] [--check] [--force] FILE
 *   exit status: 0 done · 1 failed (the reason on stderr) · 2 usage or configuration
 *
 * The passphrase is read from the file's first line, or asked on the
 * terminal (twice for a backup); it is never an argument (ps would show it).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "store/backup.h"

/* UTF-8 characters in s (bytes that do not continue one). */
static size_t
characters(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The first line of path, or the terminal's answer to prompt: 0, or -1. */
static int
passphrase_read(const char *path, const char *prompt, char *out, size_t n)
{
	FILE *f;
	struct termios old, quiet;
	int tty = -1, ok;

	if (path != NULL) {
		if ((f = fopen(path, "re")) == NULL) {
			fprintf(stderr, "sekisho: %s: %s\n", path, strerror(errno));
			return -1;
		}
		ok = fgets(out, (int)n, f) != NULL;
		fclose(f);
	} else {
		if ((tty = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0 || (f = fdopen(tty, "r+")) ==
		    NULL) {
			fputs(_("sekisho: no terminal to ask the passphrase on: give "
			    "--passphrase-file FILE\n"), stderr);
			if (tty >= 0)
				close(tty);
			return -1;
		}
		fputs(prompt, f);
		fflush(f);
		tcgetattr(tty, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(tty, TCSAFLUSH, &quiet);
		ok = fgets(out, (int)n, f) != NULL;
		tcsetattr(tty, TCSAFLUSH, &old);
		fputc('\n', f);
		fclose(f);
	}
	if (!ok) {
		fputs(_("sekisho: no passphrase was given\n"), stderr);
		return -1;
	}
	out[strcspn(out, "\r\n")] = '\0';
	if (characters(out) < BACKUP_PASSPHRASE_MIN) {
		fprintf(stderr, _("sekisho: the passphrase is shorter than %d characters\n"),
		    BACKUP_PASSPHRASE_MIN);
		return -1;
	}
	return 0;
}

static void
usage_backup(FILE *f)
{
	fputs(_("usage: sekisho backup [-c CONFIG] -o FILE [--passphrase-file FILE | --no-keys]\n"
	    "  one file with the quarantine (metadata and originals), the journal and its\n"
	    "  checkpoints, and the quarantine and audit keys sealed with a passphrase;\n"
	    "  consistent while sekishod runs\n"
	    "exit status: 0 made, 1 failed, 2 usage or configuration\n"), f);
}

static void
usage_restore(FILE *f)
{
	fputs(_("usage: sekisho restore [-c CONFIG] [--passphrase-file FILE | --keep-keys]\n"
	    "                       [--check] [--force] FILE\n"
	    "  checks every member of FILE against its manifest, then writes the quarantine,\n"
	    "  the journal and the keys where CONFIG says (stop sekishod first)\n"
	    "  --check      only check the file (and, with a passphrase, that it opens the keys)\n"
	    "  --keep-keys  keep this machine's keys (the file's are not opened)\n"
	    "  --force      write over a quarantine or journal that holds records\n"
	    "exit status: 0 done, 1 failed, 2 usage or configuration\n"), f);
}

/* What a backup file holds, after "made FILE" (or checked, restored). */
static void
summary(const struct backup_summary *s)
{
	printf(_(": %zu member(s), %zu original(s) in blob files, %llu journal record(s), "
	    "%llu bytes, %s\n"), s->members, s->blobs, s->journal_records, s->bytes,
	    s->keys ? _("keys sealed in it") : _("keys not in it"));
}

int
cmd_backup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "no-keys", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = NULL, *out = NULL, *pfile = NULL;
	char pass[BACKUP_PASSPHRASE_MAX], again[BACKUP_PASSPHRASE_MAX];
	int no_keys = 0, ch, rc;
	struct config cfg;
	struct backup_summary sum;
	struct buf err;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config = optarg; break;
		case 'o': out = optarg; break;
		case 'p': pfile = optarg; break;
		case 'n': no_keys = 1; break;
		case 'h': usage_backup(stdout); return 0;
		default: usage_backup(stderr); return EXIT_USAGE;
		}
	}
	if (out == NULL || optind != argc || (no_keys && pfile != NULL)) {
		usage_backup(stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(&cfg, config) != 0)
		return EXIT_USAGE;
	if (!no_keys) {
		if (passphrase_read(pfile, _("passphrase for the keys: "), pass, sizeof pass) != 0)
			return EXIT_USAGE;
		if (pfile == NULL && (passphrase_read(NULL, _("again: "), again, sizeof again) != 0 ||
		    strcmp(pass, again) != 0)) {
			fputs(_("sekisho: backup: the two passphrases differ\n"), stderr);
			return EXIT_USAGE;
		}
	}
	buf_init(&err, 4096);
	rc = backup_make(&cfg, out, no_keys ? NULL : pass, &sum, &err);
	sodium_memzero(pass, sizeof pass);
	sodium_memzero(again, sizeof again);
	if (rc != 0)
		fprintf(stderr, "sekisho: backup: %s\n", buf_str(&err));
	else {
		printf(_("made %s"), out);
		summary(&sum);
	}
	buf_free(&err);
	return rc == 0 ? 0 : EXIT_INTERNAL;
}

int
cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "keep-keys", no_argument, NULL, 'k' },
		{ "check", no_argument, NULL, 'C' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = NULL, *pfile = NULL;
	char pass[BACKUP_PASSPHRASE_MAX];
	int keep = 0, check = 0, force = 0, ch, rc;
	struct config cfg;
	struct backup_summary sum;
	struct buf err;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config = optarg; break;
		case 'p': pfile = optarg; break;
		case 'k': keep = 1; break;
		case 'C': check = 1; break;
		case 'f': force = 1; break;
		case 'h': usage_restore(stdout); return 0;
		default: usage_restore(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || (keep && pfile != NULL)) {
		usage_restore(stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(&cfg, config) != 0)
		return EXIT_USAGE;
	if (!keep && (!check || pfile != NULL) &&
	    passphrase_read(pfile, _("passphrase of the backup: "), pass, sizeof pass) != 0)
		return EXIT_USAGE;
	buf_init(&err, 4096);
	if (check)
		rc = backup_check(argv[optind], keep || pfile == NULL ? NULL : pass, &sum, &err);
	else
		rc = backup_restore(&cfg, argv[optind], keep ? NULL : pass, keep, force, &sum, &err);
	sodium_memzero(pass, sizeof pass);
	if (rc != 0)
		fprintf(stderr, "sekisho: restore: %s\n", buf_str(&err));
	else {
		printf(check ? _("checked %s") : _("restored %s"), argv[optind]);
		summary(&sum);
	}
	buf_free(&err);
	return rc == 0 ? 0 : EXIT_INTERNAL;
}
