/*
 * libvolt-cas: Stellarium, the block-level content-addressed store shared by containers and VMs.
 *
 * Link with `pkg-config --cflags --libs libvolt-cas`. Errors follow
 * libvolt-core's convention: negative errno, message in volt_error_message().
 *
 * Data is cut into blocks addressed by their SHA-256; blocks are stored
 * once (zstd-compressed where that saves space). Trees, files and disk
 * images are objects stored the same way, forming a Merkle DAG; a ref
 * (tag) names one root object. The on-disk formats are described in
 * docs/cas-format.md.
 *
 * Handles: a volt_cas may be used by several threads at once for reading
 * and importing; a volt_cas_image must not be used by two threads at once
 * without the caller's own locking (volt_cas_image_read() is internally
 * serialised, so it is safe, just not parallel).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_H
#define VOLT_CAS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/**
 * The version of the libvolt-cas that is running, such as "0.1.0".
 * Never NULL; static storage.
 */
VOLT_API const char *volt_cas_version(void);

/* ---- Hashes ------------------------------------------------------------ */

#define VOLT_CAS_HASH_SIZE 32
/* Hex form plus its NUL. */
#define VOLT_CAS_HASH_HEX_SIZE 65

/** A SHA-256 digest: the address of a block or object. */
typedef struct volt_cas_hash {
	unsigned char bytes[VOLT_CAS_HASH_SIZE];
} volt_cas_hash;

/** Write the 64 lower-case hex digits of @hash and a NUL into @out. Returns @out. */
VOLT_API char *volt_cas_hash_to_hex(char out[VOLT_CAS_HASH_HEX_SIZE], const volt_cas_hash *hash);

/**
 * Parse exactly 64 hex digits.
 *
 * @return 0, or -EINVAL for anything else.
 */
VOLT_API int volt_cas_hash_from_hex(volt_cas_hash *out, const char *hex);

/* ---- The store --------------------------------------------------------- */

typedef struct volt_cas volt_cas;

#define VOLT_CAS_OPEN_CREATE (1u << 0) /* create the store if it does not exist */

typedef struct volt_cas_open_options {
	unsigned int version;   /* VOLT_CAS_OPEN_OPTIONS_VERSION */
	unsigned int flags;     /* VOLT_CAS_OPEN_* */
	unsigned int workers;   /* hashing/compression threads; 0: one per online CPU (at most 8) */
} volt_cas_open_options;

#define VOLT_CAS_OPEN_OPTIONS_VERSION 1
#define VOLT_CAS_OPEN_OPTIONS_INIT { VOLT_CAS_OPEN_OPTIONS_VERSION, 0, 0 }

/**
 * Open the store in directory @path (typically "<state root>/cas").
 *
 * @param opts  NULL for defaults (open an existing store).
 * @param out   on success, a handle to free with volt_cas_close().
 * @return 0; -ENOENT when the store does not exist and CREATE was not
 *         given; -ENOTDIR, -EACCES, ... from the file system; -EINVAL for
 *         bad options or a directory that is not a store; -ENOMEM.
 */
VOLT_API int volt_cas_open(volt_cas **out, const char *path, const volt_cas_open_options *opts);

/** Close @cas. NULL is accepted. Returns NULL. */
VOLT_API volt_cas *volt_cas_close(volt_cas *cas);

/** The store's directory. Belongs to @cas. */
VOLT_API const char *volt_cas_path(const volt_cas *cas);

/**
 * Turn a spec into a root hash: either 64 hex digits (an object that
 * must exist) or the name of a ref.
 *
 * @return 0; -ENOENT for an unknown ref or a missing object; -EINVAL for
 *         a malformed name.
 */
VOLT_API int volt_cas_resolve(volt_cas_hash *out, volt_cas *cas, const char *spec);

/* ---- Progress ---------------------------------------------------------- */

