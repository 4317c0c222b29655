/*
 * Opening a store, its lock file, and refs.
 *
 * A store directory holds: "format" (a version line: "stellarium 1",
 * loose blocks, "stellarium 2", packs of LZ4 blocks, or "stellarium 3",
 * packs of zstd blocks), "lock" (the lock file, see volt_cas_gc()),
 * "packs/" (formats 2 and 3, pack.c), "blocks/00".."blocks/ff"
 * (loose blocks of format 1 and of stores migrated from it), "refs/"
 * (one file per ref holding a hash in hex), "quarantine/" (fsck's
 * corrupt blocks).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cas-internal.h"
#include "object.h"
#include "pack.h"

static const char *const format_lines[] = {
	[CAS_FORMAT_LOOSE] = "stellarium 1\n",
	[CAS_FORMAT_PACKS] = "stellarium 2\n",
	[CAS_FORMAT_ZSTD] = "stellarium 3\n",
};

/* The format a "format" file's bytes name, or 0. */
static int format_parse(const char *buf)
{
	for (int f = CAS_FORMAT_LOOSE; f <= CAS_FORMAT_LATEST; f++)
		if (strcmp(buf, format_lines[f]) == 0)
			return f;
	return 0;
}

int cas_store_init(const char *path, int format)
{
	_cleanup_free_ char *fmt = NULL;
	const char *line = format_lines[format];
	char sub[64];
	int r;

	r = volt_mkdir_p(path, 0700);
	if (r < 0)
		return r;
	for (unsigned i = 0; format == CAS_FORMAT_LOOSE && i < 256; i++) {
		_cleanup_free_ char *d = NULL;

		snprintf(sub, sizeof(sub), "blocks/%02x", i);
		r = volt_root_subdir(&d, path, sub, 1);
		if (r < 0)
			return r;
	}
	for (const char *const *s = (const char *const[]){ "refs", "quarantine", "packs", NULL }; *s; s++) {
		_cleanup_free_ char *d = NULL;

		if (format == CAS_FORMAT_LOOSE && strcmp(*s, "packs") == 0)
			continue;
		r = volt_root_subdir(&d, path, *s, 1);
		if (r < 0)
			return r;
	}
	if (asprintf(&fmt, "%s/format", path) < 0)
		return volt_error_set(ENOMEM, NULL);
	/* Written last: a store is complete once "format" exists. */
	return volt_file_write_atomic(fmt, line, strlen(line), 0644);
}

int cas_store_set_format(volt_cas *cas, int format)
{
	_cleanup_free_ char *fmt = NULL;
	const char *line = format_lines[format];
	int r;

	if (asprintf(&fmt, "%s/format", cas->path) < 0)
		return volt_error_set(ENOMEM, NULL);
	r = volt_file_write_atomic(fmt, line, strlen(line), 0644);
	if (r < 0)
		return r;
	cas->format = format;
	return 0;
}

