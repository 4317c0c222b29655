/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "check-main.h"
#include "cpuid.h"

static void add(struct cpuid_table *t, uint32_t fn, uint32_t idx, uint32_t a, uint32_t b,
		uint32_t c, uint32_t d)
{
	struct kvm_cpuid_entry2 *e = &t->entries[t->head.nent++];

	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->eax = a;
	e->ebx = b;
	e->ecx = c;
	e->edx = d;
}

START_TEST(sets_apic_ids_and_hypervisor_bit)
{
	static struct cpuid_table t;

	memset(&t, 0, sizeof(t));
	add(&t, 0, 0, 0x1f, 0x68747541, 0x444d4163, 0x69746e65);
	add(&t, 1, 0, 0x830f10, 0xff00beef, 0x1, 0x2);
	add(&t, 0xa, 0, 0x7300403, 1, 2, 3);
	add(&t, 0xb, 0, 1, 1, 0x100, 77);
	add(&t, 0xb, 1, 2, 2, 0x201, 77);
	add(&t, 0x1f, 0, 1, 1, 0x100, 77);

	cpuid_filter(&t, 3, 4);
	struct kvm_cpuid_entry2 *e = cpuid_find(&t, 1, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->ebx >> 24, 3);
	ck_assert_uint_eq((e->ebx >> 16) & 0xff, 4);
	ck_assert_uint_eq(e->ebx & 0xffff, 0xbeef);
	ck_assert_uint_eq(e->ecx & (1u << 31), 1u << 31);
	ck_assert_uint_eq(e->ecx & 1, 1);
	ck_assert_uint_eq(e->edx & (1u << 28), 1u << 28);
	e = cpuid_find(&t, 0xa, 0);
	ck_assert_uint_eq(e->eax | e->ebx | e->ecx | e->edx, 0);
	ck_assert_uint_eq(cpuid_find(&t, 0xb, 0)->edx, 3);
	ck_assert_uint_eq(cpuid_find(&t, 0xb, 1)->edx, 3);
	ck_assert_uint_eq(cpuid_find(&t, 0x1f, 0)->edx, 3);
	ck_assert_uint_eq(cpuid_find(&t, 0, 0)->ebx, 0x68747541); /* vendor untouched */
	ck_assert_ptr_null(cpuid_find(&t, 0x12345, 0));
}
END_TEST

START_TEST(single_cpu_has_no_htt)
{
	static struct cpuid_table t;

	memset(&t, 0, sizeof(t));
	add(&t, 1, 0, 0, 0, 0, 0);
	cpuid_filter(&t, 0, 1);
	ck_assert_uint_eq(cpuid_find(&t, 1, 0)->edx & (1u << 28), 0);
	ck_assert_uint_eq(cpuid_find(&t, 1, 0)->ebx >> 24, 0);
}
END_TEST

/* A table whose feature leaves have every bit set, as a host with everything would report. */
static void full_table(struct cpuid_table *t)
{
	memset(t, 0, sizeof(*t));
	add(t, 1, 0, 0x830f10, 0, ~0u, ~0u);
	add(t, 7, 0, 0, ~0u, ~0u, ~0u);
	add(t, 0xd, 0, ~0u, ~0u, ~0u, ~0u);
	add(t, 0xd, 1, ~0u, ~0u, ~0u, ~0u);
	add(t, 0x80000001, 0, 0, 0, ~0u, ~0u);
}

#define BIT(e, reg, n) (((e)->reg >> (n)) & 1u)

