#!/usr/bin/env bash
# run.sh - reference 3: run scenarios' guests on a real kvm_intel inside a
# Debian kernel booted under Bochs with a VMX-capable CPU, and cache the
# outcomes for `hvsim diff --ref kvm-intel-bochs` (docs/kvm-reference.md).
#
#   bash sim/ref/kvm-intel-bochs/run.sh [--force] [--tries N] [--timeout SEC]
#        [--per-boot N] [--log DIR] [--run-ms MS] [--append ARGS]
#        [--selftest PROGRAM]... [SCENARIO...]
#
# For each scenario `hvsim kvm SCENARIO --export` writes the guest image and
# prints its key (a hash of the image); an outcome already in the cache
# ($HVSIM_KVM_BOCHS_CACHE, default sim/ref/kvm-intel-bochs/cache/KEY.out)
# is kept unless --force.  The missing ones go into one initramfs (/init =
# the static runner, /modules, /images), on an isolinux CD image, and one
# Bochs boot runs them all (--per-boot N: at most N images per boot):
#   bochs -q -f bochsrc -rc cont   (cpu: model=corei7_skylake_x,
#     ips=150000000; clock: sync=none; CD boot; COM1 to a file; display
#     "term" on a pseudo-terminal made by script(1), its screen discarded)
# bounded by `timeout` (default 1800 s) and retried (default 2 tries) for
# the outcomes still missing.  Each outcome is written atomically as
# KEY.out; lines after its "end" (exit_path, exit_qual, measure: KVM's path
# length from kvm_exit to kvm_entry in instructions) are extra.
# --selftest PROGRAM (a static KVM selftest, sim/ref/kvm-selftest/) boots
# once more with PROGRAM in /tests and prints its console section.
# --run-ms MS bounds each guest run in the booted kernel's clock (default
# 2000: ~7 G Bochs instructions, see sim/ref/runner.c; only a guest that
# never stops gets there); --append adds kernel command-line arguments.
# $HVSIM_KVM_MODULES names another directory with {irqbypass,kvm,kvm-intel}.ko
# (KVM rebuilt with a patch: sim/ref/kvm-patch/run.sh).
# The hvsim binary is $HVSIM or build/hvsim.  Exit status 0 when every
# scenario has an outcome, 1 otherwise (the serial log path is printed),
# 2 on usage errors.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${HVSIM_ROOT:-$(cd "$here/../../.." && pwd)}"
work="${HVSIM_KVM_BOCHS_WORK:-${HOME:-/root}/.cache/hvsim/kvm-intel-bochs}"
cache="${HVSIM_KVM_BOCHS_CACHE:-$here/cache}"
hvsim="${HVSIM:-$root/build/hvsim}"
mods="${HVSIM_KVM_MODULES:-$work/modules}"
force=0 tries=2 tmo=1800 perboot=1000 logdir="" runms=2000 append=""
scen=() selftests=() boot_tests=()
while [ $# -gt 0 ]; do
	case "$1" in
	--force) force=1 ;;
	--tries) tries="$2"; shift ;;
	--timeout) tmo="$2"; shift ;;
	--per-boot) perboot="$2"; shift ;;
	--log) logdir="$2"; shift ;;
	--run-ms) runms="$2"; shift ;;
	--append) append="$2"; shift ;;
	--selftest) selftests+=("$2"); shift ;;
	-h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) scen+=("$1") ;;
	esac
	shift
