/*
 * voltvm's --disk and --net specifications (see device-specs.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>
#include <volt/vmm.h>

#include "device-specs.h"

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

static int want_value(const char *key, const char *value, const char *spec)
{
	if (!value || !*value)
		return volt_error_set(EINVAL, "--disk/--net '%s': %s= needs a value", spec, key);
	return 0;
}

int disk_spec_parse(struct disk_spec *out, const char *spec)
{
	char *rest, *key, *value;

	*out = (struct disk_spec){ .spec = spec, .opts = VOLT_VMM_DISK_OPTIONS_INIT };
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
		if (want_value(key, value, spec) < 0)
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

static int parse_mac(uint8_t mac[6], const char *text)
{
	unsigned int b[6];
	char end;

	if (strlen(text) != 17 ||
	    sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (text[i * 3] == '+' || text[i * 3] == '-' || text[i * 3] == ' ')
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

int net_spec_parse(struct net_spec *out, const char *spec)
{
	char *rest, *key, *value;

	*out = (struct net_spec){ .spec = spec, .opts = VOLT_VMM_NET_OPTIONS_INIT };
	out->text = strdup(spec);
	if (!out->text)
		return volt_error_set(ENOMEM, NULL);
	rest = out->text;
	while ((key = next_item(&rest, &value))) {
		if (want_value(key, value, spec) < 0)
			return -EINVAL;
		if (strcmp(key, "tap") == 0) {
			if (out->opts.tap)
				return volt_error_set(EINVAL, "--net '%s': tap= given twice", spec);
			out->opts.tap = value;
		} else if (strcmp(key, "mac") == 0) {
			if (parse_mac(out->opts.mac, value) < 0)
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
