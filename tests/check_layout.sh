#!/usr/bin/env bash
# check_layout.sh - the layout rules of docs/design.md, checked on the tree:
#   1. #include arrows point downward only (one static library per folder);
#   2. no hardware debug-register assignment outside cpu_dr_write() (cpu/cpu.h);
#   3. no .c file under sim/ over 1,000 lines;
#   4. every path a comment or document names (cpu/..., sim/..., docs/...) exists.
# Prints one line per violation and exits 1 if there is any.
set -uo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$root" || exit 2

# folder -> layer name
layer() {
	case "$1" in
	sim/util/*) echo util ;;   sim/loader/*) echo loader ;;
	sim/render/*) echo render ;; sim/ref/*) echo ref ;; sim/cli/*) echo cli ;;
	sim/*) echo sim ;;         cpu/engine/*) echo engine ;; cpu/*) echo cpu ;;
	debugreg/*) echo debugreg ;; vmx/*) echo vmx ;; svm/*) echo svm ;; arm/*) echo arm ;;
	host/*) echo host ;;
	*) echo other ;;
	esac
}
# layer -> the layers it may include (itself included)
allowed() {
	case "$1" in
	util)     echo "util" ;;
	cpu)      echo "cpu util" ;;
	engine)   echo "engine cpu util" ;;
	host)     echo "host cpu util" ;;
	debugreg) echo "debugreg host cpu util" ;;
	vmx)      echo "vmx debugreg host engine cpu util" ;;
	svm)      echo "svm debugreg host engine cpu util" ;;
	arm)      echo "arm debugreg host engine cpu util" ;;
	loader)   echo "loader cpu util" ;;
	sim)      echo "sim vmx svm arm debugreg host engine cpu loader util" ;;
	render)   echo "render sim vmx svm arm debugreg host engine cpu loader util" ;;
	ref)      echo "ref render sim vmx svm arm debugreg host engine cpu loader util" ;;
	cli)      echo "cli ref render sim vmx svm arm debugreg host engine cpu loader util" ;;
	*)        echo "*" ;;
	esac
}

bad=0
while IFS= read -r f; do
	from=$(layer "$f")
	ok=$(allowed "$from")
	[ "$ok" = "*" ] && continue
	while IFS=: read -r ln inc; do
		to=$(layer "$inc")
		[ "$to" = other ] && continue
		case " $ok " in
		*" $to "*) ;;
		*) echo "$f:$ln: $from must not include $inc ($to is not below $from)"; bad=1 ;;
		esac
	done < <(grep -n '^#include "' "$f" | sed -E 's/^([0-9]+):#include "([^"]+)".*/\1:\2/')
done < <(git ls-files 'cpu/*' 'host/*' 'debugreg/*' 'vmx/*' 'svm/*' 'arm/*' 'sim/*' | grep -E '\.(c|h|def)$')

# 2. one write path: `X->dr[...] = ` / `c->dr[...] |= ` outside cpu/cpu.c, and
#    the Arm CPU's debug bank (`->arm.reg[...] =`) outside cpu_arm_write()
while IFS= read -r hit; do
	echo "$hit: hardware DR assignment outside cpu_dr_write() (cpu/cpu.h)"; bad=1
done < <(git grep -nE '(\bc|cpu)->dr\[[^]]*\] *([-+&|^]?=)([^=]|$)' -- cpu host vmx svm arm debugreg sim ':!cpu/cpu.c' ':!cpu/cpu.h')
while IFS= read -r hit; do
	echo "$hit: Arm debug-register assignment outside cpu_arm_write() (cpu/cpu.h)"; bad=1
done < <(git grep -nE 'arm\.reg\[[^]]*\] *([-+&|^]?=)([^=]|$)' -- cpu host vmx svm arm debugreg sim ':!cpu/cpu.c')

# 3. file size
while IFS= read -r f; do
	n=$(wc -l < "$f")
	if [ "$n" -gt 1000 ]; then echo "$f: $n lines (over 1,000: split it by concept)"; bad=1; fi
done < <(git ls-files 'sim/*.c')

# 4. paths named in sources and documents exist (placeholders such as
#    NAME, KEY, <verb> or * are skipped)
while IFS=: read -r f l p; do
	case "$p" in *NAME*|*KEY*|*'<'*|*'*'*) continue ;; esac
	[ -e "$p" ] || { echo "$f:$l: names $p, which does not exist"; bad=1; }
done < <(git grep -noE '(^|[^A-Za-z0-9_./<>*-])(cpu|host|debugreg|vmx|svm|arm|sim|tests|scripts|docs|scenarios|bench|fuzz)/[A-Za-z0-9_./<>*-]*[A-Za-z0-9_>*]\.(c|h|def|md|sh|yaml|cost)\b' \
	-- ':!reports' ':!*.out' ':!tests/check_layout.sh' | sed -E 's/^([^:]*):([0-9]*):[^a-z]*/\1:\2:/' | sort -u)

exit $bad
