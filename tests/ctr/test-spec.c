/*
 * The spec as config.json (spec.c): the defaults, and each option's
 * checks (volumes, ports, environment, user, restart, limits), each
 * refusal with the right code and a message naming the bad input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ctr-test.h"

/* ctr_spec_to_json() of @spec; NULL (and the error set) when refused. */
static json_t *to_json(const volt_ctr_spec *spec)
{
	json_t *o = NULL;
	int r = ctr_spec_to_json(&o, "web", spec, "/base");

	if (r < 0)
		ck_assert_ptr_null(o);
	return o;
}

#define SPEC(...) ((volt_ctr_spec){ .version = VOLT_CTR_SPEC_VERSION, .rootfs = "/r", __VA_ARGS__ })
#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void assert_refused(const volt_ctr_spec *spec, int err, const char *needle)
{
	json_t *o = NULL;

	ck_assert_fails_with(ctr_spec_to_json(&o, "web", spec, "/base"), err, needle);
	ck_assert_ptr_null(o);
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	ck_assert_msg(s, "no string '%s'", key);
	return s;
}

static json_int_t num(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_integer(v), "no integer '%s'", key);
	return json_integer_value(v);
}

START_TEST(test_defaults)
{
	volt_ctr_spec spec = SPEC();
	json_t *o = to_json(&spec), *limits;

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(num(o, "version"), 1);
	ck_assert_str_eq(str(o, "name"), "web");
	ck_assert_str_eq(str(o, "rootfs"), "/r");
	ck_assert_str_eq(str(o, "base"), "/base");
	ck_assert_str_eq(str(o, "network"), "none");
	ck_assert_str_eq(str(o, "workdir"), "/");
	ck_assert_str_eq(str(o, "hostname"), "web");
	ck_assert_str_eq(str(o, "user"), "root");
	ck_assert_str_eq(str(o, "restart"), "no");
	ck_assert_int_eq(num(o, "restart_max"), 0);
	ck_assert(json_is_false(json_object_get(o, "policy_strict")));
	ck_assert_int_gt(num(o, "created_ns"), 0);
	ck_assert_int_eq(json_array_size(json_object_get(o, "argv")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(o, "argv"), 0)), "/bin/sh");
	ck_assert(json_is_array(json_object_get(o, "env")) && json_array_size(json_object_get(o, "env")) == 0);
	ck_assert(json_is_array(json_object_get(o, "volumes")) && json_array_size(json_object_get(o, "volumes")) == 0);
	ck_assert(json_is_array(json_object_get(o, "ports")) && json_array_size(json_object_get(o, "ports")) == 0);
	limits = json_object_get(o, "limits");
	ck_assert_int_eq(json_object_size(limits), 4);
	ck_assert_int_eq(num(limits, "memory_max") + num(limits, "tasks_max") + num(limits, "cpu_quota_percent") +
				 num(limits, "io_weight"),
			 0);
	/* Only what a record holds: a new key here is a new format. */
	ck_assert_int_eq(json_object_size(o), 17);
	json_decref(o);
}
END_TEST

START_TEST(test_given)
{
	volt_ctr_spec spec = SPEC(.argv = LIST("/app/server", "--port", "80"), .env = LIST("A=1", "_b2=x=y", "E="),
				  .workdir = "/app", .hostname = "box-1", .user = "1000:1000",
				  .network = VOLT_CTR_NETWORK_HOST, .memory_max = 1 << 20, .tasks_max = 64,
				  .cpu_quota_percent = 150, .io_weight = 10000, .policy_strict = true);
	json_t *o = to_json(&spec), *limits;

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_array_size(json_object_get(o, "argv")), 3);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(o, "argv"), 2)), "80");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(o, "env"), 1)), "_b2=x=y");
	ck_assert_str_eq(str(o, "workdir"), "/app");
	ck_assert_str_eq(str(o, "hostname"), "box-1");
	ck_assert_str_eq(str(o, "user"), "1000:1000");
	ck_assert_str_eq(str(o, "network"), "host");
	ck_assert(json_is_true(json_object_get(o, "policy_strict")));
	limits = json_object_get(o, "limits");
	ck_assert_int_eq(num(limits, "memory_max"), 1 << 20);
	ck_assert_int_eq(num(limits, "tasks_max"), 64);
	ck_assert_int_eq(num(limits, "cpu_quota_percent"), 150);
	ck_assert_int_eq(num(limits, "io_weight"), 10000);
	json_decref(o);
	spec = SPEC(.network = VOLT_CTR_NETWORK_PRIVATE, .user = "nobody");
	o = to_json(&spec);
	ck_assert_str_eq(str(o, "network"), "private");
	ck_assert_str_eq(str(o, "user"), "nobody");
	json_decref(o);
}
END_TEST

