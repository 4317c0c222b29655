/*
 * libFuzzer target: the PVH loader (ELF headers, program headers, notes,
 * segment copy, start info) on arbitrary bytes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "boot-pvh.h"
#include "layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	struct pvh_image img;
	uint64_t initrd;

	if (!mem.host) {
		mem.size = 32ULL << 20;
		mem.host = calloc(1, mem.size);
		if (!mem.host)
			abort();
	}
	if (pvh_parse(&img, data, size) < 0)
		return 0;
	if (pvh_load(&mem, data, size, &img) < 0)
		return 0;
	if (pvh_initrd_addr(&initrd, &img, mem.size, 4096) < 0)
		initrd = 0;
	(void)pvh_build_start_info(&mem, GUEST_PVH_INFO_ADDR, GUEST_CMDLINE_ADDR, initrd,
				   initrd ? 4096 : 0);
	return 0;
}
