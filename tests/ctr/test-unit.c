/*
 * What a container's unit is made of (systemd.c): the properties of its
 * StartTransientUnit request, read back from the very sd-bus message
 * systemd would get; the boot unit's quoting; the restart policy a
 * record may hold. No bus is reached: the message is built on a bus
 * that never leaves authentication.
 *
 * systemd.c is compiled in here for its static parts; the archive's copy
 * is then not linked (every symbol of it is defined already).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "systemd.c"

#include <sys/socket.h>

#include "ctr-test.h"

struct bus_fixture {
	sd_bus *bus;
	sd_bus_message *m;
	int fds[2];
};

/* A StartTransientUnit call holding only the properties @props appends. */
static void build(struct bus_fixture *b, struct unit_props *props)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b->fds), 0);
	ck_assert_int_eq(sd_bus_new(&b->bus), 0);
	ck_assert_int_eq(sd_bus_set_fd(b->bus, b->fds[0], b->fds[0]), 0);
	ck_assert_int_eq(sd_bus_start(b->bus), 0);
	ck_assert_int_eq(sd_bus_message_new_method_call(b->bus, &b->m, "org.freedesktop.systemd1",
							"/org/freedesktop/systemd1",
							"org.freedesktop.systemd1.Manager", "StartTransientUnit"),
			 0);
	ck_assert_int_eq(sd_bus_message_open_container(b->m, 'a', "(sv)"), 0);
	ck_assert_int_ge(append_properties(b->m, props), 0);
	ck_assert_int_eq(sd_bus_message_close_container(b->m), 0);
	ck_assert_int_eq(sd_bus_message_seal(b->m, 1, 0), 0);
	ck_assert_int_ge(sd_bus_message_rewind(b->m, true), 0);
	ck_assert_int_gt(sd_bus_message_enter_container(b->m, 'a', "(sv)"), 0);
}

static void done(struct bus_fixture *b)
{
	ck_assert_int_eq(sd_bus_message_exit_container(b->m), 1);
	sd_bus_message_unref(b->m);
	/* Never flushed: nothing is to reach a bus. */
	sd_bus_close(b->bus);
	sd_bus_unref(b->bus);
	close(b->fds[1]);
}

/* The next property is @name of D-Bus type @type; leaves the reader inside its variant. */
static void enter(struct bus_fixture *b, const char *name, const char *type)
{
	const char *got = NULL, *contents = NULL;

	ck_assert_msg(sd_bus_message_enter_container(b->m, 'r', "sv") > 0, "no property where '%s' should be", name);
	ck_assert_int_eq(sd_bus_message_read(b->m, "s", &got), 1);
	ck_assert_str_eq(got, name);
	ck_assert_int_eq(sd_bus_message_peek_type(b->m, NULL, &contents), 1);
	ck_assert_msg(strcmp(contents, type) == 0, "%s is of type %s, not %s", name, contents, type);
	ck_assert_int_gt(sd_bus_message_enter_container(b->m, 'v', type), 0);
}

static void leave(struct bus_fixture *b)
{
	ck_assert_int_gt(sd_bus_message_exit_container(b->m), 0);
	ck_assert_int_gt(sd_bus_message_exit_container(b->m), 0);
}

static void expect_bool(struct bus_fixture *b, const char *name, bool want)
{
	int v = -1;

	enter(b, name, "b");
	ck_assert_int_eq(sd_bus_message_read(b->m, "b", &v), 1);
	ck_assert_int_eq(v, want);
	leave(b);
}

static void expect_string(struct bus_fixture *b, const char *name, const char *want)
{
	const char *v = NULL;

	enter(b, name, "s");
	ck_assert_int_eq(sd_bus_message_read(b->m, "s", &v), 1);
	ck_assert_str_eq(v, want);
	leave(b);
}

static void expect_u64(struct bus_fixture *b, const char *name, uint64_t want)
{
	uint64_t v = 0;

	enter(b, name, "t");
	ck_assert_int_eq(sd_bus_message_read(b->m, "t", &v), 1);
	ck_assert_uint_eq(v, want);
	leave(b);
}

static void expect_u32(struct bus_fixture *b, const char *name, uint32_t want)
{
	uint32_t v = 0;

	enter(b, name, "u");
	ck_assert_int_eq(sd_bus_message_read(b->m, "u", &v), 1);
	ck_assert_uint_eq(v, want);
	leave(b);
}

/* What every container's unit gets, whatever its record says. */
static void expect_fixed(struct bus_fixture *b)
{
	char **env = NULL;
	const char *dev = NULL, *perm = NULL;

	expect_bool(b, "PrivateMounts", true);
	expect_bool(b, "Delegate", true);
	enter(b, "Environment", "as");
	ck_assert_int_eq(sd_bus_message_read_strv(b->m, &env), 1);
	ck_assert_str_eq(env[0], "SYSTEMD_SECCOMP=0");
	ck_assert_str_eq(env[1], "VOLT_CTR_SECCOMP_BPF=/state/containers/web/seccomp.bpf");
	ck_assert_ptr_null(env[2]);
	volt_strv_free(env);
	leave(b);
	expect_string(b, "DevicePolicy", "closed");
	enter(b, "DeviceAllow", "a(ss)");
	ck_assert_int_eq(sd_bus_message_read(b->m, "a(ss)", 1, &dev, &perm), 1);
	ck_assert_str_eq(dev, "char-pts");
	ck_assert_str_eq(perm, "rw");
	leave(b);
}

static void expect_end(struct bus_fixture *b)
{
	ck_assert_msg(sd_bus_message_at_end(b->m, false) > 0, "a property more than expected");
}