START_TEST(test_version)
{
	volt_ctr_spec spec = SPEC();

	spec.version = 0;
	assert_refused(&spec, EINVAL, "version 0 is not supported");
	spec.version = VOLT_CTR_SPEC_VERSION + 1;
	assert_refused(&spec, EINVAL, "version 2 is not supported");
}
END_TEST

START_TEST(test_bad_fields)
{
	volt_ctr_spec spec;

	spec = SPEC(.workdir = "app");
	assert_refused(&spec, EINVAL, "'app' must be absolute");
	spec = SPEC(.hostname = "a_b");
	assert_refused(&spec, EINVAL, "hostname");
	ck_assert_msg(strstr(volt_error_message(), "a_b"), "'%s'", volt_error_message());
	spec = SPEC(.hostname = "");
	assert_refused(&spec, EINVAL, "hostname");
	spec = SPEC(.network = (volt_ctr_network)7);
	assert_refused(&spec, EINVAL, "unknown network mode 7");
	spec = SPEC(.io_weight = 10001);
	assert_refused(&spec, ERANGE, "IO weight 10001");
	spec = SPEC(.cpu_quota_percent = 100001);
	assert_refused(&spec, ERANGE, "CPU quota 100001%");
	spec = SPEC(.argv = LIST("", "x"));
	assert_refused(&spec, EINVAL, "the command is empty");
}
END_TEST

/* Which limit is too large: the message names it, as every other refusal does. */
START_TEST(test_limit_too_large)
{
	volt_ctr_spec spec;

	spec = SPEC(.memory_max = (uint64_t)INT64_MAX + 1);
	assert_refused(&spec, ERANGE, "memory");
	spec = SPEC(.tasks_max = UINT64_MAX);
	assert_refused(&spec, ERANGE, "tasks");
}
END_TEST

START_TEST(test_user)
{
	static const char *const bad[] = { "", "a b", "../x", "a/b", "root\n", "a\x1b[2J", "x\x7f" };
	volt_ctr_spec spec;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char needle[64];

		spec = SPEC(.user = bad[i]);
		snprintf(needle, sizeof(needle), "user '%s' is not", bad[i]);
		assert_refused(&spec, EINVAL, needle);
	}
}
END_TEST

START_TEST(test_env)
{
	static const struct {
		const char *entry, *needle;
	} bad[] = {
		{ "NOEQ", "'NOEQ' is not NAME=VALUE" },
		{ "=x", "'=x' is not NAME=VALUE" },
		{ "1A=x", "name in '1A=x' is not valid" },
		{ "A-B=x", "name in 'A-B=x' is not valid" },
		{ "A B=x", "name in 'A B=x' is not valid" },
	};
	volt_ctr_spec spec;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		spec = SPEC(.env = LIST("OK=1", bad[i].entry));
		assert_refused(&spec, EINVAL, bad[i].needle);
	}
	spec = SPEC(.env = LIST("BAD=\xff"));
	assert_refused(&spec, EINVAL, "not valid UTF-8");
}
END_TEST

