/* The host side of private networks. SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_LAUNCH_HOSTNET_H
#define VOLT_LAUNCH_HOSTNET_H

/* The bridge every private container's host-side veth joins. */
#define HOSTNET_BRIDGE "volt0"

/*
 * Once nspawn has made the host end @port of the container's veth pair,
 * add it to HOSTNET_BRIDGE (made with address @cidr when missing), load
 * the NAT table for @subnet and turn IPv4 forwarding on; when @port goes
 * and the bridge has no port left, remove the bridge and the table. A
 * detached process does it, so this returns at once; problems are
 * warnings on stderr (the container runs, cut off).
 */
void hostnet_attach(const char *port, const char *cidr, const char *subnet);

#endif
