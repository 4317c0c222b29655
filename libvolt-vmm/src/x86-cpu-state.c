/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <volt/core/error.h>

#include "layout.h"
#include "x86-cpu-state.h"

#define PTE_PRESENT 0x1ULL
#define PTE_RW      0x2ULL
#define PTE_PS      0x80ULL /* 2 MiB page in a page directory entry */
#define PAGE_SIZE_4K 0x1000ULL
#define HUGE_2M     (2ULL << 20)

uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000u) << 32) |
	       ((uint64_t)(flags & 0xf0ffu) << 40) |
	       ((uint64_t)(limit & 0x000f0000u) << 32) |
	       ((uint64_t)(base & 0x00ffffffu) << 16) |
	       (uint64_t)(limit & 0x0000ffffu);
}

void gdt_entry_to_segment(uint64_t e, uint16_t selector, struct kvm_segment *out)
{
	uint32_t limit = (uint32_t)((e & 0xffff) | ((e >> 32) & 0xf0000));

	memset(out, 0, sizeof(*out));
	out->base = ((e >> 16) & 0xffffff) | ((e >> 32) & 0xff000000);
	out->g = (e >> 55) & 1;
	/* With G set the limit counts 4 KiB pages. */
	out->limit = out->g ? (limit << 12) | 0xfff : limit;
	out->selector = selector;
	out->type = (e >> 40) & 0xf;
	out->s = (e >> 44) & 1;
	out->dpl = (e >> 45) & 3;
	out->present = (e >> 47) & 1;
	out->avl = (e >> 52) & 1;
	out->l = (e >> 53) & 1;
	out->db = (e >> 54) & 1;
	out->unusable = !out->present;
}

static void gdt_table(uint64_t gdt[GDT_ENTRIES])
{
	memset(gdt, 0, GDT_ENTRIES * sizeof(uint64_t));
	gdt[GDT_SEL_CODE64 >> 3] = gdt_entry(GDT_FLAGS_CODE64, 0, 0xfffff);
	gdt[GDT_SEL_DATA >> 3] = gdt_entry(GDT_FLAGS_DATA, 0, 0xfffff);
	gdt[GDT_SEL_CODE32 >> 3] = gdt_entry(GDT_FLAGS_CODE32, 0, 0xfffff);
	gdt[GDT_SEL_TSS >> 3] = gdt_entry(GDT_FLAGS_TSS, GUEST_TSS_ADDR, 0x67);
}

int x86_write_gdt(const struct guest_mem *mem, uint64_t gpa)
{
	uint64_t gdt[GDT_ENTRIES];

	gdt_table(gdt);
	return guest_mem_write(mem, gpa, gdt, sizeof(gdt), "GDT");
}

int x86_write_identity_map(const struct guest_mem *mem, uint64_t pml4_gpa)
{
	uint64_t pdpt_gpa = pml4_gpa + PAGE_SIZE_4K;
	uint64_t pd_gpa = pdpt_gpa + PAGE_SIZE_4K;
	uint64_t *pml4 = guest_mem_ptr(mem, pml4_gpa, PAGE_SIZE_4K);
	uint64_t *pdpt = guest_mem_ptr(mem, pdpt_gpa, PAGE_SIZE_4K);
	uint64_t *pd = guest_mem_ptr(mem, pd_gpa, 4 * PAGE_SIZE_4K);

	if (!pml4 || !pdpt || !pd || (pml4_gpa & (PAGE_SIZE_4K - 1)))
		return volt_error_set(EFAULT, "page tables at 0x%llx do not fit in guest memory",
				      (unsigned long long)pml4_gpa);
	memset(pml4, 0, PAGE_SIZE_4K);
	memset(pdpt, 0, PAGE_SIZE_4K);
	pml4[0] = pdpt_gpa | PTE_PRESENT | PTE_RW;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (pd_gpa + i * PAGE_SIZE_4K) | PTE_PRESENT | PTE_RW;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i * HUGE_2M) | PTE_PRESENT | PTE_RW | PTE_PS;
	return 0;
}

static void load_flat_segments(struct kvm_sregs *s, uint64_t gdt_gpa, uint16_t code_sel)
{
	uint64_t gdt[GDT_ENTRIES];

	gdt_table(gdt);
	gdt_entry_to_segment(gdt[code_sel >> 3], code_sel, &s->cs);
	gdt_entry_to_segment(gdt[GDT_SEL_DATA >> 3], GDT_SEL_DATA, &s->ds);
	s->es = s->fs = s->gs = s->ss = s->ds;
	gdt_entry_to_segment(gdt[GDT_SEL_TSS >> 3], GDT_SEL_TSS, &s->tr);
	s->gdt.base = gdt_gpa;
	s->gdt.limit = sizeof(gdt) - 1;
	/* No IDT: interrupts stay off until the kernel loads its own. */
	s->idt.base = 0;
	s->idt.limit = 0;
}

void x86_sregs_long_mode(struct kvm_sregs *s, uint64_t gdt_gpa, uint64_t pml4_gpa)
{
	load_flat_segments(s, gdt_gpa, GDT_SEL_CODE64);
	s->cr3 = pml4_gpa;
	s->cr4 = X86_CR4_PAE;
	s->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
	s->efer = X86_EFER_LME | X86_EFER_LMA;
}

void x86_sregs_protected_mode(struct kvm_sregs *s, uint64_t gdt_gpa)
{
	load_flat_segments(s, gdt_gpa, GDT_SEL_CODE32);
	s->cr3 = 0;
	s->cr4 = 0;
	s->cr0 = X86_CR0_PE | X86_CR0_ET;
	s->efer = 0;
}
