/*
 * Reading packs: each published pack's index is held in memory (checked
 * against its checksum when loaded) and the pack stays open, so a block
 * read is a binary search and one pread, with no file opened per read.
 * New packs (of other processes) are picked up when a lookup misses.
 * A pack removed by a gc elsewhere stays readable through the descriptor
 * already open; gc writes the repacked copy before removing the old one,
 * so a rescan after a vanished pack finds its live blocks again.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pack.h"

static uint64_t get_le(const uint8_t *p, unsigned width)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static const uint8_t *entry_ptr(const struct cas_pack *p, uint32_t i)
{
	return p->idx + CAS_IDX_HEADER + CAS_IDX_FANOUT + (size_t)i * CAS_IDX_ENTRY;
}

static uint32_t fanout(const struct cas_pack *p, unsigned b)
{
	return (uint32_t)get_le(p->idx + CAS_IDX_HEADER + 4 * b, 4);
}

int cas_pack_parse_index(struct cas_pack *p, uint8_t *idx, size_t len, uint64_t pack_size)
{
	volt_cas_hash sum;
	uint32_t count, prev = 0;

	if (len < CAS_IDX_HEADER + CAS_IDX_FANOUT + VOLT_CAS_HASH_SIZE || memcmp(idx, CAS_IDX_MAGIC, 8) != 0)
		return volt_error_set(EBADMSG, "not a pack index");
	cas_sha256(&sum, idx, len - VOLT_CAS_HASH_SIZE);
	if (memcmp(sum.bytes, idx + len - VOLT_CAS_HASH_SIZE, VOLT_CAS_HASH_SIZE) != 0)
		return volt_error_set(EBADMSG, "pack index does not match its checksum");
	if (get_le(idx + 8, 4) != CAS_PACK_VERSION)
		return volt_error_set(EBADMSG, "pack index has unknown version %u", (unsigned)get_le(idx + 8, 4));
	count = (uint32_t)get_le(idx + 12, 4);
	if ((len - CAS_IDX_HEADER - CAS_IDX_FANOUT - VOLT_CAS_HASH_SIZE) / CAS_IDX_ENTRY != count ||
	    (len - CAS_IDX_HEADER - CAS_IDX_FANOUT - VOLT_CAS_HASH_SIZE) % CAS_IDX_ENTRY)
		return volt_error_set(EBADMSG, "pack index size does not fit its %u entries", count);
	if (get_le(idx + 16, 8) != pack_size)
		return volt_error_set(EBADMSG, "pack has %llu bytes, its index says %llu", (unsigned long long)pack_size,
				      (unsigned long long)get_le(idx + 16, 8));
	p->idx = idx;
	p->idx_len = len;
	p->count = count;
	p->size = pack_size;
	memcpy(p->pack_sum.bytes, idx + 24, VOLT_CAS_HASH_SIZE);
	/* A checksum only proves the writer meant it: check what lookups rely on. */
	for (unsigned b = 0; b < 256; b++) {
		uint32_t f = fanout(p, b);

		if (f < prev || f > count)
			return volt_error_set(EBADMSG, "pack index fan-out is not monotonic");
		prev = f;
	}
	if (prev != count)
		return volt_error_set(EBADMSG, "pack index fan-out does not end at its count");
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = entry_ptr(p, i);
		uint64_t off = get_le(e + 32, 8), l = get_le(e + 40, 4);

		if (i && memcmp(entry_ptr(p, i - 1), e, VOLT_CAS_HASH_SIZE) >= 0)
			return volt_error_set(EBADMSG, "pack index entries are not sorted");
		if (i < (e[0] ? fanout(p, e[0] - 1u) : 0) || i >= fanout(p, e[0]))
			return volt_error_set(EBADMSG, "pack index entry %u is outside its fan-out bucket", i);
		if (off < CAS_PACK_HEADER + CAS_PACK_RECORD_HEADER || off > pack_size || l > pack_size - off ||
		    l < CAS_BLOCK_HEADER || get_le(e + 44, 4) > CAS_BLOCK_MAX)
			return volt_error_set(EBADMSG, "pack index entry %u points outside the pack", i);
	}
	return 0;
}

