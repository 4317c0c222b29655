/*
 * The command lines of a VM: the guest kernel's (read by the guest
 * init, images/guest-init/guest-config.h) and voltvm's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>
/* Only for the types of the --disk/--net grammar and a limit: nothing of
 * libvolt-vmm is linked, voltvm is a separate program. */
#include <volt/vmm.h>

#include "device-spec.h"
#include "machine-internal.h"
#include "shared/macro.h"

_Static_assert(VOLT_VM_MAX_CPUS == VOLT_VMM_MAX_CPUS, "the manager's vCPU limit is voltvm's");

/* x86's COMMAND_LINE_SIZE is 2048; voltvm appends a virtio_mmio.device= of ~50 bytes per device. */
#define GUEST_CMDLINE_MAX 1800

int vm_base64_encode(char **out, const void *data, size_t len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = data;
	char *p, *s = malloc((len + 2) / 3 * 4 + 1);

	if (!s)
		return volt_error_set(ENOMEM, NULL);
	p = s;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		size_t left = len - i;

		if (left > 1)
			v |= (unsigned)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		*p++ = alphabet[(v >> 18) & 63];
		*p++ = alphabet[(v >> 12) & 63];
		*p++ = left > 1 ? alphabet[(v >> 6) & 63] : '=';
		*p++ = left > 2 ? alphabet[v & 63] : '=';
	}
	*p = '\0';
	*out = s;
	return 0;
}

/* A JSON array of strings as base64 of NUL-terminated strings; NULL when empty. */
static int encode_list(char **out, const json_t *array)
{
	_cleanup_free_ char *raw = NULL;
	size_t len = 0, i;
	json_t *v;

	*out = NULL;
	if (json_array_size(array) == 0)
		return 0;
	json_array_foreach(array, i, v) len += strlen(json_string_value(v)) + 1;
	raw = malloc(len);
	if (!raw)
		return volt_error_set(ENOMEM, NULL);
	len = 0;
	json_array_foreach(array, i, v)
	{
		size_t n = strlen(json_string_value(v)) + 1;

		memcpy(raw + len, json_string_value(v), n);
		len += n;
	}
	return vm_base64_encode(out, raw, len);
}

static int append(char **line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int append(char **line, const char *fmt, ...)
{
	_cleanup_free_ char *part = NULL;
	char *joined;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&part, fmt, ap);
	va_end(ap);
	if (n < 0 || asprintf(&joined, "%s%s%s", *line ? *line : "", *line ? " " : "", part) < 0)
		return volt_error_set(ENOMEM, NULL);
	free(*line);
	*line = joined;
	return 0;
}

static const char *str(const json_t *config, const char *key)
{
	return json_string_value(json_object_get(config, key));
}

int vm_guest_cmdline(char **out, const json_t *config)
{
	_cleanup_free_ char *line = NULL, *cmd = NULL, *env = NULL;
	const char *v;
	int r;

	/* panic=-1: a guest kernel that panics resets at once, ending the VM.
	 * no_timer_check: on a loaded host the IO-APIC timer check can fail
	 * (seen under TCG) and panic a guest whose timer works. */
	if ((r = append(&line, "console=ttyS0 reboot=k panic=-1 no_timer_check quiet")) < 0)
		return r;
	if ((v = str(config, "guest_address"))) {
		/* The kernel's IP_PNP: ip=CLIENT::GATEWAY:NETMASK:HOSTNAME:DEVICE:AUTOCONF */
		if ((r = append(&line, "ip=%s::%s:255.255.255.252::eth0:off", v, str(config, "host_address"))) < 0)
			return r;
	}
	if ((r = append(&line, "volt.root=/dev/vda volt.rootfstype=ext4 volt.hostname=%s", str(config, "name"))) < 0)
		return r;
	if ((r = encode_list(&cmd, json_object_get(config, "argv"))) < 0 ||
	    (r = encode_list(&env, json_object_get(config, "env"))) < 0)
		return r;
	if (cmd && (r = append(&line, "volt.cmd=%s", cmd)) < 0)
		return r;
	if (env && (r = append(&line, "volt.env=%s", env)) < 0)
		return r;
	/* Checked at create: neither holds a double quote or a control character. */
	if ((v = str(config, "workdir")) && (r = append(&line, "volt.workdir=\"%s\"", v)) < 0)
		return r;
	if ((v = str(config, "user")) && (r = append(&line, "volt.user=%s", v)) < 0)
		return r;
	if (strlen(line) > GUEST_CMDLINE_MAX)
		return volt_error_set(EINVAL,
				      "the command, environment and working directory take %zu bytes of the guest kernel's command line, more than the %d it has room for",
				      strlen(line), GUEST_CMDLINE_MAX);
	*out = TAKE_PTR(line);
	return 0;
}

