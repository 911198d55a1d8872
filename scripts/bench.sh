#!/usr/bin/env bash
# bench.sh - count what lazy TLB switches cost, with and without the shootdown.
#
# Usage: [SMP=4] [BENCH_VARIANTS="bench-refcount bench-shootdown"] scripts/bench.sh
#
# Builds and boots each variant of kernel-config/bench-variants (both have
# the lazy reference audit for its counters, neither has the checks that
# send IPIs of their own) and runs tools/testing/selftests/lazy_tlb/
# lazy_tlb_bench in the guest instead of the selftests. It reports, per
# variant: user <-> kernel thread switches, switches per second, the
# atomic operations on mm_count the lazy TLB helpers did per switch, and,
# for processes that ran on every CPU and exited, the function call IPIs
# of /proc/interrupts and the shootdown IPIs the ASID filter sent and left
# out. The last lines compare the first variant with each other one as
# ratios. Consoles are kept in build/VARIANT/bench-console.log; the
# summary goes to build/logs/bench.txt.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

S=$TOP/scripts
read -r -a variants <<<"${BENCH_VARIANTS:-bench-refcount bench-shootdown}"
[ ${#variants[@]} -ge 1 ] || die "BENCH_VARIANTS is empty"
"$S/deps.sh"
"$S/base.sh"
"$S/apply.sh"
out=$BUILD/logs/bench.txt
mkdir -p "$BUILD/logs"
: >"$out"

# field LINE KEY: the value of KEY=value in LINE, or "-".
field() {
	local v
	v=$(printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1)
	printf '%s\n' "${v:--}"
}

declare -A res
for v in "${variants[@]}"; do
	log "== bench $v"
	export VARIANT=$v
	VDIR=$BUILD/$v
	"$S/config.sh"
	"$S/build.sh"
	SELFTESTS=lazy_tlb "$S/kselftest.sh"
	SELFTESTS=lazy_tlb "$S/initramfs.sh"
	console=$VDIR/bench-console.log
	CONSOLE=$console KTAP=$VDIR/bench-ktap.log GUEST_TIMEOUT=${GUEST_TIMEOUT:-900} \
		APPEND="harness_run=lazy_tlb/lazy_tlb_bench" "$S/boot.sh" ||
		die "bench guest $v failed (console: $console)"
	if ! grep -q '^bench: switch cpu=' "$console" || ! grep -q '^bench: exit procs=' "$console"; then
		die "no bench results in $console"
	fi
	res[$v.mode]=$(field "$(grep -m1 '^bench: kernel' "$console")" mode)
	sw=$(grep -m1 '^bench: switch ' "$console")
	ex=$(grep -m1 '^bench: exit ' "$console")
	for k in switches switches_per_sec atomics_per_switch; do
		res[$v.$k]=$(field "$sw" "$k")
	done
	for k in procs fn_call_ipis ipis_per_exit shoot_ipis shoot_skipped failed; do
		res[$v.$k]=$(field "$ex" "$k")
	done
	printf '%s: %s\n%s: %s\n' "$v" "$sw" "$v" "$ex" >>"$out"
done

{
	printf '\n%-16s %-9s %9s %9s %9s %9s %9s %9s %9s\n' variant mode switches 'sw/s' 'atom/sw' \
		exits 'IPI/exit' shoot_ipi skipped
	for v in "${variants[@]}"; do
		printf '%-16s %-9s %9s %9s %9s %9s %9s %9s %9s\n' "$v" "${res[$v.mode]}" \
			"${res[$v.switches]}" "${res[$v.switches_per_sec]}" "${res[$v.atomics_per_switch]}" \
			"${res[$v.procs]}" "${res[$v.ipis_per_exit]}" "${res[$v.shoot_ipis]}" \
			"${res[$v.shoot_skipped]}"
	done
	b=${variants[0]}
	for v in "${variants[@]:1}"; do
		awk -v b="$b" -v v="$v" -v s1="${res[$b.switches_per_sec]}" -v s2="${res[$v.switches_per_sec]}" \
			-v a1="${res[$b.atomics_per_switch]}" -v a2="${res[$v.atomics_per_switch]}" \
			-v i1="${res[$b.ipis_per_exit]}" -v i2="${res[$v.ipis_per_exit]}" '
			function ratio(x, y) { return (x + 0 > 0) ? sprintf("%.2f", y / x) : "n/a" }
			BEGIN {
				printf "%s / %s: switches per second x%s, mm_count atomics per switch %s -> %s, function call IPIs per exit x%s\n",
					v, b, ratio(s1, s2), a1, a2, ratio(i1, i2)
			}'
	done
} | tee -a "$out"
