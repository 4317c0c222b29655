/*
 * containerd-shim-volt-v2: what its parts share. One shim serves one
 * containerd task (a container and the processes exec'd in it); each
 * process runs in a "runner", a child of the shim that calls libvolt-ctr
 * (volt_ctr_run_console() for the task's own process, volt_ctr_exec_with_options()
 * for an exec) with the process's stdio FIFOs as its standard streams,
 * and exits with the workload's exit status.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <volt/core.h>
#include <volt/ctr.h>

/* What containerd told the shim on its command line. */
typedef struct shim_args {
	const char *namespace;
	const char *address;         /* containerd's gRPC socket */
	const char *publish_binary;  /* containerd itself, for "publish" */
	const char *id;
	const char *bundle;          /* delete: -bundle; else the working directory */
	bool debug;
} shim_args;

typedef enum shim_status {
	SHIM_CREATED = 1,  /* containerd.v1.types.Status's values */
	SHIM_RUNNING = 2,
	SHIM_STOPPED = 3,
} shim_status;

/* A Wait whose answer waits for a process to end. */
typedef struct shim_waiter {
	int conn;           /* the connection's slot */
	uint64_t conn_gen;  /* which connection of that slot */
	uint32_t stream_id;
	struct shim_waiter *next;
} shim_waiter;

/* An exec's process (the OCI "process" object, as JSON). */
typedef struct shim_exec_spec {
	char **argv, **env;
	bool has_env;              /* env is all of its environment (even empty) */
	char *cwd, *user;          /* NULL: the container's; user "uid:gid" or a name */
	bool terminal;
} shim_exec_spec;

typedef struct shim_proc {
	char *exec_id;             /* NULL for the task's own process */
	char *stdin_path, *stdout_path, *stderr_path;
	bool terminal;
	shim_exec_spec exec;       /* an exec's command, env, cwd and user */
	int pty_master;            /* with a terminal, once started; else -1 */
	pid_t pid;                 /* the runner, once started */
	pid_t stdin_relay;         /* copies the stdin FIFO into the runner's stdin pipe; 0: none */
	int stdin_pipe;            /* the read end, between forks only; else -1 */
	shim_status status;
	bool killed;               /* Kill sent it SIGKILL: it ends with 137, whatever nspawn says */
	uint32_t exit_status;
	uint64_t exited_ns;        /* CLOCK_REALTIME */
	shim_waiter *waiters;
	struct shim_proc *next;
} shim_proc;

typedef struct shim_task {
	char *id;
	char *bundle;
	char *rootfs;              /* BUNDLE/rootfs */
	bool rootfs_mounted;       /* the shim mounted it, and unmounts it */
	char name[VOLT_WORKLOAD_NAME_MAX + 1];  /* of the Volt container */
	volt_ctr *ctr;
	char *cgroup;              /* the task's own cgroup (freeze.c), or NULL */
	bool paused;
	struct volt_vm *vm;        /* io.volt.runtime=vm: the task is VM @name (vm.c); else NULL */
	shim_proc *procs;          /* the task's own first */
} shim_task;

typedef struct shim {
	shim_args args;
	char *root;                /* Volt's state root */
	shim_task *task;           /* NULL before Create and after Delete */
	bool exiting;              /* Shutdown: stop once the answers are out */
} shim;

/* The Volt container's name for task @id of @ns (the same in every shim: start, delete). */
void shim_container_name(char out[VOLT_WORKLOAD_NAME_MAX + 1], const char *ns, const char *id);

/* The ttrpc task service: answer one request. */
typedef struct shim_reply {
	int code;                  /* TTRPC_* */
	char *message;             /* malloc()ed, or NULL */
	uint8_t *payload;          /* malloc()ed, or NULL */
	size_t payload_len;
	bool deferred;             /* a Wait that is answered later (shim_waiter) */
} shim_reply;

void shim_reply_clear(shim_reply *reply);
/*
 * Dispatch a request for @service/@method; a Wait on a running process
 * registers a waiter for (@conn, @conn_gen, @stream_id) and comes back
 * deferred. @s may be NULL (the fuzz target): then only the request is
 * decoded and refused.
 */
void shim_dispatch(shim *s, const char *service, const char *method, const uint8_t *payload, size_t len, int conn,
		   uint64_t conn_gen, uint32_t stream_id, shim_reply *out);
/* A runner ended: record its end, publish TaskExit, answer its waiters. */
void shim_task_reaped(shim *s, pid_t pid, int wstatus);
/* Whether any process of the task still runs. */
bool shim_task_running(const shim *s);

/* The server loop (server.c): serves @listen_fd until Shutdown. */
int shim_serve(shim *s, int listen_fd);
/* In a runner: close the server's sockets, which are the shim's alone. */
void shim_server_close_fds(void);
/* Send a response frame from the service to a connection, if it is still there. */
void shim_server_send(int conn, uint64_t conn_gen, uint32_t stream_id, int code, const char *message,
		      const uint8_t *payload, size_t len);

/* Runners (runner.c). Return the runner's pid, or a negative errno. */
pid_t shim_runner_start(shim *s, shim_proc *p);
/* CloseIO, or the process ended: its stdin reaches its end. */
void shim_runner_close_stdin(shim_proc *p);

/*
 * Signals straight to the container's side (signal.c): to the command
 * below exec runner @runner, or (@runner the task's own runner) to every
 * process in the container's PID namespace, the execs' first. -ESRCH
 * when it is not in the container (yet, or any more).
 */
int shim_signal_exec(pid_t runner, int sig);
int shim_signal_all(pid_t runner, int sig);

/* Bundles (bundle.c). */
typedef struct shim_bundle_spec shim_bundle_spec;

struct shim_bundle_spec {
	char **argv, **env;
	char *cwd, *user, *hostname;
	bool terminal;
	bool own_network;          /* the spec asks for a network namespace */
	char *runtime;             /* the annotation io.volt.runtime, or NULL */
};

int shim_bundle_spec_load(shim_bundle_spec *out, const char *bundle);
void shim_bundle_spec_clear(shim_bundle_spec *spec);
/* An exec's process (the OCI "process" object, as JSON): shim_exec_spec. */
int shim_exec_spec_parse(shim_exec_spec *out, const uint8_t *json, size_t len);
void shim_exec_spec_clear(shim_exec_spec *spec);
void shim_strv_free(char **v);
int shim_rootfs_mount(const char *target, const char *type, const char *source, char *const *options, size_t n);
int shim_rootfs_unmount(const char *target);

/* io.volt.runtime=vm (vm.c): the rootfs imported and VM @t->name created; run; removed. */
int shim_vm_create(shim_task *t, const char *root, const shim_bundle_spec *bs);
int shim_vm_run(int *out_status, shim_task *t);
int shim_vm_remove(shim_task *t);

/* The task's cgroup (freeze.c): made at Start, entered by its runner, frozen at Pause, removed at Delete. */
int shim_cgroup_create(shim_task *t);
int shim_cgroup_enter(const shim_task *t);
int shim_cgroup_freeze(const shim_task *t, bool frozen);
void shim_cgroup_remove(shim_task *t);

/* Events (publish.c): queued, sent one at a time through the publish binary. */
void shim_publish(shim *s, const char *topic, const char *type_url, const uint8_t *event, size_t len);
/* A child ended: if it was a publisher, start the next; returns true if it was one. */
bool shim_publish_reaped(shim *s, pid_t pid);
bool shim_publish_idle(void);

/* Logging to containerd's shim log (stderr). */
void shim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t shim_now_ns(void);
