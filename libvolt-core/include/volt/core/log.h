/*
 * Logging.
 *
 * Libraries never print. They hand messages to one process-wide
 * handler that the program installs; without a handler, messages are
 * dropped. The level filter is checked before a message is formatted,
 * so disabled debug logging costs one atomic load.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CORE_LOG_H
#define VOLT_CORE_LOG_H

#include <stdarg.h>
#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/* Severity, most severe first (the order of syslog's levels). */
typedef enum volt_log_level {
	VOLT_LOG_ERROR = 0,
	VOLT_LOG_WARNING = 1,
	VOLT_LOG_NOTICE = 2,
	VOLT_LOG_INFO = 3,
	VOLT_LOG_DEBUG = 4,
} volt_log_level;

/**
 * A log handler. @msg has no trailing newline and is only valid during
 * the call. Handlers may be called from any thread, concurrently.
 */
typedef void (*volt_log_fn)(volt_log_level level, const char *msg, void *userdata);

/**
 * Install the process-wide handler (NULL drops all messages). Meant to
 * be called once by the program, before it starts threads.
 */
VOLT_API void volt_log_set_handler(volt_log_fn fn, void *userdata);

/** Pass messages up to and including @level to the handler. Default: VOLT_LOG_WARNING. */
VOLT_API void volt_log_set_level(volt_log_level level);

/** The current maximum level. */
VOLT_API volt_log_level volt_log_get_level(void);

/** Send a message at @level to the handler, if the level is enabled. */
VOLT_API void volt_log(volt_log_level level, const char *fmt, ...) VOLT_PRINTF(2, 3);

/** va_list form of volt_log(). */
VOLT_API void volt_logv(volt_log_level level, const char *fmt, va_list ap) VOLT_PRINTF(2, 0);

/**
 * Parse "error", "warning", "notice", "info" or "debug" (or "0".."4").
 *
 * @return 0, or -EINVAL with the error slot set.
 */
VOLT_API int volt_log_level_from_string(volt_log_level *out, const char *s);

/** The lower-case name of @level, or "unknown". Never NULL. */
VOLT_API const char *volt_log_level_to_string(volt_log_level level);

VOLT_END_DECLS

#endif
