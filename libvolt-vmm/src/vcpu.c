/*
 * One vCPU: its file descriptor and kvm_run page, and the state it
 * starts in. Every vCPU gets CPUID, MSRs and local APIC wiring; only
 * the boot CPU (index 0) gets registers: the others wait in the
 * in-kernel APIC for the INIT/SIPI the guest sends them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <volt/core/error.h>
#include <volt/core/log.h>

#include "cpuid.h"
#include "layout.h"
#include "shared/macro.h"
#include "vm-internal.h"
#include "x86-cpu-state.h"

#define MSR_IA32_TSC            0x10
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_MTRR_DEF_TYPE       0x2ff
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_SYSCALL_MASK        0xc0000084
#define MSR_KERNEL_GS_BASE      0xc0000102

#define MISC_ENABLE_FAST_STRING 0x1ULL
#define MTRR_ENABLE_WRITEBACK   ((1ULL << 11) | 6) /* MTRRs on, default type WB */

#define APIC_LVT_LINT0          0x350
#define APIC_LVT_LINT1          0x360
#define APIC_MODE_NMI           0x4
#define APIC_MODE_EXTINT        0x7

int vcpu_create(struct volt_vmm *vm, unsigned int index, size_t run_size)
{
	struct vcpu *v = &vm->vcpus[index];
	void *run;

	v->vm = vm;
	v->index = index;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0)
		return volt_error_set_errno(errno, "KVM_CREATE_VCPU %u", index);
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (run == MAP_FAILED)
		return volt_error_set_errno(errno, "map kvm_run of vCPU %u", index);
	v->run = run;
	v->run_size = run_size;
	return 0;
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}

static int setup_cpuid(struct vcpu *v)
{
	_cleanup_free_ struct cpuid_table *t = malloc(sizeof(*t));
	int r;

	if (!t)
		return volt_error_set(ENOMEM, "allocate CPUID table");
	r = cpuid_get_supported(t, v->vm->kvm_fd);
	if (r < 0)
		return r;
	cpuid_filter(t, v->index, v->vm->cpus);
	cpuid_mask_apply(t, &v->vm->cpu_mask);
	if (ioctl(v->fd, KVM_SET_CPUID2, &t->head) < 0)
		return volt_error_set_errno(errno, "KVM_SET_CPUID2");
	return 0;
}

static int setup_msrs(struct vcpu *v)
{
	static const struct { uint32_t index; uint64_t value; } boot_msrs[] = {
		{ MSR_IA32_SYSENTER_CS, 0 },
		{ MSR_IA32_SYSENTER_ESP, 0 },
		{ MSR_IA32_SYSENTER_EIP, 0 },
		{ MSR_STAR, 0 },
		{ MSR_CSTAR, 0 },
		{ MSR_KERNEL_GS_BASE, 0 },
		{ MSR_SYSCALL_MASK, 0 },
		{ MSR_LSTAR, 0 },
		{ MSR_IA32_TSC, 0 },
		{ MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING },
		{ MSR_MTRR_DEF_TYPE, MTRR_ENABLE_WRITEBACK },
	};
	struct {
		struct kvm_msrs head;
		struct kvm_msr_entry entries[ELEMENTSOF(boot_msrs)];
	} msrs;
	int r;

	memset(&msrs, 0, sizeof(msrs));
	msrs.head.nmsrs = ELEMENTSOF(boot_msrs);
	for (size_t i = 0; i < ELEMENTSOF(boot_msrs); i++) {
		msrs.entries[i].index = boot_msrs[i].index;
		msrs.entries[i].data = boot_msrs[i].value;
	}
	r = ioctl(v->fd, KVM_SET_MSRS, &msrs);
	if (r < 0)
		return volt_error_set_errno(errno, "KVM_SET_MSRS");
	/* KVM stops at the first MSR it refuses and returns how many it set. */
	if ((size_t)r != ELEMENTSOF(boot_msrs))
		return volt_error_set(EINVAL, "KVM refused MSR 0x%x", msrs.entries[r].index);
	return 0;
}

static void lvt_set_mode(struct kvm_lapic_state *l, unsigned int reg, uint32_t mode)
{
	uint32_t v;

	memcpy(&v, &l->regs[reg], sizeof(v));
	v = (v & ~0x700u & ~(1u << 16)) | (mode << 8); /* delivery mode, unmasked */
	memcpy(&l->regs[reg], &v, sizeof(v));
}

static int setup_lapic(struct vcpu *v)
{
	struct kvm_lapic_state lapic;

	if (ioctl(v->fd, KVM_GET_LAPIC, &lapic) < 0)
		return volt_error_set_errno(errno, "KVM_GET_LAPIC");
	/* As on a PC: the 8259 on LINT0, NMI on LINT1 (matching the MP table). */
	lvt_set_mode(&lapic, APIC_LVT_LINT0, APIC_MODE_EXTINT);
	lvt_set_mode(&lapic, APIC_LVT_LINT1, APIC_MODE_NMI);
	if (ioctl(v->fd, KVM_SET_LAPIC, &lapic) < 0)
		return volt_error_set_errno(errno, "KVM_SET_LAPIC");
	return 0;
}

static int setup_boot_registers(struct vcpu *v)
{
	const struct boot_entry *e = &v->vm->entry;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu;

	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f; /* x87 state after FNINIT */
	fpu.mxcsr = 0x1f80; /* SSE exceptions masked */
	if (ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return volt_error_set_errno(errno, "KVM_SET_FPU");

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return volt_error_set_errno(errno, "KVM_GET_SREGS");
	if (e->protocol == VOLT_VMM_BOOT_PVH)
		x86_sregs_protected_mode(&sregs, GUEST_GDT_ADDR);
	else
		x86_sregs_long_mode(&sregs, GUEST_GDT_ADDR, GUEST_PML4_ADDR);
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return volt_error_set_errno(errno, "KVM_SET_SREGS");

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2; /* reserved bit; interrupts off */
	regs.rip = e->rip;
	if (e->protocol == VOLT_VMM_BOOT_PVH) {
		regs.rbx = e->start_info;
	} else {
		regs.rsi = e->zero_page;
	}
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return volt_error_set_errno(errno, "KVM_SET_REGS");
	return 0;
}

int vcpu_setup(struct vcpu *v)
{
	int r;

	r = setup_cpuid(v);
	if (r < 0)
		return r;
	r = setup_msrs(v);
	if (r < 0)
		return r;
	r = setup_lapic(v);
	if (r < 0)
		return r;
	if (v->index == 0)
		return setup_boot_registers(v);
	return 0;
}
