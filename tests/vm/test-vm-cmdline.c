/*
 * The VM manager's command lines (libvolt-vm, machine-cmdline.c): the
 * guest kernel's, which the guest init reads back, and voltvm's, built
 * from a VM's record. No KVM, no store.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core/error.h>

#include "machine-internal.h"
#include "volt-test.h"

static const char *after(char **argv, const char *option)
{
	for (size_t i = 0; argv[i]; i++)
		if (strcmp(argv[i], option) == 0)
			return argv[i + 1];
	return NULL;
}

static size_t count(char **argv, const char *option)
{
	size_t n = 0;

	for (size_t i = 0; argv[i]; i++)
		n += strcmp(argv[i], option) == 0;
	return n;
}

START_TEST(base64_matches_rfc4648_vectors)
{
	static const struct {
		const char *in, *out;
	} v[] = { { "", "" },         { "f", "Zg==" },         { "fo", "Zm8=" },        { "foo", "Zm9v" },
		  { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" } };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *s = NULL;

		ck_assert_int_eq(vm_base64_encode(&s, v[i].in, strlen(v[i].in)), 0);
		ck_assert_str_eq(s, v[i].out);
		free(s);
	}
	{
		/* Bytes past 0x7f and NULs, as the command list carries them. */
		static const unsigned char raw[] = { 0x00, 0xff, 0xfe, 0x00 };
		char *s = NULL;

		ck_assert_int_eq(vm_base64_encode(&s, raw, sizeof(raw)), 0);
		ck_assert_str_eq(s, "AP/+AA==");
		free(s);
	}
}
END_TEST

START_TEST(guest_cmdline_carries_the_record)
{
	json_t *c = json_pack("{s:s, s:[s,s], s:[s], s:s, s:s, s:s, s:s}", "name", "web", "argv", "/bin/echo", "a b",
			      "env", "A=1", "workdir", "/srv/my dir", "user", "1000:1000", "guest_address", "10.213.0.6",
			      "host_address", "10.213.0.5");
	char *line = NULL;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(vm_guest_cmdline(&line, c), 0);
	/* The fixed part: serial console, reset on reboot and on panic. */
	ck_assert_ptr_nonnull(strstr(line, "console=ttyS0 reboot=k panic=-1"));
	ck_assert_ptr_nonnull(strstr(line, " ip=10.213.0.6::10.213.0.5:255.255.255.252::eth0:off "));
	ck_assert_ptr_nonnull(strstr(line, " volt.root=/dev/vda volt.rootfstype=ext4 volt.hostname=web"));
	/* "/bin/echo\0a b\0" and "A=1\0", base64: no spaces reach the kernel's splitting. */
	ck_assert_ptr_nonnull(strstr(line, " volt.cmd=L2Jpbi9lY2hvAGEgYgA="));
	ck_assert_ptr_nonnull(strstr(line, " volt.env=QT0xAA=="));
	ck_assert_ptr_nonnull(strstr(line, " volt.workdir=\"/srv/my dir\""));
	ck_assert_ptr_nonnull(strstr(line, " volt.user=1000:1000"));
	free(line);
	json_decref(c);

	/* Nothing optional: no ip=, no volt.cmd, env, workdir or user. */
	c = json_pack("{s:s, s:[], s:[]}", "name", "bare", "argv", "env");
	ck_assert_int_eq(vm_guest_cmdline(&line, c), 0);
	ck_assert_ptr_null(strstr(line, "ip="));
	ck_assert_ptr_null(strstr(line, "volt.cmd"));
	ck_assert_ptr_null(strstr(line, "volt.env"));
	ck_assert_ptr_null(strstr(line, "volt.workdir"));
	ck_assert_ptr_null(strstr(line, "volt.user"));
	free(line);
	json_decref(c);
}
END_TEST

START_TEST(guest_cmdline_refuses_what_does_not_fit)
{
	char big[1600], *line = NULL;
	json_t *c;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* 1600 bytes of argument are 2136 of base64: past the kernel's 2048. */
	c = json_pack("{s:s, s:[s]}", "name", "big", "argv", big);
	ck_assert_fails_with(vm_guest_cmdline(&line, c), EINVAL, "more than the 1800 it has room for");
	ck_assert_ptr_null(line);
	json_decref(c);
}
END_TEST

