/*
 * Private parts of libvolt-ctr.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CTR_INTERNAL_H
#define VOLT_CTR_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include <volt/ctr.h>
#include <volt/img.h>

#include "netalloc.h"
#include "rmrf.h"
#include "strv.h"
#include "unit.h"

/* Where the launcher and the policy appear inside every container. */
#define CTR_LAUNCH_PATH "/run/volt/launch"
#define CTR_POLICY_PATH "/run/volt/policy.json"
/* Files of ROOT/containers/NAME (docs/ctr-state.md). */
#define CTR_POLICY_FILE "policy.json"
#define CTR_RUN_FILE "run.pid"

struct volt_ctr {
	char *root;         /* the state root */
	char *containers;   /* ROOT/containers */
	char *bases;        /* ROOT/ctr-bases: shared read-only image bases */
	unsigned json_sync; /* VOLT_JSON_NO_SYNC after volt_ctr_set_durable(false), else 0 */
	char *created;      /* the container this handle made last: it has never had a unit */
};

/* container.c: whether @name is the container this handle has just made. */
bool ctr_created_here(const volt_ctr *ctr, const char *name);

/* One container's record: its spec as stored, and its paths. */
typedef struct ctr_record {
	char *name;
	json_t *config;     /* config.json */
	char *dir;          /* ROOT/containers/NAME */
	char *upper, *work, *rootfs, *policy, *run_file, *base;
	/* ROOT/containers/NAME as opened by ctr_record_load(), never through
	 * a link (common/record.h); dir_open false before, and after
	 * ctr_record_paths() alone (a zeroed record owns no fd). */
	int dir_fd;
	bool dir_open;
} ctr_record;

/* record.c */
int ctr_record_paths(ctr_record *rec, const volt_ctr *ctr, const char *name);
int ctr_record_load(ctr_record *rec, const volt_ctr *ctr, const char *name);
void ctr_record_done(ctr_record *rec);
/* A file of a loaded record's directory, under its fd (common_record_read/_write:
 * never a link or a FIFO; written atomically, not durable); and its removal. */
int ctr_record_read(char **out, size_t *out_len, const ctr_record *rec, const char *file, size_t max);
int ctr_record_write(const ctr_record *rec, const char *file, const void *data, size_t len);
void ctr_record_unlink(const ctr_record *rec, const char *file);
bool ctr_record_has(const ctr_record *rec, const char *file);
int ctr_unit_name(char *buf, size_t size, const char *name);
/* The last foreground run, from state.json (known false when none). */
typedef struct ctr_state {
	bool known, exited, oom_killed;
	int exit_status;
	uint64_t started_ns, finished_ns;   /* CLOCK_REALTIME; 0: unknown */
} ctr_state;
int ctr_state_load(const ctr_record *rec, ctr_state *out);
/* The run that started at @started_ns has ended now with @exit_status
 * (@oom_killed: the OOM killer killed in it, past its memory limit). */
int ctr_state_record(const ctr_record *rec, int exit_status, bool oom_killed, uint64_t started_ns);
uint64_t ctr_now_ns(void);   /* CLOCK_REALTIME */
/* A unit started: its state is systemd's from now on. */
void ctr_state_clear(const ctr_record *rec);

/* logs.c: a foreground run's output, kept under the container's directory */
typedef struct ctr_log ctr_log;
int ctr_log_open(ctr_log **out, const ctr_record *rec);
void ctr_log_write(ctr_log *log, const void *data, size_t len);
void ctr_log_close(ctr_log *log);

/* cgroup.c: a foreground run's resource limits */
typedef struct ctr_cgroup ctr_cgroup;
/* Make the run's cgroups with the record's limits (none: *@out NULL). */
int ctr_cgroup_prepare(ctr_cgroup **out, const ctr_record *rec);
/* In the child: move the calling process in. -errno on failure. */
int ctr_cgroup_enter(const ctr_cgroup *cg);
/* After the run: remove the cgroups; true if the memory limit made the OOM killer kill. */
bool ctr_cgroup_done(ctr_cgroup *cg);

/* spec.c: the spec as stored in config.json */
int ctr_spec_to_json(json_t **out, const char *name, const volt_ctr_spec *spec, const char *base);
/* A restart policy (see volt_ctr_set_restart()) into @o as "restart" and "restart_max". */
int ctr_restart_to_json(json_t *o, const char *restart);

