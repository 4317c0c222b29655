/*
 * Creating and releasing a VM: /dev/kvm, the VM file descriptor, the
 * in-kernel interrupt controllers and PIT, guest memory, vCPUs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <volt/core/error.h>
#include <volt/core/log.h>

#include "devices.h"
#include "layout.h"
#include "shared/macro.h"
#include "vm-internal.h"

uint64_t vm_now_ns(int clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int check_config(const volt_vmm_config *c)
{
	if (!VERSION_SUPPORTED(c->version, VOLT_VMM_CONFIG_VERSION))
		return volt_error_set(EINVAL, "volt_vmm_config version %u is not supported (1 to %u)",
				      c->version, VOLT_VMM_CONFIG_VERSION);
	if (!c->kernel_path || !*c->kernel_path)
		return volt_error_set(EINVAL, "no kernel given");
	if (c->cpus > VOLT_VMM_MAX_CPUS)
		return volt_error_set(EINVAL, "%u vCPUs: at most %d are supported", c->cpus,
				      VOLT_VMM_MAX_CPUS);
	if (c->boot > VOLT_VMM_BOOT_PVH)
		return volt_error_set(EINVAL, "unknown boot protocol %d", (int)c->boot);
	if (c->flags & ~(unsigned int)(VOLT_VMM_FLAG_HUGEPAGES | VOLT_VMM_FLAG_NO_KVM | VOLT_VMM_FLAG_NO_SANDBOX))
		return volt_error_set(EINVAL, "unknown flags 0x%x", c->flags);
	return 0;
}

static int kvm_open(struct volt_vmm *vm, int *out_run_size)
{
	int version, run_size;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return volt_error_set_errno(errno == ENOENT ? ENODEV : errno, "open /dev/kvm");
	version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION)
		return volt_error_set(ENODEV, "KVM API version %d, expected %d", version,
				      KVM_API_VERSION);
	/* Interrupting KVM_RUN without races depends on immediate_exit. */
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0)
		return volt_error_set(ENODEV, "KVM lacks KVM_CAP_IMMEDIATE_EXIT");
	run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(struct kvm_run))
		return volt_error_set_errno(errno, "KVM_GET_VCPU_MMAP_SIZE");
	*out_run_size = run_size;
	return 0;
}

static int kvm_create_vm(struct volt_vmm *vm)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->mem.size,
		.userspace_addr = (uint64_t)(uintptr_t)vm->mem.host,
	};

	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return volt_error_set_errno(errno, "KVM_CREATE_VM");
	/* Intel needs these three pages and the identity-map page for real mode; harmless elsewhere. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)GUEST_KVM_TSS_ADDR) < 0)
		return volt_error_set_errno(errno, "KVM_SET_TSS_ADDR");
	uint64_t identity = GUEST_KVM_TSS_ADDR + 3 * 4096;
	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
		return volt_error_set_errno(errno, "KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return volt_error_set_errno(errno, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return volt_error_set_errno(errno, "KVM_CREATE_PIT2");
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return volt_error_set_errno(errno, "KVM_SET_USER_MEMORY_REGION");
	return 0;
}

VOLT_API int volt_vmm_new(volt_vmm **out, const volt_vmm_config *config)
{
	uint64_t t0 = vm_now_ns(CLOCK_MONOTONIC);
	struct volt_vmm *vm;
	int r, run_size = 0;

	assert_return(out, -EINVAL);
	assert_return(config, -EINVAL);
	r = check_config(config);
	if (r < 0)
		return r;

	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return volt_error_set(ENOMEM, "allocate VM");
	vm->t_new_ns = t0;
	vm->kvm_fd = vm->vm_fd = -1;
	for (unsigned int i = 0; i < VOLT_VMM_MAX_CPUS; i++)
		vm->vcpus[i].fd = -1;
	vm->cpus = config->cpus ? config->cpus : 1;
	vm->flags = config->flags;
	vm->console_fd = config->console_fd;
	vm->console_in_fd = config->console_in_fd;
	vm->input_wake[0] = vm->input_wake[1] = -1;
	vm->proc_statm_fd = vm->proc_smaps_fd = -1;
	vm->before_run = config->before_run;
	vm->userdata = config->userdata;
	pthread_mutex_init(&vm->bus_lock, NULL);
	pthread_mutex_init(&vm->stop_lock, NULL);
	pthread_cond_init(&vm->stop_cond, NULL);
	io_bus_init(vm);
	r = cpuid_mask_parse(&vm->cpu_mask, config->cpu_features);
	if (r < 0)
		goto fail;

	/* Open KVM first: on a host without it, fail before reading a large kernel. */
	if (!(vm->flags & VOLT_VMM_FLAG_NO_KVM)) {
		r = kvm_open(vm, &run_size);
		if (r < 0)
			goto fail;
	}
	r = guest_mem_map(&vm->mem, config->memory_bytes ? config->memory_bytes : VOLT_VMM_DEFAULT_MEMORY,
			  vm->flags & VOLT_VMM_FLAG_HUGEPAGES);
	if (r < 0)
		goto fail;
	r = vm_load_guest(vm, config);
	if (r < 0)
		goto fail;
	volt_log(VOLT_LOG_DEBUG, "vmm: %s kernel loaded, entry 0x%llx, %u vCPU(s), %llu MiB",
		 vm->entry.protocol == VOLT_VMM_BOOT_PVH ? "PVH" : "bzImage",
		 (unsigned long long)vm->entry.rip, vm->cpus,
		 (unsigned long long)(vm->mem.size >> 20));
	if (vm->flags & VOLT_VMM_FLAG_NO_KVM) {
		*out = vm;
		return 0;
	}

	r = kvm_create_vm(vm);
	if (r < 0)
		goto fail;
	for (unsigned int i = 0; i < vm->cpus; i++) {
		r = vcpu_create(vm, i, (size_t)run_size);
		if (r < 0)
			goto fail;
		r = vcpu_setup(&vm->vcpus[i]);
		if (r < 0) {
			r = volt_error_prefix(r, "vCPU %u", i);
			goto fail;
		}
	}
	*out = vm;
	return 0;

