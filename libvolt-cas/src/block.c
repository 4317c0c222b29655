/*
 * Blocks: an 8-byte header and the data, zstd-compressed (level 1) when
 * that saves space, named by the SHA-256 of the raw data (LZ4 in stores
 * of format 1 and 2, which older binaries read; every codec is read). A
 * store of format 2 or 3 appends new blocks to packs (pack-write.c); a
 * store of format 1 keeps one file per block in 256 fan-out directories
 * (blocks/ab/cdef...), and reads find blocks in either. A block file appears atomically
 * (O_TMPFILE linked into place, or a temporary name renamed), so a
 * reader sees a whole block or none. Reads verify the hash: a corrupt
 * block is an error, never data. Layouts: docs/cas-format.md,
 * docs/cas-packs.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lz4.h>
#include <zstd.h>

#include "pack.h"

#define BLOCK_FORMAT 1
/* Level 1: against LZ4, a fifth fewer bytes on /usr/share for ~1.5x the
 * compression time; and registry packs carry blocks as stored. */
#define BLOCK_ZSTD_LEVEL 1

/* One zstd context of each kind per thread, made on first use: a block
 * is small, and making a context costs more than compressing it. */
static pthread_key_t cctx_key, dctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static int ctx_keys_ok;

static void free_cctx(void *p)
{
	ZSTD_freeCCtx(p);
}

static void free_dctx(void *p)
{
	ZSTD_freeDCtx(p);
}

static void ctx_keys_make(void)
{
	ctx_keys_ok = pthread_key_create(&cctx_key, free_cctx) == 0 &&
		      pthread_key_create(&dctx_key, free_dctx) == 0;
}

static ZSTD_CCtx *thread_cctx(void)
{
	ZSTD_CCtx *c;

	pthread_once(&ctx_once, ctx_keys_make);
	if (!ctx_keys_ok)
		return NULL;
	c = pthread_getspecific(cctx_key);
	if (c)
		return c;
	c = ZSTD_createCCtx();
	/* The raw length is in the block header: the frame need not repeat it. */
	if (c && (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, BLOCK_ZSTD_LEVEL)) ||
		  ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0)) ||
		  pthread_setspecific(cctx_key, c) != 0)) {
		ZSTD_freeCCtx(c);
		c = NULL;
	}
	return c;
}

static ZSTD_DCtx *thread_dctx(void)
{
	ZSTD_DCtx *d;

	pthread_once(&ctx_once, ctx_keys_make);
	if (!ctx_keys_ok)
		return NULL;
	d = pthread_getspecific(dctx_key);
	if (d)
		return d;
	d = ZSTD_createDCtx();
	if (d && pthread_setspecific(dctx_key, d) != 0) {
		ZSTD_freeDCtx(d);
		d = NULL;
	}
	return d;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int cas_block_encode(void **out, size_t *out_len, const void *raw, size_t len, int codec)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t bound, clen = 0;
	ZSTD_CCtx *zc;

	if (len > CAS_BLOCK_MAX)
		return volt_error_set(EFBIG, "block of %zu bytes is larger than the maximum", len);
	bound = codec == CAS_CODEC_ZSTD ? ZSTD_compressBound(len) : (size_t)LZ4_compressBound((int)len);
	buf = malloc(CAS_BLOCK_HEADER + (bound > len ? bound : len) + 1);
	if (!buf)
		return volt_error_set(ENOMEM, NULL);
	if (len >= 64 && codec == CAS_CODEC_ZSTD) {
		zc = thread_cctx();
		if (!zc)
			return volt_error_set(ENOMEM, "zstd compression context");
		clen = ZSTD_compress2(zc, buf + CAS_BLOCK_HEADER, bound, raw, len);
		if (ZSTD_isError(clen))
			clen = 0;
	} else if (len >= 64) {
		int n = LZ4_compress_default(raw, (char *)buf + CAS_BLOCK_HEADER, (int)len, (int)bound);

		clen = n > 0 ? (size_t)n : 0;
	}
	buf[0] = BLOCK_FORMAT;
	buf[2] = buf[3] = 0;
	put_le32(buf + 4, (uint32_t)len);
	/* Keep the codec only when it saves at least 1/32: below that,
	 * decompression costs more than the bytes are worth. */
	if (clen > 0 && clen < len - len / 32) {
		buf[1] = (uint8_t)codec;
		*out_len = CAS_BLOCK_HEADER + clen;
	} else {
		buf[1] = CAS_CODEC_RAW;
		if (len)
			memcpy(buf + CAS_BLOCK_HEADER, raw, len);
		*out_len = CAS_BLOCK_HEADER + len;
	}
	*out = TAKE_PTR(buf);
	return 0;
}

