#!/usr/bin/env bash
# calibrate-cost.sh - measure KVM's exit costs on this machine's /dev/kvm
# (kvm_intel or kvm_amd) and write a cost model (docs/cost-models.md).
#
#   bash scripts/calibrate-cost.sh [--runs N] [--base MODEL] [-o FILE] [--force]
#
# kvm-unit-tests `vmexit`-style loops, each run through `hvsim kvm` (the
# guest image hvsim simulates, on the real hypervisor), median wall time of
# N runs (default 7), cycles = ns x the CPU clock of /proc/cpuinfo:
#   tests/data/kvmref_baseline_loop.yaml   no exit but the final HLT (the fixed cost of a run)
#   tests/data/calib_vmcall.yaml           100 x VMCALL  (calib_vmmcall.yaml on AMD): the cheapest in-kernel exit
#   scenarios/kvmref_cpuid.yaml            100 x CPUID
#   tests/data/calib_out_loop.yaml         1000 x OUT: exit to user space and back
#   scenarios/kvmref_dr7_writes.yaml       1000 x (MOV DR7; OUT): each MOV DR7 exits (lazy switch re-armed by the OUT)
# Per exit: (loop - baseline) / count (MOV DR: (dr7 loop - OUT loop) / 1000).
# The model written is MODEL (default skylake on Intel, zen5 on AMD) with
#   hv.handler       = vmcall round trip - the model's transitions and mitigations
#   hv.handler_cpuid = cpuid - vmcall,  hv.handler_io = out - vmcall
# each with the spread of the runs as its range and "measured" as its source,
# and @cpu (from /proc/cpuinfo), @kernel, @date of this machine.
#
# /dev/kvm must be kvm_intel or kvm_amd: anything else (kvm_pvm, where guest
# CPL-0 code runs in KVM's instruction emulator and there is no VMX/SVM
# transition) is skipped with exit 3, unless --force, which measures what is
# there and says so in every line it writes (for testing the recipe).
# Exit codes: 0 written, 2 usage, 3 skipped, 1 a measurement failed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hvsim="${HVSIM:-$root/build/hvsim}"
out=""
runs=7
base=""
force=0
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs="$2"; shift ;;
	--base) base="$2"; shift ;;
	-o) out="$2"; shift ;;
	--force) force=1 ;;
	*) echo "usage: $0 [--runs N] [--base MODEL] [-o FILE] [--force]" >&2; exit 2 ;;
	esac
	shift
done
case "$runs" in '' | *[!0-9]* | 0) echo "calibrate-cost.sh: --runs wants a positive number" >&2; exit 2 ;; esac
[ -x "$hvsim" ] || { echo "calibrate-cost.sh: no hvsim at $hvsim (set HVSIM)" >&2; exit 2; }

# the hypervisor behind /dev/kvm
set +e
probe=$("$hvsim" kvm "$root/scenarios/kvmref_cpuid.yaml" --format outcome 2>/dev/null)
st=$?
set -e
if [ $st -eq 3 ] || [ -z "$probe" ]; then
	echo "calibrate-cost.sh: no usable /dev/kvm: skipped" >&2
	exit 3
fi
module=$(sed -n 's/^module //p' <<<"$probe")
case "$module" in
kvm_intel) vendor=vmx; call=calib_vmcall; : "${base:=skylake}" ;;
kvm_amd) vendor=svm; call=calib_vmmcall; : "${base:=zen5}" ;;
*)
	if [ $force -eq 0 ]; then
		echo "calibrate-cost.sh: /dev/kvm is $module, not kvm_intel or kvm_amd: no VT-x/AMD-V exit to measure: skipped" >&2
		exit 3
	fi
	vendor=vmx; call=""; : "${base:=skylake}" ;;
