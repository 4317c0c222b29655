/*
 * A container's record (record.c): its paths and name checks, config.json
 * as read back (truncated, oversize, of the wrong types or version), and
 * state.json, the end of the last foreground run, written by the host and
 * read by every `volt ps`, including files nobody but a crash or another
 * hand left there.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ctr-test.h"

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

START_TEST(test_unit_name)
{
	char buf[128], tiny[20];

	ck_assert_int_eq(ctr_unit_name(buf, sizeof(buf), "web-1"), 0);
	ck_assert_str_eq(buf, "volt-container-web-1.service");
	ck_assert_fails_with(ctr_unit_name(tiny, sizeof(tiny), "web-1"), ENAMETOOLONG, "'web-1'");
}
END_TEST

START_TEST(test_paths)
{
	volt_ctr *ctr = NULL;
	ctr_record rec;

	ck_assert_int_eq(volt_ctr_open(&ctr, "/srv//volt/"), 0);
	ck_assert_int_eq(ctr_record_paths(&rec, ctr, "web.1"), 0);
	ck_assert_str_eq(rec.name, "web.1");
	ck_assert_str_eq(rec.dir, "/srv/volt/containers/web.1");
	ck_assert_str_eq(rec.upper, "/srv/volt/containers/web.1/upper");
	ck_assert_str_eq(rec.work, "/srv/volt/containers/web.1/work");
	ck_assert_str_eq(rec.rootfs, "/srv/volt/containers/web.1/rootfs");
	ck_assert_str_eq(rec.policy, "/srv/volt/containers/web.1/policy.json");
	ck_assert_str_eq(rec.run_file, "/srv/volt/containers/web.1/run.pid");
	ck_assert_ptr_null(rec.config);
	ck_assert_ptr_null(rec.base);
	ctr_record_done(&rec);
	volt_ctr_close(ctr);
}
END_TEST

/* A name becomes a path under ROOT/containers: nothing that leaves it, nothing a unit name refuses. */
START_TEST(test_bad_names)
{
	static const struct {
		const char *name, *needle;
		int err;
	} bad[] = {
		{ "", "name is empty", EINVAL },
		{ "..", "'..'", EINVAL },
		{ "a/b", "'a/b' contains '/'", EINVAL },
		{ "../etc", "'../etc'", EINVAL },
		{ "-web", "'-web' must start", EINVAL },
		{ "web.", "'web.' must start", EINVAL },
		{ "a..b", "'a..b' contains '..'", EINVAL },
		{ "a_b", "'a_b' contains '_'", EINVAL },
		{ "a b", "'a b' contains ' '", EINVAL },
		{ "a\nb", "byte 0x0a at position 2", EINVAL },
		{ "caf\xc3\xa9", "byte 0xc3 at position 4", EINVAL },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "longer than 63", ENAMETOOLONG },
	};
	volt_ctr *ctr = NULL;
	ctr_record rec;

	ck_assert_int_eq(volt_ctr_open(&ctr, "/srv/volt"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_fails_with(ctr_record_paths(&rec, ctr, bad[i].name), bad[i].err, bad[i].needle);
		ck_assert_msg(strncmp(volt_error_message(), "container name", 14) == 0, "'%s' for '%s'",
			      volt_error_message(), bad[i].name);
		ctr_record_done(&rec);
	}
	ck_assert_fails_with(ctr_record_paths(&rec, ctr, NULL), EINVAL, "name is empty");
	ctr_record_done(&rec);
	/* 63 characters is the longest. */
	ck_assert_int_eq(ctr_record_paths(&rec, ctr, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 0);
	ctr_record_done(&rec);
	volt_ctr_close(ctr);
}
END_TEST

START_TEST(test_load)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	ctr_record rec;

	ck_assert_fails_with(ctr_record_load(&rec, ctr, "web"), ENOENT, "no container named 'web'");
	ctr_record_done(&rec);
	test_record_dir(ctr, "web", TEST_CONFIG);
	ck_assert_int_eq(ctr_record_load(&rec, ctr, "web"), 0);
	ck_assert_str_eq(rec.base, "/b");
	ck_assert_str_eq(json_string_value(json_object_get(rec.config, "hostname")), "web");
	ctr_record_done(&rec);
	/* A directory without config.json is one being created or removed. */
	test_record_dir(ctr, "half", NULL);
	ck_assert_fails_with(ctr_record_load(&rec, ctr, "half"), ENOENT, "no container named 'half'");
	ctr_record_done(&rec);
	close_root(ctr, root);
}
END_TEST

