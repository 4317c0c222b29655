/*
 * volt container create, and the options it shares with volt run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "container.h"

#define SPEC_OPTIONS_HELP                                                                             \
	"  --image REF          the image: a name or id of 'volt image ls', or a\n"                  \
	"                       Stellarium tag or hash (built-in: busybox)\n"                       \
	"  --rootfs DIR         or a directory holding an OS tree (with /usr) as the image\n"         \
	"  -e, --env NAME[=VAL] set an environment variable (repeatable); NAME alone\n"             \
	"                       passes volt's own NAME on, or nothing when it is unset\n"          \
	"  -w, --workdir DIR    working directory inside the container (default /)\n"               \
	"  --hostname NAME      host name inside (default: the container's name)\n"                \
	"  -u, --user USER      user name or UID[:GID] inside (default root)\n"                     \
	"  -v, --volume SRC:DST[:OPTS]\n"                                                            \
	"                       bind a host path into the container (repeatable); OPTS,\n"        \
	"                       comma-separated: ro or rw (default), idmap (files keep\n"          \
	"                       their host owners), U (re-own SRC to the container's uids)\n"     \
	"  --network MODE       none (default: loopback only), private (an address on\n"        \
	"                       Volt's bridge volt0, NAT to the outside) or host\n"              \
	"  -p, --publish [IP:]HOSTPORT:PORT[/tcp|/udp]\n"                                          \
	"                       relay TCP connections (or UDP datagrams) to the host's\n"        \
	"                       HOSTPORT (on IPv4 address IP, e.g. 127.0.0.1 for this host\n"    \
	"                       only; default every address) to PORT in the container\n"         \
	"                       (repeatable; needs --network private)\n"                          \
	"  --dns IP             DNS server of a private network (repeatable, at most 3;\n"      \
	"                       default: the host's, unless they are loopback addresses)\n"     \
	"  -m, --memory SIZE    memory limit, e.g. 256M (unit property MemoryMax)\n"               \
	"  --cpus N             CPU limit in CPUs, e.g. 0.5 (unit property CPUQuota)\n"             \
	"  --pids-limit N       limit on tasks (unit property TasksMax)\n"                          \
	"  --io-weight N        IO weight 1..10000 (unit property IOWeight)\n"                      \
	"                       (in the foreground: cgroups of the run's own, memory with\n"      \
	"                       swap; a limit this host cannot enforce is warned about)\n"        \
	"  --policy FILE        sandbox policy, see volt-policy(5) (default: the image's\n"          \
	"                       attached policy, else the container default; 'default':\n"      \
	"                       the container default even so)\n"                                 \
	"  --strict             refuse to run if the kernel cannot enforce the whole policy\n" \
	"  --restart POLICY     when the workload of the container's unit ends: no\n"        \
	"                       (default), on-failure[:N] (non-zero exit or a signal; at\n"   \
	"                       most N times), always (also after exit 0); never after\n"     \
	"                       'volt stop' (unit property Restart=)\n"

static const char create_help[] =
	"Usage: volt container create NAME (--image REF | --rootfs DIR) [OPTIONS] [-- CMD [ARGS...]]\n"
	"\n"
	"Create container NAME from an image. Its root file system is a private\n"
	"writable layer over a read-only base shared by every container of that\n"
	"image. Nothing runs until 'volt container start NAME'. For an image of\n"
	"'volt image ls', its config applies as in Docker: the command is its\n"
	"Entrypoint followed by CMD, or by its Cmd when no CMD is given; its Env,\n"
	"WorkingDir and User apply unless -e, -w or -u say otherwise; what came\n"
	"from the image is recorded ('volt container inspect' shows it, with the\n"
	"image's ExposedPorts). Otherwise CMD defaults to /bin/sh. The built-in\n"
	"image 'busybox' is imported into the store on first use.\n"
	"\n"
	"Options:\n" SPEC_OPTIONS_HELP "  -h, --help           show this help\n";

static int push(const char ***list, size_t *n, const char *s)
{
	const char **l = realloc(*list, (*n + 2) * sizeof(char *));

	if (!l)
		return -ENOMEM;
	l[(*n)++] = s;
	l[*n] = NULL;
	*list = l;
	return 0;
}

/* "1.5" CPUs as a percentage of one CPU (150); two decimals at most. */
static int parse_cpus(const char *s, uint32_t *out)
{
	uint64_t whole = 0, frac = 0;
	const char *p = s;
	int digits = 0;

	for (; *p >= '0' && *p <= '9' && whole <= 1000; p++, digits++)
		whole = whole * 10 + (uint64_t)(*p - '0');
	if (*p == '.')
		for (int i = 0, f = 10; *++p >= '0' && *p <= '9'; i++, f /= 10, digits++)
			if (i < 2)
				frac += (uint64_t)(*p - '0') * (uint64_t)f;
	if (!digits || *p)
		return volt_error_set(EINVAL, "--cpus '%s' is not a number of CPUs", s);
	if (whole > 1000 || whole * 100 + frac == 0)
		return volt_error_set(ERANGE, "--cpus '%s' is out of range (0.01..1000)", s);
	*out = (uint32_t)(whole * 100 + frac);
	return 0;
}

