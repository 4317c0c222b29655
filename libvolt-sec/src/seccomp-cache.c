/*
 * Compiled seccomp programs, cached on disk. libseccomp's compile can
 * dominate a container's start; the program only depends on the filter's
 * contents and the libseccomp version, both in the key.
 *
 * A cached program is trusted by the next sandbox, so a cache is a way
 * out of every sandbox that can write it. Hence:
 *  - the directory is reached component by component from "/" without
 *    following links, and each component must be owned by the caller's
 *    euid or root and writable by no one else (a root-owned sticky
 *    directory such as /tmp may be a parent: in it, no one else can
 *    rename or remove what the caller owns);
 *  - every entry carries an HMAC-SHA256 of its key and program under a
 *    secret of 32 random bytes, "key" in the directory (0600, the
 *    caller's); an entry that does not verify is ignored and rewritten.
 * File format ("VOLT-SECCOMP-1\n"): the magic, the key text, a NUL, the
 * program, then the 32-byte MAC of everything before it. The file name
 * is a hash of the key; the key is compared in full, so a collision
 * only costs a compile.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/core.h>

#include "filter-internal.h"
#include "policy-internal.h"
#include "shared/macro.h"
#include "seccomp-cache.h"
#include "sha256.h"

#define CACHE_FILE_MAX (1024u * 1024)
#define CACHE_MAGIC "VOLT-SECCOMP-1\n"
#define SECRET_LEN 32
#define MAC_LEN 32

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Whether @st (a directory on the way to the cache) may only be changed by us or root. */
static int check_dir(const struct stat *st, const char *path, bool last)
{
	uid_t me = geteuid();

	if (!S_ISDIR(st->st_mode))
		return volt_error_set(ENOTDIR, "seccomp cache: '%s' is not a directory", path);
	if (st->st_uid != me && st->st_uid != 0)
		return volt_error_set(EPERM, "seccomp cache: refusing '%s': owned by uid %u, not by the caller "
					     "(uid %u) or root", path, (unsigned)st->st_uid, (unsigned)me);
	if ((st->st_mode & 0022) && !(!last && (st->st_mode & S_ISVTX) && st->st_uid == 0))
		return volt_error_set(EPERM, "seccomp cache: refusing '%s': writable by others (mode %04o)", path,
				      (unsigned)(st->st_mode & 07777));
	if (last && st->st_uid != me)
		return volt_error_set(EPERM, "seccomp cache: refusing '%s': owned by uid %u, not by the caller (uid %u)",
				      path, (unsigned)st->st_uid, (unsigned)me);
	return 0;
}

/* Open (creating it 0700 if missing) the cache directory @dir, safely: see the top. */
static int open_cache_dir(const char *dir, int *out)
{
	_cleanup_free_ char *norm = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	char *p, *next;
	int r;

	if (dir[0] != '/')
		return volt_error_set(EINVAL, "seccomp cache: '%s' must be an absolute path", dir);
	r = volt_path_normalize(&norm, dir);
	if (r < 0)
		return volt_error_prefix(r, "seccomp cache");
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return volt_error_set_errno(errno, "seccomp cache: open /");
	r = check_dir(&st, "/", strcmp(norm, "/") == 0);
	if (r < 0)
		return r;
	for (p = norm + 1; *p; p = next) {
		_cleanup_close_ int nfd = -1;
		char saved;

		next = strchrnul(p, '/');
		saved = *next;
		*next = '\0';
		if (strcmp(p, "..") == 0)
			return volt_error_set(EINVAL, "seccomp cache: '%s' must not contain '..'", dir);
		nfd = openat(fd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT) {
			if (mkdirat(fd, p, 0700) < 0 && errno != EEXIST)
				return volt_error_set_errno(errno, "seccomp cache: create '%s'", norm);
			nfd = openat(fd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (nfd < 0)
			return volt_error_set_errno(errno == ELOOP ? ENOTDIR : errno,
						    "seccomp cache: open '%s'%s", norm,
						    errno == ELOOP ? " (a symbolic link)" : "");
		if (fstat(nfd, &st) < 0)
			return volt_error_set_errno(errno, "seccomp cache: stat '%s'", norm);
		r = check_dir(&st, norm, saved == '\0');
		if (r < 0)
			return r;
		*next = saved;
		if (saved)
			next++;
		close(fd);
		fd = TAKE_FD(nfd);
	}
	*out = TAKE_FD(fd);
	return 0;
}

/* Read up to @max bytes of regular file @name in @dfd, owned by us and private. -errno, no message. */
static int read_private(int dfd, const char *name, size_t max, char **out, size_t *out_len)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077) || (size_t)st.st_size > max)
		return -EPERM;
	buf = malloc(max + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + len, max + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	*out = TAKE_PTR(buf);
	*out_len = len;
	return 0;
}

