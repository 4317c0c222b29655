/*
 * The state root.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>

#include <volt/core/error.h>
#include <volt/core/file.h>
#include <volt/core/path.h>
#include <volt/core/root.h>

#include "shared/macro.h"

VOLT_API const char *volt_root_default(void)
{
	return VOLT_DEFAULT_ROOT;
}

VOLT_API int volt_root_resolve(char **out, const char *override)
{
	const char *path, *origin;
	int r;

	assert_return(out, EINVAL);

	if (override) {
		path = override;
		origin = "--root";
	} else if ((path = secure_getenv(VOLT_ROOT_ENV)) && path[0]) {
		origin = VOLT_ROOT_ENV;
	} else {
		path = volt_root_default();
		origin = "built-in default";
	}

	if (path[0] != '/')
		return volt_error_set(EINVAL, "state root '%s' (from %s) must be an absolute path", path,
				      origin);
	r = volt_path_normalize(out, path);
	if (r < 0)
		return volt_error_prefix(r, "state root (from %s)", origin);
	return 0;
}

VOLT_API int volt_root_subdir(char **out, const char *root, const char *sub, int create)
{
	_cleanup_free_ char *p = NULL;
	int r;

	assert_return(out, EINVAL);
	assert_return(root, EINVAL);
	assert_return(sub, EINVAL);

	r = volt_path_join(&p, root, sub);
	if (r < 0)
		return r;
	if (create) {
		r = volt_mkdir_p(p, 0700);
		if (r < 0)
			return r;
	}
	*out = TAKE_PTR(p);
	return 0;
}
