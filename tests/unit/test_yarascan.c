/*
 * test_yarascan - YARA rules loaded from a folder (src/cdr/yarascan.c):
 * matching and its first-match order, every refusal at load (syntax error
 * with file:line, include, modules needing files or the clock, empty
 * folder), the time limit, and matching inside the real sandbox
 * (sandbox_enter() in a forked child: a call outside the allow-list would
 * kill it with SIGSYS).  Rule folders are written by the test in /tmp.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cdr/yarascan.h"
#include "gateway/sandbox.h"

static char dir[64];

static const char marker_rule[] =
    "rule marker\n"
    "{\n"
    "  strings:\n"
    "    $m = \"SEKISHO-YARA-MARKER\"\n"
    "  condition:\n"
    "    $m\n"
    "}\n";

static void
put(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* A fresh, empty rules folder for each test. */
static int
setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/sk-yara-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	yarascan_free();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
match(const char *s, char *what, size_t whatlen)
{
	return yarascan_match(s, strlen(s), 5, what, whatlen);
}

static void
test_no_rules(void **state)
{
	char err[256] = "", what[64];

	assert_int_equal(yarascan_init("", err, sizeof err), 0);
	assert_int_equal(yarascan_rules(), 0);
	assert_int_equal(match("SEKISHO-YARA-MARKER", what, sizeof what), 0);
}

static void
test_marker(void **state)
{
	char err[1024] = "", what[128];

	put("marker.yar", marker_rule);
	put("notes.txt", "rule not_loaded { condition: true }\n");	/* not a rule file */
	put(".hidden.yar", "rule hidden { condition: true }\n");
	{	/* neither a folder nor a FIFO with a rule file's name is read */
		char path[128];

		snprintf(path, sizeof path, "%s/sub.yar", dir);
		assert_int_equal(mkdir(path, 0700), 0);
		snprintf(path, sizeof path, "%s/fifo.yara", dir);
		assert_int_equal(mkfifo(path, 0600), 0);
	}
	if (yarascan_init(dir, err, sizeof err) != 0)
		fail_msg("init: %s", err);
	assert_int_equal(yarascan_rules(), 1);
	assert_int_equal(match("xx SEKISHO-YARA-MARKER yy", what, sizeof what), 1);
	assert_string_equal(what, "marker:marker");
	assert_int_equal(match("xx SEKISHO-YARA-MARKE yy", what, sizeof what), 0);
	assert_string_equal(what, "");
	assert_int_equal(yarascan_match("", 0, 5, what, sizeof what), 0);
	/* binary data with the marker after a NUL */
	assert_int_equal(yarascan_match("\0\xff" "SEKISHO-YARA-MARKER", 21, 5, what,
	    sizeof what), 1);
}

/* Files are compiled in name order, each in its own namespace. */
static void
test_order_and_namespaces(void **state)
{
	char err[1024] = "", what[128];

	put("b.yara", "rule hit { condition: true }\n");
	put("a.yar", "rule other { strings: $x = \"nope\" condition: $x }\n"
	    "rule hit { strings: $m = \"MARK\" condition: $m }\n");
	if (yarascan_init(dir, err, sizeof err) != 0)
		fail_msg("init: %s", err);
	assert_int_equal(yarascan_rules(), 3);
	assert_int_equal(match("MARK", what, sizeof what), 1);
	assert_string_equal(what, "a:hit");
	assert_int_equal(match("nothing", what, sizeof what), 1);
	assert_string_equal(what, "b:hit");
	/* what is bounded */
	assert_int_equal(match("MARK", what, 3), 1);
	assert_string_equal(what, "a:");
}

static void
test_syntax_error(void **state)
{
	char err[1024] = "", expect[128];

	put("good.yar", marker_rule);
	put("bad.yar", "rule ok { condition: true }\n\nrule broken {\n  condition: (\n}\n");
	assert_int_equal(yarascan_init(dir, err, sizeof err), -1);
	snprintf(expect, sizeof expect, "yara_rules: %s/bad.yar:5: ", dir);
	if (strncmp(err, expect, strlen(expect)) != 0)
		fail_msg("error \"%s\", expected it to start \"%s\"", err, expect);
	assert_non_null(strstr(err, "syntax error"));
	assert_int_equal(yarascan_rules(), 0);
	/* a failed load leaves no rules behind */
	assert_int_equal(match("SEKISHO-YARA-MARKER", err, sizeof err), 0);
}

static void
test_undefined_identifier(void **state)
{
	char err[1024] = "";

	put("x.yar", "rule r { condition: some_external_var }\n");
	assert_int_equal(yarascan_init(dir, err, sizeof err), -1);
	assert_non_null(strstr(err, "x.yar:1: "));
	assert_non_null(strstr(err, "some_external_var"));
}

