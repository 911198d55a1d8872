#!/usr/bin/env bash
# model.sh - bounded model check of the lazy TLB shootdown filter.
#
# Usage: scripts/model.sh [--smoke]
#
# No kernel is built; needs only python3. tests/model/lazytlb_model.py
# explores every interleaving, within bounds, of CPUs that switch mms, borrow
# them in kernel threads, exit, fork, exec, call EFI, suspend and resume, go
# offline and come back, and free the last reference (see the model's
# docstring). Bounded, not exhaustive: what it proves holds for the bounds
# printed in each row.
#  - asid, whole-ctxid (ASID allocator, 4 ASIDs, 3 CPUs, budget 2,1,2):
#    unsafe; the switch-window and EFI traces are found;
#  - mm (record only, filter over the online CPUs) and mask (mm_cpumask bit
#    + record, the series' design): no violation in 3 CPUs, budget 3,3,3
#    (--smoke: 2,2,2), of the check at each mm_free_pgd() (no CPU's TTBR0
#    or active_mm names the mm) and of the invariants checked in every
#    state (record == active_mm, TTBR0 legal, no IPI switches TTBR0 under
#    the firmware, mm_cpumask holds every CPU that names the mm);
#  - mm-record-early: unsafe (the checker sees the switch window);
#  - every mutant of the mask design (python3 tests/model/lazytlb_model.py
#    --list-mutants) is caught, with its shortest trace, or is an
#    equivalent mutant, checked by exploring the whole bounded space
#    (3,3,3; release-weakened 3,2,2, its pending stores multiply the
#    states).
# The designs and mutants run two at a time (one per core): about 5
# minutes on 2 cores (7 minutes of CPU time), --smoke under 1 minute (what
# make check runs). The traces and state counts are printed as KTAP
# diagnostics ('# '), and the mutation table at the end. Prints KTAP and
# the line 'N passed, N failed'.
set -euo pipefail
NO_LOCK=1 . "$(dirname "$0")/lib.sh"
smoke=0
if flag_arg --smoke "${1:-}"; then smoke=1; fi
need python3 python3

MODEL=${MODEL:-$TOP/tests/model/lazytlb_model.py}
T=$(mktemp -d)
remove_tmp() { rm -rf "$T"; }
at_exit remove_tmp

# The full bounds are the models' defaults; --smoke lowers the mm engine's
# and stops the ASID engine at its expected traces.
opts=()
asid_opts=()
if [ $smoke = 1 ]; then
	opts=(--budget 2)
	asid_opts=(--stop)
fi

# run KIND NAME: run the model on design or mutant NAME; output in
# $T/KIND-NAME, status in $T/KIND-NAME.rc (0: verdict as expected, 1: not,
# 2: model error).
run() {
	local rc=0 t0=$SECONDS o=$T/$1-$2 a=()
	log "model: $1 $2"
	case $1-$2 in
	design-asid | design-whole-ctxid) a=(--trace "${asid_opts[@]}") ;;
	design-*) a=(--trace --coverage "${opts[@]}") ;;
	*) a=(--trace "${opts[@]}") ;;
	esac
	# A WRITE_ONCE() record stays pending across steps: this mutant's
	# space at 3,3,3 is over the model's 12 million states; 3,2,2 (4.8
	# million, its row says so).
	if [ "$1-$2" = mutant-release-weakened ] && [ $smoke = 0 ]; then
		a+=(--budget "3,2,2")
	fi
	python3 "$MODEL" "--$1" "$2" "${a[@]}" >"$o" 2>&1 || rc=$?
	echo "$rc" >"$o.rc"
	echo "$1 $2: model.sh: exit status $rc, $((SECONDS - t0)) s wall time" >>"$o"
}

# passed KIND NAME: the model gave NAME its expected verdict.
passed() {
	if [ "$(cat "$T/$1-$2.rc")" = 0 ] && grep -q "^$1 $2: .*: PASS$" "$T/$1-$2"; then
		return 0
	fi
	echo "$1 $2: not the expected verdict, or the model did not finish"
	return 1
}

