/*
 * libvolt-ctr's public functions without a running container: their
 * argument checks (NULL, bad versions, unknown modes), create and
 * remove of a container of a small --rootfs tree (the files and modes of
 * its record), listing and inspecting, DNS and restart records, records
 * a crash left empty, and policies attached to the built-in image.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <sys/mount.h>
#include <dirent.h>
#include <sched.h>

#include "ctr-test.h"

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })

static volt_ctr *open_root(char **root)
{
	volt_ctr *ctr = NULL;

	*root = test_root();
	ck_assert_int_eq(volt_ctr_open(&ctr, *root), 0);
	return ctr;
}

static void close_root(volt_ctr *ctr, char *root)
{
	ck_assert_int_eq(common_rm_rf(root), 0);
	free(root);
	volt_ctr_close(ctr);
}

START_TEST(test_open)
{
	volt_ctr *ctr = NULL;

	ck_assert_fails_with(volt_ctr_open(NULL, "/r"), EINVAL, "out");
	ck_assert_fails_with(volt_ctr_open(&ctr, NULL), EINVAL, "root");
	ck_assert_fails_with(volt_ctr_open(&ctr, "var/lib/volt"), EINVAL, "'var/lib/volt' must be absolute");
	ck_assert_fails_with(volt_ctr_open(&ctr, ""), EINVAL, "'' must be absolute");
	ck_assert_ptr_null(ctr);
	ck_assert_int_eq(volt_ctr_open(&ctr, "/var//lib/../lib/volt/"), 0);
	ck_assert_str_eq(ctr->root, "/var/lib/volt");
	ck_assert_str_eq(ctr->containers, "/var/lib/volt/containers");
	ck_assert_str_eq(ctr->bases, "/var/lib/volt/ctr-bases");
	ck_assert_uint_eq(ctr->json_sync, 0);
	ck_assert_ptr_null(volt_ctr_close(ctr));
	ck_assert_ptr_null(volt_ctr_close(NULL));
}
END_TEST

START_TEST(test_durable)
{
	volt_ctr *ctr = NULL;

	ck_assert_fails_with(volt_ctr_set_durable(NULL, false), EINVAL, "ctr");
	ck_assert_int_eq(volt_ctr_open(&ctr, "/r"), 0);
	ck_assert_int_eq(volt_ctr_set_durable(ctr, false), 0);
	ck_assert_uint_eq(ctr->json_sync, VOLT_JSON_NO_SYNC);
	ck_assert_int_eq(volt_ctr_set_durable(ctr, true), 0);
	ck_assert_uint_eq(ctr->json_sync, 0);
	volt_ctr_close(ctr);
}
END_TEST

START_TEST(test_state_to_string)
{
	ck_assert_str_eq(volt_ctr_state_to_string(VOLT_CTR_CREATED), "created");
	ck_assert_str_eq(volt_ctr_state_to_string(VOLT_CTR_RUNNING), "running");
	ck_assert_str_eq(volt_ctr_state_to_string(VOLT_CTR_EXITED), "exited");
	ck_assert_str_eq(volt_ctr_state_to_string(VOLT_CTR_FAILED), "failed");
	ck_assert_str_eq(volt_ctr_state_to_string((volt_ctr_state)4), "unknown");
	ck_assert_str_eq(volt_ctr_state_to_string((volt_ctr_state)-1), "unknown");
}
END_TEST

/* Every public function refuses a NULL handle or out-parameter with EINVAL, naming it. */
START_TEST(test_null_arguments)
{
	volt_ctr_spec spec = VOLT_CTR_SPEC_INIT;
	volt_ctr *ctr = NULL;
	volt_ctr_info **infos = NULL;
	size_t n = 0;
	json_t *j = NULL, *policy = json_object();
	char *const argv[] = { (char *)"/bin/true", NULL };
	int st;

	ck_assert_int_eq(volt_ctr_open(&ctr, "/nonexistent/volt-test-root"), 0);
	ck_assert_fails_with(volt_ctr_create(NULL, "web", &spec), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_create(ctr, "web", NULL), EINVAL, "spec");
	ck_assert_fails_with(volt_ctr_remove(NULL, "web", false), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_start(NULL, "web"), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_stop(NULL, "web", 0), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_run(&st, NULL, "web"), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_run(NULL, ctr, "web"), EINVAL, "exit_status");
	ck_assert_fails_with(volt_ctr_run_console(NULL, ctr, "web", VOLT_CTR_CONSOLE_PIPE), EINVAL, "exit_status");
	ck_assert_fails_with(volt_ctr_exec(&st, NULL, "web", argv), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_exec(NULL, ctr, "web", argv), EINVAL, "exit_status");
	ck_assert_fails_with(volt_ctr_exec(&st, ctr, "web", NULL), EINVAL, "no command given");
	ck_assert_fails_with(volt_ctr_exec(&st, ctr, "web", (char *const[]){ NULL }), EINVAL, "no command given");
	ck_assert_fails_with(volt_ctr_exec(&st, ctr, "web", (char *const[]){ (char *)"", NULL }), EINVAL,
			     "no command given");
	ck_assert_fails_with(volt_ctr_learn(&j, &st, NULL, "web", VOLT_CTR_CONSOLE_PIPE), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_learn(&j, NULL, ctr, "web", VOLT_CTR_CONSOLE_PIPE), EINVAL, "exit_status");
	ck_assert_fails_with(volt_ctr_learn(NULL, &st, ctr, "web", VOLT_CTR_CONSOLE_PIPE), EINVAL, "out");
	ck_assert_fails_with(volt_ctr_list(&infos, &n, NULL), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_list(NULL, &n, ctr), EINVAL, "out");
	ck_assert_fails_with(volt_ctr_inspect(&j, NULL, "web"), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_inspect(NULL, ctr, "web"), EINVAL, "out");
	ck_assert_fails_with(volt_ctr_logs(NULL, "web", 1, 0, false), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_logs(ctr, "web", -1, 0, false), EINVAL, "fd");
	ck_assert_fails_with(volt_ctr_set_restart(NULL, "web", "no"), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_set_dns(NULL, "web", NULL), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_enable(NULL, "web", "/usr/bin/volt"), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_enable(ctr, "web", NULL), EINVAL, "program");
	ck_assert_fails_with(volt_ctr_enable(ctr, "web", "volt"), EINVAL, "absolute path, not 'volt'");
	ck_assert_fails_with(volt_ctr_disable(NULL, "web"), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_disable(ctr, "../x"), EINVAL, "'../x'");
	ck_assert_fails_with(volt_ctr_image_policy_attach(NULL, "busybox", policy), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_image_policy_attach(ctr, NULL, policy), EINVAL, "image");
	ck_assert_fails_with(volt_ctr_image_policy_attach(ctr, "busybox", NULL), EINVAL, "policy");
	ck_assert_fails_with(volt_ctr_image_policy_detach(NULL, "busybox"), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_image_policy_detach(ctr, NULL), EINVAL, "image");
	ck_assert_fails_with(volt_ctr_image_policy_get(&j, NULL, "busybox"), EINVAL, "ctr");
	ck_assert_fails_with(volt_ctr_image_policy_get(&j, ctr, NULL), EINVAL, "image");
	ck_assert_fails_with(volt_ctr_image_policy_get(NULL, ctr, "busybox"), EINVAL, "out");
	/* A name that is not one is refused before anything is looked up. */
	ck_assert_fails_with(volt_ctr_create(ctr, "a/b", &spec), EINVAL, "'a/b'");
	ck_assert_fails_with(volt_ctr_remove(ctr, "..", true), EINVAL, "'..'");
	ck_assert_fails_with(volt_ctr_start(ctr, ""), EINVAL, "name is empty");
	ck_assert_fails_with(volt_ctr_inspect(&j, ctr, NULL), EINVAL, "name is empty");
	ck_assert_fails_with(volt_ctr_set_dns(ctr, "a b", NULL), EINVAL, "'a b'");
	json_decref(policy);
	volt_ctr_close(ctr);
}
END_TEST

