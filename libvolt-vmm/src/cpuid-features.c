/*
 * The CPUID feature mask (--cpu-features): named feature bits, the
 * x86-64 psABI levels as baselines, and what depends on what.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <volt/core/error.h>

#include "cpuid.h"

enum { EAX, EBX, ECX, EDX };

/*
 * Level: the x86-64 psABI level (1 to 4) that has the feature; 5 for an
 * instruction-set extension outside the levels (a baseline removes it
 * too); 0 for a system feature a baseline keeps (paging, APIC, SMEP, ...:
 * the guest kernel's business, not its programs').
 * Requires: removing that feature removes this one too.
 * Names are /proc/cpuinfo's.
 */
struct cpuid_feature {
	const char *name;
	uint32_t function, index;
	uint8_t reg, bit, level;
	const char *requires;
};

static const struct cpuid_feature features[] = {
	/* leaf 1, EDX */
	{ "fpu", 1, 0, EDX, 0, 1, NULL },
	{ "tsc", 1, 0, EDX, 4, 0, NULL },
	{ "pae", 1, 0, EDX, 6, 0, NULL },
	{ "cx8", 1, 0, EDX, 8, 1, NULL },
	{ "apic", 1, 0, EDX, 9, 0, NULL },
	{ "sep", 1, 0, EDX, 11, 0, NULL },
	{ "mtrr", 1, 0, EDX, 12, 0, NULL },
	{ "pge", 1, 0, EDX, 13, 0, NULL },
	{ "cmov", 1, 0, EDX, 15, 1, NULL },
	{ "pat", 1, 0, EDX, 16, 0, NULL },
	{ "clflush", 1, 0, EDX, 19, 0, NULL },
	{ "mmx", 1, 0, EDX, 23, 1, NULL },
	{ "fxsr", 1, 0, EDX, 24, 1, NULL },
	{ "sse", 1, 0, EDX, 25, 1, "fxsr" },
	{ "sse2", 1, 0, EDX, 26, 1, "sse" },
	/* leaf 1, ECX */
	{ "pni", 1, 0, ECX, 0, 2, "sse2" },
	{ "pclmulqdq", 1, 0, ECX, 1, 5, "sse2" },
	{ "ssse3", 1, 0, ECX, 9, 2, "pni" },
	{ "fma", 1, 0, ECX, 12, 3, "avx" },
	{ "cx16", 1, 0, ECX, 13, 2, NULL },
	{ "pcid", 1, 0, ECX, 17, 0, NULL },
	{ "sse4_1", 1, 0, ECX, 19, 2, "ssse3" },
	{ "sse4_2", 1, 0, ECX, 20, 2, "sse4_1" },
	{ "x2apic", 1, 0, ECX, 21, 0, NULL },
	{ "movbe", 1, 0, ECX, 22, 3, NULL },
	{ "popcnt", 1, 0, ECX, 23, 2, NULL },
	{ "tsc_deadline_timer", 1, 0, ECX, 24, 0, NULL },
	{ "aes", 1, 0, ECX, 25, 5, "sse2" },
	{ "xsave", 1, 0, ECX, 26, 3, NULL },
	{ "avx", 1, 0, ECX, 28, 3, "xsave" },
	{ "f16c", 1, 0, ECX, 29, 3, "avx" },
	{ "rdrand", 1, 0, ECX, 30, 5, NULL },
	/* leaf 7, EBX */
	{ "fsgsbase", 7, 0, EBX, 0, 5, NULL },
	{ "bmi1", 7, 0, EBX, 3, 3, NULL },
	{ "hle", 7, 0, EBX, 4, 5, NULL },
	{ "avx2", 7, 0, EBX, 5, 3, "avx" },
	{ "smep", 7, 0, EBX, 7, 0, NULL },
	{ "bmi2", 7, 0, EBX, 8, 3, NULL },
	{ "erms", 7, 0, EBX, 9, 5, NULL },
	{ "invpcid", 7, 0, EBX, 10, 0, NULL },
	{ "rtm", 7, 0, EBX, 11, 5, NULL },
	{ "avx512f", 7, 0, EBX, 16, 4, "avx2" },
	{ "avx512dq", 7, 0, EBX, 17, 4, "avx512f" },
	{ "rdseed", 7, 0, EBX, 18, 5, NULL },
	{ "adx", 7, 0, EBX, 19, 5, NULL },
	{ "smap", 7, 0, EBX, 20, 0, NULL },
	{ "avx512ifma", 7, 0, EBX, 21, 5, "avx512f" },
	{ "clflushopt", 7, 0, EBX, 23, 5, NULL },
	{ "clwb", 7, 0, EBX, 24, 5, NULL },
	{ "avx512cd", 7, 0, EBX, 28, 4, "avx512f" },
	{ "sha_ni", 7, 0, EBX, 29, 5, "sse2" },
	{ "avx512bw", 7, 0, EBX, 30, 4, "avx512f" },
	{ "avx512vl", 7, 0, EBX, 31, 4, "avx512f" },
	/* leaf 7, ECX */
	{ "avx512vbmi", 7, 0, ECX, 1, 5, "avx512f" },
	{ "umip", 7, 0, ECX, 2, 0, NULL },
	{ "pku", 7, 0, ECX, 3, 0, "xsave" },
	{ "avx512_vbmi2", 7, 0, ECX, 6, 5, "avx512f" },
	{ "gfni", 7, 0, ECX, 8, 5, "sse2" },
	{ "vaes", 7, 0, ECX, 9, 5, "avx" },
	{ "vpclmulqdq", 7, 0, ECX, 10, 5, "avx" },
	{ "avx512_vnni", 7, 0, ECX, 11, 5, "avx512f" },
	{ "avx512_bitalg", 7, 0, ECX, 12, 5, "avx512f" },
	{ "avx512_vpopcntdq", 7, 0, ECX, 14, 5, "avx512f" },
	{ "la57", 7, 0, ECX, 16, 0, NULL },
	{ "rdpid", 7, 0, ECX, 22, 5, NULL },
	/* leaf 0xD, sub-leaf 1, EAX: the XSAVE variants */
	{ "xsaveopt", 0xd, 1, EAX, 0, 5, "xsave" },
	{ "xsavec", 0xd, 1, EAX, 1, 5, "xsave" },
	{ "xgetbv1", 0xd, 1, EAX, 2, 5, "xsave" },
	{ "xsaves", 0xd, 1, EAX, 3, 5, "xsave" },
	/* leaf 0x80000001, ECX and EDX */
	{ "lahf_lm", 0x80000001, 0, ECX, 0, 2, NULL },
	{ "abm", 0x80000001, 0, ECX, 5, 3, NULL },
	{ "sse4a", 0x80000001, 0, ECX, 6, 5, "sse2" },
	{ "misalignsse", 0x80000001, 0, ECX, 7, 5, NULL },
	{ "3dnowprefetch", 0x80000001, 0, ECX, 8, 5, NULL },
	{ "xop", 0x80000001, 0, ECX, 11, 5, "avx" },
	{ "fma4", 0x80000001, 0, ECX, 16, 5, "avx" },
	{ "tbm", 0x80000001, 0, ECX, 21, 5, NULL },
	{ "syscall", 0x80000001, 0, EDX, 11, 1, NULL },
	{ "nx", 0x80000001, 0, EDX, 20, 0, NULL },
	{ "pdpe1gb", 0x80000001, 0, EDX, 26, 0, NULL },
	{ "rdtscp", 0x80000001, 0, EDX, 27, 5, NULL },
	{ "lm", 0x80000001, 0, EDX, 29, 1, NULL },
};