/* What a crash (an unsynced record: volt_ctr_set_durable(false)) or a bad hand leaves as config.json. */
START_TEST(test_load_corrupt)
{
	static const struct {
		const char *text, *needle;
	} bad[] = {
		{ "", "config.json" },
		{ "{\"base\": \"/b\"", "config.json" },
		{ "[]", "config.json" },
		{ "{\"version\": 1, \"base\": 5}", "'base' must be a string" },
		{ "\"/b\"", "config.json" },
	};
	char *root;
	volt_ctr *ctr = open_root(&root);
	ctr_record rec;

	test_record_dir(ctr, "web", NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *path = test_path(ctr->containers, "web/config.json");

		test_write(path, bad[i].text);
		ck_assert_fails_with(ctr_record_load(&rec, ctr, "web"), EINVAL, bad[i].needle);
		ck_assert_msg(strstr(volt_error_message(), "container 'web'"), "'%s' for '%s'", volt_error_message(),
			      bad[i].text);
		ctr_record_done(&rec);
		free(path);
	}
	close_root(ctr, root);
}
END_TEST

START_TEST(test_load_oversize)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	char *path;
	ctr_record rec;

	test_record_dir(ctr, "web", NULL);
	path = test_path(ctr->containers, "web/config.json");
	test_write_sparse(path, (off_t)VOLT_JSON_FILE_MAX + 1);
	ck_assert_fails_with(ctr_record_load(&rec, ctr, "web"), EFBIG, path);
	ctr_record_done(&rec);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	/* Only a regular file is read (common/record.c): a directory is refused as such. */
	ck_assert_fails_with(ctr_record_load(&rec, ctr, "web"), EINVAL, "not a regular file");
	ctr_record_done(&rec);
	free(path);
	close_root(ctr, root);
}
END_TEST

/*
 * A record without its base is a corrupt record, not "no such
 * container": ENOENT would make volt_ctr_list() skip it as one being
 * created or removed (container.c), and volt rm refuse it as unknown.
 */
START_TEST(test_load_without_base)
{
	static const char *const bad[] = { "{\"version\": 1}", "{\"version\": 1, \"base\": null}" };
	char *root;
	volt_ctr *ctr = open_root(&root);
	ctr_record rec;

	test_record_dir(ctr, "web", NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *path = test_path(ctr->containers, "web/config.json");

		test_write(path, bad[i]);
		ck_assert_fails_with(ctr_record_load(&rec, ctr, "web"), EINVAL, "'base'");
		ctr_record_done(&rec);
		free(path);
	}
	close_root(ctr, root);
}
END_TEST

/* Keys a newer Volt adds are no reason to lose the container. */
START_TEST(test_load_unknown_keys)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	ctr_record rec;

	test_record_dir(ctr, "web", "{\"version\": 1, \"base\": \"/b\", \"later\": {\"x\": [1, 2]}}");
	ck_assert_int_eq(ctr_record_load(&rec, ctr, "web"), 0);
	ck_assert_str_eq(rec.base, "/b");
	ctr_record_done(&rec);
	close_root(ctr, root);
}
END_TEST

/*
 * spec.c writes "version": 1. A record of another version (a newer
 * Volt's layout, or garbage) is not one this code can run: the keys it
 * reads may mean something else there.
 */
START_TEST(test_load_wrong_version)
{
	static const char *const bad[] = {
		"{\"version\": 2, \"base\": \"/b\"}",
		"{\"version\": 0, \"base\": \"/b\"}",
		"{\"version\": \"1\", \"base\": \"/b\"}",
		"{\"base\": \"/b\"}",
	};
	char *root;
	volt_ctr *ctr = open_root(&root);
	ctr_record rec;

	test_record_dir(ctr, "web", NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *path = test_path(ctr->containers, "web/config.json");

		test_write(path, bad[i]);
		ck_assert_fails_with(ctr_record_load(&rec, ctr, "web"), EINVAL, "version");
		ctr_record_done(&rec);
		free(path);
	}
	close_root(ctr, root);
}
END_TEST

/* ---- state.json ---- */

