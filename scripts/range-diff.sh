#!/usr/bin/env bash
# range-diff.sh - what changed in the series since a posted version (make range-diff).
#
# Usage: [OLD=rev] scripts/range-diff.sh
#
# OLD is a revision of this project (default: the newest tag 'posted/vN',
# which is how a version that was really sent is marked, see
# kernel-config/send; without one, patches/ as it was before its last
# change). The patches/ of OLD and of the working tree are each
# applied to the base with git am, in a scratch clone (build/range-diff),
# and 'git range-diff' compares the two; its output is what the cover
# letter's changelog is written from.
set -euo pipefail
NO_LOCK=1 . "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

old=${OLD:-}
if [ -z "$old" ]; then
	old=$(git -C "$TOP" tag --list 'posted/v*' --sort=-v:refname | head -n 1)
	if [ -z "$old" ]; then
		# The state of patches/ before its last change (or before the
		# uncommitted one).
		old=$(git -C "$TOP" log -1 --format=%H -- patches/)
		if [ -n "$old" ] && git -C "$TOP" diff --quiet HEAD -- patches/; then
			old=$(git -C "$TOP" log -1 --format=%h "$old^" -- patches/)
		fi
	fi
	[ -n "$old" ] || die "no posted/vN tag and no earlier commit of patches/: give OLD=rev"
fi
git -C "$TOP" rev-parse -q --verify "$old^{commit}" >/dev/null || die "OLD=$old is not a revision of this project"
base=$(base_commit)

R=$BUILD/range-diff
rm -rf "$R"
mkdir -p "$R/old"
git clone -q --shared --no-checkout "$SERIES_TREE" "$R/repo"
git -C "$TOP" archive "$old" patches | tar -x -C "$R/old"
# am_branch NAME DIR: the patches in DIR, applied to the base as branch NAME.
am_branch() {
	local p
	git -C "$R/repo" checkout -q -f -B "$1" "$base"
	while IFS= read -r p; do
		git -C "$R/repo" -c user.name=range-diff -c user.email=range-diff@localhost am -q --3way "$p" >/dev/null 2>&1 || {
			git -C "$R/repo" am --abort >/dev/null 2>&1 || true
			die "${p#"$R"/old/} of $old does not apply to the base $base"
		}
	done < <(PATCHES=$2 series_patches)
}
am_branch old "$R/old/patches"
am_branch new "$PATCHES"
log "range-diff: $old ($(git -C "$R/repo" rev-list --count "$base..old") patches) -> working tree ($(git -C "$R/repo" rev-list --count "$base..new") patches)"
git -C "$R/repo" --no-pager range-diff --no-color "$base..old" "$base..new"
