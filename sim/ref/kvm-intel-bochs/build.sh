#!/usr/bin/env bash
# build.sh - build what reference 3 boots: Debian's cloud kernel (which ships
# kvm-intel as a module), hvsim's static runner (the initramfs' /init) and the
# isolinux files that let Bochs' BIOS boot kernel + initramfs from a CD image.
#
#   bash sim/ref/kvm-intel-bochs/build.sh [--force]
#
# Everything comes from Debian packages and this repository:
#   apt-get download linux-image-cloud-amd64 (+ the linux-image-* it depends on),
#   dpkg-deb -x; gcc -static sim/ref/runner.c sim/ref/devkvm*.c;
#   isolinux.bin and ldlinux.c32 from the isolinux / syslinux-common packages.
# Output, in $HVSIM_KVM_BOCHS_WORK (default ~/.cache/hvsim/kvm-intel-bochs):
#   vmlinuz, kernel-version, modules/{irqbypass,kvm,kvm-intel}.ko, runner,
#   isolinux/{isolinux.bin,ldlinux.c32}
# Needs: apt-get, dpkg-deb, gcc with a static libc (libc6-dev), isolinux,
# syslinux-common; run.sh needs bochs, bochsbios, vgabios, bochs-term,
# genisoimage, cpio.  Idempotent (--force rebuilds).
# The source tree is $HVSIM_ROOT (default: three folders up from here).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${HVSIM_ROOT:-$(cd "$here/../../.." && pwd)}"
work="${HVSIM_KVM_BOCHS_WORK:-${HOME:-/root}/.cache/hvsim/kvm-intel-bochs}"
[ -f "$root/sim/ref/devkvm.c" ] || { echo "build.sh: no sim/ref/devkvm.c under $root (set HVSIM_ROOT)" >&2; exit 2; }
source "$root/sim/ref/common.sh"
ref_force_arg "$@"
mkdir -p "$work"

ref_fetch_kernel "$work" kvm-intel "$force"

if [ "$force" = 1 ] || [ ! -s "$work/isolinux/isolinux.bin" ] || [ ! -s "$work/isolinux/ldlinux.c32" ]; then
	for f in /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32; do
		[ -s "$f" ] || { echo "build.sh: $f missing (apt-get install isolinux syslinux-common)" >&2; exit 1; }
	done
	mkdir -p "$work/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$work/isolinux/"
fi

ref_build_runner "$root" "$work" "$force"
echo "build.sh: $work: kernel $(cat "$work/kernel-version"), runner ready"
