#!/bin/sh
# voltvm loads only what a VMM needs (issue 16): at most 12 shared objects
# at start, none of libsystemd, libcurl, zlib (nor what they pull in), and
# none of Volt's shared libraries (it links its stack statically);
# libvolt-vmm itself needs no libsystemd, and the VM manager, libvolt-vm,
# does not link the VMM. No KVM needed: the objects are those the dynamic
# loader maps for `voltvm --version` (later, only libcrypto is opened, for
# Stellarium disks). libzstd and liblz4 are the VMM's own: a VM disk's
# Stellarium blocks are zstd (store format 3) or LZ4 (older stores).
# Usage: test-voltvm-lean.sh VOLTVM LIBVOLT_VMM_SO [LIBVOLT_VM_SO]
set -u
voltvm=$1 vmm_so=$2 vm_so=${3:-}
failed=0
fail() { echo "FAIL: $*"; failed=1; }

objects=$(LD_DEBUG=files "$voltvm" --version 2>&1 >/dev/null | sed -n 's/.*calling init: //p' | sort -u)
[ -n "$objects" ] || { echo "FAIL: no objects reported by LD_DEBUG=files for $voltvm --version"; exit 1; }
n=$(echo "$objects" | wc -l)
echo "voltvm --version loads $n shared objects:" $(echo "$objects" | sed 's|.*/||')

for bad in libsystemd libcurl libz.so libgcrypt liblzma libgnutls libvolt-; do
	if echo "$objects" | grep -q "/$bad"; then
		fail "voltvm loads $(echo "$objects" | grep "/$bad" | sed 's|.*/||' | tr '\n' ' ')"
	fi
done
# Sanitizer runtimes add their own objects: the bound is for a plain build.
if echo "$objects" | grep -q '/libasan\|/libubsan'; then
	echo "sanitizer build: the count is not checked"
elif [ "$n" -gt 12 ]; then
	fail "voltvm loads $n shared objects, more than 12"
else
	echo "PASS: at most 12 shared objects, none of the manager's or the registry's"
fi

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
if needed "$vmm_so" | grep -q '^libsystemd'; then
	fail "libvolt-vmm needs libsystemd"
else
	echo "PASS: libvolt-vmm needs no libsystemd"
fi
if [ -n "$vm_so" ]; then
	if needed "$vm_so" | grep -q '^libvolt-vmm'; then
		fail "libvolt-vm links libvolt-vmm"
	else
		echo "PASS: libvolt-vm does not link libvolt-vmm"
	fi
else
	fail "no libvolt-vm given: the VM manager is not a library of its own"
fi
exit $failed
