/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <asm/bootparam.h>
#include <volt/core/error.h>

#include "boot-bzimage.h"
#include "bytes.h"
#include "e820.h"
#include "layout.h"

/* Offsets in the file, from the boot protocol's table of the real-mode header. */
#define OFF_SETUP_SECTS      0x1f1
#define OFF_BOOT_FLAG        0x1fe
#define OFF_JUMP_LEN         0x201
#define OFF_HEADER           0x202
#define OFF_VERSION          0x206
#define OFF_LOADFLAGS        0x211
#define OFF_INITRD_ADDR_MAX  0x22c
#define OFF_KERNEL_ALIGNMENT 0x230
#define OFF_RELOCATABLE      0x234
#define OFF_XLOADFLAGS       0x236
#define OFF_CMDLINE_SIZE     0x238
#define OFF_PREF_ADDRESS     0x258
#define OFF_INIT_SIZE        0x260
#define HEADER_MIN_END       0x264 /* through init_size, present since 2.10 */

#define HDRS_MAGIC           0x53726448 /* "HdrS" */
#define XLF_KERNEL_64_BIT    0x1
#define LOADED_HIGH_BIT      0x1
#define ENTRY_64_OFFSET      0x200
#define PAGE_MASK_4K         0xfffULL

int bzimage_parse(struct bzimage_info *out, const uint8_t *image, size_t size)
{
	struct bzimage_info info = { 0 };
	unsigned int setup_sects;
	uint32_t align;
	uint64_t pref;

	if (!image || size < HEADER_MIN_END)
		return volt_error_set(ENOEXEC, "not a bzImage: %zu bytes is shorter than a setup header",
				      size);
	if (get_le16(image + OFF_BOOT_FLAG) != 0xaa55)
		return volt_error_set(ENOEXEC, "not a bzImage: no 0xAA55 boot flag at 0x1fe");
	if (get_le32(image + OFF_HEADER) != HDRS_MAGIC)
		return volt_error_set(ENOEXEC, "not a bzImage: no \"HdrS\" signature at 0x202");

	info.version = get_le16(image + OFF_VERSION);
	if (info.version < BZIMAGE_MIN_VERSION)
		return volt_error_set(EINVAL, "boot protocol %u.%02u is too old (need 2.12 or later)",
				      info.version >> 8, info.version & 0xff);
	info.header_end = OFF_HEADER + image[OFF_JUMP_LEN];
	if (info.header_end < HEADER_MIN_END)
		return volt_error_set(EINVAL, "setup header ends at 0x%zx, before the fields of protocol %u.%02u",
				      info.header_end, info.version >> 8, info.version & 0xff);
	if (!(get_le16(image + OFF_XLOADFLAGS) & XLF_KERNEL_64_BIT))
		return volt_error_set(EINVAL, "kernel has no 64-bit entry point (XLF_KERNEL_64 unset)");
	if (!(image[OFF_LOADFLAGS] & LOADED_HIGH_BIT))
		return volt_error_set(EINVAL, "kernel is a zImage that wants loading at 0x10000");

	/* Zero setup sectors means 4, for compatibility with ancient loaders. */
	setup_sects = image[OFF_SETUP_SECTS] ? image[OFF_SETUP_SECTS] : 4;
	info.setup_size = (size_t)(setup_sects + 1) * 512;
	if (info.setup_size < info.header_end || info.setup_size >= size)
		return volt_error_set(EINVAL, "setup of %zu bytes does not fit a %zu-byte image",
				      info.setup_size, size);
	info.kernel_offset = info.setup_size;
	info.kernel_size = size - info.setup_size;
	if (info.kernel_size <= ENTRY_64_OFFSET)
		return volt_error_set(EINVAL, "protected-mode kernel of %zu bytes is truncated",
				      info.kernel_size);

	info.relocatable = image[OFF_RELOCATABLE] != 0;
	info.cmdline_size = get_le32(image + OFF_CMDLINE_SIZE);
	info.initrd_addr_max = get_le32(image + OFF_INITRD_ADDR_MAX);
	info.init_size = get_le32(image + OFF_INIT_SIZE);
	if (info.init_size < info.kernel_size)
		info.init_size = info.kernel_size;

	pref = get_le64(image + OFF_PREF_ADDRESS);
	if (pref < GUEST_HIGH_MEM_START) {
		if (!info.relocatable)
			return volt_error_set(EINVAL, "kernel is not relocatable and prefers 0x%llx, below 1 MiB",
					      (unsigned long long)pref);
		pref = GUEST_BZIMAGE_DEFAULT;
	}
	align = get_le32(image + OFF_KERNEL_ALIGNMENT);
	if (info.relocatable && align && !(align & (align - 1)))
		pref = (pref + align - 1) & ~((uint64_t)align - 1);
	if (pref >= GUEST_MEMORY_MAX)
		return volt_error_set(EINVAL, "kernel load address 0x%llx is beyond guest RAM",
				      (unsigned long long)pref);
	info.load_addr = pref;
	*out = info;
	return 0;
}