/** Counters passed to a progress callback and returned by imports. */
typedef struct volt_cas_progress {
	unsigned int version;    /* VOLT_CAS_PROGRESS_VERSION */
	uint64_t files;          /* entries (files, dirs, links, ...) handled so far */
	uint64_t bytes;          /* logical bytes read (import) or written (checkout) */
	uint64_t bytes_total;    /* expected total of @bytes, 0 when unknown */
	uint64_t blocks;         /* blocks handled */
	uint64_t blocks_new;     /* blocks that were not in the store yet */
	uint64_t bytes_new;      /* raw bytes of those new blocks */
	uint64_t bytes_stored;   /* bytes written to disk for them (after compression) */
	int done;                /* 1 in the final call */
} volt_cas_progress;

#define VOLT_CAS_PROGRESS_VERSION 1
#define VOLT_CAS_PROGRESS_INIT { VOLT_CAS_PROGRESS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0 }

/**
 * Called from the importing thread at most about ten times a second, and
 * once more with done = 1. @p is only valid during the call.
 */
typedef void (*volt_cas_progress_fn)(const volt_cas_progress *p, void *userdata);

/* ---- Import ------------------------------------------------------------ */

typedef struct volt_cas_import_options {
	unsigned int version;       /* VOLT_CAS_IMPORT_OPTIONS_VERSION */
	/* Content-defined chunking of files; 0 takes the default (16K/64K/256K).
	 * Constraints: 64 <= min <= avg <= max <= 16 MiB, avg a power of two. */
	uint32_t chunk_min, chunk_avg, chunk_max;
	/* Fixed block size of disk images; 0: 64 KiB. A power of two, 4 KiB..4 MiB. */
	uint32_t block_size;
	/* When not NULL, point this ref at the new root once it is durable. */
	const char *tag;
	volt_cas_progress_fn progress;
	void *userdata;
} volt_cas_import_options;

#define VOLT_CAS_IMPORT_OPTIONS_VERSION 1
#define VOLT_CAS_IMPORT_OPTIONS_INIT { VOLT_CAS_IMPORT_OPTIONS_VERSION, 0, 0, 0, 0, NULL, NULL, NULL }

/**
 * Import the directory tree at @dir: regular files, directories,
 * symlinks, device nodes, FIFOs and sockets, with mode, owner, mtime,
 * extended attributes, and hard links (within @dir) kept as hard links.
 * Holds the store's shared lock (see volt_cas_gc()) until done.
 *
 * @param out_root   the tree's hash.
 * @param out_stats  if not NULL, the final counters (version must be set).
 * @return 0; -EINVAL for bad options or an unusable entry name; errors of
 *         reading @dir or writing the store (-ENOSPC, -EIO, ...).
 */
VOLT_API int volt_cas_import_dir(volt_cas_hash *out_root, volt_cas_progress *out_stats, volt_cas *cas,
				 const char *dir, const volt_cas_import_options *opts);

/**
 * Import the raw disk image @path (a file or block device) as an image
 * object of fixed, aligned blocks; all-zero blocks are stored as holes.
 * Same locking, outputs and errors as volt_cas_import_dir().
 */
VOLT_API int volt_cas_import_image(volt_cas_hash *out_root, volt_cas_progress *out_stats, volt_cas *cas,
				   const char *path, const volt_cas_import_options *opts);

/**
 * Import a tar stream (POSIX ustar and pax, GNU long names) read from
 * @fd until its end-of-archive marker. Entries with absolute paths,
 * ".." components, paths through a non-directory, or hard links to
 * anything but an earlier regular file are refused with -EINVAL.
 */
VOLT_API int volt_cas_import_tar(volt_cas_hash *out_root, volt_cas_progress *out_stats, volt_cas *cas,
				 int fd, const volt_cas_import_options *opts);

/* ---- Checkout ---------------------------------------------------------- */

