#!/bin/sh
# Stardust (voltvm) against qemu-system-x86_64 -M microvm, side by side:
# the same Debian kernel and a one-line initramfs (init resets at once),
# RUNS boots each (default 3); median wall time from process start to
# process exit, peak RSS, and voltvm's own --timing report. Prints ratios.
#
# Usage: bench/vmm/boot-vs-qemu.sh BUILD_DIR [RUNS]
# Uses the host's /dev/kvm with VOLT_BENCH_KVM=direct, otherwise the
# nested harness (tests/vmm/harness/run-nested.sh): then every number is
# from two levels of emulation and only the ratios mean anything, if that.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: boot-vs-qemu.sh BUILD_DIR [RUNS]}" && pwd)
runs=${2:-3}
kernel=$(ls /boot/vmlinuz-*-amd64 | sort -V | tail -1)
script=$build/bench-vmm-inner.sh
cat > "$script" <<INNER
export VOLTVM='$build/tools/voltvm' KERNEL='$kernel' RUNS='$runs' HERE='$here'
sh '$here/inner.sh'
INNER
if [ "${VOLT_BENCH_KVM:-nested}" = direct ]; then
	sh "$script" > "$build/bench-vmm.out" 2>&1
else
	sh "$src/tests/vmm/harness/run-nested.sh" "$script" 900 > "$build/bench-vmm.out" 2>&1 || true
fi
tr -d '\r' < "$build/bench-vmm.out" | sed -n '/BENCH-START/,/BENCH-END/p' | grep -v BENCH- | tee "$build/bench-vmm.results"
python3 - "$build/bench-vmm.results" <<'PY'
import re, sys
vals = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+) wall_s=([\d.]+) maxrss_kib=(\d+) rc=(\S+)", line)
    if m:
        vals[m.group(1)] = (float(m.group(2)), int(m.group(3)), m.group(4))
if "voltvm" in vals and "qemu-microvm" in vals:
    v, q = vals["voltvm"], vals["qemu-microvm"]
    print("ratio wall time  voltvm/qemu-microvm: %.2f" % (v[0] / q[0]))
    print("ratio peak RSS   voltvm/qemu-microvm: %.2f (%d KiB vs %d KiB)" % (v[1] / q[1], v[1], q[1]))
else:
    print("incomplete run: see the console log next to the results")
PY
