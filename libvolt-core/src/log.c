/*
 * The process-wide log handler.
 *
 * The handler and its data are set together under a lock and read
 * together under it; the level is a separate atomic so that disabled
 * levels cost no lock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core/error.h>
#include <volt/core/log.h>

static pthread_mutex_t handler_lock = PTHREAD_MUTEX_INITIALIZER;
static volt_log_fn handler;
static void *handler_data;
static int max_level = VOLT_LOG_WARNING;

static const char *const level_names[] = {
	[VOLT_LOG_ERROR] = "error",
	[VOLT_LOG_WARNING] = "warning",
	[VOLT_LOG_NOTICE] = "notice",
	[VOLT_LOG_INFO] = "info",
	[VOLT_LOG_DEBUG] = "debug",
};

VOLT_API void volt_log_set_handler(volt_log_fn fn, void *userdata)
{
	pthread_mutex_lock(&handler_lock);
	handler = fn;
	handler_data = userdata;
	pthread_mutex_unlock(&handler_lock);
}

VOLT_API void volt_log_set_level(volt_log_level level)
{
	if ((int)level < VOLT_LOG_ERROR)
		level = VOLT_LOG_ERROR;
	if (level > VOLT_LOG_DEBUG)
		level = VOLT_LOG_DEBUG;
	__atomic_store_n(&max_level, (int)level, __ATOMIC_RELAXED);
}

VOLT_API volt_log_level volt_log_get_level(void)
{
	return (volt_log_level)__atomic_load_n(&max_level, __ATOMIC_RELAXED);
}

VOLT_API void volt_logv(volt_log_level level, const char *fmt, va_list ap)
{
	char buf[2048];
	volt_log_fn fn;
	void *data;
	int saved_errno = errno;

	if ((int)level > __atomic_load_n(&max_level, __ATOMIC_RELAXED) || !fmt)
		return;

	pthread_mutex_lock(&handler_lock);
	fn = handler;
	data = handler_data;
	pthread_mutex_unlock(&handler_lock);
	if (!fn)
		return;

	if (vsnprintf(buf, sizeof(buf), fmt, ap) >= 0)
		fn(level, buf, data);
	/* Logging must not disturb the caller's errno. */
	errno = saved_errno;
}

VOLT_API void volt_log(volt_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	volt_logv(level, fmt, ap);
	va_end(ap);
}

VOLT_API int volt_log_level_from_string(volt_log_level *out, const char *s)
{
	if (!out || !s)
		return volt_error_set(EINVAL, "log level: no value given");
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0 || (s[0] == (char)('0' + i) && s[1] == '\0')) {
			*out = (volt_log_level)i;
			return 0;
		}
	}
	return volt_error_set(EINVAL,
			      "unknown log level '%s' (expected error, warning, notice, info or debug)", s);
}

VOLT_API const char *volt_log_level_to_string(volt_log_level level)
{
	if ((int)level < VOLT_LOG_ERROR || level > VOLT_LOG_DEBUG)
		return "unknown";
	return level_names[level];
}