#define VOLT_CAS_CHECKOUT_NO_OWNER (1u << 0) /* do not chown (default when not root) */
/* Skip character and block device nodes (each is logged). */
#define VOLT_CAS_CHECKOUT_NO_DEVICES (1u << 1)
/* Clear the set-user-ID and set-group-ID bits of files (directories keep set-group-ID). */
#define VOLT_CAS_CHECKOUT_NO_SETID (1u << 2)
/* Skip trusted.* and security.* xattrs (security.capability included). */
#define VOLT_CAS_CHECKOUT_NO_PRIVILEGED_XATTRS (1u << 3)
/*
 * For data nobody vouches for (images from registries, archives, other
 * users' trees): nothing the checkout creates gives anyone a privilege
 * the tree's author did not already have on this machine.
 */
#define VOLT_CAS_CHECKOUT_SAFE \
	(VOLT_CAS_CHECKOUT_NO_DEVICES | VOLT_CAS_CHECKOUT_NO_SETID | VOLT_CAS_CHECKOUT_NO_PRIVILEGED_XATTRS)

/* Limits taken when the options leave them 0 (see max_entries, max_bytes). */
#define VOLT_CAS_CHECKOUT_DEFAULT_MAX_ENTRIES 10000000ull
#define VOLT_CAS_CHECKOUT_DEFAULT_MAX_BYTES (256ull << 30)
/* A limit of this value means none. */
#define VOLT_CAS_CHECKOUT_UNLIMITED UINT64_MAX

typedef struct volt_cas_checkout_options {
	unsigned int version;    /* VOLT_CAS_CHECKOUT_OPTIONS_VERSION (1 is accepted: no limit fields) */
	unsigned int flags;      /* VOLT_CAS_CHECKOUT_* */
	volt_cas_progress_fn progress;
	void *userdata;
	/* Version 2. A tree whose expansion (shared subtrees counted every
	 * time they are referenced) has more entries, or more bytes of
	 * regular files, is refused (-E2BIG, -EFBIG) and nothing of it stays.
	 * 0: the default; VOLT_CAS_CHECKOUT_UNLIMITED: no limit. Version 1
	 * callers get the defaults. */
	uint64_t max_entries;
	uint64_t max_bytes;
} volt_cas_checkout_options;

#define VOLT_CAS_CHECKOUT_OPTIONS_VERSION 2
#define VOLT_CAS_CHECKOUT_OPTIONS_INIT { VOLT_CAS_CHECKOUT_OPTIONS_VERSION, 0, NULL, NULL, 0, 0 }

/**
 * Write the object @spec (ref or hash; a tree, or a subtree with
 * "SPEC:path") into @dest, which must not exist or be an empty directory
 * owned by the caller and writable by nobody else (-EPERM otherwise).
 * Trees come out with modes, owners (when root), mtimes, xattrs,
 * symlinks, device nodes and hard links (see the flags for what
 * VOLT_CAS_CHECKOUT_SAFE leaves out); an image comes out as the sparse
 * file @dest. The checkout is an independent copy: writing to it never
 * reaches the store.
 *
 * A tree is written into a new directory next to @dest that only the
 * caller can enter (mode 0700), then renamed to @dest: nobody else can
 * swap its entries while their metadata is set, no metadata call follows
 * a symlink, and a checkout that fails (a corrupt or missing block, a
 * limit, a full disk) leaves @dest as it was and nothing else behind.
 * Nothing is ever written through a symlink, and a tree that fails
 * validation is refused before anything is written below it.
 *
 * @return 0; -ENOENT for an unknown spec; -EEXIST when @dest is not
 *         empty; -EPERM for a @dest the caller does not own or others can
 *         write; -E2BIG/-EFBIG for a tree over the entry/byte limit;
 *         -ELOOP for directories nested too deep; -EBADMSG for a corrupt
 *         block or object; -EINVAL for unknown flags; file system errors.
 */
VOLT_API int volt_cas_checkout(volt_cas *cas, const char *spec, const char *dest,
			       const volt_cas_checkout_options *opts);

/* ---- Browsing ---------------------------------------------------------- */

