#!/usr/bin/env bash
# check_calibrate.sh - scripts/calibrate-cost.sh against what this machine
# offers: with kvm_intel/kvm_amd it writes a model hvsim loads (exit 0);
# on anything else (kvm_pvm, no /dev/kvm) it skips with exit 3 and writes
# nothing; on kvm_pvm, --force runs the whole recipe and the model it
# writes records the CPU, kernel and date and loads.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export HVSIM="${HVSIM:-$root/build/hvsim}"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
bash "$root/scripts/calibrate-cost.sh" --runs 1 -o "$d/m.cost" 2>"$d/err"
st=$?
case $st in
0) v=$(sed -n 's/^@vendor //p' "$d/m.cost")   # a model prices only its vendor's runs
   "$HVSIM" run "$root/scenarios/kvmref_cpuid.yaml" --vendor "${v:-vmx}" --cost "$d/m.cost" >/dev/null || exit 1 ;;
3) [ ! -e "$d/m.cost" ] || { echo "skipped but wrote a model"; exit 1; }
   grep -q "skipped" "$d/err" || { echo "no skip message"; cat "$d/err"; exit 1; } ;;
*) echo "calibrate-cost.sh exited $st"; cat "$d/err"; exit 1 ;;
esac
if [ -e /sys/module/kvm_pvm ]; then
	bash "$root/scripts/calibrate-cost.sh" --runs 1 --force -o "$d/f.cost" >/dev/null || exit 1
	for k in '^@cpu .*kvm_pvm' '^@kernel ' '^@date 20' '^hv.handler_io *= [0-9]* \[[0-9]*\.\.[0-9]*\] *# M1'; do
		grep -q "$k" "$d/f.cost" || { echo "model lacks $k"; exit 1; }
	done
	# the base's Bochs handler lines for other kernels are dropped: measured here
	! grep -q '^hv\.handler[a-z_]*@' "$d/f.cost" || { echo "model keeps the base's hv.handler*@KERNEL lines"; exit 1; }
	"$HVSIM" run "$root/scenarios/kvmref_cpuid.yaml" --cost "$d/f.cost" >/dev/null || exit 1
fi
echo "calibrate-cost.sh: exit $st, ok"
