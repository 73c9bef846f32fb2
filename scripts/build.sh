#!/usr/bin/env bash
# build.sh - configure and build hvsim (RelWithDebInfo).
#
#   bash scripts/build.sh          -> build/
#   bash scripts/build.sh --asan   -> build-asan/ (-DHVSIM_SANITIZE=ON:
#                                     AddressSanitizer + UBSan)
# Further -DNAME=VALUE arguments are passed to the cmake configure step
# (scripts/test.sh passes -DHVSIM_TESTS=ON).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir=build
extra=()
for arg in "$@"; do
	case "$arg" in
	--asan) dir=build-asan; extra+=(-DHVSIM_SANITIZE=ON) ;;
	-D*)    extra+=("$arg") ;;
	*)      echo "usage: $0 [--asan] [-DNAME=VALUE ...]" >&2; exit 2 ;;
	esac
done

cd "$root"
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${extra[@]}"
cmake --build "$dir" -j"$(nproc)"
