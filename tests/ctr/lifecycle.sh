#!/bin/sh
# shellcheck disable=SC2016 # the workloads' scripts expand inside the container
# Foreground lifecycle (issue 14): exit statuses as Docker's (128+N for
# signal N), the recorded end state (ps -a, inspect), volt start -a and
# volt logs of foreground runs, SIGINT passed on to the workload, limits
# in the foreground (pids, memory), and an image's anonymous volumes.
# usage: lifecycle.sh VOLT LAUNCHER SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") src=$3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 makes the test image"; exit 77; }

tmp=$(mktemp -d /tmp/volt-lifecycle-XXXXXX)
bgpid='' bgname=''
# A container left running (by a volt that failed this test) is stopped, never left behind.
cleanup() {
	[ -n "$bgname" ] && "$volt" stop -t 1s "$bgname" >/dev/null 2>&1
	[ -n "$bgpid" ] && kill -9 "$bgpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
sh "$src/../../images/busybox-rootfs.sh" "$tmp/image" >/dev/null || exit $?
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
# shellcheck source=checks.sh
. "$src/checks.sh"
img="$tmp/image"

# field NAME KEY: a key of volt inspect NAME's "state".
field() {
	"$volt" inspect "$1" 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["state"].get(sys.argv[1], "-"))' "$2"
}

# background NAME CMD: volt run NAME in the background, once its workload said "ready".
background() {
	name=$1
	shift
	"$volt" run --name "$name" --rootfs "$img" -- /bin/sh -c "$*" >"$tmp/$name.out" 2>&1 &
	bgpid=$! bgname=$name
	wait_for 20 grep -q ready "$tmp/$name.out" || fail "$name: the workload never said ready"
}

# ended SECONDS: the background volt run ended within SECONDS; its status in $bgstatus.
ended() {
	if wait_for "$1" sh -c "! kill -0 $bgpid"; then
		wait "$bgpid"
		bgstatus=$?
	else
		"$volt" stop -t 1s "$bgname" >/dev/null 2>&1
		kill -9 "$bgpid" 2>/dev/null
		wait "$bgpid"
		bgstatus=killed
	fi
	bgpid='' bgname=''
	[ "$bgstatus" != killed ]
}

echo "== exit statuses: the workload's, 128+N for signal N"
expect 137 "" "$volt" run --rm --rootfs "$img" -- /bin/sh -c 'kill -KILL $$'
expect 143 "" "$volt" run --rm --rootfs "$img" -- /bin/sh -c 'kill -TERM $$'
expect 130 "" "$volt" run --rm --rootfs "$img" -- /bin/sh -c 'kill -INT $$'
expect 7 "" "$volt" run --rm --rootfs "$img" -- /bin/sh -c 'exit 7'
expect 0 "^fine$" "$volt" run --rm --rootfs "$img" -- /bin/echo fine

echo "== the end state: ps -a, inspect"
expect 7 "" "$volt" run --name ended7 --rootfs "$img" -- /bin/sh -c 'echo out7; echo err7 >&2; exit 7'
expect 0 "^ended7 .*exited (7)" "$volt" ps -a
[ "$(field ended7 status)" = exited ] || fail "inspect ended7: status $(field ended7 status), not exited"
[ "$(field ended7 exit_status)" = 7 ] || fail "inspect ended7: exit_status $(field ended7 exit_status), not 7"
for k in started_at finished_at; do
	field ended7 "$k" | grep -q '^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T' || fail "inspect ended7: no $k ($(field ended7 "$k"))"
done
background stopped 'echo ready; while true; do sleep 0.1; done'
expect 0 "" "$volt" stop -t 5s stopped
ended 20 || fail "volt run of 'stopped' still ran after volt stop"
[ "$bgstatus" = 143 ] || fail "volt run ended with $bgstatus after volt stop (want 143: SIGTERM)"
expect 0 "^stopped .*exited (143)" "$volt" ps -a

echo "== volt start -a: a created or exited container runs again in the foreground"
expect 0 "" "$volt" container create again --rootfs "$img" -- \
	/bin/sh -c 'n=$(cat /root/n 2>/dev/null || echo 0); n=$((n + 1)); echo $n >/root/n; echo "run $n"; echo "err $n" >&2; exit $((n + 10))'
expect 11 "^run 1$" "$volt" start -a again
expect 12 "^run 2$" "$volt" start -a again
expect 0 "^again .*exited (12)" "$volt" ps -a
expect 0 "" "$volt" logs again
for l in "run 1" "err 1" "run 2" "err 2"; do
	grep -qx "$l" "$tmp/out" || fail "volt logs again lacks '$l'"
