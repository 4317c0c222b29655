/*
 * The run loop: one thread per vCPU around KVM_RUN, exits dispatched to
 * the devices, and the end of the run. Whichever vCPU first sees the
 * guest end (reset, power-off, triple fault, an exit nobody handles)
 * records why and wakes volt_vmm_run(), which kicks the other vCPUs out
 * of KVM_RUN (immediate_exit plus a signal) and joins them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <volt/core/error.h>
#include <volt/core/log.h>

#include "devices.h"
#include "shared/macro.h"
#include "vm-internal.h"

#define KICK_SIGNAL SIGUSR2

void vm_request_stop(struct volt_vmm *vm, volt_vmm_exit reason, int error, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&vm->stop_lock);
	if (vm->exit_reason == VOLT_VMM_EXIT_NONE) {
		vm->exit_reason = reason;
		vm->exit_error = error;
		va_start(ap, fmt);
		vsnprintf(vm->exit_message, sizeof(vm->exit_message), fmt, ap);
		va_end(ap);
		atomic_store(&vm->stopping, true);
		pthread_cond_broadcast(&vm->stop_cond);
		if (atomic_load(&vm->stop_sem_ready))
			sem_post(&vm->stop_sem);
	}
	pthread_mutex_unlock(&vm->stop_lock);
}

/*
 * Only an atomic store and sem_post(), both async-signal-safe: a SIGTERM
 * handler may call it. volt_vmm_run() does the rest on its own thread.
 */
VOLT_API int volt_vmm_stop(volt_vmm *vm)
{
	if (!vm)
		return -EINVAL;
	atomic_store(&vm->stop_requested, true);
	if (atomic_load(&vm->stop_sem_ready))
		sem_post(&vm->stop_sem);
	return 0;
}

/* Sleep until a vCPU ended the run or volt_vmm_stop() asked for the end. */
static void wait_for_end(struct volt_vmm *vm)
{
	for (;;) {
		bool ended;

		pthread_mutex_lock(&vm->stop_lock);
		ended = vm->exit_reason != VOLT_VMM_EXIT_NONE;
		pthread_mutex_unlock(&vm->stop_lock);
		if (ended)
			return;
		if (atomic_load(&vm->stop_requested)) {
			vm_request_stop(vm, VOLT_VMM_EXIT_STOPPED, 0, "stopped by volt_vmm_stop()");
			return;
		}
		while (sem_wait(&vm->stop_sem) < 0 && errno == EINTR)
			;
	}
}

static uint64_t vcpu_rip(struct vcpu *v)
{
	struct kvm_regs regs;

	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0)
		return 0;
	return regs.rip;
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

	/* String I/O repeats the access @count times over consecutive data. */
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
		switch (io_bus_access(v->vm, run->io.port, is_write, data, run->io.size)) {
		case IO_EVENT_RESET:
			vm_request_stop(v->vm, VOLT_VMM_EXIT_RESET, 0,
					"guest reset through the i8042 (vCPU %u)", v->index);
			break;
		case IO_EVENT_POWEROFF:
			vm_request_stop(v->vm, VOLT_VMM_EXIT_POWEROFF, 0,
					"guest powered off through ACPI (vCPU %u)", v->index);
			break;
		case IO_EVENT_NONE:
			break;
		}
	}
}

