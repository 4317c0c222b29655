/* A third-party program linking libvolt-sec, built outside the tree through pkg-config. */
#include <stdio.h>
#include <string.h>
#include <volt/core.h>
#include <volt/sec.h>

int main(void)
{
	/* The library and the headers it was built with agree, and core is reachable too. */
	if (strcmp(volt_sec_version(), VOLT_VERSION_STRING) != 0)
		return 1;
	printf("libvolt-sec %s: ok (core %s)\n", volt_sec_version(), volt_core_version());
	return 0;
}
