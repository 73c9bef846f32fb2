#!/usr/bin/env bash
# run.sh - reference 4 (issue 20): run aarch64 scenarios' guests on a real
# KVM/arm64 inside Debian's arm64 cloud kernel booted under
#   qemu-system-aarch64 -M virt,virtualization=on -cpu max (TCG with EL2)
# and cache the outcomes for `hvsim diff --ref kvm-arm64-tcg`
# (docs/kvm-reference.md, "Reference 4").
#
#   bash sim/ref/kvm-arm64-tcg/run.sh [--force] [--tries N] [--timeout SEC] SCENARIO...
#
# For each scenario `hvsim kvm SCENARIO --export` writes the image and
# prints its key; an outcome already in the cache ($HVSIM_KVM_ARM64_CACHE,
# default sim/ref/kvm-arm64-tcg/cache/KEY.out) is kept unless --force.  One
# boot per image (a VM never shares a boot), bounded by `timeout` (default
# 900 s) and retried (default 2 tries):
#   qemu-system-aarch64 -M virt,virtualization=on -cpu max -m 512 -smp 1
#     -nographic -no-reboot -kernel vmlinuz -initrd initrd
#     -append "console=ttyAMA0 panic=-1 quiet"
# ($HVSIM_KVM_ARM64_APPEND replaces "quiet", e.g. "loglevel=7" to see
# KVM's boot messages; $HVSIM_KVM_ARM64_LOGS=DIR keeps every serial log.)
# The initramfs is /init = the static runner and /images/KEY.img.  Each
# outcome is written atomically.  Needs qemu-system-aarch64 (Debian's
# qemu-system-arm), cpio, and what build.sh needs; exit status 3 (skipped)
# when a tool is missing, 1 when an outcome could not be measured, 2 on
# usage errors.  Never run in CI.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
work="${HVSIM_KVM_ARM64_WORK:-${HOME:-/root}/.cache/hvsim/kvm-arm64-tcg}"
cache="${HVSIM_KVM_ARM64_CACHE:-$root/sim/ref/kvm-arm64-tcg/cache}"
hvsim="${HVSIM:-$root/build/hvsim}"
source "$root/sim/ref/common.sh"
force=0 tries=2 tmo=900
scen=()
while [ $# -gt 0 ]; do
	case "$1" in
	--force) force=1 ;;
	--tries) tries="$2"; shift ;;
	--timeout) tmo="$2"; shift ;;
	-h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) scen+=("$1") ;;
	esac
	shift
done
[ ${#scen[@]} -gt 0 ] || { echo "usage: $0 [--force] [--tries N] [--timeout SEC] SCENARIO..." >&2; exit 2; }
[ -x "$hvsim" ] || { echo "run.sh: no hvsim binary at $hvsim (build first, or set HVSIM)" >&2; exit 2; }
command -v qemu-system-aarch64 >/dev/null || { echo "run.sh: qemu-system-aarch64 missing (apt-get install qemu-system-arm)" >&2; exit 3; }
command -v cpio >/dev/null || { echo "run.sh: cpio missing (apt-get install cpio)" >&2; exit 3; }

bst=0
bash "$root/sim/ref/kvm-arm64-tcg/build.sh" >/dev/null || bst=$?
[ $bst -eq 0 ] || exit $bst
mkdir -p "$cache"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

status=0
for sc in "${scen[@]}"; do
	key=$("$hvsim" kvm "$sc" --export "$stage/img") || { echo "run.sh: $sc: cannot be exported" >&2; status=1; continue; }
	if [ "$force" = 0 ] && [ -s "$cache/$key.out" ]; then
		echo "cached: $sc -> $cache/$key.out"
		continue
	fi
	rm -rf "$stage/root" && mkdir -p "$stage/root/images"
	cp "$work/runner" "$stage/root/init"
	cp "$stage/img" "$stage/root/images/$key.img"
	(cd "$stage/root" && find . | cpio -o -H newc --quiet) > "$stage/initrd"
	done_one=0
	for ((try = 1; try <= tries; try++)); do
		log="$stage/serial.$key.$try.log"
		qst=0
		t0=$(date +%s)
		timeout "$tmo" qemu-system-aarch64 -M virt,virtualization=on -cpu max -m 512 -smp 1 \
			-nographic -no-reboot -kernel "$work/vmlinuz" -initrd "$stage/initrd" \
			-append "console=ttyAMA0 panic=-1 ${HVSIM_KVM_ARM64_APPEND:-quiet}" </dev/null >"$log" 2>&1 || qst=$?
		[ -n "${HVSIM_KVM_ARM64_LOGS:-}" ] && mkdir -p "$HVSIM_KVM_ARM64_LOGS" && cp "$log" "$HVSIM_KVM_ARM64_LOGS/"
		echo "run.sh: $sc: boot $try: qemu status $qst, $(( $(date +%s) - t0 )) s" >&2
		ref_outcomes "$log" "$stage/out"
		out="$stage/out/$key.out"
		if [ -s "$out" ] && grep -qx end "$out"; then
			cp "$out" "$cache/$key.out.tmp.$$" && mv "$cache/$key.out.tmp.$$" "$cache/$key.out"
			echo "measured: $sc -> $cache/$key.out"
			done_one=1
			break
		fi
	done
	if [ $done_one = 0 ]; then
		keep="${TMPDIR:-/tmp}/hvsim-kvm-arm64-tcg.$key.log"
		cp "$log" "$keep"
		echo "run.sh: no outcome for $sc after $tries tries; serial log: $keep" >&2
		status=1
	fi
done
exit $status
