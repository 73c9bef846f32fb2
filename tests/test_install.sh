#!/usr/bin/env bash
# test_install.sh - hvsim installs and runs without its source tree.
#
#   bash tests/test_install.sh BUILD_DIR
#
# `cmake --install BUILD_DIR --prefix TMP`, then, from an empty directory
# and with HVSIM_SOURCE_DIR naming a path that does not exist, the
# installed binary must: run a bundled scenario with the default cost
# model, list the bundled scenarios and cost models (from
# TMP/share/hvsim, proven by a marker put into the installed copy), check a
# bundled scenario, and sweep the bundled scenarios by default.  The
# manual page hvsim(1) and the bash completion are installed; the page is
# the output of `hvsim help --man` and renders (when man(1) is there), the
# completion loads and completes a command name.  Prints one line per
# failure and exits 1 if any.
set -uo pipefail
build="${1:?usage: test_install.sh BUILD_DIR}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
bad=0
fail() { echo "test_install: $*"; bad=1; }

cmake --install "$build" --prefix "$prefix" > "$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; echo "test_install: cmake --install failed"; exit 1; }

bin="$prefix/bin/hvsim"
data="$prefix/share/hvsim"
[ -x "$bin" ] || fail "no $bin"
[ -f "$data/costs/default.cost" ] || fail "no $data/costs/default.cost"
[ -f "$data/scenarios/vmx_bp_with_host_bp.yaml" ] || fail "no bundled scenarios in $data/scenarios"
man="$prefix/share/man/man1/hvsim.1"
[ -f "$man" ] || fail "no manual page $man"
comp="$prefix/share/bash-completion/completions/hvsim"
[ -f "$comp" ] || fail "no bash completion $comp"
[ $bad -eq 0 ] || exit 1

# a marker in the installed data: the listing must come from there
sed -i '0,/^#.*/s//# installed copy of the default cost model/' "$data/costs/default.cost"

empty="$tmp/empty"
mkdir "$empty"
cd "$empty" || exit 1
export HVSIM_SOURCE_DIR="$tmp/no-such-source-tree"
export HVSIM_CACHE_DIR="$tmp/cache"

"$bin" run "$data/scenarios/vmx_bp_with_host_bp.yaml" > out.txt 2> err.txt ||
	fail "run of a bundled scenario exits $?: $(cat err.txt)"
grep -q 'VM-EXIT' out.txt || fail "run printed no result: $(head -c 300 out.txt)"
"$bin" run "$data/scenarios/vmx_bp_with_host_bp.yaml" --format json -o r.json 2> err.txt ||
	fail "run --format json exits $?: $(cat err.txt)"
grep -q '"cost_model": *"default"' r.json || fail "the result does not name the default cost model"
"$bin" check "$data/scenarios/vmx_bp_with_host_bp.yaml" > /dev/null 2> err.txt ||
	fail "check of a bundled scenario exits $?: $(cat err.txt)"
"$bin" list costs > costs.txt 2> err.txt || fail "list costs exits $?: $(cat err.txt)"
grep -q 'installed copy of the default cost model' costs.txt ||
	fail "list costs does not read the installed data: $(head -n 3 costs.txt)"
"$bin" list scenarios > sc.txt 2> err.txt || fail "list scenarios exits $?: $(cat err.txt)"
grep -q '^vmx_bp_with_host_bp' sc.txt || fail "list scenarios lacks the bundled scenarios"
"$bin" sweep -p bp_enabled -o sweep.csv 2> err.txt || fail "sweep of the bundled scenarios exits $?: $(cat err.txt)"
[ "$(wc -l < sweep.csv)" -gt 10 ] || fail "sweep.csv has too few rows"
rm -f out.txt err.txt r.json costs.txt sc.txt sweep.csv
[ -z "$(ls -A "$empty")" ] || fail "files left in the working directory: $(ls -A "$empty")"

# the manual page is `hvsim help --man`, and renders
"$bin" help --man | cmp -s - "$man" || fail "the installed hvsim.1 is not 'hvsim help --man'"
if command -v man > /dev/null 2>&1; then
	MANWIDTH=80 man -l "$man" > "$tmp/man.txt" 2> "$tmp/man.err" || fail "man -l hvsim.1 fails: $(cat "$tmp/man.err")"
	grep -q 'hvsim run SCENARIO' "$tmp/man.txt" || fail "the manual page lacks the run command"
fi
# the completion completes a command name with the installed binary
got=$(bash -c 'source "$1"; COMP_WORDS=("$2" comp); COMP_CWORD=1; _hvsim; echo "${COMPREPLY[*]}"' _ "$comp" "$bin")
[ "$got" = compare ] || fail "bash completion of 'hvsim comp' gives '$got', want 'compare'"

exit $bad
