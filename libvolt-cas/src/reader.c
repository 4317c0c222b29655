/*
 * Random-access reads of a disk image or a stored file without a
 * checkout (virtio-blk reads through this). Each read verifies the
 * blocks it touches; the last block read stays decoded, so sequential
 * small reads (512-byte sectors) cost one block fetch per block.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include "lookup.h"

struct volt_cas_image {
	volt_cas *cas;
	uint64_t size;
	uint32_t block_size;     /* images: fixed size; files: 0 */
	size_t n;
	volt_cas_hash *hashes;   /* zero hash: a hole */
	uint64_t *offsets;       /* files: start of block i, n + 1 entries */
	pthread_mutex_t lock;
	size_t cached;           /* index of the decoded block, or SIZE_MAX */
	uint8_t *cache;
	size_t cache_len;
};

VOLT_API int volt_cas_image_open(volt_cas_image **out, volt_cas *cas, const char *spec)
{
	struct cas_target t;
	volt_cas_image *img;
	int r;

	assert_return(out, EINVAL);
	assert_return(cas, EINVAL);
	assert_return(spec, EINVAL);
	r = cas_target_resolve(cas, spec, &t);
	if (r < 0) {
		cas_target_clear(&t);
		return r;
	}
	img = calloc(1, sizeof(*img));
	if (!img) {
		cas_target_clear(&t);
		return volt_error_set(ENOMEM, NULL);
	}
	img->cas = cas;
	img->cached = SIZE_MAX;
	pthread_mutex_init(&img->lock, NULL);
	if (t.entry) {
		struct cas_entry *e = t.entry;

		if (e->type != VOLT_CAS_ENTRY_REGULAR) {
			r = volt_error_set(e->type == VOLT_CAS_ENTRY_DIRECTORY ? EISDIR : EINVAL,
					   "%s is not a regular file", spec);
			goto fail;
		}
		img->size = e->size;
		img->n = e->n_blocks;
		img->hashes = malloc((img->n + 1) * sizeof(*img->hashes));
		img->offsets = malloc((img->n + 1) * sizeof(*img->offsets));
		if (!img->hashes || !img->offsets) {
			r = volt_error_set(ENOMEM, NULL);
			goto fail;
		}
		img->offsets[0] = 0;
		for (size_t i = 0; i < img->n; i++) {
			img->hashes[i] = e->blocks[i].hash;
			img->offsets[i + 1] = img->offsets[i] + e->blocks[i].len;
		}
	} else if (t.root_kind == CAS_OBJECT_IMAGE) {
		struct cas_image ci;

		r = cas_image_load(cas, &t.root, &ci);
		if (r < 0)
			goto fail;
		img->size = ci.size;
		img->block_size = ci.block_size;
		img->n = ci.n_blocks;
		img->hashes = TAKE_PTR(ci.blocks);
	} else {
		r = volt_error_set(EISDIR, "%s is a tree; name a file inside it with SPEC:path", spec);
		goto fail;
	}
	cas_target_clear(&t);
	*out = img;
	return 0;
fail:
	cas_target_clear(&t);
	volt_cas_image_close(img);
	return r;
}

VOLT_API uint64_t volt_cas_image_size(const volt_cas_image *img)
{
	return img ? img->size : 0;
}

VOLT_API uint32_t volt_cas_image_block_size(const volt_cas_image *img)
{
	return img ? img->block_size : 0;
}

static size_t block_index(const volt_cas_image *img, uint64_t off)
{
	size_t lo = 0, hi = img->n;

	if (img->block_size)
		return (size_t)(off / img->block_size);
	while (hi - lo > 1) { /* last i with offsets[i] <= off */
		size_t mid = (lo + hi) / 2;

		if (img->offsets[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static uint64_t block_start(const volt_cas_image *img, size_t i)
{
	return img->block_size ? (uint64_t)i * img->block_size : img->offsets[i];
}

static uint64_t block_len(const volt_cas_image *img, size_t i)
{
	uint64_t end = img->block_size ? block_start(img, i) + img->block_size : img->offsets[i + 1];

	if (end > img->size)
		end = img->size;
	return end - block_start(img, i);
}

/* Make block @i the cached one; the lock is held. */
static int load_block(volt_cas_image *img, size_t i)
{
	void *data = NULL;
	size_t len;
	int r;

	if (img->cached == i)
		return 0;
	r = cas_block_get(img->cas, &img->hashes[i], &data, &len);
	if (r < 0)
		return r;
	if (len != block_len(img, i)) {
		free(data);
		return volt_error_set(EBADMSG, "block %zu has %zu bytes, expected %llu", i, len,
				      (unsigned long long)block_len(img, i));
	}
	free(img->cache);
	img->cache = data;
	img->cache_len = len;
	img->cached = i;
	return 0;
}

VOLT_API ssize_t volt_cas_image_read(volt_cas_image *img, void *buf, size_t len, uint64_t offset)
{
	uint8_t *out = buf;
	size_t done = 0;
	int r = 0;

	assert_return(img, EINVAL);
	assert_return(buf || len == 0, EINVAL);
	if (offset >= img->size || len == 0)
		return 0;
	if (len > img->size - offset)
		len = (size_t)(img->size - offset);
	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	pthread_mutex_lock(&img->lock);
	while (done < len) {
		uint64_t off = offset + done;
		size_t i = block_index(img, off);
		uint64_t in = off - block_start(img, i);
		size_t k = (size_t)(block_len(img, i) - in);

		if (k > len - done)
			k = len - done;
		if (cas_hash_is_zero(&img->hashes[i])) {
			memset(out + done, 0, k);
		} else {
			r = load_block(img, i);
			if (r < 0)
				break;
			memcpy(out + done, img->cache + in, k);
		}
		done += k;
	}
	pthread_mutex_unlock(&img->lock);
	return r < 0 ? r : (ssize_t)done;
}

VOLT_API volt_cas_image *volt_cas_image_close(volt_cas_image *img)
{
	if (!img)
		return NULL;
	pthread_mutex_destroy(&img->lock);
	free(img->hashes);
	free(img->offsets);
	free(img->cache);
	free(img);
	return NULL;
}
