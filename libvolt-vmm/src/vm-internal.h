/*
 * The VM object shared by vm.c (creation), boot.c (loading the guest),
 * vcpu.c (vCPU state), io-bus.c (port I/O) and run.c (the run loop).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_VM_INTERNAL_H
#define VOLT_VMM_VM_INTERNAL_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include <volt/vmm.h>

#include "acpi-pm.h"
#include "cpuid.h"
#include "guest-memory.h"
#include "serial-8250.h"

struct vm_devices;

struct vcpu {
	struct volt_vmm *vm;
	unsigned int index;
	int fd;
	struct kvm_run *run;     /* shared page(s) from mmap of the vCPU fd */
	size_t run_size;
	pthread_t thread;
	bool thread_started;
};

/* Where the kernel starts and with what in its registers. */
struct boot_entry {
	volt_vmm_boot protocol;  /* BZIMAGE or PVH after loading */
	uint64_t rip;
	uint64_t zero_page;      /* %rsi for bzImage */
	uint64_t start_info;     /* %ebx for PVH */
};

struct volt_vmm {
	unsigned int cpus;
	unsigned int flags;
	int console_fd;
	int console_in_fd;
	pthread_t input_thread;
	bool input_started;
	int input_wake[2];               /* pipe: a byte here ends the input thread */
	volt_vmm_before_run_fn before_run;
	void *userdata;
	/* /proc/self files the stats read, opened before the sandbox closes the filesystem. */
	int proc_statm_fd;
	int proc_smaps_fd;

	struct guest_mem mem;
	struct boot_entry entry;
	struct cpuid_mask cpu_mask;      /* features hidden from every vCPU */
	/* The caller's command line, and the whole one with device announcements. */
	char *cmdline_base;
	char *cmdline;
	size_t cmdline_max;              /* longest the kernel takes, without the NUL */
	struct vm_devices *devices;      /* virtio-mmio devices; NULL until one is added */

	int kvm_fd;
	int vm_fd;
	struct vcpu vcpus[VOLT_VMM_MAX_CPUS];

	/* Devices, behind one lock: vCPU threads exit to them concurrently. */
	pthread_mutex_t bus_lock;
	struct uart8250 uart;
	struct acpi_pm pm;

	/* Ending the run: the first vCPU to stop the VM records why. */
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	sem_t stop_sem;                  /* posted at the end of the run and by volt_vmm_stop() */
	atomic_bool stop_sem_ready;      /* stop_sem is initialised (volt_vmm_run() started) */
	atomic_bool stop_requested;      /* volt_vmm_stop() was called */
	atomic_bool stopping;
	bool ran;
	volt_vmm_exit exit_reason;
	int exit_error;                  /* negative errno for volt_vmm_run() */
	char exit_message[256];

	uint64_t t_new_ns;               /* CLOCK_MONOTONIC at volt_vmm_new() */
	atomic_uint_fast64_t t_first_run_ns;
	atomic_uint_fast64_t t_first_run_boottime_ns;
};

/* boot.c: load kernel, initrd and command line into guest memory, build the tables. */
int vm_load_guest(struct volt_vmm *vm, const volt_vmm_config *config);
/* boot.c: (re)write the ACPI tables with the devices added so far. */
int vm_write_acpi(struct volt_vmm *vm);

/* sandbox.c: seccomp, Landlock, capabilities before the first KVM_RUN. */
int vm_sandbox(struct volt_vmm *vm);

/* vcpu.c */
int vcpu_create(struct volt_vmm *vm, unsigned int index, size_t run_size);
int vcpu_setup(struct vcpu *vcpu);
void vcpu_destroy(struct vcpu *vcpu);

/* What a port access asked of the VM as a whole. */
enum io_event {
	IO_EVENT_NONE,
	IO_EVENT_RESET,     /* i8042 reset line */
	IO_EVENT_POWEROFF,  /* ACPI soft-off (S5) */
};

/* io-bus.c: one port access from a KVM_EXIT_IO. */
enum io_event io_bus_access(struct volt_vmm *vm, uint16_t port, bool is_write, uint8_t *data,
			    unsigned int size);
void io_bus_init(struct volt_vmm *vm);

/* console-input.c: the thread that feeds host input to the UART. */
int console_input_start(struct volt_vmm *vm);
void console_input_stop(struct volt_vmm *vm);

/* run.c: record the end of the run (first caller wins) and wake volt_vmm_run(). */
void vm_request_stop(struct volt_vmm *vm, volt_vmm_exit reason, int error, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

uint64_t vm_now_ns(int clock);

#endif