/* An unknown container is ENOENT everywhere, naming it; nothing is created on the way. */
START_TEST(test_unknown_container)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	char *const argv[] = { (char *)"/bin/true", NULL };
	volt_ctr_info **infos = NULL;
	size_t n = 7;
	json_t *j = NULL;
	char *containers = test_path(root, "containers");
	int st;

	ck_assert_fails_with(volt_ctr_remove(ctr, "ghost", true), ENOENT, "'ghost'");
	ck_assert_fails_with(volt_ctr_start(ctr, "ghost"), ENOENT, "'ghost'");
	ck_assert_fails_with(volt_ctr_stop(ctr, "ghost", 0), ENOENT, "'ghost'");
	ck_assert_fails_with(volt_ctr_run(&st, ctr, "ghost"), ENOENT, "'ghost'");
	ck_assert_fails_with(volt_ctr_exec(&st, ctr, "ghost", argv), ENOENT, "'ghost'");
	ck_assert_fails_with(volt_ctr_inspect(&j, ctr, "ghost"), ENOENT, "'ghost'");
	ck_assert_fails_with(volt_ctr_logs(ctr, "ghost", 1, 0, false), ENOENT, "'ghost'");
	ck_assert_fails_with(volt_ctr_set_restart(ctr, "ghost", "always"), ENOENT, "'ghost'");
	ck_assert_fails_with(volt_ctr_set_dns(ctr, "ghost", NULL), ENOENT, "'ghost'");
	ck_assert_fails_with(volt_ctr_enable(ctr, "ghost", "/usr/bin/volt"), ENOENT, "'ghost'");
	ck_assert_int_eq(volt_ctr_list(&infos, &n, ctr), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(infos[0]);
	ck_assert_ptr_null(volt_ctr_info_list_free(infos));
	/* The length is optional: the list ends with NULL. */
	ck_assert_int_eq(volt_ctr_list(&infos, NULL, ctr), 0);
	ck_assert_ptr_null(infos[0]);
	ck_assert_ptr_null(volt_ctr_info_list_free(infos));
	ck_assert(!test_exists(containers));
	free(containers);
	close_root(ctr, root);
}
END_TEST

