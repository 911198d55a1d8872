#!/usr/bin/env bash
# collections.sh - print the selftests to run, one per line.
#
# Usage: scripts/collections.sh
#
# Reads selftests/collections (comments and blank lines ignored). A line is
# COLLECTION (every test of tools/testing/selftests/COLLECTION) or
# COLLECTION:TEST (one test), as run_kselftest.sh's -c and -t take them.
# SELFTESTS="a b:c" overrides the file.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

if [ -n "${SELFTESTS:-}" ]; then
	# shellcheck disable=SC2086 # a list, split on purpose
	printf '%s\n' $SELFTESTS
else
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$TOP/selftests/collections"
fi
