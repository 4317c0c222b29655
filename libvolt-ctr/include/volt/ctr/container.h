/*
 * Containers.
 *
 * A container is a directory under STATE_ROOT/containers/NAME holding its
 * spec (config.json), its writable layer (upper/, work/) and its sandbox
 * policy; its root file system is an overlay of that layer on a shared,
 * read-only base of its image. It runs as systemd-nspawn, either as a
 * transient systemd unit "volt-container-NAME.service" (volt_ctr_start())
 * or as a child of the caller (volt_ctr_run()). Inside, a small static
 * launcher applies the libvolt-sec policy just before it executes the
 * workload, so that Landlock paths are paths inside the container.
 *
 * Root inside a container is mapped to an unprivileged range of host
 * uids (VOLT_CTR_UID_BASE and up), with the image's files shifted into it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CTR_CONTAINER_H
#define VOLT_CTR_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/* Host uid (and gid) that root inside every container maps to, and the range size. */
#define VOLT_CTR_UID_BASE 524288u
#define VOLT_CTR_UID_COUNT 65536u

/* The built-in image, shipped with Volt and imported on first use. */
#define VOLT_CTR_DEFAULT_IMAGE "busybox"

/** A handle on the containers of one state root. */
typedef struct volt_ctr volt_ctr;

/**
 * Open the containers of the state root @root (an absolute path, e.g.
 * from volt_root_resolve()). Nothing is created until it is needed.
 *
 * @param out  on success, a handle the caller frees with volt_ctr_close().
 * @return 0; -EINVAL for a relative or malformed root; -ENOMEM.
 */
VOLT_API int volt_ctr_open(volt_ctr **out, const char *root);

/** Close @ctr (NULL is fine). Returns NULL. */
VOLT_API volt_ctr *volt_ctr_close(volt_ctr *ctr);

/**
 * Whether the state @ctr writes (a container's config.json and
 * policy.json) is made durable, with an fsync of each file and of its
 * directory: the default. A caller whose containers last only while it
 * runs, and are removed after (`volt run --rm`), turns it off to save
 * that disk work at every start; writes stay atomic. After a crash of
 * the host such a container's record may be empty.
 *
 * @return 0; -EINVAL for a NULL @ctr.
 */
VOLT_API int volt_ctr_set_durable(volt_ctr *ctr, bool durable);

/**
 * True if PID 1 is systemd with a reachable system bus: the unit
 * commands (start, stop, logs) need it; volt_ctr_run() does not.
 */
VOLT_API bool volt_ctr_have_systemd(void);

typedef enum volt_ctr_network {
	VOLT_CTR_NETWORK_NONE = 0,    /* own network namespace with only loopback */
	VOLT_CTR_NETWORK_HOST = 1,    /* the host's network */
	/*
	 * Own network namespace with a veth pair: "host0" inside, "voltN" on
	 * the host, a /30 of VOLT_CTR_NETWORK_PREFIX for the two ends (the
	 * host end is the container's default gateway).
	 */
	VOLT_CTR_NETWORK_PRIVATE = 2,
} volt_ctr_network;

/* Private networks are /30s carved from this /16. */
#define VOLT_CTR_NETWORK_PREFIX "10.213.0.0/16"

