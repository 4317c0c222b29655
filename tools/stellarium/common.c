/*
 * Shared helpers of the stellarium verbs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stellarium.h"

int st_open(const struct cli_global *g, bool create, volt_cas **out)
{
	volt_cas_open_options o = VOLT_CAS_OPEN_OPTIONS_INIT;
	char *root = NULL, *path = NULL;
	int r;

	r = volt_root_resolve(&root, g->root);
	if (r < 0)
		return r;
	r = volt_root_subdir(&path, root, "cas", 0);
	free(root);
	if (r < 0)
		return r;
	if (create)
		o.flags |= VOLT_CAS_OPEN_CREATE;
	r = volt_cas_open(out, path, &o);
	free(path);
	return r;
}

static bool progress_drawn;

void st_progress(const volt_cas_progress *p, void *userdata)
{
	char a[VOLT_FORMAT_BUF_SIZE], b[VOLT_FORMAT_BUF_SIZE], c[VOLT_FORMAT_BUF_SIZE];

	if (!isatty(STDERR_FILENO))
		return;
	if (p->bytes_total)
		fprintf(stderr, "\r\033[K%s / %s (%.0f%%), %s new", volt_format_size(a, p->bytes),
			volt_format_size(b, p->bytes_total), 100.0 * (double)p->bytes / (double)p->bytes_total,
			volt_format_size(c, p->bytes_new));
	else
		fprintf(stderr, "\r\033[K%llu entries, %s, %llu blocks (%llu new, %s)",
			(unsigned long long)p->files, volt_format_size(a, p->bytes), (unsigned long long)p->blocks,
			(unsigned long long)p->blocks_new, volt_format_size(b, p->bytes_new));
	progress_drawn = true;
}

void st_progress_end(void)
{
	if (progress_drawn)
		fputs("\r\033[K", stderr);
	progress_drawn = false;
}

const char *st_type_name(volt_cas_entry_type t)
{
	switch (t) {
	case VOLT_CAS_ENTRY_REGULAR: return "file";
	case VOLT_CAS_ENTRY_DIRECTORY: return "directory";
	case VOLT_CAS_ENTRY_SYMLINK: return "symlink";
	case VOLT_CAS_ENTRY_CHAR_DEVICE: return "char-device";
	case VOLT_CAS_ENTRY_BLOCK_DEVICE: return "block-device";
	case VOLT_CAS_ENTRY_FIFO: return "fifo";
	case VOLT_CAS_ENTRY_SOCKET: return "socket";
	case VOLT_CAS_ENTRY_IMAGE: return "image";
	}
	return "unknown";
}

/* Printable values as text, anything else as "hex:..." (JSON strings must be UTF-8). */
static json_t *xattr_value_json(const unsigned char *v, size_t n)
{
	char *hex;
	json_t *j;
	bool text = true;

	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			text = n > 0 && i == n - 1 && v[i] == 0 ? text : false;
	if (text)
		return json_stringn(n && v[n - 1] == 0 ? (const char *)v : (const char *)v,
				    n && v[n - 1] == 0 ? n - 1 : n);
	hex = malloc(2 * n + 5);
	if (!hex)
		return NULL;
	strcpy(hex, "hex:");
	for (size_t i = 0; i < n; i++)
		sprintf(hex + 4 + 2 * i, "%02x", v[i]);
	j = json_string(hex);
	free(hex);
	return j;
}

json_t *st_entry_json(const volt_cas_entry *e)
{
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	json_t *o = json_object(), *x = json_object();

	if (!o || !x) {
		json_decref(o);
		json_decref(x);
		return NULL;
	}
	json_object_set_new(o, "name", json_string(e->name));
	json_object_set_new(o, "type", json_string(st_type_name(e->type)));
	json_object_set_new(o, "mode", json_integer(e->mode));
	json_object_set_new(o, "uid", json_integer(e->uid));
	json_object_set_new(o, "gid", json_integer(e->gid));
	json_object_set_new(o, "mtime", json_integer(e->mtime_sec));
	json_object_set_new(o, "mtime_nsec", json_integer(e->mtime_nsec));
	if (e->type == VOLT_CAS_ENTRY_REGULAR || e->type == VOLT_CAS_ENTRY_IMAGE) {
		json_object_set_new(o, "size", json_integer((json_int_t)e->size));
		json_object_set_new(o, "blocks", json_integer((json_int_t)e->blocks));
	}
	if (e->type == VOLT_CAS_ENTRY_IMAGE)
		json_object_set_new(o, "block_size", json_integer(e->block_size));
	if (e->link_group)
		json_object_set_new(o, "link_group", json_integer(e->link_group));
	if (e->type == VOLT_CAS_ENTRY_CHAR_DEVICE || e->type == VOLT_CAS_ENTRY_BLOCK_DEVICE)
		json_object_set_new(o, "rdev", json_integer((json_int_t)e->rdev));
	if (e->target)
		json_object_set_new(o, "target", json_string(e->target));
	if (e->type == VOLT_CAS_ENTRY_DIRECTORY || e->type == VOLT_CAS_ENTRY_IMAGE)
		json_object_set_new(o, "hash", json_string(volt_cas_hash_to_hex(hex, &e->hash)));
	for (size_t i = 0; i < e->n_xattrs; i++)
		json_object_set_new(x, e->xattrs[i].name, xattr_value_json(e->xattrs[i].value, e->xattrs[i].size));
	json_object_set_new(o, "xattrs", x);
	return o;
}

int st_simple_options(const struct cli_global *g, int argc, char **argv, const char *help, bool *json,
		      int min, int max)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{},
	};
	int opt;

	*json = g->json;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(help, stdout); return CLI_EXIT_OK;
		case 'j': *json = true; break;
		default: return cli_usage_error(g->program, "%s: unknown option '%s'", argv[0], argv[optind - 1]);
		}
	}
	if (argc - optind < min || argc - optind > max)
		return cli_usage_error(g->program, "%s: wrong number of arguments", argv[0]);
	return -1;
}