int cas_block_decode(void **out, size_t *out_len, const void *file, size_t file_len,
		     const volt_cas_hash *expect)
{
	const uint8_t *f = file;
	_cleanup_free_ uint8_t *raw = NULL;
	volt_cas_hash got;
	uint32_t len;
	size_t plen;

	if (file_len < CAS_BLOCK_HEADER)
		return volt_error_set(EBADMSG, "block file truncated (%zu bytes)", file_len);
	if (f[0] != BLOCK_FORMAT || f[2] || f[3])
		return volt_error_set(EBADMSG, "block file has unknown format %u", f[0]);
	len = get_le32(f + 4);
	plen = file_len - CAS_BLOCK_HEADER;
	if (len > CAS_BLOCK_MAX)
		return volt_error_set(EBADMSG, "block claims %u bytes, more than the maximum", len);
	/* Refuse lengths the payload cannot produce before allocating for
	 * them (LZ4 expands at most about 255:1). */
	if ((f[1] == CAS_CODEC_RAW && plen != len) || (f[1] == CAS_CODEC_LZ4 && len > plen * 255 + 64))
		return volt_error_set(EBADMSG, "block length %u does not fit its %zu-byte payload", len, plen);
	raw = malloc(len ? len : 1);
	if (!raw)
		return volt_error_set(ENOMEM, NULL);
	switch (f[1]) {
	case CAS_CODEC_RAW:
		if (plen != len)
			return volt_error_set(EBADMSG, "raw block length %zu, header says %u", plen, len);
		memcpy(raw, f + CAS_BLOCK_HEADER, len);
		break;
	case CAS_CODEC_LZ4:
		if (plen > INT32_MAX ||
		    LZ4_decompress_safe((const char *)f + CAS_BLOCK_HEADER, (char *)raw, (int)plen, (int)len) != (int)len)
			return volt_error_set(EBADMSG, "LZ4 data of block is corrupt");
		break;
	case CAS_CODEC_ZSTD: {
		/* Never past the raw length: a frame that would write more, or
		 * ends short of it, is corrupt. */
		ZSTD_DCtx *zd = thread_dctx();
		size_t n;

		if (!zd)
			return volt_error_set(ENOMEM, "zstd decompression context");
		n = ZSTD_decompressDCtx(zd, raw, len, f + CAS_BLOCK_HEADER, plen);
		if (ZSTD_isError(n) || n != len)
			return volt_error_set(EBADMSG, "zstd data of block is corrupt");
		break;
	}
	default:
		return volt_error_set(EBADMSG, "block has unknown codec %u", f[1]);
	}
	if (expect) {
		cas_sha256(&got, raw, len);
		if (memcmp(got.bytes, expect->bytes, VOLT_CAS_HASH_SIZE) != 0)
			return volt_error_set(EBADMSG, "block content does not match its hash");
	}
	*out = TAKE_PTR(raw);
	*out_len = len;
	return 0;
}

/* Write @data as blocks/<rel> so that it appears whole or not at all. */
static int write_block_file(volt_cas *cas, const char *rel, const void *data, size_t len)
{
	char dir[3] = { rel[0], rel[1], 0 };
	_cleanup_close_ int dfd = -1, fd = -1;
	char procpath[64], tmpname[96];
	int r;

	dfd = openat(cas->blocks_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return volt_error_set_errno(errno, "open blocks/%s", dir);

	/* An O_TMPFILE has no name until linked: a writer killed half-way
	 * leaves nothing behind. */
	fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0444);
	if (fd >= 0) {
		r = volt_write_all(fd, data, len);
		if (r < 0)
			return volt_error_set_errno(-r, "write block %s", rel);
		snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, procpath, dfd, rel + 3, AT_SYMLINK_FOLLOW) < 0 && errno != EEXIST) {
			if (errno != ENOENT) /* no /proc: fall through to a named temporary */
				return volt_error_set_errno(errno, "link block %s", rel);
		} else {
			return 0;
		}
		close(TAKE_FD(fd));
	} else if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
		return volt_error_set_errno(errno, "create block %s", rel);
	}

	/* Named temporary: ".tmp-" files are removed by gc (under its
	 * exclusive lock no writer is running) and ignored by fsck. */
	snprintf(tmpname, sizeof(tmpname), ".tmp-%.16s-%ld-%lx", rel + 3, (long)getpid(),
		 (unsigned long)(uintptr_t)&tmpname);
	fd = openat(dfd, tmpname, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);
	if (fd < 0)
		return volt_error_set_errno(errno, "create blocks/%s/%s", dir, tmpname);
	r = volt_write_all(fd, data, len);
	if (r >= 0 && renameat(dfd, tmpname, dfd, rel + 3) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, tmpname, 0);
		return volt_error_set_errno(-r, "write block %s", rel);
	}
	return 0;
}

