/*
 * The shim's log: its standard error, which is the FIFO "log" of the
 * bundle that containerd copies into its own log.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "shim.h"

void shim_log(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "containerd-shim-volt-v2[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	dprintf(2, "%s\n", buf);
}