/** What a container runs, and with what. Strings are copied. */
typedef struct volt_ctr_spec {
	unsigned int version;          /* VOLT_CTR_SPEC_VERSION */
	/*
	 * The image, one of two kinds:
	 * - @image: a Stellarium reference (tag or 64-digit hash) of a tree
	 *   in the store STATE_ROOT/cas. VOLT_CTR_DEFAULT_IMAGE names the
	 *   built-in busybox image, imported into the store on first use.
	 * - @rootfs: a directory holding an OS tree.
	 * Either way it becomes a read-only base shared by every container of
	 * that image, shifted to the container uid range.
	 */
	const char *image;
	const char *rootfs;
	const char *const *argv;       /* NULL-terminated; NULL or empty: /bin/sh */
	const char *const *env;        /* NULL-terminated "NAME=VALUE" list, or NULL */
	const char *workdir;           /* absolute, inside the container; NULL: / */
	const char *hostname;          /* NULL: the container name */
	const char *user;              /* user name or uid inside; NULL: root */
	const char *const *volumes;    /* "HOST:CONTAINER[:ro|rw][,idmap|,U]", NULL-terminated, or NULL */
	volt_ctr_network network;
	/*
	 * Published ports, "[IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]",
	 * NULL-terminated, or NULL: connections (UDP datagrams) to HOSTPORT
	 * on the host's address IP (default every one) are relayed to the
	 * container's address. Needs VOLT_CTR_NETWORK_PRIVATE.
	 */
	const char *const *ports;
	/* Resource limits, set as properties of the container's unit; 0: none. */
	uint64_t memory_max;           /* bytes */
	uint64_t tasks_max;
	uint32_t cpu_quota_percent;    /* 100 = one CPU */
	uint32_t io_weight;            /* 1..10000 */
	/*
	 * The sandbox policy file (see volt-policy(5)). NULL: the policy
	 * attached to the image (volt_ctr_image_policy_attach()), else the
	 * container default; VOLT_CTR_POLICY_DEFAULT: the container default
	 * even when the image has one attached.
	 */
	const char *policy_file;
	bool policy_strict;            /* refuse to run if a policy part cannot be enforced */
} volt_ctr_spec;

/* As policy_file: the container default, not the image's attached policy (a file named so: "./default"). */
#define VOLT_CTR_POLICY_DEFAULT "default"

#define VOLT_CTR_SPEC_VERSION 1
#define VOLT_CTR_SPEC_INIT { .version = VOLT_CTR_SPEC_VERSION }

/**
 * Create container @name from @spec: validate everything, prepare the
 * shared base and the writable layer, and record the spec. Nothing runs.
 * On failure nothing of the container is left behind.
 *
 * @return 0; -EEXIST if @name exists; -EINVAL for a bad name, spec,
 *         volume or policy (the message names it); -ENOENT for an unknown
 *         image, a missing rootfs or volume source; -EBADMSG for a corrupt
 *         image in the store; other errors from the file system.
 */
VOLT_API int volt_ctr_create(volt_ctr *ctr, const char *name, const volt_ctr_spec *spec);

/**
 * Set the DNS servers of container @name, which has a private network
 * (VOLT_CTR_NETWORK_PRIVATE): @servers, NULL-terminated IPv4 addresses
 * (at most 3, none a loopback address), become its /etc/resolv.conf at
 * each start. NULL or empty: the host's own servers where the container
 * can reach them (see docs/ctr-network.md). Takes effect at the next start.
 *
 * @return 0; -ENOENT for an unknown container; -EINVAL for a bad address,
 *         too many, or a container without a private network.
 */
VOLT_API int volt_ctr_set_dns(volt_ctr *ctr, const char *name, const char *const *servers);

/**
 * Remove container @name: its writable layer and its state, nothing of
 * its image. A running container is refused unless @force, which stops
 * it first (SIGKILL).
 *
 * @return 0; -ENOENT; -EBUSY when running and not @force.
 */
VOLT_API int volt_ctr_remove(volt_ctr *ctr, const char *name, bool force);

/**
 * Start container @name as the transient unit volt-container-NAME.service
 * and return once systemd has started it.
 *
 * @return 0; -ENOENT; -EALREADY when running; -EOPNOTSUPP without systemd
 *         (see volt_ctr_have_systemd()); errors from systemd, with its
 *         message.
 */
VOLT_API int volt_ctr_start(volt_ctr *ctr, const char *name);

/**
 * Set what systemd does when the workload of container @name's unit
 * ends (the unit's Restart=), from its next start on. @policy: NULL or
 * "no" (the default of a new container): nothing; "on-failure": start it
 * again 0.5 s after a non-zero exit status or a signal; "on-failure:N":
 * the same, N times at most (1..1000000); "always": also after exit
 * status 0. Never after volt_ctr_stop(). Recorded in config.json
 * ("restart", "restart_max").
 *
 * @return 0; -ENOENT; -EINVAL for an unknown policy.
 */
