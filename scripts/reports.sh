#!/usr/bin/env bash
# reports.sh - regenerate reports/ from the bundled scenarios (one command).
#
#   bash scripts/reports.sh
#
# For every scenarios/*.yaml: the policy comparison (text, Markdown, CSV, JSON)
# and, from the JSON, the rendered report (perf-style text, SVG charts with
# their CSV/JSON, and a self-contained HTML page).  Output is deterministic:
# regenerating an unchanged tree gives the same bytes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
hvsim="${HVSIM:-$root/build/hvsim}"
[ -x "$hvsim" ] || bash scripts/build.sh >/dev/null
out="$root/reports"
rm -rf "$out.new"
mkdir -p "$out.new"
for sc in scenarios/*.yaml; do
	name="$(basename "$sc" .yaml)"
	d="$out.new/$name"
	mkdir -p "$d"
	"$hvsim" compare "$sc" --format text,md,csv,json -o "$d/compare"
	"$hvsim" report "$d/compare.json" --format text -o "$d/report.txt"
	"$hvsim" report "$d/compare.json" --format svg -o "$d"
	"$hvsim" report "$d/compare.json" --format html -o "$d/report.html"
done
{
	echo "# Generated reports"
	echo
	echo "Regenerate with \`bash scripts/reports.sh\`. One folder per bundled scenario:"
	echo "\`compare.{txt,md,csv,json}\` (hvsim compare), \`report.txt\`, \`exits.svg\`,"
	echo "\`cycles.svg\` (with the CSV/JSON behind each chart) and \`report.html\`."
	echo
	echo "| scenario | summary |"
	echo "|---|---|"
	for sc in scenarios/*.yaml; do
		name="$(basename "$sc" .yaml)"
		summary="$(sed -n 's/^summary: *//p' "$sc" | head -1 | sed 's/^"//; s/"$//')"
		echo "| [$name]($name/compare.md) | $summary |"
	done
} > "$out.new/README.md"
rm -rf "$out"
mv "$out.new" "$out"
echo "reports written to $out"
