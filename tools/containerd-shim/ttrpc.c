/*
 * ttrpc framing and messages. A frame is a 10-byte header (payload
 * length and stream id, both big-endian 32-bit, then a type byte and a
 * flags byte) and the payload, a protobuf Request or Response.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shim-proto.h"
#include "ttrpc.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int ttrpc_frame_parse(ttrpc_frame *out, const uint8_t *buf, size_t len)
{
	uint32_t n;

	if (len < TTRPC_HEADER_SIZE)
		return 0;
	n = be32(buf);
	if (n > TTRPC_MESSAGE_MAX)
		return -EMSGSIZE;
	if (len - TTRPC_HEADER_SIZE < n)
		return 0;
	*out = (ttrpc_frame){
		.length = n,
		.stream_id = be32(buf + 4),
		.type = buf[8],
		.flags = buf[9],
		.data = buf + TTRPC_HEADER_SIZE,
	};
	return (int)(TTRPC_HEADER_SIZE + n);
}

void ttrpc_header_write(uint8_t hdr[TTRPC_HEADER_SIZE], uint32_t length, uint32_t stream_id, uint8_t type)
{
	put_be32(hdr, length);
	put_be32(hdr + 4, stream_id);
	hdr[8] = type;
	hdr[9] = 0;
}

int ttrpc_request_decode(ttrpc_request *out, const uint8_t *data, size_t len)
{
	Volt__Ttrpc__Request *m = volt__ttrpc__request__unpack(NULL, len, data);

	*out = (ttrpc_request){};
	if (!m)
		return -EBADMSG;
	out->service = strdup(m->service ? m->service : "");
	out->method = strdup(m->method ? m->method : "");
	out->payload_len = m->payload.len;
	out->payload = malloc(m->payload.len ? m->payload.len : 1);
	if (out->payload && m->payload.len)
		memcpy(out->payload, m->payload.data, m->payload.len);
	volt__ttrpc__request__free_unpacked(m, NULL);
	if (!out->service || !out->method || !out->payload) {
		ttrpc_request_clear(out);
		return -ENOMEM;
	}
	return 0;
}

void ttrpc_request_clear(ttrpc_request *req)
{
	free(req->service);
	free(req->method);
	free(req->payload);
	*req = (ttrpc_request){};
}

int ttrpc_response_encode(uint8_t **out, size_t *out_len, uint32_t stream_id, int code, const char *message,
			  const uint8_t *payload, size_t payload_len)
{
	Volt__Ttrpc__Response resp = VOLT__TTRPC__RESPONSE__INIT;
	Volt__Ttrpc__Status status = VOLT__TTRPC__STATUS__INIT;
	size_t n;
	uint8_t *buf;

	status.code = code;
	status.message = (char *)(message ? message : "");
	resp.status = &status;
	if (code == TTRPC_OK && payload_len) {
		resp.payload.data = (uint8_t *)payload;
		resp.payload.len = payload_len;
	}
	n = volt__ttrpc__response__get_packed_size(&resp);
	if (n > TTRPC_MESSAGE_MAX)
		return -EMSGSIZE;
	buf = malloc(TTRPC_HEADER_SIZE + n);
	if (!buf)
		return -ENOMEM;
	volt__ttrpc__response__pack(&resp, buf + TTRPC_HEADER_SIZE);
	ttrpc_header_write(buf, (uint32_t)n, stream_id, TTRPC_TYPE_RESPONSE);
	*out = buf;
	*out_len = TTRPC_HEADER_SIZE + n;
	return 0;
}
