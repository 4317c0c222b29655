/*
 * Moving a Stellarium root between stores through an OCI registry as a
 * pack artifact: the blocks travel as the store keeps them (zstd or raw
 * encodings) in a few pack blobs, found through one index blob. A push
 * reads the indexes of the artifacts the repository already holds and
 * uploads packs of the new blocks only; a pull fetches only the blocks
 * its store lacks, with Range requests on the pack blobs, and stores
 * each only once it decodes to its hash. Format: docs/registry-packs.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cas-private.h"
#include "oci-internal.h"
#include "registry-http.h"
#include "shared/json-cleanup.h"
#include "walk.h"

#define ROOT_CONFIG_MAX 4096
#define RECORDS_MAX (1u << 20)
#define TRANSFER_THREADS 8
/* Raw bytes of new blocks per pack blob: big enough that a blob's
 * per-request cost vanishes, small enough that 8 upload at once. */
#define PACK_TARGET (8u << 20)
/* Ranges of one pack closer than this are fetched as one (the gap is
 * cheaper than a request); no range grows past RANGE_MAX. */
#define RANGE_GAP (256u << 10)
#define RANGE_MAX (16u << 20)
/* Artifacts whose indexes a push reads to learn what is there. */
#define TAGS_MAX 256

struct blk {
	volt_cas_hash hash;
	uint32_t raw_len;
	uint32_t len;      /* of the encoding, once known */
	uint64_t offset;
	uint32_t pack;     /* into push.packs */
};

static void digest_of_hash(char out[VOLT_IMG_DIGEST_SIZE], const volt_cas_hash *h)
{
	memcpy(out, "sha256:", 7);
	volt_cas_hash_to_hex(out + 7, h);
}

static int cmp_blk(const void *a, const void *b)
{
	return memcmp(((const struct blk *)a)->hash.bytes, ((const struct blk *)b)->hash.bytes, VOLT_CAS_HASH_SIZE);
}

/* Every block under @root (objects included) with its raw length, sorted by hash. */
static int collect_blocks(volt_cas *cas, const volt_cas_hash *root, struct blk **out, size_t *out_n,
			  uint64_t *out_bytes)
{
	struct cas_walk w = { .cas = cas };
	_cleanup_free_ struct blk *b = NULL;
	size_t n = 0;
	uint64_t bytes = 0;
	int r;

	r = cas_walk_root(&w, root);
	if (r < 0)
		goto out;
	b = calloc(w.seen.n + 1, sizeof(*b));
	if (!b) {
		r = volt_error_set(ENOMEM, NULL);
		goto out;
	}
	for (size_t i = 0; i < w.seen.cap; i++) {
		if (!w.seen.used[i])
			continue;
		b[n].hash = w.seen.keys[i];
		b[n].raw_len = w.seen.values[i];
		bytes += b[n].raw_len;
		n++;
	}
	if (n > 0)
		qsort(b, n, sizeof(*b), cmp_blk);
	*out = TAKE_PTR(b);
	*out_n = n;
	*out_bytes = bytes;
	r = 0;
out:
	cas_walk_clear(&w);
	return r;
}

/* ---- Push ---- */

struct push_pack {
	volt_cas_hash sum;
	uint64_t size;
	bool used;
	bool uploaded;
};

struct push {
	volt_cas *cas;
	struct reg_client *c;
	struct blk *b;
	size_t n;
	/* Known packs (from the repository's artifacts), then the new ones. */
	struct push_pack *packs;
	size_t n_packs, cap_packs;
	/* What the repository holds: sorted by hash, pack into packs. */
	struct reg_packidx_entry *known;
	size_t n_known, cap_known;
	/* New packs: blocks [first, first + count) of todo. */
	size_t *todo, n_todo;
	size_t *group_first;
	size_t n_groups, first_new_pack;
	struct reg_progress *prog;
	pthread_mutex_t lock;
	uint64_t bytes_sent;
};

static int push_grow(void **v, size_t *cap, size_t need, size_t size)
{
	void *p;
	size_t c = *cap ? *cap : 64;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	p = reallocarray(*v, c, size);
	if (!p)
		return volt_error_set(ENOMEM, NULL);
	*v = p;
	*cap = c;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(((const struct reg_packidx_entry *)a)->hash.bytes,
		      ((const struct reg_packidx_entry *)b)->hash.bytes, VOLT_CAS_HASH_SIZE);
}

