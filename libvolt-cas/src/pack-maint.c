/*
 * gc, fsck, stats and migration for packs.
 *
 * gc (under the store's exclusive lock, so no importer runs): a pack
 * with no live block is removed; a pack whose live blocks take less
 * than half its bytes is repacked: its live blocks are copied into a new
 * pack, which is published (durable) before the old index and pack are
 * unlinked. A gc killed at any point leaves every live block in a
 * published pack (old, new or both).
 *
 * fsck rehashes every pack against its index's checksum and every block
 * against its name. With --quarantine, the good blocks of a bad pack are
 * copied into a new pack first, then the bad pack and its index move to
 * quarantine/: only the bad blocks are lost.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <stdarg.h>

#include "pack-maint.h"

/* Read entry @e's encoding as stored. */
static int read_encoded(const struct cas_pack *p, const struct cas_pack_entry *e, uint8_t **out)
{
	_cleanup_free_ uint8_t *buf = malloc(e->len ? e->len : 1);
	size_t got = 0;

	if (!buf)
		return volt_error_set(ENOMEM, NULL);
	while (got < e->len) {
		ssize_t n = pread(p->fd, buf + got, e->len - got, (off_t)(e->offset + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return volt_error_set_errno(errno, "read packs/%s.pack", p->name);
		if (n == 0)
			return volt_error_set(EBADMSG, "packs/%s.pack is truncated", p->name);
		got += (size_t)n;
	}
	*out = TAKE_PTR(buf);
	return 0;
}

/* Copy entry @e of @p into @w after checking it: a corrupt block is never copied. */
static int copy_entry(volt_cas *cas, struct cas_pack_writer *w, const struct cas_pack *p,
		      const struct cas_pack_entry *e)
{
	_cleanup_free_ uint8_t *enc = NULL;
	_cleanup_free_ void *raw = NULL;
	size_t raw_len;
	int r;

	r = read_encoded(p, e, &enc);
	if (r < 0)
		return r;
	r = cas_block_decode(&raw, &raw_len, enc, e->len, &e->hash);
	if (r < 0)
		return volt_error_prefix(r, "packs/%s.pack", p->name);
	r = cas_pack_writer_add(cas, w, &e->hash, enc, e->len, e->raw_len);
	return r < 0 ? r : 0;
}

/* Lookups of other threads read the flag under the set's lock. */
static void mark_gone(volt_cas *cas, struct cas_pack *p)
{
	pthread_rwlock_wrlock(&cas->packs->lock);
	p->gone = true;
	pthread_rwlock_unlock(&cas->packs->lock);
}

static int remove_pack(volt_cas *cas, struct cas_pack *p)
{
	char file[CAS_PACK_NAME_SIZE + 8];

	/* The index first: without it the pack is a leftover. */
	snprintf(file, sizeof(file), "%s.idx", p->name);
	if (unlinkat(cas->packs_fd, file, 0) < 0 && errno != ENOENT)
		return volt_error_set_errno(errno, "remove packs/%s", file);
	snprintf(file, sizeof(file), "%s.pack", p->name);
	if (unlinkat(cas->packs_fd, file, 0) < 0 && errno != ENOENT)
		return volt_error_set_errno(errno, "remove packs/%s", file);
	mark_gone(cas, p);
	return 0;
}

/* Temporaries of killed writers and packs whose index never appeared;
 * only under the exclusive lock, when no writer runs. */
static int remove_leftovers(volt_cas *cas, bool dry_run, uint64_t *n)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd = openat(cas->packs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return volt_error_set_errno(errno, "list %s/packs", cas->path);
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		bool stray = strncmp(de->d_name, ".tmp-", 5) == 0 || strstr(de->d_name, ".tmp.");

		if (!stray && l > 5 && strcmp(de->d_name + l - 5, ".pack") == 0) {
			char idx[256];

			snprintf(idx, sizeof(idx), "%.*s.idx", (int)(l - 5), de->d_name);
			stray = faccessat(cas->packs_fd, idx, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
		}
		if (!stray)
			continue;
		(*n)++;
		if (!dry_run && unlinkat(cas->packs_fd, de->d_name, 0) < 0 && errno != ENOENT)
			return volt_error_set_errno(errno, "remove packs/%s", de->d_name);
	}
	return 0;
}

enum { KEEP, REPACK, DROP };
/* Packs under this size are merged once there are SMALL_PACKS_MAX of them. */
#define SMALL_PACK (64ull * 1024 * 1024)
#define SMALL_PACKS_MAX 8

int cas_packs_gc(volt_cas *cas, const struct cas_hashset *live, bool dry_run, volt_cas_gc_result *res)
{
	struct cas_pack_writer w;
	struct cas_hashset kept = {};
	_cleanup_free_ uint8_t *decision = NULL;
	_cleanup_free_ struct cas_pack **v = NULL;
	size_t n, n_small = 0;
	int r;

	if (cas->packs_fd < 0)
		return 0;
	r = cas_packs_scan(cas);
	if (r < 0)
		return r;
	/* A copy of the set: publishing the repacked copy grows (reallocates)
	 * the set's array; the packs themselves live as long as the handle. */
	pthread_rwlock_rdlock(&cas->packs->lock);
	n = cas->packs->n;
	v = malloc((n ? n : 1) * sizeof(*v));
	if (v && n)
		memcpy(v, cas->packs->v, n * sizeof(*v));
	pthread_rwlock_unlock(&cas->packs->lock);
	decision = calloc(n ? n : 1, 1);
	if (!v || !decision)
		return volt_error_set(ENOMEM, NULL);
	for (size_t i = 0; i < n; i++) {
		uint64_t live_bytes = 0, total = 0;
		struct cas_pack_entry e;

		if (v[i]->gone) {
			decision[i] = KEEP;
			continue;
		}
		for (uint32_t k = 0; k < v[i]->count; k++) {
			cas_pack_entry_at(v[i], k, &e);
			total += e.len;
			if (cas_hashset_contains(live, &e.hash))
				live_bytes += e.len;
		}
		decision[i] = live_bytes == 0 ? DROP : live_bytes * 2 < total ? REPACK : KEEP;
		if (decision[i] == KEEP && v[i]->size < SMALL_PACK)
			n_small++;
	}
	/* Every import leaves a pack, and a lookup searches each: many small
	 * packs are merged into one. */
	if (n_small >= SMALL_PACKS_MAX)
		for (size_t i = 0; i < n; i++)
			if (decision[i] == KEEP && !v[i]->gone && v[i]->size < SMALL_PACK)
				decision[i] = REPACK;
	/* Blocks of kept packs stay where they are; a copy elsewhere is dead. */
	for (size_t i = 0; i < n; i++) {
		struct cas_pack_entry e;

		if (decision[i] != KEEP || v[i]->gone)
			continue;
		for (uint32_t k = 0; k < v[i]->count; k++) {
			cas_pack_entry_at(v[i], k, &e);
			if (cas_hashset_contains(live, &e.hash) && cas_hashset_add(&kept, &e.hash, 0) > 0)
				res->blocks_kept++;
		}
	}
	cas_pack_writer_init(&w);
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct cas_pack_entry e;

		if (decision[i] == KEEP)
			continue;
		for (uint32_t k = 0; k < v[i]->count && r >= 0; k++) {
			cas_pack_entry_at(v[i], k, &e);
			if (cas_hashset_contains(live, &e.hash) && !cas_hashset_contains(&kept, &e.hash)) {
				r = cas_hashset_add(&kept, &e.hash, 0);
				if (r >= 0 && !dry_run)
					r = copy_entry(cas, &w, v[i], &e);
				res->blocks_kept++;
			} else {
				res->blocks_removed++;
				res->bytes_removed += e.len + CAS_PACK_RECORD_HEADER;
			}
		}
	}
	cas_hashset_clear(&kept);
	/* The copies are durable before any original goes. */
	if (r >= 0 && !dry_run)
		r = cas_pack_writer_publish(cas, &w);
	cas_pack_writer_clear(&w);
	if (r < 0)
		return volt_error_prefix(r, "repack (run fsck)");
	if (!dry_run) {
		for (size_t i = 0; i < n && r >= 0; i++)
			if (decision[i] != KEEP)
				r = remove_pack(cas, v[i]);
		if (r < 0)
			return r;
	}
	r = remove_leftovers(cas, dry_run, &res->temp_removed);
	if (r >= 0 && !dry_run && fsync(cas->packs_fd) < 0)
		r = volt_error_set_errno(errno, "sync %s/packs", cas->path);
	return r;
}

/* ---- fsck ---- */

static int pack_checksum(const struct cas_pack *p, volt_cas_hash *out)
{
	_cleanup_free_ uint8_t *buf = malloc(1u << 20);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int sl = 0;
	uint64_t off = 0;
	int r = 0;

	if (!buf || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return volt_error_set(ENOMEM, NULL);
	}
	while (off < p->size) {
		ssize_t n = pread(p->fd, buf, 1u << 20, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? volt_error_set_errno(errno, "read packs/%s.pack", p->name)
				  : volt_error_set(EBADMSG, "packs/%s.pack is truncated", p->name);
			break;
		}
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		off += (uint64_t)n;
	}
	if (r >= 0 && (EVP_DigestFinal_ex(ctx, out->bytes, &sl) != 1 || sl != VOLT_CAS_HASH_SIZE))
		r = volt_error_set(ENOMEM, NULL);
	EVP_MD_CTX_free(ctx);
	return r;
}

static void report(struct cas_pack_fsck *f, volt_cas_problem p, const volt_cas_hash *h, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void report(struct cas_pack_fsck *f, volt_cas_problem p, const volt_cas_hash *h, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (f->problem)
		f->problem(p, h, detail, f->userdata);
}

static int quarantine_pack(volt_cas *cas, struct cas_pack_fsck *f, const char *name)
{
	char file[CAS_PACK_NAME_SIZE + 8];

	for (const char *ext = ".idx"; ext; ext = strcmp(ext, ".idx") == 0 ? ".pack" : NULL) {
		snprintf(file, sizeof(file), "%s%s", name, ext);
		if (renameat(cas->packs_fd, file, f->qfd, file) < 0 && errno != ENOENT)
			return volt_error_set_errno(errno, "quarantine packs/%s", file);
	}
	return 0;
}

/* Check one pack; salvage and quarantine it when bad and asked to. */
static int check_pack(volt_cas *cas, struct cas_pack_fsck *f, struct cas_pack *p)
{
	volt_cas_hash sum;
	uint64_t bad = 0;
	bool sum_bad;
	int r;

	r = pack_checksum(p, &sum);
	if (r < 0 && r != -EBADMSG)
		return r;
	sum_bad = r < 0 || memcmp(sum.bytes, p->pack_sum.bytes, VOLT_CAS_HASH_SIZE) != 0;
	for (uint32_t k = 0; k < p->count; k++) {
		_cleanup_free_ void *data = NULL;
		struct cas_pack_entry e;
		size_t len;

		cas_pack_entry_at(p, k, &e);
		f->blocks++;
		r = cas_pack_read_entry(p, &e, &data, &len);
		if (r == -EBADMSG) {
			bad++;
			f->corrupt++;
			report(f, VOLT_CAS_PROBLEM_CORRUPT_BLOCK, &e.hash, "%s", volt_error_message());
			volt_error_clear();
			r = 0; /* the salvage below must not see it as a failure */
			continue;
		}
		if (r < 0)
			return r;
		if (cas_hashset_add(f->good, &e.hash, 0) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	if (sum_bad && !bad) {
		/* Bytes outside every block (record headers, padding) changed. */
		f->corrupt++;
		report(f, VOLT_CAS_PROBLEM_CORRUPT_BLOCK, NULL, "packs/%s.pack does not match the checksum in its index",
		       p->name);
	}
	if ((!bad && !sum_bad) || f->qfd < 0)
		return 0;
	{
		struct cas_pack_writer w;

		cas_pack_writer_init(&w);
		for (uint32_t k = 0; k < p->count && r >= 0; k++) {
			struct cas_pack_entry e;

			cas_pack_entry_at(p, k, &e);
			r = copy_entry(cas, &w, p, &e);
			if (r == -EBADMSG) {
				volt_error_clear();
				r = 0;
			}
		}
		if (r >= 0)
			r = cas_pack_writer_publish(cas, &w);
		cas_pack_writer_clear(&w);
		if (r < 0)
			return r;
	}
	r = quarantine_pack(cas, f, p->name);
	if (r < 0)
		return r;
	mark_gone(cas, p);
	f->quarantined += bad ? bad : 1;
	return 0;
}

int cas_packs_fsck(volt_cas *cas, struct cas_pack_fsck *f)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	size_t n;
	int fd, r;

	if (cas->packs_fd < 0)
		return 0;
	r = cas_packs_scan(cas);
	if (r < 0)
		return r;
	/* Indexes that do not load (checksum, structure) are not in the set. */
	fd = openat(cas->packs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return volt_error_set_errno(errno, "list %s/packs", cas->path);
	}
	while ((de = readdir(d))) {
		struct cas_pack *p = NULL;
		char name[CAS_PACK_NAME_SIZE];
		size_t l = strlen(de->d_name);

		if (l != 41 || strncmp(de->d_name, "pack-", 5) || strcmp(de->d_name + 37, ".idx"))
			continue;
		memcpy(name, de->d_name, 37);
		name[37] = 0;
		r = cas_pack_load(cas, name, &p);
		if (r == -EBADMSG) {
			f->corrupt++;
			report(f, VOLT_CAS_PROBLEM_CORRUPT_BLOCK, NULL, "%s", volt_error_message());
			volt_error_clear();
			if (f->qfd >= 0) {
				r = quarantine_pack(cas, f, name);
				if (r < 0)
					return r;
				f->quarantined++;
			}
			continue;
		}
		cas_pack_free(p);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	pthread_rwlock_rdlock(&cas->packs->lock);
	n = cas->packs->n;
	pthread_rwlock_unlock(&cas->packs->lock);
	for (size_t i = 0; i < n; i++) {
		struct cas_pack *p;

		/* Salvaged packs are appended (the array may move), after the first n. */
		pthread_rwlock_rdlock(&cas->packs->lock);
		p = cas->packs->v[i];
		pthread_rwlock_unlock(&cas->packs->lock);
		if (p->gone)
			continue;
		r = check_pack(cas, f, p);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- stats ---- */

int cas_packs_stats(volt_cas *cas, volt_cas_stats *s, uint64_t *raw_total)
{
	int r;

	if (cas->packs_fd < 0)
		return 0;
	r = cas_packs_scan(cas);
	if (r < 0)
		return r;
	pthread_rwlock_rdlock(&cas->packs->lock);
	for (size_t i = 0; i < cas->packs->n; i++) {
		struct cas_pack *p = cas->packs->v[i];
		struct stat st;
		char file[CAS_PACK_NAME_SIZE + 8];

		if (p->gone)
			continue;
		s->blocks += p->count;
		s->stored_bytes += p->size + p->idx_len;
		if (fstat(p->fd, &st) == 0)
			s->disk_bytes += (uint64_t)st.st_blocks * 512;
		snprintf(file, sizeof(file), "%s.idx", p->name);
		if (fstatat(cas->packs_fd, file, &st, AT_SYMLINK_NOFOLLOW) == 0)
			s->disk_bytes += (uint64_t)st.st_blocks * 512;
		for (uint32_t k = 0; k < p->count; k++) {
			struct cas_pack_entry e;

			cas_pack_entry_at(p, k, &e);
			*raw_total += e.raw_len;
		}
	}
	pthread_rwlock_unlock(&cas->packs->lock);
	return 0;
}