START_TEST(test_props_default)
{
	json_t *limits = json_pack("{s:I, s:I, s:I, s:I}", "memory_max", (json_int_t)0, "tasks_max", (json_int_t)0,
				   "cpu_quota_percent", (json_int_t)0, "io_weight", (json_int_t)0);
	struct unit_props props = { limits, "VOLT_CTR_SECCOMP_BPF=/state/containers/web/seccomp.bpf", "no", 0 };
	struct bus_fixture b;

	build(&b, &props);
	expect_fixed(&b);
	/* No limit set: no limit property at all (systemd's "infinity" stays). */
	expect_end(&b);
	done(&b);
	json_decref(limits);
}
END_TEST

START_TEST(test_props_limits_restart_bounded)
{
	json_t *limits = json_pack("{s:I, s:I, s:I, s:I}", "memory_max", (json_int_t)268435456, "tasks_max",
				   (json_int_t)64, "cpu_quota_percent", (json_int_t)150, "io_weight", (json_int_t)500);
	struct unit_props props = { limits, "VOLT_CTR_SECCOMP_BPF=/state/containers/web/seccomp.bpf", "on-failure",
				    3 };
	struct bus_fixture b;

	build(&b, &props);
	expect_fixed(&b);
	expect_string(&b, "Restart", "on-failure");
	expect_u64(&b, "RestartUSec", 500000);
	/* N restarts for ever: an interval without end, a burst of N + 1 starts. */
	expect_u64(&b, "StartLimitIntervalUSec", UINT64_MAX);
	expect_u32(&b, "StartLimitBurst", 4);
	expect_u64(&b, "MemoryMax", 268435456);
	expect_u64(&b, "TasksMax", 64);
	/* 150% is one and a half CPUs: 1.5 s of CPU time each second. */
	expect_u64(&b, "CPUQuotaPerSecUSec", 1500000);
	expect_u64(&b, "IOWeight", 500);
	expect_end(&b);
	done(&b);
	json_decref(limits);
}
END_TEST

START_TEST(test_props_restart_always)
{
	json_t *limits = json_pack("{s:I}", "tasks_max", (json_int_t)-5);
	struct unit_props props = { limits, "VOLT_CTR_SECCOMP_BPF=/state/containers/web/seccomp.bpf", "always", 0 };
	struct bus_fixture b;

	build(&b, &props);
	expect_fixed(&b);
	expect_string(&b, "Restart", "always");
	expect_u64(&b, "RestartUSec", 500000);
	/* Unbounded: no start limit, or systemd's 5 in 10 s would end it. */
	expect_u64(&b, "StartLimitIntervalUSec", 0);
	/* A negative limit (a corrupt record) is no limit, not 2^64 - 5. */
	expect_end(&b);
	done(&b);
	json_decref(limits);
}
END_TEST

/* ---- the record's restart policy, checked before anything is asked of systemd ---- */

START_TEST(test_unit_start_bad_restart)
{
	char *root = test_root();
	volt_ctr *ctr = NULL;
	ctr_record rec;

	setenv("VOLT_CTR_NSPAWN", "/x/nspawn", 1);
	setenv("VOLT_CTR_LAUNCHER", "/x/launch", 1);
	ck_assert_int_eq(volt_ctr_open(&ctr, root), 0);
	test_record_dir(ctr, "web", TEST_CONFIG);
	ck_assert_int_eq(ctr_record_load(&rec, ctr, "web"), 0);
	json_object_set_new(rec.config, "restart", json_string("sometimes"));
	ck_assert_fails_with(ctr_unit_start(&rec), EINVAL, "unknown restart policy 'sometimes' in its record");
	ctr_record_done(&rec);
	ck_assert_int_eq(common_rm_rf(root), 0);
	free(root);
	volt_ctr_close(ctr);
}
END_TEST

/* ---- the boot unit's words ---- */

static char *quoted(const char *word, int *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	*r = unit_quote(f, word);
	ck_assert_int_eq(fclose(f), 0);
	return text;
}

START_TEST(test_unit_quote)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "/usr/bin/volt", "\"/usr/bin/volt\"" },
		{ "", "\"\"" },
		{ "a b", "\"a b\"" },
		/* systemd's specifiers and variables are the characters themselves. */
		{ "100%", "\"100%%\"" },
		{ "$HOME", "\"$$HOME\"" },
		{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "C:\\x", "\"C:\\\\x\"" },
		{ "%n${X}", "\"%%n$${X}\"" },
	};
	int r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = quoted(cases[i].in, &r);

		ck_assert_int_eq(r, 0);
		ck_assert_str_eq(text, cases[i].out);
		free(text);
	}
	/* A newline would end ExecStart= and start a line of the caller's choosing. */
	free(quoted("/root\n[Service]\nExecStartPre=/bin/evil", &r));
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_int_eq(volt_error_code(), -EINVAL);
	ck_assert(strstr(volt_error_message(), "a control character in '/root"));
	free(quoted("a\tb", &r));
	ck_assert_int_eq(r, -EINVAL);
}
END_TEST

START_TEST(test_has_word)
{
	ck_assert(has_word("cpuset cpu io memory pids\n", "cpu"));
	ck_assert(has_word("cpuset cpu io memory pids\n", "pids"));
	ck_assert(has_word("memory", "memory"));
	ck_assert(!has_word("cpuset io memory\n", "cpu"));
	ck_assert(!has_word("iocost memory\n", "io"));
	ck_assert(!has_word("", "io"));
}
END_TEST

VOLT_TEST_MAIN("ctr-unit", test_props_default, test_props_limits_restart_bounded, test_props_restart_always,
	       test_unit_start_bad_restart, test_unit_quote, test_has_word)
