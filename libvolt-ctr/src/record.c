/*
 * A container's directory and its config.json (docs/ctr-state.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <volt/core.h>

#include "ctr-internal.h"
#include "path.h"
#include "shared/macro.h"

int ctr_unit_name(char *buf, size_t size, const char *name)
{
	return common_unit_name(buf, size, "container", name);
}

int ctr_record_paths(ctr_record *rec, const volt_ctr *ctr, const char *name)
{
	int r;

	memset(rec, 0, sizeof(*rec));
	r = volt_name_validate(name);
	if (r < 0)
		return volt_error_prefix(r, "container name");
	rec->name = strdup(name);
	if (!rec->name)
		return volt_error_set(ENOMEM, NULL);
	if ((r = common_path_join(&rec->dir, ctr->containers, name)) < 0 ||
	    (r = common_path_join(&rec->upper, rec->dir, "upper")) < 0 ||
	    (r = common_path_join(&rec->work, rec->dir, "work")) < 0 ||
	    (r = common_path_join(&rec->rootfs, rec->dir, "rootfs")) < 0 ||
	    (r = common_path_join(&rec->policy, rec->dir, "policy.json")) < 0 ||
	    (r = common_path_join(&rec->run_file, rec->dir, "run.pid")) < 0)
		return r;
	return 0;
}

int ctr_record_load(ctr_record *rec, const volt_ctr *ctr, const char *name)
{
	_cleanup_free_ char *config = NULL;
	const char *base;
	json_t *version;
	int r;

	r = ctr_record_paths(rec, ctr, name);
	if (r < 0)
		return r;
	r = common_path_join(&config, rec->dir, "config.json");
	if (r < 0)
		return r;
	r = volt_json_load_file(&rec->config, config);
	if (r == -ENOENT)
		return volt_error_set(ENOENT, "no container named '%s'", name);
	if (r < 0)
		return volt_error_prefix(r, "container '%s'", name);
	/* spec.c writes version 1: another is a layout this code cannot read. */
	version = json_object_get(rec->config, "version");
	if (!json_is_integer(version) || json_integer_value(version) != 1)
		return volt_error_set(EINVAL, "container '%s': config.json: 'version' is not 1", name);
	r = volt_json_get_string(&base, rec->config, "base", true, "config.json");
	/* A record without its base is corrupt, not missing (ENOENT is "no such container"). */
	if (r < 0)
		return volt_error_prefix(r == -ENOENT ? -EINVAL : r, "container '%s'", name);
	rec->base = strdup(base);
	if (!rec->base)
		return volt_error_set(ENOMEM, NULL);
	return 0;
}

void ctr_record_done(ctr_record *rec)
{
	free(rec->name);
	json_decref(rec->config);
	free(rec->dir);
	free(rec->upper);
	free(rec->work);
	free(rec->rootfs);
	free(rec->policy);
	free(rec->run_file);
	free(rec->base);
	memset(rec, 0, sizeof(*rec));
}

/*
 * state.json: how the last foreground run went. Written only by the host
 * (volt run, volt start -a) in the container's own directory, which the
 * container cannot reach; a unit's state comes from systemd instead.
 */
static int state_path(char **out, const ctr_record *rec)
{
	return common_path_join(out, rec->dir, "state.json");
}

uint64_t ctr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Written once, when the run has ended: atomically (a reader never sees
 * half of it) but without fsync, as run.pid: after a crash of the host
 * the container shows as created again, which is the truth for a run
 * that never got to end.
 */
int ctr_state_record(const ctr_record *rec, int exit_status, bool oom_killed, uint64_t started_ns)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL, *text = NULL;
	json_t *o;
	size_t len;
	int fd, r;

	r = state_path(&path, rec);
	if (r < 0)
		return r;
	o = json_pack("{s:s, s:i, s:b, s:I, s:I}", "status", "exited", "exit_status", exit_status, "oom_killed",
		      oom_killed, "started_ns", (json_int_t)started_ns, "finished_ns", (json_int_t)ctr_now_ns());
	if (!o)
		return volt_error_set(ENOMEM, NULL);
	r = volt_json_dump(&text, o, VOLT_JSON_PRETTY);
	json_decref(o);
	if (r < 0)
		return r;
	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return volt_error_set(ENOMEM, NULL);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return volt_error_set_errno(errno, "create %s", tmp);
	len = strlen(text);
	r = volt_write_all(fd, text, len);
	if (close(fd) < 0 && r == 0)
		r = volt_error_set_errno(errno, "close %s", tmp);
	if (r == 0 && rename(tmp, path) < 0)
		r = volt_error_set_errno(errno, "rename %s", tmp);
	if (r < 0)
		unlink(tmp);
	return r;
}

int ctr_state_load(const ctr_record *rec, ctr_state *out)
{
	_cleanup_free_ char *path = NULL;
	struct stat st;
	json_t *o = NULL, *v;
	int r;

	memset(out, 0, sizeof(*out));
	r = state_path(&path, rec);
	if (r < 0)
		return r;
	/* Volt's own plain file, or none: never a link or a FIFO someone left. */
	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	r = volt_json_load_file(&o, path);
	if (r < 0) {
		volt_error_clear();
		return 0;
	}
	out->known = true;
	out->exited = strcmp(json_string_value(json_object_get(o, "status")) ?: "", "exited") == 0;
	out->oom_killed = json_is_true(json_object_get(o, "oom_killed"));
	if ((v = json_object_get(o, "exit_status")) && json_is_integer(v))
		out->exit_status = (int)json_integer_value(v);
	if ((v = json_object_get(o, "started_ns")) && json_is_integer(v) && json_integer_value(v) > 0)
		out->started_ns = (uint64_t)json_integer_value(v);
	if ((v = json_object_get(o, "finished_ns")) && json_is_integer(v) && json_integer_value(v) > 0)
		out->finished_ns = (uint64_t)json_integer_value(v);
	json_decref(o);
	return 0;
}

void ctr_state_clear(const ctr_record *rec)
{
	_cleanup_free_ char *path = NULL;

	if (state_path(&path, rec) == 0)
		(void)unlink(path);
	volt_error_clear();
}
