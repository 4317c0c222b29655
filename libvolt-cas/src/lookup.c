/*
 * stat, ls and path lookup inside a stored tree.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "lookup.h"

void cas_target_clear(struct cas_target *t)
{
	cas_tree_clear(&t->holder);
	t->entry = NULL;
}

static int root_kind(volt_cas *cas, const volt_cas_hash *h)
{
	_cleanup_free_ void *data = NULL;
	size_t len;
	int r;

	r = cas_block_get(cas, h, &data, &len);
	if (r < 0)
		return r;
	return cas_object_kind(data, len);
}

static struct cas_entry *find_entry(struct cas_tree *t, const char *name)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->entries[mid].name, name);

		if (c == 0)
			return &t->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int cas_target_resolve(volt_cas *cas, const char *spec, struct cas_target *out)
{
	_cleanup_free_ char *path = NULL;
	volt_cas_hash dir;
	char *save = NULL, *comp;
	int r;

	memset(out, 0, sizeof(*out));
	r = cas_resolve_spec(cas, spec, &out->root, &path);
	if (r < 0)
		return r;
	r = root_kind(cas, &out->root);
	if (r < 0)
		return r;
	out->root_kind = r;
	if (!path)
		return 0;
	dir = out->root;
	for (comp = strtok_r(path, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0)
			return volt_error_set(EINVAL, "'..' is not allowed in a store path");
		if (out->entry && out->entry->type != VOLT_CAS_ENTRY_DIRECTORY)
			return volt_error_set(ENOTDIR, "'%s' is not a directory", out->entry->name);
		if (out->root_kind != CAS_OBJECT_TREE)
			return volt_error_set(ENOTDIR, "%s is a disk image, not a tree", spec);
		if (out->entry)
			dir = out->entry->hash;
		cas_tree_clear(&out->holder);
		out->entry = NULL;
		r = cas_tree_load(cas, &dir, &out->holder);
		if (r < 0)
			return r;
		out->entry = find_entry(&out->holder, comp);
		if (!out->entry)
			return volt_error_set(ENOENT, "no '%s' in %s", comp, spec);
	}
	return 0;
}

void cas_entry_to_public(volt_cas_entry *pub, volt_cas_xattr *x, const struct cas_entry *e)
{
	memset(pub, 0, sizeof(*pub));
	pub->name = e->name;
	pub->type = (volt_cas_entry_type)e->type;
	pub->mode = e->mode;
	pub->uid = e->uid;
	pub->gid = e->gid;
	pub->mtime_sec = e->mtime_sec;
	pub->mtime_nsec = e->mtime_nsec;
	pub->size = e->size;
	pub->rdev = e->rdev;
	pub->link_group = e->link_group;
	pub->blocks = e->n_blocks;
	pub->target = e->target;
	pub->hash = e->hash;
	for (size_t i = 0; i < e->n_xattrs; i++)
		x[i] = (volt_cas_xattr){ e->xattrs[i].name, e->xattrs[i].value, e->xattrs[i].size };
	pub->n_xattrs = e->n_xattrs;
	pub->xattrs = x;
}

/* A public entry and everything it points to, in one allocation's care. */
struct entry_box {
	volt_cas_entry pub;
	struct cas_entry priv;
	volt_cas_xattr *x;
};

VOLT_API volt_cas_entry *volt_cas_entry_free(volt_cas_entry *entry)
{
	struct entry_box *b;

	if (!entry)
		return NULL;
	b = (struct entry_box *)((char *)entry - offsetof(struct entry_box, pub));
	cas_entry_clear(&b->priv);
	free(b->x);
	free(b);
	return NULL;
}

VOLT_API int volt_cas_stat(volt_cas_entry **out, volt_cas *cas, const char *spec)
{
	struct cas_target t;
	struct entry_box *b;
	int r;

	assert_return(cas, EINVAL);
	assert_return(spec, EINVAL);
	assert_return(out, EINVAL);
	r = cas_target_resolve(cas, spec, &t);
	if (r < 0) {
		cas_target_clear(&t);
		return r;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		cas_target_clear(&t);
		return volt_error_set(ENOMEM, NULL);
	}
	if (t.entry) {
		/* Steal the entry from its tree. */
		b->priv = *t.entry;
		memset(t.entry, 0, sizeof(*t.entry));
		t.entry->name = strdup("");
	} else if (t.root_kind == CAS_OBJECT_IMAGE) {
		struct cas_image img;

		r = cas_image_load(cas, &t.root, &img);
		if (r < 0) {
			free(b);
			cas_target_clear(&t);
			return r;
		}
		b->priv.type = VOLT_CAS_ENTRY_IMAGE;
		b->priv.size = img.size;
		b->priv.n_blocks = img.n_blocks;
		b->pub.block_size = img.block_size;
		b->priv.hash = t.root;
		b->priv.mode = 0644;
		cas_image_clear(&img);
	} else {
		b->priv.type = VOLT_CAS_ENTRY_DIRECTORY;
		b->priv.hash = t.root;
		b->priv.mode = 0755;
	}
	cas_target_clear(&t);
	if (!b->priv.name)
		b->priv.name = strdup("");
	b->x = calloc(b->priv.n_xattrs ? b->priv.n_xattrs : 1, sizeof(*b->x));
	if (!b->priv.name || !b->x) {
		cas_entry_clear(&b->priv);
		free(b->x);
		free(b);
		return volt_error_set(ENOMEM, NULL);
	}
	{
		uint32_t bs = b->pub.block_size;

		cas_entry_to_public(&b->pub, b->x, &b->priv);
		b->pub.block_size = bs;
		/* Files carry their blocks inline; only the count is public. */
	}
	*out = &b->pub;
	return 0;
}

VOLT_API int volt_cas_list(volt_cas *cas, const char *spec, volt_cas_list_fn fn, void *userdata)
{
	struct cas_target t;
	struct cas_tree tree = {};
	volt_cas_hash dir;
	int r;

	assert_return(cas, EINVAL);
	assert_return(spec, EINVAL);
	assert_return(fn, EINVAL);
	r = cas_target_resolve(cas, spec, &t);
	if (r < 0)
		goto out;
	if (t.entry ? t.entry->type != VOLT_CAS_ENTRY_DIRECTORY : t.root_kind != CAS_OBJECT_TREE) {
		r = volt_error_set(ENOTDIR, "%s is not a directory", spec);
		goto out;
	}
	dir = t.entry ? t.entry->hash : t.root;
	r = cas_tree_load(cas, &dir, &tree);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < tree.n && r >= 0; i++) {
		_cleanup_free_ volt_cas_xattr *x = calloc(tree.entries[i].n_xattrs + 1, sizeof(*x));
		volt_cas_entry pub;

		if (!x) {
			r = volt_error_set(ENOMEM, NULL);
			break;
		}
		cas_entry_to_public(&pub, x, &tree.entries[i]);
		r = fn(&pub, userdata);
		if (r > 0)
			r = 0;
	}
out:
	cas_tree_clear(&tree);
	cas_target_clear(&t);
	return r;
}
