/*
 * Private networks: one /30 of VOLT_CTR_NETWORK_PREFIX per container,
 * numbered from 1; address .1 of it is the host end of the veth pair
 * ("voltN", the container's gateway), .2 the container's "host0".
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

#include "ctr-internal.h"
#include "shared/json-cleanup.h"
#include "shared/macro.h"

#define NETWORK_MAX 16383 /* /30s in a /16, less the first */

void ctr_network_addresses(unsigned index, char host[INET_ADDR_BUF], char container[INET_ADDR_BUF])
{
	unsigned base = index * 4;

	snprintf(host, INET_ADDR_BUF, "10.213.%u.%u", (base >> 8) & 255, (base & 255) + 1);
	snprintf(container, INET_ADDR_BUF, "10.213.%u.%u", (base >> 8) & 255, (base & 255) + 2);
}

int ctr_network_lock(const volt_ctr *ctr, int *out_fd)
{
	_cleanup_free_ char *path = NULL;
	int fd, r;

	r = volt_mkdir_p(ctr->containers, 0700);
	if (r < 0)
		return r;
	if (asprintf(&path, "%s/.network.lock", ctr->containers) < 0)
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

int ctr_network_allocate(const volt_ctr *ctr, unsigned *out_index)
{
	_cleanup_closedir_ DIR *d = opendir(ctr->containers);
	_cleanup_free_ unsigned char *used = calloc(NETWORK_MAX + 1, 1);
	struct dirent *e;

	if (!used)
		return volt_error_set(ENOMEM, NULL);
	/* The caller holds the network lock, so the configs cannot change under us. */
	while (d && (e = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		_cleanup_json_ json_t *config = NULL;
		long long idx;

		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&path, "%s/%s/config.json", ctr->containers, e->d_name) < 0)
			return volt_error_set(ENOMEM, NULL);
		if (volt_json_load_file(&config, path) < 0 ||
		    volt_json_get_int(config, "network_index", false, "config.json", 1, NETWORK_MAX, &idx) != 0) {
			volt_error_clear();
			continue;
		}
		used[idx] = 1;
	}
	for (unsigned i = 1; i <= NETWORK_MAX; i++)
		if (!used[i]) {
			*out_index = i;
			return 0;
		}
	return volt_error_set(ENOSPC, "all %d private networks of %s are in use", NETWORK_MAX,
			      VOLT_CTR_NETWORK_PREFIX);
}
