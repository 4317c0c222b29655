/*
 * The guest init's instructions, read from the kernel command line.
 *
 * Kept free of libvolt and of anything but the C library: it is linked
 * into the static guest init and, unchanged, into its unit test. The
 * format is documented in docs/vmm-machines.md ("The guest init").
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_GUEST_CONFIG_H
#define VOLT_GUEST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct guest_config {
	char *root;        /* volt.root=DEVICE, e.g. /dev/vda; required */
	char *fstype;      /* volt.rootfstype=ext4|erofs; default ext4 */
	bool read_only;    /* volt.ro=1 */
	char **argv;       /* volt.cmd=BASE64 of NUL-terminated strings; default /bin/sh */
	char **env;        /* volt.env=BASE64 of NUL-terminated NAME=VALUE strings */
	char *workdir;     /* volt.workdir=PATH (absolute); default / */
	char *user;        /* volt.user=NAME|UID[:GID]; default root */
	char *hostname;    /* volt.hostname=NAME */
	char error[256];   /* why guest_config_parse() failed */
};

/*
 * Parse a kernel command line (as /proc/cmdline shows it: words split on
 * spaces, double quotes grouping). Words not starting with "volt." are
 * the kernel's and ignored; an unknown "volt." key is an error.
 * Returns 0, or -1 with @c->error set; @c is to be freed either way.
 */
int guest_config_parse(struct guest_config *c, const char *cmdline);
void guest_config_free(struct guest_config *c);

/*
 * Decode standard base64 (with or without '=' padding). @out receives a
 * malloc'd buffer with a NUL after the @out_len bytes. Returns 0 or -1.
 */
int guest_base64_decode(const char *in, unsigned char **out, size_t *out_len);

/*
 * Resolve @spec (a name, a uid, or uid:gid) against the text of an
 * /etc/passwd file (NULL: none). A bare uid takes its gid from passwd,
 * else the same number. Returns 0, or -1 with a message in @err.
 */
int guest_user_resolve(const char *spec, const char *passwd, uid_t *uid, gid_t *gid, char err[256]);

#endif
