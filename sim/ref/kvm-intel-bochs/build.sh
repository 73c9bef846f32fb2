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
force=0
for a in "$@"; do
	case "$a" in
	--force) force=1 ;;
	*) echo "usage: $0 [--force]" >&2; exit 2 ;;
	esac
done
[ -f "$root/sim/ref/devkvm.c" ] || { echo "build.sh: no sim/ref/devkvm.c under $root (set HVSIM_ROOT)" >&2; exit 2; }
mkdir -p "$work"

if [ "$force" = 1 ] || [ ! -s "$work/vmlinuz" ] || [ ! -s "$work/modules/kvm-intel.ko" ]; then
	dl="$work/deb"
	rm -rf "$dl" && mkdir -p "$dl"
	(cd "$dl" && apt-get download linux-image-cloud-amd64 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
	meta=$(ls "$dl"/linux-image-cloud-amd64_*.deb 2>/dev/null | head -1)
	[ -n "$meta" ] || { echo "build.sh: apt-get download linux-image-cloud-amd64 failed" >&2; exit 1; }
	dep=$(dpkg-deb -f "$meta" Depends | tr ',' '\n' | sed -n 's/^ *\(linux-image-[^ ]*\) *(= *\([^)]*\)).*/\1=\2/p' | head -1)
	[ -n "$dep" ] || { echo "build.sh: cannot read the kernel package from $meta" >&2; exit 1; }
	(cd "$dl" && apt-get download "$dep" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
	img=$(ls "$dl"/linux-image-[0-9]*.deb 2>/dev/null | head -1)
	[ -n "$img" ] || { echo "build.sh: apt-get download $dep failed" >&2; exit 1; }
	rm -rf "$dl/x" && dpkg-deb -x "$img" "$dl/x"
	kver=$(ls "$dl/x/lib/modules" | head -1)
	cp "$dl/x/boot/vmlinuz-$kver" "$work/vmlinuz"
	mkdir -p "$work/modules"
	for m in virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-intel.ko; do
		cp "$dl/x/lib/modules/$kver/kernel/$m" "$work/modules/"
	done
	echo "$kver" > "$work/kernel-version"
	rm -rf "$dl"
fi

if [ "$force" = 1 ] || [ ! -s "$work/isolinux/isolinux.bin" ] || [ ! -s "$work/isolinux/ldlinux.c32" ]; then
	for f in /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32; do
		[ -s "$f" ] || { echo "build.sh: $f missing (apt-get install isolinux syslinux-common)" >&2; exit 1; }
	done
	mkdir -p "$work/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$work/isolinux/"
fi

# The /dev/kvm runner (sim/ref/devkvm*.c, libc only) linked statically with
# runner.c: the same code that `hvsim kvm` runs in-process.
srcs=("$root/sim/ref/runner.c" "$root"/sim/ref/devkvm*.c)
stale=0
for s in "${srcs[@]}" "$root/sim/ref/devkvm.h" "$root/sim/ref/devkvm_impl.h"; do
	[ -e "$s" ] && [ "$s" -nt "$work/runner" ] && stale=1
done
if [ "$force" = 1 ] || [ ! -x "$work/runner" ] || [ "$stale" = 1 ]; then
	gcc -std=gnu11 -O1 -static -Wall -Wextra -Werror -Wno-unused-parameter -I"$root" \
	    -o "$work/runner.tmp" "${srcs[@]}"
	mv "$work/runner.tmp" "$work/runner"
fi
echo "build.sh: $work: kernel $(cat "$work/kernel-version"), runner ready"
