#!/usr/bin/env bash
# build.sh - build what reference 4 (issue 20) boots: Debian's arm64 cloud
# kernel (CONFIG_KVM=y) and hvsim's static AArch64 runner (the initramfs'
# /init).
#
#   bash sim/ref/kvm-arm64-tcg/build.sh [--force] [--runner-only]
#
# Everything comes from Debian packages and this repository:
#   dpkg --add-architecture arm64 && apt-get update (once, by hand or here
#   when the arm64 lists are missing);
#   apt-get download linux-image-cloud-arm64:arm64 (+ the linux-image-* it
#   depends on), dpkg-deb -x (ref_deb_kernel in sim/ref/common.sh, as for
#   the x86 references); $HVSIM_REF_APT_OPTS is passed to apt-get: with
#   options that point apt at bookworm-backports it fetches Linux 6.12
#   (docs/kvm-reference.md, "Reference 4");
#   aarch64-linux-gnu-gcc -static sim/ref/kvm-arm64-tcg/runner_arm64.c
#   (Debian's gcc-aarch64-linux-gnu).
# Output, in $HVSIM_KVM_ARM64_WORK (default ~/.cache/hvsim/kvm-arm64-tcg):
#   vmlinuz, kernel-version, runner.  Idempotent (--force rebuilds).
# Exit status 3 (skipped) when a tool is missing: the reference is optional
# and never runs in CI.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
source "$root/sim/ref/common.sh"
work="${HVSIM_KVM_ARM64_WORK:-${HOME:-/root}/.cache/hvsim/kvm-arm64-tcg}"
force=0 runner_only=0
for a in "$@"; do
	case "$a" in
	--force) force=1 ;;
	--runner-only) runner_only=1 ;;
	*) echo "usage: $0 [--force] [--runner-only]" >&2; exit 2 ;;
	esac
done
mkdir -p "$work"

cc=aarch64-linux-gnu-gcc
command -v "$cc" >/dev/null || { echo "build.sh: $cc missing (apt-get install gcc-aarch64-linux-gnu)" >&2; exit 3; }
src="$root/sim/ref/kvm-arm64-tcg/runner_arm64.c"
if [ "$force" = 1 ] || [ ! -x "$work/runner" ] || [ "$src" -nt "$work/runner" ]; then
	"$cc" -std=gnu11 -O1 -static -Wall -Wextra -Werror -o "$work/runner.tmp" "$src"
	mv "$work/runner.tmp" "$work/runner"
fi
[ "$runner_only" = 1 ] && { echo "build.sh: $work/runner ready"; exit 0; }

if [ "$force" = 1 ] || [ ! -s "$work/vmlinuz" ]; then
	command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
		{ echo "build.sh: apt-get/dpkg-deb missing" >&2; exit 3; }
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		dpkg --add-architecture arm64
		apt-get update >/dev/null
	fi
	dl="$work/deb"
	ref_deb_kernel "$dl" linux-image-cloud-arm64:arm64
	kver="$REF_KVER"
	grep -qx 'CONFIG_KVM=y' "$dl/x/boot/config-$kver" || { echo "build.sh: $kver has no built-in KVM" >&2; exit 1; }
	cp "$dl/x/boot/vmlinuz-$kver" "$work/vmlinuz"
	echo "$kver" > "$work/kernel-version"
	rm -rf "$dl"
fi
echo "build.sh: $work: kernel $(cat "$work/kernel-version"), runner ready"
