/*
 * The host side of a start, before nspawn: the container's root, an
 * overlay mounted nodev (a device node in an image or in the writable
 * layer never opens; nspawn mounts the container's /dev itself). Used by
 * the launcher's host side (a unit's main process) and by the child of a
 * foreground `volt run`, which mounts it itself and executes nspawn
 * without the launcher in between (libvolt-ctr/src/run.c). Both run in a
 * private mount namespace of their own, so the mounts vanish with it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CTR_HOST_MOUNT_H
#define VOLT_CTR_HOST_MOUNT_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include <volt/core.h>

/*
 * Mount the overlay of @options on @target; -1 and errno on failure.
 * @options may end in ",volatile" (a throw-away container's layer, never
 * synced): a kernel before 5.10 does not know it, and mounts without.
 *
 * nspawn keeps per-container state in /run/systemd/nspawn and will not
 * clean it up unless it is on tmpfs, as /run is under systemd: where it
 * is not, it gets a tmpfs of its own first.
 */
static inline int ctr_host_mount(const char *target, const char *options)
{
	static const char suffix[] = ",volatile";
	size_t n = strlen(options), s = strlen(suffix);
	struct statfs sfs;
	char *plain;
	int r, e;

	if (statfs("/run", &sfs) == 0 && sfs.f_type != TMPFS_MAGIC && volt_mkdir_p("/run/systemd/nspawn", 0755) == 0)
		(void)mount("tmpfs", "/run/systemd/nspawn", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	volt_error_clear();
	if (mount("overlay", target, "overlay", MS_NODEV, options) == 0)
		return 0;
	if (errno != EINVAL || n <= s || strcmp(options + n - s, suffix) != 0)
		return -1;
	plain = strndup(options, n - s);
	if (!plain)
		return -1;
	r = mount("overlay", target, "overlay", MS_NODEV, plain);
	e = errno;
	free(plain);
	errno = e;
	return r;
}

#endif
