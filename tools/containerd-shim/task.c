/*
 * The task service, containerd.task.v2.Task: what each method does
 * (dispatch.c decodes the requests, reply.c packs the answers). The
 * task is a Volt container (volt_ctr_create() from the bundle's rootfs);
 * its process and each exec run in runners (runner.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <volt/cas.h>
#include <volt/core.h>
#include <volt/vm.h>

#include "shared/macro.h"
#include "shim-proto.h"
#include "shim.h"
#include "task.h"
#include "ttrpc.h"

#define EXEC_MAX 1024

void shim_container_name(char out[VOLT_WORKLOAD_NAME_MAX + 1], const char *ns, const char *id)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	/* The prefix keeps them apart from the containers people name themselves. */
	int n = snprintf(out, VOLT_WORKLOAD_NAME_MAX + 1, "containerd-%s-%s", ns, id);

	if (n > 0 && n <= VOLT_WORKLOAD_NAME_MAX && volt_name_is_valid(out))
		return;
	/* An id Volt cannot take as a name ('_', too long): a digest of it. */
	for (const char *p = ns; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
	h = (h ^ 0) * 0x100000001b3ULL;
	for (const char *p = id; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
	snprintf(out, VOLT_WORKLOAD_NAME_MAX + 1, "containerd-%016llx", (unsigned long long)h);
}

static shim_proc *proc_find(shim *s, const char *exec_id)
{
	if (!s->task)
		return NULL;
	for (shim_proc *p = s->task->procs; p; p = p->next)
		if ((!exec_id || !*exec_id) ? !p->exec_id : (p->exec_id && strcmp(p->exec_id, exec_id) == 0))
			return p;
	return NULL;
}

static void proc_free(shim_proc *p)
{
	while (p->waiters) {
		shim_waiter *w = p->waiters;

		p->waiters = w->next;
		free(w);
	}
	if (p->pty_master >= 0)
		close(p->pty_master);
	free(p->exec_id);
	free(p->stdin_path);
	free(p->stdout_path);
	free(p->stderr_path);
	shim_exec_spec_clear(&p->exec);
	free(p);
}

static shim_proc *proc_new(const char *exec_id, const char *in, const char *out, const char *err, bool terminal)
{
	shim_proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pty_master = -1;
	p->stdin_pipe = -1;
	p->terminal = terminal;
	p->status = SHIM_CREATED;
	p->exec_id = exec_id ? strdup(exec_id) : NULL;
	p->stdin_path = strdup(in ? in : "");
	p->stdout_path = strdup(out ? out : "");
	p->stderr_path = strdup(err ? err : "");
	if ((exec_id && !p->exec_id) || !p->stdin_path || !p->stdout_path || !p->stderr_path) {
		proc_free(p);
		return NULL;
	}
	return p;
}

/* Whether the request names this shim's task (containerd sends its id in each). */
static bool task_is(shim *s, const char *id, shim_reply *out)
{
	if (!s->task || !id || strcmp(id, s->task->id) != 0) {
		reply_error(out, TTRPC_NOT_FOUND, "task %s: not found", id ? id : "");
		return false;
	}
	return true;
}

static void task_free(shim_task *t)
{
	while (t->procs) {
		shim_proc *p = t->procs;

		t->procs = p->next;
		proc_free(p);
	}
	volt_ctr_close(t->ctr);
	volt_vm_close(t->vm);
	free(t->id);
	free(t->bundle);
	free(t->rootfs);
	free(t->cgroup);
	free(t);
}

static void publish_msg(shim *s, const char *topic, const char *type, const ProtobufCMessage *msg)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	_cleanup_free_ uint8_t *buf = malloc(n ? n : 1);

	if (!buf)
		return;
	protobuf_c_message_pack(msg, buf);
	shim_publish(s, topic, type, buf, n);
}

