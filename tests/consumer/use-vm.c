/* A third-party program linking libvolt-vm, built outside the tree through pkg-config. */
#include <stdio.h>
#include <string.h>
#include <volt/core.h>
#include <volt/vm.h>

int main(void)
{
	volt_vm *vm = NULL;
	volt_vm_info **infos = NULL;
	size_t n = 1;

	/* The library and the headers it was built with agree, and core is reachable too. */
	if (strcmp(volt_vm_version(), VOLT_VERSION_STRING) != 0)
		return 1;
	/* A state root with no VMs lists none (nothing is created by looking). */
	if (volt_vm_open(&vm, "/nonexistent/volt-consumer") < 0 || volt_vm_list(&infos, &n, vm) < 0 || n != 0)
		return 2;
	volt_vm_info_list_free(infos);
	volt_vm_close(vm);
	printf("libvolt-vm %s: ok (core %s)\n", volt_vm_version(), volt_core_version());
	return 0;
}
