#!/usr/bin/env bash
# knownbad.sh - show that the series' checks catch kernels broken on purpose.
#
# Usage: [SMP=4] scripts/knownbad.sh [NAME...]
#
# Under QEMU TCG nothing walks a stale TTBR0_EL1 speculatively and a freed
# mm_struct is rarely touched again, so a lazy TLB shootdown that misses a
# CPU passes every workload: only the debug checks can tell. For each
# tests/knownbad/NAME.diff (all of them by default), this checks out the
# head of lazytlb/test (the series and tests/kernel/) in build/knownbad/tree, applies the diffs its
# '# with: PART...' line names (tests/knownbad/PART.diff, in that order)
# and then its own, builds it with the 'knownbad' variant
# (kernel-config/knownbad-variants: the shootdown configuration with 4
# ASID bits; build/knownbad/obj, rebuilt incrementally from one diff to
# the next), and runs the lazy_tlb selftests on it. A kernel broken on
# purpose is caught when the run fails and the console matches every
# '# expect: REGEX' line of the diff's header (grep -E; the boot's kernel
# log, all levels, counts as console here); a line
# '# guest: VARIANT' boots it under that variant's QEMU settings
# (kernel-config/qemu: the CPU model, firmware, kernel arguments), and a
# line '# variant: NAME' builds it with another variant of
# kernel-config/knownbad-variants (KASAN, lockdep). A diff with
# '# verdict: pass' (the series with a race window widened, say) must
# instead pass, with every '# expect:' matched; one with '# verdict: panic'
# (a test that ends the guest on purpose) must fail, with every '# expect:'
# matched. With any verdict, no '# reject: REGEX' line may match the
# console. One KTAP row per diff; closing line 'N passed, N failed'.
# Consoles are kept as
# build/knownbad/NAME.console.log. Not part of 'make check'.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The whole series, also under UPTO (lib.sh).
KTREE=$SERIES_TREE
case "${1:-}" in
-h | --help) usage; exit 0 ;;
-*) usage >&2; die "unknown option '$1'" ;;
esac

S=$TOP/scripts
KB=$TOP/tests/knownbad
if [ $# -gt 0 ]; then
	names=("$@")
else
	mapfile -t names < <(find "$KB" -maxdepth 1 -name '*.diff' -printf '%f\n' | sed 's/\.diff$//' | sort)
fi
[ ${#names[@]} -gt 0 ] || die "no known-bad diffs in $KB"
"$S/deps.sh"
"$S/base.sh"
"$S/apply.sh"

tree=$BUILD/knownbad/tree
[ -e "$tree/.git" ] || git -C "$KTREE" worktree add --quiet --detach "$tree" "$TEST_BRANCH"
export KTREE=$tree SELFTESTS=lazy_tlb
OUT=$BUILD/knownbad
mkdir -p "$OUT"

# apply_diff FILE: apply a diff's body, if it has one, to the tree.
apply_diff() {
	grep -q '^diff --git' "$1" || return 0
	git -C "$tree" apply "$1" || die "${1#"$KB"/} does not apply to the head of $TEST_BRANCH"
}

# caught RC MISSING: the run failed, and every expected line was there.
caught() { [ "$1" != 0 ] && [ -z "$2" ]; }

ktap_begin
for n in "${names[@]}"; do
	diff=$KB/$n.diff
	[ -f "$diff" ] || die "no $diff"
	log "== known-bad $n"
	git -C "$tree" checkout -q --force --detach "$TEST_BRANCH"
	git -C "$tree" clean -fdq
	read -ra parts <<<"$(sed -n 's/^# with: //p' "$diff")"
	for part in "${parts[@]}"; do
		[ -f "$KB/$part.diff" ] || die "$n.diff: no $KB/$part.diff"
		apply_diff "$KB/$part.diff"
	done
	apply_diff "$diff"
	# '# variant: NAME': built with that variant of knownbad-variants.
	v=$(sed -n 's/^# variant: //p' "$diff")
	v=${v:-knownbad}
	variant_names knownbad-variants | grep -qxF -- "$v" ||
		die "$n.diff: '# variant: $v' is not in kernel-config/knownbad-variants"
	export VARIANT=$v VDIR=$BUILD/$v
	want=$(sed -n 's/^# verdict: //p' "$diff")
	want=${want:-fail}
	case $want in pass | fail | panic) ;; *) die "$n.diff: '# verdict: $want': not pass, fail or panic" ;; esac
	# '# guest: VARIANT': boot under that variant's settings (kernel-config/qemu).
	GUEST=$(sed -n 's/^# guest: //p' "$diff")
	export GUEST=${GUEST:-knownbad}
	"$S/config.sh" >/dev/null
	"$S/build.sh"
	"$S/kselftest.sh" >/dev/null
	"$S/initramfs.sh" >/dev/null
	rc=0
	"$S/test.sh" >"$OUT/$n.results.txt" 2>&1 || rc=$?
	cp "$VDIR/console.log" "$OUT/$n.console.log"
	cp "$VDIR/kernel-boot.log" "$OUT/$n.kernel-boot.log" 2>/dev/null || : >"$OUT/$n.kernel-boot.log"
	missing=$(sed -n 's/^# expect: //p' "$diff" | while IFS= read -r re; do
		grep -qE "$re" "$OUT/$n.console.log" "$OUT/$n.kernel-boot.log" || printf 'no match for %s; ' "$re"
	done)
	missing+=$(sed -n 's/^# reject: //p' "$diff" | while IFS= read -r re; do
		! grep -qE "$re" "$OUT/$n.console.log" "$OUT/$n.kernel-boot.log" || printf 'rejected line matched: %s; ' "$re"
	done)
	[ -z "$missing" ] || log "$n: console check: $missing"
	if [ "$want" = pass ]; then
		[ $rc = 0 ] || log "$n: the selftest run failed (build/knownbad/$n.results.txt)"
		ok_if "$n: passes" [ "$rc:$missing" = 0: ]
	elif [ "$want" = panic ]; then
		[ $rc != 0 ] || log "$n: the selftest run passed"
		ok_if "$n: ends as expected" caught "$rc" "$missing"
	else
		[ $rc != 0 ] || log "$n: the selftest run passed"
		ok_if "$n: caught" caught "$rc" "$missing"
	fi
done
git -C "$tree" checkout -q --force --detach "$TEST_BRANCH"
git -C "$tree" clean -fdq
ktap_end
