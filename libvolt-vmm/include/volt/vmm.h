/*
 * libvolt-vmm: Neutron Stardust, the KVM micro-VMM.
 *
 * One VM per handle: volt_vmm_new() opens /dev/kvm, maps guest memory,
 * loads a Linux kernel (a bzImage through the 64-bit boot protocol, or
 * an ELF vmlinux through PVH) with its initrd and command line, and
 * creates the vCPUs; volt_vmm_run() runs the guest until it resets,
 * powers off or fails; volt_vmm_free() releases everything.
 *
 * The guest gets: RAM from guest-physical 0, an in-kernel local APIC,
 * I/O APIC, 8259 PICs and 8254 PIT, MP tables for its CPUs, a 16550A
 * UART on port 0x3f8 (IRQ 4) as the console, and the reset line of an
 * i8042 controller (port 0x64, command 0xFE), which ends the VM cleanly:
 * boot Linux with "reboot=k" and `reboot -f` ends the VM. For guests with
 * ACPI, minimal tables (FADT, DSDT with \_S5, MADT) and a PM1a control
 * port make `poweroff -f` end the VM cleanly too.
 * Since 0.2,
 * virtio-mmio disks and NICs (<volt/vmm/devices.h>, included below).
 * VMs managed like containers (records, units, disks from images) are
 * libvolt-vm's (<volt/vm.h>), which runs voltvm, this library's program.
 *
 * Link with `pkg-config --cflags --libs libvolt-vmm`. Errors follow
 * libvolt-core's convention: negative errno, message in volt_error_message().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_H
#define VOLT_VMM_H

#include <stdint.h>
#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/** A virtual machine. Opaque; owned by the caller of volt_vmm_new(). */
typedef struct volt_vmm volt_vmm;

/** How to boot the kernel. */
typedef enum volt_vmm_boot {
	VOLT_VMM_BOOT_AUTO = 0,  /**< ELF file: PVH; otherwise: bzImage */
	VOLT_VMM_BOOT_BZIMAGE,   /**< 64-bit Linux boot protocol */
	VOLT_VMM_BOOT_PVH,       /**< ELF vmlinux with a PVH entry note */
} volt_vmm_boot;

/** Flags of struct volt_vmm_config. */
enum {
	/** Back guest memory with 2 MiB huge pages (fail if the host has none). */
	VOLT_VMM_FLAG_HUGEPAGES = 1u << 0,
	/**
	 * Build the guest's memory image (kernel, initrd, tables) without
	 * /dev/kvm: volt_vmm_new() stops before creating the VM and
	 * volt_vmm_run() fails with -ENODEV. For tests and for measuring
	 * the VMM's own set-up work on hosts without KVM.
	 */
	VOLT_VMM_FLAG_NO_KVM = 1u << 1,
	/**
	 * Do not sandbox the process before the first KVM_RUN. By default
	 * volt_vmm_run(), after the before_run hook, drops every capability,
	 * sets no_new_privs, forbids all filesystem access with Landlock
	 * (everything the VMM needs is open by then; a kernel without
	 * Landlock gets a warning) and installs a seccomp allow-list of the
	 * syscalls and ioctls the run loop needs, on every thread; any other
	 * syscall fails with EPERM. This is for a process that runs one VM
	 * and exits: volt_vmm_run() then needs a caller with a single thread
	 * (-EINVAL otherwise), and the process stays sandboxed after the run.
	 * See docs/vmm-sandbox.md.
	 */
	VOLT_VMM_FLAG_NO_SANDBOX = 1u << 2,
};

/**
 * Called once by volt_vmm_run() after all set-up and before the first
 * KVM_RUN, on the calling thread, before any vCPU thread exists, and
 * before the VMM's own sandbox (see VOLT_VMM_FLAG_NO_SANDBOX): the hook
 * may still open files. A negative return aborts the run with that error.
 */
typedef int (*volt_vmm_before_run_fn)(volt_vmm *vm, void *userdata);

