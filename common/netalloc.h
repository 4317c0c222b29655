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

/* Containers share one bridge, whose address is their gateway: a
 * container's address is its /30's .2 with the whole /16 as its subnet. */
#define COMMON_NET_SUBNET "10.213.0.0/16"
#define COMMON_NET_BRIDGE_CIDR "10.213.0.1/16"
#define COMMON_NET_GATEWAY "10.213.0.1"
#define COMMON_NET_PREFIX_LEN 16
#define COMMON_NET_MAX 16383 /* /30s in a /16, less the first */
#define COMMON_INET_ADDR_BUF 20

void common_net_addresses(unsigned index, char host[COMMON_INET_ADDR_BUF], char guest[COMMON_INET_ADDR_BUF]);
/* Take the lock; the caller closes @out_fd once its record is written. */
int common_net_lock(const char *root, int *out_fd);
/* The lowest index no record holds; call with the lock held. */
int common_net_allocate(const char *root, unsigned *out_index);

#endif
