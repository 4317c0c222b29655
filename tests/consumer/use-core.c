/* A third-party program using libvolt-core, built outside the tree through pkg-config. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <volt/core.h>

int main(void)
{
	char buf[VOLT_FORMAT_BUF_SIZE];
	char *joined = NULL;
	json_t *v = NULL;
	uint64_t size;

	if (strcmp(volt_core_version(), VOLT_VERSION_STRING) != 0) {
		fprintf(stderr, "header %s, library %s\n", VOLT_VERSION_STRING, volt_core_version());
		return 1;
	}
	if (volt_name_validate("web-1") != 0 || volt_name_validate("../x") != -EINVAL)
		return 2;
	if (volt_path_join(&joined, "/srv", "a/../b") != 0 || strcmp(joined, "/srv/b") != 0)
		return 3;
	free(joined);
	if (volt_path_join(&joined, "/srv", "../etc") != -EINVAL)
		return 4;
	if (volt_parse_size(&size, "256M") != 0 || size != 256u << 20)
		return 5;
	if (strcmp(volt_format_size(buf, size), "256 MiB") != 0)
		return 6;
	if (volt_json_parse(&v, "{\"a\":1}", 7) != 0)
		return 7;
	json_decref(v);
	printf("libvolt-core %s: ok (%s)\n", volt_core_version(), volt_error_message());
	return 0;
}
