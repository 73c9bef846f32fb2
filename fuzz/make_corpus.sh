#!/usr/bin/env bash
# make_corpus.sh - seed corpora for the libFuzzer targets (fuzz/README.md).
#
#   bash fuzz/make_corpus.sh BUILD_FUZZ_DIR OUT_DIR
#
# OUT_DIR/scenario/  every bundled scenario (scenarios/*.yaml), as is
# OUT_DIR/guest/     the guest code bytes of every bundled scenario that
#                    loads (written by fuzz_guest's extract mode, which uses
#                    the real loader and assembler: HVSIM_FUZZ_EXTRACT)
# OUT_DIR/report/    result JSON of every bundled scenario (hvsim run --format json)
# OUT_DIR/trace/     its JSONL trace (hvsim run --trace), those under 1 MiB
# OUT_DIR/cost/      the bundled cost models (cpu/costs/*.cost)
# OUT_DIR/outcome/   the cached real-KVM outcomes (sim/ref/kvm-amd-tcg/cache/, and
#                    reference 4's sim/ref/kvm-arm64-tcg/cache*/)
#                    and the reference images of the bundled scenarios
# OUT_DIR/step/      a few step command scripts
# The hvsim binary is build/hvsim if it exists (faster), else BUILD_FUZZ_DIR's.
# Existing files in OUT_DIR are kept (a corpus grows across runs).
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_FUZZ_DIR OUT_DIR" >&2
	exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$1"
out="$2"
mkdir -p "$out/scenario" "$out/guest" "$out/report" "$out/trace" "$out/cost" "$out/outcome" "$out/step"

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

hvsim="$root/build/hvsim"
[ -x "$hvsim" ] || hvsim="$build/hvsim"
for s in "${scen[@]}"; do
	b="$(basename "$s" .yaml)"
	[ -s "$out/report/$b.json" ] || timeout 30 "$hvsim" run "$s" --format json -o "$out/report/$b.json" \
		--trace "$out/trace/$b.jsonl" >/dev/null 2>&1 || true
	if [ -f "$out/trace/$b.jsonl" ] && [ "$(stat -c %s "$out/trace/$b.jsonl")" -gt 1048576 ]; then
		rm -f "$out/trace/$b.jsonl"
	fi
	[ -s "$out/outcome/$b.img" ] || timeout 30 "$hvsim" kvm "$s" --export "$out/outcome/$b.img" >/dev/null 2>&1 || true
done
find "$out/report" "$out/trace" "$out/outcome" -type f -empty -delete
cp "$root"/cpu/costs/*.cost "$out/cost/"
cp "$root"/sim/ref/kvm-amd-tcg/cache/*.out "$out/outcome/" 2>/dev/null || true
for f in "$root"/sim/ref/kvm-arm64-tcg/cache*/*.out; do
	if [ -f "$f" ]; then cp "$f" "$out/outcome/arm64-$(basename "$(dirname "$f")")-$(basename "$f")"; fi
done
printf '\x00until exit\ndreg\nc\n' > "$out/step/until-exit.txt"
printf '\x01s 5\nregs\nx/4xg $rsp\nb target\nc\ninfo b\nd 1\nc\n' > "$out/step/break.txt"
printf '\x00trace on\nuntil rip loop\ninfo vmcs\ninfo policy\ninfo exits\nr\ndisas loop 4\nq\n' > "$out/step/trace.txt"
printf '\x01until exit IO_INSTRUCTION\ninfo dr\ns 1000000\n' > "$out/step/svm.txt"
for d in scenario guest report trace cost outcome step; do
	printf 'corpus %-9s %4d files\n' "$d:" "$(ls "$out/$d" | wc -l)"
done
