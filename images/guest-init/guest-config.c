/*
 * Parsing the guest init's kernel command line (guest-config.h).
 *
 * Lists (the command and the environment) come base64-encoded: argv
 * words may hold spaces, quotes and '=' that the kernel's own
 * command-line splitting would mangle. Single values are taken as the
 * kernel gives them (double quotes group words).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-config.h"

#define MAX_WORDS 4096

static int fail(char err[256], const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char err[256], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, 256, fmt, ap);
	va_end(ap);
	return -1;
}

static int b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int guest_base64_decode(const char *in, unsigned char **out, size_t *out_len)
{
	size_t len = strlen(in), n = 0;
	unsigned char *buf;
	unsigned acc = 0;
	int bits = 0;

	while (len > 0 && in[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return -1;
	buf = malloc(len / 4 * 3 + 3);
	if (!buf)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value((unsigned char)in[i]);

		if (v < 0) {
			free(buf);
			return -1;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Leftover bits must be zero padding, as an encoder writes them. */
	if (acc != 0) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return 0;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* A base64 list of NUL-terminated strings into a NULL-terminated vector. */
static int decode_list(const char *key, const char *value, bool need_eq, char ***out, char err[256])
{
	unsigned char *raw;
	size_t len, count = 0;
	char **v;

	if (guest_base64_decode(value, &raw, &len) < 0)
		return fail(err, "%s: not valid base64", key);
	if (len == 0 || raw[len - 1] != '\0') {
		free(raw);
		return fail(err, "%s: the list must be NUL-terminated strings", key);
	}
	for (size_t i = 0; i < len; i++)
		count += raw[i] == '\0';
	if (count > MAX_WORDS) {
		free(raw);
		return fail(err, "%s: more than %d strings", key, MAX_WORDS);
	}
	v = calloc(count + 1, sizeof(*v));
	if (!v) {
		free(raw);
		return fail(err, "out of memory");
	}
	for (size_t i = 0, at = 0; i < count; i++) {
		const char *s = (const char *)raw + at;

		if (need_eq && (s[0] == '=' || !strchr(s, '='))) {
			fail(err, "%s: '%s' is not NAME=VALUE", key, s); /* before @s goes with @raw */
			strv_free(v);
			free(raw);
			return -1;
		}
		if (!need_eq && i == 0 && s[0] == '\0') {
			strv_free(v);
			free(raw);
			return fail(err, "%s: the command is empty", key);
		}
		v[i] = strdup(s);
		if (!v[i]) {
			strv_free(v);
			free(raw);
			return fail(err, "out of memory");
		}
		at += strlen(s) + 1;
	}
	free(raw);
	strv_free(*out);
	*out = v;
	return 0;
}

static int set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

static int apply(struct guest_config *c, const char *key, const char *value)
{
	if (strcmp(key, "volt.cmd") == 0)
		return decode_list(key, value, false, &c->argv, c->error);
	if (strcmp(key, "volt.env") == 0)
		return decode_list(key, value, true, &c->env, c->error);
	if (strcmp(key, "volt.ro") == 0) {
		if (strcmp(value, "1") != 0 && strcmp(value, "0") != 0)
			return fail(c->error, "volt.ro: '%s' is not 0 or 1", value);
		c->read_only = value[0] == '1';
		return 0;
	}
	if (value[0] == '\0')
		return fail(c->error, "%s: empty value", key);
	if (strcmp(key, "volt.root") == 0) {
		if (strncmp(value, "/dev/", 5) != 0)
			return fail(c->error, "volt.root: '%s' is not a /dev path", value);
		return set_string(&c->root, value) < 0 ? fail(c->error, "out of memory") : 0;
	}
	if (strcmp(key, "volt.rootfstype") == 0) {
		if (strcmp(value, "ext4") != 0 && strcmp(value, "erofs") != 0)
			return fail(c->error, "volt.rootfstype: '%s' is not ext4 or erofs", value);
		return set_string(&c->fstype, value) < 0 ? fail(c->error, "out of memory") : 0;
	}
	if (strcmp(key, "volt.workdir") == 0) {
		if (value[0] != '/')
			return fail(c->error, "volt.workdir: '%s' is not absolute", value);
		return set_string(&c->workdir, value) < 0 ? fail(c->error, "out of memory") : 0;
	}
	if (strcmp(key, "volt.user") == 0)
		return set_string(&c->user, value) < 0 ? fail(c->error, "out of memory") : 0;
	if (strcmp(key, "volt.hostname") == 0) {
		if (strlen(value) > 64)
			return fail(c->error, "volt.hostname: longer than 64 characters");
		return set_string(&c->hostname, value) < 0 ? fail(c->error, "out of memory") : 0;
	}
	return fail(c->error, "unknown option '%s'", key);
}