/* A pack artifact of the repository: its index's blocks become known. */
static int learn_artifact(struct push *x, const char *tag)
{
	_cleanup_free_ char *body = NULL, *ctype = NULL;
	_cleanup_(reg_manifest_clear) struct reg_manifest m = {};
	_cleanup_(reg_packidx_clear) struct reg_packidx idx = {};
	_cleanup_free_ void *data = NULL;
	char digest[VOLT_IMG_DIGEST_SIZE];
	size_t len, base;
	int r;

	r = reg_manifest_get(x->c, tag, &body, &len, &ctype, digest);
	if (r == -ENOENT) /* deleted meanwhile */
		return 0;
	if (r < 0)
		return r;
	if (reg_manifest_parse(&m, body, len, ctype) < 0 || m.kind != REG_MANIFEST_IMAGE ||
	    strcmp(m.config.media_type, MT_VOLT_PACKS_CONFIG) != 0 || m.n < 1 ||
	    strcmp(m.items[0].media_type, MT_VOLT_PACKS_INDEX) != 0) {
		volt_error_clear();
		return 0; /* an image or an older artifact: nothing to reuse */
	}
	r = reg_blob_get_mem(x->c, m.items[0].digest, m.items[0].size, REG_PACKIDX_MAX, &data, &len, NULL);
	if (r >= 0)
		r = reg_packidx_parse(&idx, data, len);
	if (r < 0) {
		volt_log(VOLT_LOG_WARNING, "ignoring the artifact of tag %s: %s", tag, volt_error_message());
		volt_error_clear();
		return 0;
	}
	/* Reuse only packs the artifact's manifest lists (so they stay alive). */
	base = x->n_packs;
	r = push_grow((void **)&x->packs, &x->cap_packs, x->n_packs + idx.n_packs, sizeof(*x->packs));
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < idx.n_packs; i++) {
		char d[VOLT_IMG_DIGEST_SIZE];
		bool listed = false;

		digest_of_hash(d, &idx.packs[i].sum);
		for (size_t j = 1; j < m.n && !listed; j++)
			listed = strcmp(m.items[j].digest, d) == 0 && m.items[j].size == idx.packs[i].size &&
				 strcmp(m.items[j].media_type, MT_VOLT_PACK) == 0;
		if (!listed) {
			volt_log(VOLT_LOG_WARNING, "ignoring the artifact of tag %s: its index names pack %s, "
				 "which its manifest does not list", tag, d);
			x->n_packs = base;
			return 0;
		}
		x->packs[x->n_packs++] = (struct push_pack){ .sum = idx.packs[i].sum, .size = idx.packs[i].size };
	}
	r = push_grow((void **)&x->known, &x->cap_known, x->n_known + idx.n, sizeof(*x->known));
	if (r < 0)
		return r;
	for (uint64_t i = 0; i < idx.n; i++) {
		x->known[x->n_known] = idx.e[i];
		x->known[x->n_known++].pack = (uint32_t)(base + idx.e[i].pack);
	}
	return 1;
}

static int learn_repository(struct push *x)
{
	char **tags = NULL;
	size_t n = 0;
	int r;

	r = reg_tags_list(x->c, &tags);
	if (r < 0)
		return r;
	for (size_t i = 0; tags[i] && r >= 0; i++) {
		if (n >= TAGS_MAX) {
			volt_log(VOLT_LOG_DEBUG, "reading only %d tags' indexes", TAGS_MAX);
			break;
		}
		r = learn_artifact(x, tags[i]);
		if (r > 0)
			n++;
	}
	volt_strv_free(tags);
	if (r < 0)
		return r;
	if (x->n_known > 0) /* qsort() of NULL is undefined, even for 0 entries */
		qsort(x->known, x->n_known, sizeof(*x->known), cmp_entry);
	return 0;
}

