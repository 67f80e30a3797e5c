/*
 * zone_lab - the namespace lab of `sekisho zones test` (see zone_lab.h).
 *
 * The topology is made with iproute2's ip command (namespaces, bridges,
 * veth pairs, addresses, routes); everything that runs inside a namespace
 * (the sysctls, loading the ruleset, the listeners, the probes) is a child
 * of this process that entered it with setns().  A probe is "open" when its
 * TCP connection completes or its UDP datagram is answered, within
 * ZONE_LAB_PROBE_MS; a dropped packet shows as a timeout.
 */
#include "zones/zone_lab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/digest.h"
#include "core/fdio.h"
#include "core/json.h"
#include "zones/zone_apply.h"

extern char **environ;

#define ENDPOINTS_MAX (ZONES_MAX + ZONE_HOSTS_MAX)
#define PROBE_BATCH 400		/* sockets open at once in one probing child */
#define ADDRESS_TRIES 256	/* candidates looked at for a free lab address */

struct endpoint {
	int zone;
	int host;			/* -1: the zone's probe */
	char ns[64];
	struct zone_net addr;		/* prefix = its network's */
	struct zone_net gw;		/* the router's address in that network */
	pid_t listener;
	pid_t sekishod;			/* the real one, on a host of role sekishod */
};

struct probe_port {
	int proto;
	unsigned int port;
	int service;
};

struct lab {
	const struct zone_policy *p;
	const struct zone_lab_opts *o;
	struct buf *err;
	char router[24];
	int router_made;
	struct zone_net gws[ZONES_MAX * ZONE_NETS_MAX];
	size_t ngws;
	struct endpoint ep[ENDPOINTS_MAX];
	size_t nep;
	size_t made;			/* endpoints whose namespace exists */
	struct probe_port ports[ZONE_LAB_PORTS_MAX];
	size_t nports;
	int ports_over;			/* the policy names more than the lab probes */
};

