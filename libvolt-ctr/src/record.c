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
#include "record.h"
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
	    (r = common_path_join(&rec->policy, rec->dir, CTR_POLICY_FILE)) < 0 ||
	    (r = common_path_join(&rec->run_file, rec->dir, CTR_RUN_FILE)) < 0)
		return r;
	return 0;
}

static int no_container(int r, const char *name)
{
	if (r == -ENOENT)
		return volt_error_set(ENOENT, "no container named '%s'", name);
	return volt_error_prefix(r, "container '%s'", name);
}

/*
 * Under directory fds, never through a link: ROOT/containers is Volt's,
 * but whoever plants a link or a FIFO in it must not make Volt read,
 * obey or remove what it points at.
 */
int ctr_record_load(ctr_record *rec, const volt_ctr *ctr, const char *name)
{
	_cleanup_close_ int kind_fd = -1;
	const char *base;
	json_t *version;
	int r;

	r = ctr_record_paths(rec, ctr, name);
	if (r < 0)
		return r;
	r = common_record_kind_open(&kind_fd, ctr->root, "containers");
	if (r < 0)
		return no_container(r, name);
	r = common_record_dir_open(&rec->dir_fd, kind_fd, ctr->containers, name);
	if (r < 0)
		return no_container(r, name);
	rec->dir_open = true;
	r = common_record_load_json(&rec->config, rec->dir_fd, rec->dir, "config.json");
	if (r < 0)
		return no_container(r, name);
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

int ctr_record_read(char **out, size_t *out_len, const ctr_record *rec, const char *file, size_t max)
{
	if (!rec->dir_open)
		return volt_error_set(EBADF, "container '%s': its directory is not open", rec->name);
	return common_record_read(out, out_len, rec->dir_fd, rec->dir, file, max);
}

int ctr_record_write(const ctr_record *rec, const char *file, const void *data, size_t len)
{
	if (!rec->dir_open)
		return volt_error_set(EBADF, "container '%s': its directory is not open", rec->name);
	return common_record_write(rec->dir_fd, rec->dir, file, data, len, 0600, false);
}

bool ctr_record_has(const ctr_record *rec, const char *file)
{
	return rec->dir_open && faccessat(rec->dir_fd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

void ctr_record_unlink(const ctr_record *rec, const char *file)
{
	if (rec->dir_open)
		(void)unlinkat(rec->dir_fd, file, 0);
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
	if (rec->dir_open)
		close(rec->dir_fd);
	memset(rec, 0, sizeof(*rec));
}

/*
 * state.json: how the last foreground run went. Written only by the host
 * (volt run, volt start -a) in the container's own directory, which the
 * container cannot reach; a unit's state comes from systemd instead.
 */
#define CTR_STATE_FILE "state.json"

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
	json_t *o;
	int r;

	if (!rec->dir_open)
		return volt_error_set(EBADF, "container '%s': its directory is not open", rec->name);
	o = json_pack("{s:s, s:i, s:b, s:I, s:I}", "status", "exited", "exit_status", exit_status, "oom_killed",
		      oom_killed, "started_ns", (json_int_t)started_ns, "finished_ns", (json_int_t)ctr_now_ns());
	if (!o)
		return volt_error_set(ENOMEM, NULL);
	r = common_record_write_json(rec->dir_fd, rec->dir, CTR_STATE_FILE, o, VOLT_JSON_PRETTY | VOLT_JSON_NO_SYNC,
				     0600);
	json_decref(o);
	return r;
}

int ctr_state_load(const ctr_record *rec, ctr_state *out)
{
	json_t *o = NULL, *v;

	memset(out, 0, sizeof(*out));
	/* Volt's own plain file, or none: never a link or a FIFO someone left. */
	if (!rec->dir_open || common_record_load_json(&o, rec->dir_fd, rec->dir, CTR_STATE_FILE) < 0) {
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
	ctr_record_unlink(rec, CTR_STATE_FILE);
}
