/*
 * The CPUID a guest sees: what KVM supports on this host
 * (KVM_GET_SUPPORTED_CPUID), adjusted per vCPU so that the guest finds
 * its own APIC id, knows it runs under a hypervisor, and is not offered
 * a performance-monitoring unit the VMM does not virtualise.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_CPUID_H
#define VOLT_VMM_CPUID_H

#include <linux/kvm.h>

#define CPUID_MAX_ENTRIES 256

struct cpuid_table {
	struct kvm_cpuid2 head;
	struct kvm_cpuid_entry2 entries[CPUID_MAX_ENTRIES];
};

/* Ask KVM (the /dev/kvm fd) for every leaf it can offer. */
int cpuid_get_supported(struct cpuid_table *out, int kvm_fd);

/*
 * Adjust @t in place for vCPU @index of @count: APIC ids in leaves 1,
 * 0xB and 0x1F, logical processor count in leaf 1, the hypervisor bit,
 * no architectural PMU (leaf 0xA).
 */
void cpuid_filter(struct cpuid_table *t, unsigned int index, unsigned int count);

/* The entry for @function/@index, or NULL. */
struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, unsigned int function,
				    unsigned int index);

#endif
