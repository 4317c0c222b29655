/*
 * Migration of a format-1 store (loose block files) to packs: every
 * loose block is verified and copied, as encoded, into packs; the packs
 * are published (durable), the format file is rewritten, and only then
 * are the loose files removed. Each step leaves a store that opens and
 * reads (readers look in packs and in blocks/), so a killed migration
 * is finished by running it again.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pack.h"

static int read_block_file(int dfd, const char *name, uint8_t **out, size_t *out_len)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ uint8_t *buf = NULL;
	struct stat st;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)(CAS_BLOCK_MAX + CAS_BLOCK_HEADER + CAS_BLOCK_MAX / 64))
		return -EBADMSG;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*out = TAKE_PTR(buf);
	*out_len = got;
	return 0;
}

/* Copy (or, with @remove, delete) the loose blocks of blocks/XX. */
static int migrate_dir(volt_cas *cas, struct cas_pack_writer *w, unsigned i, bool remove,
		       volt_cas_migrate_result *res)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	char dir[4];
	int dfd;

	snprintf(dir, sizeof(dir), "%02x", i & 0xff);
	dfd = openat(cas->blocks_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : volt_error_set_errno(errno, "open blocks/%s", dir);
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return volt_error_set_errno(errno, "open blocks/%s", dir);
	}
	while ((de = readdir(d))) {
		_cleanup_free_ uint8_t *file = NULL;
		_cleanup_free_ void *raw = NULL;
		char hex[VOLT_CAS_HASH_HEX_SIZE];
		volt_cas_hash h;
		size_t len = 0, raw_len;
		int r;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (remove) {
			/* Blocks (all in packs now) and temporaries of killed writers. */
			if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
				return volt_error_set_errno(errno, "remove blocks/%s/%s", dir, de->d_name);
			continue;
		}
		if (strlen(de->d_name) != 62)
			continue;
		memcpy(hex, dir, 2);
		memcpy(hex + 2, de->d_name, 63);
		if (volt_cas_hash_from_hex(&h, hex) < 0) {
			volt_error_clear();
			continue;
		}
		r = cas_packs_lookup(cas, &h, false);
		if (r < 0)
			return r;
		if (r > 0) {
			res->blocks_dropped++;
			continue;
		}
		r = read_block_file(dirfd(d), de->d_name, &file, &len);
		if (r == -ENOENT)
			continue;
		if (r >= 0)
			r = cas_block_decode(&raw, &raw_len, file, len, &h);
		if (r == -EBADMSG)
			return volt_error_set(EBADMSG, "block %s is corrupt: run fsck with quarantine first", hex);
		if (r < 0)
			return volt_error_set_errno(-r, "read block %s", hex);
		r = cas_pack_writer_add(cas, w, &h, file, len, (uint32_t)raw_len);
		if (r < 0)
			return r;
		res->blocks_packed++;
		res->bytes_packed += len;
	}
	return 0;
}

VOLT_API int volt_cas_migrate(volt_cas_migrate_result *out, volt_cas *cas, unsigned int flags)
{
	volt_cas_migrate_result res = VOLT_CAS_MIGRATE_RESULT_INIT;
	struct cas_pack_writer w;
	_cleanup_close_ int lock = -1;
	int r;

	assert_return(cas, EINVAL);
	assert_return(!out || VERSION_SUPPORTED(out->version, VOLT_CAS_RESULT_VERSION), EINVAL);
	r = cas_lock(cas, true, !(flags & VOLT_CAS_MIGRATE_NO_WAIT), &lock);
	if (r < 0)
		return r;
	res.format_before = (unsigned)cas->format;
	if (cas->blocks_fd < 0 && cas->format == CAS_FORMAT_LATEST)
		goto done;
	/* Packs of LZ4 blocks: they stay as they are (every codec is read);
	 * new blocks are zstd once the format says so. */
	if (cas->blocks_fd < 0 && cas_format_has_packs(cas->format)) {
		r = cas_store_set_format(cas, CAS_FORMAT_LATEST);
		if (r < 0)
			return volt_error_prefix(r, "migrate %s", cas->path);
		goto done;
	}
	r = cas_packs_dir(cas, true);
	if (r < 0)
		return r;
	r = cas_packs_scan(cas);
	if (r < 0)
		return r;
	cas_pack_writer_init(&w);
	for (unsigned i = 0; i < 256 && r >= 0; i++)
		r = migrate_dir(cas, &w, i, false, &res);
	/* The packs are durable before the format says so, and before any loose file goes. */
	if (r >= 0)
		r = cas_pack_writer_publish(cas, &w);
	cas_pack_writer_clear(&w);
	if (r >= 0 && fsync(cas->packs_fd) < 0)
		r = volt_error_set_errno(errno, "sync %s/packs", cas->path);
	if (r >= 0 && cas->format != CAS_FORMAT_LATEST)
		r = cas_store_set_format(cas, CAS_FORMAT_LATEST);
	if (r < 0)
		return volt_error_prefix(r, "migrate %s", cas->path);
	for (unsigned i = 0; i < 256 && r >= 0; i++) {
		char dir[4];

		r = migrate_dir(cas, NULL, i, true, &res);
		snprintf(dir, sizeof(dir), "%02x", i & 0xff);
		if (r >= 0 && unlinkat(cas->blocks_fd, dir, AT_REMOVEDIR) < 0 && errno != ENOENT)
			r = volt_error_set_errno(errno, "remove blocks/%s", dir);
	}
	if (r >= 0) {
		close(cas->blocks_fd);
		cas->blocks_fd = -1;
		if (unlinkat(cas->dir_fd, "blocks", AT_REMOVEDIR) < 0 && errno != ENOENT)
			r = volt_error_set_errno(errno, "remove %s/blocks", cas->path);
	}
	if (r >= 0)
		r = cas_sync(cas);
	if (r < 0)
		return volt_error_prefix(r, "migrate %s (the store is sound: run it again)", cas->path);
done:
	if (out)
		*out = res;
	return 0;
}
