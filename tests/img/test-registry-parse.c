/*
 * The registry client's parsers, on their own: references, WWW-Authenticate
 * challenges, manifests and indexes, platform selection, base64 and auth
 * files; hostile input gives the documented errors.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "registry-internal.h"
#include "volt-test.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

START_TEST(test_ref_forms)
{
	struct reg_ref r;

	ck_assert_int_eq(reg_ref_parse(&r, "127.0.0.1:5000/library/demo:1.0"), 0);
	ck_assert_str_eq(r.registry, "127.0.0.1:5000");
	ck_assert_str_eq(r.repository, "library/demo");
	ck_assert_str_eq(r.tag, "1.0");
	ck_assert_ptr_null(r.digest);
	reg_ref_clear(&r);

	ck_assert_int_eq(reg_ref_parse(&r, "registry.example.org/a/b-c/d__e"), 0);
	ck_assert_str_eq(r.tag, "latest");
	reg_ref_clear(&r);

	ck_assert_int_eq(reg_ref_parse(&r, "localhost/x@sha256:" D64), 0);
	ck_assert_str_eq(r.registry, "localhost");
	ck_assert_ptr_null(r.tag);
	ck_assert_str_eq(r.digest, "sha256:" D64);
	reg_ref_clear(&r);

	ck_assert_int_eq(reg_ref_parse(&r, "[::1]:5000/x:t"), 0);
	ck_assert_str_eq(r.registry, "[::1]:5000");
	reg_ref_clear(&r);
}
END_TEST

START_TEST(test_ref_refused)
{
	struct reg_ref r;

	ck_assert_fails_with(reg_ref_parse(&r, "library/demo:1.0"), EINVAL, "must start with a registry");
	ck_assert_fails_with(reg_ref_parse(&r, "demo"), EINVAL, "names no registry");
	ck_assert_fails_with(reg_ref_parse(&r, ""), EINVAL, "empty");
	ck_assert_fails_with(reg_ref_parse(&r, "r.io/Upper:1"), EINVAL, "invalid repository");
	ck_assert_fails_with(reg_ref_parse(&r, "r.io/a//b:1"), EINVAL, "invalid repository");
	ck_assert_fails_with(reg_ref_parse(&r, "r.io/a/../b:1"), EINVAL, "invalid repository");
	ck_assert_fails_with(reg_ref_parse(&r, "r.io/a:-bad"), EINVAL, "invalid tag");
	ck_assert_fails_with(reg_ref_parse(&r, "r.io/a:"), EINVAL, "invalid tag");
	ck_assert_fails_with(reg_ref_parse(&r, "r.io/a@sha256:abc"), EINVAL, "digest");
	ck_assert_fails_with(reg_ref_parse(&r, "r.io/a@md5:" D64), EINVAL, "digest");
	ck_assert_fails_with(reg_ref_parse(&r, "r.io:99x/a:1"), EINVAL, "registry host");
	ck_assert_fails_with(reg_ref_parse(&r, "a b.io/a:1"), EINVAL, "registry host");
	ck_assert_fails_with(reg_ref_parse(&r, "r.io/a?x=1:1"), EINVAL, "invalid repository");
}
END_TEST

START_TEST(test_loopback)
{
	ck_assert(reg_host_is_loopback("127.0.0.1:5000"));
	ck_assert(reg_host_is_loopback("localhost"));
	ck_assert(reg_host_is_loopback("localhost:80"));
	ck_assert(reg_host_is_loopback("[::1]:5000"));
	ck_assert(!reg_host_is_loopback("127.evil.example:5000"));
	ck_assert(!reg_host_is_loopback("localhost.example.org"));
	ck_assert(!reg_host_is_loopback("registry.example.org"));
}
END_TEST

START_TEST(test_challenge)
{
	struct reg_challenge c;

	ck_assert_int_eq(reg_challenge_parse(&c, "Bearer realm=\"https://auth.example.org/token\",service=\"registry.example.org\","
						 "scope=\"repository:samalba/my-app:pull,push\""), 0);
	ck_assert_int_eq(c.scheme, REG_AUTH_BEARER);
	ck_assert_str_eq(c.realm, "https://auth.example.org/token");
	ck_assert_str_eq(c.service, "registry.example.org");
	ck_assert_str_eq(c.scope, "repository:samalba/my-app:pull,push");
	reg_challenge_clear(&c);

	ck_assert_int_eq(reg_challenge_parse(&c, "basic realm=\"Registry \\\"Realm\\\"\""), 0);
	ck_assert_int_eq(c.scheme, REG_AUTH_BASIC);
	ck_assert_str_eq(c.realm, "Registry \"Realm\"");
	reg_challenge_clear(&c);

	ck_assert_int_eq(reg_challenge_parse(&c, "Bearer realm=http://h/t , error=invalid_token"), 0);
	ck_assert_str_eq(c.realm, "http://h/t");
	ck_assert_ptr_null(c.service);
	reg_challenge_clear(&c);

	ck_assert_fails_with(reg_challenge_parse(&c, "Negotiate abc"), EPROTONOSUPPORT, "Negotiate");
	ck_assert_fails_with(reg_challenge_parse(&c, "Bearer service=\"x\""), EINVAL, "without a realm");
	ck_assert_fails_with(reg_challenge_parse(&c, "Bearer realm=\"unterminated"), EINVAL, "unterminated");
	ck_assert_fails_with(reg_challenge_parse(&c, "Bearer realm"), EINVAL, "malformed");
	ck_assert_fails_with(reg_challenge_parse(&c, ""), EINVAL, "no scheme");
	ck_assert_fails_with(reg_challenge_parse(&c, "Bearer realm=\"a\" junk=\"b\""), EINVAL, "expected ','");
}
END_TEST

static const char image_manifest[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
	"\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"sha256:" D64 "\",\"size\":7},"
	"\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"sha256:" D64 "\",\"size\":12345}]}";

static const char index_manifest[] =
	"{\"schemaVersion\":2,\"manifests\":["
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" D64 "\",\"size\":1,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" D64 "\",\"size\":2,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";

START_TEST(test_manifest)
{
	struct reg_manifest m;
	const struct reg_descriptor *d;

	ck_assert_int_eq(reg_manifest_parse(&m, image_manifest, strlen(image_manifest),
					    "application/vnd.docker.distribution.manifest.v2+json"), 0);
	ck_assert_int_eq(m.kind, REG_MANIFEST_IMAGE);
	ck_assert_uint_eq(m.n, 1);
	ck_assert_uint_eq(m.items[0].size, 12345);
	ck_assert_uint_eq(m.config.size, 7);
	ck_assert(reg_layer_type_supported(m.items[0].media_type));
	reg_manifest_clear(&m);

	/* No mediaType in the body: the Content-Type says it; else the shape does. */
	ck_assert_int_eq(reg_manifest_parse(&m, index_manifest, strlen(index_manifest), NULL), 0);
	ck_assert_int_eq(m.kind, REG_MANIFEST_INDEX);
	ck_assert_uint_eq(m.n, 2);
	ck_assert_int_eq(reg_index_select(&m, NULL, &d), 0);
	ck_assert_uint_eq(d->size, 2);
	ck_assert_int_eq(reg_index_select(&m, "linux/arm64", &d), 0);
	ck_assert_uint_eq(d->size, 1);
	ck_assert_int_eq(reg_index_select(&m, "linux/arm64/v8", &d), 0);
	ck_assert_fails_with(reg_index_select(&m, "linux/arm64/v7", &d), ENOENT, "it has: linux/arm64/v8, linux/amd64");
	ck_assert_fails_with(reg_index_select(&m, "linux", &d), EINVAL, "OS/ARCH");
	ck_assert_fails_with(reg_index_select(&m, "linux/", &d), EINVAL, "OS/ARCH");
	reg_manifest_clear(&m);
}
END_TEST

