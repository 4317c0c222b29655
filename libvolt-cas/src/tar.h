/*
 * A tar header parser (ustar, pax, GNU long names) that treats its input
 * as hostile. It yields one member at a time; the member's data follows
 * in the stream and the caller consumes it (or skips it).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_TAR_H
#define VOLT_CAS_TAR_H

#include "object.h"

/* Read exactly @n bytes into @dst (NULL: skip them); negative errno on failure or early end. */
typedef int (*cas_tar_read_fn)(void *ctx, void *dst, size_t n);

struct tar_member {
	char *path;
	char *linkpath;
	uint8_t type;           /* volt_cas_entry_type */
	bool is_hardlink;       /* type is REGULAR, linkpath names the target */
	uint32_t mode, uid, gid;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	uint64_t size;          /* data bytes that follow */
	uint32_t devmajor, devminor;
	struct cas_xattr *xattrs;
	size_t n_xattrs;
	cas_tar_read_fn rd;
	void *ctx;
};

struct cas_tar_state {
	bool ended;
};

/* 1 and a member; 0 at the end-of-archive marker; negative errno (-EBADMSG for a malformed archive). */
int cas_tar_next(struct cas_tar_state *st, cas_tar_read_fn rd, void *ctx, struct tar_member *m);
/* Skip the member's data and padding. */
int cas_tar_skip_data(struct tar_member *m);
void cas_tar_member_clear(struct tar_member *m);
void cas_tar_state_clear(struct cas_tar_state *st);

/* Split an archive path into plain components ("." and empty ones dropped).
 * Absolute paths, ".." and invalid names are refused with -EINVAL. */
int cas_tar_split_path(const char *path, char ***out, size_t *n);
void cas_tar_strv_freep(char ***p);

int cas_tar_read_raw(void *ctx, void *dst, size_t n);

#endif
