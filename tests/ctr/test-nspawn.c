/*
 * The command lines of a container (nspawn.c): nspawn's arguments and
 * the launcher's host side in front of them, exactly, for the specs that
 * change them; the private network's resolv.conf (network.c); and what
 * a record of the wrong types (a corrupt or hand-edited config.json) does
 * to them. Nothing is run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ctr-test.h"

#define SPEC(...) ((volt_ctr_spec){ .version = VOLT_CTR_SPEC_VERSION, .rootfs = "/r", __VA_ARGS__ })
#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })

struct fixture {
	char *root;
	volt_ctr *ctr;
	ctr_record rec;
};

/* A record of container "web" under a new root, its config.json from @spec (not written). */
static void setup(struct fixture *f, const volt_ctr_spec *spec, int network_index)
{
	setenv("VOLT_CTR_NSPAWN", "/x/nspawn", 1);
	setenv("VOLT_CTR_LAUNCHER", "/x/launch", 1);
	f->root = test_root();
	ck_assert_int_eq(volt_ctr_open(&f->ctr, f->root), 0);
	ck_assert_int_eq(ctr_record_paths(&f->rec, f->ctr, "web"), 0);
	ck_assert_int_eq(volt_mkdir_p(f->rec.dir, 0700), 0);
	ck_assert_msg(ctr_spec_to_json(&f->rec.config, "web", spec, "/b") == 0, "%s", volt_error_message());
	if (network_index)
		json_object_set_new(f->rec.config, "network_index", json_integer(network_index));
	f->rec.base = strdup("/b");
}

static void teardown(struct fixture *f)
{
	ctr_record_done(&f->rec);
	ck_assert_int_eq(common_rm_rf(f->root), 0);
	free(f->root);
	volt_ctr_close(f->ctr);
}

/* @s with every "ROOT" replaced by @root. */
static char *expand(const char *s, const char *root)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	ck_assert_ptr_nonnull(f);
	for (const char *at; (at = strstr(s, "ROOT")); s = at + 4)
		fprintf(f, "%.*s%s", (int)(at - s), s, root);
	fputs(s, f);
	ck_assert_int_eq(fclose(f), 0);
	return out;
}

/* @argv is exactly @want (NULL-terminated), with ROOT in @want standing for the state root. */
static void assert_argv(char **argv, const char *root, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++) {
		char *w = expand(want[i], root);

		ck_assert_msg(argv[i], "argv ends at %zu, before '%s'", i, w);
		ck_assert_msg(strcmp(argv[i], w) == 0, "argv[%zu] is '%s', not '%s'", i, argv[i], w);
		free(w);
	}
	ck_assert_msg(!argv[i], "argv[%zu] is '%s', past the end", i, argv[i]);
}

/* nspawn's fixed part, up to the network options. */
#define NSPAWN_HEAD(console)                                                                            \
	"/x/nspawn", "--quiet", "--register=no", "--keep-unit", "--machine=web", "--hostname=web",      \
		"--directory=ROOT/containers/web/rootfs", "--console=" console, "--link-journal=no",     \
		"--settings=no", "--timezone=off", "--private-users=524288:65536",                       \
		"--private-users-ownership=off", "--kill-signal=SIGTERM",                    \
		"--system-call-filter=landlock_create_ruleset landlock_add_rule landlock_restrict_self"
#define NSPAWN_BINDS                                                                                   \
	"--bind-ro=/x/launch:/run/volt/launch", "--bind-ro=ROOT/containers/web/policy.json:/run/volt/policy.json", \
		"--", "/run/volt/launch"

START_TEST(test_default)
{
	volt_ctr_spec spec = SPEC();
	struct fixture f;
	char **argv = NULL;

	setup(&f, &spec, 0);
	ck_assert_int_eq(ctr_nspawn_argv(&f.rec, false, NULL, &argv), 0);
	assert_argv(argv, f.root,
		    LIST(NSPAWN_HEAD("pipe"), "--private-network", NSPAWN_BINDS, "/run/volt/policy.json", "--",
			 "/bin/sh"));
	volt_strv_free(argv);
	ck_assert_int_eq(ctr_nspawn_argv(&f.rec, true, "/ignored/without/private", &argv), 0);
	assert_argv(argv, f.root,
		    LIST(NSPAWN_HEAD("interactive"), "--private-network", NSPAWN_BINDS, "/run/volt/policy.json", "--",
			 "/bin/sh"));
	volt_strv_free(argv);
	teardown(&f);
}
END_TEST