static void load_record(ctr_record *rec, volt_ctr *ctr)
{
	test_record_dir(ctr, "web", TEST_CONFIG);
	ck_assert_int_eq(ctr_record_load(rec, ctr, "web"), 0);
}

START_TEST(test_state_round_trip)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	ctr_record rec;
	ctr_state st;
	uint64_t before = ctr_now_ns();
	char *path, *tmp;
	json_t *j = NULL;

	load_record(&rec, ctr);
	path = test_path(rec.dir, "state.json");
	tmp = test_path(rec.dir, "state.json.tmp");
	ck_assert_int_eq(ctr_state_load(&rec, &st), 0);
	ck_assert(!st.known);
	ck_assert_int_eq(ctr_state_record(&rec, 137, true, 1234567890123456789ull), 0);
	/* Host state: root's alone, and no temporary left beside it. */
	ck_assert_int_eq(test_mode(path), S_IFREG | 0600);
	ck_assert(!test_exists(tmp));
	ck_assert_int_eq(volt_json_load_file(&j, path), 0);
	ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "exited");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "exit_status")), 137);
	ck_assert_int_eq(json_object_size(j), 5);
	json_decref(j);
	ck_assert_int_eq(ctr_state_load(&rec, &st), 0);
	ck_assert(st.known && st.exited && st.oom_killed);
	ck_assert_int_eq(st.exit_status, 137);
	ck_assert_uint_eq(st.started_ns, 1234567890123456789ull);
	ck_assert_uint_ge(st.finished_ns, before);
	ck_assert_uint_le(st.finished_ns, ctr_now_ns());
	/* A second run's end replaces the first's. */
	ck_assert_int_eq(ctr_state_record(&rec, 0, false, 5), 0);
	ck_assert_int_eq(ctr_state_load(&rec, &st), 0);
	ck_assert(st.known && st.exited && !st.oom_killed);
	ck_assert_int_eq(st.exit_status, 0);
	ck_assert_uint_eq(st.started_ns, 5);
	/* A unit started: its state is systemd's. */
	ctr_state_clear(&rec);
	ck_assert(!test_exists(path));
	ck_assert_int_eq(ctr_state_load(&rec, &st), 0);
	ck_assert(!st.known);
	ctr_state_clear(&rec);
	ck_assert_int_eq(volt_error_code(), 0);
	free(path);
	free(tmp);
	ctr_record_done(&rec);
	close_root(ctr, root);
}
END_TEST

/* What `volt ps` must survive: a state file it cannot read is no state, never an error. */
START_TEST(test_state_unreadable)
{
	static const char *const bad[] = { "", "{\"status\": \"exi", "[1, 2]", "null", "\"exited\"", "{}" };
	char *root;
	volt_ctr *ctr = open_root(&root);
	ctr_record rec;
	ctr_state st;
	char *path;

	load_record(&rec, ctr);
	path = test_path(rec.dir, "state.json");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_write(path, bad[i]);
		memset(&st, 0xff, sizeof(st));
		ck_assert_int_eq(ctr_state_load(&rec, &st), 0);
		ck_assert_msg(!st.exited && st.exit_status == 0 && !st.oom_killed && !st.started_ns && !st.finished_ns,
			      "state from '%s'", bad[i]);
		ck_assert_int_eq(volt_error_code(), 0);
	}
	test_write_sparse(path, (off_t)VOLT_JSON_FILE_MAX + 1);
	ck_assert_int_eq(ctr_state_load(&rec, &st), 0);
	ck_assert(!st.known && !st.exited);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(ctr_state_load(&rec, &st), 0);
	ck_assert(!st.known);
	ck_assert_int_eq(volt_error_code(), 0);
	free(path);
	ctr_record_done(&rec);
	close_root(ctr, root);
}
END_TEST