static const struct reg_packidx_entry *known_find(const struct push *x, const volt_cas_hash *h)
{
	struct reg_packidx_entry key = { .hash = *h };

	return x->n_known ? bsearch(&key, x->known, x->n_known, sizeof(key), cmp_entry) : NULL;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Build new pack @g from the store's encodings and upload it. */
static int push_pack_item(struct reg_client *c, size_t g, void *userdata)
{
	struct push *x = userdata;
	size_t first = x->group_first[g], end = x->group_first[g + 1];
	struct push_pack *pk = &x->packs[x->first_new_pack + g];
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len = REG_PACK_HEADER, cap = 0;
	char digest[VOLT_IMG_DIGEST_SIZE];
	int r = 0;

	for (size_t i = first; i < end; i++)
		cap += REG_PACK_RECORD_HEADER + CAS_BLOCK_HEADER + x->b[x->todo[i]].raw_len;
	buf = malloc(cap + REG_PACK_HEADER);
	if (!buf)
		return volt_error_set(ENOMEM, NULL);
	memcpy(buf, "VOLTPACK", 8);
	put_le32(buf + 8, 1);
	put_le32(buf + 12, 0);
	for (size_t i = first; i < end; i++) {
		struct blk *b = &x->b[x->todo[i]];
		_cleanup_free_ uint8_t *enc = NULL;
		size_t enc_len, need;

		/* As stored (zstd or raw), read back verified: a corrupt local
		 * block is never published. */
		r = cas_block_get_encoded(x->cas, &b->hash, (void **)&enc, &enc_len);
		if (r < 0)
			break;
		if (enc_len < CAS_BLOCK_HEADER || enc_len > UINT32_MAX) {
			r = volt_error_set(EBADMSG, "the store gave a block of %zu bytes", enc_len);
			break;
		}
		/* The walk leaves subtrees' raw length 0: the room is made here. */
		need = len + REG_PACK_RECORD_HEADER + enc_len;
		if (need > cap + REG_PACK_HEADER) {
			uint8_t *nb;

			cap = need * 2;
			nb = realloc(buf, cap + REG_PACK_HEADER);
			if (!nb) {
				r = volt_error_set(ENOMEM, NULL);
				break;
			}
			buf = nb;
		}
		memcpy(buf + len, b->hash.bytes, VOLT_CAS_HASH_SIZE);
		b->len = (uint32_t)enc_len;
		put_le32(buf + len + VOLT_CAS_HASH_SIZE, b->len);
		len += REG_PACK_RECORD_HEADER;
		memcpy(buf + len, enc, enc_len);
		b->offset = len;
		b->raw_len = cas_block_raw_len(enc);
		b->pack = (uint32_t)(x->first_new_pack + g);
		len += b->len;
	}
	if (r < 0)
		return r;
	cas_sha256(&pk->sum, buf, len);
	pk->size = len;
	pk->used = true;
	digest_of_hash(digest, &pk->sum);
	r = reg_blob_exists(c, digest);
	if (r < 0)
		return r;
	if (r == 0) {
		r = reg_blob_put(c, digest, buf, len);
		if (r < 0)
			return r;
		pthread_mutex_lock(&x->lock);
		x->bytes_sent += len;
		pthread_mutex_unlock(&x->lock);
		reg_progress_add(x->prog, len, false);
		pk->uploaded = true;
	}
	return (int)(end - first) > 0 ? 1 : 0;
}

static int put_blob_once(struct push *x, const void *data, size_t len, char digest[VOLT_IMG_DIGEST_SIZE])
{
	int r;

	reg_digest_of(digest, data, len);
	r = reg_blob_exists(x->c, digest);
	if (r == 0) {
		r = reg_blob_put(x->c, digest, data, len);
		if (r >= 0)
			x->bytes_sent += len;
	}
	return r < 0 ? r : 0;
}

/* The image records (oci/images/) whose record tree is @root: they travel with it. */
static int records_of_root(volt_cas *cas, const volt_cas_hash *root, char **out)
{
	_cleanup_json_ json_t *all = NULL, *mine = json_array();
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	json_t *rec;
	size_t i;
	int r;

	if (!mine)
		return volt_error_set(ENOMEM, NULL);
	r = oci_record_list(cas, true, &all);
	if (r < 0)
		return r;
	volt_cas_hash_to_hex(hex, root);
	json_array_foreach(all, i, rec) {
		const char *t = json_string_value(json_object_get(rec, "record"));

		if (t && strcmp(t, hex) == 0 && json_array_append(mine, rec) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	*out = NULL;
	if (json_array_size(mine) == 0)
		return 0;
	*out = json_dumps(mine, JSON_COMPACT);
	return *out ? 0 : volt_error_set(ENOMEM, NULL);
}

static void push_clear(struct push *x)
{
	free(x->b);
	free(x->packs);
	free(x->known);
	free(x->todo);
	free(x->group_first);
}

static int layer_append(json_t *layers, const char *mt, const char *digest, uint64_t size)
{
	if (json_array_append_new(layers, json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", digest, "size",
						    (json_int_t)size)) < 0)
		return volt_error_set(ENOMEM, NULL);
	return 0;
}

VOLT_API int volt_img_registry_push(volt_img_registry_result *out, volt_cas *cas, const char *spec,
				    const char *dest, const volt_img_registry_options *opts)
{
	volt_img_registry_options o;
	_cleanup_(reg_ref_clear) struct reg_ref ref = {};
	_cleanup_(reg_client_freep) struct reg_client *c = NULL;
	_cleanup_(push_clear) struct push x = { .cas = cas, .lock = PTHREAD_MUTEX_INITIALIZER };
	volt_img_registry_result res = VOLT_IMG_REGISTRY_RESULT_INIT;
	struct reg_progress prog = { .res = &res };
	_cleanup_free_ char *config = NULL, *manifest = NULL, *records = NULL;
	_cleanup_free_ void *idx_blob = NULL;
	_cleanup_free_ uint32_t *remap = NULL;
	_cleanup_json_ json_t *layers = NULL, *m = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE], config_digest[VOLT_IMG_DIGEST_SIZE], idx_digest[VOLT_IMG_DIGEST_SIZE];
	struct reg_packidx idx = {};
	volt_cas_hash root;
	size_t idx_len;
	uint64_t bytes = 0, acc;
	uint32_t used = 0;
	int r, kind;

	assert_return(cas, EINVAL);
	assert_return(spec, EINVAL);
	assert_return(dest, EINVAL);
	assert_return(!out || VERSION_SUPPORTED(out->version, VOLT_IMG_REGISTRY_RESULT_VERSION), EINVAL);
	assert_return(!opts || VERSION_SUPPORTED(opts->version, VOLT_IMG_REGISTRY_OPTIONS_VERSION), EINVAL);

	reg_options_init(&o, opts);
	r = reg_ref_parse(&ref, dest);
	if (r < 0)
		return r;
	if (!ref.tag)
		return volt_error_set(EINVAL, "push needs a tag to put the artifact under, not a digest: %s", dest);
	r = reg_client_new(&c, &ref, &o);
	if (r < 0)
		return r;
	c->push = true;
	x.c = c;
	x.prog = &prog;
	prog.fn = o.progress;
	prog.userdata = o.userdata;
	r = volt_cas_resolve(&root, cas, spec);
	if (r < 0)
		return r;
	{
		_cleanup_free_ void *data = NULL;
		size_t len;

		r = cas_block_get(cas, &root, &data, &len);
		kind = r < 0 ? r : cas_object_kind(data, len);
		if (kind < 0)
			return volt_error_prefix(kind, "root %s", spec);
	}
	r = collect_blocks(cas, &root, &x.b, &x.n, &bytes);
	if (r < 0)
		return volt_error_prefix(r, "push %s", spec);
	r = records_of_root(cas, &root, &records);
	if (r < 0)
		return volt_error_prefix(r, "push %s", spec);
	res.root = root;
	res.objects = x.n;

	r = learn_repository(&x);
	if (r < 0)
		return volt_error_prefix(r, "push %s: what %s holds", spec, dest);

	/* Blocks the repository has point into its packs; the rest go into new ones. */
	x.todo = calloc(x.n + 1, sizeof(*x.todo));
	x.group_first = calloc(x.n + 2, sizeof(*x.group_first));
	if (!x.todo || !x.group_first)
		return volt_error_set(ENOMEM, NULL);
	for (size_t i = 0; i < x.n; i++) {
		const struct reg_packidx_entry *k = known_find(&x, &x.b[i].hash);

		if (k) {
			x.b[i].pack = k->pack;
			x.b[i].offset = k->offset;
			x.b[i].len = k->len;
			x.b[i].raw_len = k->raw_len;
			x.packs[k->pack].used = true;
			res.objects_skipped++;
		} else {
			x.todo[x.n_todo++] = i;
		}
	}
	acc = 0;
	for (size_t i = 0; i < x.n_todo; i++) {
		if (i == 0 || acc >= PACK_TARGET) {
			x.group_first[x.n_groups++] = i;
			acc = 0;
		}
		acc += x.b[x.todo[i]].raw_len;
	}
	x.group_first[x.n_groups] = x.n_todo;
	x.first_new_pack = x.n_packs;
	r = push_grow((void **)&x.packs, &x.cap_packs, x.n_packs + x.n_groups + 1, sizeof(*x.packs));
	if (r < 0)
		return r;
	memset(x.packs + x.n_packs, 0, (x.n_groups + 1) * sizeof(*x.packs));
	x.n_packs += x.n_groups;
	reg_progress_tick(&prog, false);
	r = reg_parallel(c, x.n_groups, TRANSFER_THREADS, push_pack_item, &x, &prog);
	if (r < 0)
		return volt_error_prefix(r, "push %s", spec);
	/* reg_parallel counted packs; report blocks. */
	res.objects_transferred = x.n_todo;
	res.objects_skipped = x.n - x.n_todo;

	/* The index: every block, the packs it uses renumbered densely. */
	remap = calloc(x.n_packs + 1, sizeof(*remap));
	idx.packs = calloc(x.n_packs + 1, sizeof(*idx.packs));
	idx.e = calloc(x.n + 1, sizeof(*idx.e));
	if (!remap || !idx.packs || !idx.e) {
		free(idx.packs);
		free(idx.e);
		return volt_error_set(ENOMEM, NULL);
	}
	layers = json_array();
	if (!layers) {
		r = volt_error_set(ENOMEM, NULL);
		goto fail_idx;
	}
	for (size_t i = 0; i < x.n_packs; i++) {
		if (!x.packs[i].used)
			continue;
		/* Two artifacts may list one pack: once is enough. */
		for (uint32_t j = 0; j < used && !remap[i]; j++)
			if (memcmp(idx.packs[j].sum.bytes, x.packs[i].sum.bytes, VOLT_CAS_HASH_SIZE) == 0)
				remap[i] = j + 1;
		if (remap[i])
			continue;
		idx.packs[used].sum = x.packs[i].sum;
		idx.packs[used].size = x.packs[i].size;
		remap[i] = ++used;
	}
	idx.n_packs = used;
	idx.n = x.n;
	idx.root = root;
	for (size_t i = 0; i < x.n; i++)
		idx.e[i] = (struct reg_packidx_entry){ .hash = x.b[i].hash, .pack = remap[x.b[i].pack] - 1,
						       .len = x.b[i].len, .offset = x.b[i].offset,
						       .raw_len = x.b[i].raw_len };
	r = reg_packidx_build(&idx_blob, &idx_len, &idx);
	if (r < 0)
		goto fail_idx;
	r = put_blob_once(&x, idx_blob, idx_len, idx_digest);
	if (r < 0)
		goto fail_idx;
	r = layer_append(layers, MT_VOLT_PACKS_INDEX, idx_digest, idx_len);
	for (uint32_t j = 0; j < used && r >= 0; j++) {
		char d[VOLT_IMG_DIGEST_SIZE];

		digest_of_hash(d, &idx.packs[j].sum);
		r = layer_append(layers, MT_VOLT_PACK, d, idx.packs[j].size);
	}
	if (r >= 0 && records) {
		char d[VOLT_IMG_DIGEST_SIZE];

		r = put_blob_once(&x, records, strlen(records), d);
		if (r >= 0)
			r = layer_append(layers, MT_VOLT_IMAGE_RECORD, d, strlen(records));
	}
fail_idx:
	free(idx.packs);
	free(idx.e);
	if (r < 0)
		return r;

	if (asprintf(&config,
		     "{\"stellarium\":2,\"root\":\"%s\",\"kind\":\"%s\",\"blocks\":%zu,\"bytes\":%llu,\"packs\":%u}",
		     volt_cas_hash_to_hex(hex, &root), kind == CAS_OBJECT_TREE ? "tree" : "image", x.n,
		     (unsigned long long)bytes, used) < 0) {
		config = NULL;
		return volt_error_set(ENOMEM, NULL);
	}
	r = put_blob_once(&x, config, strlen(config), config_digest);
	if (r < 0)
		return r;
	m = json_pack("{s:i, s:s, s:s, s:{s:s, s:s, s:I}, s:O}", "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST,
		      "artifactType", MT_VOLT_PACKS_ARTIFACT, "config", "mediaType", MT_VOLT_PACKS_CONFIG, "digest",
		      config_digest, "size", (json_int_t)strlen(config), "layers", layers);
	if (!m || !(manifest = json_dumps(m, JSON_COMPACT)))
		return volt_error_set(ENOMEM, NULL);
	r = reg_manifest_put(c, ref.tag, MT_OCI_MANIFEST, manifest, strlen(manifest));
	if (r < 0)
		return r;
	x.bytes_sent += strlen(manifest);
	reg_digest_of(res.digest, manifest, strlen(manifest));
	res.bytes_transferred = res.bytes_total = x.bytes_sent;
	reg_progress_tick(&prog, true);
	if (out)
		*out = res;
	return 0;
}

/* ---- Pull ---- */

static const char *const packs_config_keys[] = { "stellarium", "root", "kind", "blocks", "bytes", "packs", NULL };

struct range_job {
	uint32_t pack;
	uint64_t off, len;
	size_t first, count;   /* into pull.miss */
};

struct pull {
	volt_cas *cas;
	const struct reg_packidx *idx;
	char (*digests)[VOLT_IMG_DIGEST_SIZE];  /* of idx->packs */
	uint64_t *miss;        /* entries to fetch, by pack and offset */
	size_t n_miss;
	struct range_job *jobs;
	size_t n_jobs;
	bool whole;            /* fetch whole packs: the registry ignores Range */
	bool saw_whole;
	struct reg_progress *prog;
	pthread_mutex_t lock;
};

static int cmp_miss(const void *a, const void *b, void *userdata)
{
	const struct reg_packidx *idx = userdata;
	const struct reg_packidx_entry *x = &idx->e[*(const uint64_t *)a], *y = &idx->e[*(const uint64_t *)b];

	if (x->pack != y->pack)
		return x->pack < y->pack ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Neighbouring blocks of one pack become one range (or each pack one job in @whole mode). */
static int build_jobs(struct pull *x)
{
	free(x->jobs);
	x->n_jobs = 0;
	x->jobs = calloc(x->n_miss + 1, sizeof(*x->jobs));
	if (!x->jobs)
		return volt_error_set(ENOMEM, NULL);
	for (size_t k = 0; k < x->n_miss; k++) {
		const struct reg_packidx_entry *e = &x->idx->e[x->miss[k]];
		struct range_job *j = x->n_jobs ? &x->jobs[x->n_jobs - 1] : NULL;
		uint64_t end = e->offset + e->len;

		if (j && j->pack == e->pack &&
		    (x->whole || (e->offset <= j->off + j->len + RANGE_GAP && end - j->off <= RANGE_MAX))) {
			if (end > j->off + j->len)
				j->len = end - j->off;
			j->count++;
			continue;
		}
		x->jobs[x->n_jobs++] = (struct range_job){ .pack = e->pack, .off = e->offset, .len = e->len,
							   .first = k, .count = 1 };
	}
	if (x->whole)
		for (size_t i = 0; i < x->n_jobs; i++) {
			x->jobs[i].off = 0;
			x->jobs[i].len = x->idx->packs[x->jobs[i].pack].size;
		}
	return 0;
}

/* Store block @h from its encoding in a pack blob (untrusted), as it is
 * (zstd, raw, or LZ4 from an older store) once it decodes to @h; a raw
 * length other than the index's (checked against the maximum) is refused
 * before anything is allocated for it. */
static int block_store(volt_cas *cas, const volt_cas_hash *h, const uint8_t *enc, size_t len, uint32_t expect_raw_len,
		       uint32_t *out_raw_len)
{
	uint32_t raw_len;

	if (len < CAS_BLOCK_HEADER)
		return volt_error_set(EBADMSG, "block of %zu bytes is shorter than its header", len);
	raw_len = cas_block_raw_len(enc);
	if (raw_len != expect_raw_len)
		return volt_error_set(EBADMSG, "corrupt block header: %u bytes, the index says %u", raw_len,
				      expect_raw_len);
	return cas_block_put_encoded(cas, h, enc, len, out_raw_len);
}

static int pull_item(struct reg_client *c, size_t i, void *userdata)
{
	struct pull *x = userdata;
	const struct range_job *j = &x->jobs[i];
	const struct reg_packidx_pack *pk = &x->idx->packs[j->pack];
	const char *digest = x->digests[j->pack];
	_cleanup_free_ uint8_t *data = NULL;
	size_t len;
	uint64_t base = j->off;
	bool whole = false;
	int r;

	if (x->whole) {
		r = reg_blob_get_mem(c, digest, pk->size, SIZE_MAX, (void **)&data, &len, x->prog);
		whole = true;
	} else {
		r = reg_blob_get_range(c, digest, pk->size, j->off, j->len, (void **)&data, &len, &whole, x->prog);
	}
	if (r < 0)
		return r;
	if (whole) {
		base = 0;
		pthread_mutex_lock(&x->lock);
		x->saw_whole = true;
		pthread_mutex_unlock(&x->lock);
	}
	for (size_t k = j->first; k < j->first + j->count; k++) {
		const struct reg_packidx_entry *e = &x->idx->e[x->miss[k]];
		char hex[VOLT_CAS_HASH_HEX_SIZE];
		uint32_t raw_len;

		/* The range covers every block of the job (build_jobs), and
		 * the answer was exactly its length or the whole blob. */
		if (e->offset < base || e->offset - base > len || e->len > len - (e->offset - base))
			return volt_error_set(EBADMSG, "blob %s: block %s lies outside what was fetched", digest,
					      volt_cas_hash_to_hex(hex, &e->hash));
		r = block_store(x->cas, &e->hash, data + (e->offset - base), e->len, e->raw_len, &raw_len);
		if (r >= 0 && raw_len != e->raw_len)
			r = volt_error_set(EBADMSG, "the index says %u bytes, the block has %u", e->raw_len, raw_len);
		if (r < 0)
			return volt_error_prefix(r, "blob %s at %llu: block %s", digest,
						 (unsigned long long)e->offset, volt_cas_hash_to_hex(hex, &e->hash));
	}
	return 1;
}

/* The record's rootfs is the root's "rootfs" directory: what volt run
 * starts is data the pull fetched and checked, not another tree. */
static int record_trees_check(volt_cas *cas, const volt_cas_hash *root, json_t *rec)
{
	struct cas_tree t = {};
	volt_cas_hash rootfs;
	bool ok = false;
	int r;

	r = volt_cas_hash_from_hex(&rootfs, json_string_value(json_object_get(rec, "rootfs")));
	if (r < 0)
		return r;
	r = cas_tree_load(cas, root, &t);
	if (r < 0)
		return volt_error_set(EBADMSG, "the root is not a record tree");
	for (size_t i = 0; i < t.n && !ok; i++)
		ok = strcmp(t.entries[i].name, "rootfs") == 0 &&
		     memcmp(t.entries[i].hash.bytes, rootfs.bytes, VOLT_CAS_HASH_SIZE) == 0;
	cas_tree_clear(&t);
	return ok ? 0 : volt_error_set(EBADMSG, "its rootfs is not the root's rootfs/ directory");
}

/* A pull names things on this host: ref @tag and the image records that
 * came with the root. Neither may silently take a name this store gives to
 * other content: that is -EEXIST unless @force. Run before the download
 * (to fail early) and again under the lock, before anything is written. */
int reg_pull_names_check(volt_cas *cas, const char *tag, const volt_cas_hash *root, json_t *records, bool force)
{
	char hex[VOLT_CAS_HASH_HEX_SIZE], old_hex[VOLT_CAS_HASH_HEX_SIZE];
	volt_cas_hash old;
	json_t *rec;
	size_t i;
	int r;

	if (force)
		return 0;
	volt_cas_hash_to_hex(hex, root);
	if (tag) {
		r = volt_cas_ref_get(&old, cas, tag);
		if (r >= 0 && memcmp(old.bytes, root->bytes, VOLT_CAS_HASH_SIZE) != 0)
			return volt_error_set(EEXIST, "ref %s already points at another root (%.12s, the pull brings "
					      "%.12s); force (--force) replaces it", tag,
					      volt_cas_hash_to_hex(old_hex, &old), hex);
		if (r < 0 && r != -ENOENT)
			return r;
		volt_error_clear();
	}
	json_array_foreach(records, i, rec) {
		const char *name = json_string_value(json_object_get(rec, "name"));
		_cleanup_json_ json_t *have = NULL;
		const char *t;

		if (!name)
			continue; /* malformed: refused when the records are checked */
		r = oci_record_read(cas, name, &have);
		if (r == -ENOENT) {
			volt_error_clear();
			continue;
		}
		if (r < 0)
			return r;
		t = json_string_value(json_object_get(have, "record"));
		if (!t || strcmp(t, hex) != 0)
			return volt_error_set(EEXIST, "image %s is already in this store with other content (record "
					      "tree %.12s, the pull brings %.12s); force (--force) replaces it", name,
					      t ? t : "unknown", hex);
	}
	return 0;
}

/* The records of the artifact (untrusted), each checked: an array. */
static int records_parse(json_t **out, volt_cas *cas, const volt_cas_hash *root, const char *data, size_t len,
			 const char *src, bool check_trees)
{
	_cleanup_json_ json_t *arr = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	json_t *rec;
	size_t i;
	int r;

	r = volt_json_parse(&arr, data, len);
	if (r < 0 || !json_is_array(arr))
		return volt_error_set(EBADMSG, "%s: malformed image records", src);
	volt_cas_hash_to_hex(hex, root);
	json_array_foreach(arr, i, rec) {
		if (!json_is_object(rec) || oci_record_check(rec, "in the artifact") < 0 ||
		    strcmp(json_string_value(json_object_get(rec, "record")), hex) != 0)
			return volt_error_set(EBADMSG, "%s: image record %zu is malformed or names another root", src, i);
		if (check_trees && (r = record_trees_check(cas, root, rec)) < 0)
			return volt_error_prefix(r, "%s: image record %zu", src, i);
	}
	*out = TAKE_PTR(arr);
	return 0;
}

/* Undo the record of @name: back to @old, or gone (with its root ref). */
static void record_restore(volt_cas *cas, const char *name, json_t *old)
{
	char file[VOLT_CAS_HASH_HEX_SIZE];
	volt_cas_hash h;

	if (old) {
		(void)oci_record_write(cas, name, old);
		return;
	}
	(void)oci_record_remove(cas, name);
	cas_sha256(&h, name, strlen(name));
	(void)oci_root_drop(cas, OCI_ROOT_IMAGE, volt_cas_hash_to_hex(file, &h));
}

/* The pull's names, all or nothing: ref @tag, then the records; a record
 * that cannot be written puts back every record before it and the ref as
 * it was. The data is durable before any of them names it. The caller
 * holds the store's lock. */
static int pull_commit(volt_cas *cas, const volt_cas_hash *root, const char *tag, json_t *records, bool force)
{
	size_t n = json_array_size(records), done = 0;
	_cleanup_free_ json_t **old = calloc(n + 1, sizeof(*old));
	_cleanup_free_ char *msg = NULL;
	volt_cas_hash old_ref;
	bool had_ref = false;
	int r;

	if (!old)
		return volt_error_set(ENOMEM, NULL);
	r = reg_pull_names_check(cas, tag, root, records, force);
	if (r < 0)
		return r;
	if (tag) {
		r = volt_cas_ref_get(&old_ref, cas, tag);
		had_ref = r >= 0;
		if (r < 0 && r != -ENOENT)
			return r;
		volt_error_clear();
	}
	for (size_t i = 0; i < n; i++) {
		r = oci_record_read(cas, json_string_value(json_object_get(json_array_get(records, i), "name")), &old[i]);
		if (r < 0 && r != -ENOENT)
			goto out;
		volt_error_clear();
	}
	/* Packs durable (published) before any ref or record names them. */
	r = cas_sync(cas);
	if (r >= 0 && tag)
		r = cas_ref_set_locked(cas, tag, root);
	if (r >= 0 && tag)
		r = cas_sync(cas);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		json_t *rec = json_array_get(records, i);
		const char *name = json_string_value(json_object_get(rec, "name"));

		done = i + 1; /* tried: maybe half-written */
		r = oci_record_write(cas, name, rec);
		if (r < 0)
			r = volt_error_prefix(r, "image %s", name);
	}
	if (r >= 0)
		goto out;
	/* Keep the first error's message through the undoing. */
	msg = strdup(volt_error_message());
	for (size_t i = done; i-- > 0;)
		record_restore(cas, json_string_value(json_object_get(json_array_get(records, i), "name")), old[i]);
	if (tag) {
		if (had_ref)
			(void)cas_ref_set_locked(cas, tag, &old_ref);
		else
			(void)volt_cas_ref_delete(cas, tag);
	}
	r = volt_error_set(-r, "%s (nothing was named: the ref and image records are as before)",
			   msg ? msg : "writing the pull's names failed");
out:
	for (size_t i = 0; i < n; i++)
		json_decref(old[i]);
	return r;
}

static void pull_clear(struct pull *x)
{
	free(x->digests);
	free(x->miss);
	free(x->jobs);
}

static int fetch_packs(volt_cas_hash *out_root, volt_img_registry_result *out, volt_cas *cas, struct reg_client *c,
		       const struct reg_manifest *m, const char *src, const char *tag, bool force,
		       volt_img_registry_result *res, struct reg_progress *prog)
{
	_cleanup_json_ json_t *recs = NULL;
	_cleanup_(reg_packidx_clear) struct reg_packidx idx = {};
	_cleanup_(pull_clear) struct pull x = { .cas = cas, .idx = &idx, .prog = prog,
						.lock = PTHREAD_MUTEX_INITIALIZER };
	_cleanup_free_ void *config = NULL, *idx_data = NULL, *records = NULL;
	_cleanup_close_ int lock = -1;
	const struct reg_descriptor *rec_layer = NULL;
	size_t config_len, idx_len, records_len = 0;
	volt_cas_hash root;
	int r;

	r = reg_blob_get_mem(c, m->config.digest, m->config.size, ROOT_CONFIG_MAX, &config, &config_len, NULL);
	if (r < 0)
		return r;
	r = reg_artifact_config_parse(&root, config, config_len, packs_config_keys, 2);
	if (r < 0)
		return volt_error_prefix(r, "%s", src);
	if (m->n < 1 || strcmp(m->items[0].media_type, MT_VOLT_PACKS_INDEX) != 0)
		return volt_error_set(EBADMSG, "%s: the artifact's first layer is not a pack index", src);
	for (size_t i = 1; i < m->n; i++) {
		if (strcmp(m->items[i].media_type, MT_VOLT_IMAGE_RECORD) == 0 && !rec_layer)
			rec_layer = &m->items[i];
		else if (strcmp(m->items[i].media_type, MT_VOLT_PACK) != 0)
			return volt_error_set(EPROTONOSUPPORT, "%s: layer %zu has media type %.100s, not a Stellarium pack",
					      src, i, m->items[i].media_type);
	}
	r = reg_blob_get_mem(c, m->items[0].digest, m->items[0].size, REG_PACKIDX_MAX, &idx_data, &idx_len, NULL);
	if (r < 0)
		return r;
	r = reg_packidx_parse(&idx, idx_data, idx_len);
	if (r < 0)
		return volt_error_prefix(r, "%s", src);
	if (memcmp(idx.root.bytes, root.bytes, VOLT_CAS_HASH_SIZE) != 0)
		return volt_error_set(EBADMSG, "%s: the pack index is for another root than the config's", src);
	/* Each pack the index names is a layer of the manifest, of the same size. */
	x.digests = calloc(idx.n_packs + 1, sizeof(*x.digests));
	if (!x.digests)
		return volt_error_set(ENOMEM, NULL);
	for (uint32_t p = 0; p < idx.n_packs; p++) {
		bool listed = false;

		digest_of_hash(x.digests[p], &idx.packs[p].sum);
		for (size_t i = 1; i < m->n && !listed; i++)
			listed = strcmp(m->items[i].digest, x.digests[p]) == 0 && m->items[i].size == idx.packs[p].size;
		if (!listed)
			return volt_error_set(EBADMSG, "%s: the pack index names pack %s (%llu bytes), which the "
					      "manifest does not list", src, x.digests[p],
					      (unsigned long long)idx.packs[p].size);
	}
	if (rec_layer) {
		r = reg_blob_get_mem(c, rec_layer->digest, rec_layer->size, RECORDS_MAX, &records, &records_len, NULL);
		if (r < 0)
			return r;
		r = records_parse(&recs, cas, &root, records, records_len, src, false);
		if (r < 0)
			return r;
	}
	/* Before a byte is fetched: a pull that could not name its root fails now. */
	r = reg_pull_names_check(cas, tag, &root, recs, force);
	if (r < 0)
		return volt_error_prefix(r, "%s", src);
	res->root = root;
	res->objects = idx.n;

	/* Held until the ref is written, so that gc keeps what we find present. */
	r = cas_lock(cas, false, true, &lock);
	if (r < 0)
		return r;
	x.miss = calloc(idx.n + 1, sizeof(*x.miss));
	if (!x.miss)
		return volt_error_set(ENOMEM, NULL);
	for (uint64_t i = 0; i < idx.n; i++) {
		r = cas_block_exists(cas, &idx.e[i].hash);
		if (r < 0)
			return r;
		if (r == 0) {
			x.miss[x.n_miss++] = i;
			res->bytes_total += idx.e[i].len;
		}
	}
	res->objects_skipped = idx.n - x.n_miss;
	if (x.n_miss > 0)
		qsort_r(x.miss, x.n_miss, sizeof(*x.miss), cmp_miss, &idx);
	r = build_jobs(&x);
	if (r < 0)
		return r;
	reg_progress_tick(prog, false);

	/* One range alone first: a registry that ignores Range answers it with
	 * the whole blob, and then every pack is fetched whole, once. */
	if (x.n_jobs) {
		r = reg_parallel(c, 1, 1, pull_item, &x, prog);
		if (r >= 0 && x.saw_whole) {
			volt_log(VOLT_LOG_INFO, "%s ignores Range requests: fetching whole packs", src);
			x.whole = true;
			size_t keep = 0;

			for (size_t k = 0; k < x.n_miss; k++) {
				int e = cas_block_exists(cas, &idx.e[x.miss[k]].hash);

				if (e < 0)
					return e;
				if (e == 0)
					x.miss[keep++] = x.miss[k];
			}
			x.n_miss = keep;
			r = build_jobs(&x);
			if (r >= 0)
				r = reg_parallel(c, x.n_jobs, TRANSFER_THREADS, pull_item, &x, prog);
		} else if (r >= 0 && x.n_jobs > 1) {
			/* Shift past the probe: items are numbered from 0. */
			x.jobs++;
			r = reg_parallel(c, x.n_jobs - 1, TRANSFER_THREADS, pull_item, &x, prog);
			x.jobs--;
		}
		if (r < 0)
			return volt_error_prefix(r, "%s", src);
	}
	res->objects_transferred = res->objects - res->objects_skipped;

	r = reg_dag_check(cas, &root);
	if (r < 0)
		return volt_error_prefix(r, "%s", src);
	/* The records' rootfs is data this pull checked (now that it is here). */
	for (size_t i = 0; i < json_array_size(recs); i++) {
		r = record_trees_check(cas, &root, json_array_get(recs, i));
		if (r < 0)
			return volt_error_prefix(r, "%s: image record %zu", src, i);
	}
	r = pull_commit(cas, &root, tag, recs, force);
	if (r < 0)
		return volt_error_prefix(r, "%s", src);
	reg_progress_tick(prog, true);
	*out_root = root;
	if (out)
		*out = *res;
	return 0;
}

VOLT_API int volt_img_registry_fetch(volt_cas_hash *out_root, volt_img_registry_result *out, volt_cas *cas,
				     const char *src, const char *tag, const volt_img_registry_options *opts)
{
	volt_img_registry_options o;
	_cleanup_(reg_ref_clear) struct reg_ref ref = {};
	_cleanup_(reg_client_freep) struct reg_client *c = NULL;
	_cleanup_(reg_manifest_clear) struct reg_manifest m = {};
	volt_img_registry_result res = VOLT_IMG_REGISTRY_RESULT_INIT;
	struct reg_progress prog = { .res = &res };
	_cleanup_free_ char *body = NULL, *ctype = NULL;
	size_t len;
	int r;

	assert_return(cas, EINVAL);
	assert_return(src, EINVAL);
	assert_return(out_root, EINVAL);
	assert_return(!out || VERSION_SUPPORTED(out->version, VOLT_IMG_REGISTRY_RESULT_VERSION), EINVAL);
	assert_return(!opts || VERSION_SUPPORTED(opts->version, VOLT_IMG_REGISTRY_OPTIONS_VERSION), EINVAL);

	if (tag && (r = cas_ref_name_check(tag)) < 0)
		return r;
	reg_options_init(&o, opts);
	r = reg_ref_parse(&ref, src);
	if (r < 0)
		return r;
	r = reg_client_new(&c, &ref, &o);
	if (r < 0)
		return r;
	prog.fn = o.progress;
	prog.userdata = o.userdata;
	r = reg_manifest_get(c, ref.digest ? ref.digest : ref.tag, &body, &len, &ctype, res.digest);
	if (r < 0)
		return r;
	r = reg_manifest_parse(&m, body, len, ctype);
	if (r < 0)
		return volt_error_prefix(r, "%s", src);
	if (m.kind == REG_MANIFEST_IMAGE && strcmp(m.config.media_type, MT_VOLT_CONFIG) == 0)
		/* The 0.4-development layout, one blob per block: still pulled. */
		return reg_dag_fetch(out_root, out, cas, c, &m, src, tag, o.flags & VOLT_IMG_REGISTRY_FORCE, &res, &prog);
	if (m.kind != REG_MANIFEST_IMAGE || strcmp(m.config.media_type, MT_VOLT_PACKS_CONFIG) != 0)
		return volt_error_set(EPROTONOSUPPORT, "%s is not a Stellarium artifact (config type %s); "
				      "images are pulled with volt image pull", src,
				      m.kind == REG_MANIFEST_IMAGE ? m.config.media_type : "none: an index");
	return fetch_packs(out_root, out, cas, c, &m, src, tag, o.flags & VOLT_IMG_REGISTRY_FORCE, &res, &prog);
}
