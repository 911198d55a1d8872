#!/usr/bin/env bash
# range-diff.sh - what changed in the series since a posted version (make range-diff).
#
# Usage: [OLD=rev] scripts/range-diff.sh
#
# OLD is a revision of this project (default: the newest tag 'posted/vN',
# which marks the project commit a version was really sent from; without
# one, the newest commit whose patches differ from the working tree's,
# the cover letter left out). The patches of OLD and of the working tree
# are each committed onto the base in the kernel repository on a scratch
# index (scripts/posting.py chain: no clone, no checkout, nothing in the
# work tree moves), as refs/lazytlb/range-diff/{old,new}, and 'git
# range-diff' compares them. The cover letters of 'make send' carry the
# range-diff against the last version b4 sent of each posting.
set -euo pipefail
NO_LOCK=1 . "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

# patch_set REV: the content of REV's patch files (cover letter left out),
# one line per file; REV empty: the working tree's.
patch_set() {
	local f
	if [ -z "$1" ]; then
		while IFS= read -r f; do git hash-object "$f"; done < <(series_patches)
	else
		git -C "$TOP" ls-tree "$1" patches/ | awk '$4 ~ /\.patch$/ && $4 !~ /0000-cover-letter/ { print $3 }'
	fi
}
old=${OLD:-}
if [ -z "$old" ]; then
	old=$(git -C "$TOP" tag --list 'posted/v*' --sort=-v:refname | head -n 1)
	if [ -z "$old" ]; then
		now=$(patch_set '')
		while IFS= read -r c; do
			if [ "$(patch_set "$c")" != "$now" ]; then
				old=$c
				break
			fi
		done < <(git -C "$TOP" log --format=%h -- patches/)
	fi
	[ -n "$old" ] || die "no posted/vN tag and no commit whose patches differ from the working tree's: give OLD=rev"
fi
git -C "$TOP" rev-parse -q --verify "$old^{commit}" >/dev/null || die "OLD=$old is not a revision of this project"
base=$(base_commit)

tmp=$(mktemp -d)
remove_tmp() { rm -rf "$tmp"; }
at_exit remove_tmp
git -C "$TOP" archive "$old" patches | tar -x -C "$tmp"
mapfile -t oldp < <(PATCHES=$tmp/patches series_patches)
mapfile -t newp < <(series_patches)
o=$(python3 "$TOP/scripts/posting.py" chain "$SERIES_TREE" "$base" "${oldp[@]}") ||
	die "the patches of $old do not apply to the base $base"
n=$(python3 "$TOP/scripts/posting.py" chain "$SERIES_TREE" "$base" "${newp[@]}") ||
	die "the working tree's patches do not apply to the base $base"
git -C "$SERIES_TREE" update-ref refs/lazytlb/range-diff/old "$o"
git -C "$SERIES_TREE" update-ref refs/lazytlb/range-diff/new "$n"
log "range-diff: $old (${#oldp[@]} patches) -> working tree (${#newp[@]} patches)"
git -C "$SERIES_TREE" --no-pager range-diff --no-color "$base..$o" "$base..$n"
