/*
 * gc, fsck and stats of packs (pack-maint.c), for maint.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_PACK_MAINT_H
#define VOLT_CAS_PACK_MAINT_H

#include "pack.h"

struct cas_pack_fsck {
	struct cas_hashset *good;     /* every block that verified */
	int qfd;                      /* quarantine/, or -1: report only */
	volt_cas_problem_fn problem;
	void *userdata;
	uint64_t blocks, corrupt, quarantined;
};

/* Verify every pack (checksums, every block); good blocks go into f->good. */
int cas_packs_fsck(volt_cas *cas, struct cas_pack_fsck *f);
/* Add the packs' blocks and bytes to @s; raw bytes to @raw_total. */
int cas_packs_stats(volt_cas *cas, volt_cas_stats *s, uint64_t *raw_total);

#endif
