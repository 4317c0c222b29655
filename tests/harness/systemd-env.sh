#!/bin/sh
# A real systemd as PID 1 for tests, on a machine whose PID 1 is not
# systemd: boot this host's own OS in a container (volatile: nothing it
# writes survives), with the given directories bound in, then run a
# command inside it with nsenter, and shut it down.
#
#   systemd-env.sh BIND_DIR... -- COMMAND [ARGS...]
#
# Exit status: COMMAND's; 77 (skip) when the environment cannot boot here.
# It has a network namespace of its own (so containers inside may make
# veth pairs), and nspawn's own seccomp filter predates Landlock: the boot allows the
# Landlock calls so that containers nested inside can use them.
# VOLT_SYSTEMD_ENV_UNIT boots a smaller target than the default (e.g.
# basic.target: the bus and the journal, none of the host's services),
# where the boot itself is slow (the nested KVM harness, under TCG); the
# environment is then ready when that unit is active (a system booted to
# a target other than the default may never say "running"). That boot
# also gets a machine id (bound read-only on /etc/machine-id), so it is
# not a first boot: systemd applies no presets to the empty volatile /etc,
# which under TCG costs tens of seconds and enables the host's services.
# VOLT_SYSTEMD_ENV_WAIT: seconds to wait for the boot (default 120).
# Never bind /tmp or /var/tmp themselves: the booted systemd's tmpfiles
# empty them (a directory below them is its own mount point and is kept).
set -u
binds=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	case $1 in
	/tmp | /tmp/ | /var/tmp | /var/tmp/ | /tmp:* | /var/tmp:*)
		echo "systemd-env.sh: refusing to bind $1 (the booted systemd would empty it)"
		exit 2 ;;
	esac
	binds="$binds --bind=$1"
	shift
done
[ $# -gt 1 ] || { echo "usage: systemd-env.sh BIND_DIR... -- COMMAND [ARGS...]"; exit 2; }
shift
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to boot a systemd container"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn is not installed"; exit 77; }
[ -x /lib/systemd/systemd ] || { echo "SKIP: systemd is not installed"; exit 77; }

machine=volt-sd-$$
log=$(mktemp /tmp/volt-systemd-env-XXXXXX.log)
small=""
if [ -n "${VOLT_SYSTEMD_ENV_UNIT:-}" ]; then
	od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$log.machine-id" && echo >>"$log.machine-id"
	small="--bind-ro=$log.machine-id:/etc/machine-id"
fi
# shellcheck disable=SC2086
systemd-nspawn --register=no --keep-unit -q --volatile=yes -D / -b --machine="$machine" $binds $small \
	--system-call-filter='landlock_create_ruleset landlock_add_rule landlock_restrict_self' --private-network \
	-- systemd.firstboot=off systemd.show_status=false ${VOLT_SYSTEMD_ENV_UNIT:+systemd.unit="$VOLT_SYSTEMD_ENV_UNIT" systemd.mask=systemd-machine-id-commit.service} \
	>"$log" 2>&1 </dev/null &
nspawn=$!

stop() {
	kill -TERM "$nspawn" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.2; done
	kill -KILL "$nspawn" 2>/dev/null
	wait "$nspawn" 2>/dev/null
	rm -f "$log" "$log.probe" "$log.machine-id"
}

# systemd is nspawn's child once the container is up.
sd=
for _ in $(seq 150); do
	sd=$(pgrep -P "$nspawn" -x systemd | head -n 1)
	[ -n "$sd" ] && break
	kill -0 "$nspawn" 2>/dev/null || break
	sleep 0.2
done
if [ -z "$sd" ]; then
	echo "SKIP: the systemd test environment did not boot:"
	sed 's/^/  | /' "$log" | tail -20
	stop
	exit 77
fi
# nsenter -r -w: the container's root and cwd. setns() alone lands at the
# mount namespace's own root, which is the container's only where nspawn
# could pivot_root (not in a chroot: the nested harness's level-1 guest
# chroots into the host's root, and there it is the initramfs).
# The bus comes up a moment after PID 1: ask until systemd answers, within
# the time allowed (each question bounded, so a stuck bus cannot hang us).
wait_s=${VOLT_SYSTEMD_ENV_WAIT:-120}
start=$(date +%s)
state=
while :; do
	left=$((start + wait_s - $(date +%s)))
	[ "$left" -gt 0 ] || break
	[ "$left" -lt 30 ] || left=30
	if [ -n "${VOLT_SYSTEMD_ENV_UNIT:-}" ]; then
		state=$(timeout "$left" nsenter -t "$sd" -a -r -w systemctl is-active "$VOLT_SYSTEMD_ENV_UNIT" 2>"$log.probe")
		case $state in active | failed) break ;; esac
	else
		state=$(timeout "$left" nsenter -t "$sd" -a -r -w systemctl is-system-running --wait 2>"$log.probe")
		case $state in running | degraded | maintenance | stopping) break ;; esac
	fi
	kill -0 "$nspawn" 2>/dev/null || break
	sleep 0.5
done
echo "systemd test environment: PID 1 is systemd (host pid $sd), ${VOLT_SYSTEMD_ENV_UNIT:-state}" \
	"$state after $(($(date +%s) - start)) s"
case $state in
running | degraded | active) ;;
*)
	echo "SKIP: the systemd test environment did not come up within ${wait_s} s (state '$state')"
	sed 's/^/  | systemctl: /' "$log.probe"
	sed 's/^/  | /' "$log" | tail -20
	stop
	exit 77 ;;
esac

nsenter -t "$sd" -a -r -w "$@"
status=$?
stop
exit $status
