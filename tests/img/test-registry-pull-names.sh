#!/bin/sh
# stellarium pull names things on this host (ref --tag NAME, the image
# records that travel with a root), so through a real registry on
# loopback:
#  - a pull never silently replaces a ref or an image of the same name that
#    names other content: it fails (exit 1, "already") and leaves both as
#    they were; --force replaces them; pulling the same content again is fine;
#  - the names are all or nothing: when an image record cannot be written
#    (its directory made immutable), the pull fails and leaves neither the
#    ref nor the record (nor its img.image ref) behind.
# Usage: test-registry-pull-names.sh STELLARIUM VOLT
set -eu
ST=$1
VOLT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/registry.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/volt-img-names-XXXXXX")
IMMUTABLE=
trap 'registry_stop; [ -z "$IMMUTABLE" ] || chattr -i "$IMMUTABLE" 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v skopeo >/dev/null || { echo "SKIP: skopeo is not installed"; exit 77; }
registry_start "$T/reg"

root_of() { $ST --root "$1" refs --json | python3 -c "import json,sys; print({r['name']: r['root'] for r in json.load(sys.stdin)}.get(sys.argv[1], ''))" "$2"; }
image_record() { # STORE NAME: the record tree of image NAME, or nothing
	"$VOLT" --root "$1" image ls --json | python3 -c "
import json, sys
for i in json.load(sys.stdin):
    if i.get('name') == sys.argv[1]:
        print(i.get('id', '?'))" "$2"
}

# Two trees, pushed as two tags.
mkdir -p "$T/one" "$T/two"
echo one >"$T/one/f"
echo two >"$T/two/f"
$ST --root "$T/a" import --tag os "$T/one" >/dev/null 2>&1
$ST --root "$T/a" push os "$REGISTRY/volt/names:one" >/dev/null 2>&1 || fail "push one"
$ST --root "$T/a" import --tag os "$T/two" >/dev/null 2>&1
$ST --root "$T/a" push os "$REGISTRY/volt/names:two" >/dev/null 2>&1 || fail "push two"

$ST --root "$T/p" pull --tag os "$REGISTRY/volt/names:one" >/dev/null 2>&1 || fail "first pull"
r1=$(root_of "$T/p" os)
[ -n "$r1" ] || fail "the first pull set no ref"
$ST --root "$T/p" pull --tag os "$REGISTRY/volt/names:one" >/dev/null 2>&1 || fail "pulling the same root again"
set +e
err=$($ST --root "$T/p" pull --tag os "$REGISTRY/volt/names:two" 2>&1); rc=$?
set -e
echo "pull over ref os with another root: exit $rc: $err"
[ $rc -eq 1 ] && echo "$err" | grep -q "already" || fail "a pull replaced ref os silently (exit $rc)"
[ "$(root_of "$T/p" os)" = "$r1" ] || fail "the refused pull changed ref os"
$ST --root "$T/p" pull --force --tag os "$REGISTRY/volt/names:two" >/dev/null 2>&1 || fail "pull --force"
r2=$(root_of "$T/p" os)
[ -n "$r2" ] && [ "$r2" != "$r1" ] || fail "pull --force did not replace ref os"

# Two images of the same name with other content, each pushed by stellarium.
demo() { # NAME HELLO: an image layout in $T/NAME
	cat >"$T/$1.json" <<JSON
{"name": "1.0", "config": {"Cmd": ["/bin/cat", "/etc/hello"]}, "layers": [{"entries": [
  {"path": "etc", "type": "dir"},
  {"path": "etc/hello", "type": "file", "content": "$2\n"},
  {"path": "tmp", "type": "dir", "mode": 1023}]}]}
JSON
	python3 "$HERE/oci-layout.py" "$T/$1.json" "$T/$1" >/dev/null
}
push_image() { # LAYOUT STORE TAG: the image pulled by volt into STORE, pushed by stellarium under TAG
	registry_push "$T/$1" volt/demo:1.0 || fail "skopeo copy $1"
	"$VOLT" --root "$T/$2" image pull "$REGISTRY/volt/demo:1.0" >/dev/null || fail "volt image pull $1"
	ref=$($ST --root "$T/$2" refs | grep -o 'img\.image\.[0-9a-f]*' | head -1)
	[ -n "$ref" ] || fail "volt image pull of $1 left no img.image ref"
	$ST --root "$T/$2" push "$ref" "$REGISTRY/volt/demo-st:$3" >/dev/null 2>&1 || fail "push of $ref"
}
demo d1 "hello one"
demo d2 "hello two"
push_image d1 i1 1
push_image d2 i2 2
NAME=$REGISTRY/volt/demo:1.0

$ST --root "$T/q" pull "$REGISTRY/volt/demo-st:1" >/dev/null 2>&1 || fail "pull of image one"
id1=$(image_record "$T/q" "$NAME")
[ -n "$id1" ] || fail "the image record did not travel"
set +e
err=$($ST --root "$T/q" pull "$REGISTRY/volt/demo-st:2" 2>&1); rc=$?
set -e
echo "pull of another image of the same name: exit $rc: $err"
[ $rc -eq 1 ] && echo "$err" | grep -q "already" || fail "a pull did not refuse to replace image $NAME (exit $rc)"
[ "$(image_record "$T/q" "$NAME")" = "$id1" ] || fail "the refused pull changed image $NAME"
$ST --root "$T/q" pull --force "$REGISTRY/volt/demo-st:2" >/dev/null 2>&1 || fail "pull --force of image two"
id2=$(image_record "$T/q" "$NAME")
[ -n "$id2" ] && [ "$id2" != "$id1" ] || fail "pull --force did not replace image $NAME"

# All or nothing: the record cannot be written, so neither ref nor record stays.
$ST --root "$T/r" pull --tag os "$REGISTRY/volt/names:one" >/dev/null 2>&1 || fail "pull into r"
mkdir -p "$T/r/cas/oci/images"
if chattr +i "$T/r/cas/oci/images" 2>/dev/null; then
	IMMUTABLE=$T/r/cas/oci/images
	refs_before=$($ST --root "$T/r" refs | sort)
	set +e
	err=$($ST --root "$T/r" pull --tag demo "$REGISTRY/volt/demo-st:1" 2>&1); rc=$?
	set -e
	chattr -i "$IMMUTABLE"
	IMMUTABLE=
	echo "pull whose image record cannot be written: exit $rc: $err"
	[ $rc -eq 1 ] || fail "a pull whose image record could not be written succeeded"
	[ "$($ST --root "$T/r" refs | sort)" = "$refs_before" ] ||
		fail "a failed pull left refs behind: $($ST --root "$T/r" refs | tr '\n' ' ')"
	[ -z "$(image_record "$T/r" "$NAME")" ] || fail "a failed pull left image $NAME"
	$ST --root "$T/r" pull --tag demo "$REGISTRY/volt/demo-st:1" >/dev/null 2>&1 || fail "the same pull afterwards"
	[ -n "$(image_record "$T/r" "$NAME")" ] || fail "the pull afterwards wrote no image record"
else
	echo "note: all-or-nothing not tried (chattr +i does not work under ${TMPDIR:-/tmp})"
fi
echo "PASS"
