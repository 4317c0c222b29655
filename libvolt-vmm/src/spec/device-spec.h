/*
 * The --disk and --net grammar of voltvm, in one place for both ends:
 * the VM manager formats a VM's devices into voltvm's command line
 * (machine-cmdline.c) and voltvm parses them back (tools/voltvm). A
 * private static library, linked by both; nothing here is exported.
 *
 *   --disk path=FILE[,ro]
 *   --disk image=REF,store=DIR[,overlay=FILE][,ro]
 *   --net  tap=IFNAME[,mac=XX:XX:XX:XX:XX:XX]
 *
 * Items are separated by commas (empty items are skipped), so no value
 * can hold a comma: the formatters refuse one rather than write a spec
 * that parses into something else. Whether a file exists, a TAP name is
 * valid or a MAC is unicast is libvolt-vmm's to check, not the grammar's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_DEVICE_SPEC_H
#define VOLT_VMM_DEVICE_SPEC_H

#include <stdint.h>
#include <stdio.h>

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
 * Parse a --disk spec into @out (its strings point into out->text,
 * which the caller frees). 0, or -EINVAL/-ENOMEM with a message for the
 * user naming the spec; on failure out->text is NULL.
 */
int disk_spec_parse(struct disk_spec *out, const char *spec);

/* Parse a --net spec, as disk_spec_parse(). */
int net_spec_parse(struct net_spec *out, const char *spec);

/*
 * The spec that parses back into @opts, in a new string: 0, or -EINVAL
 * with a message (a missing or empty value, a comma in one, a wrong
 * combination), or -ENOMEM.
 */
int disk_spec_format(char **out, const volt_vmm_disk_options *opts);
int net_spec_format(char **out, const volt_vmm_net_options *opts);

/* "52:54:00:12:34:56" (either case) into six bytes: 0 or -EINVAL (no message). */
int device_spec_parse_mac(uint8_t mac[6], const char *text);

/* One line describing the device, for voltvm --dry-run. */
void disk_spec_describe(const struct disk_spec *d, unsigned int index, FILE *out);
void net_spec_describe(const struct net_spec *n, unsigned int index, FILE *out);

#endif
