/*
 * Builders for the vmm unit tests: synthetic bzImages and ELF vmlinux
 * files with exactly the fields the loaders read, and guest memory
 * backed by the heap instead of a KVM mapping.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_TEST_VMM_HELPERS_H
#define VOLT_TEST_VMM_HELPERS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "guest-memory.h"

#define TEST_MEM_SIZE (64ULL << 20)

static inline struct guest_mem test_mem(void)
{
	struct guest_mem m = { .host = calloc(1, TEST_MEM_SIZE), .size = TEST_MEM_SIZE };
	return m;
}

static inline void test_mem_free(struct guest_mem *m)
{
	free(m->host);
	m->host = NULL;
}

/* A bzImage: 4 setup sectors + boot sector, then @kernel_size bytes of "kernel". */
#define TEST_BZ_SETUP_SECTS 4
#define TEST_BZ_SETUP_SIZE ((TEST_BZ_SETUP_SECTS + 1) * 512)

static inline uint8_t *test_bzimage(size_t kernel_size, size_t *out_size)
{
	size_t size = TEST_BZ_SETUP_SIZE + kernel_size;
	uint8_t *img = calloc(1, size);

	img[0x1f1] = TEST_BZ_SETUP_SECTS;
	put_le16(img + 0x1fe, 0xaa55);
	img[0x200] = 0xeb;               /* jump */
	img[0x201] = 0x66;               /* header ends at 0x268 */
	memcpy(img + 0x202, "HdrS", 4);
	put_le16(img + 0x206, 0x020f);   /* protocol 2.15 */
	img[0x211] = 0x01;               /* LOADED_HIGH */
	put_le32(img + 0x22c, 0x7fffffff); /* initrd_addr_max */
	put_le32(img + 0x230, 0x200000);   /* kernel_alignment */
	img[0x234] = 1;                    /* relocatable */
	put_le16(img + 0x236, 0x1);        /* XLF_KERNEL_64 */
	put_le32(img + 0x238, 2048);       /* cmdline_size */
	put_le64(img + 0x258, 0x1000000);  /* pref_address */
	put_le32(img + 0x260, 0x400000);   /* init_size: 4 MiB */
	for (size_t i = 0; i < kernel_size; i++)
		img[TEST_BZ_SETUP_SIZE + i] = (uint8_t)(i * 7 + 1);
	*out_size = size;
	return img;
}

/*
 * An ELF64 x86-64 executable: header, two program headers (PT_LOAD of
 * @payload bytes at paddr 0x200000 with 0x1000 more of bss, PT_NOTE with
 * the Xen PVH entry 0x200010), the note, then the payload.
 */
#define TEST_ELF_PHOFF 64
#define TEST_ELF_NOTE_OFF (64 + 2 * 56)
#define TEST_ELF_NOTE_SIZE (12 + 4 + 8)
#define TEST_ELF_LOAD_OFF (TEST_ELF_NOTE_OFF + TEST_ELF_NOTE_SIZE)
#define TEST_ELF_PADDR 0x200000ULL
#define TEST_ELF_ENTRY 0x200010U

static inline uint8_t *test_elf(size_t payload, size_t *out_size)
{
	size_t size = TEST_ELF_LOAD_OFF + payload;
	uint8_t *img = calloc(1, size);
	uint8_t *ph, *note;

	memcpy(img, "\177ELF", 4);
	img[4] = 2; /* ELFCLASS64 */
	img[5] = 1; /* little endian */
	img[6] = 1;
	put_le16(img + 16, 2);   /* ET_EXEC */
	put_le16(img + 18, 62);  /* EM_X86_64 */
	put_le32(img + 20, 1);
	put_le64(img + 32, TEST_ELF_PHOFF);
	put_le16(img + 52, 64);
	put_le16(img + 54, 56);
	put_le16(img + 56, 2);

	ph = img + TEST_ELF_PHOFF;
	put_le32(ph, 1); /* PT_LOAD */
	put_le64(ph + 8, TEST_ELF_LOAD_OFF);
	put_le64(ph + 16, 0xffffffff80000000ULL + TEST_ELF_PADDR);
	put_le64(ph + 24, TEST_ELF_PADDR);
	put_le64(ph + 32, payload);
	put_le64(ph + 40, payload + 0x1000);

	ph += 56;
	put_le32(ph, 4); /* PT_NOTE */
	put_le64(ph + 8, TEST_ELF_NOTE_OFF);
	put_le64(ph + 32, TEST_ELF_NOTE_SIZE);
	put_le64(ph + 40, TEST_ELF_NOTE_SIZE);

	note = img + TEST_ELF_NOTE_OFF;
	put_le32(note, 4);     /* namesz */
	put_le32(note + 4, 8); /* descsz */
	put_le32(note + 8, 18); /* XEN_ELFNOTE_PHYS32_ENTRY */
	memcpy(note + 12, "Xen", 4);
	put_le64(note + 16, TEST_ELF_ENTRY);

	for (size_t i = 0; i < payload; i++)
		img[TEST_ELF_LOAD_OFF + i] = (uint8_t)(i * 3 + 5);
	*out_size = size;
	return img;
}

#endif