/* A spec of another version is refused before any of its fields is read (its layout may differ). */
START_TEST(test_create_version)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	volt_ctr_spec spec = { .version = VOLT_CTR_SPEC_VERSION + 1, .rootfs = "/nonexistent" };

	ck_assert_fails_with(volt_ctr_create(ctr, "web", &spec), EINVAL, "version 2");
	spec = (volt_ctr_spec){ .version = 0, .rootfs = "/nonexistent" };
	ck_assert_fails_with(volt_ctr_create(ctr, "web", &spec), EINVAL, "version 0");
	spec = (volt_ctr_spec){ .version = VOLT_CTR_SPEC_VERSION + 1, .image = "no-such-image" };
	ck_assert_fails_with(volt_ctr_create(ctr, "web", &spec), EINVAL, "version 2");
	close_root(ctr, root);
}
END_TEST

START_TEST(test_create_refusals)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	char *missing = test_path(root, "missing"), *dir;
	volt_ctr_spec spec = { .version = VOLT_CTR_SPEC_VERSION, .rootfs = "/", .image = "busybox" };

	ck_assert_fails_with(volt_ctr_create(ctr, "web", &spec), EINVAL, "container 'web': give an image or a root");
	spec = (volt_ctr_spec)VOLT_CTR_SPEC_INIT;
	ck_assert_fails_with(volt_ctr_create(ctr, "web", &spec), EINVAL, "give an image or a root");
	spec = (volt_ctr_spec){ .version = VOLT_CTR_SPEC_VERSION, .rootfs = missing };
	ck_assert_fails_with(volt_ctr_create(ctr, "web", &spec), ENOENT, missing);
	spec = (volt_ctr_spec){ .version = VOLT_CTR_SPEC_VERSION, .rootfs = "/", .workdir = "tmp" };
	ck_assert_fails_with(volt_ctr_create(ctr, "web", &spec), EINVAL, "container 'web': working directory 'tmp'");
	/* On failure nothing of the container is left. */
	dir = test_path(root, "containers/web");
	ck_assert(!test_exists(dir));
	free(dir);
	free(missing);
	close_root(ctr, root);
}
END_TEST

