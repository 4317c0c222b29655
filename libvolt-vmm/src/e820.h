/*
 * The guest's physical memory map, as both boot protocols report it
 * (boot_params.e820_table for bzImage, the hvm_start_info memmap for PVH).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_E820_H
#define VOLT_VMM_E820_H

#include <stddef.h>
#include <stdint.h>

#define E820_TYPE_RAM      1
#define E820_TYPE_RESERVED 2

struct e820_range {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

/*
 * Fill @out (room for @max entries) with the map of @mem_size bytes of
 * RAM from guest-physical 0: conventional memory, the reserved EBDA/BIOS
 * hole below 1 MiB, and the rest as RAM. Returns the number of entries,
 * -EINVAL if @mem_size is below 1 MiB or @max is too small.
 */
int e820_build(struct e820_range *out, size_t max, uint64_t mem_size);

#endif
