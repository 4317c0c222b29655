/* Published ports of a container. SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_LAUNCH_PUBLISH_H
#define VOLT_LAUNCH_PUBLISH_H

/*
 * Listen on the host port of @spec ("HOSTPORT:ADDR:PORT") and start a
 * relay process that forwards each connection to ADDR:PORT. The relay
 * dies with its parent, which becomes nspawn. Returns 0, or -1 with a
 * message on stderr (a port already in use fails the start).
 */
int publish_port(const char *spec);

#endif
