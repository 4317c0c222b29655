#!/bin/sh
# What a foreground start no longer does (docs/ctr-start.md):
# - volt loads no libcurl (nor the TLS, Kerberos, LDAP ... behind it) and
#   no libcrypto: it starts with broken ones first on the library path,
#   and runs a container with a broken libcurl; a registry verb then says
#   which library it lacks;
# - `volt run --rm` fsyncs nothing of its container's record (throw-away
#   state), while `volt container create` still makes its record durable;
# - nspawn applies no .nspawn settings file to a Volt container, and
#   leaves the image's own /etc/localtime alone.
# usage: start-work.sh VOLT LAUNCHER FSYNC_LOG_SO SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") preload=$(realpath "$3") src=$4
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }

tmp=$(mktemp -d /tmp/volt-ctr-speed-XXXXXX)
name=speed-work-$$
settings=/etc/systemd/nspawn/$name.nspawn
trap 'rm -rf "$tmp"; rm -f "$settings"' EXIT
sh "$src/../../images/busybox-rootfs.sh" "$tmp/image" >/dev/null || exit $?
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

# 1. No libcurl at start: an unloadable one on the path changes nothing.
mkdir "$tmp/badlib"
: >"$tmp/badlib/libcurl.so.4"
: >"$tmp/badlib/libcrypto.so.3"
if LD_TRACE_LOADED_OBJECTS=1 "$volt" | grep -q 'libcurl\|libgnutls\|libkrb5\|libcrypto'; then
	bad "volt needs libcurl or libcrypto at start: $(LD_TRACE_LOADED_OBJECTS=1 "$volt" | grep -c '=>') objects"
else
	ok "volt needs neither libcurl nor libcrypto at start ($(LD_TRACE_LOADED_OBJECTS=1 "$volt" | grep -c '=>') objects)"
fi
out=$(LD_LIBRARY_PATH="$tmp/badlib" "$volt" --version 2>&1)
case $out in
"volt "[0-9]*) ok "volt --version works with a broken libcurl.so.4 and libcrypto.so.3 on the library path" ;;
*) bad "volt --version with a broken libcurl.so.4 and libcrypto.so.3 on the library path:"; echo "$out" | sed 's/^/  | /' ;;
esac
# nspawn itself needs libcrypto: from here on only libcurl is broken.
rm "$tmp/badlib/libcrypto.so.3"
out=$(LD_LIBRARY_PATH="$tmp/badlib" "$volt" run --rm --rootfs "$tmp/image" -- /bin/echo started 2>&1)
case $out in
started) ok "volt run works with a broken libcurl.so.4 on the library path" ;;
*) bad "volt run with a broken libcurl.so.4 on the library path:"; echo "$out" | sed 's/^/  | /' ;;
esac
out=$(LD_LIBRARY_PATH="$tmp/badlib" timeout 30 "$volt" image pull 127.0.0.1:1/none/none:1 2>&1)
rc=$?
case "$rc:$out" in
1:*"cannot load libcurl.so.4"*) ok "image pull without a usable libcurl: exit 1, '$(echo "$out" | head -n1)'" ;;
*) bad "image pull without a usable libcurl: exit $rc:"; echo "$out" | sed 's/^/  | /' ;;
esac

# 2. fsync: none for run --rm's record; create's record is still durable.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
log=$tmp/fsync.log
: >"$log"
out=$(VOLT_TEST_FSYNC_LOG="$log" LD_PRELOAD="$preload" "$volt" run --rm --rootfs "$tmp/image" -- /bin/true 2>&1) ||
	bad "volt run --rm under the fsync log failed: $out"
n=$(grep -c "^$tmp/root/containers/" "$log")
if [ "$n" = 0 ]; then
	ok "volt run --rm: no fsync of the container's record"
else
	bad "volt run --rm: $n fsyncs of the container's record:"; sed 's/^/  | /' "$log"
fi
: >"$log"
VOLT_TEST_FSYNC_LOG="$log" LD_PRELOAD="$preload" "$volt" container create durable --rootfs "$tmp/image" -- /bin/true >/dev/null 2>&1 ||
	bad "volt container create under the fsync log failed"
if grep -q "^$tmp/root/containers/durable/config.json" "$log" && grep -qx "$tmp/root/containers/durable" "$log"; then
	ok "volt container create: config.json and its directory are fsynced"
else
	bad "volt container create: its record is not fsynced:"; sed 's/^/  | /' "$log"
fi
"$volt" rm durable >/dev/null 2>&1

# 3. nspawn: no settings file, the image's own time zone.
mkdir -p /etc/systemd/nspawn
printf '[Exec]\nEnvironment=VOLT_NSPAWN_SETTINGS=applied\n' >"$settings"
rm -f "$tmp/image/etc/localtime"
echo IMAGE-TZ >"$tmp/image/etc/localtime"
# shellcheck disable=SC2016 # expanded inside the container
out=$("$volt" run --rm --name "$name" --rootfs "$tmp/image" -- /bin/sh -c \
	'echo "settings=${VOLT_NSPAWN_SETTINGS:-none}"; head -c 8 /etc/localtime; echo' 2>&1)
case $out in
*settings=none*) ok "nspawn ignores $settings" ;;
*) bad "nspawn applies $settings:"; echo "$out" | sed 's/^/  | /' ;;
esac
case $out in
*IMAGE-TZ*) ok "/etc/localtime is the image's own" ;;
*) bad "/etc/localtime is not the image's own:"; echo "$out" | sed 's/^/  | /' ;;
esac

[ $fail = 0 ] && echo "PASS" || echo "FAILED"
exit $fail
