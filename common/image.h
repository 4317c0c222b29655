/*
 * Private code shared by libvolt-ctr and libvolt-vmm: resolving an image
 * reference in the store STATE_ROOT/cas, importing the built-in image
 * ("busybox", a tar file installed with Volt) the first time it is asked
 * for.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_COMMON_IMAGE_H
#define VOLT_COMMON_IMAGE_H

#include <volt/img.h>

#define COMMON_BUILTIN_IMAGE "busybox"

/*
 * Open the store of @root (created only for the built-in image) and
 * resolve @image in it (an OCI image name or id, then a Stellarium ref
 * or hash); @images_dir holds the built-in image's tar file.
 * @out_cas is the caller's to volt_cas_close().
 */
int common_image_resolve(const char *root, const char *image, const char *images_dir, volt_cas **out_cas,
			 volt_cas_hash *out_root);

#endif
