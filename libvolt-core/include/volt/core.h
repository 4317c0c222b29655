/*
 * libvolt-core: errors, logging, JSON, paths, names, the state root,
 * atomic files and human formatting, shared by every Volt library.
 *
 * Link with `pkg-config --cflags --libs libvolt-core`.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CORE_H
#define VOLT_CORE_H

#include <volt/core/common.h>
#include <volt/core/version.h>
#include <volt/core/error.h>
#include <volt/core/log.h>
#include <volt/core/json.h>
#include <volt/core/path.h>
#include <volt/core/name.h>
#include <volt/core/root.h>
#include <volt/core/strv.h>
#include <volt/core/file.h>
#include <volt/core/format.h>

#endif