/* Undo what Create did: the Volt container, its unused base, the rootfs mount. */
static int task_teardown(shim_task *t, const char *root)
{
	int r = 0;

	if (t->vm) {
		r = shim_vm_remove(t);
		if (r < 0)
			shim_log("remove VM %s: %s", t->name, volt_error_message());
	}
	if (t->ctr) {
		r = volt_ctr_remove(t->ctr, t->name, true);
		if (r == -ENOENT)
			r = 0;
		if (r < 0)
			shim_log("remove container %s: %s", t->name, volt_error_message());
		/* Its base was a copy of this bundle's rootfs, for nobody else. */
		if (volt_cas_bases_gc(NULL, root, 0) < 0)
			shim_log("collect unused bases of %s: %s", root, volt_error_message());
	}
	shim_cgroup_remove(t);
	if (t->rootfs_mounted && shim_rootfs_unmount(t->rootfs) < 0)
		shim_log("unmount %s: %m", t->rootfs);
	t->rootfs_mounted = false;
	return r;
}

/*
 * volt_ctr_create() in a child: the base it makes is held from gc for as
 * long as its creator lives (volt_cas_bases_hold()), and the shim lives as
 * long as the task, so that Delete could not collect it. The child's
 * message comes back through a pipe.
 */
static int create_container(volt_ctr *ctr, const char *name, const volt_ctr_spec *spec)
{
	char msg[1024];
	int fds[2], wstatus, r;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return volt_error_set_errno(errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return volt_error_set_errno(errno, "fork");
	}
	if (pid == 0) {
		close(fds[0]);
		r = volt_ctr_create(ctr, name, spec);
		if (r < 0) {
			const char *m = volt_error_message();

			if (m && write(fds[1], m, strnlen(m, sizeof(msg) - 1)) < 0)
				_exit(255);
		}
		_exit(r < 0 ? (-r & 0xff) : 0);
	}
	close(fds[1]);
	n = read(fds[0], msg, sizeof(msg) - 1);
	close(fds[0]);
	msg[n > 0 ? n : 0] = '\0';
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
		return 0;
	r = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) ? WEXITSTATUS(wstatus) : EIO;
	return volt_error_set(r, "%s", *msg ? msg : strerror(r));
}

