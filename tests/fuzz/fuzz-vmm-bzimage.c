/*
 * libFuzzer target: the bzImage loader (setup header parse, kernel copy,
 * initrd placement, zero page) on arbitrary bytes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "boot-bzimage.h"
#include "layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* 32 MiB of guest memory, allocated once: loads above it must be refused. */
	static struct guest_mem mem;
	struct bzimage_info info;
	uint64_t entry, initrd;

	if (!mem.host) {
		mem.size = 32ULL << 20;
		mem.host = calloc(1, mem.size);
		if (!mem.host)
			abort();
	}
	if (bzimage_parse(&info, data, size) < 0)
		return 0;
	if (bzimage_load(&mem, data, size, &info, &entry) < 0)
		return 0;
	if (bzimage_initrd_addr(&initrd, &info, mem.size, 4096) < 0)
		initrd = 0;
	(void)bzimage_build_zero_page(&mem, GUEST_ZERO_PAGE_ADDR, data, &info, GUEST_CMDLINE_ADDR, 16,
				      initrd, initrd ? 4096 : 0);
	return 0;
}
