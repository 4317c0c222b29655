/*
 * The VMM's sandbox, applied by volt_vmm_run() before the first KVM_RUN.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_SANDBOX_H
#define VOLT_VMM_SANDBOX_H

#include <stdbool.h>
#include <volt/sec.h>

/* The syscalls the run loop, its threads, exit paths and the C library need. */
extern const char *const vmm_sandbox_syscalls[];

/*
 * The VMM's seccomp filter: exactly vmm_sandbox_syscalls, ioctl only with
 * the KVM and terminal requests used after set-up, clone only without
 * namespace flags, clone3 answered ENOSYS (the C library then uses
 * clone), everything else EPERM. With @store_reads (a Stellarium disk),
 * openat too, which Landlock then confines to the store's blocks.
 */
int vmm_sandbox_filter(volt_sec_filter **out, bool store_reads);

#endif
