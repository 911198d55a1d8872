#!/usr/bin/env bash
# archbuild.sh - the series built for powerpc64le and x86_64, options on and off (make archbuild).
#
# Usage: [ARCHS="powerpc x86_64"] [OPTS="on off"] [EXTRA_CONFIG=FILE]
#        scripts/archbuild.sh [--boundaries | --config-only]
#
# The series changes generic code every architecture runs, and powerpc's
# radix code; powerpc64 is the other MMU_LAZY_TLB_SHOOTDOWN user, x86_64
# runs REFCOUNT with the series' generic checks. For each architecture and
# each setting of the series' options, a small configuration: tinyconfig,
# then kernel-config/arch/ARCH.config (a pseries guest with the radix MMU
# on powerpc; a virtual machine's x86_64), then debug-on.config (the
# series' debug options, its test module, LKDTM and the KUnit tests) or
# debug-off.config. Every option these fragments ask for that the tree
# knows must reach .config with that value. vmlinux is linked from the
# series head in a worktree of its own (build/arch/tree; objects in
# build/arch/ARCH-OPTS, ccache shared with the arm64 builds). Then the C
# files the series touches that the configuration builds are compiled
# again with W=1, at the series head and at the base (build/arch/base-tree,
# the same .config, olddefconfig): a warning the series adds (line numbers
# dropped) fails.
# --boundaries does all of it at the last patch of every posting of
# kernel-config/send too (make check-all). --config-only configures and
# checks the options, no build (objects in build/arch/config-only/).
# EXTRA_CONFIG is a fragment merged after the others (an option to try).
# Prints a KTAP row per build and 'N passed, N failed'.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bounds=0 config_only=0
case "${1:-}" in
--config-only) config_only=1 ;;
*) flag_arg --boundaries "${1:-}" && bounds=1 ;;
esac
if [ -n "${EXTRA_CONFIG:-}" ]; then
	[ -f "$EXTRA_CONFIG" ] || die "EXTRA_CONFIG=$EXTRA_CONFIG: no such file"
	EXTRA_CONFIG=$(realpath "$EXTRA_CONFIG")	# merged from the tree
fi
ARCHS=${ARCHS:-powerpc x86_64}
OPTS=${OPTS:-on off}
for a in $ARCHS; do
	case $a in
	powerpc) need powerpc64le-linux-gnu-gcc gcc-powerpc64le-linux-gnu ;;
	x86_64) need gcc gcc ;;
	*) die "ARCHS: unknown architecture '$a' (powerpc x86_64)" ;;
	esac
done
for o in $OPTS; do
	case $o in on | off) ;; *) die "OPTS: '$o' is not on or off" ;; esac
done
need ccache ccache

base=$(base_commit)
head=$(git -C "$SERIES_TREE" rev-parse -q --verify "$SERIES_BRANCH") ||
	die "no branch $SERIES_BRANCH: run 'make apply' first"
A=$BUILD/arch
# Two worktrees, so that no checkout touches the headers of the other's
# objects (each flip would rebuild most of the kernel).
tree=$A/tree btree=$A/base-tree
mkdir -p "$A"
[ -e "$tree/.git" ] || git -C "$SERIES_TREE" worktree add --quiet --detach "$tree" "$head"
[ -e "$btree/.git" ] || git -C "$SERIES_TREE" worktree add --quiet --detach "$btree" "$base"
[ "$(git -C "$btree" rev-parse HEAD)" = "$base" ] || git -C "$btree" checkout -q --detach "$base"

# The points to build: the series head, and with --boundaries each
# posting's last patch before it.
points=()
if [ $bounds = 1 ]; then
	n=$(git -C "$SERIES_TREE" rev-list --count "$base..$head")
	while read -r x last; do
		[ "$last" -lt "$n" ] && points+=("$x:$(git -C "$SERIES_TREE" rev-parse "$head~$((n - last))")")
	done < <(awk '$1 == "posting" { print $2, $4 }' "$TOP/kernel-config/send")
fi
points+=("series:$head")

# kmake ARCH TREE MAKE-ARGS...
kmake() {
	local arch=$1 t=$2
	shift 2
	# (CROSS_COMPILE given here: a caller's would be for another arch.)
	local cross=(CROSS_COMPILE=powerpc64le-linux-gnu- CC="ccache powerpc64le-linux-gnu-gcc")
	[ "$arch" != x86_64 ] || cross=(CROSS_COMPILE= CC="ccache gcc")
	CCACHE_DIR=${CCACHE_DIR:-$BUILD/ccache} make -C "$t" ARCH="$arch" "${cross[@]}" "$@"
}