int guest_config_parse(struct guest_config *c, const char *cmdline)
{
	size_t len = strlen(cmdline);
	char *word = malloc(len + 1);
	const char *p = cmdline;

	memset(c, 0, sizeof(*c));
	if (!word)
		return fail(c->error, "out of memory");
	for (;;) {
		bool quoted = false;
		size_t n = 0;
		char *eq;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		/* As the kernel splits: a double quote toggles grouping and is dropped. */
		for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
			if (*p == '"')
				quoted = !quoted;
			else
				word[n++] = *p;
		}
		word[n] = '\0';
		if (strncmp(word, "volt.", 5) != 0)
			continue;
		eq = strchr(word, '=');
		if (!eq) {
			fail(c->error, "'%s' has no value (volt.KEY=VALUE)", word);
			free(word);
			return -1;
		}
		*eq = '\0';
		if (apply(c, word, eq + 1) < 0) {
			free(word);
			return -1;
		}
	}
	free(word);
	if (!c->root)
		return fail(c->error, "no root disk: the command line has no volt.root=");
	if (!c->fstype && set_string(&c->fstype, "ext4") < 0)
		return fail(c->error, "out of memory");
	return 0;
}

void guest_config_free(struct guest_config *c)
{
	free(c->root);
	free(c->fstype);
	strv_free(c->argv);
	strv_free(c->env);
	free(c->workdir);
	free(c->user);
	free(c->hostname);
	memset(c, 0, sizeof(*c));
}

static int parse_id(const char *s, const char *end, unsigned long *out)
{
	char *stop;
	unsigned long v;

	if (s == end || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &stop, 10);
	if (errno || stop != end || v > 0xfffffffeUL)
		return -1;
	*out = v;
	return 0;
}

/* Find @name (or, with @by_uid, the uid @uid) in passwd text. */
static int passwd_find(const char *passwd, const char *name, bool by_uid, unsigned long uid,
		       unsigned long *out_uid, unsigned long *out_gid)
{
	const char *line = passwd;

	while (line && *line) {
		const char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line);
		const char *f[4] = { line };
		int nf = 1;

		for (const char *q = line; q < end && nf < 4; q++)
			if (*q == ':')
				f[nf++] = q + 1;
		if (nf == 4) {
			const char *gid_end = memchr(f[3], ':', (size_t)(end - f[3]));
			unsigned long u, g;

			if (!gid_end)
				gid_end = end;
			if (parse_id(f[2], f[3] - 1, &u) == 0 && parse_id(f[3], gid_end, &g) == 0) {
				bool match = by_uid ? u == uid
						    : (size_t)(f[1] - 1 - f[0]) == strlen(name) &&
							      strncmp(f[0], name, strlen(name)) == 0;
				if (match) {
					*out_uid = u;
					*out_gid = g;
					return 0;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return -1;
}

int guest_user_resolve(const char *spec, const char *passwd, uid_t *uid, gid_t *gid, char err[256])
{
	const char *colon = strchr(spec, ':'), *end = colon ? colon : spec + strlen(spec);
	unsigned long u, g;

	if (parse_id(spec, end, &u) == 0) {
		if (colon) {
			if (parse_id(colon + 1, colon + 1 + strlen(colon + 1), &g) < 0)
				return fail(err, "volt.user: '%s' is not UID:GID", spec);
		} else if (!passwd || passwd_find(passwd, NULL, true, u, &u, &g) < 0) {
			g = u;
		}
	} else {
		if (colon)
			return fail(err, "volt.user: '%s' is not NAME, UID or UID:GID", spec);
		if (!passwd || passwd_find(passwd, spec, false, 0, &u, &g) < 0)
			return fail(err, "volt.user: no user '%s' in the image's /etc/passwd", spec);
	}
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}
