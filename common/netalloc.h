/*
 * Private code shared by libvolt-ctr and libvolt-vm: the private
 * networks of containers and VMs, one /30 of 10.213.0.0/16 each,
 * numbered from 1 (index i: 10.213.0.0 + 4i; .1 the host end, .2 the
 * workload's). An index is taken under ROOT/.network.lock and recorded
 * as "network_index" in the workload's record, where the allocator
 * finds it again: ROOT/containers/NAME/config.json, ROOT/vms/NAME/vm.json.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_COMMON_NETALLOC_H
#define VOLT_COMMON_NETALLOC_H

#include <net/if.h>

/* Containers share one bridge, whose address is their gateway: a
 * container's address is its /30's .2 with the whole /16 as its subnet. */
#define COMMON_NET_SUBNET "10.213.0.0/16"
#define COMMON_NET_BRIDGE_CIDR "10.213.0.1/16"
#define COMMON_NET_GATEWAY "10.213.0.1"
#define COMMON_NET_PREFIX_LEN 16
#define COMMON_NET_MAX 16383 /* /30s in a /16, less the first */
#define COMMON_INET_ADDR_BUF 20

#define COMMON_MAC_BUF 18

void common_net_addresses(unsigned index, char host[COMMON_INET_ADDR_BUF], char guest[COMMON_INET_ADDR_BUF]);
/* The workload end's MAC of network @index: 52:54:00:d5:HI:LO (HI:LO the index, 0xffff none). */
void common_net_mac(char out[COMMON_MAC_BUF], unsigned index);

/* The host end of a private network: a container's veth, or a VM's TAP. */
typedef enum common_net_kind {
	COMMON_NET_VETH, /* "voltN": nspawn's --network-veth-extra, a port of the bridge */
	COMMON_NET_TAP,  /* "vtapN": made persistent by the VM manager, addressed .1 */
} common_net_kind;

/* Everything a workload's record and command lines say of network @index, in one place. */
typedef struct common_net_lease {
	unsigned index;
	char ifname[IFNAMSIZ];            /* the host end */
	char host[COMMON_INET_ADDR_BUF];  /* .1 of the /30 */
	char guest[COMMON_INET_ADDR_BUF]; /* .2, the workload's */
	char mac[COMMON_MAC_BUF];         /* the workload's end */
} common_net_lease;

void common_net_lease_for(common_net_lease *out, common_net_kind kind, unsigned index);
/* Take the lock; the caller closes @out_fd once its record is written. */
int common_net_lock(const char *root, int *out_fd);
/* The lowest index no record holds; call with the lock held. */
int common_net_allocate(const char *root, unsigned *out_index);

#endif
