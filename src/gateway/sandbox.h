/*
 * sandbox - confine the current process before it touches untrusted bytes.
 *
 * sandbox_enter() sets rlimits (address space, no new processes, no core
 * dumps, few descriptors, a CPU budget), PR_SET_NO_NEW_PRIVS, and a seccomp
 * allow-list whose default action kills the process.  Arguments are checked
 * where a call is allowed at all: mmap and mprotect never with PROT_EXEC,
 * prlimit64 only to read this process's limits (no limit can be raised),
 * tgkill only to this process.  Opening files fails with EACCES instead of
 * killing (libraries probe optional files); any socket, exec, fork, ptrace,
 * kill or other call outside the list kills.  It then checks that the
 * confinement holds (Dovecot's restrict_access() habit).  Returns, or dies:
 * running unconfined is never an option.
 *
 * The CPU budget is fixed once for the worker's life (2 x cpu_seconds + 2
 * from now): a runaway item ends by SIGXCPU even if the parent's wall-clock
 * timer is not watching.  sandbox_cpu_left() tells the worker when to
 * retire: once fewer than cpu_seconds + 1 seconds are left it answers its
 * item and leaves (the parent starts a fresh one).
 */
#ifndef SEKISHO_GATEWAY_SANDBOX_H
#define SEKISHO_GATEWAY_SANDBOX_H

#include <stddef.h>

struct sandbox_limits {
	size_t memory_bytes;
	size_t cpu_seconds;	/* per item */
};

void sandbox_enter(const struct sandbox_limits *l);
long long sandbox_cpu_left(void);

#endif
