/*
 * Shared bases from Stellarium images.
 *
 * A base is a checkout of the image's tree (named after the tree's
 * hash, so every tag of one tree shares it), its ownership then shifted
 * into the container uid range. The built-in image is imported on first
 * use (common/image.c).
 *
 * Images are untrusted: the checkout is SAFE (no device nodes, no set-ID
 * bits, no trusted. or security. xattrs, so neither overlayfs' trusted.overlay
 * attributes nor file capabilities come from an image) and bounded by the
 * checkout's entry and byte limits (expansion bombs); a failed checkout
 * leaves nothing in the bases directory.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/cas.h>
#include <volt/core.h>

#include "ctr-internal.h"
#include "image.h"
#include "shared/macro.h"

static void cas_closep(volt_cas **c)
{
	volt_cas_close(*c);
}

/* Where the built-in image's tar file is installed (overridable for tests). */
const char *ctr_images_dir(void)
{
	const char *p = secure_getenv("VOLT_IMAGES_DIR");

	return p && *p ? p : VOLT_CTR_IMAGES_DIR_DEFAULT;
}

static int shift_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	uid_t uid = VOLT_CTR_UID_BASE + (st->st_uid < VOLT_CTR_UID_COUNT ? st->st_uid : 65534);
	gid_t gid = VOLT_CTR_UID_BASE + (st->st_gid < VOLT_CTR_UID_COUNT ? st->st_gid : 65534);

	(void)type;
	(void)ftw;
	if (lchown(path, uid, gid) < 0)
		return volt_error_set_errno(errno, "chown %s", path);
	/* chown clears set-group-ID bits of directories (files have none, SAFE checkout): put them back. */
	if (!S_ISLNK(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) &&
	    fchmodat(AT_FDCWD, path, st->st_mode & 07777, AT_SYMLINK_NOFOLLOW) < 0)
		return volt_error_set_errno(errno, "chmod %s", path);
	return 0;
}

/*
 * Remove what checkouts killed midway left in the bases directory
 * (".tmp-cas-HEX-PID", ".tmp-checkout-PID-N" of processes that are gone).
 * Without this, a bomb or a full disk that got volt killed left a partial
 * base behind for good.
 */
static void sweep_stale(const char *bases)
{
	_cleanup_closedir_ DIR *d = opendir(bases);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *p = NULL;
		char *end, *path = NULL;
		long pid;

		if (strncmp(de->d_name, ".tmp-checkout-", 14) == 0)
			p = de->d_name + 14;
		else if (strncmp(de->d_name, ".tmp-cas-", 9) == 0 && strrchr(de->d_name, '-'))
			p = strrchr(de->d_name, '-') + 1;
		if (!p)
			continue;
		pid = strtol(p, &end, 10);
		if (end == p || pid <= 0 || (*end && *end != '-'))
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* alive (or not ours to judge) */
		if (asprintf(&path, "%s/%s", bases, de->d_name) >= 0) {
			volt_log(VOLT_LOG_INFO, "removing %s, left by a checkout that did not finish", path);
			common_rm_rf(path);
			free(path);
		}
	}
}

int ctr_base_prepare_image(const volt_ctr *ctr, const char *image, char **out_base, char **out_root)
{
	volt_cas_checkout_options co = VOLT_CAS_CHECKOUT_OPTIONS_INIT;
	volt_cas *cas __attribute__((cleanup(cas_closep))) = NULL;
	_cleanup_free_ char *base = NULL, *tmp = NULL;
	_cleanup_close_ int lock = -1;
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	volt_cas_hash root;
	int r;

	r = common_image_resolve(ctr->root, image, ctr_images_dir(), &cas, &root);
	if (r < 0)
		return r;

	volt_cas_hash_to_hex(hex, &root);
	if (asprintf(&base, "%s/cas-%s", ctr->bases, hex) < 0 ||
	    asprintf(&tmp, "%s/.tmp-cas-%s-%d", ctr->bases, hex, (int)getpid()) < 0)
		return volt_error_set(ENOMEM, NULL);
	*out_root = strdup(hex);
	if (!*out_root)
		return volt_error_set(ENOMEM, NULL);
	/* Held from here: gc (volt_cas_bases_gc) neither deletes it now nor before our record names it. */
	lock = volt_cas_bases_hold(ctr->bases, base + strlen(ctr->bases) + 1);
	if (lock < 0) {
		r = lock;
		goto fail;
	}
	if (access(base, F_OK) == 0) {
		*out_base = TAKE_PTR(base);
		return 0;
	}

	r = volt_mkdir_p(ctr->bases, 0700);
	if (r < 0)
		goto fail;
	sweep_stale(ctr->bases);
	volt_log(VOLT_LOG_INFO, "checking out image %s for containers", hex);
	co.flags |= VOLT_CAS_CHECKOUT_SAFE;
	r = volt_cas_checkout(cas, hex, tmp, &co);
	if (r < 0) {
		volt_error_prefix(r, "check out image '%s'", image);
		goto fail;
	}
	r = nftw(tmp, shift_one, 32, FTW_PHYS | FTW_MOUNT);
	if (r != 0) {
		r = r < 0 ? volt_error_set_errno(errno, "shift the owners of %s", tmp) : r;
		goto fail;
	}
	r = ctr_base_complete(tmp);
	if (r < 0) {
		volt_error_prefix(r, "image '%s'", image);
		goto fail;
	}
	if (rename(tmp, base) < 0) {
		if (errno != ENOTEMPTY && errno != EEXIST) {
			r = volt_error_set_errno(errno, "rename %s", tmp);
			goto fail;
		}
		/* Another process prepared the same base first: use theirs. */
		common_rm_rf(tmp);
	}
	*out_base = TAKE_PTR(base);
	return 0;

fail:
	common_rm_rf(tmp);
	free(*out_root);
	*out_root = NULL;
	return r;
}
