/*
 * milter_sock - the TCP socket under a libmilter connection.  See
 * milter_sock.h for why and how; every check here only decides whether a
 * connection may stream, so a failed one costs speed, never correctness.
 */
#include "daemon/milter_sock.h"

#include <errno.h>
#include <string.h>
#include <syslog.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#define FD_SCAN_MAX 1024	/* libmilter's listener is among the first descriptors */
#define FD_VALID_MAX 1048576	/* above any RLIMIT_NOFILE sekishod runs with */

static int
sock_int(int fd, int level, int name, int *v)
{
	socklen_t l = sizeof *v;

	return getsockopt(fd, level, name, v, &l) == 0 && l == sizeof *v ? 0 : -1;
}

static int
is_tcp(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET || ss->ss_family == AF_INET6;
}

int
milter_sock_listener(struct sockaddr_storage *addr)
{
	int found = -1;

	for (int fd = 0; fd < FD_SCAN_MAX; fd++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int listening = 0, on = 1;

		if (sock_int(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening) != 0 || !listening)
			continue;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 || !is_tcp(&ss))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0)
			syslog(LOG_WARNING, "milter: TCP_NODELAY: %s", strerror(errno));
		*addr = ss;
		found = 0;
	}
	return found;
}

/* Same port, and the same address unless the listener's is the wildcard. */
static int
accepted_on(const struct sockaddr_storage *local, const struct sockaddr_storage *lis)
{
	if (local->ss_family != lis->ss_family)
		return 0;
	if (lis->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)local, *b = (const void *)lis;

		return a->sin_port == b->sin_port && (b->sin_addr.s_addr == htonl(INADDR_ANY) ||
		    a->sin_addr.s_addr == b->sin_addr.s_addr);
	} else {
		const struct sockaddr_in6 *a = (const void *)local, *b = (const void *)lis;

		return a->sin6_port == b->sin6_port &&
		    (memcmp(&b->sin6_addr, &in6addr_any, sizeof in6addr_any) == 0 ||
		    memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0);
	}
}

/* A connected TCP stream accepted on the listener's address. */
static int
is_connection_of(int fd, const struct sockaddr_storage *lis)
{
	struct sockaddr_storage local, peer;
	socklen_t ll = sizeof local, pl = sizeof peer;
	int type = 0, listening = 1;

	if (fd < 0 || fd >= FD_VALID_MAX)
		return 0;
	if (sock_int(fd, SOL_SOCKET, SO_TYPE, &type) != 0 || type != SOCK_STREAM ||
	    sock_int(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening) != 0 || listening)
		return 0;
	if (getsockname(fd, (struct sockaddr *)&local, &ll) != 0 || !is_tcp(&local) ||
	    getpeername(fd, (struct sockaddr *)&peer, &pl) != 0)
		return 0;
	return accepted_on(&local, lis);
}

int
milter_sock_find(const void *ctx, size_t words, const struct sockaddr_storage *listen_addr)
{
	int found = -1;

	if (ctx == NULL || listen_addr == NULL || !is_tcp(listen_addr))
		return -1;
	for (size_t i = 0; i < words; i++) {
		int v;

		memcpy(&v, (const char *)ctx + i * sizeof v, sizeof v);
		if (v == found || !is_connection_of(v, listen_addr))
			continue;
		if (found >= 0)
			return -1;	/* two connections: which one is ours is unknown */
		found = v;
	}
	return found;
}

int
milter_sock_quickack(int fd)
{
	int on = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
}