int bzimage_load(const struct guest_mem *mem, const uint8_t *image, size_t size,
		 const struct bzimage_info *info, uint64_t *out_entry)
{
	if (!range_ok(info->kernel_offset, info->kernel_size, size))
		return volt_error_set(EINVAL, "kernel extends past the end of the image");
	if (!guest_mem_ptr(mem, info->load_addr, info->init_size))
		return volt_error_set(ENOMEM,
				      "kernel needs %llu MiB from 0x%llx but the guest has %llu MiB",
				      (unsigned long long)(info->init_size >> 20),
				      (unsigned long long)info->load_addr,
				      (unsigned long long)(mem->size >> 20));
	memcpy(guest_mem_ptr(mem, info->load_addr, info->kernel_size), image + info->kernel_offset,
	       info->kernel_size);
	*out_entry = info->load_addr + ENTRY_64_OFFSET;
	return 0;
}

int bzimage_initrd_addr(uint64_t *out, const struct bzimage_info *info, uint64_t mem_size,
			uint64_t initrd_size)
{
	/* 0 means the protocol's old default: below 896 MiB. */
	uint64_t limit = info->initrd_addr_max ? (uint64_t)info->initrd_addr_max + 1 : 0x38000000ULL;
	uint64_t floor = info->load_addr + info->init_size;
	uint64_t addr;

	if (limit > mem_size)
		limit = mem_size;
	if (initrd_size > limit || ((limit - initrd_size) & ~PAGE_MASK_4K) < floor)
		return volt_error_set(ENOMEM,
				      "initrd of %llu KiB does not fit between the kernel and 0x%llx; give the VM more memory",
				      (unsigned long long)(initrd_size >> 10), (unsigned long long)limit);
	addr = (limit - initrd_size) & ~PAGE_MASK_4K;
	*out = addr;
	return 0;
}

int bzimage_build_zero_page(const struct guest_mem *mem, uint64_t zero_page_gpa,
			    const uint8_t *image, const struct bzimage_info *info,
			    uint64_t cmdline_gpa, size_t cmdline_len,
			    uint64_t initrd_gpa, uint64_t initrd_size)
{
	struct boot_params *bp = guest_mem_ptr(mem, zero_page_gpa, sizeof(*bp));
	struct e820_range map[E820_MAX_ENTRIES_ZEROPAGE];
	size_t hdr_len;
	int n;

	if (!bp)
		return volt_error_set(EFAULT, "zero page at 0x%llx is outside guest memory",
				      (unsigned long long)zero_page_gpa);
	if (info->cmdline_size && cmdline_len > info->cmdline_size)
		return volt_error_set(EINVAL, "command line of %zu bytes is longer than the kernel's limit of %u",
				      cmdline_len, info->cmdline_size);
	n = e820_build(map, E820_MAX_ENTRIES_ZEROPAGE, mem->size);
	if (n < 0)
		return n;

	memset(bp, 0, sizeof(*bp));
	/* The loader hands the kernel its own setup header, then fills in its part. */
	hdr_len = info->header_end - OFF_SETUP_SECTS;
	if (hdr_len > sizeof(bp->hdr))
		hdr_len = sizeof(bp->hdr);
	memcpy(&bp->hdr, image + OFF_SETUP_SECTS, hdr_len);

	bp->hdr.type_of_loader = 0xff; /* undefined loader: no ID assigned */
	bp->hdr.cmd_line_ptr = (uint32_t)cmdline_gpa;
	bp->ext_cmd_line_ptr = (uint32_t)(cmdline_gpa >> 32);
	bp->hdr.ramdisk_image = (uint32_t)initrd_gpa;
	bp->ext_ramdisk_image = (uint32_t)(initrd_gpa >> 32);
	bp->hdr.ramdisk_size = (uint32_t)initrd_size;
	bp->ext_ramdisk_size = (uint32_t)(initrd_size >> 32);
	bp->hdr.code32_start = (uint32_t)info->load_addr;

	for (int i = 0; i < n; i++) {
		bp->e820_table[i].addr = map[i].addr;
		bp->e820_table[i].size = map[i].size;
		bp->e820_table[i].type = map[i].type;
	}
	bp->e820_entries = (uint8_t)n;
	return 0;
}
