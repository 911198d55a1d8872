#!/usr/bin/env bash
# soak.sh - a bounded soak of the lazy TLB code (make soak; not in make check).
#
# Usage: [VARIANT=shootdown-kasan] [SOAK_MINUTES=10] [SMP=8] scripts/soak.sh
#
# Builds VARIANT (by default shootdown-kasan: the arm64 shootdown with the
# series' checks, KASAN and lockdep) as 'make run' does, and boots it with
# SMP (8) vCPUs running the lazy_tlb collection pass after pass until
# SOAK_MINUTES (10) have gone by; the pass in progress then finishes. The
# table is test.sh's: every pass must pass with the same verdicts
# (harness:rerun), and a kernel report fails but for those
# selftests/expect-reports lists for the test it came from. Then the lazy reference audit's books, from the counters
# the guest prints after the last pass: no unbalanced free, no CPU a
# shootdown missed, and as many outstanding lazy references as the CPUs
# hold. Closing line 'N passed, N failed' over both; the run is kept in
# build/VARIANT/runs/ like any other.
set -euo pipefail
export VARIANT=${VARIANT:-shootdown-kasan}
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

# (SOAK_MINUTES is checked in lib.sh.)
min=${SOAK_MINUTES:-10}
secs=$((min * 60))
log "soak: $VARIANT, -smp ${SMP:-8}, the lazy_tlb collection for $min min"
rc=0
out=$(SELFTESTS=lazy_tlb SMP=${SMP:-8} GUEST_TIMEOUT=$((secs + 2400)) \
	APPEND="${APPEND:-} harness_soak=$secs" "$TOP/scripts/run.sh") || rc=$?
printf '%s\n' "$out"
case $rc in 130 | 143) exit "$rc" ;; esac
line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1) ||
	die "the soak ended (status $rc) without a table"

# The counters the guest printed after its last pass.
books=$(tr -d '\r' <"$VDIR/ktap.log" | sed -n 's|^# harness: active_mm/lazy_refs: ||p')
[ -n "$books" ] || die "no lazy reference counters in $VDIR/ktap.log: $VARIANT has no CONFIG_DEBUG_VM_LAZY_MM_AUDIT"
count() { printf '%s\n' "$books" | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "none" }'; }
soak=$(tr -d '\r' <"$VDIR/ktap.log" | sed -n 's/^# harness: soak: //p')
P=0 F=0
# row NAME NOTE CMD...: a PASS row if CMD succeeds, else a FAIL row.
row() {
	local name=$1 note=$2 st=PASS
	shift 2
	if "$@"; then P=$((P + 1)); else F=$((F + 1)) st=FAIL; fi
	printf '%-5s %-58s %s\n' "$st" "$name" "$note"
}
row soak:passes "${soak:-the guest did not finish its soak}" test -n "$soak"
row soak:books/unbalanced_frees "$(count unbalanced_frees)" test "$(count unbalanced_frees)" = 0
row soak:books/outstanding_is_held \
	"outstanding $(count outstanding), held $(count held) (grabs $(count grabs), drops $(count drops))" \
	test "$(count outstanding)" = "$(count held)"
if [ "$(count shoot_missed)" != none ]; then
	row soak:books/shoot_missed \
		"$(count shoot_missed) (IPIs $(count shoot_ipis), skipped $(count shoot_skipped), switched $(count shoot_switched))" \
		test "$(count shoot_missed)" = 0
fi
log "books: $(printf '%s\n' "$books" | paste -sd' ')"
read -r p _ f _ k _ <<<"${line//,/}"
echo "$((p + P)) passed, $((f + F)) failed, ${k:-0} skipped"
[ $rc = 0 ] && [ $F = 0 ]
