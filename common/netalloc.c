/*
 * Private networks of containers and VMs (netalloc.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <volt/core.h>

#include "netalloc.h"
#include "record.h"
#include "shared/json-cleanup.h"
#include "shared/macro.h"

void common_net_addresses(unsigned index, char host[COMMON_INET_ADDR_BUF], char guest[COMMON_INET_ADDR_BUF])
{
	unsigned base = index * 4;

	snprintf(host, COMMON_INET_ADDR_BUF, "10.213.%u.%u", (base >> 8) & 255, (base & 255) + 1);
	snprintf(guest, COMMON_INET_ADDR_BUF, "10.213.%u.%u", (base >> 8) & 255, (base & 255) + 2);
}

void common_net_mac(char out[COMMON_MAC_BUF], unsigned index)
{
	/* 52:54:00 is the locally administered prefix QEMU made customary. */
	snprintf(out, COMMON_MAC_BUF, "52:54:00:d5:%02x:%02x", (index >> 8) & 255, index & 255);
}

void common_net_lease_for(common_net_lease *out, common_net_kind kind, unsigned index)
{
	memset(out, 0, sizeof(*out));
	out->index = index;
	/* Both kinds from one counter: "vtap" and "volt" never meet, and each index is one workload's. */
	snprintf(out->ifname, sizeof(out->ifname), "%s%u", kind == COMMON_NET_TAP ? "vtap" : "volt", index);
	common_net_addresses(index, out->host, out->guest);
	common_net_mac(out->mac, index);
}

int common_net_lock(const char *root, int *out_fd)
{
	_cleanup_free_ char *path = NULL;
	int fd, r;

	r = volt_mkdir_p(root, 0700);
	if (r < 0)
		return r;
	if (asprintf(&path, "%s/.network.lock", root) < 0)
		return volt_error_set(ENOMEM, NULL);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return volt_error_set_errno(errno, "open %s", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			r = volt_error_set_errno(errno, "lock %s", path);
			close(fd);
			return r;
		}
	*out_fd = fd;
	return 0;
}

/*
 * Mark the indexes recorded in ROOT/@kind/NAME/@record, read as every
 * record is (record.h): a planted link must not hold an index either.
 */
static int mark_used(unsigned char *used, const char *root, const char *kind, const char *record)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_close_ int kind_fd = -1;
	struct dirent *e;
	int scan, r;

	if (asprintf(&dir, "%s/%s", root, kind) < 0)
		return volt_error_set(ENOMEM, NULL);
	r = common_record_kind_open(&kind_fd, root, kind);
	if (r == -ENOENT) {
		volt_error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	scan = fcntl(kind_fd, F_DUPFD_CLOEXEC, 3);
	d = scan < 0 ? NULL : fdopendir(scan);
	if (!d) {
		if (scan >= 0)
			close(scan);
		return volt_error_set_errno(errno, "open %s", dir);
	}
	while ((e = readdir(d))) {
		_cleanup_json_ json_t *config = NULL;
		_cleanup_close_ int dfd = -1;
		long long idx;

		if (e->d_name[0] == '.')
			continue;
		if (common_record_dir_open(&dfd, kind_fd, dir, e->d_name) < 0 ||
		    common_record_load_json(&config, dfd, dir, record) < 0 ||
		    volt_json_get_int(&idx, config, "network_index", false, record, 1, COMMON_NET_MAX) != 0) {
			volt_error_clear();
			continue;
		}
		used[idx] = 1;
	}
	return 0;
}

int common_net_allocate(const char *root, unsigned *out_index)
{
	_cleanup_free_ unsigned char *used = calloc(COMMON_NET_MAX + 1, 1);
	int r;

	if (!used)
		return volt_error_set(ENOMEM, NULL);
	/* The caller holds the network lock, so the records cannot change under us. */
	if ((r = mark_used(used, root, "containers", "config.json")) < 0 ||
	    (r = mark_used(used, root, "vms", "vm.json")) < 0)
		return r;
	for (unsigned i = 1; i <= COMMON_NET_MAX; i++)
		if (!used[i]) {
			*out_index = i;
			return 0;
		}
	return volt_error_set(ENOSPC, "all %d private networks of 10.213.0.0/16 are in use", COMMON_NET_MAX);
}
