/*
 * gc, fsck and stats.
 *
 * Locking (docs/cas-format.md): importers and ref writers hold the
 * store's "lock" file shared (flock) from before their first block
 * write until their ref is durable; gc holds it exclusively from before
 * it reads the refs until its sweep ends. So gc never sees a ref
 * without its blocks, and never deletes a block that a running import
 * found already present (and so did not write). flock locks die with
 * their process: a killed importer or gc never blocks the store.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pack-maint.h"
#include "walk.h"

/* Call @fn for every block file (and stray temporary) in the store. */
static int for_each_block_file(volt_cas *cas,
			       int (*fn)(volt_cas *cas, int dfd, const char *name, const volt_cas_hash *h,
					 void *userdata),
			       void *userdata)
{
	if (cas->blocks_fd < 0)
		return 0; /* a store of packs only */
	for (unsigned i = 0; i < 256; i++) {
		int r;
		_cleanup_closedir_ DIR *d = NULL;
		char dir[3];
		struct dirent *de;
		int dfd;

		snprintf(dir, sizeof(dir), "%02x", i);
		dfd = openat(cas->blocks_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 && errno == ENOENT)
			continue; /* removed by a migration */
		if (dfd < 0)
			return volt_error_set_errno(errno, "open blocks/%s", dir);
		d = fdopendir(dfd);
		if (!d) {
			close(dfd);
			return volt_error_set_errno(errno, "open blocks/%s", dir);
		}
		while ((de = readdir(d))) {
			char hex[VOLT_CAS_HASH_HEX_SIZE];
			volt_cas_hash h;

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (strlen(de->d_name) == 62) {
				memcpy(hex, dir, 2);
				memcpy(hex + 2, de->d_name, 63);
				if (volt_cas_hash_from_hex(&h, hex) < 0)
					goto stray;
				r = fn(cas, dirfd(d), de->d_name, &h, userdata);
			} else {
stray:
				volt_error_clear();
				r = fn(cas, dirfd(d), de->d_name, NULL, userdata);
			}
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* ---- gc ---- */

struct sweep {
	struct cas_walk *w;
	volt_cas_gc_result res;
	bool dry_run;
};

static int sweep_one(volt_cas *cas, int dfd, const char *name, const volt_cas_hash *h, void *userdata)
{
	struct sweep *s = userdata;
	struct stat st;

	if (h && cas_hashset_contains(&s->w->seen, h)) {
		s->res.blocks_kept++;
		return 0;
	}
	/* Under the exclusive lock no writer runs: a ".tmp-" file is a leftover. */
	if (!h && strncmp(name, ".tmp-", 5) != 0)
		return 0;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : volt_error_set_errno(errno, "stat %s", name);
	if (h) {
		s->res.blocks_removed++;
		s->res.bytes_removed += (uint64_t)st.st_size;
	} else {
		s->res.temp_removed++;
	}
	if (!s->dry_run && unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		return volt_error_set_errno(errno, "remove block %s", name);
	return 0;
}

/* An untag (which takes no lock) may delete a ref between the listing and
 * its read: it needs no marking. Anything else stops gc. */
static int gc_bad_ref(struct cas_walk *w, const char *name, int err)
{
	if (err == -ENOENT) {
		volt_error_clear();
		return 0;
	}
	return err;
}

VOLT_API int volt_cas_gc(volt_cas_gc_result *out, volt_cas *cas, unsigned int flags)
{
	struct cas_walk w = { .cas = cas };
	struct sweep s = { .w = &w, .res = VOLT_CAS_GC_RESULT_INIT, .dry_run = flags & VOLT_CAS_GC_DRY_RUN };
	_cleanup_close_ int lock = -1;
	int r;

	assert_return(cas, EINVAL);
	assert_return(!out || VERSION_SUPPORTED(out->version, VOLT_CAS_RESULT_VERSION), EINVAL);
	r = cas_lock(cas, true, !(flags & VOLT_CAS_GC_NO_WAIT), &lock);
	if (r < 0)
		return r;
	r = cas_walk_refs(&w, gc_bad_ref, &s.res.refs);
	if (r < 0) {
		cas_walk_clear(&w);
		return volt_error_prefix(r == -ENOENT ? -EBADMSG : r, "gc: cannot mark (run fsck)");
	}
	r = cas_packs_gc(cas, &w.seen, s.dry_run, &s.res);
	if (r >= 0)
		r = for_each_block_file(cas, sweep_one, &s);
	cas_walk_clear(&w);
	if (r < 0)
		return volt_error_prefix(r, "gc");
	if (!s.dry_run)
		cas_sync(cas);
	if (out)
		*out = s.res;
	return 0;
}

/* ---- fsck ---- */

struct fsck {
	volt_cas_fsck_result res;
	struct cas_hashset good;
	unsigned flags;
	volt_cas_problem_fn fn;
	void *userdata;
	int qfd;
	uint64_t lost;
};

static void problem(struct fsck *f, volt_cas_problem p, const volt_cas_hash *h, const char *detail)
{
	if (f->fn)
		f->fn(p, h, detail, f->userdata);
}

static int check_block_file(volt_cas *cas, int dfd, const char *name, const volt_cas_hash *h, void *userdata)
{
	struct fsck *f = userdata;
	_cleanup_free_ void *data = NULL;
	size_t len;
	int r;

	if (!h)
		return 0; /* temporaries of running or killed writers are not blocks */
	f->res.blocks++;
	r = cas_block_get(cas, h, &data, &len);
	if (r == -EBADMSG) {
		f->res.corrupt++;
		problem(f, VOLT_CAS_PROBLEM_CORRUPT_BLOCK, h, volt_error_message());
		if (f->flags & VOLT_CAS_FSCK_QUARANTINE) {
			char hex[VOLT_CAS_HASH_HEX_SIZE];

			volt_cas_hash_to_hex(hex, h);
			if (renameat(dfd, name, f->qfd, hex) < 0)
				return volt_error_set_errno(errno, "quarantine %s", hex);
			f->res.quarantined++;
		}
		return 0;
	}
	if (r < 0)
		return r;
	return cas_hashset_add(&f->good, h, 0) < 0 ? -ENOMEM : 0;
}

static int fsck_block(struct cas_walk *w, const volt_cas_hash *h, uint32_t len)
{
	struct fsck *f = w->userdata;

	if (!cas_hashset_contains(&f->good, h)) {
		f->res.missing++;
		problem(f, VOLT_CAS_PROBLEM_MISSING_BLOCK, h, "referenced block is missing or corrupt");
	}
	return 0;
}

static int fsck_bad_object(struct cas_walk *w, const volt_cas_hash *h, int err)
{
	struct fsck *f = w->userdata;

	if (err == -ENOMEM)
		return err;
	if (err == -ENOENT || !cas_hashset_contains(&f->good, h)) {
		f->res.missing++;
		problem(f, VOLT_CAS_PROBLEM_MISSING_BLOCK, h, volt_error_message());
	} else {
		f->res.bad_objects++;
		problem(f, VOLT_CAS_PROBLEM_BAD_OBJECT, h, volt_error_message());
	}
	return 0;
}

static int fsck_bad_ref(struct cas_walk *w, const char *name, int err)
{
	struct fsck *f = w->userdata;

	f->res.bad_refs++;
	problem(f, VOLT_CAS_PROBLEM_BAD_REF, NULL, volt_error_message());
	return 0;
}

/* Which refs lose blocks: the walk above visits a block shared by many
 * refs once, so each ref is walked on its own (only when blocks are lost). */
static int count_lost_block(struct cas_walk *w, const volt_cas_hash *h, uint32_t len)
{
	struct fsck *f = w->userdata;

	if (!cas_hashset_contains(&f->good, h))
		f->lost++;
	return 0;
}

static int count_lost_object(struct cas_walk *w, const volt_cas_hash *h, int err)
{
	struct fsck *f = w->userdata;

	if (err == -ENOMEM)
		return err;
	f->lost++;
	return 0;
}

static int report_damaged_refs(volt_cas *cas, struct fsck *f)
{
	char **names = NULL;
	size_t n = 0;
	int r;

	r = volt_cas_ref_list(&names, &n, cas);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct cas_walk w = { .cas = cas, .on_bad_object = count_lost_object, .on_block = count_lost_block,
				      .userdata = f };
		volt_cas_hash h;

		if (volt_cas_ref_get(&h, cas, names[i]) < 0) {
			volt_error_clear();
			continue;
		}
		f->lost = 0;
		r = cas_walk_root(&w, &h);
		cas_walk_clear(&w);
		if (r >= 0 && f->lost) {
			char detail[256];

			snprintf(detail, sizeof(detail), "ref %s loses %llu blocks", names[i], (unsigned long long)f->lost);
			problem(f, VOLT_CAS_PROBLEM_DAMAGED_REF, &h, detail);
		}
	}
	volt_strv_free(names);
	return r;
}

VOLT_API int volt_cas_fsck(volt_cas_fsck_result *out, volt_cas *cas, unsigned int flags, volt_cas_problem_fn fn,
			   void *userdata)
{
	struct fsck f = { .res = VOLT_CAS_FSCK_RESULT_INIT, .flags = flags, .fn = fn, .userdata = userdata, .qfd = -1 };
	struct cas_walk w = { .cas = cas, .on_bad_object = fsck_bad_object, .on_block = fsck_block, .userdata = &f };
	_cleanup_close_ int lock = -1;
	int r;

	assert_return(cas, EINVAL);
	assert_return(!out || VERSION_SUPPORTED(out->version, VOLT_CAS_RESULT_VERSION), EINVAL);
	if (flags & VOLT_CAS_FSCK_QUARANTINE) {
		/* Packs leave packs/ only under the exclusive lock: an importer
		 * holding the shared one may rely on the pack it found a block in. */
		r = cas_lock(cas, true, true, &lock);
		if (r < 0)
			return r;
		if (mkdirat(cas->dir_fd, "quarantine", 0700) < 0 && errno != EEXIST)
			return volt_error_set_errno(errno, "create quarantine");
		f.qfd = openat(cas->dir_fd, "quarantine", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (f.qfd < 0)
			return volt_error_set_errno(errno, "open quarantine");
	}
	r = for_each_block_file(cas, check_block_file, &f);
	if (r >= 0) {
		struct cas_pack_fsck pf = { .good = &f.good, .qfd = f.qfd, .problem = fn, .userdata = userdata };

		r = cas_packs_fsck(cas, &pf);
		f.res.blocks += pf.blocks;
		f.res.corrupt += pf.corrupt;
		f.res.quarantined += pf.quarantined;
	}
	if (r >= 0)
		r = cas_walk_refs(&w, fsck_bad_ref, &f.res.refs);
	if (r >= 0 && f.res.missing)
		r = report_damaged_refs(cas, &f);
	if (f.qfd >= 0)
		close(f.qfd);
	cas_hashset_clear(&f.good);
	cas_walk_clear(&w);
	if (r < 0)
		return volt_error_prefix(r, "fsck");
	if (out)
		*out = f.res;
	if (f.res.corrupt || f.res.missing || f.res.bad_objects || f.res.bad_refs)
		return volt_error_set(EBADMSG, "fsck: %llu corrupt, %llu missing, %llu bad objects, %llu bad refs",
				      (unsigned long long)f.res.corrupt, (unsigned long long)f.res.missing,
				      (unsigned long long)f.res.bad_objects, (unsigned long long)f.res.bad_refs);
	return 0;
}

/* ---- stats ---- */

struct stat_acc {
	volt_cas_stats *s;
	uint64_t raw_total;
};

static int stat_block_file(volt_cas *cas, int dfd, const char *name, const volt_cas_hash *h, void *userdata)
{
	struct stat_acc *a = userdata;
	struct stat st;
	uint8_t hdr[CAS_BLOCK_HEADER];
	_cleanup_close_ int fd = -1;

	if (!h)
		return 0;
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0)
		return errno == ENOENT ? 0 : volt_error_set_errno(errno, "stat block %s", name);
	a->s->blocks++;
	a->s->stored_bytes += (uint64_t)st.st_size;
	a->s->disk_bytes += (uint64_t)st.st_blocks * 512;
	/* The raw length is in the header; unreadable headers count as stored size. */
	if (pread(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr))
		a->raw_total += cas_block_raw_len(hdr);
	else
		a->raw_total += (uint64_t)st.st_size;
	return 0;
}

VOLT_API int volt_cas_get_stats(volt_cas_stats *out, volt_cas *cas)
{
	volt_cas_stats s = VOLT_CAS_STATS_INIT;
	struct cas_walk w = { .cas = cas, .count_shared = true };
	struct stat_acc a = { .s = &s };
	int r;

	assert_return(cas, EINVAL);
	assert_return(out && VERSION_SUPPORTED(out->version, VOLT_CAS_RESULT_VERSION), EINVAL);
	r = cas_walk_refs(&w, NULL, &s.refs);
	if (r >= 0)
		r = for_each_block_file(cas, stat_block_file, &a);
	if (r >= 0)
		r = cas_packs_stats(cas, &s, &a.raw_total);
	cas_walk_clear(&w);
	if (r < 0)
		return volt_error_prefix(r, "stats");
	s.logical_bytes = w.logical;
	s.unique_bytes = w.unique;
	s.dedup_ratio = s.unique_bytes ? (double)s.logical_bytes / (double)s.unique_bytes : 0.0;
	s.compression_ratio = s.stored_bytes ? (double)a.raw_total / (double)s.stored_bytes : 0.0;
	*out = s;
	return 0;
}
