/*
 * libFuzzer target: the --disk/--net grammar (libvolt-vmm/src/spec).
 * The first byte picks the grammar ('n': --net, anything else: --disk), the rest
 * is the spec. Whatever parses must format, and the formatted spec must
 * parse back into the same options: a spec the VM manager writes means
 * to voltvm what it meant to the manager.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "device-spec.h"

static int same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void disk(const char *spec)
{
	struct disk_spec d, again;
	char *text = NULL;

	if (disk_spec_parse(&d, spec) < 0)
		return;
	if (disk_spec_format(&text, &d.opts) < 0 || disk_spec_parse(&again, text) < 0)
		abort();
	if (!same(d.opts.path, again.opts.path) || !same(d.opts.image, again.opts.image) ||
	    !same(d.opts.store, again.opts.store) || !same(d.opts.overlay, again.opts.overlay) ||
	    d.opts.flags != again.opts.flags)
		abort();
	free(again.text);
	free(text);
	free(d.text);
}

static void net(const char *spec)
{
	struct net_spec n, again;
	char *text = NULL;

	if (net_spec_parse(&n, spec) < 0)
		return;
	if (net_spec_format(&text, &n.opts) < 0 || net_spec_parse(&again, text) < 0)
		abort();
	if (!same(n.opts.tap, again.opts.tap) || n.opts.flags != again.opts.flags ||
	    ((n.opts.flags & VOLT_VMM_NET_MAC) && memcmp(n.opts.mac, again.opts.mac, 6) != 0))
		abort();
	free(again.text);
	free(text);
	free(n.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec;

	if (size < 1 || size > 4096)
		return 0;
	spec = malloc(size);
	if (!spec)
		return 0;
	memcpy(spec, data + 1, size - 1);
	spec[size - 1] = '\0';  /* a spec is a C string: an embedded NUL ends it early */
	if (data[0] == 'n')
		net(spec);
	else
		disk(spec);
	free(spec);
	return 0;
}
