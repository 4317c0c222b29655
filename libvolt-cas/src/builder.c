/*
 * The in-memory tree of an import, written out bottom-up as tree
 * objects once every file's blocks are stored.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "import.h"

int cas_node_new(struct cas_node **out, const char *name, uint8_t type)
{
	struct cas_node *n = calloc(1, sizeof(*n));

	if (!n)
		return volt_error_set(ENOMEM, NULL);
	n->e.name = strdup(name);
	if (!n->e.name) {
		free(n);
		return volt_error_set(ENOMEM, NULL);
	}
	n->e.type = type;
	*out = n;
	return 0;
}

void cas_node_free(struct cas_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_children; i++)
		cas_node_free(n->children[i]);
	free(n->children);
	cas_entry_clear(&n->e);
	free(n);
}

int cas_node_add_child(struct cas_node *dir, struct cas_node *child)
{
	if (dir->n_children == dir->cap_children) {
		size_t cap = dir->cap_children ? 2 * dir->cap_children : 8;
		struct cas_node **c = realloc(dir->children, cap * sizeof(*c));

		if (!c)
			return volt_error_set(ENOMEM, NULL);
		dir->children = c;
		dir->cap_children = cap;
	}
	dir->children[dir->n_children++] = child;
	return 0;
}

struct cas_node *cas_node_find_child(struct cas_node *dir, const char *name)
{
	/* From the end: archives list a directory's entries together. */
	for (size_t i = dir->n_children; i > 0; i--)
		if (strcmp(dir->children[i - 1]->e.name, name) == 0)
			return dir->children[i - 1];
	return NULL;
}

static int node_cmp(const void *a, const void *b)
{
	return strcmp((*(struct cas_node *const *)a)->e.name, (*(struct cas_node *const *)b)->e.name);
}

int cas_node_store(volt_cas *cas, struct cas_node *root, struct cas_counters *c, volt_cas_hash *out)
{
	_cleanup_free_ struct cas_entry *entries = NULL;
	_cleanup_free_ void *data = NULL;
	size_t len;
	int r;

	if (root->n_children > 1)
		qsort(root->children, root->n_children, sizeof(*root->children), node_cmp);
	entries = calloc(root->n_children ? root->n_children : 1, sizeof(*entries));
	if (!entries)
		return volt_error_set(ENOMEM, NULL);
	for (size_t i = 0; i < root->n_children; i++) {
		struct cas_node *ch = root->children[i];

		if (i > 0 && strcmp(root->children[i - 1]->e.name, ch->e.name) == 0)
			return volt_error_set(EINVAL, "duplicate entry '%s'", ch->e.name);
		if (ch->e.type == VOLT_CAS_ENTRY_DIRECTORY) {
			r = cas_node_store(cas, ch, c, &ch->e.hash);
			if (r < 0)
				return volt_error_prefix(r, "%s", ch->e.name);
		}
		/* Entries are shallow copies: the nodes keep ownership. */
		entries[i] = ch->e;
		if (ch->link_leader) {
			entries[i].size = ch->link_leader->e.size;
			entries[i].n_blocks = ch->link_leader->e.n_blocks;
			entries[i].blocks = ch->link_leader->e.blocks;
			entries[i].link_group = ch->link_leader->e.link_group;
		}
	}
	r = cas_tree_serialize(entries, root->n_children, &data, &len);
	if (r < 0)
		return r;
	return cas_object_store(cas, data, len, out, c);
}

