#!/usr/bin/env bash
# prefix.sh - check out the first UPTO patches of the series on their own.
#
# Usage: UPTO=N scripts/prefix.sh
#
# 'make run UPTO=N' runs it after apply: build/upto/tree, a detached
# worktree of the series tree, is moved to the series' N-th patch (0: the
# bare base), and config, build, kselftest, initramfs, test and shell then
# work there (with the same UPTO) and in build/VARIANT-uptoN. A posting
# (kernel-config/send: A is UPTO=3, B UPTO=4, C UPTO=10, D UPTO=17, E the whole series)
# is built and tested as it would be merged, without what comes after it.
# The branch lazytlb/series is not touched.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

[ -n "${UPTO:-}" ] || die "UPTO is not set: give a number of patches, e.g. 'make run UPTO=4'"
[ -f "$BUILD/base-commit" ] || die "no base: run 'make base' first"
base=$(cat "$BUILD/base-commit")
mapfile -t commits < <(git -C "$SERIES_TREE" rev-list --reverse "$base..$SERIES_BRANCH")
n=${#commits[@]}
[ "$UPTO" -le "$n" ] || die "UPTO=$UPTO: the series has $n patches"
if [ "$UPTO" = 0 ]; then
	c=$base
else
	c=${commits[UPTO - 1]}
fi
if [ -e "$KTREE/.git" ]; then
	[ -z "$(git -C "$KTREE" status --porcelain --untracked-files=no)" ] ||
		die "$KTREE has local changes; it only ever holds a prefix of the series: edit in $SERIES_TREE ('git -C $KTREE checkout -- .' drops them)"
	git -C "$KTREE" checkout -q --detach "$c"
	# Selftests are built in the tree: their binaries, which a later
	# prefix's .gitignore hides, would make an earlier prefix seem to have
	# a collection it does not have yet.
	git -C "$KTREE" clean -fdq
else
	mkdir -p "$(dirname "$KTREE")"
	git -C "$SERIES_TREE" worktree add --quiet --detach "$KTREE" "$c"
fi
log "$KTREE at patch $UPTO of $n: $(git -C "$KTREE" log -1 --format='%h %s')"