int cas_packs_dir(volt_cas *cas, bool create)
{
	int fd;

	if (cas->packs_fd >= 0)
		return 1;
	if (create && mkdirat(cas->dir_fd, "packs", 0755) < 0 && errno != EEXIST)
		return volt_error_set_errno(errno, "create %s/packs", cas->path);
	fd = openat(cas->dir_fd, "packs", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT && !create)
			return 0;
		return volt_error_set_errno(errno, "open %s/packs", cas->path);
	}
	/* Another thread may have opened it meanwhile. */
	if (__atomic_compare_exchange_n(&cas->packs_fd, &(int){ -1 }, fd, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return 1;
	close(fd);
	return 1;
}

VOLT_API int volt_cas_open(volt_cas **out, const char *path, const volt_cas_open_options *opts)
{
	volt_cas_open_options o = VOLT_CAS_OPEN_OPTIONS_INIT;
	_cleanup_free_ char *fmt = NULL;
	volt_cas *cas;
	int format;
	char buf[32] = {};
	ssize_t n;
	int fd, r;
	long cpus;

	assert_return(out, EINVAL);
	assert_return(path, EINVAL);
	if (opts) {
		if (!VERSION_SUPPORTED(opts->version, VOLT_CAS_OPEN_OPTIONS_VERSION))
			return volt_error_set(EINVAL, "volt_cas_open_options version %u is not supported", opts->version);
		o = *opts;
	}

	fd = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && (o.flags & VOLT_CAS_OPEN_CREATE)) {
		r = cas_store_init(path, CAS_FORMAT_LATEST);
		if (r < 0)
			return volt_error_prefix(r, "create store %s", path);
		fd = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return volt_error_set_errno(errno, "open store %s", path);
	{
		_cleanup_close_ int ffd = openat(fd, "format", O_RDONLY | O_CLOEXEC);

		if (ffd < 0 && errno == ENOENT && (o.flags & VOLT_CAS_OPEN_CREATE)) {
			r = cas_store_init(path, CAS_FORMAT_LATEST);
			if (r < 0) {
				close(fd);
				return volt_error_prefix(r, "create store %s", path);
			}
			ffd = openat(fd, "format", O_RDONLY | O_CLOEXEC);
		}
		if (ffd < 0) {
			r = -errno;
			close(fd);
			if (r == -ENOENT)
				return volt_error_set(ENOENT, "%s is not a Stellarium store (no format file)", path);
			return volt_error_set_errno(-r, "open %s/format", path);
		}
		n = read(ffd, buf, sizeof(buf) - 1);
		format = n > 0 ? format_parse(buf) : 0;
		if (!format) {
			close(fd);
			return volt_error_set(EINVAL, "%s/format: unsupported store format", path);
		}
	}

	cas = calloc(1, sizeof(*cas));
	if (!cas) {
		close(fd);
		return volt_error_set(ENOMEM, NULL);
	}
	cas->dir_fd = fd;
	cas->blocks_fd = cas->refs_fd = cas->packs_fd = -1;
	cas->format = format;
	cas->path = strdup(path);
	cas->packs = calloc(1, sizeof(*cas->packs));
	cas->writer = calloc(1, sizeof(*cas->writer));
	if (!cas->path || !cas->packs || !cas->writer) {
		volt_cas_close(cas);
		return volt_error_set(ENOMEM, NULL);
	}
	pthread_rwlock_init(&cas->packs->lock, NULL);
	cas_pack_writer_init(cas->writer);
	/* Loose blocks: every block of a format-1 store, leftovers of a migration. */
	cas->blocks_fd = openat(fd, "blocks", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cas->blocks_fd < 0 && (errno != ENOENT || format == CAS_FORMAT_LOOSE)) {
		r = volt_error_set_errno(errno, "open %s/blocks", path);
		volt_cas_close(cas);
		return r;
	}
	cas->refs_fd = openat(fd, "refs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cas->refs_fd < 0) {
		r = volt_error_set_errno(errno, "open %s/refs", path);
		volt_cas_close(cas);
		return r;
	}
	r = cas_packs_dir(cas, false);
	if (r < 0) {
		volt_cas_close(cas);
		return r;
	}
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	cas->workers = o.workers ? o.workers : (cpus > 0 ? (unsigned)(cpus > 8 ? 8 : cpus) : 1);
	*out = cas;
	return 0;
}

VOLT_API volt_cas *volt_cas_close(volt_cas *cas)
{
	if (!cas)
		return NULL;
	if (cas->writer) {
		/* Blocks written without a sync (a failed import) are dropped:
		 * nothing can name them. */
		cas_pack_writer_clear(cas->writer);
		free(cas->writer);
	}
	if (cas->packs) {
		cas_packs_clear(cas->packs);
		pthread_rwlock_destroy(&cas->packs->lock);
		free(cas->packs);
	}
	if (cas->packs_fd >= 0)
		close(cas->packs_fd);
	if (cas->blocks_fd >= 0)
		close(cas->blocks_fd);
	if (cas->refs_fd >= 0)
		close(cas->refs_fd);
	if (cas->dir_fd >= 0)
		close(cas->dir_fd);
	free(cas->path);
	free(cas);
	return NULL;
}

VOLT_API const char *volt_cas_path(const volt_cas *cas)
{
	return cas ? cas->path : NULL;
}

int cas_lock(volt_cas *cas, bool exclusive, bool wait, int *out_fd)
{
	_cleanup_close_ int fd = openat(cas->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);

	if (fd < 0)
		return volt_error_set_errno(errno, "open %s/lock", cas->path);
	while (flock(fd, op) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return volt_error_set(EBUSY, "the store is busy (%s)",
					      exclusive ? "an import or tag is running" : "gc is running");
		return volt_error_set_errno(errno, "lock %s/lock", cas->path);
	}
	cas_packs_revalidate(cas);
	/* A migration (under the exclusive lock) may have run since this
	 * handle opened: write as the store's format now says. */
	if (cas->format < CAS_FORMAT_LATEST) {
		_cleanup_close_ int ffd = openat(cas->dir_fd, "format", O_RDONLY | O_CLOEXEC);
		char buf[32] = {};
		int f;

		if (ffd >= 0 && read(ffd, buf, sizeof(buf) - 1) > 0 && (f = format_parse(buf)) > cas->format)
			cas->format = f;
	}
	*out_fd = TAKE_FD(fd);
	return 0;
}

int cas_sync(volt_cas *cas)
{
	int r = cas_pack_writer_publish(cas, cas->writer);

	if (r < 0)
		return r;
	if (syncfs(cas->dir_fd) < 0)
		return volt_error_set_errno(errno, "sync store %s", cas->path);
	return 0;
}

int cas_ref_name_check(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 128 || name[0] == '.')
		return volt_error_set(EINVAL, "invalid ref name '%.140s': 1 to 128 characters, not starting with '.'", name);
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return volt_error_set(EINVAL, "invalid ref name '%.140s': character %zu is not one of "
					      "[A-Za-z0-9._-]", name, i + 1);
	}
	return 0;
}