typedef enum volt_cas_entry_type {
	VOLT_CAS_ENTRY_REGULAR = 1,
	VOLT_CAS_ENTRY_DIRECTORY = 2,
	VOLT_CAS_ENTRY_SYMLINK = 3,
	VOLT_CAS_ENTRY_CHAR_DEVICE = 4,
	VOLT_CAS_ENTRY_BLOCK_DEVICE = 5,
	VOLT_CAS_ENTRY_FIFO = 6,
	VOLT_CAS_ENTRY_SOCKET = 7,
	VOLT_CAS_ENTRY_IMAGE = 8,   /* a disk image root */
} volt_cas_entry_type;

typedef struct volt_cas_xattr {
	const char *name;
	const void *value;
	size_t size;
} volt_cas_xattr;

/**
 * One entry of a tree (or an image root). Allocated by the library, so
 * fields may be appended in later versions; strings belong to the entry.
 */
typedef struct volt_cas_entry {
	const char *name;           /* "" for a root */
	volt_cas_entry_type type;
	uint32_t mode;              /* permission bits (07777) */
	uint32_t uid, gid;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	uint64_t size;              /* regular file or image length */
	uint64_t rdev;              /* device number of a device node */
	uint32_t link_group;        /* non-zero: hard-linked with the same group */
	uint32_t block_size;        /* image block size */
	uint64_t blocks;            /* number of blocks (file or image) */
	const char *target;         /* symlink target, else NULL */
	size_t n_xattrs;
	const volt_cas_xattr *xattrs;
	volt_cas_hash hash;         /* subtree or image object; zero for others */
} volt_cas_entry;

/**
 * Describe what "SPEC" or "SPEC:path" names.
 *
 * @param out  on success, an entry to free with volt_cas_entry_free().
 * @return 0; -ENOENT for a missing ref or path; -ENOTDIR for a path
 *         through a non-directory; -EBADMSG for corrupt data.
 */
VOLT_API int volt_cas_stat(volt_cas_entry **out, volt_cas *cas, const char *spec);

/** Free an entry from volt_cas_stat(). NULL is accepted. Returns NULL. */
VOLT_API volt_cas_entry *volt_cas_entry_free(volt_cas_entry *entry);

/** Called by volt_cas_list() for each entry; a negative return stops the listing and is returned. */
typedef int (*volt_cas_list_fn)(const volt_cas_entry *entry, void *userdata);

/**
 * List the directory "SPEC" or "SPEC:path" in name order. @entry is only
 * valid during the call.
 *
 * @return 0; errors as volt_cas_stat(); -ENOTDIR when not a directory;
 *         or the callback's negative return.
 */
VOLT_API int volt_cas_list(volt_cas *cas, const char *spec, volt_cas_list_fn fn, void *userdata);

/* ---- Random access ----------------------------------------------------- */

/** A read-only, random-access byte stream: a disk image or a file. */
typedef struct volt_cas_image volt_cas_image;

/**
 * Open "SPEC" (an image root, or a regular file at "SPEC:path") for
 * random-access reads without a checkout.
 *
 * @param out  a handle to free with volt_cas_image_close().
 * @return 0; -ENOENT; -EISDIR/-EINVAL when @spec is not a file or image;
 *         -EBADMSG for a corrupt object.
 */
VOLT_API int volt_cas_image_open(volt_cas_image **out, volt_cas *cas, const char *spec);

/** Length in bytes of the stream. */
VOLT_API uint64_t volt_cas_image_size(const volt_cas_image *img);

/** Block size of an image, or 0 for a file (variable blocks). */
VOLT_API uint32_t volt_cas_image_block_size(const volt_cas_image *img);

/**
 * Read up to @len bytes at @offset into @buf, like pread(2): every block
 * is verified against its hash before any of its bytes are returned.
 *
 * @return the number of bytes read (less than @len only at the end, 0 at
 *         or past the end); -EBADMSG when a block is corrupt; -ENOENT
 *         when a block is missing; -EIO, -ENOMEM. @buf may be partly
 *         written on error, but never with unverified data.
 */
VOLT_API ssize_t volt_cas_image_read(volt_cas_image *img, void *buf, size_t len, uint64_t offset);

/** Close @img (it must not outlive its store). NULL is accepted. Returns NULL. */
VOLT_API volt_cas_image *volt_cas_image_close(volt_cas_image *img);

