/* Published ports of a container. SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_LAUNCH_PUBLISH_H
#define VOLT_LAUNCH_PUBLISH_H

/* Connections the relay carries at once, over all ports; more are closed
 * as soon as they are accepted. */
#define PUBLISH_MAX_CONNECTIONS 1024

/*
 * Listen on the host port of @spec ("BINDIP:HOSTPORT:ADDR:PORT/PROTO",
 * PROTO tcp or udp) for a relay to ADDR:PORT. Returns 0, or -1 with a
 * message on stderr (a port already in use fails the start).
 */
int publish_add(const char *spec);

/*
 * Start the relay of every port added: one process, which dies with its
 * parent (which becomes nspawn). Returns 0, or -1 with a message.
 */
int publish_start(void);

#endif