_Static_assert(sizeof(features) / sizeof(features[0]) <= CPUID_MASK_MAX, "a mask bit per feature");

#define N_FEATURES (sizeof(features) / sizeof(features[0]))

static int find(const char *name, size_t len)
{
	for (size_t i = 0; i < N_FEATURES; i++)
		if (strlen(features[i].name) == len && strncmp(features[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static bool is_cleared(const struct cpuid_mask *m, size_t i)
{
	return m->clear[i / 64] & (1ULL << (i % 64));
}

static void set_cleared(struct cpuid_mask *m, size_t i, bool on)
{
	if (on)
		m->clear[i / 64] |= 1ULL << (i % 64);
	else
		m->clear[i / 64] &= ~(1ULL << (i % 64));
}

/* Keeping a feature keeps what it needs. */
static void keep(struct cpuid_mask *m, int i)
{
	while (i >= 0) {
		set_cleared(m, (size_t)i, false);
		i = features[i].requires ? find(features[i].requires, strlen(features[i].requires)) : -1;
	}
}

/* Whatever needs a removed feature goes too (until nothing changes: the chains are short). */
static void close_dependents(struct cpuid_mask *m)
{
	bool changed = true;

	while (changed) {
		changed = false;
		for (size_t i = 0; i < N_FEATURES; i++) {
			int r = features[i].requires ? find(features[i].requires, strlen(features[i].requires)) : -1;

			if (r >= 0 && is_cleared(m, (size_t)r) && !is_cleared(m, i)) {
				set_cleared(m, i, true);
				changed = true;
			}
		}
	}
}

int cpuid_mask_parse(struct cpuid_mask *out, const char *spec)
{
	struct cpuid_mask m = { 0 };
	const char *p = spec;

	if (!spec || !*spec) {
		*out = m;
		return 0;
	}
	for (;;) {
		size_t len = strcspn(p, ",");
		int i;

		if (len == 0)
			return volt_error_set(EINVAL, "CPU features '%s': an empty item", spec);
		if (len == 9 && strncmp(p, "x86-64-v", 8) == 0 && p[8] >= '1' && p[8] <= '4') {
			unsigned int level = (unsigned int)(p[8] - '0');

			for (size_t k = 0; k < N_FEATURES; k++)
				if (features[k].level > level)
					set_cleared(&m, k, true);
		} else if (len == 4 && strncmp(p, "host", 4) == 0) {
			memset(&m, 0, sizeof(m));
		} else if ((p[0] == '-' || p[0] == '+') && (i = find(p + 1, len - 1)) >= 0) {
			if (p[0] == '-')
				set_cleared(&m, (size_t)i, true);
			else
				keep(&m, i);
		} else if (p[0] == '-' || p[0] == '+') {
			return volt_error_set(EINVAL, "CPU features '%s': unknown feature '%.*s' (names as in /proc/cpuinfo; see voltvm(1))",
					      spec, (int)(len - 1), p + 1);
		} else {
			return volt_error_set(EINVAL, "CPU features '%s': '%.*s' is neither -FEATURE, +FEATURE, host nor x86-64-v1..v4",
					      spec, (int)len, p);
		}
		if (!p[len])
			break;
		p += len + 1;
	}
	close_dependents(&m);
	*out = m;
	return 0;
}

bool cpuid_mask_clears(const struct cpuid_mask *m, const char *name)
{
	int i = find(name, strlen(name));

	return i >= 0 && is_cleared(m, (size_t)i);
}

void cpuid_mask_apply(struct cpuid_table *t, const struct cpuid_mask *m)
{
	for (size_t i = 0; i < N_FEATURES; i++) {
		const struct cpuid_feature *f = &features[i];
		struct kvm_cpuid_entry2 *e;
		uint32_t *reg;

		if (!is_cleared(m, i) || !(e = cpuid_find(t, f->function, f->index)))
			continue;
		reg = f->reg == EAX ? &e->eax : f->reg == EBX ? &e->ebx : f->reg == ECX ? &e->ecx : &e->edx;
		*reg &= ~(1u << f->bit);
	}
}
