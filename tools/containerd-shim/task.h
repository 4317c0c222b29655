/*
 * The task service's parts (task.c: the handlers; reply.c: answers;
 * dispatch.c: the method table), private to the shim.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "shim-proto.h"
#include "shim.h"

void reply_error(shim_reply *out, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error of libvolt as a status: its message, and a code for its errno. */
void reply_volt(shim_reply *out, int r, const char *what);
/* Pack @msg as the reply's payload. */
void reply_msg(shim_reply *out, const ProtobufCMessage *msg);
void reply_empty(shim_reply *out);
void timestamp_set(Google__Protobuf__Timestamp *t, uint64_t ns);

/* The handlers, one per method. */
void do_create(shim *s, Containerd__Task__V2__CreateTaskRequest *req, shim_reply *out);
void do_start(shim *s, Containerd__Task__V2__StartRequest *req, shim_reply *out);
void do_state(shim *s, Containerd__Task__V2__StateRequest *req, shim_reply *out);
void do_kill(shim *s, Containerd__Task__V2__KillRequest *req, shim_reply *out);
void do_delete(shim *s, Containerd__Task__V2__DeleteRequest *req, shim_reply *out);
void do_pids(shim *s, Containerd__Task__V2__PidsRequest *req, shim_reply *out);
void do_exec(shim *s, Containerd__Task__V2__ExecProcessRequest *req, shim_reply *out);
void do_resize(shim *s, Containerd__Task__V2__ResizePtyRequest *req, shim_reply *out);
void do_connect(shim *s, Containerd__Task__V2__ConnectRequest *req, shim_reply *out);
void do_pause(shim *s, Containerd__Task__V2__PauseRequest *req, shim_reply *out);
void do_resume(shim *s, Containerd__Task__V2__ResumeRequest *req, shim_reply *out);
void do_shutdown(shim *s, Containerd__Task__V2__ShutdownRequest *req, shim_reply *out);
void do_close_io(shim *s, Containerd__Task__V2__CloseIORequest *req, shim_reply *out);
void do_wait(shim *s, Containerd__Task__V2__WaitRequest *req, int conn, uint64_t gen, uint32_t stream, shim_reply *out);
