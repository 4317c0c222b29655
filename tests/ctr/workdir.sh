#!/bin/sh
# -w DIR that the image lacks works as in Docker: the launcher makes it
# (and its missing parents) inside the container, owned by the workload's
# user, and the workload starts there and may write there under the
# default policy. 0.2 handed it to nspawn's --chdir, which failed.
# usage: workdir.sh VOLT LAUNCHER SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") src=$3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }

tmp=$(mktemp -d /tmp/volt-ctr-workdir-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sh "$src/../../images/busybox-rootfs.sh" "$tmp/image" || exit $?
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
# shellcheck source=checks.sh
. "$src/checks.sh"

echo "== a missing -w is made, as root"
expect 0 "^PWD=/srv/app/data$" "$volt" run --rm --rootfs "$tmp/image" -w /srv/app/data -- \
	/bin/sh -c 'echo "PWD=$(pwd)"'
echo "== as another user: made for that user, who writes there"
expect 0 "^user user /new/work written$" "$volt" run --rm --rootfs "$tmp/image" -u user -w /new/work -- \
	/bin/sh -c 'echo x >f && echo "$(stat -c "%U %G" .) $(pwd) written"'
echo "== an existing -w keeps its owner"
expect 0 "^root /tmp$" "$volt" run --rm --rootfs "$tmp/image" -u user -w /tmp -- \
	/bin/sh -c 'echo "$(stat -c %U .) $(pwd)"'
echo "== a -w that is a file fails, naming it"
expect 126 "working directory.*/etc/passwd" "$volt" run --rm --rootfs "$tmp/image" -w /etc/passwd -- /bin/true
finish