/* ---- a container of a small tree ---- */

static char *small_rootfs(const char *root)
{
	char *tree = test_path(root, "tree"), *p;

	ck_assert_int_eq(mkdir(tree, 0755), 0);
	p = test_path(tree, "bin");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
	p = test_path(tree, "bin/sh");
	test_write(p, "#!/bin/true\n");
	ck_assert_int_eq(chmod(p, 0755), 0);
	free(p);
	p = test_path(tree, "etc");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
	return tree;
}

static void need_root(void)
{
	if (geteuid() != 0)
		volt_test_skip("creating a container shifts its tree's owners: needs root");
}

static void assert_owned(const char *path, mode_t mode, uid_t uid)
{
	struct stat st;

	ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
	ck_assert_msg(st.st_mode == mode, "%s: mode %o, not %o", path, (unsigned)st.st_mode, (unsigned)mode);
	ck_assert_msg(st.st_uid == uid, "%s: owner %u, not %u", path, (unsigned)st.st_uid, (unsigned)uid);
}

START_TEST(test_create_remove)
{
	char *root;
	volt_ctr *ctr;
	char *tree, *dir, *p;
	volt_ctr_spec spec;
	volt_ctr_info **infos = NULL;
	size_t n = 0;
	json_t *config = NULL, *inspect = NULL;

	need_root();
	ctr = open_root(&root);
	tree = small_rootfs(root);
	spec = (volt_ctr_spec){ .version = VOLT_CTR_SPEC_VERSION, .rootfs = tree, .argv = LIST("/bin/sh", "-c", "x") };
	ck_assert_msg(volt_ctr_create(ctr, "web", &spec) == 0, "%s", volt_error_message());
	ck_assert_fails_with(volt_ctr_create(ctr, "web", &spec), EEXIST, "'web' already exists");
	dir = test_path(root, "containers/web");
	assert_owned(root, S_IFDIR | 0700, 0);
	p = test_path(root, "containers");
	assert_owned(p, S_IFDIR | 0700, 0);
	free(p);
	assert_owned(dir, S_IFDIR | 0700, 0);
	p = test_path(dir, "config.json");
	assert_owned(p, S_IFREG | 0600, 0);
	ck_assert_int_eq(volt_json_load_file(&config, p), 0);
	free(p);
	p = test_path(dir, "policy.json");
	assert_owned(p, S_IFREG | 0644, 0);
	free(p);
	/* The upper layer's root is the container's "/": its root's. */
	p = test_path(dir, "upper");
	assert_owned(p, S_IFDIR | 0755, VOLT_CTR_UID_BASE);
	free(p);
	p = test_path(dir, "work");
	assert_owned(p, S_IFDIR | 0700, 0);
	free(p);
	p = test_path(dir, "rootfs");
	assert_owned(p, S_IFDIR | 0755, 0);
	free(p);
	ck_assert_str_eq(json_string_value(json_object_get(config, "image")), tree);
	ck_assert_str_eq(json_string_value(json_object_get(config, "policy_source")), "default");
	ck_assert_str_eq(json_string_value(json_object_get(config, "rootfs")), tree);
	/* The base is shared, under ROOT/ctr-bases, its tree shifted to the container's uids. */
	{
		const char *base = json_string_value(json_object_get(config, "base"));
		char *prefix = test_path(root, "ctr-bases/");
		char *sh = test_path(base, "bin/sh");

		ck_assert_msg(strncmp(base, prefix, strlen(prefix)) == 0, "base %s", base);
		assert_owned(sh, S_IFREG | 0755, VOLT_CTR_UID_BASE);
		free(sh);
		free(prefix);
	}
	/* Listed and inspected as created, never run. */
	ck_assert_int_eq(volt_ctr_list(&infos, &n, ctr), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_null(infos[1]);
	ck_assert_str_eq(infos[0]->name, "web");
	ck_assert_str_eq(infos[0]->image, tree);
	ck_assert_int_eq(infos[0]->state, VOLT_CTR_CREATED);
	ck_assert_int_eq(infos[0]->main_pid, 0);
	ck_assert(!infos[0]->unit);
	ck_assert_ptr_null(volt_ctr_info_list_free(infos));
	ck_assert_int_eq(volt_ctr_inspect(&inspect, ctr, "web"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(inspect, "state"), "status")), "created");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(inspect, "state"), "unit")),
			 "volt-container-web.service");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(inspect, "paths"), "directory")), dir);
	ck_assert(json_is_object(json_object_get(inspect, "policy")));
	json_decref(inspect);
	/* A foreground run's end is what inspect shows after. */
	{
		ctr_record rec;

		ck_assert_int_eq(ctr_record_load(&rec, ctr, "web"), 0);
		ck_assert_int_eq(ctr_state_record(&rec, 3, false, 1000000000), 0);
		ctr_record_done(&rec);
	}
	ck_assert_int_eq(volt_ctr_inspect(&inspect, ctr, "web"), 0);
	{
		json_t *state = json_object_get(inspect, "state");

		ck_assert_str_eq(json_string_value(json_object_get(state, "status")), "exited");
		ck_assert_int_eq(json_integer_value(json_object_get(state, "exit_status")), 3);
		ck_assert_str_eq(json_string_value(json_object_get(state, "started_at")), "1970-01-01T00:00:01Z");
		ck_assert(json_is_false(json_object_get(state, "oom_killed")));
	}
	json_decref(inspect);
	/* Stopping what does not run. */
	ck_assert_fails_with(volt_ctr_stop(ctr, "web", 0), ESRCH, "'web'");
	ck_assert_int_eq(volt_ctr_remove(ctr, "web", false), 0);
	ck_assert(!test_exists(dir));
	ck_assert_fails_with(volt_ctr_remove(ctr, "web", false), ENOENT, "'web'");
	/* The base stays for the next container of the tree. */
	ck_assert(test_exists(json_string_value(json_object_get(config, "base"))));
	json_decref(config);
	free(dir);
	free(tree);
	close_root(ctr, root);
}
END_TEST

