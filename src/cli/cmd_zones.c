/*
 * sekisho zones - the zone policy (通信経路の分割): check it against the
 * guideline, compile it to nftables, load it, prove it in namespaces, and
 * read the kernel's counts of denied crossings.
 *
 *   sekisho zones check POLICY             0 no problem, 2 problems (listed)
 *   sekisho zones nft POLICY [-o FILE]     the ruleset (stdout by default)
 *   sekisho zones apply POLICY|--ruleset FILE [--previous FILE] [--check]
 *   sekisho zones test POLICY [--ruleset FILE] [--evidence FILE] [--sekishod CONFIG]
 *                          [--keep] [--verbose]
 *                                          0 as required, 13 differs
 *   sekisho zones stats [--prometheus]     the counters of the loaded table
 *
 * Exit statuses: 0 done, 2 usage or a policy with problems, 13 the lab saw
 * a crossing the policy does not require (or missed one it does), 1 the
 * kernel refused or the lab could not be built.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/fdio.h"
#include "core/num.h"
#include "zones/zone_apply.h"
#include "zones/zone_lab.h"
#include "zones/zone_nft.h"
#include "zones/zone_policy.h"

#define EXIT_ZONES_DIFFER 13
#define ZONES_PREVIOUS_DEFAULT "/var/lib/sekisho/zones.previous.nft"
#define ZONES_RULESET_MAX ZONE_NFT_MAX_BYTES

static void
usage(FILE *f)
{
	fprintf(f, _("usage: sekisho zones check POLICY\n"
	    "       sekisho zones nft POLICY [-o FILE]\n"
	    "       sekisho zones apply POLICY|--ruleset FILE [--previous FILE] [--check]\n"
	    "       sekisho zones test POLICY [--ruleset FILE] [--evidence FILE] [--sekishod CONFIG]\n"
	    "                              [--keep] [--verbose]\n"
	    "       sekisho zones stats [--prometheus]\n"
	    "  check     report every rule of the guideline the policy breaks (exit 2)\n"
	    "  nft       write the nftables ruleset the policy compiles to\n"
	    "  apply     load it atomically (the kernel keeps the previous ruleset if it\n"
	    "            refuses); the table it replaces is saved to --previous\n"
	    "            (default %s); --check loads nothing;\n"
	    "            --ruleset loads a ruleset file instead (a reviewed or a saved one)\n"
	    "  test      build the zones in network namespaces, load the ruleset, probe\n"
	    "            every pair and service, compare with the policy (exit 13 if\n"
	    "            they differ); --evidence writes the run as JSON; --sekishod runs\n"
	    "            the real sekishod with CONFIG on the hosts of role sekishod\n"
	    "  stats     the denied crossings the kernel counted, per pair of zones\n"),
	    ZONES_PREVIOUS_DEFAULT);
}

struct check_out {
	const char *path;
	FILE *f;
};

static void
print_problem(const struct zone_problem *pr, void *arg)
{
	struct check_out *co = arg;

	if (pr->line > 0)
		fprintf(co->f, "%s:%d: %s: %s\n", co->path, pr->line, pr->rule, pr->what);
	else
		fprintf(co->f, "%s: %s: %s\n", co->path, pr->rule, pr->what);
	fprintf(co->f, "    (%s)\n", pr->clause);
}

/* Load and check; prints the problems.  0, or an exit status. */
static int
load_checked(const char *path, struct zone_policy *p, FILE *report)
{
	struct buf err;
	struct check_out co = { path, report };
	size_t n;

	buf_init(&err, 4096);
	if (zone_policy_load(path, p, &err) < 0) {
		const char *why = buf_str(&err);
		int line = 0, at = 0;

		/* "PATH: line N: reason" -> "PATH:N: syntax: reason" */
		if (strncmp(why, path, strlen(path)) == 0 && why[strlen(path)] == ':')
			why += strlen(path) + 2;
		if (sscanf(why, "line %d: %n", &line, &at) == 1 && at > 0)
			fprintf(report, "%s:%d: syntax: %s\n    (zone policy format "
			    "(docs/zones.md))\n", path, line, why + at);
		else
			fprintf(report, "%s: %s\n", path, why);
		fprintf(report, ngettext("%s: %zu problem\n", "%s: %zu problems\n", 1), path,
		    (size_t)1);
		buf_free(&err);
		return EXIT_USAGE;
	}
	buf_free(&err);
	if ((n = zone_policy_check(p, print_problem, &co)) > 0) {
		fprintf(report, ngettext("%s: %zu problem\n", "%s: %zu problems\n", n), path, n);
		return EXIT_USAGE;
	}
	return 0;
}

static struct zone_policy *
policy_new(void)
{
	struct zone_policy *p = calloc(1, sizeof *p);

	if (p == NULL) {
		fputs(_("sekisho zones: out of memory\n"), stderr);
		exit(EXIT_INTERNAL);
	}
	return p;
}