static int check_root_object(volt_cas *cas, const volt_cas_hash *h)
{
	_cleanup_free_ void *data = NULL;
	size_t len;
	int r;

	r = cas_block_get(cas, h, &data, &len);
	if (r < 0)
		return r;
	r = cas_object_kind(data, len);
	return r < 0 ? r : 0;
}

/* Write a ref; the caller holds the shared lock and has synced the data. */
static int ref_write(volt_cas *cas, const char *name, const volt_cas_hash *root)
{
	_cleanup_free_ char *path = NULL;
	char line[VOLT_CAS_HASH_HEX_SIZE + 1];

	volt_cas_hash_to_hex(line, root);
	line[64] = '\n';
	if (asprintf(&path, "%s/refs/%s", cas->path, name) < 0)
		return volt_error_set(ENOMEM, NULL);
	return volt_file_write_atomic(path, line, 65, 0644);
}

int cas_ref_set_locked(volt_cas *cas, const char *name, const volt_cas_hash *root)
{
	int r = cas_ref_name_check(name);

	if (r < 0)
		return r;
	r = cas_sync(cas);
	if (r < 0)
		return r;
	return ref_write(cas, name, root);
}

VOLT_API int volt_cas_ref_set(volt_cas *cas, const char *name, const volt_cas_hash *root)
{
	_cleanup_close_ int lock = -1;
	int r;

	assert_return(cas, EINVAL);
	assert_return(name, EINVAL);
	assert_return(root, EINVAL);
	r = cas_ref_name_check(name);
	if (r < 0)
		return r;
	r = cas_lock(cas, false, true, &lock);
	if (r < 0)
		return r;
	/* Under the lock, so that gc cannot remove the object in between. */
	r = check_root_object(cas, root);
	if (r < 0)
		return volt_error_prefix(r, "tag %s", name);
	/* Blocks this handle stored and has not published yet (a caller of
	 * the internal block API) become durable before a ref names them. */
	r = cas_pack_writer_publish(cas, cas->writer);
	if (r < 0)
		return volt_error_prefix(r, "tag %s", name);
	return ref_write(cas, name, root);
}

VOLT_API int volt_cas_ref_get(volt_cas_hash *out, volt_cas *cas, const char *name)
{
	char buf[80];
	ssize_t n;
	int r;

	assert_return(cas, EINVAL);
	assert_return(name, EINVAL);
	assert_return(out, EINVAL);
	r = cas_ref_name_check(name);
	if (r < 0)
		return r;
	{
		_cleanup_close_ int fd = openat(cas->refs_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

		if (fd < 0) {
			if (errno == ENOENT)
				return volt_error_set(ENOENT, "no ref named '%s'", name);
			return volt_error_set_errno(errno, "open ref %s", name);
		}
		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0)
			return volt_error_set_errno(errno, "read ref %s", name);
	}
	buf[n] = 0;
	if (n != 65 || buf[64] != '\n')
		return volt_error_set(EINVAL, "ref %s is corrupt", name);
	buf[64] = 0;
	r = volt_cas_hash_from_hex(out, buf);
	if (r < 0)
		return volt_error_set(EINVAL, "ref %s is corrupt", name);
	return 0;
}

