/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "i8042.h"
#include "pio-device.h"
#include "vm-internal.h"

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

/* The controller's two ports and the three between, which read as the floating bus. */
static enum io_event i8042_access(struct volt_vmm *vm, uint16_t port, bool is_write, uint8_t *data,
				  unsigned int size)
{
	bool ours = (port == I8042_DATA_PORT || port == I8042_COMMAND_PORT) && size == 1;

	if (!ours) {
		if (!is_write)
			pio_floating(data, size);
		return IO_EVENT_NONE;
	}
	if (is_write)
		return i8042_write(port, data[0]) ? IO_EVENT_RESET : IO_EVENT_NONE;
	data[0] = i8042_read(port);
	return IO_EVENT_NONE;
}

const struct pio_device pio_i8042 = {
	.name = "i8042",
	.base = I8042_DATA_PORT,
	.len = I8042_COMMAND_PORT - I8042_DATA_PORT + 1,
	.access = i8042_access,
};
