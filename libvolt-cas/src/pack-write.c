/*
 * Writing packs. Each store handle appends the blocks it creates to its
 * own pack, an unnamed O_TMPFILE in packs/ (so importers in different
 * processes never share an append offset and never wait for each
 * other, and a killed writer leaves nothing). Threads of one handle
 * share the pack under a mutex held only to place a record in the
 * buffer: hashing and compression happen before, and the thread that
 * fills a buffer checksums and writes it after releasing the mutex
 * (one buffer in flight at a time, so the pack's checksum sees the
 * bytes in file order) while the others fill the next. Publishing (from cas_sync, before any ref
 * is written) syncs the pack, links it into place, then writes the
 * index with fsync, rename and a sync of packs/: the index appearing is
 * what makes the pack visible, and it appears only once both are
 * durable.
 *
 * Where the file system allows, a pack is written with O_DIRECT, in
 * whole aligned pages (an unaligned tail moves to the next buffer): an
 * import writes hundreds of megabytes that nobody reads soon, and
 * through the page cache the kernel would copy each byte, allocate a page
 * for it and evict what the host's workloads cached. Reads of the
 * pending pack go through a second, ordinary descriptor. Anything that
 * cannot be written aligned (the last bytes, a record larger than a
 * buffer) turns the pack back to ordinary writes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "pack.h"

#define WRITE_BUF (4u * 1024 * 1024)
/* O_DIRECT alignment of buffers, offsets and lengths: the page size
 * covers every logical block size in use; a file system that wants more
 * refuses the write with EINVAL and the pack goes on without O_DIRECT. */
#define DIRECT_ALIGN 4096u

static void put_le(uint8_t *p, uint64_t v, unsigned width)
{
	for (unsigned i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void cas_pack_writer_init(struct cas_pack_writer *w)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->flushed, NULL);
	w->fd = w->rfd = w->dir_fd = -1;
}

/* Wait for the buffer in flight, if any (the lock is held). */
static void wait_flushed(struct cas_pack_writer *w)
{
	while (w->flushing)
		pthread_cond_wait(&w->flushed, &w->lock);
}

static void reset(struct cas_pack_writer *w)
{
	wait_flushed(w);
	w->fl_error = 0;
	if (w->fd >= 0)
		close(w->fd);
	if (w->rfd >= 0)
		close(w->rfd);
	if (w->tmpname[0] && w->dir_fd >= 0)
		unlinkat(w->dir_fd, w->tmpname, 0);
	w->fd = w->rfd = -1;
	w->direct = false;
	w->tmpname[0] = 0;
	w->written = 0;
	w->buf_len = 0;
	if (w->sha)
		EVP_MD_CTX_free(w->sha);
	w->sha = NULL;
	free(w->e);
	w->e = NULL;
	w->n = w->cap = 0;
	cas_hashset_clear(&w->pending);
}

void cas_pack_writer_clear(struct cas_pack_writer *w)
{
	reset(w);
	free(w->buf);
	free(w->spare);
	w->buf = w->spare = NULL;
	pthread_cond_destroy(&w->flushed);
	pthread_mutex_destroy(&w->lock);
}