static int parse_u64(const char *opt, const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || !*s || *end || s[0] == '-')
		return volt_error_set(EINVAL, "%s '%s' is not a number", opt, s);
	return 0;
}

/* -e NAME=VALUE as given; -e NAME passes the caller's NAME on, or nothing when it is unset (as Docker). */
static int add_env(struct spec_options *o, const char *arg)
{
	const char *value;
	char **l, *s = NULL;

	if (strchr(arg, '=') || !*arg)
		return push(&o->env, &o->n_env, arg);
	value = getenv(arg);
	if (!value)
		return 0;
	l = realloc(o->env_owned, (o->n_env_owned + 1) * sizeof(char *));
	if (!l)
		return volt_error_set(ENOMEM, NULL);
	o->env_owned = l;
	if (asprintf(&s, "%s=%s", arg, value) < 0)
		return volt_error_set(ENOMEM, NULL);
	o->env_owned[o->n_env_owned++] = s;
	return push(&o->env, &o->n_env, s);
}

int container_parse_spec(const struct cli_global *g, struct spec_options *o, bool run, int argc, char **argv,
			 const char *help, int *first_arg, int *n_args)
{
	enum { OPT_ROOTFS = 0x100, OPT_IMAGE, OPT_HOSTNAME, OPT_NETWORK, OPT_CPUS, OPT_PIDS, OPT_IO, OPT_POLICY,
	       OPT_STRICT, OPT_NAME, OPT_RM, OPT_LEARN, OPT_ATTACH, OPT_RESTART, OPT_DNS };
	static const struct option options[] = {
		{ "rootfs", required_argument, NULL, OPT_ROOTFS },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "hostname", required_argument, NULL, OPT_HOSTNAME },
		{ "user", required_argument, NULL, 'u' },
		{ "volume", required_argument, NULL, 'v' },
		{ "publish", required_argument, NULL, 'p' },
		{ "network", required_argument, NULL, OPT_NETWORK },
		{ "dns", required_argument, NULL, OPT_DNS },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "pids-limit", required_argument, NULL, OPT_PIDS },
		{ "io-weight", required_argument, NULL, OPT_IO },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "restart", required_argument, NULL, OPT_RESTART },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "rm", no_argument, NULL, OPT_RM },
		{ "learn", optional_argument, NULL, OPT_LEARN },
		{ "attach", no_argument, NULL, OPT_ATTACH },
		{ "detach", no_argument, NULL, 'd' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t v;
	int c, dashdash = -1;

	memset(o, 0, sizeof(*o));
	o->spec = (volt_ctr_spec)VOLT_CTR_SPEC_INIT;

	/*
	 * create: everything after "--" is the command, untouched by getopt.
	 * run: getopt stops at the image ('+'), so a command's own options
	 * (volt run busybox ls -l) are never taken for volt's.
	 */
	if (!run) {
		for (int i = 1; i < argc; i++)
			if (strcmp(argv[i], "--") == 0) {
				dashdash = i;
				break;
			}
		if (dashdash >= 0) {
			o->argv = (const char **)argv + dashdash + 1;
			argc = dashdash;
		}
	}

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, run ? "+:e:w:u:v:p:m:dith" : ":e:w:u:v:p:m:dith", options, NULL)) != -1) {
		switch (c) {
		case OPT_ROOTFS:
			o->spec.rootfs = optarg;
			break;
		case OPT_IMAGE:
			o->spec.image = optarg;
			break;
		case 'e':
			if (add_env(o, optarg) < 0)
				return cli_fail(g->program);
			break;
		case 'w':
			o->spec.workdir = optarg;
			break;
		case OPT_HOSTNAME:
			o->spec.hostname = optarg;
			break;
		case 'u':
			o->spec.user = optarg;
			break;
		case 'v':
			if (push(&o->volumes, &o->n_volumes, optarg) < 0)
				return cli_fail(g->program);
			break;
		case 'p':
			if (push(&o->ports, &o->n_ports, optarg) < 0)
				return cli_fail(g->program);
			break;
		case OPT_DNS: {
			struct in_addr a;

			if (inet_pton(AF_INET, optarg, &a) != 1)
				return cli_usage_error(g->program, "--dns: '%s' is not an IPv4 address", optarg);
			if (push(&o->dns, &o->n_dns, optarg) < 0)
				return cli_fail(g->program);
			break;
		}
		case OPT_NETWORK:
			if (strcmp(optarg, "none") == 0)
				o->spec.network = VOLT_CTR_NETWORK_NONE;
			else if (strcmp(optarg, "private") == 0)
				o->spec.network = VOLT_CTR_NETWORK_PRIVATE;
			else if (strcmp(optarg, "host") == 0)
				o->spec.network = VOLT_CTR_NETWORK_HOST;
			else
				return cli_usage_error(g->program, "--network: '%s' is not none, private or host", optarg);
			break;
		case 'm':
			if (volt_parse_size(&o->spec.memory_max, optarg) < 0)
				return cli_usage_error(g->program, "--memory: %s", volt_error_message());
			break;
		case OPT_CPUS:
			if (parse_cpus(optarg, &o->spec.cpu_quota_percent) < 0)
				return cli_usage_error(g->program, "%s", volt_error_message());
			break;
		case OPT_PIDS:
			if (parse_u64("--pids-limit", optarg, &o->spec.tasks_max) < 0)
				return cli_usage_error(g->program, "%s", volt_error_message());
			break;
		case OPT_IO:
			if (parse_u64("--io-weight", optarg, &v) < 0 || v < 1 || v > 10000)
				return cli_usage_error(g->program, "--io-weight '%s' must be 1..10000", optarg);
			o->spec.io_weight = (uint32_t)v;
			break;
		case OPT_POLICY:
			o->spec.policy_file = optarg;
			break;
		case OPT_STRICT:
			o->spec.policy_strict = true;
			break;
		case OPT_RESTART:
			o->restart = optarg;
			break;
		case OPT_NAME:
		case OPT_RM:
		case 'd':
		case 'i':
		case 't':
			if (!run)
				return cli_usage_error(g->program, "%s: option '%s' is for 'volt run' only", argv[0],
						       c == OPT_NAME ? "--name" : c == OPT_RM ? "--rm" : c == 'd' ? "-d"
						       : c == 'i' ? "-i" : "-t");
			if (c == OPT_NAME)
				o->name = optarg;
			else if (c == OPT_RM)
				o->rm = true;
			else if (c == 'd')
				o->detach = true;
			else if (c == 'i')
				o->interactive = true;
			else
				o->tty = true;
			break;
		case OPT_LEARN:
		case OPT_ATTACH:
			if (!run)
				return cli_usage_error(g->program, "%s: '%s' is for 'volt run' (learning needs a run)", argv[0],
						       c == OPT_LEARN ? "--learn" : "--attach");
			if (c == OPT_LEARN) {
				o->learn = true;
				o->learn_file = optarg;
			} else {
				o->attach = true;
			}
			break;
		case 'h':
			fputs(help, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_option_error(g->program, argv[0], argc, argv, c, options);
		}
	}
	o->spec.env = o->env;
	o->spec.volumes = o->volumes;
	o->spec.ports = o->ports;
	*first_arg = optind;
	*n_args = argc - optind;
	if (run) {
		/* volt run [OPTIONS] IMAGE [--] [CMD...], or --image/--rootfs [--] [CMD...] */
		int i = optind;

		if (!o->spec.image && !o->spec.rootfs && i < argc) {
			o->spec.image = argv[i++];
			if (i < argc && strcmp(argv[i], "--") == 0)
				i++;
		}
		if (i < argc)
			o->argv = (const char **)argv + i;
		*first_arg = i;
		*n_args = 0;
	}
	o->spec.argv = o->argv;
	if (o->rm && o->restart && strcmp(o->restart, "no") != 0)
		return cli_usage_error(g->program, "%s: --restart %s and --rm conflict (--rm removes what would restart)",
				       argv[0], o->restart);
	if (o->n_dns && o->spec.network != VOLT_CTR_NETWORK_PRIVATE)
		return cli_usage_error(g->program, "%s: --dns needs --network private", argv[0]);
	if (!o->spec.rootfs == !o->spec.image)
		return cli_usage_error(g->program, "%s: give the image: %s--image REF or --rootfs DIR (one of them)",
				       argv[0], run ? "IMAGE, " : "");
	return -1;
}