int cas_pack_entry_at(const struct cas_pack *p, uint32_t i, struct cas_pack_entry *out)
{
	const uint8_t *e;

	if (i >= p->count)
		return -ERANGE;
	e = entry_ptr(p, i);
	memcpy(out->hash.bytes, e, VOLT_CAS_HASH_SIZE);
	out->offset = get_le(e + 32, 8);
	out->len = (uint32_t)get_le(e + 40, 4);
	out->raw_len = (uint32_t)get_le(e + 44, 4);
	return 0;
}

int64_t cas_pack_find(const struct cas_pack *p, const volt_cas_hash *h)
{
	uint32_t lo = h->bytes[0] ? fanout(p, h->bytes[0] - 1u) : 0, hi = fanout(p, h->bytes[0]);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(entry_ptr(p, mid), h->bytes, VOLT_CAS_HASH_SIZE);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void cas_pack_free(struct cas_pack *p)
{
	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	free(p->idx);
	free(p);
}

static int read_fd_all(int fd, uint8_t **out, size_t *out_len, size_t max)
{
	_cleanup_free_ uint8_t *buf = NULL;
	struct stat st;
	size_t got = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max)
		return -EFBIG;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);

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

int cas_pack_load(volt_cas *cas, const char *name, struct cas_pack **out)
{
	_cleanup_close_ int ifd = -1, pfd = -1;
	_cleanup_free_ uint8_t *idx = NULL;
	struct cas_pack *p;
	char file[CAS_PACK_NAME_SIZE + 8];
	struct stat st;
	size_t len = 0;
	int r;

	if (strlen(name) >= CAS_PACK_NAME_SIZE)
		return volt_error_set(EINVAL, "bad pack name %s", name);
	snprintf(file, sizeof(file), "%s.idx", name);
	ifd = openat(cas->packs_fd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (ifd < 0)
		return errno == ENOENT ? -ENOENT : volt_error_set_errno(errno, "open packs/%s", file);
	snprintf(file, sizeof(file), "%s.pack", name);
	pfd = openat(cas->packs_fd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (pfd < 0)
		return errno == ENOENT ? -ENOENT : volt_error_set_errno(errno, "open packs/%s", file);
	if (fstat(pfd, &st) < 0)
		return volt_error_set_errno(errno, "stat packs/%s", file);
	if (!S_ISREG(st.st_mode))
		return volt_error_set(EBADMSG, "packs/%s is not a file", file);
	r = read_fd_all(ifd, &idx, &len, (size_t)1 << 31);
	if (r < 0)
		return volt_error_set_errno(-r, "read packs/%s.idx", name);
	p = calloc(1, sizeof(*p));
	if (!p)
		return volt_error_set(ENOMEM, NULL);
	p->fd = -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	r = cas_pack_parse_index(p, idx, len, (uint64_t)st.st_size);
	if (r < 0) {
		p->idx = NULL;
		cas_pack_free(p);
		return volt_error_prefix(r, "packs/%s.idx", name);
	}
	TAKE_PTR(idx);
	p->fd = TAKE_FD(pfd);
	*out = p;
	return 0;
}

static bool is_pack_name(const char *n, const char *suffix, char out[CAS_PACK_NAME_SIZE])
{
	size_t l = strlen(n), sl = strlen(suffix);

	if (l != 5 + 32 + sl || strncmp(n, "pack-", 5) != 0 || strcmp(n + l - sl, suffix) != 0)
		return false;
	for (size_t i = 5; i < 37; i++)
		if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
			return false;
	memcpy(out, n, 37);
	out[37] = 0;
	return true;
}

static bool known(struct cas_packs *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i]->name, name) == 0)
			return true;
	return false;
}

