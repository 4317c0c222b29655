/*
 * Path handling that is safe against hostile input.
 *
 * Names from image archives, registries and policy files are untrusted.
 * These functions work lexically (they never touch the filesystem), so
 * they can be used on paths of another root, such as a container's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CORE_PATH_H
#define VOLT_CORE_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/* Longest path accepted, including the terminating NUL (Linux PATH_MAX). */
#define VOLT_PATH_MAX 4096
/* Longest single path component (Linux NAME_MAX). */
#define VOLT_NAME_MAX 255

/**
 * Check that @len bytes at @path form an acceptable path: not empty, no
 * NUL byte inside, shorter than VOLT_PATH_MAX, no component longer than
 * VOLT_NAME_MAX.
 *
 * @return 0, or -EINVAL / -ENAMETOOLONG with the error slot set.
 */
VOLT_API int volt_path_check(const char *path, size_t len);

/**
 * Check one file name: not empty, not "." or "..", no '/' and no NUL,
 * at most VOLT_NAME_MAX bytes.
 *
 * @return 0, or -EINVAL / -ENAMETOOLONG with the error slot set.
 */
VOLT_API int volt_path_check_component(const char *name, size_t len);

/**
 * Normalise @path lexically: collapse repeated '/', drop "." components
 * and trailing '/', and resolve ".." against the preceding component.
 * ".." at the top of an absolute path stays at "/", as the kernel does;
 * a relative path whose ".." would climb above its start is refused.
 * An empty relative result is ".".
 *
 * @param out  on success, a new string the caller free()s.
 * @return 0; -EINVAL for an empty path, a NUL byte or a relative path
 *         escaping upwards; -ENAMETOOLONG; -ENOMEM.
 */
VOLT_API int volt_path_normalize(char **out, const char *path);

/**
 * Join @base and @rel and normalise, refusing any @rel that would leave
 * @base: @rel must be relative and must not climb above it with "..".
 * Use it to place an untrusted name inside a directory.
 *
 * @param out  on success, a new string the caller free()s.
 * @return 0; -EINVAL (absolute @rel, escape, empty @base, NUL);
 *         -ENAMETOOLONG; -ENOMEM.
 */
VOLT_API int volt_path_join(char **out, const char *base, const char *rel);

/** True if @path (normalised or not) stays inside its start: relative, and no ".." escapes. */
VOLT_API bool volt_path_is_contained(const char *path);

VOLT_END_DECLS

#endif