done
expect 0 "" "$volt" logs -n 1 again
[ "$(wc -l <"$tmp/out")" = 1 ] || fail "volt logs -n 1 printed $(wc -l <"$tmp/out") lines"
expect 0 "^out7$" "$volt" logs ended7
grep -qx err7 "$tmp/out" || fail "volt logs ended7 lacks its standard error"
echo piped | "$volt" start -a -i ended7 >/dev/null 2>&1 # -i is accepted
expect 2 "needs -a" "$volt" start -i again
# The log is the host's: in the container's directory, out of the container's reach.
log="$tmp/root/containers/again/output.log"
if [ ! -f "$log" ] || [ -L "$log" ] || [ "$(stat -c %u "$log")" != 0 ]; then
	fail "the log of 'again' is not a regular file of the host's root at $log"
fi
# Bounded: 3 MiB of output keep at most 2 MiB, the last line among them.
expect 0 "" "$volt" run --name loud --rootfs "$img" -- \
	/bin/sh -c 'head -c 3145728 /dev/zero | tr "\0" "x" | fold -w 1023; echo; echo last line'
size=$(cat "$tmp/root/containers/loud/output.log"* | wc -c)
[ "$size" -le 2097152 ] || fail "the log of 'loud' holds $size bytes (more than 2 MiB)"
"$volt" logs -n 1 loud | grep -qx "last line" || fail "volt logs -n 1 loud does not end with its last line"
"$volt" rm loud >/dev/null
# -f follows a running container's log until it ends.
background ticker 'echo ready; for i in 1 2 3 4 5; do echo "tick $i"; sleep 0.2; done'
timeout 60 "$volt" logs -f ticker >"$tmp/follow.out" 2>&1 || fail "volt logs -f ticker failed or did not end with the run"
grep -qx "tick 5" "$tmp/follow.out" || fail "volt logs -f ticker lacks the last tick: $(cat "$tmp/follow.out")"
[ "$(grep -c '^tick' "$tmp/follow.out")" = 5 ] || fail "volt logs -f ticker printed $(grep -c '^tick' "$tmp/follow.out") ticks (want 5)"
ended 20 || fail "volt run of ticker did not end"

echo "== SIGINT to volt run: the workload gets it, volt exits 130"
background trapint 'trap "echo got SIGINT; exit 130" INT; echo ready; while true; do sleep 0.1; done'
kill -INT "$bgpid"
ended 20 || fail "one SIGINT did not end volt run (trapint)"
[ "$bgstatus" = 130 ] || fail "volt run ended with $bgstatus after SIGINT (want 130)"
grep -q "got SIGINT" "$tmp/trapint.out" || fail "the workload's trap did not see SIGINT: $(cat "$tmp/trapint.out")"
background plainint 'echo ready; while true; do sleep 0.1; done'
kill -INT "$bgpid"
ended 20 || fail "one SIGINT did not end volt run (plainint)"
[ "$bgstatus" = 130 ] || fail "volt run ended with $bgstatus after SIGINT to a workload without a trap (want 130)"

echo "== limits in the foreground"
if [ -f /sys/fs/cgroup/pids/pids.max ] || [ -f /sys/fs/cgroup/pids/cgroup.procs ] ||
	grep -qw pids /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
	# A fork bomb stops at the limit: the shell and at most 9 of its 40 children.
	"$volt" run --rm --name "lim$$-p" --pids-limit 10 --rootfs "$img" -- /bin/sh -c \
		'for i in $(seq 40); do sleep 30 & echo "forked $i"; done; echo all forked' >"$tmp/out" 2>&1
	forked=$(sed -n 's/^forked //p' "$tmp/out" | tail -n 1)
	if grep -q "all forked" "$tmp/out" || [ -z "$forked" ] || [ "$forked" -gt 9 ] || [ "$forked" -lt 5 ]; then
		fail "--pids-limit 10 let the workload fork ${forked:-?} of 40 children (want 5..9, the shell counting):"
		tail -n 3 "$tmp/out" | sed 's/^/  | /'
	fi
	echo "  the fork bomb stopped after $forked children"
else
	echo "  pids controller not available to this cgroup: expect a warning"
	expect 0 "pids-limit is not enforced" "$volt" run --rm --name "lim$$-p" --pids-limit 10 --rootfs "$img" -- /bin/true
fi
if [ -d /sys/fs/cgroup/memory ] || grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
	# 100 MB in a shell variable under a 32 MiB limit: the OOM killer's.
	expect 137 "out of memory" "$volt" run --rm --name "lim$$-m1" -m 32M --rootfs "$img" -- /bin/sh -c \
		'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo "survived ${#x}"'
	expect 0 "^survived 1000000$" "$volt" run --rm --name "lim$$-m2" -m 32M --rootfs "$img" -- /bin/sh -c \
		'x=$(head -c 1000000 /dev/zero | tr "\0" a); echo "survived ${#x}"'
else
	expect 0 "memory is not enforced" "$volt" run --rm -m 32M --rootfs "$img" -- /bin/true
fi
# IO weight: enforced, or said not to be.
expect 0 "" "$volt" run --rm --name "lim$$-io" --io-weight 100 --rootfs "$img" -- /bin/true
if ! ls /sys/fs/cgroup/blkio/blkio.weight /sys/fs/cgroup/blkio/blkio.bfq.weight /sys/fs/cgroup/io.weight >/dev/null 2>&1; then
	grep -q "io-weight is not enforced" "$tmp/out" || fail "--io-weight unenforceable here, but no warning: $(cat "$tmp/out")"
