/*
 * The device set through its ops table (devices.c, vdev-*.c), without
 * KVM: each kind's limit and checks, the announcements on the guest's
 * command line, and a refused device leaving nothing behind; and the
 * port devices through theirs (io-bus.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <volt/core/error.h>
#include <volt/vmm.h>

#include "acpi-pm.h"
#include "check-main.h"
#include "devices.h"
#include "i8042.h"
#include "test-helpers.h"
#include "vm-internal.h"

static char kernel[64], raw[64];

static volt_vmm *new_vm(void)
{
	volt_vmm_config c = VOLT_VMM_CONFIG_INIT;
	volt_vmm *vm = NULL;
	size_t size;
	uint8_t *img = test_elf(64, &size);
	int fd;

	snprintf(kernel, sizeof(kernel), "/tmp/test-vmm-devices-XXXXXX");
	fd = mkstemp(kernel);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, img, size), (ssize_t)size);
	close(fd);
	free(img);
	snprintf(raw, sizeof(raw), "/tmp/test-vmm-devices-raw-XXXXXX");
	fd = mkstemp(raw);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
	close(fd);

	c.kernel_path = kernel;
	c.cmdline = "console=ttyS0";
	c.flags = VOLT_VMM_FLAG_NO_KVM;
	c.memory_bytes = 32ULL << 20;
	ck_assert_int_eq(volt_vmm_new(&vm, &c), 0);
	return vm;
}

static void free_vm(volt_vmm *vm)
{
	volt_vmm_free(vm);
	unlink(kernel);
	unlink(raw);
}

START_TEST(disks_fill_their_limit_in_order)
{
	static const unsigned int irqs[] = GUEST_VIRTIO_IRQS;
	volt_vmm *vm = new_vm();
	volt_vmm_disk_options d = VOLT_VMM_DISK_OPTIONS_INIT;
	char want[64];

	d.path = raw;
	d.flags = VOLT_VMM_DISK_READ_ONLY;
	for (unsigned int i = 0; i < VOLT_VMM_MAX_DISKS; i++)
		ck_assert_int_eq(volt_vmm_add_disk(vm, &d), 0);
	ck_assert_int_eq(volt_vmm_add_disk(vm, &d), -E2BIG);
	ck_assert_str_eq(volt_error_message(), "at most 8 disks");
	ck_assert_uint_eq(vm->devices->n, VOLT_VMM_MAX_DISKS);
	for (unsigned int i = 0; i < VOLT_VMM_MAX_DISKS; i++) {
		const struct vm_device *dev = &vm->devices->dev[i];

		ck_assert_ptr_eq(dev->ops, &vdev_blk);
		ck_assert_int_eq(dev->host_fd, -1);
		ck_assert_uint_eq(dev->mmio->device_id, 2);
		snprintf(want, sizeof(want), " virtio_mmio.device=4K@0x%llx:%u",
			 0xd0000000ULL + i * 0x1000ULL, irqs[i]);
		ck_assert_msg(strstr(volt_vmm_cmdline(vm), want), "%s lacks %s", volt_vmm_cmdline(vm), want);
	}
	ck_assert_int_eq(strncmp(volt_vmm_cmdline(vm), "console=ttyS0 virtio_mmio.device=4K@0xd0000000:5 ", 49), 0);
	free_vm(vm);
}
END_TEST

START_TEST(refused_devices_leave_nothing)
{
	volt_vmm *vm = new_vm();
	volt_vmm_disk_options d = VOLT_VMM_DISK_OPTIONS_INIT;
	volt_vmm_net_options n = VOLT_VMM_NET_OPTIONS_INIT;

	d.path = raw;
	ck_assert_int_eq(volt_vmm_add_disk(vm, &d), 0);
	d.version = 2;
	ck_assert_int_eq(volt_vmm_add_disk(vm, &d), -EINVAL);
	ck_assert_str_eq(volt_error_message(), "volt_vmm_disk_options version 2 is not supported");
	d.version = VOLT_VMM_DISK_OPTIONS_VERSION;
	d.flags = 1u << 4;
	ck_assert_int_eq(volt_vmm_add_disk(vm, &d), -EINVAL);
	ck_assert_str_eq(volt_error_message(), "unknown disk flags 0x10");
	d.flags = 0;
	d.image = "x";
	ck_assert_int_eq(volt_vmm_add_disk(vm, &d), -EINVAL);
	d.path = "/nonexistent/disk.img";
	d.image = NULL;
	ck_assert_int_lt(volt_vmm_add_disk(vm, &d), 0);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "/nonexistent/disk.img"));
	n.tap = "bad/name";
	ck_assert_int_eq(volt_vmm_add_net(vm, &n), -EINVAL);
	n.tap = "t0";
	n.flags = VOLT_VMM_NET_MAC;
	n.mac[0] = 0x53;
	ck_assert_int_eq(volt_vmm_add_net(vm, &n), -EINVAL);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "is multicast"));
	/* Still the one disk, announced once. */
	ck_assert_uint_eq(vm->devices->n, 1);
	ck_assert_uint_eq(vm->devices->n_read_dirs, 0);
	ck_assert_str_eq(volt_vmm_cmdline(vm), "console=ttyS0 virtio_mmio.device=4K@0xd0000000:5");
	free_vm(vm);
}
END_TEST