int cas_store_stream(volt_cas *cas, const struct cas_chunker *ch, cas_read_fn rd, void *ctx,
		     uint64_t size_hint, struct cas_counters *c, struct cas_entry *e)
{
	size_t cap = size_hint + 1 < 8u * 1024 * 1024 ? (size_t)size_hint + 1 : 8u * 1024 * 1024;
	_cleanup_free_ uint8_t *buf = NULL;
	size_t start = 0, end = 0, n_cap = 0;
	bool eof = false;
	int r;

	if (cap < 4096)
		cap = 4096;
	buf = malloc(cap);
	if (!buf)
		return volt_error_set(ENOMEM, NULL);
	e->size = 0;
	while (!eof || start < end) {
		/* Fill the buffer. */
		while (!eof && end < cap) {
			ssize_t n = rd(ctx, buf + end, cap - end);

			if (n < 0)
				return (int)n;
			if (n == 0)
				eof = true;
			end += (size_t)n;
			cas_count(c, bytes, (uint64_t)n);
		}
		for (;;) {
			size_t n = cas_chunker_next(ch, buf + start, end - start, eof);
			struct cas_blockref *br;

			if (n == 0)
				break;
			if (e->n_blocks == n_cap) {
				n_cap = n_cap ? 2 * n_cap : 4;
				br = realloc(e->blocks, n_cap * sizeof(*br));
				if (!br)
					return volt_error_set(ENOMEM, NULL);
				e->blocks = br;
			}
			br = &e->blocks[e->n_blocks];
			r = cas_block_put(cas, buf + start, n, &br->hash, c);
			if (r < 0)
				return r;
			br->len = (uint32_t)n;
			e->n_blocks++;
			e->size += n;
			start += n;
		}
		if (eof && start == end)
			break;
		/* Keep the undecided tail; grow when a whole buffer held no cut. */
		memmove(buf, buf + start, end - start);
		end -= start;
		start = 0;
		if (end == cap) {
			size_t ncap = cap * 2;
			uint8_t *nb = realloc(buf, ncap);

			if (!nb)
				return volt_error_set(ENOMEM, NULL);
			buf = nb;
			cap = ncap;
		}
	}
	return 0;
}

int cas_import_options(volt_cas_import_options *o, const volt_cas_import_options *opts,
		       struct cas_chunker *ch)
{
	volt_cas_import_options d = VOLT_CAS_IMPORT_OPTIONS_INIT;

	if (opts) {
		if (!VERSION_SUPPORTED(opts->version, VOLT_CAS_IMPORT_OPTIONS_VERSION))
			return volt_error_set(EINVAL, "volt_cas_import_options version %u is not supported",
					      opts->version);
		d = *opts;
	}
	if (d.block_size == 0)
		d.block_size = 64 * 1024;
	if (d.block_size < CAS_IMAGE_BLOCK_MIN || d.block_size > CAS_IMAGE_BLOCK_MAX ||
	    (d.block_size & (d.block_size - 1)))
		return volt_error_set(EINVAL, "image block size %u is not a power of two from 4K to 4M",
				      d.block_size);
	if (d.tag && cas_ref_name_check(d.tag) < 0)
		return volt_error_code();
	*o = d;
	return cas_chunker_init(ch, d.chunk_min, d.chunk_avg, d.chunk_max);
}

int cas_pool_wait_progress(struct cas_pool *pool, struct cas_progress_state *ps, struct cas_counters *c)
{
	while (cas_pool_pending(pool) > 0) {
		cas_progress_update(ps, c, false);
		usleep(20 * 1000);
	}
	return cas_pool_wait(pool);
}

int cas_import_finish(volt_cas *cas, const volt_cas_import_options *o, const volt_cas_hash *root,
		      struct cas_progress_state *ps, struct cas_counters *c, volt_cas_progress *out_stats)
{
	int r;

	/* Blocks are durable before anything names them. */
	if (o->tag)
		r = cas_ref_set_locked(cas, o->tag, root);
	else
		r = cas_sync(cas);
	if (r < 0)
		return r;
	cas_progress_update(ps, c, true);
	if (out_stats) {
		if (!VERSION_SUPPORTED(out_stats->version, VOLT_CAS_PROGRESS_VERSION))
			return volt_error_set(EINVAL, "volt_cas_progress version %u is not supported",
					      out_stats->version);
		*out_stats = ps->p;
	}
	return 0;
}