# found DESIGN CLASS: the model found a violation of CLASS in DESIGN.
found() {
	grep -q "^design $1: violation $2" "$T/design-$1" ||
		{ echo "the model found no $2 violation in $1"; return 1; }
}

# steps KIND NAME CLASS: the length of the shortest trace of CLASS.
steps() {
	sed -n "s/^$1 $2: violation $3: shortest trace \([0-9]*\) steps.*/\1/p" "$T/$1-$2" | sort -n | head -n 1 | grep . || echo '?'
}

# space KIND NAME: "N states, BOUNDS" of a run that found no violation.
space() {
	sed -n "s/^$1 $2: no violation in \([0-9]*\) states (\(.*\))$/\1 states, \2/p" "$T/$1-$2" | grep . || echo '? states'
}

diag() {
	sed 's/^/# /' "$T/$1-$2"
}

mapfile -t mutants < <(python3 "$MODEL" --list-mutants | cut -f1)
mapfile -t equivalent < <(python3 "$MODEL" --list-mutants | awk -F'\t' '$2 == "equivalent" { print $1 }')
# The longest runs first, two at a time (one per core).
items=(design:mask design:mm)
for m in "${equivalent[@]}"; do items+=("mutant:$m"); done
items+=(design:asid design:whole-ctxid design:mm-record-early)
for m in "${mutants[@]}"; do
	case " ${equivalent[*]} " in *" $m "*) ;; *) items+=("mutant:$m") ;; esac
done
t0=$SECONDS
for i in "${items[@]}"; do
	run "${i%%:*}" "${i#*:}" &
	[ "$(jobs -rp | wc -l)" -lt 2 ] || wait -n
done
wait
wall=$((SECONDS - t0))

ktap_begin
ok_if "model: asid: switch-window trace found, shortest $(steps design asid switch-window) steps" found asid switch-window
ok_if "model: asid: efi trace found, shortest $(steps design asid efi) steps" found asid efi
diag design asid
ok_if "model: whole-ctxid: violation found, shortest trace $(steps design whole-ctxid '[a-z-]*') steps" passed design whole-ctxid
diag design whole-ctxid
for d in mm mask; do
	ok_if "model: $d: no violation in $(space design $d)" passed design $d
	diag design $d
done
ok_if "model: mm-record-early: violation found, shortest trace $(steps design mm-record-early free) steps" passed design mm-record-early
diag design mm-record-early
table=()
for m in "${mutants[@]}"; do
	o=$T/mutant-$m
	if grep -q "^mutant $m: equivalent" "$o"; then
		why=$(sed -n "s/^mutant $m: equivalent, checked: //p" "$o")
		row="equivalent ($why), no violation in $(space mutant "$m")"
		table+=("$(printf '%-22s equivalent, checked: no violation in %s' "$m" "$(space mutant "$m")")")
	elif grep -q "^mutant $m: NOT equivalent" "$o"; then
		row="NOT equivalent: the model found a trace"
		table+=("$(printf '%-22s NOT equivalent: a trace (see its rows)' "$m")")
	else
		cls=$(sed -n "s/^mutant $m: caught (\([a-z-]*\)).*/\1/p" "$o")
		n=$(steps mutant "$m" "${cls:-free}")
		case $cls in
		free) by='the check at mm_free_pgd()' ;;
		efi-ipi) by='invariant (c): an IPI switches TTBR0 under the firmware' ;;
		*) by=$cls ;;
		esac
		row="caught, shortest trace $n steps (by $by)"
		table+=("$(printf '%-22s caught, shortest trace %2s steps, by %s' "$m" "$n" "$by")")
	fi
	ok_if "model: mutant $m: $row" passed mutant "$m"
	diag mutant "$m"
done
echo "# mutation table (mutants of the mask design; python3 $(basename "$MODEL") --list-mutants):"
for r in "${table[@]}"; do echo "#   $r"; done
echo "# model.sh: ${#items[@]} runs, $wall s wall time$([ $smoke = 1 ] && echo ' (--smoke)')"
ktap_end