VOLT_API int volt_ctr_set_restart(volt_ctr *ctr, const char *name, const char *policy);

/**
 * Make container @name start when the host boots: the unit file
 * /etc/systemd/system/volt-boot-NAME.service, wanted by
 * multi-user.target and enabled, runs "@program --root ROOT container
 * start NAME" (@program: the absolute path of volt), so that a boot
 * starts the container as volt_ctr_start() does. Written atomically;
 * enabling again rewrites it. volt_ctr_remove() removes it.
 *
 * @return 0; -ENOENT; -EOPNOTSUPP without systemd; errors from the file
 *         system or systemd.
 */
VOLT_API int volt_ctr_enable(volt_ctr *ctr, const char *name, const char *program);

/**
 * Undo volt_ctr_enable(): disable and remove the boot unit of @name.
 * A running container goes on running.
 *
 * @return 1; 0 if it was not enabled; errors from systemd.
 */
VOLT_API int volt_ctr_disable(volt_ctr *ctr, const char *name);

/**
 * Stop container @name: SIGTERM to its workload, SIGKILL after
 * @timeout_ns. Works for unit-started and foreground containers.
 *
 * @return 0; -ENOENT; -ESRCH when it is not running.
 */
VOLT_API int volt_ctr_stop(volt_ctr *ctr, const char *name, uint64_t timeout_ns);

/**
 * Run container @name in the foreground, as a child of the calling
 * process (no systemd needed), with standard input inherited. Returns
 * when the workload exits. A container may run this way any number of
 * times (its writable layer and volumes stay between runs).
 *
 * Except with an interactive console, the workload's standard output and
 * error are pipes: the caller's thread copies them to its own standard
 * output and error and to the container's log (see volt_ctr_logs()).
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to the caller meanwhile are
 * blocked in the calling thread and passed on to the workload's
 * processes; SIGPIPE is ignored. The end (exit status, start and end
 * times) is recorded for volt_ctr_list() and volt_ctr_inspect(). The
 * spec's limits apply through cgroups of the run's own below the
 * caller's; a limit no controller here can enforce is logged as a
 * warning, and the run goes on without it.
 *
 * @param exit_status  on success, the workload's exit code (128+N when
 *                     killed by signal N, e.g. 137 for SIGKILL and for the
 *                     OOM killer past the memory limit).
 * @return 0; -ENOENT; -EALREADY when running; errors starting nspawn.
 */
VOLT_API int volt_ctr_run(int *exit_status, volt_ctr *ctr, const char *name);

/** How a foreground container's standard streams reach its workload. */
typedef enum volt_ctr_console {
	/* INTERACTIVE when the caller's stdin and stdout are terminals, else PIPE. */
	VOLT_CTR_CONSOLE_AUTO = 0,
	/* The caller's stdin, stdout and stderr, as they are (no terminal of its own). */
	VOLT_CTR_CONSOLE_PIPE = 1,
	/* A new pseudo-terminal, relayed to and from the caller's stdin and stdout. */
	VOLT_CTR_CONSOLE_INTERACTIVE = 2,
	/* A new pseudo-terminal whose output is relayed; no input is read. */
	VOLT_CTR_CONSOLE_READ_ONLY = 3,
} volt_ctr_console;

/**
 * volt_ctr_run() with the console chosen by the caller (nspawn's
 * --console=pipe, interactive or read-only) instead of guessed.
 *
 * @return as volt_ctr_run(); -EINVAL for an unknown @console.
 */
VOLT_API int volt_ctr_run_console(int *exit_status, volt_ctr *ctr, const char *name, volt_ctr_console console);

