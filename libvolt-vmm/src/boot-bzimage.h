/*
 * The 64-bit Linux boot protocol (Documentation/arch/x86/boot.rst):
 * parse a bzImage's setup header, load its protected-mode kernel, and
 * build the zero page (struct boot_params) the kernel reads at entry.
 *
 * Parsing trusts nothing in the image: every offset and size is checked
 * against the file, so a truncated or hostile image gives -ENOEXEC or
 * -EINVAL with a message, never a read outside the buffer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_BOOT_BZIMAGE_H
#define VOLT_VMM_BOOT_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest-memory.h"

/* What the setup header says, checked. */
struct bzimage_info {
	uint16_t version;          /* boot protocol, e.g. 0x020f */
	size_t setup_size;         /* boot sector + real-mode setup, bytes */
	size_t header_end;         /* file offset just past the setup header */
	size_t kernel_offset;      /* protected-mode kernel in the file */
	size_t kernel_size;
	uint64_t load_addr;        /* where the protected-mode kernel goes */
	uint64_t init_size;        /* memory it needs from load_addr on */
	uint32_t initrd_addr_max;  /* highest byte an initrd may occupy */
	uint32_t cmdline_size;     /* longest command line, without NUL */
	bool relocatable;
};

/* Smallest protocol with the 64-bit entry and xloadflags: 2.12. */
#define BZIMAGE_MIN_VERSION 0x020c

/*
 * Parse @image (@size bytes). -ENOEXEC if it is not a bzImage (too
 * short, no 0xAA55 boot flag, no "HdrS"); -EINVAL if it is one this VMM
 * cannot boot (protocol older than 2.12, no 64-bit entry, sizes that do
 * not fit the file).
 */
int bzimage_parse(struct bzimage_info *out, const uint8_t *image, size_t size);

/* Copy the protected-mode kernel to its load address. Entry point: load_addr + 0x200. */
int bzimage_load(const struct guest_mem *mem, const uint8_t *image, size_t size,
		 const struct bzimage_info *info, uint64_t *out_entry);

/*
 * Where an initrd of @initrd_size bytes goes: as high as the kernel
 * allows and RAM reaches, page aligned, above the kernel's init_size.
 * -ENOMEM (with a message) if it does not fit.
 */
int bzimage_initrd_addr(uint64_t *out, const struct bzimage_info *info, uint64_t mem_size,
			uint64_t initrd_size);

/*
 * Build the zero page at @zero_page_gpa: the image's setup header, then
 * loader type, command line pointer, initrd and the e820 map of
 * @mem->size bytes. @cmdline_len excludes the NUL already written at
 * @cmdline_gpa; -EINVAL if it exceeds the kernel's cmdline_size.
 */
int bzimage_build_zero_page(const struct guest_mem *mem, uint64_t zero_page_gpa,
			    const uint8_t *image, const struct bzimage_info *info,
			    uint64_t cmdline_gpa, size_t cmdline_len,
			    uint64_t initrd_gpa, uint64_t initrd_size);

#endif
