#!/usr/bin/env bash
# bisect.sh - build every patch of the series on its own, in every variant,
# and boot every posting boundary in both lazy TLB modes.
#
# Usage: [VARIANTS="default debug"] [FIRST=N] [W=1] [C=1]
#        [BOOT_VARIANTS="debug shootdown"] [POSTINGS="A B ..."]
#        scripts/bisect.sh [--boundaries]
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
#
# Then each posting of kernel-config/send is booted as it would be merged,
# on the base plus the postings before it: 'make run UPTO=LAST' (the
# posting's last patch) in each variant of BOOT_VARIANTS, by default
# 'debug' (MMU_LAZY_TLB_REFCOUNT with the checks) and 'shootdown'
# (MMU_LAZY_TLB_SHOOTDOWN with the checks), with the selftests that prefix
# has. A prefix without CONFIG_ARM64_LAZY_TLB_SHOOTDOWN has one lazy TLB
# mode only on arm64: its 'shootdown' row is a skip that says so. One row
# per posting and variant, with the run's closing line. --boundaries does
# only this (make check-all); POSTINGS names some postings only.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The whole series, also under UPTO (lib.sh).
KTREE=$SERIES_TREE
boundaries_only=0
case "${1:-}" in
-h | --help) usage; exit 0 ;;
--boundaries) boundaries_only=1 ;;
'') ;;
*) usage >&2; die "unknown argument '$1'" ;;
esac

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
	# Kernel builds only: a variant 'NAME =OTHER' boots OTHER's kernel.
	variants=()
	while IFS= read -r v; do
		[ "$(build_variant "$v")" != "$v" ] || variants+=("$v")
	done < <(variant_names variants)
fi
[ $boundaries_only = 0 ] || variants=()
[ ${#variants[@]} = 0 ] || arm64_only "${variants[@]}"

B=$BUILD/bisect
tree=$B/tree
mkdir -p "$B"
[ -e "$tree/.git" ] || git -C "$KTREE" worktree add --quiet --detach "$tree" "$base"
# Each variant is configured once, at the head of the series; every commit
# is built with that .config, less the options it does not have yet
# (olddefconfig), so a debug option a later patch adds is simply absent.
for v in ${variants[@]+"${variants[@]}"}; do
	git -C "$tree" checkout -q --detach "${commits[-1]}"
	KTREE=$tree VARIANT=$v VDIR=$B/$v "$TOP/scripts/config.sh" >/dev/null
	cp "$B/$v/obj/.config" "$B/config-$v"
done
pass=0 fail=0 skip=0 n=0
echo "TAP version 13"
commits_to_build=("${commits[@]:first-1}")
[ $boundaries_only = 0 ] || commits_to_build=()
for c in ${commits_to_build[@]+"${commits_to_build[@]}"}; do
	git -C "$tree" checkout -q --detach "$c"
	subject=$(git -C "$tree" log -1 --format='%h %s' "$c")
	for v in ${variants[@]+"${variants[@]}"}; do
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

# The posting boundaries, booted.
read -r -a boot_variants <<<"${BOOT_VARIANTS:-debug shootdown}"
mapfile -t postings < <(sed -n 's/^posting \([A-Z]\) \([0-9]*\) \([0-9]*\).*/\1 \3/p' "$TOP/kernel-config/send")
[ ${#postings[@]} -gt 0 ] || die "no postings in kernel-config/send"
for p in "${postings[@]}"; do
	read -r letter last <<<"$p"
	[ -z "${POSTINGS:-}" ] || [[ " $POSTINGS " == *" $letter "* ]] || continue
	[ "$last" -le ${#commits[@]} ] || die "posting $letter ends at patch $last; the series has ${#commits[@]}"
	git -C "$tree" checkout -q --detach "${commits[last - 1]}"
	has_shootdown=0
	! grep -q '^config ARM64_LAZY_TLB_SHOOTDOWN$' "$tree/arch/arm64/Kconfig" || has_shootdown=1
	for v in "${boot_variants[@]}"; do
		n=$((n + 1))
		name="boot posting $letter (UPTO=$last) [$v]"
		if [ "$v" = shootdown ] && [ $has_shootdown = 0 ]; then
			echo "ok $n $name # SKIP no CONFIG_ARM64_LAZY_TLB_SHOOTDOWN before patch $last: REFCOUNT only, booted as debug"
			skip=$((skip + 1))
			continue
		fi
		log "booting posting $letter, UPTO=$last, $v"
		out=$B/boot-$letter-$v.log
		rc=0
		env UPTO="$last" VARIANT="$v" "$TOP/scripts/run.sh" >"$out" 2>&1 || rc=$?
		closing=$(grep -E '^[0-9]+ passed, ' "$out" | tail -n 1 || true)
		if [ $rc = 0 ]; then
			echo "ok $n $name: $closing"
			pass=$((pass + 1))
		else
			echo "not ok $n $name: ${closing:-no closing line} (log: ${out#"$TOP"/})"
			fail=$((fail + 1))
		fi
	done
done
echo "1..$n"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