/**
 * Run @argv inside the running container @name: in its namespaces, as
 * its user, under its sandbox policy, in a new session. When the caller's
 * standard input and output are a terminal, the command gets a new pty
 * as its controlling terminal, relayed to the caller's (which is in raw
 * mode meanwhile, its window size passed on); otherwise the standard
 * streams are inherited and the command has no controlling terminal.
 * The launcher and the policy are opened on the host, before entering the
 * container. SIGINT, SIGQUIT, SIGTERM and SIGHUP sent to the caller are
 * passed on to the command.
 *
 * @param exit_status  on success, the command's exit code (128+N for signal N).
 * @return 0; -ENOENT; -ESRCH when not running; -EINVAL for an empty argv.
 */
VOLT_API int volt_ctr_exec(int *exit_status, volt_ctr *ctr, const char *name, char *const argv[]);

/** How volt_ctr_exec_with_options() runs its command. Strings are not kept. */
typedef struct volt_ctr_exec_options {
	unsigned int version;          /* VOLT_CTR_EXEC_OPTIONS_VERSION */
	/*
	 * "NAME=VALUE" entries, NULL-terminated, or NULL: added to the
	 * container's environment, replacing a variable of the same name
	 * (with VOLT_CTR_EXEC_ENV_ONLY: the command's whole environment).
	 */
	const char *const *env;
	const char *workdir;           /* absolute, inside the container; NULL: the container's */
	const char *user;              /* user name, UID or UID:GID inside; NULL: the container's */
	unsigned int flags;            /* VOLT_CTR_EXEC_* */
} volt_ctr_exec_options;

/* @env is all of the command's environment (an OCI exec process), not an addition. */
#define VOLT_CTR_EXEC_ENV_ONLY (1u << 0)

#define VOLT_CTR_EXEC_OPTIONS_VERSION 1
#define VOLT_CTR_EXEC_OPTIONS_INIT { .version = VOLT_CTR_EXEC_OPTIONS_VERSION }

/**
 * volt_ctr_exec() with the command's environment, working directory and
 * user given by the caller (@opts NULL: the container's, as
 * volt_ctr_exec()). The user is resolved in the container's /etc/passwd
 * by the launcher, inside the container; the working directory is
 * entered as the container's root before the user switch, and one that
 * does not exist fails the exec (no fallback to /).
 *
 * @return as volt_ctr_exec(); -EINVAL for an unsupported @opts version, an
 *         env entry without "NAME=", a relative workdir or an empty user.
 * @since 0.4
 */
VOLT_API int volt_ctr_exec_with_options(int *exit_status, volt_ctr *ctr, const char *name, char *const argv[],
					const volt_ctr_exec_options *opts);

/**
 * Run container @name in the foreground as volt_ctr_run_console() does,
 * but with its workload observed instead of sandboxed, and return the
 * least-privilege policy learned from that run (docs/sec-learn.md): the
 * launcher inside the container traces the workload with ptrace
 * (volt_sec_learn_run()), so the policy's paths are the container's own.
 * The workload runs without the container's policy (in its namespaces,
 * as its user): learn only from a trusted run. The first SIGINT, SIGTERM
 * or SIGHUP the caller gets is passed on to the workload, and the policy
 * is built when it has ended; a second one kills it, and what was learned
 * so far is returned. What the container hands back is validated like a
 * policy file (volt_sec_policy_parse()) before it is returned.
 *
 * @param exit_status  on success, the workload's exit code (128+N for signal N).
 * @param out          on success, the policy as JSON (volt-policy(5)), a new
 *                     reference the caller json_decref()s.
 * @return as volt_ctr_run_console(); -ENODATA when the container gave
 *         back no policy; -EINVAL or -EFBIG for a policy that does not
 *         validate.
 * @since 0.3
 */
VOLT_API int volt_ctr_learn(json_t **out, int *exit_status, volt_ctr *ctr, const char *name,
			    volt_ctr_console console);

