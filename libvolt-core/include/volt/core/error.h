/*
 * Error reporting.
 *
 * Every Volt function that can fail returns an int: 0 (or a documented
 * non-negative value) on success, a negative errno on failure. The
 * failing function also leaves a human-readable message in a
 * thread-local slot, which volt_error_message() returns. Callers that
 * add context (for example the file they were reading) use
 * volt_error_prefix(), so a message reads from the outermost operation
 * inwards: "import /srv/img: read block 12: Input/output error".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CORE_ERROR_H
#define VOLT_CORE_ERROR_H

#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/* Longest message kept; longer ones are truncated with "...". */
#define VOLT_ERROR_MESSAGE_MAX 1024

/**
 * Record a failure in the calling thread's error slot.
 *
 * @param err  an errno value; its sign is ignored. 0 is taken as EIO.
 * @param fmt  printf-style message, without a trailing newline. NULL
 *             uses strerror(err) alone.
 * @return     -abs(err), so that callers can write
 *             `return volt_error_set(EINVAL, "bad name '%s'", name);`
 */
VOLT_API int volt_error_set(int err, const char *fmt, ...) VOLT_PRINTF(2, 3);

/**
 * Like volt_error_set(), and append ": <strerror(err)>" to the message.
 */
VOLT_API int volt_error_set_errno(int err, const char *fmt, ...) VOLT_PRINTF(2, 3);

/**
 * Put context in front of the current message: "<context>: <message>".
 *
 * @param err  the error being passed up (negative or positive errno).
 * @return     -abs(err), and the slot's code becomes that value.
 */
VOLT_API int volt_error_prefix(int err, const char *fmt, ...) VOLT_PRINTF(2, 3);

/**
 * The calling thread's last error message. Never NULL: "no error" when
 * nothing failed since the last volt_error_clear(). The string belongs
 * to the library and stays valid until the thread's next Volt call.
 */
VOLT_API const char *volt_error_message(void);

/**
 * The calling thread's last error code, as a negative errno, or 0.
 */
VOLT_API int volt_error_code(void);

/** Forget the calling thread's last error. */
VOLT_API void volt_error_clear(void);

VOLT_END_DECLS

#endif
