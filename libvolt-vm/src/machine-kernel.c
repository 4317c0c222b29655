/*
 * Which guest kernel a VM boots when none is named: the minimal kernel
 * when it is installed, else the distribution's /boot/vmlinuz-RELEASE
 * whose modules Volt's guest initrd carries. The initrd names that
 * release in its gzip header's file name ("volt-modules=RELEASE", written
 * by images/guest-init/mkinitrd.py), so it is read here without
 * decompressing anything, and a kernel that does not match it is never
 * booted: the guest would stop with "no root disk".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine-internal.h"
#include "shared/macro.h"

#define GZIP_FEXTRA 0x04
#define GZIP_FNAME 0x08
#define MANIFEST_PREFIX "volt-modules="

static bool release_ok(const char *s)
{
	if (!*s || strlen(s) > 64 || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '-' || *s == '_' || *s == '+' || *s == '~'))
			return false;
	return true;
}

int vm_initrd_release(char **out, const char *initrd)
{
	_cleanup_close_ int fd = open(initrd, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	unsigned char head[10 + 96];
	ssize_t n;
	size_t len;

	*out = NULL;
	if (fd < 0)
		return volt_error_set_errno(errno, "guest initrd %s", initrd);
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0)
		return volt_error_set_errno(errno, "guest initrd %s", initrd);
	if (n < 10 || head[0] != 0x1f || head[1] != 0x8b)
		return volt_error_set(EBADMSG, "guest initrd %s is not a gzip'd initramfs", initrd);
	/* No name (or a name other than the manifest): an initrd without modules. */
	if ((head[3] & GZIP_FEXTRA) || !(head[3] & GZIP_FNAME))
		return 0;
	len = strnlen((const char *)head + 10, (size_t)n - 10);
	if (len == (size_t)n - 10 || len <= strlen(MANIFEST_PREFIX) ||
	    memcmp(head + 10, MANIFEST_PREFIX, strlen(MANIFEST_PREFIX)))
		return 0;
	if (!release_ok((const char *)head + 10 + strlen(MANIFEST_PREFIX)))
		return volt_error_set(EBADMSG, "guest initrd %s names a kernel release that is not one", initrd);
	*out = strdup((const char *)head + 10 + strlen(MANIFEST_PREFIX));
	return *out ? 0 : volt_error_set(ENOMEM, NULL);
}

static const char *boot_dir(void)
{
	const char *p = secure_getenv("VOLT_BOOT_DIR");

	return p && *p ? p : "/boot";
}

static const char *rebuild_hint =
	"rebuild Volt's initrd for an installed kernel (meson compile in the build tree and meson install; "
	"or images/guest-init/mkinitrd.py --modules /lib/modules/RELEASE INIT OUTPUT), "
	"or install the minimal guest kernel (scripts/build-guest-kernel)";

int vm_kernel_choose(vm_kernel_choice *out, const char *requested, const char *initrd)
{
	const char *env = secure_getenv("VOLT_GUEST_KERNEL");
	const char *minimal = vm_minimal_kernel_path();
	_cleanup_free_ char *release = NULL, *path = NULL;
	struct stat st;
	int r;

	memset(out, 0, sizeof(*out));
	if (requested || (env && *env)) {
		const char *k = requested ? requested : env;

		out->path = realpath(k, NULL);
		if (!out->path)
			return volt_error_set_errno(errno, "guest kernel %s%s", k,
						    requested ? "" : " (from VOLT_GUEST_KERNEL)");
		out->source = requested ? "option" : "environment";
		return 0;
	}
	if (minimal && *minimal && stat(minimal, &st) == 0) {
		out->path = realpath(minimal, NULL);
		if (!out->path)
			return volt_error_set_errno(errno, "guest kernel %s", minimal);
		out->source = "minimal";
		return 0;
	}
	r = vm_initrd_release(&release, initrd);
	if (r < 0)
		return r;
	if (!release)
		return volt_error_set(ENOENT,
				      "no guest kernel: the minimal kernel %s is not installed, and the guest initrd %s carries no kernel modules "
				      "(it was built where /boot had no kernel with modules), so no distribution kernel can boot with it; "
				      "pass one (--kernel), %s",
				      minimal, initrd, rebuild_hint);
	if (asprintf(&path, "%s/vmlinuz-%s", boot_dir(), release) < 0)
		return volt_error_set(ENOMEM, NULL);
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return volt_error_set(ENOENT,
				      "no guest kernel: the minimal kernel %s is not installed, and the guest initrd %s carries the modules of kernel %s, "
				      "but %s is not there (removed by a kernel upgrade?): install that kernel (linux-image-%s), or %s",
				      minimal, initrd, release, path, release, rebuild_hint);
	out->path = realpath(path, NULL);
	if (!out->path)
		return volt_error_set_errno(errno, "guest kernel %s", path);
	out->source = "distribution";
	out->release = TAKE_PTR(release);
	return 0;
}

void vm_kernel_choice_done(vm_kernel_choice *c)
{
	free(c->path);
	free(c->release);
	memset(c, 0, sizeof(*c));
}

int vm_kernel_check(const json_t *config, const char *name)
{
	const char *kernel = json_string_value(json_object_get(config, "kernel"));
	const char *initrd = json_string_value(json_object_get(config, "initrd"));
	const char *want = json_string_value(json_object_get(config, "kernel_release"));
	_cleanup_free_ char *have = NULL;
	struct stat st;
	int r;

	if (!kernel || !initrd)
		return volt_error_set(EBADMSG, "VM '%s': vm.json lacks a field", name);
	if (stat(kernel, &st) < 0)
		return volt_error_set_errno(errno,
					    "VM '%s': its guest kernel %s is gone; recreate the VM (volt vm rm, volt vm create) to pick an installed one",
					    name, kernel);
	if (!want)
		return 0;
	r = vm_initrd_release(&have, initrd);
	if (r < 0)
		return volt_error_prefix(r, "VM '%s'", name);
	if (!have || strcmp(have, want))
		return volt_error_set(ESTALE,
				      "VM '%s' boots the distribution kernel %s, but the guest initrd %s now carries %s%s: the guest could not find its root disk; "
				      "recreate the VM (volt vm rm, volt vm create) to pick the matching kernel",
				      name, want, initrd, have ? "the modules of kernel " : "no kernel modules", have ? have : "");
	return 0;
}
