/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <volt/core/error.h>

#include "boot-pvh.h"
#include "bytes.h"
#include "e820.h"

/* ELF64 layout (System V gABI and the x86-64 psABI). */
#define EHDR_SIZE      64
#define PHDR_SIZE      56
#define E_TYPE         16
#define E_MACHINE      18
#define E_PHOFF        32
#define E_PHENTSIZE    54
#define E_PHNUM        56
#define ET_EXEC        2
#define EM_X86_64      62
#define PT_LOAD        1
#define PT_NOTE        4
#define P_TYPE         0
#define P_OFFSET       8
#define P_PADDR        24
#define P_FILESZ       32
#define P_MEMSZ        40

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PAGE_MASK_4K   0xfffULL

int pvh_is_elf(const uint8_t *image, size_t size)
{
	return image && size >= 4 && memcmp(image, "\177ELF", 4) == 0;
}

static uint64_t align4(uint64_t v)
{
	return (v + 3) & ~3ULL;
}

/* Walk the notes of one PT_NOTE segment; 1 and *entry set if the PVH note is there. */
static int find_pvh_note(const uint8_t *note, uint64_t len, uint32_t *entry)
{
	uint64_t off = 0;

	while (len - off >= 12) {
		uint32_t namesz = get_le32(note + off);
		uint32_t descsz = get_le32(note + off + 4);
		uint32_t type = get_le32(note + off + 8);
		uint64_t name_off = off + 12;
		uint64_t desc_off = name_off + align4(namesz);

		if (!range_ok(name_off, align4(namesz), len) || !range_ok(desc_off, descsz, len))
			return volt_error_set(EINVAL, "ELF note at offset %llu runs past its segment",
					      (unsigned long long)off);
		if (namesz == 4 && memcmp(note + name_off, "Xen", 4) == 0 &&
		    type == XEN_ELFNOTE_PHYS32_ENTRY) {
			uint64_t value;

			/* Linux writes it pointer-sized; the spec says 32 bits. */
			if (descsz == 4)
				value = get_le32(note + desc_off);
			else if (descsz == 8)
				value = get_le64(note + desc_off);
			else
				return volt_error_set(EINVAL, "PVH entry note has %u bytes", descsz);
			if (value > UINT32_MAX)
				return volt_error_set(EINVAL, "PVH entry 0x%llx is above 4 GiB",
						      (unsigned long long)value);
			*entry = (uint32_t)value;
			return 1;
		}
		off = desc_off + align4(descsz);
		if (off > len)
			break;
	}
	return 0;
}

int pvh_parse(struct pvh_image *out, const uint8_t *image, size_t size)
{
	struct pvh_image img = { 0 };
	uint64_t phoff;
	unsigned int phnum;
	int found = 0;

	if (!pvh_is_elf(image, size) || size < EHDR_SIZE)
		return volt_error_set(ENOEXEC, "not an ELF file");
	if (image[4] != 2 || image[5] != 1)
		return volt_error_set(ENOEXEC, "not a 64-bit little-endian ELF file");
	if (get_le16(image + E_MACHINE) != EM_X86_64 || get_le16(image + E_TYPE) != ET_EXEC)
		return volt_error_set(ENOEXEC, "not an x86-64 ELF executable");

	phoff = get_le64(image + E_PHOFF);
	phnum = get_le16(image + E_PHNUM);
	if (get_le16(image + E_PHENTSIZE) != PHDR_SIZE)
		return volt_error_set(EINVAL, "ELF program headers are %u bytes, not %u",
				      get_le16(image + E_PHENTSIZE), PHDR_SIZE);
	if (phnum == 0 || !range_ok(phoff, (uint64_t)phnum * PHDR_SIZE, size))
		return volt_error_set(EINVAL, "ELF program headers lie outside the file");

	for (unsigned int i = 0; i < phnum; i++) {
		const uint8_t *ph = image + phoff + (uint64_t)i * PHDR_SIZE;
		uint32_t type = get_le32(ph + P_TYPE);
		uint64_t offset = get_le64(ph + P_OFFSET);
		uint64_t filesz = get_le64(ph + P_FILESZ);

		if (type != PT_LOAD && type != PT_NOTE)
			continue;
		if (!range_ok(offset, filesz, size))
			return volt_error_set(EINVAL, "ELF segment %u lies outside the file", i);
		if (type == PT_NOTE) {
			if (!found) {
				int r = find_pvh_note(image + offset, filesz, &img.entry);
				if (r < 0)
					return r;
				found = r;
			}
			continue;
		}

		struct pvh_load load = {
			.offset = offset,
			.filesz = filesz,
			.paddr = get_le64(ph + P_PADDR),
			.memsz = get_le64(ph + P_MEMSZ),
		};
		if (load.filesz > load.memsz)
			return volt_error_set(EINVAL, "ELF segment %u has more file bytes than memory", i);
		if (load.paddr + load.memsz < load.paddr)
			return volt_error_set(EINVAL, "ELF segment %u wraps around the address space", i);
		if (img.nloads == PVH_MAX_LOADS)
			return volt_error_set(EINVAL, "more than %d loadable ELF segments", PVH_MAX_LOADS);
		img.loads[img.nloads++] = load;
		if (load.paddr + load.memsz > img.end)
			img.end = load.paddr + load.memsz;
	}
	if (!found)
		return volt_error_set(EINVAL, "ELF file has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); "
				      "the kernel needs CONFIG_PVH=y");
	if (img.nloads == 0)
		return volt_error_set(EINVAL, "ELF file has no loadable segment");
	*out = img;
	return 0;
}

