/*
 * Shared bases from Stellarium images.
 *
 * A base is a checkout of the image's tree (named after the tree's
 * hash, so every tag of one tree shares it), its ownership then shifted
 * into the container uid range. The built-in image is imported from the
 * tar file installed with Volt the first time it is asked for.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/cas.h>
#include <volt/core.h>

#include "ctr-internal.h"
#include "shared/macro.h"

static void cas_closep(volt_cas **c)
{
	volt_cas_close(*c);
}

/* Where the built-in image's tar file is installed (overridable for tests). */
static const char *images_dir(void)
{
	const char *p = secure_getenv("VOLT_IMAGES_DIR");

	return p && *p ? p : VOLT_CTR_IMAGES_DIR_DEFAULT;
}

static int import_default_image(volt_cas *cas, volt_cas_hash *out)
{
	volt_cas_import_options opts = VOLT_CAS_IMPORT_OPTIONS_INIT;
	_cleanup_free_ char *tar = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (asprintf(&tar, "%s/%s.tar", images_dir(), VOLT_CTR_DEFAULT_IMAGE) < 0)
		return volt_error_set(ENOMEM, NULL);
	fd = open(tar, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return volt_error_set_errno(errno, "the built-in image '%s' is not in the store, and %s",
					    VOLT_CTR_DEFAULT_IMAGE, tar);
	volt_log(VOLT_LOG_NOTICE, "importing the built-in image '%s' from %s", VOLT_CTR_DEFAULT_IMAGE, tar);
	opts.tag = VOLT_CTR_DEFAULT_IMAGE;
	r = volt_cas_import_tar(cas, fd, &opts, out, NULL);
	if (r < 0)
		return volt_error_prefix(r, "import the built-in image from %s", tar);
	return 0;
}

static int shift_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	uid_t uid = VOLT_CTR_UID_BASE + (st->st_uid < VOLT_CTR_UID_COUNT ? st->st_uid : 65534);
	gid_t gid = VOLT_CTR_UID_BASE + (st->st_gid < VOLT_CTR_UID_COUNT ? st->st_gid : 65534);

	(void)type;
	(void)ftw;
	if (lchown(path, uid, gid) < 0)
		return volt_error_set_errno(errno, "chown %s", path);
	/* chown clears set-user-ID and set-group-ID bits: put them back. */
	if (!S_ISLNK(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) && chmod(path, st->st_mode & 07777) < 0)
		return volt_error_set_errno(errno, "chmod %s", path);
	return 0;
}

int ctr_base_prepare_image(const volt_ctr *ctr, const char *image, char **out_base, char **out_root)
{
	volt_cas_checkout_options co = VOLT_CAS_CHECKOUT_OPTIONS_INIT;
	volt_cas_open_options oo = VOLT_CAS_OPEN_OPTIONS_INIT;
	volt_cas *cas __attribute__((cleanup(cas_closep))) = NULL;
	_cleanup_free_ char *store = NULL, *base = NULL, *tmp = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	volt_cas_hash root;
	bool builtin = strcmp(image, VOLT_CTR_DEFAULT_IMAGE) == 0;
	int r;

	r = volt_root_subdir(&store, ctr->root, "cas", 0);
	if (r < 0)
		return r;
	/* The store is created for the built-in image only: any other image
	 * must have been imported into an existing store. */
	if (builtin) {
		r = volt_mkdir_p(ctr->root, 0700);
		if (r < 0)
			return r;
		oo.flags |= VOLT_CAS_OPEN_CREATE;
	}
	r = volt_cas_open(&cas, store, &oo);
	if (r == -ENOENT)
		return volt_error_set(ENOENT, "no image '%s': the store %s does not exist yet", image, store);
	if (r < 0)
		return r;
	r = volt_cas_resolve(cas, image, &root);
	if (r == -ENOENT && builtin)
		r = import_default_image(cas, &root);
	else if (r == -ENOENT)
		return volt_error_set(ENOENT, "no image '%s' in the store (see 'stellarium ls')", image);
	if (r < 0)
		return r;

	volt_cas_hash_to_hex(hex, &root);
	if (asprintf(&base, "%s/cas-%s", ctr->bases, hex) < 0 ||
	    asprintf(&tmp, "%s/.tmp-cas-%s-%d", ctr->bases, hex, (int)getpid()) < 0)
		return volt_error_set(ENOMEM, NULL);
	*out_root = strdup(hex);
	if (!*out_root)
		return volt_error_set(ENOMEM, NULL);
	if (access(base, F_OK) == 0) {
		*out_base = TAKE_PTR(base);
		return 0;
	}

	r = volt_mkdir_p(ctr->bases, 0700);
	if (r < 0)
		goto fail;
	volt_log(VOLT_LOG_INFO, "checking out image %s for containers", hex);
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
	{
		_cleanup_free_ char *usr = NULL;

		/* What nspawn would refuse, refused now with a clearer message. */
		if (asprintf(&usr, "%s/usr", tmp) < 0 || access(usr, F_OK) < 0) {
			r = volt_error_set(EINVAL, "image '%s' has no /usr: not an OS tree", image);
			goto fail;
		}
	}
	if (rename(tmp, base) < 0) {
		if (errno != ENOTEMPTY && errno != EEXIST) {
			r = volt_error_set_errno(errno, "rename %s", tmp);
			goto fail;
		}
		/* Another process prepared the same base first: use theirs. */
		ctr_rm_rf(tmp);
	}
	*out_base = TAKE_PTR(base);
	return 0;

fail:
	ctr_rm_rf(tmp);
	free(*out_root);
	*out_root = NULL;
	return r;
}
