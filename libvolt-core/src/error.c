/*
 * The thread-local error slot.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <volt/core/error.h>

static _Thread_local struct {
	int code;
	char message[VOLT_ERROR_MESSAGE_MAX];
} slot;

static int normalise(int err)
{
	if (err < 0)
		err = -err;
	return err == 0 ? EIO : err;
}

/* Mark truncation so a reader knows the message was cut. */
static void mark_truncated(char *buf, size_t size, int wanted)
{
	if (wanted >= 0 && (size_t)wanted >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

static void set_message(int err, const char *fmt, va_list ap, int append_errno)
{
	char tmp[VOLT_ERROR_MESSAGE_MAX];
	int n, wanted;

	slot.code = -err;
	if (!fmt) {
		snprintf(slot.message, sizeof(slot.message), "%s", strerror(err));
		return;
	}
	/* Format into a copy: an argument may be the current message. */
	wanted = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	if (wanted < 0)
		wanted = snprintf(tmp, sizeof(tmp), "%s", strerror(err));
	if (append_errno)
		n = snprintf(slot.message, sizeof(slot.message), "%s: %s", tmp, strerror(err));
	else
		n = snprintf(slot.message, sizeof(slot.message), "%s", tmp);
	mark_truncated(slot.message, sizeof(slot.message), wanted > n ? wanted : n);
}

VOLT_API int volt_error_set(int err, const char *fmt, ...)
{
	va_list ap;

	err = normalise(err);
	va_start(ap, fmt);
	set_message(err, fmt, ap, 0);
	va_end(ap);
	return -err;
}

VOLT_API int volt_error_set_errno(int err, const char *fmt, ...)
{
	va_list ap;

	err = normalise(err);
	va_start(ap, fmt);
	set_message(err, fmt, ap, 1);
	va_end(ap);
	return -err;
}

VOLT_API int volt_error_prefix(int err, const char *fmt, ...)
{
	char context[VOLT_ERROR_MESSAGE_MAX];
	char old[VOLT_ERROR_MESSAGE_MAX];
	va_list ap;
	int n;

	err = normalise(err);
	if (slot.code == 0)
		snprintf(old, sizeof(old), "%s", strerror(err));
	else
		memcpy(old, slot.message, sizeof(old));

	va_start(ap, fmt);
	n = vsnprintf(context, sizeof(context), fmt, ap);
	va_end(ap);
	if (n < 0)
		context[0] = '\0';

	n = snprintf(slot.message, sizeof(slot.message), "%s: %s", context, old);
	mark_truncated(slot.message, sizeof(slot.message), n);
	slot.code = -err;
	return -err;
}

VOLT_API const char *volt_error_message(void)
{
	return slot.code == 0 ? "no error" : slot.message;
}

VOLT_API int volt_error_code(void)
{
	return slot.code;
}

VOLT_API void volt_error_clear(void)
{
	slot.code = 0;
	slot.message[0] = '\0';
}