/** The current version of struct volt_vmm_config. */
#define VOLT_VMM_CONFIG_VERSION 1

/** Default guest memory: 256 MiB. */
#define VOLT_VMM_DEFAULT_MEMORY (256ULL << 20)

/** Most vCPUs a VM can have. */
#define VOLT_VMM_MAX_CPUS 32

/**
 * What to boot and with what. Initialise with VOLT_VMM_CONFIG_INIT and
 * set the fields you need; the library copies what it keeps.
 */
typedef struct volt_vmm_config {
	unsigned int version;      /**< VOLT_VMM_CONFIG_VERSION */
	const char *kernel_path;   /**< bzImage or ELF vmlinux; required */
	const char *initrd_path;   /**< optional */
	const char *cmdline;       /**< kernel command line; NULL: "console=ttyS0" */
	uint64_t memory_bytes;     /**< multiple of 2 MiB, 16 MiB to 3 GiB; 0: default */
	unsigned int cpus;         /**< 1..VOLT_VMM_MAX_CPUS; 0: 1 */
	volt_vmm_boot boot;        /**< VOLT_VMM_BOOT_AUTO by default */
	unsigned int flags;        /**< VOLT_VMM_FLAG_* */
	/**
	 * Where the guest's console output goes: a file descriptor the
	 * library writes to (not closed by it), or -1 to discard it.
	 */
	int console_fd;
	/**
	 * Where the guest's console input comes from: a file descriptor the
	 * library reads from a thread of its own while the VM runs (not
	 * closed by it; may equal console_fd for a socket), or -1 for none.
	 */
	int console_in_fd;
	/** Called before the first KVM_RUN; NULL for none. */
	volt_vmm_before_run_fn before_run;
	void *userdata;            /**< passed to before_run */
	/**
	 * CPUID features to hide from the guest (since 0.4), NULL or "" for
	 * all KVM offers: comma-separated, in order, "-NAME" (a
	 * /proc/cpuinfo name; what needs it goes too: -xsave hides AVX),
	 * "+NAME" (keep one an earlier item hid), "x86-64-v1" .. "x86-64-v4"
	 * (hide the instruction-set extensions above that psABI level) or
	 * "host". For a host that reports features it cannot run. A bad
	 * list fails volt_vmm_new() with -EINVAL. See voltvm(1).
	 */
	const char *cpu_features;
} volt_vmm_config;

#define VOLT_VMM_CONFIG_INIT \
	{ .version = VOLT_VMM_CONFIG_VERSION, .console_fd = -1, .console_in_fd = -1 }

/** Why a VM stopped. */
typedef enum volt_vmm_exit {
	VOLT_VMM_EXIT_NONE = 0,      /**< has not run, or still running */
	VOLT_VMM_EXIT_RESET,         /**< guest reset itself (i8042 0xFE): a clean end */
	VOLT_VMM_EXIT_POWEROFF,      /**< guest powered off: a clean end */
	VOLT_VMM_EXIT_TRIPLE_FAULT,  /**< KVM_EXIT_SHUTDOWN: the guest crashed */
	VOLT_VMM_EXIT_UNHANDLED,     /**< an exit the VMM does not handle */
	VOLT_VMM_EXIT_ERROR,         /**< KVM or the host failed */
	VOLT_VMM_EXIT_STOPPED,       /**< volt_vmm_stop() ended it (since 0.4) */
} volt_vmm_exit;

/** The current version of struct volt_vmm_stats. */
#define VOLT_VMM_STATS_VERSION 1