VOLT_API int volt_cas_ref_delete(volt_cas *cas, const char *name)
{
	int r;

	assert_return(cas, EINVAL);
	assert_return(name, EINVAL);
	r = cas_ref_name_check(name);
	if (r < 0)
		return r;
	if (unlinkat(cas->refs_fd, name, 0) < 0) {
		if (errno == ENOENT)
			return volt_error_set(ENOENT, "no ref named '%s'", name);
		return volt_error_set_errno(errno, "delete ref %s", name);
	}
	if (fsync(cas->refs_fd) < 0)
		return volt_error_set_errno(errno, "sync refs");
	return 0;
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

VOLT_API int volt_cas_ref_list(char ***out, size_t *n_out, volt_cas *cas)
{
	_cleanup_closedir_ DIR *d = NULL;
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int fd;

	assert_return(cas, EINVAL);
	assert_return(out, EINVAL);
	fd = openat(cas->refs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return volt_error_set_errno(errno, "list refs");
	}
	v = calloc(1, sizeof(char *));
	if (!v)
		return volt_error_set(ENOMEM, NULL);
	while ((de = readdir(d))) {
		/* Temporaries of atomic writes and anything else that is not a
		 * valid name are not refs. */
		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp.") || !(de->d_type == DT_REG || de->d_type == DT_UNKNOWN))
			continue;
		if (n + 2 > cap) {
			char **nv;

			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(char *));
			if (!nv) {
				volt_strv_free(v);
				return volt_error_set(ENOMEM, NULL);
			}
			v = nv;
		}
		v[n] = strdup(de->d_name);
		if (!v[n]) {
			volt_strv_free(v);
			return volt_error_set(ENOMEM, NULL);
		}
		v[++n] = NULL;
	}
	qsort(v, n, sizeof(char *), strcmp_p);
	*out = v;
	if (n_out)
		*n_out = n;
	return 0;
}

VOLT_API int volt_cas_resolve(volt_cas_hash *out, volt_cas *cas, const char *spec)
{
	int r;

	assert_return(cas, EINVAL);
	assert_return(spec, EINVAL);
	assert_return(out, EINVAL);
	if (strlen(spec) == 64 && volt_cas_hash_from_hex(out, spec) == 0) {
		r = cas_block_exists(cas, out);
		if (r < 0)
			return r;
		if (r == 0)
			return volt_error_set(ENOENT, "no object %s in the store", spec);
		return 0;
	}
	volt_error_clear();
	return volt_cas_ref_get(out, cas, spec);
}

int cas_resolve_spec(volt_cas *cas, const char *spec, volt_cas_hash *out, char **out_path)
{
	_cleanup_free_ char *head = NULL;
	const char *colon = strchr(spec, ':');
	int r;

	head = colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
	if (!head)
		return volt_error_set(ENOMEM, NULL);
	r = volt_cas_resolve(out, cas, head);
	if (r < 0)
		return r;
	*out_path = NULL;
	if (colon && colon[1]) {
		*out_path = strdup(colon + 1);
		if (!*out_path)
			return volt_error_set(ENOMEM, NULL);
	}
	return 0;
}

uint64_t cas_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void cas_progress_init(struct cas_progress_state *s, volt_cas_progress_fn fn, void *userdata)
{
	memset(s, 0, sizeof(*s));
	s->p.version = VOLT_CAS_PROGRESS_VERSION;
	s->fn = fn;
	s->userdata = userdata;
}

void cas_progress_update(struct cas_progress_state *s, const struct cas_counters *c, bool done)
{
	uint64_t now;

	if (c) {
		s->p.blocks = __atomic_load_n(&c->blocks, __ATOMIC_RELAXED);
		s->p.blocks_new = __atomic_load_n(&c->blocks_new, __ATOMIC_RELAXED);
		s->p.bytes_new = __atomic_load_n(&c->bytes_new, __ATOMIC_RELAXED);
		s->p.bytes_stored = __atomic_load_n(&c->bytes_stored, __ATOMIC_RELAXED);
		s->p.bytes = __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
		s->p.files = __atomic_load_n(&c->files, __ATOMIC_RELAXED);
	}
	s->p.done = done;
	if (!s->fn)
		return;
	now = cas_now_ns();
	if (!done && now - s->last_ns < 100 * 1000000ull)
		return;
	s->last_ns = now;
	s->fn(&s->p, s->userdata);
}