/* Every option that changes the command line at once, each where nspawn and the launcher want it. */
START_TEST(test_options)
{
	char *src = test_root();
	char ro[300], idmap[300], bind_ro[300], bind_idmap[300];
	struct fixture f;
	char **argv = NULL;

	ck_assert_int_eq(chmod(src, 0755), 0);
	snprintf(ro, sizeof(ro), "%s:/data:ro", src);
	snprintf(idmap, sizeof(idmap), "%s:/state:rw,idmap", src);
	snprintf(bind_ro, sizeof(bind_ro), "--bind-ro=%s:/data", src);
	snprintf(bind_idmap, sizeof(bind_idmap), "--bind=%s:/state:idmap", src);
	{
		volt_ctr_spec spec = SPEC(.argv = LIST("/app/server", "--flag", ""), .env = LIST("A=1", "HOME=/h"),
					  .workdir = "/app", .hostname = "box", .user = "nobody",
					  .network = VOLT_CTR_NETWORK_HOST, .volumes = LIST(ro, idmap), .policy_strict = true);

		setup(&f, &spec, 0);
	}
	ck_assert_int_eq(ctr_nspawn_argv(&f.rec, false, NULL, &argv), 0);
	assert_argv(argv, f.root,
		    LIST("/x/nspawn", "--quiet", "--register=no", "--keep-unit", "--machine=web", "--hostname=box",
			 "--directory=ROOT/containers/web/rootfs", "--console=pipe", "--link-journal=no", "--settings=no",
			 "--timezone=off", "--private-users=524288:65536", "--private-users-ownership=off",
			 "--kill-signal=SIGTERM",
			 "--system-call-filter=landlock_create_ruleset landlock_add_rule landlock_restrict_self",
			 /* The host's network: no --private-network. */
			 "--setenv=A=1", "--setenv=HOME=/h", bind_ro, bind_idmap, NSPAWN_BINDS, "--strict",
			 /* HOME is the image's or the caller's: the launcher sets only the others. */
			 "--user=nobody", "--user-env=USER,LOGNAME", "--workdir=/app", "/run/volt/policy.json", "--",
			 "/app/server", "--flag", ""));
	volt_strv_free(argv);
	teardown(&f);
	ck_assert_int_eq(rmdir(src), 0);
	free(src);
}
END_TEST

