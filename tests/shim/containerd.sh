#!/bin/bash
# Volt under containerd: Debian's containerd, started here with its own
# root, state and socket, pulls a busybox image from a loopback
# docker-registry and runs it with `ctr run --runtime io.containerd.volt.v2`
# through containerd-shim-volt-v2 (found in PATH, as containerd looks for
# it): the output from inside, Volt's sandbox inside (seccomp, no
# capabilities), exit statuses, `ctr task exec`, `ctr task ls`, kill and
# delete, and nothing left behind.
#
# usage: containerd.sh SHIM VOLT LAUNCHER IMG_TESTS_DIR
#        containerd.sh --skip REASON
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
if [ "${1:-}" = --skip ]; then
	echo "SKIP: $2"
	exit 77
fi
shim=$1 volt=$(realpath "$2") launcher=$(realpath "$3") HERE=$(realpath "$4")
HERE_SHIM=$(dirname "$(realpath "$0")")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (containerd, systemd-nspawn)"; exit 77; }
for p in containerd ctr systemd-nspawn skopeo python3; do
	command -v $p >/dev/null || { echo "SKIP: $p is not installed"; exit 77; }
done
[ -x /bin/busybox ] || { echo "SKIP: busybox-static is not installed"; exit 77; }
. "$HERE/registry.sh"