START_TEST(cpu_mask_minus_xsave_hides_what_needs_it)
{
	static struct cpuid_table t;
	struct cpuid_mask m;
	struct kvm_cpuid_entry2 *l1, *l7, *d1;

	ck_assert_int_eq(cpuid_mask_parse(&m, "-xsave"), 0);
	full_table(&t);
	cpuid_mask_apply(&t, &m);
	l1 = cpuid_find(&t, 1, 0);
	l7 = cpuid_find(&t, 7, 0);
	d1 = cpuid_find(&t, 0xd, 1);
	ck_assert_uint_eq(BIT(l1, ecx, 26), 0); /* xsave */
	ck_assert_uint_eq(BIT(l1, ecx, 28), 0); /* avx */
	ck_assert_uint_eq(BIT(l1, ecx, 29), 0); /* f16c */
	ck_assert_uint_eq(BIT(l1, ecx, 12), 0); /* fma */
	ck_assert_uint_eq(BIT(l7, ebx, 5), 0);  /* avx2 */
	ck_assert_uint_eq(BIT(l7, ebx, 16), 0); /* avx512f */
	ck_assert_uint_eq(BIT(l7, ebx, 30), 0); /* avx512bw */
	ck_assert_uint_eq(BIT(l7, ecx, 9), 0);  /* vaes */
	ck_assert_uint_eq(d1->eax & 0xf, 0);    /* xsaveopt, xsavec, xgetbv1, xsaves */
	/* Untouched: the SSE line, AES, BMI, system features, bits no feature names. */
	ck_assert_uint_eq(BIT(l1, ecx, 20), 1); /* sse4_2 */
	ck_assert_uint_eq(BIT(l1, ecx, 25), 1); /* aes */
	ck_assert_uint_eq(BIT(l7, ebx, 3), 1);  /* bmi1 */
	ck_assert_uint_eq(BIT(l7, ebx, 7), 1);  /* smep */
	ck_assert_uint_eq(BIT(l1, ecx, 27), 1); /* osxsave: KVM's, from CR4 */
	ck_assert_uint_eq(cpuid_find(&t, 0xd, 0)->eax, ~0u);
	ck_assert_uint_eq(l1->edx, ~0u);
	ck_assert(cpuid_mask_clears(&m, "avx512vl"));
	ck_assert(!cpuid_mask_clears(&m, "sse2"));
}
END_TEST

START_TEST(cpu_mask_baselines_keep_their_level_and_system_features)
{
	static struct cpuid_table t;
	struct cpuid_mask m;
	struct kvm_cpuid_entry2 *l1, *l7, *x1;

	ck_assert_int_eq(cpuid_mask_parse(&m, "x86-64-v2"), 0);
	full_table(&t);
	cpuid_mask_apply(&t, &m);
	l1 = cpuid_find(&t, 1, 0);
	l7 = cpuid_find(&t, 7, 0);
	x1 = cpuid_find(&t, 0x80000001, 0);
	/* v2 keeps SSE3..SSE4.2, POPCNT, CX16, LAHF; hides XSAVE, AVX, BMI, MOVBE, LZCNT, AES. */
	ck_assert_uint_eq(BIT(l1, ecx, 0) & BIT(l1, ecx, 9) & BIT(l1, ecx, 19) & BIT(l1, ecx, 20), 1);
	ck_assert_uint_eq(BIT(l1, ecx, 23) & BIT(l1, ecx, 13) & BIT(x1, ecx, 0), 1);
	ck_assert_uint_eq(BIT(l1, ecx, 26) | BIT(l1, ecx, 28) | BIT(l1, ecx, 22) | BIT(l1, ecx, 25), 0);
	ck_assert_uint_eq(BIT(l7, ebx, 3) | BIT(l7, ebx, 5) | BIT(l7, ebx, 8) | BIT(x1, ecx, 5), 0);
	/* System features stay: SMEP, SMAP, x2APIC, PCID, NX, long mode. */
	ck_assert_uint_eq(BIT(l7, ebx, 7) & BIT(l7, ebx, 20) & BIT(l1, ecx, 21) & BIT(l1, ecx, 17), 1);
	ck_assert_uint_eq(BIT(x1, edx, 20) & BIT(x1, edx, 29), 1);

	/* v3 keeps AVX2 and XSAVE, hides AVX-512; +aes after a baseline brings AES back. */
	ck_assert_int_eq(cpuid_mask_parse(&m, "x86-64-v3,+aes"), 0);
	ck_assert(!cpuid_mask_clears(&m, "avx2"));
	ck_assert(!cpuid_mask_clears(&m, "xsave"));
	ck_assert(cpuid_mask_clears(&m, "avx512f"));
	ck_assert(!cpuid_mask_clears(&m, "aes"));
	ck_assert(cpuid_mask_clears(&m, "sha_ni"));
	/* +NAME keeps what it needs: +avx2 after v2 brings back AVX and XSAVE. */
	ck_assert_int_eq(cpuid_mask_parse(&m, "x86-64-v2,+avx2"), 0);
	ck_assert(!cpuid_mask_clears(&m, "avx2"));
	ck_assert(!cpuid_mask_clears(&m, "avx"));
	ck_assert(!cpuid_mask_clears(&m, "xsave"));
	ck_assert(cpuid_mask_clears(&m, "fma"));
	/* v4 hides only extensions beyond it; host undoes everything before it. */
	ck_assert_int_eq(cpuid_mask_parse(&m, "x86-64-v4"), 0);
	ck_assert(!cpuid_mask_clears(&m, "avx512vl"));
	ck_assert(cpuid_mask_clears(&m, "avx512_vnni"));
	ck_assert_int_eq(cpuid_mask_parse(&m, "x86-64-v1,host,-avx"), 0);
	ck_assert(!cpuid_mask_clears(&m, "sse4_2"));
	ck_assert(cpuid_mask_clears(&m, "avx2"));
	ck_assert(!cpuid_mask_clears(&m, "xsave"));
}
END_TEST

