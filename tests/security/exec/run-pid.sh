#!/bin/sh
# Weakness: a stale or reused run.pid made `volt exec` and `volt stop`
# act on whatever process it named, if only that process was called
# systemd-nspawn. Forge the pid file of a stopped container to name
# another container's nspawn (a copy of its whole run.pid), then an
# unrelated process named systemd-nspawn: exec and stop must refuse
# ("not running") and leave both alone.
# usage: run-pid.sh VOLT LAUNCHER PROBE SRCDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

start_fg other || { finish; exit 1; }
expect 0 "" "$volt" container create stopped --rootfs "$tmp/image" -- /bin/true
runpid=$tmp/root/containers/stopped/run.pid

echo "== run.pid copied from another running container"
cp "$tmp/root/containers/other/run.pid" "$runpid"
expect 1 "not running" "$volt" exec stopped -- /bin/hostname
expect 1 "not running" "$volt" stop -t 2s stopped
expect 0 "stopped .*created" "$volt" ps
expect 0 "other .*running" "$volt" ps
expect 0 "^other$" "$volt" exec other -- /bin/hostname

echo "== run.pid naming an unrelated process called systemd-nspawn"
cp /bin/sleep "$tmp/systemd-nspawn"
"$tmp/systemd-nspawn" 120 &
fake=$!
bg_pids="$bg_pids $fake"
wait_for 5 sh -c "grep -q systemd-nspawn /proc/$fake/comm" || fail "the fake nspawn did not start"
# Every field a pid file can hold: the pid, its start time, this boot.
echo "$fake $(awk '{print $22}' "/proc/$fake/stat") $(cat /proc/sys/kernel/random/boot_id)" >"$runpid"
expect 1 "not running" "$volt" exec stopped -- /bin/hostname
expect 1 "not running" "$volt" stop -t 1s stopped
kill -0 "$fake" 2>/dev/null || fail "volt stop of a stopped container killed an unrelated process (pid $fake)"
echo "$fake" >"$runpid"
expect 1 "not running" "$volt" stop -t 1s stopped
kill -0 "$fake" 2>/dev/null || fail "volt stop of a stopped container killed an unrelated process (pid $fake, old format)"
expect 0 "other .*running" "$volt" ps

echo "== the real pid file still works"
expect 0 "" "$volt" stop -t 5s other
expect 0 "other .*exited (0)" "$volt" ps -a
finish
