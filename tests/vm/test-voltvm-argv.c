/*
 * The VM manager's voltvm command line (machine-cmdline.c) against the
 * parser voltvm uses (libvolt-vmm/src/spec): the --disk and --net the
 * manager writes parse back into the record's disk and NIC, and a path
 * the grammar cannot carry (a comma) is refused at the manager, naming
 * the VM, instead of reaching voltvm as a different spec.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core/error.h>

#include "device-spec.h"
#include "machine-internal.h"

static json_t *config(bool with_tap)
{
	json_t *c = json_pack("{s:s, s:s, s:I, s:i, s:s, s:s, s:s}", "name", "web", "kernel", "/k/vmlinux",
			      "memory_bytes", (json_int_t)(256 << 20), "cpus", 2, "cmdline", "console=ttyS0",
			      "disk_ref", "volt-vm-disk-0123", "initrd", "/k/initrd.img");

	ck_assert_ptr_nonnull(c);
	if (with_tap) {
		json_object_set_new(c, "tap", json_string("volt-vm3"));
		json_object_set_new(c, "mac", json_string("52:54:00:0a:0b:0c"));
	}
	return c;
}

static const char *after(char **argv, const char *option)
{
	for (size_t i = 0; argv[i]; i++)
		if (strcmp(argv[i], option) == 0)
			return argv[i + 1];
	return NULL;
}

START_TEST(specs_parse_back_into_the_record)
{
	volt_vm vm = { .root = (char *)"/var/lib/volt", .store = (char *)"/var/lib/volt/cas" };
	vm_record rec = { .name = (char *)"web", .overlay = (char *)"/var/lib/volt/vms/web/overlay" };
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x0a, 0x0b, 0x0c };
	char **argv = NULL;
	struct disk_spec d;
	struct net_spec n;

	rec.config = config(true);
	ck_assert_int_eq(vm_voltvm_argv(&rec, &vm, "stdio", &argv), 0);
	ck_assert_str_eq(after(argv, "--disk"),
			 "image=volt-vm-disk-0123,store=/var/lib/volt/cas,overlay=/var/lib/volt/vms/web/overlay");
	ck_assert_int_eq(disk_spec_parse(&d, after(argv, "--disk")), 0);
	ck_assert_str_eq(d.opts.image, "volt-vm-disk-0123");
	ck_assert_str_eq(d.opts.store, vm.store);
	ck_assert_str_eq(d.opts.overlay, rec.overlay);
	ck_assert_ptr_null(d.opts.path);
	ck_assert_uint_eq(d.opts.flags, 0);
	ck_assert_int_eq(net_spec_parse(&n, after(argv, "--net")), 0);
	ck_assert_str_eq(n.opts.tap, "volt-vm3");
	ck_assert_uint_eq(n.opts.flags, VOLT_VMM_NET_MAC);
	ck_assert_mem_eq(n.opts.mac, mac, 6);
	free(d.text);
	free(n.text);
	volt_strv_free(argv);
	json_decref(rec.config);

	/* No TAP: no --net. */
	rec.config = config(false);
	ck_assert_int_eq(vm_voltvm_argv(&rec, &vm, "stdio", &argv), 0);
	ck_assert_ptr_null(after(argv, "--net"));
	volt_strv_free(argv);
	json_decref(rec.config);
}
END_TEST

START_TEST(paths_the_grammar_cannot_carry_are_refused)
{
	volt_vm vm = { .root = (char *)"/srv/a,b", .store = (char *)"/srv/a,b/cas" };
	vm_record rec = { .name = (char *)"web", .overlay = (char *)"/srv/a,b/vms/web/overlay" };
	char **argv = NULL;

	rec.config = config(false);
	ck_assert_int_eq(vm_voltvm_argv(&rec, &vm, "stdio", &argv), -EINVAL);
	ck_assert_ptr_null(argv);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "VM 'web'"));
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "store=/srv/a,b/cas: a value in a --disk spec cannot hold a comma"));
	json_decref(rec.config);

	/* A record whose MAC is not one is damaged, not passed on. */
	vm.store = (char *)"/srv/cas";
	rec.overlay = (char *)"/srv/vms/web/overlay";
	rec.config = config(true);
	json_object_set_new(rec.config, "mac", json_string("52:54:00:0a:0b"));
	ck_assert_int_eq(vm_voltvm_argv(&rec, &vm, "stdio", &argv), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "no valid mac"));
	json_decref(rec.config);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("voltvm-argv");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, specs_parse_back_into_the_record);
	tcase_add_test(tc, paths_the_grammar_cannot_carry_are_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
