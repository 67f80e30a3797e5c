/*
 * cli - the sekisho command's sub-commands and their shared helpers.
 *
 * Exit statuses (the contract other tools rely on):
 *   0 sanitised output written, 10 withheld (nothing written; see receipt),
 *   2 usage or configuration error, 1 internal failure.
 *
 * Messages for people (usage, errors, summaries) go through _() (gettext,
 * core/i18n.h: Japanese in a Japanese locale); machine formats do not.
 */
#ifndef SEKISHO_CLI_CLI_H
#define SEKISHO_CLI_CLI_H

#include <stddef.h>

#include "core/buf.h"
#include "core/i18n.h"
#include "policy/config.h"

#define EXIT_SANITIZED 0
#define EXIT_INTERNAL 1
#define EXIT_USAGE 2
#define EXIT_WITHHELD 10

#define INPUTS_MAX 1000000	/* items named on one command line, folders expanded */

int cmd_mail(int argc, char **argv);
int cmd_file(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_quarantine(int argc, char **argv);
int cmd_dlp(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_zones(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
/* "sekisho audit outbound" (audit_outbound.c), called by cmd_audit */
int audit_outbound(int argc, char **argv);

/* Load -c CONFIG (or defaults); prints the error and returns -1. */
int cli_load_config(struct config *c, const char *path);
/* Start the spawner that loads what workers need (this process parses
 * nothing): 0, or the exit status with the reason printed (a configuration
 * it cannot load is EXIT_USAGE). */
int cli_start_spawner(const struct config *c);

/* Expand files and folders (Maildir: cur/ and new/; other folders: their
 * regular files) into a sorted list of paths.  Returns -1 with a message. */
struct inputs {
	char **paths;
	size_t n, cap;
};
int inputs_add(struct inputs *in, const char *path);
void inputs_free(struct inputs *in);

/* Write bytes to path atomically (temporary file + rename). */
int write_file_atomic(const char *path, const void *p, size_t n);
/* The same, for a name inside an open directory. */
int write_file_at(int dirfd, const char *name, const void *p, size_t n);
/* Read a whole file (or stdin for "-") up to max bytes; *over set if larger. */
int read_input(const char *path, size_t max, struct buf *b, int *over, size_t *total);

#endif
