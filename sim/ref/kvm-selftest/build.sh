#!/usr/bin/env bash
# build.sh - the KVM selftest debug_regs (tools/testing/selftests/kvm in
# Debian's linux-source), linked statically, to run inside the booted
# references (sim/ref/kvm-selftest/run.sh; docs/kvm-reference.md, "The
# references checked themselves").  Prints the binary's path.
#
#   bash sim/ref/kvm-selftest/build.sh [--series 6.1] [TEST]    (TEST default x86_64/debug_regs)
#
# Uses the source tree that sim/ref/kvm-patch/build.sh extracts
# ($HVSIM_KVM_PATCH_WORK/src/linux-source-SERIES, default under
# ~/.cache/hvsim/kvm-patch), extracting it if needed; `make headers_install`
# into its usr/ (needs rsync), then `make -C tools/testing/selftests/kvm
# $PWD/.../TEST LDFLAGS="-static -pthread"`.  Output:
# ~/.cache/hvsim/kvm-selftest/SERIES/$(basename TEST).  Needs linux-source-SERIES,
# gcc, make, rsync, libc6-dev (static libc).
set -euo pipefail

work="${HVSIM_KVM_PATCH_WORK:-${HOME:-/root}/.cache/hvsim/kvm-patch}"
outdir="${HVSIM_KVM_SELFTEST_WORK:-${HOME:-/root}/.cache/hvsim/kvm-selftest}"
series=6.1 test=x86_64/debug_regs
while [ $# -gt 0 ]; do
	case "$1" in
	--series) series="$2"; shift ;;
	-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) test="$1" ;;
	esac
	shift
done
src="$work/src/linux-source-$series"
tarball=/usr/src/linux-source-$series.tar.xz
if [ ! -d "$src/tools/testing/selftests/kvm" ]; then
	[ -s "$tarball" ] || { echo "build.sh: $tarball missing (apt-get install linux-source-$series)" >&2; exit 1; }
	mkdir -p "$work/src"
	tar -xJf "$tarball" -C "$work/src"
fi
command -v rsync >/dev/null || { echo "build.sh: rsync missing (apt-get install rsync; make headers_install uses it)" >&2; exit 1; }
out="$outdir/$series/$(basename "$test")"
if [ ! -x "$out" ]; then
	[ -f "$src/usr/include/linux/kvm.h" ] || make -C "$src" headers_install INSTALL_HDR_PATH="$src/usr" >/dev/null
	k="$src/tools/testing/selftests/kvm"
	make -C "$k" "$k/$test" LDFLAGS="-static -pthread" >&2
	mkdir -p "$(dirname "$out")"
	cp "$k/$test" "$out"
fi
echo "$out"
