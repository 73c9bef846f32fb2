#!/usr/bin/env bash
# make_corpus.sh - seed corpora for the two libFuzzer targets.
#
#   bash fuzz/make_corpus.sh BUILD_FUZZ_DIR OUT_DIR
#
# OUT_DIR/scenario/  every bundled scenario (scenarios/*.yaml), as is
# OUT_DIR/guest/     the guest code bytes of every bundled scenario that
#                    loads (written by fuzz_guest's extract mode, which uses
#                    the real loader and assembler: HVSIM_FUZZ_EXTRACT)
# Existing files in OUT_DIR are kept (a corpus grows across runs).
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_FUZZ_DIR OUT_DIR" >&2
	exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$1"
out="$2"
mkdir -p "$out/scenario" "$out/guest"

shopt -s nullglob
scen=("$root"/scenarios/*.yaml)
if [ ${#scen[@]} -eq 0 ]; then
	echo "$0: no scenarios in $root/scenarios" >&2
	exit 1
fi
cp "${scen[@]}" "$out/scenario/"
# One-instruction seeds so that the guest corpus is never empty.
printf '\xf4' > "$out/guest/hlt.bin"                              # hlt
printf '\x0f\x23\xf8\xf4' > "$out/guest/mov_dr7.bin"              # mov dr7, rax; hlt
printf '\xe6\x80\xf4' > "$out/guest/out.bin"                      # out 0x80, al; hlt
# Scenarios that do not load are reported and skipped (exit status ignored):
# the corpus is still useful without them.
HVSIM_FUZZ_EXTRACT="$out/guest" "$build/fuzz_guest" "${scen[@]}" || true
echo "corpus: $(ls "$out/scenario" | wc -l) scenario files, $(ls "$out/guest" | wc -l) guest code files in $out"
