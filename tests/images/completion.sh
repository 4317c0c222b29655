#!/bin/bash
# Tab completion of volt image push and save: the verbs, their options, and
# the image as the first argument (not the registry reference after it).
# Usage: completion.sh VOLT COMPLETION-SCRIPT TESTS-IMG-DIR
set -u
volt=$(realpath "$1") script=$(realpath "$2") IMG=$(realpath "$3")
command -v skopeo >/dev/null || { echo "SKIP: skopeo is not installed"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/volt-images-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export VOLT_ROOT=$tmp/root
mkdir -p "$tmp/bin" && ln -s "$volt" "$tmp/bin/volt"
PATH=$tmp/bin:$PATH
# shellcheck disable=SC1090
source "$script"
# shellcheck source=../cli/completion-lib.sh
. "$(dirname "$0")/../cli/completion-lib.sh"

echo '{"layers": [{"entries": [{"path": "etc", "type": "dir"}]}]}' | python3 "$IMG/oci-layout.py" - "$tmp/l" >/dev/null &&
	skopeo copy -q "oci:$tmp/l" "oci-archive:$tmp/l.tar" </dev/null &&
	volt image import --name pushme:1 "$tmp/l.tar" >/dev/null || { echo "FAIL: making an image"; exit 1; }
touch "$tmp/afile"
cd "$tmp" || exit 1

echo "== verbs and options"
want "push save" volt image ""
want "--json --username --password-stdin --authfile --insecure --timeout" volt image push --
want "--output --json" volt image save --
echo "== the image first, then nothing for push (a registry reference), a file after -o"
want "pushme:1" volt image push ""
want "pushme:1" volt image push --insecure -u me ""
lacks "afile pushme:1" volt image push pushme:1 ""
want "pushme:1" volt image save ""
want "pushme:1" volt image save -o out.tar ""
want "afile" volt image save pushme:1 -o ""
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