/* The VM's --disk and --net specs, in the grammar voltvm parses (device-spec.h). */
static int device_specs(const vm_record *rec, const volt_vm *vm, char **disk, char **net)
{
	const json_t *c = rec->config;
	volt_vmm_disk_options d = VOLT_VMM_DISK_OPTIONS_INIT;
	volt_vmm_net_options nic = VOLT_VMM_NET_OPTIONS_INIT;
	int r;

	d.image = str(c, "disk_ref");
	d.store = vm->store;
	d.overlay = rec->overlay;
	r = disk_spec_format(disk, &d);
	if (r < 0)
		return volt_error_prefix(r, "VM '%s'", rec->name);
	nic.tap = str(c, "tap");
	if (!nic.tap)
		return 0;
	if (!str(c, "mac") || device_spec_parse_mac(nic.mac, str(c, "mac")) < 0)
		return volt_error_set(EBADMSG, "VM '%s': vm.json has no valid mac for TAP %s", rec->name,
				      nic.tap);
	nic.flags |= VOLT_VMM_NET_MAC;
	r = net_spec_format(net, &nic);
	if (r < 0)
		return volt_error_prefix(r, "VM '%s'", rec->name);
	return 0;
}

int vm_voltvm_argv(const vm_record *rec, const volt_vm *vm, const char *console, char ***out)
{
	const json_t *c = rec->config;
	_cleanup_free_ char *disk = NULL, *net = NULL;
	char *argv[24] = { 0 };
	size_t n = 0;
	bool ok = true;
	int r;

	if (!str(c, "kernel") || !str(c, "initrd") || !str(c, "cmdline") || !str(c, "disk_ref"))
		return volt_error_set(EBADMSG, "VM '%s': vm.json lacks a field", rec->name);
	r = device_specs(rec, vm, &disk, &net);
	if (r < 0)
		return r;

#define ADD(...)                                                             \
	do {                                                                 \
		if (asprintf(&argv[n], __VA_ARGS__) < 0) {                   \
			argv[n] = NULL;                                      \
			ok = false;                                          \
		} else {                                                     \
			n++;                                                 \
		}                                                            \
	} while (0)
	{
		/* systemd wants an absolute ExecStart. */
		_cleanup_free_ char *voltvm = realpath(vm_voltvm_path(), NULL);

		ADD("%s", voltvm ? voltvm : vm_voltvm_path());
	}
	ADD("--kernel");
	ADD("%s", str(c, "kernel"));
	ADD("--initrd");
	ADD("%s", str(c, "initrd"));
	ADD("--memory");
	ADD("%lluM", (unsigned long long)json_integer_value(json_object_get(c, "memory_bytes")) >> 20);
	ADD("--cpus");
	ADD("%lld", (long long)json_integer_value(json_object_get(c, "cpus")));
	ADD("--cmdline");
	ADD("%s", str(c, "cmdline"));
	ADD("--disk");
	ADD("%s", disk);
	if (net) {
		ADD("--net");
		ADD("%s", net);
	}
	ADD("--console");
	ADD("%s", console);
#undef ADD
	if (!ok) {
		for (size_t i = 0; i < n; i++)
			free(argv[i]);
		return volt_error_set(ENOMEM, NULL);
	}
	*out = calloc(n + 1, sizeof(char *));
	if (!*out) {
		for (size_t i = 0; i < n; i++)
			free(argv[i]);
		return volt_error_set(ENOMEM, NULL);
	}
	memcpy(*out, argv, n * sizeof(char *));
	return 0;
}