/* ---- Refs -------------------------------------------------------------- */

/**
 * Point ref @name at @root, atomically (replacing an earlier value). A
 * name is 1..128 characters of [A-Za-z0-9._-], not starting with '.'.
 * @root must be a readable object. Holds the shared lock while writing.
 *
 * @return 0; -EINVAL for a bad name; -ENOENT/-EBADMSG when @root is not
 *         a valid object; file system errors.
 */
VOLT_API int volt_cas_ref_set(volt_cas *cas, const char *name, const volt_cas_hash *root);

/** Read ref @name. @return 0; -ENOENT; -EINVAL for a bad name or a corrupt ref file. */
VOLT_API int volt_cas_ref_get(volt_cas_hash *out, volt_cas *cas, const char *name);

/** Delete ref @name (its data goes at the next gc). @return 0; -ENOENT; -EINVAL. */
VOLT_API int volt_cas_ref_delete(volt_cas *cas, const char *name);

/**
 * All ref names, sorted.
 *
 * @param out  a NULL-terminated array; free with volt_strv_free().
 * @param n    if not NULL, the count.
 */
VOLT_API int volt_cas_ref_list(char ***out, size_t *n, volt_cas *cas);

/* ---- Maintenance ------------------------------------------------------- */

#define VOLT_CAS_GC_DRY_RUN (1u << 0)   /* count what would go, delete nothing */
#define VOLT_CAS_GC_NO_WAIT (1u << 1)   /* -EBUSY instead of waiting for importers */

typedef struct volt_cas_gc_result {
	unsigned int version;       /* VOLT_CAS_RESULT_VERSION */
	uint64_t refs;              /* refs marked from */
	uint64_t blocks_kept;
	uint64_t blocks_removed;
	uint64_t bytes_removed;     /* on-disk bytes of removed blocks */
	uint64_t temp_removed;      /* stale temporary files left by killed writers */
} volt_cas_gc_result;

#define VOLT_CAS_RESULT_VERSION 1
#define VOLT_CAS_GC_RESULT_INIT { VOLT_CAS_RESULT_VERSION, 0, 0, 0, 0, 0 }

/**
 * Collect garbage: mark every block reachable from a ref, delete the
 * rest. Takes the store's lock file exclusively, so it waits for running
 * imports (which hold it shared) and imports wait for it; a ref is only
 * written while its data is durable and the shared lock is held, so gc
 * never deletes a block that a finished or running import needs. A gc
 * killed at any point leaves a consistent store. A ref that points at a
 * missing or corrupt object stops gc with -EBADMSG (run fsck).
 *
 * @param out  if not NULL, counters (version must be set).
 * @return 0; -EBUSY with NO_WAIT while an import runs; -EBADMSG; I/O errors.
 */
VOLT_API int volt_cas_gc(volt_cas_gc_result *out, volt_cas *cas, unsigned int flags);

#define VOLT_CAS_FSCK_QUARANTINE (1u << 0) /* move corrupt blocks to quarantine/ */

typedef enum volt_cas_problem {
	VOLT_CAS_PROBLEM_CORRUPT_BLOCK = 1,  /* content does not match its name */
	VOLT_CAS_PROBLEM_MISSING_BLOCK = 2,  /* referenced but absent */
	VOLT_CAS_PROBLEM_BAD_OBJECT = 3,     /* an object that does not parse */
	VOLT_CAS_PROBLEM_BAD_REF = 4,        /* a ref file that does not parse */
	VOLT_CAS_PROBLEM_DAMAGED_REF = 5,    /* a ref that loses blocks (its root hash; detail names it) */
} volt_cas_problem;

/** Called for each problem fsck finds; @detail is only valid during the call. */
typedef void (*volt_cas_problem_fn)(volt_cas_problem problem, const volt_cas_hash *hash,
				    const char *detail, void *userdata);

