#!/usr/bin/env bash
# bisect.sh - build every patch of the series on its own, in every variant.
#
# Usage: [VARIANTS="default debug"] [FIRST=N] [W=1] [C=1] scripts/bisect.sh
#
# Checks out each commit of lazytlb/series (base excluded) in a separate
# worktree (build/bisect/tree, so the work tree is not touched), gives it
# the configuration of each variant of kernel-config/variants (or VARIANTS)
# as made at the head of the series, and builds
# Image and modules out of tree in build/bisect/VARIANT, with ccache. A
# series must build at every commit ('bisectable'). Prints one row per
# commit and variant and the line 'N passed, N failed'. Slow (a kernel
# build per commit and variant; ccache helps little when a patch touches a
# common header), so it is not part of 'make check'. FIRST=N starts at the
# N-th patch (1-based), to finish a run that was cut short.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The whole series, also under UPTO (lib.sh).
KTREE=$SERIES_TREE
help_or_none "${1:-}"

[ -f "$BUILD/base-commit" ] || die "no base: run 'make base' first"
base=$(cat "$BUILD/base-commit")
mapfile -t commits < <(git -C "$KTREE" rev-list --reverse "$base..$SERIES_BRANCH")
[ ${#commits[@]} -gt 0 ] || die "the series is empty"
first=${FIRST:-1}
if ! [[ $first =~ ^[1-9][0-9]*$ ]] || [ "$first" -gt ${#commits[@]} ]; then
	die "FIRST=$first: not a patch number from 1 to ${#commits[@]}"
fi
if [ -n "${VARIANTS:-}" ]; then
	read -r -a variants <<<"$VARIANTS"
else
	mapfile -t variants < <(variant_names variants)
fi

B=$BUILD/bisect
tree=$B/tree
mkdir -p "$B"
[ -e "$tree/.git" ] || git -C "$KTREE" worktree add --quiet --detach "$tree" "$base"
# Each variant is configured once, at the head of the series; every commit
# is built with that .config, less the options it does not have yet
# (olddefconfig), so a debug option a later patch adds is simply absent.
for v in "${variants[@]}"; do
	git -C "$tree" checkout -q --detach "${commits[-1]}"
	KTREE=$tree VARIANT=$v VDIR=$B/$v "$TOP/scripts/config.sh" >/dev/null
	cp "$B/$v/obj/.config" "$B/config-$v"
done
pass=0 fail=0 n=0
echo "TAP version 13"
for c in "${commits[@]:first-1}"; do
	git -C "$tree" checkout -q --detach "$c"
	subject=$(git -C "$tree" log -1 --format='%h %s' "$c")
	for v in "${variants[@]}"; do
		n=$((n + 1))
		log "building $subject ($v)"
		mkdir -p "$B/$v/obj"
		cp "$B/config-$v" "$B/$v/obj/.config"
		if make -C "$tree" O="$B/$v/obj" ARCH=arm64 CROSS_COMPILE="$CROSS_COMPILE" \
			olddefconfig >/dev/null 2>&1 &&
			KTREE=$tree VARIANT=$v VDIR=$B/$v "$TOP/scripts/build.sh" >/dev/null; then
			echo "ok $n $subject [$v]"
			pass=$((pass + 1))
		else
			echo "not ok $n $subject [$v] (log: build/bisect/$v/logs/build.log)"
			fail=$((fail + 1))
		fi
	done
done
echo "1..$n"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