/* Write @len bytes as @name in @dfd, atomically (a private temporary file, then rename). */
static int write_private(int dfd, const char *name, const void *data, size_t len, bool replace)
{
	char tmp[64];
	_cleanup_close_ int fd = -1;
	int r = 0;

	snprintf(tmp, sizeof(tmp), ".tmp-%d-%s", (int)getpid(), name);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	else if (replace ? renameat(dfd, tmp, dfd, name) < 0 : linkat(dfd, tmp, dfd, name, 0) < 0)
		r = -errno;
	if (r < 0 || !replace)
		(void)unlinkat(dfd, tmp, 0);
	return r;
}

/* The cache's secret, made on first use. */
static int load_secret(int dfd, unsigned char secret[SECRET_LEN])
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r;

	for (int attempt = 0; attempt < 2; attempt++) {
		unsigned char fresh[SECRET_LEN];

		r = read_private(dfd, "key", SECRET_LEN, &data, &len);
		if (r == 0) {
			if (len != SECRET_LEN)
				return volt_error_set(EPERM, "seccomp cache: its key file has %zu bytes, not %d", len,
						      SECRET_LEN);
			memcpy(secret, data, SECRET_LEN);
			explicit_bzero(data, len);
			return 0;
		}
		if (r != -ENOENT)
			return volt_error_set_errno(-r, "seccomp cache: its key file cannot be used (it must be a "
							"regular file of the caller, mode 0600)");
		if (getrandom(fresh, sizeof(fresh), 0) != (ssize_t)sizeof(fresh))
			return volt_error_set_errno(errno ? errno : EIO, "seccomp cache: getrandom");
		/* linkat fails with EEXIST when another process made the key first: read theirs. */
		r = write_private(dfd, "key", fresh, sizeof(fresh), false);
		explicit_bzero(fresh, sizeof(fresh));
		if (r < 0 && r != -EEXIST)
			return volt_error_set_errno(-r, "seccomp cache: create its key");
	}
	return volt_error_set(EIO, "seccomp cache: its key vanished while it was made");
}

static bool mac(const unsigned char secret[SECRET_LEN], const void *data, size_t len, unsigned char out[MAC_LEN])
{
	hmac_sha256(secret, SECRET_LEN, data, len, out);
	return true;
}

static bool cache_read(int dfd, const char *name, const char *key, const unsigned char secret[SECRET_LEN],
		       void **out, size_t *out_len)
{
	_cleanup_free_ char *data = NULL;
	size_t len, mlen = strlen(CACHE_MAGIC), klen = strlen(key) + 1, plen;
	unsigned char want[MAC_LEN];
	void *bpf;

	if (read_private(dfd, name, CACHE_FILE_MAX, &data, &len) < 0)
		return false;
	if (len < mlen + klen + MAC_LEN + 8 || memcmp(data, CACHE_MAGIC, mlen) != 0)
		return false;
	if (!mac(secret, data, len - MAC_LEN, want) || !mem_equal_ct(want, data + len - MAC_LEN, MAC_LEN)) {
		volt_log(VOLT_LOG_WARNING, "seccomp cache: entry %s does not verify (tampered with?): ignored", name);
		return false;
	}
	if (memcmp(data + mlen, key, klen) != 0)
		return false;
	plen = len - mlen - klen - MAC_LEN;
	if (plen % 8 != 0)
		return false;
	bpf = malloc(plen);
	if (!bpf)
		return false;
	memcpy(bpf, data + mlen + klen, plen);
	*out = bpf;
	*out_len = plen;
	return true;
}