void container_spec_done(struct spec_options *o)
{
	for (size_t i = 0; i < o->n_env_owned; i++)
		free(o->env_owned[i]);
	free(o->env_owned);
	free(o->env);
	free(o->volumes);
	free(o->ports);
	free(o->dns);
}

int container_create_spec(volt_ctr *ctr, const char *name, const struct spec_options *o)
{
	int r = volt_ctr_create(ctr, name, &o->spec);

	if (r < 0)
		return r;
	if (o->restart)
		r = volt_ctr_set_restart(ctr, name, o->restart);
	if (r >= 0 && o->n_dns)
		r = volt_ctr_set_dns(ctr, name, o->dns);
	if (r < 0) {
		/* Nothing half-made: the message is the setting's, not the remove's. */
		char *msg = strdup(volt_error_message());

		(void)volt_ctr_remove(ctr, name, true);
		volt_error_set(-r, "%s", msg ? msg : "");
		free(msg);
	}
	return r;
}

int container_create(const struct cli_global *g, int argc, char **argv)
{
	struct spec_options o;
	volt_ctr *ctr = NULL;
	int r, first, n;

	r = container_parse_spec(g, &o, false, argc, argv, create_help, &first, &n);
	if (r >= 0) {
		container_spec_done(&o);
		return r;
	}
	if (n != 1) {
		container_spec_done(&o);
		return cli_usage_error(g->program, "create: give exactly one NAME (the command goes after '--')");
	}
	r = container_open(g, &ctr);
	if (r < 0) {
		r = container_create_spec(ctr, argv[first], &o);
		r = r < 0 ? cli_fail(g->program) : CLI_EXIT_OK;
		if (r == CLI_EXIT_OK && !g->json)
			printf("%s\n", argv[first]);
	}
	volt_ctr_close(ctr);
	container_spec_done(&o);
	return r;
}
