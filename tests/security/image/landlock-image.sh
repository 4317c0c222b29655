#!/bin/sh
# A hostile image must not widen the container's Landlock policy: a
# working directory that is "/" in disguise ("//", "/proc/..", "/./", from
# -w or the image's WorkingDir) and image links such as /var/tmp -> /,
# /opt -> /, /tmp -> / turned 0.2's default rules into write and execute
# rules on "/". The default lets a container read its whole root (its own
# overlay, docs/ctr-policy.md), so what must hold is: no write or execute
# rule on "/" in the effective policy (volt container inspect), a probe
# inside cannot create a file in "/" or in /usr, and it cannot read a host
# file, neither by its host path nor through an image link to it (the
# host's tree is not in the container's root at all). Reading /secret, a
# file planted in the image's root, works (the control that the probe
# runs under the widened default). The links are met by a --policy file too.
# usage: landlock-image.sh VOLT LAUNCHER PROBE SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") probe=$(realpath "$3") src=$4
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }
"$volt" policy show --json 2>/dev/null | grep -q '"landlock_abi": [1-9]' ||
	{ echo "SKIP: this kernel has no Landlock"; exit 77; }

tmp=$(mktemp -d /tmp/volt-sec-landlock-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
# shellcheck source=../../ctr/checks.sh
. "$src/../../ctr/checks.sh"

# A host file no container may read, world-readable on the host.
hostsecret=$tmp/host-secret
echo "host secret" >"$hostsecret"
chmod 644 "$hostsecret"

# A tree: the busybox image, /secret, /hostlink -> the host file, and LINK -> / when given.
tree() { # DIR [LINK]
	sh "$src/../../../images/busybox-rootfs.sh" "$1" || exit $?
	mkdir -p "$1/var/tmp" "$1/opt"
	echo "image secret" >"$1/secret"
	chmod 644 "$1/secret"
	ln -s "$hostsecret" "$1/hostlink"
	if [ -n "${2:-}" ]; then
		rm -rf "${1:?}/$2"
		ln -s / "$1/$2"
	fi
}

# The policy of container NAME has no write or execute rule on "/" (however it is spelt).
policy_has_no_root() { # NAME LABEL
	"$volt" container inspect "$1" >"$tmp/inspect.json" 2>&1 || { fail "$2: inspect: $(cat "$tmp/inspect.json")"; return; }
	python3 - "$tmp/inspect.json" <<'PY' || fail "$2: the effective policy has a write or execute rule on /"
import json, os, sys
p = json.load(open(sys.argv[1]))["policy"]
bad = [(k, v) for k in ("fs_write", "fs_execute") for v in p.get(k, [])
       if os.path.normpath(v).lstrip("/") in ("", ".")]
print("  write/execute rules on /:", bad if bad else "none")
sys.exit(1 if bad else 0)
PY
}

# case LABEL IMAGE-ARGS...: run the probe in a container of IMAGE-ARGS.
case_run() {
	label=$1
	shift
	n_case=$((n_case + 1))
	name=case$n_case
	"$volt" run --name "$name" -v "$probe:/usr/local/bin/probe-image:ro" "$@" -- \
		/usr/local/bin/probe-image write:/pwned write:/usr/pwned read:"$hostsecret" read:/hostlink \
		>"$tmp/out" 2>&1
	rc=$?
	sed 's/^/  | /' "$tmp/out"
	if ! grep -q "^PROBE 0 allowed" "$tmp/out"; then
		fail "$label: the probe was not denied everything (exit $rc)"
	fi
	# The control: the probe ran under a policy that reads the image's root.
	if [ -z "$policy_arg" ]; then
		"$volt" run --rm -v "$probe:/usr/local/bin/probe-image:ro" "$@" -- \
			/usr/local/bin/probe-image read:/secret >"$tmp/out" 2>&1
		grep -q "^PROBE read /secret: ALLOWED" "$tmp/out" ||
			{ fail "$label: /secret in the image's root is not readable"; sed 's/^/  | /' "$tmp/out"; }
	fi
	policy_has_no_root "$name" "$label"
	"$volt" rm --force "$name" >/dev/null 2>&1
}

n_case=0
policy_arg=
tree "$tmp/plain"
for l in var/tmp opt tmp; do tree "$tmp/link-$(echo $l | tr / -)" "$l"; done

echo "== the plain image: the probe's attempts are denied (the baseline)"
case_run "plain" --rootfs "$tmp/plain"
echo "== -w as / in disguise"
for w in // /proc/.. /./ /tmp/../; do
	echo "-- -w $w"
	case_run "workdir $w" --rootfs "$tmp/plain" -w "$w"
done
echo "== image links to /"
for l in var-tmp opt tmp; do
	echo "-- /$(echo $l | tr - /) -> /"
	case_run "link $l" --rootfs "$tmp/link-$l"
done

echo "== a policy given with --policy meets the same links"
"$volt" policy default >"$tmp/user-policy.json" || fail "volt policy default"
policy_arg=1
for l in var-tmp opt tmp; do
	echo "-- --policy (the default, as a file), /$(echo $l | tr - /) -> /"
	case_run "user policy, link $l" --rootfs "$tmp/link-$l" --policy "$tmp/user-policy.json"
done

policy_arg=
echo "== the plain image: ls / works (the whole root is readable)"
expect 0 "secret" "$volt" run --rm --rootfs "$tmp/plain" -- ls /

echo "== the image's WorkingDir as / in disguise"
if command -v python3 >/dev/null; then
	i=0
	for w in // /proc/.. /./; do
		i=$((i + 1))
		cat >"$tmp/spec$i.json" <<JSON
{"name": "wd$i", "config": {"WorkingDir": "$w", "Cmd": ["/bin/sh"]},
 "layers": [{"entries": [{"path": "", "type": "tree", "source": "$tmp/plain"}]}]}
JSON
		python3 "$src/../../img/oci-layout.py" "$tmp/spec$i.json" "$tmp/layout$i" >/dev/null || fail "oci-layout.py"
		tar -C "$tmp/layout$i" -cf "$tmp/wd$i.tar" . || fail "tar"
		expect 0 "" "$volt" image import --name "hostile-wd$i" "$tmp/wd$i.tar"
		echo "-- WorkingDir $w"
		case_run "image workdir $w" "hostile-wd$i"
	done
fi

finish
