/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "guest-modules.h"

/* Another release's directory, for the message that says why nothing was loaded. */
static void say_other_release(const char *dir, const char *release, guest_say_fn say)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, release) != 0)
			say("volt-guest-init: the initramfs carries modules for %s, the kernel is %s: not loaded",
			    e->d_name, release);
	closedir(d);
}

static int load_one(const char *dir, const char *name)
{
	char path[1024];
	int fd, r;

	/* mkinitrd.py stored it uncompressed: no need for the kernel's MODULE_INIT_COMPRESSED_FILE. */
	snprintf(path, sizeof(path), "%s/%s.ko", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = (int)syscall(SYS_finit_module, fd, "", 0);
	r = r < 0 && errno != EEXIST ? -errno : 0;
	close(fd);
	return r;
}

int guest_modules_load(const char *dir, guest_say_fn say)
{
	char reldir[400], order[512], line[128];
	struct utsname u;
	int loaded = 0;
	FILE *f;

	/* A kernel without module support (the minimal guest kernel) has none to load. */
	if (access("/proc/modules", F_OK) < 0 || uname(&u) < 0)
		return -1;
	snprintf(reldir, sizeof(reldir), "%s/%s", dir, u.release);
	snprintf(order, sizeof(order), "%s/volt.order", reldir);
	f = fopen(order, "re");
	if (!f) {
		say_other_release(dir, u.release, say);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		int r;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		r = load_one(reldir, line);
		if (r < 0)
			say("volt-guest-init: load module %s: %s", line, strerror(-r));
		else
			loaded++;
	}
	fclose(f);
	return loaded;
}
