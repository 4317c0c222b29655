/*
 * Image and layer records as ordinary roots of the store.
 *
 * The store keeps what its refs reach and knows nothing of images. So
 * that its gc keeps what a record names, every record holds a ref of its
 * own in the namespace "img.", which belongs to libvolt-img:
 * "img.image.<hex>" (hex: the record's file name, the SHA-256 of the
 * image name) names the record tree, "img.layer.<hex>" (hex: the blob
 * digest) the layer tree (docs/img-format.md).
 *
 * Refs, not a root-provider hook that this library would register with
 * the store: a hook holds only in a process that loaded libvolt-img and
 * registered it, and a `stellarium gc` or any program linking libvolt-cas
 * alone would collect every image. A ref is on disk, where every gc,
 * fsck and stats sees it, whoever runs it.
 *
 * Order: a record's ref is written (its data synced first) before the
 * record, and removed after it; so a record never names data gc may
 * take. A crash in between leaves a ref without a record: data kept,
 * nothing visible. Each pair is done under oci/records.lock, so that a
 * removal and a new record of one name cannot interleave into a record
 * whose ref the removal dropped.
 * volt_img_roots_repair(), run before the gc of `volt image prune` and
 * `stellarium gc`, drops such refs, and gives records that have none
 * (stores written before 0.4) theirs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "oci-internal.h"

int oci_records_lock(volt_cas *cas, int *out_fd)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -1, fd = -1;
	int r;

	if (asprintf(&dir, "%s/oci", cas->path) < 0)
		return volt_error_set(ENOMEM, NULL);
	r = volt_mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return volt_error_set_errno(errno, "open %s", dir);
	fd = openat(dfd, "records.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return volt_error_set_errno(errno, "open %s/records.lock", dir);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return volt_error_set_errno(errno, "lock %s/records.lock", dir);
	*out_fd = TAKE_FD(fd);
	return 0;
}

void oci_root_ref_name(char out[OCI_ROOT_REF_SIZE], const char *kind, const char *hex)
{
	snprintf(out, OCI_ROOT_REF_SIZE, "img.%s.%.64s", kind, hex);
}

int oci_root_set(volt_cas *cas, const char *kind, const char *hex, const volt_cas_hash *root)
{
	char ref[OCI_ROOT_REF_SIZE];
	int r;

	oci_root_ref_name(ref, kind, hex);
	r = cas_ref_set_locked(cas, ref, root);
	return r < 0 ? volt_error_prefix(r, "root of %s record %s", kind, hex) : 0;
}

int oci_root_drop(volt_cas *cas, const char *kind, const char *hex)
{
	char ref[OCI_ROOT_REF_SIZE];
	int r;

	oci_root_ref_name(ref, kind, hex);
	r = volt_cas_ref_delete(cas, ref);
	if (r == -ENOENT) {
		volt_error_clear();
		return 0;
	}
	return r;
}

/* Give a record without its ref (or with a stale one) the right one. */
static int add_missing(volt_cas *cas, const char *what, const char *ref, const volt_cas_hash *root, int err,
		       void *userdata)
{
	volt_cas_hash have;
	int r;

	(void)userdata;
	r = volt_cas_ref_get(&have, cas, ref);
	if (err < 0) {
		/* Unreadable: what it names is unknown. With a ref its data is
		 * kept; without one gc could take it, so gc must not run. */
		if (r >= 0)
			return 0;
		return volt_error_prefix(err, "record %s has no root and cannot be read", what);
	}
	if (r >= 0 && memcmp(&have, root, sizeof(have)) == 0)
		return 0;
	volt_error_clear();
	r = cas_ref_set_locked(cas, ref, root);
	return r < 0 ? volt_error_prefix(r, "root of record %s", what) : 0;
}

/* The 64 hex digits of @ref if it is "img.KIND.<hex>", else NULL. */
static const char *root_ref_hex(const char *ref, const char *kind)
{
	size_t n = strlen(kind);
	const char *hex;

	if (strncmp(ref, "img.", 4) != 0 || strncmp(ref + 4, kind, n) != 0 || ref[4 + n] != '.')
		return NULL;
	hex = ref + 4 + n + 1;
	return strlen(hex) == 64 && strspn(hex, "0123456789abcdef") == 64 ? hex : NULL;
}

/* Is @ref "img.image.<hex>" or "img.layer.<hex>"? Then its record's path in the store. */
static bool root_ref_record(const char *ref, char *path, size_t size)
{
	const char *hex;

	if ((hex = root_ref_hex(ref, OCI_ROOT_IMAGE)))
		snprintf(path, size, "oci/images/%s.json", hex);
	else if ((hex = root_ref_hex(ref, OCI_ROOT_LAYER)))
		snprintf(path, size, "oci/layers/sha256-%s", hex);
	else
		return false;
	return true;
}

VOLT_API int volt_img_roots_repair(volt_cas *cas, unsigned int flags)
{
	_cleanup_close_ int lock = -1, records = -1;
	char **refs = NULL;
	size_t n = 0;
	int r;

	assert_return(cas, EINVAL);
	assert_return(!(flags & ~(VOLT_IMG_ROOTS_DRY_RUN | VOLT_IMG_ROOTS_NO_WAIT)), EINVAL);
	/* Exclusive, as gc: no writer is between a record's ref and the
	 * record, so a ref without a record is one a crash left. */
	r = cas_lock(cas, true, !(flags & VOLT_IMG_ROOTS_NO_WAIT), &lock);
	if (r >= 0)
		r = oci_records_lock(cas, &records);
	if (r < 0)
		return r;
	/* Adding refs only ever keeps data: done in a dry run too, so that
	 * its counts are those of the real run. */
	r = oci_for_each_root(cas, add_missing, NULL, NULL);
	if (r < 0)
		return volt_error_prefix(r, "image records");
	if (flags & VOLT_IMG_ROOTS_DRY_RUN)
		return 0;
	r = volt_cas_ref_list(&refs, &n, cas);
	for (size_t i = 0; i < n && r >= 0; i++) {
		char path[64 + 32];

		if (!root_ref_record(refs[i], path, sizeof(path)))
			continue;
		if (faccessat(cas->dir_fd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (errno != ENOENT) {
			r = volt_error_set_errno(errno, "look for the record of ref %s", refs[i]);
			break;
		}
		volt_log(VOLT_LOG_DEBUG, "dropping ref %s: its record is gone", refs[i]);
		r = volt_cas_ref_delete(cas, refs[i]);
		if (r == -ENOENT) {
			volt_error_clear();
			r = 0;
		}
	}
	volt_strv_free(refs);
	return r < 0 ? r : 0;
}
