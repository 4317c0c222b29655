# Sourced by the CLI tests that run real containers (root, nspawn):
# arguments VOLT LAUNCHER SRCDIR, a scratch root, ctr/checks.sh's helpers.
volt=$(realpath "$1") launcher=$(realpath "$2") src=$3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }

tmp=$(mktemp -d /tmp/volt-cli-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
# shellcheck source=../ctr/checks.sh
. "$src/../ctr/checks.sh"