esac
basefile="$root/cpu/costs/$base.cost"
[ -r "$basefile" ] || { echo "calibrate-cost.sh: no model $basefile" >&2; exit 2; }
: "${out:=$root/cpu/costs/measured-$(hostname -s 2>/dev/null || echo host).cost}"

# "MEDIAN MIN MAX" elapsed ns of $runs runs of scenario $1
measure() {
	local f="$1" i o vals=()
	for ((i = 0; i < runs; i++)); do
		set +e
		o=$("$hvsim" kvm "$root/$f" --format outcome 2>/dev/null)
		local s=$?
		set -e
		[ $s -eq 0 ] || { echo "calibrate-cost.sh: hvsim kvm $f: exit $s" >&2; exit 1; }
		grep -q '^stop halt' <<<"$o" || { echo "calibrate-cost.sh: $f did not halt" >&2; exit 1; }
		vals+=("$(sed -n 's/^elapsed_ns //p' <<<"$o")")
	done
	printf '%s\n' "${vals[@]}" | sort -n | awk -v n="$runs" '{ v[NR] = $1 } END { print v[int((n + 1) / 2)], v[1], v[n] }'
}

mhz=$(awk -F: '/^cpu MHz/ { printf "%d", $2; exit }' /proc/cpuinfo)
[ -n "$mhz" ] && [ "$mhz" -gt 0 ] || { echo "calibrate-cost.sh: no CPU clock in /proc/cpuinfo" >&2; exit 1; }
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
kernel=$(uname -r)
today=$(date -u +%Y-%m-%d)

read -r b_ns b_lo b_hi < <(measure tests/data/kvmref_baseline_loop.yaml)
read -r c_ns c_lo c_hi < <(measure scenarios/kvmref_cpuid.yaml)
read -r o_ns o_lo o_hi < <(measure tests/data/calib_out_loop.yaml)
read -r d_ns d_lo d_hi < <(measure scenarios/kvmref_dr7_writes.yaml)
if [ -n "$call" ]; then
	read -r v_ns v_lo v_hi < <(measure "tests/data/$call.yaml")
else                                   # --force on a hypervisor without the hypercall: CPUID stands in
	v_ns=$c_ns v_lo=$c_lo v_hi=$c_hi
fi

# cycles per exit: (loop - baseline) / n at the median, and the spread (min loop - max base .. max loop - min base)
cyc() { awk -v t="$1" -v b="$2" -v n="$3" -v m="$mhz" 'BEGIN { x = (t - b) / n * m / 1000; if (x < 0) x = 0; printf "%d", x + 0.5 }'; }
v=$(cyc "$v_ns" "$b_ns" 100) v_l=$(cyc "$v_lo" "$b_hi" 100) v_h=$(cyc "$v_hi" "$b_lo" 100)
c=$(cyc "$c_ns" "$b_ns" 100) c_l=$(cyc "$c_lo" "$b_hi" 100) c_h=$(cyc "$c_hi" "$b_lo" 100)
o=$(cyc "$o_ns" "$b_ns" 1000) o_l=$(cyc "$o_lo" "$b_hi" 1000) o_h=$(cyc "$o_hi" "$b_lo" 1000)
d=$(cyc "$d_ns" "$o_ns" 1000) d_l=$(cyc "$d_lo" "$o_hi" 1000) d_h=$(cyc "$d_hi" "$o_lo" 1000)

# the base model's hardware share of a round trip (transitions + mitigations)
val() { sed -n "s/^$1 *= *\([0-9]*\).*/\1/p" "$basefile"; }
if [ $vendor = vmx ]; then
	hw=$(( $(val vmx.exit) + $(val vmx.entry) + $(val vmx.entry_load_debug) ))
else
	hw=$(( $(val svm.exit) + $(val svm.vmrun) ))