/* What nspawn's execve() would refuse at every start, refused at create time. */
START_TEST(test_exec_size)
{
	size_t big = 128 * 1024;
	char *huge = malloc(big + 1), **many = calloc(40, sizeof(char *));
	volt_ctr_spec spec;

	memset(huge, 'x', big);
	memcpy(huge, "A=", 2);
	huge[big] = '\0';
	spec = SPEC(.env = LIST("B=1", huge));
	assert_refused(&spec, E2BIG, "environment entry 2 is 131072 bytes");
	huge[big - 10] = '\0'; /* with "--setenv=", just the kernel's limit */
	spec = SPEC(.env = LIST(huge));
	json_decref(to_json(&spec));
	ck_assert_int_eq(volt_error_code(), 0);
	huge[32 * 1024] = '\0';
	for (size_t i = 0; i < 39; i++)
		many[i] = huge;
	spec = SPEC(.argv = (const char *const *)many);
	assert_refused(&spec, E2BIG, "over the limit of 1048576");
	free(many);
	free(huge);
}
END_TEST

/* ---- volumes ---- */

static char *volume_dir(void)
{
	char *dir = test_root();

	ck_assert_int_eq(chmod(dir, 0755), 0);
	return dir;
}

static json_t *one_volume(const char *v)
{
	volt_ctr_spec spec = SPEC(.volumes = LIST(v));
	json_t *o = to_json(&spec), *vol;

	ck_assert_msg(o, "volume '%s': %s", v, volt_error_message());
	ck_assert_int_eq(json_array_size(json_object_get(o, "volumes")), 1);
	vol = json_incref(json_array_get(json_object_get(o, "volumes"), 0));
	json_decref(o);
	ck_assert_int_eq(json_object_size(vol), 5);
	return vol;
}

static void assert_volume(const char *v, const char *source, const char *target, bool ro, bool idmap, bool chown_src)
{
	json_t *vol = one_volume(v);

	ck_assert_str_eq(str(vol, "source"), source);
	ck_assert_str_eq(str(vol, "target"), target);
	ck_assert_msg(json_is_true(json_object_get(vol, "read_only")) == ro, "%s: read_only", v);
	ck_assert_msg(json_is_true(json_object_get(vol, "idmap")) == idmap, "%s: idmap", v);
	ck_assert_msg(json_is_true(json_object_get(vol, "chown")) == chown_src, "%s: chown", v);
	json_decref(vol);
}

START_TEST(test_volumes)
{
	char *dir = volume_dir(), v[512], messy[512];

	snprintf(v, sizeof(v), "%s:/data", dir);
	assert_volume(v, dir, "/data", false, false, false);
	snprintf(v, sizeof(v), "%s:/data:ro", dir);
	assert_volume(v, dir, "/data", true, false, false);
	snprintf(v, sizeof(v), "%s:/data:rw,idmap", dir);
	assert_volume(v, dir, "/data", false, true, false);
	snprintf(v, sizeof(v), "%s:/data:ro,rw", dir);
	assert_volume(v, dir, "/data", false, false, false);
	snprintf(v, sizeof(v), "%s:/data:U", dir);
	assert_volume(v, dir, "/data", false, false, true);
	/* Both sides in their normal form, as the policy and nspawn see them. */
	snprintf(messy, sizeof(messy), "%s//./:/srv//data/../x/", dir);
	assert_volume(messy, dir, "/srv/x", false, false, false);
	free(dir);
}
END_TEST

