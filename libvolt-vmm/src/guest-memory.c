/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <volt/core/error.h>

#include "guest-memory.h"
#include "layout.h"
#include "shared/macro.h"

void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	if (!mem || !mem->host)
		return NULL;
	/* Written so that no sum can wrap. */
	if (gpa > mem->size || len > mem->size - gpa)
		return NULL;
	return mem->host + gpa;
}

int guest_mem_write(const struct guest_mem *mem, uint64_t gpa, const void *data, uint64_t len,
		    const char *what)
{
	void *p = guest_mem_ptr(mem, gpa, len);

	if (!p)
		return volt_error_set(EFAULT,
				      "%s (%llu bytes at 0x%llx) does not fit in %llu MiB of guest memory",
				      what, (unsigned long long)len, (unsigned long long)gpa,
				      (unsigned long long)(mem ? mem->size >> 20 : 0));
	if (len)
		memcpy(p, data, len);
	return 0;
}

int guest_mem_map(struct guest_mem *mem, uint64_t size, bool hugepages)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	void *p;

	if (size < GUEST_MEMORY_MIN || size > GUEST_MEMORY_MAX)
		return volt_error_set(EINVAL, "guest memory must be between %llu MiB and %llu MiB",
				      GUEST_MEMORY_MIN >> 20, GUEST_MEMORY_MAX >> 20);
	if (size % (2ULL << 20))
		return volt_error_set(EINVAL, "guest memory must be a multiple of 2 MiB");
	if (hugepages)
		flags |= MAP_HUGETLB;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return volt_error_set_errno(errno, "map %llu MiB of guest memory%s",
					    (unsigned long long)(size >> 20),
					    hugepages ? " in huge pages" : "");
	/* Transparent huge pages where the host offers them; a hint only. */
	if (!hugepages)
		(void)madvise(p, size, MADV_HUGEPAGE);
	/* Guest RAM has no business in a core dump of the VMM. */
	(void)madvise(p, size, MADV_DONTDUMP);
	mem->host = p;
	mem->size = size;
	mem->mapped = true;
	return 0;
}

void guest_mem_release(struct guest_mem *mem)
{
	if (mem && mem->mapped && mem->host)
		munmap(mem->host, mem->size);
	if (mem)
		*mem = (struct guest_mem){ 0 };
}

int64_t guest_mem_resident(const struct guest_mem *mem)
{
	return guest_mem_resident_from(mem, -1);
}

FILE *proc_file_reopen(int fd, const char *path)
{
	int copy;
	FILE *f;

	if (fd < 0)
		return fopen(path, "re");
	/* A seq_file produces fresh contents when read again from offset 0. */
	if (lseek(fd, 0, SEEK_SET) < 0)
		return NULL;
	copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (copy < 0)
		return NULL;
	f = fdopen(copy, "r");
	if (!f)
		close(copy);
	return f;
}

int64_t guest_mem_resident_from(const struct guest_mem *mem, int smaps_fd)
{
	_cleanup_fclose_ FILE *f = NULL;
	char line[256];
	bool in_mapping = false;

	if (!mem || !mem->host)
		return -EINVAL;
	/*
	 * The kernel's own count for the mapping (smaps "Rss"), which is
	 * what the process RSS includes: mincore() would also count pages
	 * the guest only read, which map the shared zero page.
	 */
	f = proc_file_reopen(smaps_fd, "/proc/self/smaps");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, kib;

		if (sscanf(line, "%llx-", &start) == 1 && strchr(line, '-') &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in_mapping = start == (unsigned long long)(uintptr_t)mem->host;
			continue;
		}
		if (in_mapping && sscanf(line, "Rss: %llu kB", &kib) == 1)
			return (int64_t)(kib * 1024);
	}
	return -ENOENT;
}
