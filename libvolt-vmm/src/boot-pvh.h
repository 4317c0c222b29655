/*
 * The PVH boot protocol (Xen's docs/misc/pvh.pandoc, as Linux implements
 * it): an ELF vmlinux whose XEN_ELFNOTE_PHYS32_ENTRY note names a 32-bit
 * entry point, entered in flat protected mode with paging off and %ebx
 * pointing at a struct hvm_start_info.
 *
 * The ELF parser checks every header, program header and note against
 * the file before reading it; a truncated or hostile file gives
 * -ENOEXEC or -EINVAL with a message.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_BOOT_PVH_H
#define VOLT_VMM_BOOT_PVH_H

#include <stddef.h>
#include <stdint.h>

#include "guest-memory.h"

#define PVH_MAX_LOADS 16

struct pvh_load {
	uint64_t offset; /* in the file */
	uint64_t filesz;
	uint64_t paddr;  /* guest-physical destination */
	uint64_t memsz;  /* >= filesz; the rest is zeroed */
};

struct pvh_image {
	uint32_t entry;      /* from the PVH note */
	uint64_t end;        /* highest paddr + memsz of any segment */
	unsigned int nloads;
	struct pvh_load loads[PVH_MAX_LOADS];
};

/* The start-of-day structure (version 1), laid out as the spec gives it. */
#define HVM_START_MAGIC 0x336ec578U
struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/* True if @image starts with the ELF magic (the loader's dispatch test). */
int pvh_is_elf(const uint8_t *image, size_t size);

/*
 * Parse an ELF64 x86-64 executable and find its PVH entry.
 * -ENOEXEC: not an ELF64 little-endian x86-64 executable.
 * -EINVAL: malformed headers, segments outside the file, more than
 *          PVH_MAX_LOADS segments, or no PVH entry note.
 */
int pvh_parse(struct pvh_image *out, const uint8_t *image, size_t size);

/* Copy every PT_LOAD segment to guest memory, zeroing the bss part. */
int pvh_load(const struct guest_mem *mem, const uint8_t *image, size_t size,
	     const struct pvh_image *img);

/* Initrd address: top of RAM, page aligned, above the kernel. -ENOMEM if it does not fit. */
int pvh_initrd_addr(uint64_t *out, const struct pvh_image *img, uint64_t mem_size,
		    uint64_t initrd_size);

/*
 * Write hvm_start_info at @gpa, followed by the module list (the
 * initrd, if @initrd_size) and the e820 memory map of @mem->size bytes.
 */
int pvh_build_start_info(const struct guest_mem *mem, uint64_t gpa, uint64_t cmdline_gpa,
			 uint64_t initrd_gpa, uint64_t initrd_size);

#endif
