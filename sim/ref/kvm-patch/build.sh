#!/usr/bin/env bash
# build.sh - patch-in-the-loop: build kvm.ko, kvm-intel.ko and kvm-amd.ko
# out of tree from Debian's linux-source-6.1 with a patch applied, for the
# kernel that the booted references run (docs/kvm-reference.md, "Patch in
# the loop").  Prints the module directory on success.
#
#   bash sim/ref/kvm-patch/build.sh [--force] [--kernel KVER] PATCH|-
#
# PATCH is a unified diff against the kernel tree (patch -p1); "-" builds
# the unpatched modules (a control).  The result is cached by (kernel
# version, sha256 of the patch) in
#   $HVSIM_KVM_PATCH_WORK (default ~/.cache/hvsim/kvm-patch)/KVER/HASH/modules/
#     {kvm,kvm-intel,kvm-amd}.ko   (irqbypass.ko: the stock one)
# and is reused unless --force.  KVER defaults to the kernel of the Bochs
# reference (~/.cache/hvsim/kvm-intel-bochs/kernel-version, made by its
# build.sh), so the modules' vermagic matches the booted kernel.
#
# How: the kernel headers of KVER (linux-headers-KVER, whose Makefile
# includes linux-headers-*-common: Debian's config and Module.symvers) are
# copied, arch/x86/kvm and virt/kvm from the source tarball are put into the
# copy, the patch is applied to the copy (so it may touch headers such as
# arch/x86/include/asm/kvm_host.h), and `make M=arch/x86/kvm modules` runs
# against it.  Needs (apt-get install): linux-source-6.1,
# linux-headers-KVER (pulls linux-kbuild-6.1), gcc (the kernel's own gcc 12
# on Debian 12), make, xz-utils, binutils.  Kernel sources never enter the repository.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${HVSIM_KVM_PATCH_WORK:-${HOME:-/root}/.cache/hvsim/kvm-patch}"
kver="" force=0 patch=""
while [ $# -gt 0 ]; do
	case "$1" in
	--force) force=1 ;;
	--kernel) kver="$2"; shift ;;
	-h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-) patch=- ;;
	-*) echo "build.sh: unknown option $1" >&2; exit 2 ;;
	*) patch="$1" ;;
	esac
	shift
done
[ -n "$patch" ] || { echo "usage: $0 [--force] [--kernel KVER] PATCH|-" >&2; exit 2; }
if [ -z "$kver" ]; then
	kv="${HVSIM_KVM_BOCHS_WORK:-${HOME:-/root}/.cache/hvsim/kvm-intel-bochs}/kernel-version"
	[ -s "$kv" ] || { echo "build.sh: no $kv: run sim/ref/kvm-intel-bochs/build.sh first, or pass --kernel" >&2; exit 2; }
	kver=$(cat "$kv")
fi
hdr=/usr/src/linux-headers-$kver
[ -f "$hdr/Makefile" ] || { echo "build.sh: $hdr missing (apt-get install linux-headers-$kver)" >&2; exit 1; }
common=$(sed -n 's#^include \(/usr/src/linux-headers-[^/]*\)/Makefile$#\1#p' "$hdr/Makefile")
[ -d "$common" ] || { echo "build.sh: cannot find the common headers of $hdr" >&2; exit 1; }
series=$(echo "$kver" | sed -E 's/^([0-9]+\.[0-9]+)\..*/\1/')
tarball=/usr/src/linux-source-$series.tar.xz
[ -s "$tarball" ] || { echo "build.sh: $tarball missing (apt-get install linux-source-$series)" >&2; exit 1; }

if [ "$patch" = - ]; then
	hash=unpatched
else
	[ -s "$patch" ] || { echo "build.sh: $patch: no such patch" >&2; exit 2; }
	hash=$(sha256sum < "$patch" | cut -c1-16)
fi
out="$work/$kver/$hash"
if [ "$force" = 0 ] && [ -s "$out/modules/kvm-intel.ko" ] && [ -s "$out/modules/kvm-amd.ko" ] && [ -s "$out/modules/kvm.ko" ]; then
	echo "$out/modules"
	exit 0
fi

# The source tree, extracted once per series (only the parts KVM needs and
# the KVM selftests: sim/ref/kvm-selftest/).
src="$work/src/linux-source-$series"
if [ ! -f "$src/arch/x86/kvm/x86.c" ]; then
	mkdir -p "$work/src"
	echo "build.sh: extracting $tarball (about 40 s)" >&2
	tar -xJf "$tarball" -C "$work/src"
fi

t0=$(date +%s)
rm -rf "$out" && mkdir -p "$out"
cp -a "$common" "$out/common"
cp -a "$hdr" "$out/build"
sed -i "s#^include $common/Makefile\$#include $out/common/Makefile#" "$out/build/Makefile"
# relative symlinks (scripts -> ../../lib/linux-kbuild-*/scripts) point back
# at the installed files
for d in common build; do
	orig=$([ $d = common ] && echo "$common" || echo "$hdr")
	(cd "$orig" && find . -type l) | while read -r l; do
		ln -sfn "$(readlink -f "$orig/$l")" "$out/$d/$l"
	done
done
rm -rf "$out/common/arch/x86/kvm" "$out/common/virt/kvm"
mkdir -p "$out/common/arch/x86" "$out/common/virt"
cp -a "$src/arch/x86/kvm" "$out/common/arch/x86/kvm"
cp -a "$src/virt/kvm" "$out/common/virt/kvm"
if [ "$patch" != - ]; then
	cp "$patch" "$out/patch.diff"
	patch -p1 -d "$out/common" < "$patch" > "$out/patch.log" ||
		{ cat "$out/patch.log" >&2; echo "build.sh: the patch does not apply to $kver's KVM" >&2; exit 1; }
fi
jobs=$(nproc 2>/dev/null || echo 1)
if ! make -C "$out/build" M="$out/common/arch/x86/kvm" -j"$jobs" modules > "$out/make.log" 2>&1; then
	tail -30 "$out/make.log" >&2
	echo "build.sh: module build failed; log $out/make.log" >&2
	exit 1
fi
mkdir -p "$out/modules"
for m in kvm kvm-intel kvm-amd; do
	# without debug info, like Debian's (2-8 MB instead of 4-19 MB: the initramfs is read
	# through Bochs' emulated CD drive)
	strip --strip-debug -o "$out/modules/$m.ko" "$out/common/arch/x86/kvm/$m.ko"
done
# the stock irqbypass.ko of the same kernel (from the Bochs reference's build)
bw="${HVSIM_KVM_BOCHS_WORK:-${HOME:-/root}/.cache/hvsim/kvm-intel-bochs}"
[ -s "$bw/modules/irqbypass.ko" ] && cp "$bw/modules/irqbypass.ko" "$out/modules/"
vm=$(strings "$out/modules/kvm.ko" | sed -n 's/^vermagic=//p' | head -1)
echo "$vm" > "$out/vermagic"
case "$vm" in
"$kver "*) ;;
*) echo "build.sh: vermagic '$vm' does not start with $kver: the modules would not load" >&2; exit 1 ;;
esac
# keep the modules and logs, drop the copied tree
rm -rf "$out/common" "$out/build"
echo "build.sh: $kver, patch $hash: built in $(( $(date +%s) - t0 )) s" >&2
echo "$out/modules"
