/*
 * libvolt-img: OCI and Docker images, image archives and the registry
 * client, above Stellarium (libvolt-cas).
 *
 * Link with `pkg-config --cflags --libs libvolt-img`. Errors follow
 * libvolt-core's convention: negative errno, message in volt_error_message().
 *
 * Images live in a store opened with volt_cas_open(): their layers and
 * root file systems are ordinary trees of the store, and every image and
 * layer record holds a store ref in the namespace "img." (docs/img-format.md),
 * so the store's gc keeps what a record names without knowing images.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_IMG_H
#define VOLT_IMG_H

#include <volt/cas.h>

VOLT_BEGIN_DECLS

/**
 * The version of the libvolt-img that is running, such as "0.4.0".
 * Never NULL; static storage.
 */
VOLT_API const char *volt_img_version(void);

VOLT_END_DECLS

/* OCI and Docker images (layers, merged trees, image records, archives). */
#include <volt/img/image.h>

/* The registry client: image pull and push, store push and fetch. */
#include <volt/img/registry.h>

#endif
