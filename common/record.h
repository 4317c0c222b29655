/*
 * A workload's directory and the record files in it, ROOT/KIND/NAME/FILE
 * (libvolt-workload): opened under directory fds, never through a
 * symlink. Whoever can plant a link there (or a FIFO) must not make
 * Volt read, write or act on what it points at.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_COMMON_RECORD_H
#define VOLT_COMMON_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

/*
 * Open ROOT/@kind ("vms", "containers"): @root itself is the caller's
 * (it may be a link), @kind must be a real directory. -ENOENT when it
 * does not exist, -ELOOP when it is a symlink, -ENOTDIR when it is
 * something else; each with a message naming the path.
 */
int common_record_kind_open(int *out_fd, const char *root, const char *kind);

/*
 * Open the directory @name under @kind_fd (whose path, for messages, is
 * @kind_path), with the errors of common_record_kind_open(). The name is
 * one path component: no '/', not "." or "..".
 */
int common_record_dir_open(int *out_fd, int kind_fd, const char *kind_path, const char *name);

/*
 * Read @file in the directory @dfd (path @dir for messages): a regular
 * file of at most @max bytes, never a symlink (-ELOOP), a FIFO or a
 * device (-EINVAL, without blocking on it). -ENOENT when it is missing.
 * *@out is NUL-terminated; free() it.
 */
int common_record_read(char **out, size_t *out_len, int dfd, const char *dir, const char *file, size_t max);

/* common_record_read() of a JSON file (at most VOLT_JSON_FILE_MAX bytes), parsed. */
int common_record_load_json(json_t **out, int dfd, const char *dir, const char *file);

/*
 * Replace @file in @dfd atomically: a new file made with O_EXCL|O_NOFOLLOW
 * next to it, renamed over it. With @durable, fsync'd with its directory.
 */
int common_record_write(int dfd, const char *dir, const char *file, const void *data, size_t len, mode_t mode,
			bool durable);

/* common_record_write() of @value as JSON (volt_json_dump()'s @flags; VOLT_JSON_NO_SYNC: not durable). */
int common_record_write_json(int dfd, const char *dir, const char *file, const json_t *value, unsigned flags,
			     mode_t mode);

#endif
