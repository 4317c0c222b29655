#!/bin/sh
# Weakness: the default `volt sandbox run` policy read /etc/shadow, all
# of /var/lib (Volt's own state included) and /run, and wrote /run and
# /dev/pts (other sessions' terminals). Now it exposes no secrets and no
# other sessions, and ordinary programs still work.
# usage: sandbox-default-policy.sh VOLT PROBE
VOLT=$(realpath "$1") PROBE=$(realpath "$2")
. "$(dirname "$0")/lib.sh"
need_python
default_policy_with_probe "$T/default.json"
mkdir -p "$VOLT_ROOT"
echo "volt state" >"$VOLT_ROOT/secret"
chmod 0644 "$VOLT_ROOT/secret"
chmod 0755 "$VOLT_ROOT"
probe() { "$VOLT" sandbox run -p "$T/default.json" -- "$PROBE" "$@" </dev/null; }

probe read /etc/shadow /etc/gshadow "$VOLT_ROOT/secret" /var/lib/dpkg/status /etc/passwd /etc/os-release \
	>"$T/read.out" 2>&1
echo "  reads:"; show "$T/read.out"
check "/etc/shadow cannot be read" has "$T/read.out" "read /etc/shadow: denied"
[ -e /etc/gshadow ] && check "/etc/gshadow cannot be read" has "$T/read.out" "read /etc/gshadow: denied"
check "the state root (VOLT_ROOT) cannot be read" has "$T/read.out" "read $VOLT_ROOT/secret: denied"
[ -e /var/lib/dpkg/status ] && check "/var/lib cannot be read" has "$T/read.out" "read /var/lib/dpkg/status: denied"
check "/etc/passwd can be read" has "$T/read.out" "read /etc/passwd: ok"
check "/etc/os-release can be read" has "$T/read.out" "read /etc/os-release: ok"
for key in /etc/ssh/ssh_host_*_key; do
	[ -e "$key" ] || continue
	probe read "$key" >"$T/key.out" 2>&1
	check "the host key $key cannot be read" has "$T/key.out" ": denied"
done

# Writing /run: create a file there (and clean up if 0.2 made it).
probe write "/run/volt-sec-test-$$" >"$T/run.out" 2>&1
"$VOLT" sandbox run -p "$T/default.json" -- /bin/sh -c "echo x > /run/volt-sec-test-$$" </dev/null >>"$T/run.out" 2>&1
echo "  /run:"; show "$T/run.out"
check "/run cannot be written" test ! -e "/run/volt-sec-test-$$"
rm -f "/run/volt-sec-test-$$"

# Another session's terminal: a pty pair this test holds open.
python3 -c '
import os, subprocess, sys
m, s = os.openpty()
name = os.ttyname(s)
out = subprocess.run(sys.argv[1:] + ["read", name], stdin=subprocess.DEVNULL, capture_output=True, text=True)
out2 = subprocess.run(sys.argv[1:] + ["write", name], stdin=subprocess.DEVNULL, capture_output=True, text=True)
print(out.stdout + out.stderr + out2.stdout + out2.stderr, end="")' \
	"$VOLT" sandbox run -p "$T/default.json" -- "$PROBE" >"$T/pts.out" 2>&1
echo "  another /dev/pts/N:"; show "$T/pts.out"
check "another session's /dev/pts/N cannot be opened for reading" grep -q "^read /dev/pts/[0-9]*: denied" "$T/pts.out"
check "another session's /dev/pts/N cannot be opened for writing" grep -q "^write /dev/pts/[0-9]*: denied" "$T/pts.out"

# Ordinary programs under the default policy as volt has it (no probe).
"$VOLT" sandbox run -- /bin/sh -c 'ls /usr >/dev/null && cat /etc/os-release >/dev/null &&
	cat /etc/passwd >/dev/null && echo scratch >/tmp/volt-sec-$$ && rm /tmp/volt-sec-$$ && echo sh-ok' \
	</dev/null >"$T/ordinary.out" 2>&1
[ -x /usr/bin/python3 ] && "$VOLT" sandbox run -- /usr/bin/python3 -c 'print("py-%d" % (6 * 7))' </dev/null \
	>>"$T/ordinary.out" 2>&1
[ -e /etc/resolv.conf ] && "$VOLT" sandbox run -- /bin/cat /etc/resolv.conf </dev/null >/dev/null 2>>"$T/ordinary.out" &&
	echo resolv-ok >>"$T/ordinary.out"
echo "  ordinary programs:"; show "$T/ordinary.out"
check "sh, ls, cat of /etc files, a scratch file in /tmp work" has "$T/ordinary.out" "sh-ok"
[ -x /usr/bin/python3 ] && check "python3 -c works" has "$T/ordinary.out" "py-42"
[ -e /etc/resolv.conf ] && check "the DNS configuration is readable" has "$T/ordinary.out" "resolv-ok"
finish