/* A failure after the directory was made (a volume's source vanished) leaves nothing behind. */
START_TEST(test_create_volume_fails)
{
	char *root;
	volt_ctr *ctr;
	char *tree, *dir, v[300];
	volt_ctr_spec spec;

	need_root();
	ctr = open_root(&root);
	tree = small_rootfs(root);
	snprintf(v, sizeof(v), "%s/none:/data", root);
	spec = (volt_ctr_spec){ .version = VOLT_CTR_SPEC_VERSION, .rootfs = tree, .volumes = LIST(v) };
	ck_assert_fails_with(volt_ctr_create(ctr, "web", &spec), ENOENT, "volume source");
	dir = test_path(root, "containers/web");
	ck_assert(!test_exists(dir));
	free(dir);
	free(tree);
	close_root(ctr, root);
}
END_TEST

static json_t *config_of(const char *root, const char *name)
{
	char *p = NULL;
	json_t *j = NULL;

	ck_assert_int_ge(asprintf(&p, "%s/containers/%s/config.json", root, name), 0);
	ck_assert_int_eq(volt_json_load_file(&j, p), 0);
	free(p);
	return j;
}

START_TEST(test_restart_record)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	json_t *j;

	test_record_dir(ctr, "web", TEST_CONFIG);
	ck_assert_int_eq(volt_ctr_set_restart(ctr, "web", "on-failure:7"), 0);
	j = config_of(root, "web");
	ck_assert_str_eq(json_string_value(json_object_get(j, "restart")), "on-failure");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "restart_max")), 7);
	json_decref(j);
	ck_assert_fails_with(volt_ctr_set_restart(ctr, "web", "on-failure:0"), EINVAL,
			     "container 'web': restart policy 'on-failure:0'");
	/* A refused policy leaves the record as it was. */
	j = config_of(root, "web");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "restart_max")), 7);
	json_decref(j);
	ck_assert_int_eq(volt_ctr_set_restart(ctr, "web", NULL), 0);
	j = config_of(root, "web");
	ck_assert_str_eq(json_string_value(json_object_get(j, "restart")), "no");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "restart_max")), 0);
	json_decref(j);
	close_root(ctr, root);
}
END_TEST

