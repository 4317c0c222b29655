/*
 * The --disk and --net grammar (see device-spec.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core/error.h>

#include "device-spec.h"

/* Next "key" or "key=value" of @rest; NULL at the end. */
static char *next_item(char **rest, char **value)
{
	char *item, *eq;

	do {
		item = strsep(rest, ",");
	} while (item && !*item);
	if (!item)
		return NULL;
	eq = strchr(item, '=');
	*value = NULL;
	if (eq) {
		*eq = '\0';
		*value = eq + 1;
	}
	return item;
}

static int want_value(const char *what, const char *key, const char *value, const char *spec)
{
	if (!value || !*value)
		return volt_error_set(EINVAL, "%s '%s': %s= needs a value", what, spec, key);
	return 0;
}

static int disk_parse(struct disk_spec *out, const char *spec)
{
	char *rest, *key, *value;

	out->text = strdup(spec);
	if (!out->text)
		return volt_error_set(ENOMEM, NULL);
	rest = out->text;
	while ((key = next_item(&rest, &value))) {
		const char **slot = NULL;

		if (strcmp(key, "ro") == 0 && !value) {
			out->opts.flags |= VOLT_VMM_DISK_READ_ONLY;
			continue;
		}
		if (strcmp(key, "path") == 0)
			slot = &out->opts.path;
		else if (strcmp(key, "image") == 0)
			slot = &out->opts.image;
		else if (strcmp(key, "store") == 0)
			slot = &out->opts.store;
		else if (strcmp(key, "overlay") == 0)
			slot = &out->opts.overlay;
		else
			return volt_error_set(EINVAL,
					      "--disk '%s': unknown key '%s' (expected path=, image=, store=, overlay= or ro)",
					      spec, key);
		if (want_value("--disk", key, value, spec) < 0)
			return -EINVAL;
		if (*slot)
			return volt_error_set(EINVAL, "--disk '%s': %s= given twice", spec, key);
		*slot = value;
	}
	if (!!out->opts.path == !!out->opts.image)
		return volt_error_set(EINVAL, "--disk '%s': give either path=FILE or image=REF,store=DIR",
				      spec);
	if (out->opts.image && !out->opts.store)
		return volt_error_set(EINVAL, "--disk '%s': image= needs store=DIR (the cas directory of a Volt root)",
				      spec);
	if (out->opts.path && (out->opts.store || out->opts.overlay))
		return volt_error_set(EINVAL, "--disk '%s': store= and overlay= go with image=, not path=",
				      spec);
	return 0;
}

