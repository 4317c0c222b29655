#!/bin/sh
# Containers in the foreground, on this host, against the real kernel and
# systemd-nspawn: lifecycle, options, shared storage, the sandbox (escape
# attempts must fail), and bad input. Private networks: network.sh.
# usage: foreground.sh VOLT LAUNCHER ESCAPE_PROBE SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") probe=$(realpath "$3") src=$4
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }

tmp=$(mktemp -d /tmp/volt-ctr-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sh "$src/../../images/busybox-rootfs.sh" "$tmp/image" || exit $?
echo "host secret" >"$tmp/secret"
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
# shellcheck source=checks.sh
. "$src/checks.sh"

echo "== run: output, exit status, options"
expect 0 "hello from a container" "$volt" run --rm --rootfs "$tmp/image" -- /bin/echo hello from a container
expect 7 "" "$volt" run --rm --rootfs "$tmp/image" -- /bin/sh -c 'exit 7'
expect 0 "uid=1000(user) gid=1000(user) FOO=bar PWD=/tmp HOST=box1" "$volt" run --rm --rootfs "$tmp/image" \
	-u user -w /tmp -e FOO=bar --hostname box1 -- /bin/sh -c 'echo "$(id) FOO=$FOO PWD=$(pwd) HOST=$(hostname)"'
# The default policy lets a workload write and run in its working directory.
expect 0 "^mine$" "$volt" run --rm --rootfs "$tmp/image" -w /root -- \
	/bin/sh -c 'printf "#!/bin/sh\necho mine\n" > run.sh && chmod +x run.sh && ./run.sh'
expect 127 "not found\|No such file" "$volt" run --rm --rootfs "$tmp/image" -- /no/such/program
[ -z "$(ls "$tmp/root/containers")" ] || fail "--rm left containers behind: $(ls "$tmp/root/containers")"

echo "== sandbox: escape attempts from inside"
expect 0 "0 failure(s)" "$volt" run --rm --rootfs "$tmp/image" -v "$probe:/usr/local/bin/escape-probe:ro" \
	-- /usr/local/bin/escape-probe "$tmp/secret"
sed 's/^/  /' "$tmp/out"
expect 0 "CapEff:	0000000000000000" "$volt" run --rm --rootfs "$tmp/image" -- /bin/cat /proc/self/status
grep -q "NoNewPrivs:	1" "$tmp/out" || fail "no_new_privs is not set in the container"
grep -q "Seccomp:	2" "$tmp/out" || fail "no seccomp filter in the container"

echo "== storage: one shared base, private writable layers"
expect 0 "" "$volt" container create a1 --rootfs "$tmp/image" -- /bin/sh -c 'echo a1 > /root/mark; cat /root/mark'
expect 0 "" "$volt" container create a2 --rootfs "$tmp/image" -- /bin/sh -c 'cat /root/mark 2>&1; echo done'
expect 0 "^a1$" "$volt" container run --rm --rootfs "$tmp/image" -- /bin/sh -c 'echo a1' # run alias works
"$volt" container inspect a1 >"$tmp/a1.json" && "$volt" container inspect a2 >"$tmp/a2.json" || fail "inspect"
b1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["paths"]["base"])' "$tmp/a1.json")
b2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["paths"]["base"])' "$tmp/a2.json")
[ -n "$b1" ] && [ "$b1" = "$b2" ] || fail "two containers of one image do not share a base ($b1, $b2)"
[ "$(ls "$tmp/root/ctr-bases" | wc -l)" = 1 ] || fail "more than one base for one image: $(ls "$tmp/root/ctr-bases")"
[ "$(stat -c %u "$b1/usr/bin/busybox")" = 524288 ] || fail "the base is not shifted to the container uid range"
# Start a1 and a2 in the foreground through the lifecycle.
"$volt" container create w1 --rootfs "$tmp/image" -- /bin/sh -c 'echo w1 > /root/mark; cat /root/mark' >/dev/null
"$volt" container create w2 --rootfs "$tmp/image" -- /bin/sh -c 'cat /root/mark 2>&1 || echo no mark' >/dev/null
expect 0 "^w1$" "$volt" container run --rm --rootfs "$tmp/image" -- /bin/echo w1
[ ! -e "$b1/root/mark" ] || fail "a write reached the shared base"

