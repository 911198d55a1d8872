#!/usr/bin/env bash
# trailers.sh - bring the trailers collected on a posting's b4 branch back into patches/ (make trailers).
#
# Usage: POSTING=X [FORCE=1] scripts/trailers.sh
#
# After 'b4 trailers -u' on branch b4/lazytlb-x of build/b4 (acks and
# reviews from the list), this writes into the posting's patch files every
# trailer its commits have and the files do not, but the sender's own
# sign-off (which make send adds), matching commits to files by patch-id
# (scripts/posting.py trailers), then brings the kernel work tree in line
# with patches/ (make apply) and marks the branch as written, so that the
# next make send rebuilds it without complaint. It stops, with nothing
# changed, when patches/ has uncommitted changes (unless FORCE=1) or the
# work tree has commits not exported to patches/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

B4_TREE=${B4_TREE:-$BUILD/b4}
export B4_NAME=${B4_NAME:-lazytlb}
x=${POSTING:-}
mapfile -t letters < <(awk '$1 == "posting" { print $2 }' "$TOP/kernel-config/send")
{ [ -n "$x" ] && printf '%s\n' "${letters[@]}" | grep -qx -- "$x"; } ||
	die "POSTING=${x:-<unset>}: give one of ${letters[*]} (kernel-config/send)"
[ -e "$B4_TREE/.git" ] || die "no $B4_TREE: run 'make send POSTING=$x' first"
name=$(git -C "$TOP" config user.name || true)
email=$(git -C "$TOP" config user.email || true)
{ [ -n "$name" ] && [ -n "$email" ]; } || die "set your identity (git config user.name, user.email): the sender's sign-off is told apart by it"
placeholder_email=$(grep -h -o -m1 '<[^>]*>' "$PATCHES"/0001-*.patch | head -n 1 | tr -d '<>')

# The kernel work tree follows the project's patches/; with PATCHES
# elsewhere (the harness's tests) it is left alone.
synced=0
if [ "$(realpath "$PATCHES")" = "$TOP/patches" ]; then
	if { [ -z "${FORCE:-}" ] || [ "$FORCE" = 0 ]; } && [ -n "$(git -C "$TOP" status --porcelain -- "$PATCHES")" ]; then
		die "patches/ has uncommitted changes; commit them first (or FORCE=1), so that the trailers are the only change"
	fi
fi
if [ "$(realpath "$PATCHES")" = "$TOP/patches" ] &&
	git -C "$SERIES_TREE" rev-parse -q --verify "refs/heads/$SERIES_BRANCH" >/dev/null 2>&1; then
	"$TOP/scripts/export.sh" --check >/dev/null ||
		die "the kernel work tree has commits not exported to patches/: 'make export' first"
	synced=1
fi

first=$(awk -v x="$x" '$1 == "posting" && $2 == x { print $3 }' "$TOP/kernel-config/send")
last=$(awk -v x="$x" '$1 == "posting" && $2 == x { print $4 }' "$TOP/kernel-config/send")
mapfile -t patches < <(series_patches)
log "posting $x: trailers of b4/$B4_NAME-${x,,} into patches $first-$last"
python3 "$TOP/scripts/posting.py" trailers "$B4_TREE" "$x" --sender "$name <$email>" \
	--placeholder "$placeholder_email" --patches "${patches[@]:first-1:last-first+1}"
git -C "$B4_TREE" update-ref "refs/lazytlb/b4-written/$B4_NAME-${x,,}" "refs/heads/b4/$B4_NAME-${x,,}"
if [ $synced = 1 ]; then
	"$TOP/scripts/apply.sh"
fi
log "done: review with 'git diff patches/', then commit"
