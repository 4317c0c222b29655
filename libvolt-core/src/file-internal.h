/*
 * Atomic writes, durable or not (file.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* volt_file_write_atomic(), without the two fsyncs when !@durable. */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool durable);
