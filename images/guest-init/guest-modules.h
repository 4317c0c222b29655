/*
 * The kernel modules the initramfs carries for a distribution kernel
 * (mkinitrd.py --modules): /lib/modules/RELEASE/volt.order names them in
 * load order, /lib/modules/RELEASE/NAME.ko are the files.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_GUEST_MODULES_H
#define VOLT_GUEST_MODULES_H

/* Printing a line of progress or trouble, as the init does. */
typedef void (*guest_say_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Load the modules for the running kernel's release from @dir (normally
 * "/lib/modules"): each with finit_module(2), one already loaded or built
 * in counts as loaded. Modules for another release are not loaded, and
 * @say says so. Returns the number loaded, or -1 when none are carried
 * for this release or the kernel has no module support (no /proc/modules).
 */
int guest_modules_load(const char *dir, guest_say_fn say);

#endif
