/*
 * Fuzz target for the policy parser: any input is either refused with a
 * message or parsed into a policy whose JSON form parses back to the
 * same JSON.
 *
 * The test suite replays tests/fuzz/corpus-sec-policy through it. To fuzz
 * for real, from the top of the tree with a configured build/:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *     -DVOLT_VERSION='"0"' -DVOLT_DEFAULT_ROOT='"/var/lib/volt"' \
 *     -Ilibvolt-core/include -Ibuild/libvolt-core/include -Ilibvolt-core/src \
 *     -Ilibvolt-sec/include -Ilibvolt-sec/src libvolt-core/src/[a-z]*.c \
 *     libvolt-sec/src/[a-z]*.c tests/fuzz/fuzz-sec-policy.c \
 *     -ljansson -lseccomp -lcap-ng -o fuzz-sec-policy
 *   ./fuzz-sec-policy -max_total_time=120 -max_len=2048 CORPUS_COPY_DIR
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>
#include <volt/sec.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volt_sec_policy *p = NULL, *q = NULL;
	json_t *j = NULL, *k = NULL;
	char *s = NULL;

	if (volt_sec_policy_parse(&p, (const char *)data, size) < 0) {
		if (!volt_error_message()[0])
			abort();
		return 0;
	}
	if (volt_sec_policy_to_json(&j, p) < 0 || volt_json_dump(&s, j, 0) < 0)
		abort();
	if (volt_sec_policy_parse(&q, s, strlen(s)) < 0 || volt_sec_policy_to_json(&k, q) < 0)
		abort();
	if (!json_equal(j, k))
		abort();
	free(s);
	json_decref(j);
	json_decref(k);
	volt_sec_policy_free(p);
	volt_sec_policy_free(q);
	return 0;
}
