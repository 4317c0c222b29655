/*
 * Human formatting and parsing of sizes and durations.
 *
 * Sizes use binary (IEC) units: 1K = 1KiB = 1024 bytes, as memory sizes
 * conventionally do (voltvm --memory 256M). Durations are nanoseconds.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CORE_FORMAT_H
#define VOLT_CORE_FORMAT_H

#include <stdint.h>
#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/* Room for any string the formatters produce, with its NUL. */
#define VOLT_FORMAT_BUF_SIZE 32

#define VOLT_NSEC_PER_USEC 1000ULL
#define VOLT_NSEC_PER_MSEC 1000000ULL
#define VOLT_NSEC_PER_SEC  1000000000ULL

/**
 * Format @bytes as "0 B", "512 B", "1.5 KiB", "23.4 MiB", "117 GiB":
 * three significant digits at most, rounded to nearest.
 *
 * @return @buf.
 */
VOLT_API const char *volt_format_size(char buf[VOLT_FORMAT_BUF_SIZE], uint64_t bytes);

/**
 * Format @nsec as "0", "850ns", "12us", "1.25ms", "350ms", "12.3s",
 * "2min 5s", "3h 2min", "2d 3h": the two largest units or three
 * significant digits.
 *
 * @return @buf.
 */
VOLT_API const char *volt_format_duration(char buf[VOLT_FORMAT_BUF_SIZE], uint64_t nsec);

/**
 * Parse a size: a decimal number, optionally with a fraction, followed
 * by an optional unit B, K, M, G, T, P or E, each optionally followed by
 * "iB" or "B" ("4096", "256M", "1.5GiB", "2 KB"). Fractions of a byte
 * are truncated.
 *
 * @return 0; -EINVAL for malformed input; -ERANGE beyond 2^64-1.
 */
VOLT_API int volt_parse_size(uint64_t *out, const char *s);

/**
 * Parse a duration: one or more numbers with units ns, us, ms, s, min,
 * h, d, optionally separated by spaces ("500ms", "1min 30s", "1.5s").
 * A bare number is seconds.
 *
 * @return 0; -EINVAL for malformed input; -ERANGE beyond 2^64-1 ns.
 */
VOLT_API int volt_parse_duration(uint64_t *out, const char *s);

VOLT_END_DECLS

#endif
