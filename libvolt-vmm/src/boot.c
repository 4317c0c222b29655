/*
 * Putting a kernel in guest memory: read the files, pick the protocol,
 * lay out command line, initrd, zero page or PVH start info, MP tables,
 * GDT and page tables. Needs no KVM; VOLT_VMM_FLAG_NO_KVM stops here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/core/error.h>
#include <volt/core/file.h>

#include "shared/macro.h"

#include <asm/bootparam.h>

#include "acpi.h"
#include "boot-bzimage.h"
#include "boot-pvh.h"
#include "devices.h"
#include "layout.h"
#include "mptable.h"
#include "vm-internal.h"
#include "x86-cpu-state.h"

/* Kernels and initrds larger than this are refused before reading. */
#define BOOT_FILE_MAX (1ULL << 30)

static int write_cmdline(struct volt_vmm *vm, const char *cmdline, size_t *out_len)
{
	size_t len = strlen(cmdline);

	if (len >= GUEST_CMDLINE_MAX)
		return volt_error_set(EINVAL, "kernel command line of %zu bytes is too long", len);
	/* Kept for the device announcements appended later (devices.c). */
	vm->cmdline_base = strdup(cmdline);
	vm->cmdline = strdup(cmdline);
	if (!vm->cmdline_base || !vm->cmdline)
		return volt_error_set(ENOMEM, NULL);
	vm->cmdline_max = GUEST_CMDLINE_MAX - 1;
	*out_len = len;
	return guest_mem_write(&vm->mem, GUEST_CMDLINE_ADDR, cmdline, len + 1, "command line");
}

/*
 * The files, opened once: the kernel read whole into the heap (parsed
 * there, then copied into guest memory), the initrd only sized here and
 * later read straight into its place in guest memory. The kernel is read,
 * not mapped: page faults on a mapping of a network or 9p file cost one
 * round trip per page, measured at 10x slower than large reads.
 */
struct boot_files {
	const uint8_t *kernel;
	size_t kernel_size;
	int initrd_fd;
	uint64_t initrd_size;
};

static void boot_files_close(struct boot_files *f)
{
	free((void *)f->kernel);
	if (f->initrd_fd >= 0)
		close(f->initrd_fd);
}

/*
 * A kernel or initrd is a regular file. The open does not block: a FIFO
 * (or a device) given by mistake or by malice would otherwise hang the
 * open or the read until a writer came, and the VMM with it.
 */
static int open_regular(const char *path, const char *what, uint64_t *out_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	int fl;

	if (fd < 0)
		return volt_error_set_errno(errno, "%s %s", what, path);
	if (fstat(fd, &st) < 0)
		return volt_error_set_errno(errno, "%s %s", what, path);
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > BOOT_FILE_MAX)
		return volt_error_set(EINVAL, "%s %s: not a regular file of 1 byte to %llu MiB", what,
				      path, BOOT_FILE_MAX >> 20);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return volt_error_set_errno(errno, "%s %s", what, path);
	*out_size = (uint64_t)st.st_size;
	return TAKE_FD(fd);
}

static int read_all(int fd, uint8_t *buf, size_t size, const char *what, const char *path)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = read(fd, buf + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return volt_error_set_errno(errno, "read %s %s", what, path);
		if (n == 0)
			return volt_error_set(EIO, "%s %s shrank while it was read", what, path);
		done += (size_t)n;
	}
	return 0;
}

static int boot_files_open(struct boot_files *f, const volt_vmm_config *config)
{
	_cleanup_close_ int kfd = -1;
	uint8_t *kernel;
	uint64_t size;
	int fd, r;

	kfd = open_regular(config->kernel_path, "kernel", &size);
	if (kfd < 0)
		return kfd;
	kernel = malloc((size_t)size);
	if (!kernel)
		return volt_error_set(ENOMEM, "kernel %s", config->kernel_path);
	f->kernel = kernel;
	f->kernel_size = (size_t)size;
	r = read_all(kfd, kernel, (size_t)size, "kernel", config->kernel_path);
	if (r < 0)
		return r;
	if (config->initrd_path) {
		fd = open_regular(config->initrd_path, "initrd", &f->initrd_size);
		if (fd < 0)
			return fd;
		f->initrd_fd = fd;
	}
	return 0;
}

