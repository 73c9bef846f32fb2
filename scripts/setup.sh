#!/usr/bin/env bash
# setup.sh - install the Debian packages hvsim needs to build and test.
#
#   bash scripts/setup.sh [--with-fuzz] [--with-browser]
#
# Idempotent: every package is checked with dpkg-query first; apt-get runs
# (update once, then one install) only when something is missing, and the
# script prints nothing when there is nothing to do.  Uses sudo only when
# not already root.
set -euo pipefail

usage() {
	echo "usage: $0 [--with-fuzz] [--with-browser]" >&2
	exit 2
}

# binutils-aarch64-linux-gnu: the assembler of the aarch64 scenarios (vendor: arm, issue 20)
pkgs=(cmake gcc make pkg-config binutils binutils-aarch64-linux-gnu
      libunicorn-dev libcapstone-dev libyaml-dev libcriterion-dev libedit-dev)

for arg in "$@"; do
	case "$arg" in
	--with-fuzz)    pkgs+=(clang libclang-rt-dev) ;;   # libFuzzer targets (-DHVSIM_FUZZ=ON); the fuzzer/sanitizer runtimes are in libclang-rt-dev
	--with-browser) pkgs+=(chromium) ;;   # browser tests
	-h|--help)      usage ;;
	*)              echo "setup.sh: unknown argument: $arg" >&2; usage ;;
	esac
done

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done

[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	as_root=(env DEBIAN_FRONTEND=noninteractive)
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo env DEBIAN_FRONTEND=noninteractive)
else
	echo "setup.sh: missing packages (${missing[*]}) and not root, no sudo" >&2
	exit 1
fi

echo "setup.sh: installing: ${missing[*]}"
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
