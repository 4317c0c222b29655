/*
 * The state root.
 *
 * All of Volt's state (store, containers, VMs) lives in files under one
 * directory: /var/lib/volt unless the program passes an override (its
 * --root option) or the VOLT_ROOT environment variable is set. Tests and
 * unprivileged users point it at a directory of their own.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CORE_ROOT_H
#define VOLT_CORE_ROOT_H

#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/* Environment variable that overrides the default state root. */
#define VOLT_ROOT_ENV "VOLT_ROOT"

/** The built-in default state root ("/var/lib/volt" unless configured otherwise). Never NULL. */
VOLT_API const char *volt_root_default(void);

/**
 * Decide the state root: @override if not NULL, else $VOLT_ROOT if set
 * and not empty, else volt_root_default(). The result is normalised and
 * must be absolute. Nothing is created.
 *
 * @param out  on success, a new string the caller free()s.
 * @return 0; -EINVAL when the chosen path is relative or malformed (the
 *         message says where it came from); -ENOMEM.
 */
VOLT_API int volt_root_resolve(char **out, const char *override);

/**
 * The path of @sub (a relative path such as "cas/blocks") inside @root,
 * created with its parents (mode 0700 for the directories Volt makes)
 * if @create is non-zero.
 *
 * @param out  on success, a new string the caller free()s.
 * @return 0; -EINVAL for an escaping @sub; errors of volt_mkdir_p().
 */
VOLT_API int volt_root_subdir(char **out, const char *root, const char *sub, int create);

VOLT_END_DECLS

#endif
