/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include <volt/core/error.h>

#include "cpuid.h"

#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_EDX_HTT        (1u << 28)

int cpuid_get_supported(struct cpuid_table *out, int kvm_fd)
{
	memset(out, 0, sizeof(*out));
	out->head.nent = CPUID_MAX_ENTRIES;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, &out->head) < 0)
		return volt_error_set_errno(errno, "KVM_GET_SUPPORTED_CPUID");
	return 0;
}

struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, unsigned int function,
				    unsigned int index)
{
	for (unsigned int i = 0; i < t->head.nent && i < CPUID_MAX_ENTRIES; i++)
		if (t->entries[i].function == function && t->entries[i].index == index)
			return &t->entries[i];
	return NULL;
}

void cpuid_filter(struct cpuid_table *t, unsigned int index, unsigned int count)
{
	for (unsigned int i = 0; i < t->head.nent && i < CPUID_MAX_ENTRIES; i++) {
		struct kvm_cpuid_entry2 *e = &t->entries[i];

		switch (e->function) {
		case 1:
			e->ecx |= CPUID1_ECX_HYPERVISOR;
			/* EBX: initial APIC id in 31:24, logical processors in 23:16. */
			e->ebx = (e->ebx & 0x0000ffffu) | (index << 24) | ((count & 0xff) << 16);
			if (count > 1)
				e->edx |= CPUID1_EDX_HTT;
			break;
		case 0xa:
			/* No vPMU: version 0 tells the guest there is none. */
			e->eax = e->ebx = e->ecx = e->edx = 0;
			break;
		case 0xb:
		case 0x1f:
			/* Extended topology: EDX is this CPU's x2APIC id. */
			e->edx = index;
			break;
		default:
			break;
		}
	}
}
