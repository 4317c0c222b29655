/*
 * Root disks from images: "one image imported once into Stellarium runs
 * as a container or as a VM disk".
 *
 * An image is a tree in the store. A VM needs a block device, so the
 * tree is checked out once, made into an ext4 file system with
 * `mkfs.ext4 -d` (no root, no loop device, no mount needed), and that
 * file imported into the store as a fixed-block image under the ref
 * volt-vm-disk-<tree hash>[-<size>M]. Every later VM of the same tree
 * finds the ref and shares the image; its blocks deduplicate with the
 * rest of the store, and the headroom, all zeros, is stored as holes.
 * Each VM writes to its own overlay file. ext4 rather than a read-only
 * erofs image: the guest gets a writable root with no overlay file
 * system inside it, and the disk's copy-on-write overlay keeps the
 * image itself unchanged.
 *
 * An image that already is a disk image (stellarium import of a raw
 * file) is used as it is.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <volt/cas.h>
#include <volt/core.h>

#include "image.h"
#include "machine-internal.h"
#include "shared/macro.h"

#define MIB (1ULL << 20)

static void cas_closep(volt_cas **c)
{
	volt_cas_close(*c);
}

/* What @tree takes in ext4: data rounded to 4 KiB blocks, and an inode each. */
static int tree_size(const char *tree, uint64_t *out)
{
	char *paths[] = { (char *)tree, NULL };
	FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, NULL);
	FTSENT *e;
	uint64_t total = 0;

	if (!fts)
		return volt_error_set_errno(errno, "measure %s", tree);
	while ((e = fts_read(fts))) {
		if (e->fts_info == FTS_DP)
			continue;
		if (e->fts_info == FTS_ERR || e->fts_info == FTS_DNR || e->fts_info == FTS_NS) {
			int err = e->fts_errno;

			fts_close(fts);
			return volt_error_set_errno(err, "measure %s", e->fts_path);
		}
		total += ((uint64_t)e->fts_statp->st_size + 4095) / 4096 * 4096 + 256;
	}
	fts_close(fts);
	*out = total;
	return 0;
}

static int rm_tree_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