/* image-config.c: an OCI image's config applied to a spec */
struct volt_img_image;
struct ctr_image_config {
	struct volt_img_image *img;
	char root_hex[65];          /* the image's tree, which the base is made of */
	const char **argv, **env;   /* point into the image or the spec */
	char *user;
	json_t *record;             /* "image_config" of config.json */
};
/* 1 and @eff (a copy of @spec completed from the image) when spec->image
 * names an OCI image record; 0 (and @eff = *@spec) when it does not. */
int ctr_image_config_apply(const volt_ctr *ctr, const volt_ctr_spec *spec, volt_ctr_spec *eff,
			   struct ctr_image_config *ic);
void ctr_image_config_clear(struct ctr_image_config *ic);

/* container.c: may a policy rule (or a volume) name @path; is @path @dir or below it */
bool ctr_path_grantable(const char *path);
bool ctr_path_within(const char *path, const char *dir);

/* image-volumes.c: an OCI image's anonymous volumes (config "Volumes").
 * _add appends them to config.json's "volumes" (before the policy is
 * written); _make creates their directories once the record's exists. */
int ctr_image_volumes_add(json_t *config, const ctr_record *rec, const struct ctr_image_config *ic);
int ctr_image_volumes_make(json_t *volumes, const ctr_record *rec, const char *base);

/* base.c: shared, uid-shifted copies of image trees */
int ctr_base_prepare(const volt_ctr *ctr, const char *rootfs, char **out_base);
/* What nspawn needs of a tree being made a base (an empty /usr). */
int ctr_base_complete(const char *base);
/* base-image.c: @out_root receives the image's tree hash in hex */
int ctr_base_prepare_image(const volt_ctr *ctr, const char *image, char **out_base, char **out_root);
/* Where the built-in image's tar file is (VOLT_IMAGES_DIR overrides it). */
const char *ctr_images_dir(void);

/* Private networks: common/netalloc.c (common_net_lease_for()), shared with VMs. */
/* network.c: write the container's resolv.conf; @out_path receives its path. */
int ctr_net_resolv_conf(const ctr_record *rec, char **out_path);


/* nspawn.c */
int ctr_nspawn_argv(const ctr_record *rec, bool interactive, const char *resolv, char ***out);
/* The unit's (or foreground child's) command: the launcher's host side, then nspawn. */
int ctr_host_argv(const ctr_record *rec, bool interactive, char ***out);
int ctr_overlay_options(const ctr_record *rec, char **out);
const char *ctr_launcher_path(void);
const char *ctr_nspawn_path(void);

/* systemd.c; the rest of the unit work is common/unit.c, shared with VMs */
typedef common_unit_status ctr_unit_status;
int ctr_unit_start(const ctr_record *rec);
/* Warn about each limit in @limits (config.json's) that the host's cgroups cannot enforce. */
void ctr_limits_warn(const json_t *limits, const char *name);
/* Remove container @name's boot unit, if any (volt_ctr_disable() without its checks). */
int ctr_unit_disable(const char *name);

/* run.c: foreground containers' pid file. @out is 0 when the container
 * does not run in the foreground (the file is missing, stale, or names a
 * process that is not this container's nspawn). */
int ctr_run_pid(const ctr_record *rec, pid_t *out);
int ctr_user_env_vars(const json_t *env, char **out);
/* The same, with a pidfd of the checked process in @out_pidfd (-1 with
 * @out 0), which the caller closes. */
int ctr_run_pidfd(const ctr_record *rec, pid_t *out, int *out_pidfd);
void ctr_signal_descendants(pid_t pid, int sig);
/* volt_ctr_run_console(); with @learn_fd >= 0 the launcher learns instead
 * of sandboxing and writes the policy to @learn_fd (learn.c). */
int ctr_run_foreground(volt_ctr *ctr, const char *name, volt_ctr_console console, int learn_fd, int *exit_status);

/* learn.c: the launcher's --learn-fd=3 in a host command line (the run's
 * supervise() passes SIGINT, SIGTERM and SIGHUP on to the learner). */
int ctr_learn_argv(char ***argv);

/* image-policy.c: the policy attached to the image of tree @tree_hex, as
 * a path in *@out (0), or *@out NULL (0) when none is attached. */
int ctr_image_policy_find(const volt_ctr *ctr, const char *tree_hex, char **out);

/* String vectors: common/strv.h (_cleanup_strv_), freed with volt_strv_free(). */

static inline void ctr_record_donep(ctr_record *rec)
{
	ctr_record_done(rec);
}
#define _cleanup_record_ __attribute__((cleanup(ctr_record_donep)))

#endif