fail:
	volt_vmm_free(vm);
	return r;
}

VOLT_API volt_vmm *volt_vmm_free(volt_vmm *vm)
{
	if (!vm)
		return NULL;
	devices_stop(vm);
	for (unsigned int i = 0; i < VOLT_VMM_MAX_CPUS; i++)
		vcpu_destroy(&vm->vcpus[i]);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->proc_statm_fd >= 0)
		close(vm->proc_statm_fd);
	if (vm->proc_smaps_fd >= 0)
		close(vm->proc_smaps_fd);
	/* Devices first: disks flush into their files, descriptors close before the VM's. */
	devices_free(vm);
	free(vm->cmdline_base);
	free(vm->cmdline);
	guest_mem_release(&vm->mem);
	pthread_cond_destroy(&vm->stop_cond);
	pthread_mutex_destroy(&vm->stop_lock);
	pthread_mutex_destroy(&vm->bus_lock);
	free(vm);
	return NULL;
}

VOLT_API volt_vmm_exit volt_vmm_exit_reason(const volt_vmm *vm)
{
	return vm ? vm->exit_reason : VOLT_VMM_EXIT_NONE;
}

/* Resident set of the whole process, from /proc/self/statm (pages). */
static int64_t process_rss(const struct volt_vmm *vm)
{
	_cleanup_fclose_ FILE *f = proc_file_reopen(vm->proc_statm_fd, "/proc/self/statm");
	unsigned long long size, resident;

	if (!f || fscanf(f, "%llu %llu", &size, &resident) != 2)
		return -EIO;
	return (int64_t)(resident * (unsigned long long)sysconf(_SC_PAGESIZE));
}

VOLT_API int volt_vmm_get_stats(volt_vmm_stats *out, const volt_vmm *vm)
{
	int64_t guest, rss;
	uint64_t first;

	assert_return(vm, -EINVAL);
	assert_return(out, -EINVAL);
	if (!VERSION_SUPPORTED(out->version, VOLT_VMM_STATS_VERSION))
		return volt_error_set(EINVAL, "volt_vmm_stats version %u is not supported (1 to %u)", out->version,
				      VOLT_VMM_STATS_VERSION);
	guest = guest_mem_resident_from(&vm->mem, vm->proc_smaps_fd);
	rss = process_rss(vm);
	if (guest < 0 || rss < 0)
		return volt_error_set(EIO, "cannot measure resident memory");
	first = atomic_load(&((struct volt_vmm *)vm)->t_first_run_ns);
	*out = (volt_vmm_stats){
		.version = VOLT_VMM_STATS_VERSION,
		.new_to_first_run_ns = first ? first - vm->t_new_ns : 0,
		.first_run_boottime_ns = atomic_load(&((struct volt_vmm *)vm)->t_first_run_boottime_ns),
		.guest_memory_bytes = vm->mem.size,
		.guest_resident_bytes = (uint64_t)guest,
		.process_rss_bytes = (uint64_t)rss,
		.vmm_overhead_bytes = rss > guest ? (uint64_t)(rss - guest) : 0,
	};
	return 0;
}
