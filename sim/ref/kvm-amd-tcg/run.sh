#!/usr/bin/env bash
# run.sh - reference 2: run scenarios' guests on a real kvm_amd inside a
# Debian kernel booted under QEMU TCG with an SVM-capable CPU, and cache the
# outcomes for `hvsim diff --ref kvm-amd-tcg` (docs/kvm-reference.md).
#
#   bash sim/ref/kvm-amd-tcg/run.sh [--force] [--tries N] [--timeout SEC]
#        [--selftest PROGRAM]... [SCENARIO...]
#
# For each scenario `hvsim kvm SCENARIO --export` writes the guest image and
# prints its key (a hash of the image); an outcome already in the cache
# ($HVSIM_KVM_TCG_CACHE, default sim/ref/kvm-amd-tcg/cache/KEY.out) is kept
# unless --force.  The missing ones go into one initramfs (/init = the static
# runner, /modules, /images) and one boot:
#   qemu-system-x86_64 -accel tcg -cpu qemu64,+svm,+npt -m 512 -smp 1 -nographic
#     -no-reboot -kernel vmlinuz -initrd initrd -append "console=ttyS0 panic=-1 quiet"
# bounded by `timeout` (default 600 s) and retried (default 3 tries) for the
# outcomes still missing; one boot per scenario (see below).  Each outcome
# is written atomically as KEY.out (its trailer after "end": KVM's path
# length per exit reason in TSC ticks, host time under TCG).
# $HVSIM_KVM_MODULES names another directory with {irqbypass,kvm,kvm-amd}.ko
# (KVM rebuilt with a patch: sim/ref/kvm-patch/run.sh).  $HVSIM_KVM_TCG_CPU
# replaces the -cpu model (default qemu64,+svm,+npt; Linux 6.12 boots reliably
# only with qemu64,+svm,+npt,-cx16: docs/kvm-reference.md, "Another kernel").
# --selftest PROGRAM (a static KVM selftest, sim/ref/kvm-selftest/) boots
# once with PROGRAM in /tests and prints its console section.
# The hvsim binary is $HVSIM or build/hvsim.  Exit status 0 when every
# scenario has an outcome, 1 otherwise (the serial log path is printed),
# 2 on usage errors.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
work="${HVSIM_KVM_TCG_WORK:-${HOME:-/root}/.cache/hvsim/kvm-amd-tcg}"
cache="${HVSIM_KVM_TCG_CACHE:-$root/sim/ref/kvm-amd-tcg/cache}"
hvsim="${HVSIM:-$root/build/hvsim}"
mods="${HVSIM_KVM_MODULES:-$work/modules}"
cpu="${HVSIM_KVM_TCG_CPU:-qemu64,+svm,+npt}"
force=0 tries=3 tmo=600
scen=() selftests=()
while [ $# -gt 0 ]; do
	case "$1" in
	--force) force=1 ;;
	--tries) tries="$2"; shift ;;
	--timeout) tmo="$2"; shift ;;
	--selftest) selftests+=("$2"); shift ;;
	-h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) scen+=("$1") ;;
	esac
	shift
