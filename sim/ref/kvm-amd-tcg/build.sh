#!/usr/bin/env bash
# build.sh - build what reference 2 boots: Debian's cloud kernel (which ships
# kvm-amd as a module) and hvsim's static runner (the initramfs' /init).
#
#   bash sim/ref/kvm-amd-tcg/build.sh [--force]
#
# Everything comes from Debian packages and this repository:
#   apt-get download linux-image-cloud-amd64 (+ the linux-image-* it depends on),
#   dpkg-deb -x; gcc -static sim/ref/runner.c sim/ref/devkvm*.c.
# Output, in $HVSIM_KVM_TCG_WORK (default ~/.cache/hvsim/kvm-amd-tcg):
#   vmlinuz, kernel-version, modules/{irqbypass,kvm,kvm-amd}.ko, runner
# Needs: apt-get, dpkg-deb, gcc with a static libc (libc6-dev), and for
# run.sh qemu-system-x86 and cpio.  Idempotent: does nothing when the files
# exist (--force rebuilds).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
work="${HVSIM_KVM_TCG_WORK:-${HOME:-/root}/.cache/hvsim/kvm-amd-tcg}"
source "$root/sim/ref/common.sh"
ref_force_arg "$@"
mkdir -p "$work"

ref_fetch_kernel "$work" kvm-amd "$force"

ref_build_runner "$root" "$work" "$force"
echo "build.sh: $work: kernel $(cat "$work/kernel-version"), runner ready"
