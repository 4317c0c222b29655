/*
 * Merging layer trees into one root file system tree, the way OCI
 * defines applying a changeset: for each layer, lowest first,
 * ".wh.NAME" deletes NAME from what is below, ".wh..wh..opq" hides all
 * of a directory's lower content, an entry replaces the entry of the same
 * name below, and directories present in both merge.
 *
 * Work is on tree objects only: file contents are never read, a lower
 * directory that a layer does not touch keeps its hash (so its subtree is
 * not even loaded), and file entries carry their block lists over. Each
 * layer's directories are walked once to drop its whiteouts.
 *
 * A directory that a layer's tar only implies (a member "a/b" without
 * "a/") keeps the metadata of the directory below, as when a runtime
 * extracts the layer over it.
 *
 * Hard link groups number from 1 in each layer tree; a layer's groups are
 * shifted past every group already in the result, so links of two layers
 * never join at checkout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include "oci-internal.h"

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

struct merge {
	volt_cas *cas;
	struct cas_counters c;
	uint32_t group_base; /* added to the current layer's link groups */
	uint32_t group_max;  /* highest group in the result so far */
	unsigned depth;
};

static bool is_whiteout(const char *name)
{
	return strncmp(name, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0;
}

static struct cas_entry *find_entry(struct cas_tree *t, const char *name)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, t->entries[mid].name);

		if (c == 0)
			return &t->entries[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int merge_dir(struct merge *m, const volt_cas_hash *lower, const volt_cas_hash *upper, volt_cas_hash *out);

/* An entry of the current layer, as it goes into the result. */
static int take_upper(struct merge *m, const struct cas_entry *u, const struct cas_entry *below, struct cas_entry *res)
{
	*res = *u;
	if (u->type == VOLT_CAS_ENTRY_DIRECTORY) {
		bool merge_below = below && below->type == VOLT_CAS_ENTRY_DIRECTORY;
		int r = merge_dir(m, merge_below ? &below->hash : NULL, &u->hash, &res->hash);

		if (r < 0)
			return volt_error_prefix(r, "%s", u->name);
		/* A parent the layer's tar only implied (the tar importer makes it
		 * 0755, root, mtime 0) does not change the directory below. */
		if (merge_below && u->mode == 0755 && u->uid == 0 && u->gid == 0 && u->mtime_sec == 0 &&
		    u->mtime_nsec == 0 && u->n_xattrs == 0) {
			volt_cas_hash h = res->hash;

			*res = *below;
			res->hash = h;
		}
	} else if (u->type == VOLT_CAS_ENTRY_REGULAR && u->link_group) {
		if (u->link_group > UINT32_MAX - m->group_base)
			return volt_error_set(EOVERFLOW, "too many hard links in the image");
		res->link_group = u->link_group + m->group_base;
		if (res->link_group > m->group_max)
			m->group_max = res->link_group;
	}
	return 0;
}

static int merge_dir(struct merge *m, const volt_cas_hash *lower, const volt_cas_hash *upper, volt_cas_hash *out)
{
	struct cas_tree lt = {}, ut = {};
	_cleanup_free_ struct cas_entry *res = NULL;
	_cleanup_free_ bool *gone = NULL;
	_cleanup_free_ void *data = NULL;
	bool opaque = false;
	size_t n = 0, i = 0, j = 0, len;
	int r;

	if (++m->depth > 4096) {
		m->depth--;
		return volt_error_set(EINVAL, "directories nested too deep");
	}
	r = cas_tree_load(m->cas, upper, &ut);
	if (r >= 0 && lower)
		r = cas_tree_load(m->cas, lower, &lt);
	if (r < 0)
		goto out;
	gone = calloc(lt.n ? lt.n : 1, sizeof(*gone));
	res = calloc(lt.n + ut.n ? lt.n + ut.n : 1, sizeof(*res));
	if (!gone || !res) {
		r = volt_error_set(ENOMEM, NULL);
		goto out;
	}
	/* Whiteouts of this layer act on the layers below only. */
	for (size_t k = 0; k < ut.n; k++) {
		const char *name = ut.entries[k].name;
		struct cas_entry *victim;

		if (strcmp(name, WHITEOUT_OPAQUE) == 0)
			opaque = true;
		else if (is_whiteout(name) && strncmp(name, WHITEOUT_META, strlen(WHITEOUT_META)) != 0 &&
			 name[strlen(WHITEOUT_PREFIX)] && (victim = find_entry(&lt, name + strlen(WHITEOUT_PREFIX))))
			gone[victim - lt.entries] = true;
	}
	if (opaque)
		memset(gone, 1, lt.n * sizeof(*gone));
	/* Both lists are sorted by name: merge them in one pass. */
	while (i < lt.n || j < ut.n) {
		int c;

		if (j < ut.n && is_whiteout(ut.entries[j].name)) {
			j++;
			continue;
		}
		if (i < lt.n && gone[i]) {
			i++;
			continue;
		}
		c = i >= lt.n ? 1 : j >= ut.n ? -1 : strcmp(lt.entries[i].name, ut.entries[j].name);
		if (c < 0) {
			res[n++] = lt.entries[i++];
			continue;
		}
		r = take_upper(m, &ut.entries[j], c == 0 ? &lt.entries[i] : NULL, &res[n++]);
		if (r < 0)
			goto out;
		j++;
		if (c == 0)
			i++;
	}
	r = cas_tree_serialize(res, n, &data, &len);
	if (r >= 0)
		r = cas_object_store(m->cas, data, len, out, &m->c);
out:
	/* res holds shallow copies of entries owned by the two trees. */
	cas_tree_clear(&lt);
	cas_tree_clear(&ut);
	m->depth--;
	return r;
}

int oci_merge_layers(volt_cas *cas, const volt_cas_hash *layers, size_t n, volt_cas_hash *out_root)
{
	struct merge m = { .cas = cas };
	volt_cas_hash cur;
	int r;

	if (n == 0) {
		_cleanup_free_ void *data = NULL;
		size_t len;

		r = cas_tree_serialize(NULL, 0, &data, &len);
		if (r < 0)
			return r;
		return cas_object_store(cas, data, len, out_root, &m.c);
	}
	for (size_t i = 0; i < n; i++) {
		volt_cas_hash next;

		m.group_base = m.group_max;
		r = merge_dir(&m, i ? &cur : NULL, &layers[i], &next);
		if (r < 0)
			return volt_error_prefix(r, "merge layer %zu", i + 1);
		cur = next;
	}
	*out_root = cur;
	return 0;
}
