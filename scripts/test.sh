#!/usr/bin/env bash
# test.sh - install dependencies, build, run every test under ctest.
#
#   bash scripts/test.sh          -> build/
#   bash scripts/test.sh --asan   -> build-asan/ with ASan/UBSan, leaks
#                                    checked, UBSan fatal
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir=build
# Tests on even if the build directory was configured with them off.
build_args=(-DHVSIM_TESTS=ON)
for arg in "$@"; do
	case "$arg" in
	--asan) dir=build-asan; build_args+=(--asan) ;;
	*)      echo "usage: $0 [--asan]" >&2; exit 2 ;;
	esac
done

cd "$root"
bash scripts/setup.sh
bash scripts/build.sh "${build_args[@]}"

if [ "$dir" = build-asan ]; then
	export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
fi
# --no-tests=error: an empty test set is a failure, not a silent pass.
ctest --test-dir "$dir" --output-on-failure -j2 --no-tests=error
