/*
 * The part of the PS/2 controller (i8042) a VMM needs: the reset line.
 * With reboot=k, Linux writes command 0xFE to port 0x64 to pulse the
 * CPU reset, which Stardust takes as "the guest is done". No keyboard.
 *
 * The status register reports an output buffer that never empties and an
 * input buffer that is always free. Linux's driver then concludes at once
 * that there is no controller (it drains at most 16 bytes, then gives up),
 * instead of waiting about a second for answers to its commands; its
 * reset path only waits for the input buffer, so the reset is immediate.
 * The port device (pio-device.h) is pio_i8042 in i8042.c.
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
#define I8042_STATUS_OBF   0x01 /* output buffer full */
#define I8042_STATUS_IBF   0x02 /* input buffer full */

/* Guest read of @port: the status above on 0x64, 0xff from the data port. */
uint8_t i8042_read(uint16_t port);

/* Guest write; true if it asked for a CPU reset. */
bool i8042_write(uint16_t port, uint8_t value);

#endif
