/*
 * Answers of the task service: a status, or a packed message.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <volt/core.h>

#include "task.h"
#include "ttrpc.h"

void shim_reply_clear(shim_reply *reply)
{
	free(reply->message);
	free(reply->payload);
	*reply = (shim_reply){};
}

void reply_error(shim_reply *out, int code, const char *fmt, ...)
{
	va_list ap;

	out->code = code;
	va_start(ap, fmt);
	if (vasprintf(&out->message, fmt, ap) < 0)
		out->message = NULL;
	va_end(ap);
}

/* An error of libvolt as a status: its message, and a code for its errno. */
void reply_volt(shim_reply *out, int r, const char *what)
{
	const char *m = volt_error_message();
	int code = r == -ENOENT	   ? TTRPC_NOT_FOUND
		   : r == -EEXIST  ? TTRPC_ALREADY_EXISTS
		   : r == -EINVAL  ? TTRPC_INVALID_ARGUMENT
		   : r == -ESRCH   ? TTRPC_NOT_FOUND
				   : TTRPC_INTERNAL;

	reply_error(out, code, "%s: %s", what, m && *m ? m : strerror(-r));
}

/* Pack @msg as the reply's payload. */
void reply_msg(shim_reply *out, const ProtobufCMessage *msg)
{
	size_t n = protobuf_c_message_get_packed_size(msg);

	out->code = TTRPC_OK;
	out->payload = malloc(n ? n : 1);
	if (!out->payload) {
		reply_error(out, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	out->payload_len = protobuf_c_message_pack(msg, out->payload);
}

void reply_empty(shim_reply *out)
{
	out->code = TTRPC_OK;
}

uint64_t shim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void timestamp_set(Google__Protobuf__Timestamp *t, uint64_t ns)
{
	t->seconds = (int64_t)(ns / 1000000000ULL);
	t->nanos = (int32_t)(ns % 1000000000ULL);
}
