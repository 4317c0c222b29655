/*
 * Image references: "REGISTRY/REPOSITORY[:TAG][@sha256:HEX]", checked
 * against the grammar of the distribution spec so that nothing odd ever
 * reaches a URL.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <ctype.h>
#include <string.h>

#include "registry-internal.h"

void reg_ref_clear(struct reg_ref *r)
{
	free(r->registry);
	free(r->repository);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

bool reg_digest_valid(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + 64)
		return false;
	for (const char *p = d + 7; *p; p++)
		if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
			return false;
	return true;
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+ joined by ".", "_", "__" or runs of "-". */
static bool repo_component_valid(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		if (s[i] == '.' || (s[i] == '_' && s[i + 1] != '_')) {
			i++;
		} else if (s[i] == '_') {
			i += 2;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i >= n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

static bool repository_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 255)
		return false;
	for (const char *p = s;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (!repo_component_valid(p, n))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

static bool tag_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

/* "host[:port]": DNS labels or an IPv4 address, "[v6]" with a port, or "localhost". */
static bool registry_valid(const char *s, size_t n)
{
	size_t host_end = n;

	if (n == 0 || n > 255)
		return false;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close)
			return false;
		for (const char *p = s + 1; p < close; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return false;
		host_end = (size_t)(close - s) + 1;
		if (host_end == n)
			return true;
		if (s[host_end] != ':')
			return false;
	} else {
		const char *colon = memchr(s, ':', n);

		if (colon)
			host_end = (size_t)(colon - s);
		for (size_t i = 0; i < host_end; i++) {
			bool edge = i == 0 || i + 1 == host_end || s[i - 1] == '.' || s[i + 1] == '.';

			if (isalnum((unsigned char)s[i]))
				continue;
			if (s[i] == '.' && !edge)
				continue;
			if (s[i] == '-' && !edge)
				continue;
			return false;
		}
		if (host_end == 0)
			return false;
	}
	if (host_end < n) {
		size_t digits = n - host_end - 1;

		if (digits == 0 || digits > 5)
			return false;
		for (size_t i = host_end + 1; i < n; i++)
			if (!isdigit((unsigned char)s[i]))
				return false;
	}
	return true;
}

int reg_ref_parse(struct reg_ref *out, const char *s)
{
	struct reg_ref r = {};
	const char *slash, *at, *name_end, *colon;
	_cleanup_free_ char *name = NULL;
	size_t reg_len;

	if (!s || !*s)
		return volt_error_set(EINVAL, "empty image reference");
	slash = strchr(s, '/');
	if (!slash)
		return volt_error_set(EINVAL, "image reference '%s' names no registry (REGISTRY/REPOSITORY:TAG)", s);
	reg_len = (size_t)(slash - s);
	if ((!memchr(s, '.', reg_len) && !memchr(s, ':', reg_len) &&
	     !(reg_len == 9 && strncmp(s, "localhost", 9) == 0)) ||
	    !registry_valid(s, reg_len))
		return volt_error_set(EINVAL,
				      "image reference '%s' must start with a registry host (with a dot or a port, or localhost)",
				      s);

	at = strchr(slash + 1, '@');
	name_end = at ? at : slash + 1 + strlen(slash + 1);
	/* A tag's colon comes after the last slash (a port's before it). */
	colon = memrchr(slash + 1, ':', (size_t)(name_end - slash - 1));

	r.registry = strndup(s, reg_len);
	name = strndup(slash + 1, (size_t)((colon ? colon : name_end) - slash - 1));
	if (colon)
		r.tag = strndup(colon + 1, (size_t)(name_end - colon - 1));
	if (at)
		r.digest = strdup(at + 1);
	else if (!colon)
		r.tag = strdup("latest");
	if (!r.registry || !name || (colon && !r.tag) || (at && !r.digest) || (!at && !r.tag)) {
		reg_ref_clear(&r);
		return volt_error_set(ENOMEM, NULL);
	}
	if (!repository_valid(name)) {
		reg_ref_clear(&r);
		return volt_error_set(EINVAL, "image reference '%s': invalid repository name (lower-case letters, digits, "
				      "separators . _ -, components joined by /)", s);
	}
	if (r.tag && !tag_valid(r.tag)) {
		reg_ref_clear(&r);
		return volt_error_set(EINVAL, "image reference '%s': invalid tag", s);
	}
	if (r.digest && !reg_digest_valid(r.digest)) {
		reg_ref_clear(&r);
		return volt_error_set(EINVAL, "image reference '%s': the digest must be sha256: and 64 lower-case hex digits", s);
	}
	r.repository = TAKE_PTR(name);
	*out = r;
	return 0;
}

bool reg_host_is_loopback(const char *registry)
{
	size_t n = strcspn(registry, registry[0] == '[' ? "]" : ":");

	if (registry[0] == '[')
		return strncmp(registry, "[::1]", 5) == 0;
	if (n == 9 && strncmp(registry, "localhost", 9) == 0)
		return true;
	if (n <= 4 || strncmp(registry, "127.", 4) != 0)
		return false;
	/* 127.0.0.0/8 as a dotted address, not a name that starts with "127." */
	for (size_t i = 4; i < n; i++)
		if (!isdigit((unsigned char)registry[i]) && registry[i] != '.')
			return false;
	return true;
}