int pvh_load(const struct guest_mem *mem, const uint8_t *image, size_t size,
	     const struct pvh_image *img)
{
	for (unsigned int i = 0; i < img->nloads; i++) {
		const struct pvh_load *l = &img->loads[i];
		uint8_t *dst = guest_mem_ptr(mem, l->paddr, l->memsz);

		if (!range_ok(l->offset, l->filesz, size))
			return volt_error_set(EINVAL, "ELF segment %u lies outside the file", i);
		if (!dst)
			return volt_error_set(ENOMEM,
					      "ELF segment %u (0x%llx, %llu KiB) does not fit in %llu MiB of guest memory",
					      i, (unsigned long long)l->paddr,
					      (unsigned long long)(l->memsz >> 10),
					      (unsigned long long)(mem->size >> 20));
		memcpy(dst, image + l->offset, l->filesz);
		memset(dst + l->filesz, 0, l->memsz - l->filesz);
	}
	return 0;
}

int pvh_initrd_addr(uint64_t *out, const struct pvh_image *img, uint64_t mem_size,
		    uint64_t initrd_size)
{
	uint64_t addr;

	if (initrd_size > mem_size || ((mem_size - initrd_size) & ~PAGE_MASK_4K) < img->end)
		return volt_error_set(ENOMEM, "initrd of %llu KiB does not fit above the kernel; give the VM more memory",
				      (unsigned long long)(initrd_size >> 10));
	addr = (mem_size - initrd_size) & ~PAGE_MASK_4K;
	*out = addr;
	return 0;
}

int pvh_build_start_info(const struct guest_mem *mem, uint64_t gpa, uint64_t cmdline_gpa,
			 uint64_t initrd_gpa, uint64_t initrd_size)
{
	struct e820_range map[8];
	uint64_t modlist_gpa = gpa + sizeof(struct hvm_start_info);
	uint64_t memmap_gpa = modlist_gpa + sizeof(struct hvm_modlist_entry);
	struct hvm_start_info *si;
	struct hvm_modlist_entry *mod;
	struct hvm_memmap_entry *mm;
	int n = e820_build(map, 8, mem->size);

	if (n < 0)
		return n;
	si = guest_mem_ptr(mem, gpa, sizeof(*si));
	mod = guest_mem_ptr(mem, modlist_gpa, sizeof(*mod));
	mm = guest_mem_ptr(mem, memmap_gpa, (uint64_t)n * sizeof(*mm));
	if (!si || !mod || !mm)
		return volt_error_set(EFAULT, "PVH start info at 0x%llx is outside guest memory",
				      (unsigned long long)gpa);

	*si = (struct hvm_start_info){
		.magic = HVM_START_MAGIC,
		.version = 1,
		.cmdline_paddr = cmdline_gpa,
		.memmap_paddr = memmap_gpa,
		.memmap_entries = (uint32_t)n,
	};
	if (initrd_size) {
		*mod = (struct hvm_modlist_entry){ .paddr = initrd_gpa, .size = initrd_size };
		si->nr_modules = 1;
		si->modlist_paddr = modlist_gpa;
	}
	for (int i = 0; i < n; i++)
		mm[i] = (struct hvm_memmap_entry){ map[i].addr, map[i].size, map[i].type, 0 };
	return 0;
}