static json_t *record(void)
{
	json_t *c = json_pack("{s:s, s:s, s:I, s:i, s:s, s:s, s:s}", "name", "db", "kernel", "/k/vmlinux", "memory_bytes",
			      (json_int_t)(384 << 20), "cpus", 3, "cmdline", "console=ttyS0 volt.root=/dev/vda", "disk_ref",
			      "volt-vm-disk-ab", "initrd", "/k/initrd.img");

	ck_assert_ptr_nonnull(c);
	return c;
}

START_TEST(voltvm_argv_from_a_record)
{
	volt_vm vm = { .root = (char *)"/r", .store = (char *)"/r/cas", .vms = (char *)"/r/vms" };
	vm_record rec = { .name = (char *)"db", .overlay = (char *)"/r/vms/db/overlay" };
	char **argv = NULL;

	setenv("VOLT_VOLTVM", "/nonexistent/bin/voltvm", 1);
	rec.config = record();
	ck_assert_int_eq(vm_voltvm_argv(&rec, &vm, "file:/tmp/console", &argv), 0);
	/* An absolute program (systemd's ExecStart wants one): the path as given when it does not resolve. */
	ck_assert_str_eq(argv[0], "/nonexistent/bin/voltvm");
	ck_assert_str_eq(after(argv, "--kernel"), "/k/vmlinux");
	ck_assert_str_eq(after(argv, "--initrd"), "/k/initrd.img");
	ck_assert_str_eq(after(argv, "--memory"), "384M");
	ck_assert_str_eq(after(argv, "--cpus"), "3");
	ck_assert_str_eq(after(argv, "--cmdline"), "console=ttyS0 volt.root=/dev/vda");
	ck_assert_str_eq(after(argv, "--console"), "file:/tmp/console");
	ck_assert_uint_eq(count(argv, "--disk"), 1);
	ck_assert_uint_eq(count(argv, "--net"), 0);
	volt_strv_free(argv);
	json_decref(rec.config);
	unsetenv("VOLT_VOLTVM");
}
END_TEST

START_TEST(voltvm_argv_refuses_a_damaged_record)
{
	static const char *const needed[] = { "kernel", "initrd", "cmdline", "disk_ref" };
	volt_vm vm = { .root = (char *)"/r", .store = (char *)"/r/cas", .vms = (char *)"/r/vms" };
	vm_record rec = { .name = (char *)"db", .overlay = (char *)"/r/vms/db/overlay" };
	char **argv = NULL;

	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		rec.config = record();
		json_object_del(rec.config, needed[i]);
		ck_assert_fails_with(vm_voltvm_argv(&rec, &vm, "stdio", &argv), EBADMSG, "VM 'db': vm.json lacks a field");
		ck_assert_ptr_null(argv);
		json_decref(rec.config);
	}
	/* A field of the wrong type is as good as missing. */
	rec.config = record();
	json_object_set_new(rec.config, "kernel", json_integer(7));
	ck_assert_fails_with(vm_voltvm_argv(&rec, &vm, "stdio", &argv), EBADMSG, "lacks a field");
	json_decref(rec.config);

	/* A TAP without a MAC. */
	rec.config = record();
	json_object_set_new(rec.config, "tap", json_string("vtap1"));
	ck_assert_fails_with(vm_voltvm_argv(&rec, &vm, "stdio", &argv), EBADMSG, "no valid mac for TAP vtap1");
	json_decref(rec.config);

	/* A disk ref holding the grammar's separator would reach voltvm as another spec. */
	rec.config = record();
	json_object_set_new(rec.config, "disk_ref", json_string("a,path=/etc/shadow"));
	ck_assert_fails_with(vm_voltvm_argv(&rec, &vm, "stdio", &argv), EINVAL, "cannot hold a comma");
	json_decref(rec.config);
}
END_TEST

VOLT_TEST_MAIN("vm-cmdline", base64_matches_rfc4648_vectors, guest_cmdline_carries_the_record,
	       guest_cmdline_refuses_what_does_not_fit, voltvm_argv_from_a_record, voltvm_argv_refuses_a_damaged_record)
