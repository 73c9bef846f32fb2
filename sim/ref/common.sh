# common.sh - shell functions shared by the booted references' scripts
# (sim/ref/kvm-amd-tcg/, sim/ref/kvm-intel-bochs/, sim/ref/kvm-arm64-tcg/);
# sourced, not run.

# ref_force_arg ARGS...: a build.sh's arguments: force=1 for --force, a
# usage error for anything else.
ref_force_arg() {
	force=0
	for a in "$@"; do
		case "$a" in
		--force) force=1 ;;
		*) echo "usage: $0 [--force]" >&2; exit 2 ;;
		esac
	done
}

# ref_deb_kernel DL META: Debian's kernel package behind the metapackage
# META (linux-image-cloud-amd64, or linux-image-cloud-arm64:arm64 for a
# foreign architecture) unpacked into DL/x; REF_KVER = its version (the
# one directory of DL/x/lib/modules).  DL is emptied first.  apt-get
# download META, then the linux-image-6.1.0-NN-cloud-ARCH it depends on
# (with META's :ARCH); dpkg-deb -x.  $HVSIM_REF_APT_OPTS is passed to
# both apt-get calls: "-t bookworm-backports" (with bookworm-backports in
# the apt sources) fetches Linux 6.12 instead (docs/kvm-reference.md,
# "Another kernel").  Exits 1 when a download fails.
ref_deb_kernel() {
	local dl="$1" pkg="$2"
	local name="${pkg%%:*}"
	local arch="${pkg#"$name"}"             # ":arm64", or empty
	rm -rf "$dl" && mkdir -p "$dl"
	# apt-get download writes to the current directory; _apt cannot write
	# into root-owned directories, which only costs a warning.
	# shellcheck disable=SC2086  # word splitting of the options is intended
	(cd "$dl" && apt-get download ${HVSIM_REF_APT_OPTS:-} "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
	local meta dep img
	meta=$(ls "$dl/${name}"_*.deb 2>/dev/null | head -1)
	[ -n "$meta" ] || { echo "build.sh: apt-get download $pkg failed" >&2; exit 1; }
	# Depends: linux-image-6.1.0-NN-cloud-ARCH (= VERSION)
	dep=$(dpkg-deb -f "$meta" Depends | tr ',' '\n' | sed -n "s/^ *\(linux-image-[^ ]*\) *(= *\([^)]*\)).*/\1$arch=\2/p" | head -1)
	[ -n "$dep" ] || { echo "build.sh: cannot read the kernel package from $meta" >&2; exit 1; }
	# shellcheck disable=SC2086
	(cd "$dl" && apt-get download ${HVSIM_REF_APT_OPTS:-} "$dep" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
	img=$(ls "$dl"/linux-image-[0-9]*.deb 2>/dev/null | head -1)
	[ -n "$img" ] || { echo "build.sh: apt-get download $dep failed" >&2; exit 1; }
	rm -rf "$dl/x" && dpkg-deb -x "$img" "$dl/x"
	REF_KVER=$(ls "$dl/x/lib/modules" | head -1)
}

# ref_fetch_kernel WORK VENDOR-MODULE FORCE: Debian's cloud kernel and its
# irqbypass.ko, kvm.ko and VENDOR-MODULE.ko (kvm-amd or kvm-intel) into
# WORK/{vmlinuz,modules/,kernel-version}, unless there (FORCE=1 redoes it).
# ref_deb_kernel linux-image-cloud-amd64; Linux 6.12's modules are .ko.xz
# (decompressed here; docs/kvm-reference.md, "Another kernel").
ref_fetch_kernel() {
	local work="$1" vmod="$2" force="$3"
	[ "$force" = 1 ] || [ ! -s "$work/vmlinuz" ] || [ ! -s "$work/modules/$vmod.ko" ] || return 0
	local dl="$work/deb" kver
	ref_deb_kernel "$dl" linux-image-cloud-amd64
	kver="$REF_KVER"
	cp "$dl/x/boot/vmlinuz-$kver" "$work/vmlinuz"
	mkdir -p "$work/modules"
	for m in virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko "arch/x86/kvm/$vmod.ko"; do
		local src="$dl/x/lib/modules/$kver/kernel/$m"
		if [ -e "$src" ]; then
			cp "$src" "$work/modules/"
		elif [ -e "$src.xz" ]; then          # Debian 13 / backports: compressed modules
			xz -dc "$src.xz" > "$work/modules/$(basename "$m")"
		else
			echo "build.sh: $m not in the kernel package" >&2; exit 1
		fi
	done
	echo "$kver" > "$work/kernel-version"
	rm -rf "$dl"
}

# ref_build_runner ROOT WORK FORCE: WORK/runner = sim/ref/runner.c and the
# /dev/kvm runner (sim/ref/devkvm*.c, libc only) linked statically: the same
# code that `hvsim kvm` runs in-process.  Rebuilt when a source is newer.
ref_build_runner() {
	local root="$1" work="$2" force="$3" stale=0 s
	local srcs=("$root/sim/ref/runner.c" "$root"/sim/ref/devkvm*.c)
	for s in "${srcs[@]}" "$root/sim/ref/devkvm.h" "$root/sim/ref/devkvm_impl.h"; do
		[ -e "$s" ] && [ "$s" -nt "$work/runner" ] && stale=1
	done
	[ "$force" = 1 ] || [ ! -x "$work/runner" ] || [ "$stale" = 1 ] || return 0
	gcc -std=gnu11 -O1 -static -Wall -Wextra -Werror -Wno-unused-parameter -I"$root" \
	    -o "$work/runner.tmp" "${srcs[@]}"
	mv "$work/runner.tmp" "$work/runner"
}

# ref_outcomes LOG DIR: the outcomes a runner printed on the serial console
# (LOG), one DIR/KEY.out per block from "=== hvsim-outcome KEY.img ===" to
# "=== end ===" (DIR is emptied first).  A kernel message that lands inside
# a block ("[   12.345678] ...", kvm_intel: "Unhandled WRMSR") is dropped:
# no runner line starts with "[".
ref_outcomes() {
	local log="$1" dir="$2"
	rm -rf "$dir" && mkdir -p "$dir"
	tr -d '\r' < "$log" | awk -v dir="$dir" '
		/^=== hvsim-outcome .* ===$/ { name = $3; sub(/\.img$/, "", name); f = dir "/" name ".out"; next }
		/^=== end ===$/ { if (f) close(f); f = ""; next }
		/^\[ *[0-9]+\.[0-9]+\] / { next }
		f { print > f }'
}

# ref_export SCENARIO DIR: `hvsim kvm SCENARIO --export` into DIR/KEY.img and
# REF_KEY=KEY.  Returns 1 (nothing to measure) when it cannot be exported,
# when $cache/KEY.out exists and $force is 0, or when DIR already has KEY.
# Uses $hvsim, $cache, $force of the calling run.sh.
ref_export() {
	local sc="$1" dir="$2" st=0
	REF_KEY=$("$hvsim" kvm "$sc" --export "$dir/.export.img") || st=$?
	if [ $st -ne 0 ]; then
		echo "run.sh: $sc: cannot be exported (hvsim kvm exit status $st), skipped" >&2
	elif [ "$force" = 0 ] && [ -s "$cache/$REF_KEY.out" ]; then
		echo "cached: $sc -> $cache/$REF_KEY.out"
	elif [ ! -e "$dir/$REF_KEY.img" ]; then
		mv "$dir/.export.img" "$dir/$REF_KEY.img"
		return 0
	fi
	rm -f "$dir/.export.img"
	return 1
}