/** Measurements of one VM; see volt_vmm_get_stats(). */
typedef struct volt_vmm_stats {
	unsigned int version;          /**< set by the caller: VOLT_VMM_STATS_VERSION */
	uint64_t new_to_first_run_ns;  /**< volt_vmm_new() entry to the first KVM_RUN; 0 before */
	uint64_t first_run_boottime_ns;/**< CLOCK_BOOTTIME at the first KVM_RUN; 0 before */
	uint64_t guest_memory_bytes;   /**< configured guest RAM */
	uint64_t guest_resident_bytes; /**< guest RAM pages resident in the host now */
	uint64_t process_rss_bytes;    /**< the whole process's resident set now */
	uint64_t vmm_overhead_bytes;   /**< process RSS minus resident guest RAM */
} volt_vmm_stats;

#define VOLT_VMM_STATS_INIT { .version = VOLT_VMM_STATS_VERSION }

/**
 * The version of the libvolt-vmm that is running, such as "0.1.0".
 * Never NULL; static storage.
 */
VOLT_API const char *volt_vmm_version(void);

/**
 * Create a VM from @config and load its kernel; nothing runs yet.
 *
 * @param out     receives the new VM, to free with volt_vmm_free(); set
 *                only on success.
 * @param config  required; only read during the call.
 * @return 0, or -EINVAL (bad configuration, version or command line),
 *         -ENOENT/-EACCES (kernel or initrd unreadable), -ENOEXEC (the
 *         kernel is neither a bzImage nor an ELF vmlinux), -ENOMEM (kernel
 *         or initrd do not fit in guest memory, or the host is out of
 *         memory), -ENODEV (no /dev/kvm), another -errno from KVM.
 */
VOLT_API int volt_vmm_new(volt_vmm **out, const volt_vmm_config *config);

/**
 * Run the VM until it ends. Blocks; runs one thread per vCPU. Call once.
 *
 * Installs a handler for SIGUSR2 (used to interrupt vCPU threads) for
 * the duration of the call. With a console_in_fd, a further thread
 * feeds the UART from it until the VM ends. Unless the VM was made with
 * VOLT_VMM_FLAG_NO_SANDBOX, sandboxes the calling process for good
 * before the first KVM_RUN (see that flag).
 *
 * @return 0 when the guest ended cleanly (volt_vmm_exit_reason() says
 *         RESET or POWEROFF) or volt_vmm_stop() ended it (STOPPED); -EFAULT for a triple fault, -EPROTO for an
 *         exit the VMM does not handle, -ENODEV for a VM made with
 *         VOLT_VMM_FLAG_NO_KVM, -EALREADY if it already ran, the error of
 *         the before_run hook, -EINVAL from the sandbox in a process with
 *         other threads, another error of the sandbox (message starting
 *         "sandbox:"), or another -errno; the message names the
 *         exit and the guest's instruction pointer where known.
 */
VOLT_API int volt_vmm_run(volt_vmm *vm);

/**
 * Ask the VM to stop: volt_vmm_run() (running, or called later) kicks the
 * vCPUs out of the guest, stops the devices and returns 0, with
 * volt_vmm_exit_reason() VOLT_VMM_EXIT_STOPPED, unless the guest had
 * already ended the run by itself. Async-signal-safe and thread-safe: a
 * SIGTERM handler may call it, so that the program still reports and
 * frees the VM (disks flushed) instead of dying in the middle.
 *
 * @return 0, or -EINVAL for a NULL @vm (no error message is set: it may
 *         run in a signal handler).
 */
VOLT_API int volt_vmm_stop(volt_vmm *vm);

/** Why the VM stopped (VOLT_VMM_EXIT_NONE before volt_vmm_run() returns). */
VOLT_API volt_vmm_exit volt_vmm_exit_reason(const volt_vmm *vm);

/**
 * Fill @out (whose version the caller sets) with the VM's measurements,
 * taken now. -EINVAL for an unknown version.
 */
VOLT_API int volt_vmm_get_stats(volt_vmm_stats *out, const volt_vmm *vm);

/** Release the VM: vCPUs, KVM descriptors, guest memory. NULL-tolerant; returns NULL. */
VOLT_API volt_vmm *volt_vmm_free(volt_vmm *vm);

VOLT_END_DECLS

#include <volt/vmm/devices.h>

#endif
