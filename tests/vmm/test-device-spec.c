/*
 * The --disk/--net grammar both ends use (libvolt-vmm/src/spec): every
 * form formats into the spelling voltvm documents and parses back into
 * the same options; bad specs fail with a message naming the fault.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core/error.h>
#include <volt/vmm.h>

#include "check-main.h"
#include "device-spec.h"

static void ck_str_or_null(const char *a, const char *b)
{
	if (!a || !b)
		ck_assert_ptr_eq(a, b);
	else
		ck_assert_str_eq(a, b);
}

static void disk_round_trip(const volt_vmm_disk_options *o, const char *want)
{
	struct disk_spec d;
	char *text = NULL, *again = NULL;

	ck_assert_int_eq(disk_spec_format(&text, o), 0);
	ck_assert_str_eq(text, want);
	ck_assert_int_eq(disk_spec_parse(&d, text), 0);
	ck_str_or_null(d.opts.path, o->path);
	ck_str_or_null(d.opts.image, o->image);
	ck_str_or_null(d.opts.store, o->store);
	ck_str_or_null(d.opts.overlay, o->overlay);
	ck_assert_uint_eq(d.opts.flags, o->flags);
	ck_assert_uint_eq(d.opts.version, VOLT_VMM_DISK_OPTIONS_VERSION);
	ck_assert_int_eq(disk_spec_format(&again, &d.opts), 0);
	ck_assert_str_eq(again, text);
	free(d.text);
	free(text);
	free(again);
}

START_TEST(disk_every_form_round_trips)
{
	static const struct {
		const char *path, *image, *store, *overlay;
		unsigned int flags;
		const char *spelled;
	} forms[] = {
		{ "/srv/raw.img", NULL, NULL, NULL, 0, "path=/srv/raw.img" },
		{ "/srv/raw.img", NULL, NULL, NULL, VOLT_VMM_DISK_READ_ONLY, "path=/srv/raw.img,ro" },
		{ "a=b", NULL, NULL, NULL, 0, "path=a=b" },  /* only the first '=' splits */
		{ NULL, "debian:12", "/var/lib/volt/cas", NULL, 0, "image=debian:12,store=/var/lib/volt/cas" },
		{ NULL, "debian:12", "/cas", NULL, VOLT_VMM_DISK_READ_ONLY, "image=debian:12,store=/cas,ro" },
		{ NULL, "debian:12", "/cas", "/vms/a/overlay", 0,
		  "image=debian:12,store=/cas,overlay=/vms/a/overlay" },
		{ NULL, "debian:12", "/cas", "/vms/a/overlay", VOLT_VMM_DISK_READ_ONLY,
		  "image=debian:12,store=/cas,overlay=/vms/a/overlay,ro" },
	};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		volt_vmm_disk_options o = VOLT_VMM_DISK_OPTIONS_INIT;

		o.path = forms[i].path;
		o.image = forms[i].image;
		o.store = forms[i].store;
		o.overlay = forms[i].overlay;
		o.flags = forms[i].flags;
		disk_round_trip(&o, forms[i].spelled);
	}
}
END_TEST

