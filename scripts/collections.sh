#!/usr/bin/env bash
# collections.sh - print the selftests to run, one per line.
#
# Usage: scripts/collections.sh [--missing]
#
# Reads selftests/collections.VARIANT if there is one, else
# selftests/collections (comments and blank lines ignored). A line is
# COLLECTION (every test of tools/testing/selftests/COLLECTION) or
# COLLECTION:TEST (one test), as run_kselftest.sh's -c and -t take them.
# SELFTESTS="a b:c" overrides the file. Prints the entries whose collection
# exists in the kernel work tree; with --missing, the others (a collection
# the series adds is missing from the bare base: its tests are reported as
# skipped, with the reason).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

missing=0
flag_arg --missing "${1:-}" && missing=1

if [ -n "${SELFTESTS:-}" ]; then
	# shellcheck disable=SC2086 # a list, split on purpose
	printf '%s\n' $SELFTESTS
else
	list=$TOP/selftests/collections
	[ ! -f "$list.$VARIANT" ] || list=$list.$VARIANT
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$list"
fi | while IFS= read -r t; do
	if [ -d "$KTREE/tools/testing/selftests/${t%%:*}" ]; then
		[ $missing = 1 ] || printf '%s\n' "$t"
	else
		[ $missing = 0 ] || printf '%s\n' "$t"
	fi
done
