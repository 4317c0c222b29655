# Sourced by the images tests: a scratch directory, the img tests' registry
# helpers and the ctr tests' expect/fail/finish. The caller sets IMG (the
# tests/img directory) first.
# SPDX-License-Identifier: LGPL-2.1-or-later
T=$(mktemp -d "${TMPDIR:-/tmp}/volt-images-XXXXXX")
tmp=$T
HERE=$IMG
. "$IMG/registry.sh"
. "$IMG/../ctr/checks.sh"
trap 'registry_stop; rm -rf "$T"' EXIT
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
need_containers() {
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
	command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn is not installed"; exit 77; }
}
# layout NAME SPEC: an OCI layout in $T/NAME from an oci-layout.py spec.
layout() {
	printf "%s\n" "$2" | python3 "$IMG/oci-layout.py" - "$T/$1" >"$T/$1.summary" || { echo "FAIL: oci-layout.py $1"; exit 1; }
}
