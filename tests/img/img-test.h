/*
 * Helpers for the image tests: layer archives built in memory,
 * compressed with zlib or libzstd, handed to the library through a memfd.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef IMG_TEST_H
#define IMG_TEST_H

#include <stddef.h>

#include <volt/img.h>

/* A tar archive growing in memory. */
struct t_tar {
	unsigned char *buf;
	size_t len, cap;
};

/* Append a ustar member: type '0' file, '5' directory, '2' symlink, '1' hard link. */
void t_tar_add(struct t_tar *t, const char *name, char type, const char *link, const char *data);
/* End-of-archive marker. */
void t_tar_finish(struct t_tar *t);
void t_tar_free(struct t_tar *t);

enum t_comp { T_NONE, T_GZIP, T_ZSTD };
/* Compress @len bytes; free() the result. */
unsigned char *t_compress(const void *data, size_t len, enum t_comp c, size_t *out_len);
/* A read-only fd holding @len bytes (a memfd at offset 0). */
int t_fd(const void *data, size_t len);
/* "sha256:<hex>" of @len bytes into @out (72 bytes). */
void t_digest(char out[72], const void *data, size_t len);

/* Import a finished archive as a layer, compressed @c, with @media_type; its digest in @digest. */
int t_import_layer(volt_cas *cas, struct t_tar *t, enum t_comp c, const char *media_type, char digest[72],
		   volt_cas_hash *tree);

/* Read "SPEC:path" of the store as a string (NULL when missing); free() it. */
char *t_cat(volt_cas *cas, const char *spec, const char *path);

#endif
