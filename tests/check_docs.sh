#!/usr/bin/env bash
# check_docs.sh - every YAML example in the README and docs/ must work.
#
#   bash tests/check_docs.sh HVSIM [ROOT]
#
# A ```yaml block that starts with `version:` is a complete scenario: it is
# written to a file and `hvsim check` must pass on it (exit 0).  Any other
# ```yaml block is a fragment of one: it is placed into a minimal scenario
# (under `guest:` when it is a `data:` list; a `variants:` list is also
# selected with `policies:`) and `hvsim validate` must accept it.  Prints
# one line per failing example, FILE:LINE: ..., and exits 1 if any failed.
set -uo pipefail
hvsim="${1:?usage: check_docs.sh HVSIM [ROOT]}"
root="${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

skeleton='version: 1
name: docs-fragment
summary: a fragment of the documentation inside a minimal scenario
vendor: both
guest:
  base: 0x10000
  asm: |
    hlt'

bad=0 n=0
for md in "$root"/README.md "$root"/scenarios/README.md "$root"/docs/*.md; do
	[ -f "$md" ] || continue
	# Split the ```yaml blocks into numbered files, each remembering its line.
	rm -f "$work"/blk.*
	awk -v dir="$work" '
		/^```yaml[[:space:]]*$/ { inb = 1; k++; f = dir "/blk." k; print NR + 1 > (f ".line"); next }
		/^```/ && inb { inb = 0; close(f); next }
		inb { print > f }
	' "$md"
	for blk in "$work"/blk.*; do
		case "$blk" in *.line|*.yaml|*.out) continue ;; esac
		[ -f "$blk" ] || continue
		n=$((n + 1))
		line=$(cat "$blk.line")
		rel=${md#"$root"/}
		if head -n1 "$blk" | grep -q '^version:'; then
			cp "$blk" "$work/example.yaml"
			(cd "$work" && "$hvsim" check example.yaml) > "$work/out" 2>&1
			rc=$?
			[ $rc -eq 0 ] || { echo "$rel:$line: complete example: hvsim check exits $rc: $(grep -v '^ *$' "$work/out" | tail -n 3 | tr '\n' ' ')"; bad=1; }
		else
			first=$(grep -m1 -v '^[[:space:]]*\(#.*\)\?$' "$blk")
			{
				echo "$skeleton"
				case "$first" in
				data:*) sed 's/^/  /' "$blk" ;;
				variants:*)
					names=$(sed -n 's/^[[:space:]]*-[[:space:]]*name:[[:space:]]*\([^[:space:]]*\).*/\1/p' "$blk" | paste -sd, -)
					echo "policies: [$names]"; cat "$blk" ;;
				*) cat "$blk" ;;
				esac
			} > "$work/fragment.yaml"
			(cd "$work" && "$hvsim" validate fragment.yaml) > "$work/out" 2>&1
			rc=$?
			[ $rc -eq 0 ] || { echo "$rel:$line: fragment: hvsim validate exits $rc: $(grep -v '^ *$' "$work/out" | tail -n 3 | tr '\n' ' ')"; bad=1; }
		fi
	done
done
[ $n -gt 0 ] || { echo "check_docs.sh: no YAML examples found under $root"; exit 1; }
echo "check_docs.sh: $n YAML examples checked"
exit $bad
