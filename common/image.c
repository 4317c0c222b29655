/*
 * Image references of containers and VMs (image.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <volt/core.h>

#include "image.h"
#include "shared/macro.h"

static int import_builtin(volt_cas *cas, const char *images_dir, volt_cas_hash *out)
{
	volt_cas_import_options opts = VOLT_CAS_IMPORT_OPTIONS_INIT;
	_cleanup_free_ char *tar = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (asprintf(&tar, "%s/%s.tar", images_dir, COMMON_BUILTIN_IMAGE) < 0)
		return volt_error_set(ENOMEM, NULL);
	fd = open(tar, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return volt_error_set_errno(errno, "the built-in image '%s' is not in the store, and %s",
					    COMMON_BUILTIN_IMAGE, tar);
	volt_log(VOLT_LOG_NOTICE, "importing the built-in image '%s' from %s", COMMON_BUILTIN_IMAGE, tar);
	opts.tag = COMMON_BUILTIN_IMAGE;
	r = volt_cas_import_tar(out, NULL, cas, fd, &opts);
	if (r < 0)
		return volt_error_prefix(r, "import the built-in image from %s", tar);
	return 0;
}

/* An OCI image record first (`volt image ls`), then a Stellarium ref or hash. */
static int resolve_name(volt_cas *cas, const char *image, volt_cas_hash *out_root)
{
	volt_img_image *img = NULL;
	int r = volt_img_image_get(&img, cas, image);

	if (r == 0) {
		*out_root = img->root;
		volt_img_image_free(img);
		return 0;
	}
	if (r != -ENOENT && r != -EINVAL)
		return r;
	volt_error_clear();
	return volt_cas_resolve(out_root, cas, image);
}

int common_image_resolve(const char *root, const char *image, const char *images_dir, volt_cas **out_cas,
			 volt_cas_hash *out_root)
{
	volt_cas_open_options oo = VOLT_CAS_OPEN_OPTIONS_INIT;
	_cleanup_free_ char *store = NULL;
	volt_cas *cas = NULL;
	bool builtin = strcmp(image, COMMON_BUILTIN_IMAGE) == 0;
	int r;

	r = volt_root_subdir(&store, root, "cas", 0);
	if (r < 0)
		return r;
	/* The store is created for the built-in image only: any other image
	 * must have been imported into an existing store. */
	if (builtin) {
		r = volt_mkdir_p(root, 0700);
		if (r < 0)
			return r;
		oo.flags |= VOLT_CAS_OPEN_CREATE;
	}
	r = volt_cas_open(&cas, store, &oo);
	if (r == -ENOENT)
		return volt_error_set(ENOENT, "no image '%s': the store %s does not exist yet", image, store);
	if (r < 0)
		return r;
	r = resolve_name(cas, image, out_root);
	if (r == -ENOENT && builtin)
		r = import_builtin(cas, images_dir, out_root);
	else if (r == -ENOENT)
		r = volt_error_set(ENOENT, "no image '%s' in the store (see 'volt image ls' and 'stellarium ls')", image);
	if (r < 0) {
		volt_cas_close(cas);
		return r;
	}
	*out_cas = cas;
	return 0;
}