/**
 * Attach @policy (volt-policy(5) as JSON, e.g. from volt_ctr_learn() or
 * volt_json_load_file()) to @image (a name of 'volt image ls', a
 * Stellarium ref or hash): containers of that image created without a
 * policy (volt_ctr_spec.policy_file NULL) get it instead of the container
 * default. It is parsed and validated like a file, and Volt stores its own
 * serialisation under the state root, keyed by the image's tree (every
 * name of that content shares it); it replaces an earlier one. Nothing of
 * it lives in the image.
 *
 * @return 0; -ENOENT for an unknown image; -EINVAL for a policy that does
 *         not validate; errors writing the state root.
 * @since 0.3
 */
VOLT_API int volt_ctr_image_policy_attach(volt_ctr *ctr, const char *image, const json_t *policy);

/**
 * Remove the policy attached to @image.
 *
 * @return 0; -ENOENT when the image is unknown or has none attached.
 * @since 0.3
 */
VOLT_API int volt_ctr_image_policy_detach(volt_ctr *ctr, const char *image);

/**
 * The policy attached to @image, validated.
 *
 * @param out  on success, the policy as JSON, a new reference the caller json_decref()s.
 * @return 0; -ENOENT when the image is unknown or has none attached;
 *         -EPERM when the stored file is not one Volt wrote (a link, another
 *         owner, writable by others); -EINVAL when it does not validate.
 * @since 0.3
 */
VOLT_API int volt_ctr_image_policy_get(json_t **out, volt_ctr *ctr, const char *image);

/** States in words, as volt_ctr_state_to_string() names them. */
typedef enum volt_ctr_state {
	VOLT_CTR_CREATED = 0,  /* never ran (or its unit was stopped and is gone) */
	VOLT_CTR_RUNNING = 1,
	VOLT_CTR_EXITED = 2,   /* the workload ended (a foreground run, or a unit); the exit code is known */
	VOLT_CTR_FAILED = 3,   /* the unit failed */
} volt_ctr_state;

/** "created", "running", "exited", "failed" or "unknown". Never NULL. */
VOLT_API const char *volt_ctr_state_to_string(volt_ctr_state state);

/**
 * One line of a listing. Its size is not part of the ABI: a later
 * version may add fields at the end, so a program only ever holds
 * pointers to it, which volt_ctr_list() returns.
 */
typedef struct volt_ctr_info {
	char *name;
	char *image;            /* the rootfs the container came from */
	volt_ctr_state state;
	int exit_status;        /* valid when EXITED */
	pid_t main_pid;         /* nspawn's pid when running, else 0 */
	uint64_t started_ns;    /* CLOCK_REALTIME of the start when running, else 0 */
	uint64_t memory_bytes;  /* current memory of the unit; UINT64_MAX if unknown */
	bool unit;              /* runs as a systemd unit (else in the foreground) */
} volt_ctr_info;

/**
 * List every container, sorted by name.
 *
 * @param out    on success, a NULL-terminated array of pointers the caller
 *               frees with volt_ctr_info_list_free().
 * @param out_n  if not NULL, its length.
 */
VOLT_API int volt_ctr_list(volt_ctr_info ***out, size_t *out_n, volt_ctr *ctr);

/** Free an array from volt_ctr_list() and what it points to (NULL is fine). Returns NULL. */
VOLT_API volt_ctr_info **volt_ctr_info_list_free(volt_ctr_info **list);

/**
 * Everything known of container @name as a JSON object: its spec, its
 * paths, its unit, and its live state.
 *
 * @param out  on success, a new reference the caller json_decref()s.
 * @return 0; -ENOENT.
 */
VOLT_API int volt_ctr_inspect(json_t **out, volt_ctr *ctr, const char *name);

/**
 * Write the output of container @name to @fd: the journal of its unit,
 * one line per message, or, when it has no unit, the log of its
 * foreground runs (their standard output and error as they came, the
 * last 1 to 2 MiB of it). The last @lines (0: all), then, if @follow,
 * new ones as they come until the container stops or the caller is
 * interrupted.
 *
 * @return 0; -ENOENT for no such container, or one without a unit that
 *         never ran in the foreground and no systemd here.
 */
VOLT_API int volt_ctr_logs(volt_ctr *ctr, const char *name, int fd, unsigned lines, bool follow);

VOLT_END_DECLS

#endif
