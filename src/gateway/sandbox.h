/*
 * sandbox - confine the current process before it touches untrusted bytes.
 *
 * sandbox_enter() sets rlimits (address space, file size 0, no new
 * processes, no core dumps, few descriptors), PR_SET_NO_NEW_PRIVS, and a
 * seccomp allow-list whose default action kills the process.  Opening files
 * fails with EACCES instead of killing (libraries probe optional files); any
 * socket, exec, fork, ptrace or other call outside the list kills.  It then
 * checks that the confinement holds (Dovecot's restrict_access() habit): a
 * socket() must fail.  Returns 0, or dies: running unconfined is never an
 * option.
 *
 * sandbox_item_cpu() gives the next item time_limit seconds of CPU from now
 * (RLIMIT_CPU soft limit, SIGXCPU kills the worker), so a runaway item ends
 * even if the parent's wall-clock timer is not watching.
 */
#ifndef SEKISHO_GATEWAY_SANDBOX_H
#define SEKISHO_GATEWAY_SANDBOX_H

#include <stddef.h>

struct sandbox_limits {
	size_t memory_bytes;
	size_t cpu_seconds;	/* per item */
};

void sandbox_enter(const struct sandbox_limits *l);
void sandbox_item_cpu(size_t seconds);

#endif