T=$(mktemp -d /var/tmp/volt-shim-XXXXXX)
failures=0
cd_pid=
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
# The shims this test's containerd started (by their path, which is ours alone).
shim_pids() { pgrep -f "^$T/bin/containerd-shim-volt-v2" || true; }
cleanup() {
	[ -n "$cd_pid" ] && { kill "$cd_pid" 2>/dev/null; wait "$cd_pid" 2>/dev/null; }
	for p in $(shim_pids); do kill -9 "$p" 2>/dev/null; done
	registry_stop
	grep -o " $T/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$T/bin" "$T/volt"
# Not a copy: the build's binary, by a name containerd finds in PATH.
ln -s "$(realpath -m "$shim")" "$T/bin/containerd-shim-volt-v2"
SOCK=$T/containerd.sock
cat > "$T/config.toml" <<EOF
version = 2
root = "$T/cd-root"
state = "$T/cd-state"
# Only what ctr run needs: no CRI, no snapshotters but overlayfs and native.
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.tracing",
  "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = ""
  level = "${CD_LOG_LEVEL:-warn}"
[metrics]
  address = ""
EOF
C="ctr -a $SOCK"
start_containerd() {
	PATH=$T/bin:$PATH VOLT_ROOT=$T/volt VOLT_CTR_LAUNCHER=$launcher \
		containerd --config "$T/config.toml" >> "$T/containerd.log" 2>&1 &
	cd_pid=$!
	for _ in $(seq 100); do
		$C version >/dev/null 2>&1 && return 0
		kill -0 $cd_pid 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
if ! start_containerd; then
	echo "SKIP: containerd did not start:"
	tail -5 "$T/containerd.log"
	exit 77
fi

# A busybox image (usr-merged, as Volt expects) in the registry.
registry_start "$T/reg"
entries='{"path": "usr", "type": "dir"}, {"path": "usr/bin", "type": "dir"},
  {"path": "usr/bin/busybox", "type": "file", "source": "/bin/busybox", "mode": 493},
  {"path": "bin", "type": "symlink", "target": "usr/bin"},
  {"path": "etc", "type": "dir"},
  {"path": "etc/passwd", "type": "file", "content": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n"},
  {"path": "etc/group", "type": "file", "content": "root:x:0:\n"},
  {"path": "etc/os-release", "type": "file", "content": "ID=volt-test\n"},
  {"path": "tmp", "type": "dir", "mode": 1023}, {"path": "root", "type": "dir", "mode": 448},
  {"path": "proc", "type": "dir"}, {"path": "sys", "type": "dir"}, {"path": "dev", "type": "dir"},
  {"path": "run", "type": "dir"}, {"path": "var", "type": "dir"}'
for a in sh cat echo grep sleep id ls pwd; do
	entries="$entries, {\"path\": \"usr/bin/$a\", \"type\": \"symlink\", \"target\": \"busybox\"}"
done
printf '{"name": "1", "config": {"Cmd": ["/bin/sh"]}, "layers": [{"entries": [%s]}]}\n' "$entries" |
	python3 "$HERE/oci-layout.py" - "$T/layout" >/dev/null || { echo "FAIL: oci-layout.py"; exit 1; }
registry_push "$T/layout" volt/busybox:1 || { echo "FAIL: skopeo copy to the registry"; exit 1; }
IMAGE=$REGISTRY/volt/busybox:1
if $C images pull --plain-http "$IMAGE" > "$T/pull.log" 2>&1; then
	pass "ctr images pull --plain-http $IMAGE"
else
	fail "ctr images pull: $(tail -3 "$T/pull.log")"
	exit 1
fi
# No step may hang the test: each ctr call has a minute at most.
RUN="timeout 60 $C run --runtime io.containerd.volt.v2"

# Output from inside, and Volt's sandbox: seccomp filter mode, no capabilities.
out=$($RUN --rm --env GREETING=hello-from-volt --cwd /tmp "$IMAGE" t1 \
	sh -c 'echo "$GREETING in $(pwd)"; grep -E "^(Seccomp|CapEff):" /proc/self/status; echo "uid_map $(cat /proc/self/uid_map)"' </dev/null 2>&1)
rc=$?
echo "$out" | sed 's/^/  | /'
[ $rc = 0 ] && pass "ctr run exits 0" || fail "ctr run exited $rc"
echo "$out" | grep -qx "hello-from-volt in /tmp" && pass "output from inside, with the spec's env and cwd" ||
	fail "no 'hello-from-volt in /tmp' from inside"
echo "$out" | grep -qE "^Seccomp:[[:space:]]+2$" && pass "Seccomp: 2 inside" || fail "no 'Seccomp: 2' inside"
echo "$out" | grep -qE "^CapEff:[[:space:]]+0000000000000000$" && pass "CapEff: 0 inside" || fail "capabilities inside"
# Root inside is Volt's unprivileged host range (VOLT_CTR_UID_BASE), not host root.
echo "$out" | grep -qE "^uid_map +0 +524288 +65536$" && pass "user namespace: 0 is host uid 524288" ||
	fail "no Volt uid mapping inside"

# The native snapshotter hands over a bind mount instead of an overlay.
out=$($RUN --rm --snapshotter native "$IMAGE" t7 sh -c 'echo native-ok' </dev/null 2>&1)
[ "$out" = native-ok ] && pass "a rootfs from the native snapshotter (a bind mount)" || fail "native snapshotter: $out"

# The exit status of the workload is ctr's.
$RUN --rm "$IMAGE" t2 sh -c 'exit 7' </dev/null > "$T/t2.log" 2>&1
rc=$?
[ $rc = 7 ] && pass "exit 7 gives status 7" || fail "exit 7 gave $rc: $(tail -3 "$T/t2.log")"

# A detached task: listed, exec'd into, killed, deleted.
$RUN -d --env KEEP=container "$IMAGE" t3 sh -c 'echo started; sleep 300' </dev/null > "$T/t3.log" 2>&1 || fail "ctr run -d: $(cat "$T/t3.log")"
ls_out=$($C task ls 2>&1)
echo "$ls_out" | grep -qE "^t3[[:space:]]+[0-9]+[[:space:]]+RUNNING" && pass "ctr task ls shows t3 RUNNING" ||
	fail "ctr task ls: $ls_out"
out=$($C task exec --exec-id e1 t3 sh -c 'echo exec-in-$(cat /etc/os-release); id -u; exit 3' </dev/null 2>&1)
rc=$?
echo "$out" | sed 's/^/  | /'
echo "$out" | grep -qx "exec-in-ID=volt-test" && pass "ctr task exec runs in the container" || fail "ctr task exec output"
[ $rc = 3 ] && pass "ctr task exec gives the command's exit status" || fail "ctr task exec exited $rc"
# The exec's own process spec: its cwd and user, not the container's.
out=$($C task exec --exec-id e2 --cwd /tmp --user 1000 t3 sh -c 'echo "pwd=$(pwd)"; echo "uid=$(id -u)"' </dev/null 2>&1)
echo "$out" | sed 's/^/  | /'
echo "$out" | grep -qx "pwd=/tmp" && pass "ctr task exec --cwd /tmp" || fail "ctr task exec --cwd /tmp"
echo "$out" | grep -qx "uid=1000" && pass "ctr task exec --user 1000" || fail "ctr task exec --user 1000"
# And its env, all of it (Debian's ctr has no exec --env: the spec goes to the shim by hand).
addr=$(cat "$T/cd-state/io.containerd.runtime.v2.task/default/t3/address" 2>/dev/null)
: > "$T/e3.out"
st=$(timeout 60 python3 "$HERE_SHIM/exec-spec.py" "${addr#unix://}" t3 e3 "$T/e3.out" \
	'{"args": ["sh", "-c", "echo FOO=$FOO KEEP=$KEEP; pwd; id -u"], "env": ["FOO=bar", "PATH=/usr/bin:/bin"], "cwd": "/tmp", "user": {"uid": 1000, "gid": 0}}' 2>&1)
sed 's/^/  | /' "$T/e3.out"
[ "$st" = "exit 0" ] || fail "exec with a process spec of the test's: $st"
[ "$(cat "$T/e3.out")" = "$(printf 'FOO=bar KEEP=\n/tmp\n1000')" ] &&
	pass "an exec's process spec: its env alone (FOO=bar, not the container's KEEP), cwd /tmp, uid 1000" ||
	fail "an exec's process spec was not honoured"
# containerd restarts: it finds the shim again (the bundle's address file), the task still runs.
kill $cd_pid; wait $cd_pid 2>/dev/null
start_containerd || fail "containerd did not start again"
$C task ls 2>&1 | grep -qE "^t3[[:space:]]+[0-9]+[[:space:]]+RUNNING" && pass "after a restart of containerd, t3 still RUNNING" ||
	fail "after a restart of containerd: $($C task ls 2>&1)"
$C task kill t3 || fail "ctr task kill"
for _ in $(seq 100); do
	$C task ls 2>/dev/null | grep -qE "^t3[[:space:]]+[0-9]+[[:space:]]+STOPPED" && break
	sleep 0.1
done
$C task ls 2>&1 | grep -qE "^t3[[:space:]]+[0-9]+[[:space:]]+STOPPED" && pass "SIGTERM stops t3" ||
	fail "t3 not stopped after kill: $($C task ls 2>&1)"
$C task delete t3 >/dev/null 2>&1 && pass "ctr task delete" || fail "ctr task delete"
$C container delete t3 >/dev/null 2>&1 || fail "ctr container delete"

# SIGKILL ends the whole container: 137, as for runc.
$RUN -d "$IMAGE" t4 sh -c 'sleep 300' </dev/null > "$T/t4.log" 2>&1 || fail "ctr run -d t4: $(cat "$T/t4.log")"
$C task kill -s SIGKILL t4 || fail "ctr task kill -s SIGKILL"
for _ in $(seq 100); do
	$C task ls 2>/dev/null | grep -qE "^t4[[:space:]]+[0-9]+[[:space:]]+STOPPED" && break
	sleep 0.1
done
st=$(timeout 30 $C task delete t4 2>&1)
echo "$st" | grep -q "status 137\|137" && pass "SIGKILL: t4 stopped with 137" || fail "t4 after SIGKILL: $st; $($C task ls 2>&1)"
$C container delete t4 >/dev/null 2>&1 || fail "ctr container delete t4"

# Kill of an exec's process (any signal, straight to its command) and
# Kill --all (every process of the task); each end is a TaskExit with its status.
$C events > "$T/events.log" 2>&1 &
ev_pid=$!
$RUN -d "$IMAGE" t8 sh -c 'sleep 300' </dev/null > "$T/t8.log" 2>&1 || fail "ctr run -d t8: $(cat "$T/t8.log")"
timeout 60 $C task exec --exec-id k1 t8 sleep 301 </dev/null > "$T/k1.log" 2>&1 &
k1=$!
timeout 60 $C task exec --exec-id k2 t8 sleep 302 </dev/null > "$T/k2.log" 2>&1 &
k2=$!
# Until both commands run in the container (ctr task ps lists the host pids of the task's processes).
running() { for p in $($C task ps t8 2>/dev/null | awk 'NR > 1 { print $1 }'); do
	tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null; echo; done | grep -c "^sleep 30[12] $"; }
for _ in $(seq 100); do [ "$(running)" = 2 ] && break; sleep 0.1; done
$C task kill --exec-id k1 -s SIGUSR1 t8 || fail "ctr task kill --exec-id k1 -s SIGUSR1"
wait $k1
rc=$?
[ $rc = 138 ] && pass "kill --exec-id k1 -s SIGUSR1: the exec ends with 138 (128+SIGUSR1)" ||
	fail "kill of exec k1: its ctr task exec exited $rc: $(cat "$T/k1.log")"
$C task kill -a -s SIGTERM t8 || fail "ctr task kill -a -s SIGTERM"
wait $k2
rc=$?
[ $rc = 143 ] && pass "kill -a -s SIGTERM: exec k2 got SIGTERM itself (143)" ||
	fail "kill -a: exec k2's ctr task exec exited $rc: $(cat "$T/k2.log")"
for _ in $(seq 100); do
	$C task ls 2>/dev/null | grep -qE "^t8[[:space:]]+[0-9]+[[:space:]]+STOPPED" && break
	sleep 0.1
done
$C task ls 2>&1 | grep -qE "^t8[[:space:]]+[0-9]+[[:space:]]+STOPPED" && pass "kill -a -s SIGTERM stops t8" ||
	fail "t8 not stopped after kill -a: $($C task ls 2>&1)"
st=$(timeout 30 $C task delete t8 2>&1) || fail "ctr task delete t8: $st"
$C container delete t8 >/dev/null 2>&1 || fail "ctr container delete t8"
# Events are published one at a time, apart from the answers: wait for the three (10 s at most).
for _ in $(seq 100); do
	[ "$(grep "/tasks/exit" "$T/events.log" | grep -c '"container_id":"t8"')" -ge 3 ] && break
	sleep 0.1
done
kill $ev_pid 2>/dev/null
wait $ev_pid 2>/dev/null
grep "/tasks/exit" "$T/events.log" | grep '"container_id":"t8"' | sed 's/^/  | /'
for e in '"id":"k1".*"exit_status":138' '"id":"k2".*"exit_status":143' '"id":"t8"'; do
	grep "/tasks/exit" "$T/events.log" | grep -q "$e" && pass "TaskExit event: $e" || fail "no TaskExit event $e"
done

# Pause and Resume: the freezer of the task's own cgroup (every process of it, execs too).
$RUN -d "$IMAGE" t9 sh -c 'sleep 300' </dev/null > "$T/t9.log" 2>&1 || fail "ctr run -d t9: $(cat "$T/t9.log")"
$C task exec -d --exec-id p1 t9 sleep 303 </dev/null >/dev/null 2>&1 || fail "ctr task exec -d p1"
# The cgroups of t9's processes, as the host sees them (unified hierarchy).
t9_cgroups() { for p in $($C task ps t9 2>/dev/null | awk 'NR > 1 { print $1 }'); do
	sed -n 's/^0:://p' /proc/$p/cgroup 2>/dev/null; done | sort -u; }
for _ in $(seq 100); do t9_cgroups | grep -q "/volt-shim-containerd-default-t9/" && break; sleep 0.1; done
cgroot=/sys/fs/cgroup/unified
[ -d $cgroot ] || cgroot=/sys/fs/cgroup
if out=$($C task pause t9 2>&1); then
	pass "ctr task pause"
	$C task ls 2>&1 | grep -qE "^t9[[:space:]]+[0-9]+[[:space:]]+PAUSED" && pass "ctr task ls shows t9 PAUSED" ||
		fail "after pause: $($C task ls 2>&1)"
	frozen=0 all=0
	for cg in $(t9_cgroups); do
		all=$((all + 1))
		grep -qx "frozen 1" "$cgroot$cg/cgroup.events" 2>/dev/null && frozen=$((frozen + 1))
	done
	[ $all -gt 0 ] && [ $frozen = $all ] && pass "every cgroup of t9's processes is frozen ($frozen)" ||
		fail "frozen: $frozen of $all cgroups: $(t9_cgroups)"
	$C task resume t9 || fail "ctr task resume"
	$C task ls 2>&1 | grep -qE "^t9[[:space:]]+[0-9]+[[:space:]]+RUNNING" && pass "after resume, t9 RUNNING" ||
		fail "after resume: $($C task ls 2>&1)"
	out=$(timeout 60 $C task exec --exec-id p2 t9 echo resumed-ok </dev/null 2>&1)
	[ "$out" = resumed-ok ] && pass "an exec runs after resume" || fail "exec after resume: $out"
else
	fail "ctr task pause: $out"
fi
cg9=$(t9_cgroups | sed -n 's|^\(.*/volt-shim-containerd-default-t9\)/.*|\1|p' | head -1)
$C task kill -a -s SIGKILL t9 || fail "ctr task kill -a -s SIGKILL t9"
for _ in $(seq 100); do
	$C task ls 2>/dev/null | grep -qE "^t9[[:space:]]+[0-9]+[[:space:]]+STOPPED" && break
	sleep 0.1
done
timeout 30 $C task delete t9 >/dev/null 2>&1 || fail "ctr task delete t9"
$C container delete t9 >/dev/null 2>&1 || fail "ctr container delete t9"
[ -n "$cg9" ] && [ ! -e "$cgroot$cg9" ] && pass "t9's cgroup $cg9 is gone after delete" ||
	fail "t9's cgroup '$cg9' after delete: $(ls -d "$cgroot$cg9" 2>&1)"

# A terminal (ctr run -t, under script(1) for a terminal of ctr's own).
# script runs the command with $SHELL: under dash, a timeout(1) of its
# own process group would be in the terminal's background, and ctr,
# setting the terminal raw, stopped by SIGTTOU; hence --foreground.
# Its stdin is a FIFO held open (read-write), never at its end: at the end
# of its input script(1) writes the terminal's EOF character to the child,
# which under ctr's raw terminal is a NUL, echoed by the container's
# terminal as "^@" ahead of the output.
if command -v script >/dev/null; then
	mkfifo "$T/tty-in"
	out=$(SHELL=/bin/sh timeout 60 script -qec "timeout --foreground 60 $C run --runtime io.containerd.volt.v2 -t --rm $IMAGE t5 sh -c 'tty; echo tty-ok; exit 5'" /dev/null <>"$T/tty-in" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/  | /'
	echo "$out" | grep -aq "/dev/pts/[0-9]" && echo "$out" | grep -aq "tty-ok" && pass "ctr run -t: a terminal inside" ||
		fail "ctr run -t: no terminal inside"
	echo "$out" | head -1 | tr -d '\r' | grep -aqx "/dev/pts/[0-9]*" && pass "ctr run -t: the output is the workload's alone" ||
		fail "ctr run -t: more than the workload's output: $(echo "$out" | head -1 | od -c | head -2)"
	[ $rc = 5 ] && pass "ctr run -t gives the exit status" || fail "ctr run -t exited $rc"
fi

# A runtime Volt does not have: refused with the reason, nothing made
# (io.volt.runtime=vm is tests/shim/vm.sh's, in the nested KVM harness).
out=$($RUN --rm --annotation io.volt.runtime=frob "$IMAGE" t6 true </dev/null 2>&1)
rc=$?
[ $rc != 0 ] && echo "$out" | grep -q "io.volt.runtime=frob is not supported" && pass "io.volt.runtime=frob: refused, saying why" ||
	fail "io.volt.runtime=frob: status $rc: $out"
$C container delete t6 >/dev/null 2>&1

# Nothing left: no task, no Volt container, no shim, no mount of this test's directories.
for _ in $(seq 50); do [ -z "$(shim_pids)" ] && break; sleep 0.1; done
[ -z "$($C task ls -q 2>&1)" ] && pass "no tasks left" || fail "tasks left: $($C task ls 2>&1)"
left=$(ls "$T/volt/containers" 2>/dev/null)
[ -z "$left" ] && pass "no Volt containers left" || fail "Volt containers left: $left"
[ -z "$(ls "$T/volt/ctr-bases" 2>/dev/null)" ] && pass "no Volt bases left" || fail "bases left: $(ls "$T/volt/ctr-bases")"
[ -z "$(shim_pids)" ] && pass "no shim left" || fail "shims left: $(shim_pids)"
m=$(grep -c " $T/" /proc/self/mountinfo)
[ "$m" = 0 ] && pass "no mounts left" || fail "$m mounts left: $(grep " $T/" /proc/self/mountinfo | head -3)"
# The shim runs containers in the foreground, never as units; where systemd runs, check none was made.
if [ -d /run/systemd/system ]; then
	u=$(systemctl list-units --all --no-legend 'volt-container-containerd-default-t*' 2>/dev/null)
	[ -z "$u" ] && pass "no units left" || fail "units left: $u"
fi
if pgrep -f "systemd-nspawn.*$T/volt" >/dev/null; then fail "nspawn left: $(pgrep -af "systemd-nspawn.*$T/volt")"; else pass "no nspawn left"; fi
if [ $failures != 0 ]; then
	echo "--- containerd log (end)"
	tail -40 "$T/containerd.log"
fi
echo "$failures failure(s)"
[ $failures = 0 ]