START_TEST(net_every_form_round_trips)
{
	volt_vmm_net_options o = VOLT_VMM_NET_OPTIONS_INIT, mac = VOLT_VMM_NET_OPTIONS_INIT;
	static const uint8_t bytes[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
	const volt_vmm_net_options *forms[] = { &o, &mac };
	const char *spelled[] = { "tap=volt-tap0", "tap=vm1,mac=52:54:00:ab:cd:ef" };

	o.tap = "volt-tap0";
	mac.tap = "vm1";
	mac.flags = VOLT_VMM_NET_MAC;
	memcpy(mac.mac, bytes, 6);
	for (size_t i = 0; i < 2; i++) {
		struct net_spec n;
		char *text = NULL, *again = NULL;

		ck_assert_int_eq(net_spec_format(&text, forms[i]), 0);
		ck_assert_str_eq(text, spelled[i]);
		ck_assert_int_eq(net_spec_parse(&n, text), 0);
		ck_assert_str_eq(n.opts.tap, forms[i]->tap);
		ck_assert_uint_eq(n.opts.flags, forms[i]->flags);
		if (forms[i]->flags & VOLT_VMM_NET_MAC)
			ck_assert_mem_eq(n.opts.mac, forms[i]->mac, 6);
		ck_assert_int_eq(net_spec_format(&again, &n.opts), 0);
		ck_assert_str_eq(again, text);
		free(n.text);
		free(text);
		free(again);
	}
}
END_TEST

START_TEST(other_spellings_parse)
{
	struct disk_spec d;
	struct net_spec n;
	static const uint8_t want[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };

	/* Empty items are skipped; the key order is free. */
	ck_assert_int_eq(disk_spec_parse(&d, ",ro,,store=/cas,image=x,"), 0);
	ck_assert_str_eq(d.opts.image, "x");
	ck_assert_str_eq(d.opts.store, "/cas");
	ck_assert_uint_eq(d.opts.flags, VOLT_VMM_DISK_READ_ONLY);
	free(d.text);
	ck_assert_int_eq(net_spec_parse(&n, "mac=52:54:00:AB:cd:EF,tap=t"), 0);
	ck_assert_mem_eq(n.opts.mac, want, 6);
	free(n.text);
}
END_TEST

/* Each bad spec fails with EINVAL, a message holding @needle, and nothing left to free. */
static void disk_bad(const char *spec, const char *needle)
{
	struct disk_spec d;

	ck_assert_msg(disk_spec_parse(&d, spec) == -EINVAL, "--disk '%s' was accepted", spec);
	ck_assert_ptr_null(d.text);
	ck_assert_msg(strstr(volt_error_message(), needle), "--disk '%s': message '%s' lacks '%s'", spec,
		      volt_error_message(), needle);
	ck_assert_msg(strstr(volt_error_message(), spec), "message '%s' does not name the spec",
		      volt_error_message());
}

static void net_bad(const char *spec, const char *needle)
{
	struct net_spec n;

	ck_assert_msg(net_spec_parse(&n, spec) == -EINVAL, "--net '%s' was accepted", spec);
	ck_assert_ptr_null(n.text);
	ck_assert_msg(strstr(volt_error_message(), needle), "--net '%s': message '%s' lacks '%s'", spec,
		      volt_error_message(), needle);
}

START_TEST(bad_specs_are_refused)
{
	disk_bad("", "either path=FILE or image=REF,store=DIR");
	disk_bad("ro", "either path=FILE or image=REF,store=DIR");
	disk_bad("path=a,image=b,store=c", "either path=FILE or image=REF,store=DIR");
	disk_bad("image=b", "image= needs store=DIR");
	disk_bad("path=a,store=c", "store= and overlay= go with image=");
	disk_bad("path=a,overlay=c", "store= and overlay= go with image=");
	disk_bad("path=", "path= needs a value");
	disk_bad("path", "path= needs a value");
	disk_bad("path=a,path=b", "path= given twice");
	disk_bad("path=a,ro=1", "unknown key 'ro'");
	disk_bad("path=a,size=3G", "unknown key 'size'");
	net_bad("", "tap=IFNAME is required");
	net_bad("mac=52:54:00:12:34:56", "tap=IFNAME is required");
	net_bad("tap=", "tap= needs a value");
	net_bad("tap=a,tap=b", "tap= given twice");
	net_bad("tap=a,mac=52:54:00:12:34:56,mac=52:54:00:12:34:57", "mac= given twice");
	net_bad("tap=a,queues=2", "unknown key 'queues'");
	for (const char *const *m = (const char *const[]){ "52:54:00:12:34", "52:54:00:12:34:567",
							   "52-54-00-12-34-56", "5:254:00:12:34:56",
							   "52:54:00:12:34:5g", "+2:54:00:12:34:56",
							   " 2:54:00:12:34:56", "0x:54:00:12:34:56", NULL };
	     *m; m++) {
		char spec[64];

		snprintf(spec, sizeof(spec), "tap=a,mac=%s", *m);
		net_bad(spec, "mac= wants six hex bytes");
	}
}
END_TEST

START_TEST(format_refuses_what_would_not_parse_back)
{
	volt_vmm_disk_options d = VOLT_VMM_DISK_OPTIONS_INIT;
	volt_vmm_net_options n = VOLT_VMM_NET_OPTIONS_INIT;
	char *text = (char *)"untouched";

	ck_assert_int_eq(disk_spec_format(&text, &d), -EINVAL);  /* neither path nor image */
	d.path = "/srv/a,b.img";
	ck_assert_int_eq(disk_spec_format(&text, &d), -EINVAL);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "path=/srv/a,b.img: a value in a --disk spec cannot hold a comma"));
	d.path = "";
	ck_assert_int_eq(disk_spec_format(&text, &d), -EINVAL);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "path= needs a value"));
	d.path = "/a";
	d.store = "/cas";
	ck_assert_int_eq(disk_spec_format(&text, &d), -EINVAL);
	d.path = NULL;
	d.image = "x";
	d.store = NULL;
	ck_assert_int_eq(disk_spec_format(&text, &d), -EINVAL);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "store= needs a value"));
	d.store = "/cas";
	d.overlay = "/vms/a,b/overlay";
	ck_assert_int_eq(disk_spec_format(&text, &d), -EINVAL);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "overlay=/vms/a,b/overlay"));
	d.overlay = NULL;
	d.flags = 1u << 7;
	ck_assert_int_eq(disk_spec_format(&text, &d), -EINVAL);
	ck_assert_str_eq(text, "untouched");

	ck_assert_int_eq(net_spec_format(&text, &n), -EINVAL);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "tap= needs a value"));
	n.tap = "a,mac=52:54:00:00:00:01";
	ck_assert_int_eq(net_spec_format(&text, &n), -EINVAL);
	n.tap = "a";
	n.flags = 1u << 5;
	ck_assert_int_eq(net_spec_format(&text, &n), -EINVAL);
	ck_assert_str_eq(text, "untouched");
}
END_TEST

CHECK_MAIN("device-spec", disk_every_form_round_trips, net_every_form_round_trips, other_spellings_parse,
	   bad_specs_are_refused, format_refuses_what_would_not_parse_back)