/* Read the initrd into guest memory at @gpa; the bounds were checked by the caller's placement. */
static int read_initrd(struct volt_vmm *vm, const struct boot_files *f, uint64_t gpa)
{
	uint8_t *dst = guest_mem_ptr(&vm->mem, gpa, f->initrd_size);
	uint64_t done = 0;

	if (!dst)
		return volt_error_set(EFAULT, "initrd does not fit in guest memory");
	while (done < f->initrd_size) {
		ssize_t n = pread(f->initrd_fd, dst + done, f->initrd_size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return volt_error_set_errno(errno, "read initrd");
		if (n == 0)
			return volt_error_set(EIO, "initrd shrank while being read");
		done += (uint64_t)n;
	}
	return 0;
}

static int load_bzimage(struct volt_vmm *vm, const struct boot_files *f, size_t cmdline_len)
{
	const uint8_t *image = f->kernel;
	size_t size = f->kernel_size;
	uint64_t initrd_size = f->initrd_size;
	struct bzimage_info info;
	uint64_t initrd_gpa = 0;
	int r;

	r = bzimage_parse(&info, image, size);
	if (r < 0)
		return r;
	if (info.cmdline_size && info.cmdline_size < vm->cmdline_max)
		vm->cmdline_max = info.cmdline_size;
	r = bzimage_load(&vm->mem, image, size, &info, &vm->entry.rip);
	if (r < 0)
		return r;
	if (initrd_size) {
		r = bzimage_initrd_addr(&initrd_gpa, &info, vm->mem.size, initrd_size);
		if (r < 0)
			return r;
		r = read_initrd(vm, f, initrd_gpa);
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

static int load_pvh(struct volt_vmm *vm, const struct boot_files *f)
{
	const uint8_t *image = f->kernel;
	size_t size = f->kernel_size;
	uint64_t initrd_size = f->initrd_size;
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
		r = read_initrd(vm, f, initrd_gpa);
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

/*
 * The ACPI tables, and their address in the boot protocol's own field, so
 * the guest need not scan the BIOS area (where the RSDP also is). The
 * DSDT lists the virtio-mmio devices added so far: written at load time
 * with none, and again by volt_vmm_run() with all of them.
 */
int vm_write_acpi(struct volt_vmm *vm)
{
	struct acpi_mmio_device devs[VM_DEVICES_MAX];
	unsigned int n = 0;
	int64_t rsdp;

	for (unsigned int i = 0; vm->devices && i < vm->devices->n; i++, n++)
		devs[n] = (struct acpi_mmio_device){
			.base = vm->devices->dev[i].base,
			.size = GUEST_VIRTIO_MMIO_SIZE,
			.irq = vm->devices->dev[i].irq,
		};
	rsdp = acpi_write_tables(&vm->mem, vm->cpus, devs, n);
	if (rsdp < 0)
		return (int)rsdp;
	if (vm->entry.protocol == VOLT_VMM_BOOT_PVH) {
		struct hvm_start_info *si = guest_mem_ptr(&vm->mem, vm->entry.start_info, sizeof(*si));

		if (!si)
			return volt_error_set(EFAULT, "PVH start info is outside guest memory");
		si->rsdp_paddr = (uint64_t)rsdp;
	} else {
		struct boot_params *bp = guest_mem_ptr(&vm->mem, vm->entry.zero_page, sizeof(*bp));

		if (!bp)
			return volt_error_set(EFAULT, "zero page is outside guest memory");
		bp->acpi_rsdp_addr = (uint64_t)rsdp;
	}
	return 0;
}

static int load_files(struct volt_vmm *vm, const volt_vmm_config *config,
		      const struct boot_files *f)
{
	volt_vmm_boot protocol = config->boot;
	size_t cmdline_len = 0;
	int r;

	r = write_cmdline(vm, config->cmdline ? config->cmdline : "console=ttyS0", &cmdline_len);
	if (r < 0)
		return r;
	if (protocol == VOLT_VMM_BOOT_AUTO)
		protocol = pvh_is_elf(f->kernel, f->kernel_size) ? VOLT_VMM_BOOT_PVH
								 : VOLT_VMM_BOOT_BZIMAGE;
	if (protocol == VOLT_VMM_BOOT_PVH)
		r = load_pvh(vm, f);
	else
		r = load_bzimage(vm, f, cmdline_len);
	if (r < 0)
		return volt_error_prefix(r, "kernel %s", config->kernel_path);

	r = mptable_write(&vm->mem, GUEST_EBDA_ADDR, vm->cpus);
	if (r < 0)
		return r;
	r = vm_write_acpi(vm);
	if (r < 0)
		return r;
	return x86_write_gdt(&vm->mem, GUEST_GDT_ADDR);
}

int vm_load_guest(struct volt_vmm *vm, const volt_vmm_config *config)
{
	struct boot_files files = { .initrd_fd = -1 };
	int r;

	r = boot_files_open(&files, config);
	if (r >= 0)
		r = load_files(vm, config, &files);
	boot_files_close(&files);
	return r;
}