/* Handle one exit; false when this vCPU must stop. */
static bool handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v);
		return true;
	case KVM_EXIT_MMIO:
		if (run->mmio.len <= sizeof(run->mmio.data) &&
		    devices_mmio_access(v->vm, run->mmio.phys_addr, run->mmio.is_write, run->mmio.data,
					run->mmio.len))
			return true;
		/* Outside every device: reads float high, writes vanish. */
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_HLT:
		vm_request_stop(v->vm, VOLT_VMM_EXIT_POWEROFF, 0, "guest halted (vCPU %u)", v->index);
		return false;
	case KVM_EXIT_SHUTDOWN:
		vm_request_stop(v->vm, VOLT_VMM_EXIT_TRIPLE_FAULT, -EFAULT,
				"guest triple fault (KVM_EXIT_SHUTDOWN) on vCPU %u at rip 0x%llx",
				v->index, (unsigned long long)vcpu_rip(v));
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			vm_request_stop(v->vm, VOLT_VMM_EXIT_POWEROFF, 0, "guest powered off");
			return false;
		case KVM_SYSTEM_EVENT_RESET:
			vm_request_stop(v->vm, VOLT_VMM_EXIT_RESET, 0, "guest reset");
			return false;
		default:
			vm_request_stop(v->vm, VOLT_VMM_EXIT_UNHANDLED, -EPROTO,
					"guest system event %u on vCPU %u", run->system_event.type,
					v->index);
			return false;
		}
	case KVM_EXIT_FAIL_ENTRY:
		vm_request_stop(v->vm, VOLT_VMM_EXIT_ERROR, -EIO,
				"KVM could not enter vCPU %u (hardware reason 0x%llx)", v->index,
				(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		vm_request_stop(v->vm, VOLT_VMM_EXIT_ERROR, -EIO,
				"KVM internal error %u on vCPU %u at rip 0x%llx", run->internal.suberror,
				v->index, (unsigned long long)vcpu_rip(v));
		return false;
	default:
		vm_request_stop(v->vm, VOLT_VMM_EXIT_UNHANDLED, -EPROTO,
				"unhandled KVM exit %u on vCPU %u at rip 0x%llx", run->exit_reason,
				v->index, (unsigned long long)vcpu_rip(v));
		return false;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct volt_vmm *vm = v->vm;
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	while (!atomic_load(&vm->stopping)) {
		if (v->index == 0 && !atomic_load(&vm->t_first_run_ns)) {
			atomic_store(&vm->t_first_run_boottime_ns, vm_now_ns(CLOCK_BOOTTIME));
			atomic_store(&vm->t_first_run_ns, vm_now_ns(CLOCK_MONOTONIC));
		}
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				v->run->immediate_exit = 0;
				continue;
			}
			vm_request_stop(vm, VOLT_VMM_EXIT_ERROR, -errno, "KVM_RUN on vCPU %u: %s",
					v->index, strerror(errno));
			break;
		}
		if (!handle_exit(v))
			break;
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;
}

static void kick_all(struct volt_vmm *vm)
{
	for (unsigned int i = 0; i < vm->cpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (!v->thread_started)
			continue;
		/* If it is between two KVM_RUNs, the next one returns at once. */
		v->run->immediate_exit = 1;
		pthread_kill(v->thread, KICK_SIGNAL);
	}
}

VOLT_API int volt_vmm_run(volt_vmm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler }, old_sa;
	sigset_t kick, old_mask;
	int r = 0;

	assert_return(vm, -EINVAL);
	if (vm->flags & VOLT_VMM_FLAG_NO_KVM)
		return volt_error_set(ENODEV, "this VM was made without KVM (VOLT_VMM_FLAG_NO_KVM)");
	if (vm->ran)
		return volt_error_set(EALREADY, "the VM has already run");
	vm->ran = true;

	/* The DSDT learns the devices added since the load. */
	r = vm_write_acpi(vm);
	if (r < 0)
		return volt_error_prefix(r, "ACPI tables");
	if (vm->before_run) {
		r = vm->before_run(vm, vm->userdata);
		if (r < 0)
			return volt_error_prefix(r, "before the first KVM_RUN");
	}
	if (!(vm->flags & VOLT_VMM_FLAG_NO_SANDBOX)) {
		r = vm_sandbox(vm);
		if (r < 0)
			return volt_error_prefix(r, "sandbox");
	}

	sem_init(&vm->stop_sem, 0, 0);
	atomic_store(&vm->stop_sem_ready, true);
	/* No SA_RESTART: the signal exists to make KVM_RUN return EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, &old_sa);
	/* The caller's thread never takes the kick; vCPU threads unblock it. */
	sigemptyset(&kick);
	sigaddset(&kick, KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &kick, &old_mask);

	r = console_input_start(vm);
	if (r >= 0)
		r = devices_start(vm);  /* after the sandbox: the I/O thread inherits it */
	if (r < 0)
		vm_request_stop(vm, VOLT_VMM_EXIT_ERROR, r, "%s", volt_error_message());
	for (unsigned int i = 0; r >= 0 && i < vm->cpus; i++) {
		int e = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
		if (e) {
			vm_request_stop(vm, VOLT_VMM_EXIT_ERROR, -e, "start vCPU thread %u: %s", i,
					strerror(e));
			break;
		}
		vm->vcpus[i].thread_started = true;
	}

	wait_for_end(vm);

	/* A vCPU may be back in KVM_RUN just after a kick: kick until all have left. */
	for (unsigned int i = 0; i < vm->cpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		struct timespec pause = { 0, 1000000 };

		if (!v->thread_started)
			continue;
		while (pthread_tryjoin_np(v->thread, NULL) == EBUSY) {
			kick_all(vm);
			nanosleep(&pause, NULL);
		}
		v->thread_started = false;
	}

	devices_stop(vm);
	console_input_stop(vm);
	/* Left initialised: a late volt_vmm_stop() from a signal handler may still post. */
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(KICK_SIGNAL, &old_sa, NULL);

	volt_log(VOLT_LOG_DEBUG, "vmm: %s", vm->exit_message);
	if (vm->exit_error < 0)
		return volt_error_set(vm->exit_error, "%s", vm->exit_message);
	return 0;
}
