#!/usr/bin/env bash
# run.sh - patch in the loop: the real KVM rebuilt with a patch, next to
# hvsim's prediction for the policy that models the patch
# (docs/kvm-reference.md, "Patch in the loop").
#
#   bash sim/ref/kvm-patch/run.sh [--ref kvm-intel-bochs|kvm-amd-tcg|both]
#        [-p POLICY] [--force] [--rebuild] [--build-only] PATCH|- SCENARIO...
#
# 1. sim/ref/kvm-patch/build.sh PATCH builds kvm.ko, kvm-intel.ko and
#    kvm-amd.ko from Debian's linux-source with PATCH applied (cached by
#    kernel version and patch hash in ~/.cache/hvsim/kvm-patch/KVER/HASH/);
#    "-" builds them unpatched (the control: same build, no patch).
# 2. the reference's run.sh boots with those modules
#    (HVSIM_KVM_MODULES) and caches the outcomes outside the repository, in
#    ~/.cache/hvsim/kvm-patch/results/REF/CRC-LEN (`cksum PATCH`; the
#    directory `hvsim diff --kvm-patch PATCH` reads; "-": .../REF/unpatched).
# 3. hvsim diff --ref REF --kvm-patch PATCH [-p POLICY] SCENARIO, per
#    scenario and reference.
# --force measures again (cached outcomes are kept otherwise); --rebuild
# builds the modules again.  Default reference: kvm-intel-bochs.  Exit status: 0 when every diff had
# no unexplained difference, 5 otherwise, 1 when a build or boot failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
work="${HVSIM_KVM_PATCH_WORK:-${HOME:-/root}/.cache/hvsim/kvm-patch}"
hvsim="${HVSIM:-$root/build/hvsim}"
refs=(kvm-intel-bochs) policy="" force=() rebuild=() buildonly=0 patch="" scen=()
while [ $# -gt 0 ]; do
	case "$1" in
	--ref) case "$2" in both) refs=(kvm-intel-bochs kvm-amd-tcg) ;; *) refs=("$2") ;; esac; shift ;;
	-p|--policy) policy="$2"; shift ;;
	--force) force=(--force) ;;
	--rebuild) rebuild=(--force) ;;
	--build-only) buildonly=1 ;;
	-h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-) [ -z "$patch" ] && patch=- || scen+=("$1") ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) if [ -z "$patch" ]; then patch="$1"; else scen+=("$1"); fi ;;
	esac
	shift
done
[ -n "$patch" ] || { echo "usage: $0 [--ref kvm-intel-bochs|kvm-amd-tcg|both] [-p POLICY] [--force] PATCH|- SCENARIO..." >&2; exit 2; }

# the reference kernels must exist before the modules are built for them
for r in "${refs[@]}"; do
	case "$r" in
	kvm-intel-bochs|kvm-amd-tcg) bash "$root/sim/ref/$r/build.sh" >/dev/null ;;
	*) echo "run.sh: unknown reference $r" >&2; exit 2 ;;
	esac
done
t0=$(date +%s)
mods=$(bash "$here/build.sh" ${rebuild[@]+"${rebuild[@]}"} "$patch")
echo "run.sh: modules $mods ($(( $(date +%s) - t0 )) s)" >&2
[ "$buildonly" = 0 ] || exit 0
[ ${#scen[@]} -gt 0 ] || { echo "run.sh: no scenario" >&2; exit 2; }

if [ "$patch" = - ]; then
	key=unpatched
else
	key=$(cksum < "$patch" | awk '{ print $1 "-" $2 }')
fi
status=0
for r in "${refs[@]}"; do
	res="$work/results/$r/$key"
	mkdir -p "$res"
	case "$r" in
	kvm-intel-bochs) cvar=HVSIM_KVM_BOCHS_CACHE ;;
	*) cvar=HVSIM_KVM_TCG_CACHE ;;
	esac
	env HVSIM_KVM_MODULES="$mods" "$cvar=$res" bash "$root/sim/ref/$r/run.sh" ${force[@]+"${force[@]}"} "${scen[@]}" || { status=1; continue; }
	[ "$patch" = - ] && continue   # the control is read with --cache
	for sc in "${scen[@]}"; do
		st=0
		"$hvsim" diff --ref "$r" --kvm-patch "$patch" ${policy:+-p "$policy"} "$sc" || st=$?
		[ $st = 0 ] || [ $st = 3 ] || { [ $status = 1 ] || status=5; }
	done
done
exit $status