START_TEST(test_bad_volumes)
{
	char *dir = volume_dir(), *missing = test_path(dir, "missing"), *comma = test_path(dir, "a,b");
	static const struct {
		const char *suffix, *needle;
		int err;
	} bad[] = {
		{ "", "is not HOST:CONTAINER", EINVAL },
		{ ":/data:rx", "not 'rx'", EINVAL },
		{ ":/data:ro,", NULL, 0 },
		{ ":/data:idmap,U", "idmap and U exclude each other", EINVAL },
		{ ":data", "both paths must be absolute", EINVAL },
		{ ":/", "cannot replace the container's root", EINVAL },
		{ ":/proc/..", "cannot replace the container's root", EINVAL },
		{ ":/a,b", "must not contain ':' or ','", EINVAL },
		{ ":/data:ro:rw", "not 'ro:rw'", EINVAL },
	};
	volt_ctr_spec spec;
	char v[512];

	ck_assert_int_eq(mkdir(comma, 0755), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(v, sizeof(v), "%s%s", dir, bad[i].suffix);
		spec = SPEC(.volumes = LIST(v));
		if (!bad[i].needle) {
			json_decref(to_json(&spec));
			ck_assert_msg(volt_error_code() == 0, "'%s': %s", v, volt_error_message());
			continue;
		}
		assert_refused(&spec, bad[i].err, bad[i].needle);
		ck_assert_msg(strstr(volt_error_message(), v), "'%s' does not name '%s'", volt_error_message(), v);
	}
	snprintf(v, sizeof(v), "data:/data");
	spec = SPEC(.volumes = LIST(v));
	assert_refused(&spec, EINVAL, "volume 'data:/data': both paths must be absolute");
	snprintf(v, sizeof(v), "%s:/data", missing);
	spec = SPEC(.volumes = LIST(v));
	assert_refused(&spec, ENOENT, missing);
	snprintf(v, sizeof(v), "%s:/data", comma);
	spec = SPEC(.volumes = LIST(v));
	assert_refused(&spec, EINVAL, "must not contain ':' or ','");
	/* ":U" of "/" would give the host's every file to the container. */
	spec = SPEC(.volumes = LIST("/:/host:U"));
	assert_refused(&spec, EINVAL, "'/:/host:U': U would re-own the host's whole file system");
	spec = SPEC(.volumes = LIST("/..//:/host:ro,U"));
	assert_refused(&spec, EINVAL, "U would re-own");
	ck_assert_int_eq(rmdir(comma), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	free(comma);
	free(missing);
	free(dir);
}
END_TEST

/* ---- ports ---- */

static json_t *ports_of(const char *const *ports)
{
	volt_ctr_spec spec = SPEC(.network = VOLT_CTR_NETWORK_PRIVATE, .ports = ports);
	json_t *o = to_json(&spec), *p;

	ck_assert_msg(o, "%s", volt_error_message());
	p = json_incref(json_object_get(o, "ports"));
	json_decref(o);
	return p;
}

START_TEST(test_ports)
{
	json_t *p = ports_of(LIST("8080:80", "127.0.0.1:54:5353/udp", "1:65535/tcp", "53:53/udp", "53:53"));
	json_t *e;

	ck_assert_int_eq(json_array_size(p), 5);
	e = json_array_get(p, 0);
	ck_assert_int_eq(num(e, "host"), 8080);
	ck_assert_int_eq(num(e, "container"), 80);
	/* The defaults (every address, tcp) are left out. */
	ck_assert_int_eq(json_object_size(e), 2);
	e = json_array_get(p, 1);
	ck_assert_str_eq(str(e, "host_ip"), "127.0.0.1");
	ck_assert_int_eq(num(e, "host"), 54);
	ck_assert_int_eq(num(e, "container"), 5353);
	ck_assert_str_eq(str(e, "protocol"), "udp");
	e = json_array_get(p, 2);
	ck_assert_int_eq(num(e, "host"), 1);
	ck_assert_int_eq(num(e, "container"), 65535);
	ck_assert_ptr_null(json_object_get(e, "protocol"));
	json_decref(p);
}
END_TEST

START_TEST(test_bad_ports)
{
	static const struct {
		const char *port, *needle;
	} bad[] = {
		{ "80", "'80' is not [IP:]HOSTPORT:CONTAINERPORT" },
		{ "80:", "'80:' is not [IP:]HOSTPORT" },
		{ ":80", "':80' is not [IP:]HOSTPORT" },
		{ ":80:80", "'' is not an IPv4 address" },
		{ "x:80", "'x:80' is not [IP:]HOSTPORT" },
		{ "+80:80", "'+80:80' is not" },
		{ " 80:80", "' 80:80' is not" },
		{ "80:+8", "'80:+8' is not" },
		{ "80:8x", "'80:8x' is not" },
		{ "0:80", "host port 0 is outside 1..65535" },
		{ "65536:80", "host port 65536 is outside 1..65535" },
		{ "99999999999999999999999:80", "is not [IP:]HOSTPORT" },
		{ "80:0", "container port 0 is outside 1..65535" },
		{ "80:65536", "container port 65536 is outside" },
		{ "80:12345678901234567890", "is not [IP:]HOSTPORT" },
		{ "80:80/sctp", "protocol 'sctp' is not tcp or udp" },
		{ "80:80/", "protocol '' is not tcp or udp" },
		{ "80:80/udp/tcp", "'80:80/udp/tcp' is not" },
		{ "300.1.1.1:80:80", "'300.1.1.1' is not an IPv4 address" },
		{ "::1:80:80", "is not an IPv4 address" },
		{ "255.255.255.255255:80:80", "bad IPv4 address" },
	};
	volt_ctr_spec spec;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		spec = SPEC(.network = VOLT_CTR_NETWORK_PRIVATE, .ports = LIST("1:1", bad[i].port));
		assert_refused(&spec, EINVAL, bad[i].needle);
		ck_assert_msg(strstr(volt_error_message(), "published port"), "'%s'", volt_error_message());
	}
	spec = SPEC(.network = VOLT_CTR_NETWORK_PRIVATE, .ports = LIST("8080:80", "127.0.0.1:8080:81"));
	assert_refused(&spec, EINVAL, "host port of '127.0.0.1:8080:81' is published twice");
	spec = SPEC(.network = VOLT_CTR_NETWORK_PRIVATE, .ports = LIST("53:53/udp", "53:54/udp"));
	assert_refused(&spec, EINVAL, "'53:54/udp' is published twice");
	spec = SPEC(.network = VOLT_CTR_NETWORK_HOST, .ports = LIST("8080:80"));
	assert_refused(&spec, EINVAL, "published ports need the private network");
	spec = SPEC(.ports = LIST("8080:80"));
	assert_refused(&spec, EINVAL, "published ports need the private network");
	/* An empty list is no ports, whatever the network. */
	spec = SPEC(.ports = (const char *const[]){ NULL });
	json_decref(to_json(&spec));
	ck_assert_int_eq(volt_error_code(), 0);
}
END_TEST

