#!/usr/bin/env bash
# apply.sh - apply patches/ onto the base as branch lazytlb/series.
#
# Usage: scripts/apply.sh [--force]
#
# Runs 'git am --3way' of patches/*.patch (the cover letter excluded) on a
# fresh lazytlb/series branch made from the base commit (scripts/base.sh).
# On a patch that does not apply it names the patch, the file and the hunk,
# aborts the am (the tree is left clean, on the base) and exits non-zero.
#
# The work tree is where the series is edited as commits ('make export'
# writes them back to patches/). So nothing is lost: when patches/ is
# unchanged since the last apply the tree is left alone (commits made
# since are built as they are); when patches/ changed but the branch has
# commits that were never exported, it stops unless --force, and even then
# the old branch head is kept as refs/lazytlb/backup/<date>. An empty
# patches/ gives the bare base.
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
stamp=$(patches_stamp "$base")
stampfile=$BUILD/applied
head=$(g rev-parse -q --verify "refs/heads/$SERIES_BRANCH" || true)
if [ -f "$stampfile" ] && [ -n "$head" ]; then
	read -r old_stamp old_head <"$stampfile"
	if [ "$old_stamp" = "$stamp" ]; then
		if [ "$head" != "$old_head" ]; then
			log "patches/ unchanged; $SERIES_BRANCH has commits not yet exported ('make export'): building them as they are"
		else
			log "series already applied (${#patches[@]} patches)"
		fi
		exit 0
	fi
	if [ "$head" != "$old_head" ] && [ $force = 0 ]; then
		die "patches/ changed, and $SERIES_BRANCH has commits that were never exported; run 'make export' to keep them, or 'make apply FORCE=1' to drop them (kept as a backup ref)"
	fi
fi

[ -z "$(g status --porcelain --untracked-files=no)" ] ||
	die "the work tree $KTREE has uncommitted changes; commit or stash them first"
if [ -n "$head" ] && [ "$head" != "$base" ] && ! g merge-base --is-ancestor "$head" "$base"; then
	backup=refs/lazytlb/backup/$(date +%Y%m%d-%H%M%S)
	g update-ref "$backup" "$head"
	log "previous $SERIES_BRANCH kept as $backup"
fi
g checkout -q -B "$SERIES_BRANCH" "$base"

if [ ${#patches[@]} -eq 0 ]; then
	log "patches/ is empty: the tree is the bare base"
else
	log "applying ${#patches[@]} patches"
	amlog=$BUILD/logs/am.log
	mkdir -p "$BUILD/logs"
	if ! g -c user.name="lazytlb harness" -c user.email=harness@lazytlb.invalid \
		am --3way --keep-cr "${patches[@]}" >"$amlog" 2>&1; then
		failed=$(sed -n 's/^Patch failed at \([0-9]*\) \(.*\)/\1 \2/p' "$amlog" | head -n 1)
		num=${failed%% *}
		pfile=$(printf '%s\n' "${patches[@]}" | sed -n "$((10#${num:-1}))p")
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
		rm -f "$stampfile"
		die "git am failed; the tree is clean at the base (log: $amlog)"
	fi
fi
printf '%s %s\n' "$stamp" "$(g rev-parse HEAD)" >"$stampfile"
log "$SERIES_BRANCH at $(g log -1 --format='%h %s')"
