/* The VM verbs of volt(1) (not <volt/vm.h>, the library). SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_TOOLS_VM_VERBS_H
#define VOLT_TOOLS_VM_VERBS_H

#include <volt/vm.h>

#include "volt.h"

/* Open the VMs of the state root chosen by --root / VOLT_ROOT; -1 to go on, else an exit code. */
int vm_open(const struct cli_global *g, volt_vm **out);

int vm_create(const struct cli_global *g, int argc, char **argv);
int vm_start(const struct cli_global *g, int argc, char **argv);
int vm_stop(const struct cli_global *g, int argc, char **argv);
int vm_rm(const struct cli_global *g, int argc, char **argv);
int vm_run(const struct cli_global *g, int argc, char **argv);
int vm_list(const struct cli_global *g, int argc, char **argv);
int vm_inspect(const struct cli_global *g, int argc, char **argv);
int vm_logs(const struct cli_global *g, int argc, char **argv);
/* volt run --vm (vm-run-image.c): is --vm among 'volt run's options; run it. */
bool vm_run_image_wanted(int argc, char **argv);
int vm_run_image(const struct cli_global *g, int argc, char **argv);
int vm_console(const struct cli_global *g, int argc, char **argv);
/* The unit's main process: voltvm's console to the journal and to 'vm console' (internal). */
int vm_console_relay(const struct cli_global *g, int argc, char **argv);

#endif