/* ---- restart ---- */

START_TEST(test_restart)
{
	static const struct {
		const char *in, *policy;
		json_int_t max;
	} good[] = {
		{ NULL, "no", 0 },
		{ "no", "no", 0 },
		{ "always", "always", 0 },
		{ "on-failure", "on-failure", 0 },
		{ "on-failure:1", "on-failure", 1 },
		{ "on-failure:1000000", "on-failure", 1000000 },
	};
	static const char *const bad[] = { "on-failure:0", "on-failure:1000001", "on-failure:", "on-failure:-1",
					   "on-failure:+3", "on-failure: 3", "on-failure:3x", "on-failure:01",
					   "on-failure:99999999999999999999999", "sometimes", "", "Always", "no:1" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		json_t *o = json_object();

		ck_assert_int_eq(ctr_restart_to_json(o, good[i].in), 0);
		ck_assert_str_eq(str(o, "restart"), good[i].policy);
		ck_assert_int_eq(num(o, "restart_max"), good[i].max);
		json_decref(o);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *o = json_object();
		char needle[64];

		snprintf(needle, sizeof(needle), "restart policy '%s'", bad[i]);
		ck_assert_fails_with(ctr_restart_to_json(o, bad[i]), EINVAL, needle);
		/* Nothing half-set. */
		ck_assert_int_eq(json_object_size(o), 0);
		json_decref(o);
	}
}
END_TEST

VOLT_TEST_MAIN("ctr-spec", test_defaults, test_given, test_version, test_bad_fields, test_limit_too_large, test_user,
	       test_env, test_exec_size, test_volumes, test_bad_volumes, test_ports, test_bad_ports, test_restart)
