/*
 * Console input: a thread that reads the host side of the console and
 * queues the bytes in the UART's receive FIFO. When the FIFO is full the
 * bytes wait here and are offered again a few milliseconds later (the
 * guest drains it from its interrupt handler). End of input just stops
 * the reading; the VM runs on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <volt/core/error.h>

#include "vm-internal.h"

#define INPUT_RETRY_MS 10

static void *input_thread(void *arg)
{
	struct volt_vmm *vm = arg;
	uint8_t buf[256];
	size_t pending = 0, offset = 0;
	bool eof = false;

	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = vm->input_wake[0], .events = POLLIN },
			{ .fd = (eof || pending) ? -1 : vm->console_in_fd, .events = POLLIN },
		};
		int r = poll(fds, 2, pending ? INPUT_RETRY_MS : -1);

		if (r < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			break;
		if (!pending && fds[1].revents) {
			ssize_t n = read(vm->console_in_fd, buf, sizeof(buf));

			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				eof = true;
				continue;
			}
			pending = (size_t)n;
			offset = 0;
		}
		if (pending) {
			size_t taken;

			pthread_mutex_lock(&vm->bus_lock);
			taken = uart8250_receive(&vm->uart, buf + offset, pending);
			pthread_mutex_unlock(&vm->bus_lock);
			offset += taken;
			pending -= taken;
		}
	}
	return NULL;
}

int console_input_start(struct volt_vmm *vm)
{
	int e;

	if (vm->console_in_fd < 0)
		return 0;
	if (pipe2(vm->input_wake, O_CLOEXEC) < 0)
		return volt_error_set_errno(errno, "console input pipe");
	e = pthread_create(&vm->input_thread, NULL, input_thread, vm);
	if (e)
		return volt_error_set_errno(e, "start console input thread");
	vm->input_started = true;
	return 0;
}

void console_input_stop(struct volt_vmm *vm)
{
	if (vm->input_started) {
		while (write(vm->input_wake[1], "x", 1) < 0 && errno == EINTR)
			;
		pthread_join(vm->input_thread, NULL);
		vm->input_started = false;
	}
	for (int i = 0; i < 2; i++) {
		if (vm->input_wake[i] >= 0)
			close(vm->input_wake[i]);
		vm->input_wake[i] = -1;
	}
}