done
[ ${#scen[@]} -gt 0 ] || [ ${#selftests[@]} -gt 0 ] || { echo "usage: $0 [--force] [--tries N] [--timeout SEC] [--per-boot N] [--log DIR] SCENARIO..." >&2; exit 2; }
[ -x "$hvsim" ] || { echo "run.sh: no hvsim binary at $hvsim (build first, or set HVSIM)" >&2; exit 2; }
for t in bochs:bochs genisoimage:genisoimage cpio:cpio script:bsdutils; do
	command -v "${t%%:*}" >/dev/null || { echo "run.sh: ${t%%:*} missing (apt-get install ${t#*:})" >&2; exit 1; }
done
for f in /usr/share/bochs/BIOS-bochs-latest /usr/share/vgabios/vgabios.bin; do
	[ -s "$f" ] || { echo "run.sh: $f missing (apt-get install bochsbios vgabios)" >&2; exit 1; }
done
ls /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so* >/dev/null 2>&1 ||
	{ echo "run.sh: Bochs' term display missing (apt-get install bochs-term)" >&2; exit 1; }

bash "$here/build.sh" >/dev/null
mkdir -p "$cache"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/images"

declare -A name_of=()
keys=()
source "$root/sim/ref/common.sh"
for sc in "${scen[@]}"; do
	ref_export "$sc" "$stage/images" || continue
	name_of[$REF_KEY]="$sc"
	keys+=("$REF_KEY")
done

# One boot: kernel + initramfs on an isolinux CD; Bochs' BIOS boots it.
boot() {   # boot LOGPREFIX KEY...
	local pfx="$1"; shift
	local d="$stage/boot"
	rm -rf "$d" && mkdir -p "$d/root/modules" "$d/root/images" "$d/iso/isolinux"
	cp "$work/runner" "$d/root/init"
	for m in irqbypass kvm kvm-intel; do cp "$mods/$m.ko" "$d/root/modules/"; done
	for k in "$@"; do cp "$stage/images/$k.img" "$d/root/images/"; done
	if [ ${#boot_tests[@]} -gt 0 ]; then
		mkdir -p "$d/root/tests"
		cp "${boot_tests[@]}" "$d/root/tests/"
	fi
	(cd "$d/root" && find . | cpio -o -H newc --quiet) > "$d/iso/isolinux/initrd"
	cp "$work/vmlinuz" "$d/iso/isolinux/vmlinuz"
	cp "$work/isolinux/isolinux.bin" "$work/isolinux/ldlinux.c32" "$d/iso/isolinux/"
	cat > "$d/iso/isolinux/isolinux.cfg" <<-CFG
	default hvsim
	prompt 0
	timeout 0
	label hvsim
	  kernel vmlinuz
	  append initrd=initrd console=ttyS0,115200 panic=-1 quiet HVSIM_TIMEOUT_MS=$runms $append
	CFG
	genisoimage -quiet -o "$d/boot.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table -R -J "$d/iso"
	cat > "$d/bochsrc" <<-RC
	megs: 512
	cpu: model=corei7_skylake_x, count=1, ips=150000000, reset_on_triple_fault=0
	clock: sync=none, time0=local
	romimage: file=/usr/share/bochs/BIOS-bochs-latest
	vgaromimage: file=/usr/share/vgabios/vgabios.bin
	display_library: term
	ata0-master: type=cdrom, path="$d/boot.iso", status=inserted
	boot: cdrom
	com1: enabled=1, mode=file, dev="$pfx.serial"
	speaker: enabled=0
	sound: driver=dummy
	mouse: enabled=0
	log: $pfx.bochs
	panic: action=fatal
	error: action=report
	info: action=report
	debug: action=ignore
	RC
	printf 'c\nquit\n' > "$d/cont"
	: > "$pfx.serial"
	# term display: curses needs a terminal; script(1) gives it a
	# pseudo-terminal, whose screen output is discarded.
	(cd "$d" && TERM=vt100 timeout "$tmo" script -qfec "bochs -q -f '$d/bochsrc' -rc '$d/cont'" /dev/null \
		</dev/null >"$pfx.screen" 2>&1)
}

status=0
if [ -n "$logdir" ]; then mkdir -p "$logdir" && logdir="$(cd "$logdir" && pwd)"; fi
if [ ${#selftests[@]} -gt 0 ]; then
	boot_tests=("${selftests[@]}")
	pfx="${logdir:-$stage}/selftest"
	t0=$(date +%s)
	bst=0
	boot "$pfx" || bst=$?
	echo "run.sh: selftest boot: status $bst, $(( $(date +%s) - t0 )) s" >&2
	tr -d '\r' < "$pfx.serial" | sed -n '/^=== hvsim-selftest /,/^=== selftest-exit /p'
	tr -d '\r' < "$pfx.serial" | grep -q '^=== selftest-exit ' || { echo "run.sh: no selftest result; serial log $pfx.serial" >&2; status=1; }
	[ -n "$logdir" ] || cp "$pfx.serial" "${TMPDIR:-/tmp}/hvsim-kvm-intel-bochs.selftest.serial"
	boot_tests=()
fi
remaining=("${keys[@]}")
for ((try = 1; try <= tries && ${#remaining[@]} > 0; try++)); do
	left=()
	for ((i = 0; i < ${#remaining[@]}; i += perboot)); do
		batch=("${remaining[@]:i:perboot}")
		pfx="${logdir:-$stage}/boot.$try.$i"
		t0=$(date +%s)
		bst=0
		boot "$pfx" "${batch[@]}" || bst=$?   # (|| also keeps set -e off inside boot)
		echo "run.sh: boot of ${#batch[@]} image(s): status $bst (124 = timeout after ${tmo}s), $(( $(date +%s) - t0 )) s, try $try/$tries" >&2
		ref_outcomes "$pfx.serial" "$stage/out"
		for k in "${batch[@]}"; do
			out="$stage/out/$k.out"
			if [ -s "$out" ] && grep -qx end "$out" && head -1 "$out" | grep -qx 'hvsim-kvm-outcome 1'; then
				cp "$out" "$cache/$k.out.tmp.$$" && mv "$cache/$k.out.tmp.$$" "$cache/$k.out"
				echo "measured: ${name_of[$k]} -> $cache/$k.out"
			else
				left+=("$k")
			fi
		done
		if [ ${#left[@]} -gt 0 ] && [ -z "$logdir" ]; then
			keep="${TMPDIR:-/tmp}/hvsim-kvm-intel-bochs.$try.$i"
			cp "$pfx.serial" "$keep.serial"; cp "$pfx.bochs" "$keep.bochs" 2>/dev/null || true
		fi
	done
	remaining=("${left[@]}")
done
for k in "${remaining[@]}"; do
	echo "run.sh: no outcome for ${name_of[$k]} after $tries tries; logs: ${logdir:-${TMPDIR:-/tmp}/hvsim-kvm-intel-bochs.*}" >&2
	status=1
done
exit $status
