/*
 * Putting a kernel in guest memory: read the files, pick the protocol,
 * lay out command line, initrd, zero page or PVH start info, MP tables,
 * GDT and page tables. Needs no KVM; VOLT_VMM_FLAG_NO_KVM stops here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include <volt/core/error.h>
#include <volt/core/file.h>

#include "boot-bzimage.h"
#include "boot-pvh.h"
#include "layout.h"
#include "mptable.h"
#include "shared/macro.h"
#include "vm-internal.h"
#include "x86-cpu-state.h"

/* Kernels and initrds larger than this are refused before reading. */
#define BOOT_FILE_MAX (1ULL << 30)

static int write_cmdline(struct volt_vmm *vm, const char *cmdline, size_t *out_len)
{
	size_t len = strlen(cmdline);

	if (len >= GUEST_CMDLINE_MAX)
		return volt_error_set(EINVAL, "kernel command line of %zu bytes is too long", len);
	*out_len = len;
	return guest_mem_write(&vm->mem, GUEST_CMDLINE_ADDR, cmdline, len + 1, "command line");
}

static int load_initrd(struct volt_vmm *vm, const volt_vmm_config *config,
		       uint8_t **out_data, size_t *out_size)
{
	char *data = NULL;
	size_t size = 0;
	int r;

	*out_data = NULL;
	*out_size = 0;
	if (!config->initrd_path)
		return 0;
	r = volt_file_read(&data, &size, config->initrd_path, BOOT_FILE_MAX);
	if (r < 0)
		return volt_error_prefix(r, "initrd %s", config->initrd_path);
	*out_data = (uint8_t *)data;
	*out_size = size;
	return 0;
}

static int load_bzimage(struct volt_vmm *vm, const uint8_t *image, size_t size,
			const uint8_t *initrd, size_t initrd_size, size_t cmdline_len)
{
	struct bzimage_info info;
	uint64_t initrd_gpa = 0;
	int r;

	r = bzimage_parse(&info, image, size);
	if (r < 0)
		return r;
	r = bzimage_load(&vm->mem, image, size, &info, &vm->entry.rip);
	if (r < 0)
		return r;
	if (initrd_size) {
		r = bzimage_initrd_addr(&initrd_gpa, &info, vm->mem.size, initrd_size);
		if (r < 0)
			return r;
		r = guest_mem_write(&vm->mem, initrd_gpa, initrd, initrd_size, "initrd");
		if (r < 0)
			return r;
	}
	r = bzimage_build_zero_page(&vm->mem, GUEST_ZERO_PAGE_ADDR, image, &info, GUEST_CMDLINE_ADDR,
				    cmdline_len, initrd_gpa, initrd_size);
	if (r < 0)
		return r;
	vm->entry.protocol = VOLT_VMM_BOOT_BZIMAGE;
	vm->entry.zero_page = GUEST_ZERO_PAGE_ADDR;
	return x86_write_identity_map(&vm->mem, GUEST_PML4_ADDR);
}

static int load_pvh(struct volt_vmm *vm, const uint8_t *image, size_t size,
		    const uint8_t *initrd, size_t initrd_size)
{
	struct pvh_image img;
	uint64_t initrd_gpa = 0;
	int r;

	r = pvh_parse(&img, image, size);
	if (r < 0)
		return r;
	r = pvh_load(&vm->mem, image, size, &img);
	if (r < 0)
		return r;
	if (initrd_size) {
		r = pvh_initrd_addr(&initrd_gpa, &img, vm->mem.size, initrd_size);
		if (r < 0)
			return r;
		r = guest_mem_write(&vm->mem, initrd_gpa, initrd, initrd_size, "initrd");
		if (r < 0)
			return r;
	}
	r = pvh_build_start_info(&vm->mem, GUEST_PVH_INFO_ADDR, GUEST_CMDLINE_ADDR, initrd_gpa,
				 initrd_size);
	if (r < 0)
		return r;
	vm->entry.protocol = VOLT_VMM_BOOT_PVH;
	vm->entry.rip = img.entry;
	vm->entry.start_info = GUEST_PVH_INFO_ADDR;
	return 0;
}

int vm_load_guest(struct volt_vmm *vm, const volt_vmm_config *config)
{
	_cleanup_free_ char *image = NULL;
	_cleanup_free_ uint8_t *initrd = NULL;
	size_t size = 0, initrd_size = 0, cmdline_len = 0;
	volt_vmm_boot protocol = config->boot;
	int r;

	r = volt_file_read(&image, &size, config->kernel_path, BOOT_FILE_MAX);
	if (r < 0)
		return volt_error_prefix(r, "kernel %s", config->kernel_path);
	r = load_initrd(vm, config, &initrd, &initrd_size);
	if (r < 0)
		return r;
	r = write_cmdline(vm, config->cmdline ? config->cmdline : "console=ttyS0", &cmdline_len);
	if (r < 0)
		return r;

	if (protocol == VOLT_VMM_BOOT_AUTO)
		protocol = pvh_is_elf((const uint8_t *)image, size) ? VOLT_VMM_BOOT_PVH
								    : VOLT_VMM_BOOT_BZIMAGE;
	if (protocol == VOLT_VMM_BOOT_PVH)
		r = load_pvh(vm, (const uint8_t *)image, size, initrd, initrd_size);
	else
		r = load_bzimage(vm, (const uint8_t *)image, size, initrd, initrd_size, cmdline_len);
	if (r < 0)
		return volt_error_prefix(r, "kernel %s", config->kernel_path);

	r = mptable_write(&vm->mem, GUEST_EBDA_ADDR, vm->cpus);
	if (r < 0)
		return r;
	return x86_write_gdt(&vm->mem, GUEST_GDT_ADDR);
}
