/*
 * Reachability walk shared by gc, fsck and stats.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include "walk.h"

static int block(struct cas_walk *w, const volt_cas_hash *h, uint32_t len)
{
	int r = cas_hashset_add(&w->seen, h, len);

	if (r <= 0)
		return r;
	w->unique += len;
	return w->on_block ? w->on_block(w, h, len) : 0;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static int remember_size(struct cas_walk *w, const volt_cas_hash *h, uint64_t size)
{
	int r;

	if (w->n_sizes == w->cap_sizes) {
		size_t cap = w->cap_sizes ? 2 * w->cap_sizes : 256;
		uint64_t *n = realloc(w->size_of, cap * sizeof(*n));

		if (!n)
			return volt_error_set(ENOMEM, NULL);
		w->size_of = n;
		w->cap_sizes = cap;
	}
	if (w->n_sizes >= UINT32_MAX)
		return volt_error_set(ENOMEM, "too many trees to walk");
	r = cas_hashset_add(&w->sizes, h, (uint32_t)w->n_sizes);
	if (r > 0)
		w->size_of[w->n_sizes++] = size;
	return r < 0 ? r : 0;
}

/* With count_shared: the logical size of a tree walked before, if known. */
static bool known_size(const struct cas_walk *w, const volt_cas_hash *h, uint64_t *size)
{
	uint32_t i;

	if (!w->count_shared || !cas_hashset_get(&w->sizes, h, &i))
		return false;
	*size = w->size_of[i];
	return true;
}

/* Adds the logical bytes of tree @h (shared subtrees counted per reference)
 * to @logical. Every tree is read at most once. */
static int walk_tree(struct cas_walk *w, const volt_cas_hash *h, uint64_t *logical)
{
	struct cas_tree t;
	uint64_t mine = 0, known;
	int r;

	r = cas_tree_load(w->cas, h, &t);
	if (r < 0) {
		r = w->on_bad_object ? w->on_bad_object(w, h, r) : r;
		/* Skipped: remember it as empty so that it is not read again. */
		return r < 0 || !w->count_shared ? r : remember_size(w, h, 0);
	}
	for (size_t i = 0; i < t.n && r >= 0; i++) {
		struct cas_entry *e = &t.entries[i];

		if (e->type == VOLT_CAS_ENTRY_REGULAR) {
			mine = add_sat(mine, e->size);
			for (size_t j = 0; j < e->n_blocks && r >= 0; j++)
				r = block(w, &e->blocks[j].hash, e->blocks[j].len);
		} else if (e->type == VOLT_CAS_ENTRY_DIRECTORY) {
			r = cas_hashset_add(&w->seen, &e->hash, 0);
			if (r > 0)
				r = walk_tree(w, &e->hash, &mine);
			else if (r == 0 && known_size(w, &e->hash, &known))
				mine = add_sat(mine, known);
			else if (r == 0 && w->count_shared)
				r = walk_tree(w, &e->hash, &mine);
		}
	}
	cas_tree_clear(&t);
	if (r < 0)
		return r;
	*logical = add_sat(*logical, mine);
	return w->count_shared ? remember_size(w, h, mine) : 0;
}

void cas_walk_clear(struct cas_walk *w)
{
	cas_hashset_clear(&w->seen);
	cas_hashset_clear(&w->sizes);
	free(w->size_of);
	w->size_of = NULL;
	w->n_sizes = w->cap_sizes = 0;
}

int cas_walk_root(struct cas_walk *w, const volt_cas_hash *root)
{
	_cleanup_free_ void *data = NULL;
	size_t len;
	uint64_t known;
	int r, kind;

	if (known_size(w, root, &known)) {
		w->logical = add_sat(w->logical, known);
		return 0;
	}
	if (cas_hashset_contains(&w->seen, root) && !w->count_shared)
		return 0;
	r = cas_block_get(w->cas, root, &data, &len);
	kind = r < 0 ? r : cas_object_kind(data, len);
	if (kind < 0)
		return w->on_bad_object ? w->on_bad_object(w, root, kind) : kind;
	r = cas_hashset_add(&w->seen, root, (uint32_t)len);
	if (r < 0)
		return r;
	if (r > 0)
		w->unique += len;
	if (kind == CAS_OBJECT_TREE)
		return walk_tree(w, root, &w->logical);
	{
		struct cas_image img;

		r = cas_image_parse(&img, data, len);
		if (r < 0)
			return w->on_bad_object ? w->on_bad_object(w, root, r) : r;
		w->logical = add_sat(w->logical, img.size);
		for (size_t i = 0; i < img.n_blocks && r >= 0; i++) {
			uint64_t off = (uint64_t)i * img.block_size;
			uint32_t bl = img.size - off < img.block_size ? (uint32_t)(img.size - off) : img.block_size;

			if (!cas_hash_is_zero(&img.blocks[i]))
				r = block(w, &img.blocks[i], bl);
		}
		cas_image_clear(&img);
		return r < 0 ? r : 0;
	}
}

int cas_walk_refs(struct cas_walk *w, int (*on_bad_ref)(struct cas_walk *w, const char *name, int err),
		  uint64_t *n_refs)
{
	char **names = NULL;
	size_t n = 0;
	int r;

	r = volt_cas_ref_list(&names, &n, w->cas);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		volt_cas_hash h;

		r = volt_cas_ref_get(&h, w->cas, names[i]);
		if (r < 0) {
			r = on_bad_ref ? on_bad_ref(w, names[i], r) : r;
			continue;
		}
		r = cas_walk_root(w, &h);
		if (r < 0)
			r = volt_error_prefix(r, "ref %s", names[i]);
	}
	volt_strv_free(names);
	if (n_refs)
		*n_refs = n;
	return r;
}
