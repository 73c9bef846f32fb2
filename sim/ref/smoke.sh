#!/usr/bin/env bash
# smoke.sh - boot each booted KVM reference once on one scenario and check
# that the fresh outcome equals the committed one (docs/kvm-reference.md,
# "Smoke test").  Not run by CI: it needs QEMU / Bochs and minutes of CPU.
#
#   bash sim/ref/smoke.sh [--ref kvm-amd-tcg|kvm-intel-bochs|both] [SCENARIO]
#
# Default scenario scenarios/kvmref_dr0_writes.yaml, default both
# references (a reference whose emulator is not installed is skipped).  The
# outcome goes to a temporary cache (the committed one is not touched) and
# is compared with the committed outcome without the lines that vary from
# boot to boot (kernel, as the archive moves on; elapsed_ns, stat, the noise
# exit reasons and the trailer).
# Exit status 0 when every reference that ran agreed, 1 otherwise.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
hvsim="${HVSIM:-$root/build/hvsim}"
refs=(kvm-amd-tcg kvm-intel-bochs) sc="$root/scenarios/kvmref_dr0_writes.yaml"
while [ $# -gt 0 ]; do
	case "$1" in
	--ref) case "$2" in both) ;; *) refs=("$2") ;; esac; shift ;;
	-h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) sc="$1" ;;
	esac
	shift
done
key=$("$hvsim" kvm "$sc" --export /dev/null)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the parts of an outcome that must be equal between boots
body() {
	sed '/^end$/q' "$1" | grep -v -e '^kernel ' -e '^elapsed_ns ' -e '^stat ' -e '^exit_reason 0x1 ' -e '^exit_reason 0x7 ' \
		-e '^exit_reason 0x30 ' -e '^exit_reason 0x60 ' -e '^exit_reason 0x64 ' -e '^exit_reason 0x400 '
}
status=0
for r in "${refs[@]}"; do
	case "$r" in
	kvm-amd-tcg) need=qemu-system-x86_64 cvar=HVSIM_KVM_TCG_CACHE ;;
	kvm-intel-bochs) need=bochs cvar=HVSIM_KVM_BOCHS_CACHE ;;
	*) echo "smoke.sh: unknown reference $r" >&2; exit 2 ;;
	esac
	if ! command -v "$need" >/dev/null; then
		echo "smoke: $r: skipped ($need not installed)"
		continue
	fi
	mkdir -p "$tmp/$r"
	t0=$(date +%s)
	if ! env "$cvar=$tmp/$r" bash "$root/sim/ref/$r/run.sh" --force --tries 1 "$sc" >"$tmp/$r.log" 2>&1; then
		echo "smoke: $r: FAILED to measure ($(( $(date +%s) - t0 )) s):"; tail -5 "$tmp/$r.log"
		status=1
		continue
	fi
	committed="$root/sim/ref/$r/cache/$key.out"
	if [ ! -s "$committed" ]; then
		echo "smoke: $r: booted and measured in $(( $(date +%s) - t0 )) s; no committed outcome to compare"
	elif diff <(body "$committed") <(body "$tmp/$r/$key.out") >"$tmp/$r.diff"; then
		echo "smoke: $r: ok, same outcome as committed, $(( $(date +%s) - t0 )) s"
	else
		echo "smoke: $r: DIFFERENT from the committed outcome ($(( $(date +%s) - t0 )) s):"; cat "$tmp/$r.diff"
		status=1
	fi
done
exit $status
