#!/usr/bin/env bash
# collections.sh - print the selftests to run, one per line.
#
# Usage: scripts/collections.sh [--missing]
#
# Reads the list kernel-config/qemu names for VARIANT ('VARIANT selftests
# FILE', a file in selftests/), else selftests/collections.VARIANT if there
# is one, else selftests/collections (comments and blank lines ignored). A
# line is COLLECTION (every test of tools/testing/selftests/COLLECTION) or
# COLLECTION:TEST (one test), as run_kselftest.sh's -c and -t take them;
# 'include FILE' takes the lines of another list, '-ENTRY' leaves out an
# entry listed before it.
# SELFTESTS="a b:c" overrides the file. Prints the entries whose collection
# exists in the kernel work tree; with --missing, the others (a collection
# the series adds is missing from the bare base: its tests are reported as
# skipped, with the reason).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

missing=0
flag_arg --missing "${1:-}" && missing=1

# entries FILE: the entries of a list; 'include OTHER' takes OTHER's
# (a file beside it), '-ENTRY' drops ENTRY from what comes before.
entries() {
	local f=$1 line
	[ -f "$f" ] || die "no selftest list $f"
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$f" | while IFS= read -r line; do
		case "$line" in
		"include "*) entries "$(dirname "$f")/${line#include }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
}

if [ -n "${SELFTESTS:-}" ]; then
	# shellcheck disable=SC2086 # a list, split on purpose
	printf '%s\n' $SELFTESTS
else
	list=$TOP/selftests/$(guest_setting selftests collections)
	[ -n "$(guest_settings selftests)" ] || [ ! -f "$TOP/selftests/collections.$VARIANT" ] ||
		list=$TOP/selftests/collections.$VARIANT
	entries "$list" | awk '/^-/ { drop[substr($0, 2)] = 1; next } { l[n++] = $0 }
		END { for (i = 0; i < n; i++) if (!(l[i] in drop)) print l[i] }'
fi | while IFS= read -r t; do
	if [ -d "$KTREE/tools/testing/selftests/${t%%:*}" ]; then
		[ $missing = 1 ] || printf '%s\n' "$t"
	else
		[ $missing = 0 ] || printf '%s\n' "$t"
	fi
done
