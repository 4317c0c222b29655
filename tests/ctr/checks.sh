# Sourced by the container tests: counting failures, checking commands.
# The caller sets $tmp (a scratch directory).
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect EXIT-CODE PATTERN COMMAND...: run, compare the exit code, grep the output.
expect() {
	want=$1 pattern=$2
	shift 2
	"$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" -ne "$want" ] || { [ -n "$pattern" ] && ! grep -q -- "$pattern" "$tmp/out"; }; then
		fail "$* exited $got (want $want), output lacks '$pattern' or differs:"
		sed 's/^/  | /' "$tmp/out"
	fi
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
	n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}

# The last line of a test: the count, and the exit status.
finish() {
	echo "$failures failure(s)"
	[ "$failures" -eq 0 ]
}

# have_net_admin: whether this process has CAP_NET_ADMIN (capability 12 of
# the effective set), which nspawn's veth pair and the bridge need.
have_net_admin() {
	capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
	[ $(( (0x$capeff >> 12) & 1 )) = 1 ]
}

# need_private_network: SKIP unless this can make private networks (root,
# systemd-nspawn, CAP_NET_ADMIN for the veth pair and the bridge).
need_private_network() {
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
	command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }
	command -v ip >/dev/null || { echo "SKIP: ip (iproute2) is not installed"; exit 77; }
	have_net_admin || { echo "SKIP: no CAP_NET_ADMIN here (cannot make the veth pair and the bridge)"; exit 77; }
}
