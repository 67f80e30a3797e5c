/*
 * yarascan - match files against the operator's YARA rules (libyara 4.2).
 * See yarascan.h.
 *
 * Loading (before the sandbox): every regular file named *.yar or *.yara in
 * the rules folder (not its subfolders, not hidden files) is compiled in
 * byte order of its name, each in its own namespace named after the file
 * without its extension, so the same input always gives the same rules and
 * the same first match.  Refused at load, with file:line where libyara gives
 * one:
 *   - any compile error (the folder never degrades to "fewer rules");
 *   - include "...": every file of the folder is compiled anyway, and an
 *     include could read files outside it;
 *   - modules other than those that only read the scanned bytes (pe, elf,
 *     math, hash, dotnet, string, dex, macho, console).  cuckoo needs a
 *     sandbox report file, magic opens libmagic's database (open() fails in
 *     the worker), time makes the verdict depend on the clock, and modules
 *     unknown to this list are refused rather than guessed about;
 *   - a folder without any rule (set yara_rules = "" for no YARA).
 * Imports are found by a scan of zero bytes at load: libyara asks the
 * callback for every imported module before a scan starts.
 *
 * Matching (inside the sandbox): yr_rules_scan_mem() over the buffer, fast
 * mode, with a timeout, and without libyara's SIGSEGV/SIGBUS try-catch
 * (SCAN_FLAGS_NO_TRYCATCH; it is meant for mapped files, and a fault in the
 * worker must kill it, so the parent withholds the item, rather than be
 * turned into a scan result).  The scan needs only memory, futex and clock
 * calls (tests/unit/test_yarascan.c runs it under sandbox_enter()).  The
 * first matching rule in rule order is reported as "namespace:rule".
 */
#include "cdr/yarascan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yara.h>

#include "core/xalloc.h"

#define YARASCAN_FILES_MAX	10000		/* rule files in the folder */
#define YARASCAN_FILE_BYTES	(64UL << 20)	/* one rule file */

static const char *const allowed_modules[] = {
	"pe", "elf", "math", "hash", "dotnet", "string", "dex", "macho", "console",
};

static YR_RULES *loaded;
static size_t nloaded;
static int yara_up;		/* yr_initialize() done */

struct compile_state {
	char err[PATH_MAX + 512];	/* first error, "file:line: message" */
	const char *file;	/* the file being compiled */
};

struct scan_state {
	char refused[64];	/* a module that is not allowed */
	const char *ns;		/* first match */
	const char *rule;
};

static int
module_allowed(const char *name)
{
	for (size_t i = 0; i < sizeof allowed_modules / sizeof allowed_modules[0]; i++)
		if (strcmp(name, allowed_modules[i]) == 0)
			return 1;
	return 0;
}

static void
on_compile(int level, const char *file, int line, const YR_RULE *rule, const char *msg,
    void *user)
{
	struct compile_state *st = user;

	(void)rule;
	if (level != YARA_ERROR_LEVEL_ERROR || st->err[0] != '\0')
		return;
	snprintf(st->err, sizeof st->err, "%s:%d: %s", file ? file : st->file, line, msg);
}

static const char *
on_include(const char *name, const char *caller, const char *ns, void *user)
{
	struct compile_state *st = user;

	(void)caller; (void)ns;
	if (st->err[0] == '\0')
		snprintf(st->err, sizeof st->err,
		    "%s: include \"%s\" is not allowed (every .yar/.yara file of the folder "
		    "is compiled; put the rules there instead)", st->file, name);
	return NULL;
}

static int
on_scan(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *user)
{
	struct scan_state *st = user;

	(void)ctx;
	switch (msg) {
	case CALLBACK_MSG_IMPORT_MODULE: {
		const YR_MODULE_IMPORT *mi = data;

		if (module_allowed(mi->module_name))
			return CALLBACK_CONTINUE;
		snprintf(st->refused, sizeof st->refused, "%s", mi->module_name);
		return CALLBACK_ERROR;
	}
	case CALLBACK_MSG_RULE_MATCHING: {
		const YR_RULE *r = data;

		st->ns = r->ns->name;
		st->rule = r->identifier;
		return CALLBACK_ABORT;
	}
	default:	/* not matching, too many matches (kept going), console log */
		return CALLBACK_CONTINUE;
	}
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_rule_file(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.')
		return 0;
	return (n > 4 && strcmp(name + n - 4, ".yar") == 0) ||
	    (n > 5 && strcmp(name + n - 5, ".yara") == 0);
}

static void
free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The sorted rule file names of dir.  0, or -1 with err set. */
static int
list_rule_files(const char *dir, char ***namesp, size_t *np, char *err, size_t errlen)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "yara_rules: cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_rule_file(de->d_name))
			continue;
		if (n == YARASCAN_FILES_MAX) {
			snprintf(err, errlen, "yara_rules: %s holds more than %d rule files",
			    dir, YARASCAN_FILES_MAX);
			closedir(d);
			free_names(names, n);
			return -1;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, name_cmp);
	*namesp = names;
	*np = n;
	return 0;
}

