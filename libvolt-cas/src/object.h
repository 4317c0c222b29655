/*
 * Objects: trees and disk images, serialised as documented in
 * docs/cas-format.md. Parsers treat their input as hostile.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_OBJECT_H
#define VOLT_CAS_OBJECT_H

#include "cas-internal.h"

enum cas_object_kind {
	CAS_OBJECT_TREE = 1,
	CAS_OBJECT_IMAGE = 2,
};

#define CAS_TREE_MAX_ENTRIES (1u << 20)
#define CAS_XATTR_MAX_COUNT 1024
#define CAS_XATTR_VALUE_MAX 65536
#define CAS_TARGET_MAX 4095
#define CAS_IMAGE_BLOCK_MIN 4096u
#define CAS_IMAGE_BLOCK_MAX (4u * 1024 * 1024)

struct cas_blockref {
	volt_cas_hash hash;
	uint32_t len;
};

struct cas_xattr {
	char *name;
	uint8_t *value;
	uint32_t size;
};

/* One tree entry; type is a volt_cas_entry_type (never IMAGE). */
struct cas_entry {
	char *name;
	uint8_t type;
	uint32_t mode, uid, gid;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	uint64_t rdev;
	char *target;
	size_t n_xattrs;
	struct cas_xattr *xattrs;
	/* regular files */
	uint64_t size;
	uint32_t link_group;
	size_t n_blocks;
	struct cas_blockref *blocks;
	/* directories */
	volt_cas_hash hash;
};

struct cas_tree {
	size_t n;
	struct cas_entry *entries;
};

struct cas_image {
	uint64_t size;
	uint32_t block_size;
	size_t n_blocks;
	volt_cas_hash *blocks; /* all-zero: a hole */
};

void cas_entry_clear(struct cas_entry *e);
void cas_tree_clear(struct cas_tree *t);
void cas_image_clear(struct cas_image *img);

/* The kind of a serialised object, or -EBADMSG. */
int cas_object_kind(const void *data, size_t len);

/* @entries must be sorted by name (strcmp) without duplicates. */
int cas_tree_serialize(const struct cas_entry *entries, size_t n, void **out, size_t *out_len);
int cas_tree_parse(struct cas_tree *out, const void *data, size_t len);
int cas_image_serialize(const struct cas_image *img, void **out, size_t *out_len);
int cas_image_parse(struct cas_image *out, const void *data, size_t len);

/* Read and parse an object from the store (verified). */
int cas_tree_load(volt_cas *cas, const volt_cas_hash *h, struct cas_tree *out);
int cas_image_load(volt_cas *cas, const volt_cas_hash *h, struct cas_image *out);
/* Store an object; returns its hash. */
int cas_object_store(volt_cas *cas, const void *data, size_t len, volt_cas_hash *out, struct cas_counters *c);

/* Validation shared by importers and the parser. */
int cas_entry_name_check(const char *name, size_t len);
int cas_xattr_name_check(const char *name, size_t len);
int cas_target_check(const char *target, size_t len);
int cas_entry_cmp(const void *a, const void *b);

#endif