int disk_spec_parse(struct disk_spec *out, const char *spec)
{
	int r;

	*out = (struct disk_spec){ .spec = spec, .opts = VOLT_VMM_DISK_OPTIONS_INIT };
	r = disk_parse(out, spec);
	if (r < 0) {
		free(out->text);
		*out = (struct disk_spec){ .spec = spec, .opts = VOLT_VMM_DISK_OPTIONS_INIT };
	}
	return r;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int device_spec_parse_mac(uint8_t mac[6], const char *text)
{
	uint8_t b[6];

	if (strlen(text) != 17)
		return -EINVAL;
	for (unsigned int i = 0; i < 6; i++) {
		int hi = hex_digit(text[i * 3]), lo = hex_digit(text[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':'))
			return -EINVAL;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, b, 6);
	return 0;
}

static int net_parse(struct net_spec *out, const char *spec)
{
	char *rest, *key, *value;

	out->text = strdup(spec);
	if (!out->text)
		return volt_error_set(ENOMEM, NULL);
	rest = out->text;
	while ((key = next_item(&rest, &value))) {
		if (want_value("--net", key, value, spec) < 0)
			return -EINVAL;
		if (strcmp(key, "tap") == 0) {
			if (out->opts.tap)
				return volt_error_set(EINVAL, "--net '%s': tap= given twice", spec);
			out->opts.tap = value;
		} else if (strcmp(key, "mac") == 0) {
			if (out->opts.flags & VOLT_VMM_NET_MAC)
				return volt_error_set(EINVAL, "--net '%s': mac= given twice", spec);
			if (device_spec_parse_mac(out->opts.mac, value) < 0)
				return volt_error_set(EINVAL, "--net '%s': mac= wants six hex bytes like 52:54:00:12:34:56",
						      spec);
			out->opts.flags |= VOLT_VMM_NET_MAC;
		} else {
			return volt_error_set(EINVAL, "--net '%s': unknown key '%s' (expected tap= or mac=)",
					      spec, key);
		}
	}
	if (!out->opts.tap)
		return volt_error_set(EINVAL, "--net '%s': tap=IFNAME is required", spec);
	return 0;
}

int net_spec_parse(struct net_spec *out, const char *spec)
{
	int r;

	*out = (struct net_spec){ .spec = spec, .opts = VOLT_VMM_NET_OPTIONS_INIT };
	r = net_parse(out, spec);
	if (r < 0) {
		free(out->text);
		*out = (struct net_spec){ .spec = spec, .opts = VOLT_VMM_NET_OPTIONS_INIT };
	}
	return r;
}

/* A value the parser gives back unchanged: not empty, no comma (the item separator). */
static int check_value(const char *what, const char *key, const char *value)
{
	if (!value || !*value)
		return volt_error_set(EINVAL, "%s: %s= needs a value", what, key);
	if (strchr(value, ','))
		return volt_error_set(EINVAL, "%s: %s=%s: a value in a %s spec cannot hold a comma", what,
				      key, value, what);
	return 0;
}

int disk_spec_format(char **out, const volt_vmm_disk_options *o)
{
	const char *ro = o->flags & VOLT_VMM_DISK_READ_ONLY ? ",ro" : "";
	int r, n;

	if (o->flags & ~(unsigned int)VOLT_VMM_DISK_READ_ONLY)
		return volt_error_set(EINVAL, "--disk: flags 0x%x have no spelling", o->flags);
	if (!!o->path == !!o->image)
		return volt_error_set(EINVAL, "--disk: either a path or an image, not both or neither");
	if (o->path) {
		if (o->store || o->overlay)
			return volt_error_set(EINVAL, "--disk: a store or an overlay goes with an image, not a path");
		if ((r = check_value("--disk", "path", o->path)) < 0)
			return r;
		n = asprintf(out, "path=%s%s", o->path, ro);
	} else {
		if ((r = check_value("--disk", "image", o->image)) < 0 ||
		    (r = check_value("--disk", "store", o->store)) < 0 ||
		    (o->overlay && (r = check_value("--disk", "overlay", o->overlay)) < 0))
			return r;
		n = asprintf(out, "image=%s,store=%s%s%s%s", o->image, o->store,
			     o->overlay ? ",overlay=" : "", o->overlay ? o->overlay : "", ro);
	}
	if (n < 0) {
		*out = NULL;
		return volt_error_set(ENOMEM, NULL);
	}
	return 0;
}

int net_spec_format(char **out, const volt_vmm_net_options *o)
{
	int r, n;

	if (o->flags & ~(unsigned int)VOLT_VMM_NET_MAC)
		return volt_error_set(EINVAL, "--net: flags 0x%x have no spelling", o->flags);
	if ((r = check_value("--net", "tap", o->tap)) < 0)
		return r;
	if (o->flags & VOLT_VMM_NET_MAC)
		n = asprintf(out, "tap=%s,mac=%02x:%02x:%02x:%02x:%02x:%02x", o->tap, o->mac[0],
			     o->mac[1], o->mac[2], o->mac[3], o->mac[4], o->mac[5]);
	else
		n = asprintf(out, "tap=%s", o->tap);
	if (n < 0) {
		*out = NULL;
		return volt_error_set(ENOMEM, NULL);
	}
	return 0;
}

void disk_spec_describe(const struct disk_spec *d, unsigned int index, FILE *out)
{
	const volt_vmm_disk_options *o = &d->opts;
	bool ro = o->flags & VOLT_VMM_DISK_READ_ONLY;

	if (o->path)
		fprintf(out, "disk /dev/vd%c: raw file %s, %s\n", 'a' + index, o->path,
			ro ? "read-only" : "read-write");
	else
		fprintf(out, "disk /dev/vd%c: Stellarium image %s in %s, %s%s\n", 'a' + index, o->image,
			o->store, ro || !o->overlay ? "read-only" : "writes to overlay ",
			ro || !o->overlay ? "" : o->overlay);
}

void net_spec_describe(const struct net_spec *n, unsigned int index, FILE *out)
{
	fprintf(out, "nic eth%u: TAP %s", index, n->opts.tap);
	if (n->opts.flags & VOLT_VMM_NET_MAC)
		fprintf(out, ", MAC %02x:%02x:%02x:%02x:%02x:%02x", n->opts.mac[0], n->opts.mac[1],
			n->opts.mac[2], n->opts.mac[3], n->opts.mac[4], n->opts.mac[5]);
	else
		fprintf(out, ", MAC derived from the name");
	fputc('\n', out);
}
