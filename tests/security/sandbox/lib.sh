# Shared by the sandbox attack scripts (sourced). Each script takes the
# volt binary and the probe as arguments, so that it runs against an
# older volt too; each check prints "ok N - ..." or "not ok N - ...".
# Scratch space is made under $VOLT_TEST_TMP (the build tree): the
# default policy grants /tmp, and a state root inside a granted tree
# costs that tree its create rights (see docs/sec-policy.md, fs_deny).
set -u
# volt exits (rather than execs) under filters that forbid ptrace, which LeakSanitizer needs.
export ASAN_OPTIONS=detect_leaks=0
fails=0
n=0
# A build tree under /tmp or /var/tmp (a clone there) is inside the grant
# too: then scratch goes to /var/cache/volt-tests, which no default grants.
scratch=${VOLT_TEST_TMP:-/tmp}
case "$(realpath -m "$scratch")/" in
/tmp/* | /var/tmp/*) scratch=/var/cache/volt-tests/scratch && mkdir -p "$scratch" ;;
esac
T=$(mktemp -d "$scratch/volt-sec-sandbox-XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
export VOLT_ROOT="$T/root"

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc"; fi; }
# has FILE TEXT / lacks FILE TEXT: a fixed string in the probe's output
has() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
show() { sed 's/^/    | /' "$1"; }
finish() {
	echo "1..$n"
	if [ $fails -ne 0 ]; then
		echo "FAIL: $fails of $n checks failed"
		exit 1
	fi
	exit 0
}

# The default policy (as this volt prints it), plus execute access to
# the probe's directory: the probe is the attacker, not what is tested.
default_policy_with_probe() {
	"$VOLT" policy default | python3 -c '
import json, sys
p = json.load(sys.stdin)
p["fs_execute"].append(sys.argv[1])
print(json.dumps(p))' "$(dirname "$PROBE")" >"$1"
}

need_python() {
	command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
}
