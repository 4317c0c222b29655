/*
 * A VM's live state: from its unit, or from a foreground voltvm's pid
 * file (machine-unit.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VM_MACHINE_STATE_H
#define VOLT_VM_MACHINE_STATE_H

#include "machine-internal.h"

typedef struct vm_live {
	char unit[128];
	bool unit_loaded;       /* systemd knows the unit */
	bool foreground;        /* a volt_vm_run() voltvm runs it */
	volt_vm_state state;
	int exit_status;
	pid_t main_pid;
	uint64_t started_ns;
} vm_live;

int vm_live_state(const vm_record *rec, vm_live *out);
/* SIGKILL to a running VM's voltvm, and wait for it to go. */
int vm_kill(const vm_record *rec, const vm_live *live);

#endif
