/*
 * Pack files (store format 2): many blocks in one file, found through a
 * sorted index with a fan-out table. Format, durability and locking:
 * docs/cas-packs.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_PACK_H
#define VOLT_CAS_PACK_H

#include <pthread.h>
#include <sys/types.h>

#include "cas-internal.h"
#include "hashset.h"

#define CAS_PACK_MAGIC "VOLTPACK"
#define CAS_IDX_MAGIC "VOLTPIDX"
#define CAS_PACK_VERSION 1
#define CAS_PACK_HEADER 16
/* Before each block in a pack: its hash and the length of its encoding. */
#define CAS_PACK_RECORD_HEADER (VOLT_CAS_HASH_SIZE + 4)
#define CAS_IDX_HEADER (8 + 4 + 4 + 8 + VOLT_CAS_HASH_SIZE)
#define CAS_IDX_FANOUT (256 * 4)
#define CAS_IDX_ENTRY (VOLT_CAS_HASH_SIZE + 8 + 4 + 4)
/* A writer starts a new pack past this size. */
#define CAS_PACK_ROLL (512ull * 1024 * 1024)
/* "pack-" and 32 hex digits. */
#define CAS_PACK_NAME_SIZE 40

struct cas_pack_entry {
	volt_cas_hash hash;
	uint64_t offset;   /* of the block's encoding (after its record header) */
	uint32_t len;      /* of the encoding */
	uint32_t raw_len;
};

/* One published pack: its index in memory and the pack kept open. */
struct cas_pack {
	char name[CAS_PACK_NAME_SIZE];
	int fd;
	uint64_t size;
	uint8_t *idx;            /* the whole index file (malloc) */
	size_t idx_len;
	uint32_t count;
	volt_cas_hash pack_sum;  /* SHA-256 of the pack file, from the index */
	bool gone;               /* removed or quarantined by this process */
};

/* Every pack this handle knows; grows when new packs appear. */
struct cas_packs {
	pthread_rwlock_t lock;
	struct cas_pack **v;
	size_t n, cap;
	bool scanned;
};

/* The blocks this handle is writing into a pack not yet published. */
struct cas_pack_writer {
	pthread_mutex_t lock;
	int fd;                  /* -1: no pack started */
	int rfd;                 /* the pack opened again for reads while fd is O_DIRECT, or -1 */
	bool direct;             /* fd writes bypass the page cache (aligned writes only) */
	int dir_fd;              /* packs/ (not owned) */
	char tmpname[64];        /* named temporary, or "" for an O_TMPFILE */
	uint64_t written;        /* bytes on the file or being written (where buf starts) */
	uint8_t *buf;            /* appended, not yet written */
	size_t buf_len;
	void *sha;               /* EVP_MD_CTX over the whole pack */
	/* A full buffer is checksummed and written by the thread that filled
	 * it without the lock held, one at a time and in file order, while
	 * other threads append to the next one. */
	pthread_cond_t flushed;
	bool flushing;
	uint8_t *fl_buf;         /* the buffer being written, at fl_off */
	size_t fl_len;           /* bytes of it being written */
	size_t fl_held;          /* bytes of it that stay readable (an unaligned tail too) */
	uint64_t fl_off;
	uint8_t *spare;
	int fl_error;            /* a write failed: the pack's tail is unknown */
	struct cas_pack_entry *e;
	size_t n, cap;
	struct cas_hashset pending;  /* hash -> index into e */
};

/* pack.c: reading. */
int cas_pack_parse_index(struct cas_pack *p, uint8_t *idx, size_t len, uint64_t pack_size);
int cas_pack_entry_at(const struct cas_pack *p, uint32_t i, struct cas_pack_entry *out);
/* Index of @h in @p, or -1. */
int64_t cas_pack_find(const struct cas_pack *p, const volt_cas_hash *h);
/* Open packs/NAME.idx and NAME.pack; -ENOENT when gone meanwhile. */
int cas_pack_load(volt_cas *cas, const char *name, struct cas_pack **out);
void cas_pack_free(struct cas_pack *p);
/* Read packs/ for packs not loaded yet. */
int cas_packs_scan(volt_cas *cas);
void cas_packs_clear(struct cas_packs *s);
/* Forget packs removed since they were loaded (by a gc or fsck elsewhere).
 * Called when the store's lock is taken: from then on no pack can go
 * (packs are removed under the exclusive lock only), so a writer never
 * trusts a pack that is no longer on disk to hold a block its ref names. */
int cas_packs_revalidate(volt_cas *cas);
/* Whether a published pack holds @h; @refresh: look for new packs first when not. */
int cas_packs_lookup(volt_cas *cas, const volt_cas_hash *h, bool refresh);
/* 1 and the decoded block, 0 when no pack holds it, or an error. */
int cas_packs_get(volt_cas *cas, const volt_cas_hash *h, void **out, size_t *out_len, bool refresh);
/* Read and verify entry @e of @p (decoded into @out). */
int cas_pack_read_entry(const struct cas_pack *p, const struct cas_pack_entry *e, void **out, size_t *out_len);

/* pack-write.c */
void cas_pack_writer_init(struct cas_pack_writer *w);
/* Append an encoded block; 0 when added, 1 when already pending. */
int cas_pack_writer_add(volt_cas *cas, struct cas_pack_writer *w, const volt_cas_hash *h, const void *enc,
			size_t enc_len, uint32_t raw_len);
/* Whether @h is pending in @w; with @out, its decoded content. */
int cas_pack_writer_get(struct cas_pack_writer *w, const volt_cas_hash *h, void **out, size_t *out_len);
/* Make the pending pack durable and visible (pack, index, directory
 * synced; the index renamed into place last). Nothing pending: nothing. */
int cas_pack_writer_publish(volt_cas *cas, struct cas_pack_writer *w);
/* Drop what is pending (the O_TMPFILE vanishes). */
void cas_pack_writer_clear(struct cas_pack_writer *w);
/* Add a published pack to the handle's set (takes @p). */
int cas_packs_add(volt_cas *cas, struct cas_pack *p);

/* pack-maint.c */
struct cas_walk;
/* gc's part for packs: drop dead packs, repack those mostly dead; @live: the marked set. */
int cas_packs_gc(volt_cas *cas, const struct cas_hashset *live, bool dry_run, volt_cas_gc_result *res);

#endif
