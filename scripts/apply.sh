#!/usr/bin/env bash
# apply.sh - apply patches/ onto the base as branch lazytlb/series, and tests/kernel/ on top.
#
# Usage: scripts/apply.sh [--force]
#
# Runs 'git am --3way' of patches/*.patch (the cover letter excluded) on a
# fresh lazytlb/series branch made from the base commit (scripts/base.sh),
# then of tests/kernel/*.patch (the test-only kernel patches) on a branch
# lazytlb/test made from it, which is left checked out: the harness builds
# the series with its test-only instrumentation.
# On a patch that does not apply it names the patch, the file and the hunk,
# aborts the am (the tree is left clean, on the base) and exits non-zero.
#
# The work tree is where the series is edited as commits ('make export'
# writes them back to patches/ and tests/kernel/). So nothing is lost:
# when both are unchanged since the last apply the tree is left alone
# (commits made since are built as they are); when one changed but a
# branch has commits that were never exported, it stops unless --force,
# and even then the old branch heads are kept as
# refs/lazytlb/backup/<date>/<branch>. An empty patches/ gives the bare
# base.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The whole series, also under UPTO (lib.sh).
KTREE=$SERIES_TREE

force=0
flag_arg --force "${1:-}" && force=1
[ -n "${FORCE:-}" ] && [ "${FORCE}" != 0 ] && force=1

[ -f "$BUILD/base-commit" ] || die "no base: run 'make base' first"
base=$(cat "$BUILD/base-commit")
g() { git -C "$KTREE" "$@"; }

mapfile -t patches < <(series_patches)
mapfile -t tpatches < <(test_patches)
stamp=$(patches_stamp "$base")
stampfile=$BUILD/applied
heads() {
	printf '%s %s\n' "$(g rev-parse -q --verify "refs/heads/$SERIES_BRANCH" || true)" \
		"$(g rev-parse -q --verify "refs/heads/$TEST_BRANCH" || true)"
}
read -r head thead <<<"$(heads)" || true
if [ -f "$stampfile" ] && [ -n "$head" ]; then
	read -r old_stamp old_head old_thead <"$stampfile" || true
	if [ "$old_stamp" = "$stamp" ]; then
		[ "$(g rev-parse -q --abbrev-ref HEAD)" = "$TEST_BRANCH" ] ||
			die "the work tree $KTREE is not on $TEST_BRANCH (the series and tests/kernel on top): 'git -C $KTREE checkout $TEST_BRANCH'"
		if [ "$head $thead" != "$old_head ${old_thead:-}" ]; then
			log "patches/ and tests/kernel/ unchanged; $SERIES_BRANCH or $TEST_BRANCH has commits not yet exported ('make export'): building them as they are"
		else
			log "series already applied (${#patches[@]} patches, ${#tpatches[@]} test-only)"
		fi
		exit 0
	fi
	if [ "$head $thead" != "$old_head ${old_thead:-}" ] && [ $force = 0 ]; then
		die "patches/ or tests/kernel/ changed, and $SERIES_BRANCH or $TEST_BRANCH has commits that were never exported; run 'make export' to keep them, or 'make apply FORCE=1' to drop them (kept as a backup ref)"
	fi
fi

[ -z "$(g status --porcelain --untracked-files=no)" ] ||
	die "the work tree $KTREE has uncommitted changes; commit or stash them first"
for b in "$SERIES_BRANCH:$head" "$TEST_BRANCH:$thead"; do
	h=${b#*:}
	if [ -n "$h" ] && [ "$h" != "$base" ] && ! g merge-base --is-ancestor "$h" "$base"; then
		backup=refs/lazytlb/backup/$(date +%Y%m%d-%H%M%S)/${b%%:*}
		g update-ref "$backup" "$h"
		log "previous ${b%%:*} kept as $backup"
	fi
done
g checkout -q -B "$SERIES_BRANCH" "$base"

# am_patches WHAT FILE...: git am FILEs onto the checked-out branch; on
# failure name the patch, its file and hunk, and leave the tree clean at
# the base.
am_patches() {
	local what=$1 amlog=$BUILD/logs/am.log failed num pfile
	shift
	log "applying $# $what"
	mkdir -p "$BUILD/logs"
	if g -c user.name="lazytlb harness" -c user.email=harness@lazytlb.invalid \
		am --3way --keep-cr "$@" >"$amlog" 2>&1; then
		return 0
	fi
	failed=$(sed -n 's/^Patch failed at \([0-9]*\) \(.*\)/\1 \2/p' "$amlog" | head -n 1)
	num=${failed%% *}
	pfile=$(printf '%s\n' "$@" | sed -n "$((10#${num:-1}))p")
	printf 'apply.sh: patch %s does not apply: %s\n' "${pfile#"$TOP"/}" "${failed#* }" >&2
	# Name the hunks: git apply reports "patch failed: FILE:LINE";
	# the hunk is the one of FILE starting at LINE.
	g apply --check "$pfile" 2>&1 | sed -n 's/^error: patch failed: \(.*\):\([0-9]*\)$/\1 \2/p' |
		while read -r file line; do
			hunk=$(awk -v f="$file" -v l="$line" '
				/^diff --git / { cur = ($3 == "a/" f) }
				cur && /^@@ / { split($2, a, ","); if (substr(a[1], 2) == l) { print; exit } }
			' "$pfile")
			printf 'apply.sh:   %s: hunk %s\n' "$file" "${hunk:-at line $line}" >&2
		done || true
	grep -E '^(CONFLICT|error:)' "$amlog" | sed 's/^/apply.sh:   /' >&2 || true
	g am --abort >/dev/null 2>&1 || true
	g checkout -q -B "$SERIES_BRANCH" "$base"
	g reset -q --hard "$base"
	g branch -q -D "$TEST_BRANCH" 2>/dev/null || true
	rm -f "$stampfile"
	die "git am failed; the tree is clean at the base (log: $amlog)"
}

if [ ${#patches[@]} -eq 0 ]; then
	log "patches/ is empty: the series is the bare base"
else
	am_patches "patches of the series" "${patches[@]}"
fi
g checkout -q -B "$TEST_BRANCH" "$SERIES_BRANCH"
[ ${#tpatches[@]} -eq 0 ] || am_patches "test-only patches (tests/kernel/)" "${tpatches[@]}"
read -r head thead <<<"$(heads)"
printf '%s %s %s\n' "$stamp" "$head" "$thead" >"$stampfile"
log "$SERIES_BRANCH at $(g log -1 --format='%h %s' "$SERIES_BRANCH")"
log "$TEST_BRANCH (checked out) at $(g log -1 --format='%h %s')"
