/*
 * Volt VMs: micro-VMs managed like containers (libvolt-vm, part of
 * <volt/vm.h>).
 *
 * A VM is a record under STATE_ROOT/vms/NAME (vm.json) and, while it
 * runs, one voltvm process: either the transient systemd unit
 * "volt-vm-NAME.service" (volt_vm_start()) or a child of the caller
 * (volt_vm_run()). Its root disk is a Stellarium image built once per
 * image tree (an ext4 file system of the tree, imported as fixed blocks
 * and shared by every VM of that image) with a per-VM copy-on-write
 * overlay file; its kernel is Volt's guest kernel and its init Volt's
 * guest init, which runs the VM's command and ends the VM when it exits.
 * See docs/vmm-machines.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VM_MACHINE_H
#define VOLT_VM_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/** A handle on the VMs of one state root. */
typedef struct volt_vm volt_vm;

/** Memory of a VM: at least this much (and see volt_vm_create() for more). */
#define VOLT_VM_MIN_MEMORY (64ULL << 20)
/** Memory of a VM: at most this much (the VMM's limit). */
#define VOLT_VM_MAX_MEMORY (3ULL << 30)
/** Memory of a VM when the spec says 0. */
#define VOLT_VM_DEFAULT_MEMORY (256ULL << 20)
/** Most vCPUs a VM can have (voltvm's limit). */
#define VOLT_VM_MAX_CPUS 32

/**
 * Open the VMs of the state root @root (absolute, e.g. from
 * volt_root_resolve()). Nothing is created until it is needed.
 *
 * @param out  on success, a handle the caller frees with volt_vm_close().
 * @return 0; -EINVAL for a relative root; -ENOMEM.
 */
VOLT_API int volt_vm_open(volt_vm **out, const char *root);

/** Close @vm (NULL is fine). Returns NULL. */
VOLT_API volt_vm *volt_vm_close(volt_vm *vm);

/** True if PID 1 is systemd: volt_vm_start(), _stop() and _logs() need it. */
VOLT_API bool volt_vm_have_systemd(void);

typedef enum volt_vm_network {
	VOLT_VM_NETWORK_NONE = 0,    /**< no network device */
	/**
	 * A TAP device "vtapN" made by Volt (persistent, removed with the
	 * VM), with a /30 of 10.213.0.0/16 shared with containers' private
	 * networks: .1 on the host's TAP, .2 the guest's eth0 (set by the
	 * kernel from "ip=" on its command line). Needs CAP_NET_ADMIN.
	 */
	VOLT_VM_NETWORK_PRIVATE = 1,
	/** An existing TAP device, named by volt_vm_spec.tap; no addresses. */
	VOLT_VM_NETWORK_TAP = 2,
} volt_vm_network;

/** What a VM runs, and with what. Strings are copied. */
typedef struct volt_vm_spec {
	unsigned int version;        /**< VOLT_VM_SPEC_VERSION (any from 1 up to it is accepted) */
	/**
	 * A Stellarium reference (tag or 64-digit hash) of an OS tree in the
	 * store STATE_ROOT/cas, as containers use; "busybox" is the built-in
	 * image, imported on first use. Required.
	 */
	const char *image;
	const char *const *argv;     /**< NULL-terminated; NULL or empty: /bin/sh */
	const char *const *env;      /**< "NAME=VALUE", NULL-terminated, or NULL */
	const char *workdir;         /**< absolute, inside the guest; NULL: / */
	const char *user;            /**< name (from the image's /etc/passwd), UID or UID:GID; NULL: root */
	uint64_t memory_bytes;       /**< 0: VOLT_VM_DEFAULT_MEMORY; a multiple of 2 MiB */
	unsigned int cpus;           /**< 0: 1; at most VOLT_VM_MAX_CPUS */
	volt_vm_network network;
	const char *tap;             /**< the TAP device of VOLT_VM_NETWORK_TAP */
	/**
	 * The guest kernel (an ELF vmlinux with a PVH note, or a bzImage);
	 * NULL: $VOLT_GUEST_KERNEL, else the installed
	 * share/volt/guest-kernel/vmlinux.
	 */
	const char *kernel;
	/** Size of the root disk; 0: the image's content plus 256 MiB. */
	uint64_t disk_size;
} volt_vm_spec;

#define VOLT_VM_SPEC_VERSION 1
#define VOLT_VM_SPEC_INIT { .version = VOLT_VM_SPEC_VERSION }

/**
 * Create VM @name from @spec: check everything, build (or reuse) the
 * image's disk in the store, allocate its network, and write its record.
 * Nothing runs. On failure nothing of the VM is left behind.
 *
 * The memory must hold the kernel, the unpacked initrd and what the guest
 * needs to run (32 MiB): a smaller @spec->memory_bytes is -EINVAL with a
 * message giving the least that works. The disk is not loaded into
 * memory, so an image of any size fits; @spec->disk_size smaller than the
 * image's content is -EFBIG.
 *
 * @return 0; -EEXIST if @name exists; -EINVAL for a bad name, memory,
 *         cpus, network, TAP name, command or environment; -ENOENT for an
 *         unknown image, or no kernel, guest initrd or mkfs.ext4; -EFBIG;
 *         -EBADMSG for a corrupt image; errors of the file system or of
 *         mkfs.ext4 (with its message).
 */