static int
zones_check(int argc, char **argv)
{
	struct zone_policy *p;
	int rc;

	if (argc != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	p = policy_new();
	rc = load_checked(argv[1], p, stdout);
	if (rc == 0)
		printf(_("%s: ok: model %s, %zu zones, %zu hosts, %zu services, %zu flows\n"),
		    argv[1], zone_model_name(p->model), p->nzones, p->nhosts, p->nservices,
		    p->nflows);
	free(p);
	return rc;
}

/* The ruleset of the policy at path into out: 0 or an exit status. */
static int
compile(const char *path, struct buf *out)
{
	struct zone_policy *p = policy_new();
	int rc = load_checked(path, p, stderr);

	if (rc == 0 && zone_nft_write(p, out) < 0) {
		fprintf(stderr, _("%s: the ruleset would be larger than %d bytes\n"), path,
		    ZONE_NFT_MAX_BYTES);
		rc = EXIT_USAGE;
	}
	free(p);
	return rc;
}

static int
zones_nft(int argc, char **argv)
{
	const char *out = NULL, *policy = NULL;
	struct buf rs;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (argv[i][0] != '-' && policy == NULL)
			policy = argv[i];
		else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (policy == NULL) {
		usage(stderr);
		return EXIT_USAGE;
	}
	buf_init(&rs, ZONE_NFT_MAX_BYTES);
	rc = compile(policy, &rs);
	if (rc == 0 && out != NULL) {
		if (write_file_atomic(out, rs.data, rs.len) != 0) {
			fprintf(stderr, "sekisho zones: %s: %s\n", out, strerror(errno));
			rc = EXIT_INTERNAL;
		}
	} else if (rc == 0 && (fwrite(rs.data, 1, rs.len, stdout) != rs.len ||
	    fflush(stdout) != 0))
		rc = EXIT_INTERNAL;
	buf_free(&rs);
	return rc;
}

static int read_file(const char *path, struct buf *b);

static int
zones_apply(int argc, char **argv)
{
	const char *previous = ZONES_PREVIOUS_DEFAULT, *policy = NULL, *ruleset = NULL;
	struct buf rs, err;
	int i, rc = 0, check_only = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--previous") == 0 && i + 1 < argc)
			previous = argv[++i];
		else if (strcmp(argv[i], "--ruleset") == 0 && i + 1 < argc)
			ruleset = argv[++i];
		else if (strcmp(argv[i], "--check") == 0)
			check_only = 1;
		else if (argv[i][0] != '-' && policy == NULL)
			policy = argv[i];
		else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if ((policy == NULL) == (ruleset == NULL)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	buf_init(&rs, ZONE_NFT_MAX_BYTES);
	buf_init(&err, 64 * 1024);
	if (ruleset != NULL ? (read_file(ruleset, &rs) < 0 ? (rc = EXIT_USAGE) : 0)
	    : (rc = compile(policy, &rs)) != 0)
		goto out;
	if (ruleset != NULL)
		policy = ruleset;
	if (check_only ? zone_apply_check(buf_str(&rs), &err) < 0
	    : zone_apply_load(buf_str(&rs), previous, &err) < 0) {
		fprintf(stderr, _("sekisho zones apply: %s: not loaded; the previous ruleset stays "
		    "in force:\n%s\n"), policy, buf_str(&err));
		rc = EXIT_INTERNAL;
		goto out;
	}
	if (check_only)
		printf(_("%s: the kernel would accept the ruleset (nothing loaded)\n"), policy);
	else
		printf(_("%s: loaded as table inet %s (the table it replaced, if any: %s)\n"), policy,
		    ZONE_NFT_TABLE, previous);
out:
	buf_free(&rs);
	buf_free(&err);
	return rc;
}

static int
read_file(const char *path, struct buf *b)
{
	if (read_file_buf(path, b) == 0)
		return 0;
	fprintf(stderr, "sekisho zones: %s: %s\n", path, errno == EFBIG ? _("too large") :
	    strerror(errno));
	return -1;
}

static int
zones_test(int argc, char **argv)
{
	const char *policy = NULL, *ruleset = NULL, *evidence = NULL;
	struct zone_lab_opts o;
	struct zone_policy *p;
	struct buf rs, err;
	int i, rc;

	memset(&o, 0, sizeof o);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ruleset") == 0 && i + 1 < argc)
			ruleset = argv[++i];
		else if (strcmp(argv[i], "--evidence") == 0 && i + 1 < argc)
			evidence = argv[++i];
		else if (strcmp(argv[i], "--keep") == 0)
			o.keep = 1;
		else if (strcmp(argv[i], "--verbose") == 0)
			o.verbose = 1;
		else if (strcmp(argv[i], "--sekishod") == 0 && i + 1 < argc)
			o.sekishod_conf = argv[++i];
		else if (argv[i][0] != '-' && policy == NULL)
			policy = argv[i];
		else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (policy == NULL) {
		usage(stderr);
		return EXIT_USAGE;
	}
	p = policy_new();
	buf_init(&rs, ZONE_NFT_MAX_BYTES);
	buf_init(&err, 64 * 1024);
	if ((rc = load_checked(policy, p, stderr)) != 0)
		goto out;
	/* the ruleset proved is the policy's own, or one given to compare */
	if (ruleset != NULL ? read_file(ruleset, &rs) < 0 : zone_nft_write(p, &rs) < 0) {
		rc = ruleset != NULL ? EXIT_USAGE : EXIT_INTERNAL;
		goto out;
	}
	o.ruleset = buf_str(&rs);
	if (o.sekishod_conf != NULL) {
		/* the port its listener answers on, from its own configuration */
		struct config *cfg = calloc(1, sizeof *cfg);
		const char *colon;
		uint64_t port = 0;

		if (cfg == NULL || cli_load_config(cfg, o.sekishod_conf) != 0 ||
		    (colon = strrchr(cfg->listen, ':')) == NULL || parse_u64(colon + 1, &port) != 0 ||
		    port == 0 || port > 65535) {
			fprintf(stderr,
			    _("sekisho zones test: --sekishod %s: no listen = HOST:PORT\n"),
			    o.sekishod_conf);
			free(cfg);
			rc = EXIT_USAGE;
			goto out;
		}
		o.sekishod_port = (unsigned int)port;
		free(cfg);
	}
	if (evidence != NULL && (o.evidence = fopen(evidence, "we")) == NULL) {
		fprintf(stderr, "sekisho zones test: %s: %s\n", evidence, strerror(errno));
		rc = EXIT_USAGE;
		goto out;
	}
	switch (zone_lab_run(p, &o, stdout, &err)) {
	case 0:
		rc = 0;
		break;
	case 1:
		rc = EXIT_ZONES_DIFFER;
		break;
	default:
		fprintf(stderr, "sekisho zones test: %s\n", buf_str(&err));
		rc = EXIT_INTERNAL;
	}
	if (o.evidence != NULL && fclose(o.evidence) != 0) {
		fprintf(stderr, "sekisho zones test: %s: %s\n", evidence, strerror(errno));
		rc = EXIT_INTERNAL;
	}
out:
	buf_free(&rs);
	buf_free(&err);
	free(p);
	return rc;
}

static int
zones_stats(int argc, char **argv)
{
	struct buf out, err;
	int prom = 0, rc = 0;
	const char *line;

	if (argc == 2 && strcmp(argv[1], "--prometheus") == 0)
		prom = 1;
	else if (argc != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	buf_init(&out, 1024 * 1024);
	buf_init(&err, 64 * 1024);
	if (zone_apply_counters(&out, &err) < 0) {
		fprintf(stderr, "sekisho zones stats: %s\n", buf_str(&err));
		rc = EXIT_INTERNAL;
		goto done;
	}
	if (prom)
		fputs("# HELP sekisho_zone_denied_packets_total Packets dropped between zones, "
		    "by pair (from the kernel's counters).\n"
		    "# TYPE sekisho_zone_denied_packets_total counter\n", stdout);
	for (line = buf_str(&out); *line != '\0';) {
		const char *nl = strchr(line, '\n');
		char name[128], from[64], to[64];
		long long packets, bytes;

		if (sscanf(line, "%127s %lld %lld", name, &packets, &bytes) == 3) {
			if (!prom)
				printf("%-40s %12lld packets %14lld bytes\n", name, packets, bytes);
			else if (strcmp(name, "deny_spoofed") == 0 || strcmp(name, "deny_other") == 0)
				printf("sekisho_zone_denied_packets_total{from=\"%s\",to=\"\"} %lld\n",
				    name + 5, packets);
			else if (sscanf(name, "deny_%63[^_]_%63s", from, to) == 2)
				printf("sekisho_zone_denied_packets_total{from=\"%s\",to=\"%s\"} %lld\n",
				    from, to, packets);
		}
		if (nl == NULL)
			break;
		line = nl + 1;
	}
done:
	buf_free(&out);
	buf_free(&err);
	return rc;
}

int
cmd_zones(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "check") == 0)
		return zones_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "nft") == 0)
		return zones_nft(argc - 1, argv + 1);
	if (strcmp(argv[1], "apply") == 0)
		return zones_apply(argc - 1, argv + 1);
	if (strcmp(argv[1], "test") == 0)
		return zones_test(argc - 1, argv + 1);
	if (strcmp(argv[1], "stats") == 0)
		return zones_stats(argc - 1, argv + 1);
	usage(stderr);
	return EXIT_USAGE;
}
