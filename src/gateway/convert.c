/*
 * convert - legacy Office, RTF and OpenDocument to PDF with LibreOffice.
 *
 * Runs in the parent when a worker asks (frame.c "SKCV"): LibreOffice cannot
 * run under the worker's seccomp filter, so it gets a sandbox of its own
 * here: a fresh private folder with a fresh profile whose macro security is
 * "very high" with macro execution disabled, no network (a new network
 * namespace where the kernel allows it), no core dumps, a CPU and output
 * size ceiling, its own process group killed as a whole at the deadline,
 * and nothing of sekisho's descriptors or environment.  The worker then
 * rasterises the PDF, so only pixels of the document ever cross.
 *
 * The outbound inspection asks for an Office Open XML copy instead
 * (".xls>xlsx"): its text, a spreadsheet's numeric cells exactly as
 * stored, is read by dlp/ooxml_text.c; the copy is never delivered.
 */
#include "gateway/convert.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <stdint.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fdio.h"

#define CONVERT_PATH_MAX 512

/* LibreOffice's per-user settings: no macros, no network, no first-run dialogs. */
static const char registry[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<oor:items xmlns:oor=\"http://openoffice.org/2001/registry\" "
    "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
    "<item oor:path=\"/org.openoffice.Office.Common/Security/Scripting\">"
    "<prop oor:name=\"MacroSecurityLevel\" oor:op=\"fuse\"><value>3</value></prop></item>\n"
    "<item oor:path=\"/org.openoffice.Office.Common/Security/Scripting\">"
    "<prop oor:name=\"DisableMacrosExecution\" oor:op=\"fuse\"><value>true</value></prop></item>\n"
    "<item oor:path=\"/org.openoffice.Office.Common/Security/Scripting\">"
    "<prop oor:name=\"BlockUntrustedRefererLinks\" oor:op=\"fuse\"><value>true</value></prop></item>\n"
    "<item oor:path=\"/org.openoffice.Office.Common/Misc\">"
    "<prop oor:name=\"FirstRun\" oor:op=\"fuse\"><value>false</value></prop></item>\n"
    "<item oor:path=\"/org.openoffice.Office.Common/Load\">"
    "<prop oor:name=\"UpdateLinkMode\" oor:op=\"fuse\"><value>0</value></prop></item>\n"
    "<item oor:path=\"/org.openoffice.Office.Calc/Content/Update\">"
    "<prop oor:name=\"Link\" oor:op=\"fuse\"><value>2</value></prop></item>\n"
    "<item oor:path=\"/org.openoffice.Office.Writer/Content/Update\">"
    "<prop oor:name=\"Link\" oor:op=\"fuse\"><value>2</value></prop></item>\n"
    "</oor:items>\n";

static int
write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int r;

	if (fd < 0)
		return -1;
	r = write_all(fd, p, n);
	if (close(fd) != 0)
		r = -1;
	return r;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Only [a-z0-9] after the dot: the extension names LibreOffice's filter. */
static int
safe_ext(const char *ext, size_t n)
{
	if (n < 2 || n > 8 || ext[0] != '.')
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((ext[i] >= 'a' && ext[i] <= 'z') || (ext[i] >= '0' && ext[i] <= '9')))
			return 0;
	return 1;
}

/* Write s to an already-open proc file; best effort. */
static void
proc_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		(void)!write(fd, s, strlen(s));
		close(fd);
	}
}

/*
 * LibreOffice gets a network namespace of its own, with nothing in it: as
 * root directly, otherwise inside a user namespace of its own where this
 * user stays itself (the converter runs as worker_user).  Where the kernel
 * allows neither it runs without, and the rest of its sandbox holds.
 */
static void
no_network(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWNET) == 0)
		return;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
		return;
	proc_write("/proc/self/setgroups", "deny");
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	proc_write("/proc/self/uid_map", map);
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	proc_write("/proc/self/gid_map", map);
}

