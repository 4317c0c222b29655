/*
 * Fuzz target for what containerd-shim-volt-v2 reads from its socket:
 * the input is a byte stream of ttrpc frames, each parsed (bounded by
 * ttrpc's limit), its request decoded, and its payload decoded as the
 * request of the method it names (every method of the task service) by
 * the shim's own dispatcher, without a shim behind it. Nothing may crash
 * or leak; every frame either decodes or is refused.
 *
 * The test suite replays tests/fuzz/fuzz-shim-ttrpc.corpus through it
 * (written by fuzz-shim-make-corpus.py). To fuzz for real with libFuzzer,
 * after a build in build/: tests/fuzz/fuzz-shim-build.sh SECONDS.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"
#include "ttrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	for (;;) {
		ttrpc_frame f;
		ttrpc_request req;
		shim_reply reply;
		int r = ttrpc_frame_parse(&f, data + off, size - off);

		if (r <= 0)
			break;
		if ((size_t)r > size - off || f.length > TTRPC_MESSAGE_MAX)
			abort();
		off += (size_t)r;
		if (ttrpc_request_decode(&req, f.data, f.length) < 0)
			continue;
		shim_dispatch(NULL, req.service, req.method, req.payload, req.payload_len, 0, 0, f.stream_id, &reply);
		if (reply.deferred || reply.code == TTRPC_OK)
			abort(); /* without a shim, every request is refused */
		{
			uint8_t *frame;
			size_t n;

			if (ttrpc_response_encode(&frame, &n, f.stream_id, reply.code, reply.message, NULL, 0) == 0)
				free(frame);
		}
		shim_reply_clear(&reply);
		ttrpc_request_clear(&req);
	}
	return 0;
}
