/*
 * The guest's network from the kernel's own "ip=" parameter, for kernels
 * without IP_PNP (Debian's): the init configures what the kernel would
 * have. Only the static form Volt writes is understood:
 *
 *   ip=CLIENT:[SERVER]:GATEWAY:NETMASK:[HOSTNAME]:DEVICE:off
 *
 * (GATEWAY may be empty; DEVICE defaults to eth0). C library only, like
 * guest-config.h, so that it is unit tested unchanged.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_GUEST_NET_H
#define VOLT_GUEST_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

struct guest_ip {
	bool present;          /* an ip= with a static address was given */
	struct in_addr addr, gateway, netmask;
	char device[16];       /* IFNAMSIZ */
	char error[400];
};

/*
 * Find the last "ip=" word of @cmdline and parse it. Returns 0 (with
 * present false when there is none, or it is "off"/"none"), or -1 with
 * @out->error set for a form this parser does not take (dhcp included).
 */
int guest_ip_parse(struct guest_ip *out, const char *cmdline);

/*
 * Give @ip->device its address and netmask, bring it and lo up, and add
 * the default route through the gateway if there is one. Returns 0, or
 * -1 with a message in @err.
 */
int guest_ip_configure(const struct guest_ip *ip, char *err, size_t errlen);

#endif
