/*
 * TAP devices of VMs' private networks.
 *
 * The manager makes the TAP persistent (TUNSETPERSIST) so that it
 * outlives the process that created it: voltvm, sandboxed and without
 * CAP_NET_ADMIN, then only attaches to it. The host end gets .1 of the
 * VM's /30 (common/netalloc.h); the guest configures .2 itself from
 * "ip=" on its kernel command line.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <volt/core.h>

#include "machine-internal.h"
#include "shared/macro.h"

int vm_tap_name_check(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len >= IFNAMSIZ)
		return volt_error_set(EINVAL, "TAP name '%s': 1 to %d characters", name ? name : "",
				      IFNAMSIZ - 1);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return volt_error_set(EINVAL, "TAP name '%s' is not a name", name);
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.'))
			return volt_error_set(EINVAL, "TAP name '%s': only letters, digits, '-', '_' and '.'", name);
	return 0;
}

static int tap_open(const char *name, struct ifreq *ifr)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return volt_error_set_errno(errno, "open /dev/net/tun");
	memset(ifr, 0, sizeof(*ifr));
	ifr->ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, ifr) < 0) {
		int err = errno;

		close(fd);
		if (err == EPERM)
			return volt_error_set(EPERM, "create TAP device %s: needs CAP_NET_ADMIN", name);
		return volt_error_set_errno(err, "create TAP device %s", name);
	}
	return fd;
}

static int set_addr(int sock, const char *name, unsigned long req, const char *addr)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
		return volt_error_set(EINVAL, "bad address %s", addr);
	if (ioctl(sock, req, &ifr) < 0)
		return volt_error_set_errno(errno, "address %s on %s", addr, name);
	return 0;
}

int vm_tap_setup(const char *name, const char *host_addr)
{
	_cleanup_close_ int fd = -1, sock = -1;
	struct ifreq ifr;
	int r;

	fd = tap_open(name, &ifr);
	if (fd < 0)
		return fd;
	if (ioctl(fd, TUNSETPERSIST, 1) < 0)
		return volt_error_set_errno(errno, "make TAP device %s persistent", name);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return volt_error_set_errno(errno, "socket");
	if ((r = set_addr(sock, name, SIOCSIFADDR, host_addr)) < 0 ||
	    (r = set_addr(sock, name, SIOCSIFNETMASK, "255.255.255.252")) < 0)
		return r;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return volt_error_set_errno(errno, "flags of %s", name);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
		return volt_error_set_errno(errno, "bring %s up", name);
	return 0;
}

int vm_tap_remove(const char *name)
{
	_cleanup_close_ int fd = -1;
	struct ifreq ifr;

	if (if_nametoindex(name) == 0)
		return 0; /* gone already (a reboot of the host, say) */
	fd = tap_open(name, &ifr);
	if (fd < 0)
		return fd;
	if (ioctl(fd, TUNSETPERSIST, 0) < 0)
		return volt_error_set_errno(errno, "remove TAP device %s", name);
	return 0;
}
