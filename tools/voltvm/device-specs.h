/*
 * voltvm's --disk and --net specifications: comma-separated key=value
 * lists turned into libvolt-vmm's option structs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLTVM_DEVICE_SPECS_H
#define VOLTVM_DEVICE_SPECS_H

#include <volt/vmm.h>

struct disk_spec {
	const char *spec;             /* as given (argv) */
	char *text;                   /* owned copy of the spec, cut into the strings below */
	volt_vmm_disk_options opts;
};

struct net_spec {
	const char *spec;
	char *text;
	volt_vmm_net_options opts;
};

/*
 * Parse "path=FILE[,ro]" or "image=REF,store=DIR[,overlay=FILE][,ro]".
 * 0, or -EINVAL with a message for the user.
 */
int disk_spec_parse(struct disk_spec *out, const char *spec);

/* Parse "tap=IFNAME[,mac=XX:XX:XX:XX:XX:XX]". */
int net_spec_parse(struct net_spec *out, const char *spec);

/* One line describing the device, for --dry-run. */
void disk_spec_describe(const struct disk_spec *d, unsigned int index, FILE *out);
void net_spec_describe(const struct net_spec *n, unsigned int index, FILE *out);

#endif