/* The set's write lock is held. */
static int add_locked(struct cas_packs *s, struct cas_pack *p)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct cas_pack **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return volt_error_set(ENOMEM, NULL);
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = p;
	return 0;
}

int cas_packs_add(volt_cas *cas, struct cas_pack *p)
{
	int r;

	pthread_rwlock_wrlock(&cas->packs->lock);
	r = add_locked(cas->packs, p);
	pthread_rwlock_unlock(&cas->packs->lock);
	if (r < 0)
		cas_pack_free(p);
	return r;
}

int cas_packs_scan(volt_cas *cas)
{
	struct cas_packs *s = cas->packs;
	int r = 0;

	if (cas->packs_fd < 0) {
		r = cas_packs_dir(cas, false);
		if (r <= 0) {
			/* No packs yet: full misses look again (cas_block_get). */
			pthread_rwlock_wrlock(&s->lock);
			s->scanned = r == 0;
			pthread_rwlock_unlock(&s->lock);
			return r;
		}
	}
	pthread_rwlock_wrlock(&s->lock);
	/* A pack that vanished between the listing and its open was removed by
	 * a gc, which published its live blocks first: list again. */
	for (int round = 0; round < 8; round++) {
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *de;
		bool vanished = false;
		int fd = openat(cas->packs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || !(d = fdopendir(fd))) {
			r = volt_error_set_errno(errno, "list %s/packs", cas->path);
			if (fd >= 0)
				close(fd);
			break;
		}
		while ((de = readdir(d))) {
			char name[CAS_PACK_NAME_SIZE];
			struct cas_pack *p = NULL;

			if (!is_pack_name(de->d_name, ".idx", name) || known(s, name))
				continue;
			r = cas_pack_load(cas, name, &p);
			if (r == -ENOENT) {
				vanished = true;
				r = 0;
				continue;
			}
			if (r == -EBADMSG) {
				/* fsck reports it; its blocks are missing until then. */
				volt_error_clear();
				r = 0;
				continue;
			}
			if (r < 0)
				break;
			r = add_locked(s, p);
			if (r < 0) {
				cas_pack_free(p);
				break;
			}
		}
		if (r < 0 || !vanished)
			break;
	}
	s->scanned = true;
	pthread_rwlock_unlock(&s->lock);
	return r;
}

