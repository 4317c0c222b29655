/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "i8042.h"

uint8_t i8042_read(uint16_t port)
{
	/* Status 0: output buffer empty, input buffer empty; data 0. */
	(void)port;
	return 0;
}

bool i8042_write(uint16_t port, uint8_t value)
{
	return port == I8042_COMMAND_PORT && value == I8042_CMD_RESET;
}