void do_create(shim *s, Containerd__Task__V2__CreateTaskRequest *req, shim_reply *out)
{
	Containerd__Task__V2__CreateTaskResponse resp = CONTAINERD__TASK__V2__CREATE_TASK_RESPONSE__INIT;
	Containerd__Events__TaskCreate ev = CONTAINERD__EVENTS__TASK_CREATE__INIT;
	Containerd__Events__TaskIO io = CONTAINERD__EVENTS__TASK_IO__INIT;
	volt_ctr_spec spec = VOLT_CTR_SPEC_INIT;
	shim_bundle_spec bs;
	shim_task *t;
	int r;

	if (s->task) {
		reply_error(out, TTRPC_ALREADY_EXISTS, "task %s already exists in this shim", s->task->id);
		return;
	}
	if (!req->id || strcmp(req->id, s->args.id) != 0 || !req->bundle || req->bundle[0] != '/') {
		reply_error(out, TTRPC_INVALID_ARGUMENT, "create: id %s or bundle %s is not this shim's", req->id,
			    req->bundle);
		return;
	}
	if (req->checkpoint && *req->checkpoint) {
		reply_error(out, TTRPC_UNIMPLEMENTED, "create %s: checkpoints are not supported by Volt", req->id);
		return;
	}
	r = shim_bundle_spec_load(&bs, req->bundle);
	if (r < 0) {
		reply_error(out, TTRPC_INVALID_ARGUMENT, "create %s: bad bundle %s/config.json (see the shim log)",
			    req->id, req->bundle);
		return;
	}
	if (bs.runtime && strcmp(bs.runtime, "container") != 0 && strcmp(bs.runtime, "vm") != 0) {
		reply_error(out, TTRPC_UNIMPLEMENTED, "create %s: io.volt.runtime=%s is not supported yet (only \"container\" and \"vm\")",
			    req->id, bs.runtime);
		shim_bundle_spec_clear(&bs);
		return;
	}
	t = calloc(1, sizeof(*t));
	if (!t || !(t->id = strdup(req->id)) || !(t->bundle = strdup(req->bundle)) ||
	    asprintf(&t->rootfs, "%s/rootfs", req->bundle) < 0) {
		if (t)
			task_free(t);
		shim_bundle_spec_clear(&bs);
		reply_error(out, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	shim_container_name(t->name, s->args.namespace, req->id);
	t->procs = proc_new(NULL, req->stdin, req->stdout, req->stderr, req->terminal || bs.terminal);
	if (!t->procs) {
		r = -ENOMEM;
		goto fail_msg;
	}
	(void)mkdir(t->rootfs, 0711);
	for (size_t i = 0; i < req->n_rootfs; i++) {
		Containerd__Types__Mount *m = req->rootfs[i];

		r = shim_rootfs_mount(t->rootfs, m->type, m->source, m->options, m->n_options);
		if (r < 0) {
			reply_error(out, TTRPC_INTERNAL, "create %s: mount %s (%s) on %s: %s", req->id, m->source,
				    m->type, t->rootfs, strerror(-r));
			goto fail;
		}
		t->rootfs_mounted = true;
	}
	if (bs.runtime && strcmp(bs.runtime, "vm") == 0) {
		r = shim_vm_create(t, s->root, &bs);
		if (r < 0)
			goto fail_volt;
		shim_bundle_spec_clear(&bs);
		s->task = t;
		shim_log("created task %s as Volt VM %s in %s", t->id, t->name, s->root);
		goto created;
	}
	r = volt_ctr_open(&t->ctr, s->root);
	if (r < 0)
		goto fail_volt;
	/* Its record lasts no longer than the task. */
	volt_ctr_set_durable(t->ctr, false);
	/*
	 * One of that name is not removed here: it may be a user's own (a
	 * dead shim's leftover went with containerd's "delete"). volt_ctr_create()
	 * refuses it (EEXIST), naming it.
	 */
	spec.rootfs = t->rootfs;
	spec.argv = (const char *const *)bs.argv;
	spec.env = (const char *const *)bs.env;
	spec.workdir = bs.cwd;
	spec.user = bs.user;
	spec.hostname = bs.hostname;
	spec.network = bs.own_network ? VOLT_CTR_NETWORK_NONE : VOLT_CTR_NETWORK_HOST;
	r = create_container(t->ctr, t->name, &spec);
	if (r < 0)
		goto fail_volt;
	shim_bundle_spec_clear(&bs);
	s->task = t;
	shim_log("created task %s as Volt container %s in %s", t->id, t->name, s->root);
created:
	ev.container_id = t->id;
	ev.bundle = t->bundle;
	ev.n_rootfs = req->n_rootfs;
	ev.rootfs = req->rootfs;
	io.stdin = req->stdin;
	io.stdout = req->stdout;
	io.stderr = req->stderr;
	io.terminal = req->terminal;
	ev.io = &io;
	publish_msg(s, "/tasks/create", "containerd.events.TaskCreate", &ev.base);
	reply_msg(out, &resp.base);
	return;

fail_volt:
	reply_volt(out, r, t->name);
	goto fail;
fail_msg:
	reply_error(out, TTRPC_INTERNAL, "create %s: %s", req->id, strerror(-r));
fail:
	task_teardown(t, s->root);
	task_free(t);
	shim_bundle_spec_clear(&bs);
}

void do_start(shim *s, Containerd__Task__V2__StartRequest *req, shim_reply *out)
{
	Containerd__Task__V2__StartResponse resp = CONTAINERD__TASK__V2__START_RESPONSE__INIT;
	shim_proc *p;
	pid_t pid;
	int r;

	if (!task_is(s, req->id, out))
		return;
	p = proc_find(s, req->exec_id);
	if (!p) {
		reply_error(out, TTRPC_NOT_FOUND, "process %s of task %s: not found", req->exec_id, req->id);
		return;
	}
	if (p->status != SHIM_CREATED) {
		reply_error(out, TTRPC_FAILED_PRECONDITION, "process %s of task %s was started already",
			    p->exec_id ? p->exec_id : "(init)", req->id);
		return;
	}
	if (p->exec_id && s->task->procs->status != SHIM_RUNNING) {
		reply_error(out, TTRPC_FAILED_PRECONDITION, "task %s is not running", req->id);
		return;
	}
	/* A container's (not a VM's) cgroup of its own, for Pause; without one Pause says why. */
	if (!p->exec_id && !s->task->vm && (r = shim_cgroup_create(s->task)) < 0)
		shim_log("task %s: no cgroup of its own (%s): Pause will be refused", req->id, strerror(-r));
	pid = shim_runner_start(s, p);
	if (pid < 0) {
		reply_error(out, TTRPC_INTERNAL, "start %s: %s", req->id, strerror((int)-pid));
		return;
	}
	p->pid = pid;
	p->status = SHIM_RUNNING;
	resp.pid = (uint32_t)pid;
	if (p->exec_id) {
		Containerd__Events__TaskExecStarted ev = CONTAINERD__EVENTS__TASK_EXEC_STARTED__INIT;

		ev.container_id = s->task->id;
		ev.exec_id = p->exec_id;
		ev.pid = (uint32_t)pid;
		publish_msg(s, "/tasks/exec-started", "containerd.events.TaskExecStarted", &ev.base);
	} else {
		Containerd__Events__TaskStart ev = CONTAINERD__EVENTS__TASK_START__INIT;

		ev.container_id = s->task->id;
		ev.pid = (uint32_t)pid;
		publish_msg(s, "/tasks/start", "containerd.events.TaskStart", &ev.base);
	}
	reply_msg(out, &resp.base);
}

void do_state(shim *s, Containerd__Task__V2__StateRequest *req, shim_reply *out)
{
	Containerd__Task__V2__StateResponse resp = CONTAINERD__TASK__V2__STATE_RESPONSE__INIT;
	Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	shim_proc *p;

	if (!task_is(s, req->id, out))
		return;
	p = proc_find(s, req->exec_id);
	if (!p) {
		reply_error(out, TTRPC_NOT_FOUND, "process %s of task %s: not found", req->exec_id, req->id);
		return;
	}
	resp.id = s->task->id;
	resp.bundle = s->task->bundle;
	resp.pid = (uint32_t)p->pid;
	resp.status = (Containerd__V1__Types__Status)p->status;
	if (p->status == SHIM_RUNNING && s->task->paused)
		resp.status = CONTAINERD__V1__TYPES__STATUS__PAUSED;
	resp.stdin = p->stdin_path;
	resp.stdout = p->stdout_path;
	resp.stderr = p->stderr_path;
	resp.terminal = p->terminal;
	resp.exit_status = p->exit_status;
	resp.exec_id = p->exec_id ? p->exec_id : (char *)"";
	if (p->status == SHIM_STOPPED) {
		timestamp_set(&at, p->exited_ns);
		resp.exited_at = &at;
	}
	reply_msg(out, &resp.base);
}

static void wait_answer(shim_proc *p, shim_reply *out)
{
	Containerd__Task__V2__WaitResponse resp = CONTAINERD__TASK__V2__WAIT_RESPONSE__INIT;
	Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;

	resp.exit_status = p->exit_status;
	timestamp_set(&at, p->exited_ns);
	resp.exited_at = &at;
	reply_msg(out, &resp.base);
}

void do_wait(shim *s, Containerd__Task__V2__WaitRequest *req, int conn, uint64_t gen, uint32_t stream,
		    shim_reply *out)
{
	shim_proc *p;
	shim_waiter *w;

	if (!task_is(s, req->id, out))
		return;
	p = proc_find(s, req->exec_id);
	if (!p) {
		reply_error(out, TTRPC_NOT_FOUND, "process %s of task %s: not found", req->exec_id, req->id);
		return;
	}
	if (p->status == SHIM_STOPPED) {
		wait_answer(p, out);
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		reply_error(out, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	*w = (shim_waiter){ .conn = conn, .conn_gen = gen, .stream_id = stream, .next = p->waiters };
	p->waiters = w;
	out->deferred = true;
}

/* Every process below @pid, deepest last, at most @max. */
static size_t descendants(pid_t pid, pid_t *out, size_t n, size_t max)
{
	char path[64];
	FILE *f;
	int child;
	size_t first = n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = fopen(path, "re");
	if (!f)
		return n;
	while (n < max && fscanf(f, "%d", &child) == 1)
		out[n++] = child;
	fclose(f);
	for (size_t i = first, end = n; i < end && n < max; i++)
		n = descendants(out[i], out, n, max);
	return n;
}

/*
 * SIGKILL to @pid and everything below it. They are stopped first, from
 * the top, until no new one turns up: one killed before its children
 * would let them go to a reaper outside the tree.
 */
static void kill_tree(pid_t pid)
{
	pid_t pids[1024];
	size_t n = 0, before;

	kill(pid, SIGSTOP);
	for (int round = 0; round < 20; round++) {
		before = n;
		n = descendants(pid, pids, 0, 1024);
		for (size_t i = 0; i < n; i++)
			kill(pids[i], SIGSTOP);
		if (n == before && round > 0)
			break;
	}
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	kill(pid, SIGKILL);
}

static bool passed_on(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
}

/* SIGKILL to process @p: the whole container for the task's own, the command's tree for an exec. */
static void kill_proc(shim *s, shim_proc *p)
{
	/* The task's own: libvolt-ctr's stop, for a container that is up. */
	int r = p->exec_id || !s->task->ctr ? 0 : volt_ctr_stop(s->task->ctr, s->task->name, 0);

	if (r < 0 && r != -ESRCH)
		shim_log("stop %s: %s", s->task->name, volt_error_message());
	/* And whatever is left below the runner: a container still starting, an exec's command. */
	kill_tree(p->pid);
	p->killed = true;
}

/*
 * Signal @sig to process @p. An exec's command gets any signal directly;
 * the task's own process gets those libvolt-ctr passes on to the workload.
 */
static int signal_proc(shim *s, shim_proc *p, int sig)
{
	/* A VM has no signals of its guest's: any signal ends it (its voltvm). */
	if (sig == SIGKILL || s->task->vm) {
		kill_proc(s, p);
		return 0;
	}
	if (p->exec_id && shim_signal_exec(p->pid, sig) == 0)
		return 0;
	/* The task's own, or an exec still entering the container: along the runner's chain. */
	if (!passed_on(sig))
		return -EINVAL;
	kill(p->pid, sig);
	return 0;
}

/* Kill with all: every process of the task. */
static void kill_all(shim *s, int sig, shim_reply *out)
{
	bool any = false;

	for (shim_proc *p = s->task->procs; p; p = p->next)
		any |= p->status == SHIM_RUNNING;
	if (!any) {
		reply_error(out, TTRPC_NOT_FOUND, "kill %s: no process running", s->task->id);
		return;
	}
	if (sig == SIGKILL || s->task->vm) {
		for (shim_proc *p = s->task->procs; p; p = p->next)
			if (p->status == SHIM_RUNNING)
				kill_proc(s, p);
		reply_empty(out);
		return;
	}
	/* Every process in the container's PID namespace, the execs' and their children too. */
	if (s->task->procs->status == SHIM_RUNNING && shim_signal_all(s->task->procs->pid, sig) == 0) {
		reply_empty(out);
		return;
	}
	/* None is in the container yet: each as a Kill of its own. */
	for (shim_proc *p = s->task->procs; p; p = p->next)
		if (p->status == SHIM_RUNNING && signal_proc(s, p, sig) < 0) {
			reply_error(out, TTRPC_INVALID_ARGUMENT,
				    "kill %s: signal %d is not passed on by Volt to a process not yet started "
				    "(SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGKILL are)",
				    s->task->id, sig);
			return;
		}
	reply_empty(out);
}

void do_kill(shim *s, Containerd__Task__V2__KillRequest *req, shim_reply *out)
{
	shim_proc *p;
	int sig = (int)req->signal;

	if (!task_is(s, req->id, out))
		return;
	if (sig <= 0 || sig >= 65) {
		reply_error(out, TTRPC_INVALID_ARGUMENT, "kill %s: bad signal %d", req->id, sig);
		return;
	}
	if (req->all) {
		kill_all(s, sig, out);
		return;
	}
	p = proc_find(s, req->exec_id);
	if (!p) {
		reply_error(out, TTRPC_NOT_FOUND, "process %s of task %s: not found", req->exec_id, req->id);
		return;
	}
	if (p->status != SHIM_RUNNING) {
		reply_error(out, TTRPC_NOT_FOUND, "kill %s: process not running", req->id);
		return;
	}
	if (signal_proc(s, p, sig) < 0) {
		reply_error(out, TTRPC_INVALID_ARGUMENT,
			    "kill %s: signal %d is not passed on by Volt to the task's own process "
			    "(SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGKILL are; an exec takes any, as does kill --all)",
			    req->id, sig);
		return;
	}
	reply_empty(out);
}

static void delete_answer(shim *s, shim_proc *p, shim_reply *out)
{
	Containerd__Task__V2__DeleteResponse resp = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
	Containerd__Events__TaskDelete ev = CONTAINERD__EVENTS__TASK_DELETE__INIT;
	Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;

	timestamp_set(&at, p->exited_ns ? p->exited_ns : shim_now_ns());
	resp.pid = (uint32_t)p->pid;
	resp.exit_status = p->exit_status;
	resp.exited_at = &at;
	if (!p->exec_id) {
		ev.container_id = s->task->id;
		ev.pid = resp.pid;
		ev.exit_status = resp.exit_status;
		ev.exited_at = &at;
		ev.id = s->task->id;
		publish_msg(s, "/tasks/delete", "containerd.events.TaskDelete", &ev.base);
	}
	reply_msg(out, &resp.base);
}

void do_delete(shim *s, Containerd__Task__V2__DeleteRequest *req, shim_reply *out)
{
	shim_proc *p, **pp;

	if (!task_is(s, req->id, out))
		return;
	p = proc_find(s, req->exec_id);
	if (!p) {
		reply_error(out, TTRPC_NOT_FOUND, "process %s of task %s: not found", req->exec_id, req->id);
		return;
	}
	if (p->status == SHIM_RUNNING) {
		reply_error(out, TTRPC_FAILED_PRECONDITION, "delete %s: process %s is still running", req->id,
			    p->exec_id ? p->exec_id : "(init)");
		return;
	}
	if (p->exec_id) {
		delete_answer(s, p, out);
		for (pp = &s->task->procs; *pp != p; pp = &(*pp)->next)
			;
		*pp = p->next;
		proc_free(p);
		return;
	}
	if (shim_task_running(s)) {
		reply_error(out, TTRPC_FAILED_PRECONDITION, "delete %s: an exec still runs", req->id);
		return;
	}
	task_teardown(s->task, s->root);
	delete_answer(s, p, out);
	task_free(s->task);
	s->task = NULL;
}

void do_pids(shim *s, Containerd__Task__V2__PidsRequest *req, shim_reply *out)
{
	Containerd__Task__V2__PidsResponse resp = CONTAINERD__TASK__V2__PIDS_RESPONSE__INIT;
	Containerd__V1__Types__ProcessInfo infos[256], *ptrs[256];
	pid_t pids[256];
	size_t n = 0;

	if (!task_is(s, req->id, out))
		return;
	for (shim_proc *p = s->task->procs; p && n < 256; p = p->next)
		if (p->status == SHIM_RUNNING) {
			pids[n++] = p->pid;
			n = descendants(p->pid, pids, n, 256);
		}
	for (size_t i = 0; i < n; i++) {
		infos[i] = (Containerd__V1__Types__ProcessInfo)CONTAINERD__V1__TYPES__PROCESS_INFO__INIT;
		infos[i].pid = (uint32_t)pids[i];
		ptrs[i] = &infos[i];
	}
	resp.n_processes = n;
	resp.processes = ptrs;
	reply_msg(out, &resp.base);
}

void do_exec(shim *s, Containerd__Task__V2__ExecProcessRequest *req, shim_reply *out)
{
	Containerd__Events__TaskExecAdded ev = CONTAINERD__EVENTS__TASK_EXEC_ADDED__INIT;
	shim_proc *p, **tail;
	size_t n = 0;
	shim_exec_spec spec;

	if (!task_is(s, req->id, out))
		return;
	if (s->task->vm) {
		reply_error(out, TTRPC_UNIMPLEMENTED, "exec %s: task %s is a VM (io.volt.runtime=vm): no exec into it",
			    req->exec_id, req->id);
		return;
	}
	if (!req->exec_id || !*req->exec_id || strlen(req->exec_id) > 128) {
		reply_error(out, TTRPC_INVALID_ARGUMENT, "exec %s: bad exec id", req->id);
		return;
	}
	if (proc_find(s, req->exec_id)) {
		reply_error(out, TTRPC_ALREADY_EXISTS, "exec %s of task %s exists", req->exec_id, req->id);
		return;
	}
	for (p = s->task->procs; p; p = p->next)
		n++;
	if (n > EXEC_MAX) {
		reply_error(out, TTRPC_RESOURCE_EXHAUSTED, "task %s has %zu execs already", req->id, n - 1);
		return;
	}
	if (!req->spec || shim_exec_spec_parse(&spec, req->spec->value.data, req->spec->value.len) < 0) {
		reply_error(out, TTRPC_INVALID_ARGUMENT,
			    "exec %s: bad process spec (no args, a bad env, relative cwd or user; see the shim log)",
			    req->exec_id);
		return;
	}
	p = proc_new(req->exec_id, req->stdin, req->stdout, req->stderr, req->terminal || spec.terminal);
	if (!p) {
		shim_exec_spec_clear(&spec);
		reply_error(out, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	p->exec = spec;
	for (tail = &s->task->procs; *tail; tail = &(*tail)->next)
		;
	*tail = p;
	ev.container_id = s->task->id;
	ev.exec_id = p->exec_id;
	publish_msg(s, "/tasks/exec-added", "containerd.events.TaskExecAdded", &ev.base);
	reply_empty(out);
}

void do_resize(shim *s, Containerd__Task__V2__ResizePtyRequest *req, shim_reply *out)
{
	shim_proc *p;
	struct winsize ws = { .ws_col = (unsigned short)req->width, .ws_row = (unsigned short)req->height };

	if (!task_is(s, req->id, out))
		return;
	p = proc_find(s, req->exec_id);
	if (!p) {
		reply_error(out, TTRPC_NOT_FOUND, "process %s of task %s: not found", req->exec_id, req->id);
		return;
	}
	if (req->width > 65535 || req->height > 65535) {
		reply_error(out, TTRPC_INVALID_ARGUMENT, "resize %s: %ux%u is too big", req->id, req->width,
			    req->height);
		return;
	}
	/* The kernel sends SIGWINCH to the terminal's foreground; nspawn passes it on. */
	if (p->pty_master >= 0)
		ioctl(p->pty_master, TIOCSWINSZ, &ws);
	reply_empty(out);
}

void do_close_io(shim *s, Containerd__Task__V2__CloseIORequest *req, shim_reply *out)
{
	shim_proc *p;

	if (!task_is(s, req->id, out))
		return;
	p = proc_find(s, req->exec_id);
	if (!p) {
		reply_error(out, TTRPC_NOT_FOUND, "process %s of task %s: not found", req->exec_id, req->id);
		return;
	}
	if (req->stdin)
		shim_runner_close_stdin(p);
	reply_empty(out);
}

void do_connect(shim *s, Containerd__Task__V2__ConnectRequest *req, shim_reply *out)
{
	Containerd__Task__V2__ConnectResponse resp = CONTAINERD__TASK__V2__CONNECT_RESPONSE__INIT;

	resp.shim_pid = (uint32_t)getpid();
	resp.task_pid = s->task && s->task->procs ? (uint32_t)s->task->procs->pid : 0;
	resp.version = (char *)VOLT_VERSION_STRING;
	reply_msg(out, &resp.base);
}

/* Pause (@frozen) or Resume: the freezer of the task's cgroup, which holds every process of it. */
static void freeze(shim *s, const char *id, bool frozen, shim_reply *out)
{
	Containerd__Events__TaskPaused paused = CONTAINERD__EVENTS__TASK_PAUSED__INIT;
	Containerd__Events__TaskResumed resumed = CONTAINERD__EVENTS__TASK_RESUMED__INIT;
	const char *what = frozen ? "pause" : "resume";
	int r;

	if (!task_is(s, id, out))
		return;
	if (s->task->procs->status != SHIM_RUNNING) {
		reply_error(out, TTRPC_FAILED_PRECONDITION, "%s %s: the task is not running", what, id);
		return;
	}
	if (!s->task->cgroup) {
		reply_error(out, TTRPC_UNIMPLEMENTED, "%s %s: %s", what, id,
			    s->task->vm ? "a VM (io.volt.runtime=vm) cannot be paused by Volt yet"
					: "the task has no cgroup of its own (no cgroup v2 hierarchy here; see the shim log)");
		return;
	}
	r = shim_cgroup_freeze(s->task, frozen);
	if (r < 0) {
		reply_error(out, TTRPC_INTERNAL, "%s %s: the freezer of %s: %s", what, id, s->task->cgroup, strerror(-r));
		return;
	}
	s->task->paused = frozen;
	paused.container_id = resumed.container_id = s->task->id;
	if (frozen)
		publish_msg(s, "/tasks/paused", "containerd.events.TaskPaused", &paused.base);
	else
		publish_msg(s, "/tasks/resumed", "containerd.events.TaskResumed", &resumed.base);
	reply_empty(out);
}

void do_pause(shim *s, Containerd__Task__V2__PauseRequest *req, shim_reply *out)
{
	freeze(s, req->id, true, out);
}

void do_resume(shim *s, Containerd__Task__V2__ResumeRequest *req, shim_reply *out)
{
	freeze(s, req->id, false, out);
}

void do_shutdown(shim *s, Containerd__Task__V2__ShutdownRequest *req, shim_reply *out)
{
	/* containerd asks after each Delete; a shim with a task left stays. */
	if (!s->task || req->now)
		s->exiting = true;
	reply_empty(out);
}

bool shim_task_running(const shim *s)
{
	if (!s->task)
		return false;
	for (shim_proc *p = s->task->procs; p; p = p->next)
		if (p->status == SHIM_RUNNING)
			return true;
	return false;
}

void shim_task_reaped(shim *s, pid_t pid, int wstatus)
{
	Containerd__Events__TaskExit ev = CONTAINERD__EVENTS__TASK_EXIT__INIT;
	Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	shim_proc *p = NULL;

	if (s->task)
		for (p = s->task->procs; p && !(p->pid == pid && p->status == SHIM_RUNNING); p = p->next)
			;
	if (!p)
		return;
	p->status = SHIM_STOPPED;
	p->exit_status = WIFEXITED(wstatus) ? (uint32_t)WEXITSTATUS(wstatus) : 128u + (uint32_t)WTERMSIG(wstatus);
	/* nspawn may see its container die first and end with its own status (1). */
	if (p->killed)
		p->exit_status = 128u + SIGKILL;
	p->exited_ns = shim_now_ns();
	shim_runner_close_stdin(p);
	if (p->pty_master >= 0) {
		close(p->pty_master);
		p->pty_master = -1;
	}
	shim_log("process %s of task %s exited with %u", p->exec_id ? p->exec_id : "(init)", s->task->id,
		 p->exit_status);
	timestamp_set(&at, p->exited_ns);
	ev.container_id = s->task->id;
	ev.id = p->exec_id ? p->exec_id : s->task->id;
	ev.pid = (uint32_t)p->pid;
	ev.exit_status = p->exit_status;
	ev.exited_at = &at;
	publish_msg(s, "/tasks/exit", "containerd.events.TaskExit", &ev.base);
	while (p->waiters) {
		shim_waiter *w = p->waiters;
		shim_reply r = {};

		p->waiters = w->next;
		wait_answer(p, &r);
		shim_server_send(w->conn, w->conn_gen, w->stream_id, r.code, r.message, r.payload, r.payload_len);
		shim_reply_clear(&r);
		free(w);
	}
}
