/*
 * Text from images, stores and registries shown on a terminal: file
 * names, link targets, image configs, and the error messages that quote
 * them. A name such as "\033]0;pwned\007" would otherwise retitle the
 * operator's terminal, clear it, or worse on terminals that answer
 * queries. Escaped: C0 controls (newline and tab too: one name is one
 * line), DEL, C1 controls (U+0080..U+009F, which 8-bit terminals take as
 * CSI and others), and every byte that is not part of valid UTF-8, each
 * as \xNN. Printable UTF-8 is kept as it is. Machine-readable output
 * (JSON) does not need this: jansson writes controls as \uNNNN.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_SHARED_ESCAPE_H
#define VOLT_SHARED_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid, non-control UTF-8 sequence at @s (of @n bytes), or 0. */
static inline size_t volt_escape_utf8_len(const unsigned char *s, size_t n)
{
	unsigned int cp;
	size_t len;

	if (s[0] >= 0x20 && s[0] < 0x7f)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond Unicode, and the C1 controls. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp > 0x10ffff || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

/* Whether @s would be shown differently escaped. */
static inline bool volt_escape_needed(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0, k; i < n; i += k)
		if (!(k = volt_escape_utf8_len((const unsigned char *)s + i, n - i)))
			return true;
	return false;
}

/*
 * @s with its controls and invalid bytes as \xNN, in a new string the
 * caller frees; NULL when out of memory (or for a NULL @s).
 */
static inline char *volt_escape(const char *s)
{
	size_t n, o = 0;
	char *out;

	if (!s)
		return NULL;
	n = strlen(s);
	if (n > (SIZE_MAX - 1) / 4)
		return NULL;
	out = malloc(4 * n + 1);
	if (!out)
		return NULL;
	for (size_t i = 0, k; i < n; i += k) {
		k = volt_escape_utf8_len((const unsigned char *)s + i, n - i);
		if (k) {
			memcpy(out + o, s + i, k);
			o += k;
		} else {
			static const char hex[] = "0123456789abcdef";
			unsigned char c = (unsigned char)s[i];

			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
			k = 1;
		}
	}
	out[o] = '\0';
	return out;
}

/* fputs() of @s escaped; on a failed allocation, "?" stands for it rather than the raw text. */
static inline int volt_fputs_escaped(const char *s, FILE *f)
{
	char *e;
	int r;

	if (!volt_escape_needed(s))
		return fputs(s, f);
	e = volt_escape(s);
	r = fputs(e ? e : "?", f);
	free(e);
	return r;
}

#endif
