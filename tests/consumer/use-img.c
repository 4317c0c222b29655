/* A third-party program linking libvolt-img, built outside the tree through pkg-config. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <volt/core.h>
#include <volt/img.h>

int main(void)
{
	volt_img_image *img = NULL;

	/* The library and the headers it was built with agree; cas and core are reachable too. */
	if (strcmp(volt_img_version(), VOLT_VERSION_STRING) != 0 || strcmp(volt_cas_version(), volt_img_version()) != 0)
		return 1;
	/* Arguments are checked at the entry point, with a message. */
	if (volt_img_image_get(&img, NULL, "x") != -EINVAL || !volt_error_message()[0])
		return 2;
	printf("libvolt-img %s: ok (cas %s, core %s)\n", volt_img_version(), volt_cas_version(), volt_core_version());
	return 0;
}
