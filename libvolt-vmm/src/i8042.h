/*
 * The part of the PS/2 controller (i8042) a VMM needs: the reset line.
 * With reboot=k, Linux writes command 0xFE to port 0x64 to pulse the
 * CPU reset, which Stardust takes as "the guest is done". No keyboard.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_I8042_H
#define VOLT_VMM_I8042_H

#include <stdbool.h>
#include <stdint.h>

#define I8042_DATA_PORT    0x60
#define I8042_COMMAND_PORT 0x64
#define I8042_CMD_RESET    0xfe

/* Guest read of @port: an idle controller with no data. */
uint8_t i8042_read(uint16_t port);

/* Guest write; true if it asked for a CPU reset. */
bool i8042_write(uint16_t port, uint8_t value);

#endif