static int pwrite_all(int fd, const uint8_t *p, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Ordinary writes from here on (only the writing thread calls this). */
static int direct_off(struct cas_pack_writer *w)
{
	int fl = fcntl(w->fd, F_GETFL);

	if (fl < 0 || fcntl(w->fd, F_SETFL, fl & ~O_DIRECT) < 0)
		return -errno;
	w->direct = false;
	return 0;
}

static bool aligned(const void *p, size_t len, uint64_t off)
{
	return (((uintptr_t)p | len | off) & (DIRECT_ALIGN - 1)) == 0;
}

/* Checksum and write @len bytes at @off (the caller holds the right to). */
static int put(volt_cas *cas, struct cas_pack_writer *w, const uint8_t *data, size_t len, uint64_t off)
{
	int r = 0;

	if (EVP_DigestUpdate(w->sha, data, len) != 1)
		return volt_error_set(ENOMEM, "SHA-256 of a pack");
	if (w->direct && !aligned(data, len, off))
		r = direct_off(w);
	if (r >= 0) {
		r = pwrite_all(w->fd, data, len, off);
		/* EINVAL: the file system wants another alignment (a short
		 * write leaves nothing written past @off that matters: the
		 * same bytes are written again). */
		if (r == -EINVAL && w->direct && (r = direct_off(w)) >= 0)
			r = pwrite_all(w->fd, data, len, off);
	}
	if (r < 0)
		return volt_error_set_errno(-r, "write a pack in %s/packs", cas->path);
	return 0;
}

/* Write out the buffer with the lock held (publishing, large records). */
static int flush_buf(volt_cas *cas, struct cas_pack_writer *w)
{
	int r;

	wait_flushed(w);
	if (w->fl_error)
		return volt_error_set(-w->fl_error, "write a pack in %s/packs (an earlier write failed)", cas->path);
	if (!w->buf_len)
		return 0;
	r = put(cas, w, w->buf, w->buf_len, w->written);
	if (r < 0)
		return r;
	w->written += w->buf_len;
	w->buf_len = 0;
	return 0;
}

/* Hand the full buffer to this thread for writing without the lock, and
 * continue in the spare one. Returns with the lock held again. */
static int flush_async(volt_cas *cas, struct cas_pack_writer *w)
{
	size_t len, tail = 0;
	uint8_t *b;
	int r;

	/* Others may append while this waits: the length is taken after. */
	wait_flushed(w);
	if (w->fl_error)
		return volt_error_set(-w->fl_error, "write a pack in %s/packs (an earlier write failed)", cas->path);
	if (!w->spare) {
		w->spare = aligned_alloc(DIRECT_ALIGN, WRITE_BUF);
		if (!w->spare)
			return flush_buf(cas, w);
	}
	/* O_DIRECT: whole pages now, the rest at the start of the next
	 * buffer (this one keeps it too, for readers, until written). */
	len = w->buf_len;
	if (w->direct && w->written % DIRECT_ALIGN == 0 && len >= DIRECT_ALIGN) {
		tail = len % DIRECT_ALIGN;
		len -= tail;
	}
	b = w->buf;
	w->fl_buf = b;
	w->fl_len = len;
	w->fl_held = w->buf_len;
	w->fl_off = w->written;
	w->flushing = true;
	w->buf = TAKE_PTR(w->spare);
	memcpy(w->buf, b + len, tail);
	w->written += len;
	w->buf_len = tail;
	pthread_mutex_unlock(&w->lock);
	/* Only the flusher touches the checksum: buffers go out in file order. */
	r = put(cas, w, b, w->fl_len, w->fl_off);
	pthread_mutex_lock(&w->lock);
	w->spare = b;
	w->fl_buf = NULL;
	w->flushing = false;
	if (r < 0)
		w->fl_error = r;
	pthread_cond_broadcast(&w->flushed);
	return r;
}

/* Append to the pack (through the buffer). */
static int append(volt_cas *cas, struct cas_pack_writer *w, const void *data, size_t len)
{
	int r;

	if (w->buf_len + len > WRITE_BUF) {
		r = len > WRITE_BUF ? flush_buf(cas, w) : flush_async(cas, w);
		if (r < 0)
			return r;
	}
	if (len > WRITE_BUF) {
		r = put(cas, w, data, len, w->written);
		if (r < 0)
			return r;
		w->written += len;
		return 0;
	}
	memcpy(w->buf + w->buf_len, data, len);
	w->buf_len += len;
	return 0;
}

/* O_DIRECT where the file system has it and the pack can be opened again
 * for reads (through /proc); else ordinary writes. */
static void direct_on(struct cas_pack_writer *w)
{
	char procpath[64];
	int fl;

	snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", w->fd);
	w->rfd = open(procpath, O_RDONLY | O_CLOEXEC);
	if (w->rfd < 0)
		return;
	fl = fcntl(w->fd, F_GETFL);
	if (fl >= 0 && fcntl(w->fd, F_SETFL, fl | O_DIRECT) == 0) {
		w->direct = true;
		return;
	}
	close(w->rfd);
	w->rfd = -1;
}

static int start(volt_cas *cas, struct cas_pack_writer *w)
{
	uint8_t hdr[CAS_PACK_HEADER] = {};
	int r;

	r = cas_packs_dir(cas, true);
	if (r < 0)
		return r;
	w->dir_fd = cas->packs_fd;
	if (!w->buf) {
		w->buf = aligned_alloc(DIRECT_ALIGN, WRITE_BUF);
		if (!w->buf)
			return volt_error_set(ENOMEM, NULL);
	}
	w->fd = openat(cas->packs_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0444);
	if (w->fd < 0) {
		uint64_t rnd = 0;

		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return volt_error_set_errno(errno, "create a pack in %s/packs", cas->path);
		/* Named temporary: removed by gc, under its exclusive lock. */
		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd = (uint64_t)cas_now_ns();
		snprintf(w->tmpname, sizeof(w->tmpname), ".tmp-pack-%ld-%016llx", (long)getpid(),
			 (unsigned long long)rnd);
		w->fd = openat(cas->packs_fd, w->tmpname, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0444);
		if (w->fd < 0)
			return volt_error_set_errno(errno, "create %s/packs/%s", cas->path, w->tmpname);
	}
	direct_on(w);
	w->sha = EVP_MD_CTX_new();
	if (!w->sha || EVP_DigestInit_ex(w->sha, EVP_sha256(), NULL) != 1)
		return volt_error_set(ENOMEM, "SHA-256 of a pack");
	memcpy(hdr, CAS_PACK_MAGIC, 8);
	put_le(hdr + 8, CAS_PACK_VERSION, 4);
	return append(cas, w, hdr, sizeof(hdr));
}

static int publish_locked(volt_cas *cas, struct cas_pack_writer *w);

int cas_pack_writer_add(volt_cas *cas, struct cas_pack_writer *w, const volt_cas_hash *h, const void *enc,
			size_t enc_len, uint32_t raw_len)
{
	uint8_t rec[CAS_PACK_RECORD_HEADER];
	struct cas_pack_entry *e;
	int r = 0;

	memcpy(rec, h->bytes, VOLT_CAS_HASH_SIZE);
	put_le(rec + VOLT_CAS_HASH_SIZE, enc_len, 4);
	pthread_mutex_lock(&w->lock);
again:
	if (cas_hashset_contains(&w->pending, h)) {
		r = 1;
		goto out;
	}
	if (w->fd < 0) {
		r = start(cas, w);
		if (r < 0) {
			reset(w);
			goto out;
		}
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 1024;
		struct cas_pack_entry *v = realloc(w->e, cap * sizeof(*v));

		if (!v) {
			r = volt_error_set(ENOMEM, NULL);
			goto out;
		}
		w->e = v;
		w->cap = cap;
	}
	/* Make room before the offset is taken: waiting for or writing a
	 * buffer lets other threads in (which may add this block, or publish
	 * the pack), so everything is checked again. From here to the end
	 * the lock is not released: a large record's flush_buf() does not
	 * wait once nothing is in flight. */
	if (w->flushing && sizeof(rec) + enc_len > WRITE_BUF) {
		wait_flushed(w);
		goto again;
	}
	if (w->buf_len + sizeof(rec) + enc_len > WRITE_BUF && sizeof(rec) + enc_len <= WRITE_BUF) {
		r = flush_async(cas, w);
		if (r < 0) {
			reset(w);
			goto out;
		}
		goto again;
	}
	e = &w->e[w->n];
	e->hash = *h;
	e->offset = w->written + w->buf_len + sizeof(rec);
	e->len = (uint32_t)enc_len;
	e->raw_len = raw_len;
	r = append(cas, w, rec, sizeof(rec));
	if (r >= 0)
		r = append(cas, w, enc, enc_len);
	if (r < 0) {
		/* The pack's tail is unknown now: drop it (nothing named it yet). */
		reset(w);
		goto out;
	}
	if (cas_hashset_add(&w->pending, h, (uint32_t)w->n) < 0) {
		r = volt_error_set(ENOMEM, NULL);
		reset(w);
		goto out;
	}
	w->n++;
	if (w->written + w->buf_len >= CAS_PACK_ROLL)
		r = publish_locked(cas, w);
out:
	pthread_mutex_unlock(&w->lock);
	return r;
}

/* Bytes [@off, @off + @len) of the pending pack (the lock is held): those
 * on the file, then those of the buffer being written, then those of the
 * buffer being filled (which starts where the file will end). */
static int read_pending(struct cas_pack_writer *w, uint64_t off, size_t len, uint8_t *dst)
{
	uint64_t on_file = w->flushing ? w->fl_off : w->written;
	int fd = w->rfd >= 0 ? w->rfd : w->fd;

	while (len > 0 && off < on_file) {
		size_t want = on_file - off < len ? (size_t)(on_file - off) : len;
		ssize_t n = pread(fd, dst, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return volt_error_set_errno(n < 0 ? errno : EIO, "read back a pending pack");
		dst += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	if (len > 0 && w->flushing && off < w->fl_off + w->fl_held) {
		size_t n = w->fl_off + w->fl_held - off < len ? (size_t)(w->fl_off + w->fl_held - off) : len;

		memcpy(dst, w->fl_buf + (off - w->fl_off), n);
		dst += n;
		off += n;
		len -= n;
	}
	if (len > 0) {
		if (off < w->written || off + len > w->written + w->buf_len)
			return volt_error_set(EIO, "a pending pack record lies outside the pack");
		memcpy(dst, w->buf + (off - w->written), len);
	}
	return 0;
}

int cas_pack_writer_get(struct cas_pack_writer *w, const volt_cas_hash *h, void **out, size_t *out_len)
{
	_cleanup_free_ uint8_t *buf = NULL;
	struct cas_pack_entry e;
	uint32_t i;
	int r = 1;

	pthread_mutex_lock(&w->lock);
	if (!cas_hashset_get(&w->pending, h, &i)) {
		r = 0;
		goto out;
	}
	if (!out)
		goto out;
	e = w->e[i];
	buf = malloc(e.len ? e.len : 1);
	if (!buf) {
		r = volt_error_set(ENOMEM, NULL);
		goto out;
	}
	r = read_pending(w, e.offset, e.len, buf);
	if (r < 0)
		goto out;
	r = cas_block_decode(out, out_len, buf, e.len, h);
	if (r >= 0)
		r = 1;
out:
	pthread_mutex_unlock(&w->lock);
	return r;
}

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(((const struct cas_pack_entry *)a)->hash.bytes, ((const struct cas_pack_entry *)b)->hash.bytes,
		      VOLT_CAS_HASH_SIZE);
}

/* The index of the pending pack, sorted, with fan-out and checksum. */
static int build_index(struct cas_pack_writer *w, uint64_t size, const volt_cas_hash *sum, uint8_t **out,
		       size_t *out_len)
{
	size_t len = CAS_IDX_HEADER + CAS_IDX_FANOUT + w->n * CAS_IDX_ENTRY + VOLT_CAS_HASH_SIZE;
	uint8_t *idx = calloc(1, len), *p;
	uint32_t counts[256] = {}, acc = 0;
	volt_cas_hash check;

	if (!idx)
		return volt_error_set(ENOMEM, NULL);
	qsort(w->e, w->n, sizeof(*w->e), cmp_entry);
	memcpy(idx, CAS_IDX_MAGIC, 8);
	put_le(idx + 8, CAS_PACK_VERSION, 4);
	put_le(idx + 12, w->n, 4);
	put_le(idx + 16, size, 8);
	memcpy(idx + 24, sum->bytes, VOLT_CAS_HASH_SIZE);
	for (size_t i = 0; i < w->n; i++)
		counts[w->e[i].hash.bytes[0]]++;
	for (unsigned b = 0; b < 256; b++) {
		acc += counts[b];
		put_le(idx + CAS_IDX_HEADER + 4 * b, acc, 4);
	}
	p = idx + CAS_IDX_HEADER + CAS_IDX_FANOUT;
	for (size_t i = 0; i < w->n; i++, p += CAS_IDX_ENTRY) {
		memcpy(p, w->e[i].hash.bytes, VOLT_CAS_HASH_SIZE);
		put_le(p + 32, w->e[i].offset, 8);
		put_le(p + 40, w->e[i].len, 4);
		put_le(p + 44, w->e[i].raw_len, 4);
	}
	cas_sha256(&check, idx, len - VOLT_CAS_HASH_SIZE);
	memcpy(idx + len - VOLT_CAS_HASH_SIZE, check.bytes, VOLT_CAS_HASH_SIZE);
	*out = idx;
	*out_len = len;
	return 0;
}

static int publish_locked(volt_cas *cas, struct cas_pack_writer *w)
{
	_cleanup_free_ uint8_t *idx = NULL;
	_cleanup_free_ char *idx_path = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE], name[CAS_PACK_NAME_SIZE], file[CAS_PACK_NAME_SIZE + 8];
	struct cas_pack *p = NULL;
	volt_cas_hash sum;
	unsigned int sl = 0;
	uint64_t size;
	size_t idx_len = 0;
	int r;

	/* After this wait nothing releases the lock until the pack is out. */
	wait_flushed(w);
	if (w->fd < 0)
		return 0;
	if (!w->n) {
		reset(w);
		return 0;
	}
	r = flush_buf(cas, w);
	if (r < 0)
		goto fail;
	/* Readers of the published pack use this descriptor: no O_DIRECT. */
	if (w->direct && (r = direct_off(w)) < 0) {
		r = volt_error_set_errno(-r, "turn off O_DIRECT on a pack in %s/packs", cas->path);
		goto fail;
	}
	size = w->written;
	if (fsync(w->fd) < 0) {
		r = volt_error_set_errno(errno, "sync a pack in %s/packs", cas->path);
		goto fail;
	}
	if (EVP_DigestFinal_ex(w->sha, sum.bytes, &sl) != 1 || sl != VOLT_CAS_HASH_SIZE) {
		r = volt_error_set(ENOMEM, "SHA-256 of a pack");
		goto fail;
	}
	r = build_index(w, size, &sum, &idx, &idx_len);
	if (r < 0)
		goto fail;
	/* Named by its content: two packs of one name hold the same bytes. */
	volt_cas_hash_to_hex(hex, &sum);
	snprintf(name, sizeof(name), "pack-%.32s", hex);
	snprintf(file, sizeof(file), "%s.pack", name);
	if (w->tmpname[0]) {
		if (renameat(cas->packs_fd, w->tmpname, cas->packs_fd, file) < 0) {
			r = volt_error_set_errno(errno, "rename %s/packs/%s", cas->path, w->tmpname);
			goto fail;
		}
		w->tmpname[0] = 0;
	} else {
		char procpath[64];

		snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", w->fd);
		if (linkat(AT_FDCWD, procpath, cas->packs_fd, file, AT_SYMLINK_FOLLOW) < 0 && errno != EEXIST) {
			r = volt_error_set_errno(errno, "link %s/packs/%s", cas->path, file);
			goto fail;
		}
	}
	/* Last, and durable with the directory: the index makes the pack visible. */
	if (asprintf(&idx_path, "%s/packs/%s.idx", cas->path, name) < 0) {
		r = volt_error_set(ENOMEM, NULL);
		goto fail;
	}
	r = volt_file_write_atomic(idx_path, idx, idx_len, 0444);
	if (r < 0)
		goto fail;
	p = calloc(1, sizeof(*p));
	if (!p) {
		r = volt_error_set(ENOMEM, NULL);
		goto fail;
	}
	memcpy(p->name, name, sizeof(name));
	p->fd = TAKE_FD(w->fd);
	r = cas_pack_parse_index(p, idx, idx_len, size);
	if (r < 0) {
		p->idx = NULL;
		cas_pack_free(p);
		goto fail;
	}
	TAKE_PTR(idx);
	reset(w);
	return cas_packs_add(cas, p);
fail:
	reset(w);
	return volt_error_prefix(r, "publish a pack");
}

int cas_pack_writer_publish(volt_cas *cas, struct cas_pack_writer *w)
{
	int r;

	pthread_mutex_lock(&w->lock);
	r = publish_locked(cas, w);
	pthread_mutex_unlock(&w->lock);
	return r;
}
