/*
 * Private parts of the VM manager (libvolt-vm, <volt/vm/machine.h>).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VM_MACHINE_INTERNAL_H
#define VOLT_VM_MACHINE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include <volt/core.h>
#include <volt/vm.h>

#include "image-run.h"
#include "netalloc.h"
#include "record.h"
#include "rmrf.h"
#include "strv.h"
#include "unit.h"

/* What the guest needs beyond its kernel and initrd to boot and run a small workload. */
#define VM_GUEST_MIN_RUNTIME (32ULL << 20)
/* Root disk headroom over the image's content, when no size is given. */
#define VM_DISK_HEADROOM (256ULL << 20)
/* The file-system UUID and disk refs are derived from this many hex digits of the tree hash. */
#define VM_DISK_REF_PREFIX "volt-vm-disk-"

struct volt_vm {
	char *root;   /* the state root */
	char *vms;    /* ROOT/vms */
	char *store;  /* ROOT/cas */
};

/*
 * One VM's record (vm.json) and paths. Once loaded, its directory is
 * open (never through a symlink: common/record.h) and the files in it
 * are read and written under that fd; the paths are for messages and
 * for the processes given them (voltvm, the console relay).
 */
typedef struct vm_record {
	char *name;
	json_t *config;
	char *dir;          /* ROOT/vms/NAME */
	char *config_path;  /* ROOT/vms/NAME/vm.json */
	char *overlay;      /* ROOT/vms/NAME/overlay */
	char *run_file;     /* ROOT/vms/NAME/run.pid: a foreground voltvm */
	bool fds_open;      /* vms_fd and dir_fd are open (a zeroed record has none) */
	int vms_fd;         /* ROOT/vms */
	int dir_fd;         /* ROOT/vms/NAME */
} vm_record;

#define VM_RECORD_FILE "vm.json"
#define VM_RUN_FILE "run.pid"

/* machine-record.c */
int vm_record_paths(vm_record *rec, const volt_vm *vm, const char *name);
/* -ENOENT: no such VM; -ELOOP: ROOT/vms, its NAME or vm.json is a symlink (refused). */
int vm_record_load(vm_record *rec, const volt_vm *vm, const char *name);
/* The same under ROOT/vms opened already (@vms_fd stays the caller's). */
int vm_record_load_at(vm_record *rec, const volt_vm *vm, int vms_fd, const char *name);
void vm_record_done(vm_record *rec);
/* The pid in a loaded record's run.pid, if that process lives; 0 if none. */
pid_t vm_record_run_pid(const vm_record *rec);
int vm_record_run_pid_write(const vm_record *rec, pid_t pid);
void vm_record_run_pid_remove(const vm_record *rec);
int vm_unit_name(char *buf, size_t size, const char *name);

/* machine-paths.c: installed components, overridable by environment */
const char *vm_voltvm_path(void);
const char *vm_initrd_path(void);
const char *vm_minimal_kernel_path(void);
const char *vm_images_dir(void);
const char *vm_cli_path(void);

/* machine-kernel.c: the guest kernel a VM boots */
typedef struct vm_kernel_choice {
	char *path;          /* absolute */
	const char *source;  /* "option", "environment", "minimal" or "distribution" */
	char *release;       /* the distribution kernel's release, else NULL */
} vm_kernel_choice;
/* The release whose modules the initrd carries (its gzip header's name), NULL if none. */
int vm_initrd_release(char **out, const char *initrd);
/* @requested (--kernel), else $VOLT_GUEST_KERNEL, else the minimal kernel, else /boot's matching one. */
int vm_kernel_choose(vm_kernel_choice *out, const char *requested, const char *initrd);
void vm_kernel_choice_done(vm_kernel_choice *c);
/* Before a boot: the record's kernel exists and still matches the initrd's modules. */
int vm_kernel_check(const json_t *config, const char *name);

/* machine-image.c: an OCI image's config applied to a VM's spec */
typedef struct vm_image_config {
	volt_vm_spec spec;          /* the spec completed from the image */
	struct volt_img_image *img; /* NULL when the image is no OCI image record */
	common_image_run run;
} vm_image_config;
/* 1 and out->spec completed when spec->image names an OCI image; 0 and out->spec = *spec when not. */
int vm_image_apply(vm_image_config *out, const volt_vm *vm, const volt_vm_spec *spec);
void vm_image_config_clear(vm_image_config *c);

/* machine-disk.c: the root disk of an image, built once and kept in the store */
int vm_disk_prepare(const volt_vm *vm, const char *image, uint64_t disk_size, char **out_tree, char **out_ref,
		    uint64_t *out_size);

/* machine-cmdline.c */
int vm_base64_encode(char **out, const void *data, size_t len);
/* The kernel command line of the guest init (docs/vmm-machines.md). */
int vm_guest_cmdline(char **out, const json_t *config);
/* voltvm's argv for @rec; @console is voltvm's --console value. */
/* Freed with volt_strv_free(). */
int vm_voltvm_argv(const vm_record *rec, const volt_vm *vm, const char *console, char ***out);

/* machine-tap.c */
int vm_tap_name_check(const char *name);
int vm_tap_setup(const char *name, const char *host_addr);
int vm_tap_remove(const char *name);
/* The MAC of private network @index: common_net_mac(), by the name tests/vm knows. */
static inline void vm_mac_for(char out[COMMON_MAC_BUF], unsigned index)
{
	common_net_mac(out, index);
}

static inline void vm_record_donep(vm_record *rec)
{
	vm_record_done(rec);
}
#define _cleanup_vm_record_ __attribute__((cleanup(vm_record_donep)))

#endif
