/*
 * Private helpers shared by the Volt libraries and tools (never installed).
 *
 * Cleanup attributes make ownership visible: a variable declared with
 * _cleanup_free_ is freed on every return path, and TAKE_PTR() hands it
 * on to the caller.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_SHARED_MACRO_H
#define VOLT_SHARED_MACRO_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Return the pointer and leave NULL behind, so cleanup does not free it. */
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })

/*
 * A versioned options or result struct is accepted at any version from 1
 * to the one this library was built with: a program built against an
 * older header passes a shorter struct, and the library reads (or writes)
 * only the fields that version has. A newer version than ours is refused,
 * since its fields would be silently ignored.
 */
#define VERSION_SUPPORTED(v, current) ((v) >= 1 && (v) <= (current))

/*
 * Argument checks at public entry points: a caller's bug is reported as
 * -EINVAL with a message naming the function, not as a crash.
 */
#define assert_return(expr, r)                                                        \
	do {                                                                          \
		if (_unlikely_(!(expr)))                                              \
			return volt_error_set((r), "%s: assertion '%s' failed", __func__, \
					      #expr);                                  \
	} while (0)

#endif