static void __attribute__((noreturn))
run_soffice(const struct config *cfg, const char *dir, const char *input, const char *target)
{
	char profile[CONVERT_PATH_MAX + 64], outdir[CONVERT_PATH_MAX + 8];
	char home[CONVERT_PATH_MAX + 16];
	struct rlimit cpu = { cfg->pol.lim.seconds, cfg->pol.lim.seconds };
	struct rlimit fsz = { cfg->pol.lim.file_out_bytes, cfg->pol.lim.file_out_bytes };
	struct rlimit core = { 0, 0 };
	int null;

	setpgid(0, 0);
	no_network();
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setrlimit(RLIMIT_CPU, &cpu);
	setrlimit(RLIMIT_FSIZE, &fsz);
	setrlimit(RLIMIT_CORE, &core);
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	if (chdir(dir) != 0)
		_exit(126);
	snprintf(profile, sizeof profile, "-env:UserInstallation=file://%s/profile", dir);
	snprintf(outdir, sizeof outdir, "%s/out", dir);
	snprintf(home, sizeof home, "HOME=%s", dir);
	{
		char *const argv[] = {
			(char *)(uintptr_t)cfg->libreoffice, "--headless", "--invisible",
			"--nologo", "--norestore", "--nolockcheck", "--nodefault",
			"--nofirststartwizard", profile, "--convert-to", (char *)(uintptr_t)target, "--outdir", outdir,
			(char *)(uintptr_t)input, NULL,
		};
		char *const envp[] = { "PATH=/usr/bin:/bin", home, "LANG=C.UTF-8",
			"SAL_USE_VCLPLUGIN=svp", NULL };

		execve(cfg->libreoffice, argv, envp);
	}
	_exit(127);
}

int
convert_available(const struct config *cfg)
{
	return cfg->pol.legacy_office == LEGACY_CONVERT && cfg->libreoffice[0] == '/' &&
	    access(cfg->libreoffice, X_OK) == 0;
}

int
convert_to_pdf(const struct config *cfg, const char *ext, const void *in, size_t len,
    struct buf *pdf, long long deadline_ms, char *err, size_t errlen)
{
	char dir[CONVERT_PATH_MAX], path[CONVERT_PATH_MAX + 64];
	const char *tmp = getenv("TMPDIR"), *gt, *target = NULL;
	char input[64];
	pid_t pid;
	int st = 0, rc = -1, fd;

	if (!convert_available(cfg)) {
		snprintf(err, errlen, "LibreOffice (%s) is not installed", cfg->libreoffice);
		return -1;
	}
	/* EXT or EXT>TARGET */
	gt = strchr(ext, '>');
	if (gt != NULL) {
		static const char *const targets[] = { "pdf", "docx", "xlsx", "pptx", NULL };

		for (size_t i = 0; targets[i] != NULL && target == NULL; i++)
			if (strcmp(gt + 1, targets[i]) == 0)
				target = targets[i];
	} else
		target = "pdf";
	if (target == NULL || !safe_ext(ext, gt != NULL ? (size_t)(gt - ext) : strlen(ext))) {
		snprintf(err, errlen, "no converter for this type");
		return -1;
	}
	snprintf(dir, sizeof dir, "%s/sekisho-convert-XXXXXX",
	    tmp != NULL && tmp[0] == '/' && strlen(tmp) < 200 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		snprintf(err, errlen, "cannot make a folder for LibreOffice: %s", strerror(errno));
		return -1;
	}
	snprintf(input, sizeof input, "input%.*s", (int)(gt != NULL ? gt - ext : 16), ext);
	snprintf(path, sizeof path, "%s/%s", dir, input);
	if (write_file(path, in, len) != 0)
		goto out;
	snprintf(path, sizeof path, "%s/profile", dir);
	if (mkdir(path, 0700) != 0)
		goto out;
	snprintf(path, sizeof path, "%s/profile/user", dir);
	if (mkdir(path, 0700) != 0)
		goto out;
	snprintf(path, sizeof path, "%s/profile/user/registrymodifications.xcu", dir);
	if (write_file(path, registry, sizeof registry - 1) != 0)
		goto out;
	if ((pid = fork()) < 0)
		goto out;
	if (pid == 0)
		run_soffice(cfg, dir, input, target);
	setpgid(pid, pid);
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			snprintf(err, errlen, "lost the LibreOffice process");
			goto out;
		}
		if (clock_mono_ms() >= deadline_ms) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			snprintf(err, errlen, "LibreOffice did not finish within time_limit");
			goto out;
		}
		{
			struct timespec ts = { 0, 20 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	kill(-pid, SIGKILL);	/* helpers it left behind */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err, errlen, "LibreOffice failed (%s %d)",
		    WIFEXITED(st) ? "exit status" : "signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		goto out;
	}
	snprintf(path, sizeof path, "%s/out/input.%s", dir, target);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		snprintf(err, errlen, "LibreOffice could not read the document");
		goto out;
	}
	{
		char chunk[65536];
		ssize_t n;

		buf_reset(pdf);
		rc = 0;
		while ((n = read(fd, chunk, sizeof chunk)) > 0)
			if (buf_append(pdf, chunk, (size_t)n) != 0) {
				snprintf(err, errlen, "the converted PDF is larger than "
				    "file_output_size_limit");
				rc = -1;
				break;
			}
		if (n < 0)
			rc = -1;
		close(fd);
	}
out:
	if (rc != 0 && err[0] == '\0')
		snprintf(err, errlen, "conversion failed: %s", strerror(errno));
	rm_tree(dir);
	return rc;
}
