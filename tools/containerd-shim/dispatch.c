/*
 * The task service's methods: the request of each decoded with its
 * descriptor, then handed to its handler (task.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "task.h"
#include "ttrpc.h"

#define TASK_SERVICE "containerd.task.v2.Task"

/* Each handler as the table calls it: the request decoded, as a ProtobufCMessage. */
typedef void (*handler_fn)(shim *, ProtobufCMessage *, shim_reply *);
#define HANDLER(fn, type)                                                                                   \
	static void fn##_msg(shim *s, ProtobufCMessage *req, shim_reply *out)                              \
	{                                                                                                   \
		fn(s, (Containerd__Task__V2__##type *)req, out);                                            \
	}
HANDLER(do_create, CreateTaskRequest)
HANDLER(do_start, StartRequest)
HANDLER(do_state, StateRequest)
HANDLER(do_kill, KillRequest)
HANDLER(do_delete, DeleteRequest)
HANDLER(do_pids, PidsRequest)
HANDLER(do_exec, ExecProcessRequest)
HANDLER(do_resize, ResizePtyRequest)
HANDLER(do_connect, ConnectRequest)
HANDLER(do_shutdown, ShutdownRequest)
HANDLER(do_pause, PauseRequest)
HANDLER(do_resume, ResumeRequest)

#define METHOD(name, lower, fn) { name, &containerd__task__v2__##lower##__descriptor, fn }

/* Every method of the service: how to decode its request, and what to do with it (NULL: below). */
static const struct method {
	const char *name;
	const ProtobufCMessageDescriptor *request;
	handler_fn fn;
} methods[] = {
	METHOD("Create", create_task_request, do_create_msg),
	METHOD("Start", start_request, do_start_msg),
	METHOD("State", state_request, do_state_msg),
	METHOD("Wait", wait_request, NULL),
	METHOD("Kill", kill_request, do_kill_msg),
	METHOD("Delete", delete_request, do_delete_msg),
	METHOD("Pids", pids_request, do_pids_msg),
	METHOD("Exec", exec_process_request, do_exec_msg),
	METHOD("ResizePty", resize_pty_request, do_resize_msg),
	METHOD("CloseIO", close_iorequest, NULL),
	METHOD("Stats", stats_request, NULL),
	METHOD("Connect", connect_request, do_connect_msg),
	METHOD("Shutdown", shutdown_request, do_shutdown_msg),
	METHOD("Pause", pause_request, do_pause_msg),
	METHOD("Resume", resume_request, do_resume_msg),
	METHOD("Checkpoint", checkpoint_task_request, NULL),
	METHOD("Update", update_task_request, NULL),
};

void shim_dispatch(shim *s, const char *service, const char *method, const uint8_t *payload, size_t len, int conn,
		   uint64_t conn_gen, uint32_t stream_id, shim_reply *out)
{
	const struct method *m = NULL;
	ProtobufCMessage *req;

	*out = (shim_reply){};
	if (strcmp(service, TASK_SERVICE) != 0) {
		reply_error(out, TTRPC_UNIMPLEMENTED, "service %.64s is not served here", service);
		return;
	}
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, method) == 0)
			m = &methods[i];
	if (!m) {
		reply_error(out, TTRPC_UNIMPLEMENTED, "method %.64s is not served here", method);
		return;
	}
	req = protobuf_c_message_unpack(m->request, NULL, len, payload);
	if (!req) {
		reply_error(out, TTRPC_INVALID_ARGUMENT, "%s: the request does not decode", m->name);
		return;
	}
	if (!s) {
		reply_error(out, TTRPC_UNIMPLEMENTED, "no shim");
	} else if (strcmp(m->name, "Wait") == 0) {
		do_wait(s, (Containerd__Task__V2__WaitRequest *)req, conn, conn_gen, stream_id, out);
	} else if (strcmp(m->name, "CloseIO") == 0) {
		do_close_io(s, (Containerd__Task__V2__CloseIORequest *)req, out);
	} else if (strcmp(m->name, "Stats") == 0) {
		Containerd__Task__V2__StatsResponse resp = CONTAINERD__TASK__V2__STATS_RESPONSE__INIT;

		reply_msg(out, &resp.base);
	} else if (!m->fn) {
		reply_error(out, TTRPC_UNIMPLEMENTED, "%s is not supported by Volt's shim", m->name);
	} else {
		m->fn(s, req, out);
	}
	protobuf_c_message_free_unpacked(req, NULL);
}