START_TEST(test_dns_record)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	json_t *j, *config = NULL;
	char *text = NULL;

	test_record_dir(ctr, "plain", TEST_CONFIG);
	ck_assert_fails_with(volt_ctr_set_dns(ctr, "plain", LIST("192.0.2.1")), EINVAL,
			     "container 'plain': --dns needs the private network");
	/* Clearing is fine whatever the network. */
	ck_assert_int_eq(volt_ctr_set_dns(ctr, "plain", NULL), 0);
	ck_assert_int_eq(volt_json_parse(&config, TEST_CONFIG, strlen(TEST_CONFIG)), 0);
	json_object_set_new(config, "network", json_string("private"));
	ck_assert_int_eq(volt_json_dump(&text, config, 0), 0);
	test_record_dir(ctr, "web", text);
	ck_assert_int_eq(volt_ctr_set_dns(ctr, "web", LIST("192.0.2.1", "198.51.100.7")), 0);
	j = config_of(root, "web");
	ck_assert_int_eq(json_array_size(json_object_get(j, "dns")), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "dns"), 1)), "198.51.100.7");
	json_decref(j);
	ck_assert_fails_with(volt_ctr_set_dns(ctr, "web", LIST("dns.example")), EINVAL,
			     "DNS server 'dns.example' is not an IPv4 address");
	ck_assert_fails_with(volt_ctr_set_dns(ctr, "web", LIST("::1")), EINVAL, "'::1' is not an IPv4 address");
	ck_assert_fails_with(volt_ctr_set_dns(ctr, "web", LIST("127.0.0.53")), EINVAL,
			     "DNS server '127.0.0.53' is a loopback address");
	ck_assert_fails_with(volt_ctr_set_dns(ctr, "web", LIST("1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4")), EINVAL,
			     "more than 3 DNS servers");
	/* None of the refusals touched the record. */
	j = config_of(root, "web");
	ck_assert_int_eq(json_array_size(json_object_get(j, "dns")), 2);
	json_decref(j);
	ck_assert_int_eq(volt_ctr_set_dns(ctr, "web", (const char *const[]){ NULL }), 0);
	j = config_of(root, "web");
	ck_assert_int_eq(json_array_size(json_object_get(j, "dns")), 0);
	json_decref(j);
	json_decref(config);
	free(text);
	close_root(ctr, root);
}
END_TEST

START_TEST(test_run_console_mode)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	int st = -1;

	test_record_dir(ctr, "web", TEST_CONFIG);
	ck_assert_fails_with(volt_ctr_run_console(&st, ctr, "web", (volt_ctr_console)4), EINVAL,
			     "unknown console mode 4");
	ck_assert_fails_with(volt_ctr_run_console(&st, ctr, "web", (volt_ctr_console)-1), EINVAL,
			     "unknown console mode");
	ck_assert_int_eq(st, -1);
	close_root(ctr, root);
}
END_TEST

