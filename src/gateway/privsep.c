/*
 * privsep - system users and dropping to them.  See privsep.h.
 */
#include "gateway/privsep.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* write(2) and _exit: safe between fork and exec, unlike die(). */
static void __attribute__((noreturn))
fatal(const char *what, const char *why)
{
	char msg[256];
	int n = snprintf(msg, sizeof msg, "sekisho: %s: %s: refusing to go on\n", what, why);

	if (n > 0)
		(void)!write(2, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	_exit(70);
}

int
privsep_lookup(const char *name, struct run_user *u, struct buf *err)
{
	struct passwd pw, *res = NULL;
	char scratch[4096];

	memset(u, 0, sizeof *u);
	if (name[0] == '\0' || strlen(name) >= sizeof u->name) {
		buf_printf(err, "\"%s\" is not a user name", name);
		return -1;
	}
	if (getpwnam_r(name, &pw, scratch, sizeof scratch, &res) != 0 || res == NULL) {
		buf_printf(err, "there is no user \"%s\" (scripts/setup and the package create it: "
		    "useradd --system --user-group --no-create-home --shell /usr/sbin/nologin %s)",
		    name, name);
		return -1;
	}
	if (pw.pw_uid == 0 || pw.pw_gid == 0) {
		buf_printf(err, "user \"%s\" is root or in root's group: it cannot confine anything",
		    name);
		return -1;
	}
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	memcpy(u->name, name, strlen(name) + 1);
	return 0;
}

int
privsep_can_switch(void)
{
	return geteuid() == 0;
}

int
privsep_no_capabilities(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof d);
	if (syscall(SYS_capget, &h, d) != 0)
		return 0;
	return d[0].permitted == 0 && d[1].permitted == 0 && d[0].effective == 0 &&
	    d[1].effective == 0;
}

void
privsep_check(const char *what)
{
	uid_t r, e, s;

	if (getresuid(&r, &e, &s) != 0 || r == 0 || e == 0 || s == 0)
		fatal(what, "still root");
	if (!privsep_no_capabilities())
		fatal(what, "still holds capabilities");
}

void
privsep_become(const struct run_user *u, const char *what)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (setgroups(1, &u->gid) != 0 || setresgid(u->gid, u->gid, u->gid) != 0 ||
	    setresuid(u->uid, u->uid, u->uid) != 0)
		fatal(what, strerror(errno));
	if (getresuid(&r, &e, &s) != 0 || r != u->uid || e != u->uid || s != u->uid ||
	    getresgid(&rg, &eg, &sg) != 0 || rg != u->gid || eg != u->gid || sg != u->gid)
		fatal(what, "the user or group did not change");
	/* the way back must be closed */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		fatal(what, "root could be regained");
	privsep_check(what);
}