VOLT_API int volt_vm_create(volt_vm *vm, const char *name, const volt_vm_spec *spec);

/**
 * Remove VM @name: its overlay, its TAP device and its record; the
 * image's disk stays in the store for other VMs (and for gc). A running
 * VM is refused unless @force, which kills it first.
 *
 * @return 0; -ENOENT; -EBUSY when running and not @force.
 */
VOLT_API int volt_vm_remove(volt_vm *vm, const char *name, bool force);

/**
 * Start VM @name as the transient unit volt-vm-NAME.service running
 * voltvm, its console on the unit's output (so in the journal), and
 * return once systemd has started it.
 *
 * @return 0; -ENOENT; -EALREADY when running; -EOPNOTSUPP without
 *         systemd; errors setting up its TAP device; errors from systemd.
 */
VOLT_API int volt_vm_start(volt_vm *vm, const char *name);

/**
 * Stop VM @name: SIGTERM to voltvm (the guest has no orderly shutdown
 * path without ACPI: its disk is left as after a power cut, which ext4's
 * journal recovers), SIGKILL after @timeout_ns.
 *
 * @return 0; -ENOENT; -ESRCH when it is not running; -EOPNOTSUPP without systemd.
 */
VOLT_API int volt_vm_stop(volt_vm *vm, const char *name, uint64_t timeout_ns);

/**
 * Run VM @name in the foreground as a child voltvm (no systemd needed):
 * its console on the caller's standard output, its input from standard
 * input. Returns when the guest ends.
 *
 * @param out_status  on success, the workload's exit status as the guest
 *                    init reported it ("VOLT-GUEST-EXIT N"), or, when it
 *                    reported none, 125 plus a message (voltvm's status).
 * @return 0; -ENOENT (no such VM, or voltvm is missing); -EALREADY when
 *         it runs already; -EINVAL for a bad name; errors starting voltvm.
 */
VOLT_API int volt_vm_run(int *out_status, volt_vm *vm, const char *name);

typedef enum volt_vm_state {
	VOLT_VM_CREATED = 0,  /**< never started, or stopped */
	VOLT_VM_RUNNING = 1,
	VOLT_VM_EXITED = 2,   /**< the guest ended; the exit status is known */
	VOLT_VM_FAILED = 3,   /**< the unit failed (voltvm's error) */
} volt_vm_state;

/** "created", "running", "exited", "failed" or "unknown". Never NULL. */
VOLT_API const char *volt_vm_state_to_string(volt_vm_state state);

/**
 * One line of a listing. Its size is not part of the ABI: a later
 * version may add fields at the end, so a program only ever holds
 * pointers to it, which volt_vm_list() returns.
 */
typedef struct volt_vm_info {
	char *name;
	char *image;            /**< the image reference it was created from */
	volt_vm_state state;
	int exit_status;        /**< EXITED: the workload's status; FAILED: voltvm's */
	pid_t main_pid;         /**< voltvm's pid when running, else 0 */
	uint64_t created_ns;    /**< CLOCK_REALTIME of the create */
	uint64_t started_ns;    /**< CLOCK_REALTIME of the start when running, else 0 */
	uint64_t memory_bytes;  /**< configured guest memory */
	unsigned int cpus;
	char *address;          /**< the guest's IPv4 address, or NULL */
} volt_vm_info;

/**
 * List every VM of @vm's state root, sorted by name. A directory without
 * a readable record (a create in progress, debris) is left out.
 *
 * @param out    on success, a NULL-terminated array of pointers the caller
 *               frees with volt_vm_info_list_free().
 * @param out_n  if not NULL, its length.
 * @return 0; -ENOMEM; an error opening STATE_ROOT/vms.
 */
VOLT_API int volt_vm_list(volt_vm_info ***out, size_t *out_n, volt_vm *vm);

/** Free an array from volt_vm_list() and what it points to (NULL is fine). Returns NULL. */
VOLT_API volt_vm_info **volt_vm_info_list_free(volt_vm_info **list);

/**
 * Everything known of VM @name as a JSON object: its record (vm.json),
 * its unit, its live state and the voltvm command line it runs.
 *
 * @param out  on success, a new reference the caller json_decref()s.
 * @return 0; -ENOENT; -EINVAL for a bad name; -EBADMSG for a damaged record.
 */
VOLT_API int volt_vm_inspect(json_t **out, volt_vm *vm, const char *name);

/**
 * Write the journal of VM @name's unit (its console) to @fd, one line a
 * message: the last @lines (0: all), then with @follow new ones until
 * the VM ends.
 *
 * @return 0; -ENOENT; -EOPNOTSUPP without systemd's journal.
 */
VOLT_API int volt_vm_logs(volt_vm *vm, const char *name, int fd, unsigned lines, bool follow);

VOLT_END_DECLS

#endif
