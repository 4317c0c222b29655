/*
 * The one binary of the FROM-scratch test image: says hello, then the
 * sandbox it finds itself in (its own /proc/self/status lines), so the
 * test sees the default policy hold without any tool in the image.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[256];
	FILE *f;

	printf("hello from scratch\n");
	f = fopen("/proc/self/status", "re");
	if (!f) {
		perror("/proc/self/status");
		return 1;
	}
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Seccomp:", 8) == 0 || strncmp(line, "CapEff:", 7) == 0 ||
		    strncmp(line, "NoNewPrivs:", 11) == 0)
			fputs(line, stdout);
	fclose(f);
	return 0;
}