/*
 * Add one file to the compiler in namespace "name without extension".
 * 0, 1 not a regular file (skipped), or -1 with st->err set.
 */
static int
add_file(YR_COMPILER *yc, struct compile_state *st, const char *dir, const char *name)
{
	char path[PATH_MAX], ns[NAME_MAX + 1];
	const char *dot = strrchr(name, '.');
	struct stat sb;
	FILE *f;
	int errors, fd;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
		snprintf(st->err, sizeof st->err, "%s/%s: path too long", dir, name);
		return -1;
	}
	snprintf(ns, sizeof ns, "%.*s", (int)(dot - name), name);
	/* O_NONBLOCK: a FIFO named x.yar must not hang the start-up */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		snprintf(st->err, sizeof st->err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return 1;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		snprintf(st->err, sizeof st->err, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if ((unsigned long)sb.st_size > YARASCAN_FILE_BYTES) {
		snprintf(st->err, sizeof st->err, "%s: larger than %lu bytes", path,
		    YARASCAN_FILE_BYTES);
		fclose(f);
		return -1;
	}
	st->file = path;
	errors = yr_compiler_add_file(yc, f, ns, path);
	st->file = NULL;
	fclose(f);
	if (errors > 0 || st->err[0] != '\0') {
		if (st->err[0] == '\0')
			snprintf(st->err, sizeof st->err, "%s: does not compile", path);
		return -1;
	}
	return 0;
}

/* Compile names[0..n) of dir into *rules.  0, or -1 with st->err set. */
static int
compile_files(const char *dir, char **names, size_t n, struct compile_state *st,
    YR_RULES **rules)
{
	YR_COMPILER *yc = NULL;
	size_t added = 0;
	int r = -1;

	*rules = NULL;
	if (yr_compiler_create(&yc) != ERROR_SUCCESS) {
		snprintf(st->err, sizeof st->err, "cannot create a YARA compiler");
		return -1;
	}
	yr_compiler_set_callback(yc, on_compile, st);
	yr_compiler_set_include_callback(yc, on_include, NULL, st);
	for (size_t i = 0; i < n; i++) {
		int a = add_file(yc, st, dir, names[i]);

		if (a < 0)
			goto out;
		if (a == 0)
			added++;
	}
	if (added == 0) {
		snprintf(st->err, sizeof st->err, "%s holds no .yar or .yara file", dir);
		goto out;
	}
	if (yr_compiler_get_rules(yc, rules) != ERROR_SUCCESS) {
		snprintf(st->err, sizeof st->err, "cannot build the compiled rules");
		goto out;
	}
	r = 0;
out:
	yr_compiler_destroy(yc);
	return r;
}

/*
 * The first module rules import that is not allowed, in refused; "" when
 * all are allowed.  -1 when the trial scan fails for another reason.
 */
static int
refused_module(YR_RULES *rules, char *refused, size_t refusedlen)
{
	struct scan_state st;
	static const uint8_t nothing[1];
	int e;

	memset(&st, 0, sizeof st);
	e = yr_rules_scan_mem(rules, nothing, 0, SCAN_FLAGS_FAST_MODE | SCAN_FLAGS_NO_TRYCATCH,
	    on_scan, &st, 10);
	snprintf(refused, refusedlen, "%s", st.refused);
	if (st.refused[0] != '\0' || e == ERROR_SUCCESS)
		return 0;
	return -1;
}

/* Which file imports module: compile each alone.  Writes the message in err. */
static void
blame_module(const char *dir, char **names, size_t n, const char *module, char *err,
    size_t errlen)
{
	struct compile_state st;
	char refused[64];
	YR_RULES *one;

	for (size_t i = 0; i < n; i++) {
		memset(&st, 0, sizeof st);
		if (compile_files(dir, names + i, 1, &st, &one) != 0)
			continue;
		refused_module(one, refused, sizeof refused);
		yr_rules_destroy(one);
		if (strcmp(refused, module) == 0) {
			snprintf(err, errlen, "yara_rules: %s/%s imports module \"%s\", which "
			    "cannot work in the sandbox or would make verdicts depend on more "
			    "than the file (allowed: pe elf math hash dotnet string dex macho "
			    "console)", dir, names[i], module);
			return;
		}
	}
	snprintf(err, errlen, "yara_rules: the rules import module \"%s\", which is not "
	    "allowed (allowed: pe elf math hash dotnet string dex macho console)", module);
}

void
yarascan_free(void)
{
	if (loaded != NULL)
		yr_rules_destroy(loaded);
	loaded = NULL;
	nloaded = 0;
	if (yara_up)
		yr_finalize();
	yara_up = 0;
}

int
yarascan_init(const char *rules_dir, char *err, size_t errlen)
{
	struct compile_state st;
	char **names = NULL, refused[64];
	size_t n = 0;
	YR_RULE *rule;
	YR_RULES *rules = NULL;
	int r = -1;

	yarascan_free();
	if (rules_dir == NULL || *rules_dir == '\0')
		return 0;
	if (yr_initialize() != ERROR_SUCCESS) {
		snprintf(err, errlen, "yara_rules: libyara cannot be initialised");
		return -1;
	}
	yara_up = 1;
	if (list_rule_files(rules_dir, &names, &n, err, errlen) != 0)
		goto out;
	memset(&st, 0, sizeof st);
	if (compile_files(rules_dir, names, n, &st, &rules) != 0) {
		snprintf(err, errlen, "yara_rules: %s", st.err);
		goto out;
	}
	if (refused_module(rules, refused, sizeof refused) != 0) {
		snprintf(err, errlen, "yara_rules: a trial scan with the rules fails");
		goto out;
	}
	if (refused[0] != '\0') {
		blame_module(rules_dir, names, n, refused, err, errlen);
		goto out;
	}
	yr_rules_foreach(rules, rule)
		nloaded++;
	if (nloaded == 0) {
		snprintf(err, errlen, "yara_rules: %s holds no rules (set yara_rules = \"\" "
		    "to run without YARA)", rules_dir);
		goto out;
	}
	loaded = rules;
	rules = NULL;	/* owned by loaded now */
	r = 0;
out:
	if (rules != NULL)
		yr_rules_destroy(rules);
	free_names(names, n);
	if (r != 0)
		yarascan_free();
	return r;
}

size_t
yarascan_rules(void)
{
	return nloaded;
}

int
yarascan_match(const void *p, size_t len, unsigned timeout_s, char *what, size_t whatlen)
{
	static const uint8_t nothing[1];
	struct scan_state st;
	int e;

	if (whatlen > 0)
		what[0] = '\0';
	if (loaded == NULL)
		return 0;
	if (timeout_s == 0)
		timeout_s = 1;
	if (timeout_s > INT_MAX)
		timeout_s = INT_MAX;
	memset(&st, 0, sizeof st);
	e = yr_rules_scan_mem(loaded, len > 0 ? p : nothing, len,
	    SCAN_FLAGS_FAST_MODE | SCAN_FLAGS_NO_TRYCATCH, on_scan, &st, (int)timeout_s);
	if (st.rule != NULL) {	/* a match counts even if the scan ended badly */
		snprintf(what, whatlen, "%s:%s", st.ns, st.rule);
		return 1;
	}
	switch (e) {
	case ERROR_SUCCESS:
		return 0;
	case ERROR_SCAN_TIMEOUT:
		snprintf(what, whatlen, "the scan took longer than %u s", timeout_s);
		break;
	case ERROR_INSUFFICIENT_MEMORY:
		snprintf(what, whatlen, "out of memory");
		break;
	case ERROR_CALLBACK_ERROR:
		snprintf(what, whatlen, "module \"%s\" is not allowed", st.refused);
		break;
	default:
		snprintf(what, whatlen, "libyara error %d", e);
		break;
	}
	return -1;
}