START_TEST(test_enable_without_systemd)
{
	char *root;
	volt_ctr *ctr;

	if (volt_ctr_have_systemd())
		volt_test_skip("systemd is PID 1 here: enabling would write /etc/systemd/system");
	ctr = open_root(&root);
	test_record_dir(ctr, "web", TEST_CONFIG);
	ck_assert_fails_with(volt_ctr_enable(ctr, "web", "/usr/bin/volt"), EOPNOTSUPP, "container 'web' at boot");
	close_root(ctr, root);
}
END_TEST

/*
 * A record a crash left empty (volt_ctr_set_durable(false) says it may
 * be): one such container must neither hide the others from a listing
 * nor stay for ever because volt rm cannot read it.
 */
START_TEST(test_empty_record_listed)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	volt_ctr_info **infos = NULL;
	size_t n = 0;

	test_record_dir(ctr, "good", TEST_CONFIG);
	test_record_dir(ctr, "crashed", "");
	ck_assert_msg(volt_ctr_list(&infos, &n, ctr) == 0, "one empty record fails the whole listing: %s",
		      volt_error_message());
	ck_assert_uint_ge(n, 1);
	ck_assert_str_eq(infos[n - 1]->name, "good");
	ck_assert_ptr_null(volt_ctr_info_list_free(infos));
	close_root(ctr, root);
}
END_TEST

START_TEST(test_empty_record_removed)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	char *dir;

	test_record_dir(ctr, "crashed", "");
	dir = test_path(root, "containers/crashed");
	/* Without --force, the error names the record at fault, and nothing goes. */
	ck_assert_fails_with(volt_ctr_remove(ctr, "crashed", false), EINVAL, "crashed/config.json");
	ck_assert(test_exists(dir));
	ck_assert_msg(volt_ctr_remove(ctr, "crashed", true) == 0, "volt rm of an empty record: %s",
		      volt_error_message());
	ck_assert(!test_exists(dir));
	free(dir);
	close_root(ctr, root);
}
END_TEST

/* volt rm never follows the container's links, nor empties what is mounted in its tree. */
START_TEST(test_remove_hostile_tree)
{
	char *root;
	volt_ctr *ctr;
	char *victim, *keep, *upper, *link, *mnt, *inmnt;

	need_root();
	ctr = open_root(&root);
	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	victim = test_path(root, "victim");
	ck_assert_int_eq(mkdir(victim, 0755), 0);
	keep = test_path(victim, "keep");
	test_write(keep, "host file");
	test_record_dir(ctr, "web", TEST_CONFIG);
	upper = test_path(ctr->containers, "web/upper");
	ck_assert_int_eq(mkdir(upper, 0755), 0);
	/* What the workload can make in its writable layer: a link to a host directory. */
	link = test_path(upper, "escape");
	ck_assert_int_eq(symlink(victim, link), 0);
	ck_assert_int_eq(volt_ctr_remove(ctr, "web", false), 0);
	ck_assert(test_exists(keep));
	/* A mount left in the tree (a live bind): refused, not emptied. */
	test_record_dir(ctr, "web", TEST_CONFIG);
	ck_assert_int_eq(mkdir(upper, 0755), 0);
	mnt = test_path(upper, "mnt");
	ck_assert_int_eq(mkdir(mnt, 0755), 0);
	ck_assert_int_eq(mount(victim, mnt, NULL, MS_BIND, NULL), 0);
	inmnt = test_path(mnt, "keep");
	ck_assert(test_exists(inmnt));
	ck_assert_fails_with(volt_ctr_remove(ctr, "web", false), EBUSY, mnt);
	ck_assert(test_exists(keep));
	ck_assert_int_eq(umount(mnt), 0);
	ck_assert_int_eq(volt_ctr_remove(ctr, "web", false), 0);
	ck_assert(test_exists(keep));
	free(inmnt);
	free(mnt);
	free(link);
	free(upper);
	free(keep);
	free(victim);
	close_root(ctr, root);
}
END_TEST

/* ---- policies attached to the built-in image ---- */

