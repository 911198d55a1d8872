#!/usr/bin/env bash
# warnings.sh - no new W=1 or sparse (C=1) warnings from the series.
#
# Usage: [VARIANT=debug] scripts/warnings.sh
#
# Builds the C files the series touches (git diff base..lazytlb/series)
# with W=1 C=2 (sparse on every file, not only rebuilt ones), once at the
# base and once at the series head, in a separate worktree and output
# directory (build/warnings/), with the configuration of VARIANT (default:
# debug, so that code under the series' debug options is compiled).
# Prints the warnings the series adds, with line numbers dropped so that
# moved code does not count, and exits non-zero if there are any.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

need sparse sparse
VARIANT=${VARIANT_WARN:-debug}
[ -f "$BUILD/base-commit" ] || die "no base: run 'make base' first"
base=$(cat "$BUILD/base-commit")
head=$(git -C "$KTREE" rev-parse "$SERIES_BRANCH")
mapfile -t objs < <(git -C "$KTREE" diff --name-only --diff-filter=AM "$base" "$head" -- '*.c' |
	grep -v '^tools/' | sed 's/\.c$/.o/')
[ ${#objs[@]} -gt 0 ] || { echo "0 passed, 0 failed"; exit 0; }

W=$BUILD/warnings
tree=$W/tree
mkdir -p "$W"
[ -e "$tree/.git" ] || git -C "$KTREE" worktree add --quiet --detach "$tree" "$base"

# warn_set COMMIT NAME: warnings of the objects at COMMIT, normalized.
warn_set() {
	local obj=$W/obj-$2 o have=()
	git -C "$tree" checkout -q --detach "$1"
	KTREE=$tree VDIR=$W/$2 "$TOP/scripts/config.sh" >/dev/null
	for o in "${objs[@]}"; do
		[ -f "$tree/${o%.o}.c" ] && have+=("$o")
	done
	log "W=1 C=2 build of ${#have[@]} files at $2"
	make -C "$tree" O="$W/$2/obj" ARCH=arm64 CROSS_COMPILE="$CROSS_COMPILE" \
		W=1 C=2 -j"$(nproc)" "${have[@]}" >"$W/$2.log" 2>&1 ||
		{ tail -n 20 "$W/$2.log" >&2; die "build at $2 failed (log: $W/$2.log)"; }
	grep -E '(warning|error):' "$W/$2.log" |
		sed -E 's#^(\.\./)*##; s#:[0-9]+:[0-9]+:#:#; s#:[0-9]+:#:#' | sort -u >"$obj.txt"
	echo "$obj.txt"
}
before=$(warn_set "$base" base)
after=$(warn_set "$head" series)
new=$(comm -13 "$before" "$after")
nb=$(wc -l <"$before")
na=$(wc -l <"$after")
log "warnings: $nb at the base, $na with the series"
if [ -n "$new" ]; then
	printf 'new: %s\n' "$new"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "1 passed, 0 failed"