typedef struct volt_cas_fsck_result {
	unsigned int version;       /* VOLT_CAS_RESULT_VERSION */
	uint64_t blocks;            /* block files rehashed */
	uint64_t refs;
	uint64_t corrupt;
	uint64_t missing;
	uint64_t bad_objects;
	uint64_t bad_refs;
	uint64_t quarantined;
} volt_cas_fsck_result;

#define VOLT_CAS_FSCK_RESULT_INIT { VOLT_CAS_RESULT_VERSION, 0, 0, 0, 0, 0, 0, 0 }

/**
 * Rehash every block (loose files, and every pack against the checksum
 * in its index) and walk every ref. With QUARANTINE, corrupt block files
 * are moved to "quarantine/" in the store (a later import of the same
 * data stores a good copy again); of a bad pack, the good blocks are
 * copied into a new pack and the pack and its index are moved there.
 * Refs that lose blocks are reported (VOLT_CAS_PROBLEM_DAMAGED_REF).
 * With QUARANTINE the store's lock is held exclusively (imports wait).
 *
 * @return 0 when the store is sound; -EBADMSG when a problem was found
 *         (counted in @out and passed to @fn, which may be NULL); I/O errors.
 */
VOLT_API int volt_cas_fsck(volt_cas_fsck_result *out, volt_cas *cas, unsigned int flags, volt_cas_problem_fn fn,
			   void *userdata);

#define VOLT_CAS_MIGRATE_NO_WAIT (1u << 0) /* fail with -EBUSY instead of waiting for imports */

typedef struct volt_cas_migrate_result {
	unsigned int version;       /* VOLT_CAS_RESULT_VERSION */
	unsigned int format_before; /* 1: loose block files, 2: packs of LZ4 blocks, 3: packs of zstd blocks */
	uint64_t blocks_packed;     /* loose blocks copied into packs */
	uint64_t blocks_dropped;    /* loose blocks a pack already held */
	uint64_t bytes_packed;      /* their stored (encoded) bytes */
} volt_cas_migrate_result;

#define VOLT_CAS_MIGRATE_RESULT_INIT { VOLT_CAS_RESULT_VERSION, 0, 0, 0, 0 }

/**
 * Bring a store to format 3 (pack files with indexes, new blocks zstd,
 * docs/cas-packs.md). From format 1 (one file per block under blocks/),
 * every loose block is verified and copied into packs, the packs are made
 * durable, the format file is rewritten, and only then are the loose
 * files removed; from format 2 (packs of LZ4 blocks), only the format
 * file is rewritten (LZ4 blocks stay readable). Holds the store's lock
 * exclusively (like gc). A migration that is killed leaves a store that
 * opens and reads; running it again finishes it. A store already of
 * format 3 with no loose blocks is left as it is.
 *
 * @return 0; -EBADMSG when a loose block is corrupt (nothing is changed:
 *         run fsck with QUARANTINE first); -EBUSY with NO_WAIT; I/O errors.
 */
VOLT_API int volt_cas_migrate(volt_cas_migrate_result *out, volt_cas *cas, unsigned int flags);

typedef struct volt_cas_stats {
	unsigned int version;       /* VOLT_CAS_RESULT_VERSION */
	uint64_t refs;
	uint64_t blocks;            /* block files in the store (objects included) */
	uint64_t logical_bytes;     /* file and image bytes over all refs, as checked out */
	uint64_t unique_bytes;      /* raw bytes of the distinct blocks reachable from refs */
	uint64_t stored_bytes;      /* bytes of all block files (after compression) */
	uint64_t disk_bytes;        /* space the block files take (st_blocks) */
	double dedup_ratio;         /* logical / unique */
	double compression_ratio;   /* raw size of all blocks / stored */
} volt_cas_stats;

#define VOLT_CAS_STATS_INIT { VOLT_CAS_RESULT_VERSION, 0, 0, 0, 0, 0, 0, 0.0, 0.0 }

/** Compute the store's statistics (walks every ref and lists every block). */
VOLT_API int volt_cas_get_stats(volt_cas_stats *out, volt_cas *cas);

VOLT_END_DECLS

/* Container bases: their reclaiming and lock. */
#include <volt/cas/bases.h>

#endif
