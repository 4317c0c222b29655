/*
 * Import a raw disk image as fixed, aligned blocks, so that a sector
 * read maps to one block. All-zero blocks become holes and are not
 * stored. Blocks are hashed, compressed and written by the pool.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import.h"

struct block_job {
	volt_cas *cas;
	struct cas_counters *c;
	uint8_t *data;
	size_t len;
	volt_cas_hash *slot;
};

static void block_job_free(void *arg)
{
	struct block_job *j = arg;

	free(j->data);
	free(j);
}

static bool all_zero(const uint8_t *p, size_t len)
{
	static const uint8_t zero[4096];

	for (size_t off = 0; off < len; off += sizeof(zero)) {
		size_t n = len - off < sizeof(zero) ? len - off : sizeof(zero);

		if (memcmp(p + off, zero, n) != 0)
			return false;
	}
	return true;
}

static int block_job_run(void *arg)
{
	struct block_job *j = arg;

	cas_count(j->c, bytes, j->len);
	if (all_zero(j->data, j->len)) {
		memset(j->slot, 0, sizeof(*j->slot));
		cas_count(j->c, blocks, 1);
		return 0;
	}
	return cas_block_put(j->cas, j->data, j->len, j->slot, j->c);
}

static int read_full(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* shrank while we read it */
		got += (size_t)n;
	}
	return 0;
}

VOLT_API int volt_cas_import_image(volt_cas_hash *out_root, volt_cas_progress *out_stats, volt_cas *cas,
				   const char *path, const volt_cas_import_options *opts)
{
	struct cas_image img = {};
	struct cas_counters c = {};
	struct cas_progress_state ps;
	struct cas_chunker ch;
	struct cas_pool *pool = NULL;
	volt_cas_import_options o;
	_cleanup_close_ int fd = -1, lock = -1;
	_cleanup_free_ void *obj = NULL;
	struct stat st;
	size_t obj_len;
	uint64_t size;
	volt_cas_hash h;
	int r;

	assert_return(cas, EINVAL);
	assert_return(path, EINVAL);
	assert_return(out_root, EINVAL);
	assert_return(!out_stats || VERSION_SUPPORTED(out_stats->version, VOLT_CAS_PROGRESS_VERSION), EINVAL);
	r = cas_import_options(&o, opts, &ch);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return volt_error_set_errno(errno, "open image %s", path);
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size) < 0)
			return volt_error_set_errno(errno, "size of %s", path);
	} else if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else {
		return volt_error_set(EINVAL, "%s is not a regular file or block device", path);
	}
	img.size = size;
	img.block_size = o.block_size;
	img.n_blocks = (size + o.block_size - 1) / o.block_size;
	if (img.n_blocks > (CAS_BLOCK_MAX - 64) / VOLT_CAS_HASH_SIZE)
		return volt_error_set(EFBIG, "image %s is too large for block size %u", path, o.block_size);
	img.blocks = calloc(img.n_blocks ? img.n_blocks : 1, sizeof(*img.blocks));
	if (!img.blocks)
		return volt_error_set(ENOMEM, NULL);

	r = cas_lock(cas, false, true, &lock);
	if (r >= 0)
		r = cas_pool_new(&pool, cas->workers, 4 * cas->workers);
	if (r < 0) {
		cas_image_clear(&img);
		return r;
	}
	cas_progress_init(&ps, o.progress, o.userdata);
	ps.p.bytes_total = size;
	ps.p.files = 1;
	for (size_t i = 0; i < img.n_blocks && r >= 0 && !cas_pool_failed(pool); i++) {
		uint64_t off = (uint64_t)i * o.block_size;
		size_t len = size - off < o.block_size ? (size_t)(size - off) : o.block_size;
		struct block_job *j = calloc(1, sizeof(*j));

		if (!j || !(j->data = malloc(len))) {
			free(j);
			r = volt_error_set(ENOMEM, NULL);
			break;
		}
		*j = (struct block_job){ cas, &c, j->data, len, &img.blocks[i] };
		r = read_full(fd, j->data, len, off);
		if (r < 0) {
			block_job_free(j);
			r = volt_error_set_errno(-r, "read %s at %llu", path, (unsigned long long)off);
			break;
		}
		r = cas_pool_submit(pool, block_job_run, j, block_job_free);
		cas_progress_update(&ps, &c, false);
	}
	if (r >= 0)
		r = cas_pool_wait_progress(pool, &ps, &c);
	else
		cas_pool_drain(pool);
	cas_pool_free(pool);
	if (r >= 0)
		r = cas_image_serialize(&img, &obj, &obj_len);
	cas_image_clear(&img);
	if (r >= 0)
		r = cas_object_store(cas, obj, obj_len, &h, &c);
	if (r < 0)
		return volt_error_prefix(r, "import image %s", path);
	r = cas_import_finish(cas, &o, &h, &ps, &c, out_stats);
	if (r < 0)
		return r;
	*out_root = h;
	return 0;
}