# configure ARCH OPTS OBJ: tinyconfig and the fragments; the options the
# fragments ask for, checked.
configure() {
	local arch=$1 opts=$2 obj=$3 frag want line sym val
	mkdir -p "$obj"
	kmake "$arch" "$tree" O="$obj" tinyconfig >"$obj/config.log" 2>&1 || die "tinyconfig for $arch failed (log: $obj/config.log)"
	frag=("$TOP/kernel-config/arch/$arch.config" "$TOP/kernel-config/arch/debug-$opts.config" ${EXTRA_CONFIG:+"$EXTRA_CONFIG"})
	(cd "$tree" && ARCH=$arch scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" "${frag[@]}") \
		>>"$obj/config.log" 2>&1 || die "merge_config.sh for $arch failed (log: $obj/config.log)"
	kmake "$arch" "$tree" O="$obj" olddefconfig >>"$obj/config.log" 2>&1 || die "olddefconfig for $arch failed (log: $obj/config.log)"
	want=''
	while IFS= read -r line; do
		if [[ $line =~ ^CONFIG_([A-Z0-9_]+)=(.*)$ ]]; then
			sym=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
		elif [[ $line =~ ^#\ CONFIG_([A-Z0-9_]+)\ is\ not\ set$ ]]; then
			sym=${BASH_REMATCH[1]} val=n
		else
			continue
		fi
		# An option this point of the series does not have yet.
		grep -rqx --include='Kconfig*' "\(menu\)\?config $sym" "$tree" || continue
		if [ "$val" = n ]; then
			! grep -q "^CONFIG_$sym=" "$obj/.config" || want+=" $sym=n"
		else
			grep -qx "CONFIG_$sym=$val" "$obj/.config" || want+=" $sym=$val"
		fi
	done < <(cat "${frag[@]}")
	[ -z "$want" ] || { echo "options that did not reach .config:$want"; return 1; }
}

# warnings ARCH TREE OBJ OUT: the W=1 warnings of the objects in have[]
# whose C file TREE has, built again, normalized into OUT.
warnings() {
	local arch=$1 t=$2 obj=$3 out=$4 o mine=()
	for o in "${have[@]}"; do
		[ -f "$t/${o%.o}.c" ] && mine+=("$o")
		rm -f "$obj/$o"
	done
	: >"$out"
	[ ${#mine[@]} -gt 0 ] || return 0
	kmake "$arch" "$t" O="$obj" W=1 -j"${JOBS:-$(nproc)}" "${mine[@]}" >"$out.log" 2>&1 ||
		{ tail -n 20 "$out.log"; return 1; }
	norm_warnings "$t" <"$out.log" >"$out"
}

# build ARCH OPTS OBJ COMMIT: configure, link vmlinux, and no W=1 warning
# in the touched files[] that the base does not have (one KTAP row).
build() {
	local arch=$1 opts=$2 obj=$3 commit=$4 bobj=$3-base f new
	rm -f "$obj/w1-series.txt" "$bobj/w1-base.txt"
	[ "$(git -C "$tree" rev-parse HEAD)" = "$commit" ] || git -C "$tree" checkout -q --detach "$commit"
	configure "$arch" "$opts" "$obj"
	kmake "$arch" "$tree" O="$obj" -j"${JOBS:-$(nproc)}" vmlinux >"$obj/build.log" 2>&1 || {
		echo "the build failed (log: $obj/build.log)"
		grep -E 'error|Error' "$obj/build.log" | head -n 20
		return 1
	}
	# The touched C files this configuration built, again with W=1; then
	# the same objects at the base: its own output directory, the same
	# .config.
	have=()
	for f in "${files[@]}"; do
		[ ! -f "$obj/${f%.c}.o" ] || have+=("${f%.c}.o")
	done
	warnings "$arch" "$tree" "$obj" "$obj/w1-series.txt" || { echo "the W=1 build failed"; return 1; }
	mkdir -p "$bobj"
	cp "$obj/.config" "$bobj/.config"
	kmake "$arch" "$btree" O="$bobj" olddefconfig >"$bobj/config.log" 2>&1
	warnings "$arch" "$btree" "$bobj" "$bobj/w1-base.txt" || { echo "the W=1 build at the base failed"; return 1; }
	new=$(comm -13 "$bobj/w1-base.txt" "$obj/w1-series.txt")
	[ -z "$new" ] || { echo "new W=1 warnings:"; echo "$new"; return 1; }
}

ktap_begin
for p in "${points[@]}"; do
	name=${p%%:*} commit=${p#*:}
	mapfile -t files < <(git -C "$SERIES_TREE" diff --name-only --diff-filter=AM "$base" "$commit" -- '*.c' |
		grep -v '^tools/' || true)
	for arch in $ARCHS; do
		for opts in $OPTS; do
			obj=$A/$arch-$opts
			[ "$name" = series ] || obj=$A/$arch-$opts-$name
			if [ $config_only = 1 ]; then
				obj=$A/config-only/$arch-$opts
				[ "$(git -C "$tree" rev-parse HEAD)" = "$commit" ] || git -C "$tree" checkout -q --detach "$commit"
				ok_if "$arch options $opts at $name: every option asked for reaches .config" \
					configure "$arch" "$opts" "$obj"
				continue
			fi
			log "$arch options $opts at $name: configure, link vmlinux (log: ${obj#"$TOP"/}/build.log)"
			ok_if "$arch options $opts at $name: vmlinux linked, no new W=1 warnings" \
				build "$arch" "$opts" "$obj" "$commit"
			[ ! -f "$obj-base/w1-base.txt" ] || [ ! -f "$obj/w1-series.txt" ] ||
				log "W=1 warnings in the touched files: $(wc -l <"$obj-base/w1-base.txt") at the base, $(wc -l <"$obj/w1-series.txt") with the series"
		done
	done
done
ktap_end
