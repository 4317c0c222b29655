/*
 * ttrpc, containerd's RPC over a unix socket: the frames and the request
 * and response messages around a method's payload (docs/containerd.md).
 * Pure functions over buffers, so that the fuzz target reaches them
 * without a socket.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define TTRPC_HEADER_SIZE 10
/* ttrpc's own limit on a message (its messageLengthMax): larger is refused. */
#define TTRPC_MESSAGE_MAX (4u << 20)
#define TTRPC_TYPE_REQUEST 1
#define TTRPC_TYPE_RESPONSE 2

/* gRPC status codes, as ttrpc carries them. */
enum {
	TTRPC_OK = 0,
	TTRPC_INVALID_ARGUMENT = 3,
	TTRPC_NOT_FOUND = 5,
	TTRPC_ALREADY_EXISTS = 6,
	TTRPC_FAILED_PRECONDITION = 9,
	TTRPC_UNIMPLEMENTED = 12,
	TTRPC_INTERNAL = 13,
	TTRPC_RESOURCE_EXHAUSTED = 8,
};

typedef struct ttrpc_frame {
	uint32_t length;       /* of the payload after the header */
	uint32_t stream_id;
	uint8_t type;
	uint8_t flags;
	const uint8_t *data;   /* into the caller's buffer */
} ttrpc_frame;

/*
 * The first frame of @buf (@len bytes). Returns the bytes it spans (> 0)
 * with @out set; 0 when @buf holds no whole frame yet; -EMSGSIZE for a
 * length past TTRPC_MESSAGE_MAX (the connection is beyond repair: its
 * framing is lost).
 */
int ttrpc_frame_parse(ttrpc_frame *out, const uint8_t *buf, size_t len);

/* Write the header of a frame into @hdr. */
void ttrpc_header_write(uint8_t hdr[TTRPC_HEADER_SIZE], uint32_t length, uint32_t stream_id, uint8_t type);

typedef struct ttrpc_request {
	char *service;
	char *method;
	uint8_t *payload;
	size_t payload_len;
} ttrpc_request;

/*
 * Decode a request message. Returns 0 with @out filled (free with
 * ttrpc_request_clear()); -EBADMSG for anything that is not one.
 */
int ttrpc_request_decode(ttrpc_request *out, const uint8_t *data, size_t len);
void ttrpc_request_clear(ttrpc_request *req);

/*
 * A whole response frame (header and message) for @stream_id: status
 * @code with @message (NULL: none), and @payload when @code is TTRPC_OK.
 * Returns 0 with a malloc()ed buffer in @out and its size in @out_len;
 * -ENOMEM.
 */
int ttrpc_response_encode(uint8_t **out, size_t *out_len, uint32_t stream_id, int code, const char *message,
			  const uint8_t *payload, size_t payload_len);
