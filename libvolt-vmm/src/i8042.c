/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "i8042.h"

uint8_t i8042_read(uint16_t port)
{
	if (port == I8042_COMMAND_PORT)
		return I8042_STATUS_OBF; /* see i8042.h: "no controller here", reset still works */
	return 0xff;
}

bool i8042_write(uint16_t port, uint8_t value)
{
	return port == I8042_COMMAND_PORT && value == I8042_CMD_RESET;
}