START_TEST(test_user_env)
{
	const struct {
		const char *const *env;
		const char *want;
	} cases[] = {
		{ LIST("A=1"), "HOME,USER,LOGNAME" },
		{ LIST("USER=u", "LOGNAME=l"), "HOME" },
		{ LIST("HOMEDIR=/x", "USERNAME=u", "LOGNAME"), "HOME,USER,LOGNAME" },
		{ LIST("HOME=", "USER=u", "LOGNAME=l"), NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *env = json_array();
		char *vars = (char *)"unset";

		for (const char *const *e = cases[i].env; *e; e++)
			json_array_append_new(env, json_string(*e));
		ck_assert_int_eq(ctr_user_env_vars(env, &vars), 0);
		if (cases[i].want)
			ck_assert_str_eq(vars, cases[i].want);
		else
			ck_assert_ptr_null(vars);
		free(vars);
		json_decref(env);
	}
}
END_TEST

/* Private network: veth, Volt's resolv.conf bound in, the launcher's address; on the host side the veth and ports. */
START_TEST(test_private_network)
{
	volt_ctr_spec spec = SPEC(.network = VOLT_CTR_NETWORK_PRIVATE,
				  .ports = LIST("8080:80", "127.0.0.1:5353:53/udp"));
	struct fixture f;
	char **argv = NULL, *host_resolv;

	setup(&f, &spec, 3);
	host_resolv = test_path(f.root, "host-resolv.conf");
	test_write(host_resolv, "nameserver 192.0.2.53\n");
	setenv("VOLT_HOST_RESOLV_CONF", host_resolv, 1);
	ck_assert_int_eq(ctr_nspawn_argv(&f.rec, false, "/state/resolv.conf", &argv), 0);
	assert_argv(argv, f.root,
		    LIST(NSPAWN_HEAD("pipe"), "--private-network", "--network-veth-extra=volt3:host0",
			 "--resolv-conf=off", "--bind-ro=/state/resolv.conf:/etc/resolv.conf", NSPAWN_BINDS,
			 /* Index 3 is the 4th /30: 10.213.0.12/30, the host end .13, the container .14. */
			 "--net=host0,10.213.0.14/16,10.213.0.1", "/run/volt/policy.json", "--", "/bin/sh"));
	volt_strv_free(argv);
	ck_assert_int_eq(ctr_host_argv(&f.rec, false, &argv), 0);
	assert_argv(argv, f.root,
		    LIST("/x/launch",
			 "--mount-overlay=lowerdir=/b,upperdir=ROOT/containers/web/upper,workdir=ROOT/containers/web/work",
			 "--target=ROOT/containers/web/rootfs", "--host-veth=volt3,10.213.0.1/16,10.213.0.0/16",
			 "--publish=0.0.0.0:8080:10.213.0.14:80/tcp", "--publish=127.0.0.1:5353:10.213.0.14:53/udp", "--",
			 NSPAWN_HEAD("pipe"), "--private-network", "--network-veth-extra=volt3:host0", "--resolv-conf=off",
			 "--bind-ro=ROOT/containers/web/resolv.conf:/etc/resolv.conf", NSPAWN_BINDS,
			 "--net=host0,10.213.0.14/16,10.213.0.1", "/run/volt/policy.json", "--", "/bin/sh"));
	volt_strv_free(argv);
	free(host_resolv);
	teardown(&f);
}
END_TEST

START_TEST(test_host_argv_plain)
{
	volt_ctr_spec spec = SPEC();
	struct fixture f;
	char **argv = NULL, *resolv;

	setup(&f, &spec, 0);
	ck_assert_int_eq(ctr_host_argv(&f.rec, false, &argv), 0);
	assert_argv(argv, f.root,
		    LIST("/x/launch",
			 "--mount-overlay=lowerdir=/b,upperdir=ROOT/containers/web/upper,workdir=ROOT/containers/web/work",
			 "--target=ROOT/containers/web/rootfs", "--", NSPAWN_HEAD("pipe"), "--private-network",
			 NSPAWN_BINDS, "/run/volt/policy.json", "--", "/bin/sh"));
	volt_strv_free(argv);
	/* No resolv.conf for a container without a private network. */
	resolv = test_path(f.rec.dir, "resolv.conf");
	ck_assert(!test_exists(resolv));
	free(resolv);
	teardown(&f);
}
END_TEST

/* overlayfs splits its options at ',' and ':': a state root holding one is refused, naming it. */
START_TEST(test_overlay_separator)
{
	volt_ctr *ctr = NULL;
	ctr_record rec;
	char *out = NULL;

	ck_assert_int_eq(volt_ctr_open(&ctr, "/srv/a,b"), 0);
	ck_assert_int_eq(ctr_record_paths(&rec, ctr, "web"), 0);
	rec.base = strdup("/b");
	ck_assert_fails_with(ctr_overlay_options(&rec, &out), EINVAL, "/srv/a,b/containers/web");
	ck_assert_ptr_null(out);
	free(rec.base);
	rec.base = strdup("/b:c");
	free(rec.upper);
	rec.upper = strdup("/u");
	free(rec.work);
	rec.work = strdup("/w");
	ck_assert_fails_with(ctr_overlay_options(&rec, &out), EINVAL, "must not contain ',' or ':'");
	free(rec.base);
	rec.base = strdup("/b");
	ck_assert_int_eq(ctr_overlay_options(&rec, &out), 0);
	ck_assert_str_eq(out, "lowerdir=/b,upperdir=/u,workdir=/w");
	free(out);
	ctr_record_done(&rec);
	volt_ctr_close(ctr);
}
END_TEST

/* ---- resolv.conf of a private network ---- */

START_TEST(test_resolv_host)
{
	volt_ctr_spec spec = SPEC(.network = VOLT_CTR_NETWORK_PRIVATE);
	struct fixture f;
	char *host, *path = NULL, *text;

	setup(&f, &spec, 1);
	host = test_path(f.root, "host-resolv.conf");
	/* Loopback and IPv6 servers are unreachable from the container; 3 at most. */
	test_write(host, "# comment\nnameserver 127.0.0.53\nnameserver 192.0.2.1\nnameserver ::1\n"
			 "nameserver 198.51.100.2\nsearch example.com lan\nnameserver 203.0.113.3\n"
			 "nameserver 192.0.2.4\nsearch second.example\n");
	setenv("VOLT_HOST_RESOLV_CONF", host, 1);
	ck_assert_int_eq(ctr_net_resolv_conf(&f.rec, &path), 0);
	ck_assert_str_eq(path + strlen(f.rec.dir), "/resolv.conf");
	ck_assert_int_eq(test_mode(path), S_IFREG | 0644);
	text = test_read(path);
	ck_assert_str_eq(text, "# Written by volt for this container (see volt-run(1), --dns).\n"
			       "search example.com lan\n"
			       "nameserver 192.0.2.1\nnameserver 198.51.100.2\nnameserver 203.0.113.3\n");
	free(text);
	free(path);
	/* A search line that is not only names is the host's odd config, not the container's. */
	test_write(host, "search a;reboot\nnameserver 127.0.0.1\n");
	ck_assert_int_eq(ctr_net_resolv_conf(&f.rec, &path), 0);
	text = test_read(path);
	ck_assert_str_eq(text, "# Written by volt for this container (see volt-run(1), --dns).\n");
	free(text);
	free(path);
	free(host);
	teardown(&f);
}
END_TEST

START_TEST(test_resolv_given)
{
	volt_ctr_spec spec = SPEC(.network = VOLT_CTR_NETWORK_PRIVATE);
	struct fixture f;
	char *host, *path = NULL, *text;
	json_t *dns = json_pack("[s, s, s, s]", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4");

	setup(&f, &spec, 1);
	host = test_path(f.root, "host-resolv.conf");
	test_write(host, "nameserver 192.0.2.1\nsearch example.com\n");
	setenv("VOLT_HOST_RESOLV_CONF", host, 1);
	json_object_set_new(f.rec.config, "dns", dns);
	ck_assert_int_eq(ctr_net_resolv_conf(&f.rec, &path), 0);
	text = test_read(path);
	ck_assert_str_eq(text, "# Written by volt for this container (see volt-run(1), --dns).\n"
			       "nameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n");
	free(text);
	free(path);
	free(host);
	teardown(&f);
}
END_TEST

/* ---- records of the wrong types ---- */

static void assert_config_refused(json_t *config_patch, const char *needle)
{
	volt_ctr_spec spec = SPEC(.network = VOLT_CTR_NETWORK_PRIVATE);
	struct fixture f;
	char **argv = NULL;
	const char *key;
	json_t *v;
	int r;

	setup(&f, &spec, 2);
	json_object_foreach(config_patch, key, v) {
		if (json_is_null(v))
			json_object_del(f.rec.config, key);
		else
			json_object_set(f.rec.config, key, v);
	}
	r = ctr_nspawn_argv(&f.rec, false, NULL, &argv);
	/* Removed first: a failing check leaves no state root behind. */
	teardown(&f);
	json_decref(config_patch);
	if (r == 0)
		volt_strv_free(argv);
	ck_assert_msg(r == -EINVAL, "a record of the wrong types gave %d, not -EINVAL (wanted '%s')", r, needle);
	ck_assert_ptr_null(argv);
	ck_assert_int_eq(volt_error_code(), -EINVAL);
	ck_assert_msg(strstr(volt_error_message(), needle), "message '%s' lacks '%s'", volt_error_message(), needle);
	ck_assert_msg(strstr(volt_error_message(), "container 'web'"), "'%s'", volt_error_message());
}

START_TEST(test_config_missing_strings)
{
	static const char *const keys[] = { "hostname", "workdir", "user", "network", "policy_strict" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		assert_config_refused(json_pack("{s:n}", keys[i]), "container 'web'");
		assert_config_refused(json_pack("{s:[]}", keys[i]), "container 'web'");
	}
}
END_TEST

/* A list entry that is not a string must not become "--setenv=(null)" (or a NULL to printf's %s). */
START_TEST(test_config_env_types)
{
	assert_config_refused(json_pack("{s:[s,i]}", "env", "A=1", 5), "env");
}
END_TEST

START_TEST(test_config_argv_types)
{
	assert_config_refused(json_pack("{s:[i]}", "argv", 1), "argv");
	assert_config_refused(json_pack("{s:[]}", "argv"), "argv");
}
END_TEST

START_TEST(test_config_volume_types)
{
	assert_config_refused(json_pack("{s:[{s:s}]}", "volumes", "target", "/t"), "volume");
	assert_config_refused(json_pack("{s:[s]}", "volumes", "/a:/b"), "volume");
}
END_TEST

/* Index 0's /30 holds the bridge's address; past COMMON_NET_MAX the addresses wrap onto others'. */
START_TEST(test_config_network_index)
{
	assert_config_refused(json_pack("{s:n}", "network_index"), "network_index");
	assert_config_refused(json_pack("{s:i}", "network_index", 0), "network_index");
	assert_config_refused(json_pack("{s:i}", "network_index", COMMON_NET_MAX + 1), "network_index");
	assert_config_refused(json_pack("{s:s}", "network_index", "3"), "network_index");
}
END_TEST

VOLT_TEST_MAIN("ctr-nspawn", test_default, test_options, test_user_env, test_private_network, test_host_argv_plain,
	       test_overlay_separator, test_resolv_host, test_resolv_given, test_config_missing_strings,
	       test_config_env_types, test_config_argv_types, test_config_volume_types, test_config_network_index)
