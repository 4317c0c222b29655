/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include <volt/core/error.h>

#include "e820.h"
#include "layout.h"

int e820_build(struct e820_range *out, size_t max, uint64_t mem_size)
{
	if (mem_size < GUEST_HIGH_MEM_START)
		return volt_error_set(EINVAL, "guest memory below 1 MiB cannot hold a kernel");
	if (!out || max < 3)
		return volt_error_set(EINVAL, "e820 map needs room for 3 entries");
	/* Conventional memory up to the EBDA, where the MP table lives. */
	out[0] = (struct e820_range){ 0, GUEST_EBDA_ADDR, E820_TYPE_RAM };
	/* EBDA, VGA window and BIOS ROM: never RAM on a PC. */
	out[1] = (struct e820_range){ GUEST_EBDA_ADDR, GUEST_HIGH_MEM_START - GUEST_EBDA_ADDR,
				      E820_TYPE_RESERVED };
	out[2] = (struct e820_range){ GUEST_HIGH_MEM_START, mem_size - GUEST_HIGH_MEM_START,
				      E820_TYPE_RAM };
	return mem_size > GUEST_HIGH_MEM_START ? 3 : 2;
}
