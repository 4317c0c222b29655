/*
 * A main() for the vmm fuzz targets without libFuzzer: feeds every file
 * named on the command line (or every file in the directories named) to
 * LLVMFuzzerTestOneInput once, so the normal test suite replays the
 * committed corpus under gcc, ASan and UBSan.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <volt/core/file.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	char *data = NULL;
	size_t size = 0;
	uint8_t *exact;

	if (volt_file_read(&data, &size, path, 64ULL << 20) < 0) {
		fprintf(stderr, "cannot read %s\n", path);
		return -1;
	}
	/* A buffer of exactly the input's size, so ASan sees any read past it. */
	exact = malloc(size ? size : 1);
	if (!exact)
		abort();
	for (size_t i = 0; i < size; i++)
		exact[i] = (uint8_t)data[i];
	LLVMFuzzerTestOneInput(exact, size);
	free(exact);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "%s: not found\n", argv[i]);
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *de;
			char path[4096];

			if (!d)
				return 1;
			while ((de = readdir(d))) {
				if (de->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
				if (replay_file(path) < 0) {
					closedir(d);
					return 1;
				}
				files++;
			}
			closedir(d);
		} else {
			if (replay_file(argv[i]) < 0)
				return 1;
			files++;
		}
	}
	printf("replayed %d inputs\n", files);
	/* A corpus that went missing must not pass silently. */
	return files > 0 ? 0 : 1;
}
