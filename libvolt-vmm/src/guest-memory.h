/*
 * Guest RAM as the VMM sees it: one host mapping of guest-physical
 * addresses [0, size). Every access goes through guest_mem_ptr(), which
 * refuses ranges that do not fit, so a hostile kernel image or table
 * never makes the VMM write outside the mapping.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_GUEST_MEMORY_H
#define VOLT_VMM_GUEST_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct guest_mem {
	uint8_t *host;  /* mapping of guest-physical 0 */
	uint64_t size;  /* bytes */
	bool mapped;    /* from guest_mem_map(): unmap on release */
};

/* Host pointer for [gpa, gpa+len), or NULL if any byte falls outside RAM. */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Copy @len bytes to @gpa; -EFAULT (with a message naming @what) if it does not fit. */
int guest_mem_write(const struct guest_mem *mem, uint64_t gpa, const void *data, uint64_t len,
		    const char *what);

/*
 * Map @size bytes of anonymous memory (MAP_NORESERVE, untouched pages
 * cost nothing). With @hugepages, ask for 2 MiB pages and fail if the
 * host has none. -EINVAL for sizes outside [GUEST_MEMORY_MIN, GUEST_MEMORY_MAX]
 * or not a multiple of 2 MiB; -ENOMEM if the mapping fails.
 */
int guest_mem_map(struct guest_mem *mem, uint64_t size, bool hugepages);

/* Unmap what guest_mem_map() mapped; safe on a zeroed struct. */
void guest_mem_release(struct guest_mem *mem);

/* Bytes of guest RAM resident in the host (mincore), or a negative errno. */
int64_t guest_mem_resident(const struct guest_mem *mem);
/* The same from an open /proc/self/smaps (-1: open it), for a sandboxed VMM. */
int64_t guest_mem_resident_from(const struct guest_mem *mem, int smaps_fd);
/*
 * A stream over /proc file @path, read afresh from the start: through a
 * duplicate of @fd, opened before the sandbox, or by opening @path when
 * @fd is -1.
 */
FILE *proc_file_reopen(int fd, const char *path);

#endif
