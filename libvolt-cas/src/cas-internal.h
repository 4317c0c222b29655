/*
 * Private declarations shared by the files of libvolt-cas.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_INTERNAL_H
#define VOLT_CAS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <volt/cas.h>
#include <volt/core.h>

#include "shared/macro.h"

/* Largest raw block; also bounds objects (a tree or image object is one block). */
#define CAS_BLOCK_MAX (64u * 1024 * 1024)
/* Bytes before the payload of a block file (docs/cas-format.md). */
#define CAS_BLOCK_HEADER 8
/* The raw length in a block header (bytes 4..7, little-endian). */
static inline uint32_t cas_block_raw_len(const uint8_t hdr[CAS_BLOCK_HEADER])
{
	return (uint32_t)hdr[4] | (uint32_t)hdr[5] << 8 | (uint32_t)hdr[6] << 16 | (uint32_t)hdr[7] << 24;
}
/* Codecs of a block's payload (its header's second byte): new blocks are
 * zstd or raw; LZ4 ones, from before zstd, are still read. */
#define CAS_CODEC_RAW 0
#define CAS_CODEC_LZ4 1
#define CAS_CODEC_ZSTD 2
/* "ab/cdef...": two hex digits, a slash, 62 hex digits, NUL. */
#define CAS_BLOCK_RELPATH_SIZE 66

/* Store formats (the "format" file): 1 writes loose block files, 2 packs
 * of LZ4 blocks, 3 packs of zstd blocks. Each reads what the ones before
 * wrote; a binary refuses a format newer than it knows, so an older one
 * never takes a zstd block for a corrupt one. */
#define CAS_FORMAT_LOOSE 1
#define CAS_FORMAT_PACKS 2
#define CAS_FORMAT_ZSTD 3
#define CAS_FORMAT_LATEST CAS_FORMAT_ZSTD

static inline bool cas_format_has_packs(int format)
{
	return format >= CAS_FORMAT_PACKS;
}

/* The codec a store of @format compresses new blocks with. */
static inline int cas_format_codec(int format)
{
	return format >= CAS_FORMAT_ZSTD ? CAS_CODEC_ZSTD : CAS_CODEC_LZ4;
}

struct cas_packs;
struct cas_pack_writer;

struct volt_cas {
	char *path;
	int dir_fd;       /* the store directory */
	int blocks_fd;    /* blocks/ (loose blocks), -1 when the store has none */
	int refs_fd;      /* refs/ */
	int packs_fd;     /* packs/, -1 when the store has none */
	int format;       /* CAS_FORMAT_* */
	unsigned workers;
	struct cas_packs *packs;          /* published packs known to this handle */
	struct cas_pack_writer *writer;   /* the pack being written (format 2) */
};

/* hash.c */
void cas_sha256(volt_cas_hash *out, const void *data, size_t len);
bool cas_hash_is_zero(const volt_cas_hash *h);
void cas_block_relpath(char out[CAS_BLOCK_RELPATH_SIZE], const volt_cas_hash *h);

/* Counters updated from worker threads (atomically). */
struct cas_counters {
	uint64_t blocks, blocks_new, bytes_new, bytes_stored;
	uint64_t bytes, files;
};

#define cas_count(c, field, n) __atomic_add_fetch(&(c)->field, (n), __ATOMIC_RELAXED)

/* block.c */
/* @codec: CAS_CODEC_ZSTD or CAS_CODEC_LZ4 (raw when that saves too little). */
int cas_block_encode(void **out, size_t *out_len, const void *raw, size_t len, int codec);
int cas_block_decode(void **out, size_t *out_len, const void *file, size_t file_len,
		     const volt_cas_hash *expect);
int cas_block_put(volt_cas *cas, const void *data, size_t len, volt_cas_hash *out, struct cas_counters *c);
int cas_block_get(volt_cas *cas, const volt_cas_hash *h, void **out, size_t *out_len);
int cas_block_exists(volt_cas *cas, const volt_cas_hash *h);

/* lock.c: the store's lock file (shared for writers of data, exclusive for gc). */
int cas_lock(volt_cas *cas, bool exclusive, bool wait, int *out_fd);
/* Publish the pending pack, then sync the store: what a ref may name next is durable. */
int cas_sync(volt_cas *cas);

/* store.c */
/* Create an empty store of @format at @path (tests make format-1 stores with it). */
int cas_store_init(const char *path, int format);
/* Rewrite the format file (migration). */
int cas_store_set_format(volt_cas *cas, int format);
/* Open packs/ into cas->packs_fd, creating it when @create: 1, or 0 when absent. */
int cas_packs_dir(volt_cas *cas, bool create);
int cas_ref_name_check(const char *name);
/* Sync the store, then write ref @name; the caller holds the shared lock. */
int cas_ref_set_locked(volt_cas *cas, const char *name, const volt_cas_hash *root);
/* Split "SPEC[:path]" and resolve SPEC; @out_path gets the path part or NULL. */
int cas_resolve_spec(volt_cas *cas, const char *spec, volt_cas_hash *out, char **out_path);

/* progress, rate-limited */
struct cas_progress_state {
	volt_cas_progress p;
	volt_cas_progress_fn fn;
	void *userdata;
	uint64_t last_ns;
};
void cas_progress_init(struct cas_progress_state *s, volt_cas_progress_fn fn, void *userdata);
void cas_progress_update(struct cas_progress_state *s, const struct cas_counters *c, bool done);
uint64_t cas_now_ns(void);

#endif