START_TEST(test_state_wrong_types)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	ctr_record rec;
	ctr_state st;
	char *path;

	load_record(&rec, ctr);
	path = test_path(rec.dir, "state.json");
	test_write(path, "{\"status\": 5, \"exit_status\": \"3\", \"oom_killed\": \"yes\", \"started_ns\": -7, "
			 "\"finished_ns\": 1.5}");
	ck_assert_int_eq(ctr_state_load(&rec, &st), 0);
	ck_assert(st.known);
	ck_assert(!st.exited && !st.oom_killed);
	ck_assert_int_eq(st.exit_status, 0);
	ck_assert_uint_eq(st.started_ns, 0);
	ck_assert_uint_eq(st.finished_ns, 0);
	/* Unknown keys are ignored, known ones still read. */
	test_write(path, "{\"status\": \"exited\", \"exit_status\": 2, \"later\": [1], \"started_ns\": 10, "
			 "\"finished_ns\": 20, \"oom_killed\": false}");
	ck_assert_int_eq(ctr_state_load(&rec, &st), 0);
	ck_assert(st.known && st.exited && !st.oom_killed);
	ck_assert_int_eq(st.exit_status, 2);
	ck_assert_uint_eq(st.started_ns, 10);
	ck_assert_uint_eq(st.finished_ns, 20);
	free(path);
	ctr_record_done(&rec);
	close_root(ctr, root);
}
END_TEST

/*
 * Volt writes state.json as a plain file and replaces it by rename; a
 * link in its place is nobody's record (as the image-policy and log
 * files, which refuse links): it is not followed to someone else's.
 */
START_TEST(test_state_symlink)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	ctr_record rec;
	ctr_state st;
	char *path, *elsewhere;

	load_record(&rec, ctr);
	path = test_path(rec.dir, "state.json");
	elsewhere = test_path(root, "other-state.json");
	test_write(elsewhere, "{\"status\": \"exited\", \"exit_status\": 9}");
	ck_assert_int_eq(symlink(elsewhere, path), 0);
	ck_assert_int_eq(ctr_state_load(&rec, &st), 0);
	ck_assert_msg(!st.exited && st.exit_status == 0, "state.json, a link, was followed (exit status %d)",
		      st.exit_status);
	free(path);
	free(elsewhere);
	ctr_record_done(&rec);
	close_root(ctr, root);
}
END_TEST

/* A FIFO in its place has no writer: opening it to read would block `volt ps` for ever. */
START_TEST(test_state_fifo)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	ctr_record rec;
	ctr_state st;
	char *path;

	load_record(&rec, ctr);
	path = test_path(rec.dir, "state.json");
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(ctr_state_load(&rec, &st), 0);
	ck_assert(!st.known && !st.exited);
	free(path);
	ctr_record_done(&rec);
	close_root(ctr, root);
}
END_TEST

/* A planted state.json.tmp (a link to a file of the host) is neither written through nor kept. */
START_TEST(test_state_planted_tmp)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	ctr_record rec;
	ctr_state st;
	char *tmp, *victim, *text;

	load_record(&rec, ctr);
	tmp = test_path(rec.dir, "state.json.tmp");
	victim = test_path(root, "victim");
	test_write(victim, "precious");
	ck_assert_int_eq(symlink(victim, tmp), 0);
	ck_assert_int_eq(ctr_state_record(&rec, 1, false, 1), 0);
	text = test_read(victim);
	ck_assert_str_eq(text, "precious");
	free(text);
	/* The temporary file has a name of its own: the planted link is left, unfollowed. */
	ck_assert(test_is_symlink(tmp));
	ck_assert_int_eq(ctr_state_load(&rec, &st), 0);
	ck_assert(st.exited);
	ck_assert_int_eq(st.exit_status, 1);
	free(tmp);
	free(victim);
	ctr_record_done(&rec);
	close_root(ctr, root);
}
END_TEST

/* No rename over a directory: the error names the file, and no temporary is left. */
START_TEST(test_state_record_fails)
{
	char *root;
	volt_ctr *ctr = open_root(&root);
	ctr_record rec;
	char *path, *tmp;

	load_record(&rec, ctr);
	path = test_path(rec.dir, "state.json");
	tmp = test_path(rec.dir, "state.json.tmp");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_fails_with(ctr_state_record(&rec, 1, false, 1), EISDIR, "state.json");
	ck_assert(!test_dir_has_prefix(rec.dir, ".state.json.tmp"));
	free(path);
	free(tmp);
	ctr_record_done(&rec);
	close_root(ctr, root);
}
END_TEST

VOLT_TEST_MAIN("ctr-record", test_unit_name, test_paths, test_bad_names, test_load, test_load_corrupt,
	       test_load_oversize, test_load_without_base, test_load_unknown_keys, test_load_wrong_version, test_state_round_trip,
	       test_state_unreadable, test_state_wrong_types, test_state_symlink, test_state_fifo, test_state_planted_tmp,
	       test_state_record_fails)
