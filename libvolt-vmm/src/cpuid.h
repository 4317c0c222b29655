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

#include <stdbool.h>
#include <stdint.h>
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

/* Features a mask can name (cpuid-features.c's table). */
#define CPUID_MASK_MAX 128

/* Features to hide from the guest, by position in cpuid-features.c's table. */
struct cpuid_mask {
	uint64_t clear[CPUID_MASK_MAX / 64];
};

/*
 * Parse a --cpu-features list (NULL or "" hides nothing): comma-separated
 * items, applied in order: "-NAME" hides a feature (names as in
 * /proc/cpuinfo) and every feature that needs it (-xsave hides AVX and
 * the rest); "+NAME" keeps one (and what it needs) that an earlier item
 * hid; "x86-64-v1" .. "x86-64-v4" hide every instruction-set extension
 * above that psABI level (system features such as SMEP stay); "host"
 * hides nothing again. A feature the host lacks stays absent: a mask only
 * removes. Returns 0, or -EINVAL with a message naming the bad item.
 */
int cpuid_mask_parse(struct cpuid_mask *out, const char *spec);

/* Clear every feature bit @m hides in @t (leaves absent from @t are skipped). */
void cpuid_mask_apply(struct cpuid_table *t, const struct cpuid_mask *m);

/* Whether @m hides the feature called @name (false for an unknown name). */
bool cpuid_mask_clears(const struct cpuid_mask *m, const char *name);

/* The entry for @function/@index, or NULL. */
struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, unsigned int function,
				    unsigned int index);

#endif
