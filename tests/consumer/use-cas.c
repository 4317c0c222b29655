/* A third-party program linking libvolt-cas, built outside the tree through pkg-config. */
#include <stdio.h>
#include <string.h>
#include <volt/core.h>
#include <volt/cas.h>

int main(void)
{
	/* The library and the headers it was built with agree, and core is reachable too. */
	if (strcmp(volt_cas_version(), VOLT_VERSION_STRING) != 0)
		return 1;
	printf("libvolt-cas %s: ok (core %s)\n", volt_cas_version(), volt_core_version());
	return 0;
}
