#!/bin/sh
# Learn mode for containers: `volt run --learn=FILE --attach busybox
# httpd`, a server stopped the way a person stops it (Ctrl-C: SIGINT to
# volt's process group), must write a policy in the container's own paths
# and attach it to the image; `volt run busybox ...` then uses it (inspect
# says so): the server serves again (its chown works: CAP_CHOWN learned),
# and what the learning run never did is denied from inside (another
# file, listing /, another port, unshare).
# `--policy default` goes back to the container default.
# Usage: container.sh VOLT LAUNCHER
VOLT=$1 LAUNCHER=$2
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (systemd-nspawn)"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn (systemd-container) is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
case $LAUNCHER in /*) ;; *) LAUNCHER=$PWD/$LAUNCHER ;; esac
export VOLT_CTR_LAUNCHER="$LAUNCHER" VOLT_ROOT="$T/root"
port=$(free_port) other=$(free_port 1)
pol=$T/httpd.json
# As an entrypoint does: set up its data as root (chown needs CAP_CHOWN), then serve.
serve="mkdir -p /mnt/www && echo hello from the container >/mnt/www/index.html && chown 1000:1000 /mnt/www/index.html && exec httpd -f -p 127.0.0.1:$port -h /mnt/www"

get() { python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "$1" 2>/dev/null; }
wait_for() {
	i=0
	while [ $i -lt 300 ]; do
		get "$1" >"$T/got" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
stop_group() { # PID: Ctrl-C, then wait (30 s at most)
	kill -INT -"$1"
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL -"$1" 2>/dev/null
	wait "$1"
}

# As a shell's foreground job volt leads a process group; Ctrl-C is SIGINT to it.
(exec setsid env --default-signal=INT "$VOLT" run --rm --network host --learn="$pol" --attach busybox sh -c "$serve") \
	>"$T/learn.out" 2>"$T/learn.err" </dev/null &
vpid=$!
cleanup_hooks="kill -KILL -$vpid 2>/dev/null;"
if wait_for "http://127.0.0.1:$port/index.html" $vpid && grep -q "hello from the container" "$T/got"; then
	ok "the server in the container answers while learned"; else not_ok "the server in the container answers while learned"; cat "$T/learn.err"; fi
stop_group "$vpid"
rc=$?
check "volt run --learn survives Ctrl-C and exits 0 (rc $rc)" test $rc -eq 0
grep -q "wrote $pol" "$T/learn.err" && grep -q "attached the policy" "$T/learn.err" &&
	ok "volt wrote and attached the policy after the server ended" ||
	{ not_ok "volt wrote and attached the policy after the server ended"; cat "$T/learn.err"; }
check_policy_shape "$pol"
# Container paths, single files where no directory is needed.
check "httpd's program is granted by its container path" grep -q '"/usr/bin/busybox"' "$pol"
# mkdir -p /mnt/www: /mnt/www is missing at the next start (Landlock would skip a rule on it).
check "the page's directory is granted where the run made it (/mnt)" python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); sys.exit(0 if "/mnt" in p["fs_read"] and "/mnt" in p["fs_write"] else 1)' "$pol"
if grep -q '"'"$T"'\|/containers/' "$pol"; then not_ok "no host path is in the policy"; else ok "no host path is in the policy"; fi
check "the chown's capability is learned, and no other" python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["capabilities"] == ["CAP_CHOWN"] else 1)' "$pol"
check "the learned run bound its port and only that" python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["net_bind"] == [int(sys.argv[2])] else 1)' "$pol" "$port"

# Under the attached policy (no --policy): the same server serves again.
(exec setsid "$VOLT" run --name again --network host busybox sh -c "$serve") >"$T/run.out" 2>"$T/run.err" </dev/null &
spid=$!
cleanup_hooks="kill -KILL -$spid 2>/dev/null;"
if wait_for "http://127.0.0.1:$port/index.html" $spid && grep -q "hello from the container" "$T/got"; then
	ok "the server serves under the image's attached policy"; else not_ok "the server serves under the image's attached policy"; cat "$T/run.err"; fi
"$VOLT" inspect again >"$T/inspect.json" 2>&1
check "volt inspect says the policy came from the image" grep -q '"policy_source": "image"' "$T/inspect.json"
"$VOLT" stop again >/dev/null 2>&1
i=0
while kill -0 "$spid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL -"$spid" 2>/dev/null
wait "$spid" 2>/dev/null
"$VOLT" rm --force again >/dev/null 2>&1
check "volt policy attached prints the attached policy" sh -c '"$1" policy attached busybox | grep -q "\"/usr/bin/busybox\""' sh "$VOLT"

# What the learned run never did is denied, seen from inside the container.
expect_refused "a file it never read (/etc/group) is refused" "$VOLT" run --rm busybox cat /etc/group
expect_refused "listing / is refused" "$VOLT" run --rm busybox ls /
expect_refused "another port is refused" "$VOLT" run --rm --network host busybox httpd -f -p "127.0.0.1:$other" -h /
# unshare with no flag creates nothing: only the seccomp list can refuse it.
expect_refused "unshare is refused" "$VOLT" run --rm busybox unshare true
check "control: --policy default goes back to the container default" sh -c \
	'"$1" run --rm --policy default busybox cat /etc/group | grep -q "^root:"' sh "$VOLT"
# An OCI image (imported): volt image inspect says what its containers get.
src=$(dirname "$0")
if sh "$src/../../images/busybox-rootfs.sh" "$T/tree" >/dev/null 2>&1 && echo x >"$T/tree/oci-marker" &&
	printf '{"name": "learned", "config": {"Cmd": ["/bin/sh"]}, "layers": [{"entries": [{"path": "", "type": "tree", "source": "%s"}]}]}\n' \
		"$T/tree" >"$T/spec.json" &&
	python3 "$src/../img/oci-layout.py" "$T/spec.json" "$T/layout" >/dev/null && tar -C "$T/layout" -cf "$T/img.tar" . &&
	"$VOLT" image import --name learned "$T/img.tar" >/dev/null 2>&1; then
	check "image inspect: an image without one gets the default" sh -c '"$1" image inspect learned | grep -q "^Policy: *default"' sh "$VOLT"
	check "volt policy attach IMAGE FILE" "$VOLT" policy attach learned "$pol"
	check "image inspect: Policy: attached" sh -c '"$1" image inspect learned | grep -q "^Policy: *attached"' sh "$VOLT"
	check "image inspect --json: \"policy\": \"attached\"" sh -c '"$1" image inspect --json learned | grep -q "\"policy\": \"attached\""' sh "$VOLT"
	expect_refused "a container of it runs under it" "$VOLT" run --rm learned cat /etc/group
	check "volt policy detach learned" "$VOLT" policy detach learned
else
	not_ok "an OCI image of busybox was imported"
fi
check "volt policy detach removes it" "$VOLT" policy detach busybox
check "control: without it, the container default applies again" sh -c \
	'"$1" run --rm busybox cat /etc/group | grep -q "^root:"' sh "$VOLT"
finish