done
[ ${#scen[@]} -gt 0 ] || [ ${#selftests[@]} -gt 0 ] || { echo "usage: $0 [--force] [--tries N] [--timeout SEC] SCENARIO..." >&2; exit 2; }
[ -x "$hvsim" ] || { echo "run.sh: no hvsim binary at $hvsim (build first, or set HVSIM)" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "run.sh: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 1; }
command -v cpio >/dev/null || { echo "run.sh: cpio missing (apt-get install cpio)" >&2; exit 1; }

bash "$root/sim/ref/kvm-amd-tcg/build.sh" >/dev/null
mkdir -p "$cache"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/root/modules" "$stage/root/images"
cp "$work/runner" "$stage/root/init"
for m in irqbypass kvm kvm-amd; do cp "$mods/$m.ko" "$stage/root/modules/"; done

# One QEMU boot of an initramfs: qemu_boot INITRD SERIAL-LOG; QEMU's status.
qemu_boot() {
	local st=0
	timeout "$tmo" qemu-system-x86_64 -accel tcg -cpu "$cpu" -m 512 -smp 1 \
		-nographic -no-reboot -kernel "$work/vmlinuz" -initrd "$1" \
		-append "console=ttyS0 panic=-1 quiet" </dev/null >"$2" 2>&1 || st=$?
	return $st
}

status=0
if [ ${#selftests[@]} -gt 0 ]; then
	mkdir -p "$stage/st/modules" "$stage/st/tests"
	cp "$stage/root/init" "$stage/st/init"
	cp "$stage/root/modules/"*.ko "$stage/st/modules/"
	cp "${selftests[@]}" "$stage/st/tests/"
	(cd "$stage/st" && find . | cpio -o -H newc --quiet) > "$stage/st.initrd"
	t0=$(date +%s)
	qst=0
	qemu_boot "$stage/st.initrd" "$stage/selftest.log" || qst=$?
	echo "run.sh: selftest boot: qemu status $qst, $(( $(date +%s) - t0 )) s" >&2
	tr -d '\r' < "$stage/selftest.log" | sed -n '/^=== hvsim-selftest /,/^=== selftest-exit /p'
	keep="${TMPDIR:-/tmp}/hvsim-kvm-amd-tcg.selftest.log"
	cp "$stage/selftest.log" "$keep"
	tr -d '\r' < "$keep" | grep -q '^=== selftest-exit ' || { echo "run.sh: no selftest result; serial log $keep" >&2; status=1; }
fi

declare -A name_of=()
source "$root/sim/ref/common.sh"
for sc in "${scen[@]}"; do
	ref_export "$sc" "$stage/root/images" || continue
	name_of[$REF_KEY]="$sc"
done

# One boot per image: under QEMU TCG, breakpoints that one VM armed through
# native MOV DR7 survive into the next VM of the same boot (observed: a
# spurious #DB at an address of the previous scenario's DR0; see
# docs/kvm-reference.md "tcg-stale-breakpoints"), so VMs never share a boot.
for img in "$stage/root/images/"*.img; do
	[ -e "$img" ] || continue
	key=$(basename "$img" .img)
	mkdir -p "$stage/one/modules" "$stage/one/images"
	rm -f "$stage/one/images/"*
	cp "$stage/root/init" "$stage/one/init"
	cp "$stage/root/modules/"*.ko "$stage/one/modules/"
	cp "$img" "$stage/one/images/"
	(cd "$stage/one" && find . | cpio -o -H newc --quiet) > "$stage/initrd"
	done_one=0
	for ((try = 1; try <= tries; try++)); do
		log="$stage/serial.$key.$try.log"
		qst=0
		qemu_boot "$stage/initrd" "$log" || qst=$?
		[ $qst -eq 0 ] || echo "run.sh: ${name_of[$key]}: qemu exit status $qst (124 = timeout after ${tmo}s), try $try/$tries" >&2
		ref_outcomes "$log" "$stage/out"
		out="$stage/out/$key.out"
		if [ -s "$out" ] && grep -qx end "$out"; then
			cp "$out" "$cache/$key.out.tmp.$$" && mv "$cache/$key.out.tmp.$$" "$cache/$key.out"
			echo "measured: ${name_of[$key]} -> $cache/$key.out"
			done_one=1
			break
		fi
		# say why this try gave nothing (a guest kernel oops or panic, e.g.)
		why=$(tr -d '\r' < "$log" | grep -m1 -E 'Oops|BUG:|Kernel panic|hvsim-runner: .*(error|fail)' | sed 's/^\[ *[0-9.]*\] //' || true)
		echo "run.sh: ${name_of[$key]}: no outcome in try $try/$tries (qemu status $qst)${why:+: $why}" >&2
	done
	if [ $done_one = 0 ]; then
		keep="${TMPDIR:-/tmp}/hvsim-kvm-amd-tcg.$key.log"
		cp "$log" "$keep"
		echo "run.sh: no outcome for ${name_of[$key]} after $tries tries; serial log: $keep" >&2
		status=1
	fi
done
exit $status