static void rm_tree(const char *path)
{
	if (path)
		(void)nftw(path, rm_tree_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static const char *mkfs_path(void)
{
	static const char *const candidates[] = { "/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4" };
	const char *p = secure_getenv("VOLT_MKFS_EXT4");

	if (p && *p)
		return p;
	for (size_t i = 0; i < ELEMENTSOF(candidates); i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

/* A UUID from the tree hash: the same image always gets the same file system id. */
static void uuid_from(char out[37], const char *hex)
{
	snprintf(out, 37, "%.8s-%.4s-4%.3s-8%.3s-%.12s", hex, hex + 8, hex + 12, hex + 15, hex + 18);
}

/* Run mkfs.ext4, its output into @log; the message quotes its last line. */
static int run_mkfs(const char *tree, const char *image, const char *hex, const char *log)
{
	const char *mkfs = mkfs_path();
	char uuid[37];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, r;

	if (!mkfs)
		return volt_error_set(ENOENT, "mkfs.ext4 is not installed (Debian package e2fsprogs): it builds VM disks");
	uuid_from(uuid, hex);
	{
		char *const argv[] = { (char *)mkfs, "-q", "-F", "-t", "ext4", "-L", "volt-root", "-U", uuid,
				       "-E", "lazy_itable_init=1,lazy_journal_init=1", "-d", (char *)tree,
				       (char *)image, NULL };
		char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };

		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
		r = posix_spawn(&pid, mkfs, &fa, NULL, argv, envp);
		posix_spawn_file_actions_destroy(&fa);
	}
	if (r != 0)
		return volt_error_set_errno(r, "run %s", mkfs);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return volt_error_set_errno(errno, "wait for %s", mkfs);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	{
		_cleanup_free_ char *out = NULL;
		char *last;

		if (volt_file_read(&out, NULL, log, 65536) < 0)
			volt_error_clear();
		while (out && *out && out[strlen(out) - 1] == '\n')
			out[strlen(out) - 1] = '\0';
		last = out ? strrchr(out, '\n') : NULL;
		return volt_error_set(EIO, "mkfs.ext4 failed (status %d): %s", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				      last ? last + 1 : out && *out ? out : "no output");
	}
}

/* Check @hex out, build its ext4 image, import it under @ref. */
static int build_disk(const volt_vm *vm, volt_cas *cas, const char *image_name, const char *hex, const char *ref,
		      uint64_t want_size, volt_cas_hash *out)
{
	volt_cas_checkout_options co = VOLT_CAS_CHECKOUT_OPTIONS_INIT;
	volt_cas_import_options io = VOLT_CAS_IMPORT_OPTIONS_INIT;
	_cleanup_free_ char *work = NULL, *tree = NULL, *file = NULL, *log = NULL;
	uint64_t size, tree_bytes = 0;
	int fd, r;

	r = volt_mkdir_p(vm->vms, 0700);
	if (r < 0)
		return r;
	if (asprintf(&work, "%s/.disk-%.16s-%d", vm->vms, hex, (int)getpid()) < 0 ||
	    asprintf(&tree, "%s/tree", work) < 0 || asprintf(&file, "%s/disk.ext4", work) < 0 ||
	    asprintf(&log, "%s/mkfs.log", work) < 0)
		return volt_error_set(ENOMEM, NULL);
	rm_tree(work);
	if (mkdir(work, 0700) < 0)
		return volt_error_set_errno(errno, "mkdir %s", work);

	volt_log(VOLT_LOG_INFO, "building the VM disk of image %s", hex);
	r = volt_cas_checkout(cas, hex, tree, &co);
	if (r < 0) {
		volt_error_prefix(r, "check out image '%s'", image_name);
		goto out;
	}
	r = tree_size(tree, &tree_bytes);
	if (r < 0)
		goto out;
	/* ext4's own metadata (journal, group descriptors, bitmaps) on top of the content. */
	size = tree_bytes + tree_bytes / 8 + 16 * MIB;
	if (want_size) {
		if (want_size < size) {
			r = volt_error_set(EFBIG, "image '%s' needs a disk of at least %llu MiB; the disk size asked for is %llu MiB",
					   image_name, (unsigned long long)((size + MIB - 1) / MIB),
					   (unsigned long long)(want_size / MIB));
			goto out;
		}
		size = want_size;
	} else {
		size += VM_DISK_HEADROOM;
	}
	size = (size + MIB - 1) / MIB * MIB;
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		r = volt_error_set_errno(errno, "create %s", file);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	r = run_mkfs(tree, file, hex, log);
	if (r < 0) {
		volt_error_prefix(r, "image '%s'", image_name);
		goto out;
	}
	/* Tag only once durable: a ref always names a complete disk. */
	io.tag = ref;
	r = volt_cas_import_image(out, NULL, cas, file, &io);
	if (r < 0)
		volt_error_prefix(r, "import the disk of image '%s'", image_name);
out:
	rm_tree(work);
	return r;
}

int vm_disk_prepare(const volt_vm *vm, const char *image, uint64_t disk_size, char **out_tree, char **out_ref,
		    uint64_t *out_size)
{
	volt_cas *cas __attribute__((cleanup(cas_closep))) = NULL;
	_cleanup_free_ char *ref = NULL, *tree = NULL;
	volt_cas_entry *entry = NULL;
	volt_cas_image *img = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	volt_cas_hash root, disk;
	bool is_image;
	int r;

	if (disk_size % MIB)
		return volt_error_set(EINVAL, "disk size: %llu is not a whole number of MiB", (unsigned long long)disk_size);
	r = common_image_resolve(vm->root, image, vm_images_dir(), &cas, &root);
	if (r < 0)
		return r;
	volt_cas_hash_to_hex(hex, &root);
	r = volt_cas_stat(&entry, cas, hex);
	if (r < 0)
		return volt_error_prefix(r, "image '%s'", image);
	is_image = entry->type == VOLT_CAS_ENTRY_IMAGE;
	r = entry->type == VOLT_CAS_ENTRY_DIRECTORY || is_image
		    ? 0
		    : volt_error_set(EINVAL, "image '%s' is neither a tree nor a disk image", image);
	volt_cas_entry_free(entry);
	if (r < 0)
		return r;
	tree = strdup(hex);
	if (!tree)
		return volt_error_set(ENOMEM, NULL);

	if (is_image) {
		/* Already a disk: the VM uses it as it is. */
		disk = root;
		if (disk_size)
			return volt_error_set(EINVAL, "image '%s' is a disk image: its size is fixed", image);
		ref = strdup(hex);
		if (!ref)
			return volt_error_set(ENOMEM, NULL);
	} else {
		if ((disk_size ? asprintf(&ref, VM_DISK_REF_PREFIX "%s-%lluM", hex, (unsigned long long)(disk_size / MIB))
			       : asprintf(&ref, VM_DISK_REF_PREFIX "%s", hex)) < 0)
			return volt_error_set(ENOMEM, NULL);
		r = volt_cas_ref_get(&disk, cas, ref);
		if (r == -ENOENT) {
			volt_error_clear();
			r = build_disk(vm, cas, image, hex, ref, disk_size, &disk);
		} else if (r == 0) {
			volt_log(VOLT_LOG_INFO, "reusing the VM disk %s", ref);
		}
		if (r < 0)
			return r;
	}
	volt_cas_hash_to_hex(hex, &disk);
	r = volt_cas_image_open(&img, cas, hex);
	if (r < 0)
		return volt_error_prefix(r, "the disk of image '%s'", image);
	*out_size = volt_cas_image_size(img);
	volt_cas_image_close(img);
	*out_tree = TAKE_PTR(tree);
	*out_ref = TAKE_PTR(ref);
	return 0;
}