echo "== lifecycle in the foreground: ps, exec, stop"
"$volt" container create long --rootfs "$tmp/image" -- /bin/sh -c 'trap "echo got SIGTERM; exit 0" TERM; while true; do sleep 0.2; done' >/dev/null
"$volt" run --name fg --rootfs "$tmp/image" -- /bin/sh -c 'trap "exit 0" TERM; while true; do sleep 0.2; done' >"$tmp/fg.out" 2>&1 &
fgpid=$!
for i in $(seq 50); do "$volt" ps 2>/dev/null | grep -q '^fg .*running' && break; sleep 0.1; done
expect 0 "fg .*running" "$volt" ps
expect 0 '"state": "running"' "$volt" ps --json
expect 0 "inside fg as uid=0(root)" "$volt" exec fg -- /bin/sh -c 'echo "inside fg as $(id)"'
expect 3 "" "$volt" exec fg -- /bin/sh -c 'exit 3'
expect 1 "is running: stop it first, or use --force" "$volt" rm fg
expect 0 "" "$volt" stop -t 5s fg
for i in $(seq 100); do kill -0 $fgpid 2>/dev/null || break; sleep 0.1; done
if kill -0 $fgpid 2>/dev/null; then
	fail "volt run of fg still runs after stop"
	kill -9 $fgpid
fi
wait $fgpid
echo "  foreground container fg ended with status $? after stop"
expect 1 "not running" "$volt" stop fg
expect 0 "fg .*exited (0)" "$volt" ps -a

echo "== networks: refused options, --network none (veth and -p: network.sh)"
expect 1 "need the private network" "$volt" run --rm -p 18931:80 busybox -- /bin/true
expect 1 "HOSTPORT:CONTAINERPORT" "$volt" run --rm --network private -p 70000:80 busybox -- /bin/true
expect 0 "^1 *lo" "$volt" run --rm --network none busybox -- /bin/sh -c 'ip -o link | cut -d: -f1,2 | tr -d :'
grep -q host0 "$tmp/out" && fail "--network none has more than loopback"

echo "== images from Stellarium: the built-in image, shared by tag and by hash"
expect 0 "hello from busybox" "$volt" run --rm busybox -- /bin/echo hello from busybox
expect 0 "" "$volt" container create i1 --image busybox
tree=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["image_tree"])' <<JSON
$("$volt" container inspect i1)
JSON
)
expect 0 "" "$volt" container create i2 --image "$tree"
[ "$(ls -d "$tmp"/root/ctr-bases/cas-* | wc -l)" = 1 ] || fail "one image checked out more than once: $(ls "$tmp/root/ctr-bases")"
expect 1 "no image 'nosuch' in the store" "$volt" container create i3 --image nosuch
expect 2 "one of them" "$volt" container create i4 --image busybox --rootfs "$tmp/image"
expect 0 "" "$volt" rm i1 i2

echo "== bad input: clear errors, nothing half-created"
expect 1 "already exists" "$volt" container create a1 --rootfs "$tmp/image"
expect 1 "contains '_'" "$volt" container create bad_name --rootfs "$tmp/image"
expect 1 "No such file" "$volt" container create x1 --rootfs "$tmp/nonexistent"
expect 1 "not an OS tree" "$volt" container create x2 --rootfs "$tmp"
echo '{"fs_raed": ["/"]}' >"$tmp/bad-policy.json"
expect 1 "fs_raed" "$volt" container create x3 --rootfs "$tmp/image" --policy "$tmp/bad-policy.json"
expect 1 "volume source" "$volt" container create x4 --rootfs "$tmp/image" -v /nonexistent:/data
expect 1 "mode must be ro or rw" "$volt" container create x5 --rootfs "$tmp/image" -v /tmp:/data:rx
expect 2 "--memory" "$volt" container create x6 --rootfs "$tmp/image" -m lots
expect 2 "give the image" "$volt" container create x7
expect 1 "no container named 'ghost'" "$volt" container start ghost
expect 1 "no container named 'ghost'" "$volt" stop ghost
expect 1 "no container named 'ghost'" "$volt" rm ghost
expect 2 "unknown container command" "$volt" container frobnicate
for x in x1 x2 x3 x4 x5 x6 x7 i3 i4; do
	[ ! -e "$tmp/root/containers/$x" ] || fail "failed create left $x behind"
done
if [ ! -d /run/systemd/system ]; then
	expect 1 "needs systemd as PID 1" "$volt" container start a1
	expect 1 "systemd journal" "$volt" logs a1
fi

echo "== rm keeps the image"
expect 0 "" "$volt" rm a1 a2 w1 w2 long fg
[ -z "$(ls "$tmp/root/containers")" ] || fail "rm left: $(ls "$tmp/root/containers")"
[ -d "$b1/usr" ] || fail "rm removed the shared base"

finish
