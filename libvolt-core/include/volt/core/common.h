/*
 * Common macros of the Volt public API.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CORE_COMMON_H
#define VOLT_CORE_COMMON_H

#ifdef __cplusplus
#  define VOLT_BEGIN_DECLS extern "C" {
#  define VOLT_END_DECLS }
#else
#  define VOLT_BEGIN_DECLS
#  define VOLT_END_DECLS
#endif

/* Marks a function as part of the exported, versioned ABI. */
#if defined(__GNUC__) || defined(__clang__)
#  define VOLT_API __attribute__((visibility("default")))
#  define VOLT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#  define VOLT_API
#  define VOLT_PRINTF(fmt, args)
#endif

#endif
