/*
 * Fuzz target: the guest init's command-line parser
 * (images/guest-init/guest-config.c) and its user lookup, on arbitrary
 * bytes. Replayed over fuzz-guest-config-corpus by the vm suite; for
 * libFuzzer: clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE
 *   -Iimages/guest-init tests/fuzz/fuzz-guest-config.c images/guest-init/guest-config.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_config c;
	char *text = malloc(size + 1);
	char err[256];
	uid_t uid;
	gid_t gid;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (guest_config_parse(&c, text) == 0 && c.user)
		(void)guest_user_resolve(c.user, "root:x:0:0::/:/bin/sh\nuser:x:1000:1000::/:/bin/sh\n", &uid, &gid, err);
	guest_config_free(&c);
	/* The same bytes as passwd text. */
	(void)guest_user_resolve("user", text, &uid, &gid, err);
	(void)guest_user_resolve("1000", text, &uid, &gid, err);
	free(text);
	return 0;
}
