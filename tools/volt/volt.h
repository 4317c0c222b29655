/* The verbs of volt(1), one file each. SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_TOOLS_VOLT_H
#define VOLT_TOOLS_VOLT_H

#include "cli.h"

int verb_version(const struct cli_global *g, int argc, char **argv);
int verb_container(const struct cli_global *g, int argc, char **argv);
int verb_image(const struct cli_global *g, int argc, char **argv);
int verb_info(const struct cli_global *g, int argc, char **argv);
int verb_policy(const struct cli_global *g, int argc, char **argv);
int verb_policy_learn(const struct cli_global *g, int argc, char **argv);
/* policy attach IMAGE FILE, detach IMAGE, attached IMAGE (@argv: the arguments after @sub). */
int verb_policy_attach(const struct cli_global *g, const char *sub, bool json, int argc, char **argv);
/* "attached", "default" (none attached: the container default), "invalid" or "unknown". */
const char *image_policy_state(const struct cli_global *g, const char *image);
int verb_vm(const struct cli_global *g, int argc, char **argv);
int verb_sandbox(const struct cli_global *g, int argc, char **argv);

/* Parse the options every verb accepts (--json, --help); returns -1 to go on, else an exit code. */
int volt_verb_common_options(const struct cli_global *g, bool *json, int argc, char **argv, const char *help);

#endif
