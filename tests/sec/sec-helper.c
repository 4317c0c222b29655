/*
 * What a sandboxed workload sees, reported through the exit status:
 *   sec-helper euid            exit 42 if the effective uid is 0, else 43
 *   sec-helper caps HEXMASK    exit 0 if CapEff, CapPrm, CapInh and CapAmb
 *                              all equal HEXMASK and CapBnd too, else 1
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int check_caps(uint64_t want)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int ok = 0;

	if (!f)
		return 2;
	while (fgets(line, sizeof(line), f)) {
		uint64_t v;

		if (strncmp(line, "Cap", 3) != 0 || sscanf(line + 7, "%" SCNx64, &v) != 1)
			continue;
		if (v != want) {
			fprintf(stderr, "sec-helper: %s", line);
			fclose(f);
			return 1;
		}
		ok++;
	}
	fclose(f);
	return ok == 5 ? 0 : 2;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "euid") == 0)
		return geteuid() == 0 ? 42 : 43;
	if (argc == 3 && strcmp(argv[1], "caps") == 0)
		return check_caps(strtoull(argv[2], NULL, 16));
	return 3;
}