static void
test_include_refused(void **state)
{
	char err[1024] = "";

	put("inc.yar", "include \"/etc/passwd\"\nrule r { condition: true }\n");
	assert_int_equal(yarascan_init(dir, err, sizeof err), -1);
	assert_non_null(strstr(err, "inc.yar"));
	assert_non_null(strstr(err, "include \"/etc/passwd\" is not allowed"));
}

static void
test_modules(void **state)
{
	static const char *const refused[] = { "cuckoo", "magic", "time" };
	char err[1024] = "", what[128], rule[256], expect[256];

	/* the modules that only read the scanned bytes load */
	put("m.yar", "import \"pe\"\nimport \"elf\"\nimport \"math\"\nimport \"hash\"\n"
	    "import \"dotnet\"\n"
	    "rule pe_file { condition: pe.is_pe }\n"
	    "rule md5 { condition: hash.md5(0, filesize) == "
	    "\"5eb63bbbe01eeed093cb22bb8f5acdc3\" }\n");
	if (yarascan_init(dir, err, sizeof err) != 0)
		fail_msg("init: %s", err);
	assert_int_equal(match("not a PE file", what, sizeof what), 0);
	assert_int_equal(match("hello world", what, sizeof what), 1);
	assert_string_equal(what, "m:md5");
	yarascan_free();

	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		snprintf(rule, sizeof rule, "import \"%s\"\nrule r { condition: true }\n",
		    refused[i]);
		put("z.yar", rule);
		err[0] = '\0';
		if (yarascan_init(dir, err, sizeof err) != -1)
			fail_msg("module %s was accepted", refused[i]);
		/* m.yar is fine, z.yar is named */
		snprintf(expect, sizeof expect, "yara_rules: %s/z.yar imports module \"%s\"",
		    dir, refused[i]);
		if (strncmp(err, expect, strlen(expect)) != 0 &&
		    strstr(err, "unknown module") == NULL)	/* not built into libyara */
			fail_msg("module %s: \"%s\"", refused[i], err);
		assert_int_equal(yarascan_rules(), 0);
	}
}

static void
test_empty_folder(void **state)
{
	char err[1024] = "", missing[128];

	assert_int_equal(yarascan_init(dir, err, sizeof err), -1);
	assert_non_null(strstr(err, "holds no .yar or .yara file"));
	put("empty.yar", "// nothing but a comment\n");
	assert_int_equal(yarascan_init(dir, err, sizeof err), -1);
	assert_non_null(strstr(err, "holds no rules"));
	snprintf(missing, sizeof missing, "%s/none", dir);
	assert_int_equal(yarascan_init(missing, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot open"));
	assert_non_null(strstr(err, "No such file or directory"));
}

/* A rule that would run for hours stops at the time limit, as an error. */
static void
test_timeout(void **state)
{
	size_t n = 64 * 1024;
	char err[1024] = "", what[128], *data = calloc(1, n);

	assert_non_null(data);
	put("slow.yar", "rule slow { condition: for all i in (0..filesize) : "
	    "( for all j in (0..filesize) : ( uint8(i) == uint8(j) ) ) }\n");
	if (yarascan_init(dir, err, sizeof err) != 0)
		fail_msg("init: %s", err);
	assert_int_equal(yarascan_match(data, n, 1, what, sizeof what), -1);
	assert_string_equal(what, "the scan took longer than 1 s");
	free(data);
}

/*
 * Load before the sandbox, match inside it, as the worker does.  The child
 * reports by exit status: 0 the expected answers, 1-3 a wrong answer; a
 * system call outside the allow-list kills it (SIGSYS).
 */
static void
test_in_sandbox(void **state)
{
	char err[1024] = "";
	pid_t pid;
	int st;

	put("marker.yar", marker_rule);
	put("pe.yar", "import \"pe\"\nimport \"math\"\n"
	    "rule mz { condition: uint16(0) == 0x5a4d and not pe.is_pe and "
	    "math.entropy(0, filesize) > 0.5 }\n");
	if (yarascan_init(dir, err, sizeof err) != 0)
		fail_msg("init: %s", err);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sandbox_limits l = { .memory_bytes = (size_t)1 << 30, .cpu_seconds = 20 };
		static const char mz[] = "MZ\x90\0\3\0\0\0\4\0\0\0\xff\xff random bytes";
		char what[128];

		sandbox_enter(&l);
		for (int i = 0; i < 50; i++) {	/* many scans: no per-scan leak of calls */
			if (match("a SEKISHO-YARA-MARKER b", what, sizeof what) != 1 ||
			    strcmp(what, "marker:marker") != 0)
				_exit(1);
			if (match("clean text", what, sizeof what) != 0)
				_exit(2);
			if (yarascan_match(mz, sizeof mz - 1, 5, what, sizeof what) != 1 ||
			    strcmp(what, "pe:mz") != 0)
				_exit(3);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		fail_msg("the sandboxed child died of signal %d", WTERMSIG(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_and_namespaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undefined_identifier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_include_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_sandbox, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