int cas_packs_revalidate(volt_cas *cas)
{
	struct cas_packs *s = cas->packs;

	if (cas->packs_fd < 0)
		return 0;
	pthread_rwlock_wrlock(&s->lock);
	for (size_t i = 0; i < s->n; i++) {
		char file[CAS_PACK_NAME_SIZE + 8];

		if (s->v[i]->gone)
			continue;
		snprintf(file, sizeof(file), "%s.idx", s->v[i]->name);
		if (faccessat(cas->packs_fd, file, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
			s->v[i]->gone = true;
	}
	pthread_rwlock_unlock(&s->lock);
	return 0;
}

void cas_packs_clear(struct cas_packs *s)
{
	for (size_t i = 0; i < s->n; i++)
		cas_pack_free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* Find @h in the set; the read lock is held. */
static struct cas_pack *find_locked(struct cas_packs *s, const volt_cas_hash *h, struct cas_pack_entry *e)
{
	for (size_t i = s->n; i-- > 0;) {
		int64_t k;

		if (s->v[i]->gone)
			continue;
		k = cas_pack_find(s->v[i], h);
		if (k >= 0) {
			cas_pack_entry_at(s->v[i], (uint32_t)k, e);
			return s->v[i];
		}
	}
	return NULL;
}

static int ensure_scanned(volt_cas *cas)
{
	bool scanned;

	pthread_rwlock_rdlock(&cas->packs->lock);
	scanned = cas->packs->scanned;
	pthread_rwlock_unlock(&cas->packs->lock);
	return scanned ? 0 : cas_packs_scan(cas);
}

int cas_packs_lookup(volt_cas *cas, const volt_cas_hash *h, bool refresh)
{
	struct cas_pack_entry e;
	struct cas_pack *p;
	int r = ensure_scanned(cas);

	if (r < 0)
		return r;
	for (int pass = 0; pass < 2; pass++) {
		pthread_rwlock_rdlock(&cas->packs->lock);
		p = find_locked(cas->packs, h, &e);
		pthread_rwlock_unlock(&cas->packs->lock);
		if (p)
			return 1;
		if (!refresh || pass)
			break;
		r = cas_packs_scan(cas);
		if (r < 0)
			return r;
	}
	return 0;
}

/* One preadv: the block header apart, the payload into the buffer that a
 * raw block (incompressible and small blocks, the common case of image
 * reads and checkouts) is returned in, so its bytes are copied once. */
int cas_pack_read_entry(const struct cas_pack *p, const struct cas_pack_entry *e, void **out, size_t *out_len)
{
	size_t plen = e->len - CAS_BLOCK_HEADER, got = 0, want = e->len;
	_cleanup_free_ uint8_t *payload = malloc(plen ? plen : 1), *buf = NULL;
	uint8_t hdr[CAS_BLOCK_HEADER];
	volt_cas_hash h;
	int r;

	if (!payload)
		return volt_error_set(ENOMEM, NULL);
	while (got < want) {
		struct iovec iov[2];
		int n_iov = 0;
		ssize_t n;

		if (got < sizeof(hdr))
			iov[n_iov++] = (struct iovec){ hdr + got, sizeof(hdr) - got };
		iov[n_iov++] = (struct iovec){ payload + (got > sizeof(hdr) ? got - sizeof(hdr) : 0),
					       plen - (got > sizeof(hdr) ? got - sizeof(hdr) : 0) };
		n = preadv(p->fd, iov, n_iov, (off_t)(e->offset + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return volt_error_set_errno(errno, "read packs/%s.pack", p->name);
		if (n == 0)
			return volt_error_set(EBADMSG, "packs/%s.pack is truncated", p->name);
		got += (size_t)n;
	}
	if (hdr[0] == 1 && hdr[1] == 0 && !hdr[2] && !hdr[3] &&
	    cas_block_raw_len(hdr) == plen) {
		cas_sha256(&h, payload, plen);
		if (memcmp(h.bytes, e->hash.bytes, VOLT_CAS_HASH_SIZE) != 0)
			return volt_error_set(EBADMSG, "packs/%s.pack at %llu: block content does not match its hash",
					      p->name, (unsigned long long)e->offset);
		*out = TAKE_PTR(payload);
		*out_len = plen;
		return 0;
	}
	/* Compressed (or malformed): the decoder wants the block whole. */
	buf = malloc(e->len);
	if (!buf)
		return volt_error_set(ENOMEM, NULL);
	memcpy(buf, hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), payload, plen);
	r = cas_block_decode(out, out_len, buf, e->len, &e->hash);
	if (r < 0)
		return volt_error_prefix(r, "packs/%s.pack at %llu", p->name, (unsigned long long)e->offset);
	return 0;
}

int cas_packs_get(volt_cas *cas, const volt_cas_hash *h, void **out, size_t *out_len, bool refresh)
{
	struct cas_pack_entry e;
	struct cas_pack *p;
	int r = ensure_scanned(cas);

	if (r < 0)
		return r;
	for (int pass = 0; pass < 2; pass++) {
		pthread_rwlock_rdlock(&cas->packs->lock);
		p = find_locked(cas->packs, h, &e);
		if (p) {
			/* Packs are never freed while the handle is open: reading
			 * under the read lock only keeps the array stable. */
			r = cas_pack_read_entry(p, &e, out, out_len);
			pthread_rwlock_unlock(&cas->packs->lock);
			return r < 0 ? r : 1;
		}
		pthread_rwlock_unlock(&cas->packs->lock);
		if (!refresh || pass)
			break;
		r = cas_packs_scan(cas);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The encoding (header and payload as stored) of @h in a published pack,
 * verified by decoding it against its hash: what a registry push sends;
 * the decoded bytes too in @raw_out. */
static int packs_get_encoded(volt_cas *cas, const volt_cas_hash *h, void **out, size_t *out_len, void **raw_out,
			     size_t *raw_len_out)
{
	_cleanup_free_ uint8_t *enc = NULL;
	_cleanup_free_ void *raw = NULL;
	struct cas_pack_entry e;
	struct cas_pack *p;
	size_t raw_len, got = 0;
	int r = ensure_scanned(cas);

	if (r < 0)
		return r;
	pthread_rwlock_rdlock(&cas->packs->lock);
	p = find_locked(cas->packs, h, &e);
	if (!p) {
		pthread_rwlock_unlock(&cas->packs->lock);
		return 0;
	}
	enc = malloc(e.len ? e.len : 1);
	if (!enc)
		r = volt_error_set(ENOMEM, NULL);
	while (r >= 0 && got < e.len) {
		ssize_t n = pread(p->fd, enc + got, e.len - got, (off_t)(e.offset + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = volt_error_set_errno(errno, "read packs/%s.pack", p->name);
		else if (n == 0)
			r = volt_error_set(EBADMSG, "packs/%s.pack is truncated", p->name);
		else
			got += (size_t)n;
	}
	if (r >= 0 && (r = cas_block_decode(&raw, &raw_len, enc, e.len, h)) < 0)
		r = volt_error_prefix(r, "packs/%s.pack at %llu", p->name, (unsigned long long)e.offset);
	pthread_rwlock_unlock(&cas->packs->lock);
	if (r < 0)
		return r;
	*out = TAKE_PTR(enc);
	*out_len = e.len;
	*raw_out = TAKE_PTR(raw);
	*raw_len_out = raw_len;
	return 1;
}

int cas_block_get_encoded(volt_cas *cas, const volt_cas_hash *h, void **out, size_t *out_len)
{
	_cleanup_free_ void *raw = NULL, *enc = NULL;
	size_t raw_len, enc_len;
	int r = packs_get_encoded(cas, h, &enc, &enc_len, &raw, &raw_len);

	/* As stored, unless it is LZ4 (stores of format 1 and 2): that one,
	 * and pending or loose blocks, are encoded again with zstd. */
	if (r > 0 && ((const uint8_t *)enc)[1] != CAS_CODEC_LZ4) {
		*out = TAKE_PTR(enc);
		*out_len = enc_len;
		return 0;
	}
	if (r < 0)
		return r;
	if (r == 0) {
		r = cas_block_get(cas, h, &raw, &raw_len);
		if (r < 0)
			return r;
	}
	return cas_block_encode(out, out_len, raw, raw_len, CAS_CODEC_ZSTD);
}

int cas_block_put_encoded(volt_cas *cas, const volt_cas_hash *h, const void *enc, size_t len, uint32_t *out_raw_len)
{
	_cleanup_free_ void *raw = NULL;
	volt_cas_hash got;
	size_t raw_len;
	int r;

	/* Decoded and hashed first: nothing that is not the block @h enters the store. */
	r = cas_block_decode(&raw, &raw_len, enc, len, h);
	if (r < 0)
		return r;
	if (out_raw_len)
		*out_raw_len = (uint32_t)raw_len;
	r = cas_block_exists(cas, h);
	if (r != 0)
		return r < 0 ? r : 0;
	/* Loose files, or a zstd block in a store older binaries read (LZ4):
	 * encoded again the store's way. */
	if (!cas_format_has_packs(cas->format) ||
	    (((const uint8_t *)enc)[1] == CAS_CODEC_ZSTD && cas_format_codec(cas->format) != CAS_CODEC_ZSTD))
		return cas_block_put(cas, raw, raw_len, &got, NULL);
	r = cas_pack_writer_add(cas, cas->writer, h, enc, len, (uint32_t)raw_len);
	return r < 0 ? r : 0;
}
