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
# exists in the kernel work tree; with --missing, those of collections the
# series adds that this tree does not have (the bare base, a prefix: their
# tests are reported as skipped, with the reason), and of the tests it adds
# to a collection's tests.txt (LKDTM's) that this tree's list lacks. A collection that is
# neither is an error that lists the ones there are.
set -euo pipefail
NO_LOCK=1 . "$(dirname "$0")/lib.sh"

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
	if [ -n "${SELFTESTS:-}" ]; then from="SELFTESTS=\"$SELFTESTS\""; else from="the list of $VARIANT"; fi
	d=$KTREE/tools/testing/selftests/${t%%:*}
	name=${t#*:}
	name=${name%.sh}
	if [ -d "$d" ] && [ "$t" != "${t#*:}" ] && [ -f "$d/tests.txt" ] &&
		! grep -qE "^#?$name( |\$)" "$d/tests.txt" &&
		grep -qs -- "^+$name " "$PATCHES"/*.patch; then
		# A test of a tests.txt list (LKDTM) that the series adds.
		[ $missing = 0 ] || printf '%s\n' "$t"
	elif [ -d "$d" ]; then
		[ $missing = 1 ] || printf '%s\n' "$t"
	elif grep -qs -- "^+++ b/tools/testing/selftests/${t%%:*}/" "$PATCHES"/*.patch; then
		# A collection of the series, not in this tree (the bare base, UPTO).
		[ $missing = 0 ] || printf '%s\n' "$t"
	else
		die "no selftest collection '${t%%:*}' (in $from), neither in $KTREE nor added by patches/; there are: $(cd "$KTREE/tools/testing/selftests" && find . -mindepth 2 -maxdepth 2 -name Makefile | cut -d/ -f2 | sort | paste -sd' ')"
	fi
done