static json_t *small_policy(void)
{
	json_t *p = NULL;
	const char *text = "{\"fs_read\": [\"/\"], \"fs_write\": [\"/tmp\"]}";

	ck_assert_int_eq(volt_json_parse(&p, text, strlen(text)), 0);
	return p;
}

/* The one file under ROOT/image-policies. */
static char *attached_file(const char *root)
{
	char *dir = test_path(root, "image-policies"), *path = NULL;
	DIR *d = opendir(dir);
	struct dirent *e;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			ck_assert_ptr_null(path);
			ck_assert_uint_eq(strlen(e->d_name), 64 + 5);
			ck_assert_str_eq(e->d_name + 64, ".json");
			path = test_path(dir, e->d_name);
		}
	closedir(d);
	free(dir);
	ck_assert_ptr_nonnull(path);
	return path;
}

START_TEST(test_image_policy)
{
	char *root;
	volt_ctr *ctr;
	json_t *p = small_policy(), *got = NULL, *bad = NULL;
	char *file, *other;

	need_root();
	ctr = open_root(&root);
	ck_assert_fails_with(volt_ctr_image_policy_get(&got, ctr, "no-such-image"), ENOENT, "no-such-image");
	ck_assert_fails_with(volt_ctr_image_policy_attach(ctr, "no-such-image", p), ENOENT, "no-such-image");
	ck_assert_msg(volt_ctr_image_policy_attach(ctr, "busybox", p) == 0, "%s", volt_error_message());
	file = attached_file(root);
	assert_owned(file, S_IFREG | 0600, 0);
	ck_assert_int_eq(volt_ctr_image_policy_get(&got, ctr, "busybox"), 0);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(got, "fs_write"), 0)), "/tmp");
	json_decref(got);
	got = NULL;
	/* One that does not validate is refused and the attached one stays. */
	ck_assert_int_eq(volt_json_parse(&bad, "{\"fs_raed\": []}", 15), 0);
	ck_assert_fails_with(volt_ctr_image_policy_attach(ctr, "busybox", bad), EINVAL, "fs_raed");
	ck_assert(strstr(volt_error_message(), "image 'busybox'"));
	ck_assert_int_eq(volt_ctr_image_policy_get(&got, ctr, "busybox"), 0);
	json_decref(got);
	got = NULL;
	/* Not a file Volt wrote: writable by others, or a link to one. */
	ck_assert_int_eq(chmod(file, 0666), 0);
	ck_assert_fails_with(volt_ctr_image_policy_get(&got, ctr, "busybox"), EPERM, file);
	ck_assert_int_eq(chmod(file, 0600), 0);
	other = test_path(root, "elsewhere.json");
	ck_assert_int_eq(rename(file, other), 0);
	ck_assert_int_eq(symlink(other, file), 0);
	ck_assert_fails_with(volt_ctr_image_policy_get(&got, ctr, "busybox"), EPERM, file);
	ck_assert_ptr_null(got);
	/* Detach removes the link itself, never what it points to. */
	ck_assert_int_eq(volt_ctr_image_policy_detach(ctr, "busybox"), 0);
	ck_assert(!test_exists(file));
	ck_assert(test_exists(other));
	ck_assert_fails_with(volt_ctr_image_policy_detach(ctr, "busybox"), ENOENT, "image 'busybox' has no attached policy");
	ck_assert_fails_with(volt_ctr_image_policy_get(&got, ctr, "busybox"), ENOENT, "image 'busybox' has no attached policy");
	free(other);
	free(file);
	json_decref(bad);
	json_decref(p);
	close_root(ctr, root);
}
END_TEST

VOLT_TEST_MAIN("ctr-api", test_open, test_durable, test_state_to_string, test_null_arguments, test_unknown_container,
	       test_create_version, test_create_refusals, test_create_remove, test_create_volume_fails,
	       test_restart_record, test_dns_record, test_run_console_mode, test_enable_without_systemd,
	       test_empty_record_listed, test_empty_record_removed, test_remove_hostile_tree, test_image_policy)
