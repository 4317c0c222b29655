/*
 * Policies attached to images: `volt policy attach IMAGE FILE`, or
 * `volt run --learn --attach`. A container of that image created without
 * --policy gets the attached policy instead of the container default.
 *
 * The attachment is host-side state Volt writes itself: a copy of the
 * policy, parsed, validated and serialised again, under
 * ROOT/image-policies/TREE.json, where TREE is the hash of the image's
 * tree in the store (so every name of the same image has it, and a new
 * pull with other content does not). Nothing of it is ever read from the
 * image tree, and it is validated again when a container is created.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/cas.h>
#include <volt/core.h>
#include <volt/sec.h>

#include "ctr-internal.h"
#include "image.h"
#include "shared/json-cleanup.h"
#include "shared/macro.h"

#define POLICIES_DIR "image-policies"

static int policy_path(const volt_ctr *ctr, const char *tree_hex, bool create, char **out)
{
	_cleanup_free_ char *dir = NULL;
	int r;

	if (strlen(tree_hex) != 64 || strspn(tree_hex, "0123456789abcdef") != 64)
		return volt_error_set(EINVAL, "'%s' is not an image tree hash", tree_hex);
	r = volt_root_subdir(&dir, ctr->root, POLICIES_DIR, create);
	if (r < 0)
		return r;
	if (asprintf(out, "%s/%s.json", dir, tree_hex) < 0)
		return volt_error_set(ENOMEM, NULL);
	return 0;
}

/* The tree the containers of @image are made of, as ctr_base_prepare_image() resolves it. */
static int image_tree(const volt_ctr *ctr, const char *image, char hex[static VOLT_CAS_HASH_HEX_SIZE])
{
	volt_cas *cas = NULL;
	volt_cas_hash root;
	int r;

	r = common_image_resolve(ctr->root, image, ctr_images_dir(), &cas, &root);
	volt_cas_close(cas);
	if (r < 0)
		return r;
	volt_cas_hash_to_hex(hex, &root);
	return 0;
}

int ctr_image_policy_find(const volt_ctr *ctr, const char *tree_hex, char **out)
{
	_cleanup_free_ char *path = NULL;
	struct stat st;
	int r;

	*out = NULL;
	r = policy_path(ctr, tree_hex, false, &path);
	if (r < 0)
		return r;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return volt_error_set_errno(errno, "attached policy %s", path);
	}
	/* Volt writes a plain file owned by the state root's owner; anything else is not its. */
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return volt_error_set(EPERM, "attached policy %s: not a file Volt wrote (type, owner or mode)", path);
	*out = TAKE_PTR(path);
	return 0;
}

VOLT_API int volt_ctr_image_policy_attach(volt_ctr *ctr, const char *image, const json_t *policy)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_json_ json_t *j = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	volt_sec_policy *p = NULL;
	int r;

	assert_return(ctr, EINVAL);
	assert_return(image, EINVAL);
	assert_return(policy, EINVAL);

	/* Parsed as a file would be, and kept as Volt serialises it. */
	r = volt_json_dump(&text, policy, 0);
	if (r < 0 || (r = volt_sec_policy_parse(&p, text, strlen(text))) < 0)
		return volt_error_prefix(r, "attach a policy to image '%s'", image);
	r = volt_sec_policy_to_json(&j, p);
	volt_sec_policy_free(p);
	if (r < 0)
		return r;
	r = image_tree(ctr, image, hex);
	if (r < 0 || (r = policy_path(ctr, hex, true, &path)) < 0)
		return volt_error_prefix(r, "attach a policy to image '%s'", image);
	r = volt_json_write_file(path, j, VOLT_JSON_PRETTY, 0600);
	if (r < 0)
		return volt_error_prefix(r, "attach a policy to image '%s'", image);
	return 0;
}

VOLT_API int volt_ctr_image_policy_detach(volt_ctr *ctr, const char *image)
{
	_cleanup_free_ char *path = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	int r;

	assert_return(ctr, EINVAL);
	assert_return(image, EINVAL);

	r = image_tree(ctr, image, hex);
	if (r < 0 || (r = policy_path(ctr, hex, false, &path)) < 0)
		return r;
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return volt_error_set(ENOENT, "image '%s' has no attached policy", image);
		return volt_error_set_errno(errno, "detach the policy of image '%s'", image);
	}
	return 0;
}

VOLT_API int volt_ctr_image_policy_get(json_t **out, volt_ctr *ctr, const char *image)
{
	_cleanup_free_ char *path = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	volt_sec_policy *p = NULL;
	int r;

	assert_return(ctr, EINVAL);
	assert_return(image, EINVAL);
	assert_return(out, EINVAL);

	r = image_tree(ctr, image, hex);
	if (r < 0 || (r = ctr_image_policy_find(ctr, hex, &path)) < 0)
		return r;
	if (!path)
		return volt_error_set(ENOENT, "image '%s' has no attached policy", image);
	r = volt_sec_policy_load_file(&p, path);
	if (r < 0)
		return r;
	r = volt_sec_policy_to_json(out, p);
	volt_sec_policy_free(p);
	return r;
}