static int
lab_fail(struct lab *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
lab_fail(struct lab *L, const char *fmt, ...)
{
	va_list ap;

	if (L->err->len > 0)
		return -1;	/* keep the first reason */
	va_start(ap, fmt);
	buf_vprintf(L->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- running ip ---------------------------------------------------------- */

/* Run "ip ARGS..." (NULL-terminated); its output is discarded, its errors
 * go to our standard error.  0, or -1 naming the command. */
static int
ip(struct lab *L, ...)
{
	char *argv[24];
	struct buf cmd;
	posix_spawn_file_actions_t fa;
	va_list ap;
	size_t n = 0;
	pid_t pid;
	int status, rc;

	argv[n++] = (char *)"ip";
	va_start(ap, L);
	while (n < 23 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, "ip", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return lab_fail(L, "cannot run ip (iproute2): %s", strerror(rc));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	buf_init(&cmd, 1024);
	for (n = 0; argv[n] != NULL; n++)
		buf_printf(&cmd, "%s%s", n ? " " : "", argv[n]);
	lab_fail(L, "\"%s\" failed", buf_str(&cmd));
	buf_free(&cmd);
	return -1;
}

/* Fork a child that enters namespace ns and runs fn(arg); its exit status
 * is fn's.  With wait_for, 0 when fn returned 0; else the child's pid. */
static pid_t
in_ns(struct lab *L, const char *ns, int (*fn)(struct lab *, void *), void *arg, int wait_for)
{
	char path[96];
	pid_t pid;
	int status;

	snprintf(path, sizeof path, "/run/netns/%s", ns);
	fflush(NULL);
	if ((pid = fork()) < 0)
		return lab_fail(L, "fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
			fprintf(stderr, "sekisho zones test: cannot enter %s: %s\n", ns, strerror(errno));
			_exit(1);
		}
		close(fd);
		_exit(fn(L, arg) == 0 ? 0 : 1);
	}
	if (!wait_for)
		return pid;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return lab_fail(L, "a step in namespace %s failed", ns);
}

/* ---- addresses ------------------------------------------------------------ */

static size_t
addr_len(const struct zone_net *n)
{
	return n->family == 4 ? 4 : 16;
}

/* Add k to (or take it from) a big-endian number of len bytes. */
static void
addr_step(unsigned char *a, size_t len, unsigned int k, int down)
{
	unsigned int carry = k;
	size_t i;

	for (i = len; i-- > 0 && carry != 0;) {
		unsigned int v = a[i], d = carry & 0xff;

		carry >>= 8;
		if (down) {
			if (v < d) {
				v += 256;
				carry++;
			}
			v -= d;
		} else {
			v += d;
			if (v > 0xff) {
				v -= 256;
				carry++;
			}
		}
		a[i] = (unsigned char)v;
	}
}

/* The k-th address (k >= 1) after the network's own, or before its last
 * (IPv4's broadcast is never given out).  -1 past the network. */
static int
nth_address(const struct zone_net *net, unsigned int k, int from_top, struct zone_net *out)
{
	size_t len = addr_len(net), i;
	unsigned int bits = (unsigned int)len * 8, host = bits - net->prefix;

	if (host < 2 || (host < 32 && k + 1 >= (1u << host)))
		return -1;
	*out = *net;
	if (from_top)
		for (i = net->prefix; i < bits; i++)
			out->addr[i / 8] |= (unsigned char)(0x80u >> (i % 8));
	addr_step(out->addr, len, k, from_top);
	return zone_net_contains(net, out) ? 0 : -1;
}

static int
address_used(const struct lab *L, const struct zone_net *a)
{
	size_t i;

	for (i = 0; i < L->p->nhosts; i++)
		if (memcmp(L->p->hosts[i].addr.addr, a->addr, addr_len(a)) == 0 &&
		    L->p->hosts[i].addr.family == a->family)
			return 1;
	for (i = 0; i < L->ngws; i++)
		if (L->gws[i].family == a->family && memcmp(L->gws[i].addr, a->addr, addr_len(a)) == 0)
			return 1;
	for (i = 0; i < L->nep; i++)
		if (L->ep[i].addr.family == a->family &&
		    memcmp(L->ep[i].addr.addr, a->addr, addr_len(a)) == 0)
			return 1;
	return 0;
}

static int
free_address(struct lab *L, const struct zone_net *net, int from_top, struct zone_net *out)
{
	unsigned int k;

	for (k = 1; k <= ADDRESS_TRIES; k++) {
		if (nth_address(net, k, from_top, out) < 0)
			break;
		if (!address_used(L, out)) {
			out->prefix = net->prefix;
			return 0;
		}
	}
	return lab_fail(L, "no free address for the lab in a network of this policy "
	    "(too small: the router and the probe need one each)");
}

static void
addr_text(const struct zone_net *a, int with_len, char *out, size_t n)
{
	struct zone_net t = *a;

	if (!with_len)
		t.prefix = a->family == 4 ? 32 : 128;
	zone_net_format(&t, with_len, out, n);
}

/* ---- building ---------------------------------------------------------- */

static const char *
bridge_name(const struct lab *L, int zone, char *tmp, size_t n)
{
	if (L->p->zones[zone].iface[0] != '\0')
		return L->p->zones[zone].iface;
	snprintf(tmp, n, "zbr%d", zone);
	return tmp;
}

static int
forwarding_on(struct lab *L, void *arg)
{
	static const char *const files[] = {
		"/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding",
	};
	size_t i;

	(void)L;
	(void)arg;
	for (i = 0; i < 2; i++) {
		int fd = open(files[i], O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write_all(fd, "1\n", 2) < 0) {
			fprintf(stderr, "sekisho zones test: %s: %s\n", files[i], strerror(errno));
			return -1;
		}
		close(fd);
	}
	return 0;
}

static int
load_ruleset(struct lab *L, void *arg)
{
	struct buf err;
	int rc;

	(void)arg;
	buf_init(&err, 64 * 1024);
	rc = zone_apply_load(L->o->ruleset, NULL, &err);
	if (rc < 0)
		fprintf(stderr, "sekisho zones test: the router refused the ruleset: %s\n",
		    buf_str(&err));
	buf_free(&err);
	return rc;
}

/* A zone's probe in its network net (one per address family the zone
 * has), or a host (net NULL: the network its address is in). */
static int
add_endpoint(struct lab *L, int zone, int host, const struct zone_net *net)
{
	const struct zone *z = &L->p->zones[zone];
	struct endpoint *e = &L->ep[L->nep];
	size_t k, g;

	if (L->nep == ENDPOINTS_MAX)
		return lab_fail(L, "more than %d namespaces", ENDPOINTS_MAX);
	memset(e, 0, sizeof *e);
	e->zone = zone;
	e->host = host;
	if (host >= 0) {
		e->addr = L->p->hosts[host].addr;
		for (k = 0; k < z->nnets && net == NULL; k++)
			if (zone_net_contains(&z->nets[k], &e->addr))
				net = &z->nets[k];
		if (net == NULL)
			return lab_fail(L, "host %s is outside its zone", L->p->hosts[host].name);
		e->addr.prefix = net->prefix;
		snprintf(e->ns, sizeof e->ns, "%s-h%d", L->router, host);
	} else {
		if (free_address(L, net, 1, &e->addr) < 0)
			return -1;
		/* "-z0" for the first family a zone has, "-z0-6" for IPv6 beside IPv4 */
		snprintf(e->ns, sizeof e->ns, "%s-z%d%s", L->router, zone,
		    net->family == 6 && net != &z->nets[0] && z->nets[0].family == 4 ? "-6" : "");
	}
	for (g = 0; g < L->ngws; g++)
		if (zone_net_contains(net, &L->gws[g]))
			e->gw = L->gws[g];
	L->nep++;
	return 0;
}

static int
build(struct lab *L)
{
	char br[16], veth[16], a[80];
	size_t i, k;

	if (ip(L, "netns", "add", L->router, NULL) < 0)
		return -1;
	L->router_made = 1;
	for (i = 0; i < L->p->nzones; i++) {
		const struct zone *z = &L->p->zones[i];
		const char *b = bridge_name(L, (int)i, br, sizeof br);

		if (ip(L, "-n", L->router, "link", "add", b, "type", "bridge", NULL) < 0)
			return -1;
		for (k = 0; k < z->nnets; k++) {
			struct zone_net *gw = &L->gws[L->ngws];

			if (free_address(L, &z->nets[k], 0, gw) < 0)
				return -1;
			L->ngws++;
			addr_text(gw, 1, a, sizeof a);
			if (ip(L, "-n", L->router, "addr", "add", a, "dev", b,
			    gw->family == 6 ? "nodad" : NULL, NULL) < 0)
				return -1;
		}
		if (ip(L, "-n", L->router, "link", "set", b, "up", NULL) < 0)
			return -1;
	}
	for (i = 0; i < L->p->nzones; i++) {
		const struct zone *z = &L->p->zones[i];
		int seen4 = 0, seen6 = 0;

		for (k = 0; k < z->nnets; k++) {
			int *seen = z->nets[k].family == 4 ? &seen4 : &seen6;

			if (*seen)
				continue;
			*seen = 1;
			if (add_endpoint(L, (int)i, -1, &z->nets[k]) < 0)
				return -1;
		}
	}
	for (i = 0; i < L->p->nhosts; i++)
		if (add_endpoint(L, L->p->hosts[i].zone, (int)i, NULL) < 0)
			return -1;
	for (i = 0; i < L->nep; i++) {
		struct endpoint *e = &L->ep[i];

		if (ip(L, "netns", "add", e->ns, NULL) < 0)
			return -1;
		L->made = i + 1;
		snprintf(veth, sizeof veth, "v%u", (unsigned int)(i % ENDPOINTS_MAX));
		addr_text(&e->addr, 1, a, sizeof a);
		if (ip(L, "-n", L->router, "link", "add", veth, "type", "veth", "peer", "name",
		    "eth0", "netns", e->ns, NULL) < 0 ||
		    ip(L, "-n", L->router, "link", "set", veth, "master",
		    bridge_name(L, e->zone, br, sizeof br), "up", NULL) < 0 ||
		    ip(L, "-n", e->ns, "addr", "add", a, "dev", "eth0",
		    e->addr.family == 6 ? "nodad" : NULL, NULL) < 0 ||
		    ip(L, "-n", e->ns, "link", "set", "lo", "up", NULL) < 0 ||
		    ip(L, "-n", e->ns, "link", "set", "eth0", "up", NULL) < 0)
			return -1;
		addr_text(&e->gw, 0, a, sizeof a);
		if (ip(L, "-n", e->ns, e->gw.family == 6 ? "-6" : "-4", "route", "add", "default",
		    "via", a, NULL) < 0)
			return -1;
	}
	if (in_ns(L, L->router, forwarding_on, NULL, 1) != 0 ||
	    in_ns(L, L->router, load_ruleset, NULL, 1) != 0)
		return -1;
	return 0;
}

static void
teardown(struct lab *L)
{
	size_t i;

	for (i = 0; i < L->nep; i++)
		if (L->ep[i].sekishod > 0) {
			long long end = clock_mono_ms() + 10000;
			int st;

			kill(L->ep[i].sekishod, SIGTERM);
			while (waitpid(L->ep[i].sekishod, &st, WNOHANG) == 0 &&
			    clock_mono_ms() < end)
				poll(NULL, 0, 50);
			if (kill(L->ep[i].sekishod, 0) == 0) {
				kill(L->ep[i].sekishod, SIGKILL);
				waitpid(L->ep[i].sekishod, &st, 0);
			}
			L->ep[i].sekishod = 0;
		}

	for (i = 0; i < L->nep; i++)
		if (L->ep[i].listener > 0) {
			kill(L->ep[i].listener, SIGKILL);
			while (waitpid(L->ep[i].listener, NULL, 0) < 0 && errno == EINTR)
				;
			L->ep[i].listener = 0;
		}
	if (L->o->keep)
		return;
	for (i = 0; i < L->made; i++)
		(void)ip(L, "netns", "del", L->ep[i].ns, NULL);
	if (L->router_made)
		(void)ip(L, "netns", "del", L->router, NULL);
}

/* ---- listening and probing ------------------------------------------------ */

static void
collect_ports(struct lab *L)
{
	size_t s, k, i;

	for (s = 0; s < L->p->nservices; s++)
		for (k = 0; k < L->p->services[s].nports; k++) {
			const struct zone_port *pt = &L->p->services[s].ports[k];
			unsigned int ends[2] = { pt->lo, pt->hi };
			int e;

			for (e = 0; e < (pt->lo == pt->hi ? 1 : 2); e++) {
				for (i = 0; i < L->nports; i++)
					if (L->ports[i].proto == pt->proto && L->ports[i].port == ends[e])
						break;
				if (i < L->nports)
					continue;
				if (L->nports == ZONE_LAB_PORTS_MAX) {
					L->ports_over = 1;
					continue;
				}
				L->ports[L->nports].proto = pt->proto;
				L->ports[L->nports].port = ends[e];
				L->ports[L->nports].service = (int)s;
				L->nports++;
			}
		}
}

static int
bound_socket(int family, int proto, unsigned int port)
{
	int type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM, one = 1, fd;

	if ((fd = socket(family == 4 ? AF_INET : AF_INET6, type | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (family == 4) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
			goto bad;
	} else {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
		    .sin6_port = htons((uint16_t)port) };

		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
			goto bad;
	}
	if (proto == IPPROTO_TCP && listen(fd, 256) < 0)
		goto bad;
	return fd;
bad:
	close(fd);
	return -1;
}

struct listen_arg {
	const struct endpoint *e;
	int ready;		/* write end of the ready pipe */
};

static int
listener(struct lab *L, void *arg)
{
	struct listen_arg *la = arg;
	struct pollfd pfd[ZONE_LAB_PORTS_MAX];
	size_t i;

	for (i = 0; i < L->nports; i++) {
		pfd[i].events = POLLIN;
		if (la->e->sekishod > 0 && L->ports[i].proto == IPPROTO_TCP &&
		    L->ports[i].port == L->o->sekishod_port) {
			pfd[i].fd = -1;	/* sekishod itself answers there */
			continue;
		}
		pfd[i].fd = bound_socket(la->e->addr.family, L->ports[i].proto, L->ports[i].port);
		if (pfd[i].fd < 0) {
			fprintf(stderr, "sekisho zones test: %s cannot listen on %s/%u: %s\n",
			    la->e->ns, L->ports[i].proto == IPPROTO_TCP ? "tcp" : "udp",
			    L->ports[i].port, strerror(errno));
			return -1;
		}
	}
	if (write_all(la->ready, "R", 1) < 0)
		return -1;
	close(la->ready);
	for (;;) {
		if (poll(pfd, L->nports, -1) < 0 && errno != EINTR)
			return -1;
		for (i = 0; i < L->nports; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if (L->ports[i].proto == IPPROTO_TCP) {
				int c = accept4(pfd[i].fd, NULL, NULL, SOCK_CLOEXEC);

				if (c >= 0) {
					(void)write_all(c, "S", 1);
					close(c);
				}
			} else {
				struct sockaddr_storage from;
				socklen_t fl = sizeof from;
				char d[64];
				ssize_t n = recvfrom(pfd[i].fd, d, sizeof d, MSG_DONTWAIT,
				    (struct sockaddr *)&from, &fl);

				if (n > 0)
					(void)sendto(pfd[i].fd, d, (size_t)n, 0, (struct sockaddr *)&from, fl);
			}
		}
	}
}

/* In a host's namespace: become sekishod (the one beside this program, or
 * the installed one). */
static int
exec_sekishod(struct lab *L, void *arg)
{
	char self[4096], path[4200];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash;

	(void)arg;
	path[0] = '\0';
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(path, sizeof path, "%s/sekishod", self);
		}
	}
	if (path[0] == '\0' || access(path, X_OK) != 0)
		snprintf(path, sizeof path, "/usr/sbin/sekishod");
	execl(path, "sekishod", "-c", L->o->sekishod_conf, "-f", (char *)NULL);
	fprintf(stderr, "sekisho zones test: %s: %s\n", path, strerror(errno));
	return -1;
}

/* In the same namespace: wait until sekishod accepts on its port. */
static int
await_sekishod(struct lab *L, void *arg)
{
	long long end = clock_mono_ms() + ZONE_LAB_SEKISHOD_MS;

	(void)arg;
	while (clock_mono_ms() < end) {
		struct sockaddr_in sa = { .sin_family = AF_INET,
		    .sin_port = htons((uint16_t)L->o->sekishod_port),
		    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
			close(fd);
			return 0;
		}
		if (fd >= 0)
			close(fd);
		poll(NULL, 0, 100);
	}
	return -1;
}

static int
start_sekishods(struct lab *L)
{
	size_t i;

	if (L->o->sekishod_conf == NULL)
		return 0;
	for (i = 0; i < L->nep; i++) {
		struct endpoint *e = &L->ep[i];
		pid_t pid;

		if (e->host < 0 || L->p->hosts[e->host].role != ZR_SEKISHOD)
			continue;
		if ((pid = in_ns(L, e->ns, exec_sekishod, NULL, 0)) <= 0)
			return -1;
		e->sekishod = pid;
		if (in_ns(L, e->ns, await_sekishod, NULL, 1) != 0)
			return lab_fail(L, "sekishod in %s did not listen on port %u within %d ms",
			    e->ns, L->o->sekishod_port, ZONE_LAB_SEKISHOD_MS);
	}
	return 0;
}

static int
start_listeners(struct lab *L)
{
	size_t i;

	if (start_sekishods(L) < 0)
		return -1;
	for (i = 0; i < L->nep; i++) {
		struct listen_arg la;
		int fds[2];
		char c;
		pid_t pid;

		if (pipe2(fds, O_CLOEXEC) < 0)
			return lab_fail(L, "pipe: %s", strerror(errno));
		la.e = &L->ep[i];
		la.ready = fds[1];
		pid = in_ns(L, L->ep[i].ns, listener, &la, 0);
		close(fds[1]);
		if (pid > 0)
			L->ep[i].listener = pid;
		if (pid <= 0 || read_full(fds[0], &c, 1) < 0) {
			close(fds[0]);
			return lab_fail(L, "the listener in %s did not start", L->ep[i].ns);
		}
		close(fds[0]);
	}
	return 0;
}

/* One probe: from the probe of zone `from` to endpoint `to`, port `port`. */
struct probe {
	size_t from, to, port;
	int required, observed;
};

struct probe_arg {
	struct probe *pr;
	size_t n;
	int out;		/* write end: one byte per probe, 0 or 1 */
};

static int
open_probe(const struct lab *L, const struct probe *pr)
{
	const struct endpoint *e = &L->ep[pr->to];
	const struct probe_port *pt = &L->ports[pr->port];
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	memset(&ss, 0, sizeof ss);
	if (e->addr.family == 4) {
		struct sockaddr_in *sa = (struct sockaddr_in *)&ss;

		sa->sin_family = AF_INET;
		sa->sin_port = htons((uint16_t)pt->port);
		memcpy(&sa->sin_addr, e->addr.addr, 4);
		sl = sizeof *sa;
	} else {
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;

		sa->sin6_family = AF_INET6;
		sa->sin6_port = htons((uint16_t)pt->port);
		memcpy(&sa->sin6_addr, e->addr.addr, 16);
		sl = sizeof *sa;
	}
	fd = socket(ss.ss_family, (pt->proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -2;	/* refused at once: closed */
	}
	if (pt->proto == IPPROTO_UDP && send(fd, "P", 1, 0) < 0) {
		close(fd);
		return -2;
	}
	return fd;
}

static int
prober(struct lab *L, void *arg)
{
	struct probe_arg *pa = arg;
	size_t start;

	for (start = 0; start < pa->n; start += PROBE_BATCH) {
		size_t n = pa->n - start < PROBE_BATCH ? pa->n - start : PROBE_BATCH, i, left = 0;
		struct pollfd pfd[PROBE_BATCH];
		unsigned char res[PROBE_BATCH];
		long long deadline = clock_mono_ms() + ZONE_LAB_PROBE_MS;

		for (i = 0; i < n; i++) {
			const struct probe *pr = &pa->pr[start + i];

			res[i] = 0;
			pfd[i].fd = open_probe(L, pr);
			if (pfd[i].fd == -1) {
				fprintf(stderr, "sekisho zones test: socket: %s\n", strerror(errno));
				return -1;
			}
			pfd[i].events = L->ports[pr->port].proto == IPPROTO_TCP ? POLLOUT : POLLIN;
			left += pfd[i].fd >= 0;
		}
		while (left > 0) {
			long long now = clock_mono_ms();

			if (now >= deadline)
				break;
			if (poll(pfd, n, (int)(deadline - now)) < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			for (i = 0; i < n; i++) {
				int soerr = 0;
				socklen_t sl = sizeof soerr;
				char c;

				if (pfd[i].fd < 0 || pfd[i].revents == 0)
					continue;
				if (pfd[i].events == POLLOUT) {
					getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
					res[i] = soerr == 0;
				} else
					res[i] = recv(pfd[i].fd, &c, 1, MSG_DONTWAIT) == 1;
				close(pfd[i].fd);
				pfd[i].fd = -1;
				left--;
			}
		}
		for (i = 0; i < n; i++)
			if (pfd[i].fd >= 0)
				close(pfd[i].fd);
		if (write_all(pa->out, res, n) < 0)
			return -1;
	}
	return 0;
}

static int
probe_from(struct lab *L, size_t src, struct probe *pr, size_t n)
{
	struct probe_arg pa;
	unsigned char *res;
	int fds[2];
	pid_t pid;
	size_t i;
	int status, rc = 0;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return lab_fail(L, "pipe: %s", strerror(errno));
	pa.pr = pr;
	pa.n = n;
	pa.out = fds[1];
	pid = in_ns(L, L->ep[src].ns, prober, &pa, 0);
	close(fds[1]);
	res = calloc(n ? n : 1, 1);
	if (pid <= 0 || res == NULL || read_full(fds[0], res, n) < 0)
		rc = lab_fail(L, "the probes from %s did not finish", L->ep[src].ns);
	close(fds[0]);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	for (i = 0; rc == 0 && i < n; i++)
		pr[i].observed = res[i];
	free(res);
	return rc;
}

/* ---- reporting ---------------------------------------------------------- */

static void
endpoint_name(const struct lab *L, const struct endpoint *e, char *out, size_t n)
{
	char a[64];

	addr_text(&e->addr, 0, a, sizeof a);
	if (e->host >= 0)
		snprintf(out, n, "%s %s %s", L->p->zones[e->zone].name, L->p->hosts[e->host].name, a);
	else
		snprintf(out, n, "%s %s", L->p->zones[e->zone].name, a);
}

static void
report(struct lab *L, struct probe *pr, size_t n, FILE *out)
{
	const struct zone_policy *p = L->p;
	size_t i, a, b, differ = 0;
	char name[160];

	fprintf(out, "%-12s %-36s %-12s %-10s %-9s %s\n", "from", "to", "service", "port",
	    "required", "observed");
	for (i = 0; i < n; i++) {
		const struct probe *x = &pr[i];
		const struct probe_port *pt = &L->ports[x->port];
		char port[24];

		differ += x->required != x->observed;
		if (!L->o->verbose && !x->required && !x->observed)
			continue;
		endpoint_name(L, &L->ep[x->to], name, sizeof name);
		snprintf(port, sizeof port, "%s/%u", pt->proto == IPPROTO_TCP ? "tcp" : "udp",
		    pt->port);
		fprintf(out, "%-12s %-36s %-12s %-10s %-9s %s%s\n", p->zones[L->ep[x->from].zone].name,
		    name, p->services[pt->service].name, port, x->required ? "open" : "closed",
		    x->observed ? "open" : "closed", x->required != x->observed ? "   DIFFERS" : "");
	}
	fprintf(out, "\nopen/probed from each zone (rows) to each zone (columns); "
	    "! where it differs from the policy:\n%-12s", "");
	for (b = 0; b < p->nzones; b++)
		fprintf(out, " %-12s", p->zones[b].name);
	fputc('\n', out);
	for (a = 0; a < p->nzones; a++) {
		fprintf(out, "%-12s", p->zones[a].name);
		for (b = 0; b < p->nzones; b++) {
			size_t open = 0, probed = 0, bad = 0;
			char cell[32];

			for (i = 0; i < n; i++)
				if ((size_t)L->ep[pr[i].from].zone == a && (size_t)L->ep[pr[i].to].zone == b) {
					probed++;
					open += pr[i].observed;
					bad += pr[i].observed != pr[i].required;
				}
			if (a == b)
				snprintf(cell, sizeof cell, "-");
			else
				snprintf(cell, sizeof cell, "%zu/%zu%s", open, probed, bad ? "!" : "");
			fprintf(out, " %-12s", cell);
		}
		fputc('\n', out);
	}
	fprintf(out, "\n%zu probes: %zu as the policy requires, %zu differ\n", n, n - differ,
	    differ);
}

static void
evidence(struct lab *L, struct probe *pr, size_t n)
{
	const struct zone_policy *p = L->p;
	struct buf j;
	char when[32], a[64], rs[SHA256_HEX_LEN + 1];
	time_t now = time(NULL);
	struct tm tm;
	size_t i, differ = 0;

	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	sha256_hex(L->o->ruleset, strlen(L->o->ruleset), rs);
	buf_init(&j, 64u * 1024 * 1024);
	buf_puts(&j, "{");
	json_key(&j, "kind", 1);
	json_str(&j, "sekisho-zones-test");
	json_key(&j, "at", 0);
	json_str(&j, when);
	json_key(&j, "policy_sha256", 0);
	json_str(&j, p->digest);
	json_key(&j, "ruleset_sha256", 0);
	json_str(&j, rs);
	json_key(&j, "model", 0);
	json_str(&j, zone_model_name(p->model));
	json_key(&j, "probes", 0);
	buf_puts(&j, "[");
	for (i = 0; i < n; i++) {
		const struct endpoint *e = &L->ep[pr[i].to];
		const struct probe_port *pt = &L->ports[pr[i].port];

		differ += pr[i].required != pr[i].observed;
		buf_puts(&j, i ? ",{" : "{");
		json_key(&j, "from", 1);
		json_str(&j, p->zones[L->ep[pr[i].from].zone].name);
		json_key(&j, "to", 0);
		json_str(&j, p->zones[e->zone].name);
		json_key(&j, "host", 0);
		json_str(&j, e->host >= 0 ? p->hosts[e->host].name : NULL);
		addr_text(&e->addr, 0, a, sizeof a);
		json_key(&j, "address", 0);
		json_str(&j, a);
		json_key(&j, "service", 0);
		json_str(&j, p->services[pt->service].name);
		json_key(&j, "proto", 0);
		json_str(&j, pt->proto == IPPROTO_TCP ? "tcp" : "udp");
		buf_printf(&j, ",\"port\":%u,\"required\":%s,\"observed\":%s}", pt->port,
		    pr[i].required ? "true" : "false", pr[i].observed ? "true" : "false");
	}
	buf_printf(&j, "],\"probed\":%zu,\"differ\":%zu}\n", n, differ);
	fputs(buf_str(&j), L->o->evidence);
	buf_free(&j);
}

int
zone_lab_run(const struct zone_policy *p, const struct zone_lab_opts *o, FILE *out,
    struct buf *err)
{
	struct lab *L = calloc(1, sizeof *L);
	struct probe *pr = NULL;
	size_t n = 0, cap, s, t, k;
	int rc = -1;

	if (L == NULL)
		return -1;
	L->p = p;
	L->o = o;
	L->err = err;
	snprintf(L->router, sizeof L->router, "skz%ld", (long)getpid());
	collect_ports(L);
	if (L->ports_over) {
		lab_fail(L, "the policy's services name more than %d distinct ports: the lab "
		    "would not probe them all", ZONE_LAB_PORTS_MAX);
		goto out;
	}
	if (geteuid() != 0) {
		lab_fail(L, "the lab builds network namespaces: run it as root");
		goto out;
	}
	if (build(L) < 0 || start_listeners(L) < 0)
		goto out;
	cap = L->nep * L->nep * (L->nports ? L->nports : 1);
	if ((pr = calloc(cap, sizeof *pr)) == NULL) {
		lab_fail(L, "out of memory");
		goto out;
	}
	for (s = 0; s < L->nep; s++) {
		size_t first = n;

		if (L->ep[s].host >= 0)
			continue;	/* the zone's probe speaks for the zone */
		for (t = 0; t < L->nep; t++) {
			/* a probe speaks its own family: a zone with both has a probe of each */
			if (L->ep[t].zone == L->ep[s].zone ||
			    L->ep[t].addr.family != L->ep[s].addr.family)
				continue;
			for (k = 0; k < L->nports; k++) {
				pr[n].from = s;
				pr[n].to = t;
				pr[n].port = k;
				pr[n].required = zone_policy_admits(p, L->ep[s].zone, &L->ep[t].addr,
				    L->ports[k].proto, L->ports[k].port);
				n++;
			}
		}
		if (probe_from(L, s, pr + first, n - first) < 0)
			goto out;
	}
	fprintf(out, "sekisho zones test: model %s, policy sha256 %s\n"
	    "lab: %zu zones, %zu hosts, %zu ports, router namespace %s\n\n",
	    zone_model_name(p->model), p->digest, p->nzones, p->nhosts, L->nports, L->router);
	for (s = 0; s < L->nep; s++)
		if (L->ep[s].sekishod > 0)
			fprintf(out, "sekishod (pid %ld) answered tcp/%u on host %s itself\n",
			    (long)L->ep[s].sekishod, o->sekishod_port, p->hosts[L->ep[s].host].name);
	report(L, pr, n, out);
	if (o->evidence != NULL)
		evidence(L, pr, n);
	rc = 0;
	for (s = 0; s < n; s++)
		if (pr[s].required != pr[s].observed)
			rc = 1;
out:
	teardown(L);
	free(pr);
	free(L);
	return rc;
}