fi
left=$(find /sys/fs/cgroup -maxdepth 5 -type d -name "volt-ctr-lim$$-*" 2>/dev/null)
[ -z "$left" ] || fail "foreground runs left their cgroups behind: $left"

echo "== an image's anonymous volumes (OCI config Volumes)"
python3 - "$img" "$tmp/volimg.tar" <<'PY' || fail "cannot make the test image"
import hashlib, io, json, os, sys, tarfile
root, out = sys.argv[1], sys.argv[2]
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w", format=tarfile.GNU_FORMAT) as t:
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for n in sorted(dirs) + sorted(files):
            p = os.path.join(d, n)
            t.add(p, arcname=os.path.relpath(p, root), recursive=False)
    info = tarfile.TarInfo("data")
    info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, 0o750, 1000, 1000
    t.addfile(info)
    info = tarfile.TarInfo("data/from-image")
    info.size, info.uid, info.gid = 6, 1000, 1000
    t.addfile(info, io.BytesIO(b"image\n"))
    info = tarfile.TarInfo("data/link")
    info.type, info.linkname, info.uid, info.gid = tarfile.SYMTYPE, "/etc/shadow", 1000, 1000
    t.addfile(info)
layer = layer.getvalue()
diff = "sha256:" + hashlib.sha256(layer).hexdigest()
config = json.dumps({"architecture": "amd64", "os": "linux",
    "config": {"Cmd": ["/bin/sh"], "Volumes": {"/data": {}, "/var/cache/app": {}, "/x:/etc": {}, "/run/volt": {}}},
    "rootfs": {"type": "layers", "diff_ids": [diff]}}).encode()
cname = hashlib.sha256(config).hexdigest() + ".json"
manifest = json.dumps([{"Config": cname, "RepoTags": ["volimg:1"], "Layers": ["layer.tar"]}]).encode()
with tarfile.open(out, "w") as t:
    for name, data in ((cname, config), ("layer.tar", layer), ("manifest.json", manifest)):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
PY
expect 0 "" "$volt" image import "$tmp/volimg.tar" --quiet
expect 0 "volume '/x:/etc' is not a path a volume may take: skipped" "$volt" container create vol --image volimg:1 -- \
	/bin/sh -c 'cat /data/count 2>/dev/null || echo 0 >/data/count; n=$(( $(cat /data/count) + 1 )); echo $n >/data/count; echo "count $n"; echo c >/var/cache/app/c && echo cache ok; cat /data/from-image'
grep -q "volume '/run/volt' is not a path a volume may take: skipped" "$tmp/out" ||
	fail "an image volume on /run/volt (the launcher's) was not skipped"
expect 0 "^count 1$" "$volt" start -a vol
grep -qx "cache ok" "$tmp/out" || fail "the volume /var/cache/app is not writable: $(cat "$tmp/out")"
grep -qx "image" "$tmp/out" || fail "the volume /data does not start with the image's content: $(cat "$tmp/out")"
expect 0 "^count 2$" "$volt" start -a vol
vdir="$tmp/root/containers/vol/volumes"
[ "$(cat "$vdir/0/count" 2>/dev/null)" = 2 ] || fail "/data is not the container's volume under $vdir/0"
[ "$(stat -c %u:%g:%a "$vdir/0" 2>/dev/null)" = 525288:525288:750 ] ||
	fail "the volume of /data does not keep the image's owner and mode ($(stat -c %u:%g:%a "$vdir/0" 2>/dev/null))"
[ "$(stat -c %u:%g "$vdir/0/from-image" 2>/dev/null)" = 525288:525288 ] ||
	fail "the image's /data/from-image was not copied into the volume with its owner"
# A link of the image is copied as a link, never followed on the host.
if [ ! -L "$vdir/0/link" ] || [ "$(readlink "$vdir/0/link")" != /etc/shadow ]; then
	fail "the image's link /data/link is not a link in the volume"
fi
upper="$tmp/root/containers/vol/upper"
[ ! -e "$upper/data/count" ] || fail "/data/count went to the writable layer, not to a volume"
# A -v on the same path wins.
mkdir "$tmp/hostdata" && chown 524288:524288 "$tmp/hostdata"
expect 0 "^count 1$" "$volt" run --rm -v "$tmp/hostdata:/data" volimg:1 -- \
	/bin/sh -c 'n=$(( $(cat /data/count 2>/dev/null || echo 0) + 1 )); echo $n >/data/count; echo "count $n"'
[ "$(cat "$tmp/hostdata/count" 2>/dev/null)" = 1 ] || fail "-v on an image volume's path did not win"
expect 0 "" "$volt" rm vol
[ ! -e "$tmp/root/containers/vol" ] || fail "volt rm left the container's volumes behind"

finish
