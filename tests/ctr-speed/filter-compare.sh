#!/bin/sh
# Volt's seccomp filter is a container's only one (nspawn runs with
# SYSTEMD_SECCOMP=0): it must deny every syscall nspawn's own default
# filter denies. nspawn's denied set is measured on this machine, not
# copied: the syscall probe runs under bare systemd-nspawn with its filter
# and without it (SYSTEMD_SECCOMP=0); what the filter turns from "ran"
# into a refusal is nspawn's. The same probe then runs under `volt run`;
# each of those syscalls must be refused there too, save the documented
# exceptions (docs/ctr-start.md). Native, x32 and i386 numbers.
# usage: filter-compare.sh VOLT LAUNCHER SYSCALL_PROBE SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") probe=$(realpath "$3") src=$4
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }

# Allowed by Volt although nspawn 252 denies them; why, in docs/ctr-start.md.
exceptions="mlock munlock mlockall munlockall mlock2 adjtimex fanotify_mark pkey_mprotect pkey_alloc pkey_free
landlock_create_ruleset landlock_add_rule landlock_restrict_self process_mrelease cachestat"

tmp=$(mktemp -d /tmp/volt-ctr-speed-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sh "$src/../../images/busybox-rootfs.sh" "$tmp/image" >/dev/null || exit $?
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
sweep='/usr/local/bin/p 0 511; /usr/local/bin/p --x32 0 547; /usr/local/bin/p --i386 0 470'

nspawn() {
	systemd-nspawn -q --register=no --keep-unit --console=pipe -D "$tmp/image" --bind-ro="$probe:/usr/local/bin/p" \
		/bin/sh -c "$sweep" 2>"$tmp/err" | grep -E '^[a-z0-9:]+ (ran|denied-)' | sort
}
nspawn >"$tmp/nspawn-on"
SYSTEMD_SECCOMP=0 nspawn >"$tmp/nspawn-off"
"$volt" run --rm --rootfs "$tmp/image" -v "$probe:/usr/local/bin/p:ro" -- /bin/sh -c "$sweep" 2>"$tmp/err" |
	grep -E '^[a-z0-9:]+ (ran|denied-)' | sort >"$tmp/volt"
for f in nspawn-on nspawn-off volt; do
	n=$(wc -l <"$tmp/$f")
	[ "$n" -eq 1531 ] || { echo "FAIL: the probe under $f gave $n answers, not 1531:"; cat "$tmp/err"; exit 1; }
done

# Names from the kernel headers, where they are installed (numbers otherwise).
name() {
	case $1 in
	x32:*) h=/usr/include/x86_64-linux-gnu/asm/unistd_x32.h n=${1#x32:} ;;
	i386:*) h=/usr/include/x86_64-linux-gnu/asm/unistd_32.h n=${1#i386:} ;;
	*) h=/usr/include/x86_64-linux-gnu/asm/unistd_64.h n=$1 ;;
	esac
	s=$(awk -v n="$n" '$1 == "#define" && ($3 == n || $3 == "(__X32_SYSCALL_BIT + " n ")") { sub("__NR_", "", $2); print $2; exit }' "$h" 2>/dev/null)
	# Newer than the headers of Debian 12 (one numbering on x86-64 and i386 from 424 on).
	[ -n "$s" ] || s=$(echo "451 cachestat 452 fchmodat2 453 map_shadow_stack 454 futex_wake 455 futex_wait
		456 futex_requeue 457 statmount 458 listmount 459 lsm_get_self_attr 460 lsm_set_self_attr
		461 lsm_list_modules 462 mseal 463 setxattrat 464 getxattrat 465 listxattrat 466 removexattrat
		467 open_tree_attr" | tr -s ' \t\n' '\n\n\n' | paste - - | awk -v n="$n" '$1 == n { print $2 }')
	echo "${s:-nr$n}"
}

join "$tmp/nspawn-on" "$tmp/nspawn-off" | join - "$tmp/volt" >"$tmp/all"
denied=0 fail=0 excepted=""
while read -r nr on off volt; do
	# nspawn's filter's own denials: refused with it, reached the kernel without.
	case $on in denied-*) ;; *) continue ;; esac
	[ "$off" = ran ] || continue
	denied=$((denied + 1))
	[ "$volt" = ran ] || continue
	s=$(name "$nr")
	case " $(echo $exceptions) " in
	*" $s "*) excepted="$excepted $s" ;;
	*) echo "FAIL: $s ($nr) is denied by nspawn's filter but allowed by Volt's"; fail=1 ;;
	esac
done <"$tmp/all"
echo "nspawn's filter denies $denied syscalls that reach this kernel without it"
echo "allowed by Volt as documented exceptions:${excepted:- none}"
# Inside a container an outer manager's filter already denies most of
# nspawn's set in both runs: then nspawn's own filter cannot be measured.
if [ "$denied" -le 50 ]; then
	grep -q '^Seccomp:[[:space:]]*2' /proc/self/status &&
		{ echo "SKIP: nspawn's own filter cannot be measured here (only $denied denials: this runs under an outer seccomp filter)"; exit 77; }
	echo "FAIL: nspawn's filter seems not to have been measured ($denied denials)"
	exit 1
fi
[ $fail = 0 ] || exit 1
echo "every other one is denied under volt run"