START_TEST(a_nic_polls_its_tap_only_when_wanted)
{
	volt_vmm *vm = new_vm();
	volt_vmm_net_options n = VOLT_VMM_NET_OPTIONS_INIT;
	const struct vm_device *dev;
	char tap[16];
	int r;

	snprintf(tap, sizeof(tap), "vtdev%u", (unsigned int)getpid() % 100000);
	n.tap = tap;
	r = volt_vmm_add_net(vm, &n);
	if (r == -EPERM || r == -EACCES || r == -ENOENT || r == -ENODEV) {
		fprintf(stderr, "no TAP (%s): the NIC half is not tested\n", volt_error_message());
		free_vm(vm);
		return;
	}
	ck_assert_int_eq(r, 0);
	dev = &vm->devices->dev[0];
	ck_assert_ptr_eq(dev->ops, &vdev_net);
	ck_assert_int_ge(dev->host_fd, 0);
	ck_assert(!dev->host_polled);  /* no receive buffers yet */
	ck_assert_int_ge(fcntl(dev->host_fd, F_GETFD), 0);
	ck_assert_uint_eq(dev->mmio->device_id, 1);
	free_vm(vm);
}
END_TEST

static enum io_event port(volt_vmm *vm, uint16_t p, bool is_write, uint32_t *value, unsigned int size)
{
	uint8_t data[4];
	enum io_event e;

	memcpy(data, value, 4);
	e = io_bus_access(vm, p, is_write, data, size);
	memcpy(value, data, 4);
	return e;
}

START_TEST(ports_reach_their_device)
{
	volt_vmm *vm = new_vm();
	uint32_t v;

	/* UART scratch register: a byte written reads back; wider accesses float. */
	v = 0x5a;
	ck_assert_int_eq(port(vm, UART_COM1_BASE + 7, true, &v, 1), IO_EVENT_NONE);
	v = 0;
	port(vm, UART_COM1_BASE + 7, false, &v, 1);
	ck_assert_uint_eq(v, 0x5a);
	v = 0;
	port(vm, UART_COM1_BASE + 7, false, &v, 2);
	ck_assert_uint_eq(v, 0xffff);
	/* i8042: status on 0x64, the reset command, floating ports in between. */
	v = 0;
	port(vm, I8042_COMMAND_PORT, false, &v, 1);
	ck_assert_uint_eq(v, I8042_STATUS_OBF);
	v = 0;
	port(vm, 0x61, false, &v, 1);
	ck_assert_uint_eq(v, 0xff);
	v = I8042_CMD_RESET;
	ck_assert_int_eq(port(vm, 0x61, true, &v, 1), IO_EVENT_NONE);
	ck_assert_int_eq(port(vm, I8042_COMMAND_PORT, true, &v, 1), IO_EVENT_RESET);
	/* ACPI PM1a: SCI_EN reads set; \_S5 with SLP_EN is soft-off. */
	v = 0;
	port(vm, ACPI_PM1A_CNT_PORT, false, &v, 2);
	ck_assert_uint_eq(v, ACPI_PM1_SCI_EN);
	v = ACPI_S5_SLP_TYP << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN;
	ck_assert_int_eq(port(vm, ACPI_PM1A_CNT_PORT, true, &v, 2), IO_EVENT_POWEROFF);
	/* Nobody's port: all ones, writes ignored. */
	v = 0;
	port(vm, 0x80, false, &v, 4);
	ck_assert_uint_eq(v, 0xffffffffu);
	ck_assert_int_eq(port(vm, 0x80, true, &v, 1), IO_EVENT_NONE);
	free_vm(vm);
}
END_TEST

CHECK_MAIN("vmm-devices", disks_fill_their_limit_in_order, refused_devices_leave_nothing,
	   a_nic_polls_its_tap_only_when_wanted, ports_reach_their_device)
