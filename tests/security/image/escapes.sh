#!/bin/sh
# Terminal escapes from an image never reach the terminal raw: a file
# named "ESC]0;pwned BEL evil" (retitles the terminal), a link whose target
# is "ESC[2J" (clears it), an Entrypoint, Env, WorkingDir and User full of
# escapes and a C1 CSI (U+009B), and error messages that quote such names.
# The outputs of stellarium ls and stat, volt image ls, inspect and import
# and the errors must hold no ESC, BEL or C1 byte.
# usage: escapes.sh VOLT STELLARIUM SRCDIR
set -u
volt=$(realpath "$1") st=$(realpath "$2") src=$3
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
tmp=$(mktemp -d /tmp/volt-sec-escapes-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../../ctr/checks.sh
. "$src/../../ctr/checks.sh"
V="$volt --root $tmp/root"
S="$st --root $tmp/root"

# clean LABEL COMMAND...: run it; its stdout and stderr hold no ESC, BEL or C1 control (raw or as UTF-8).
clean() {
	label=$1
	shift
	"$@" >"$tmp/out" 2>&1
	echo "  $label (exit $?):"
	python3 - "$tmp/out" "$label" <<'PY' || fail "$label: raw terminal controls in the output"
import sys
data = open(sys.argv[1], "rb").read()
shown = data.decode("utf-8", "backslashreplace")
for line in shown.splitlines()[:12]:
    print("    |", ascii(line)[1:-1][:160])
bad = [b for b in (b"\x1b", b"\x07", b"\x7f", b"\x9b", b"\xc2\x9b", b"\x90", b"\x9d") if b in data]
if bad:
    print("    raw bytes found:", bad)
    sys.exit(1)
PY
}

cat >"$tmp/spec.json" <<'JSON'
{"name": "1.0",
 "config": {"Entrypoint": ["/bin/sh", "-c", "\u001b]0;entrypoint pwned\u0007\u001b[2J"],
            "Cmd": ["\u009b31mcsi"], "Env": ["EVIL=\u001b[5m\u001b]8;;http://x\u0007link"],
            "WorkingDir": "/w\u0007d", "User": "\u001b[8m"},
 "layers": [{"compression": "gzip", "entries": [
   {"path": "etc", "type": "dir"},
   {"path": "\u001b]0;pwned\u0007evil", "type": "file", "content": "x\n"},
   {"path": "clear", "type": "symlink", "target": "\u001b[2J\u001b[H"},
   {"path": "del\u007fname", "type": "file", "content": "x\n"},
   {"path": "utf8-\u00e9t\u00e9", "type": "file", "content": "x\n"}]}]}
JSON
python3 "$src/../../img/oci-layout.py" "$tmp/spec.json" "$tmp/layout" >/dev/null || { echo "FAIL: oci-layout.py"; exit 1; }
tar -C "$tmp/layout" -cf "$tmp/escapes.tar" . || { echo "FAIL: tar"; exit 1; }

echo "== import and list"
clean "volt image import" $V image import --name escapes "$tmp/escapes.tar"
grep -q "imported" "$tmp/out" || fail "the image was not imported: $(cat "$tmp/out")"
clean "volt image ls" $V image ls
clean "volt image inspect" $V image inspect escapes
grep -q 'x1b\]0;entrypoint pwned' "$tmp/out" || fail "volt image inspect does not show the Entrypoint, escaped"
$V image inspect --json escapes >"$tmp/inspect.json" 2>&1 || fail "volt image inspect --json"
clean "volt image inspect --json" cat "$tmp/inspect.json"
root=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["root"])' "$tmp/inspect.json")

echo "== browse the tree"
clean "stellarium ls" $S ls "$root"
grep -q 'x1b\]0;pwned\\x07evil' "$tmp/out" || fail "stellarium ls does not show the name, escaped"
grep -q 'utf8-été' "$tmp/out" || fail "stellarium ls does not keep printable UTF-8 as it is"
grep -q 'del\\x7fname' "$tmp/out" || fail "stellarium ls does not escape DEL"
clean "stellarium ls --json" $S ls --json "$root"
clean "stellarium stat of the name" $S stat "$root:$(printf '\033]0;pwned\007evil')"
clean "stellarium stat of the link" $S stat "$root:clear"

echo "== errors quoting names"
clean "stellarium ls of a missing name" $S ls "$root:$(printf 'no\033]0;pwned\007such')"
grep -q "error" "$tmp/out" || fail "no error for a missing name"
clean "stellarium cat of a missing ref" $S cat "$(printf 'ref\033[2Jx'):y"
clean "volt image inspect of a missing name" $V image inspect "$(printf 'no\033[2Jsuch')"
clean "volt image rm of a missing name" $V image rm "$(printf 'no\033]0;x\007such')"
clean "volt usage error" $V image inspect "$(printf -- '--\033[2J')"
clean "volt run of a missing image" $V run --rm "$(printf 'no\033]0;x\007such')"

finish
