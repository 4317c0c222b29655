/*
 * Files that survive crashes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CORE_FILE_H
#define VOLT_CORE_FILE_H

#include <stddef.h>
#include <sys/types.h>
#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/**
 * Replace @path with @len bytes of @data so that a reader, or the disk
 * after a crash, sees either the whole old file or the whole new one:
 * write a temporary file in the same directory, fsync it, rename it over
 * @path, then fsync the directory. On failure the temporary file is
 * removed and @path is untouched.
 *
 * @param mode  permission bits of the new file (e.g. 0644).
 * @return 0, or a negative errno of the failing step (-ENOSPC, -EACCES,
 *         -ENOENT for a missing directory, ...), with the step and path
 *         in the message.
 */
VOLT_API int volt_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/**
 * Read the whole of @path, refusing files larger than @max bytes.
 *
 * @param out      on success, a buffer the caller free()s; a NUL byte
 *                 follows the data so text can be used as a string.
 * @param out_len  if not NULL, receives the data's length.
 * @return 0; -EFBIG when larger than @max; errors of open/read.
 */
VOLT_API int volt_file_read(char **out, size_t *out_len, const char *path, size_t max);

/**
 * Write all @len bytes of @data to @fd, retrying short writes and EINTR.
 *
 * @return 0, or the negative errno of the failing write(2) (-EPIPE,
 *         -ENOSPC, -EIO, ...), with "write: <strerror>" as the message for
 *         the caller to put context in front of.
 */
VOLT_API int volt_write_all(int fd, const void *data, size_t len);

/**
 * Create directory @path and any missing parents with @mode (like
 * mkdir -p). An existing directory is success; an existing
 * non-directory is -ENOTDIR.
 */
VOLT_API int volt_mkdir_p(const char *path, mode_t mode);

VOLT_END_DECLS

#endif