static void cache_write(int dfd, const char *name, const char *key, const unsigned char secret[SECRET_LEN],
			const void *bpf, size_t len)
{
	size_t mlen = strlen(CACHE_MAGIC), klen = strlen(key) + 1, total = mlen + klen + len + MAC_LEN;
	_cleanup_free_ char *data = malloc(total);
	int r;

	if (!data)
		return;
	memcpy(data, CACHE_MAGIC, mlen);
	memcpy(data + mlen, key, klen);
	memcpy(data + mlen + klen, bpf, len);
	if (!mac(secret, data, total - MAC_LEN, (unsigned char *)data + total - MAC_LEN))
		return;
	r = write_private(dfd, name, data, total, true);
	if (r < 0)
		volt_log(VOLT_LOG_DEBUG, "seccomp cache: write %s: %s", name, strerror(-r));
}

int seccomp_cache_compile(const volt_sec_filter *filter, const char *dir, void **out, size_t *out_len,
			  bool *out_hit)
{
	_cleanup_free_ char *key = NULL;
	_cleanup_close_ int dfd = -1;
	unsigned char secret[SECRET_LEN];
	char name[32];
	int r;

	*out_hit = false;
	if (!dir)
		return volt_sec_filter_compile(out, out_len, filter);
	r = open_cache_dir(dir, &dfd);
	if (r < 0)
		return r;
	r = load_secret(dfd, secret);
	if (r < 0)
		return r;
	key = filter_describe(filter);
	if (!key)
		return volt_error_set(ENOMEM, NULL);
	snprintf(name, sizeof(name), "%016llx.bpf", (unsigned long long)fnv1a64(key));
	if (cache_read(dfd, name, key, secret, out, out_len)) {
		explicit_bzero(secret, sizeof(secret));
		*out_hit = true;
		return 0;
	}
	r = volt_sec_filter_compile(out, out_len, filter);
	if (r == 0)
		cache_write(dfd, name, key, secret, *out, *out_len);
	explicit_bzero(secret, sizeof(secret));
	return r;
}

/* ---- A policy's program, compiled by one process and loaded by another ---- */

VOLT_API int volt_sec_policy_seccomp_compile(void **out, size_t *out_len, const volt_sec_policy *p,
					     const char *cache_dir)
{
	volt_sec_filter *filter = NULL;
	bool hit = false;
	int r;

	assert_return(p, -EINVAL);
	assert_return(out, -EINVAL);
	assert_return(out_len, -EINVAL);
	*out = NULL;
	*out_len = 0;
	r = policy_build_filter(p, &filter);
	if (r < 0 || !filter)
		return r;
	r = seccomp_cache_compile(filter, cache_dir, out, out_len, &hit);
	volt_sec_filter_free(filter);
	if (r == 0)
		volt_log(VOLT_LOG_DEBUG, "seccomp: %zu instructions%s", *out_len / 8, hit ? " (cached)" : "");
	return r;
}

VOLT_API int volt_sec_policy_apply_bpf(const volt_sec_policy *p, const volt_sec_apply_options *opts,
				       const void *bpf, size_t len)
{
	volt_sec_policy rest;
	int r;

	assert_return(p, -EINVAL);
	if (!bpf || len == 0 || p->profile == SECCOMP_PROFILE_NONE)
		return volt_sec_policy_apply(p, opts);
	if (len % 8 != 0 || len / 8 > 4096)
		return volt_error_set(EINVAL, "seccomp: %zu bytes is not a valid BPF program length", len);
	/* Everything but seccomp, in the documented order; then the given
	 * program, last, as apply would have loaded its own. The copy shares
	 * the policy's lists and is not freed. */
	rest = *p;
	rest.profile = SECCOMP_PROFILE_NONE;
	r = volt_sec_policy_apply(&rest, opts);
	if (r < 0)
		return r;
	return volt_sec_bpf_load(bpf, len, 0);
}
