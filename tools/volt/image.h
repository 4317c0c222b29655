/* The image verbs of volt(1). SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_TOOLS_IMAGE_H
#define VOLT_TOOLS_IMAGE_H

#include <volt/img.h>

#include "volt.h"

/*
 * Open the store of the state root (--root / VOLT_ROOT), STATE_ROOT/cas;
 * @create makes it when missing. Returns -1 to go on, else an exit code
 * (an error already printed).
 */
int image_store_open(const struct cli_global *g, bool create, volt_cas **out);

/* An image as JSON (the same fields inspect and ls --json print). */
json_t *image_to_json(const volt_img_image *img, bool with_config);

int image_import(const struct cli_global *g, int argc, char **argv);
int image_pull(const struct cli_global *g, int argc, char **argv);
int image_push(const struct cli_global *g, int argc, char **argv);
int image_save(const struct cli_global *g, int argc, char **argv);
int image_list(const struct cli_global *g, int argc, char **argv);
int image_inspect(const struct cli_global *g, int argc, char **argv);
int image_tag(const struct cli_global *g, int argc, char **argv);
int image_rm(const struct cli_global *g, int argc, char **argv);
int image_prune(const struct cli_global *g, int argc, char **argv);

#endif