START_TEST(test_manifest_refused)
{
	struct reg_manifest m;
	static const char *const bad[] = {
		"[]",
		"{\"schemaVersion\":2}",
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:" D64 "\",\"size\":-1},\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:ABC\",\"size\":1},\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:" D64 "\",\"size\":1},\"layers\":{}}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:" D64 "\",\"size\":1},\"layers\":[1]}",
		"{\"schemaVersion\":2,\"schemaVersion\":2}",
		"{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:" D64 "\",\"size\":1}]}",
		"not json",
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		ck_assert_msg(reg_manifest_parse(&m, bad[i], strlen(bad[i]), NULL) == -EBADMSG, "accepted: %s", bad[i]);
	ck_assert_fails_with(reg_manifest_parse(&m, "{\"schemaVersion\":1}", 19, NULL), EPROTONOSUPPORT,
			     "schemaVersion 1");
	ck_assert_fails_with(reg_manifest_parse(&m, "{\"schemaVersion\":2,\"mediaType\":\"application/x-odd\"}", 51, NULL),
			     EPROTONOSUPPORT, "application/x-odd");
	/* A server that labels an index as an image manifest is lying about one of them. */
	ck_assert_fails_with(reg_manifest_parse(&m, index_manifest, strlen(index_manifest),
						"application/vnd.docker.distribution.manifest.v2+json; charset=utf-8"),
			     EBADMSG, "Content-Type");
	ck_assert(!reg_layer_type_supported("application/vnd.example.unknown"));
}
END_TEST

START_TEST(test_base64_and_authfile)
{
	char *s, *u, *p, path[] = "/tmp/volt-authfile-XXXXXX";
	size_t n;
	FILE *f;
	int fd;

	s = reg_base64_encode("volt:s3cret", 11);
	ck_assert_str_eq(s, "dm9sdDpzM2NyZXQ=");
	free(s);
	ck_assert_int_eq(reg_base64_decode(&s, &n, "dm9sdDpzM2NyZXQ="), 0);
	ck_assert_str_eq(s, "volt:s3cret");
	free(s);
	ck_assert_int_eq(reg_base64_decode(&s, &n, "dm9sdDpzM2NyZXQ"), 0);
	ck_assert_uint_eq(n, 11);
	free(s);
	ck_assert_fails_with(reg_base64_decode(&s, &n, "dm9s*"), EINVAL, "base64");
	ck_assert_fails_with(reg_base64_decode(&s, &n, "dm=9s"), EINVAL, "base64");

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("{\"auths\": {\"r.io:5000\": {\"auth\": \"dm9sdDpzM2NyZXQ=\"}, \"u.io\": {\"username\": \"a\", \"password\": \"b\"},"
	      " \"bad.io\": {\"auth\": \"bm9jb2xvbg==\"}}}", f);
	fclose(f);
	ck_assert_int_eq(reg_authfile_lookup(path, "r.io:5000", &u, &p), 1);
	ck_assert_str_eq(u, "volt");
	ck_assert_str_eq(p, "s3cret");
	free(u);
	free(p);
	ck_assert_int_eq(reg_authfile_lookup(path, "u.io", &u, &p), 1);
	ck_assert_str_eq(p, "b");
	free(u);
	free(p);
	ck_assert_int_eq(reg_authfile_lookup(path, "other.io", &u, &p), 0);
	ck_assert_fails_with(reg_authfile_lookup(path, "bad.io", &u, &p), EINVAL, "USER:PASSWORD");
	unlink(path);
	ck_assert_int_lt(reg_authfile_lookup(path, "r.io", &u, &p), 0);
}
END_TEST

VOLT_TEST_MAIN("registry-parse", test_ref_forms, test_ref_refused, test_loopback, test_challenge, test_manifest,
	       test_manifest_refused, test_base64_and_authfile)
