#!/bin/sh
# Weakness looked for: a pack index that lies (resealed with a valid
# checksum, as an attacker who can write the store's files would do)
# making a read return another block's bytes, read outside the pack, or
# crash a reader. A lying entry must read as corrupt or missing (exit 1),
# never as data, and fsck must report it.
# Usage: hostile-pack.sh STELLARIUM
set -u
ST=$1
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
tmp=$(mktemp -d /tmp/volt-sec-pack-XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
S="$ST --root $tmp/root"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mkdir -p "$tmp/src"
printf 'the secret the attacker wants shown in place of the victim\n' >"$tmp/src/secret"
printf 'the victim, whose block the index redirects\n' >"$tmp/src/victim"
$S import --tag t "$tmp/src" >/dev/null 2>&1 || { echo "FAIL: import"; exit 1; }
ls "$tmp/root/cas/packs/"*.idx >/dev/null 2>&1 || { echo "FAIL: no pack index in the store"; exit 1; }

# lie MODE: rewrite the victim's index entry and reseal the index.
lie() {
	python3 - "$tmp/root/cas" "$1" "$(sha256sum "$tmp/src/victim" | cut -c1-64)" \
		"$(sha256sum "$tmp/src/secret" | cut -c1-64)" <<'PY'
import glob, hashlib, struct, sys
store, mode, victim, secret = sys.argv[1:5]
HDR, FAN, ENT = 56, 1024, 48
idx = glob.glob(store + "/packs/pack-*.idx")[0]
d = bytearray(open(idx + ".orig" if glob.glob(idx + ".orig") else idx, "rb").read())
if not glob.glob(idx + ".orig"):
    open(idx + ".orig", "wb").write(d)
(n,) = struct.unpack_from("<I", d, 12)
ents = {bytes(d[HDR + FAN + i * ENT:HDR + FAN + i * ENT + 32]).hex(): HDR + FAN + i * ENT for i in range(n)}
v, s = ents[victim], ents[secret]
if mode == "redirect":      # the victim's entry points at the secret's encoding
    d[v + 32:v + 44] = d[s + 32:s + 44]
elif mode == "past-end":    # an offset far past the pack
    struct.pack_into("<Q", d, v + 32, 1 << 62)
elif mode == "huge-length":
    struct.pack_into("<I", d, v + 40, 0xffffffff)
elif mode == "raw-length":  # claims a raw length over the block maximum
    struct.pack_into("<I", d, v + 44, 0xffffffff)
d[-32:] = hashlib.sha256(bytes(d[:-32])).digest()
open(idx, "wb").write(d)
PY
}

for mode in redirect past-end huge-length raw-length; do
	echo "== $mode"
	lie $mode || { fail "could not rewrite the index ($mode)"; continue; }
	out=$($S cat t:victim 2>"$tmp/err")
	rc=$?
	[ $rc -eq 1 ] || fail "$mode: cat of the victim exited $rc (output: $out)"
	case $out in *secret*) fail "$mode: the victim read as the secret's bytes" ;; esac
	[ -z "$out" ] || fail "$mode: cat printed data for a lying entry: $out"
	$S fsck >"$tmp/fsck" 2>&1 && fail "$mode: fsck found nothing"
	head -3 "$tmp/fsck"
done
echo "$failures failure(s)"
[ $failures -eq 0 ]