fi
hw=$(( hw + $(val mitig.l1d_flush) + $(val mitig.verw) + $(val mitig.ibpb_rsb) ))
sub() { local x=$(( $1 - $2 )); [ $x -lt 0 ] && x=0; echo $x; }
lohi() {                               # VALUE LO HI -> "VALUE [LO..HI]" with LO <= VALUE <= HI
	local x=$1 l=$2 h=$3
	[ "$l" -gt "$x" ] && l=$x
	[ "$h" -lt "$x" ] && h=$x
	echo "$x [$l..$h]"
}
h_pt=$(sub "$v" "$hw") h_lo=$(sub "$v_l" "$hw") h_hi=$(sub "$v_h" "$hw")
hc_pt=$(sub "$c" "$v") hc_lo=$(sub "$c_l" "$v_h") hc_hi=$(sub "$c_h" "$v_l")
hi_pt=$(sub "$o" "$v") hi_lo=$(sub "$o_l" "$v_h") hi_hi=$(sub "$o_h" "$v_l")
note=""
[ $force -eq 1 ] && [ "$module" != kvm_intel ] && [ "$module" != kvm_amd ] &&
	note=" NOT a VT-x/AMD-V exit: $module, --force"
what="measured on this machine ($module, $today, median of $runs)$note"

tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
{
	echo "# hvsim cost model measured by scripts/calibrate-cost.sh on $(hostname -s 2>/dev/null || echo this host); do not edit."
	echo "# Regenerate: bash scripts/calibrate-cost.sh -o $(basename "$out")   (docs/cost-models.md)"
	echo "# /dev/kvm: $module; kernel $kernel; CPU clock $mhz MHz; $runs runs each, median (range = spread of the runs):"
	echo "#   baseline (no exit) $b_ns ns; 100 x ${call:-CPUID (stand-in)} $v_ns ns; 100 x CPUID $c_ns ns;"
	echo "#   1000 x OUT to user space $o_ns ns; 1000 x (MOV DR7; OUT) $d_ns ns"
	echo "#   -> round trips: ${call:-cpuid} $v, CPUID $c, OUT to user space $o, one MOV DR7 exit $d cycles"
	echo "# The hardware share of a round trip ($hw cycles: transitions + mitigations) is $base.cost's."
	echo "# Everything else: cpu/costs/$base.cost, with its sources."
	echo "@cpu $cpu ($module on this machine)$note"
	echo "@kernel $kernel"
	echo "@date $today"
	echo "@source M1 $what: loops of kvm-unit-tests x86/vmexit.c style through hvsim kvm"
	# the base's per-kernel handler lines (hv.handler*@KERNEL, Bochs reference)
	# do not apply: the measurement is this machine's kernel
	sed -e '/^@cpu /d' -e '/^@kernel /d' -e '/^@date /d' -e '/^# hvsim cost model:/d' \
	    -e '/^hv\.handler[a-z_]*@/d' \
	    -e "s/^hv.handler *=.*/hv.handler       = $(lohi "$h_pt" "$h_lo" "$h_hi")   # M1: ${call:-cpuid} round trip $v - hardware share $hw/" \
	    -e "s/^hv.handler_cpuid *=.*/hv.handler_cpuid = $(lohi "$hc_pt" "$hc_lo" "$hc_hi")   # M1: CPUID round trip $c - ${call:-cpuid} $v/" \
	    -e "s/^hv.handler_io *=.*/hv.handler_io    = $(lohi "$hi_pt" "$hi_lo" "$hi_hi")   # M1: OUT to user space and back $o - ${call:-cpuid} $v/" \
	    "$basefile"
} > "$tmp"
# the model must load (citations, ranges): hvsim refuses it otherwise
"$hvsim" run "$root/scenarios/kvmref_cpuid.yaml" --vendor $vendor --cost "$tmp" > /dev/null
mv "$tmp" "$out"
trap - EXIT
echo "calibrate-cost.sh: wrote $out (hv.handler $h_pt, hv.handler_cpuid $hc_pt, hv.handler_io $hi_pt cycles; MOV DR7 exit $d)"
