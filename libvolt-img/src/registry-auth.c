/*
 * Registry authentication inputs: the WWW-Authenticate challenge (RFC 7235
 * auth-params, as the token auth spec of the distribution API uses them),
 * base64 for Basic credentials, and auth files in the format of
 * containers-auth.json (Docker's config.json has the same "auths").
 * All parsers take hostile input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "registry-internal.h"
#include "shared/json-cleanup.h"

void reg_challenge_clear(struct reg_challenge *c)
{
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool is_token_char(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A token or a quoted-string (with backslash escapes) at *p; advances *p. */
static int parse_value(const char **p, char **out)
{
	const char *s = *p;
	_cleanup_free_ char *v = NULL;
	size_t n = 0, cap = strlen(s) + 1;

	v = malloc(cap);
	if (!v)
		return volt_error_set(ENOMEM, NULL);
	if (*s == '"') {
		for (s++; *s != '"'; s++) {
			if (!*s)
				return volt_error_set(EINVAL, "WWW-Authenticate: unterminated quoted string");
			if (*s == '\\' && s[1])
				s++;
			v[n++] = *s;
		}
		s++;
	} else {
		while (is_token_char(*s) || *s == '/' || *s == '=' || *s == ':')
			v[n++] = *s++;
		if (n == 0)
			return volt_error_set(EINVAL, "WWW-Authenticate: empty parameter value");
	}
	v[n] = 0;
	*p = s;
	*out = TAKE_PTR(v);
	return 0;
}

int reg_challenge_parse(struct reg_challenge *out, const char *value)
{
	struct reg_challenge c = {};
	const char *p = skip_ws(value), *start = p;
	size_t n;
	int r;

	while (is_token_char(*p))
		p++;
	n = (size_t)(p - start);
	if (n == 5 && strncasecmp(start, "basic", 5) == 0)
		c.scheme = REG_AUTH_BASIC;
	else if (n == 6 && strncasecmp(start, "bearer", 6) == 0)
		c.scheme = REG_AUTH_BEARER;
	else if (n == 0)
		return volt_error_set(EINVAL, "WWW-Authenticate: no scheme");
	else
		return volt_error_set(EPROTONOSUPPORT, "the registry asks for authentication scheme '%.*s', "
				      "which is not supported (Basic and Bearer are)", (int)(n > 32 ? 32 : n), start);

	for (;;) {
		const char *key;
		size_t klen;
		_cleanup_free_ char *v = NULL;
		char **slot = NULL;

		p = skip_ws(p);
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		key = p;
		while (is_token_char(*p))
			p++;
		klen = (size_t)(p - key);
		p = skip_ws(p);
		if (klen == 0 || *p != '=') {
			reg_challenge_clear(&c);
			return volt_error_set(EINVAL, "WWW-Authenticate: malformed parameter");
		}
		p = skip_ws(p + 1);
		r = parse_value(&p, &v);
		if (r < 0) {
			reg_challenge_clear(&c);
			return r;
		}
		if (klen == 5 && strncasecmp(key, "realm", 5) == 0)
			slot = &c.realm;
		else if (klen == 7 && strncasecmp(key, "service", 7) == 0)
			slot = &c.service;
		else if (klen == 5 && strncasecmp(key, "scope", 5) == 0)
			slot = &c.scope;
		if (slot) {
			free(*slot);
			*slot = TAKE_PTR(v);
		}
		p = skip_ws(p);
		if (*p && *p != ',') {
			reg_challenge_clear(&c);
			return volt_error_set(EINVAL, "WWW-Authenticate: expected ',' between parameters");
		}
	}
	if (c.scheme == REG_AUTH_BEARER && (!c.realm || !*c.realm)) {
		reg_challenge_clear(&c);
		return volt_error_set(EINVAL, "WWW-Authenticate: Bearer challenge without a realm");
	}
	*out = c;
	return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *reg_base64_encode(const void *data, size_t len)
{
	const unsigned char *d = data;
	char *out = malloc(4 * ((len + 2) / 3) + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < len ? (uint32_t)d[i + 1] << 8 : 0) |
			     (i + 2 < len ? d[i + 2] : 0);

		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? b64[v & 63] : '=';
	}
	*o = 0;
	return out;
}

int reg_base64_decode(char **out, size_t *out_len, const char *in)
{
	size_t len = strlen(in), n = 0;
	_cleanup_free_ char *buf = malloc(len / 4 * 3 + 4);
	uint32_t acc = 0;
	int bits = 0;
	bool pad = false;

	if (!buf)
		return volt_error_set(ENOMEM, NULL);
	for (size_t i = 0; i < len; i++) {
		const char *c;

		if (in[i] == '=') {
			pad = true;
			continue;
		}
		c = strchr(b64, in[i]);
		if (!c || !in[i] || pad)
			return volt_error_set(EINVAL, "invalid base64");
		acc = acc << 6 | (uint32_t)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (char)(acc >> bits & 0xff);
		}
	}
	buf[n] = 0;
	*out = TAKE_PTR(buf);
	*out_len = n;
	return 0;
}

int reg_authfile_lookup(const char *path, const char *registry, char **out_user, char **out_password)
{
	_cleanup_json_ json_t *root = NULL;
	_cleanup_free_ char *decoded = NULL;
	json_t *auths, *entry;
	const char *auth = NULL, *user = NULL, *pass = NULL;
	char *colon, *u, *pw;
	size_t n;
	int r;

	r = volt_json_load_file(&root, path);
	if (r < 0)
		return volt_error_prefix(r, "auth file");
	auths = json_object_get(root, "auths");
	if (!json_is_object(auths))
		return 0;
	entry = json_object_get(auths, registry);
	if (!entry)
		return 0;
	if (!json_is_object(entry))
		return volt_error_set(EINVAL, "auth file %s: entry for %s is not an object", path, registry);
	if (volt_json_get_string(&auth, entry, "auth", false, registry) < 0 ||
	    volt_json_get_string(&user, entry, "username", false, registry) < 0 ||
	    volt_json_get_string(&pass, entry, "password", false, registry) < 0)
		return volt_error_prefix(-EINVAL, "auth file %s", path);
	if (user && pass) {
		u = strdup(user);
		pw = strdup(pass);
	} else if (auth) {
		r = reg_base64_decode(&decoded, &n, auth);
		if (r < 0 || strlen(decoded) != n || !(colon = strchr(decoded, ':')))
			return volt_error_set(EINVAL, "auth file %s: the auth of %s is not base64 of USER:PASSWORD", path,
					      registry);
		*colon = 0;
		u = strdup(decoded);
		pw = strdup(colon + 1);
		explicit_bzero(decoded, n);
	} else {
		return volt_error_set(EINVAL, "auth file %s: entry for %s has neither auth nor username and password",
				      path, registry);
	}
	if (!u || !pw) {
		free(u);
		free(pw);
		return volt_error_set(ENOMEM, NULL);
	}
	*out_user = u;
	*out_password = pw;
	return 1;
}
