#!/usr/bin/env bash
# run.sh - run a static KVM selftest (default debug_regs, built by
# sim/ref/kvm-selftest/build.sh) inside the booted references and print its
# verdict per reference (docs/kvm-reference.md, "The references checked
# themselves").
#
#   bash sim/ref/kvm-selftest/run.sh [--ref kvm-intel-bochs|kvm-amd-tcg|both] [TEST]
#
# Each reference's run.sh boots once with the program in /tests of the
# initramfs; the runner (sim/ref/runner.c) runs it after loading the
# modules and prints its output and exit status.  Exit status 0 when the
# test passed on every reference that ran, 1 otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
refs=(kvm-intel-bochs kvm-amd-tcg) test=x86_64/debug_regs
while [ $# -gt 0 ]; do
	case "$1" in
	--ref) case "$2" in both) ;; *) refs=("$2") ;; esac; shift ;;
	-h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) test="$1" ;;
	esac
	shift
done
bin=$(bash "$here/build.sh" "$test")
status=0
for r in "${refs[@]}"; do
	t0=$(date +%s)
	out=$(bash "$root/sim/ref/$r/run.sh" --selftest "$bin" 2>&1) || true
	echo "$out" | sed "s/^/[$r] /"
	v=$(echo "$out" | sed -n 's/^=== selftest-exit [^ ]* \(.*\) ===$/\1/p' | tail -1)
	if [ "$v" = 0 ]; then
		echo "selftest $(basename "$bin") on $r: PASS (exit 0, $(( $(date +%s) - t0 )) s)"
	else
		echo "selftest $(basename "$bin") on $r: FAIL (${v:-no result}, $(( $(date +%s) - t0 )) s)"
		status=1
	fi
done
exit $status