static int loose_exists(volt_cas *cas, const volt_cas_hash *h)
{
	char rel[CAS_BLOCK_RELPATH_SIZE];

	if (cas->blocks_fd < 0)
		return 0;
	cas_block_relpath(rel, h);
	if (faccessat(cas->blocks_fd, rel, F_OK, AT_EACCESS) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return volt_error_set_errno(errno, "check block %s", rel);
}

/* Without a rescan of packs/: an importer that misses a block another
 * process packed meanwhile stores it again, which costs space, not
 * correctness (its shared lock keeps gc away from both). */
int cas_block_exists(volt_cas *cas, const volt_cas_hash *h)
{
	int r = cas_pack_writer_get(cas->writer, h, NULL, NULL);

	if (r == 0)
		r = cas_packs_lookup(cas, h, false);
	if (r == 0)
		r = loose_exists(cas, h);
	return r;
}

int cas_block_put(volt_cas *cas, const void *data, size_t len, volt_cas_hash *out, struct cas_counters *c)
{
	char rel[CAS_BLOCK_RELPATH_SIZE];
	_cleanup_free_ void *enc = NULL;
	size_t enc_len;
	int r;

	cas_sha256(out, data, len);
	if (c)
		__atomic_add_fetch(&c->blocks, 1, __ATOMIC_RELAXED);
	r = cas_block_exists(cas, out);
	if (r != 0)
		return r < 0 ? r : 0;
	r = cas_block_encode(&enc, &enc_len, data, len, cas_format_codec(cas->format));
	if (r < 0)
		return r;
	if (cas_format_has_packs(cas->format)) {
		r = cas_pack_writer_add(cas, cas->writer, out, enc, enc_len, (uint32_t)len);
		if (r != 0)
			return r < 0 ? r : 0; /* another thread added it first */
	} else {
		cas_block_relpath(rel, out);
		r = write_block_file(cas, rel, enc, enc_len);
		if (r < 0)
			return r;
	}
	if (c) {
		__atomic_add_fetch(&c->blocks_new, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&c->bytes_new, len, __ATOMIC_RELAXED);
		__atomic_add_fetch(&c->bytes_stored, enc_len, __ATOMIC_RELAXED);
	}
	return 0;
}

static int loose_get(volt_cas *cas, const volt_cas_hash *h, void **out, size_t *out_len)
{
	char rel[CAS_BLOCK_RELPATH_SIZE];
	_cleanup_close_ int fd = -1;
	_cleanup_free_ uint8_t *file = NULL;
	struct stat st;
	size_t got = 0;
	int r;

	if (cas->blocks_fd < 0)
		return -ENOENT;
	cas_block_relpath(rel, h);
	fd = openat(cas->blocks_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return volt_error_set_errno(errno, "open block %s", rel);
	}
	if (fstat(fd, &st) < 0)
		return volt_error_set_errno(errno, "stat block %s", rel);
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)(CAS_BLOCK_MAX + CAS_BLOCK_HEADER + CAS_BLOCK_MAX / 64))
		return volt_error_set(EBADMSG, "block %s is not a plausible block file", rel);
	file = malloc((size_t)st.st_size + 1);
	if (!file)
		return volt_error_set(ENOMEM, NULL);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, file + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return volt_error_set_errno(errno, "read block %s", rel);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	r = cas_block_decode(out, out_len, file, got, h);
	if (r < 0)
		return volt_error_prefix(r, "block %s", rel);
	return 1;
}

/* Pending pack, published packs, loose files, then packs again after
 * looking for packs that appeared since (other importers, a gc). */
int cas_block_get(volt_cas *cas, const volt_cas_hash *h, void **out, size_t *out_len)
{
	char rel[CAS_BLOCK_RELPATH_SIZE];
	int r = cas_pack_writer_get(cas->writer, h, out, out_len);

	if (r == 0)
		r = cas_packs_get(cas, h, out, out_len, false);
	if (r == 0) {
		r = loose_get(cas, h, out, out_len);
		if (r == -ENOENT)
			r = cas_packs_get(cas, h, out, out_len, true);
	}
	if (r > 0)
		return 0;
	if (r == 0 || r == -ENOENT) {
		cas_block_relpath(rel, h);
		return volt_error_set(ENOENT, "block %.2s%s is missing", rel, rel + 3);
	}
	return r;
}
