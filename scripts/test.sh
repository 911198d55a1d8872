#!/usr/bin/env bash
# test.sh - boot the guest, run the selftests in it and report the results.
#
# Usage: [VARIANT=name] [SMP=4] [GUEST_TIMEOUT=secs] scripts/test.sh
#
# Boots with scripts/boot.sh, then scripts/results.py prints one row per
# test, writes build/VARIANT/results.xml (JUnit) and ends with
# 'N passed, N failed, N skipped'. Every test listed by selftests/collections
# must report; a kernel report on the console (panic, oops, BUG, WARNING,
# KASAN, lockdep) or a timeout is a failure. Exit status 0 only when
# nothing failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

list=$VDIR/kselftest/kselftest-list.txt
[ -f "$list" ] || die "no $list: run 'make kselftest' first"
expect=$VDIR/expected-tests
"$TOP/scripts/collections.sh" | while IFS= read -r t; do
	case "$t" in
	*:*) printf '%s\n' "$t" ;;
	*) grep "^$t:" "$list" || die "collection $t installed no tests" ;;
	esac
done >"$expect"

set +e
"$TOP/scripts/boot.sh"
boot=$?
set -e
log "results ($VARIANT)"
python3 "$TOP/scripts/results.py" --ktree "$KTREE" --ktap "$VDIR/ktap.log" \
	--console "$VDIR/console.log" --expect "$expect" --boot-status "$boot" \
	--junit "$VDIR/results.xml" --title "$VARIANT"
