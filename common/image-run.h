/*
 * Private code shared by libvolt-ctr and libvolt-vm: an OCI image's
 * config applied to what the user asked for, the way Docker does, so one
 * image runs the same as a container and as a VM.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_COMMON_IMAGE_RUN_H
#define VOLT_COMMON_IMAGE_RUN_H

#include <stdbool.h>

#include <volt/img.h>

/* The effective workload; strings point into the image or the request. */
typedef struct common_image_run {
	const char **argv;  /* Entrypoint + (the request's argv, else Cmd); NULL when both are empty */
	const char **env;   /* the image's Env, then the request's; the request wins by name */
	const char *workdir;  /* the request's, else WorkingDir, else NULL */
	const char *user;     /* the request's, else User without a ":group" part, else NULL */
	bool cmd_replaced;    /* the request's argv replaced Cmd */
	char *user_buf;       /* owned: the image's user cut at ':' */
} common_image_run;

/*
 * Fill @out from @img and the request (@argv, @env, @workdir, @user: any
 * may be NULL). A request argv with no words is no argv. Free with
 * common_image_run_clear(); @img and the request must outlive @out.
 */
int common_image_run_apply(common_image_run *out, const volt_img_image *img, const char *const *argv,
			   const char *const *env, const char *workdir, const char *user);
void common_image_run_clear(common_image_run *r);

#endif