START_TEST(cpu_mask_empty_hides_nothing_and_bad_lists_fail)
{
	static struct cpuid_table t, orig;
	struct cpuid_mask m;

	ck_assert_int_eq(cpuid_mask_parse(&m, NULL), 0);
	full_table(&t);
	orig = t;
	cpuid_mask_apply(&t, &m);
	ck_assert_int_eq(memcmp(&t, &orig, sizeof(t)), 0);
	ck_assert_int_eq(cpuid_mask_parse(&m, ""), 0);
	ck_assert(!cpuid_mask_clears(&m, "avx"));
	ck_assert(!cpuid_mask_clears(&m, "no-such-feature"));

	ck_assert_int_eq(cpuid_mask_parse(&m, "-nosuch"), -EINVAL);
	ck_assert_int_eq(cpuid_mask_parse(&m, "avx"), -EINVAL);
	ck_assert_int_eq(cpuid_mask_parse(&m, "-avx,,-aes"), -EINVAL);
	ck_assert_int_eq(cpuid_mask_parse(&m, "-avx,"), -EINVAL);
	ck_assert_int_eq(cpuid_mask_parse(&m, "x86-64-v5"), -EINVAL);
	ck_assert_int_eq(cpuid_mask_parse(&m, "x86-64-v"), -EINVAL);
	ck_assert_int_eq(cpuid_mask_parse(&m, "-"), -EINVAL);
	ck_assert_int_eq(cpuid_mask_parse(&m, "-avxx"), -EINVAL);
	ck_assert_int_eq(cpuid_mask_parse(&m, "-av"), -EINVAL);
	/* A table without leaf 7 (an old host) is masked where it has leaves. */
	memset(&t, 0, sizeof(t));
	add(&t, 1, 0, 0, 0, ~0u, ~0u);
	ck_assert_int_eq(cpuid_mask_parse(&m, "-avx2,-avx"), 0);
	cpuid_mask_apply(&t, &m);
	ck_assert_uint_eq(t.head.nent, 1);
	ck_assert_uint_eq(BIT(&t.entries[0], ecx, 28), 0);
	ck_assert_uint_eq(BIT(&t.entries[0], ecx, 26), 1);
}
END_TEST

CHECK_MAIN("cpuid", sets_apic_ids_and_hypervisor_bit, single_cpu_has_no_htt,
	   cpu_mask_minus_xsave_hides_what_needs_it, cpu_mask_baselines_keep_their_level_and_system_features,
	   cpu_mask_empty_hides_nothing_and_bad_lists_fail)
