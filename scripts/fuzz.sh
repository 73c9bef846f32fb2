#!/usr/bin/env bash
# fuzz.sh - build the libFuzzer targets (clang, ASan/UBSan) and run each for
# SECONDS (default 60) from a seeded corpus, one after the other (fuzz/README.md).
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Targets (all by default): fuzz_scenario fuzz_guest fuzz_report fuzz_trace
# fuzz_cost fuzz_outcome fuzz_step.  CI runs all seven for 20 s each
# (.ci/run), about 3 minutes with the build.
# Build directory build-fuzz/, corpora in build-fuzz/corpus/TARGET-NAME/
# (kept between runs), crash/leak/timeout inputs in build-fuzz/artifacts/.
# Exits non-zero if a fuzzer found a problem; the input that triggered it is
# then in build-fuzz/artifacts/ (add it under tests/fuzz-regressions/, see
# tests/test_fuzz_regressions.c).
set -euo pipefail

secs="${1:-60}"
case "$secs" in
''|*[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac
shift || true
all=(fuzz_scenario fuzz_guest fuzz_report fuzz_trace fuzz_cost fuzz_outcome fuzz_step)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir=build-fuzz
cd "$root"

cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DHVSIM_FUZZ=ON -DHVSIM_SANITIZE=ON -DHVSIM_TESTS=OFF
cmake --build "$dir" -j"$(nproc)" --target hvsim "${all[@]}"

bash fuzz/make_corpus.sh "$dir" "$dir/corpus"
mkdir -p "$dir/artifacts"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
run() {
	local name="$1"; shift
	echo "== $name: $secs s"
	# -timeout: one input may take at most 30 s (a hang is a finding too)
	if ! "$dir/$name" -max_total_time="$secs" -timeout=30 -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/$name-" "$@" 2>"$dir/$name.log"; then
		echo "$name: FAILED, last lines of $dir/$name.log:" >&2
		tail -n 40 "$dir/$name.log" >&2
		status=1
	fi
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
		"$dir/$name.log" | sort -u || true
	# coverage: the last status line (cov: edges, ft: features)
	grep -E '^#[0-9]+.*cov: ' "$dir/$name.log" | tail -n 1 || true
}
for t in "${targets[@]}"; do
	n="${t#fuzz_}"
	dict=()
	[ -f "fuzz/$n.dict" ] && dict=(-dict="fuzz/$n.dict")
	run "$t" "${dict[@]}" "$dir/corpus/$n"
done
exit $status
